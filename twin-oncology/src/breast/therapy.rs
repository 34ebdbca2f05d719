//! Regimens (drug, dose, schedule, targeted/endocrine partners), the tumour
//! parameters they act on, and the clinic's dose-delay/reduction rules.

use super::pk::{Drug, ModalPk};
use crate::error::{OncologyError, Result};
use serde::{Deserialize, Serialize};

/// Typical Claret drug effect KDE at a drug's reference regimen, 1/day
/// (Claret 2014 typical breast value, as quoted in issue 8).
pub const KDE_REFERENCE_PER_DAY: f64 = 0.0103;

/// Reference regimen of each drug (dose mg/m², doses per cycle, cycle days)
/// and its potency relative to docetaxel 100 mg/m² q3w. Potencies of
/// paclitaxel and capecitabine are the trial-fitted kill rates of the
/// metastatic trial twin at these reference regimens ([`super::trial::Efficacy::fitted`]:
/// E2100, AVADO, RIBBON-1); doxorubicin has no fitted trial and is assumed
/// equipotent to docetaxel (similar response rates, ~30–40 %, in metastatic trials).
pub fn reference(drug: Drug) -> (f64, f64, f64, f64) {
    let [paclitaxel, capecitabine] = *trial_potencies();
    match drug {
        Drug::Paclitaxel => (80.0, 1.0, 7.0, paclitaxel),
        Drug::Docetaxel => (100.0, 1.0, 21.0, 1.0),
        Drug::Doxorubicin => (60.0, 1.0, 21.0, 1.0),
        Drug::Capecitabine => (2.0 * 14.0 * 1250.0, 1.0, 21.0, capecitabine),
    }
}

/// Paclitaxel's and capecitabine's fitted kill relative to docetaxel's, computed
/// once: [`reference`] runs for every integrated segment of every simulation.
fn trial_potencies() -> &'static [f64; 2] {
    static POTENCIES: std::sync::OnceLock<[f64; 2]> = std::sync::OnceLock::new();
    POTENCIES.get_or_init(|| {
        use super::trial::Agent;
        let e = super::trial::Efficacy::fitted();
        let relative = |a: Agent| match (e.kill(a), e.kill(Agent::Docetaxel)) {
            (Ok(k), Ok(d)) if d > 0.0 => k / d,
            _ => 1.0,
        };
        [relative(Agent::Paclitaxel), relative(Agent::Capecitabine)]
    })
}

/// Tumour kill per unit concentration, 1/(day·mg/L), such that the
/// reference regimen's average concentration gives `KDE_REFERENCE × potency`
/// for a 1.8 m² patient with typical clearance.
pub fn kill_per_mg_l_day(drug: Drug) -> f64 {
    let (dose, n, cycle, potency) = reference(drug);
    let pk = drug.pk();
    let c_avg = dose * 1.8 * n * pk.bioavailability / (pk.cl_l_per_h * 24.0 * cycle);
    KDE_REFERENCE_PER_DAY * potency / c_avg
}

/// Non-cytotoxic partner therapy, modelled as a multiplier of the tumour's
/// net growth rate KL when the tumour expresses the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Targeted {
    /// Tamoxifen (ER-positive only).
    Tamoxifen,
    /// Aromatase inhibitor, e.g. letrozole (ER-positive only).
    AromataseInhibitor,
    /// CDK4/6 inhibitor, e.g. palbociclib (ER-positive only).
    Cdk46Inhibitor,
    /// Trastuzumab (HER2-positive only).
    Trastuzumab,
}

impl Targeted {
    /// Growth-rate multiplier when the target is present. Assumption: the
    /// trial hazard ratio of progression is used as the multiplier of KL —
    /// letrozole vs tamoxifen 0.70 (Mouridsen 2003, J Clin Oncol 21:2101),
    /// palbociclib + letrozole vs letrozole 0.58 (Finn 2016, PALOMA-2),
    /// trastuzumab + chemotherapy vs chemotherapy 0.51 (Slamon 2001,
    /// N Engl J Med 344:783); tamoxifen vs none 0.6 (assumed).
    pub fn growth_multiplier(self) -> f64 {
        match self {
            Targeted::Tamoxifen => 0.6,
            Targeted::AromataseInhibitor => 0.6 * 0.70,
            Targeted::Cdk46Inhibitor => 0.58,
            Targeted::Trastuzumab => 0.51,
        }
    }

