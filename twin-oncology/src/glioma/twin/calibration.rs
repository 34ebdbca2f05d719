//! Calibration of a twin from two or more pre-treatment scans (steps 1–2 of the
//! [module docs](super)): the travelling-wave analytic start, the PDE-constrained fit of
//! `D_white`, ρ and the seed, and the 95% intervals of all of them and of the onset time.

use std::time::Instant;

use nalgebra::DMatrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::calibrate::{
    FitOptions, Likelihood, Observations, ParameterEstimate, ParameterSpec, Problem, SigmaModel,
    Transform, fit,
};
use twin_core::stats::Z95;

use super::CalibratedTwin;
use super::segmentation::Segmentation;
use super::simulation::{MAX_ONSET_DAYS, run};
use crate::error::{OncologyError, Result};
use crate::glioma::model::ImagingSummary;
use crate::glioma::params::{GrowthParams, LqParams};
use crate::glioma::tissue::BrainTissue;

/// FLAIR–T1Gd gap of the travelling wave in units of `√(D/ρ)` (see module docs).
pub fn wave_gap_factor() -> f64 {
    let s = |c: f64| (c.powf(-0.5) - 1.0).ln();
    6f64.sqrt()
        * (s(crate::glioma::params::FLAIR_THRESHOLD) - s(crate::glioma::params::T1GD_THRESHOLD))
}

/// Settings of [`calibrate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationOptions {
    /// Standard deviation of an observed spherical-equivalent radius (mm).
    pub sigma_radius_mm: f64,
    /// `D_white/D_grey` assumed by the twin.
    pub white_grey_ratio: f64,
    /// Tissue kept around the lesion: last FLAIR radius plus this margin (mm).
    pub crop_margin_mm: f64,
    /// Width (mm) of the Gaussian seed (peak density 0.5).
    pub seed_sigma_mm: f64,
    /// Nelder–Mead iteration budget.
    pub max_iters: u64,
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        Self {
            sigma_radius_mm: 1.0,
            white_grey_ratio: 10.0,
            crop_margin_mm: 20.0,
            seed_sigma_mm: 2.0,
            max_iters: 50,
        }
    }
}

impl CalibrationOptions {
    /// Check the settings: σ_radius 0.01–50 mm, `D_white/D_grey` 1–100, crop
    /// margin 0–200 mm, seed width 0.1–50 mm, at least one iteration.
    pub fn validate(&self) -> Result<()> {
        let range = crate::error::check_in_range;
        range("sigma_radius_mm", self.sigma_radius_mm, 0.01, 50.0)?;
        range("white_grey_ratio", self.white_grey_ratio, 1.0, 100.0)?;
        range("crop_margin_mm", self.crop_margin_mm, 0.0, 200.0)?;
        range("seed_sigma_mm", self.seed_sigma_mm, 0.1, 50.0)?;
        if self.max_iters == 0 {
            return Err(OncologyError::invalid("max_iters", 0, "at least 1"));
        }
        Ok(())
    }
}

/// The radii the calibration fits, from the imaging at each scan: FLAIR at the first,
/// then T1Gd and FLAIR at each later one (mm).
fn calibration_radii(imaging: &[ImagingSummary]) -> Vec<f64> {
    let Some((first, later)) = imaging.split_first() else {
        return Vec::new();
    };
    std::iter::once(first.flair_radius_mm)
        .chain(
            later
                .iter()
                .flat_map(|s| [s.t1gd_radius_mm, s.flair_radius_mm]),
        )
        .collect()
}

/// The calibration's forward model: FLAIR radius at the first scan, then T1Gd and
/// FLAIR radii at each later offset (days after the first scan; `offsets[0] = 0`
/// is the first scan), in mm, for a
/// tumour seeded at `seed_mm` whose clock starts when its T1Gd radius is `r1_mm`.
///
/// Parameters for which no such run exists (outside [`GrowthParams::validate`]'s
/// ranges, or a tumour that never reaches `r1_mm` within [`MAX_ONSET_DAYS`]) give
/// zero radii: a finite residual as large as the observed radii, so the optimiser
/// and the Laplace finite differences see a penalty rather than an error.
pub fn forward_radii_mm(
    tissue: &BrainTissue,
    growth: &GrowthParams,
    seed_mm: [f64; 3],
    seed_sigma_mm: f64,
    r1_mm: f64,
    offsets: &[f64],
) -> Vec<f64> {
    if offsets.is_empty() {
        return Vec::new();
    }
    let n = 2 * offsets.len() - 1;
    let radii = run(
        tissue,
        growth,
        seed_mm,
        seed_sigma_mm,
        r1_mm,
        offsets,
        false,
    )
    .map(|r| calibration_radii(&r.at_offsets));
    match radii {
        Ok(out) if out.len() == n && out.iter().all(|r| r.is_finite()) => out,
        _ => vec![0.0; n],
    }
}

