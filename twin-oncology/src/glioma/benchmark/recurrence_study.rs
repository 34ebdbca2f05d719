//! In-silico recurrences for the PREDICT-GBM plan metric: does the single-scan twin's
//! plan cover later recurrences better than the standard 15 mm margin?
//!
//! **Everything here is in silico** (no recurrence imaging is available to this
//! project). Patients are the glioma cohort's virtual patients
//! ([`crate::glioma::cohort::draw_patient`]) on the 2 mm MNI152 atlas.
//!
//! **Truth**: the proliferation–invasion equation grown from the true seed to detection
//! in the patient's own anatomy (the atlas with white/grey fractions moved by a smooth
//! random field, [`crate::glioma::cohort::patient_anatomy`]) with the patient's
//! `D_white/D_grey` (5–10) and true ρ; the scan is the rater-noised segmentation
//! (threshold jitter, boundary flips). At surgery every truly enhancing voxel is
//! removed; the infiltrating remainder regrows until its enhancing volume reaches
//! [`RecurrenceOptions::regrowth_volume_fraction`] of the pre-operative one; the
//! recurrence is that enhancing region. Radiotherapy is not simulated: the question is
//! where the remaining cells are, which the plan must cover.
//!
//! **Twin** ([`single_scan_density`]): sees only the atlas (not the patient's anatomy),
//! the noisy scan, and assumes ρ = 0.05/day and `D_white/D_grey` = 10.
//!
//! **Shared by truth and twin** (stated so the result is read for what it is): the
//! equation, the 2 mm grid, the tissue mask and the T1Gd/FLAIR visibility thresholds.
//! The twin lacks the anatomy field, the true white/grey ratio and the noise-free scan.
//! A twin that fails on a patient falls back to the standard plan (counted).

use ndarray::Array3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::pde::Domain;
use twin_validate::bootstrap::{BootstrapConfig, bootstrap};

use super::plan_coverage::{PlanCoverage, STANDARD_MARGIN_MM, compare_plans};
use super::single_scan::{SingleScanOptions, single_scan_density};
use crate::error::{OncologyError, Result};
use crate::glioma::cohort::{
    MAX_DRAW_ATTEMPTS, TRUTH_SEED_SIGMA_MM, VirtualGliomaPatient, draw_patient, patient_anatomy,
    rater_labels,
};
use crate::glioma::model::{GliomaSim, observe};
use crate::glioma::params::T1GD_THRESHOLD;
use crate::glioma::tissue::BrainTissue;
use crate::glioma::twin::{MAX_ONSET_DAYS, Segmentation, wave_gap_factor};

/// Settings of [`run_recurrence_study`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecurrenceOptions {
    /// Number of virtual patients.
    pub patients: usize,
    /// Cohort seed (patient `i` uses its own stream of it).
    pub seed: u64,
    /// The recurrence is read when the regrown enhancing volume reaches this multiple
    /// of the pre-operative enhancing volume. Default 8: then the standard plan covers
    /// about three quarters of the recurrence (0.76 on the first 8 patients of seed 1),
    /// the regime of the benchmark's real recurrences (models ≈ 0.79); small
    /// recurrences (0.5×) lie inside both plans and tell them apart on nothing.
    pub regrowth_volume_fraction: f64,
    /// Tissue kept around the tumour beyond its FLAIR rim (mm).
    pub crop_margin_mm: f64,
    /// The single-scan twin's settings.
    pub twin: SingleScanOptions,
    /// Bootstrap replicates of the confidence intervals.
    pub bootstrap_replicates: usize,
}

impl Default for RecurrenceOptions {
    fn default() -> Self {
        Self {
            patients: 40,
            seed: 1,
            regrowth_volume_fraction: 8.0,
            crop_margin_mm: 36.0,
            twin: SingleScanOptions::default(),
            bootstrap_replicates: 2000,
        }
    }
}

/// One virtual patient's plans and recurrence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecurrencePatient {
    /// The patient.
    pub patient: VirtualGliomaPatient,
    /// Coverage of the recurrence by both plans.
    pub coverage: PlanCoverage,
    /// Days from surgery to the recurrence scan.
    pub regrowth_days: f64,
    /// The twin failed and the standard plan stood in for it.
    pub twin_failed: bool,
}

/// A mean with its percentile-bootstrap 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanCi {
    /// Mean over patients.
    pub mean: f64,
    /// 95 % interval (percentile bootstrap over patients).
    pub ci95: [f64; 2],
}

