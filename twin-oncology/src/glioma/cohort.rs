//! In-silico cohort study: does the glioma twin, calibrated on two pre-treatment scans,
//! predict who responds to standard radiotherapy (Days Gained ≥ 100, Neal et al. 2013)
//! better than a logistic regression on the imaging features a clinician has?
//!
//! **Everything here is in silico.** No longitudinal glioblastoma imaging cohort is
//! available to this project, so patients are simulated.
//!
//! **Virtual patients** ([`draw_patient`]): ρ log-uniform on [`RHO_RANGE_PER_DAY`] (the
//! upper part of the published 0.005–0.2 /day, Harpold, Alvord & Swanson 2007) and the
//! front width `√(D/ρ)` log-uniform on [`WIDTH_RANGE_MM`], so `D_white = ρ w²`; kept when
//! `D_white` lies in the published 0.02–1.5 mm²/day and the front speed `2√(Dρ)` in
//! [`SPEED_RANGE_MM_PER_DAY`] (our bounds: detection within the onset limit, a FLAIR rim
//! of 6–25 mm and a tumour that fit the brain, a front the 2 mm grid resolves); α log-normal around
//! the ρ-dependent prior median [`LqParams::prior_alpha_for_rho`] (higher ρ, higher α, as
//! Rockne 2010 report) with log-sd [`ALPHA_PRIOR_LOG_SD`]; seed at a random atlas tissue
//! voxel; detection when the T1Gd radius reaches 13–17 mm; a second (planning) scan 2–6
//! weeks later; standard 60 Gy/30 starting 1–3 weeks after it; age ~ N(62, 12) years
//! (carries no information in this truth: a limitation, stated in the output). Surgery
//! and temozolomide are not modelled.
//!
//! **Truth ≠ twin.** The truth runs the same proliferation–invasion equation on the same
//! 2 mm atlas grid (a 1 mm truth is too slow for a 100-patient study on 2 cores), but with
//! model error the twin does not know about:
//! * the patient's anatomy is not the atlas: white/grey fractions are moved by a smooth
//!   random field (±[`ANATOMY_PERTURBATION`] of the white fraction, wavelengths 15–40 mm),
//!   i.e. spatial noise in D;
//! * the truth's `D_white/D_grey` is drawn on 5–10 (Swanson et al. 2000); the twin assumes 10;
//! * the truth's α/β is drawn log-uniform on 5–15 Gy; the twin assumes 10 Gy (Rockne 2010);
//! * the truth's α scatters around the population prior; the twin knows only the prior;
//! * the truth's seed is a 1.5 mm Gaussian at a random point; the twin seeds a 2 mm
//!   Gaussian at the origin it fits to the noisy scans' centroids;
//! * segmentations carry rater noise: per-scan threshold jitter (logit sd
//!   [`THRESHOLD_LOGIT_SD`]) and boundary voxels flipped with probability
//!   [`BOUNDARY_FLIP_PROBABILITY`].
//!
//! **Twin** ([`twin_predict`]): calibrate `D_white`, ρ and the seed from the two scans
//! (analytic travelling-wave start + PDE refinement, [`super::twin::calibrate`]); forecast
//! Days Gained with its 95% prediction interval (α, D and ρ uncertainty), which includes
//! DG at the α prior's median and ±1.96 sd given the fitted ρ ([`ALPHA_Z`]); as DG
//! increases with α, the probability of response is `P(α > α*)` under the prior, where
//! `DG(α*) = 100` (log-linear interpolation). The response probability leaves out the
//! D, ρ uncertainty: with DG ≈ ∝ α/ρ and the prior's α ∝ ρ^0.49, a ±35% 95% interval
//! on ρ widens the spread of ln DG by about 6% over the α prior's alone. The study
//! reports how often the prediction interval covers the true DG. Patients whose
//! calibration fails are counted
//! ([`StudyResult::twin_failures`], by cause in [`StudyResult::failure_causes`]) and both
//! predictors are scored on the rest.
//!
//! **Baseline** ([`baseline_features`]): logistic regression (twin-validate, IRLS) on the
//! log T1Gd and FLAIR volumes at the planning scan, the T1Gd volume growth rate between
//! the scans, the white-matter fraction around the lesion, the distance from the lesion to
//! the nearest non-tissue voxel (CSF or brain surface), and age — fitted on a separate
//! training cohort (different seed) with its own truth labels.

use ndarray::Array3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal as StatNormal};
use twin_core::stats::{Z95, wilson_interval};
use twin_validate::baseline::logistic::{LogisticOptions, LogisticRegression};
use twin_validate::bootstrap::{BootstrapConfig, bootstrap, strata_from_labels};
use twin_validate::compare::{BinaryMetric, PairedComparison, compare_binary};
use twin_validate::delong::{DeLongTest, delong_test};

