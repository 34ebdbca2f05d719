//! Biomarker multipliers bridged from published group summaries to the model's on a
//! reference cohort: the triple-negative subtypes' chemotherapy
//! multipliers (objective response to docetaxel, see
//! [`Efficacy::tnbc_subtype_chemo_multiplier`]) and the Ki-67 groups' endocrine
//! multipliers (median time to progression on an aromatase inhibitor, see
//! [`Efficacy::ki67_endocrine_multiplier`]).

use super::agents::{Agent, Ki67Group, TnbcSubtype};
use super::cohort::{MbcCohortSpec, sample_patients};
use super::course::{MbcCourse, simulate};
use super::efficacy::{Efficacy, ki67_endocrine_median_ratios, tnbc_subtype_response_odds_ratios};
use super::{Biomarkers, Therapy};
use crate::error::{OncologyError, Result};
use rayon::prelude::*;

/// Patients of each reference cohort.
pub const REFERENCE_PATIENTS: usize = 5000;
/// Seed of the reference cohorts (development-only; no trial uses it).
pub const REFERENCE_SEED: u64 = 2018;
const FOLLOW_UP_DAYS: f64 = 720.0;
/// Follow-up of the endocrine reference cohort (long enough for the low-Ki-67 median).
const ENDOCRINE_FOLLOW_UP_DAYS: f64 = 5.0 * 365.25;
/// Clinical benefit: stable disease or better for 24 weeks (Delpech et al. 2012).
pub const CLINICAL_BENEFIT_DAYS: f64 = 168.0;

/// The courses of a reference cohort when every patient's biomarkers are changed by
/// `set`.
fn reference_courses(
    e: &Efficacy,
    spec: &MbcCohortSpec,
    arm: &[Therapy],
    (scan_interval_days, follow_up_days): (f64, f64),
    set: impl Fn(&mut Biomarkers) + Sync,
) -> Result<Vec<MbcCourse>> {
    let patients = sample_patients(
        spec,
        e,
        REFERENCE_PATIENTS,
        (follow_up_days, follow_up_days),
        REFERENCE_SEED,
    )?;
    patients
        .into_par_iter()
        .map(|mut p| {
            set(&mut p.biomarkers);
            simulate(&p, arm, e, scan_interval_days)
        })
        .collect()
}

/// Share of `courses` with `outcome`.
fn share(courses: &[MbcCourse], outcome: impl Fn(&MbcCourse) -> bool) -> f64 {
    courses.iter().filter(|c| outcome(c)).count() as f64 / courses.len() as f64
}

fn odds(p: f64) -> Result<f64> {
    if p <= 0.0 || p >= 1.0 {
        Err(OncologyError::invalid(
            "reference rate",
            p,
            "strictly between 0 and 1 (odds undefined)",
        ))
    } else {
        Ok(p / (1.0 - p))
    }
}

/// Objective response rate on the triple-negative reference cohort (first line, no
/// earlier chemotherapy, [`MbcCohortSpec::default`]; docetaxel 100 mg/m² every 3
/// weeks, scans every 6 weeks) when every patient has `subtype` (`None`: unknown).
pub fn reference_response_rate(e: &Efficacy, subtype: Option<TnbcSubtype>) -> Result<f64> {
    let arm = [Therapy {
        agent: Agent::Docetaxel,
        dose_mg_per_m2_per_week: Some(100.0 / 3.0),
    }];
    let courses = reference_courses(
        e,
        &MbcCohortSpec::default(),
        &arm,
        (42.0, FOLLOW_UP_DAYS),
        |b| b.tnbc_subtype = subtype,
    )?;
    Ok(share(&courses, |c| c.responded))
}

/// Odds ratio of response, `subtype` against unknown subtype, on the reference cohort.
pub fn reference_response_odds_ratio(e: &Efficacy, subtype: TnbcSubtype) -> Result<f64> {
    Ok(
        odds(reference_response_rate(e, Some(subtype))?)?
            / odds(reference_response_rate(e, None)?)?,
    )
}

