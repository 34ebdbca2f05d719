//! The error type of `twin-metabolic`.

use thiserror::Error;

/// Everything that can go wrong in `twin-metabolic`.
///
/// Messages name the field, the offending value and the allowed range, and never
/// contain patient-identifying data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MetabolicError {
    /// An input value lies outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    InvalidInput {
        /// Name of the field or argument.
        field: String,
        /// The offending value, formatted.
        value: String,
        /// The allowed range or set, in words.
        allowed: String,
    },
    /// A twin-core computation (calibration, ranking) failed.
    #[error(transparent)]
    Core(#[from] twin_core::CoreError),
    /// Reading a patient record failed.
    #[error(transparent)]
    Io(#[from] twin_io::IoError),
}

impl MetabolicError {
    /// Shorthand for [`MetabolicError::InvalidInput`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        MetabolicError::InvalidInput {
            field: field.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// Result alias for `twin-metabolic`.
pub type Result<T> = std::result::Result<T, MetabolicError>;