use super::model::{
    GliomaSim, ImagingSummary, Trajectory, TreatmentOptions, TreatmentPlan, observe,
};
use super::params::{
    ALPHA_PRIOR_LOG_SD, FLAIR_THRESHOLD, GrowthParams, LqParams, RESPONDER_DAYS_GAINED,
    T1GD_THRESHOLD,
};
use super::radiotherapy::Schedule;
use super::tissue::BrainTissue;
use super::twin::{
    CalibrationOptions, MAX_ONSET_DAYS, Segmentation, calibrate, distance_mm, forward_radii_mm,
    wave_gap_factor,
};
use crate::error::{OncologyError, Result};

/// Range of the virtual patients' ρ (1/day): the upper part of the published 0.005–0.2
/// (Harpold 2007), where the 100-day boundary lies under the α prior. In this model
/// DG ≈ 120 α/ρ days, so below ρ ≈ 0.05 /day nearly every virtual patient responds.
pub const RHO_RANGE_PER_DAY: [f64; 2] = [0.02, 0.2];
/// Range of the front width `√(D/ρ)` (mm); the FLAIR–T1Gd radius gap is 6.23 × width.
pub const WIDTH_RANGE_MM: [f64; 2] = [1.0, 4.0];
/// Accepted front speeds `2√(Dρ)` (mm/day).
pub const SPEED_RANGE_MM_PER_DAY: [f64; 2] = [0.05, 0.6];
/// Largest relative change of the white-matter fraction by the anatomy field.
pub const ANATOMY_PERTURBATION: f64 = 0.3;
/// Rater noise: sd of each scan's segmentation thresholds on the logit scale.
pub const THRESHOLD_LOGIT_SD: f64 = 0.3;
/// Rater noise: probability that a boundary voxel takes its neighbour's label.
pub const BOUNDARY_FLIP_PROBABILITY: f64 = 0.3;
/// Redraws allowed for a patient whose truth fails (e.g. no detection within the onset limit).
pub const MAX_DRAW_ATTEMPTS: u64 = 8;
/// Width (mm) of the truth's initial Gaussian seed (the twin uses 2 mm).
pub const TRUTH_SEED_SIGMA_MM: f64 = 1.5;

/// One virtual patient's true parameters and timeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VirtualPatient {
    /// Index in the cohort.
    pub id: u64,
    /// Age at diagnosis (years).
    pub age_years: f64,
    /// Tumour origin (atlas mm).
    pub seed_mm: [f64; 3],
    /// True growth (including the true white/grey ratio).
    pub growth: GrowthParams,
    /// True radiosensitivity.
    pub lq: LqParams,
    /// T1Gd radius at the diagnostic scan (mm).
    pub detection_t1gd_radius_mm: f64,
    /// Days from the diagnostic to the planning scan.
    pub scan_gap_days: f64,
    /// Days from the planning scan to the first fraction.
    pub rt_delay_days: f64,
    /// Seed of this patient's anatomy field and segmentation noise.
    pub noise_seed: u64,
}

