//! The triple-negative subtypes' chemotherapy multipliers, bridged from
//! published pCR odds ratios to the model's response odds ratios on one
//! reference cohort (see [`Efficacy::tnbc_subtype_chemo_multiplier`]).

use super::agents::{Agent, TnbcSubtype};
use super::cohort::{MbcCohortSpec, sample_patients};
use super::course::simulate;
use super::efficacy::{Efficacy, tnbc_subtype_response_odds_ratios};
use super::{Biomarkers, Therapy};
use crate::error::{OncologyError, Result};
use rayon::prelude::*;

/// Patients of the reference cohort: first-line triple-negative, no earlier
/// chemotherapy ([`MbcCohortSpec::default`]), docetaxel 100 mg/m² every 3 weeks, scans every 6 weeks.
pub const REFERENCE_PATIENTS: usize = 5000;
/// Seed of the reference cohort (development-only; no trial uses it).
pub const REFERENCE_SEED: u64 = 2018;
const SCAN_INTERVAL_DAYS: f64 = 42.0;
const FOLLOW_UP_DAYS: f64 = 720.0;

/// Objective response rate on the reference cohort when every patient has
/// `subtype` (`None`: subtype unknown, multiplier 1).
pub fn reference_response_rate(e: &Efficacy, subtype: Option<TnbcSubtype>) -> Result<f64> {
    let spec = MbcCohortSpec::default();
    let patients = sample_patients(
        &spec,
        e,
        REFERENCE_PATIENTS,
        (FOLLOW_UP_DAYS, FOLLOW_UP_DAYS),
        REFERENCE_SEED,
    )?;
    let arm = [Therapy {
        agent: Agent::Docetaxel,
        dose_mg_per_m2_per_week: Some(100.0 / 3.0),
    }];
    let responders = patients
        .into_par_iter()
        .map(|mut p| {
            p.biomarkers = Biomarkers {
                tnbc_subtype: subtype,
                ..p.biomarkers
            };
            Ok(usize::from(
                simulate(&p, &arm, e, SCAN_INTERVAL_DAYS)?.responded,
            ))
        })
        .sum::<Result<usize>>()?;
    Ok(responders as f64 / REFERENCE_PATIENTS as f64)
}

/// Odds ratio of response, `subtype` against unknown subtype, on the reference cohort.
pub fn reference_response_odds_ratio(e: &Efficacy, subtype: TnbcSubtype) -> Result<f64> {
    let odds = |p: f64| {
        if p <= 0.0 || p >= 1.0 {
            Err(OncologyError::invalid(
                "reference response rate",
                p,
                "strictly between 0 and 1 (odds undefined)",
            ))
        } else {
            Ok(p / (1.0 - p))
        }
    };
    Ok(
        odds(reference_response_rate(e, Some(subtype))?)?
            / odds(reference_response_rate(e, None)?)?,
    )
}

/// Set every subtype's multiplier so that the model's response odds ratio equals
/// the published pCR odds ratio (bisection on ln m over [1/50, 50], 30 steps).
pub fn fit_tnbc_subtype_multipliers(e: &mut Efficacy) -> Result<()> {
    let targets = tnbc_subtype_response_odds_ratios();
    for s in TnbcSubtype::ALL {
        let (mut lo, mut hi) = ((0.02f64).ln(), (50.0f64).ln());
        for _ in 0..30 {
            let mid = 0.5 * (lo + hi);
            e.tnbc_subtype_chemo_multiplier[s.index()] = mid.exp();
            if reference_response_odds_ratio(e, s)? < targets[s.index()] {
                lo = mid
            } else {
                hi = mid
            }
        }
        e.tnbc_subtype_chemo_multiplier[s.index()] = (0.5 * (lo + hi)).exp();
    }
    Ok(())
}
