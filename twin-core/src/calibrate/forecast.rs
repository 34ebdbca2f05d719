//! Forecasts with prediction bands from posterior (or Laplace) draws.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::stats::quantile_sorted;

/// Pointwise central trajectory and prediction band of a forecast.
///
/// The band reflects parameter uncertainty only (each draw's forecast is
/// deterministic); add observation noise in the forecast function to get a
/// band for new measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionBand {
    /// Band level (e.g. 0.9 for the 5%–95% band).
    pub level: f64,
    /// Pointwise median over draws.
    pub median: Vec<f64>,
    /// Pointwise lower quantile `(1 − level)/2`.
    pub lower: Vec<f64>,
    /// Pointwise upper quantile `(1 + level)/2`.
    pub upper: Vec<f64>,
    /// Number of draws used.
    pub n_draws: usize,
}

/// Run `forecast` on every draw (in parallel) and summarise pointwise.
/// Any failing draw is an error (never silently dropped).
pub fn prediction_band<F>(draws: &[Vec<f64>], forecast: F, level: f64) -> Result<PredictionBand>
where
    F: Fn(&[f64]) -> Result<Vec<f64>> + Sync,
{
    if draws.len() < 2 {
        return Err(CoreError::invalid("draws", draws.len(), "at least 2 draws"));
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(CoreError::invalid("level", level, "in (0, 1)"));
    }
    let runs: Vec<Vec<f64>> = draws
        .par_iter()
        .map(|d| forecast(d))
        .collect::<Result<_>>()?;
    let m = runs[0].len();
    if let Some(r) = runs.iter().find(|r| r.len() != m) {
        return Err(CoreError::ShapeMismatch {
            what: "forecast length across draws".into(),
            expected: m.to_string(),
            found: r.len().to_string(),
        });
    }
    let mut median = Vec::with_capacity(m);
    let mut lower = Vec::with_capacity(m);
    let mut upper = Vec::with_capacity(m);
    let mut col = vec![0.0; runs.len()];
    for t in 0..m {
        for (c, r) in col.iter_mut().zip(&runs) {
            *c = r[t];
        }
        if let Some(v) = col.iter().find(|v| !v.is_finite()) {
            return Err(CoreError::invalid(
                format!("forecast[{t}]"),
                v,
                "finite values",
            ));
        }
        col.sort_by(f64::total_cmp);
        median.push(quantile_sorted(&col, 0.5));
        lower.push(quantile_sorted(&col, (1.0 - level) / 2.0));
        upper.push(quantile_sorted(&col, (1.0 + level) / 2.0));
    }
    Ok(PredictionBand {
        level,
        median,
        lower,
        upper,
        n_draws: runs.len(),
    })
}

/// Run a trajectory forecast (`forecast(draw)[time][quantity]`) on every draw in
/// parallel and summarise it as a [`Forecast`](crate::twin::Forecast): pointwise
/// median and equal-tailed `level` band over the draws.
pub fn forecast_from_draws<F>(
    draws: &[Vec<f64>],
    t: Vec<f64>,
    names: Vec<String>,
    forecast: F,
    level: f64,
) -> Result<crate::twin::Forecast>
where
    F: Fn(&[f64]) -> Result<Vec<Vec<f64>>> + Sync,
{
    if draws.is_empty() {
        return Err(CoreError::invalid("draws", 0, "at least 1 draw"));
    }
    let runs: Vec<Vec<Vec<f64>>> = draws
        .par_iter()
        .map(|d| forecast(d))
        .collect::<Result<_>>()?;
    crate::twin::Forecast::from_samples(t, names, &runs, level)
}
