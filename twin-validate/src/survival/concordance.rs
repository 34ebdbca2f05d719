//! Harrell's and Uno's concordance indices in O(n log n).
//!
//! Comparable pairs (i, j): i had the event and t_i < t_j, or t_i = t_j and j was censored;
//! two events at the same time are not comparable. The pair is concordant when
//! risk_i > risk_j and counts ½ when the risks are exactly equal. This is lifelines'
//! `concordance_index(time, -risk, event)` and scikit-survival's
//! `concordance_index_censored` (the latter ties risks within 1e-8; here ties are exact,
//! as in lifelines). Uno's C weights each event i by 1/G(t_i)² (0 when t_i >= τ), with
//! G the censoring distribution (Uno et al. 2011, Stat Med 30:1105), as
//! `sksurv.metrics.concordance_index_ipcw`.
//!
//! Counting uses a Fenwick tree over risk ranks, sweeping time downwards: written by hand
//! because no workspace crate offers a rank-counting tree.

use serde::{Deserialize, Serialize};

use super::SurvivalOutcomes;
use super::km::CensoringDistribution;
use crate::check;
use crate::error::{Result, ValidateError};

/// A concordance index with its (weighted) pair counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Concordance {
    /// The index, (concordant + ½ tied) / comparable.
    pub c_index: f64,
    /// Weighted number of concordant pairs (unweighted for Harrell's C).
    pub concordant: f64,
    /// Weighted number of discordant pairs.
    pub discordant: f64,
    /// Weighted number of comparable pairs with tied risk.
    pub tied_risk: f64,
    /// Weighted number of comparable pairs.
    pub comparable: f64,
}

/// Fenwick (binary indexed) tree of counts over ranks 0..m.
struct Fenwick(Vec<u64>);

