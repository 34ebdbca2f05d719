//! Global sensitivity analysis: Sobol indices and Morris screening.
//!
//! **Sobol indices** (Saltelli et al. 2010, "Variance based sensitivity analysis
//! of model output", Comput. Phys. Commun. 181:259, Table 2): with two
//! independent `N × d` sample matrices `A`, `B` and `A_B^(i)` (= `A` with column
//! `i` from `B`),
//! - first order (Saltelli 2010, estimator (b)): `S_i = mean(f(B)·(f(A_B^i) − f(A))) / V`,
//! - total (Jansen 1999, estimator (f)): `ST_i = mean((f(A) − f(A_B^i))²) / (2V)`,
//!
//! with `V` the variance of `f` over `A ∪ B`. `A` and `B` are the two halves of
//! a `2d`-dimensional Owen-scrambled Sobol design; `N(d + 2)` model runs in
//! parallel. Confidence intervals: percentile bootstrap over the `N` rows.
//!
//! **Morris screening** (Morris 1991, Technometrics 33:161; μ* from Campolongo,
//! Cariboni & Saltelli 2007, Environ. Model. Softw. 22:1509): `r` one-at-a-time
//! trajectories on a `p`-level grid in the unit cube with step `Δ = p/(2(p−1))`;
//! elementary effect `EE_i = (f(x + Δe_i) − f(x))/Δ` with `x` in unit-cube
//! coordinates, so for `f = c·x_i` on `[lower, upper]`, `EE_i = c·(upper − lower)`.
//! Reported: μ, μ* = mean |EE|, σ = sd(EE).

use rand::Rng;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cohort::{Factor, Marginal, patient_rng, sobol_points};
use crate::error::{CoreError, Result};
use crate::stats::quantile_sorted;

/// Settings of [`sobol_indices`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SobolOptions {
    /// Base sample size `N` (a power of two is best; ≤ 65,536).
    pub n_base: usize,
    /// Bootstrap replicates for the confidence intervals (0 = none).
    pub n_bootstrap: usize,
    /// Confidence level of the intervals (e.g. 0.95).
    pub level: f64,
    /// Seed of the Sobol scrambling and of the bootstrap.
    pub seed: u64,
}

impl Default for SobolOptions {
    fn default() -> Self {
        Self {
            n_base: 1 << 12,
            n_bootstrap: 200,
            level: 0.95,
            seed: 1,
        }
    }
}

/// Sobol first-order and total indices with bootstrap intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolIndices {
    /// Factor names.
    pub names: Vec<String>,
    /// First-order indices `S_i`.
    pub first_order: Vec<f64>,
    /// Total indices `ST_i`.
    pub total: Vec<f64>,
    /// Bootstrap interval `[lower, upper]` of each `S_i` (empty without bootstrap).
    pub first_order_ci: Vec<[f64; 2]>,
    /// Bootstrap interval of each `ST_i` (empty without bootstrap).
    pub total_ci: Vec<[f64; 2]>,
    /// Output variance `V`.
    pub variance: f64,
    /// Model runs used, `N(d + 2)`.
    pub n_evaluations: usize,
}

/// First-order and total indices of one bootstrap replicate.
type Replicate = (Vec<f64>, Vec<f64>);

/// `(S, ST, V)` from the run values on a subset of rows.
fn estimate(fa: &[f64], fb: &[f64], fab: &[Vec<f64>], rows: &[usize]) -> (Vec<f64>, Vec<f64>, f64) {
    let n = rows.len() as f64;
    let mean = rows.iter().map(|&r| fa[r] + fb[r]).sum::<f64>() / (2.0 * n);
    let v = rows
        .iter()
        .map(|&r| (fa[r] - mean).powi(2) + (fb[r] - mean).powi(2))
        .sum::<f64>()
        / (2.0 * n - 1.0);
    let s = fab
        .iter()
        .map(|fi| rows.iter().map(|&r| fb[r] * (fi[r] - fa[r])).sum::<f64>() / n / v)
        .collect();
    let st = fab
        .iter()
        .map(|fi| rows.iter().map(|&r| (fa[r] - fi[r]).powi(2)).sum::<f64>() / (2.0 * n * v))
        .collect();
    (s, st, v)
}

