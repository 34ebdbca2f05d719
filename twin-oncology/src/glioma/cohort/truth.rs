//! The truth of a virtual patient: growth on a perturbed anatomy from the true seed to
//! detection, two segmentations with rater noise, radiotherapy with a hypoxic core the
//! twin does not model, the clinical label (progression on a follow-up scan at a fixed
//! date) and the true Days Gained of a schedule.

use ndarray::Array3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::patient::VirtualGliomaPatient;
use crate::error::{OncologyError, Result};
use crate::glioma::model::{
    GliomaSim, GrowthTrajectory, ImagingSummary, TreatmentOptions, TreatmentPlan, observe,
};
use crate::glioma::params::{FLAIR_THRESHOLD, HYPOXIC_DENSITY, OER_RANGE, T1GD_THRESHOLD};
use crate::glioma::radiotherapy::{DoseMap, Schedule, ptv_mask};
use crate::glioma::tissue::BrainTissue;
use crate::glioma::trial::course::PROGRESSION_VOLUME_RATIO;
use crate::glioma::twin::{MAX_ONSET_DAYS, Segmentation, wave_gap_factor};

/// Largest relative change of the white-matter fraction by the anatomy field.
pub const ANATOMY_PERTURBATION: f64 = 0.3;
/// Rater noise: sd of each scan's segmentation thresholds on the logit scale.
pub const THRESHOLD_LOGIT_SD: f64 = 0.3;
/// Rater noise: probability that a boundary voxel takes its neighbour's label.
pub const BOUNDARY_FLIP_PROBABILITY: f64 = 0.3;
/// Width (mm) of the truth's initial Gaussian seed (the twin uses 2 mm).
pub const TRUTH_SEED_SIGMA_MM: f64 = 1.5;
/// The label's follow-up scan, days after the first fraction (about 11 weeks after
/// 60 Gy/30 ends: the second post-radiotherapy scan of a 4-week-then-2-monthly
/// schedule).
pub const PROGRESSION_SCAN_DAYS: f64 = 120.0;
/// Rater-noise draws of the follow-up scan behind the oracle's probability.
pub const ORACLE_DRAWS: usize = 64;
/// XOR applied to the patient's noise seed for the truth's own draws that came after
/// the first version of the cohort (OER, oracle), so earlier draws stay as they were.
const LATE_DRAWS_XOR: u64 = 0x0E12_4A7D;