/// 95% Gauss–Newton Laplace intervals in log-parameters at the optimum `x`, and the
/// covariance of the log-parameters:
/// `cov(ln x) = σ² (JᵀJ)⁻¹` with `J` the central-difference Jacobian of the radii
/// in `ln x` (steps as twin-core's `laplace`). Written here rather than calling
/// twin-core's `laplace` because that first Newton-searches the mode of the density
/// of `ln x` with finite-difference Hessians, dozens of PDE runs, whereas the data
/// dominate that shift; the 2p runs of `J` are independent and run in parallel.
fn log_gauss_newton_intervals(
    radii: &(impl Fn(&[f64]) -> Vec<f64> + Sync),
    specs: &[ParameterSpec],
    x: &[f64],
    sigma: f64,
) -> Result<(Vec<ParameterEstimate>, DMatrix<f64>)> {
    let p = x.len();
    let z: Vec<f64> = x.iter().map(|x| x.ln()).collect();
    let h: Vec<f64> = z.iter().map(|z| 1e-4 * z.abs().max(1.0)).collect();
    let runs: Vec<Vec<f64>> = (0..2 * p)
        .into_par_iter()
        .map(|k| {
            let mut zk = z.clone();
            zk[k / 2] += if k % 2 == 0 { h[k / 2] } else { -h[k / 2] };
            radii(&zk.iter().map(|z| z.exp()).collect::<Vec<_>>())
        })
        .collect();
    let n = runs[0].len();
    let jac = DMatrix::from_fn(n, p, |i, j| {
        (runs[2 * j][i] - runs[2 * j + 1][i]) / (2.0 * h[j] * sigma)
    });
    let cov = (jac.transpose() * &jac)
        .cholesky()
        .ok_or_else(|| {
            OncologyError::invalid(
                "Laplace Gauss–Newton matrix",
                "not positive definite",
                "scans that inform both D and ρ",
            )
        })?
        .inverse();
    let intervals = specs
        .iter()
        .enumerate()
        .map(|(j, s)| {
            let sd = cov[(j, j)].sqrt();
            ParameterEstimate {
                name: s.name.clone(),
                unit: s.unit.clone(),
                estimate: x[j],
                lower: (z[j] - Z95 * sd).exp(),
                upper: (z[j] + Z95 * sd).exp(),
                level: 0.95,
            }
        })
        .collect();
    Ok((intervals, cov))
}

/// A seed move below which D and ρ are not refitted (mm).
const SEED_REFIT_MM: f64 = 0.5;
/// Fixed-point iterations per seed fit.
const SEED_ITERATIONS: usize = 4;
/// Largest seed move per iteration (mm).
const SEED_MAX_STEP_MM: f64 = 3.0;
/// Seed moves below this end a seed fit (mm).
const SEED_TOLERANCE_MM: f64 = 0.1;

/// Euclidean distance of two points (mm).
pub(crate) fn distance_mm(a: [f64; 3], b: [f64; 3]) -> f64 {
    (0..3).map(|i| (a[i] - b[i]).powi(2)).sum::<f64>().sqrt()
}

/// The seed-origin fit. D differs between white and grey matter, so a tumour grows
/// asymmetrically and its centroid drifts away from its origin; seeding at the
/// observed centroid puts the seed on the wrong side of that drift and biases
/// `D_white`. The fit moves the seed until the simulated T1Gd and FLAIR centroids at
/// the scans match the observed ones on average: the fixed-point iteration `seed ←
/// seed + mean(observed − simulated)`, whose map has a Jacobian close to the
/// identity (the drift changes slowly with the origin), with steps capped at
/// [`SEED_MAX_STEP_MM`].
struct SeedFit<'a> {
    tissue: &'a BrainTissue,
    sigma_mm: f64,
    r1_mm: f64,
    offsets: &'a [f64],
    /// T1Gd and FLAIR centroids per scan (mm).
    observed_centroids: &'a [[[f64; 3]; 2]],
}

