//! PREDICT-GBM from Python: run the single-scan glioma twin on a patient folder,
//! score plans on a recurrence, and write NIfTI volumes from numpy (to build folders).

use std::path::PathBuf;

use numpy::{IntoPyArray, PyReadonlyArray3};
use patient_twin::core::pde::Grid;
use patient_twin::io::nifti_io::{self, LabelMap, Volume};
use patient_twin::oncology::glioma::benchmark::{
    SingleScanOptions, read_patient, single_scan_density,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;

/// Run the single-scan twin on a PREDICT-GBM patient folder
/// (`<id>-{gm,wm,csf,tumorseg}.nii.gz`, labels 1 necrotic, 2 oedema, 3 enhancing)
/// and write its tumour-cell density `<out_dir>/<id>.nii.gz`. Returns a dict: `id`,
/// `density_path`, `density` (numpy, the grid's [x, y, z]) and `fit` (D, ρ, seed,
/// radii). `rho_per_day` is the assumed proliferation rate (only timing depends on it).
#[pyfunction]
#[pyo3(signature = (patient_dir, out_dir, rho_per_day = 0.05))]
pub fn predict_gbm<'py>(
    py: Python<'py>,
    patient_dir: PathBuf,
    out_dir: PathBuf,
    rho_per_day: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let (id, path, density, fit) = py
        .detach(|| -> patient_twin::oncology::Result<_> {
            let patient = read_patient(&patient_dir)?;
            let options = SingleScanOptions {
                rho_per_day,
                ..SingleScanOptions::default()
            };
            let (density, fit) =
                single_scan_density(&patient.tissue, &patient.scan(0.0)?, &options)?;
            std::fs::create_dir_all(&out_dir).map_err(|e| {
                patient_twin::oncology::OncologyError::invalid("out_dir", e, "a writable folder")
            })?;
            let path = patient.write_density(&out_dir, &density)?;
            Ok((patient.id, path, density, fit))
        })
        .map_err(errors::input)?;
    let d = PyDict::new(py);
    d.set_item("id", id)?;
    d.set_item("density_path", path)?;
    d.set_item("density", density.into_pyarray(py))?;
    d.set_item("fit", crate::to_python(py, &fit)?)?;
    Ok(d)
}

/// Score a model's `density` (numpy on the patient's grid) against a follow-up
/// segmentation (NIfTI, labels 1–4, in the patient's space), as the benchmark does:
/// the standard plan (labels {1, 3} + 15 mm in the brain mask) and the model plan
/// (same number of brain voxels by density). Returns `enhancing` (recurrence label 3)
/// and `all` (labels 1–3), each with `standard`, `model`, `plan_voxels`,
/// `recurrence_voxels`.
#[pyfunction]
pub fn predict_gbm_score<'py>(
    py: Python<'py>,
    patient_dir: PathBuf,
    density: PyReadonlyArray3<'py, f64>,
    recurrence_path: PathBuf,
) -> PyResult<Bound<'py, PyDict>> {
    let density = density.as_array().to_owned();
    let [enhancing, all] = py
        .detach(|| -> Result<_, String> {
            let patient = read_patient(&patient_dir).map_err(|e| e.to_string())?;
            let rec = nifti_io::read_labels(&recurrence_path).map_err(|e| e.to_string())?;
            patient
                .score(&density, &rec.labels)
                .map_err(|e| e.to_string())
        })
        .map_err(errors::input)?;
    let d = PyDict::new(py);
    d.set_item("enhancing", crate::to_python(py, &enhancing)?)?;
    d.set_item("all", crate::to_python(py, &all)?)?;
    Ok(d)
}

fn grid(shape: &[usize], spacing_mm: [f64; 3], origin_mm: [f64; 3]) -> PyResult<Grid> {
    Grid::with_origin([shape[0], shape[1], shape[2]], spacing_mm, origin_mm).map_err(errors::input)
}

/// Write a float volume (numpy [x, y, z]) as NIfTI-1 (float32; `.nii` or `.nii.gz`).
/// GIL released while it writes.
#[pyfunction]
#[pyo3(signature = (path, data, spacing_mm = (1.0, 1.0, 1.0), origin_mm = (0.0, 0.0, 0.0)))]
pub fn write_volume(
    py: Python<'_>,
    path: PathBuf,
    data: PyReadonlyArray3<'_, f64>,
    spacing_mm: (f64, f64, f64),
    origin_mm: (f64, f64, f64),
) -> PyResult<()> {
    // The copy is made with the GIL held: numpy may change the array once it is released.
    let data = data.as_array().to_owned();
    let g = grid(data.shape(), spacing_mm.into(), origin_mm.into())?;
    py.detach(|| nifti_io::write_volume(&path, &Volume { grid: g, data }))
        .map_err(errors::output)
}

/// Write a label map (numpy uint16 [x, y, z]) as NIfTI-1. GIL released while it writes.
#[pyfunction]
#[pyo3(signature = (path, labels, spacing_mm = (1.0, 1.0, 1.0), origin_mm = (0.0, 0.0, 0.0)))]
pub fn write_labels(
    py: Python<'_>,
    path: PathBuf,
    labels: PyReadonlyArray3<'_, u16>,
    spacing_mm: (f64, f64, f64),
    origin_mm: (f64, f64, f64),
) -> PyResult<()> {
    let labels = labels.as_array().to_owned();
    let g = grid(labels.shape(), spacing_mm.into(), origin_mm.into())?;
    py.detach(|| nifti_io::write_labels(&path, &LabelMap { grid: g, labels }))
        .map_err(errors::output)
}
