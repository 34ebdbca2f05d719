//! Calibration coverage study: seeded synthetic patients, truth on a fine atlas and twin
//! on a coarse one; how often the fits are within 15% and the 95% intervals cover.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::stats::{Z95, wilson_interval};

use super::failure::failure_category;
use crate::error::{OncologyError, Result};
use crate::glioma::params::GrowthParams;
use crate::glioma::tissue::BrainTissue;
use crate::glioma::twin::{CalibrationOptions, calibrate, distance_mm, forward_radii_mm};

/// Design of a calibration coverage study ([`coverage_study`]). Per case the truth runs
/// [`super::synthetic::virtual_scans`] on the truth atlas (e.g. 1 mm) with the twin's
/// white/grey ratio; the twin calibrates on the twin atlas (e.g. 2 mm). Truth and twin
/// differ in grid (discretisation error), in the seed (truth: a 2 mm Gaussian at a random
/// point; twin: a 2 mm Gaussian at the origin it fits to the noisy scans) and by the
/// segmentations' boundary noise.
///
/// [`super::synthetic::virtual_scans`]: crate::glioma::synthetic::virtual_scans
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CoverageDesign {
    /// Box (mm, `[low corner, high corner]`) in which tumour origins are drawn uniformly.
    pub seed_box_mm: [[f64; 3]; 2],
    /// Smallest white-matter probability of the truth atlas at an accepted origin.
    pub min_seed_white_fraction: f64,
    /// Half-width (mm) of the atlas crop around the origin that both truth and twin use.
    pub crop_half_width_mm: f64,
    /// T1Gd radius at the first scan (mm).
    pub first_t1gd_radius_mm: f64,
    /// Days between the two scans.
    pub gap_days: f64,
    /// Range of the front speed `2√(Dρ)` (mm/day), drawn log-uniform.
    pub speed_mm_per_day: [f64; 2],
    /// Range of the front width `√(D/ρ)` (mm), drawn log-uniform.
    pub width_mm: [f64; 2],
    /// Boundary-voxel flip probability of the synthetic segmentations.
    pub flip_probability: f64,
}

/// Fitted value and 95% interval `[estimate, lower, upper]` of one parameter.
pub type FitInterval = [f64; 3];

/// One case of a coverage study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageCase {
    /// Tumour origin of the truth (mm).
    pub seed_mm: [f64; 3],
    /// True parameters.
    pub truth: GrowthParams,
    /// Fitted `D_white` and its 95% interval (mm²/day); None if the calibration failed.
    pub d_fit: Option<FitInterval>,
    /// Fitted ρ and its 95% interval (1/day); None if the calibration failed.
    pub rho_fit: Option<FitInterval>,
    /// Root-mean-square radius residual of the fit (mm).
    pub rms_residual_mm: Option<f64>,
    /// Observed minus twin-predicted radii at the **true** `D_white`, ρ (mm; same order
    /// as [`CalibratedTwin::observed_radii_mm`]): the twin's total error (segmentation
    /// noise plus model error), which the calibration's `sigma_radius_mm` stands for.
    ///
    /// [`CalibratedTwin::observed_radii_mm`]: crate::glioma::twin::CalibratedTwin::observed_radii_mm
    pub radius_error_at_truth_mm: Option<Vec<f64>>,
    /// As `radius_error_at_truth_mm` but with the twin seeded at the true origin instead
    /// of its fitted seed: the part of the error the seed position does not explain.
    pub radius_error_at_truth_and_origin_mm: Option<Vec<f64>>,
    /// Smallest `sigma_radius_mm` at which both 95% intervals would cover the truth. The
    /// Gauss–Newton intervals are linear in σ (the least-squares optimum does not depend
    /// on a common σ), so the interval at σ' covers iff σ' ≥ this value.
    pub sigma_to_cover_mm: Option<f64>,
    /// Distance (mm) from the true origin of the first scan's T1Gd centroid and of
    /// the twin's fitted seed.
    pub seed_error_mm: Option<[f64; 2]>,
    /// The twin's 95% seed intervals cover the true origin on all three axes.
    pub seed_covered: Option<bool>,
    /// [`failure_category`] of a failed calibration.
    pub failure: Option<String>,
    /// Calibration wall time (s).
    pub seconds: f64,
}

