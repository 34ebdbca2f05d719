//! The error type of `twin-cardiac`.

use thiserror::Error;

/// Everything that can go wrong in `twin-cardiac`.
///
/// Messages name the field, the offending value and the allowed range, and never
/// contain patient-identifying data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CardiacError {
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
    /// The time step exceeds the explicit diffusion stability limit of the grid and
    /// conductivity (a smaller step, or the semi-implicit scheme, solves it).
    #[error(
        "invalid `dt_ms` = {dt_ms}: allowed <= {limit_ms:.4} ms (explicit diffusion stability limit for this grid and conductivity)"
    )]
    StepAboveStabilityLimit {
        /// The requested step, ms.
        dt_ms: f64,
        /// The largest stable explicit step, ms.
        limit_ms: f64,
    },
    /// A twin-core computation (calibration, ranking) failed.
    #[error(transparent)]
    Core(#[from] twin_core::CoreError),
    /// A validation statistic (model fit, AUC, bootstrap) failed.
    #[error(transparent)]
    Validate(#[from] twin_validate::ValidateError),
    /// Reading or writing a file failed (e.g. a NIfTI label map).
    #[error("file input/output: {0}")]
    Io(#[from] twin_io::IoError),
}

impl CardiacError {
    /// Shorthand for [`CardiacError::InvalidInput`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        CardiacError::InvalidInput {
            field: field.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// Result alias for `twin-cardiac`.
pub type Result<T> = std::result::Result<T, CardiacError>;
