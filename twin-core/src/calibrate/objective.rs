//! What is being fitted: a model, observations, a likelihood and parameter
//! specifications, combined into one negative log-posterior in unconstrained space.

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::parameters::ParameterSpec;
use crate::error::{CoreError, Result};

/// Anything that maps a parameter vector (natural units, in the order of the
/// [`ParameterSpec`]s) to predicted observations (in the order of
/// [`Observations::values`]). `Sync` so that starts and samplers can run in parallel.
pub trait Model: Sync {
    /// Predicted observations at `params`.
    fn predict(&self, params: &[f64]) -> Result<Vec<f64>>;

    /// Optional analytic Jacobian `d prediction_i / d param_j` (rows =
    /// observations, columns = parameters, natural units). `None` = use finite differences.
    fn jacobian(&self, _params: &[f64]) -> Option<Result<DMatrix<f64>>> {
        None
    }
}

impl<F> Model for F
where
    F: Fn(&[f64]) -> Result<Vec<f64>> + Sync,
{
    fn predict(&self, params: &[f64]) -> Result<Vec<f64>> {
        self(params)
    }
}

/// Measured values and the standard deviation (or relative scale) of each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observations {
    /// Measured values (model units).
    pub values: Vec<f64>,
    /// Per-observation standard deviation, same unit as `values` (for a
    /// log-normal likelihood: of `ln value`). With a fitted σ it is a relative
    /// scale multiplied by σ; for weighted least squares the weight is `1/sigma²`.
    pub sigma: Vec<f64>,
}

impl Observations {
    /// Observations with per-point standard deviations.
    pub fn new(values: Vec<f64>, sigma: Vec<f64>) -> Result<Self> {
        let o = Self { values, sigma };
        o.validate()?;
        Ok(o)
    }

    /// Observations all with the same standard deviation (or scale) 1.
    pub fn unweighted(values: Vec<f64>) -> Result<Self> {
        let n = values.len();
        Self::new(values, vec![1.0; n])
    }

    /// Non-empty, finite values, positive finite σ, equal lengths.
    pub fn validate(&self) -> Result<()> {
        if self.values.is_empty() {
            return Err(CoreError::invalid(
                "observations.values",
                "[] (empty)",
                "at least one observation",
            ));
        }
        if self.sigma.len() != self.values.len() {
            return Err(CoreError::ShapeMismatch {
                what: "observations.sigma vs observations.values".into(),
                expected: self.values.len().to_string(),
                found: self.sigma.len().to_string(),
            });
        }
        for (i, (&v, &s)) in self.values.iter().zip(&self.sigma).enumerate() {
            crate::error::ensure_finite(&format!("observations.values[{i}]"), v)?;
            crate::error::ensure_positive(&format!("observations.sigma[{i}]"), s)?;
        }
        Ok(())
    }
}

/// How observation error enters the objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Likelihood {
    /// `½ Σ ((y − f)/σ_i)²`, not a likelihood: Laplace covariance is scaled by
    /// the residual variance `Σ((y − f)/σ_i)²/(n − p)` (classical nonlinear regression).
    WeightedLeastSquares,
    /// `y_i ~ Normal(f_i, σ_i)`.
    Gaussian {
        /// Known or fitted σ.
        sigma: SigmaModel,
    },
    /// `ln y_i ~ Normal(ln f_i, σ_i)` (multiplicative error; needs y > 0, f > 0).
    LogNormal {
        /// Known or fitted σ (of `ln y`).
        sigma: SigmaModel,
    },
}

/// Whether the error scale is given or calibrated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SigmaModel {
    /// σ_i = `observations.sigma[i]`.
    Known,
    /// σ_i = s · `observations.sigma[i]` with `s` an extra calibrated parameter
    /// (appended after the model parameters), described by this spec.
    Fitted(ParameterSpec),
}

/// A calibration problem: model, parameters, observations and likelihood.
pub struct Problem<M: Model> {
    pub(crate) model: M,
    pub(crate) specs: Vec<ParameterSpec>,
    pub(crate) n_model: usize,
    pub(crate) obs: Observations,
    pub(crate) likelihood: Likelihood,
}

