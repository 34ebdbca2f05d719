//! In-silico type 2 diabetes trials: the whole trial's arm summaries, or the
//! per-patient rows of any range of the cohort (one task of the distributed runner
//! `patient_twin.distributed`): patient `i` depends only on `(seed, i)`.

use numpy::IntoPyArray;
use patient_twin::metabolic::trial::{self, TrialSpec};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;

fn spec(json: &str) -> PyResult<TrialSpec> {
    crate::from_json("trial spec", json)
}

/// Run a trial from its JSON spec (schema: `patient_twin.metabolic.trial` docs,
/// e.g. `data/trials/adopt.json`): per arm the mean HbA1c, weight, eGFR and UACR at
/// each visit and each endpoint's cumulative incidence with Wilson 95 % intervals.
/// GIL released while it runs (rayon over patients inside).
#[pyfunction]
pub fn run_trial<'py>(py: Python<'py>, spec_json: &str) -> PyResult<Bound<'py, PyAny>> {
    let spec = spec(spec_json)?;
    let result = py
        .detach(|| trial::run_trial(&spec))
        .map_err(errors::input)?;
    crate::to_python(py, &result)
}

/// Patients `first .. first + count` of the trial's cohort in every arm, as columns:
/// dict of numpy arrays `patient` (uint64), `arm` (uint32, index into `arm_names`),
/// baseline covariates, end-of-follow-up outcomes and `days_to_<endpoint>` (NaN: no
/// event), plus `arm_names` (list). Identical rows for any split into ranges.
#[pyfunction]
pub fn trial_patients<'py>(
    py: Python<'py>,
    spec_json: &str,
    first: u64,
    count: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = spec(spec_json)?;
    let table = py
        .detach(|| trial::simulate_patients(&spec, first, count))
        .map_err(errors::input)?;
    let d = PyDict::new(py);
    d.set_item("patient", table.patient.into_pyarray(py))?;
    d.set_item("arm", table.arm.into_pyarray(py))?;
    for c in table.columns {
        d.set_item(c.name, c.values.into_pyarray(py))?;
    }
    d.set_item("arm_names", table.arm_names)?;
    Ok(d)
}
