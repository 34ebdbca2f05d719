//! The proliferation–invasion model `∂c/∂t = ∇·(D(x)∇c) + ρc(1−c)` (no flux at the
//! tissue boundary) on [`BrainTissue`], its imaging observation, and radiotherapy forecasts.
//!
//! Diffusion: twin-core's finite-volume operator (harmonic face means), explicit steps;
//! reaction: the exact logistic flow; Strang splitting. The step is the smaller of
//! the explicit stability limit and `0.1/ρ` (keeps the splitting error small). Steps
//! run on the tumour's active sub-box only ([`super::active`]).

use ndarray::Array3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::pde::{DiffusionOperator, Domain, FaceMean, Logistic};

use super::active::{
    ACTIVE_RELATIVE_DENSITY, ActiveBox, Region, SHELL, box_for, masked_max, still_covers, support,
};
use super::chemo::{TmzParams, TmzSchedule, apply_tmz_dose};
use super::params::{
    FLAIR_THRESHOLD, GrowthParams, LqParams, RESPONDER_DAYS_GAINED, T1GD_THRESHOLD,
};
use super::radiotherapy::{DoseMap, Schedule, apply_fraction, ptv_mask, uniform_dose_map};
use super::tissue::BrainTissue;
use crate::error::{OncologyError, Result};

/// Imaging-visible tumour at one time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImagingSummary {
    /// T1Gd-enhancing volume `c ≥ 0.80` (mm³).
    pub t1gd_volume_mm3: f64,
    /// FLAIR-abnormal volume `c ≥ 0.16` (mm³).
    pub flair_volume_mm3: f64,
    /// Spherical-equivalent radius of the T1Gd volume (mm).
    pub t1gd_radius_mm: f64,
    /// Spherical-equivalent radius of the FLAIR volume (mm).
    pub flair_radius_mm: f64,
}

/// Radius (mm) of the sphere of volume `v_mm3`.
pub fn sphere_radius_mm(v_mm3: f64) -> f64 {
    (3.0 * v_mm3 / (4.0 * std::f64::consts::PI)).cbrt()
}

/// Imaging time series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GrowthTrajectory {
    /// Times (days since the model's t = 0).
    pub t_days: Vec<f64>,
    /// Observation at each time.
    pub imaging: Vec<ImagingSummary>,
}

impl GrowthTrajectory {
    fn push(&mut self, t: f64, s: ImagingSummary) {
        self.t_days.push(t);
        self.imaging.push(s);
    }

    /// First time the T1Gd radius reaches `radius_mm` (linear interpolation), if ever.
    pub fn time_t1gd_reaches(&self, radius_mm: f64) -> Option<f64> {
        let r: Vec<f64> = self.imaging.iter().map(|s| s.t1gd_radius_mm).collect();
        if r.first().is_some_and(|&r0| r0 >= radius_mm) {
            return self.t_days.first().copied();
        }
        (1..r.len()).find(|&i| r[i] >= radius_mm).map(|i| {
            let w = (radius_mm - r[i - 1]) / (r[i] - r[i - 1]);
            self.t_days[i - 1] + w * (self.t_days[i] - self.t_days[i - 1])
        })
    }
}

/// Volume (mm³) of `{c ≥ θ}` with sub-voxel interpolation: each voxel contributes
/// `clamp(½ + (c − θ)/(|∇c| h), 0, 1)`, the fraction of the voxel on the high side
/// of a locally planar level set. Unlike a voxel count this is continuous in the
/// model parameters, which the calibration's finite differences need.
pub fn level_volume_mm3(domain: &Domain, c: &Array3<f64>, threshold: f64) -> Result<f64> {
    domain.grid.check_shape("c", c)?;
    let c = c.as_standard_layout();
    let data = c.as_slice().expect("standard layout");
    let mut partials = vec![[0.0; 2]; domain.grid.shape[0]];
    Ok(level_volumes(domain, data, [threshold; 2], &mut partials)[0])
}

