//! Laplace (Gaussian) approximation of the posterior at the optimum, in the
//! unconstrained space where it is most nearly Gaussian.

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::objective::{Likelihood, Model, Problem, SigmaModel};
use super::optimise::Fit;
use super::parameters::ParameterSpec;
use crate::error::{CoreError, Result};
use crate::stats::Z95;

/// How the curvature at the optimum is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CovarianceMethod {
    /// Central finite-difference Hessian of the full objective in `z`.
    Hessian,
    /// Gauss–Newton `JᵀJ` of the standardised residuals (normal and log-normal
    /// priors enter as pseudo-observations); needs a known σ.
    GaussNewton,
}

/// One calibrated parameter: estimate and interval in natural units. The one
/// parameter-estimate type of every twin ([`crate::twin::Calibration`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterEstimate {
    /// Parameter name.
    pub name: String,
    /// Parameter unit.
    pub unit: String,
    /// Point estimate (mode for Laplace, median for MCMC).
    pub estimate: f64,
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
    /// Coverage level (0.95).
    pub level: f64,
}

/// Gaussian approximation `z ~ Normal(estimate_z, cov_z)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Laplace {
    /// The parameters (needed to map samples back to natural units).
    pub specs: Vec<ParameterSpec>,
    /// Point estimate in natural units: the optimiser's mode (MLE without priors).
    pub estimate: Vec<f64>,
    /// Centre of the Gaussian in `z`: the mode of the density of `z`
    /// (objective − Σ ln|dx/dz|), which for Log/Logit parameters lies slightly
    /// off the natural-units mode; equal to it for weighted least squares.
    pub estimate_z: Vec<f64>,
    /// Covariance in `z` (row-major).
    pub cov_z: Vec<Vec<f64>>,
    /// Delta-method standard deviation in natural units, `|dx/dz| · sd_z`.
    pub sd_natural: Vec<f64>,
    /// Correlation matrix (same in `z` and, to first order, in natural units).
    pub correlation: Vec<Vec<f64>>,
    /// 95% intervals: `z ± 1.96 sd_z` mapped to natural units (exact under the
    /// monotone transform, so always inside the bounds of a Logit parameter).
    pub intervals: Vec<ParameterEstimate>,
    /// Method used.
    pub method: CovarianceMethod,
}

