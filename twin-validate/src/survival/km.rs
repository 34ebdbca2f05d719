//! Kaplan–Meier with Greenwood intervals, Nelson–Aalen, the censoring distribution used for
//! IPCW weights, and the log-rank test.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::SurvivalOutcomes;
use crate::bootstrap::z_for_level;
use crate::check;
use crate::error::{Result, ValidateError};

/// Counts at each distinct follow-up time.
struct Counts {
    times: Vec<f64>,
    at_risk: Vec<usize>,
    events: Vec<usize>,
    censored: Vec<usize>,
}

fn counts(s: SurvivalOutcomes<'_>) -> Counts {
    let order = check::argsort(s.time);
    let mut c = Counts {
        times: vec![],
        at_risk: vec![],
        events: vec![],
        censored: vec![],
    };
    let n = order.len();
    let mut i = 0;
    while i < n {
        let t = s.time[order[i]];
        let (mut d, mut m) = (0, 0);
        let start = i;
        while i < n && s.time[order[i]] == t {
            if s.event[order[i]] {
                d += 1
            } else {
                m += 1
            }
            i += 1;
        }
        c.times.push(t);
        c.at_risk.push(n - start);
        c.events.push(d);
        c.censored.push(m);
    }
    c
}

/// Index of the last step time <= t (right-continuous step function), if any.
fn step_index(times: &[f64], t: f64) -> Option<usize> {
    times.partition_point(|&x| x <= t).checked_sub(1)
}

/// A Kaplan–Meier estimate with pointwise Greenwood intervals on the log(−log) scale
/// (the "exponential Greenwood" interval lifelines reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KaplanMeier {
    /// Distinct follow-up times (events and censorings), ascending.
    pub times: Vec<f64>,
    /// Patients at risk just before each time.
    pub at_risk: Vec<usize>,
    /// Events at each time.
    pub events: Vec<usize>,
    /// Censorings at each time.
    pub censored: Vec<usize>,
    /// S(t), right-continuous (includes the drop at t).
    pub survival: Vec<f64>,
    /// Greenwood sum Σ d / (n (n − d)) = Var(log S(t)).
    pub greenwood: Vec<f64>,
    /// Lower interval bound at each time.
    pub ci_low: Vec<f64>,
    /// Upper interval bound at each time.
    pub ci_high: Vec<f64>,
    /// Confidence level of the interval (e.g. 0.95).
    pub level: f64,
}

