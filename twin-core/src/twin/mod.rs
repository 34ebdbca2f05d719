//! The shape every twin has, written down once.
//!
//! Two levels:
//!
//! 1. **The model** — [`DiseaseModel`] (mechanistic equations with physiological
//!    parameters, simulated under a [`Plan`]) and [`Observation`] (what can be
//!    measured of its state), returning a [`Trajectory`]; uncertainty over time is a
//!    [`Forecast`] (central trajectory + bands). [`crate::pk::OneCompartmentOral`]
//!    is the worked pattern.
//! 2. **The patient's twin** — [`DigitalTwin`], implemented by every disease twin
//!    (glioma, breast, AF, T2D):
//!
//! ```text
//! Input (twin_io record + images)
//!   └─ DigitalTwin::calibrate(input, &CalibrateOptions) ─► twin   (parameters with intervals)
//!        ├─ calibration()      → Calibration { parameters: [ParameterEstimate], fit: [FitSeries] }
//!        ├─ candidate_plans()  → [Plan]
//!        ├─ forecast(plans)    → [PlanForecast<Plan> { outcomes: [Outcome ± interval], trajectory, warnings }]
//!        ├─ objective()        → Objective { outcome, better, limits, tie_break }
//!        ├─ domain_warnings()  → applicability domain
//!        └─ what_if(plans)     → TwinResult<Plan>   (ranked by `rank`, schema RESULT_SCHEMA)
//! ```
//!
//! [`TwinResult`] is the one JSON schema of every twin ([`RESULT_SCHEMA`],
//! versioned); the command-line tool, the patient report page and the Python
//! package read nothing else. Ranking is one rule for all twins ([`rank`]): the
//! objective's outcome, hard limits, a tie-break, and an explanation that says
//! whether the first two plans' intervals overlap.

use crate::error::{CoreError, Result};
use crate::schedule::Plan;
use crate::stats::quantile_sorted;
use serde::{Deserialize, Serialize};

mod interface;
mod ranking;
mod result;

pub use crate::calibrate::ParameterEstimate;
pub use interface::{CalibrateOptions, DigitalTwin};
pub use ranking::{Better, Limit, Objective, RankedPlan, Ranking, rank};
pub use result::{
    Calibration, CredibilityItem, Evidence, FitSeries, Outcome, PlanForecast, RESULT_SCHEMA,
    TwinResult,
};

/// A model of one patient's disease: parameters + state + how it evolves under a plan.
pub trait DiseaseModel {
    /// Physiological parameters, each with unit and valid range.
    type Params;
    /// What the model carries in time.
    type State;
    /// What a clinician can do (dose, lesion, drug, diet).
    type Intervention;

    /// State at the start of the simulation.
    fn initial_state(&self, params: &Self::Params) -> Result<Self::State>;

    /// Simulate from the initial state under `plan` until `until` (model time units,
    /// documented by the implementing model).
    fn simulate(
        &self,
        params: &Self::Params,
        plan: &Plan<Self::Intervention>,
        until: f64,
    ) -> Result<Trajectory<Self::State>>;
}

/// What can be measured of a state (tumour volume on MRI, HbA1c, drug concentration).
pub trait Observation<S> {
    /// Names (with units) of the observed quantities, in the order of [`observe`](Self::observe).
    fn names(&self) -> Vec<String>;
    /// The observed quantities of `state`.
    fn observe(&self, state: &S) -> Vec<f64>;
}

/// A pseudonymous patient identifier (never a name, date of birth or record number).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PatientId(String);

impl PatientId {
    /// Wrap a pseudonym: 1–64 ASCII letters, digits, `-` or `_`.
    pub fn new(pseudonym: &str) -> Result<Self> {
        let ok = !pseudonym.is_empty()
            && pseudonym.len() <= 64
            && pseudonym
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(PatientId(pseudonym.to_string()))
        } else {
            // The offending value is not echoed: it might be identifying.
            Err(CoreError::invalid(
                "patient id",
                "<redacted>",
                "1–64 ASCII letters, digits, '-' or '_'",
            ))
        }
    }
    /// The pseudonym.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// States of a model over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trajectory<S> {
    /// Times (model time units, increasing).
    pub t: Vec<f64>,
    /// State at each time.
    pub states: Vec<S>,
}

