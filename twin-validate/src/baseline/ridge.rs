//! Ridge (L2-penalised) linear regression for continuous outcomes, with the penalty
//! chosen by K-fold cross-validation on the training patients only: the penalised
//! baseline that in-silico studies compare a twin's forecasts with.
//!
//! Features are standardised with the training means and SDs, the intercept is not
//! penalised, and the fit is the closed-form solve of `(XᵀX + λI)β = Xᵀy` (Cholesky).
//! Written by hand: one normal-equation solve on standardised features; the crates
//! that offer it (linfa-elasticnet) would add a large dependency tree for a dozen lines.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::{Result, ValidateError};

/// A fitted ridge regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RidgeRegression {
    /// Penalty λ on the standardised coefficients.
    pub lambda: f64,
    /// Intercept (outcome units).
    pub intercept: f64,
    /// Coefficients on the standardised features.
    pub coefficients: Vec<f64>,
    /// Training means of the features.
    pub means: Vec<f64>,
    /// Training SDs of the features (1 for a constant feature).
    pub sds: Vec<f64>,
    /// Cross-validated mean squared error at each candidate λ, in `lambdas` order.
    pub cv_mse: Vec<f64>,
    /// Candidate λ values.
    pub lambdas: Vec<f64>,
}

fn check_rows(rows: &[Vec<f64>], y: &[f64]) -> Result<usize> {
    check::same_len("rows", rows.len(), "y", y.len())?;
    check::min_len("rows", rows.len(), 3)?;
    let p = rows[0].len();
    for (i, r) in rows.iter().enumerate() {
        if r.len() != p {
            return Err(ValidateError::invalid(
                format!("rows[{i}]"),
                format!("{} features", r.len()),
                format!("{p} features like rows[0]"),
            ));
        }
        if let Some(j) = r.iter().position(|v| !v.is_finite()) {
            return Err(ValidateError::invalid(
                format!("rows[{i}][{j}]"),
                r[j],
                "a finite number",
            ));
        }
    }
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(ValidateError::invalid(
            format!("y[{i}]"),
            y[i],
            "a finite number",
        ));
    }
    Ok(p)
}

/// Fit at a fixed λ ≥ 0.
fn fit_fixed(rows: &[Vec<f64>], y: &[f64], lambda: f64) -> Result<RidgeRegression> {
    let p = check_rows(rows, y)?;
    let n = rows.len() as f64;
    let super::Standardiser {
        mean: means,
        sd: sds,
    } = super::Standardiser::fit(rows)?;
    let y_mean = y.iter().sum::<f64>() / n;
    let x = DMatrix::from_fn(rows.len(), p, |i, j| (rows[i][j] - means[j]) / sds[j]);
    let yc = DVector::from_iterator(y.len(), y.iter().map(|v| v - y_mean));
    let a = x.transpose() * &x + DMatrix::identity(p, p) * lambda.max(1e-12);
    let beta = a
        .cholesky()
        .ok_or_else(|| {
            ValidateError::undefined("ridge solve", "XᵀX + λI is not positive definite")
        })?
        .solve(&(x.transpose() * yc));
    Ok(RidgeRegression {
        lambda,
        intercept: y_mean,
        coefficients: beta.iter().copied().collect(),
        means,
        sds,
        cv_mse: Vec::new(),
        lambdas: Vec::new(),
    })
}

impl RidgeRegression {
    /// Fit with λ chosen from `lambdas` by `folds`-fold cross-validation (contiguous
    /// folds of the given row order; shuffle beforehand if the order is not random).
    pub fn fit_cv(rows: &[Vec<f64>], y: &[f64], lambdas: &[f64], folds: usize) -> Result<Self> {
        check_rows(rows, y)?;
        if lambdas.is_empty() || lambdas.iter().any(|l| !(l.is_finite() && *l >= 0.0)) {
            return Err(ValidateError::invalid(
                "lambdas",
                format!("{lambdas:?}"),
                "at least one finite λ ≥ 0",
            ));
        }
        let n = rows.len();
        if !(2..=n).contains(&folds) {
            return Err(ValidateError::invalid("folds", folds, format!("2 to {n}")));
        }
        let cv_mse = lambdas
            .iter()
            .map(|&lambda| {
                let mut sse = 0.0;
                for k in 0..folds {
                    let test = |i: usize| i * folds / n == k;
                    let (tr_x, tr_y): (Vec<Vec<f64>>, Vec<f64>) = (0..n)
                        .filter(|&i| !test(i))
                        .map(|i| (rows[i].clone(), y[i]))
                        .unzip();
                    let m = fit_fixed(&tr_x, &tr_y, lambda)?;
                    for i in (0..n).filter(|&i| test(i)) {
                        sse += (m.predict(&rows[i])? - y[i]).powi(2);
                    }
                }
                Ok(sse / n as f64)
            })
            .collect::<Result<Vec<f64>>>()?;
        let best = (0..lambdas.len())
            .min_by(|&a, &b| cv_mse[a].total_cmp(&cv_mse[b]))
            .unwrap_or(0);
        let mut m = fit_fixed(rows, y, lambdas[best])?;
        m.cv_mse = cv_mse;
        m.lambdas = lambdas.to_vec();
        Ok(m)
    }

    /// Prediction for one patient's features.
    pub fn predict(&self, x: &[f64]) -> Result<f64> {
        check::same_len("features", x.len(), "coefficients", self.coefficients.len())?;
        Ok(self.intercept
            + x.iter()
                .zip(&self.means)
                .zip(&self.sds)
                .zip(&self.coefficients)
                .map(|(((v, m), s), b)| (v - m) / s * b)
                .sum::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_zero_is_least_squares_and_cv_prefers_shrinkage_for_noise() {
        // y = 1 + 2 x exactly: λ ≈ 0 recovers slope 2 (on standardised x: 2·sd) and
        // intercept 1 at x = mean.
        let rows: Vec<Vec<f64>> = (0..10).map(|i| vec![i as f64]).collect();
        let y: Vec<f64> = (0..10).map(|i| 1.0 + 2.0 * i as f64).collect();
        let m = RidgeRegression::fit_cv(&rows, &y, &[0.0], 5).unwrap();
        assert!((m.predict(&[20.0]).unwrap() - 41.0).abs() < 1e-8);
        // pure-noise feature: CV picks the largest λ, predictions shrink to the mean
        let noise: Vec<Vec<f64>> = [0.3, -1.2, 0.8, 2.1, -0.5, 1.7, -2.2, 0.1, -0.9, 1.1]
            .iter()
            .map(|v| vec![*v])
            .collect();
        let y2 = [1.0, 2.0, 1.5, 1.0, 2.0, 1.5, 1.0, 2.0, 1.5, 1.0];
        let m2 = RidgeRegression::fit_cv(&noise, &y2, &[0.0, 1.0, 1e6], 5).unwrap();
        assert_eq!(m2.lambda, 1e6);
        assert!((m2.predict(&[5.0]).unwrap() - 1.45).abs() < 1e-3);
        assert!(RidgeRegression::fit_cv(&rows, &y, &[-1.0], 5).is_err());
        assert!(RidgeRegression::fit_cv(&vec![vec![f64::NAN]; 4], &[1.0; 4], &[1.0], 2).is_err());
    }
}
