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
//!    or a NIfTI dose map, optional temozolomide), ranked by Days Gained.

use std::time::Instant;

use nalgebra::DMatrix;
use ndarray::Array3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::calibrate::{
    FitOptions, Interval, Likelihood, Observations, ParameterSpec, Problem, SigmaModel, Transform,
    fit,
};
use twin_core::pde::Grid;
use twin_core::stats::Z95;

use super::model::{DoseDistribution, TreatmentPlan};
use super::model::{
    GliomaSim, ImagingSummary, Trajectory, TreatmentOptions, TreatmentOutcome, observe,
    region_centroids_mm, sphere_radius_mm,
};
use super::params::{ALPHA_PRIOR_LOG_SD, GrowthParams, LqParams};
use super::radiotherapy::Schedule;
use super::tissue::BrainTissue;
use crate::error::{OncologyError, Result};

/// FLAIR–T1Gd gap of the travelling wave in units of `√(D/ρ)` (see module docs).
pub fn wave_gap_factor() -> f64 {
    let s = |c: f64| (c.powf(-0.5) - 1.0).ln();
    6f64.sqrt() * (s(super::params::FLAIR_THRESHOLD) - s(super::params::T1GD_THRESHOLD))
}

/// Largest simulated time from seed to the first scan (days); slower tumours are an error.
pub const MAX_ONSET_DAYS: f64 = 5000.0;
/// Largest fraction of labelled voxels allowed outside the tissue mask (registration slack).
pub const MAX_OUTSIDE_FRACTION: f64 = 0.10;

/// One pre-treatment scan: T1Gd and FLAIR segmentations on an atlas-space grid.
#[derive(Debug, Clone)]
pub struct Segmentation {
    /// Scan day (any fixed origin, e.g. days since diagnosis).
    pub day: f64,
    /// Grid of the label maps (must cover the twin's tissue grid: atlas space).
    pub grid: Grid,
    /// Enhancing region.
    pub t1gd: Array3<bool>,
    /// FLAIR abnormality (contains the enhancing region).
    pub flair: Array3<bool>,
}

impl Segmentation {
    /// From a label map: label 2 = T1Gd (and FLAIR), label ≥ 1 = FLAIR.
    pub fn from_labels(day: f64, grid: Grid, labels: &Array3<u16>) -> Result<Self> {
        grid.check_shape("labels", labels)?;
        Ok(Self {
            day,
            grid,
            t1gd: labels.mapv(|l| l >= 2),
            flair: labels.mapv(|l| l >= 1),
        })
    }

    /// Read a segmentation scanned on `day` from a NIfTI-1 label map in atlas space:
    /// 0 normal, 1 FLAIR abnormality without enhancement, 2 enhancing (T1Gd). Other
    /// labels are an error (remap first, e.g. BraTS' 1/2/4 to 1/1/2).
    pub fn read_nifti(path: impl AsRef<std::path::Path>, day: f64) -> Result<Self> {
        let path = path.as_ref();
        let m = twin_io::nifti_io::read_labels(path).map_err(|e| OncologyError::Io {
            what: "segmentation".into(),
            message: e.to_string(),
        })?;
        if let Some(((i, j, k), bad)) = m.labels.indexed_iter().find(|(_, l)| **l > 2) {
            return Err(OncologyError::invalid(
                format!("segmentation label at voxel [{i}, {j}, {k}]"),
                bad,
                "0 normal, 1 FLAIR only, 2 T1Gd",
            ));
        }
        if !day.is_finite() {
            return Err(OncologyError::invalid("scan day", day, "a finite day"));
        }
        Self::from_labels(day, m.grid, &m.labels)
    }