/// [`level_volume_mm3`] at two thresholds (both > 0; densities ≥ 0) in one
/// parallel pass over x-planes (`partials`: one slot per plane, summed in plane
/// order for reproducibility).
fn level_volumes(
    domain: &Domain,
    c: &[f64],
    thresholds: [f64; 2],
    partials: &mut [[f64; 2]],
) -> [f64; 2] {
    let g = &domain.grid;
    let [nx, ny, nz] = g.shape;
    let strides = [ny * nz, nz, 1];
    let mask = domain.mask_row_major();
    // A voxel whose value and six neighbours are all ≤ θ/4 (densities ≥ 0) has
    // |∇c| h ≤ 3θ/4, hence fraction 0: only the box around `c > θ/4`, grown by one
    // voxel, can contribute.
    let low = 0.25 * thresholds[0].min(thresholds[1]);
    let Some(r) = support(domain, c, low) else {
        return [0.0; 2];
    };
    let whole = Region {
        lo: [0; 3],
        shape: g.shape,
    };
    let r = r.grown([1; 3], &whole);
    let hi = r.hi();
    partials.par_iter_mut().enumerate().for_each(|(i, part)| {
        let mut sum = [0.0; 2];
        if !(r.lo[0]..hi[0]).contains(&i) {
            *part = sum;
            return;
        }
        for j in r.lo[1]..hi[1] {
            for k in r.lo[2]..hi[2] {
                let p = (i * ny + j) * nz + k;
                if !mask[p] {
                    continue;
                }
                let v = c[p];
                // Far from both level sets the fraction saturates (a voxel would need
                // a jump > 0.6 across it, i.e. an unresolved front): no gradient.
                let near = thresholds.map(|t| (v - t).abs() < 0.3);
                if !(near[0] || near[1]) {
                    for (s, t) in sum.iter_mut().zip(thresholds) {
                        *s += f64::from(u8::from(v > t));
                    }
                    continue;
                }
                // Central differences (one-sided at the grid edge; a neighbour
                // outside the mask counts as `v`): |∂c/∂x_a| h_a per axis.
                let idx = [i, j, k];
                let n = [nx, ny, nz];
                let mut span = 0.0;
                for a in 0..3 {
                    let at = |up: bool| {
                        let ok = if up { idx[a] + 1 < n[a] } else { idx[a] > 0 };
                        if !ok {
                            return v;
                        }
                        let q = if up { p + strides[a] } else { p - strides[a] };
                        if mask[q] { c[q] } else { v }
                    };
                    let steps = ((idx[a] + 1).min(n[a] - 1) - idx[a].saturating_sub(1)).max(1);
                    span += (at(true) - at(false)).abs() / steps as f64;
                }
                for ((s, t), near) in sum.iter_mut().zip(thresholds).zip(near) {
                    let d = v - t;
                    *s += if !near {
                        f64::from(u8::from(d > 0.0))
                    } else if span <= 1e-12 {
                        f64::from(u8::from(d >= 0.0))
                    } else {
                        (0.5 + d / span).clamp(0.0, 1.0)
                    };
                }
            }
        }
        *part = sum;
    });
    let vv = g.voxel_volume_mm3();
    let total = partials
        .iter()
        .fold([0.0; 2], |s, p| [s[0] + p[0], s[1] + p[1]]);
    total.map(|x| x * vv)
}

/// Volumes and radii of the T1Gd and FLAIR regions of `c`.
pub fn observe(domain: &Domain, c: &Array3<f64>) -> Result<ImagingSummary> {
    domain.grid.check_shape("c", c)?;
    let c = c.as_standard_layout();
    let mut partials = vec![[0.0; 2]; domain.grid.shape[0]];
    Ok(summary(level_volumes(
        domain,
        c.as_slice().expect("standard layout"),
        [T1GD_THRESHOLD, FLAIR_THRESHOLD],
        &mut partials,
    )))
}

