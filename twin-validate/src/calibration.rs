//! Calibration of predicted probabilities: calibration-in-the-large and slope (logistic
//! recalibration, Cox 1958; Steyerberg 2019 ch. 15), binned calibration curves
//! (as `sklearn.calibration.calibration_curve`), Hosmer–Lemeshow (Hosmer & Lemeshow 1980).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};
use twin_core::stats::quantile_sorted;

use crate::baseline::logistic::logit;
use crate::baseline::{LogisticOptions, LogisticRegression};
use crate::check;
use crate::error::{Result, ValidateError};

fn logits(probs: &[f64]) -> Result<Vec<f64>> {
    check::probabilities("probs", probs)?;
    if let Some((i, p)) = probs
        .iter()
        .enumerate()
        .find(|(_, p)| **p <= 0.0 || **p >= 1.0)
    {
        return Err(ValidateError::invalid(
            format!("probs[{i}]"),
            p,
            "(0, 1) exclusive for logistic recalibration",
        ));
    }
    Ok(probs.iter().map(|&p| logit(p)).collect())
}

/// Logistic recalibration of predicted probabilities on observed outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Recalibration {
    /// Calibration-in-the-large: intercept a of logit P(y) = a + logit(p) (slope fixed at 1);
    /// 0 when calibrated, > 0 when the model under-predicts.
    pub citl: f64,
    /// Calibration slope b of logit P(y) = a' + b·logit(p); 1 ideal, < 1 over-fitted.
    pub slope: f64,
    /// Intercept a' that goes with the slope.
    pub slope_intercept: f64,
    /// Mean observed outcome.
    pub mean_observed: f64,
    /// Mean predicted probability.
    pub mean_predicted: f64,
}

/// Calibration-in-the-large and calibration slope.
pub fn recalibration(labels: &[bool], probs: &[f64]) -> Result<Recalibration> {
    check::binary(labels, probs, "probs")?;
    let lg = logits(probs)?;
    let citl_fit = LogisticRegression::fit(
        &vec![vec![]; labels.len()],
        labels,
        &LogisticOptions {
            offset: Some(lg.clone()),
            ..Default::default()
        },
    )?;
    let rows: Vec<Vec<f64>> = lg.iter().map(|&l| vec![l]).collect();
    let slope_fit = LogisticRegression::fit(&rows, labels, &LogisticOptions::default())?;
    let n = labels.len() as f64;
    Ok(Recalibration {
        citl: citl_fit.coefficients[0].estimate,
        slope: slope_fit.coefficients[1].estimate,
        slope_intercept: slope_fit.coefficients[0].estimate,
        mean_observed: labels.iter().filter(|&&y| y).count() as f64 / n,
        mean_predicted: probs.iter().sum::<f64>() / n,
    })
}

/// How the bins of a calibration curve are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinStrategy {
    /// Equal-width bins on [0, 1].
    Uniform,
    /// Edges at quantiles of the predictions (equal counts).
    Quantile,
}

/// One non-empty bin of a calibration curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Patients in the bin.
    pub n: usize,
    /// Mean predicted probability.
    pub predicted: f64,
    /// Observed event fraction.
    pub observed: f64,
}

/// Binned calibration curve; a prediction equal to an inner edge falls in the lower bin
/// (sklearn's `searchsorted` rule). Empty bins are omitted.
pub fn calibration_curve(
    labels: &[bool],
    probs: &[f64],
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<Vec<CalibrationBin>> {
    check::binary(labels, probs, "probs")?;
    check::probabilities("probs", probs)?;
    if n_bins == 0 {
        return Err(ValidateError::invalid("n_bins", 0, ">= 1"));
    }
    let edges: Vec<f64> = match strategy {
        BinStrategy::Uniform => (0..=n_bins).map(|k| k as f64 / n_bins as f64).collect(),
        BinStrategy::Quantile => {
            let mut s = probs.to_vec();
            s.sort_by(f64::total_cmp);
            (0..=n_bins)
                .map(|k| quantile_sorted(&s, k as f64 / n_bins as f64))
                .collect()
        }
    };
    let inner = &edges[1..n_bins];
    let mut acc = vec![(0usize, 0.0, 0.0); n_bins];
    for (&y, &p) in labels.iter().zip(probs) {
        let b = inner.partition_point(|&e| e < p);
        acc[b].0 += 1;
        acc[b].1 += p;
        acc[b].2 += f64::from(u8::from(y));
    }
    Ok(acc
        .into_iter()
        .filter(|a| a.0 > 0)
        .map(|(n, sp, sy)| CalibrationBin {
            n,
            predicted: sp / n as f64,
            observed: sy / n as f64,
        })
        .collect())
}

/// Hosmer–Lemeshow goodness-of-fit result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HosmerLemeshow {
    /// Σ_g (O_g − E_g)² / (E_g (1 − E_g / n_g)).
    pub statistic: f64,
    /// Degrees of freedom, groups − 2.
    pub df: usize,
    /// p-value from χ²(df).
    pub p_value: f64,
}

/// Hosmer–Lemeshow test with `groups` groups of (nearly) equal size after sorting by the
/// prediction (the first n mod g groups hold one extra patient, as numpy's `array_split`).
pub fn hosmer_lemeshow(labels: &[bool], probs: &[f64], groups: usize) -> Result<HosmerLemeshow> {
    check::binary(labels, probs, "probs")?;
    check::probabilities("probs", probs)?;
    let n = labels.len();
    if groups < 3 || groups > n {
        return Err(ValidateError::invalid("groups", groups, format!("3..={n}")));
    }
    let order = check::argsort(probs);
    let (base, extra) = (n / groups, n % groups);
    let mut start = 0;
    let mut statistic = 0.0;
    for g in 0..groups {
        let len = base + usize::from(g < extra);
        let idx = &order[start..start + len];
        start += len;
        let o = idx.iter().filter(|&&i| labels[i]).count() as f64;
        let e: f64 = idx.iter().map(|&i| probs[i]).sum();
        let denom = e * (1.0 - e / len as f64);
        if denom <= 0.0 {
            return Err(ValidateError::undefined(
                "Hosmer-Lemeshow statistic",
                format!("group {g} has expected events {e} of {len} (0 or all)"),
            ));
        }
        statistic += (o - e).powi(2) / denom;
    }
    let df = groups - 2;
    let chi = ChiSquared::new(df as f64).expect("df >= 1");
    Ok(HosmerLemeshow {
        statistic,
        df,
        p_value: chi.sf(statistic),
    })
}