    /// This segmentation (made on a crop of `full`) placed into the `full` grid: same
    /// spacing, voxel-aligned, labels outside the crop normal. Errors if the crop does
    /// not lie on `full`.
    pub fn embed(&self, full: &Grid) -> Result<Self> {
        self.grid.check_shape("t1gd", &self.t1gd)?;
        self.grid.check_shape("flair", &self.flair)?;
        let v = full.voxel_coords(self.grid.origin_mm);
        let aligned = (0..3).all(|a| {
            (self.grid.spacing_mm[a] - full.spacing_mm[a]).abs() < 1e-6
                && (v[a] - v[a].round()).abs() < 1e-3
                && v[a].round() >= 0.0
                && v[a].round() as usize + self.grid.shape[a] <= full.shape[a]
        });
        if !aligned {
            return Err(OncologyError::invalid(
                "segmentation grid",
                format!(
                    "origin {:?} mm, spacing {:?} mm, shape {:?}",
                    self.grid.origin_mm, self.grid.spacing_mm, self.grid.shape
                ),
                "a voxel-aligned crop of the target grid with its spacing",
            ));
        }
        let o = v.map(|x| x.round() as usize);
        let place = |m: &Array3<bool>| {
            let mut big = Array3::from_elem(full.shape, false);
            for ((i, j, k), &x) in m.indexed_iter() {
                big[[o[0] + i, o[1] + j, o[2] + k]] = x;
            }
            big
        };
        Ok(Self {
            day: self.day,
            grid: *full,
            t1gd: place(&self.t1gd),
            flair: place(&self.flair),
        })
    }

    /// The label map (0 normal, 1 FLAIR only, 2 T1Gd).
    pub fn labels(&self) -> Array3<u16> {
        Array3::from_shape_fn(self.t1gd.dim(), |idx| {
            if self.t1gd[idx] {
                2
            } else {
                u16::from(self.flair[idx])
            }
        })
    }

    /// Write the label map ([`Self::labels`]) as uint16 NIfTI-1; the day is not stored.
    pub fn write_nifti(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let m = twin_io::nifti_io::LabelMap {
            grid: self.grid,
            labels: self.labels(),
        };
        twin_io::nifti_io::write_labels(path, &m).map_err(|e| OncologyError::Io {
            what: "segmentation".into(),
            message: e.to_string(),
        })
    }

    /// Check against the tissue and summarise: (volumes/radii, T1Gd centroid in mm).
    /// Errors if the enhancing region is empty.
    pub fn summarise(&self, tissue: &BrainTissue) -> Result<(ImagingSummary, [f64; 3])> {
        let (s, [t1gd, _]) = self.summarise_checked(tissue)?;
        let centroid = t1gd.ok_or_else(|| {
            OncologyError::invalid("t1gd", "empty mask", "at least one enhancing voxel")
        })?;
        Ok((s, centroid))
    }

