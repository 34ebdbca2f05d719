//! Glucose-lowering and kidney-protective drugs: mechanisms, doses, label rules and
//! the trial each effect size comes from.
//!
//! Effects act on the model's mechanisms, not on HbA1c directly:
//!
//! | mechanism | field | drugs |
//! |---|---|---|
//! | β-cell secretion ×(1 + e) | `beta_effect` | sulfonylurea, DPP-4i, GLP-1 RA |
//! | insulin sensitivity ×(1 + e) | `sensitivity_effect` | metformin (hepatic), pioglitazone |
//! | urinary glucose excretion | `sglt2_strength` | SGLT2 inhibitors (shrinks with eGFR) |
//! | energy balance (kcal/day) | `energy_kcal_per_day` | GLP-1 RA (−), pioglitazone (+), insulin (+) |
//! | β-cell decline rate × f | `beta_decline_factor` | sulfonylurea (> 1), pioglitazone (< 1) |
//! | eGFR slope × f, acute dip | `egfr_slope_factor`, `egfr_acute_dip` | SGLT2i, RAS blockade, GLP-1 RA |
//! | UACR × f | `uacr_factor` | SGLT2i, RAS blockade, GLP-1 RA |
//!
//! Effects on the same mechanism multiply (1 + e₁)(1 + e₂), and every glucose effect
//! passes through the HOMA steady state, whose curvature makes combinations
//! sub-additive in HbA1c points, and smaller at lower baseline HbA1c, as observed in
//! add-on trials. Dose–response is Emax: effect(dose) = effect(ref) ·
//! [dose/(dose + ED50)] / [ref/(ref + ED50)].
//!
//! The effect sizes at the reference dose were set so that the model, started from the
//! trial's baseline, reproduces the placebo-adjusted mean change at the trial's time
//! point (tests in `tests/drug_effects.rs`); the `source` field names that trial.

use crate::error::{MetabolicError, Result};
use serde::{Deserialize, Serialize};

/// A drug the model knows. Unknown names are rejected when parsing a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drug {
    /// Biguanide, mg/day.
    Metformin,
    /// Sulfonylurea, mg/day.
    Glimepiride,
    /// Sulfonylurea (glibenclamide), mg/day.
    Glyburide,
    /// Thiazolidinedione, mg/day.
    Pioglitazone,
    /// DPP-4 inhibitor, mg/day.
    Sitagliptin,
    /// SGLT2 inhibitor, mg/day.
    Empagliflozin,
    /// SGLT2 inhibitor, mg/day.
    Dapagliflozin,
    /// SGLT2 inhibitor, mg/day.
    Canagliflozin,
    /// GLP-1 receptor agonist, subcutaneous, mg/week.
    Semaglutide,
    /// Basal insulin, U/day; the dose given is the starting dose, then treat-to-target
    /// titration (Riddle et al. 2003 algorithm) adjusts it weekly.
    InsulinGlargine,
    /// Angiotensin-receptor blocker (RAS blockade), mg/day.
    Losartan,
    /// ACE inhibitor (RAS blockade), mg/day.
    Ramipril,
}

/// Drug class, for hypoglycaemia rules and explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugClass {
    /// Biguanide.
    Biguanide,
    /// Sulfonylurea (insulin secretagogue).
    Sulfonylurea,
    /// Thiazolidinedione.
    Thiazolidinedione,
    /// DPP-4 inhibitor.
    Dpp4Inhibitor,
    /// SGLT2 inhibitor.
    Sglt2Inhibitor,
    /// GLP-1 receptor agonist.
    Glp1Agonist,
    /// Basal insulin.
    BasalInsulin,
    /// Renin–angiotensin system blocker.
    RasBlocker,
}

