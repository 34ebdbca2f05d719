//! The metastatic breast twin behind the one patient-twin interface
//! ([`twin_core::twin::DigitalTwin`]): a `twin_io` record → calibration of tumour
//! growth and marrow parameters (Laplace posterior) → PFS and neutropenia forecasts
//! per regimen → ranking by median PFS under a grade-4 neutropenia limit.

use super::simulate::SimSettings;
use super::therapy::{DoseRules, Regimen};
use super::twin::{
    PARAMETERS, PatientTwin, calibrate, predict_observations, record_from_io, standard_regimens,
};
use crate::error::{OncologyError, Result, record_error};
use serde::{Deserialize, Serialize};
use twin_core::twin::{
    Better, CalibrateOptions, Calibration, CredibilityItem, DigitalTwin, Evidence, FitSeries,
    Limit, Objective, Outcome, PatientId, PlanForecast,
};

/// Largest acceptable probability of grade-4 neutropenia of a ranked-first regimen.
pub const MAX_GRADE4_PROBABILITY: f64 = 0.5;

/// The calibrated breast twin of one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreastTwin {
    /// The calibrated twin (posterior over tumour and marrow parameters).
    pub twin: PatientTwin,
    /// Day of the decision (last RECIST sum), days after the first sum used.
    pub decision_day: f64,
    patient: PatientId,
}

impl DigitalTwin for BreastTwin {
    type Input = twin_io::record::PatientRecord;
    type Plan = Regimen;
    type Error = OncologyError;
    const DISEASE: &'static str = "breast";
    const TIME_UNIT: &'static str = "d";

    fn calibrate(record: &Self::Input, options: &CalibrateOptions) -> Result<Self> {
        let patient = PatientId::new(&record.patient_id)?;
        // A record built in code has not passed an importer: check it here too.
        record.validate().map_err(record_error)?;
        let (own, decision_day) = record_from_io(record)?;
        let twin = calibrate(&own, options.seed)?;
        Ok(BreastTwin {
            twin,
            decision_day,
            patient,
        })
    }

    fn patient(&self) -> &PatientId {
        &self.patient
    }

    fn calibration(&self) -> Calibration {
        let rec = &self.twin.record;
        let fitted = predict_observations(rec, &self.twin.params_from_vector(&self.twin.estimate))
            .unwrap_or_default();
        let mut fit = Vec::new();
        if fitted.len() == rec.tumour_mm.len() + rec.anc.len() {
            let (sizes, anc) = fitted.split_at(rec.tumour_mm.len());
            let series = [
                ("RECIST sum of diameters", "mm", &rec.tumour_mm, sizes),
                ("neutrophils (drug-free)", "10^9/L", &rec.anc, anc),
            ];
            for (name, unit, obs, fitted) in series {
                if let Ok(s) = FitSeries::new(
                    name,
                    unit,
                    obs.iter().map(|o| o.0).collect(),
                    obs.iter().map(|o| o.1).collect(),
                    fitted.to_vec(),
                ) {
                    fit.push(s);
                }
            }
        }
        Calibration {
            parameters: self.twin.posterior.intervals.clone(),
            fit,
            method: format!(
                "posterior mode of {} parameters ({}) under population priors, seeded multi-start Nelder–Mead; 95 % Laplace intervals",
                PARAMETERS.len(),
                PARAMETERS.map(|p| p.0).join(", ")
            ),
        }
    }

    fn candidate_plans(&self) -> Vec<Regimen> {
        standard_regimens()
    }