/// Draw one virtual patient (see the module docs for the distributions). Deterministic
/// in `(cohort_seed, id, attempt)`: each draw has its own ChaCha8 stream; `attempt` > 0
/// redraws a patient whose truth could not be simulated.
pub fn draw_patient(
    atlas: &BrainTissue,
    cohort_seed: u64,
    id: u64,
    attempt: u64,
) -> Result<VirtualPatient> {
    let mut rng = ChaCha8Rng::seed_from_u64(cohort_seed);
    rng.set_stream(id * MAX_DRAW_ATTEMPTS + attempt);
    let log_uniform = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| {
        (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp()
    };
    let (d, rho) = loop {
        let rho = log_uniform(&mut rng, RHO_RANGE_PER_DAY[0], RHO_RANGE_PER_DAY[1]);
        let w = log_uniform(&mut rng, WIDTH_RANGE_MM[0], WIDTH_RANGE_MM[1]);
        let (d, v) = (rho * w * w, 2.0 * rho * w);
        if (0.02..=1.5).contains(&d)
            && (SPEED_RANGE_MM_PER_DAY[0]..=SPEED_RANGE_MM_PER_DAY[1]).contains(&v)
        {
            break (d, rho);
        }
    };
    let z: f64 = Normal::new(0.0, 1.0).expect("unit normal").sample(&mut rng);
    let alpha = LqParams::prior_alpha_for_rho(rho) * (ALPHA_PRIOR_LOG_SD * z).exp();
    let mask = &atlas.domain.mask;
    let n_tissue = mask.iter().filter(|&&m| m).count();
    if n_tissue == 0 {
        return Err(OncologyError::invalid(
            "atlas",
            "empty mask",
            "brain tissue",
        ));
    }
    let pick = rng.random_range(0..n_tissue);
    let (idx, _) = mask
        .indexed_iter()
        .filter(|(_, m)| **m)
        .nth(pick)
        .expect("pick < number of tissue voxels");
    let age: f64 = Normal::new(62.0, 12.0).expect("valid").sample(&mut rng);
    Ok(VirtualPatient {
        id,
        age_years: age.clamp(20.0, 90.0),
        seed_mm: atlas.domain.grid.centre_mm(idx.0, idx.1, idx.2),
        growth: GrowthParams {
            diffusion_white_mm2_per_day: d,
            rho_per_day: rho,
            white_grey_ratio: rng.random_range(5.0..=10.0),
        },
        lq: LqParams {
            alpha_per_gy: alpha,
            alpha_beta_gy: log_uniform(&mut rng, 5.0, 15.0),
        },
        detection_t1gd_radius_mm: rng.random_range(13.0..17.0),
        scan_gap_days: rng.random_range(14.0..42.0),
        rt_delay_days: rng.random_range(7.0..21.0),
        noise_seed: rng.random(),
    })
}

/// What the truth simulation produced for one patient.
#[derive(Debug, Clone)]
pub struct TruthRun {
    /// Noisy segmentations on the atlas grid: diagnostic scan (day 0), planning scan.
    pub scans: Vec<Segmentation>,
    /// First fraction (scan clock, days).
    pub rt_start_day: f64,
    /// True Days Gained of 60 Gy/30 against the untreated truth.
    pub days_gained: f64,
    /// `days_gained ≥ 100`.
    pub responder: bool,
    /// Noise-free imaging at the two scans.
    pub true_imaging: Vec<ImagingSummary>,
    /// T1Gd radius at the post-RT follow-up scan (mm).
    pub followup_t1gd_radius_mm: f64,
    /// Days from the seed to the diagnostic scan.
    pub onset_days: f64,
}

/// The patient's anatomy: the atlas crop with white/grey fractions moved by a smooth
/// random field (sum of 8 random plane waves, wavelengths 15–40 mm, in atlas mm). The
/// white fraction changes by at most [`ANATOMY_PERTURBATION`] (relative); the tissue
/// total `p_wm + p_gm` (capped at 1) and hence the invadable mask are kept.
pub fn patient_anatomy(crop: &BrainTissue, rng: &mut ChaCha8Rng) -> BrainTissue {
    let waves: Vec<([f64; 3], f64)> = (0..8)
        .map(|_| {
            let dir: [f64; 3] = std::array::from_fn(|_| rng.random_range(-1.0..1.0));
            let norm = dir.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-9);
            let k = std::f64::consts::TAU / rng.random_range(15.0..40.0);
            (
                dir.map(|x| x / norm * k),
                rng.random_range(0.0..std::f64::consts::TAU),
            )
        })
        .collect();
    let g = crop.domain.grid;
    let mut p_wm = crop.p_wm.clone();
    let mut p_gm = crop.p_gm.clone();
    for ((i, j, k), w) in p_wm.indexed_iter_mut() {
        let x = g.centre_mm(i, j, k);
        // Sum of 8 unit cosines has sd 2; scale so |δ| rarely exceeds the bound.
        let s: f64 = waves
            .iter()
            .map(|(kv, ph)| (kv[0] * x[0] + kv[1] * x[1] + kv[2] * x[2] + ph).cos())
            .sum();
        let delta =
            (ANATOMY_PERTURBATION * s / 4.0).clamp(-ANATOMY_PERTURBATION, ANATOMY_PERTURBATION);
        let total = (*w + p_gm[[i, j, k]]).min(1.0);
        let nw = (*w * (1.0 + delta)).clamp(0.0, total);
        p_gm[[i, j, k]] = total - nw;
        *w = nw;
    }
    BrainTissue {
        domain: crop.domain.clone(),
        p_gm,
        p_wm,
    }
}

/// Label map with rater noise: thresholds jittered on the logit scale (one draw per scan
/// and region), then boundary voxels flipped to a differing 6-neighbour's label.
fn rater_labels(c: &Array3<f64>, mask: &Array3<bool>, rng: &mut ChaCha8Rng) -> Array3<u16> {
    let jitter = |rng: &mut ChaCha8Rng, th: f64| {
        let z: f64 = Normal::new(0.0, THRESHOLD_LOGIT_SD)
            .expect("valid")
            .sample(rng);
        1.0 / (1.0 + (-((th / (1.0 - th)).ln() + z)).exp())
    };
    let (t1, fl) = (jitter(rng, T1GD_THRESHOLD), jitter(rng, FLAIR_THRESHOLD));
    let labels = c.mapv(|v| u16::from(v >= fl) + u16::from(v >= t1.max(fl)));
    let mut out = labels.clone();
    let s = labels.shape();
    const NB: [[isize; 3]; 6] = [
        [1, 0, 0],
        [-1, 0, 0],
        [0, 1, 0],
        [0, -1, 0],
        [0, 0, 1],
        [0, 0, -1],
    ];
    for ((i, j, k), &l) in labels.indexed_iter() {
        if !mask[[i, j, k]] {
            continue;
        }
        let other = NB.iter().find_map(|o| {
            let q = [i as isize + o[0], j as isize + o[1], k as isize + o[2]];
            ((0..3).all(|a| q[a] >= 0 && (q[a] as usize) < s[a]))
                .then(|| labels[[q[0] as usize, q[1] as usize, q[2] as usize]])
                .filter(|&m| m != l)
        });
        if let Some(m) = other
            && rng.random::<f64>() < BOUNDARY_FLIP_PROBABILITY
        {
            out[[i, j, k]] = m;
        }
    }
    out
}

