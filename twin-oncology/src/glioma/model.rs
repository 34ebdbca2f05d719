//! The proliferation–invasion model `∂c/∂t = ∇·(D(x)∇c) + ρc(1−c)` (no flux at the
//! tissue boundary) on [`BrainTissue`], its imaging observation, and radiotherapy forecasts.
//!
//! Diffusion: twin-core's finite-volume operator (harmonic face means), explicit steps;
//! reaction: the exact logistic flow; Strang splitting. The step is the smaller of
//! 0.9 × the explicit stability limit and `0.1/ρ` (keeps the splitting error small).

use ndarray::Array3;
use serde::{Deserialize, Serialize};
use twin_core::pde::{DiffusionOperator, DiffusionStepper, Domain, FaceMean, Logistic};

use super::params::{
    FLAIR_THRESHOLD, GrowthParams, LqParams, RESPONDER_DAYS_GAINED, T1GD_THRESHOLD,
};
use super::radiotherapy::{Schedule, apply_fraction, ptv_mask, uniform_dose_map};
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
pub struct Trajectory {
    /// Times (days since the model's t = 0).
    pub t_days: Vec<f64>,
    /// Observation at each time.
    pub imaging: Vec<ImagingSummary>,
}

impl Trajectory {
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
    let g = &domain.grid;
    let [nx, ny, nz] = g.shape;
    let h = g.spacing_mm;
    let mut count = 0.0;
    for ((i, j, k), &v) in c.indexed_iter() {
        if !domain.mask[[i, j, k]] {
            continue;
        }
        let d = v - threshold;
        // Far from the level set the fraction saturates (a voxel would need a jump
        // > 0.6 across it, i.e. an unresolved front): skip the gradient there.
        if d.abs() >= 0.3 {
            count += f64::from(u8::from(d > 0.0));
            continue;
        }
        let at = |ii: usize, jj: usize, kk: usize| {
            if domain.mask[[ii, jj, kk]] {
                c[[ii, jj, kk]]
            } else {
                v
            }
        };
        // Central differences (one-sided at the grid edge), in c per mm.
        let diff = |lo: f64, hi: f64, span: f64| (hi - lo) / span;
        let gx = diff(
            at(i.saturating_sub(1), j, k),
            at((i + 1).min(nx - 1), j, k),
            h[0] * ((i + 1).min(nx - 1) - i.saturating_sub(1)).max(1) as f64,
        );
        let gy = diff(
            at(i, j.saturating_sub(1), k),
            at(i, (j + 1).min(ny - 1), k),
            h[1] * ((j + 1).min(ny - 1) - j.saturating_sub(1)).max(1) as f64,
        );
        let gz = diff(
            at(i, j, k.saturating_sub(1)),
            at(i, j, (k + 1).min(nz - 1)),
            h[2] * ((k + 1).min(nz - 1) - k.saturating_sub(1)).max(1) as f64,
        );
        // |∇c| h along the gradient direction through a voxel (L1 norm ≈ the
        // voxel's extent along a general direction).
        let span = gx.abs() * h[0] + gy.abs() * h[1] + gz.abs() * h[2];
        count += if span <= 1e-12 {
            f64::from(u8::from(d >= 0.0))
        } else {
            (0.5 + d / span).clamp(0.0, 1.0)
        };
    }
    Ok(count * g.voxel_volume_mm3())
}

/// Volumes and radii of the T1Gd and FLAIR regions of `c`.
pub fn observe(domain: &Domain, c: &Array3<f64>) -> Result<ImagingSummary> {
    let t1 = level_volume_mm3(domain, c, T1GD_THRESHOLD)?;
    let fl = level_volume_mm3(domain, c, FLAIR_THRESHOLD)?;
    Ok(ImagingSummary {
        t1gd_volume_mm3: t1,
        flair_volume_mm3: fl,
        t1gd_radius_mm: sphere_radius_mm(t1),
        flair_radius_mm: sphere_radius_mm(fl),
    })
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

/// Smallest T1Gd radius (mm) counted as visible enhancement when reading Days Gained.
pub const MIN_VISIBLE_RADIUS_MM: f64 = 3.0;

/// Forecast of one schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreatmentOutcome {
    /// Schedule name.
    pub schedule: String,
    /// Total dose (Gy).
    pub total_dose_gy: f64,
    /// Days Gained (Neal 2013): the reading time minus the time at which the untreated
    /// virtual control had the treated tumour's T1Gd radius (a lower bound, the
    /// horizon, if enhancement never reappears).
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
    pub treated: Trajectory,
}