/// The study's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecurrenceStudy {
    /// Per patient, in cohort order.
    pub patients: Vec<RecurrencePatient>,
    /// Mean coverage of the standard plan.
    pub standard: MeanCi,
    /// Mean coverage of the twin's plan.
    pub model: MeanCi,
    /// Mean of the paired difference twin − standard.
    pub difference: MeanCi,
    /// Patients where the twin's plan covered more / less than the standard plan.
    pub model_better: usize,
    /// See [`Self::model_better`].
    pub standard_better: usize,
    /// Patients whose twin failed (standard plan used).
    pub twin_failures: usize,
}

/// Grow `c` in steps of `dt` until `done(observation)` or `max_days`; returns the days.
fn grow_until(
    sim: &mut GliomaSim,
    c: &mut Array3<f64>,
    max_days: f64,
    done: impl Fn(f64, f64) -> bool,
) -> Result<Option<f64>> {
    let dt = 2.0 * sim.max_dt_days();
    let mut t = 0.0;
    loop {
        let s = observe(sim.domain(), c)?;
        if done(s.t1gd_radius_mm, s.t1gd_volume_mm3) {
            return Ok(Some(t));
        }
        if t > max_days {
            return Ok(None);
        }
        sim.grow(c, dt)?;
        t += dt;
    }
}

/// One virtual patient's benchmark case: what the twin sees and the truth's recurrence.
#[derive(Debug, Clone)]
pub struct RecurrenceCase {
    /// The atlas around the tumour (the twin's tissue; the truth grew in a perturbed copy).
    pub tissue: BrainTissue,
    /// The rater-noised pre-operative scan, twin labels (1 FLAIR only, 2 enhancing).
    pub scan_labels: Array3<u16>,
    /// The recurrence: the regrown enhancing region.
    pub recurrence: Array3<bool>,
    /// Days from surgery to the recurrence scan.
    pub regrowth_days: f64,
}

impl RecurrenceCase {
    /// The benchmark's brain mask: the tissue mask plus the tumour.
    pub fn brain(&self) -> Result<Domain> {
        let grid = self.tissue.domain.grid;
        let mask = Array3::from_shape_fn(grid.shape, |i| {
            self.tissue.domain.mask[i] || self.scan_labels[i] > 0
        });
        Ok(Domain::new(grid, mask)?)
    }

    /// Write the case as a PREDICT-GBM patient folder `dir` with prefix `id`: gm, wm,
    /// csf (zero: the brain mask is given), brain_mask, tumorseg (2 oedema, 3
    /// enhancing) and the follow-up `<id>-recurrence.nii.gz` (3 = enhancing).
    pub fn write_predict_gbm_folder(&self, dir: &std::path::Path, id: &str) -> Result<()> {
        use super::predict_gbm::{write_labels, write_probability};
        std::fs::create_dir_all(dir).map_err(|e| OncologyError::Io {
            what: "patient folder".into(),
            message: e.to_string(),
        })?;
        let grid = self.tissue.domain.grid;
        write_probability(dir, id, "gm", grid, self.tissue.p_gm.clone())?;
        write_probability(dir, id, "wm", grid, self.tissue.p_wm.clone())?;
        write_probability(dir, id, "csf", grid, grid.zeros())?;
        let brain = self.brain()?.mask.mapv(u16::from);
        write_labels(dir, id, "brain_mask", grid, brain)?;
        let seg = self.scan_labels.mapv(|l| [0, 2, 3][usize::from(l.min(2))]);
        write_labels(dir, id, "tumorseg", grid, seg)?;
        write_labels(
            dir,
            id,
            "recurrence",
            grid,
            self.recurrence.mapv(|r| 3 * u16::from(r)),
        )?;
        Ok(())
    }
}

/// Simulate patient `p`'s truth (see the module docs); `None` if it never reaches
/// detection or recurrence (the patient is redrawn).
pub fn simulate_recurrence(
    atlas: &BrainTissue,
    p: &VirtualGliomaPatient,
    options: &RecurrenceOptions,
) -> Result<Option<RecurrenceCase>> {
    let g = &p.growth;
    let width = (g.diffusion_white_mm2_per_day / g.rho_per_day).sqrt();
    let half = p.detection_t1gd_radius_mm + wave_gap_factor() * width + options.crop_margin_mm;
    let tissue = atlas.crop(p.seed_mm, half)?;
    let mut rng = ChaCha8Rng::seed_from_u64(p.noise_seed);
    let anatomy = patient_anatomy(&tissue, &mut rng);
    let mut sim = GliomaSim::new(&anatomy, g)?;
    let mut c = sim.seed(p.seed_mm, 0.5, TRUTH_SEED_SIGMA_MM)?;
    let r_det = p.detection_t1gd_radius_mm;
    if grow_until(&mut sim, &mut c, MAX_ONSET_DAYS, |r, _| r >= r_det)?.is_none() {
        return Ok(None);
    }
    let pre_op_volume = observe(sim.domain(), &c)?.t1gd_volume_mm3;
    let scan_labels = rater_labels(&c, &anatomy.domain.mask, &mut rng);
    // Surgery removes what truly enhances; the infiltrating rest regrows.
    c.mapv_inplace(|v| if v >= T1GD_THRESHOLD { 0.0 } else { v });
    let target = options.regrowth_volume_fraction * pre_op_volume;
    let Some(regrowth_days) = grow_until(&mut sim, &mut c, MAX_ONSET_DAYS, |_, v| v >= target)?
    else {
        return Ok(None);
    };
    Ok(Some(RecurrenceCase {
        tissue,
        scan_labels,
        recurrence: c.mapv(|v| v >= T1GD_THRESHOLD),
        regrowth_days,
    }))
}

