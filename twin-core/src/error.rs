//! The error type of `twin-core`.

use thiserror::Error;

/// Everything that can go wrong in `twin-core`.
///
/// Messages name the field, the offending value and the allowed range, and never
/// contain patient-identifying data (they only ever see numbers and field names).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum CoreError {
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
    /// Two arrays that must agree in shape or length do not.
    #[error("shape mismatch for `{what}`: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was compared.
        what: String,
        /// Expected shape, formatted.
        expected: String,
        /// Found shape, formatted.
        found: String,
    },
    /// A state or field became NaN or infinite.
    #[error("non-finite value in `{what}` at t = {t}")]
    NonFinite {
        /// Which quantity (e.g. `state[2]`, `field`).
        what: String,
        /// Time at which it was detected (model time unit).
        t: f64,
    },
    /// The adaptive step size fell below what floating point can resolve.
    #[error(
        "step size underflow at t = {t}: h = {h:e} (the problem may be stiff or singular here)"
    )]
    StepSizeUnderflow {
        /// Time reached.
        t: f64,
        /// Step size that was rejected.
        h: f64,
    },
    /// The solver reached its step budget before the end of the interval.
    #[error("maximum number of steps ({max_steps}) reached at t = {t}")]
    MaxSteps {
        /// Time reached.
        t: f64,
        /// The step budget.
        max_steps: usize,
    },
    /// An explicit step larger than the stability limit was requested.
    #[error("unstable explicit step: dt = {dt} exceeds the stability limit {dt_max}")]
    UnstableStep {
        /// Requested step.
        dt: f64,
        /// Largest stable step for this grid and diffusivity.
        dt_max: f64,
    },
    /// An iterative method (Newton, CG, optimiser) did not converge.
    #[error("{what} did not converge after {iterations} iterations (residual {residual:e})")]
    NotConverged {
        /// Which method.
        what: String,
        /// Iterations performed.
        iterations: usize,
        /// Final residual or criterion value.
        residual: f64,
    },
    /// A matrix that must be invertible is singular.
    #[error("singular matrix in {what}")]
    Singular {
        /// Where it happened.
        what: String,
    },
}

/// Result alias for `twin-core`.
pub type Result<T> = std::result::Result<T, CoreError>;

impl CoreError {
    /// Shorthand for [`CoreError::InvalidInput`].
    pub fn invalid(
        field: impl Into<String>,
        value: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        CoreError::InvalidInput {
            field: field.into(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// Return an error unless `value` is finite.
pub fn ensure_finite(field: &str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(CoreError::invalid(field, value, "a finite number"))
    }
}

/// Return an error unless `value` is finite and strictly positive.
pub fn ensure_positive(field: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(CoreError::invalid(field, value, "a finite number > 0"))
    }
}

/// Return an error unless `value` is finite and non-negative.
pub fn ensure_non_negative(field: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(CoreError::invalid(field, value, "a finite number >= 0"))
    }
}
