//! The radiosensitivity α (step 3 of the [module docs](super)): its interval under the
//! population prior, and its grid posterior from a post-treatment scan.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::calibrate::ParameterEstimate;
use twin_core::stats::Z95;

use super::CalibratedTwin;
use super::forecast::check_plans;
use super::segmentation::Segmentation;
use crate::error::{OncologyError, Result};
use crate::glioma::model::{GliomaSim, TreatmentOptions, TreatmentPlan, observe};
use crate::glioma::params::{ALPHA_PRIOR_LOG_SD, GrowthParams, LqParams};
use crate::glioma::tissue::BrainTissue;

/// Model runs (α values) of [`CalibratedTwin::update_alpha`].
pub const ALPHA_GRID_NODES: usize = 13;
/// Points of the grid the α posterior is evaluated on.
const ALPHA_FINE_POINTS: usize = 481;

impl CalibratedTwin {
    /// 95% interval of α (1/Gy): the posterior's if a post-treatment scan was used,
    /// else the prior's at the fitted ρ.
    pub fn alpha_interval(&self) -> [f64; 2] {
        match &self.alpha_posterior {
            Some(p) => [p.posterior.lower, p.posterior.upper],
            None => [-Z95, Z95].map(|z| self.lq.alpha_per_gy * (z * ALPHA_PRIOR_LOG_SD).exp()),
        }
    }

    /// Update α from a post-treatment scan, given the plan delivered from
    /// `rt_start_day`; afterwards [`Self::lq`] holds the posterior median and
    /// forecasts use it.
    ///
    /// **Method.** Prior: log-normal, median [`LqParams::prior_alpha_for_rho`] at the
    /// fitted ρ, log-sd [`ALPHA_PRIOR_LOG_SD`]. Data: the scan's T1Gd and FLAIR
    /// spherical-equivalent radii (an enhancing region that vanished counts as radius
    /// 0). Likelihood: Gaussian with covariance `σ² I + J Σ Jᵀ`, where σ is the
    /// calibration's `sigma_radius_mm`, Σ the Laplace covariance of `(ln D, ln ρ)` and
    /// `J` the radii's sensitivity to them (secants over ±1 sd at the first-pass
    /// posterior median): the D, ρ uncertainty is propagated to first order, D and ρ
    /// themselves stay at their fitted values. The posterior is evaluated on a
    /// 1-D grid over the prior's ±3 log-sd: the model runs at [`ALPHA_GRID_NODES`]
    /// log-spaced α (in parallel) and the radii are interpolated linearly in `ln α`
    /// between them. The interval is the equal-tailed 95% of that grid posterior.
    pub fn update_alpha(
        &mut self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plan: &TreatmentPlan,
        scan: &Segmentation,
        options: &TreatmentOptions,
    ) -> Result<AlphaPosterior> {
        check_plans(tissue, std::slice::from_ref(plan))?;
        if !(scan.day.is_finite() && scan.day > rt_start_day) {
            return Err(OncologyError::invalid(
                "post-treatment scan day",
                scan.day,
                format!("after the first fraction (day {rt_start_day})"),
            ));
        }
        let (observed, _) = scan.summarise_checked(tissue)?;
        let observed = [observed.t1gd_radius_mm, observed.flair_radius_mm];
        let days = scan.day - rt_start_day;
        let lq = self.lq;
        let margin = options.ptv_margin_mm;
        // Radii at the scan for each α, for growth parameters `g`.
        let radii_at = |g: &GrowthParams, alphas: &[f64]| -> Result<Vec<[f64; 2]>> {
            let (crop, start) = self.state_at(g, tissue, rt_start_day, false)?;
            alphas
                .par_iter()
                .map(|&a| {
                    let mut sim = GliomaSim::new(&crop, g)?;
                    let mut c = start.c.clone();
                    let lq_a = LqParams {
                        alpha_per_gy: a,
                        ..lq
                    };
                    sim.deliver(&mut c, plan, &lq_a, margin, days, None)?;
                    let s = observe(sim.domain(), &c)?;
                    Ok([s.t1gd_radius_mm, s.flair_radius_mm])
                })
                .collect()
        };
        let median = LqParams::prior_alpha_for_rho(self.growth.rho_per_day);
        let (lo, hi) = (
            median.ln() - 3.0 * ALPHA_PRIOR_LOG_SD,
            (median.ln() + 3.0 * ALPHA_PRIOR_LOG_SD).min(2f64.ln()),
        );
        let node_z: Vec<f64> = (0..ALPHA_GRID_NODES)
            .map(|i| lo + (hi - lo) * i as f64 / (ALPHA_GRID_NODES - 1) as f64)
            .collect();
        let node_alpha: Vec<f64> = node_z.iter().map(|z| z.exp()).collect();
        let node_radii = radii_at(&self.growth, &node_alpha)?;
        let fine_z: Vec<f64> = (0..ALPHA_FINE_POINTS)
            .map(|i| lo + (hi - lo) * i as f64 / (ALPHA_FINE_POINTS - 1) as f64)
            .collect();
        // Radii at ln α = z, linear between the nodes.
        let radii_between_nodes = |z: f64| {
            let u = ((z - lo) / (hi - lo) * (ALPHA_GRID_NODES - 1) as f64).max(0.0);
            let i = (u.floor() as usize).min(ALPHA_GRID_NODES - 2);
            let w = u - i as f64;
            [0, 1].map(|m| node_radii[i][m] * (1.0 - w) + node_radii[i + 1][m] * w)
        };
        let fine_radii: Vec<[f64; 2]> = fine_z.iter().map(|&z| radii_between_nodes(z)).collect();
        let sigma2 = self.options.sigma_radius_mm.powi(2);
        let posterior_with = |cov: [[f64; 2]; 2]| -> Result<Vec<f64>> {
            let det = cov[0][0] * cov[1][1] - cov[0][1] * cov[1][0];
            if !(det > 0.0 && det.is_finite()) {
                return Err(OncologyError::invalid(
                    "radius covariance",
                    format!("determinant {det:e}"),
                    "positive definite",
                ));
            }
            let log_post: Vec<f64> = fine_z
                .iter()
                .zip(&fine_radii)
                .map(|(&z, r)| {
                    let e = [r[0] - observed[0], r[1] - observed[1]];
                    let q = (cov[1][1] * e[0] * e[0] - 2.0 * cov[0][1] * e[0] * e[1]
                        + cov[0][0] * e[1] * e[1])
                        / det;
                    let p = (z - median.ln()) / ALPHA_PRIOR_LOG_SD;
                    -0.5 * (q + p * p)
                })
                .collect();
            let top = log_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let w: Vec<f64> = log_post.iter().map(|l| (l - top).exp()).collect();
            let total: f64 = w.iter().sum();
            Ok(w.into_iter().map(|x| x / total).collect())
        };
        // Pass 1: D and ρ fixed, for the point at which to linearise.
        let mass = posterior_with([[sigma2, 0.0], [0.0, sigma2]])?;
        let a1 = quantile(&fine_z, &mass, 0.5).exp();
        // Secants of the radii over ±1 sd of ln D and ln ρ at α = a1.
        let (sd, perturbed) = self.growth_secant_points();
        let ends = perturbed
            .par_iter()
            .map(|g| radii_at(g, &[a1]).map(|r| r[0]))
            .collect::<Result<Vec<_>>>()?;
        let jac =
            [0, 1].map(|m| [0, 1].map(|j| (ends[2 * j][m] - ends[2 * j + 1][m]) / (2.0 * sd[j])));
        let s = &self.log_covariance;
        let mut cov = [[sigma2, 0.0], [0.0, sigma2]];
        for (m, row) in cov.iter_mut().enumerate() {
            for (n, c) in row.iter_mut().enumerate() {
                for a in 0..2 {
                    for b in 0..2 {
                        *c += jac[m][a] * s[a][b] * jac[n][b];
                    }
                }
            }
        }
        // Pass 2: with the propagated D, ρ uncertainty.
        let mass = posterior_with(cov)?;
        let q = |p: f64| quantile(&fine_z, &mass, p).exp();
        let alpha = q(0.5);
        let predicted = radii_between_nodes(alpha.ln());
        let interval = |estimate: f64, lower: f64, upper: f64| ParameterEstimate {
            name: "alpha_per_gy".into(),
            unit: "1/Gy".into(),
            estimate,
            lower,
            upper,
            level: 0.95,
        };
        let out = AlphaPosterior {
            prior: interval(
                median,
                (median.ln() - Z95 * ALPHA_PRIOR_LOG_SD).exp(),
                (median.ln() + Z95 * ALPHA_PRIOR_LOG_SD).exp(),
            ),
            posterior: interval(alpha, q(0.025), q(0.975)),
            scan_day: scan.day,
            observed_radii_mm: observed,
            predicted_radii_mm: predicted,
            growth_sd_mm: [cov[0][0] - sigma2, cov[1][1] - sigma2].map(|v| v.max(0.0).sqrt()),
            alpha_grid_per_gy: fine_z.iter().map(|z| z.exp()).collect(),
            posterior_mass: mass,
        };
        self.lq.alpha_per_gy = alpha;
        self.alpha_posterior = Some(out.clone());
        Ok(out)
    }
}