fn run_all<F>(points: &[Vec<f64>], f: &F) -> Result<Vec<f64>>
where
    F: Fn(&[f64]) -> Result<f64> + Sync,
{
    points
        .par_iter()
        .enumerate()
        .map(|(i, x)| {
            let y = f(x)?;
            if y.is_finite() {
                Ok(y)
            } else {
                Err(CoreError::invalid(
                    format!("model output at sample {i}"),
                    y,
                    "a finite number",
                ))
            }
        })
        .collect()
}

/// Sobol indices of `f` over independent `factors` (their marginals give the
/// input distribution).
pub fn sobol_indices<F>(factors: &[Factor], f: F, options: &SobolOptions) -> Result<SobolIndices>
where
    F: Fn(&[f64]) -> Result<f64> + Sync,
{
    let d = factors.len();
    let n = options.n_base;
    if d == 0 {
        return Err(CoreError::invalid(
            "factors",
            "[] (empty)",
            "at least one factor",
        ));
    }
    if n < 2 {
        return Err(CoreError::invalid("n_base", n, ">= 2"));
    }
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(CoreError::invalid("level", options.level, "in (0, 1)"));
    }
    for fct in factors {
        fct.marginal.validate(&fct.name)?;
    }
    let u = sobol_points(n, 2 * d, options.seed)?;
    let map = |cols: std::ops::Range<usize>, r: &Vec<f64>| -> Vec<f64> {
        factors
            .iter()
            .zip(&r[cols])
            .map(|(fct, &u)| fct.marginal.quantile(u))
            .collect()
    };
    let a: Vec<Vec<f64>> = u.iter().map(|r| map(0..d, r)).collect();
    let b: Vec<Vec<f64>> = u.iter().map(|r| map(d..2 * d, r)).collect();
    let fa = run_all(&a, &f)?;
    let fb = run_all(&b, &f)?;
    let fab: Vec<Vec<f64>> = (0..d)
        .map(|i| {
            let abi: Vec<Vec<f64>> = a
                .iter()
                .zip(&b)
                .map(|(ra, rb)| {
                    let mut x = ra.clone();
                    x[i] = rb[i];
                    x
                })
                .collect();
            run_all(&abi, &f)
        })
        .collect::<Result<_>>()?;
    let all: Vec<usize> = (0..n).collect();
    let (s, st, v) = estimate(&fa, &fb, &fab, &all);
    if v.is_nan() || v <= 0.0 {
        return Err(CoreError::invalid(
            "model output variance",
            v,
            "> 0 (output varies with the factors)",
        ));
    }
    let (mut s_ci, mut st_ci) = (Vec::new(), Vec::new());
    if options.n_bootstrap > 0 {
        let reps: Vec<Replicate> = (0..options.n_bootstrap)
            .into_par_iter()
            .map(|k| {
                let mut rng = patient_rng(options.seed ^ 0x5eed_b007, k as u64);
                let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
                let (s, st, _) = estimate(&fa, &fb, &fab, &rows);
                (s, st)
            })
            .collect();
        let lo = (1.0 - options.level) / 2.0;
        let ci = |pick: &dyn Fn(&Replicate) -> f64| {
            let mut v: Vec<f64> = reps.iter().map(pick).collect();
            v.sort_by(f64::total_cmp);
            [quantile_sorted(&v, lo), quantile_sorted(&v, 1.0 - lo)]
        };
        for i in 0..d {
            s_ci.push(ci(&|r| r.0[i]));
            st_ci.push(ci(&|r| r.1[i]));
        }
    }
    Ok(SobolIndices {
        names: factors.iter().map(|f| f.name.clone()).collect(),
        first_order: s,
        total: st,
        first_order_ci: s_ci,
        total_ci: st_ci,
        variance: v,
        n_evaluations: n * (d + 2),
    })
}

/// Settings of [`morris`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MorrisOptions {
    /// Number of trajectories `r` (10–50 typical).
    pub trajectories: usize,
    /// Number of grid levels `p` (even, ≥ 2; 4 typical).
    pub levels: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for MorrisOptions {
    fn default() -> Self {
        Self {
            trajectories: 20,
            levels: 4,
            seed: 1,
        }
    }
}

