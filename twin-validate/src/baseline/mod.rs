//! Baseline statistical models ("the standard clinical tool") a twin is compared with:
//! Cox proportional hazards and logistic regression, fitted by Newton–Raphson with
//! standard errors from the observed information (nalgebra for the linear algebra), and
//! ridge regression with a cross-validated penalty for continuous outcomes, and
//! restricted cubic splines for flexible (non-linear) covariate effects.

pub mod cox;
pub mod logistic;
pub mod ridge;
pub mod spline;
pub mod standardise;

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::{Result, ValidateError};

pub use cox::{CoxOptions, CoxPh, Ties};
pub use logistic::{CvRidgeLogistic, LogisticOptions, LogisticRegression, choose_l2_by_cv};
pub use ridge::RidgeRegression;
pub use spline::{RestrictedCubicSpline, SplineColumns};
pub use standardise::Standardiser;

/// One fitted coefficient with its Wald statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    /// Covariate name.
    pub name: String,
    /// Estimate (log hazard ratio for Cox, log odds ratio for logistic).
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Wald z = estimate / se.
    pub z: f64,
    /// Two-sided p-value of z.
    pub p_value: f64,
}

/// Checks that `rows` are rectangular and finite; returns the number of columns
/// (0 for no rows).
pub(crate) fn rectangular(rows: &[Vec<f64>]) -> Result<usize> {
    let p = rows.first().map_or(0, Vec::len);
    for (i, r) in rows.iter().enumerate() {
        if r.len() != p {
            return Err(ValidateError::invalid(
                format!("rows[{i}]"),
                format!("{} columns", r.len()),
                format!("{p} columns like rows[0]"),
            ));
        }
        check::finite(&format!("rows[{i}]"), r)?;
    }
    Ok(p)
}

/// Rows (patients) × columns (covariates) into a matrix; rectangular, finite, non-empty.
pub(crate) fn design(rows: &[Vec<f64>]) -> Result<DMatrix<f64>> {
    check::min_len("rows", rows.len(), 1)?;
    let p = rectangular(rows)?;
    Ok(DMatrix::from_fn(rows.len(), p, |i, j| rows[i][j]))
}

/// Names given by the caller, or x0, x1, ….
pub(crate) fn names(given: Option<&[String]>, p: usize) -> Result<Vec<String>> {
    match given {
        Some(n) => {
            check::same_len("names", n.len(), "columns", p)?;
            Ok(n.to_vec())
        }
        None => Ok((0..p).map(|j| format!("x{j}")).collect()),
    }
}

pub(crate) fn coefficients(names: Vec<String>, beta: &[f64], se: &[f64]) -> Vec<Coefficient> {
    use statrs::distribution::{ContinuousCDF, Normal};
    let normal = Normal::standard();
    names
        .into_iter()
        .zip(beta.iter().zip(se))
        .map(|(name, (&b, &s))| {
            let z = b / s;
            Coefficient {
                name,
                estimate: b,
                se: s,
                z,
                p_value: 2.0 * normal.sf(z.abs()),
            }
        })
        .collect()
}