    /// Whether the therapy acts on a tumour with these receptors.
    pub fn acts_on(self, receptors: &Receptors) -> bool {
        match self {
            Targeted::Trastuzumab => receptors.her2_positive,
            _ => receptors.er_positive,
        }
    }
}

/// Tumour receptor status and proliferation marker.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Receptors {
    /// Oestrogen-receptor positive.
    pub er_positive: bool,
    /// Progesterone-receptor positive.
    pub pr_positive: bool,
    /// HER2 positive (IHC 3+ or ISH amplified).
    pub her2_positive: bool,
    /// HER2-low (IHC 1+, or 2+ with a negative ISH); a record gives it as HER2
    /// status `"low"` (in FHIR: the value's text, display or string "Low").
    #[serde(default)]
    pub her2_low: bool,
    /// Ki-67 labelling index, % (20 when the record has none: the growth prior's
    /// reference, see `ki67_measured`).
    pub ki67_percent: f64,
    /// Whether Ki-67 was measured (a record without it gets 20 % for the growth
    /// prior, and the trial forecasts treat it as unknown).
    #[serde(default = "measured")]
    pub ki67_measured: bool,
    /// Molecular subtype of a triple-negative tumour (TNBCtype-4), when profiled;
    /// a record gives it as a biomarker with code
    /// [`crate::breast::twin::TNBC_SUBTYPE_CODE`] and status "BL1", "BL2", "M" or "LAR".
    #[serde(default)]
    pub tnbc_subtype: Option<crate::breast::trial::TnbcSubtype>,
}

impl Receptors {
    /// ER- and PR-positive, HER2-negative (not HER2-low), with a measured Ki-67 (%)
    /// and no triple-negative subtype: the commonest metastatic presentation.
    pub fn hormone_positive_her2_negative(ki67_percent: f64) -> Self {
        Receptors {
            er_positive: true,
            pr_positive: true,
            her2_positive: false,
            her2_low: false,
            ki67_percent,
            ki67_measured: true,
            tnbc_subtype: None,
        }
    }
}

fn measured() -> bool {
    true
}

/// A candidate treatment plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regimen {
    /// Display name.
    pub name: String,
    /// Cytotoxic drug.
    pub drug: Drug,
    /// Dose per administration, mg/m².
    pub dose_mg_per_m2: f64,
    /// Cycle length, days.
    pub cycle_days: f64,
    /// Administration days within a cycle (0 = first day).
    pub dose_days: Vec<f64>,
    /// Infusion duration, hours (ignored for oral drugs).
    pub infusion_h: f64,
    /// Partner targeted/endocrine therapies given continuously (none when absent).
    #[serde(default)]
    pub targeted: Vec<Targeted>,
}

impl Regimen {
    /// Check the regimen.
    pub fn validate(&self) -> Result<()> {
        if !(self.dose_mg_per_m2.is_finite() && self.dose_mg_per_m2 > 0.0) {
            return Err(OncologyError::invalid(
                "dose_mg_per_m2",
                self.dose_mg_per_m2,
                "a finite dose > 0 mg/m²",
            ));
        }
        if !(self.cycle_days.is_finite() && self.cycle_days >= 1.0) {
            return Err(OncologyError::invalid(
                "cycle_days",
                self.cycle_days,
                ">= 1 day",
            ));
        }
        if self.dose_days.is_empty()
            || self.dose_days.windows(2).any(|w| w[1] <= w[0])
            || self
                .dose_days
                .iter()
                .any(|d| !(*d >= 0.0 && *d < self.cycle_days))
        {
            return Err(OncologyError::invalid(
                "dose_days",
                format!("{:?}", self.dose_days),
                "increasing days in [0, cycle_days)",
            ));
        }
        let oral = self.drug.pk().ka_per_h.is_some();
        if !(self.infusion_h >= 0.0 && self.infusion_h <= 24.0 * self.cycle_days)
            || (!oral && self.infusion_h == 0.0)
        {
            return Err(OncologyError::invalid(
                "infusion_h",
                self.infusion_h,
                "0 < hours <= cycle length (0 allowed only for oral bolus dosing)",
            ));
        }
        Ok(())
    }