/// What the truth simulation produced for one patient.
#[derive(Debug, Clone)]
pub struct TruthRun {
    /// Noisy segmentations on the atlas grid: diagnostic scan (day 0), planning scan.
    pub scans: Vec<Segmentation>,
    /// First fraction (scan clock, days).
    pub rt_start_day: f64,
    /// True Days Gained of the schedule against the untreated truth.
    pub days_gained: f64,
    /// `days_gained ≥ 100`.
    pub responder: bool,
    /// Noise-free imaging at the two scans.
    pub true_imaging: Vec<ImagingSummary>,
    /// Oxygen enhancement ratio of the patient's hypoxic core ([`OER_RANGE`]).
    pub oer: f64,
    /// Fraction of the T1Gd volume that is hypoxic at the first fraction.
    pub hypoxic_fraction_of_t1gd: f64,
    /// Rater-measured T1Gd volume at the planning scan, mL (what twin and baseline see).
    pub planning_t1gd_volume_ml: f64,
    /// Rater-measured T1Gd volume at the follow-up scan ([`PROGRESSION_SCAN_DAYS`]), mL.
    pub followup_t1gd_volume_ml: f64,
    /// The clinical label: the follow-up T1Gd volume is at least
    /// [`PROGRESSION_VOLUME_RATIO`] × the planning one (a 25 % increase of the product of
    /// two diameters, Macdonald 1990 / RANO 2010).
    pub progressed: bool,
    /// The oracle's probability of the label: the true tumour at the follow-up scan and
    /// the planning measurement known, only the follow-up rater noise unknown
    /// ([`ORACLE_DRAWS`] draws).
    pub oracle_p_progressed: f64,
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
/// seed to detection, take the two noisy scans, treat with `schedule` (uniform PTV dose,
/// hypoxic core at 1/OER of it), take the follow-up scan at [`PROGRESSION_SCAN_DAYS`]
/// and read the true Days Gained against the untreated truth. `treatment.horizon_days`
/// must reach the follow-up scan.
pub fn simulate_truth(
    atlas: &BrainTissue,
    p: &VirtualGliomaPatient,
    schedule: &Schedule,
    treatment: &TreatmentOptions,
) -> Result<TruthRun> {
    if treatment.horizon_days < PROGRESSION_SCAN_DAYS {
        return Err(OncologyError::invalid(
            "horizon_days",
            treatment.horizon_days,
            format!("at least the follow-up scan's {PROGRESSION_SCAN_DAYS} days"),
        ));
    }
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
    let planning_labels = rater_labels(&c, &mask, &mut rng);
    scans.push(
        Segmentation::from_labels(p.scan_gap_days, crop_grid, &planning_labels)?
            .embed(&full_grid)?,
    );
    true_imaging.push(observe(sim.domain(), &c)?);
    sim.grow_recording(&mut c, t, p.rt_delay_days, &mut history)?;
    t += p.rt_delay_days;
    // Radiotherapy with a hypoxic core: OER is dose-modifying, so the core receives
    // 1/OER of the uniform PTV dose in the LQ model (the twin treats it as oxygenated).
    let mut late = ChaCha8Rng::seed_from_u64(p.noise_seed ^ LATE_DRAWS_XOR);
    let oer = late.random_range(OER_RANGE[0]..OER_RANGE[1]);
    let ptv = ptv_mask(sim.domain(), &c, FLAIR_THRESHOLD, treatment.ptv_margin_mm)?;
    let total = schedule.total_dose_gy();
    let dose = ndarray::Zip::from(&ptv).and(&c).map_collect(|&in_ptv, &v| {
        let full = if in_ptv { total } else { 0.0 };
        if v >= HYPOXIC_DENSITY {
            full / oer
        } else {
            full
        }
    });
    let count = |th: f64| c.iter().filter(|&&v| v >= th).count();
    let hypoxic_fraction_of_t1gd =
        count(HYPOXIC_DENSITY) as f64 / count(T1GD_THRESHOLD).max(1) as f64;
    let plan = TreatmentPlan::radiotherapy(schedule.clone()).with_dose_map(DoseMap::new(
        crop_grid,
        dose,
        schedule.fractions.len(),
    )?);
    let out = sim.forecast_plan(&c, t, &history, &plan, &p.lq, treatment)?;
    // The follow-up scan, segmented by a rater; the oracle knows the tumour under it.
    let mut c_follow = c.clone();
    sim.deliver(
        &mut c_follow,
        &plan,
        &p.lq,
        treatment.ptv_margin_mm,
        PROGRESSION_SCAN_DAYS,
        None,
    )?;
    let voxel_ml = crop_grid.voxel_volume_mm3() / 1000.0;
    let t1gd_ml =
        |labels: &Array3<u16>| labels.iter().filter(|&&l| l == 2).count() as f64 * voxel_ml;
    let planning_t1gd_volume_ml = t1gd_ml(&planning_labels);
    let threshold_ml = PROGRESSION_VOLUME_RATIO * planning_t1gd_volume_ml;
    let followup_t1gd_volume_ml = t1gd_ml(&rater_labels(&c_follow, &mask, &mut rng));
    let oracle_hits = (0..ORACLE_DRAWS)
        .filter(|_| t1gd_ml(&rater_labels(&c_follow, &mask, &mut late)) >= threshold_ml)
        .count();
    Ok(TruthRun {
        scans,
        rt_start_day: p.scan_gap_days + p.rt_delay_days,
        days_gained: out.days_gained,
        responder: out.responder,
        true_imaging,
        oer,
        hypoxic_fraction_of_t1gd,
        planning_t1gd_volume_ml,
        followup_t1gd_volume_ml,
        progressed: followup_t1gd_volume_ml >= threshold_ml,
        oracle_p_progressed: oracle_hits as f64 / ORACLE_DRAWS as f64,
        onset_days,
    })
}
