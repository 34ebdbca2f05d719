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
    /// Ridge penalty λ ≥ 0 on the covariate coefficients (not the intercept):
    /// maximise `ℓ(β) − λ/2·‖β‖²` (le Cessie & van Houwelingen 1992, Appl Stat
    /// 41:191). Standardise the covariates first; choose λ with [`choose_l2_by_cv`].
    /// With λ > 0 standard errors come from the penalised information.
    pub l2_penalty: f64,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        Self {
            names: None,
            intercept: true,
            offset: None,
            max_iter: 100,
            tol: 1e-10,
            l2_penalty: 0.0,
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
        let lambda = check::penalty(opts.l2_penalty)?;
        let raw = design(rows)?;
        let n = raw.nrows();
        let k = raw.ncols() + usize::from(opts.intercept);
        // Penalty weight per coefficient: 0 for the intercept.
        let pen = DVector::from_fn(k, |j, _| {
            if opts.intercept && j == 0 {
                0.0
            } else {
                lambda
            }
        });
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
                .sum::<f64>()
                - 0.5 * pen.dot(&beta.component_mul(beta))
        };
        let information = |mu: &DVector<f64>| {
            let wx = DMatrix::from_fn(n, k, |i, j| x[(i, j)] * mu[i] * (1.0 - mu[i]));
            x.transpose() * wx + DMatrix::from_diagonal(&pen)
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
            let grad = x.transpose() * (&yv - &mu) - pen.component_mul(&beta);
            let info = information(&mu);
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
                break information(&eta.map(sigmoid));
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

/// Choose the ridge penalty of a logistic regression from `lambdas` by
/// `folds`-fold class-stratified cross-validation (seeded) on `rows`, `y`:
/// the penalty with the smallest mean held-out log loss (ties: the larger).
/// `rows` should be standardised. Folds whose fit fails count as infinite loss.
pub fn choose_l2_by_cv(
    rows: &[Vec<f64>],
    y: &[bool],
    lambdas: &[f64],
    folds: usize,
    seed: u64,
) -> Result<f64> {
    if lambdas.is_empty() {
        return Err(ValidateError::invalid(
            "lambdas",
            "[]",
            "at least one penalty",
        ));
    }
    check::same_len("rows", rows.len(), "y", y.len())?;
    super::rectangular(rows)?;
    let strata: Vec<usize> = y.iter().map(|&b| usize::from(b)).collect();
    let splits = crate::resampling::stratified_kfold(&strata, folds, seed)?;
    let mut best = (f64::INFINITY, lambdas[0]);
    for &l2_penalty in lambdas {
        let opts = LogisticOptions {
            l2_penalty,
            ..LogisticOptions::default()
        };
        let mut loss = 0.0;
        for s in &splits {
            let r: Vec<Vec<f64>> = s.train.iter().map(|&i| rows[i].clone()).collect();
            let t: Vec<bool> = s.train.iter().map(|&i| y[i]).collect();
            loss += match LogisticRegression::fit(&r, &t, &opts) {
                Ok(m) => s
                    .test
                    .iter()
                    .map(|&i| {
                        let p = m.predict(&rows[i])?.clamp(1e-12, 1.0 - 1e-12);
                        Ok(-if y[i] { p.ln() } else { (1.0 - p).ln() })
                    })
                    .sum::<Result<f64>>()?,
                Err(_) => f64::INFINITY,
            };
        }
        if loss < best.0 || (loss == best.0 && l2_penalty > best.1) {
            best = (loss, l2_penalty);
        }
    }
    Ok(best.1)
}

/// A ridge logistic regression on standardised covariates whose penalty was chosen by
/// class-stratified cross-validation on the training rows only ([`choose_l2_by_cv`]):
/// the penalised baseline of the in-silico studies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvRidgeLogistic {
    /// Standardisation fitted on the training rows.
    pub scale: super::Standardiser,
    /// The fit at the chosen penalty (coefficients per training SD of each covariate).
    pub fit: LogisticRegression,
    /// The chosen penalty.
    pub penalty: f64,
}

