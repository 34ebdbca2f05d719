//! Time-dependent metrics: cumulative/dynamic AUC, IPCW Brier score, integrated Brier
//! score, calibration at a time point by risk group, observed/expected ratio.
//!
//! IPCW definitions follow scikit-survival 0.28 (`cumulative_dynamic_auc`, `brier_score`,
//! `integrated_brier_score`; Uno et al. 2007, Graf et al. 1999): the censoring distribution
//! G is fitted on the training outcomes and read right-continuously.

use serde::{Deserialize, Serialize};

use super::SurvivalOutcomes;
use super::km::{CensoringDistribution, kaplan_meier};
use crate::check;
use crate::error::{Result, ValidateError};

/// Cumulative/dynamic AUC at several times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeDependentAuc {
    /// Evaluation times.
    pub times: Vec<f64>,
    /// AUC(t): cases t_i <= t with an event (weight 1/G(t_i)), controls t_j > t.
    pub auc: Vec<f64>,
    /// Mean AUC weighted by the Kaplan–Meier drop of the test set over the times.
    pub mean_auc: f64,
}

fn check_times(field: &str, times: &[f64]) -> Result<()> {
    check::min_len(field, times.len(), 1)?;
    check::times(field, times)?;
    if times.windows(2).any(|w| w[1] <= w[0]) {
        return Err(ValidateError::invalid(
            field,
            "not increasing",
            "strictly increasing times",
        ));
    }
    Ok(())
}

/// Cumulative/dynamic AUC of `risk` (higher = earlier event) on the `test` outcomes at `times`.
pub fn cumulative_dynamic_auc(
    train: SurvivalOutcomes<'_>,
    test: SurvivalOutcomes<'_>,
    risk: &[f64],
    times: &[f64],
) -> Result<TimeDependentAuc> {
    check::survival(test.time, test.event, Some(risk))?;
    check_times("times", times)?;
    let g = CensoringDistribution::fit(train);
    let ipcw: Vec<f64> = (0..test.len())
        .map(|i| {
            if test.event[i] {
                g.positive_at(test.time[i]).map(|g| 1.0 / g)
            } else {
                Ok(0.0)
            }
        })
        .collect::<Result<_>>()?;
    let mut order = check::argsort(risk);
    order.reverse();
    let mut auc = Vec::with_capacity(times.len());
    for &t in times {
        let (mut num, mut cases_above, mut case_w, mut controls) = (0.0, 0.0, 0.0, 0.0);
        let mut k = 0;
        while k < order.len() {
            let r = risk[order[k]];
            let (mut wc, mut cc) = (0.0, 0.0);
            while k < order.len() && risk[order[k]] == r {
                let i = order[k];
                if test.event[i] && test.time[i] <= t {
                    wc += ipcw[i];
                } else if test.time[i] > t {
                    cc += 1.0;
                }
                k += 1;
            }
            num += cc * (cases_above + 0.5 * wc);
            cases_above += wc;
            case_w += wc;
            controls += cc;
        }
        if case_w == 0.0 || controls == 0.0 {
            return Err(ValidateError::undefined(
                format!("time-dependent AUC at t = {t}"),
                "no cases (events by t) or no controls (follow-up beyond t)",
            ));
        }
        auc.push(num / (case_w * controls));
    }
    let km = kaplan_meier(test.time, test.event, 0.95)?;
    let s: Vec<f64> = times.iter().map(|&t| km.survival_at(t)).collect();
    let mean_auc = if times.len() == 1 {
        auc[0]
    } else {
        let mut prev = 1.0;
        let mut integral = 0.0;
        for (a, &si) in auc.iter().zip(&s) {
            integral += a * (prev - si);
            prev = si;
        }
        integral / (1.0 - s[s.len() - 1])
    };
    Ok(TimeDependentAuc {
        times: times.to_vec(),
        auc,
        mean_auc,
    })
}

/// IPCW Brier score at `t` of predicted survival probabilities `surv_at_t` = S(t | x_i).
pub fn ipcw_brier_score(
    train: SurvivalOutcomes<'_>,
    test: SurvivalOutcomes<'_>,
    surv_at_t: &[f64],
    t: f64,
) -> Result<f64> {
    check::same_len("test.time", test.len(), "surv_at_t", surv_at_t.len())?;
    check::probabilities("surv_at_t", surv_at_t)?;
    check_times("t", &[t])?;
    let g = CensoringDistribution::fit(train);
    let g_t = g.positive_at(t)?;
    let mut s = 0.0;
    for ((&ti, &ei), &p) in test.time.iter().zip(test.event).zip(surv_at_t) {
        if ei && ti <= t {
            s += p * p / g.positive_at(ti)?;
        } else if ti > t {
            s += (1.0 - p).powi(2) / g_t;
        }
    }
    Ok(s / test.len() as f64)
}