/// Morris elementary-effect statistics per factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MorrisResult {
    /// Factor names.
    pub names: Vec<String>,
    /// Mean elementary effect μ (output unit per unit-cube range).
    pub mu: Vec<f64>,
    /// Mean absolute elementary effect μ* (importance).
    pub mu_star: Vec<f64>,
    /// Standard deviation σ of the elementary effects (non-linearity/interaction).
    pub sigma: Vec<f64>,
    /// Factor indices sorted by decreasing μ*.
    pub ranking: Vec<usize>,
    /// Model runs used, `r(d + 1)`.
    pub n_evaluations: usize,
}

/// Morris screening of `f` over `factors`, which must have uniform marginals
/// (the grid spans `[lower, upper]`).
pub fn morris<F>(factors: &[Factor], f: F, options: &MorrisOptions) -> Result<MorrisResult>
where
    F: Fn(&[f64]) -> Result<f64> + Sync,
{
    let d = factors.len();
    if d == 0 {
        return Err(CoreError::invalid(
            "factors",
            "[] (empty)",
            "at least one factor",
        ));
    }
    let p = options.levels;
    if p < 2 || !p.is_multiple_of(2) {
        return Err(CoreError::invalid("levels", p, "an even number >= 2"));
    }
    if options.trajectories < 2 {
        return Err(CoreError::invalid(
            "trajectories",
            options.trajectories,
            ">= 2",
        ));
    }
    let mut ranges = Vec::with_capacity(d);
    for fct in factors {
        fct.marginal.validate(&fct.name)?;
        match fct.marginal {
            Marginal::Uniform { lower, upper } => ranges.push((lower, upper)),
            _ => {
                return Err(CoreError::invalid(
                    format!("{}.marginal", fct.name),
                    "non-uniform",
                    "Uniform { lower, upper } for Morris screening",
                ));
            }
        }
    }
    let delta = p as f64 / (2.0 * (p as f64 - 1.0));
    let natural = |g: &[f64]| -> Vec<f64> {
        g.iter()
            .zip(&ranges)
            .map(|(g, (l, u))| l + g * (u - l))
            .collect()
    };
    let eval = |g: &[f64]| -> Result<f64> {
        let y = f(&natural(g))?;
        if y.is_finite() {
            Ok(y)
        } else {
            Err(CoreError::invalid("model output", y, "a finite number"))
        }
    };
    // Each trajectory: its own stream; returns the elementary effect of every factor.
    let effects: Vec<Vec<f64>> = (0..options.trajectories)
        .into_par_iter()
        .map(|t| {
            let mut rng = patient_rng(options.seed, t as u64);
            let base_levels = p / 2; // levels 0 .. 1−Δ
            let dirs: Vec<f64> = (0..d)
                .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
                .collect();
            let mut x: Vec<f64> = dirs
                .iter()
                .map(|&s| {
                    let b = rng.random_range(0..base_levels) as f64 / (p as f64 - 1.0);
                    if s > 0.0 { b } else { b + delta }
                })
                .collect();
            let mut order: Vec<usize> = (0..d).collect();
            order.shuffle(&mut rng);
            let mut ee = vec![0.0; d];
            let mut y = eval(&x)?;
            for &i in &order {
                x[i] += dirs[i] * delta;
                let y_new = eval(&x)?;
                ee[i] = dirs[i] * (y_new - y) / delta;
                y = y_new;
            }
            Ok(ee)
        })
        .collect::<Result<_>>()?;
    let r = effects.len() as f64;
    let mu: Vec<f64> = (0..d)
        .map(|i| effects.iter().map(|e| e[i]).sum::<f64>() / r)
        .collect();
    let mu_star: Vec<f64> = (0..d)
        .map(|i| effects.iter().map(|e| e[i].abs()).sum::<f64>() / r)
        .collect();
    let sigma: Vec<f64> = (0..d)
        .map(|i| (effects.iter().map(|e| (e[i] - mu[i]).powi(2)).sum::<f64>() / (r - 1.0)).sqrt())
        .collect();
    let mut ranking: Vec<usize> = (0..d).collect();
    ranking.sort_by(|&a, &b| mu_star[b].total_cmp(&mu_star[a]));
    Ok(MorrisResult {
        names: factors.iter().map(|f| f.name.clone()).collect(),
        mu,
        mu_star,
        sigma,
        ranking,
        n_evaluations: options.trajectories * (d + 1),
    })
}