/// Laplace / Gauss–Newton approximation: a Gaussian in `z` centred at the mode
/// of the density of `z` (found by Newton from `fit.estimate_z`; this keeps a
/// prior that is Gaussian in `z`, such as a log-normal prior on a Log parameter,
/// exactly reproduced when the data say nothing), with the curvature there.
pub fn laplace<M: Model>(
    problem: &Problem<M>,
    fit: &Fit,
    method: CovarianceMethod,
) -> Result<Laplace> {
    let p = fit.estimate_z.len();
    if p != problem.specs().len() {
        return Err(CoreError::ShapeMismatch {
            what: "fit vs problem parameters".into(),
            expected: problem.specs().len().to_string(),
            found: p.to_string(),
        });
    }
    let n = problem.observations().values.len();
    let wls = matches!(problem.likelihood(), Likelihood::WeightedLeastSquares);
    // Density of z: the objective plus −Σ ln|dx/dz| (none for WLS, not a density).
    let jac_term = |z: &[f64]| -> f64 {
        if wls {
            0.0
        } else {
            -problem
                .specs()
                .iter()
                .zip(z)
                .map(|(s, &z)| s.ln_dx_dz(z))
                .sum::<f64>()
        }
    };
    let nlp_z = |z: &[f64]| problem.objective_z(z) + jac_term(z);
    let center = if wls {
        fit.estimate_z.clone()
    } else {
        z_mode(&nlp_z, &fit.estimate_z)
    };
    let z = &center;
    let h: Vec<f64> = z.iter().map(|z| 1e-4 * z.abs().max(1.0)).collect();
    let mut hess = match method {
        CovarianceMethod::Hessian => fd_hessian(nlp_z, z, &h),
        CovarianceMethod::GaussNewton => {
            if matches!(
                problem.likelihood(),
                Likelihood::Gaussian {
                    sigma: SigmaModel::Fitted(_)
                } | Likelihood::LogNormal {
                    sigma: SigmaModel::Fitted(_)
                }
            ) {
                return Err(CoreError::invalid(
                    "method",
                    "GaussNewton",
                    "Hessian when σ is fitted (Gauss–Newton needs a known σ)",
                ));
            }
            let res = |z: &[f64]| problem.gn_residuals(&problem.to_natural(z));
            let r0 = res(z).ok_or_else(|| non_finite("residuals at the optimum"))?;
            let mut jac = DMatrix::zeros(r0.len(), p);
            let mut zp = z.clone();
            for j in 0..p {
                zp[j] = z[j] + h[j];
                let rp = res(&zp).ok_or_else(|| non_finite("residuals"))?;
                zp[j] = z[j] - h[j];
                let rm = res(&zp).ok_or_else(|| non_finite("residuals"))?;
                zp[j] = z[j];
                for i in 0..r0.len() {
                    jac[(i, j)] = (rp[i] - rm[i]) / (2.0 * h[j]);
                }
            }
            let mut gn = jac.transpose() * jac;
            // Curvature of the transform's Jacobian term (non-zero for Logit only).
            let mut zp = z.clone();
            for j in 0..p {
                zp[j] = z[j] + h[j];
                let up = jac_term(&zp);
                zp[j] = z[j] - h[j];
                let dn = jac_term(&zp);
                zp[j] = z[j];
                gn[(j, j)] += (up - 2.0 * jac_term(z) + dn) / (h[j] * h[j]);
            }
            gn
        }
    };
    if matches!(problem.likelihood(), Likelihood::WeightedLeastSquares) {
        // Unknown error scale: estimate it from the residuals (n − p dof).
        if n <= p {
            return Err(CoreError::invalid(
                "observations",
                n,
                format!("> {p} (number of parameters) for weighted least squares"),
            ));
        }
        let f = problem.predict(&fit.estimate)?;
        let ss: f64 = problem
            .observations()
            .values
            .iter()
            .zip(&f)
            .zip(&problem.observations().sigma)
            .map(|((y, f), s)| ((y - f) / s).powi(2))
            .sum();
        // An exact fit estimates a zero error scale: no Gaussian to report.
        if !(ss.is_finite() && ss > 0.0) {
            return Err(CoreError::invalid(
                "weighted residual sum of squares at the optimum",
                ss,
                "finite and > 0 (an exact fit leaves the weighted least squares \
                 error scale unestimable; use a likelihood with a known σ)",
            ));
        }
        hess /= ss / (n - p) as f64;
    }
    // After the scaling, which can overflow for a near-exact fit.
    if hess.iter().any(|v| !v.is_finite()) {
        return Err(non_finite("Hessian at the optimum"));
    }
    let chol = hess.clone().cholesky().ok_or_else(|| CoreError::Singular {
        what: "Laplace Hessian (not positive definite: some parameter or combination is \
               not identifiable from these data; add a prior or data)"
            .into(),
    })?;
    let cov = chol.inverse();
    Ok(build(problem.specs(), fit, z, &cov, method))
}

fn non_finite(what: &str) -> CoreError {
    CoreError::NonFinite {
        what: what.into(),
        t: f64::NAN,
    }
}

fn fd_hessian(f: impl Fn(&[f64]) -> f64, z: &[f64], h: &[f64]) -> DMatrix<f64> {
    let p = z.len();
    let f0 = f(z);
    let mut x = z.to_vec();
    let mut hess = DMatrix::zeros(p, p);
    for i in 0..p {
        x[i] = z[i] + h[i];
        let fp = f(&x);
        x[i] = z[i] - h[i];
        let fm = f(&x);
        x[i] = z[i];
        hess[(i, i)] = (fp - 2.0 * f0 + fm) / (h[i] * h[i]);
        for j in 0..i {
            let mut corner = |si: f64, sj: f64| {
                x[i] = z[i] + si * h[i];
                x[j] = z[j] + sj * h[j];
                let v = f(&x);
                x[i] = z[i];
                x[j] = z[j];
                v
            };
            let v = (corner(1.0, 1.0) - corner(1.0, -1.0) - corner(-1.0, 1.0) + corner(-1.0, -1.0))
                / (4.0 * h[i] * h[j]);
            hess[(i, j)] = v;
            hess[(j, i)] = v;
        }
    }
    hess
}