/// Mechanism effects, dose range and label rules of one drug.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DrugInfo {
    /// The drug.
    pub drug: Drug,
    /// Its class.
    pub class: DrugClass,
    /// Dose unit, e.g. `"mg/day"`.
    pub dose_unit: &'static str,
    /// Lowest labelled dose.
    pub dose_min: f64,
    /// Highest labelled dose.
    pub dose_max: f64,
    /// Reference dose at which the effects below are given.
    pub dose_ref: f64,
    /// Emax ED50, same unit as the dose.
    pub dose_ed50: f64,
    /// Fractional increase of β-cell secretion at the reference dose.
    pub beta_effect: f64,
    /// Fractional increase of insulin sensitivity at the reference dose.
    pub sensitivity_effect: f64,
    /// SGLT2 glucose-excretion strength κ at the reference dose and eGFR 90 (unitless).
    pub sglt2_strength: f64,
    /// Direct energy-balance effect at the reference dose, kcal/day (negative = deficit).
    pub energy_kcal_per_day: f64,
    /// Multiplier of the β-cell decline rate while taking the drug.
    pub beta_decline_factor: f64,
    /// Multiplier of the chronic eGFR slope.
    pub egfr_slope_factor: f64,
    /// Acute, reversible haemodynamic eGFR dip at start (fraction).
    pub egfr_acute_dip: f64,
    /// Multiplier of UACR.
    pub uacr_factor: f64,
    /// Onset time constant of the glucose effect, days.
    pub onset_days: f64,
    /// Do not start below this eGFR (mL/min/1.73 m²), label.
    pub egfr_min_start: f64,
    /// Stop below this eGFR (mL/min/1.73 m²), label.
    pub egfr_min_continue: f64,
    /// The label or guideline behind `egfr_min_continue`, short (shown when a
    /// candidate plan stops the drug).
    pub egfr_stop_rule: &'static str,
    /// Where the effect sizes and label limits come from.
    pub source: &'static str,
}

const NONE: DrugInfo = DrugInfo {
    drug: Drug::Metformin,
    class: DrugClass::Biguanide,
    dose_unit: "mg/day",
    dose_min: 0.0,
    dose_max: 0.0,
    dose_ref: 1.0,
    dose_ed50: 1.0,
    beta_effect: 0.0,
    sensitivity_effect: 0.0,
    sglt2_strength: 0.0,
    energy_kcal_per_day: 0.0,
    beta_decline_factor: 1.0,
    egfr_slope_factor: 1.0,
    egfr_acute_dip: 0.0,
    uacr_factor: 1.0,
    onset_days: 10.0,
    egfr_min_start: 0.0,
    egfr_min_continue: 0.0,
    egfr_stop_rule: "",
    source: "",
};