impl<S> Trajectory<S> {
    /// Build from matching times and states.
    pub fn new(t: Vec<f64>, states: Vec<S>) -> Result<Self> {
        if t.len() != states.len() {
            return Err(CoreError::ShapeMismatch {
                what: "trajectory states".into(),
                expected: format!("{} (one per time)", t.len()),
                found: states.len().to_string(),
            });
        }
        Ok(Trajectory { t, states })
    }

    /// Observed quantities at every time.
    pub fn observe<O: Observation<S> + ?Sized>(&self, obs: &O) -> Vec<Vec<f64>> {
        self.states.iter().map(|s| obs.observe(s)).collect()
    }
}

/// A prediction with uncertainty: central trajectory of the observed quantities and
/// pointwise lower/upper prediction bands, plus applicability-domain warnings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Times (model time units).
    pub t: Vec<f64>,
    /// Names (with units) of the observed quantities.
    pub names: Vec<String>,
    /// Central prediction, one row per time.
    pub central: Vec<Vec<f64>>,
    /// Lower band, one row per time.
    pub lower: Vec<Vec<f64>>,
    /// Upper band, one row per time.
    pub upper: Vec<Vec<f64>>,
    /// Nominal coverage of the band (e.g. 0.9).
    pub level: f64,
    /// Why this patient or plan lies outside the data the model was calibrated on
    /// (empty if inside).
    pub out_of_domain: Vec<String>,
}

impl Forecast {
    /// Pointwise median and equal-tailed `level` band of an ensemble of observed
    /// trajectories (`samples[s][time][quantity]`, e.g. from posterior draws).
    pub fn from_samples(
        t: Vec<f64>,
        names: Vec<String>,
        samples: &[Vec<Vec<f64>>],
        level: f64,
    ) -> Result<Self> {
        if !(level > 0.0 && level < 1.0) {
            return Err(CoreError::invalid("level", level, "a number in (0, 1)"));
        }
        if samples.is_empty() {
            return Err(CoreError::invalid(
                "samples",
                0,
                "at least 1 sample trajectory",
            ));
        }
        let q = names.len();
        for (s, traj) in samples.iter().enumerate() {
            if traj.len() != t.len() || traj.iter().any(|row| row.len() != q) {
                return Err(CoreError::ShapeMismatch {
                    what: format!("samples[{s}]"),
                    expected: format!("{} times × {q} quantities", t.len()),
                    found: format!("{} times", traj.len()),
                });
            }
        }
        let alpha = (1.0 - level) / 2.0;
        let mut central = vec![vec![0.0; q]; t.len()];
        let mut lower = central.clone();
        let mut upper = central.clone();
        let mut buf = Vec::with_capacity(samples.len());
        for i in 0..t.len() {
            for j in 0..q {
                buf.clear();
                buf.extend(samples.iter().map(|s| s[i][j]));
                if let Some(bad) = buf.iter().find(|v| !v.is_finite()) {
                    return Err(CoreError::NonFinite {
                        what: format!("forecast sample `{}`={bad}", names[j]),
                        t: t[i],
                    });
                }
                buf.sort_by(f64::total_cmp);
                central[i][j] = quantile_sorted(&buf, 0.5);
                lower[i][j] = quantile_sorted(&buf, alpha);
                upper[i][j] = quantile_sorted(&buf, 1.0 - alpha);
            }
        }
        Ok(Forecast {
            t,
            names,
            central,
            lower,
            upper,
            level,
            out_of_domain: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forecast_bands_are_empirical_quantiles() {
        // 101 samples 0..=100 at one time: median 50, 90 % band [5, 95].
        let samples: Vec<Vec<Vec<f64>>> = (0..=100).map(|v| vec![vec![v as f64]]).collect();
        let f = Forecast::from_samples(vec![0.0], vec!["x".into()], &samples, 0.9).unwrap();
        // Exact up to the round-off of (1 − 0.9)/2 = 0.04999999999999999.
        let got = [f.central[0][0], f.lower[0][0], f.upper[0][0]];
        for (g, want) in got.iter().zip([50.0, 5.0, 95.0]) {
            assert!((g - want).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn patient_id_rejects_identifying_text_without_echoing_it() {
        let err = PatientId::new("Jane Doe 1970-01-01")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("Jane"));
        assert_eq!(PatientId::new("pt-0042").unwrap().as_str(), "pt-0042");
    }
}
