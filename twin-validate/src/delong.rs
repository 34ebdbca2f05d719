//! DeLong's variance of the AUC and the paired DeLong test for two predictors on the same
//! patients (DeLong, DeLong & Clarke-Pearson 1988, Biometrics 44:837), computed with the
//! midrank algorithm of Sun & Xu (2014, IEEE Signal Process Lett 21:1389) in O(n log n).

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::binary::midranks;
use crate::check;
use crate::error::Result;

/// Structural components: V10 for each positive, V01 for each negative, and the AUC.
fn components(labels: &[bool], scores: &[f64]) -> Result<(f64, Vec<f64>, Vec<f64>)> {
    check::binary(labels, scores, "scores")?;
    let (n1, n0) = check::both_classes("labels", labels)?;
    let pos: Vec<f64> = scores
        .iter()
        .zip(labels)
        .filter(|(_, y)| **y)
        .map(|(s, _)| *s)
        .collect();
    let neg: Vec<f64> = scores
        .iter()
        .zip(labels)
        .filter(|(_, y)| !**y)
        .map(|(s, _)| *s)
        .collect();
    let all: Vec<f64> = pos.iter().chain(&neg).copied().collect();
    let (r_all, r_pos, r_neg) = (midranks(&all), midranks(&pos), midranks(&neg));
    let (n1f, n0f) = (n1 as f64, n0 as f64);
    // V10_i = P(score_i > negative) + ½P(tie); V01_j = P(positive > score_j) + ½P(tie).
    let v10: Vec<f64> = (0..n1).map(|i| (r_all[i] - r_pos[i]) / n0f).collect();
    let v01: Vec<f64> = (0..n0)
        .map(|j| 1.0 - (r_all[n1 + j] - r_neg[j]) / n1f)
        .collect();
    let auc = v10.iter().sum::<f64>() / n1f;
    Ok((auc, v10, v01))
}

fn cov(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (n - 1.0)
}

/// AUC with its DeLong standard error and Wald confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AucDeLong {
    /// Area under the ROC curve.
    pub auc: f64,
    /// DeLong variance of the AUC.
    pub variance: f64,
    /// Lower bound of the (1 − α) Wald interval, clipped to [0, 1].
    pub ci_low: f64,
    /// Upper bound, clipped to [0, 1].
    pub ci_high: f64,
}

/// AUC with DeLong variance and a `level` (e.g. 0.95) Wald interval.
///
/// With one patient in a class the variance uses n − 1 = 0 and is returned as 0 for that part.
pub fn auc_delong(labels: &[bool], scores: &[f64], level: f64) -> Result<AucDeLong> {
    let z = crate::bootstrap::z_for_level(level)?;
    let (auc, v10, v01) = components(labels, scores)?;
    let part = |v: &[f64]| {
        if v.len() > 1 {
            cov(v, v) / v.len() as f64
        } else {
            0.0
        }
    };
    let variance = part(&v10) + part(&v01);
    let se = variance.sqrt();
    Ok(AucDeLong {
        auc,
        variance,
        ci_low: (auc - z * se).max(0.0),
        ci_high: (auc + z * se).min(1.0),
    })
}

/// Paired DeLong comparison of two predictors scored on the same patients.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeLongTest {
    /// AUC of predictor A.
    pub auc_a: f64,
    /// AUC of predictor B.
    pub auc_b: f64,
    /// AUC_A − AUC_B.
    pub difference: f64,
    /// Variance of the difference (var A + var B − 2 cov).
    pub variance: f64,
    /// z statistic difference / sqrt(variance).
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower bound of the 95% interval of the difference.
    pub ci_low: f64,
    /// Upper bound of the 95% interval of the difference.
    pub ci_high: f64,
}

/// Paired DeLong test of AUC_A = AUC_B.
pub fn delong_test(labels: &[bool], scores_a: &[f64], scores_b: &[f64]) -> Result<DeLongTest> {
    check::same_len("scores_a", scores_a.len(), "scores_b", scores_b.len())?;
    let (auc_a, a10, a01) = components(labels, scores_a)?;
    let (auc_b, b10, b01) = components(labels, scores_b)?;
    let part = |x: &[f64], y: &[f64]| {
        if x.len() > 1 {
            cov(x, y) / x.len() as f64
        } else {
            0.0
        }
    };
    let var_a = part(&a10, &a10) + part(&a01, &a01);
    let var_b = part(&b10, &b10) + part(&b01, &b01);
    let cov_ab = part(&a10, &b10) + part(&a01, &b01);
    let variance = (var_a + var_b - 2.0 * cov_ab).max(0.0);
    let difference = auc_a - auc_b;
    let se = variance.sqrt();
    let normal = Normal::standard();
    let (z, p_value) = if se > 0.0 {
        let z = difference / se;
        (z, 2.0 * normal.sf(z.abs()))
    } else {
        (0.0, if difference == 0.0 { 1.0 } else { 0.0 })
    };
    let zc = normal.inverse_cdf(0.975);
    Ok(DeLongTest {
        auc_a,
        auc_b,
        difference,
        variance,
        z,
        p_value,
        ci_low: difference - zc * se,
        ci_high: difference + zc * se,
    })
}