    /// Paclitaxel 80 mg/m² weekly, 1-h infusion.
    pub fn paclitaxel_weekly() -> Self {
        Self::iv(
            "paclitaxel 80 mg/m2 weekly",
            Drug::Paclitaxel,
            80.0,
            7.0,
            vec![0.0],
            1.0,
        )
    }
    /// Paclitaxel every 3 weeks, 3-h infusion (TAX 311's and the Taxol label's
    /// breast-cancer study's schedule).
    pub fn paclitaxel_q3w(dose_mg_per_m2: f64) -> Self {
        Self::iv(
            &format!("paclitaxel {dose_mg_per_m2} mg/m2 q3w, 3-h infusion"),
            Drug::Paclitaxel,
            dose_mg_per_m2,
            21.0,
            vec![0.0],
            3.0,
        )
    }
    /// Docetaxel every 3 weeks, 1-h infusion.
    pub fn docetaxel_q3w(dose_mg_per_m2: f64) -> Self {
        Self::iv(
            &format!("docetaxel {dose_mg_per_m2} mg/m2 q3w"),
            Drug::Docetaxel,
            dose_mg_per_m2,
            21.0,
            vec![0.0],
            1.0,
        )
    }
    /// Doxorubicin 60 mg/m² every 3 weeks, 15-min infusion.
    pub fn doxorubicin_q3w() -> Self {
        Self::iv(
            "doxorubicin 60 mg/m2 q3w",
            Drug::Doxorubicin,
            60.0,
            21.0,
            vec![0.0],
            0.25,
        )
    }
    /// Capecitabine 1250 mg/m² twice daily, days 1–14 every 21 days. With a
    /// half-life of ~0.85 h (≪ the 12-h dosing interval) and a linear effect,
    /// only the exposure per day matters, so the 28 oral doses are given as a
    /// 14-day zero-order input of 2 × 14 × 1250 mg/m² (one call to the
    /// integrator per cycle instead of 28).
    pub fn capecitabine() -> Self {
        Regimen {
            name: "capecitabine 1250 mg/m2 bid d1-14 q3w".into(),
            drug: Drug::Capecitabine,
            dose_mg_per_m2: 2.0 * 14.0 * 1250.0,
            cycle_days: 21.0,
            dose_days: vec![0.0],
            infusion_h: 14.0 * 24.0,
            targeted: Vec::new(),
        }
    }

    fn iv(name: &str, drug: Drug, dose: f64, cycle: f64, days: Vec<f64>, inf_h: f64) -> Self {
        Regimen {
            name: name.into(),
            drug,
            dose_mg_per_m2: dose,
            cycle_days: cycle,
            dose_days: days,
            infusion_h: inf_h,
            targeted: Vec::new(),
        }
    }

    /// The same regimen with a partner therapy added.
    pub fn with(mut self, t: Targeted) -> Self {
        self.name = format!("{} + {t:?}", self.name);
        self.targeted.push(t);
        self
    }
}

/// Dose delay and reduction rules (as in the docetaxel and paclitaxel
/// labels: treat only with ANC ≥ 1.5×10⁹/L on day 1, hold weekly doses
/// below 1.0, reduce the dose after grade 4 neutropenia).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DoseRules {
    /// ANC needed to start a cycle, 10⁹/L.
    pub cycle_start_anc: f64,
    /// ANC needed for a within-cycle dose (weekly schedules), 10⁹/L.
    pub within_cycle_anc: f64,
    /// Delay when the cycle cannot start, days.
    pub delay_days: f64,
    /// Dose multiplier applied after a cycle with grade 4 neutropenia.
    pub reduction_factor: f64,
    /// Maximum number of reductions.
    pub max_reductions: u32,
}

impl Default for DoseRules {
    fn default() -> Self {
        DoseRules {
            cycle_start_anc: 1.5,
            within_cycle_anc: 1.0,
            delay_days: 7.0,
            reduction_factor: 0.8,
            max_reductions: 2,
        }
    }
}

impl DoseRules {
    /// Longest accepted delay of a cycle, days (12 weeks).
    pub const MAX_DELAY_DAYS: f64 = 84.0;
    /// Most dose reductions accepted.
    pub const MAX_REDUCTIONS: u32 = 10;

