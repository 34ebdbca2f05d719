//! Metastatic breast cancer from the trial-fitted population
//! (`patient_twin.oncology.breast.trial`): reproduce a trial from its JSON spec, or
//! forecast candidate regimens for one patient's biomarkers and earlier response.

use patient_twin::oncology::breast::therapy::{DoseRules, Regimen};
use patient_twin::oncology::breast::toxicity::MarrowCohort;
use patient_twin::oncology::breast::trial::{
    Efficacy, MbcTrialSpec, PatientProfile, forecast_regimens, run_mbc_trial, standard_candidates,
};
use pyo3::prelude::*;

use crate::errors;

/// Run a metastatic breast trial from its JSON spec (e.g.
/// `data/trials/breast/cleopatra.json`) with the fitted population: per arm the
/// median PFS (months, with its 95 % interval) and response rate next to the
/// reported values, and the hazard ratio of arm 2 vs arm 1. GIL released.
#[pyfunction]
pub fn breast_trial<'py>(py: Python<'py>, spec_json: &str) -> PyResult<Bound<'py, PyAny>> {
    let spec: MbcTrialSpec = crate::from_json("breast trial spec", spec_json)?;
    let result = py
        .detach(|| run_mbc_trial(&spec, &Efficacy::fitted()))
        .map_err(errors::input)?;
    crate::to_python(py, &result)
}

/// Forecast the standard candidate regimens for a patient profile (JSON:
/// `biomarkers`, `baseline_mm`, optional `previous_line` with `therapies` and
/// `sizes_mm`, `prior_chemotherapy_lines`) over `n_draws` posterior draws (seeded):
/// median PFS with 90 % interval, P(response), P(progression-free at 12 months),
/// best first. GIL released.
#[pyfunction]
#[pyo3(signature = (profile_json, n_draws = 2000, seed = 7))]
pub fn breast_forecast<'py>(
    py: Python<'py>,
    profile_json: &str,
    n_draws: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let profile: PatientProfile = crate::from_json("patient profile", profile_json)?;
    let candidates = standard_candidates(&profile.biomarkers);
    let result = py
        .detach(|| forecast_regimens(&profile, &candidates, &Efficacy::fitted(), n_draws, seed))
        .map_err(errors::input)?;
    crate::to_python(py, &result)
}

/// Neutropenia rates of `n_patients` virtual patients (seeded) on one regimen (JSON:
/// `name`, `drug`, `dose_mg_per_m2`, `cycle_days`, `dose_days`, `infusion_h`) over
/// `cycles` cycles, with the default dose rules: patients by worst CTCAE grade and the
/// shares below 2.0, 1.0 and 0.5 × 10⁹/L. GIL released.
#[pyfunction]
#[pyo3(signature = (regimen_json, cycles = 6.0, n_patients = 2000, seed = 1996))]
pub fn breast_neutropenia<'py>(
    py: Python<'py>,
    regimen_json: &str,
    cycles: f64,
    n_patients: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let regimen: Regimen = crate::from_json("regimen", regimen_json)?;
    let cohort = MarrowCohort::for_drug(regimen.drug, n_patients, cycles, seed);
    let rates = py
        .detach(|| cohort.rates(&regimen, &DoseRules::default()))
        .map_err(errors::input)?;
    crate::to_python(py, &rates)
}
