//! The error type of `twin-validate`.

use thiserror::Error;

/// Everything that can go wrong in `twin-validate`.
///
/// Messages name the field, the offending value and the allowed range, and never
/// contain patient-identifying data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ValidateError {
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
    /// Two inputs that must describe the same patients have different lengths.
    #[error("length mismatch: `{field_a}` has {len_a} elements but `{field_b}` has {len_b}")]
    LengthMismatch {
        /// Name of the first input.
        field_a: String,
        /// Its length.
        len_a: usize,
        /// Name of the second input.
        field_b: String,
        /// Its length.
        len_b: usize,
    },
    /// The data do not allow the quantity to be computed (e.g. no comparable pairs).
    #[error("cannot compute {what}: {reason}")]
    Undefined {
        /// The quantity asked for.
        what: String,
        /// Why the data do not define it.
        reason: String,
    },
    /// An iterative fit did not converge.
    #[error("{method} did not converge after {iterations} iterations ({detail})")]
    NotConverged {
        /// The fitting method.
        method: String,
        /// Iterations performed.
        iterations: usize,
        /// Last change or reason.
        detail: String,
    },
    /// Writing a report or plot failed.
    #[error("output error for {path}: {reason}")]
    Output {
        /// File written.
        path: String,
        /// Underlying reason.
        reason: String,
    },
}

impl ValidateError {
    /// Shorthand for [`ValidateError::InvalidInput`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        ValidateError::InvalidInput {
            field: field.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }

    /// Shorthand for [`ValidateError::Undefined`].
    pub fn undefined(what: impl Into<String>, reason: impl Into<String>) -> Self {
        ValidateError::Undefined {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

/// Result alias for `twin-validate`.
pub type Result<T> = std::result::Result<T, ValidateError>;