fn within_15pct(fit: &Option<FitInterval>, truth: f64) -> bool {
    fit.is_some_and(|f| (f[0] / truth - 1.0).abs() <= 0.15)
}

fn covers(fit: &Option<FitInterval>, truth: f64) -> bool {
    fit.is_some_and(|f| f[1] <= truth && truth <= f[2])
}

impl CoverageCase {
    /// Fitted `D_white` within 15% of the truth (false if the calibration failed).
    pub fn d_within_15pct(&self) -> bool {
        within_15pct(&self.d_fit, self.truth.diffusion_white_mm2_per_day)
    }

    /// Fitted ρ within 15% of the truth (false if the calibration failed).
    pub fn rho_within_15pct(&self) -> bool {
        within_15pct(&self.rho_fit, self.truth.rho_per_day)
    }

    /// The 95% `D_white` interval contains the truth (false if the calibration failed).
    pub fn d_covered(&self) -> bool {
        covers(&self.d_fit, self.truth.diffusion_white_mm2_per_day)
    }

    /// The 95% ρ interval contains the truth (false if the calibration failed).
    pub fn rho_covered(&self) -> bool {
        covers(&self.rho_fit, self.truth.rho_per_day)
    }

    /// Both parameters within 15% of the truth.
    pub fn within_15pct(&self) -> bool {
        self.d_within_15pct() && self.rho_within_15pct()
    }

    /// Both 95% intervals contain the truth.
    pub fn covered(&self) -> bool {
        self.d_covered() && self.rho_covered()
    }
}

/// A proportion `k/n` with its 95% Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Successes.
    pub k: usize,
    /// Trials.
    pub n: usize,
    /// `k/n`.
    pub estimate: f64,
    /// 95% Wilson score interval.
    pub ci95: [f64; 2],
}

impl Proportion {
    /// `k` of `n` with the Wilson (1927) score interval at 95%
    /// ([`twin_core::stats::wilson_interval`]): centre `(k + z²/2)/(n + z²)`,
    /// half-width `z √(k(n−k)/n + z²/4)/(n + z²)`. Wilson rather than a bootstrap
    /// because the coverage is near 1, where the percentile bootstrap collapses to a point.
    pub fn wilson(k: usize, n: usize) -> Result<Self> {
        if n == 0 || k > n {
            return Err(OncologyError::invalid(
                "proportion k/n",
                format!("{k}/{n}"),
                "n ≥ 1 and 0 ≤ k ≤ n",
            ));
        }
        let (lo, hi) = wilson_interval(k, n, Z95);
        Ok(Self {
            k,
            n,
            estimate: k as f64 / n as f64,
            ci95: [lo, hi],
        })
    }
}

/// Summary of a coverage study (failed calibrations count as neither within 15% nor covered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageSummary {
    /// Cases.
    pub n: usize,
    /// Calibrations that failed.
    pub failures: usize,
    /// Fitted `D_white` within 15% of the truth.
    pub d_within_15pct: Proportion,
    /// Fitted ρ within 15% of the truth.
    pub rho_within_15pct: Proportion,
    /// Both within 15%.
    pub both_within_15pct: Proportion,
    /// 95% `D_white` interval covers the truth.
    pub d_covered: Proportion,
    /// 95% ρ interval covers the truth.
    pub rho_covered: Proportion,
    /// Both intervals cover the truth.
    pub both_covered: Proportion,
    /// `sigma_radius_mm` the calibration assumed.
    pub assumed_sigma_radius_mm: f64,
    /// Root-mean-square of all [`CoverageCase::radius_error_at_truth_mm`]: the twin's
    /// measured total radius error, to compare with the assumed σ.
    pub rms_radius_error_at_truth_mm: f64,
    /// Root-mean-square of all [`CoverageCase::radius_error_at_truth_and_origin_mm`].
    pub rms_radius_error_at_truth_and_origin_mm: f64,
    /// The seed intervals cover the true origin on all three axes
    /// ([`CoverageCase::seed_covered`]).
    pub seed_covered: Proportion,
    /// Root-mean-square of [`CoverageCase::seed_error_mm`]: `[T1Gd centroid, fitted
    /// seed]` distance from the true origin (mm).
    pub rms_seed_error_mm: [f64; 2],
    /// Both intervals would cover the truth had the calibration assumed
    /// σ = `rms_radius_error_at_truth_mm` (from [`CoverageCase::sigma_to_cover_mm`]).
    pub both_covered_at_measured_sigma: Proportion,
    /// The cases.
    pub cases: Vec<CoverageCase>,
}

