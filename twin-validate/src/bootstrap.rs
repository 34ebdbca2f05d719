//! Seeded, parallel bootstrap with percentile and BCa intervals (Efron & Tibshirani 1993,
//! ch. 13–14). Replicate b draws from its own `ChaCha8Rng` (seed, stream = b), so results
//! are identical for any number of rayon threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use twin_core::stats::quantile_sorted;

use crate::check;
use crate::error::{Result, ValidateError};

/// Two-sided normal quantile z_{1−(1−level)/2} for a confidence `level` in (0, 1).
pub fn z_for_level(level: f64) -> Result<f64> {
    if !(level > 0.0 && level < 1.0) {
        return Err(ValidateError::invalid("level", level, "(0, 1), e.g. 0.95"));
    }
    Ok(Normal::standard().inverse_cdf(0.5 + level / 2.0))
}

/// Bootstrap settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapConfig {
    /// Number of replicates B.
    pub replicates: usize,
    /// Seed of the replicate generators.
    pub seed: u64,
    /// Confidence level of the intervals (e.g. 0.95).
    pub level: f64,
    /// Compute the BCa interval (costs n extra jackknife evaluations).
    pub bca: bool,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            replicates: 1000,
            seed: 20_240_601,
            level: 0.95,
            bca: false,
        }
    }
}

/// A bootstrap estimate with its intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapCi {
    /// Statistic on the original sample.
    pub estimate: f64,
    /// Standard deviation of the replicates.
    pub se: f64,
    /// Percentile interval (lower, upper).
    pub percentile: (f64, f64),
    /// BCa interval, when requested and defined.
    pub bca: Option<(f64, f64)>,
    /// Confidence level.
    pub level: f64,
    /// Replicates that produced a value.
    pub replicates_used: usize,
    /// Replicates where the statistic was undefined (e.g. one class only); excluded.
    pub replicates_failed: usize,
}

/// Indices of bootstrap replicate `b`: n draws with replacement, within each stratum when
/// `strata` is given (stratum sizes are kept).
pub fn resample_indices(n: usize, strata: Option<&[Vec<usize>]>, seed: u64, b: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(b);
    match strata {
        None => (0..n).map(|_| rng.random_range(0..n)).collect(),
        Some(groups) => groups
            .iter()
            .flat_map(|g| {
                (0..g.len())
                    .map(|_| g[rng.random_range(0..g.len())])
                    .collect::<Vec<_>>()
            })
            .collect(),
    }
}

/// Patients grouped by stratum id (e.g. outcome class), for stratified resampling.
pub fn strata_from_labels(labels: &[bool]) -> Vec<Vec<usize>> {
    let pos = (0..labels.len()).filter(|&i| labels[i]).collect();
    let neg = (0..labels.len()).filter(|&i| !labels[i]).collect();
    vec![neg, pos]
}

/// Bootstrap `statistic` (called with the indices of the resampled patients) over `n`
/// patients. Replicates where it fails are counted and excluded; the call fails when the
/// statistic fails on the original sample, on more than half the replicates, or leaves
/// fewer than 2 replicates (no standard error). The BCa interval is `None` when it is
/// undefined, e.g. when the statistic fails on a leave-one-out (jackknife) sample.
pub fn bootstrap<F>(
    n: usize,
    strata: Option<&[Vec<usize>]>,
    cfg: &BootstrapConfig,
    statistic: F,
) -> Result<BootstrapCi>
where
    F: Fn(&[usize]) -> Result<f64> + Sync,
{
    check::min_len("patients", n, 2)?;
    if cfg.replicates < 2 {
        return Err(ValidateError::invalid(
            "replicates",
            cfg.replicates,
            ">= 2 (1000+ recommended)",
        ));
    }
    let z = z_for_level(cfg.level)?;
    let all: Vec<usize> = (0..n).collect();
    let estimate = statistic(&all)?;
    let mut reps: Vec<f64> = (0..cfg.replicates as u64)
        .into_par_iter()
        .map(|b| statistic(&resample_indices(n, strata, cfg.seed, b)).ok())
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    let used = reps.len();
    if used < 2 || used * 2 < cfg.replicates {
        return Err(ValidateError::undefined(
            "bootstrap interval",
            format!(
                "the statistic was undefined in {} of {} replicates \
                 (needs at least 2 and at least half to succeed)",
                cfg.replicates - used,
                cfg.replicates
            ),
        ));
    }
    reps.sort_by(f64::total_cmp);
    let alpha = 1.0 - cfg.level;
    let mean = reps.iter().sum::<f64>() / used as f64;
    let se = (reps.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (used - 1) as f64).sqrt();
    let percentile = (
        quantile_sorted(&reps, alpha / 2.0),
        quantile_sorted(&reps, 1.0 - alpha / 2.0),
    );
    let bca = if cfg.bca {
        bca_interval(n, &reps, estimate, z, &statistic)
    } else {
        None
    };
    Ok(BootstrapCi {
        estimate,
        se,
        percentile,
        bca,
        level: cfg.level,
        replicates_used: used,
        replicates_failed: cfg.replicates - used,
    })
}