/// Both plans for one case (the twin falling back to the standard plan if it fails).
pub fn evaluate_case(
    case: &RecurrenceCase,
    twin: &SingleScanOptions,
) -> Result<(PlanCoverage, bool)> {
    let grid = case.tissue.domain.grid;
    let scan = Segmentation::from_labels(0.0, grid, &case.scan_labels)?;
    let core = case.scan_labels.mapv(|l| l == 2);
    let brain = case.brain()?;
    let (density, twin_failed) = match single_scan_density(&case.tissue, &scan, twin) {
        Ok((d, _)) => (d, false),
        Err(_) => (core.mapv(|x| if x { 1.0 } else { 0.0 }), true),
    };
    let mut coverage = compare_plans(
        &brain,
        &core,
        &density,
        &case.recurrence,
        STANDARD_MARGIN_MM,
    )?;
    if twin_failed {
        coverage.model = coverage.standard;
    }
    Ok((coverage, twin_failed))
}

/// Patient `id` of the study's cohort (redrawn as the study does).
pub fn study_case(
    atlas: &BrainTissue,
    options: &RecurrenceOptions,
    id: u64,
) -> Result<(VirtualGliomaPatient, RecurrenceCase)> {
    for attempt in 0..MAX_DRAW_ATTEMPTS {
        let p = draw_patient(atlas, options.seed, id, attempt)?;
        if let Some(case) = simulate_recurrence(atlas, &p, options)? {
            return Ok((p, case));
        }
    }
    Err(OncologyError::invalid(
        "virtual patient",
        id,
        format!("a truth reaching detection and recurrence within {MAX_DRAW_ATTEMPTS} draws"),
    ))
}

fn mean_ci(values: &[f64], options: &RecurrenceOptions) -> Result<MeanCi> {
    let config = BootstrapConfig {
        replicates: options.bootstrap_replicates,
        seed: options.seed,
        ..Default::default()
    };
    let ci = bootstrap(values.len(), None, &config, |idx| {
        Ok(idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64)
    })?;
    Ok(MeanCi {
        mean: ci.estimate,
        ci95: [ci.percentile.0, ci.percentile.1],
    })
}

/// Run the study (patients in parallel; identical for any thread count).
pub fn run_recurrence_study(
    atlas: &BrainTissue,
    options: &RecurrenceOptions,
) -> Result<RecurrenceStudy> {
    if options.patients < 2 {
        return Err(OncologyError::invalid(
            "patients",
            options.patients,
            "at least 2",
        ));
    }
    let f = options.regrowth_volume_fraction;
    if !(f.is_finite() && f > 0.0 && f <= 10.0) {
        return Err(OncologyError::invalid(
            "regrowth_volume_fraction",
            f,
            "0 to 10",
        ));
    }
    let patients: Vec<RecurrencePatient> = (0..options.patients as u64)
        .into_par_iter()
        .map(|id| {
            let (patient, case) = study_case(atlas, options, id)?;
            let (coverage, twin_failed) = evaluate_case(&case, &options.twin)?;
            Ok(RecurrencePatient {
                patient,
                coverage,
                regrowth_days: case.regrowth_days,
                twin_failed,
            })
        })
        .collect::<Result<_>>()?;
    let standard: Vec<f64> = patients.iter().map(|p| p.coverage.standard).collect();
    let model: Vec<f64> = patients.iter().map(|p| p.coverage.model).collect();
    let diff: Vec<f64> = model.iter().zip(&standard).map(|(m, s)| m - s).collect();
    Ok(RecurrenceStudy {
        standard: mean_ci(&standard, options)?,
        model: mean_ci(&model, options)?,
        difference: mean_ci(&diff, options)?,
        model_better: diff.iter().filter(|d| **d > 0.0).count(),
        standard_better: diff.iter().filter(|d| **d < 0.0).count(),
        twin_failures: patients.iter().filter(|p| p.twin_failed).count(),
        patients,
    })
}
