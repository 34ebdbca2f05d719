//! Binary outcomes: threshold metrics, ROC/AUC, Brier score, log loss, decision curves,
//! McNemar's test.
//!
//! Conventions: `labels[i] == true` is an event (positive outcome); `probs`/`scores` are
//! higher for a more likely event. A patient is predicted positive when `p >= threshold`.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

use crate::check;
use crate::error::{Result, ValidateError};

/// Counts of a 2×2 confusion matrix at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Predicted positive, outcome positive.
    pub tp: u64,
    /// Predicted positive, outcome negative.
    pub fp: u64,
    /// Predicted negative, outcome negative.
    pub tn: u64,
    /// Predicted negative, outcome positive.
    pub fn_: u64,
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl ConfusionMatrix {
    /// Number of patients.
    pub fn n(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }
    /// (TP + TN) / n; `None` when n = 0.
    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.tp + self.tn, self.n())
    }
    /// Sensitivity (recall, true-positive rate) TP / (TP + FN).
    pub fn sensitivity(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }
    /// Specificity TN / (TN + FP).
    pub fn specificity(&self) -> Option<f64> {
        ratio(self.tn, self.tn + self.fp)
    }
    /// False-positive rate FP / (FP + TN).
    pub fn false_positive_rate(&self) -> Option<f64> {
        ratio(self.fp, self.tn + self.fp)
    }
    /// Positive predictive value (precision) TP / (TP + FP).
    pub fn ppv(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }
    /// Negative predictive value TN / (TN + FN).
    pub fn npv(&self) -> Option<f64> {
        ratio(self.tn, self.tn + self.fn_)
    }
    /// Balanced accuracy (sensitivity + specificity) / 2.
    pub fn balanced_accuracy(&self) -> Option<f64> {
        Some(0.5 * (self.sensitivity()? + self.specificity()?))
    }
    /// F1 = 2 TP / (2 TP + FP + FN).
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
}

/// Confusion matrix of `probs >= threshold` against `labels`.
pub fn confusion_matrix(labels: &[bool], probs: &[f64], threshold: f64) -> Result<ConfusionMatrix> {
    check::binary(labels, probs, "probs")?;
    if !threshold.is_finite() {
        return Err(ValidateError::invalid(
            "threshold",
            threshold,
            "a finite number",
        ));
    }
    let mut m = ConfusionMatrix {
        tp: 0,
        fp: 0,
        tn: 0,
        fn_: 0,
    };
    for (&y, &p) in labels.iter().zip(probs) {
        match (p >= threshold, y) {
            (true, true) => m.tp += 1,
            (true, false) => m.fp += 1,
            (false, false) => m.tn += 1,
            (false, true) => m.fn_ += 1,
        }
    }
    Ok(m)
}

/// All threshold metrics at one threshold (undefined ratios are `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdMetrics {
    /// Threshold used (positive when `p >= threshold`).
    pub threshold: f64,
    /// The counts.
    pub confusion: ConfusionMatrix,
    /// Accuracy.
    pub accuracy: Option<f64>,
    /// Balanced accuracy.
    pub balanced_accuracy: Option<f64>,
    /// Sensitivity.
    pub sensitivity: Option<f64>,
    /// Specificity.
    pub specificity: Option<f64>,
    /// Positive predictive value.
    pub ppv: Option<f64>,
    /// Negative predictive value.
    pub npv: Option<f64>,
    /// F1 score.
    pub f1: Option<f64>,
}

/// Every threshold metric of `probs >= threshold`.
pub fn threshold_metrics(
    labels: &[bool],
    probs: &[f64],
    threshold: f64,
) -> Result<ThresholdMetrics> {
    let c = confusion_matrix(labels, probs, threshold)?;
    Ok(ThresholdMetrics {
        threshold,
        confusion: c,
        accuracy: c.accuracy(),
        balanced_accuracy: c.balanced_accuracy(),
        sensitivity: c.sensitivity(),
        specificity: c.specificity(),
        ppv: c.ppv(),
        npv: c.npv(),
        f1: c.f1(),
    })
}