/// The `p`-quantile of a distribution with probability `mass` on the increasing grid
/// `x` (mass spread uniformly over each point's cell, linear CDF in between).
fn quantile(x: &[f64], mass: &[f64], p: f64) -> f64 {
    let mut cdf = 0.0;
    for i in 0..x.len() {
        let next = cdf + mass[i];
        if next >= p {
            let (a, b) = (
                if i == 0 {
                    x[0]
                } else {
                    0.5 * (x[i - 1] + x[i])
                },
                if i + 1 == x.len() {
                    x[i]
                } else {
                    0.5 * (x[i] + x[i + 1])
                },
            );
            let w = if mass[i] > 0.0 {
                (p - cdf) / mass[i]
            } else {
                0.5
            };
            return a + w * (b - a);
        }
        cdf = next;
    }
    x[x.len() - 1]
}

impl AlphaPosterior {
    /// The `p`-quantile of the α grid posterior (1/Gy), `p` clamped to [0, 1].
    pub fn quantile_per_gy(&self, p: f64) -> f64 {
        quantile(
            &self.alpha_grid_per_gy,
            &self.posterior_mass,
            p.clamp(0.0, 1.0),
        )
    }
}

/// Posterior of the radiosensitivity α from a post-treatment scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaPosterior {
    /// Prior median and 95% interval of α (1/Gy).
    pub prior: ParameterEstimate,
    /// Posterior median and equal-tailed 95% interval of α (1/Gy).
    pub posterior: ParameterEstimate,
    /// Day of the post-treatment scan (scan clock).
    pub scan_day: f64,
    /// Observed T1Gd and FLAIR spherical-equivalent radii at the scan (mm).
    pub observed_radii_mm: [f64; 2],
    /// Radii predicted at the posterior median α (mm; interpolated between grid nodes).
    pub predicted_radii_mm: [f64; 2],
    /// Standard deviation added to each radius by the D, ρ uncertainty (mm).
    pub growth_sd_mm: [f64; 2],
    /// α grid of the posterior (1/Gy).
    pub alpha_grid_per_gy: Vec<f64>,
    /// Posterior probability of each grid point (sums to 1).
    pub posterior_mass: Vec<f64>,
}
