//! Which parameters the data pin down: correlations and interval contraction.

use serde::{Deserialize, Serialize};

use super::laplace::{Laplace, ParameterEstimate};
use super::parameters::ParameterSpec;
use crate::error::{CoreError, Result};

/// |correlation| above which a pair is flagged (practically non-identifiable
/// apart: only a combination of the two is determined).
pub const CORRELATION_FLAG: f64 = 0.95;

/// Posterior-to-reference width ratio above which a parameter is flagged: its
/// 95% interval is barely narrower than its prior 95% interval (or its bounds).
pub const WIDTH_RATIO_FLAG: f64 = 0.7;

/// A pair of strongly correlated parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelatedPair {
    /// First parameter.
    pub a: String,
    /// Second parameter.
    pub b: String,
    /// Their correlation.
    pub correlation: f64,
}

/// How much the data narrowed one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterIdentifiability {
    /// Parameter name.
    pub name: String,
    /// Width of the 95% posterior (or Laplace) interval, natural units.
    pub posterior_width: f64,
    /// Width of the prior 95% interval, or of the bounds without a prior.
    pub reference_width: f64,
    /// `posterior_width / reference_width`.
    pub width_ratio: f64,
    /// `width_ratio > WIDTH_RATIO_FLAG`: the data hardly inform this parameter.
    pub poorly_identified: bool,
}

/// Identifiability report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentifiabilityReport {
    /// Parameter names.
    pub names: Vec<String>,
    /// Correlation matrix.
    pub correlation: Vec<Vec<f64>>,
    /// Pairs with |correlation| > [`CORRELATION_FLAG`].
    pub correlated_pairs: Vec<CorrelatedPair>,
    /// Per-parameter contraction.
    pub parameters: Vec<ParameterIdentifiability>,
}

impl IdentifiabilityReport {
    /// True if no pair and no parameter is flagged.
    pub fn all_identified(&self) -> bool {
        self.correlated_pairs.is_empty() && self.parameters.iter().all(|p| !p.poorly_identified)
    }
}

/// Report from a Laplace approximation.
pub fn from_laplace(laplace: &Laplace) -> Result<IdentifiabilityReport> {
    report(&laplace.specs, &laplace.correlation, &laplace.intervals)
}

/// Report from posterior draws: correlations of the unconstrained values `z`
/// (the space where the Laplace correlations live, where a product `a·b` fixed
/// by the data shows as a straight ridge) and the posterior's 95% intervals.
pub fn from_posterior(
    specs: &[ParameterSpec],
    posterior: &super::mcmc::Posterior,
) -> Result<IdentifiabilityReport> {
    let z: Vec<Vec<f64>> = posterior
        .samples
        .iter()
        .map(|x| specs.iter().zip(x).map(|(s, &x)| s.to_z(x)).collect())
        .collect::<Result<_>>()?;
    report(specs, &sample_correlation(&z)?, &posterior.intervals)
}

/// Report from any correlation matrix and intervals (e.g. computed from MCMC samples).
pub fn report(
    specs: &[ParameterSpec],
    correlation: &[Vec<f64>],
    intervals: &[ParameterEstimate],
) -> Result<IdentifiabilityReport> {
    let p = specs.len();
    if correlation.len() != p || intervals.len() != p || correlation.iter().any(|r| r.len() != p) {
        return Err(CoreError::ShapeMismatch {
            what: "correlation/intervals vs parameters".into(),
            expected: format!("{p}x{p} and {p}"),
            found: format!("{}x? and {}", correlation.len(), intervals.len()),
        });
    }
    let mut correlated_pairs = Vec::new();
    for i in 0..p {
        for j in 0..i {
            if correlation[i][j].abs() > CORRELATION_FLAG {
                correlated_pairs.push(CorrelatedPair {
                    a: specs[j].name.clone(),
                    b: specs[i].name.clone(),
                    correlation: correlation[i][j],
                });
            }
        }
    }
    let parameters = specs
        .iter()
        .zip(intervals)
        .map(|(s, iv)| {
            let (lo, hi) = s.reference_interval();
            let posterior_width = iv.upper - iv.lower;
            let reference_width = hi - lo;
            let width_ratio = posterior_width / reference_width;
            ParameterIdentifiability {
                name: s.name.clone(),
                posterior_width,
                reference_width,
                width_ratio,
                poorly_identified: width_ratio.is_nan() || width_ratio > WIDTH_RATIO_FLAG,
            }
        })
        .collect();
    Ok(IdentifiabilityReport {
        names: specs.iter().map(|s| s.name.clone()).collect(),
        correlation: correlation.to_vec(),
        correlated_pairs,
        parameters,
    })
}

/// Sample correlation matrix of draws (rows = draws).
pub fn sample_correlation(samples: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    let n = samples.len();
    if n < 3 {
        return Err(CoreError::invalid("samples", n, "at least 3 draws"));
    }
    let p = samples[0].len();
    let mean: Vec<f64> = (0..p)
        .map(|j| samples.iter().map(|x| x[j]).sum::<f64>() / n as f64)
        .collect();
    let cov = |i: usize, j: usize| {
        samples
            .iter()
            .map(|x| (x[i] - mean[i]) * (x[j] - mean[j]))
            .sum::<f64>()
    };
    let sd: Vec<f64> = (0..p).map(|i| cov(i, i).sqrt()).collect();
    Ok((0..p)
        .map(|i| (0..p).map(|j| cov(i, j) / (sd[i] * sd[j])).collect())
        .collect())
}