    /// Check the rules: ANC thresholds finite in 0–10 ×10⁹/L, a delay of 1 to
    /// [`Self::MAX_DELAY_DAYS`] days (a delay that does not advance time would
    /// never let a cycle start), a reduction factor in (0, 1] and at most
    /// [`Self::MAX_REDUCTIONS`] reductions. Errors name the field, value and range.
    pub fn validate(&self) -> Result<()> {
        crate::error::check_in_range(
            "dose_rules.cycle_start_anc",
            self.cycle_start_anc,
            0.0,
            10.0,
        )?;
        crate::error::check_in_range(
            "dose_rules.within_cycle_anc",
            self.within_cycle_anc,
            0.0,
            10.0,
        )?;
        crate::error::check_in_range(
            "dose_rules.delay_days",
            self.delay_days,
            1.0,
            Self::MAX_DELAY_DAYS,
        )?;
        if !(self.reduction_factor.is_finite()
            && self.reduction_factor > 0.0
            && self.reduction_factor <= 1.0)
        {
            return Err(OncologyError::invalid(
                "dose_rules.reduction_factor",
                self.reduction_factor,
                "a multiplier in (0, 1]",
            ));
        }
        if self.max_reductions > Self::MAX_REDUCTIONS {
            return Err(OncologyError::invalid(
                "dose_rules.max_reductions",
                self.max_reductions,
                format!("0 to {}", Self::MAX_REDUCTIONS),
            ));
        }
        Ok(())
    }
}

/// Patient-level tumour parameters (Claret model, size = RECIST sum in mm).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TumourParams {
    /// Sum of target-lesion diameters at the start of treatment, mm.
    pub baseline_mm: f64,
    /// Net growth rate KL without treatment, 1/day.
    pub kl_per_day: f64,
    /// Chemosensitivity multiplier of the drug's kill rate (1 = typical).
    pub sensitivity: f64,
    /// Resistance (effect decay) rate λ, 1/day.
    pub lambda_per_day: f64,
}

/// One patient's full parameter set for simulation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PatientParams {
    /// Tumour.
    pub tumour: TumourParams,
    /// Marrow (Friberg system parameters).
    pub marrow: super::friberg::FribergParams,
    /// Multiplier of the drug's myelosuppression slope (1 = typical).
    pub marrow_sensitivity: f64,
    /// Multiplier of the drug's clearance (1 = typical).
    pub clearance_factor: f64,
    /// Body-surface area, m².
    pub bsa_m2: f64,
    /// Receptor status.
    pub receptors: Receptors,
}

impl PatientParams {
    /// Check every field.
    pub fn validate(&self) -> Result<()> {
        let t = &self.tumour;
        let m = &self.marrow;
        for (f, v) in [
            ("baseline_mm", t.baseline_mm),
            ("kl_per_day", t.kl_per_day),
            ("sensitivity", t.sensitivity),
            ("lambda_per_day", t.lambda_per_day),
            ("circ0_1e9_per_l", m.circ0_1e9_per_l),
            ("mtt_h", m.mtt_h),
            ("gamma", m.gamma),
            ("marrow_sensitivity", self.marrow_sensitivity),
            ("clearance_factor", self.clearance_factor),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(OncologyError::invalid(f, v, "a finite number > 0"));
            }
        }
        if !(0.5..=3.5).contains(&self.bsa_m2) {
            return Err(OncologyError::invalid(
                "bsa_m2",
                self.bsa_m2,
                "0.5..=3.5 m²",
            ));
        }
        Ok(())
    }

    /// Net growth rate under the regimen's partner therapies.
    pub fn growth_rate(&self, regimen: &Regimen) -> f64 {
        regimen
            .targeted
            .iter()
            .filter(|t| t.acts_on(&self.receptors))
            .fold(self.tumour.kl_per_day, |kl, t| kl * t.growth_multiplier())
    }

    /// Modal PK of `drug` for this patient.
    pub fn pk(&self, drug: Drug) -> Result<ModalPk> {
        ModalPk::new(&drug.pk(), self.clearance_factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regimen_validation() {
        assert!(Regimen::docetaxel_q3w(75.0).validate().is_ok());
        assert!(Regimen::capecitabine().validate().is_ok());
        assert!(
            Regimen::docetaxel_q3w(0.0)
                .validate()
                .unwrap_err()
                .to_string()
                .contains("dose_mg_per_m2")
        );
        let mut r = Regimen::paclitaxel_weekly();
        r.dose_days = vec![0.0, 9.0];
        assert!(r.validate().is_err());
    }

    #[test]
    fn reference_regimen_reproduces_claret_kde() {
        // By construction the time-averaged kill of the reference docetaxel
        // regimen equals KDE: kd × AUC / τ.
        let kd = kill_per_mg_l_day(Drug::Docetaxel);
        let auc = 100.0 * 1.8 / (35.7 * 24.0);
        assert!((kd * auc / 21.0 - KDE_REFERENCE_PER_DAY).abs() < 1e-12);
    }
}