/// [`observe`] of the active box's density.
fn observe_box(b: &mut ActiveBox) -> ImagingSummary {
    let u = b.u.as_slice().expect("standard layout");
    summary(level_volumes(
        &b.domain,
        u,
        [T1GD_THRESHOLD, FLAIR_THRESHOLD],
        &mut b.partials,
    ))
}

fn summary([t1, fl]: [f64; 2]) -> ImagingSummary {
    ImagingSummary {
        t1gd_volume_mm3: t1,
        flair_volume_mm3: fl,
        t1gd_radius_mm: sphere_radius_mm(t1),
        flair_radius_mm: sphere_radius_mm(fl),
    }
}

/// Centroids (mm) of the T1Gd (`c ≥ 0.80`) and FLAIR (`c ≥ 0.16`) regions of `c`
/// in the tissue mask, `[t1gd, flair]`; `None` for an empty region. Voxels count
/// whole, as in a segmentation, so this is the model's counterpart of a label map's
/// centroid.
pub fn region_centroids_mm(domain: &Domain, c: &Array3<f64>) -> Result<[Option<[f64; 3]>; 2]> {
    domain.grid.check_shape("c", c)?;
    let mut sums = [[0.0; 3]; 2];
    let mut counts = [0usize; 2];
    for ((i, j, k), &v) in c.indexed_iter() {
        if v < FLAIR_THRESHOLD || !domain.mask[[i, j, k]] {
            continue;
        }
        let p = domain.grid.centre_mm(i, j, k);
        for (r, threshold) in [T1GD_THRESHOLD, FLAIR_THRESHOLD].into_iter().enumerate() {
            if v >= threshold {
                counts[r] += 1;
                for a in 0..3 {
                    sums[r][a] += p[a];
                }
            }
        }
    }
    Ok([0, 1].map(|r| (counts[r] > 0).then(|| sums[r].map(|s| s / counts[r] as f64))))
}

/// Label map: 0 normal, 1 FLAIR-only (`0.16 ≤ c < 0.80`), 2 T1Gd (`c ≥ 0.80`).
pub fn label_map(c: &Array3<f64>) -> Array3<u16> {
    c.mapv(|v| {
        if v >= T1GD_THRESHOLD {
            2
        } else if v >= FLAIR_THRESHOLD {
            1
        } else {
            0
        }
    })
}

/// Settings of a treatment forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TreatmentOptions {
    /// PTV margin around the FLAIR-visible region (mm); 20 mm as in EORTC/RTOG practice.
    pub ptv_margin_mm: f64,
    /// Follow-up scan, days after the first fraction, at which Days Gained is measured.
    pub followup_days: f64,
    /// How long after the first fraction to follow the treated tumour (days), for
    /// time to progression.
    pub horizon_days: f64,
}

impl Default for TreatmentOptions {
    fn default() -> Self {
        Self {
            ptv_margin_mm: 20.0,
            followup_days: 90.0,
            horizon_days: 365.0,
        }
    }
}

/// Where the radiotherapy dose goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DoseDistribution {
    /// Each fraction's prescribed dose, uniform over the planning target volume:
    /// the FLAIR-visible region (`c ≥ 0.16`) at the first fraction plus
    /// [`TreatmentOptions::ptv_margin_mm`].
    UniformPtv,
    /// A planned voxel dose map (see [`DoseMap`] for how it splits over fractions).
    Map(DoseMap),
}

/// Temozolomide given with radiotherapy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Temozolomide {
    /// Doses, days counted from the first radiotherapy fraction.
    pub schedule: TmzSchedule,
    /// Sensitivity (log-kill per mg/m²).
    pub params: TmzParams,
}

