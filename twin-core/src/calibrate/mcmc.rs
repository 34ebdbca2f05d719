//! Affine-invariant ensemble MCMC (Goodman & Weare 2010, "stretch move", as in
//! emcee: Foreman-Mackey et al. 2013) on the posterior in the unconstrained space,
//! with split-R̂ and effective sample size (Gelman et al., BDA3, 2013, §11.4–11.5;
//! the multi-chain ESS with Geyer's initial monotone sequence as in Stan).
//!
//! Written here because no maintained Rust crate offers a seeded, parallel
//! ensemble sampler over an arbitrary log density; the algorithm is 20 lines.
//! Each walker owns its own ChaCha8 stream `(seed, walker)`, and the two halves
//! of the ensemble are updated in turn (each half against the frozen other half),
//! so results are bitwise identical for any number of rayon threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::laplace::{Laplace, ParameterEstimate};
use super::objective::{Model, Problem};
use crate::error::{CoreError, Result};
use crate::stats::quantile_sorted;

/// Settings of [`sample_posterior`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McmcOptions {
    /// Number of walkers (even, ≥ 2 × number of parameters).
    pub n_walkers: usize,
    /// Steps per walker, including burn-in.
    pub n_steps: usize,
    /// Steps discarded at the start.
    pub burn_in: usize,
    /// Keep every `thin`-th step after burn-in (≥ 1).
    pub thin: usize,
    /// Stretch-move scale `a` (> 1; 2 is the usual choice).
    pub stretch: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for McmcOptions {
    fn default() -> Self {
        Self {
            n_walkers: 32,
            n_steps: 2000,
            burn_in: 500,
            thin: 1,
            stretch: 2.0,
            seed: 1,
        }
    }
}

/// Convergence and efficiency diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McmcDiagnostics {
    /// Fraction of accepted proposals over all steps (0.2–0.5 is healthy).
    pub acceptance_rate: f64,
    /// Effective sample size per parameter (all walkers together).
    pub ess: Vec<f64>,
    /// Split R̂ per parameter over walkers (< 1.01–1.05 indicates convergence).
    pub r_hat: Vec<f64>,
}

/// Posterior samples in natural units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Posterior {
    /// Parameter names.
    pub names: Vec<String>,
    /// Draws (natural units), kept step by kept step, walker by walker.
    pub samples: Vec<Vec<f64>>,
    /// Posterior means.
    pub mean: Vec<f64>,
    /// Median and central 95% interval per parameter.
    pub intervals: Vec<ParameterEstimate>,
    /// Diagnostics.
    pub diagnostics: McmcDiagnostics,
}

struct Walker {
    z: Vec<f64>,
    lp: f64,
    rng: ChaCha8Rng,
    accepted: u64,
}

/// Sample the posterior, starting the walkers in a Gaussian ball of 0.1 × the
/// Laplace standard deviations around the Laplace mode.
pub fn sample_posterior<M: Model>(
    problem: &Problem<M>,
    start: &Laplace,
    options: &McmcOptions,
) -> Result<Posterior> {
    let p = problem.specs().len();
    if start.estimate_z.len() != p || start.cov_z.len() != p {
        return Err(CoreError::ShapeMismatch {
            what: "Laplace start vs problem parameters".into(),
            expected: p.to_string(),
            found: start.estimate_z.len().to_string(),
        });
    }
    let var_z: Vec<f64> = (0..p)
        .map(|i| start.cov_z[i].get(i).copied().unwrap_or(f64::NAN))
        .collect();
    // Named here: the start_sd_z check below would blame an argument the caller never gave.
    if let Some((i, v)) = var_z
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v > 0.0))
    {
        return Err(CoreError::invalid(
            format!("start.cov_z[{i}][{i}]"),
            v,
            "a finite variance > 0",
        ));
    }
    let sd_z: Vec<f64> = var_z.iter().map(|v| 0.1 * v.sqrt()).collect();
    sample_posterior_around(problem, &start.estimate_z, &sd_z, options)
}