/// Accuracy of `probs >= threshold`.
pub fn accuracy(labels: &[bool], probs: &[f64], threshold: f64) -> Result<f64> {
    let c = confusion_matrix(labels, probs, threshold)?;
    Ok((c.tp + c.tn) as f64 / c.n() as f64)
}

/// Midranks (1-based, ties get the mean of their ranks) of `x` in ascending order.
pub(crate) fn midranks(x: &[f64]) -> Vec<f64> {
    let order = check::argsort(x);
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && x[order[j]] == x[order[i]] {
            j += 1;
        }
        let rank = 0.5 * ((i + 1) + j) as f64;
        for &k in &order[i..j] {
            r[k] = rank;
        }
        i = j;
    }
    r
}

/// Area under the ROC curve (Mann–Whitney statistic; tied scores count 1/2).
///
/// Equals `sklearn.metrics.roc_auc_score`. Errors if a class is missing or a score is not finite.
pub fn auc(labels: &[bool], scores: &[f64]) -> Result<f64> {
    check::binary(labels, scores, "scores")?;
    let (n1, n0) = check::both_classes("labels", labels)?;
    let r = midranks(scores);
    let sum_pos: f64 = r
        .iter()
        .zip(labels)
        .filter(|(_, y)| **y)
        .map(|(r, _)| r)
        .sum();
    let n1f = n1 as f64;
    Ok((sum_pos - n1f * (n1f + 1.0) / 2.0) / (n1f * n0 as f64))
}

/// An empirical ROC curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    /// False-positive rate at each threshold, starting at 0.
    pub fpr: Vec<f64>,
    /// True-positive rate at each threshold, starting at 0.
    pub tpr: Vec<f64>,
    /// Thresholds (decreasing); the first is `f64::MAX` (above every score: nobody
    /// positive), finite so that the curve survives a JSON round trip.
    pub thresholds: Vec<f64>,
}

/// ROC curve with one point per distinct score (ties move diagonally, as in sklearn).
pub fn roc_curve(labels: &[bool], scores: &[f64]) -> Result<RocCurve> {
    check::binary(labels, scores, "scores")?;
    let (n1, n0) = check::both_classes("labels", labels)?;
    let mut order = check::argsort(scores);
    order.reverse();
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut c = RocCurve {
        fpr: vec![0.0],
        tpr: vec![0.0],
        thresholds: vec![f64::MAX],
    };
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            if labels[order[i]] {
                tp += 1
            } else {
                fp += 1
            }
            i += 1;
        }
        c.fpr.push(fp as f64 / n0 as f64);
        c.tpr.push(tp as f64 / n1 as f64);
        c.thresholds.push(s);
    }
    Ok(c)
}

/// Brier score: mean squared difference between probability and outcome (0/1).
pub fn brier_score(labels: &[bool], probs: &[f64]) -> Result<f64> {
    check::binary(labels, probs, "probs")?;
    check::probabilities("probs", probs)?;
    let s: f64 = labels
        .iter()
        .zip(probs)
        .map(|(&y, &p)| (p - f64::from(u8::from(y))).powi(2))
        .sum();
    Ok(s / labels.len() as f64)
}

