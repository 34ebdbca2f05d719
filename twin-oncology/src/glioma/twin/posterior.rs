//! Posterior draws of `D_white` and ρ (twin-core's ensemble MCMC) and Days-Gained
//! intervals over them, for tumours whose scans leave the Laplace approximation
//! near-singular (slow tumours with close scans: the radii barely move, so D and ρ
//! are nearly unidentified and first-order propagation gives unbounded intervals).
//!
//! **Posterior.** Likelihood: the calibration's (Gaussian radii, error
//! `sigma_radius_mm`, seed fixed at its fit). Prior: log-normal per parameter whose
//! central 95 % is the published glioblastoma range (Harpold, Alvord & Swanson 2007:
//! `D_white` 0.02–1.5 mm²/day, ρ 0.005–0.2 /day;
//! [`log_normal_prior_of_range`]). This prior is not the in-silico cohort's generator
//! (ρ log-uniform on 0.02–0.2 with a front-width and speed filter): the gap is
//! deliberate, a twin knows population ranges, not a simulator's distribution.
//!
//! **Forecast draws.** `n_forecast_draws` posterior draws, evenly spaced over the
//! kept chain; each gets α from the α prior at its own ρ (median
//! [`LqParams::prior_alpha_for_rho`], log-sd [`ALPHA_PRIOR_LOG_SD`]), or from the α
//! grid posterior after [`CalibratedTwin::update_alpha`] (a quantile drawn
//! independently of D and ρ: the grid posterior is conditional on the fitted D, ρ).
//! The interval is the equal-tailed 95 % of the drawn Days Gained.
//!
//! [`ALPHA_PRIOR_LOG_SD`]: crate::glioma::params::ALPHA_PRIOR_LOG_SD

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::calibrate::{
    Likelihood, McmcDiagnostics, McmcOptions, Observations, ParameterEstimate, ParameterSpec,
    Prior, Problem, SigmaModel, Transform, sample_posterior_around,
};
use twin_core::stats::quantile_sorted;

use super::CalibratedTwin;
use super::calibration::forward_radii_mm;
use crate::error::{OncologyError, Result};
use crate::glioma::model::{TreatmentOptions, TreatmentPlan};
use crate::glioma::params::{
    ALPHA_PRIOR_LOG_SD, GrowthParams, LqParams, PUBLISHED_D_WHITE_RANGE_MM2_PER_DAY,
    PUBLISHED_RHO_RANGE_PER_DAY, log_normal_prior_of_range,
};
use crate::glioma::tissue::BrainTissue;

/// Largest Laplace log-sd of `D_white` or ρ at which the first-order intervals are
/// kept: the secant half-step cap of the first-order propagation, beyond which the
/// linearisation no longer spans the parameter's uncertainty.
pub const NEAR_SINGULAR_LOG_SD: f64 = super::MAX_SECANT_LOG_STEP;

/// Settings of [`CalibratedTwin::growth_posterior`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PosteriorOptions {
    /// Ensemble walkers (even, ≥ 4).
    pub n_walkers: usize,
    /// Steps per walker, including burn-in.
    pub n_steps: usize,
    /// Steps discarded at the start.
    pub burn_in: usize,
    /// Posterior draws each plan is forecast for.
    pub n_forecast_draws: usize,
    /// Seed of the sampler and of the α draws.
    pub seed: u64,
}

impl Default for PosteriorOptions {
    /// 8 walkers × 600 steps (200 burn-in): 4,800 forward runs, 40–150 s on 2 cores
    /// on the 2 mm atlas (slow tumours take longest). Chains of 150–250 steps left
    /// split R̂ at 1.24–1.47 on two development patients (the radii move in voxel
    /// steps, so the likelihood is rough and the ensemble mixes slowly); at this
    /// length R̂ was 1.12–1.14 on both. 40 forecast draws per plan.
    fn default() -> Self {
        Self {
            n_walkers: 8,
            n_steps: 600,
            burn_in: 200,
            n_forecast_draws: 40,
            seed: 20_250_917,
        }
    }
}

/// Posterior of the growth parameters from the pre-treatment scans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrowthPosterior {
    /// Median and equal-tailed 95 % interval of `D_white` (mm²/day).
    pub diffusion_white: ParameterEstimate,
    /// Median and equal-tailed 95 % interval of ρ (1/day).
    pub rho: ParameterEstimate,
    /// Draws the forecasts use (evenly spaced over the kept chain).
    pub forecast_draws: Vec<GrowthParams>,
    /// Sampler diagnostics (acceptance, ESS, split R̂ of `D_white` and ρ).
    pub diagnostics: McmcDiagnostics,
}

