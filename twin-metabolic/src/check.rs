//! Input checks shared by the crate: each returns the value or an error that names
//! the field, the value and the allowed range.

use crate::error::{MetabolicError, Result};

/// `value` must be finite and lie in `[lo, hi]`.
pub(crate) fn in_range(field: &str, value: f64, lo: f64, hi: f64, unit: &str) -> Result<f64> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(value)
    } else {
        Err(MetabolicError::invalid(
            field,
            value,
            format!("a finite number in [{lo}, {hi}] {unit}"),
        ))
    }
}

/// `value` must be finite and strictly positive (and at most `hi`).
pub(crate) fn positive(field: &str, value: f64, hi: f64, unit: &str) -> Result<f64> {
    if value.is_finite() && value > 0.0 && value <= hi {
        Ok(value)
    } else {
        Err(MetabolicError::invalid(
            field,
            value,
            format!("a finite number in (0, {hi}] {unit}"),
        ))
    }
}

/// HbA1c must lie in the assay's clinical range 3–20 %.
pub(crate) fn hba1c(value: f64) -> Result<f64> {
    in_range("hba1c_percent", value, 3.0, 20.0, "% (NGSP)")
}

/// Age in years for the adult equations (CKD-EPI, KFRE, UKPDS): 18–120.
pub(crate) fn age(value: f64) -> Result<f64> {
    in_range("age_years", value, 18.0, 120.0, "years")
}