/// The forward model on one tissue and one set of growth parameters.
#[derive(Debug)]
pub struct GliomaSim {
    stepper: DiffusionStepper,
    domain: Domain,
    reaction: Logistic,
    max_dt_days: f64,
}

impl GliomaSim {
    /// Build the diffusion operator `D_white (p_wm + p_gm/ratio)` on `tissue`.
    pub fn new(tissue: &BrainTissue, growth: &GrowthParams) -> Result<Self> {
        growth.validate()?;
        let d = tissue.diffusivity(growth.diffusion_white_mm2_per_day, growth.white_grey_ratio);
        let op = DiffusionOperator::scalar(&tissue.domain, &d, FaceMean::Harmonic)?;
        let stepper = DiffusionStepper::new(op);
        let max_dt_days = (0.9 * stepper.stable_dt()).min(0.1 / growth.rho_per_day);
        Ok(Self {
            stepper,
            domain: tissue.domain.clone(),
            reaction: Logistic::new(growth.rho_per_day, 1.0)?,
            max_dt_days,
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
        if days <= 0.0 {
            return Ok(());
        }
        let n = (days / self.max_dt_days).ceil() as usize;
        self.stepper
            .strang_explicit(c, days / n as f64, n, &self.reaction)?;
        Ok(())
    }

    /// Advance by `days`, appending an observation after every step; `t0` is the time of `c`.
    pub fn grow_recording(
        &mut self,
        c: &mut Array3<f64>,
        t0: f64,
        days: f64,
        traj: &mut Trajectory,
    ) -> Result<()> {
        if days <= 0.0 {
            return Ok(());
        }
        let n = (days / self.max_dt_days).ceil() as usize;
        let dt = days / n as f64;
        for s in 0..n {
            self.stepper.strang_explicit(c, dt, 1, &self.reaction)?;
            traj.push(t0 + (s + 1) as f64 * dt, observe(&self.domain, c)?);
        }
        Ok(())
    }

    /// Forecast `schedule` from the state `c_start` at time `t_start` (first fraction),
    /// against the untreated control whose earlier history is `history`.
    pub fn forecast_treatment(
        &mut self,
        c_start: &Array3<f64>,
        t_start: f64,
        history: &Trajectory,
        schedule: &Schedule,
        lq: &LqParams,
        opts: &TreatmentOptions,
    ) -> Result<TreatmentOutcome> {
        lq.validate()?;
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
        let dose = uniform_dose_map(&ptv_mask(
            &self.domain,
            c_start,
            FLAIR_THRESHOLD,
            opts.ptv_margin_mm,
        )?);
        // Treated.
        let mut c = c_start.clone();
        let mut treated = Trajectory::default();
        treated.push(t_start, observe(&self.domain, &c)?);
        let mut t = 0.0;
        for f in &schedule.fractions {
            self.grow_recording(&mut c, t_start + t, f.day - t, &mut treated)?;
            t = f.day;
            apply_fraction(&mut c, &dose, f.dose_gy, lq)?;
        }
        self.grow_recording(&mut c, t_start + t, opts.horizon_days - t, &mut treated)?;
        // Days Gained is read at the follow-up scan, or, if the enhancing region has
        // vanished then, at its first reappearance (≥ MIN_VISIBLE_RADIUS_MM): after
        // regrowth the treated and control fronts move at the same speed, so the delay
        // is the same whenever it is read.
        let t_follow_nominal = t_start + opts.followup_days;
        let (t_follow, follow) = treated
            .t_days
            .iter()
            .zip(&treated.imaging)
            .find(|(t, s)| **t >= t_follow_nominal && s.t1gd_radius_mm >= MIN_VISIBLE_RADIUS_MM)
            .map(|(t, s)| (*t, *s))
            .unwrap_or((
                t_start + opts.horizon_days,
                *treated.imaging.last().expect("recorded"),
            ));
        // Untreated control to the same time.
        let mut control = history.clone();
        let mut cc = c_start.clone();
        self.grow_recording(&mut cc, t_start, t_follow - t_start, &mut control)?;
        let control_follow = observe(&self.domain, &cc)?;
        let days_gained = match control.time_t1gd_reaches(follow.t1gd_radius_mm) {
            Some(tc) => (t_follow - tc).max(0.0),
            None => 0.0,
        };
        Ok(TreatmentOutcome {
            schedule: schedule.name.clone(),
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

/// Days from the trajectory's first time until the T1Gd volume exceeds 1.40 × its nadir
/// after `t_end_rt` (the nadir floored at a just-visible 3 mm sphere).
fn time_to_progression(treated: &Trajectory, t_end_rt: f64) -> Option<f64> {
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
