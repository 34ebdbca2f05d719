//! Named metrics that can be evaluated on any subset of patients, and paired comparison of
//! two predictors on the same patients (bootstrap CI of the difference; both predictors
//! are always scored on the same resampled patients).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::binary;
use crate::bootstrap::{BootstrapConfig, bootstrap, strata_from_labels};
use crate::check;
use crate::error::Result;
use crate::survival;

/// A binary-outcome metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum BinaryMetric {
    /// ROC AUC.
    Auc,
    /// Brier score (lower is better).
    Brier,
    /// Log loss (lower is better).
    LogLoss,
    /// Accuracy of `p >= threshold`.
    Accuracy(f64),
    /// Sensitivity (true-positive rate) of `p >= threshold`.
    Sensitivity(f64),
    /// False-positive rate of `p >= threshold`.
    FalsePositiveRate(f64),
    /// Mean observed − mean predicted (calibration-in-the-large on the probability scale).
    CalibrationDifference,
}

impl BinaryMetric {
    /// Short name used in reports.
    pub fn name(&self) -> String {
        match self {
            Self::Auc => "auc".into(),
            Self::Brier => "brier".into(),
            Self::LogLoss => "log_loss".into(),
            Self::Accuracy(t) => format!("accuracy@{t}"),
            Self::Sensitivity(t) => format!("sensitivity@{t}"),
            Self::FalsePositiveRate(t) => format!("fpr@{t}"),
            Self::CalibrationDifference => "observed_minus_predicted".into(),
        }
    }

    /// Evaluate on all patients.
    pub fn compute(&self, labels: &[bool], probs: &[f64]) -> Result<f64> {
        let undefined =
            |what: &str| crate::ValidateError::undefined(what, "no patients in the required class");
        match *self {
            Self::Auc => binary::auc(labels, probs),
            Self::Brier => binary::brier_score(labels, probs),
            Self::LogLoss => binary::log_loss(labels, probs),
            Self::Accuracy(t) => binary::accuracy(labels, probs, t),
            Self::Sensitivity(t) => binary::confusion_matrix(labels, probs, t)?
                .sensitivity()
                .ok_or_else(|| undefined("sensitivity")),
            Self::FalsePositiveRate(t) => binary::confusion_matrix(labels, probs, t)?
                .false_positive_rate()
                .ok_or_else(|| undefined("false-positive rate")),
            Self::CalibrationDifference => {
                check::binary(labels, probs, "probs")?;
                let n = labels.len() as f64;
                Ok(
                    labels.iter().filter(|&&y| y).count() as f64 / n
                        - probs.iter().sum::<f64>() / n,
                )
            }
        }
    }

    /// Evaluate on the patients `idx` (with repeats, as in a bootstrap sample).
    pub fn on(&self, labels: &[bool], probs: &[f64], idx: &[usize]) -> Result<f64> {
        check::same_len("labels", labels.len(), "probs", probs.len())?;
        let y: Vec<bool> = idx.iter().map(|&i| labels[i]).collect();
        let p: Vec<f64> = idx.iter().map(|&i| probs[i]).collect();
        self.compute(&y, &p)
    }
}

/// A survival-outcome metric of a risk score (higher = shorter survival).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum SurvivalMetric {
    /// Harrell's C.
    HarrellC,
    /// Uno's C with optional truncation time τ (G fitted on the evaluated patients).
    UnoC(Option<f64>),
}

impl SurvivalMetric {
    /// Short name used in reports.
    pub fn name(&self) -> String {
        match self {
            Self::HarrellC => "harrell_c".into(),
            Self::UnoC(None) => "uno_c".into(),
            Self::UnoC(Some(t)) => format!("uno_c@tau={t}"),
        }
    }

    /// Evaluate on all patients.
    pub fn compute(&self, time: &[f64], event: &[bool], risk: &[f64]) -> Result<f64> {
        Ok(match *self {
            Self::HarrellC => survival::harrell_c(time, event, risk)?.c_index,
            Self::UnoC(tau) => survival::uno_c(time, event, risk, tau, None)?.c_index,
        })
    }

    /// Evaluate on the patients `idx`.
    pub fn on(&self, time: &[f64], event: &[bool], risk: &[f64], idx: &[usize]) -> Result<f64> {
        check::same_len("time", time.len(), "event", event.len())?;
        check::same_len("time", time.len(), "risk", risk.len())?;
        let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
        let e: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
        let r: Vec<f64> = idx.iter().map(|&i| risk[i]).collect();
        self.compute(&t, &e, &r)
    }
}

/// Two predictors compared on the same patients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedComparison {
    /// Metric name.
    pub metric: String,
    /// Metric of predictor A.
    pub a: f64,
    /// Metric of predictor B.
    pub b: f64,
    /// A − B.
    pub difference: f64,
    /// Percentile bootstrap interval of the difference.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Bootstrap standard error of the difference.
    pub se: f64,
    /// Two-sided p-value of difference / se against N(0, 1) (a Wald approximation).
    pub p_value: f64,
    /// Confidence level.
    pub level: f64,
    /// Replicates used.
    pub replicates_used: usize,
}

/// Paired bootstrap of `pair(idx) = (metric_A, metric_B)` on resampled patients.
pub fn paired_bootstrap<F>(
    name: &str,
    n: usize,
    strata: Option<&[Vec<usize>]>,
    cfg: &BootstrapConfig,
    pair: F,
) -> Result<PairedComparison>
where
    F: Fn(&[usize]) -> Result<(f64, f64)> + Sync,
{
    let all: Vec<usize> = (0..n).collect();
    let (a, b) = pair(&all)?;
    let d = bootstrap(n, strata, cfg, |idx| pair(idx).map(|(a, b)| a - b))?;
    let p_value = if d.se > 0.0 {
        2.0 * Normal::standard().sf((d.estimate / d.se).abs())
    } else {
        1.0
    };
    Ok(PairedComparison {
        metric: name.into(),
        a,
        b,
        difference: d.estimate,
        ci_low: d.percentile.0,
        ci_high: d.percentile.1,
        se: d.se,
        p_value,
        level: d.level,
        replicates_used: d.replicates_used,
    })
}

/// Compare two probability predictions of a binary outcome (class-stratified bootstrap).
pub fn compare_binary(
    labels: &[bool],
    probs_a: &[f64],
    probs_b: &[f64],
    metric: BinaryMetric,
    cfg: &BootstrapConfig,
) -> Result<PairedComparison> {
    check::binary(labels, probs_a, "probs_a")?;
    check::binary(labels, probs_b, "probs_b")?;
    let strata = strata_from_labels(labels);
    paired_bootstrap(&metric.name(), labels.len(), Some(&strata), cfg, |idx| {
        Ok((
            metric.on(labels, probs_a, idx)?,
            metric.on(labels, probs_b, idx)?,
        ))
    })
}

/// Compare two risk scores of a survival outcome.
pub fn compare_survival(
    time: &[f64],
    event: &[bool],
    risk_a: &[f64],
    risk_b: &[f64],
    metric: SurvivalMetric,
    cfg: &BootstrapConfig,
) -> Result<PairedComparison> {
    check::survival(time, event, Some(risk_a))?;
    check::survival(time, event, Some(risk_b))?;
    paired_bootstrap(&metric.name(), time.len(), None, cfg, |idx| {
        Ok((
            metric.on(time, event, risk_a, idx)?,
            metric.on(time, event, risk_b, idx)?,
        ))
    })
}