fn push(traj: &mut Trajectory, t: f64, s: ImagingSummary) {
    traj.t_days.push(t);
    traj.imaging.push(s);
}

/// Run the truth for `p` on `atlas` (anatomy perturbed, see module docs): grow from the
/// seed to detection, take the two noisy scans, treat with `schedule` and read the true
/// Days Gained against the untreated truth.
pub fn simulate_truth(
    atlas: &BrainTissue,
    p: &VirtualPatient,
    schedule: &Schedule,
    treatment: &TreatmentOptions,
) -> Result<TruthRun> {
    let g = &p.growth;
    let width = (g.diffusion_white_mm2_per_day / g.rho_per_day).sqrt();
    let half = p.detection_t1gd_radius_mm
        + wave_gap_factor() * width
        + g.front_speed_mm_per_day() * (p.scan_gap_days + p.rt_delay_days)
        + treatment.ptv_margin_mm
        + 16.0;
    let mut rng = ChaCha8Rng::seed_from_u64(p.noise_seed);
    let tissue = patient_anatomy(&atlas.crop(p.seed_mm, half)?, &mut rng);
    let mut sim = GliomaSim::new(&tissue, g)?;
    let mut c = sim.seed(p.seed_mm, 0.5, TRUTH_SEED_SIGMA_MM)?;
    let mut history = Trajectory::default();
    push(&mut history, 0.0, observe(sim.domain(), &c)?);
    let mut t = 0.0;
    loop {
        let chunk = 2.0 * sim.max_dt_days();
        sim.grow(&mut c, chunk)?;
        t += chunk;
        let s = observe(sim.domain(), &c)?;
        push(&mut history, t, s);
        if s.t1gd_radius_mm >= p.detection_t1gd_radius_mm {
            break;
        }
        if t > MAX_ONSET_DAYS {
            return Err(OncologyError::invalid(
                "virtual patient growth",
                format!("patient {}", p.id),
                format!("detection within {MAX_ONSET_DAYS} days"),
            ));
        }
    }
    let onset_days = t;
    let mask = tissue.domain.mask.clone();
    let (crop_grid, full_grid) = (tissue.domain.grid, atlas.domain.grid);
    let mut scans = vec![
        Segmentation::from_labels(0.0, crop_grid, &rater_labels(&c, &mask, &mut rng))?
            .embed(&full_grid)?,
    ];
    let mut true_imaging = vec![*history.imaging.last().expect("recorded")];
    sim.grow_recording(&mut c, t, p.scan_gap_days, &mut history)?;
    t += p.scan_gap_days;
    scans.push(
        Segmentation::from_labels(
            p.scan_gap_days,
            crop_grid,
            &rater_labels(&c, &mask, &mut rng),
        )?
        .embed(&full_grid)?,
    );
    true_imaging.push(observe(sim.domain(), &c)?);
    sim.grow_recording(&mut c, t, p.rt_delay_days, &mut history)?;
    t += p.rt_delay_days;
    let out = sim.forecast_treatment(&c, t, &history, schedule, &p.lq, treatment)?;
    let followup_t1gd_radius_mm = out
        .treated
        .t_days
        .iter()
        .zip(&out.treated.imaging)
        .find(|(tt, _)| **tt >= t + treatment.followup_days)
        .map_or(0.0, |(_, s)| s.t1gd_radius_mm);
    Ok(TruthRun {
        scans,
        rt_start_day: p.scan_gap_days + p.rt_delay_days,
        days_gained: out.days_gained,
        responder: out.responder,
        true_imaging,
        followup_t1gd_radius_mm,
        onset_days,
    })
}

/// The pre-treatment information a clinician has, as used by the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BaselineFeatures {
    /// T1Gd volume at the planning scan (mL).
    pub t1gd_volume_ml: f64,
    /// FLAIR volume at the planning scan (mL).
    pub flair_volume_ml: f64,
    /// Specific growth rate of the T1Gd volume between the scans, `ln(V2/V1)/Δt` (1/day).
    pub t1gd_growth_per_day: f64,
    /// Mean atlas white-matter probability within 6 mm of the T1Gd centroid.
    pub white_matter_fraction: f64,
    /// Distance from the T1Gd centroid to the nearest non-tissue voxel (CSF or brain
    /// surface), mm, capped at 30 mm.
    pub distance_to_csf_mm: f64,
    /// Age (years).
    pub age_years: f64,
}

