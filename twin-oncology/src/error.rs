//! The error type of `twin-oncology`.

use thiserror::Error;

/// Everything that can go wrong in `twin-oncology`.
///
/// Messages name the field, the offending value and the allowed range, and never
/// contain patient-identifying data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OncologyError {
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
    /// A table (CSV) could not be read: names the line and column.
    #[error("{source_name}: line {line}, column `{column}`: {message}")]
    Table {
        /// Which input (file name or "input"), never patient data.
        source_name: String,
        /// 1-based line number (the header is line 1).
        line: usize,
        /// Column name.
        column: String,
        /// What is wrong, with the allowed values.
        message: String,
    },
    /// An error from the twin-core engine (solver, calibration).
    #[error(transparent)]
    Core(#[from] twin_core::CoreError),
    /// An error from twin-validate (metrics, Cox baseline).
    #[error(transparent)]
    Validate(#[from] twin_validate::ValidateError),
    /// Reading a file failed.
    #[error("cannot read {what}: {message}")]
    Io {
        /// What was being read.
        what: String,
        /// The operating-system message.
        message: String,
    },
}

impl OncologyError {
    /// Shorthand for [`OncologyError::InvalidInput`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        OncologyError::InvalidInput {
            field: field.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// A record that fails `PatientRecord::validate` (its message names the field,
/// value and range).
pub fn record_error(e: twin_io::IoError) -> OncologyError {
    OncologyError::Io {
        what: "patient record".into(),
        message: e.to_string(),
    }
}

/// `value` must be finite and lie in `[lo, hi]`; the error names the field and range.
pub(crate) fn check_in_range(field: &str, value: f64, lo: f64, hi: f64) -> Result<()> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(OncologyError::invalid(
            field,
            value,
            format!("{lo} to {hi}"),
        ))
    }
}

/// Result alias for `twin-oncology`.
pub type Result<T> = std::result::Result<T, OncologyError>;
