//! Virtual cohorts: sample parameter populations and simulate them in parallel.
//!
//! Every factor has a marginal distribution; dependence between factors is a
//! Gaussian copula: independent standard normals `e` (from a per-patient random
//! stream, a Latin hypercube or a scrambled Sobol design) are correlated as
//! `z = L e` with `L` the Cholesky factor of the correlation matrix, and each
//! `z_j` is mapped to its marginal (`x = mean + sd·z` for a normal factor, so
//! correlated normal factors are exactly multivariate normal; for log-normal
//! factors the correlation applies to the logarithms).
//!
//! Reproducibility: patient `i` of a random design draws from its own stream
//! `ChaCha8(seed, stream = i)` ([`patient_rng`]), so a cohort is bitwise the same
//! for any number of threads and any patient's draw does not depend on the
//! cohort size. With a correlation matrix, the stratification of LHS/Sobol
//! designs holds for the independent normals `e`, not for the correlated factors.

use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{CoreError, Result};

/// Marginal distribution of one factor (natural units).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Marginal {
    /// Normal(mean, sd).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// `ln x ~ Normal(mu_log, sigma_log)`.
    LogNormal {
        /// Mean of `ln x`.
        mu_log: f64,
        /// Standard deviation of `ln x` (> 0).
        sigma_log: f64,
    },
    /// Normal(mean, sd) restricted to `[lower, upper]`.
    TruncatedNormal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal (> 0).
        sd: f64,
        /// Lower truncation point.
        lower: f64,
        /// Upper truncation point (> lower).
        upper: f64,
    },
    /// Uniform on `[lower, upper]`.
    Uniform {
        /// Lower end.
        lower: f64,
        /// Upper end (> lower).
        upper: f64,
    },
}

fn std_normal() -> Normal {
    Normal::standard()
}

fn check_range(field: &str, lower: f64, upper: f64) -> Result<()> {
    if !(lower.is_finite() && upper.is_finite() && lower < upper) {
        return Err(CoreError::invalid(
            format!("{field}.lower/upper"),
            format!("[{lower}, {upper}]"),
            "finite bounds with lower < upper",
        ));
    }
    Ok(())
}

impl Marginal {
    /// Check the distribution's parameters.
    pub fn validate(&self, field: &str) -> Result<()> {
        use crate::error::{ensure_finite, ensure_positive};
        match *self {
            Marginal::Normal { mean, sd } => {
                ensure_finite(&format!("{field}.mean"), mean)?;
                ensure_positive(&format!("{field}.sd"), sd)?;
            }
            Marginal::LogNormal { mu_log, sigma_log } => {
                ensure_finite(&format!("{field}.mu_log"), mu_log)?;
                ensure_positive(&format!("{field}.sigma_log"), sigma_log)?;
            }
            Marginal::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => {
                ensure_finite(&format!("{field}.mean"), mean)?;
                ensure_positive(&format!("{field}.sd"), sd)?;
                check_range(field, lower, upper)?;
                let n = std_normal();
                if n.cdf((upper - mean) / sd) - n.cdf((lower - mean) / sd) < 1e-12 {
                    return Err(CoreError::invalid(
                        format!("{field}.lower/upper"),
                        format!("[{lower}, {upper}]"),
                        "an interval with non-negligible mass under Normal(mean, sd)",
                    ));
                }
            }
            Marginal::Uniform { lower, upper } => check_range(field, lower, upper)?,
        }
        Ok(())
    }

    /// Quantile function at `u ∈ (0, 1)`.
    pub fn quantile(&self, u: f64) -> f64 {
        self.at_normal_score(std_normal().inverse_cdf(u))
    }

    /// The value whose standard-normal score is `z` (`quantile(Φ(z))`, computed
    /// directly for normal and log-normal factors to keep the tails exact).
    pub fn at_normal_score(&self, z: f64) -> f64 {
        match *self {
            Marginal::Normal { mean, sd } => mean + sd * z,
            Marginal::LogNormal { mu_log, sigma_log } => (mu_log + sigma_log * z).exp(),
            Marginal::TruncatedNormal {
                mean,
                sd,
                lower,
                upper,
            } => {
                let n = std_normal();
                let a = n.cdf((lower - mean) / sd);
                let b = n.cdf((upper - mean) / sd);
                let u = a + n.cdf(z) * (b - a);
                (mean + sd * n.inverse_cdf(u)).clamp(lower, upper)
            }
            Marginal::Uniform { lower, upper } => lower + (upper - lower) * std_normal().cdf(z),
        }
    }
}

/// One varying factor of a virtual population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Name, with unit (`cl_l_per_h`).
    pub name: String,
    /// Unit in words.
    pub unit: String,
    /// Marginal distribution.
    pub marginal: Marginal,
}

