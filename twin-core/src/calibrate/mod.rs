//! Calibration: fit a model's parameters to one patient's observations, with uncertainty.
//!
//! The path is always the same:
//! 1. describe each parameter ([`ParameterSpec`]: bounds, [`Transform`], optional [`Prior`]);
//! 2. wrap the model ([`Model`]: parameters → predicted observations) with the
//!    [`Observations`] and a [`Likelihood`] into a [`Problem`];
//! 3. [`fit`] it: seeded Latin-hypercube multi-start with an `argmin` optimiser
//!    in the unconstrained space `z` (a report of every start is kept);
//! 4. quantify uncertainty: [`laplace`] (Gaussian at the mode of the density of
//!    `z`, 95% intervals mapped back exactly through the monotone transform) and/or
//!    [`sample_posterior`] (affine-invariant ensemble MCMC with R̂ and ESS);
//! 5. check [`identifiability`] and make forecasts with [`prediction_band`] or
//!    [`forecast_from_draws`] (a [`crate::twin::Forecast`]).
//!
//! The objective is the negative log-posterior in natural units,
//! `−ln p(y | x) − Σ ln p_j(x_j)` (no priors: the maximum-likelihood estimate);
//! the sampler targets the density of `z`, which adds `Σ ln |dx_j/dz_j|`.
//!
//! ```
//! use twin_core::calibrate::*;
//! // Exponential decay y = a·exp(−k t), observed without noise at 5 times.
//! let t = [0.0, 1.0, 2.0, 3.0, 4.0];
//! let model = move |p: &[f64]| -> twin_core::Result<Vec<f64>> {
//!     Ok(t.iter().map(|t| p[0] * (-p[1] * t).exp()).collect())
//! };
//! let y: Vec<f64> = t.iter().map(|t| 10.0 * (-0.3 * t).exp()).collect();
//! let params = vec![
//!     ParameterSpec::new("a_mg", "mg", 1.0, 100.0, Transform::Log),
//!     ParameterSpec::new("k_per_day", "1/day", 0.01, 2.0, Transform::Log),
//! ];
//! let obs = Observations::new(y, vec![0.1; 5]).unwrap();
//! let problem = Problem::new(model, params, obs,
//!     Likelihood::Gaussian { sigma: SigmaModel::Known }).unwrap();
//! let fit = fit(&problem, &FitOptions::default()).unwrap();
//! assert!((fit.estimate[1] - 0.3).abs() < 1e-5);
//! ```

mod forecast;
pub mod identifiability;
mod laplace;
pub mod mcmc;
mod objective;
mod optimise;
mod parameters;

pub use forecast::{PredictionBand, forecast_from_draws, prediction_band};
pub use laplace::{CovarianceMethod, Laplace, ParameterEstimate, laplace};
pub use mcmc::{
    McmcDiagnostics, McmcOptions, Posterior, sample_posterior, sample_posterior_around,
};
pub use objective::{Likelihood, Model, Observations, Problem, SigmaModel};
pub use optimise::{Fit, FitOptions, Optimiser, StartReport, fit};
pub use parameters::{ParameterSpec, Prior, Transform};
