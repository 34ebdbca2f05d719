//! Survival outcomes: Kaplan–Meier, Nelson–Aalen, log-rank, Harrell's and Uno's C,
//! time-dependent AUC, IPCW Brier score and calibration at a time point.
//!
//! Conventions: `time` in the caller's unit (days throughout this project), `event == true`
//! for an observed event, `false` for right censoring; a higher `risk` means a shorter
//! expected survival (the scikit-survival convention; lifelines expects the negation).

pub mod concordance;
pub mod km;
pub mod time_dependent;

use crate::check;
use crate::error::Result;

/// Right-censored outcomes of a set of patients (borrowed, validated).
///
/// The fields are private so that every value has passed the checks of
/// [`SurvivalOutcomes::new`]: functions taking it can rely on equal, non-zero lengths.
/// A struct literal does not compile:
///
/// ```compile_fail
/// use twin_validate::survival::SurvivalOutcomes;
/// let s = SurvivalOutcomes { time: &[1.0, 2.0], event: &[true] };
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SurvivalOutcomes<'a> {
    /// Follow-up time of each patient (>= 0).
    time: &'a [f64],
    /// `true` when the event was observed at `time`, `false` when censored.
    event: &'a [bool],
}

impl<'a> SurvivalOutcomes<'a> {
    /// Check lengths (equal, non-zero) and times (finite, >= 0).
    pub fn new(time: &'a [f64], event: &'a [bool]) -> Result<Self> {
        check::survival(time, event, None)?;
        Ok(Self { time, event })
    }

    /// Follow-up time of each patient (>= 0).
    pub fn time(&self) -> &'a [f64] {
        self.time
    }

    /// `true` when the event was observed at the patient's time, `false` when censored.
    pub fn event(&self) -> &'a [bool] {
        self.event
    }

    /// Number of patients.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// Always false for a validated set (kept for API symmetry).
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Number of observed events.
    pub fn n_events(&self) -> usize {
        self.event.iter().filter(|&&e| e).count()
    }
}

pub use concordance::{Concordance, harrell_c, uno_c};
pub use km::{
    CensoringDistribution, KaplanMeier, LogRank, NelsonAalen, kaplan_meier, log_rank, nelson_aalen,
};
pub use time_dependent::{
    GroupCalibration, TimeDependentAuc, cumulative_dynamic_auc, integrated_brier_score,
    ipcw_brier_score, observed_expected_ratio, survival_calibration,
};