/// Sample the posterior, starting the walkers in a Gaussian ball of standard
/// deviations `start_sd_z` (unconstrained space, one per parameter, > 0) around
/// `centre_z`: for callers whose start is not a twin-core [`Laplace`] (a
/// Gauss–Newton fit of their own, or a poorly identified mode whose Laplace
/// width would scatter the walkers too far).
pub fn sample_posterior_around<M: Model>(
    problem: &Problem<M>,
    centre_z: &[f64],
    start_sd_z: &[f64],
    options: &McmcOptions,
) -> Result<Posterior> {
    let p = problem.specs().len();
    if centre_z.len() != p || start_sd_z.len() != p {
        return Err(CoreError::ShapeMismatch {
            what: "start centre and spread vs problem parameters".into(),
            expected: p.to_string(),
            found: format!("{} and {}", centre_z.len(), start_sd_z.len()),
        });
    }
    // Strictly positive: with sd 0 every walker starts at the same z_j, and the
    // stretch move (along the line between two walkers) can never leave it.
    if let Some((j, bad)) = start_sd_z
        .iter()
        .enumerate()
        .find(|(_, s)| !(s.is_finite() && **s > 0.0))
    {
        return Err(CoreError::invalid(
            format!("start_sd_z[{j}]"),
            bad,
            "a finite number > 0",
        ));
    }
    let o = options;
    if o.n_walkers < 2 * p.max(2) || !o.n_walkers.is_multiple_of(2) {
        return Err(CoreError::invalid(
            "n_walkers",
            o.n_walkers,
            format!("an even number >= {}", 2 * p.max(2)),
        ));
    }
    if o.thin == 0 || o.burn_in + 4 * o.thin > o.n_steps {
        return Err(CoreError::invalid(
            "n_steps/burn_in/thin",
            format!("{}/{}/{}", o.n_steps, o.burn_in, o.thin),
            "thin >= 1 and at least 4 kept steps after burn-in",
        ));
    }
    if !(o.stretch.is_finite() && o.stretch > 1.0) {
        return Err(CoreError::invalid(
            "stretch",
            o.stretch,
            "a finite number > 1",
        ));
    }
    let mut walkers: Vec<Walker> = (0..o.n_walkers)
        .map(|k| {
            let mut rng = ChaCha8Rng::seed_from_u64(o.seed);
            rng.set_stream(k as u64);
            for _ in 0..100 {
                let z: Vec<f64> = (0..p)
                    .map(|j| centre_z[j] + start_sd_z[j] * rng.sample::<f64, _>(StandardNormal))
                    .collect();
                let lp = problem.log_posterior_z(&z);
                if lp.is_finite() {
                    return Ok(Walker {
                        z,
                        lp,
                        rng,
                        accepted: 0,
                    });
                }
            }
            Err(CoreError::NonFinite {
                what: "log posterior around the starting point".into(),
                t: f64::NAN,
            })
        })
        .collect::<Result<_>>()?;

    let half = o.n_walkers / 2;
    let a = o.stretch;
    let mut chains: Vec<Vec<Vec<f64>>> = vec![Vec::new(); o.n_walkers];
    for step in 0..o.n_steps {
        for first in [true, false] {
            let (lo, hi) = walkers.split_at_mut(half);
            let (moving, fixed) = if first { (lo, &*hi) } else { (hi, &*lo) };
            moving.par_iter_mut().for_each(|w| {
                let j = w.rng.random_range(0..fixed.len());
                let u: f64 = w.rng.random();
                let zz = ((a - 1.0) * u + 1.0).powi(2) / a;
                let y: Vec<f64> = fixed[j]
                    .z
                    .iter()
                    .zip(&w.z)
                    .map(|(xj, xk)| xj + zz * (xk - xj))
                    .collect();
                let lp_y = problem.log_posterior_z(&y);
                let log_r = (p as f64 - 1.0) * zz.ln() + lp_y - w.lp;
                let u2: f64 = w.rng.random();
                if lp_y.is_finite() && u2.ln() < log_r {
                    w.z = y;
                    w.lp = lp_y;
                    w.accepted += 1;
                }
            });
        }
        if step >= o.burn_in && (step - o.burn_in).is_multiple_of(o.thin) {
            for (c, w) in chains.iter_mut().zip(&walkers) {
                c.push(problem.to_natural(&w.z));
            }
        }
    }
    let accepted: u64 = walkers.iter().map(|w| w.accepted).sum();
    let names: Vec<String> = problem.specs().iter().map(|s| s.name.clone()).collect();
    let kept = chains[0].len();
    let samples: Vec<Vec<f64>> = (0..kept)
        .flat_map(|t| chains.iter().map(move |c| c[t].clone()))
        .collect();
    let per_param: Vec<Vec<Vec<f64>>> = (0..p)
        .map(|j| {
            chains
                .iter()
                .map(|c| c.iter().map(|x| x[j]).collect())
                .collect()
        })
        .collect();
    let mean: Vec<f64> = (0..p)
        .map(|j| samples.iter().map(|x| x[j]).sum::<f64>() / samples.len() as f64)
        .collect();
    let intervals = (0..p)
        .map(|j| {
            let mut v: Vec<f64> = samples.iter().map(|x| x[j]).collect();
            v.sort_by(f64::total_cmp);
            ParameterEstimate {
                name: names[j].clone(),
                unit: problem.specs()[j].unit.clone(),
                estimate: quantile_sorted(&v, 0.5),
                lower: quantile_sorted(&v, 0.025),
                upper: quantile_sorted(&v, 0.975),
                level: 0.95,
            }
        })
        .collect();
    Ok(Posterior {
        names,
        samples,
        mean,
        intervals,
        diagnostics: McmcDiagnostics {
            acceptance_rate: accepted as f64 / (o.n_steps * o.n_walkers) as f64,
            ess: per_param.iter().map(|c| ess(c)).collect(),
            r_hat: per_param.iter().map(|c| split_r_hat(c)).collect(),
        },
    })
}

