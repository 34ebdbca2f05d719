//! Trial emulation: a cohort from a baseline table, arms as treatment plans, and the
//! summaries trials report — median OS and PFS (Kaplan–Meier, Brookmeyer–Crowley 95 %
//! intervals), survival at fixed years, hazard ratios against the first arm (Cox, Wald
//! 95 % intervals), the same by MGMT status, and the hazard ratio of death per decade
//! of age.

pub use crate::trial_summary::{DAYS_PER_MONTH, HazardRatio, MedianMonths};
use crate::trial_summary::{cox_hr, median_months};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::course::{Course, CourseOptions, GbmArm, simulate_course};
use super::population::{GbmCohortSpec, GbmPopulation, VirtualGbmPatient, sample_patients};
use crate::error::{OncologyError, Result};

/// A GBM trial specification (JSON: `data/trials/gbm/*.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmTrialSpec {
    /// Trial name.
    pub name: String,
    /// Seed of the virtual cohort.
    pub seed: u64,
    /// Virtual patients per arm (the same patients in every arm).
    pub n_per_arm: usize,
    /// Baseline table.
    pub cohort: GbmCohortSpec,
    /// Arms; hazard ratios are against the first.
    pub arms: Vec<GbmArm>,
    /// Years at which overall survival is reported.
    #[serde(default)]
    pub report_years: Vec<f64>,
    /// Scheduling and numerical options.
    #[serde(default)]
    pub options: CourseOptions,
}

/// Summaries of one arm (or of one MGMT stratum of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmArmSummary {
    /// Patients.
    pub n: usize,
    /// Median overall survival.
    pub os: MedianMonths,
    /// Median progression-free survival.
    pub pfs: MedianMonths,
    /// Overall survival at the spec's report years (fraction alive).
    pub os_at_years: Vec<f64>,
}

/// Result of one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmArmResult {
    /// Arm name.
    pub name: String,
    /// All patients.
    pub all: GbmArmSummary,
    /// MGMT-methylated patients.
    pub methylated: GbmArmSummary,
    /// MGMT-unmethylated patients.
    pub unmethylated: GbmArmSummary,
    /// OS hazard ratio vs the first arm (none for the first arm).
    pub os_hr_vs_first: Option<HazardRatio>,
    /// PFS hazard ratio vs the first arm.
    pub pfs_hr_vs_first: Option<HazardRatio>,
    /// OS hazard ratio per decade of age within the arm.
    pub os_hr_per_decade_of_age: HazardRatio,
    /// Survival after a progression seen on a scan.
    pub after_progression: AfterProgression,
    /// Fraction of the arm whose first post-radiotherapy scan recorded a
    /// pseudoprogression as progression.
    pub pseudoprogression_recorded_fraction: f64,
}

/// Survival after the progression scan (Kaplan–Meier, censored at the end of
/// follow-up), by salvage treatment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AfterProgression {
    /// Patients treated at progression.
    pub treated: MedianMonths,
    /// Patients given supportive care only.
    pub untreated: MedianMonths,
    /// Fraction of the arm whose PFS event was death, not a scan recording progression
    /// (true or pseudo): the tumour reached the lethal volume between two scans.
    pub death_first_fraction: f64,
}

/// Result of a GBM trial emulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmTrialResult {
    /// Trial name.
    pub name: String,
    /// Report years of `os_at_years`.
    pub report_years: Vec<f64>,
    /// Arms in spec order.
    pub arms: Vec<GbmArmResult>,
}