/// Largest number of uniform draws for a tumour origin that meets the design.
const MAX_SEED_DRAWS: usize = 10_000;

fn draw_origin(
    atlas: &BrainTissue,
    design: &CoverageDesign,
    rng: &mut ChaCha8Rng,
) -> Result<[f64; 3]> {
    let [lo, hi] = design.seed_box_mm;
    let g = &atlas.domain.grid;
    for _ in 0..MAX_SEED_DRAWS {
        let p: [f64; 3] = std::array::from_fn(|a| lo[a] + rng.random::<f64>() * (hi[a] - lo[a]));
        if !atlas.is_tissue(p) {
            continue;
        }
        let v = g.voxel_coords(p).map(|x| x.round() as usize);
        if atlas.p_wm[v] >= design.min_seed_white_fraction {
            return Ok(p);
        }
    }
    Err(OncologyError::invalid(
        "seed_box_mm",
        format!("{:?}", design.seed_box_mm),
        format!(
            "a box with tissue of white-matter probability ≥ {}",
            design.min_seed_white_fraction
        ),
    ))
}

/// One case: draw the truth, make the scans, calibrate. Errors of the truth (design)
/// are returned; a failed calibration is recorded in the case.
fn coverage_case(
    truth_atlas: &BrainTissue,
    twin_atlas: &BrainTissue,
    design: &CoverageDesign,
    options: &CalibrationOptions,
    rng: &mut ChaCha8Rng,
) -> Result<CoverageCase> {
    let lu = |rng: &mut ChaCha8Rng, r: [f64; 2]| {
        (r[0].ln() + rng.random::<f64>() * (r[1] / r[0]).ln()).exp()
    };
    let (v, w) = (lu(rng, design.speed_mm_per_day), lu(rng, design.width_mm));
    let truth = GrowthParams {
        diffusion_white_mm2_per_day: 0.5 * v * w,
        rho_per_day: 0.5 * v / w,
        white_grey_ratio: options.white_grey_ratio,
    };
    let seed_mm = draw_origin(truth_atlas, design, rng)?;
    // Same crop of both atlases: the scans (on the truth crop) cover the twin's tissue.
    let truth_tissue = truth_atlas.crop(seed_mm, design.crop_half_width_mm)?;
    let twin_tissue = twin_atlas.crop(seed_mm, design.crop_half_width_mm)?;
    let (scans, _) = crate::glioma::synthetic::virtual_scans(
        &truth_tissue,
        &truth,
        seed_mm,
        design.first_t1gd_radius_mm,
        &[design.gap_days],
        design.flip_probability,
        rng,
    )?;
    let started = std::time::Instant::now();
    let mut case = CoverageCase {
        seed_mm,
        truth,
        d_fit: None,
        rho_fit: None,
        rms_residual_mm: None,
        radius_error_at_truth_mm: None,
        radius_error_at_truth_and_origin_mm: None,
        sigma_to_cover_mm: None,
        seed_error_mm: None,
        seed_covered: None,
        failure: None,
        seconds: 0.0,
    };
    let calibrated = calibrate(&twin_tissue, &scans, options);
    case.seconds = started.elapsed().as_secs_f64();
    match calibrated {
        Ok(twin) => {
            let iv = &twin.intervals;
            case.d_fit = Some([
                twin.growth.diffusion_white_mm2_per_day,
                iv[0].lower,
                iv[0].upper,
            ]);
            case.rho_fit = Some([twin.growth.rho_per_day, iv[1].lower, iv[1].upper]);
            let n = twin.observed_radii_mm.len() as f64;
            case.rms_residual_mm = Some(
                (twin
                    .observed_radii_mm
                    .iter()
                    .zip(&twin.fitted_radii_mm)
                    .map(|(o, f)| (o - f).powi(2))
                    .sum::<f64>()
                    / n)
                    .sqrt(),
            );
            let half_log = |f: &FitInterval, t: f64| {
                (t / f[0]).ln().abs() / (0.5 * (f[2] / f[1]).ln()) * options.sigma_radius_mm
            };
            case.sigma_to_cover_mm = Some(
                half_log(&case.d_fit.expect("set"), truth.diffusion_white_mm2_per_day)
                    .max(half_log(&case.rho_fit.expect("set"), truth.rho_per_day)),
            );
            let offsets: Vec<f64> = scans.iter().map(|s| s.day - scans[0].day).collect();
            let error_seeded_at = |origin: [f64; 3]| -> Result<Vec<f64>> {
                let crop = twin_tissue.crop(twin.crop_centre_mm, twin.crop_half_width_mm)?;
                let at_truth = forward_radii_mm(
                    &crop,
                    &truth,
                    origin,
                    options.seed_sigma_mm,
                    twin.first_t1gd_radius_mm,
                    &offsets,
                );
                Ok(twin
                    .observed_radii_mm
                    .iter()
                    .zip(&at_truth)
                    .map(|(o, p)| o - p)
                    .collect())
            };
            case.seed_error_mm = Some([
                distance_mm(twin.crop_centre_mm, seed_mm),
                distance_mm(twin.seed_mm, seed_mm),
            ]);
            case.seed_covered = Some(
                iv[2..5]
                    .iter()
                    .zip(seed_mm)
                    .all(|(i, x)| i.lower <= x && x <= i.upper),
            );
            case.radius_error_at_truth_mm = Some(error_seeded_at(twin.seed_mm)?);
            case.radius_error_at_truth_and_origin_mm = Some(error_seeded_at(seed_mm)?);
        }
        Err(e) => case.failure = Some(failure_category(&e)),
    }
    Ok(case)
}