    fn forecast(
        &self,
        plans: &[Regimen],
        options: &CalibrateOptions,
    ) -> Result<Vec<PlanForecast<Regimen>>> {
        let n = options.draws_or(if options.quick { 100 } else { 300 }, 10..=20_000)?;
        let draws = self.twin.draws_at(n, options.seed, self.decision_day)?;
        let ranking = self.twin.rank(
            plans,
            &draws,
            &DoseRules::default(),
            &SimSettings::default(),
            MAX_GRADE4_PROBABILITY,
        )?;
        plans
            .iter()
            .map(|plan| {
                let f = ranking
                    .forecasts
                    .iter()
                    .find(|f| f.regimen == plan.name)
                    .ok_or_else(|| {
                        OncologyError::invalid("regimen name", &plan.name, "unique names")
                    })?;
                let (lo, hi) = f.pfs_interval_days;
                Ok(PlanForecast::new(
                    plan.name.clone(),
                    plan.clone(),
                    vec![
                        Outcome::new("pfs_median_days", "d", f.pfs_median_days, [lo, hi], 0.9)?,
                        Outcome::exact("pfs_mean_days", "d", f.pfs_mean_days)?,
                        Outcome::exact("pfs_scan_median_days", "d", f.pfs_scan_median_days)?,
                        Outcome::exact(
                            "p_grade4_neutropenia",
                            "1",
                            f.grade4_neutropenia_probability,
                        )?,
                        Outcome::exact(
                            "p_grade3plus_neutropenia",
                            "1",
                            f.grade3plus_neutropenia_probability,
                        )?,
                        Outcome::exact(
                            "relative_dose_intensity",
                            "1",
                            f.mean_relative_dose_intensity,
                        )?,
                    ],
                ))
            })
            .collect()
    }

    fn objective(&self) -> Objective {
        Objective {
            outcome: "pfs_median_days".into(),
            better: Better::Higher,
            limits: vec![Limit {
                outcome: "p_grade4_neutropenia".into(),
                max: MAX_GRADE4_PROBABILITY,
            }],
            tie_break: Some(("pfs_mean_days".into(), Better::Higher)),
            description: format!(
                "longest median progression-free survival (RECIST 1.1 on scans every {} days) among regimens with P(grade-4 neutropenia) ≤ {MAX_GRADE4_PROBABILITY}",
                SimSettings::default().scan_interval_days
            ),
        }
    }

    fn domain_warnings(&self) -> Vec<String> {
        let r = &self.twin.record.receptors;
        let mut w = Vec::new();
        if r.her2_positive {
            w.push("HER2-positive: the candidate regimens are single-agent chemotherapy; the twin has no fitted anti-HER2 efficacy, so its ranking ignores the standard of care".into());
        }
        if !(1.0..=100.0).contains(&r.ki67_percent) {
            w.push(format!(
                "Ki-67 {} % lies outside the 1–100 % range the growth prior is scaled on",
                r.ki67_percent
            ));
        }
        if let Some(&(_, first)) = self.twin.record.tumour_mm.first()
            && !(10.0..=300.0).contains(&first)
        {
            w.push(format!(
                "baseline RECIST sum {first:.0} mm lies outside 10–300 mm, the range of the Claret 2014 population"
            ));
        }
        w.push("every regimen's efficacy comes from one population model (no drug-specific effect per biomarker): regimens differ mainly through dose intensity and toxicity".into());
        w
    }

    fn credibility() -> Vec<CredibilityItem> {
        vec![
            CredibilityItem {
                kind: Evidence::Verification,
                claim: "Claret 2014 typical patient: time to tumour regrowth".into(),
                figure: "117.3 d (published 117 d)".into(),
                source: "cargo test --release -p twin-oncology --lib breast".into(),
            },
            CredibilityItem {
                kind: Evidence::Verification,
                claim: "Stein 2008 nadir time = ln(d/g)/(d+g); Friberg 2002 drug-free ANC steady state 5.22".into(),
                figure: "to 1e-5; baseline stays 5.22".into(),
                source: "cargo test --release -p twin-oncology --lib breast".into(),
            },
            CredibilityItem {
                kind: Evidence::Uncertainty,
                claim: "posterior intervals cover the truth on synthetic patients (truth with a different marrow transit time and feedback, plus noise)".into(),
                figure: "22/24 = 0.917".into(),
                source: "cargo test --release -p twin-oncology --lib breast".into(),
            },
            CredibilityItem {
                kind: Evidence::Validation,
                claim: "relapse twin vs Cox on Rotterdam, fitted on surgery ≤ 1988, scored on 1989–93 (n = 1,425)".into(),
                figure: "Harrell C 0.697 vs 0.685, difference +0.012 (95 % CI 0.001, 0.023)".into(),
                source: "cargo run --release --example breast_relapse".into(),
            },
        ]
    }
}