/// Courses of the endocrine reference cohort (first-line HR+/HER2−, no earlier
/// endocrine progression; aromatase inhibitor, scans every 12 weeks, 5 years'
/// follow-up) when every tumour's Ki-67 is `ki67_percent` (`None`: unknown).
pub fn endocrine_reference_courses(
    e: &Efficacy,
    ki67_percent: Option<f64>,
) -> Result<Vec<MbcCourse>> {
    let spec = MbcCohortSpec {
        hr_positive_fraction: 1.0,
        ..MbcCohortSpec::default()
    };
    let arm = [Therapy {
        agent: Agent::AromataseInhibitor,
        dose_mg_per_m2_per_week: None,
    }];
    reference_courses(e, &spec, &arm, (84.0, ENDOCRINE_FOLLOW_UP_DAYS), |b| {
        b.ki67_percent = ki67_percent
    })
}

/// Median progression onset (continuous time) of `courses`, days; `None` when half
/// or more are censored.
pub fn median_onset_days(courses: &[MbcCourse]) -> Option<f64> {
    let mut onsets: Vec<f64> = courses.iter().map(|c| c.onset_days).collect();
    onsets.sort_by(f64::total_cmp);
    let mid = onsets.len() / 2;
    (courses.iter().filter(|c| c.progressed).count() > mid).then(|| onsets[mid])
}

/// A Ki-67 index inside each group (5, 15, 40 %).
pub fn representative_ki67_percent(group: Ki67Group) -> f64 {
    [5.0, 15.0, 40.0][group.index()]
}

/// Median progression time of `group` over that of unknown Ki-67, on the endocrine
/// reference cohort; infinite when half the group is progression-free at 5 years.
pub fn reference_median_ratio(e: &Efficacy, group: Ki67Group) -> Result<f64> {
    let unknown = median_onset_days(&endocrine_reference_courses(e, None)?).ok_or_else(|| {
        OncologyError::invalid(
            "endocrine reference cohort",
            "half or more progression-free at 5 years",
            "a median progression time inside the follow-up",
        )
    })?;
    let with = endocrine_reference_courses(e, Some(representative_ki67_percent(group)))?;
    Ok(median_onset_days(&with).map_or(f64::INFINITY, |m| m / unknown))
}

/// Set each group's multiplier (`multipliers`: the table in `e`, in the groups'
/// order) so that the increasing `summary` of the group reaches its target:
/// bisection on the multiplier's log over [1/50, 50], 30 steps.
fn fit_groups<G: Copy>(
    e: &mut Efficacy,
    groups: &[G],
    targets: &[f64],
    multipliers: impl Fn(&mut Efficacy) -> &mut [f64],
    summary: impl Fn(&Efficacy, G) -> Result<f64>,
) -> Result<()> {
    for (i, (&g, &target)) in groups.iter().zip(targets).enumerate() {
        let (mut lo, mut hi) = ((0.02f64).ln(), (50.0f64).ln());
        for _ in 0..30 {
            let mid = 0.5 * (lo + hi);
            multipliers(e)[i] = mid.exp();
            if summary(e, g)? < target {
                lo = mid
            } else {
                hi = mid
            }
        }
        multipliers(e)[i] = (0.5 * (lo + hi)).exp();
    }
    Ok(())
}

/// Set every subtype's multiplier so that the model's response odds ratio equals
/// the published pCR odds ratio.
pub fn fit_tnbc_subtype_multipliers(e: &mut Efficacy) -> Result<()> {
    fit_groups(
        e,
        &TnbcSubtype::ALL,
        &tnbc_subtype_response_odds_ratios(),
        |e| &mut e.tnbc_subtype_chemo_multiplier,
        reference_response_odds_ratio,
    )
}

/// Set every Ki-67 group's multiplier so that the model's median ratio equals
/// Delpech et al. 2012's ([`ki67_endocrine_median_ratios`]).
pub fn fit_ki67_endocrine_multipliers(e: &mut Efficacy) -> Result<()> {
    fit_groups(
        e,
        &Ki67Group::ALL,
        &ki67_endocrine_median_ratios(),
        |e| &mut e.ki67_endocrine_multiplier,
        reference_median_ratio,
    )
}