impl BaselineFeatures {
    /// Covariate row of the logistic baseline (log volumes, growth per 30 days, …).
    pub fn row(&self) -> Vec<f64> {
        vec![
            self.t1gd_volume_ml.max(1e-3).ln(),
            self.flair_volume_ml.max(1e-3).ln(),
            30.0 * self.t1gd_growth_per_day,
            self.white_matter_fraction,
            self.distance_to_csf_mm / 10.0,
            self.age_years / 10.0,
        ]
    }
}

/// Clinician features from the first and last pre-treatment scans.
pub fn baseline_features(
    atlas: &BrainTissue,
    scans: &[Segmentation],
    age_years: f64,
) -> Result<BaselineFeatures> {
    let (Some(first), Some(last)) = (scans.first(), scans.last()) else {
        return Err(OncologyError::invalid("scans", 0, "at least 2 scans"));
    };
    if scans.len() < 2 {
        return Err(OncologyError::invalid("scans", 1, "at least 2 scans"));
    }
    let (s1, _) = first.summarise(atlas)?;
    let (s2, centre) = last.summarise(atlas)?;
    let dt = last.day - first.day;
    if dt.is_nan() || dt <= 0.0 {
        return Err(OncologyError::invalid(
            "scan days",
            dt,
            "last scan after the first",
        ));
    }
    let g = &atlas.domain.grid;
    let vc = g.voxel_coords(centre);
    let reach = 30.0;
    let r = g.spacing_mm.map(|h| (reach / h).ceil() as isize);
    let (mut wm_sum, mut wm_n, mut dist) = (0.0, 0usize, reach);
    for di in -r[0]..=r[0] {
        for dj in -r[1]..=r[1] {
            for dk in -r[2]..=r[2] {
                let q = [di, dj, dk]
                    .iter()
                    .enumerate()
                    .map(|(a, d)| vc[a].round() as isize + d)
                    .collect::<Vec<_>>();
                let dmm = ((di as f64 * g.spacing_mm[0]).powi(2)
                    + (dj as f64 * g.spacing_mm[1]).powi(2)
                    + (dk as f64 * g.spacing_mm[2]).powi(2))
                .sqrt();
                let inside = (0..3).all(|a| q[a] >= 0 && (q[a] as usize) < g.shape[a]);
                let idx = inside.then(|| [q[0] as usize, q[1] as usize, q[2] as usize]);
                if idx.is_none_or(|ix| !atlas.domain.mask[ix]) {
                    dist = dist.min(dmm);
                } else if let Some(ix) = idx
                    && dmm <= 6.0
                {
                    wm_sum += atlas.p_wm[ix];
                    wm_n += 1;
                }
            }
        }
    }
    Ok(BaselineFeatures {
        t1gd_volume_ml: s2.t1gd_volume_mm3 / 1000.0,
        flair_volume_ml: s2.flair_volume_mm3 / 1000.0,
        t1gd_growth_per_day: (s2.t1gd_volume_mm3 / s1.t1gd_volume_mm3).ln() / dt,
        white_matter_fraction: if wm_n > 0 { wm_sum / wm_n as f64 } else { 0.0 },
        distance_to_csf_mm: dist,
        age_years,
    })
}

/// The twin's prediction of one patient's response from pre-treatment scans only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwinPrediction {
    /// Fitted `D_white` (mm²/day).
    pub diffusion_white_mm2_per_day: f64,
    /// 95% interval of `D_white`.
    pub diffusion_ci95: [f64; 2],
    /// Fitted ρ (1/day).
    pub rho_per_day: f64,
    /// 95% interval of ρ.
    pub rho_ci95: [f64; 2],
    /// Prior median α at the fitted ρ (1/Gy).
    pub alpha_median_per_gy: f64,
    /// Predicted Days Gained at α × exp(−1.96σ), α, α × exp(+1.96σ) (σ =
    /// [`ALPHA_PRIOR_LOG_SD`]), D and ρ at their fit.
    pub days_gained: [f64; 3],
    /// 95% prediction interval of Days Gained (α, D and ρ uncertainty;
    /// [`super::twin::CalibratedTwin::forecast_plans_with_intervals`]).
    pub days_gained_ci95: [f64; 2],
    /// Probability of response, `P(α > α*)` under the prior.
    pub p_responder: f64,
    /// Calibration wall time (s).
    pub calibration_seconds: f64,
}

/// Prior z-scores (in units of [`ALPHA_PRIOR_LOG_SD`] around the median) at which the
/// twin forecasts Days Gained.
pub const ALPHA_Z: [f64; 3] = [-Z95, 0.0, Z95];