/// BCa interval: bias correction z0 from the replicates, acceleration from the jackknife;
/// `None` when z0 is infinite or the statistic is undefined on a jackknife sample.
fn bca_interval<F>(
    n: usize,
    sorted: &[f64],
    estimate: f64,
    z: f64,
    statistic: &F,
) -> Option<(f64, f64)>
where
    F: Fn(&[usize]) -> Result<f64> + Sync,
{
    let normal = Normal::standard();
    let below = sorted.partition_point(|&r| r < estimate) as f64 / sorted.len() as f64;
    if below <= 0.0 || below >= 1.0 {
        return None;
    }
    let z0 = normal.inverse_cdf(below);
    let jack: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|k| {
            let idx: Vec<usize> = (0..n).filter(|&i| i != k).collect();
            statistic(&idx).ok().filter(|v| v.is_finite())
        })
        .collect::<Option<_>>()?;
    let jm = jack.iter().sum::<f64>() / n as f64;
    let (num, den) = jack.iter().fold((0.0, 0.0), |(a, b), j| {
        (a + (jm - j).powi(3), b + (jm - j).powi(2))
    });
    let a = if den > 0.0 {
        num / (6.0 * den.powf(1.5))
    } else {
        0.0
    };
    let adj = |zq: f64| normal.cdf(z0 + (z0 + zq) / (1.0 - a * (z0 + zq)));
    Some((
        quantile_sorted(sorted, adj(-z)),
        quantile_sorted(sorted, adj(z)),
    ))
}

/// A named metric with its confidence interval, as shown in reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricCi {
    /// Metric name (e.g. "auc", "harrell_c").
    pub name: String,
    /// Point estimate on the evaluated patients.
    pub estimate: f64,
    /// Lower confidence bound, when computed.
    pub ci_low: Option<f64>,
    /// Upper confidence bound, when computed.
    pub ci_high: Option<f64>,
    /// How the interval was obtained (e.g. "bootstrap percentile 95%, B = 1000").
    pub method: String,
}

impl MetricCi {
    /// A metric with its bootstrap percentile interval.
    pub fn from_bootstrap(name: impl Into<String>, b: &BootstrapCi) -> Self {
        Self {
            name: name.into(),
            estimate: b.estimate,
            ci_low: Some(b.percentile.0),
            ci_high: Some(b.percentile.1),
            method: format!(
                "bootstrap percentile {:.0}%, B = {} ({} undefined)",
                100.0 * b.level,
                b.replicates_used,
                b.replicates_failed
            ),
        }
    }

    /// A metric without an interval.
    pub fn point(name: impl Into<String>, estimate: f64) -> Self {
        Self {
            name: name.into(),
            estimate,
            ci_low: None,
            ci_high: None,
            method: "point estimate".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_resampling_keeps_stratum_sizes() {
        let strata = strata_from_labels(&[true, false, false, true, false]);
        let idx = resample_indices(5, Some(&strata), 7, 3);
        assert_eq!(idx.iter().filter(|&&i| i == 0 || i == 3).count(), 2);
        assert_eq!(idx, resample_indices(5, Some(&strata), 7, 3));
        assert_ne!(
            resample_indices(1000, None, 7, 3),
            resample_indices(1000, None, 7, 4)
        );
    }
}