impl<M: Model> Problem<M> {
    /// Build and validate a problem.
    pub fn new(
        model: M,
        params: Vec<ParameterSpec>,
        observations: Observations,
        likelihood: Likelihood,
    ) -> Result<Self> {
        if params.is_empty() {
            return Err(CoreError::invalid(
                "params",
                "[] (empty)",
                "at least one parameter",
            ));
        }
        observations.validate()?;
        let n_model = params.len();
        let mut specs = params;
        match &likelihood {
            Likelihood::Gaussian { sigma } | Likelihood::LogNormal { sigma } => {
                if let SigmaModel::Fitted(s) = sigma {
                    specs.push(s.clone());
                }
            }
            Likelihood::WeightedLeastSquares => {}
        }
        for s in &specs {
            s.validate()?;
        }
        if let (Likelihood::LogNormal { .. }, Some(i)) = (
            &likelihood,
            observations.values.iter().position(|&v| v <= 0.0),
        ) {
            return Err(CoreError::invalid(
                format!("observations.values[{i}]"),
                observations.values[i],
                "> 0 for a log-normal likelihood",
            ));
        }
        Ok(Self {
            model,
            specs,
            n_model,
            obs: observations,
            likelihood,
        })
    }

    /// All calibrated parameters: the model's, then σ if fitted.
    pub fn specs(&self) -> &[ParameterSpec] {
        &self.specs
    }

    /// Number of model parameters (without a fitted σ).
    pub fn n_model_params(&self) -> usize {
        self.n_model
    }

