//! The twin's prediction for one patient: calibration on the pre-treatment scans, Days
//! Gained forecast with its interval, and the probability of progression on the
//! follow-up scan (the study's clinical label).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal as StatNormal};
use twin_core::stats::Z95;

use super::truth::PROGRESSION_SCAN_DAYS;
use crate::error::{OncologyError, Result};
use crate::glioma::model::{TreatmentOptions, TreatmentOutcome, TreatmentPlan};
use crate::glioma::params::ALPHA_PRIOR_LOG_SD;
use crate::glioma::radiotherapy::Schedule;
use crate::glioma::tissue::BrainTissue;
use crate::glioma::trial::course::PROGRESSION_VOLUME_RATIO;
use crate::glioma::twin::{
    CalibrationOptions, IntervalMethod, PosteriorOptions, Segmentation, calibrate,
};

/// The twin's prediction of one patient's response from pre-treatment scans only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwinPrediction {
    /// Fitted `D_white` (mm²/day).
    pub diffusion_white_mm2_per_day: f64,
    /// 95% interval of `D_white` (Laplace; the posterior's for a near-singular fit,
    /// see `days_gained_interval`).
    pub diffusion_ci95: [f64; 2],
    /// Fitted ρ (1/day).
    pub rho_per_day: f64,
    /// 95% interval of ρ (as `diffusion_ci95`).
    pub rho_ci95: [f64; 2],
    /// Prior median α at the fitted ρ (1/Gy).
    pub alpha_median_per_gy: f64,
    /// Predicted Days Gained at α × exp(−1.96σ), α, α × exp(+1.96σ) (σ =
    /// [`ALPHA_PRIOR_LOG_SD`]), D and ρ at their fit.
    ///
    /// [`ALPHA_PRIOR_LOG_SD`]: crate::glioma::params::ALPHA_PRIOR_LOG_SD
    pub days_gained: [f64; 3],
    /// 95% prediction interval of Days Gained (α, D and ρ uncertainty;
    /// [`crate::glioma::twin::CalibratedTwin::forecast_plans_with_intervals`]).
    pub days_gained_ci95: [f64; 2],
    /// How that interval was made (first order, or posterior draws for a
    /// near-singular fit).
    pub days_gained_interval: IntervalMethod,
    /// Forecast T1Gd volume (mL) at the follow-up scan ([`PROGRESSION_SCAN_DAYS`]) at
    /// the α of [`ALPHA_Z`], D and ρ at their fit.
    pub followup_t1gd_volume_ml: [f64; 3],
    /// Probability of progression on the follow-up scan, `P(α < α*)` under the prior
    /// ([`progression_probability`]).
    pub p_progressed: f64,
    /// Calibration wall time (s).
    pub calibration_seconds: f64,
}

/// Prior z-scores (in units of [`ALPHA_PRIOR_LOG_SD`] around the median) at which the
/// twin forecasts Days Gained.
///
/// [`ALPHA_PRIOR_LOG_SD`]: crate::glioma::params::ALPHA_PRIOR_LOG_SD
pub const ALPHA_Z: [f64; 3] = [-Z95, 0.0, Z95];

/// Probability of progression from the follow-up T1Gd volumes forecast at α = median
/// × exp(σ z), z in [`ALPHA_Z`]: `P(z < z*)` for a standard-normal z, where the volume
/// crosses `threshold_ml` at `z*` on the piecewise-linear interpolation of ln volume in
/// z (end segments extrapolated; volumes floored at 1 µL, below any visible lesion).
/// The volume must not increase with α (an error otherwise, or for a non-finite or
/// negative value); a flat segment gives probability 0 or 1.
pub fn progression_probability(volumes_ml: &[f64; 3], threshold_ml: f64) -> Result<f64> {
    if volumes_ml.iter().any(|v| !(v.is_finite() && *v >= 0.0))
        || volumes_ml[1] > volumes_ml[0]
        || volumes_ml[2] > volumes_ml[1]
    {
        return Err(OncologyError::invalid(
            "followup_t1gd_volume_ml",
            format!("{volumes_ml:?}"),
            "three finite volumes ≥ 0, non-increasing in alpha",
        ));
    }
    if !(threshold_ml.is_finite() && threshold_ml > 0.0) {
        return Err(OncologyError::invalid(
            "threshold_ml",
            threshold_ml,
            "a finite volume > 0 mL",
        ));
    }
    let ln_v = volumes_ml.map(|v| v.max(1e-3).ln());
    let target = threshold_ml.ln();
    // Segment containing the crossing, else the nearer end segment (extrapolation).
    let seg = if ln_v[1] <= target { 0 } else { 1 };
    let (z0, z1, v0, v1) = (ALPHA_Z[seg], ALPHA_Z[seg + 1], ln_v[seg], ln_v[seg + 1]);
    let z_star = if v1 < v0 {
        z0 + (target - v0) * (z1 - z0) / (v1 - v0)
    } else if ln_v[1] >= target {
        f64::INFINITY
    } else {
        f64::NEG_INFINITY
    };
    Ok(StatNormal::standard().cdf(z_star))
}

