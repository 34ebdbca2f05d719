//! The twin's prediction of one patient's response: calibration on the pre-treatment
//! scans, Days Gained forecast with its interval, probability of response.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal as StatNormal};
use twin_core::stats::Z95;

use crate::error::{OncologyError, Result};
use crate::glioma::model::{TreatmentOptions, TreatmentPlan};
use crate::glioma::params::RESPONDER_DAYS_GAINED;
use crate::glioma::radiotherapy::Schedule;
use crate::glioma::tissue::BrainTissue;
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
    /// Probability of response, `P(α > α*)` under the prior.
    pub p_responder: f64,
    /// Calibration wall time (s).
    pub calibration_seconds: f64,
}

/// Prior z-scores (in units of [`ALPHA_PRIOR_LOG_SD`] around the median) at which the
/// twin forecasts Days Gained.
///
/// [`ALPHA_PRIOR_LOG_SD`]: crate::glioma::params::ALPHA_PRIOR_LOG_SD
pub const ALPHA_Z: [f64; 3] = [-Z95, 0.0, Z95];

/// Probability of response from Days Gained forecast at α = median × exp(σ z), z in
/// [`ALPHA_Z`]: `P(z > z*)` for a standard-normal z, where `DG(z*) = 100` on the
/// piecewise-linear interpolation of DG in z (end segments extrapolated). DG must not
/// decrease with α (an error otherwise, or for a non-finite value); a flat segment
/// gives probability 0 or 1.
pub fn responder_probability(days_gained: &[f64; 3]) -> Result<f64> {
    if days_gained.iter().any(|d| !d.is_finite())
        || days_gained[1] < days_gained[0]
        || days_gained[2] < days_gained[1]
    {
        return Err(OncologyError::invalid(
            "days_gained",
            format!("{days_gained:?}"),
            "three finite values, non-decreasing in alpha",
        ));
    }
    let (zs, dg, target) = (ALPHA_Z, days_gained, RESPONDER_DAYS_GAINED);
    // Segment containing the crossing, else the nearer end segment (extrapolation).
    let seg = if dg[1] >= target { 0 } else { 1 };
    let (z0, z1, d0, d1) = (zs[seg], zs[seg + 1], dg[seg], dg[seg + 1]);
    let z_star = if d1 > d0 {
        z0 + (target - d0) * (z1 - z0) / (d1 - d0)
    } else if dg[1] >= target {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    Ok(StatNormal::standard().sf(z_star))
}

/// Calibrate a twin on `scans` and predict the response to `schedule` starting on
/// `rt_start_day` (scan clock).
pub fn twin_predict(
    atlas: &BrainTissue,
    scans: &[Segmentation],
    rt_start_day: f64,
    schedule: &Schedule,
    calibration: &CalibrationOptions,
    treatment: &TreatmentOptions,
) -> Result<TwinPrediction> {
    let twin = calibrate(atlas, scans, calibration)?;
    let alpha_median = twin.lq.alpha_per_gy;
    // The α ends of the forecast's interval are the prior's ±1.96 sd: ALPHA_Z.
    let f = twin
        .forecast_plans_with_intervals(
            atlas,
            rt_start_day,
            &[TreatmentPlan::radiotherapy(schedule.clone())],
            treatment,
            &PosteriorOptions::default(),
        )?
        .remove(0);
    let [lo, hi] = f.days_gained_alpha_ends;
    let dg = [lo, f.outcome.days_gained, hi];
    let p_responder = responder_probability(&dg)?;
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
        p_responder,
        calibration_seconds: twin.calibration_seconds,
    })
}