    /// The observations.
    pub fn observations(&self) -> &Observations {
        &self.obs
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The likelihood.
    pub fn likelihood(&self) -> &Likelihood {
        &self.likelihood
    }

    /// Natural parameters from unconstrained ones.
    pub fn to_natural(&self, z: &[f64]) -> Vec<f64> {
        self.specs
            .iter()
            .zip(z)
            .map(|(s, &z)| s.from_z(z))
            .collect()
    }

    /// Unconstrained parameters from natural ones (checked).
    pub fn to_unconstrained(&self, x: &[f64]) -> Result<Vec<f64>> {
        self.check_len(x)?;
        self.specs.iter().zip(x).map(|(s, &x)| s.to_z(x)).collect()
    }

    fn check_len(&self, x: &[f64]) -> Result<()> {
        if x.len() != self.specs.len() {
            return Err(CoreError::ShapeMismatch {
                what: "parameter vector".into(),
                expected: self.specs.len().to_string(),
                found: x.len().to_string(),
            });
        }
        Ok(())
    }

    /// Model prediction, checked for length and finiteness.
    pub fn predict(&self, x: &[f64]) -> Result<Vec<f64>> {
        self.check_len(x)?;
        let f = self.model.predict(&x[..self.n_model])?;
        if f.len() != self.obs.values.len() {
            return Err(CoreError::ShapeMismatch {
                what: "model prediction vs observations".into(),
                expected: self.obs.values.len().to_string(),
                found: f.len().to_string(),
            });
        }
        if let Some(i) = f.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::NonFinite {
                what: format!("prediction[{i}]"),
                t: f64::NAN,
            });
        }
        Ok(f)
    }

    /// σ multiplier: the fitted σ or 1.
    fn sigma_scale(&self, x: &[f64]) -> f64 {
        if self.specs.len() > self.n_model {
            x[self.n_model]
        } else {
            1.0
        }
    }

    /// Standardised residuals `(y − f)/σ_i` (on the log scale for log-normal).
    /// `None` if a log-normal prediction is not positive.
    fn residuals(&self, x: &[f64], f: &[f64]) -> Option<Vec<f64>> {
        let s = self.sigma_scale(x);
        let log = matches!(self.likelihood, Likelihood::LogNormal { .. });
        self.obs
            .values
            .iter()
            .zip(f)
            .zip(&self.obs.sigma)
            .map(|((&y, &f), &sd)| {
                if log {
                    (f > 0.0).then(|| (y.ln() - f.ln()) / (s * sd))
                } else {
                    Some((y - f) / (s * sd))
                }
            })
            .collect()
    }

    /// Negative log-likelihood (or WLS cost) and log prior at natural `x`, given
    /// the prediction `f`.
    fn cost_from_prediction(&self, x: &[f64], f: &[f64]) -> f64 {
        let Some(r) = self.residuals(x, f) else {
            return f64::INFINITY;
        };
        let half_ss = 0.5 * r.iter().map(|r| r * r).sum::<f64>();
        let nll = match &self.likelihood {
            Likelihood::WeightedLeastSquares => half_ss,
            Likelihood::Gaussian { .. } | Likelihood::LogNormal { .. } => {
                let s = self.sigma_scale(x);
                let n = r.len() as f64;
                let log_jac: f64 = if matches!(self.likelihood, Likelihood::LogNormal { .. }) {
                    self.obs.values.iter().map(|y| y.ln()).sum()
                } else {
                    0.0
                };
                half_ss
                    + n * (s.ln() + 0.918_938_533_204_672_8)
                    + self.obs.sigma.iter().map(|s| s.ln()).sum::<f64>()
                    + log_jac
            }
        };
        let lp: f64 = self.specs.iter().zip(x).map(|(s, &x)| s.log_prior(x)).sum();
        nll - lp
    }

    /// Objective minimised by the optimisers, in natural units: negative log
    /// posterior (up to a constant for WLS). Errors, non-finite predictions and
    /// points outside a prior's support give `+inf`.
    pub fn objective(&self, x: &[f64]) -> f64 {
        match self.predict(x) {
            Ok(f) => {
                let c = self.cost_from_prediction(x, &f);
                if c.is_nan() { f64::INFINITY } else { c }
            }
            Err(_) => f64::INFINITY,
        }
    }

    /// Objective at unconstrained `z`.
    pub fn objective_z(&self, z: &[f64]) -> f64 {
        self.objective(&self.to_natural(z))
    }

    /// Log density of the posterior in `z` (what an MCMC sampler in `z` targets):
    /// `−objective(x(z)) + Σ ln|dx_j/dz_j|`.
    pub fn log_posterior_z(&self, z: &[f64]) -> f64 {
        let jac: f64 = self.specs.iter().zip(z).map(|(s, &z)| s.ln_dx_dz(z)).sum();
        -self.objective_z(z) + jac
    }

    /// Gradient of [`Problem::objective_z`]: by the chain rule from the model's
    /// analytic Jacobian when it has one, else by central differences in `z`.
    pub fn gradient_z(&self, z: &[f64]) -> Vec<f64> {
        let x = self.to_natural(z);
        if let Some(Ok(jac)) = self.model.jacobian(&x[..self.n_model])
            && let Some(g) = self.analytic_gradient_z(z, &x, &jac)
        {
            return g;
        }
        let mut zp = z.to_vec();
        (0..z.len())
            .map(|j| {
                let h = 1e-6 * z[j].abs().max(1.0);
                zp[j] = z[j] + h;
                let fp = self.objective_z(&zp);
                zp[j] = z[j] - h;
                let fm = self.objective_z(&zp);
                zp[j] = z[j];
                (fp - fm) / (2.0 * h)
            })
            .collect()
    }

    fn analytic_gradient_z(&self, z: &[f64], x: &[f64], jac: &DMatrix<f64>) -> Option<Vec<f64>> {
        let f = self.predict(x).ok()?;
        if jac.nrows() != f.len() || jac.ncols() != self.n_model {
            return None;
        }
        let r = self.residuals(x, &f)?;
        let s = self.sigma_scale(x);
        let log = matches!(self.likelihood, Likelihood::LogNormal { .. });
        // d cost / d f_i = −r_i / (s σ_i), times 1/f_i on the log scale.
        let dc_df: Vec<f64> = r
            .iter()
            .zip(&self.obs.sigma)
            .zip(&f)
            .map(|((r, sd), f)| {
                let d = -r / (s * sd);
                if log { d / f } else { d }
            })
            .collect();
        let mut g: Vec<f64> = (0..self.specs.len())
            .map(|j| {
                let data = if j < self.n_model {
                    (0..f.len()).map(|i| dc_df[i] * jac[(i, j)]).sum::<f64>()
                } else {
                    // d/ds of ½Σr²(s) + n ln s with r ∝ 1/s.
                    let ss: f64 = r.iter().map(|r| r * r).sum();
                    (f.len() as f64 - ss) / s
                };
                let prior = self.specs[j].prior.map_or(0.0, |p| p.d_log_density(x[j]));
                (data - prior) * self.specs[j].dx_dz(z[j])
            })
            .collect();
        g.iter_mut().for_each(|v| {
            if !v.is_finite() {
                *v = f64::INFINITY;
            }
        });
        Some(g)
    }

    /// Standardised residual vector including prior terms (normal and
    /// log-normal priors as pseudo-observations), for Gauss–Newton.
    pub(crate) fn gn_residuals(&self, x: &[f64]) -> Option<Vec<f64>> {
        let f = self.predict(x).ok()?;
        let mut r = self.residuals(x, &f)?;
        for (s, &x) in self.specs.iter().zip(x) {
            match s.prior {
                Some(super::Prior::Normal { mean, sd }) => r.push((x - mean) / sd),
                Some(super::Prior::LogNormal { mu_log, sigma_log }) if x > 0.0 => {
                    r.push((x.ln() - mu_log) / sigma_log)
                }
                _ => {}
            }
        }
        Some(r)
    }
}
