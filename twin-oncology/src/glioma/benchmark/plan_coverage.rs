//! The radiotherapy-plan metric of PREDICT-GBM (Zimmer et al. 2025): how much of a
//! later recurrence a plan covers. The standard plan is the tumour core grown by a
//! clinical margin (15 mm) inside the brain; a growth model's plan is the same number
//! of brain voxels taken in order of predicted tumour-cell density, so both plans
//! irradiate the same volume and differ only in where it goes.

use ndarray::Array3;
use serde::{Deserialize, Serialize};
use twin_core::pde::Domain;

use crate::error::{OncologyError, Result};
use crate::glioma::radiotherapy::ptv_mask;

/// The clinical margin of the standard plan (mm; the benchmark's 15 mm).
pub const STANDARD_MARGIN_MM: f64 = 15.0;

/// Coverage of one recurrence by the standard and the model plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlanCoverage {
    /// Voxels in each plan (the same for both).
    pub plan_voxels: usize,
    /// Voxels of the recurrence.
    pub recurrence_voxels: usize,
    /// Fraction of the recurrence inside the standard plan (0–1).
    pub standard: f64,
    /// Fraction of the recurrence inside the model plan (0–1).
    pub model: f64,
}

fn check_shape<T>(brain: &Domain, name: &str, a: &Array3<T>) -> Result<()> {
    if a.shape() != brain.grid.shape {
        return Err(OncologyError::invalid(
            format!("{name} shape"),
            format!("{:?}", a.shape()),
            format!("the brain grid's {:?}", brain.grid.shape),
        ));
    }
    Ok(())
}

/// The standard plan: voxels of the brain within `margin_mm` of the tumour core
/// (the core's own voxels included).
pub fn standard_plan(brain: &Domain, core: &Array3<bool>, margin_mm: f64) -> Result<Array3<bool>> {
    check_shape(brain, "core", core)?;
    ptv_mask(
        brain,
        &core.mapv(|c| if c { 1.0 } else { 0.0 }),
        0.5,
        margin_mm,
    )
}

/// The model plan: the `voxels` brain voxels of highest `density`; equal densities
/// go to the later voxel in row-major order first, as the benchmark's stable argsort
/// does. Errors for a non-finite density in the brain or more voxels than the brain
/// has. (The benchmark's evaluator replaces a plan reaching zero-density voxels by a
/// distance fade; here they are ranked by voxel order, so give densities > 0.) The
/// density is ranked as given; [`super::PredictGbmPatient::score`] first clips it to
/// [0, 1] and rounds it to float32 as the evaluator does.
pub fn model_plan(brain: &Domain, density: &Array3<f64>, voxels: usize) -> Result<Array3<bool>> {
    check_shape(brain, "density", density)?;
    let mut ranked: Vec<(usize, f64)> = density
        .iter()
        .zip(brain.mask.iter())
        .enumerate()
        .filter(|(_, (_, m))| **m)
        .map(|(i, (d, _))| (i, *d))
        .collect();
    if let Some((_, bad)) = ranked.iter().find(|(_, d)| !d.is_finite()) {
        return Err(OncologyError::invalid(
            "density",
            bad,
            "finite values in the brain",
        ));
    }
    if voxels > ranked.len() {
        return Err(OncologyError::invalid(
            "plan voxels",
            voxels,
            format!("at most the brain's {} voxels", ranked.len()),
        ));
    }
    // Highest density first; among equal densities the later voxel first.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    let mut plan = Array3::from_elem(density.raw_dim(), false);
    let flat = plan.as_slice_mut().ok_or_else(|| {
        OncologyError::invalid("plan", "non-contiguous", "a standard-layout array")
    })?;
    for (i, _) in &ranked[..voxels] {
        flat[*i] = true;
    }
    Ok(plan)
}

/// Fraction of `recurrence` inside `plan` (0–1). Errors for an empty recurrence.
pub fn coverage(plan: &Array3<bool>, recurrence: &Array3<bool>) -> Result<f64> {
    if plan.shape() != recurrence.shape() {
        return Err(OncologyError::invalid(
            "recurrence shape",
            format!("{:?}", recurrence.shape()),
            format!("the plan's {:?}", plan.shape()),
        ));
    }
    let total = recurrence.iter().filter(|&&r| r).count();
    if total == 0 {
        return Err(OncologyError::invalid(
            "recurrence",
            "empty",
            "at least one voxel",
        ));
    }
    let inside = plan
        .iter()
        .zip(recurrence.iter())
        .filter(|(p, r)| **p && **r)
        .count();
    Ok(inside as f64 / total as f64)
}

/// Both plans for one patient and their coverage of the recurrence: the standard
/// plan of `core` with `margin_mm`, and the model plan of `density` at its volume.
pub fn compare_plans(
    brain: &Domain,
    core: &Array3<bool>,
    density: &Array3<f64>,
    recurrence: &Array3<bool>,
    margin_mm: f64,
) -> Result<PlanCoverage> {
    check_shape(brain, "recurrence", recurrence)?;
    let standard = standard_plan(brain, core, margin_mm)?;
    let plan_voxels = standard.iter().filter(|&&p| p).count();
    let model = model_plan(brain, density, plan_voxels)?;
    Ok(PlanCoverage {
        plan_voxels,
        recurrence_voxels: recurrence.iter().filter(|&&r| r).count(),
        standard: coverage(&standard, recurrence)?,
        model: coverage(&model, recurrence)?,
    })
}
