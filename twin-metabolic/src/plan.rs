//! Treatment plans: medications (doses, start and stop days), diet and activity.

use crate::drugs::{Drug, DrugOrder};
use crate::error::{MetabolicError, Result};
use serde::{Deserialize, Serialize};

/// A candidate plan: a full regimen from the forecast origin on. Drugs the patient
/// already takes continue only if listed here (with `start_day` 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Short name shown in reports.
    pub name: String,
    /// Medications.
    #[serde(default)]
    pub drugs: Vec<DrugOrder>,
    /// Prescribed change of energy intake, kcal/day (negative = deficit); adherence fades
    /// as in [`crate::weight::Adherence`].
    #[serde(default)]
    pub diet_kcal_per_day: f64,
    /// Prescribed moderate activity, minutes/week (additional to current).
    #[serde(default)]
    pub activity_min_per_week: f64,
    /// Fasting-glucose target of basal-insulin titration, mmol/L (Riddle 2003 protocol: 5.6).
    #[serde(default = "default_fpg_target")]
    pub insulin_fpg_target_mmol_l: f64,
    /// Intensification ladder: each step adds its drugs once the patient's marker has
    /// stayed above its threshold for `sustained_days` (steps fire in order; a step whose
    /// drugs are all in the regimen already is passed over).
    #[serde(default)]
    pub rescue: Vec<RescueStep>,
}

/// The glycaemic marker a rescue step watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RescueMarker {
    /// HbA1c, %.
    Hba1cPercent,
    /// Fasting plasma glucose, mmol/L.
    FpgMmolL,
}

/// One step of an intensification ladder, e.g. GRADE's rescue (basal insulin within
/// weeks of a confirmed HbA1c > 7.5 %) or UKPDS 33's (drugs added when FPG > 15 mmol/L).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RescueStep {
    /// Marker watched.
    pub marker: RescueMarker,
    /// Threshold (the marker's unit); the step fires above it.
    pub threshold: f64,
    /// Days the marker must stay above the threshold (0 = at once).
    #[serde(default)]
    pub sustained_days: f64,
    /// Drugs added when the step fires (their `start_day` is ignored: they start then).
    pub add: Vec<DrugOrder>,
}

/// Most rescue steps per plan.
pub const MAX_RESCUE_STEPS: usize = 8;

/// Orders of `(drug, dose)` pairs from day 0, open-ended.
fn orders_from_day_0(drugs: &[(Drug, f64)]) -> Vec<DrugOrder> {
    drugs
        .iter()
        .map(|&(drug, dose)| DrugOrder::from_day_0(drug, dose))
        .collect()
}

fn default_fpg_target() -> f64 {
    5.6
}

impl Plan {
    /// A plan with only medications.
    pub fn drugs(name: &str, drugs: &[(Drug, f64)]) -> Plan {
        Plan {
            name: name.to_string(),
            drugs: orders_from_day_0(drugs),
            diet_kcal_per_day: 0.0,
            activity_min_per_week: 0.0,
            insulin_fpg_target_mmol_l: default_fpg_target(),
            rescue: Vec::new(),
        }
    }

    /// Builder: append a rescue step adding `drugs` when `marker` stays above
    /// `threshold` for `sustained_days`.
    pub fn with_rescue(
        mut self,
        marker: RescueMarker,
        threshold: f64,
        sustained_days: f64,
        drugs: &[(Drug, f64)],
    ) -> Plan {
        self.rescue.push(RescueStep {
            marker,
            threshold,
            sustained_days,
            add: orders_from_day_0(drugs),
        });
        self
    }

    /// Builder: add a diet change (kcal/day) and activity (min/week).
    pub fn with_lifestyle(mut self, diet_kcal_per_day: f64, activity_min_per_week: f64) -> Plan {
        self.diet_kcal_per_day = diet_kcal_per_day;
        self.activity_min_per_week = activity_min_per_week;
        self
    }

    /// Check doses, duplicates, lifestyle ranges, and the label rules for drugs that
    /// start at the origin given the patient's current eGFR. Drugs already taken
    /// (`current`) are continuations, which follow the stop rules, not the start rules.
    pub fn validate(&self, egfr: f64, current: &[Drug]) -> Result<()> {
        let mut seen = Vec::new();
        for o in &self.drugs {
            if seen.contains(&o.drug) {
                return Err(MetabolicError::invalid(
                    format!("plan `{}` drugs", self.name),
                    o.drug.name(),
                    "each drug at most once",
                ));
            }
            seen.push(o.drug);
            let continuing = current.contains(&o.drug) && o.start_day == 0.0;
            if continuing {
                o.drug.check_dose(o.dose)?;
                if egfr < o.drug.info().egfr_min_continue {
                    return Err(MetabolicError::invalid(
                        format!("eGFR for continuing {}", o.drug.name()),
                        format!("{egfr:.1}"),
                        format!(
                            ">= {} mL/min/1.73 m² (label)",
                            o.drug.info().egfr_min_continue
                        ),
                    ));
                }
            } else if o.start_day == 0.0 {
                o.drug.check_start(o.dose, egfr)?;
            } else {
                o.drug.check_dose(o.dose)?;
            }
            if !(o.start_day.is_finite() && o.start_day >= 0.0) {
                return Err(MetabolicError::invalid(
                    "start_day",
                    o.start_day,
                    "a finite number >= 0 days",
                ));
            }
            if let Some(s) = o.stop_day
                && !(s.is_finite() && s > o.start_day)
            {
                return Err(MetabolicError::invalid(
                    "stop_day",
                    s,
                    "a finite number > start_day",
                ));
            }
        }
        crate::check::in_range(
            "diet_kcal_per_day",
            self.diet_kcal_per_day,
            -1500.0,
            1000.0,
            "kcal/day",
        )?;
        crate::check::in_range(
            "activity_min_per_week",
            self.activity_min_per_week,
            0.0,
            1200.0,
            "min/week",
        )?;
        crate::check::in_range(
            "insulin_fpg_target_mmol_l",
            self.insulin_fpg_target_mmol_l,
            4.4,
            10.0,
            "mmol/L",
        )?;
        self.validate_rescue()
    }