impl Temozolomide {
    /// Stupp et al. 2005 concomitant + adjuvant TMZ for `rt` with the default
    /// sensitivity: daily over the whole calendar weeks radiotherapy spans (42 days for
    /// 60 Gy/30 over six weeks — two more than the protocol's "first to the last day
    /// of radiotherapy", 40; kept because [`TmzParams::default`] was derived from this
    /// schedule's total dose), then the adjuvant cycles ([`TmzSchedule::stupp_2005`]).
    pub fn stupp_2005(rt: &Schedule) -> Result<Self> {
        let weeks = (rt.duration_days() / 7.0).floor() as usize + 1;
        Ok(Self {
            schedule: TmzSchedule::stupp_2005(7 * weeks)?,
            params: TmzParams::default(),
        })
    }
}

/// A treatment a twin can compare: fractionation, dose distribution, optional TMZ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreatmentPlan {
    /// Name in outcomes (the schedule's name, plus `+TMZ` when TMZ is given).
    pub name: String,
    /// Fraction days and prescribed doses.
    pub schedule: Schedule,
    /// Where the dose goes.
    pub dose: DoseDistribution,
    /// Optional temozolomide.
    pub tmz: Option<Temozolomide>,
}

impl TreatmentPlan {
    /// Radiotherapy alone, uniform over the PTV.
    pub fn radiotherapy(schedule: Schedule) -> Self {
        Self {
            name: schedule.name.clone(),
            schedule,
            dose: DoseDistribution::UniformPtv,
            tmz: None,
        }
    }

    /// The same plan with temozolomide (the name gains `+TMZ`).
    pub fn with_tmz(mut self, tmz: Temozolomide) -> Self {
        self.name = format!("{}+TMZ", self.name);
        self.tmz = Some(tmz);
        self
    }

    /// The same plan with a planned dose map instead of the uniform PTV.
    pub fn with_dose_map(mut self, map: DoseMap) -> Self {
        self.dose = DoseDistribution::Map(map);
        self
    }
}

/// Smallest T1Gd radius (mm) counted as visible enhancement when reading Days Gained.
pub const MIN_VISIBLE_RADIUS_MM: f64 = 3.0;

/// Forecast of one schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreatmentOutcome {
    /// Plan name (the schedule's, `+TMZ` with temozolomide).
    pub schedule: String,
    /// Total dose (Gy).
    pub total_dose_gy: f64,
    /// Days Gained (Neal 2013): the reading time minus the time at which the untreated
    /// virtual control had the treated tumour's T1Gd radius. If enhancement never
    /// reappears it is read at the horizon, where the treated radius (below the
    /// visible size) dates the control back to its first days: then more than the
    /// horizon, at most the tumour's age plus the horizon.
    pub days_gained: f64,
    /// `days_gained ≥ 100`.
    pub responder: bool,
    /// When Days Gained was read (days after the first fraction): the follow-up, or
    /// the first reappearance of enhancement after it.
    pub days_gained_read_at: f64,
    /// T1Gd radius of the treated tumour at follow-up (mm).
    pub treated_t1gd_radius_mm: f64,
    /// T1Gd radius of the untreated control at follow-up (mm).
    pub control_t1gd_radius_mm: f64,
    /// Days from the first fraction until the T1Gd volume exceeds 1.40 × its post-treatment
    /// nadir (RANO's 25% rise of the bidimensional product ≈ 1.25^1.5 in volume);
    /// `None` if not within the horizon.
    pub time_to_progression_days: Option<f64>,
    /// Treated trajectory from the first fraction (days since the model's t = 0).
    pub treated: GrowthTrajectory,
}

/// The forward model on one tissue and one set of growth parameters.
///
/// Steps run on the tumour's active sub-box (see [`super::active`]): the density
/// outside it is below [`ACTIVE_RELATIVE_DENSITY`] × its peak and is carried
/// unchanged, so the cost follows the tumour, not the atlas.
#[derive(Debug)]
pub struct GliomaSim {
    domain: Domain,
    diffusivity: Array3<f64>,
    /// Bounding box of the tissue mask: no active box reaches beyond it.
    limits: Region,
    reaction: Logistic,
    max_dt_days: f64,
    active: Option<ActiveBox>,
}