/// Run the trial: every arm on the same virtual patients (common random numbers),
/// in parallel over patients; deterministic given the seed for any thread count.
pub fn run_gbm_trial(spec: &GbmTrialSpec, pop: &GbmPopulation) -> Result<GbmTrialResult> {
    if spec.arms.is_empty() {
        return Err(OncologyError::invalid("arms", 0, "at least one arm"));
    }
    spec.options.validate()?;
    for arm in &spec.arms {
        arm.validate()?;
    }
    for y in &spec.report_years {
        if !(y.is_finite() && *y > 0.0 && *y <= spec.options.follow_up_years) {
            return Err(OncologyError::invalid(
                "report_years",
                y,
                "within follow-up",
            ));
        }
    }
    let patients = sample_patients(&spec.cohort, pop, spec.n_per_arm, spec.seed)?;
    let courses: Vec<Vec<Course>> = spec
        .arms
        .iter()
        .map(|arm| {
            patients
                .par_iter()
                .map(|p| simulate_course(p, arm, pop, &spec.options))
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<_>>()?;
    let arms = spec
        .arms
        .iter()
        .enumerate()
        .map(|(a, arm)| {
            let c = &courses[a];
            let all: Vec<usize> = (0..patients.len()).collect();
            let meth: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| patients[i].mgmt_methylated)
                .collect();
            let unmeth: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| !patients[i].mgmt_methylated)
                .collect();
            let (os_hr, pfs_hr) = if a == 0 {
                (None, None)
            } else {
                (
                    Some(arm_hazard_ratio(&courses[0], c, |x| (x.os_days, x.died))?),
                    Some(arm_hazard_ratio(&courses[0], c, |x| {
                        (x.pfs_days, x.pfs_event)
                    })?),
                )
            };
            Ok(GbmArmResult {
                name: arm.name.clone(),
                all: summarise(c, &all, &spec.report_years)?,
                methylated: summarise(c, &meth, &spec.report_years)?,
                unmethylated: summarise(c, &unmeth, &spec.report_years)?,
                os_hr_vs_first: os_hr,
                pfs_hr_vs_first: pfs_hr,
                os_hr_per_decade_of_age: age_hazard_ratio(&patients, c)?,
                after_progression: after_progression(&patients, c)?,
                pseudoprogression_recorded_fraction: c
                    .iter()
                    .filter(|x| x.pseudoprogression_recorded)
                    .count() as f64
                    / c.len() as f64,
            })
        })
        .collect::<Result<_>>()?;
    Ok(GbmTrialResult {
        name: spec.name.clone(),
        report_years: spec.report_years.clone(),
        arms,
    })
}

fn summarise(c: &[Course], rows: &[usize], years: &[f64]) -> Result<GbmArmSummary> {
    let os_t: Vec<f64> = rows.iter().map(|&i| c[i].os_days).collect();
    let os_e: Vec<bool> = rows.iter().map(|&i| c[i].died).collect();
    let pfs_t: Vec<f64> = rows.iter().map(|&i| c[i].pfs_days).collect();
    let pfs_e: Vec<bool> = rows.iter().map(|&i| c[i].pfs_event).collect();
    let n = rows.len() as f64;
    Ok(GbmArmSummary {
        n: rows.len(),
        os: median_months(&os_t, &os_e)?,
        pfs: median_months(&pfs_t, &pfs_e)?,
        // no censoring before the end of follow-up: the fraction alive is the KM value
        // (NaN for an empty subgroup)
        os_at_years: years
            .iter()
            .map(|y| os_t.iter().filter(|&&t| t > y * 365.25).count() as f64 / n)
            .collect(),
    })
}

fn after_progression(patients: &[VirtualGbmPatient], c: &[Course]) -> Result<AfterProgression> {
    let median_after = |salvage: bool| {
        let (t, e): (Vec<f64>, Vec<bool>) = patients
            .iter()
            .zip(c)
            .filter_map(|(p, x)| {
                let scan = x.progression_scan_day.filter(|_| p.salvage == salvage)?;
                Some((x.os_days - scan, x.died))
            })
            .unzip();
        median_months(&t, &e)
    };
    // the PFS event was death: neither a progression nor a recorded pseudoprogression
    // scan came first
    let death_first = c
        .iter()
        .filter(|x| x.died && x.pfs_days >= x.os_days)
        .count();
    Ok(AfterProgression {
        treated: median_after(true)?,
        untreated: median_after(false)?,
        death_first_fraction: death_first as f64 / c.len().max(1) as f64,
    })
}

fn arm_hazard_ratio(
    reference: &[Course],
    arm: &[Course],
    f: impl Fn(&Course) -> (f64, bool),
) -> Result<HazardRatio> {
    let mut rows = Vec::new();
    let (mut time, mut event) = (Vec::new(), Vec::new());
    for (x, c) in [(0.0, reference), (1.0, arm)] {
        for course in c {
            let (t, e) = f(course);
            rows.push(vec![x]);
            time.push(t);
            event.push(e);
        }
    }
    cox_hr(rows, time, event)
}

fn age_hazard_ratio(patients: &[VirtualGbmPatient], c: &[Course]) -> Result<HazardRatio> {
    cox_hr(
        patients.iter().map(|p| vec![p.age_years / 10.0]).collect(),
        c.iter().map(|x| x.os_days).collect(),
        c.iter().map(|x| x.died).collect(),
    )
}
