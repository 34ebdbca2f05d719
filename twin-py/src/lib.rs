//! Python bindings of patient-twin: the `patient_twin._native` extension module.
//!
//! What Python sees (the friendly layer is `python/patient_twin/__init__.py`; stubs
//! in `_native.pyi`):
//! - [`record`]: `Record` (FHIR R4 bundle, record JSON or CSV; pseudonymised on
//!   import), `read_volume` / `read_labels` (NIfTI → numpy without a copy);
//! - [`twin`]: `Twin.calibrate(disease, record, …)` for glioma, breast, AF and T2D,
//!   then `what_if` → [`result`]'s `TwinResult` (forecasts with intervals as numpy);
//! - [`validate`]: discrimination, calibration and survival metrics with CIs;
//! - [`breast`]: metastatic breast trials and per-patient regimen forecasts from the
//!   trial-fitted population;
//! - [`trial`]: in-silico T2D trials, whole or as per-patient columns of any range of
//!   patients (the distributed runner's task);
//! - [`numerics`]: CKD-EPI eGFR over arrays, a Fisher–KPP front on a 1-D strip;
//! - [`benchmark`]: PREDICT-GBM patient folders (single-scan glioma twin, plan
//!   coverage) and NIfTI writers for numpy volumes.
//!
//! Every error is a Python exception of the hierarchy in [`errors`] carrying the Rust
//! message; long computations release the GIL.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod benchmark;
pub mod breast;
pub mod errors;
pub mod numerics;
pub mod record;
pub mod result;
pub mod trial;
pub mod twin;
pub mod validate;

use pyo3::prelude::*;

/// The native module (`patient_twin._native`).
#[pymodule(name = "_native")]
mod native {
    #[pymodule_export]
    use crate::benchmark::{predict_gbm, predict_gbm_score, write_labels, write_volume};
    #[pymodule_export]
    use crate::breast::{breast_forecast, breast_neutropenia, breast_trial};
    #[pymodule_export]
    use crate::errors::{InputError, OutputError, PatientTwinError, TwinError};
    #[pymodule_export]
    use crate::numerics::{egfr_ckd_epi_2021, fisher_kpp_1d};
    #[pymodule_export]
    use crate::record::{Record, read_labels, read_volume};
    #[pymodule_export]
    use crate::result::TwinResult;
    #[pymodule_export]
    use crate::trial::{run_trial, trial_patients};
    #[pymodule_export]
    use crate::twin::{_restore_twin, Twin};
    #[pymodule_export]
    use crate::validate::{binary_metrics, harrell_c, survival_metrics, uno_c};
}

/// Parse JSON into `T`; an error names `what` and the path of the bad field.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> PyResult<T> {
    let mut de = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut de)
        .map_err(|e| errors::input(format!("{what} at `{}`: {}", e.path(), e.inner())))
}

/// A serde value as a Python object (dicts, lists, numbers, strings), through JSON.
pub(crate) fn to_python<'py, T: serde::Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(errors::output)?;
    py.import("json")?.call_method1("loads", (text,))
}