fn support_of(domain: &Domain, c: &Array3<f64>, threshold: f64) -> Result<Region> {
    support(domain, c.as_slice().expect("checked layout"), threshold).ok_or_else(|| {
        OncologyError::invalid("density", "no voxel above the threshold", "a tumour")
    })
}

impl GliomaSim {
    /// Build the model with diffusivity `D_white (p_wm + p_gm/ratio)` on `tissue`.
    ///
    /// The time step is the full explicit stability limit (monotone, no new
    /// extrema), capped at `0.1/ρ` to keep the splitting error of the fast
    /// reaction small.
    pub fn new(tissue: &BrainTissue, growth: &GrowthParams) -> Result<Self> {
        growth.validate()?;
        let domain = tissue.domain.clone();
        let diffusivity =
            tissue.diffusivity(growth.diffusion_white_mm2_per_day, growth.white_grey_ratio);
        let limits = support_of(&domain, &diffusivity, f64::NEG_INFINITY)?;
        // twin-core's own bound on the whole grid: its face coefficients (f32, rounded
        // down) and row sums are exactly those of every active sub-box minus the faces
        // the box cuts off, and float addition is monotone, so no sub-box's limit is
        // smaller and no step can fail the stepper's stability check.
        let full = DiffusionOperator::scalar(&domain, &diffusivity, FaceMean::Harmonic)?;
        let max_dt_days = full.stable_dt().min(0.1 / growth.rho_per_day);
        Ok(Self {
            domain,
            diffusivity,
            limits,
            reaction: Logistic::new(growth.rho_per_day, 1.0)?,
            max_dt_days,
            active: None,
        })
    }

    /// The simulation domain.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// Time step used (days).
    pub fn max_dt_days(&self) -> f64 {
        self.max_dt_days
    }

    /// Voxel bounds `(lo, shape)` of the active box of the last step, if any.
    pub fn active_box(&self) -> Option<([usize; 3], [usize; 3])> {
        self.active.as_ref().map(|b| (b.region.lo, b.region.shape))
    }

    /// Initial density: a Gaussian of peak `peak` and width `sigma_mm` at `centre_mm`,
    /// zero outside the tissue. Errors if the centre is not in invadable tissue.
    pub fn seed(&self, centre_mm: [f64; 3], peak: f64, sigma_mm: f64) -> Result<Array3<f64>> {
        let g = &self.domain.grid;
        let v = g.voxel_coords(centre_mm);
        let idx = v.map(|x| x.round());
        let inside = (0..3).all(|a| idx[a] >= 0.0 && idx[a] < g.shape[a] as f64)
            && self.domain.mask[[idx[0] as usize, idx[1] as usize, idx[2] as usize]];
        if !inside {
            return Err(OncologyError::invalid(
                "seed centre_mm",
                format!("{centre_mm:?}"),
                "a point in invadable brain tissue",
            ));
        }
        if !(peak > 0.0 && peak <= 1.0 && sigma_mm > 0.0 && sigma_mm.is_finite()) {
            return Err(OncologyError::invalid(
                "seed peak/sigma_mm",
                format!("{peak}/{sigma_mm}"),
                "0 < peak ≤ 1, sigma > 0 mm",
            ));
        }
        Ok(Array3::from_shape_fn(g.shape, |(i, j, k)| {
            if !self.domain.mask[[i, j, k]] {
                return 0.0;
            }
            let p = g.centre_mm(i, j, k);
            let r2: f64 = (0..3).map(|a| (p[a] - centre_mm[a]).powi(2)).sum();
            peak * (-r2 / (2.0 * sigma_mm * sigma_mm)).exp()
        }))
    }

    /// Advance `c` by `days` without treatment.
    pub fn grow(&mut self, c: &mut Array3<f64>, days: f64) -> Result<()> {
        self.advance(c, days, None)
    }

    /// Advance by `days`, appending an observation after every step; `t0` is the time of `c`.
    pub fn grow_recording(
        &mut self,
        c: &mut Array3<f64>,
        t0: f64,
        days: f64,
        traj: &mut GrowthTrajectory,
    ) -> Result<()> {
        self.advance(c, days, Some((t0, traj)))
    }