/// The drug table: one entry per [`Drug`], published sources in `source`.
pub const DRUGS: [DrugInfo; 12] = [
    DrugInfo {
        drug: Drug::Metformin,
        class: DrugClass::Biguanide,
        dose_min: 500.0,
        dose_max: 2550.0,
        dose_ref: 2000.0,
        dose_ed50: 600.0,
        sensitivity_effect: 0.71,
        energy_kcal_per_day: -15.0,
        egfr_min_start: 45.0,
        egfr_min_continue: 30.0,
        egfr_stop_rule: "FDA label 2016: contraindicated below eGFR 30",
        source: "HbA1c −1.12 % vs placebo (Hirst et al. 2012, Diabetologia 55:2593, meta-analysis of \
                 monotherapy RCTs, ~24 wk, baseline 8.0 %); dose-response plateau near 2000 mg (Garber 1997, \
                 Am J Med 103:491); weight −0.6 kg (UKPDS 34); label: contraindicated eGFR < 30, do not \
                 start 30–45, max 1000 mg/day at eGFR 30–45 (FDA label 2016)",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Glimepiride,
        class: DrugClass::Sulfonylurea,
        dose_min: 1.0,
        dose_max: 8.0,
        dose_ref: 4.0,
        dose_ed50: 1.0,
        beta_effect: 1.12,
        energy_kcal_per_day: 25.0,
        beta_decline_factor: 1.8,
        egfr_min_start: 15.0,
        egfr_min_continue: 15.0,
        egfr_stop_rule: "label: avoid below eGFR 15",
        source: "HbA1c −1.51 % vs placebo (Hirst et al. 2013, Diabetologia 56:973, SU monotherapy \
                 meta-analysis, baseline ~8.3 %, ~24 wk); β-cell decline ×1.8 (ADOPT OGTT sub-study, Kahn \
                 et al. 2011, Diabetes 60:1552: glyburide 6.1 vs metformin 3.1 %/yr after 6 months, ratio ~2; \
                 TZD 2.0 %/yr); weight +1.7 to +2.6 kg (UKPDS 33); label: avoid eGFR < 15",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Glyburide,
        class: DrugClass::Sulfonylurea,
        dose_min: 1.25,
        dose_max: 20.0,
        dose_ref: 10.0,
        dose_ed50: 2.5,
        beta_effect: 1.12,
        energy_kcal_per_day: 25.0,
        beta_decline_factor: 1.8,
        egfr_min_start: 60.0,
        egfr_min_continue: 30.0,
        egfr_stop_rule: "KDIGO 2020 diabetes in CKD: stop below eGFR 30",
        source: "as glimepiride (Hirst et al. 2013 class effect); label/guidelines: avoid glyburide at \
                 eGFR < 60 (KDIGO 2020 diabetes in CKD), stop < 30",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Pioglitazone,
        class: DrugClass::Thiazolidinedione,
        dose_min: 15.0,
        dose_max: 45.0,
        dose_ref: 30.0,
        dose_ed50: 15.0,
        sensitivity_effect: 0.445,
        energy_kcal_per_day: 50.0,
        beta_decline_factor: 0.6,
        onset_days: 42.0,
        egfr_min_start: 0.0,
        egfr_min_continue: 0.0,
        source: "HbA1c −1.0 % vs placebo at 30 mg, 26 wk (Aronoff et al. 2000, Diabetes Care 23:1605, \
                 baseline ~10.3 %; slow onset); weight +2–3 kg; β-cell decline ×0.6 (Kahn 2011 ADOPT \
                 sub-study TZD 2.0 vs metformin 3.1 %/yr; TRIPOD, Buchanan 2002); no renal dose limit",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Sitagliptin,
        class: DrugClass::Dpp4Inhibitor,
        dose_min: 25.0,
        dose_max: 100.0,
        dose_ref: 100.0,
        dose_ed50: 10.0,
        beta_effect: 0.45,
        egfr_min_start: 0.0,
        egfr_min_continue: 0.0,
        source: "HbA1c −0.79 % vs placebo, 24 wk, baseline 8.0 % (Aschner et al. 2006, Diabetes Care \
                 29:2632); weight neutral; label: 100 mg if eGFR ≥ 45, 50 mg 30–45, 25 mg < 30",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Empagliflozin,
        class: DrugClass::Sglt2Inhibitor,
        dose_min: 10.0,
        dose_max: 25.0,
        dose_ref: 25.0,
        dose_ed50: 2.0,
        sglt2_strength: 0.35,
        energy_kcal_per_day: -260.0,
        egfr_slope_factor: 0.50,
        egfr_acute_dip: 0.06,
        uacr_factor: 0.69,
        onset_days: 4.0,
        egfr_min_start: 20.0,
        egfr_min_continue: 0.0,
        source: "HbA1c −0.85 % vs placebo at 25 mg, 24 wk, baseline 7.9 % (Roden et al. 2013, EMPA-REG \
                 MONO, Lancet Diabetes Endocrinol 1:208: adjusted difference vs placebo; change from \
                 baseline −0.78 % vs +0.08 % with placebo); weight −1.9 kg (same); chronic eGFR slope \
                 −1.37 vs −2.75 /yr → ×0.50 and acute dip (EMPA-KIDNEY, Herrington et al. 2023, NEJM \
                 388:117); UACR −31 % (CREDENCE, Oshima et al. 2020 JASN); label: start if eGFR ≥ 20",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Dapagliflozin,
        class: DrugClass::Sglt2Inhibitor,
        dose_min: 5.0,
        dose_max: 10.0,
        dose_ref: 10.0,
        dose_ed50: 1.0,
        sglt2_strength: 0.35,
        energy_kcal_per_day: -260.0,
        egfr_slope_factor: 0.50,
        egfr_acute_dip: 0.06,
        uacr_factor: 0.69,
        onset_days: 4.0,
        egfr_min_start: 25.0,
        egfr_min_continue: 0.0,
        source: "SGLT2 class effect as empagliflozin (same mechanism parameters); label: start if \
                 eGFR ≥ 25 (DAPA-CKD inclusion, FDA label 2021)",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Canagliflozin,
        class: DrugClass::Sglt2Inhibitor,
        dose_min: 100.0,
        dose_max: 300.0,
        dose_ref: 100.0,
        dose_ed50: 10.0,
        sglt2_strength: 0.35,
        energy_kcal_per_day: -260.0,
        egfr_slope_factor: 0.50,
        egfr_acute_dip: 0.06,
        uacr_factor: 0.69,
        onset_days: 4.0,
        egfr_min_start: 30.0,
        egfr_min_continue: 0.0,
        source: "SGLT2 class effect as empagliflozin; label: start if eGFR ≥ 30 (CREDENCE inclusion), \
                 100 mg only below eGFR 60",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Semaglutide,
        class: DrugClass::Glp1Agonist,
        dose_unit: "mg/week",
        dose_min: 0.25,
        dose_max: 2.0,
        dose_ref: 1.0,
        dose_ed50: 0.15,
        beta_effect: 0.98,
        energy_kcal_per_day: -305.0,
        egfr_slope_factor: 0.70,
        uacr_factor: 0.70,
        onset_days: 28.0,
        egfr_min_start: 15.0,
        egfr_min_continue: 0.0,
        source: "HbA1c −1.53 % and weight −3.56 kg vs placebo at 1 mg, 30 wk, baseline 8.05 % \
                 (Sorli et al. 2017, SUSTAIN-1, Lancet Diabetes Endocrinol 5:251); eGFR slope −2.19 vs \
                 −3.36 /yr (×0.65–0.70) and UACR −32 % (FLOW, Perkovic et al. 2024, NEJM 391:109)",
        ..NONE
    },
    DrugInfo {
        drug: Drug::InsulinGlargine,
        class: DrugClass::BasalInsulin,
        dose_unit: "U/day",
        dose_min: 4.0,
        dose_max: 150.0,
        dose_ref: 1.0,
        dose_ed50: f64::INFINITY,
        energy_kcal_per_day: 0.0,
        egfr_min_start: 0.0,
        egfr_min_continue: 0.0,
        onset_days: 3.0,
        source: "treat-to-target titration and effect per U/kg from Riddle et al. 2003 (Diabetes Care \
                 26:3080): HbA1c 8.6 → 6.96 % at 24 wk, mean final dose 47 U/day, weight +3.0 kg; no \
                 renal limit (dose needs fall with eGFR)",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Losartan,
        class: DrugClass::RasBlocker,
        dose_min: 25.0,
        dose_max: 100.0,
        dose_ref: 100.0,
        dose_ed50: 15.0,
        egfr_slope_factor: 0.85,
        egfr_acute_dip: 0.03,
        uacr_factor: 0.65,
        egfr_min_start: 0.0,
        egfr_min_continue: 0.0,
        source: "RENAAL (Brenner et al. 2001, NEJM 345:861): proteinuria −35 %, eGFR decline −4.4 vs \
                 −5.2 mL/min/1.73 m²/yr (×0.85)",
        ..NONE
    },
    DrugInfo {
        drug: Drug::Ramipril,
        class: DrugClass::RasBlocker,
        dose_min: 1.25,
        dose_max: 10.0,
        dose_ref: 10.0,
        dose_ed50: 1.5,
        egfr_slope_factor: 0.85,
        egfr_acute_dip: 0.03,
        uacr_factor: 0.70,
        egfr_min_start: 0.0,
        egfr_min_continue: 0.0,
        source: "RAS-blockade class effect as losartan (RENAAL); ACE inhibitor albuminuria reduction \
                 ~30 % (MICRO-HOPE, HOPE Study Investigators 2000, Lancet 355:253)",
        ..NONE
    },
];