impl Factor {
    /// A factor.
    pub fn new(name: impl Into<String>, unit: impl Into<String>, marginal: Marginal) -> Self {
        Self {
            name: name.into(),
            unit: unit.into(),
            marginal,
        }
    }
}

/// How the underlying uniform/normal scores are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Design {
    /// Independent draws, one ChaCha8 stream per patient.
    Random,
    /// Latin hypercube (one point per stratum `[k/n, (k+1)/n)` in every dimension).
    LatinHypercube,
    /// Owen-scrambled Sobol sequence (`sobol_burley`; ≤ 65,536 points, ≤ 256 factors).
    Sobol,
}

/// Factors and their (Gaussian-copula) correlation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationSpec {
    /// Factors.
    pub factors: Vec<Factor>,
    /// Optional correlation matrix of the normal scores (symmetric, unit
    /// diagonal, positive definite); none = independent factors.
    pub correlation: Option<Vec<Vec<f64>>>,
}

/// A sampled virtual population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Population {
    /// Factor names.
    pub names: Vec<String>,
    /// Factor units.
    pub units: Vec<String>,
    /// One row per virtual patient, factors in order (natural units).
    pub values: Vec<Vec<f64>>,
}

/// The random stream of patient (or item) `index` under `seed`.
pub fn patient_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// Latin hypercube of `n` points in `(0, 1)^d`, seeded.
///
/// Written by hand: it is a dozen lines (a seeded permutation per dimension plus
/// a uniform jitter inside each stratum), and the Rust LHS crates found are
/// unmaintained or not seedable with ChaCha.
pub fn latin_hypercube(n: usize, d: usize, seed: u64) -> Result<Vec<Vec<f64>>> {
    if n == 0 || d == 0 {
        return Err(CoreError::invalid(
            "n x d",
            format!("{n} x {d}"),
            ">= 1 x 1",
        ));
    }
    let mut points = vec![vec![0.0; d]; n];
    for j in 0..d {
        // Stream offset so dimension streams never coincide with patient streams.
        let mut rng = patient_rng(seed, (1u64 << 63) + j as u64);
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            perm.swap(i, rng.random_range(0..=i));
        }
        for (row, &k) in points.iter_mut().zip(&perm) {
            let u: f64 = rng.random();
            row[j] = ((k as f64 + u) / n as f64).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON);
        }
    }
    Ok(points)
}

/// `n` points of an Owen-scrambled Sobol sequence in `(0, 1)^d` (Burley 2020,
/// via the maintained `sobol_burley` crate: randomised QMC, seedable, no tables to
/// ship). Its output has 24-bit resolution; each value is moved to the centre of
/// its 2⁻²⁴ cell so that 0 never occurs.
pub fn sobol_points(n: usize, d: usize, seed: u64) -> Result<Vec<Vec<f64>>> {
    if n == 0 || n > 1 << 16 {
        return Err(CoreError::invalid("n", n, "1..=65536 for the Sobol design"));
    }
    if d == 0 || d > sobol_burley::NUM_DIMENSIONS as usize {
        return Err(CoreError::invalid(
            "dimensions",
            d,
            format!("1..={} for the Sobol design", sobol_burley::NUM_DIMENSIONS),
        ));
    }
    let s = (seed ^ (seed >> 32)) as u32;
    Ok((0..n as u32)
        .map(|i| {
            (0..d as u32)
                .map(|j| f64::from(sobol_burley::sample(i, j, s)) + 0.5 / (1u32 << 24) as f64)
                .collect()
        })
        .collect())
}

impl PopulationSpec {
    /// Independent factors.
    pub fn independent(factors: Vec<Factor>) -> Self {
        Self {
            factors,
            correlation: None,
        }
    }