/// Mean negative log-likelihood (natural log); probabilities are clipped to
/// [ε, 1 − ε] with ε = `f64::EPSILON`, as `sklearn.metrics.log_loss` does.
pub fn log_loss(labels: &[bool], probs: &[f64]) -> Result<f64> {
    check::binary(labels, probs, "probs")?;
    check::probabilities("probs", probs)?;
    let eps = f64::EPSILON;
    let s: f64 = labels
        .iter()
        .zip(probs)
        .map(|(&y, &p)| {
            let p = p.clamp(eps, 1.0 - eps);
            if y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    Ok(s / labels.len() as f64)
}

/// One point of a decision curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecisionPoint {
    /// Threshold probability p_t at which a clinician would treat.
    pub threshold: f64,
    /// Net benefit of treating patients with `p >= p_t`.
    pub model: f64,
    /// Net benefit of treating everyone.
    pub treat_all: f64,
}

/// Net benefit (Vickers & Elkin 2006): TP/n − FP/n · p_t/(1 − p_t).
pub fn net_benefit(labels: &[bool], probs: &[f64], threshold: f64) -> Result<f64> {
    if !(threshold > 0.0 && threshold < 1.0) {
        return Err(ValidateError::invalid("threshold", threshold, "(0, 1)"));
    }
    let c = confusion_matrix(labels, probs, threshold)?;
    let n = c.n() as f64;
    Ok(c.tp as f64 / n - c.fp as f64 / n * threshold / (1.0 - threshold))
}

/// Decision curve: net benefit of the model and of treating everyone at each threshold.
pub fn decision_curve(
    labels: &[bool],
    probs: &[f64],
    thresholds: &[f64],
) -> Result<Vec<DecisionPoint>> {
    let prevalence = labels.iter().filter(|&&y| y).count() as f64 / labels.len().max(1) as f64;
    thresholds
        .iter()
        .map(|&t| {
            Ok(DecisionPoint {
                threshold: t,
                model: net_benefit(labels, probs, t)?,
                treat_all: prevalence - (1.0 - prevalence) * t / (1.0 - t),
            })
        })
        .collect()
}

/// McNemar's test of two classifiers on the same patients.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// Patients A classified correctly and B wrongly.
    pub a_only: u64,
    /// Patients B classified correctly and A wrongly.
    pub b_only: u64,
    /// Continuity-corrected statistic (|b − c| − 1)² / (b + c), χ²(1).
    pub statistic: f64,
    /// p-value of the corrected χ² statistic.
    pub p_value: f64,
    /// Exact two-sided binomial p-value, min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, 1/2).
    pub exact_p_value: f64,
}

/// McNemar's test on per-patient correctness of classifiers A and B.
pub fn mcnemar(correct_a: &[bool], correct_b: &[bool]) -> Result<McNemar> {
    check::min_len("correct_a", correct_a.len(), 1)?;
    check::same_len("correct_a", correct_a.len(), "correct_b", correct_b.len())?;
    let b = correct_a
        .iter()
        .zip(correct_b)
        .filter(|(a, b)| **a && !**b)
        .count() as u64;
    let c = correct_a
        .iter()
        .zip(correct_b)
        .filter(|(a, b)| !**a && **b)
        .count() as u64;
    if b + c == 0 {
        return Err(ValidateError::undefined(
            "McNemar's test",
            "the classifiers agree on every patient (no discordant pairs)",
        ));
    }
    let statistic = ((b as f64 - c as f64).abs() - 1.0).max(0.0).powi(2) / (b + c) as f64;
    let chi = ChiSquared::new(1.0).expect("1 degree of freedom is valid");
    let bin = Binomial::new(0.5, b + c).expect("p = 0.5 is valid");
    Ok(McNemar {
        a_only: b,
        b_only: c,
        statistic,
        p_value: chi.sf(statistic),
        exact_p_value: (2.0 * bin.cdf(b.min(c))).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midranks_average_ties() {
        assert_eq!(midranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn undefined_ratios_are_none() {
        let c = confusion_matrix(&[false, false], &[0.9, 0.1], 0.5).unwrap();
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (0, 1, 1, 0));
        assert_eq!(c.sensitivity(), None);
        assert_eq!(c.specificity(), Some(0.5));
        assert_eq!(c.balanced_accuracy(), None);
    }

    #[test]
    fn roc_curve_area_equals_auc() {
        let y = [true, false, true, true, false, false, true];
        let s = [0.9, 0.8, 0.8, 0.4, 0.3, 0.3, 0.1];
        let c = roc_curve(&y, &s).unwrap();
        let area: f64 = (1..c.fpr.len())
            .map(|k| 0.5 * (c.tpr[k] + c.tpr[k - 1]) * (c.fpr[k] - c.fpr[k - 1]))
            .sum();
        assert!((area - auc(&y, &s).unwrap()).abs() < 1e-15);
        assert_eq!((c.fpr[c.fpr.len() - 1], c.tpr[c.tpr.len() - 1]), (1.0, 1.0));
    }
}