impl Drug {
    /// Every drug the model knows.
    pub const ALL: [Drug; 12] = [
        Drug::Metformin,
        Drug::Glimepiride,
        Drug::Glyburide,
        Drug::Pioglitazone,
        Drug::Sitagliptin,
        Drug::Empagliflozin,
        Drug::Dapagliflozin,
        Drug::Canagliflozin,
        Drug::Semaglutide,
        Drug::InsulinGlargine,
        Drug::Losartan,
        Drug::Ramipril,
    ];

    /// The drug's table entry.
    pub fn info(self) -> &'static DrugInfo {
        &DRUGS[self as usize]
    }

    /// snake_case name, as in plan JSON.
    pub fn name(self) -> &'static str {
        match self {
            Drug::Metformin => "metformin",
            Drug::Glimepiride => "glimepiride",
            Drug::Glyburide => "glyburide",
            Drug::Pioglitazone => "pioglitazone",
            Drug::Sitagliptin => "sitagliptin",
            Drug::Empagliflozin => "empagliflozin",
            Drug::Dapagliflozin => "dapagliflozin",
            Drug::Canagliflozin => "canagliflozin",
            Drug::Semaglutide => "semaglutide",
            Drug::InsulinGlargine => "insulin_glargine",
            Drug::Losartan => "losartan",
            Drug::Ramipril => "ramipril",
        }
    }

    /// The drug with this WHO ATC code (e.g. `A10BA02` = metformin), if the model knows it.
    pub fn from_atc(code: &str) -> Option<Drug> {
        Some(match code.trim() {
            "A10BA02" => Drug::Metformin,
            "A10BB12" => Drug::Glimepiride,
            "A10BB01" => Drug::Glyburide,
            "A10BG03" => Drug::Pioglitazone,
            "A10BH01" => Drug::Sitagliptin,
            "A10BK03" => Drug::Empagliflozin,
            "A10BK01" => Drug::Dapagliflozin,
            "A10BK02" => Drug::Canagliflozin,
            "A10BJ06" => Drug::Semaglutide,
            "A10AE04" => Drug::InsulinGlargine,
            "C09CA01" => Drug::Losartan,
            "C09AA05" => Drug::Ramipril,
            _ => return None,
        })
    }

    /// Parse a drug name (case-insensitive); unknown names are an error listing the known ones.
    pub fn from_name(name: &str) -> Result<Drug> {
        let lower = name.trim().to_ascii_lowercase();
        Drug::ALL
            .into_iter()
            .find(|d| d.name() == lower)
            .ok_or_else(|| {
                let known: Vec<&str> = Drug::ALL.iter().map(|d| d.name()).collect();
                MetabolicError::invalid("drug", lower, format!("one of {}", known.join(", ")))
            })
    }

    /// Fraction of the reference-dose effect at `dose` (Emax model).
    pub fn dose_fraction(self, dose: f64) -> f64 {
        let i = self.info();
        if i.dose_ed50.is_infinite() {
            return 1.0;
        }
        (dose / (dose + i.dose_ed50)) / (i.dose_ref / (i.dose_ref + i.dose_ed50))
    }

    /// Check a dose against the labelled range.
    pub fn check_dose(self, dose: f64) -> Result<()> {
        let i = self.info();
        if dose.is_finite() && dose >= i.dose_min && dose <= i.dose_max {
            Ok(())
        } else {
            Err(MetabolicError::invalid(
                format!("dose of {}", self.name()),
                dose,
                format!("[{}, {}] {} (label)", i.dose_min, i.dose_max, i.dose_unit),
            ))
        }
    }

    /// Label check at initiation for a patient with this eGFR: an error if the drug must
    /// not be started, or if the dose exceeds the renal maximum.
    pub fn check_start(self, dose: f64, egfr: f64) -> Result<()> {
        self.check_dose(dose)?;
        let i = self.info();
        if egfr < i.egfr_min_start {
            return Err(MetabolicError::invalid(
                format!("eGFR for starting {}", self.name()),
                format!("{egfr:.1}"),
                format!(">= {} mL/min/1.73 m² (label)", i.egfr_min_start),
            ));
        }
        if let Some(max) = self.renal_max_dose(egfr)
            && dose > max
        {
            return Err(MetabolicError::invalid(
                format!("dose of {} at eGFR {egfr:.0}", self.name()),
                dose,
                format!("<= {max} {} (renal dose limit, label)", i.dose_unit),
            ));
        }
        Ok(())
    }

    /// Renal maximum dose at this eGFR, if the label sets one.
    pub fn renal_max_dose(self, egfr: f64) -> Option<f64> {
        match self {
            Drug::Metformin if egfr < 45.0 => Some(1000.0),
            Drug::Sitagliptin if egfr < 30.0 => Some(25.0),
            Drug::Sitagliptin if egfr < 45.0 => Some(50.0),
            Drug::Canagliflozin if egfr < 60.0 => Some(100.0),
            _ => None,
        }
    }
}