    /// Validate factors and correlation; return the Cholesky factor if any.
    fn cholesky(&self) -> Result<Option<DMatrix<f64>>> {
        if self.factors.is_empty() {
            return Err(CoreError::invalid(
                "factors",
                "[] (empty)",
                "at least one factor",
            ));
        }
        for f in &self.factors {
            f.marginal.validate(&f.name)?;
        }
        let Some(c) = &self.correlation else {
            return Ok(None);
        };
        let d = self.factors.len();
        if c.len() != d || c.iter().any(|r| r.len() != d) {
            return Err(CoreError::ShapeMismatch {
                what: "correlation matrix".into(),
                expected: format!("{d}x{d}"),
                found: format!("{}x{}", c.len(), c.first().map_or(0, |r| r.len())),
            });
        }
        for (i, row) in c.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let ok = if i == j {
                    (v - 1.0).abs() < 1e-12
                } else {
                    v.is_finite() && v.abs() <= 1.0 && (v - c[j][i]).abs() < 1e-12
                };
                if !ok {
                    return Err(CoreError::invalid(
                        format!("correlation[{i}][{j}]"),
                        v,
                        "a symmetric matrix with unit diagonal and entries in [-1, 1]",
                    ));
                }
            }
        }
        let m = DMatrix::from_fn(d, d, |i, j| c[i][j]);
        let chol = m.cholesky().ok_or_else(|| CoreError::Singular {
            what: "correlation matrix (not positive definite)".into(),
        })?;
        Ok(Some(chol.l()))
    }

    /// Sample `n` virtual patients.
    pub fn sample(&self, n: usize, design: Design, seed: u64) -> Result<Population> {
        self.sample_design(0, n, design, seed)
    }

    /// Patients `first .. first + count` of the [`Design::Random`] population with
    /// `seed`: patient `i` comes from its own stream [`patient_rng`]`(seed, i)`, so
    /// any split of a cohort into ranges (chunks on a cluster, say) reproduces
    /// `sample(n, Design::Random, seed)` exactly. The stratified designs couple all
    /// patients and have no such ranges.
    pub fn sample_range(&self, first: u64, count: usize, seed: u64) -> Result<Population> {
        let first = usize::try_from(first)
            .ok()
            .filter(|f| f.checked_add(count).is_some())
            .ok_or_else(|| CoreError::invalid("first", first, "first + count <= usize::MAX"))?;
        self.sample_design(first, count, Design::Random, seed)
    }

    fn sample_design(
        &self,
        first: usize,
        n: usize,
        design: Design,
        seed: u64,
    ) -> Result<Population> {
        let l = self.cholesky()?;
        let d = self.factors.len();
        if n == 0 {
            return Err(CoreError::invalid("n", 0, ">= 1 patient"));
        }
        let scores: Vec<Vec<f64>> = match design {
            Design::Random => (first..first + n)
                .into_par_iter()
                .map(|i| {
                    let mut rng = patient_rng(seed, i as u64);
                    (0..d).map(|_| rng.sample(StandardNormal)).collect()
                })
                .collect(),
            Design::LatinHypercube | Design::Sobol => {
                let u = if design == Design::Sobol {
                    sobol_points(n, d, seed)?
                } else {
                    latin_hypercube(n, d, seed)?
                };
                let nrm = std_normal();
                u.into_iter()
                    .map(|r| r.into_iter().map(|u| nrm.inverse_cdf(u)).collect())
                    .collect()
            }
        };
        let values = scores
            .into_par_iter()
            .map(|e| {
                let z: Vec<f64> = match &l {
                    Some(l) => (0..d)
                        .map(|i| (0..=i).map(|k| l[(i, k)] * e[k]).sum())
                        .collect(),
                    None => e,
                };
                self.factors
                    .iter()
                    .zip(z)
                    .map(|(f, z)| f.marginal.at_normal_score(z))
                    .collect()
            })
            .collect();
        Ok(Population {
            names: self.factors.iter().map(|f| f.name.clone()).collect(),
            units: self.factors.iter().map(|f| f.unit.clone()).collect(),
            values,
        })
    }
}

/// Simulate every patient in parallel: `f(index, parameters)`. Results are in
/// patient order and identical for any thread count when `f` is deterministic
/// (use [`patient_rng`]`(seed, index)` inside `f` for per-patient randomness).
/// The error of the failing patient with the lowest index is returned (also
/// independent of the thread count); patients after a known failure are skipped.
pub fn simulate<T, F>(population: &Population, f: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize, &[f64]) -> Result<T> + Sync,
{
    // Lowest failing index so far. Only patients after it are skipped, so every
    // patient before the lowest failure runs, whichever thread fails first.
    let first_failure = AtomicUsize::new(usize::MAX);
    let results: Vec<Option<Result<T>>> = population
        .values
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            if i > first_failure.load(Ordering::Relaxed) {
                return None;
            }
            let r = f(i, p);
            if r.is_err() {
                first_failure.fetch_min(i, Ordering::Relaxed);
            }
            Some(r)
        })
        .collect();
    // Skipped patients (None) all come after a failure, which ends this collect.
    results.into_iter().flatten().collect()
}

/// A virtual population an in-silico study draws its patients from, one at a time.
///
/// Contract: patient `index` depends only on `(seed, index)` — its own random stream
/// (e.g. [`patient_rng`]) — so a study is identical for any cohort size, chunking or
/// thread count. Implemented by the disease crates' cohort generators (AF
/// `twin_cardiac::cohort::CohortSpec`, glioma `twin_oncology::glioma::cohort::GliomaCohort`)
/// and driven by one study runner, `twin_validate::study::run_study`.
pub trait VirtualCohort: Sync {
    /// One virtual patient (hidden truth and what a clinic would observe of it).
    type Patient: Send;
    /// The disease crate's error type.
    type Error: Send;

    /// Draw patient `index` of the cohort with `seed`.
    fn draw(&self, seed: u64, index: u64) -> std::result::Result<Self::Patient, Self::Error>;
}
