//! The one interface every disease twin implements: build from the patient's
//! record → calibrate with uncertainty → forecast candidate plans with intervals
//! and applicability-domain warnings → rank under a stated objective → one
//! serialisable [`TwinResult`].

use super::PatientId;
use super::ranking::{Objective, rank};
use super::result::{Calibration, CredibilityItem, PlanForecast, RESULT_SCHEMA, TwinResult};
use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};

/// How hard calibration and forecasting work: the same shape for every twin, each
/// twin maps it onto its own optimiser budget and draw counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrateOptions {
    /// Seed of every random choice (multi-start points, posterior draws);
    /// results are identical for any thread count.
    pub seed: u64,
    /// Posterior draws per forecast (`None`: the twin's default).
    pub draws: Option<usize>,
    /// `true`: a reduced budget for previews and tests (seconds, wider intervals);
    /// `false`: the twin's full defaults.
    pub quick: bool,
}

impl Default for CalibrateOptions {
    fn default() -> Self {
        CalibrateOptions {
            seed: 1,
            draws: None,
            quick: false,
        }
    }
}

impl CalibrateOptions {
    /// The number of draws: `draws` if set (checked against `allowed`), else `default`.
    pub fn draws_or(
        &self,
        default: usize,
        allowed: std::ops::RangeInclusive<usize>,
    ) -> Result<usize> {
        let n = self.draws.unwrap_or(default);
        if allowed.contains(&n) {
            Ok(n)
        } else {
            Err(CoreError::invalid(
                "draws",
                n,
                format!("{}–{} posterior draws", allowed.start(), allowed.end()),
            ))
        }
    }
}

/// A calibrated digital twin of one patient.
///
/// Implemented by every disease twin (glioma, breast, AF, T2D); the CLI, the
/// report page and the Python package drive every twin only through this trait.
/// Each disease crate keeps its richer API and builds this one on it.
pub trait DigitalTwin: Sized {
    /// What the twin is built from: the patient's `twin_io` record, plus images
    /// where the disease needs them.
    type Input;
    /// A candidate treatment plan (serialisable so results can carry it).
    type Plan: Clone + Serialize;
    /// The disease crate's error type.
    type Error: std::error::Error + From<CoreError>;

    /// Short disease name used in results and on the command line (`glioma`).
    const DISEASE: &'static str;
    /// Time unit of every time in the twin's results (`d`, `ms`, `a`).
    const TIME_UNIT: &'static str;

    /// Calibrate the twin to one patient.
    fn calibrate(
        input: &Self::Input,
        options: &CalibrateOptions,
    ) -> std::result::Result<Self, Self::Error>;

    /// The patient's pseudonymous id.
    fn patient(&self) -> &PatientId;

    /// Parameter estimates with intervals, and the data against the fit.
    fn calibration(&self) -> Calibration;

    /// The plans a clinician would consider for this patient.
    fn candidate_plans(&self) -> Vec<Self::Plan>;

    /// Forecast each plan with prediction intervals.
    fn forecast(
        &self,
        plans: &[Self::Plan],
        options: &CalibrateOptions,
    ) -> std::result::Result<Vec<PlanForecast<Self::Plan>>, Self::Error>;

    /// What the ranking optimises for this patient.
    fn objective(&self) -> Objective;

    /// Where this patient lies outside the data the model was built on.
    fn domain_warnings(&self) -> Vec<String>;

    /// Verification and validation figures of this twin, with their sources.
    fn credibility() -> Vec<CredibilityItem>;

    /// Forecast and rank `plans` (the candidate plans if empty) into one result.
    fn what_if(
        &self,
        plans: &[Self::Plan],
        options: &CalibrateOptions,
    ) -> std::result::Result<TwinResult<Self::Plan>, Self::Error> {
        let candidates;
        let plans = if plans.is_empty() {
            candidates = self.candidate_plans();
            &candidates[..]
        } else {
            plans
        };
        let forecasts = self.forecast(plans, options)?;
        let ranking = rank(&forecasts, &self.objective())?;
        Ok(TwinResult {
            schema: RESULT_SCHEMA.to_string(),
            disease: Self::DISEASE.to_string(),
            patient: self.patient().clone(),
            time_unit: Self::TIME_UNIT.to_string(),
            calibration: self.calibration(),
            forecasts,
            ranking,
            warnings: self.domain_warnings(),
            credibility: Self::credibility(),
        })
    }
}
