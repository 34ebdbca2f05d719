//! Logistic regression by Newton–Raphson (IRLS) with standard errors from the inverse
//! Fisher information; optional offset. Matches statsmodels `Logit` / `GLM(Binomial)`.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::{Coefficient, coefficients, design, names};
use crate::check;
use crate::error::{Result, ValidateError};

/// Fitting options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticOptions {
    /// Covariate names (default x0, x1, …); the intercept is named "intercept".
    pub names: Option<Vec<String>>,
    /// Add an intercept column (first coefficient).
    pub intercept: bool,
    /// Known offset added to the linear predictor of each patient (e.g. logit of a
    /// prediction, for calibration-in-the-large).
    pub offset: Option<Vec<f64>>,
    /// Maximum Newton iterations.
    pub max_iter: usize,
    /// Convergence: max |Δβ| below this.
    pub tol: f64,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        Self {
            names: None,
            intercept: true,
            offset: None,
            max_iter: 100,
            tol: 1e-10,
        }
    }
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Coefficients (intercept first when fitted) in log-odds units.
    pub coefficients: Vec<Coefficient>,
    /// Log-likelihood at the estimate.
    pub log_likelihood: f64,
    /// Newton iterations used.
    pub iterations: usize,
    /// Whether an intercept was fitted.
    pub intercept: bool,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// log(1 + e^z) without overflow.
fn log1pexp(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

impl LogisticRegression {
    /// Fit P(y = 1 | x) = σ(β0 + x·β + offset) on covariate `rows` (may have 0 columns
    /// when an intercept or offset is given).
    pub fn fit(rows: &[Vec<f64>], y: &[bool], opts: &LogisticOptions) -> Result<Self> {
        check::min_len("y", y.len(), 1)?;
        check::same_len("rows", rows.len(), "y", y.len())?;
        check::both_classes("y", y)?;
        let raw = design(rows)?;
        let n = raw.nrows();
        let k = raw.ncols() + usize::from(opts.intercept);
        if k == 0 {
            return Err(ValidateError::invalid(
                "rows",
                "0 columns and no intercept",
                "at least one coefficient",
            ));
        }
        let x = DMatrix::from_fn(n, k, |i, j| {
            if opts.intercept {
                if j == 0 { 1.0 } else { raw[(i, j - 1)] }
            } else {
                raw[(i, j)]
            }
        });
        let offset = match &opts.offset {
            Some(o) => {
                check::same_len("offset", o.len(), "y", n)?;
                check::finite("offset", o)?;
                DVector::from_column_slice(o)
            }
            None => DVector::zeros(n),
        };
        let yv = DVector::from_iterator(n, y.iter().map(|&b| f64::from(u8::from(b))));
        let loglik = |beta: &DVector<f64>| -> f64 {
            let eta = &x * beta + &offset;
            eta.iter()
                .zip(yv.iter())
                .map(|(e, yi)| yi * e - log1pexp(*e))
                .sum()
        };
        let mut beta = DVector::zeros(k);
        let mut ll = loglik(&beta);
        let mut iterations = 0;
        let info = loop {
            if iterations == opts.max_iter {
                return Err(ValidateError::NotConverged {
                    method: "logistic Newton-Raphson".into(),
                    iterations,
                    detail: "max_iter reached (perfect separation?)".into(),
                });
            }
            iterations += 1;
            let eta = &x * &beta + &offset;
            let mu = eta.map(sigmoid);
            let grad = x.transpose() * (&yv - &mu);
            let wx = DMatrix::from_fn(n, k, |i, j| x[(i, j)] * mu[i] * (1.0 - mu[i]));
            let info = x.transpose() * wx;
            let chol = info.clone().cholesky().ok_or_else(|| {
                ValidateError::undefined(
                    "logistic fit",
                    "information matrix not positive definite (collinear columns or separation)",
                )
            })?;
            let mut step = chol.solve(&grad);
            let mut halvings = 0;
            let mut next = loglik(&(&beta + &step));
            while !(next.is_finite() && next >= ll - 1e-12 * ll.abs()) && halvings < 30 {
                step *= 0.5;
                halvings += 1;
                next = loglik(&(&beta + &step));
            }
            beta += &step;
            ll = next;
            if step.amax() < opts.tol {
                let eta = &x * &beta + &offset;
                let mu = eta.map(sigmoid);
                let wx = DMatrix::from_fn(n, k, |i, j| x[(i, j)] * mu[i] * (1.0 - mu[i]));
                break x.transpose() * wx;
            }
        };
        let cov = info.try_inverse().ok_or_else(|| {
            ValidateError::undefined("logistic standard errors", "singular information matrix")
        })?;
        let se: Vec<f64> = (0..k).map(|j| cov[(j, j)].sqrt()).collect();
        let mut nm = names(opts.names.as_deref(), raw.ncols())?;
        if opts.intercept {
            nm.insert(0, "intercept".into());
        }
        Ok(Self {
            coefficients: coefficients(nm, beta.as_slice(), &se),
            log_likelihood: ll,
            iterations,
            intercept: opts.intercept,
        })
    }

    /// Predicted probability for covariates `x` (without intercept column or offset).
    pub fn predict(&self, x: &[f64]) -> Result<f64> {
        let b: Vec<f64> = self.coefficients.iter().map(|c| c.estimate).collect();
        let (b0, rest) = if self.intercept {
            (b[0], &b[1..])
        } else {
            (0.0, &b[..])
        };
        check::same_len("x", x.len(), "coefficients", rest.len())?;
        check::finite("x", x)?;
        Ok(sigmoid(
            b0 + rest.iter().zip(x).map(|(b, x)| b * x).sum::<f64>(),
        ))
    }
}

/// Logit log(p / (1 − p)).
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}
