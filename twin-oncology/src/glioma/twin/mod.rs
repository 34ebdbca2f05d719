//! One patient's glioma twin, calibrated from two or more pre-treatment scans.
//!
//! 1. **Analytic start** from travelling-wave relations: the T1Gd and FLAIR radii grow
//!    at the front speed `v = 2√(Dρ)` (Fisher 1937; `v` is their mean growth between
//!    the first and last scans), and the FLAIR–T1Gd radius gap of a
//!    travelling wave is `g = κ √(D/ρ)` with `κ = √6 · [ln(0.16^{-1/2} − 1) −
//!    ln(0.80^{-1/2} − 1)] ≈ 6.23`, from the Ablowitz–Zeppetella (1979) closed-form
//!    profile `c(ξ) = (1 + e^{ξ/√6})^{-2}` (ξ in units of `√(D/ρ)`), which is within
//!    2% of the minimal-speed wave. Hence `D = (v/2)(g/κ)`, `ρ = (v/2)/(g/κ)`.
//! 2. **PDE-constrained refinement** of `D_white`, `ρ` and the seed on the tissue
//!    around the lesion. The (unknown) time since onset is eliminated by starting the
//!    clock when the simulated T1Gd radius reaches the observed one (and reported as
//!    [`CalibratedTwin::onset_to_first_scan_days`]). The seed origin is fitted to the
//!    scans' T1Gd and FLAIR centroids (D differs between white and grey matter, so a
//!    tumour's centroid is not its origin); D and ρ to the remaining spherical-equivalent
//!    radii (FLAIR at scan 1, T1Gd and FLAIR at later scans) with Gaussian error
//!    `sigma_radius_mm`, by Nelder–Mead in log-parameters (twin-core `calibrate`);
//!    seed and growth alternate (seed, growth, seed, and growth again if the seed
//!    moved). Gauss–Newton Laplace 95% intervals in log-parameters at the optimum,
//!    conditional on the fitted seed; intervals of the seed's coordinates from the
//!    centroid residuals and the grid's resolution; the onset time's from D and ρ's.
//! 3. **Radiosensitivity** α from the population prior [`LqParams::prior_alpha_for_rho`]
//!    (log-sd [`ALPHA_PRIOR_LOG_SD`]); a post-treatment scan updates it
//!    ([`CalibratedTwin::update_alpha`]: 1-D grid posterior, D and ρ uncertainty
//!    propagated), and forecasts then use the posterior median.
//! 4. **Forecasts** of treatment plans ([`TreatmentPlan`]: fractionation, uniform PTV
//!    or a NIfTI dose map, optional temozolomide), ranked by Days Gained, with 95%
//!    intervals: first order around the fit, or — where the Laplace approximation is
//!    near-singular (slow tumours, close scans) — from posterior draws of D and ρ
//!    (twin-core ensemble MCMC under a published-range prior,
//!    [`CalibratedTwin::growth_posterior`]), so every interval is finite.
//!
//! One job per file: `segmentation` (scans and their NIfTI I/O), `simulation` (forward
//! runs from the seed), `calibration` (steps 1–2), `forecast` (step 4), `posterior`
//! (its posterior draws) and `alpha` (step 3); this module holds the twin itself and the first-order propagation of the
//! D, ρ uncertainty that calibration, forecasts and the α update share.
//!
//! [`ALPHA_PRIOR_LOG_SD`]: crate::glioma::params::ALPHA_PRIOR_LOG_SD
//! [`TreatmentPlan`]: crate::glioma::model::TreatmentPlan

mod alpha;
mod calibration;
mod forecast;
mod posterior;
mod segmentation;
mod simulation;

use serde::{Deserialize, Serialize};
use twin_core::calibrate::ParameterEstimate;

use super::params::{GrowthParams, LqParams};

pub use alpha::{ALPHA_GRID_NODES, AlphaPosterior};
pub(crate) use calibration::distance_mm;
pub use calibration::{CalibrationOptions, calibrate, forward_radii_mm, wave_gap_factor};
pub use forecast::PlanForecast;
pub use posterior::{GrowthPosterior, IntervalMethod, NEAR_SINGULAR_LOG_SD, PosteriorOptions};
pub use segmentation::{MAX_OUTSIDE_FRACTION, Segmentation};
pub use simulation::MAX_ONSET_DAYS;