impl CvRidgeLogistic {
    /// Standardise `rows`, choose the penalty from `lambdas` by `folds`-fold CV (seeded)
    /// and fit at it; `names` label the covariates.
    pub fn fit(
        rows: &[Vec<f64>],
        y: &[bool],
        lambdas: &[f64],
        folds: usize,
        names: Option<Vec<String>>,
        seed: u64,
    ) -> Result<Self> {
        check::same_len("rows", rows.len(), "y", y.len())?;
        let scale = super::Standardiser::fit(rows)?;
        let z = rows
            .iter()
            .map(|r| scale.apply(r))
            .collect::<Result<Vec<_>>>()?;
        let penalty = choose_l2_by_cv(&z, y, lambdas, folds, seed)?;
        let opts = LogisticOptions {
            names,
            l2_penalty: penalty,
            ..LogisticOptions::default()
        };
        let fit = LogisticRegression::fit(&z, y, &opts)?;
        Ok(Self {
            scale,
            fit,
            penalty,
        })
    }

    /// Probability for one (unstandardised) covariate row.
    pub fn predict(&self, x: &[f64]) -> Result<f64> {
        self.fit.predict(&self.scale.apply(x)?)
    }
}

/// Logit log(p / (1 − p)).
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn data(n: usize, signal: f64, seed: u64) -> (Vec<Vec<f64>>, Vec<bool>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let x: Vec<f64> = (0..5).map(|_| rng.random_range(-1.7..1.7)).collect();
                let p = sigmoid(0.3 + signal * x[0]);
                (x, rng.random_bool(p))
            })
            .unzip()
    }

    /// The ridge estimate solves the penalised score equations: Xᵀ(y − μ) = λβ
    /// for the covariates and 0 for the (unpenalised) intercept.
    #[test]
    fn ridge_estimate_solves_the_penalised_score_equations() {
        let (rows, y) = data(200, 1.0, 3);
        let lambda = 5.0;
        let opts = LogisticOptions {
            l2_penalty: lambda,
            ..Default::default()
        };
        let m = LogisticRegression::fit(&rows, &y, &opts).unwrap();
        let b: Vec<f64> = m.coefficients.iter().map(|c| c.estimate).collect();
        let mut score = [0.0; 6];
        for (x, &yi) in rows.iter().zip(&y) {
            let r = f64::from(u8::from(yi)) - m.predict(x).unwrap();
            score[0] += r;
            for j in 0..5 {
                score[j + 1] += r * x[j];
            }
        }
        assert!(score[0].abs() < 1e-8);
        for j in 1..6 {
            assert!((score[j] - lambda * b[j]).abs() < 1e-8, "{j}");
        }
    }

    /// Cross-validation prefers a heavy penalty when no covariate carries signal
    /// and a light one when one carries a strong signal.
    #[test]
    fn cv_penalty_tracks_the_signal() {
        let grid = [0.1, 1.0, 10.0, 100.0];
        let (rows, y) = data(300, 0.0, 4);
        assert!(choose_l2_by_cv(&rows, &y, &grid, 5, 1).unwrap() >= 10.0);
        let (rows, y) = data(300, 3.0, 5);
        assert!(choose_l2_by_cv(&rows, &y, &grid, 5, 1).unwrap() <= 1.0);
    }

    /// The CV-penalised model is invariant to the covariates' scale (it standardises
    /// on the training rows): scaling a column by 1000 leaves the penalty and every
    /// prediction unchanged, where an unstandardised ridge fit would change.
    #[test]
    fn cv_ridge_is_scale_invariant() {
        let grid = [0.1, 1.0, 10.0];
        let (rows, y) = data(200, 1.5, 6);
        let scaled: Vec<Vec<f64>> = rows
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r[0] *= 1000.0;
                r
            })
            .collect();
        let a = CvRidgeLogistic::fit(&rows, &y, &grid, 5, None, 2).unwrap();
        let b = CvRidgeLogistic::fit(&scaled, &y, &grid, 5, None, 2).unwrap();
        assert_eq!(a.penalty, b.penalty);
        for (r, s) in rows.iter().zip(&scaled).take(20) {
            let (pa, pb) = (a.predict(r).unwrap(), b.predict(s).unwrap());
            assert!((pa - pb).abs() < 1e-9, "{pa} vs {pb}");
        }
        let plain = |rows: &[Vec<f64>]| {
            let opts = LogisticOptions {
                l2_penalty: 10.0,
                ..Default::default()
            };
            LogisticRegression::fit(rows, &y, &opts)
                .unwrap()
                .predict(&rows[0])
                .unwrap()
        };
        assert!((plain(&rows) - plain(&scaled)).abs() > 1e-3);
    }
}