/// Mode of the density of `z` by damped Newton from `z0` (the optimiser's
/// natural-units mode), with finite-difference derivatives; `z0` if Newton fails.
fn z_mode(f: &impl Fn(&[f64]) -> f64, z0: &[f64]) -> Vec<f64> {
    let p = z0.len();
    let mut z = z0.to_vec();
    let mut fz = f(&z);
    for _ in 0..50 {
        let h: Vec<f64> = z.iter().map(|z| 1e-4 * z.abs().max(1.0)).collect();
        let mut g = DVector::zeros(p);
        let mut zp = z.clone();
        for j in 0..p {
            zp[j] = z[j] + h[j];
            let up = f(&zp);
            zp[j] = z[j] - h[j];
            g[j] = (up - f(&zp)) / (2.0 * h[j]);
            zp[j] = z[j];
        }
        let Some(chol) = fd_hessian(f, &z, &h).cholesky() else {
            return z0.to_vec();
        };
        let step = chol.solve(&g);
        let mut t = 1.0;
        loop {
            let cand: Vec<f64> = z.iter().zip(step.iter()).map(|(z, s)| z - t * s).collect();
            let fc = f(&cand);
            if fc <= fz {
                z = cand;
                fz = fc;
                break;
            }
            t *= 0.5;
            if t < 1e-6 {
                return z;
            }
        }
        if step.amax() * t < 1e-9 {
            break;
        }
    }
    z
}

fn build(
    specs: &[ParameterSpec],
    fit: &Fit,
    z: &[f64],
    cov: &DMatrix<f64>,
    method: CovarianceMethod,
) -> Laplace {
    let p = specs.len();
    let sd_z: Vec<f64> = (0..p).map(|i| cov[(i, i)].sqrt()).collect();
    Laplace {
        specs: specs.to_vec(),
        estimate: fit.estimate.clone(),
        estimate_z: z.to_vec(),
        cov_z: (0..p)
            .map(|i| (0..p).map(|j| cov[(i, j)]).collect())
            .collect(),
        sd_natural: (0..p)
            .map(|i| specs[i].dx_dz(z[i]).abs() * sd_z[i])
            .collect(),
        correlation: (0..p)
            .map(|i| (0..p).map(|j| cov[(i, j)] / (sd_z[i] * sd_z[j])).collect())
            .collect(),
        intervals: (0..p)
            .map(|i| ParameterEstimate {
                name: specs[i].name.clone(),
                unit: specs[i].unit.clone(),
                estimate: fit.estimate[i],
                lower: specs[i].from_z(z[i] - Z95 * sd_z[i]),
                upper: specs[i].from_z(z[i] + Z95 * sd_z[i]),
                level: 0.95,
            })
            .collect(),
        method,
    }
}

impl Laplace {
    /// `n` draws from the Gaussian in `z`, mapped to natural units (seeded).
    pub fn sample(&self, n: usize, seed: u64) -> Result<Vec<Vec<f64>>> {
        let p = self.specs.len();
        let cov = DMatrix::from_fn(p, p, |i, j| self.cov_z[i][j]);
        let l = cov
            .cholesky()
            .ok_or_else(|| CoreError::Singular {
                what: "Laplace covariance".into(),
            })?
            .l();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mean = DVector::from_column_slice(&self.estimate_z);
        Ok((0..n)
            .map(|_| {
                let e = DVector::from_fn(p, |_, _| StandardNormal.sample(&mut rng));
                let z = &mean + &l * e;
                self.specs
                    .iter()
                    .zip(z.iter())
                    .map(|(s, &z)| s.from_z(z))
                    .collect()
            })
            .collect())
    }
}