/// Probability of response from Days Gained forecast at α = median × exp(σ z), z in
/// [`ALPHA_Z`]: `P(z > z*)` for a standard-normal z, where `DG(z*) = 100` on the
/// piecewise-linear interpolation of DG in z (end segments extrapolated). DG must not
/// decrease with α; a flat segment gives probability 0 or 1.
pub fn responder_probability(days_gained: &[f64; 3]) -> f64 {
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
    StatNormal::standard().sf(z_star)
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
        )?
        .remove(0);
    let [lo, hi] = f.days_gained_alpha_ends;
    let dg = [lo, f.outcome.days_gained, hi];
    let p_responder = responder_probability(&dg);
    let ci = |i: usize| [twin.intervals[i].lower, twin.intervals[i].upper];
    Ok(TwinPrediction {
        diffusion_white_mm2_per_day: twin.growth.diffusion_white_mm2_per_day,
        diffusion_ci95: ci(0),
        rho_per_day: twin.growth.rho_per_day,
        rho_ci95: ci(1),
        alpha_median_per_gy: alpha_median,
        days_gained: dg,
        days_gained_ci95: f.days_gained_ci95,
        p_responder,
        calibration_seconds: twin.calibration_seconds,
    })
}

/// Settings of [`run_study`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyOptions {
    /// Held-out test patients (scored by twin and baseline).
    pub n_test: usize,
    /// Training patients for the baseline (separate seed).
    pub n_train: usize,
    /// Seed of the test cohort; the training cohort uses `seed ^ TRAIN_SEED_XOR`.
    pub seed: u64,
    /// Twin calibration settings.
    pub calibration: CalibrationOptions,
    /// PTV margin, follow-up and horizon (truth and twin alike).
    pub treatment: TreatmentOptions,
    /// Bootstrap replicates of the confidence intervals.
    pub bootstrap_replicates: usize,
}

/// XOR applied to the study seed to seed the training cohort.
pub const TRAIN_SEED_XOR: u64 = 0x5EED_7A1E;

impl Default for StudyOptions {
    fn default() -> Self {
        Self {
            n_test: 20,
            n_train: 60,
            seed: 1,
            // The fit needs tissue only out to the last FLAIR front (an 8 mm margin is 4
            // voxels beyond it); Nelder–Mead from the travelling-wave start settles within
            // 25 iterations on these cases (same estimates as 50 to 3 digits).
            calibration: CalibrationOptions {
                crop_margin_mm: 8.0,
                max_iters: 25,
                ..CalibrationOptions::default()
            },
            // A 120-day horizon decides the class: a tumour still invisible then has
            // gained ≥ 120 days (its control had that radius before RT), so DG values
            // above 120 are lower bounds but the label is exact.
            treatment: TreatmentOptions {
                horizon_days: 120.0,
                ..TreatmentOptions::default()
            },
            bootstrap_replicates: 1000,
        }
    }
}

/// One test patient: truth, clinician features, twin and baseline predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientRow {
    /// True parameters and timeline.
    pub patient: VirtualPatient,
    /// True Days Gained of 60 Gy/30.
    pub true_days_gained: f64,
    /// `true_days_gained ≥ 100`.
    pub responder: bool,
    /// T1Gd radius at the post-RT follow-up (truth, mm).
    pub followup_t1gd_radius_mm: f64,
    /// Baseline covariates.
    pub features: BaselineFeatures,
    /// Twin prediction (None for training patients).
    pub twin: Option<TwinPrediction>,
    /// Why the twin could not be calibrated (the patient is then not scored).
    pub twin_error: Option<String>,
    /// Category of that failure ([`failure_category`]).
    pub twin_failure_category: Option<String>,
    /// Baseline probability of response (None for training patients).
    pub baseline_p: Option<f64>,
}

/// An accuracy or AUC with its 95% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// Point estimate on the test patients.
    pub estimate: f64,
    /// 95% percentile bootstrap interval (class-stratified).
    pub ci95: [f64; 2],
}

/// Why the twin of a patient could not be calibrated: the offending field of an input
/// error (e.g. `radius growth` when rater noise makes a slow tumour look as if it
/// shrank between the scans), or the engine that failed. Carries no patient data.
pub fn failure_category(e: &OncologyError) -> String {
    match e {
        OncologyError::InvalidInput { field, .. } => field.clone(),
        OncologyError::Core(_) => "twin-core solver or calibration".into(),
        OncologyError::Validate(_) => "twin-validate".into(),
        OncologyError::Table { .. } | OncologyError::Io { .. } => "input file".into(),
    }
}

/// Test patients whose twin failed for one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureCause {
    /// [`failure_category`] of the error.
    pub category: String,
    /// Cohort indices ([`VirtualPatient::id`]) of those patients.
    pub patient_indices: Vec<u64>,
}

fn failure_causes(rows: &[PatientRow]) -> Vec<FailureCause> {
    let mut causes: Vec<FailureCause> = Vec::new();
    for r in rows {
        let Some(cat) = &r.twin_failure_category else {
            continue;
        };
        match causes.iter_mut().find(|c| &c.category == cat) {
            Some(c) => c.patient_indices.push(r.patient.id),
            None => causes.push(FailureCause {
                category: cat.clone(),
                patient_indices: vec![r.patient.id],
            }),
        }
    }
    causes.sort_by_key(|c| std::cmp::Reverse(c.patient_indices.len()));
    causes
}