/// How a [`super::PlanForecast`]'s interval was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum IntervalMethod {
    /// First order around the fit: α ends and Laplace secants in quadrature.
    FirstOrder,
    /// Equal-tailed 95 % of the Days Gained of posterior draws.
    PosteriorDraws {
        /// Draws forecast.
        draws: usize,
        /// Draws whose run failed (left out of the interval).
        failed: usize,
        /// Median Days Gained over the draws.
        median_days_gained: f64,
        /// Posterior median and 95 % interval of `D_white` (mm²/day).
        diffusion_white: ParameterEstimate,
        /// Posterior median and 95 % interval of ρ (1/day).
        rho: ParameterEstimate,
        /// Largest split R̂ of the two parameters.
        r_hat_max: f64,
    },
}

impl PosteriorOptions {
    fn validate(&self) -> Result<()> {
        if self.n_walkers < 4 || !self.n_walkers.is_multiple_of(2) {
            return Err(OncologyError::invalid(
                "n_walkers",
                self.n_walkers,
                "an even number ≥ 4",
            ));
        }
        if self.burn_in + 4 > self.n_steps {
            return Err(OncologyError::invalid(
                "n_steps",
                self.n_steps,
                format!("≥ burn_in + 4 = {}", self.burn_in + 4),
            ));
        }
        if self.n_forecast_draws < 10 {
            return Err(OncologyError::invalid(
                "n_forecast_draws",
                self.n_forecast_draws,
                "≥ 10 (a 95 % interval from fewer draws is its extremes)",
            ));
        }
        Ok(())
    }
}

impl CalibratedTwin {
    /// Is the Laplace approximation too wide for first-order intervals (a log-sd of
    /// `D_white` or ρ above [`NEAR_SINGULAR_LOG_SD`], or not finite)?
    pub fn is_near_singular(&self) -> bool {
        self.growth_log_sd()
            .iter()
            .any(|sd| sd.is_nan() || *sd > NEAR_SINGULAR_LOG_SD)
    }

    /// Sample the posterior of `(D_white, ρ)` given the calibration scans; `tissue`
    /// must be the one the twin was calibrated on. Likelihood: the calibration's
    /// (Gaussian radii, error `sigma_radius_mm`, seed fixed at its fit). Prior:
    /// log-normal per parameter whose central 95 % is the published glioblastoma range
    /// (Harpold, Alvord & Swanson 2007; [`log_normal_prior_of_range`]), not the
    /// in-silico cohort's generator. Sampler: twin-core's ensemble MCMC, walkers
    /// started around the fit.
    pub fn growth_posterior(
        &self,
        tissue: &BrainTissue,
        options: &PosteriorOptions,
    ) -> Result<GrowthPosterior> {
        options.validate()?;
        if self.scan_offsets_days.len() < 2 {
            return Err(OncologyError::invalid(
                "scan_offsets_days",
                self.scan_offsets_days.len(),
                "≥ 2 scan offsets (a twin from `calibrate`; older serialised twins lack them)",
            ));
        }
        let crop = tissue.crop(self.crop_centre_mm, self.crop_half_width_mm)?;
        let ratio = self.growth.white_grey_ratio;
        let growth_of = |p: &[f64]| GrowthParams {
            diffusion_white_mm2_per_day: p[0],
            rho_per_day: p[1],
            white_grey_ratio: ratio,
        };
        let (seed, sigma_seed, r1) = (
            self.seed_mm,
            self.options.seed_sigma_mm,
            self.first_t1gd_radius_mm,
        );
        let offsets = &self.scan_offsets_days;
        let crop = &crop;
        let model = move |p: &[f64]| -> twin_core::Result<Vec<f64>> {
            Ok(forward_radii_mm(
                crop,
                &growth_of(p),
                seed,
                sigma_seed,
                r1,
                offsets,
            ))
        };
        let spec = |name: &str, unit: &str, lo: f64, hi: f64, range: [f64; 2]| {
            let (mu_log, sigma_log) = log_normal_prior_of_range(range);
            ParameterSpec::new(name, unit, lo, hi, Transform::Log)
                .with_prior(Prior::LogNormal { mu_log, sigma_log })
        };
        let specs = vec![
            spec(
                "D_white_mm2_per_day",
                "mm²/day",
                1e-3,
                10.0,
                PUBLISHED_D_WHITE_RANGE_MM2_PER_DAY,
            ),
            spec(
                "rho_per_day",
                "1/day",
                1e-4,
                1.0,
                PUBLISHED_RHO_RANGE_PER_DAY,
            ),
        ];
        let n_obs = self.observed_radii_mm.len();
        let problem = Problem::new(
            model,
            specs,
            Observations::new(
                self.observed_radii_mm.clone(),
                vec![self.options.sigma_radius_mm; n_obs],
            )?,
            Likelihood::Gaussian {
                sigma: SigmaModel::Known,
            },
        )?;
        // Walkers start around the fit, spread by the Laplace sds capped at the
        // near-singular limit: dispersed about as widely as the posterior, so the
        // ensemble need not first expand from a tight ball (which a short chain shows
        // as R̂ ≫ 1), but not scattered into the prior's tails by a huge sd.
        let centre = [
            self.growth.diffusion_white_mm2_per_day.ln(),
            self.growth.rho_per_day.ln(),
        ];
        let spread = self.growth_log_sd().map(|sd| {
            if sd.is_finite() {
                sd.min(NEAR_SINGULAR_LOG_SD)
            } else {
                NEAR_SINGULAR_LOG_SD
            }
        });
        let posterior = sample_posterior_around(
            &problem,
            &centre,
            &spread,
            &McmcOptions {
                n_walkers: options.n_walkers,
                n_steps: options.n_steps,
                burn_in: options.burn_in,
                thin: 1,
                stretch: 2.0,
                seed: options.seed,
            },
        )?;
        let n = posterior.samples.len();
        let forecast_draws = (0..options.n_forecast_draws)
            .map(|k| growth_of(&posterior.samples[k * n / options.n_forecast_draws]))
            .collect();
        let mut intervals = posterior.intervals.into_iter();
        let (Some(diffusion_white), Some(rho)) = (intervals.next(), intervals.next()) else {
            return Err(OncologyError::invalid(
                "growth posterior",
                "fewer than 2 parameters",
                "D_white and ρ (internal error)",
            ));
        };
        Ok(GrowthPosterior {
            diffusion_white,
            rho,
            forecast_draws,
            diagnostics: posterior.diagnostics,
        })
    }

