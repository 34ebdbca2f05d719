//! Continuous outcomes (HbA1c, eGFR, tumour volume, …): error metrics, agreement,
//! prediction-interval coverage and the continuous ranked probability score.

use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::{Result, ValidateError};

/// Point-prediction accuracy on one outcome, in the outcome's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContinuousMetrics {
    /// Number of patients.
    pub n: usize,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean of predicted − observed.
    pub bias: f64,
    /// Coefficient of determination 1 − SS_res / SS_tot (as `sklearn.metrics.r2_score`).
    pub r2: f64,
    /// Lin's (1989) concordance correlation coefficient (population moments).
    pub ccc: f64,
}

/// MAE, RMSE, bias, R² and CCC of `predicted` against `observed`.
pub fn continuous_metrics(observed: &[f64], predicted: &[f64]) -> Result<ContinuousMetrics> {
    check::min_len("observed", observed.len(), 2)?;
    check::same_len("observed", observed.len(), "predicted", predicted.len())?;
    check::finite("observed", observed)?;
    check::finite("predicted", predicted)?;
    let n = observed.len() as f64;
    let my = observed.iter().sum::<f64>() / n;
    let mp = predicted.iter().sum::<f64>() / n;
    let (mut abs, mut sq, mut sum_d, mut ss_tot, mut vp, mut cov) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (&y, &p) in observed.iter().zip(predicted) {
        let d = p - y;
        abs += d.abs();
        sq += d * d;
        sum_d += d;
        ss_tot += (y - my).powi(2);
        vp += (p - mp).powi(2);
        cov += (y - my) * (p - mp);
    }
    if ss_tot == 0.0 {
        return Err(ValidateError::undefined(
            "R² and CCC",
            "the observed values are all equal",
        ));
    }
    Ok(ContinuousMetrics {
        n: observed.len(),
        mae: abs / n,
        rmse: (sq / n).sqrt(),
        bias: sum_d / n,
        r2: 1.0 - sq / ss_tot,
        ccc: 2.0 * cov / n / (ss_tot / n + vp / n + (my - mp).powi(2)),
    })
}

/// Coverage of prediction intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntervalCoverage {
    /// Fraction of observations inside [lower, upper] (inclusive).
    pub coverage: f64,
    /// Mean width upper − lower, in the outcome's unit.
    pub mean_width: f64,
    /// Number of observations.
    pub n: usize,
}

/// Coverage and mean width of prediction intervals `[lower_i, upper_i]`.
pub fn interval_coverage(
    observed: &[f64],
    lower: &[f64],
    upper: &[f64],
) -> Result<IntervalCoverage> {
    check::min_len("observed", observed.len(), 1)?;
    check::same_len("observed", observed.len(), "lower", lower.len())?;
    check::same_len("observed", observed.len(), "upper", upper.len())?;
    for (name, x) in [("observed", observed), ("lower", lower), ("upper", upper)] {
        check::finite(name, x)?;
    }
    if let Some(i) = (0..lower.len()).find(|&i| lower[i] > upper[i]) {
        return Err(ValidateError::invalid(
            format!("lower[{i}]"),
            lower[i],
            format!("<= upper[{i}] = {}", upper[i]),
        ));
    }
    let n = observed.len();
    let inside = (0..n)
        .filter(|&i| lower[i] <= observed[i] && observed[i] <= upper[i])
        .count();
    let width: f64 = (0..n).map(|i| upper[i] - lower[i]).sum();
    Ok(IntervalCoverage {
        coverage: inside as f64 / n as f64,
        mean_width: width / n as f64,
        n,
    })
}

/// CRPS of an ensemble/posterior `samples` for observation `y`:
/// E|X − y| − ½ E|X − X'| (Gneiting & Raftery 2007, eq. 21), in O(m log m) by sorting:
/// E|X − X'| = 2/m² Σ_i (2i − m − 1) x_(i).
pub fn crps_samples(samples: &[f64], y: f64) -> Result<f64> {
    check::min_len("samples", samples.len(), 1)?;
    check::finite("samples", samples)?;
    check::finite("y", &[y])?;
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() as f64;
    let e1 = s.iter().map(|x| (x - y).abs()).sum::<f64>() / m;
    let e2 = 2.0 / (m * m)
        * s.iter()
            .enumerate()
            .map(|(i, x)| (2.0 * (i + 1) as f64 - m - 1.0) * x)
            .sum::<f64>();
    Ok(e1 - 0.5 * e2)
}