/// A calibrated glioma twin.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalibratedTwin {
    /// Fitted growth parameters.
    pub growth: GrowthParams,
    /// Travelling-wave analytic start.
    pub analytic_start: GrowthParams,
    /// 95% intervals, in this order: `D_white` and `ρ` (Laplace), the seed's x, y, z
    /// (mm; from the centroid residuals) and the days from seed to the first scan
    /// (D, ρ uncertainty propagated).
    pub intervals: Vec<ParameterEstimate>,
    /// Covariance of `(ln D_white, ln ρ)` behind `intervals` (Gauss–Newton Laplace).
    pub log_covariance: [[f64; 2]; 2],
    /// Radiosensitivity used by forecasts: α is the population prior median at the
    /// fitted ρ, or the posterior median after [`CalibratedTwin::update_alpha`].
    pub lq: LqParams,
    /// The α posterior from a post-treatment scan, if one was used.
    pub alpha_posterior: Option<AlphaPosterior>,
    /// Fitted seed origin (mm): where the simulated tumour's T1Gd and FLAIR centroids
    /// match the scans' (see [`calibrate`]).
    pub seed_mm: [f64; 3],
    /// Centre of the tissue crop the twin runs on (mm): the first scan's T1Gd centroid.
    pub crop_centre_mm: [f64; 3],
    /// Simulated days from seed to the first scan.
    pub onset_to_first_scan_days: f64,
    /// Day of the first scan.
    pub first_scan_day: f64,
    /// Days of the calibration scans after the first (`[0, …]`); empty in twins
    /// serialised before this field existed.
    #[serde(default)]
    pub scan_offsets_days: Vec<f64>,
    /// Observed T1Gd radius at the first scan (mm): the model clock's anchor.
    pub first_t1gd_radius_mm: f64,
    /// Observed radii used: FLAIR at scan 1, then T1Gd and FLAIR per later scan (mm).
    pub observed_radii_mm: Vec<f64>,
    /// Fitted radii, same order (mm).
    pub fitted_radii_mm: Vec<f64>,
    /// Wall time of the calibration (s).
    pub calibration_seconds: f64,
    /// Options used.
    pub options: CalibrationOptions,
    /// Crop half-width used for the fit (mm).
    pub crop_half_width_mm: f64,
}

impl CalibratedTwin {
    /// First-order sd `√(gᵀ Σ g)` of a quantity with gradient `g` in `(ln D, ln ρ)`
    /// (Σ the Laplace covariance).
    fn growth_sd(&self, g: [f64; 2]) -> f64 {
        let s = &self.log_covariance;
        (g[0] * g[0] * s[0][0] + 2.0 * g[0] * g[1] * s[0][1] + g[1] * g[1] * s[1][1])
            .max(0.0)
            .sqrt()
    }

    /// Laplace standard deviations of `ln D_white` and `ln ρ`.
    fn growth_log_sd(&self) -> [f64; 2] {
        [0, 1].map(|j| self.log_covariance[j][j].sqrt())
    }

    /// The secant half-steps in `(ln D, ln ρ)`, the Laplace sds capped at
    /// [`MAX_SECANT_LOG_STEP`], and the growth parameters at + and − one step of
    /// `ln D`, then of `ln ρ` (the points of the first-order propagations).
    fn growth_secant_points(&self) -> ([f64; 2], [GrowthParams; 4]) {
        let sd = self.growth_log_sd().map(|sd| sd.min(MAX_SECANT_LOG_STEP));
        let points = std::array::from_fn(|k| {
            let f = if k % 2 == 0 { sd[k / 2] } else { -sd[k / 2] }.exp();
            let mut g = self.growth;
            if k / 2 == 0 {
                g.diffusion_white_mm2_per_day *= f;
            } else {
                g.rho_per_day *= f;
            }
            g
        });
        (sd, points)
    }
}

/// Largest secant half-step in `ln D` or `ln ρ` of the first-order propagations: a
/// poorly identified parameter (sd beyond ×1.65) still gets a local slope, scaled by
/// its full covariance, instead of a secant to parameters far from its fit.
pub(super) const MAX_SECANT_LOG_STEP: f64 = 0.5;