/// One drug in a plan: dose and the day it starts (and optionally stops).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DrugOrder {
    /// Which drug.
    pub drug: Drug,
    /// Dose in the drug's unit ([`DrugInfo::dose_unit`]); for insulin the starting dose.
    pub dose: f64,
    /// Start, days from the forecast origin.
    #[serde(default)]
    pub start_day: f64,
    /// Stop, days from the forecast origin (none = continue).
    #[serde(default)]
    pub stop_day: Option<f64>,
}

impl DrugOrder {
    /// `dose` of `drug` from day 0, open-ended.
    pub fn from_day_0(drug: Drug, dose: f64) -> Self {
        Self {
            drug,
            dose,
            start_day: 0.0,
            stop_day: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_enum() {
        for d in Drug::ALL {
            assert_eq!(d.info().drug, d);
            assert!(!d.info().source.is_empty());
            assert!((d.dose_fraction(d.info().dose_ref) - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn every_stop_rule_names_its_source() {
        // candidate plans quote the rule when they stop a drug (plan::candidate_plans)
        for d in Drug::ALL {
            let i = d.info();
            assert_eq!(
                i.egfr_min_continue > 0.0,
                !i.egfr_stop_rule.is_empty(),
                "{}",
                d.name()
            );
        }
    }

    #[test]
    fn bad_drug_inputs_are_errors() {
        let e = Drug::from_name("unobtainium").unwrap_err().to_string();
        assert!(e.contains("metformin"), "{e}");
        assert_eq!(Drug::from_name("Metformin").unwrap(), Drug::Metformin);
        assert!(Drug::Metformin.check_dose(3000.0).is_err());
        assert!(Drug::Metformin.check_start(2000.0, 25.0).is_err());
        assert!(Drug::Metformin.check_start(2000.0, 40.0).is_err());
        assert!(Drug::Metformin.check_start(1000.0, 40.0).is_err()); // do not start 30–45
        assert!(Drug::Metformin.check_start(1000.0, 50.0).is_ok());
        assert!(Drug::Dapagliflozin.check_start(10.0, 22.0).is_err());
        assert!(Drug::Empagliflozin.check_start(10.0, 22.0).is_ok());
        let json = r#"{"drug":"tolbutamide","dose":500}"#;
        assert!(serde_json::from_str::<DrugOrder>(json).is_err());
    }

    #[test]
    fn emax_dose_response_is_monotone_and_saturating() {
        let d = Drug::Metformin;
        let f: Vec<f64> = [500.0, 1000.0, 1500.0, 2000.0, 2550.0]
            .iter()
            .map(|&x| d.dose_fraction(x))
            .collect();
        assert!(f.windows(2).all(|w| w[1] > w[0]));
        assert!(f[4] - f[3] < f[1] - f[0]);
    }
}