/// Calibrate `n` seeded synthetic patients (parameters and origin drawn from `design`,
/// truth on `truth_atlas`, twin on `twin_atlas`) and count how often the fits are
/// within 15% and the 95% intervals cover the truth. Cases run in parallel; each has
/// its own ChaCha8 stream of `seed`, so the result does not depend on the thread count.
pub fn coverage_study(
    truth_atlas: &BrainTissue,
    twin_atlas: &BrainTissue,
    design: &CoverageDesign,
    options: &CalibrationOptions,
    n: usize,
    seed: u64,
) -> Result<CoverageSummary> {
    if n == 0 {
        return Err(OncologyError::invalid("n", 0, "at least one case"));
    }
    let cases: Vec<CoverageCase> = (0..n as u64)
        .into_par_iter()
        .map(|i| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(i);
            coverage_case(truth_atlas, twin_atlas, design, options, &mut rng)
        })
        .collect::<Result<_>>()?;
    let count =
        |f: fn(&CoverageCase) -> bool| Proportion::wilson(cases.iter().filter(|c| f(c)).count(), n);
    let rms_of = |f: fn(&CoverageCase) -> &Option<Vec<f64>>| {
        let e: Vec<f64> = cases
            .iter()
            .filter_map(|c| f(c).clone())
            .flatten()
            .collect();
        (e.iter().map(|e| e * e).sum::<f64>() / e.len().max(1) as f64).sqrt()
    };
    let rms = rms_of(|c| &c.radius_error_at_truth_mm);
    let at_rms = cases
        .iter()
        .filter(|c| c.sigma_to_cover_mm.is_some_and(|s| s <= rms))
        .count();
    Ok(CoverageSummary {
        n,
        failures: cases.iter().filter(|c| c.failure.is_some()).count(),
        d_within_15pct: count(CoverageCase::d_within_15pct)?,
        rho_within_15pct: count(CoverageCase::rho_within_15pct)?,
        both_within_15pct: count(CoverageCase::within_15pct)?,
        d_covered: count(CoverageCase::d_covered)?,
        rho_covered: count(CoverageCase::rho_covered)?,
        both_covered: count(CoverageCase::covered)?,
        seed_covered: count(|c| c.seed_covered == Some(true))?,
        assumed_sigma_radius_mm: options.sigma_radius_mm,
        rms_radius_error_at_truth_mm: rms,
        rms_radius_error_at_truth_and_origin_mm: rms_of(|c| &c.radius_error_at_truth_and_origin_mm),
        both_covered_at_measured_sigma: Proportion::wilson(at_rms, n)?,
        rms_seed_error_mm: [0, 1].map(|m| {
            let e: Vec<f64> = cases
                .iter()
                .filter_map(|c| c.seed_error_mm)
                .map(|e| e[m])
                .collect();
            (e.iter().map(|e| e * e).sum::<f64>() / e.len().max(1) as f64).sqrt()
        }),
        cases,
    })
}