impl SeedFit<'_> {
    /// The seed after at most [`SEED_ITERATIONS`] iterations from `start`; a run that
    /// fails (a seed outside tissue, a tumour too slow) ends the fit at the last good seed.
    fn fit(&self, growth: &GrowthParams, start: [f64; 3]) -> [f64; 3] {
        let mut seed = start;
        for _ in 0..SEED_ITERATIONS {
            let Ok(r) = run(
                self.tissue,
                growth,
                seed,
                self.sigma_mm,
                self.r1_mm,
                self.offsets,
                false,
            ) else {
                break;
            };
            let mut shift = [0.0; 3];
            let mut n = 0.0;
            for (sim, obs) in r.centroids.iter().zip(self.observed_centroids) {
                for (s, o) in sim.iter().zip(obs) {
                    if let Some(s) = s {
                        for a in 0..3 {
                            shift[a] += o[a] - s[a];
                        }
                        n += 1.0;
                    }
                }
            }
            if n == 0.0 {
                break;
            }
            let length = distance_mm(shift, [0.0; 3]) / n;
            let scale = (SEED_MAX_STEP_MM / length).min(1.0) / n;
            let next = std::array::from_fn(|a| seed[a] + scale * shift[a]);
            if !self.tissue.is_tissue(next) {
                break;
            }
            seed = next;
            if length < SEED_TOLERANCE_MM {
                break;
            }
        }
        seed
    }
}