/// Result of the in-silico cohort study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyResult {
    /// Test patients scored (the twin calibrated; both predictors scored on these).
    pub n: usize,
    /// Test patients enrolled (scored + twin failures).
    pub n_enrolled: usize,
    /// Training patients.
    pub n_train: usize,
    /// Responders among test patients.
    pub test_responders: usize,
    /// Responders among training patients.
    pub train_responders: usize,
    /// Twin accuracy (class: `p ≥ 0.5`).
    pub twin_accuracy: Scored,
    /// Baseline accuracy (class: `p ≥ 0.5`).
    pub baseline_accuracy: Scored,
    /// Twin ROC AUC of `p_responder`.
    pub twin_auc: Scored,
    /// Baseline ROC AUC.
    pub baseline_auc: Scored,
    /// Paired bootstrap of the accuracy difference (twin − baseline).
    pub accuracy_difference: PairedComparison,
    /// Paired bootstrap of the AUC difference (twin − baseline).
    pub auc_difference: PairedComparison,
    /// Paired DeLong test of the AUCs.
    pub delong: DeLongTest,
    /// Baseline logistic coefficients (intercept first).
    pub baseline_coefficients: Vec<(String, f64)>,
    /// Test patients whose twin could not be calibrated (excluded from the scores).
    pub twin_failures: usize,
    /// Those failures grouped by [`failure_category`], most frequent first.
    pub failure_causes: Vec<FailureCause>,
    /// Fraction of test patients whose fitted `D_white` lies within 15% of the truth.
    pub d_within_15pct: f64,
    /// Fraction of test patients whose fitted ρ lies within 15% of the truth.
    pub rho_within_15pct: f64,
    /// Fraction whose 95% `D_white` interval covers the truth.
    pub d_coverage: f64,
    /// Fraction whose 95% ρ interval covers the truth.
    pub rho_coverage: f64,
    /// Fraction whose 95% Days Gained prediction interval covers the true Days Gained
    /// (both read with the study's horizon, so values at the horizon are lower bounds).
    pub days_gained_coverage: f64,
    /// Median calibration time (s).
    pub median_calibration_seconds: f64,
    /// Test patients (training rows are not kept).
    pub rows: Vec<PatientRow>,
}

fn truth_rows(
    atlas: &BrainTissue,
    n: usize,
    seed: u64,
    opts: &StudyOptions,
) -> Result<Vec<(PatientRow, Vec<Segmentation>, f64)>> {
    let schedule = Schedule::standard();
    (0..n as u64)
        .into_par_iter()
        .map(|id| {
            let mut attempt = 0;
            let (p, truth) = loop {
                let p = draw_patient(atlas, seed, id, attempt)?;
                match simulate_truth(atlas, &p, &schedule, &opts.treatment) {
                    Ok(t) => break (p, t),
                    Err(e) if attempt + 1 == MAX_DRAW_ATTEMPTS => return Err(e),
                    Err(_) => attempt += 1,
                }
            };
            let features = baseline_features(atlas, &truth.scans, p.age_years)?;
            Ok((
                PatientRow {
                    patient: p,
                    true_days_gained: truth.days_gained,
                    responder: truth.responder,
                    followup_t1gd_radius_mm: truth.followup_t1gd_radius_mm,
                    features,
                    twin: None,
                    twin_error: None,
                    twin_failure_category: None,
                    baseline_p: None,
                },
                truth.scans,
                truth.rt_start_day,
            ))
        })
        .collect()
}

fn scored(
    labels: &[bool],
    p: &[f64],
    metric: BinaryMetric,
    cfg: &BootstrapConfig,
) -> Result<Scored> {
    let strata = strata_from_labels(labels);
    let b = bootstrap(labels.len(), Some(&strata), cfg, |idx| {
        metric.on(labels, p, idx)
    })?;
    Ok(Scored {
        estimate: b.estimate,
        ci95: [b.percentile.0, b.percentile.1],
    })
}