impl Fenwick {
    fn add(&mut self, rank: usize) {
        let mut i = rank + 1;
        while i < self.0.len() {
            self.0[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    /// Count of ranks < `rank`.
    fn below(&self, rank: usize) -> u64 {
        let (mut i, mut s) = (rank, 0);
        while i > 0 {
            s += self.0[i];
            i -= i & i.wrapping_neg();
        }
        s
    }
}

/// How each event is weighted.
enum Weights<'a> {
    /// Harrell: every event weighs 1.
    One,
    /// Uno: 1/G(t_i)² for events with t_i < τ; G from `train`, or from the evaluated
    /// patients themselves (computed in the same time-sorted pass) when `None`.
    Ipcw {
        tau: f64,
        train: Option<&'a CensoringDistribution>,
    },
}

/// Core sweep over time-sorted patients.
fn weighted_concordance(
    s: SurvivalOutcomes<'_>,
    risk: &[f64],
    weights: Weights<'_>,
) -> Result<Concordance> {
    let n = s.len();
    // The two sorts are independent: run them side by side.
    let (by_risk, by_time) = rayon::join(|| check::argsort(risk), || check::argsort(s.time));
    // Dense ranks of risk (equal risks share a rank).
    let mut rank = vec![0usize; n];
    let mut r = 0;
    for k in 0..n {
        if k > 0 && risk[by_risk[k]] != risk[by_risk[k - 1]] {
            r += 1;
        }
        rank[by_risk[k]] = r;
    }
    let mut tree = Fenwick(vec![0; r + 2]);
    // Time-ordered copies keep the sweep's memory access sequential.
    let t: Vec<f64> = by_time.iter().map(|&i| s.time[i]).collect();
    let ev: Vec<bool> = by_time.iter().map(|&i| s.event[i]).collect();
    let rk: Vec<usize> = by_time.iter().map(|&i| rank[i]).collect();
    let w = event_weights(&t, &ev, &weights)?;
    let (mut con, mut dis, mut tie, mut comp) = (0.0, 0.0, 0.0, 0.0);
    let mut inserted = 0u64;
    let mut hi = n;
    while hi > 0 {
        let mut lo = hi - 1;
        while lo > 0 && t[lo - 1] == t[hi - 1] {
            lo -= 1;
        }
        for k in (lo..hi).filter(|&k| !ev[k]) {
            tree.add(rk[k]);
            inserted += 1;
        }
        for k in (lo..hi).filter(|&k| ev[k]) {
            let w = w[k];
            if w != 0.0 {
                let below = tree.below(rk[k]) as f64;
                let equal = tree.below(rk[k] + 1) as f64 - below;
                con += w * below;
                tie += w * equal;
                dis += w * (inserted as f64 - below - equal);
                comp += w * inserted as f64;
            }
        }
        for k in (lo..hi).filter(|&k| ev[k]) {
            tree.add(rk[k]);
            inserted += 1;
        }
        hi = lo;
    }
    if comp == 0.0 {
        return Err(ValidateError::undefined(
            "concordance index",
            "no comparable pairs (no event before another patient's follow-up ends)",
        ));
    }
    Ok(Concordance {
        c_index: (con + 0.5 * tie) / comp,
        concordant: con,
        discordant: dis,
        tied_risk: tie,
        comparable: comp,
    })
}

/// Weight of each time-sorted patient (0 for censored ones).
fn event_weights(t: &[f64], ev: &[bool], weights: &Weights<'_>) -> Result<Vec<f64>> {
    let n = t.len();
    let (tau, train) = match weights {
        Weights::One => return Ok(vec![1.0; n]),
        Weights::Ipcw { tau, train } => (*tau, *train),
    };
    let mut w = vec![0.0; n];
    let mut g = 1.0;
    let mut lo = 0;
    while lo < n {
        let mut hi = lo + 1;
        while hi < n && t[hi] == t[lo] {
            hi += 1;
        }
        let g_t = match train {
            Some(dist) => dist.at(t[lo]),
            None => {
                // Censoring Kaplan–Meier; events leave the risk set first (as
                // CensoringDistribution::fit).
                let d = ev[lo..hi].iter().filter(|&&e| e).count();
                let at_risk = (n - lo - d) as f64;
                if at_risk > 0.0 {
                    g *= 1.0 - (hi - lo - d) as f64 / at_risk;
                }
                g
            }
        };
        if t[lo] < tau && ev[lo..hi].iter().any(|&e| e) {
            if g_t <= 0.0 {
                return Err(ValidateError::undefined(
                    "IPCW weight",
                    format!(
                        "the censoring survival G(t) is 0 at t = {}; restrict to earlier times (tau)",
                        t[lo]
                    ),
                ));
            }
            for k in (lo..hi).filter(|&k| ev[k]) {
                w[k] = g_t.powi(-2);
            }
        }
        lo = hi;
    }
    Ok(w)
}

/// Harrell's C of `risk` (higher = shorter survival).
pub fn harrell_c(time: &[f64], event: &[bool], risk: &[f64]) -> Result<Concordance> {
    check::survival(time, event, Some(risk))?;
    weighted_concordance(SurvivalOutcomes { time, event }, risk, Weights::One)
}

/// Uno's C: IPCW-weighted concordance with optional truncation `tau` (only events with
/// t < τ carry weight). The censoring distribution G is fitted on `train` when given
/// (as scikit-survival's `survival_train`), else on the evaluated patients themselves.
pub fn uno_c(
    time: &[f64],
    event: &[bool],
    risk: &[f64],
    tau: Option<f64>,
    train: Option<SurvivalOutcomes<'_>>,
) -> Result<Concordance> {
    check::survival(time, event, Some(risk))?;
    if let Some(t) = tau.filter(|t| !(t.is_finite() && *t > 0.0)) {
        return Err(ValidateError::invalid("tau", t, "a finite time > 0"));
    }
    let g = train.map(CensoringDistribution::fit);
    let weights = Weights::Ipcw {
        tau: tau.unwrap_or(f64::INFINITY),
        train: g.as_ref(),
    };
    weighted_concordance(SurvivalOutcomes { time, event }, risk, weights)
}