/// Kaplan–Meier estimate with `level` (e.g. 0.95) Greenwood log(−log) intervals.
///
/// Where S = 1 the interval is [1, 1]; where S = 0 it is [0, 0].
pub fn kaplan_meier(time: &[f64], event: &[bool], level: f64) -> Result<KaplanMeier> {
    let s = SurvivalOutcomes::new(time, event)?;
    let z = z_for_level(level)?;
    let c = counts(s);
    let k = c.times.len();
    let (mut surv, mut gw, mut lo, mut hi) =
        (vec![0.0; k], vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    let (mut sv, mut g) = (1.0, 0.0);
    for i in 0..k {
        let (n, d) = (c.at_risk[i] as f64, c.events[i] as f64);
        sv *= 1.0 - d / n;
        if d > 0.0 {
            g += if n > d {
                d / (n * (n - d))
            } else {
                f64::INFINITY
            };
        }
        surv[i] = sv;
        gw[i] = g;
        (lo[i], hi[i]) = if sv >= 1.0 {
            (1.0, 1.0)
        } else if sv <= 0.0 || !g.is_finite() {
            (0.0, 0.0)
        } else {
            // log(−log S) ± z·sqrt(Greenwood)/|log S|, mapped back.
            let l = sv.ln();
            let (a, h) = ((-l).ln(), z * g.sqrt() / l.abs());
            ((-(a + h).exp()).exp(), (-(a - h).exp()).exp())
        };
    }
    Ok(KaplanMeier {
        times: c.times,
        at_risk: c.at_risk,
        events: c.events,
        censored: c.censored,
        survival: surv,
        greenwood: gw,
        ci_low: lo,
        ci_high: hi,
        level,
    })
}

impl KaplanMeier {
    /// S(t), right-continuous; 1 before the first time.
    pub fn survival_at(&self, t: f64) -> f64 {
        step_index(&self.times, t).map_or(1.0, |i| self.survival[i])
    }

    /// (lower, upper) interval at t; [1, 1] before the first time.
    pub fn ci_at(&self, t: f64) -> (f64, f64) {
        step_index(&self.times, t).map_or((1.0, 1.0), |i| (self.ci_low[i], self.ci_high[i]))
    }

    /// Median survival time: first time with S(t) <= 0.5, `None` if never reached.
    pub fn median(&self) -> Option<f64> {
        self.survival
            .iter()
            .position(|&s| s <= 0.5)
            .map(|i| self.times[i])
    }
}

/// Nelson–Aalen cumulative hazard H(t) = Σ d/n with variance Σ d (n − d)/n³
/// (lifelines `NelsonAalenFitter(nelson_aalen_smoothing=False)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NelsonAalen {
    /// Distinct follow-up times, ascending.
    pub times: Vec<f64>,
    /// Cumulative hazard at each time (right-continuous).
    pub cumulative_hazard: Vec<f64>,
    /// Variance of the cumulative hazard.
    pub variance: Vec<f64>,
    /// Lower bound of the log-transformed interval, H·exp(−z·sd/H).
    pub ci_low: Vec<f64>,
    /// Upper bound, H·exp(z·sd/H).
    pub ci_high: Vec<f64>,
}

/// Nelson–Aalen estimate with `level` log-transformed intervals.
pub fn nelson_aalen(time: &[f64], event: &[bool], level: f64) -> Result<NelsonAalen> {
    let s = SurvivalOutcomes::new(time, event)?;
    let z = z_for_level(level)?;
    let c = counts(s);
    let (mut h, mut v) = (0.0, 0.0);
    let mut out = NelsonAalen {
        times: c.times.clone(),
        cumulative_hazard: vec![],
        variance: vec![],
        ci_low: vec![],
        ci_high: vec![],
    };
    for i in 0..c.times.len() {
        let (n, d) = (c.at_risk[i] as f64, c.events[i] as f64);
        h += d / n;
        v += d * (n - d) / (n * n * n);
        let f = if h > 0.0 {
            (z * v.sqrt() / h).exp()
        } else {
            1.0
        };
        out.cumulative_hazard.push(h);
        out.variance.push(v);
        out.ci_low.push(h / f);
        out.ci_high.push(h * f);
    }
    Ok(out)
}

impl NelsonAalen {
    /// H(t), right-continuous; 0 before the first time.
    pub fn cumulative_hazard_at(&self, t: f64) -> f64 {
        step_index(&self.times, t).map_or(0.0, |i| self.cumulative_hazard[i])
    }
}

/// Kaplan–Meier estimate G(t) of the censoring distribution, used for inverse probability
/// of censoring weights. At a time shared by events and censorings the events leave the
/// censoring risk set first (the convention of scikit-survival's
/// `CensoringDistributionEstimator`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CensoringDistribution {
    /// Distinct follow-up times, ascending.
    pub times: Vec<f64>,
    /// G(t), right-continuous.
    pub survival: Vec<f64>,
}

impl CensoringDistribution {
    /// Fit G on (training) outcomes.
    pub fn fit(s: SurvivalOutcomes<'_>) -> Self {
        let c = counts(s);
        let mut g = 1.0;
        let survival = (0..c.times.len())
            .map(|i| {
                let n = (c.at_risk[i] - c.events[i]) as f64;
                if n > 0.0 {
                    g *= 1.0 - c.censored[i] as f64 / n;
                }
                g
            })
            .collect();
        Self {
            times: c.times,
            survival,
        }
    }