/// Calibrate a twin from ≥ 2 pre-treatment scans (sorted by day, strictly increasing).
pub fn calibrate(
    tissue: &BrainTissue,
    scans: &[Segmentation],
    options: &CalibrationOptions,
) -> Result<CalibratedTwin> {
    let start = Instant::now();
    options.validate()?;
    if scans.len() < 2 {
        return Err(OncologyError::invalid(
            "scans",
            scans.len(),
            "at least 2 pre-treatment scans",
        ));
    }
    for w in scans.windows(2) {
        if w[1].day.partial_cmp(&w[0].day) != Some(std::cmp::Ordering::Greater) {
            return Err(OncologyError::invalid(
                "scan days",
                format!("{} then {}", w[0].day, w[1].day),
                "strictly increasing dates",
            ));
        }
    }
    let summaries: Vec<(ImagingSummary, [Option<[f64; 3]>; 2])> = scans
        .iter()
        .map(|s| s.summarise_checked(tissue))
        .collect::<Result<_>>()?;
    let observed_centroids: Vec<[[f64; 3]; 2]> = summaries
        .iter()
        .map(|(_, [t1, fl])| match (t1, fl) {
            (Some(t1), Some(fl)) => Ok([*t1, *fl]),
            _ => Err(OncologyError::invalid(
                "t1gd",
                "empty mask",
                "at least one enhancing voxel in every pre-treatment scan",
            )),
        })
        .collect::<Result<_>>()?;
    let crop_centre_mm = observed_centroids[0][0];
    let (first, last) = (&summaries[0].0, &summaries[summaries.len() - 1].0);
    let dt = scans[scans.len() - 1].day - scans[0].day;
    // Both fronts of a travelling wave move at its speed: their mean halves the
    // segmentation noise of one front (an enhancing radius can even shrink between
    // close scans while the FLAIR front grows).
    let v = 0.5
        * ((last.t1gd_radius_mm - first.t1gd_radius_mm)
            + (last.flair_radius_mm - first.flair_radius_mm))
        / dt;
    if v.is_nan() || v <= 0.0 {
        return Err(OncologyError::invalid(
            "radius growth",
            format!("{v:.4} mm/day (mean of the T1Gd and FLAIR fronts)"),
            "> 0 between pre-treatment scans (a growing tumour)",
        ));
    }
    // A start so slow that no run reaches the first scan's size would leave the
    // optimiser on a flat penalty: start at least fast enough to get there in half
    // the onset limit.
    let v = v.max(2.0 * first.t1gd_radius_mm / MAX_ONSET_DAYS);
    let gap = summaries
        .iter()
        .map(|(s, _)| s.flair_radius_mm - s.t1gd_radius_mm)
        .sum::<f64>()
        / summaries.len() as f64;
    let width = (gap / wave_gap_factor()).max(0.1);
    let ratio = options.white_grey_ratio;
    let analytic_start = GrowthParams {
        diffusion_white_mm2_per_day: (0.5 * v * width).clamp(1e-3, 5.0),
        rho_per_day: (0.5 * v / width).clamp(1e-3, 0.5),
        white_grey_ratio: ratio,
    };
    let half_width = last.flair_radius_mm + options.crop_margin_mm;
    let crop = tissue.crop(crop_centre_mm, half_width)?;
    let offsets: Vec<f64> = scans.iter().map(|s| s.day - scans[0].day).collect();
    let imaging: Vec<ImagingSummary> = summaries.iter().map(|(s, _)| *s).collect();
    let observed = calibration_radii(&imaging);
    let r1 = first.t1gd_radius_mm;
    let sigma_seed = options.seed_sigma_mm;
    let seed_fit = SeedFit {
        tissue: &crop,
        sigma_mm: sigma_seed,
        r1_mm: r1,
        offsets: &offsets,
        observed_centroids: &observed_centroids,
    };
    let growth_of = |p: &[f64]| GrowthParams {
        diffusion_white_mm2_per_day: p[0],
        rho_per_day: p[1],
        white_grey_ratio: ratio,
    };
    let radii_from = |seed_mm: [f64; 3]| {
        let crop = &crop;
        let offsets = &offsets;
        move |p: &[f64]| forward_radii_mm(crop, &growth_of(p), seed_mm, sigma_seed, r1, offsets)
    };
    let (d0, r0) = (
        analytic_start.diffusion_white_mm2_per_day,
        analytic_start.rho_per_day,
    );
    let specs = vec![
        ParameterSpec::new(
            "D_white_mm2_per_day",
            "mm²/day",
            (d0 / 8.0).max(1e-3),
            (d0 * 8.0).min(10.0),
            Transform::Log,
        ),
        ParameterSpec::new(
            "rho_per_day",
            "1/day",
            (r0 / 8.0).max(1e-4),
            (r0 * 8.0).min(1.0),
            Transform::Log,
        ),
    ];
    let n_obs = observed.len();
    let obs = Observations::new(observed.clone(), vec![options.sigma_radius_mm; n_obs])?;
    let problem_at = |seed_mm: [f64; 3]| {
        let radii = radii_from(seed_mm);
        Problem::new(
            move |p: &[f64]| -> twin_core::Result<Vec<f64>> { Ok(radii(p)) },
            specs.clone(),
            obs.clone(),
            Likelihood::Gaussian {
                sigma: SigmaModel::Known,
            },
        )
    };
    let fit_from = |seed_mm: [f64; 3], initial: Vec<f64>| {
        let fit_opts = FitOptions {
            n_starts: 1,
            max_iters: options.max_iters,
            tolerance: 1e-6,
            initial: Some(initial),
            ..FitOptions::default()
        };
        fit(&problem_at(seed_mm)?, &fit_opts)
    };
    // Seed and growth alternately: the seed at the analytic start, D and ρ at that
    // seed, the seed again at the fit, and D and ρ once more if it moved.
    let mut seed_mm = seed_fit.fit(&analytic_start, crop_centre_mm);
    let mut best = fit_from(seed_mm, vec![d0, r0])?;
    let moved = seed_fit.fit(&growth_of(&best.estimate), seed_mm);
    if distance_mm(moved, seed_mm) > SEED_REFIT_MM {
        seed_mm = moved;
        best = fit_from(seed_mm, best.estimate.clone())?;
    }
    let (intervals, cov) = log_gauss_newton_intervals(
        &radii_from(seed_mm),
        &specs,
        &best.estimate,
        options.sigma_radius_mm,
    )?;
    let growth = growth_of(&best.estimate);
    // One run at the optimum gives the fitted radii, the onset and the centroids.
    let r = run(&crop, &growth, seed_mm, sigma_seed, r1, &offsets, false)?;
    let fitted = calibration_radii(&r.at_offsets);
    let mut twin = CalibratedTwin {
        growth,
        analytic_start,
        intervals,
        log_covariance: [[cov[(0, 0)], cov[(0, 1)]], [cov[(1, 0)], cov[(1, 1)]]],
        alpha_posterior: None,
        lq: LqParams {
            alpha_per_gy: LqParams::prior_alpha_for_rho(growth.rho_per_day),
            ..LqParams::default()
        },
        seed_mm,
        crop_centre_mm,
        onset_to_first_scan_days: r.t_first,
        first_scan_day: scans[0].day,
        scan_offsets_days: offsets.clone(),
        first_t1gd_radius_mm: r1,
        observed_radii_mm: observed,
        fitted_radii_mm: fitted,
        calibration_seconds: start.elapsed().as_secs_f64(),
        options: *options,
        crop_half_width_mm: half_width,
    };
    twin.intervals.extend(seed_intervals(
        crop.domain.grid.spacing_mm,
        seed_mm,
        &r.centroids,
        &observed_centroids,
    )?);
    twin.intervals.push(twin.onset_interval(&crop)?);
    twin.calibration_seconds = start.elapsed().as_secs_f64();
    Ok(twin)
}