/// T1Gd volume (mL) of a forecast `days` after its first fraction (the last record if
/// the forecast ends earlier).
fn t1gd_volume_ml_after(outcome: &TreatmentOutcome, days: f64) -> f64 {
    let traj = &outcome.treated;
    let t0 = traj.t_days.first().copied().unwrap_or(0.0);
    let i = traj
        .t_days
        .iter()
        .position(|t| *t >= t0 + days - 1e-9)
        .unwrap_or(traj.t_days.len().saturating_sub(1));
    traj.imaging
        .get(i)
        .map_or(0.0, |s| s.t1gd_volume_mm3 / 1000.0)
}

/// Calibrate a twin on `scans` and predict the response to `schedule` starting on
/// `rt_start_day` (scan clock): Days Gained with its interval, and the probability that
/// the follow-up scan's T1Gd volume is at least [`PROGRESSION_VOLUME_RATIO`] ×
/// `planning_t1gd_volume_ml` (the rater-measured volume at the planning scan).
pub fn twin_predict(
    atlas: &BrainTissue,
    scans: &[Segmentation],
    rt_start_day: f64,
    planning_t1gd_volume_ml: f64,
    schedule: &Schedule,
    calibration: &CalibrationOptions,
    treatment: &TreatmentOptions,
) -> Result<TwinPrediction> {
    let twin = calibrate(atlas, scans, calibration)?;
    let alpha_median = twin.lq.alpha_per_gy;
    let plan = TreatmentPlan::radiotherapy(schedule.clone());
    // The α ends of the forecast's interval are the prior's ±1.96 sd: ALPHA_Z.
    let f = twin
        .forecast_plans_with_intervals(
            atlas,
            rt_start_day,
            std::slice::from_ref(&plan),
            treatment,
            &PosteriorOptions::default(),
        )?
        .remove(0);
    let [lo, hi] = f.days_gained_alpha_ends;
    let dg = [lo, f.outcome.days_gained, hi];
    // Follow-up volumes at the same three α (the central forecast is f.outcome).
    let ends = [ALPHA_Z[0], ALPHA_Z[2]].map(|z| alpha_median * (ALPHA_PRIOR_LOG_SD * z).exp());
    let at_ends: Vec<f64> = twin
        .forecast_plan_at_alphas(atlas, rt_start_day, &plan, treatment, &ends)?
        .iter()
        .map(|o| t1gd_volume_ml_after(o, PROGRESSION_SCAN_DAYS))
        .collect();
    // Two α ends in, two forecasts out.
    let volumes = [
        at_ends[0],
        t1gd_volume_ml_after(&f.outcome, PROGRESSION_SCAN_DAYS),
        at_ends[1],
    ];
    let p_progressed =
        progression_probability(&volumes, PROGRESSION_VOLUME_RATIO * planning_t1gd_volume_ml)?;
    // A near-singular fit's parameter intervals are the posterior's too.
    let ci = |i: usize| match &f.interval_method {
        IntervalMethod::PosteriorDraws {
            diffusion_white,
            rho,
            ..
        } => {
            let e = if i == 0 { diffusion_white } else { rho };
            [e.lower, e.upper]
        }
        IntervalMethod::FirstOrder => [twin.intervals[i].lower, twin.intervals[i].upper],
    };
    Ok(TwinPrediction {
        diffusion_white_mm2_per_day: twin.growth.diffusion_white_mm2_per_day,
        diffusion_ci95: ci(0),
        rho_per_day: twin.growth.rho_per_day,
        rho_ci95: ci(1),
        alpha_median_per_gy: alpha_median,
        days_gained: dg,
        days_gained_ci95: f.days_gained_ci95,
        days_gained_interval: f.interval_method,
        followup_t1gd_volume_ml: volumes,
        p_progressed,
        calibration_seconds: twin.calibration_seconds,
    })
}