    /// G(t), right-continuous; 1 before the first time.
    pub fn at(&self, t: f64) -> f64 {
        step_index(&self.times, t).map_or(1.0, |i| self.survival[i])
    }

    /// G(t), with an error if it is 0 (an IPCW weight would be infinite).
    pub fn positive_at(&self, t: f64) -> Result<f64> {
        let g = self.at(t);
        if g <= 0.0 {
            return Err(ValidateError::undefined(
                "IPCW weight",
                format!(
                    "the censoring survival G(t) is 0 at t = {t}; restrict to earlier times (tau)"
                ),
            ));
        }
        Ok(g)
    }
}

/// Result of the log-rank test across groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRank {
    /// Group ids, ascending, in the order of the vectors below.
    pub groups: Vec<usize>,
    /// Observed events per group.
    pub observed: Vec<f64>,
    /// Expected events per group under equal hazards.
    pub expected: Vec<f64>,
    /// χ² statistic with `df` degrees of freedom.
    pub statistic: f64,
    /// Degrees of freedom (number of groups − 1).
    pub df: usize,
    /// p-value.
    pub p_value: f64,
}

/// Log-rank test of equal hazards in the groups `group` (any ids; at least two distinct).
pub fn log_rank(time: &[f64], event: &[bool], group: &[usize]) -> Result<LogRank> {
    let s = SurvivalOutcomes::new(time, event)?;
    check::same_len("time", time.len(), "group", group.len())?;
    let mut ids: Vec<usize> = group.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let k = ids.len();
    if k < 2 {
        return Err(ValidateError::invalid(
            "group",
            format!("{k} distinct group"),
            "at least 2 distinct groups",
        ));
    }
    let gi: Vec<usize> = group
        .iter()
        .map(|g| ids.binary_search(g).expect("id present"))
        .collect();
    let order = check::argsort(s.time);
    let mut at_risk = vec![0.0f64; k];
    for &g in &gi {
        at_risk[g] += 1.0;
    }
    let (mut o, mut e) = (vec![0.0; k], vec![0.0; k]);
    let mut v = DMatrix::<f64>::zeros(k, k);
    let mut i = 0;
    let mut d_g = vec![0.0; k];
    let mut leave = vec![0.0; k];
    while i < order.len() {
        let t = s.time[order[i]];
        d_g.iter_mut().for_each(|x| *x = 0.0);
        leave.iter_mut().for_each(|x| *x = 0.0);
        while i < order.len() && s.time[order[i]] == t {
            let g = gi[order[i]];
            if s.event[order[i]] {
                d_g[g] += 1.0;
            }
            leave[g] += 1.0;
            i += 1;
        }
        let d: f64 = d_g.iter().sum();
        let n: f64 = at_risk.iter().sum();
        if d > 0.0 {
            for a in 0..k {
                o[a] += d_g[a];
                e[a] += d * at_risk[a] / n;
                if n > 1.0 {
                    let f = d * (n - d) / (n - 1.0);
                    for b in 0..k {
                        let delta = if a == b { 1.0 } else { 0.0 };
                        v[(a, b)] += f * at_risk[a] / n * (delta - at_risk[b] / n);
                    }
                }
            }
        }
        for a in 0..k {
            at_risk[a] -= leave[a];
        }
    }
    let diff = DVector::from_iterator(k - 1, (0..k - 1).map(|a| o[a] - e[a]));
    let vr = v.view((0, 0), (k - 1, k - 1)).into_owned();
    let inv = vr.try_inverse().ok_or_else(|| {
        ValidateError::undefined(
            "log-rank test",
            "singular variance (a group has no patients at risk at any event time)",
        )
    })?;
    let statistic = (diff.transpose() * inv * &diff)[(0, 0)];
    let chi = ChiSquared::new((k - 1) as f64).expect("df >= 1");
    Ok(LogRank {
        groups: ids,
        observed: o,
        expected: e,
        statistic,
        df: k - 1,
        p_value: chi.sf(statistic),
    })
}