/// Integrated Brier score: trapezoidal integral of the IPCW Brier score over `times`,
/// divided by (last − first). `surv[k][i]` = S(`times[k]` | x_i).
pub fn integrated_brier_score(
    train: SurvivalOutcomes<'_>,
    test: SurvivalOutcomes<'_>,
    surv: &[Vec<f64>],
    times: &[f64],
) -> Result<f64> {
    check_times("times", times)?;
    check::min_len("times", times.len(), 2)?;
    check::same_len("times", times.len(), "surv", surv.len())?;
    let b: Vec<f64> = times
        .iter()
        .zip(surv)
        .map(|(&t, s)| ipcw_brier_score(train, test, s, t))
        .collect::<Result<_>>()?;
    let area: f64 = (1..times.len())
        .map(|k| 0.5 * (b[k] + b[k - 1]) * (times[k] - times[k - 1]))
        .sum();
    Ok(area / (times[times.len() - 1] - times[0]))
}

/// Predicted vs observed survival at time t in one risk group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupCalibration {
    /// Group number, 0 = lowest predicted risk.
    pub group: usize,
    /// Patients in the group.
    pub n: usize,
    /// Mean predicted survival S(t | x) in the group.
    pub predicted_survival: f64,
    /// Kaplan–Meier survival at t in the group.
    pub observed_survival: f64,
    /// Greenwood lower bound of the observed survival.
    pub observed_ci_low: f64,
    /// Greenwood upper bound of the observed survival.
    pub observed_ci_high: f64,
}

/// Calibration at `t`: patients sorted by predicted survival, split into `n_groups`
/// groups of (nearly) equal size, mean prediction vs Kaplan–Meier observed with 95% CIs.
pub fn survival_calibration(
    time: &[f64],
    event: &[bool],
    surv_at_t: &[f64],
    t: f64,
    n_groups: usize,
) -> Result<Vec<GroupCalibration>> {
    check::survival(time, event, Some(surv_at_t))?;
    check::probabilities("surv_at_t", surv_at_t)?;
    check_times("t", &[t])?;
    if n_groups == 0 || n_groups > time.len() {
        return Err(ValidateError::invalid(
            "n_groups",
            n_groups,
            format!("1..={}", time.len()),
        ));
    }
    // Highest survival = lowest risk first.
    let mut order = check::argsort(surv_at_t);
    order.reverse();
    let n = time.len();
    (0..n_groups)
        .map(|g| {
            let idx = &order[g * n / n_groups..(g + 1) * n / n_groups];
            let tt: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
            let ee: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
            let km = kaplan_meier(&tt, &ee, 0.95)?;
            let (lo, hi) = km.ci_at(t);
            Ok(GroupCalibration {
                group: g,
                n: idx.len(),
                predicted_survival: idx.iter().map(|&i| surv_at_t[i]).sum::<f64>()
                    / idx.len() as f64,
                observed_survival: km.survival_at(t),
                observed_ci_low: lo,
                observed_ci_high: hi,
            })
        })
        .collect()
}

/// Observed/expected ratio at t: Kaplan–Meier risk 1 − S_KM(t) over the mean predicted
/// risk 1 − S(t | x). 1 = calibrated in the large; > 1 = model under-predicts events.
pub fn observed_expected_ratio(
    time: &[f64],
    event: &[bool],
    surv_at_t: &[f64],
    t: f64,
) -> Result<f64> {
    check::survival(time, event, Some(surv_at_t))?;
    check::probabilities("surv_at_t", surv_at_t)?;
    check_times("t", &[t])?;
    let km = kaplan_meier(time, event, 0.95)?;
    let expected = surv_at_t.iter().map(|s| 1.0 - s).sum::<f64>() / time.len() as f64;
    if expected <= 0.0 {
        return Err(ValidateError::undefined(
            "O/E ratio",
            "the model predicts no events by t",
        ));
    }
    Ok((1.0 - km.survival_at(t)) / expected)
}