/// Run the study on the (2 mm) atlas: a training cohort for the baseline, a test cohort
/// scored by both. Patients run in parallel (rayon); results are deterministic in `seed`.
pub fn run_study(atlas: &BrainTissue, opts: &StudyOptions) -> Result<StudyResult> {
    if opts.n_test < 4 || opts.n_train < 10 {
        return Err(OncologyError::invalid(
            "n_test/n_train",
            format!("{}/{}", opts.n_test, opts.n_train),
            "at least 4 test and 10 training patients",
        ));
    }
    let train = truth_rows(atlas, opts.n_train, opts.seed ^ TRAIN_SEED_XOR, opts)?;
    let x: Vec<Vec<f64>> = train.iter().map(|r| r.0.features.row()).collect();
    let y: Vec<bool> = train.iter().map(|r| r.0.responder).collect();
    let names = [
        "ln_t1gd_ml",
        "ln_flair_ml",
        "t1gd_growth_per_30d",
        "white_matter_fraction",
        "distance_to_csf_cm",
        "age_decades",
    ]
    .map(String::from)
    .to_vec();
    let model = LogisticRegression::fit(
        &x,
        &y,
        &LogisticOptions {
            names: Some(names),
            ..LogisticOptions::default()
        },
    )?;
    let schedule = Schedule::standard();
    let test = truth_rows(atlas, opts.n_test, opts.seed, opts)?;
    let rows: Vec<PatientRow> = test
        .into_par_iter()
        .map(|(mut row, scans, rt_day)| {
            match twin_predict(
                atlas,
                &scans,
                rt_day,
                &schedule,
                &opts.calibration,
                &opts.treatment,
            ) {
                Ok(t) => row.twin = Some(t),
                Err(e) => {
                    row.twin_failure_category = Some(failure_category(&e));
                    row.twin_error = Some(e.to_string());
                }
            }
            row.baseline_p = Some(model.predict(&row.features.row())?);
            Ok(row)
        })
        .collect::<Result<_>>()?;
    // Both predictors are scored on the patients the twin could calibrate (a paired
    // comparison on the same patients); failures are counted, not imputed.
    let scored_rows: Vec<&PatientRow> = rows.iter().filter(|r| r.twin.is_some()).collect();
    let labels: Vec<bool> = scored_rows.iter().map(|r| r.responder).collect();
    let twin_p: Vec<f64> = scored_rows
        .iter()
        .map(|r| r.twin.as_ref().map_or(f64::NAN, |t| t.p_responder))
        .collect();
    let base_p: Vec<f64> = scored_rows
        .iter()
        .map(|r| r.baseline_p.unwrap_or(f64::NAN))
        .collect();
    let cfg = BootstrapConfig {
        replicates: opts.bootstrap_replicates,
        seed: opts.seed,
        ..BootstrapConfig::default()
    };
    let acc = BinaryMetric::Accuracy(0.5);
    let n = scored_rows.len() as f64;
    let frac = |f: &dyn Fn(&PatientRow, &TwinPrediction) -> bool| {
        scored_rows
            .iter()
            .filter(|r| r.twin.as_ref().is_some_and(|t| f(r, t)))
            .count() as f64
            / n
    };
    let within = |fit: f64, truth: f64| (fit / truth - 1.0).abs() <= 0.15;
    let covers = |ci: [f64; 2], truth: f64| ci[0] <= truth && truth <= ci[1];
    let mut secs: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.twin.as_ref().map(|t| t.calibration_seconds))
        .collect();
    secs.sort_by(f64::total_cmp);
    Ok(StudyResult {
        n: scored_rows.len(),
        n_enrolled: rows.len(),
        n_train: train.len(),
        twin_failures: rows.iter().filter(|r| r.twin.is_none()).count(),
        failure_causes: failure_causes(&rows),
        test_responders: rows.iter().filter(|r| r.responder).count(),
        train_responders: y.iter().filter(|&&l| l).count(),
        twin_accuracy: scored(&labels, &twin_p, acc, &cfg)?,
        baseline_accuracy: scored(&labels, &base_p, acc, &cfg)?,
        twin_auc: scored(&labels, &twin_p, BinaryMetric::Auc, &cfg)?,
        baseline_auc: scored(&labels, &base_p, BinaryMetric::Auc, &cfg)?,
        accuracy_difference: compare_binary(&labels, &twin_p, &base_p, acc, &cfg)?,
        auc_difference: compare_binary(&labels, &twin_p, &base_p, BinaryMetric::Auc, &cfg)?,
        delong: delong_test(&labels, &twin_p, &base_p)?,
        baseline_coefficients: model
            .coefficients
            .iter()
            .map(|c| (c.name.clone(), c.estimate))
            .collect(),
        d_within_15pct: frac(&|r, t| {
            within(
                t.diffusion_white_mm2_per_day,
                r.patient.growth.diffusion_white_mm2_per_day,
            )
        }),
        rho_within_15pct: frac(&|r, t| within(t.rho_per_day, r.patient.growth.rho_per_day)),
        d_coverage: frac(&|r, t| {
            covers(
                t.diffusion_ci95,
                r.patient.growth.diffusion_white_mm2_per_day,
            )
        }),
        rho_coverage: frac(&|r, t| covers(t.rho_ci95, r.patient.growth.rho_per_day)),
        days_gained_coverage: frac(&|r, t| covers(t.days_gained_ci95, r.true_days_gained)),
        median_calibration_seconds: secs.get(secs.len() / 2).copied().unwrap_or(f64::NAN),
        rows,
    })
}

/// Design of a calibration coverage study ([`coverage_study`]). Per case the truth runs
/// [`super::synthetic::virtual_scans`] on the truth atlas (e.g. 1 mm) with the twin's
/// white/grey ratio; the twin calibrates on the twin atlas (e.g. 2 mm). Truth and twin
/// differ in grid (discretisation error), in the seed (truth: a 2 mm Gaussian at a random
/// point; twin: a 2 mm Gaussian at the origin it fits to the noisy scans) and by the
/// segmentations' boundary noise.
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
    let (scans, _) = super::synthetic::virtual_scans(
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