fn split(chains: &[Vec<f64>]) -> Vec<&[f64]> {
    let n = chains[0].len() / 2;
    chains
        .iter()
        .flat_map(|c| [&c[..n], &c[c.len() - n..]])
        .collect()
}

fn mean_var(c: &[f64]) -> (f64, f64) {
    let n = c.len() as f64;
    let m = c.iter().sum::<f64>() / n;
    (
        m,
        c.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0),
    )
}

/// `(W, var⁺)` of split chains: within-chain variance and the pooled estimate.
fn within_and_pooled(chains: &[&[f64]]) -> (f64, f64) {
    let n = chains[0].len() as f64;
    let mv: Vec<(f64, f64)> = chains.iter().map(|c| mean_var(c)).collect();
    let w = mv.iter().map(|x| x.1).sum::<f64>() / mv.len() as f64;
    let (_, b_over_n) = mean_var(&mv.iter().map(|x| x.0).collect::<Vec<_>>());
    (w, (n - 1.0) / n * w + b_over_n)
}

/// Split R̂ (BDA3 eq. 11.4) of one parameter over chains (walkers).
pub fn split_r_hat(chains: &[Vec<f64>]) -> f64 {
    let (w, var_plus) = within_and_pooled(&split(chains));
    (var_plus / w).sqrt()
}

/// Multi-chain effective sample size of split chains (BDA3 §11.5; Geyer's
/// initial positive, monotone sequence as in Stan).
pub fn ess(chains: &[Vec<f64>]) -> f64 {
    let sc = split(chains);
    let m = sc.len();
    let n = sc[0].len();
    let (w, var_plus) = within_and_pooled(&sc);
    if w.is_nan() || w <= 0.0 {
        return f64::NAN;
    }
    let means: Vec<f64> = sc
        .iter()
        .map(|c| c.iter().sum::<f64>() / n as f64)
        .collect();
    let rho = |t: usize| -> f64 {
        let acov: f64 = sc
            .iter()
            .zip(&means)
            .map(|(c, m)| (0..n - t).map(|i| (c[i] - m) * (c[i + t] - m)).sum::<f64>() / n as f64)
            .sum::<f64>()
            / m as f64;
        1.0 - (w - acov) / var_plus
    };
    let mut tau = -1.0;
    let mut prev_pair = f64::INFINITY;
    let mut t = 0;
    while t + 1 < n {
        let pair = (if t == 0 { 1.0 } else { rho(t) }) + rho(t + 1);
        if pair <= 0.0 {
            break;
        }
        let pair = pair.min(prev_pair);
        tau += 2.0 * pair;
        prev_pair = pair;
        t += 2;
    }
    // Stan bounds τ below by 1/log10(mn) for antithetic chains.
    (m * n) as f64 / tau.max(1.0 / ((m * n) as f64).log10())
}