    /// [`Self::summarise`] allowing an empty enhancing region (after treatment it may
    /// have vanished), with the T1Gd and FLAIR centroids (mm; `None` if empty).
    fn summarise_checked(
        &self,
        tissue: &BrainTissue,
    ) -> Result<(ImagingSummary, [Option<[f64; 3]>; 2])> {
        let tg = &tissue.domain.grid;
        self.grid.check_shape("t1gd", &self.t1gd)?;
        self.grid.check_shape("flair", &self.flair)?;
        let extent = |g: &Grid, a: usize| {
            (
                g.origin_mm[a] - 0.5 * g.spacing_mm[a],
                g.origin_mm[a] + (g.shape[a] as f64 - 0.5) * g.spacing_mm[a],
            )
        };
        for a in 0..3 {
            let (l0, h0) = extent(&self.grid, a);
            let (l1, h1) = extent(tg, a);
            let tol = tg.spacing_mm[a].max(self.grid.spacing_mm[a]);
            if (l0 - l1).abs() > tol || (h0 - h1).abs() > tol {
                return Err(OncologyError::invalid(
                    format!("segmentation grid axis {a}"),
                    format!("extent [{l0:.1}, {h0:.1}] mm"),
                    format!(
                        "the atlas extent [{l1:.1}, {h1:.1}] mm (scans must be in atlas space)"
                    ),
                ));
            }
        }
        let vv = self.grid.voxel_volume_mm3();
        let (mut n_t1, mut n_fl, mut outside) = (0usize, 0usize, 0usize);
        let (mut sum_t1, mut sum_fl) = ([0.0; 3], [0.0; 3]);
        for ((i, j, k), &f) in self.flair.indexed_iter() {
            let t = self.t1gd[[i, j, k]];
            if t && !f {
                return Err(OncologyError::invalid(
                    "t1gd",
                    "voxel outside FLAIR",
                    "T1Gd region inside the FLAIR region",
                ));
            }
            if !f {
                continue;
            }
            n_fl += 1;
            let p = self.grid.centre_mm(i, j, k);
            if !tissue.is_tissue(p) {
                outside += 1;
            }
            for a in 0..3 {
                sum_fl[a] += p[a];
            }
            if t {
                n_t1 += 1;
                for a in 0..3 {
                    sum_t1[a] += p[a];
                }
            }
        }
        if outside as f64 > MAX_OUTSIDE_FRACTION * n_fl as f64 {
            return Err(OncologyError::invalid(
                "segmentation",
                format!("{outside} of {n_fl} labelled voxels outside the brain mask"),
                format!("at most {:.0}% outside", 100.0 * MAX_OUTSIDE_FRACTION),
            ));
        }
        let (v1, v2) = (n_t1 as f64 * vv, n_fl as f64 * vv);
        Ok((
            ImagingSummary {
                t1gd_volume_mm3: v1,
                flair_volume_mm3: v2,
                t1gd_radius_mm: sphere_radius_mm(v1),
                flair_radius_mm: sphere_radius_mm(v2),
            },
            [(sum_t1, n_t1), (sum_fl, n_fl)]
                .map(|(sum, n)| (n > 0).then(|| sum.map(|s| s / n as f64))),
        ))
    }
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
    pub intervals: Vec<Interval>,
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

/// Simulate from the seed until T1Gd reaches `r1`, then follow `offsets` (days after
/// that moment, increasing, ≥ 0); returns the state at the last offset, the time of
/// the first scan on the model clock, the history, and observations at each offset.
struct Run {
    c: Array3<f64>,
    t_first: f64,
    history: Trajectory,
    at_offsets: Vec<ImagingSummary>,
    /// T1Gd and FLAIR centroids at each offset (mm).
    centroids: Vec<[Option<[f64; 3]>; 2]>,
}

fn run(
    tissue: &BrainTissue,
    growth: &GrowthParams,
    seed_mm: [f64; 3],
    seed_sigma_mm: f64,
    r1_mm: f64,
    offsets: &[f64],
    record: bool,
) -> Result<Run> {
    let mut sim = GliomaSim::new(tissue, growth)?;
    let mut c = sim.seed(seed_mm, 0.5, seed_sigma_mm)?;
    let mut history = Trajectory::default();
    history.t_days.push(0.0);
    history.imaging.push(observe(sim.domain(), &c)?);
    // Observe every 4 steps (observation costs about as much as a step); the radius
    // grows smoothly, so interpolating between records locates the anchor accurately.
    let chunk = 4.0 * sim.max_dt_days();
    let mut before_chunk = c.clone();
    let mut t = 0.0;
    let t_first = loop {
        before_chunk.assign(&c);
        sim.grow(&mut c, chunk)?;
        t += chunk;
        history.t_days.push(t);
        history.imaging.push(sim.observe_last()?);
        if let Some(tf) = history.time_t1gd_reaches(r1_mm) {
            break tf;
        }
        if t > MAX_ONSET_DAYS {
            return Err(OncologyError::invalid(
                "growth parameters",
                format!(
                    "D {:.3e}, ρ {:.3e}",
                    growth.diffusion_white_mm2_per_day, growth.rho_per_day
                ),
                format!("T1Gd radius {r1_mm:.1} mm reached within {MAX_ONSET_DAYS} days"),
            ));
        }
    };
    // Back to the anchor: the last chunk overshot it by up to 4 steps, which can be
    // longer than the gap to the next scan (slow tumours take steps of weeks), so
    // re-run that chunk from its start up to `t_first` exactly.
    let chunk_start = (t - chunk).max(0.0);
    c = before_chunk;
    history.t_days.pop();
    history.imaging.pop();
    if t_first > chunk_start {
        sim.grow(&mut c, t_first - chunk_start)?;
    }
    t = t_first;
    let at_anchor = observe(sim.domain(), &c)?;
    if t_first > chunk_start {
        history.t_days.push(t_first);
        history.imaging.push(at_anchor);
    }
    let mut at_offsets = Vec::with_capacity(offsets.len());
    let mut centroids = Vec::with_capacity(offsets.len());
    let mut latest = at_anchor;
    for &off in offsets {
        let target = t_first + off;
        if target > t {
            if record {
                sim.grow_recording(&mut c, t, target - t, &mut history)?;
            } else {
                sim.grow(&mut c, target - t)?;
            }
            t = target;
            latest = sim.observe_last()?;
        }
        at_offsets.push(latest);
        centroids.push(region_centroids_mm(sim.domain(), &c)?);
    }
    Ok(Run {
        c,
        t_first,
        history,
        at_offsets,
        centroids,
    })
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
) -> Result<(Vec<Interval>, DMatrix<f64>)> {
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
            Interval {
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
) -> Result<Vec<Interval>> {
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
            Interval {
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
    /// Simulated density at `day` (same clock as the scans), on `tissue` cropped
    /// with `extra_margin_mm` beyond the calibration crop; returns the crop too.
    pub fn density_at(
        &self,
        tissue: &BrainTissue,
        day: f64,
        extra_margin_mm: f64,
    ) -> Result<(BrainTissue, Array3<f64>)> {
        let crop = tissue.crop(
            self.crop_centre_mm,
            self.crop_half_width_mm + extra_margin_mm,
        )?;
        let r1 = self.first_t1gd_radius_mm;
        let r = run(
            &crop,
            &self.growth,
            self.seed_mm,
            self.options.seed_sigma_mm,
            r1,
            &[(day - self.first_scan_day).max(0.0)],
            false,
        )?;
        Ok((crop, r.c))
    }

    /// Forecast each schedule (uniform PTV dose, no TMZ), radiotherapy starting
    /// `rt_start_day` (scan clock); returns outcomes ranked by Days Gained (best first).
    pub fn forecast_schedules(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        schedules: &[Schedule],
        options: &TreatmentOptions,
    ) -> Result<Vec<TreatmentOutcome>> {
        let plans: Vec<TreatmentPlan> = schedules
            .iter()
            .map(|s| TreatmentPlan::radiotherapy(s.clone()))
            .collect();
        self.forecast_plans(tissue, rt_start_day, &plans, options)
    }

    /// Forecast each plan (radiotherapy with a uniform PTV or a dose map on `tissue`'s
    /// grid, optional temozolomide) from `rt_start_day` (scan clock) with the twin's
    /// current α; returns outcomes ranked by Days Gained (best first).
    pub fn forecast_plans(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plans: &[TreatmentPlan],
        options: &TreatmentOptions,
    ) -> Result<Vec<TreatmentOutcome>> {
        check_plans(tissue, plans)?;
        let (crop, start) = self.state_at(tissue, rt_start_day, true)?;
        // One simulator per plan (its active box is a cache): the plans run in
        // parallel and each result is independent of the thread schedule.
        let mut out = plans
            .par_iter()
            .map(|p| {
                GliomaSim::new(&crop, &self.growth)?.forecast_plan(
                    &start.c,
                    start.t_first + (rt_start_day - self.first_scan_day),
                    &start.history,
                    p,
                    &self.lq,
                    options,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| b.days_gained.total_cmp(&a.days_gained));
        Ok(out)
    }

    /// [`Self::forecast_plans`] with 95% prediction intervals of Days Gained, ranked
    /// by the central forecast (best first).
    ///
    /// **Method** (first order, 7 forecasts per plan, all in parallel): Days Gained
    /// increases monotonically with α, so its α-only interval is Days Gained at the
    /// ends of α's 95% interval (the posterior's after [`Self::update_alpha`], else
    /// the prior's: median × exp(±1.96 × [`ALPHA_PRIOR_LOG_SD`])). The D, ρ
    /// uncertainty enters through secants over ±1 sd of `ln D`, `ln ρ` (Laplace
    /// covariance): `s² = gᵀ Σ g`. Each side of the interval combines both in
    /// quadrature, `DG₀ ∓ √(ΔDG_α² + (1.96 s)²)`, floored at 0 days. After an α
    /// update this is conservative: the posterior's width already carries the D, ρ
    /// uncertainty of the post-treatment radii.
    pub fn forecast_plans_with_intervals(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plans: &[TreatmentPlan],
        options: &TreatmentOptions,
    ) -> Result<Vec<PlanForecast>> {
        check_plans(tissue, plans)?;
        let (step, secants) = self.growth_secant_points();
        let growths: Vec<GrowthParams> = std::iter::once(self.growth).chain(secants).collect();
        // Start states per growth variant; a secant point whose run fails is `None`.
        let starts: Vec<Option<(BrainTissue, Run)>> = growths
            .par_iter()
            .enumerate()
            .map(|(g, growth)| {
                let state = CalibratedTwin {
                    growth: *growth,
                    ..self.clone()
                }
                .state_at(tissue, rt_start_day, true);
                if g == 0 {
                    state.map(Some)
                } else {
                    Ok(state.ok())
                }
            })
            .collect::<Result<_>>()?;
        let [alpha_lo, alpha_hi] = self.alpha_interval();
        let lq_at = |a: f64| LqParams {
            alpha_per_gy: a,
            ..self.lq
        };
        // Per plan: (growth variant, α): central, α ends, then the 4 growth secants.
        let variants: Vec<(usize, LqParams)> =
            [(0, self.lq), (0, lq_at(alpha_lo)), (0, lq_at(alpha_hi))]
                .into_iter()
                .chain((1..5).map(|g| (g, self.lq)))
                .collect();
        let jobs: Vec<(&TreatmentPlan, usize, LqParams)> = plans
            .iter()
            .flat_map(|p| variants.iter().map(move |&(g, lq)| (p, g, lq)))
            .collect();
        // The central and α-end forecasts must succeed; a growth secant point whose
        // run fails (a tumour too slow to reach the first scan, or parameters out of
        // range) leaves the D, ρ effect unbounded.
        let outcomes: Vec<Option<TreatmentOutcome>> = jobs
            .par_iter()
            .map(|&(plan, g, lq)| {
                let Some((crop, start)) = &starts[g] else {
                    return Ok(None);
                };
                let outcome = GliomaSim::new(crop, &growths[g]).and_then(|mut sim| {
                    sim.forecast_plan(
                        &start.c,
                        start.t_first + (rt_start_day - self.first_scan_day),
                        &start.history,
                        plan,
                        &lq,
                        options,
                    )
                });
                if g == 0 {
                    outcome.map(Some)
                } else {
                    Ok(outcome.ok())
                }
            })
            .collect::<Result<_>>()?;
        let mut out = Vec::with_capacity(plans.len());
        for o in outcomes.chunks(variants.len()) {
            let [Some(central), Some(lo), Some(hi)] = [&o[0], &o[1], &o[2]] else {
                return Err(OncologyError::invalid(
                    "forecast",
                    "a central or α-end forecast missing",
                    "all three (internal error)",
                ));
            };
            let dg = [central.days_gained, lo.days_gained, hi.days_gained];
            let secant: Vec<f64> = o[3..]
                .iter()
                .filter_map(|r| r.as_ref().map(|r| r.days_gained))
                .collect();
            let growth_sd = match secant[..] {
                [a, b, c, d] => {
                    self.growth_sd([(a - b) / (2.0 * step[0]), (c - d) / (2.0 * step[1])])
                }
                _ => f64::INFINITY,
            };
            let side =
                |alpha_end: f64| ((alpha_end - dg[0]).powi(2) + (Z95 * growth_sd).powi(2)).sqrt();
            out.push(PlanForecast {
                outcome: central.clone(),
                days_gained_ci95: [(dg[0] - side(dg[1])).max(0.0), dg[0] + side(dg[2])],
                days_gained_alpha_ends: [dg[1], dg[2]],
                days_gained_growth_sd: growth_sd,
            });
        }
        out.sort_by(|a, b| b.outcome.days_gained.total_cmp(&a.outcome.days_gained));
        Ok(out)
    }

    /// 95% interval of the days from seed to the first scan, from the D, ρ
    /// uncertainty to first order (secants over ±1 sd, `s² = gᵀ Σ g`, estimate ±
    /// 1.96 s, floored at 0). A secant point from which the tumour never reaches the
    /// first scan's size within [`MAX_ONSET_DAYS`] makes the upper end infinite.
    fn onset_interval(&self, crop: &BrainTissue) -> Result<Interval> {
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
        Ok(Interval {
            name: "onset_to_first_scan_days".into(),
            unit: "day".into(),
            estimate: t0,
            lower,
            upper,
            level: 0.95,
        })
    }

    /// First-order sd `√(gᵀ Σ g)` of a quantity with gradient `g` in `(ln D, ln ρ)`
    /// (Σ the Laplace covariance).
    fn growth_sd(&self, g: [f64; 2]) -> f64 {
        let s = &self.log_covariance;
        (g[0] * g[0] * s[0][0] + 2.0 * g[0] * g[1] * s[0][1] + g[1] * g[1] * s[1][1])
            .max(0.0)
            .sqrt()
    }

    /// The secant half-steps in `(ln D, ln ρ)`, the Laplace sds capped at
    /// [`MAX_SECANT_LOG_STEP`], and the growth parameters at + and − one step of
    /// `ln D`, then of `ln ρ` (the points of the first-order propagations).
    fn growth_secant_points(&self) -> ([f64; 2], [GrowthParams; 4]) {
        let sd = [0, 1].map(|j| self.log_covariance[j][j].sqrt().min(MAX_SECANT_LOG_STEP));
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

    /// 95% interval of α (1/Gy): the posterior's if a post-treatment scan was used,
    /// else the prior's at the fitted ρ.
    pub fn alpha_interval(&self) -> [f64; 2] {
        match &self.alpha_posterior {
            Some(p) => [p.posterior.lower, p.posterior.upper],
            None => [-Z95, Z95].map(|z| self.lq.alpha_per_gy * (z * ALPHA_PRIOR_LOG_SD).exp()),
        }
    }

    /// The forecast tissue (calibration crop + 20 mm) and the run from the seed to `day`.
    fn state_at(&self, tissue: &BrainTissue, day: f64, record: bool) -> Result<(BrainTissue, Run)> {
        let off = day - self.first_scan_day;
        if !(off.is_finite() && off >= 0.0) {
            return Err(OncologyError::invalid(
                "rt_start_day",
                day,
                format!("on or after the first scan day {}", self.first_scan_day),
            ));
        }
        let crop = tissue.crop(
            self.crop_centre_mm,
            self.crop_half_width_mm + FORECAST_MARGIN_MM,
        )?;
        let r = run(
            &crop,
            &self.growth,
            self.seed_mm,
            self.options.seed_sigma_mm,
            self.first_t1gd_radius_mm,
            &[off],
            record,
        )?;
        Ok((crop, r))
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
            let twin = CalibratedTwin {
                growth: *g,
                ..self.clone()
            };
            let (crop, start) = twin.state_at(tissue, rt_start_day, false)?;
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
        let interval = |estimate: f64, lower: f64, upper: f64| Interval {
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

/// Largest secant half-step in `ln D` or `ln ρ` of the first-order propagations: a
/// poorly identified parameter (sd beyond ×1.65) still gets a local slope, scaled by
/// its full covariance, instead of a secant to parameters far from its fit.
const MAX_SECANT_LOG_STEP: f64 = 0.5;

/// Tissue beyond the calibration crop kept for forecasts (mm).
const FORECAST_MARGIN_MM: f64 = 20.0;
/// Model runs (α values) of [`CalibratedTwin::update_alpha`].
pub const ALPHA_GRID_NODES: usize = 13;
/// Points of the grid the α posterior is evaluated on.
const ALPHA_FINE_POINTS: usize = 481;

/// Dose maps must lie on `tissue`'s grid.
fn check_plans(tissue: &BrainTissue, plans: &[TreatmentPlan]) -> Result<()> {
    for p in plans {
        if let DoseDistribution::Map(m) = &p.dose {
            m.check_grid(&tissue.domain.grid)?;
        }
    }
    Ok(())
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

/// A plan's forecast with its 95% prediction interval
/// ([`CalibratedTwin::forecast_plans_with_intervals`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanForecast {
    /// The central forecast: fitted D and ρ, α at its median.
    pub outcome: TreatmentOutcome,
    /// 95% prediction interval of Days Gained (days).
    pub days_gained_ci95: [f64; 2],
    /// Days Gained at the ends of α's 95% interval, D and ρ at their fit (days).
    pub days_gained_alpha_ends: [f64; 2],
    /// Standard deviation of Days Gained from the D, ρ uncertainty (days, first order).
    pub days_gained_growth_sd: f64,
}

/// Posterior of the radiosensitivity α from a post-treatment scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaPosterior {
    /// Prior median and 95% interval of α (1/Gy).
    pub prior: Interval,
    /// Posterior median and equal-tailed 95% interval of α (1/Gy).
    pub posterior: Interval,
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
