//! The truth of a virtual patient: growth on a perturbed anatomy from the true seed to
//! detection, two segmentations with rater noise, and the true Days Gained of a schedule.

use ndarray::Array3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::patient::VirtualGliomaPatient;
use crate::error::{OncologyError, Result};
use crate::glioma::model::{
    GliomaSim, GrowthTrajectory, ImagingSummary, TreatmentOptions, observe,
};
use crate::glioma::params::{FLAIR_THRESHOLD, T1GD_THRESHOLD};
use crate::glioma::radiotherapy::Schedule;
use crate::glioma::tissue::BrainTissue;
use crate::glioma::twin::{MAX_ONSET_DAYS, Segmentation, wave_gap_factor};

/// Largest relative change of the white-matter fraction by the anatomy field.
pub const ANATOMY_PERTURBATION: f64 = 0.3;
/// Rater noise: sd of each scan's segmentation thresholds on the logit scale.
pub const THRESHOLD_LOGIT_SD: f64 = 0.3;
/// Rater noise: probability that a boundary voxel takes its neighbour's label.
pub const BOUNDARY_FLIP_PROBABILITY: f64 = 0.3;
/// Width (mm) of the truth's initial Gaussian seed (the twin uses 2 mm).
pub const TRUTH_SEED_SIGMA_MM: f64 = 1.5;

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
pub(crate) fn rater_labels(
    c: &Array3<f64>,
    mask: &Array3<bool>,
    rng: &mut ChaCha8Rng,
) -> Array3<u16> {
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

fn push(traj: &mut GrowthTrajectory, t: f64, s: ImagingSummary) {
    traj.t_days.push(t);
    traj.imaging.push(s);
}

/// Run the truth for `p` on `atlas` (anatomy perturbed, see module docs): grow from the
/// seed to detection, take the two noisy scans, treat with `schedule` and read the true
/// Days Gained against the untreated truth.
pub fn simulate_truth(
    atlas: &BrainTissue,
    p: &VirtualGliomaPatient,
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
    let mut history = GrowthTrajectory::default();
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