    /// Days Gained of each plan for each of the posterior's forecast draws; `None`
    /// where a draw's run failed. α is drawn per draw (stream `seed`, draw index):
    /// from the α prior at the draw's ρ, or from the α grid posterior after
    /// [`CalibratedTwin::update_alpha`] (independently of D and ρ: that posterior is
    /// conditional on the fitted D, ρ).
    /// Rows follow `plans`, columns the draws.
    pub fn days_gained_draws(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plans: &[TreatmentPlan],
        options: &TreatmentOptions,
        posterior: &GrowthPosterior,
        seed: u64,
    ) -> Result<Vec<Vec<Option<f64>>>> {
        super::forecast::check_plans(tissue, plans)?;
        let alphas: Vec<f64> = posterior
            .forecast_draws
            .iter()
            .enumerate()
            .map(|(k, g)| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(k as u64);
                match &self.alpha_posterior {
                    Some(p) => p.quantile_per_gy(rng.random::<f64>()),
                    None => {
                        let z: f64 = rng.sample(StandardNormal);
                        LqParams::prior_alpha_for_rho(g.rho_per_day)
                            * (ALPHA_PRIOR_LOG_SD * z).exp()
                    }
                }
            })
            .collect();
        let per_draw: Vec<Vec<Option<f64>>> = posterior
            .forecast_draws
            .par_iter()
            .zip(&alphas)
            .map(|(growth, &alpha)| {
                let Ok((crop, start)) = self.state_at(growth, tissue, rt_start_day, true) else {
                    return vec![None; plans.len()];
                };
                let lq = LqParams {
                    alpha_per_gy: alpha,
                    ..self.lq
                };
                plans
                    .iter()
                    .map(|plan| {
                        self.forecast_from(&crop, growth, &start, rt_start_day, plan, &lq, options)
                            .ok()
                            .map(|o| o.days_gained)
                    })
                    .collect()
            })
            .collect();
        Ok((0..plans.len())
            .map(|p| per_draw.iter().map(|d| d[p]).collect())
            .collect())
    }
}

/// The equal-tailed 95 % interval and median of one plan's drawn Days Gained, and
/// the method record; an error when more than a quarter of the draws failed.
pub(super) fn draw_interval(
    draws: &[Option<f64>],
    posterior: &GrowthPosterior,
) -> Result<([f64; 2], IntervalMethod)> {
    let mut ok: Vec<f64> = draws.iter().flatten().copied().collect();
    let failed = draws.len() - ok.len();
    if 4 * failed > draws.len() {
        return Err(OncologyError::invalid(
            "posterior forecast draws",
            format!("{failed} of {} failed", draws.len()),
            "at most a quarter failing",
        ));
    }
    ok.sort_by(f64::total_cmp);
    Ok((
        [quantile_sorted(&ok, 0.025), quantile_sorted(&ok, 0.975)],
        IntervalMethod::PosteriorDraws {
            draws: draws.len(),
            failed,
            median_days_gained: quantile_sorted(&ok, 0.5),
            diffusion_white: posterior.diffusion_white.clone(),
            rho: posterior.rho.clone(),
            r_hat_max: posterior
                .diagnostics
                .r_hat
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max),
        },
    ))
}
