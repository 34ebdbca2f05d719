//! What trials report, computed from simulated patients: Kaplan–Meier medians
//! with Brookmeyer–Crowley 95 % intervals and Cox hazard ratios with Wald 95 %
//! intervals (twin-validate). Shared by the glioma and breast trial emulations.

use serde::{Deserialize, Serialize};
use twin_validate::baseline::{CoxOptions, CoxPh};
use twin_validate::survival::kaplan_meier;

use crate::error::{OncologyError, Result};

/// Days per month (365.25/12).
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// A median with its 95 % interval, months (`None`: not reached).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MedianMonths {
    /// Median, months.
    pub median: Option<f64>,
    /// Lower 95 % bound, months.
    pub lo: Option<f64>,
    /// Upper 95 % bound, months.
    pub hi: Option<f64>,
}

impl MedianMonths {
    /// The summary of no patients.
    pub const EMPTY: Self = Self {
        median: None,
        lo: None,
        hi: None,
    };
}

/// A hazard ratio with its Wald 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HazardRatio {
    /// exp(β).
    pub hr: f64,
    /// Lower 95 % bound.
    pub lo: f64,
    /// Upper 95 % bound.
    pub hi: f64,
}

/// Kaplan–Meier median of `time` (days) in months, with the Brookmeyer–Crowley
/// interval: the times where the pointwise 95 % band's ends cross 0.5;
/// [`MedianMonths::EMPTY`] for no patients (a subgroup may have none).
pub fn median_months(time: &[f64], event: &[bool]) -> Result<MedianMonths> {
    if time.is_empty() && event.is_empty() {
        return Ok(MedianMonths::EMPTY);
    }
    let km = kaplan_meier(time, event, 0.95)
        .map_err(|e| OncologyError::invalid("Kaplan-Meier", e, "valid survival data"))?;
    let first = |v: &[f64]| {
        v.iter()
            .position(|&s| s <= 0.5)
            .map(|i| km.times[i] / DAYS_PER_MONTH)
    };
    Ok(MedianMonths {
        median: km.median().map(|t| t / DAYS_PER_MONTH),
        lo: first(&km.ci_low),
        hi: first(&km.ci_high),
    })
}

/// Hazard ratio of the first covariate of a Cox model (Efron ties).
pub fn cox_hr(rows: Vec<Vec<f64>>, time: Vec<f64>, event: Vec<bool>) -> Result<HazardRatio> {
    let fit = CoxPh::fit(&rows, &time, &event, &CoxOptions::default())
        .map_err(|e| OncologyError::invalid("Cox fit", e, "estimable hazard ratio"))?;
    let b = &fit.coefficients[0];
    let z = twin_core::stats::Z95;
    Ok(HazardRatio {
        hr: b.estimate.exp(),
        lo: (b.estimate - z * b.se).exp(),
        hi: (b.estimate + z * b.se).exp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four events at 1, 2, 3, 4 months and no censoring: the Kaplan–Meier curve is
    /// 0.75, 0.5, 0.25, 0 and the median is the first time it reaches 0.5 (2 months);
    /// no patients give the empty summary, not an error.
    #[test]
    fn median_of_an_uncensored_sample_and_of_none() {
        let t: Vec<f64> = (1..=4).map(|k| k as f64 * DAYS_PER_MONTH).collect();
        let m = median_months(&t, &[true; 4]).unwrap();
        assert!((m.median.unwrap() - 2.0).abs() < 1e-12);
        assert_eq!(median_months(&[], &[]).unwrap(), MedianMonths::EMPTY);
        assert!(median_months(&[1.0], &[]).is_err());
    }
}