    /// [`observe`] of the density left by the last [`Self::grow`] /
    /// [`Self::grow_recording`] call, computed on the active box only (outside it
    /// the density is below every imaging threshold, so the result is the same
    /// as `observe(sim.domain(), &c)`, at a fraction of the cost). Errors before
    /// the first step.
    pub fn observe_last(&mut self) -> Result<ImagingSummary> {
        match &mut self.active {
            Some(b) => Ok(observe_box(b)),
            None => Err(OncologyError::invalid(
                "observe_last",
                "no simulated state",
                "a call after grow or grow_recording",
            )),
        }
    }

    /// Put the support of `c` (above `threshold`) into an active box, reusing the
    /// current one if it still covers it, and load `c` into it.
    fn activate(&mut self, c: &Array3<f64>, threshold: f64) -> Result<ActiveBox> {
        let s = support_of(&self.domain, c, threshold)?;
        let mut b = match self.active.take() {
            Some(b) if still_covers(&b.region, &s, &self.limits) => b,
            _ => ActiveBox::build(&self.domain, &self.diffusivity, box_for(&s, &self.limits))?,
        };
        b.load(c);
        Ok(b)
    }

    /// Strang steps (exact logistic reaction, explicit diffusion) on the active box;
    /// with `record`, a complete step and an observation per step.
    fn advance(
        &mut self,
        c: &mut Array3<f64>,
        days: f64,
        record: Option<(f64, &mut GrowthTrajectory)>,
    ) -> Result<()> {
        self.domain.grid.check_shape("c", c)?;
        if !c.is_standard_layout() {
            return Err(OncologyError::invalid(
                "c",
                "a non-standard memory layout",
                "an array in standard (C) layout",
            ));
        }
        if !(days.is_finite() && days >= 0.0) {
            return Err(OncologyError::invalid("days", days, "finite and ≥ 0"));
        }
        let peak = masked_max(&self.domain, c.as_slice().expect("checked layout"));
        if days == 0.0 || peak <= 0.0 {
            return Ok(());
        }
        let threshold = ACTIVE_RELATIVE_DENSITY * peak;
        let n = (days / self.max_dt_days).ceil() as usize;
        let dt = days / n as f64;
        let mut b = self.activate(c, threshold)?;
        let result = self.steps(&mut b, c, n, dt, threshold, record);
        b.store(c);
        self.active = Some(b);
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn steps(
        &self,
        b: &mut ActiveBox,
        c: &mut Array3<f64>,
        n: usize,
        dt: f64,
        threshold: f64,
        mut record: Option<(f64, &mut GrowthTrajectory)>,
    ) -> Result<()> {
        let reaction = &self.reaction;
        if record.is_none() {
            // Strang with consecutive half reactions fused: one pass per step.
            b.stepper.react(&mut b.u, 0.5 * dt, reaction)?;
        }
        for s in 0..n {
            match record.as_mut() {
                Some((t0, traj)) => {
                    b.stepper.strang_explicit(&mut b.u, dt, 1, reaction)?;
                    traj.push(*t0 + (s + 1) as f64 * dt, observe_box(b));
                }
                None => {
                    let dt_r = if s + 1 == n { 0.5 * dt } else { dt };
                    b.stepper.diffuse_then_react(&mut b.u, dt, dt_r, reaction)?;
                }
            }
            if (s + 1) % (SHELL - 1) == 0 && s + 1 < n && b.shell_max(&self.limits) > threshold {
                // The tail nears the box edge: rebuild the box around the new support.
                b.store(c);
                let s = support_of(&self.domain, c, threshold)?;
                *b = ActiveBox::build(&self.domain, &self.diffusivity, box_for(&s, &self.limits))?;
                b.load(c);
            }
        }
        Ok(())
    }

    /// Deliver `plan` to `c`, whose time is the first fraction (day 0), and grow it
    /// to day `days`: fractions and TMZ doses on days `< days` are given as
    /// instantaneous kills (LQ per voxel, TMZ uniform), with growth in between. With
    /// `record = Some((t0, traj))` an observation per step is appended, `t0` being
    /// the model time of day 0. `ptv_margin_mm` is used by
    /// [`DoseDistribution::UniformPtv`].
    pub fn deliver(
        &mut self,
        c: &mut Array3<f64>,
        plan: &TreatmentPlan,
        lq: &LqParams,
        ptv_margin_mm: f64,
        days: f64,
        mut record: Option<(f64, &mut GrowthTrajectory)>,
    ) -> Result<()> {
        lq.validate()?;
        if let Some(t) = &plan.tmz {
            t.params.validate()?;
        }
        self.domain.grid.check_shape("c", c)?;
        if !(days.is_finite() && days >= 0.0) {
            return Err(OncologyError::invalid("days", days, "finite and ≥ 0"));
        }
        let relative = match &plan.dose {
            DoseDistribution::UniformPtv => {
                uniform_dose_map(&ptv_mask(&self.domain, c, FLAIR_THRESHOLD, ptv_margin_mm)?)
            }
            DoseDistribution::Map(m) => m.relative_dose_on(&self.domain.grid, &plan.schedule)?,
        };
        // Kills in time order (RT before TMZ on the same day; they commute).
        let mut events: Vec<(f64, Kill)> = plan
            .schedule
            .fractions
            .iter()
            .map(|f| (f.day, Kill::Rt(f.dose_gy)))
            .collect();
        if let Some(t) = &plan.tmz {
            events.extend(
                t.schedule
                    .doses
                    .iter()
                    .map(|d| (d.day, Kill::Tmz(d.dose_mg_m2))),
            );
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut t = 0.0;
        for (day, kill) in events.into_iter().filter(|(d, _)| *d < days) {
            self.advance_to(c, &mut t, day, &mut record)?;
            match kill {
                Kill::Rt(dose_gy) => apply_fraction(c, &relative, dose_gy, lq)?,
                Kill::Tmz(mg) => {
                    apply_tmz_dose(c, mg, &plan.tmz.as_ref().expect("TMZ event").params)?
                }
            }
        }
        self.advance_to(c, &mut t, days, &mut record)
    }

    /// Grow `c` from day `*t` to `day`, recording if asked.
    fn advance_to(
        &mut self,
        c: &mut Array3<f64>,
        t: &mut f64,
        day: f64,
        record: &mut Option<(f64, &mut GrowthTrajectory)>,
    ) -> Result<()> {
        let span = day - *t;
        match record {
            Some((t0, traj)) => self.grow_recording(c, *t0 + *t, span, traj)?,
            None => self.grow(c, span)?,
        }
        *t = day;
        Ok(())
    }

    /// Forecast `schedule` (uniform PTV dose, no TMZ): [`Self::forecast_plan`].
    pub fn forecast_treatment(
        &mut self,
        c_start: &Array3<f64>,
        t_start: f64,
        history: &GrowthTrajectory,
        schedule: &Schedule,
        lq: &LqParams,
        opts: &TreatmentOptions,
    ) -> Result<TreatmentOutcome> {
        let plan = TreatmentPlan::radiotherapy(schedule.clone());
        self.forecast_plan(c_start, t_start, history, &plan, lq, opts)
    }

    /// Forecast `plan` from the state `c_start` at time `t_start` (first fraction),
    /// against the untreated control whose earlier history is `history`.
    pub fn forecast_plan(
        &mut self,
        c_start: &Array3<f64>,
        t_start: f64,
        history: &GrowthTrajectory,
        plan: &TreatmentPlan,
        lq: &LqParams,
        opts: &TreatmentOptions,
    ) -> Result<TreatmentOutcome> {
        let schedule = &plan.schedule;
        if !(opts.followup_days > schedule.duration_days()
            && opts.horizon_days >= opts.followup_days)
        {
            return Err(OncologyError::invalid(
                "followup_days/horizon_days",
                format!("{}/{}", opts.followup_days, opts.horizon_days),
                format!(
                    "follow-up after the last fraction (day {}) and horizon ≥ follow-up",
                    schedule.duration_days()
                ),
            ));
        }
        let mut c = c_start.clone();
        let mut treated = GrowthTrajectory::default();
        treated.push(t_start, observe(&self.domain, &c)?);
        self.deliver(
            &mut c,
            plan,
            lq,
            opts.ptv_margin_mm,
            opts.horizon_days,
            Some((t_start, &mut treated)),
        )?;
        // Days Gained is read at the follow-up scan, or, if the enhancing region has
        // vanished then, at its first reappearance (≥ MIN_VISIBLE_RADIUS_MM): after
        // regrowth the treated and control fronts move at the same speed, so the delay
        // is the same whenever it is read.
        let t_follow_nominal = t_start + opts.followup_days;
        let visible = treated
            .t_days
            .iter()
            .zip(&treated.imaging)
            .find(|(t, s)| **t >= t_follow_nominal && s.t1gd_radius_mm >= MIN_VISIBLE_RADIUS_MM)
            .map(|(t, s)| (*t, *s));
        let (t_follow, follow) = match visible {
            Some(v) => v,
            None => (
                t_start + opts.horizon_days,
                *treated.imaging.last().ok_or_else(|| {
                    OncologyError::invalid("treated trajectory", "empty", "recorded scans")
                })?,
            ),
        };
        // Untreated control to the same time.
        let mut control = history.clone();
        let mut cc = c_start.clone();
        self.grow_recording(&mut cc, t_start, t_follow - t_start, &mut control)?;
        let control_follow = self.observe_last()?;
        // Enhancement that never reappears within the horizon: the treated radius at the
        // horizon (below the visible size, often 0) is read against the control, whose
        // first such time can be its seed: Days Gained is then up to the tumour's age
        // plus the horizon (the studies' truths read it the same way).
        let days_gained = match control.time_t1gd_reaches(follow.t1gd_radius_mm) {
            Some(tc) => (t_follow - tc).max(0.0),
            None => 0.0,
        };
        Ok(TreatmentOutcome {
            schedule: plan.name.clone(),
            total_dose_gy: schedule.total_dose_gy(),
            days_gained,
            days_gained_read_at: t_follow - t_start,
            responder: days_gained >= RESPONDER_DAYS_GAINED,
            treated_t1gd_radius_mm: follow.t1gd_radius_mm,
            control_t1gd_radius_mm: control_follow.t1gd_radius_mm,
            time_to_progression_days: time_to_progression(
                &treated,
                t_start + schedule.duration_days(),
            ),
            treated,
        })
    }
}

/// An instantaneous kill: an RT fraction (prescribed Gy) or a TMZ dose (mg/m²).
#[derive(Debug, Clone, Copy)]
enum Kill {
    Rt(f64),
    Tmz(f64),
}

/// Days from the trajectory's first time until the T1Gd volume exceeds 1.40 × its nadir
/// after `t_end_rt` (the nadir floored at a just-visible 3 mm sphere).
fn time_to_progression(treated: &GrowthTrajectory, t_end_rt: f64) -> Option<f64> {
    let t0 = *treated.t_days.first()?;
    let mut nadir = f64::INFINITY;
    for (t, s) in treated.t_days.iter().zip(&treated.imaging) {
        if *t < t_end_rt {
            continue;
        }
        nadir = nadir.min(s.t1gd_volume_mm3);
        // A vanished enhancing region progresses once it is visible and 40% above that.
        let floor = 4.0 / 3.0 * std::f64::consts::PI * MIN_VISIBLE_RADIUS_MM.powi(3);
        if s.t1gd_volume_mm3 > 1.4 * nadir.max(floor) {
            return Some(t - t0);
        }
    }
    None
}