/// 95% intervals of the seed's coordinates (mm). The seed fit makes the mean
/// centroid residual (observed − simulated, T1Gd and FLAIR at each scan) vanish, so
/// the seed is a mean of `n` centroid measurements with standard error `s/√n` (`s`
/// the residuals' sample sd). Those measurements share one tumour and one grid, so
/// they understate the error: the model's grid resolves a position to a voxel, which
/// adds the sd of a uniform position within it, `h/√12`. Per axis: `seed ± 1.96 ·
/// √(s²/n + h²/12)`.
fn seed_intervals(
    spacing_mm: [f64; 3],
    seed_mm: [f64; 3],
    simulated: &[[Option<[f64; 3]>; 2]],
    observed: &[[[f64; 3]; 2]],
) -> Result<Vec<ParameterEstimate>> {
    let residuals: Vec<[f64; 3]> = simulated
        .iter()
        .zip(observed)
        .flat_map(|(sim, obs)| {
            sim.iter()
                .zip(obs)
                .filter_map(|(s, o)| s.map(|s| std::array::from_fn(|a| o[a] - s[a])))
        })
        .collect();
    let n = residuals.len();
    if n < 2 {
        return Err(OncologyError::invalid(
            "simulated centroids",
            n,
            "at least 2 (a tumour visible at the scans)",
        ));
    }
    Ok(["seed_x_mm", "seed_y_mm", "seed_z_mm"]
        .iter()
        .enumerate()
        .map(|(a, name)| {
            let mean = residuals.iter().map(|r| r[a]).sum::<f64>() / n as f64;
            let var = residuals.iter().map(|r| (r[a] - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let half = Z95 * (var / n as f64 + spacing_mm[a].powi(2) / 12.0).sqrt();
            ParameterEstimate {
                name: (*name).into(),
                unit: "mm".into(),
                estimate: seed_mm[a],
                lower: seed_mm[a] - half,
                upper: seed_mm[a] + half,
                level: 0.95,
            }
        })
        .collect())
}

impl CalibratedTwin {
    /// 95% interval of the days from seed to the first scan, from the D, ρ
    /// uncertainty to first order (secants over ±1 sd, `s² = gᵀ Σ g`, estimate ±
    /// 1.96 s, floored at 0). A secant point from which the tumour never reaches the
    /// first scan's size within [`MAX_ONSET_DAYS`] makes the upper end infinite.
    fn onset_interval(&self, crop: &BrainTissue) -> Result<ParameterEstimate> {
        let (sd, points) = self.growth_secant_points();
        let onsets: Vec<Option<f64>> = points
            .par_iter()
            .map(|g| {
                run(
                    crop,
                    g,
                    self.seed_mm,
                    self.options.seed_sigma_mm,
                    self.first_t1gd_radius_mm,
                    &[0.0],
                    false,
                )
                .ok()
                .map(|r| r.t_first)
            })
            .collect();
        let t0 = self.onset_to_first_scan_days;
        let (lower, upper) = match onsets[..] {
            [Some(a), Some(b), Some(c), Some(d)] => {
                let g = [(a - b) / (2.0 * sd[0]), (c - d) / (2.0 * sd[1])];
                let half = Z95 * self.growth_sd(g);
                ((t0 - half).max(0.0), t0 + half)
            }
            _ => (0.0, f64::INFINITY),
        };
        Ok(ParameterEstimate {
            name: "onset_to_first_scan_days".into(),
            unit: "day".into(),
            estimate: t0,
            lower,
            upper,
            level: 0.95,
        })
    }
}
