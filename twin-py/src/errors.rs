//! The exception hierarchy: `PatientTwinError` and, by whose fault, `InputError`
//! (the data), `TwinError` (the twin could not calibrate or forecast this patient)
//! and `OutputError` (writing results). Messages are the Rust errors' own: they name
//! the field, the value and the allowed range, and never an identifier.

use patient_twin::app::AppError;
use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::PyException;

create_exception!(
    patient_twin,
    PatientTwinError,
    PyException,
    "Base class of every patient-twin error."
);
create_exception!(
    patient_twin,
    InputError,
    PatientTwinError,
    "The input (record, scan, array, spec) is unreadable or outside its allowed range."
);
create_exception!(
    patient_twin,
    TwinError,
    PatientTwinError,
    "The twin could not calibrate or forecast this patient."
);
create_exception!(
    patient_twin,
    OutputError,
    PatientTwinError,
    "Writing or serialising a result failed."
);

/// An input error with `e`'s message.
pub(crate) fn input(e: impl std::fmt::Display) -> PyErr {
    InputError::new_err(e.to_string())
}

/// A twin error with `e`'s message.
pub(crate) fn twin(e: impl std::fmt::Display) -> PyErr {
    TwinError::new_err(e.to_string())
}

/// An output error with `e`'s message.
pub(crate) fn output(e: impl std::fmt::Display) -> PyErr {
    OutputError::new_err(e.to_string())
}

/// The driver's error as the exception of the same kind (message without the prefix).
pub(crate) fn app(e: AppError) -> PyErr {
    match e {
        AppError::Input(m) => InputError::new_err(m),
        AppError::Twin(m) => TwinError::new_err(m),
        AppError::Output(m) => OutputError::new_err(m),
    }
}