    /// Check the rescue ladder: at most [`MAX_RESCUE_STEPS`] steps, thresholds within the
    /// marker's clinical range, waits of 0–730 days, valid doses.
    pub fn validate_rescue(&self) -> Result<()> {
        if self.rescue.len() > MAX_RESCUE_STEPS {
            return Err(MetabolicError::invalid(
                format!("plan `{}` rescue", self.name),
                self.rescue.len(),
                format!("at most {MAX_RESCUE_STEPS} steps"),
            ));
        }
        for r in &self.rescue {
            match r.marker {
                RescueMarker::Hba1cPercent => {
                    crate::check::in_range("rescue threshold", r.threshold, 5.0, 15.0, "% HbA1c")?
                }
                RescueMarker::FpgMmolL => crate::check::in_range(
                    "rescue threshold",
                    r.threshold,
                    4.0,
                    25.0,
                    "mmol/L FPG",
                )?,
            };
            crate::check::in_range(
                "rescue sustained_days",
                r.sustained_days,
                0.0,
                730.0,
                "days",
            )?;
            if r.add.is_empty() {
                return Err(MetabolicError::invalid(
                    "rescue add",
                    "[]",
                    "at least one drug",
                ));
            }
            for o in &r.add {
                o.drug.check_dose(o.dose)?;
            }
        }
        Ok(())
    }
}

/// A standard set of candidate plans built on the current regimen: continue, add one of
/// five drug classes (within label rules for the given eGFR), basal insulin, lifestyle,
/// and GLP-1 RA plus lifestyle. Drugs the patient already takes are not added twice.
///
/// A current drug that must be stopped at this eGFR (below its
/// [`crate::drugs::DrugInfo::egfr_min_continue`]: metformin and glyburide below 30,
/// glimepiride below 15) is left out of every candidate, and each plan's name says so
/// with the rule ([`crate::drugs::DrugInfo::egfr_stop_rule`]), e.g.
/// `current regimen (metformin stopped: eGFR 28 < 30, FDA label 2016: contraindicated
/// below eGFR 30)`.
pub fn candidate_plans(current: &[DrugOrder], egfr: f64) -> Vec<Plan> {
    let must_stop = |o: &DrugOrder| egfr < o.drug.info().egfr_min_continue;
    let (stopped, kept): (Vec<DrugOrder>, Vec<DrugOrder>) =
        current.iter().partition(|o| must_stop(o));
    let stop_note: String = stopped
        .iter()
        .map(|o| {
            let i = o.drug.info();
            format!(
                " ({} stopped: eGFR {egfr:.0} < {}, {})",
                o.drug.name(),
                i.egfr_min_continue,
                i.egfr_stop_rule
            )
        })
        .collect();
    let with = |name: &str, extra: &[(Drug, f64)]| {
        let mut p = Plan {
            name: format!("{name}{stop_note}"),
            drugs: kept.clone(),
            ..Plan::drugs("", &[])
        };
        for &(d, dose) in extra {
            if !p
                .drugs
                .iter()
                .any(|o| o.drug == d || o.drug.info().class == d.info().class)
            {
                p.drugs.push(DrugOrder::from_day_0(d, dose));
            }
        }
        p
    };
    let mut plans = vec![
        with("current regimen", &[]),
        with("+ semaglutide 1 mg/wk", &[(Drug::Semaglutide, 1.0)]),
        with(
            "+ sitagliptin",
            &[(
                Drug::Sitagliptin,
                Drug::Sitagliptin.renal_max_dose(egfr).unwrap_or(100.0),
            )],
        ),
        with("+ empagliflozin 10 mg", &[(Drug::Empagliflozin, 10.0)]),
        with("+ glimepiride 2 mg", &[(Drug::Glimepiride, 2.0)]),
        with("+ pioglitazone 30 mg", &[(Drug::Pioglitazone, 30.0)]),
        with(
            "+ basal insulin (treat-to-target)",
            &[(Drug::InsulinGlargine, 10.0)],
        ),
        with("diet −500 kcal/day + 150 min/wk", &[]).with_lifestyle(-500.0, 150.0),
        with(
            "+ semaglutide + diet −300 kcal + 150 min/wk",
            &[(Drug::Semaglutide, 1.0)],
        )
        .with_lifestyle(-300.0, 150.0),
    ];
    // drop duplicates (a class the patient already takes makes "+ X" equal to "current")
    type Key = (Vec<(Drug, u64)>, u64, u64);
    let mut seen: Vec<Key> = Vec::new();
    plans.retain(|p| {
        let mut key: Vec<(Drug, u64)> =
            p.drugs.iter().map(|o| (o.drug, o.dose.to_bits())).collect();
        key.sort();
        let k = (
            key,
            p.diet_kcal_per_day.to_bits(),
            p.activity_min_per_week.to_bits(),
        );
        if seen.contains(&k) {
            false
        } else {
            seen.push(k);
            true
        }
    });
    plans
}
