//! Trial emulation: a virtual cohort from the baseline table, every arm on the
//! same patients, and what the trial reported next to what the twin predicts.

use super::agents::{Agent, Therapy};
use super::cohort::{MbcCohortSpec, VirtualMbcPatient, sample_patients};
use super::course::{MbcCourse, simulate};
use super::efficacy::Efficacy;
use crate::error::{OncologyError, Result};
use crate::trial_summary::{DAYS_PER_MONTH, HazardRatio, MedianMonths, cox_hr, median_months};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One arm: agents and what the trial reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MbcArmSpec {
    /// Arm name.
    pub name: String,
    /// Agents given (cytotoxic ones with their dose intensity).
    pub therapies: Vec<Therapy>,
    /// Reported median PFS (or TTP), months.
    pub reported_median_pfs_months: f64,
    /// Reported objective response rate (fraction), if used.
    #[serde(default)]
    pub reported_response_rate: Option<f64>,
}

/// Reported hazard ratio of the second arm vs the first, with its 95 % CI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReportedHazardRatio {
    /// Hazard ratio.
    pub hr: f64,
    /// Lower 95 % bound.
    pub lo: f64,
    /// Upper 95 % bound.
    pub hi: f64,
}

/// A metastatic breast trial (JSON: `data/trials/breast/*.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MbcTrialSpec {
    /// Trial and cohort name.
    pub name: String,
    /// Citation of every reported value.
    pub source: String,
    /// Seed of the virtual cohort.
    pub seed: u64,
    /// Virtual patients (the same patients in every arm).
    pub n_per_arm: usize,
    /// Baseline table.
    pub cohort: MbcCohortSpec,
    /// Weeks between tumour assessments.
    pub scan_interval_weeks: f64,
    /// Follow-up range (months) over which patients are censored (staggered accrual).
    pub follow_up_months: (f64, f64),
    /// Arms; the hazard ratio is arm 2 vs arm 1.
    pub arms: Vec<MbcArmSpec>,
    /// Reported PFS hazard ratio of arm 2 vs arm 1.
    #[serde(default)]
    pub reported_hr: Option<ReportedHazardRatio>,
}

/// Predicted and reported outcomes of one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MbcArmResult {
    /// Arm name.
    pub name: String,
    /// Predicted median PFS with its 95 % interval.
    pub pfs: MedianMonths,
    /// Reported median PFS, months.
    pub reported_median_pfs_months: f64,
    /// Predicted objective response rate.
    pub response_rate: f64,
    /// Reported response rate, if given.
    pub reported_response_rate: Option<f64>,
}

/// Result of a trial emulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MbcTrialResult {
    /// Trial name.
    pub name: String,
    /// Arms in spec order.
    pub arms: Vec<MbcArmResult>,
    /// Predicted PFS hazard ratio of arm 2 vs arm 1 (Cox, Wald 95 % CI).
    pub hr: Option<HazardRatio>,
    /// Reported hazard ratio.
    pub reported_hr: Option<ReportedHazardRatio>,
}

impl MbcTrialResult {
    /// Whether arm `a`'s predicted median PFS is within `tolerance` (e.g. 0.2) of the reported one.
    pub fn median_within(&self, a: usize, tolerance: f64) -> bool {
        self.arms.get(a).is_some_and(|r| {
            r.pfs
                .median
                .is_some_and(|m| (m / r.reported_median_pfs_months - 1.0).abs() <= tolerance)
        })
    }

    /// Whether the predicted hazard ratio lies inside the reported 95 % CI.
    pub fn hr_inside_reported_ci(&self) -> bool {
        matches!((self.hr, self.reported_hr), (Some(h), Some(r)) if r.lo <= h.hr && h.hr <= r.hi)
    }
}

impl MbcTrialSpec {
    /// Read a spec from JSON.
    pub fn from_json(text: &str) -> Result<Self> {
        let spec: Self = serde_json::from_str(text)
            .map_err(|e| OncologyError::invalid("trial spec", e, "valid trial JSON"))?;
        spec.validate()?;
        Ok(spec)
    }

    /// Check the spec.
    pub fn validate(&self) -> Result<()> {
        let range = crate::error::check_in_range;
        self.cohort.validate()?;
        range("scan_interval_weeks", self.scan_interval_weeks, 1.0, 52.0)?;
        range(
            "follow_up_months.0",
            self.follow_up_months.0,
            1.0,
            self.follow_up_months.1,
        )?;
        range("follow_up_months.1", self.follow_up_months.1, 1.0, 240.0)?;
        if self.arms.is_empty() || self.n_per_arm < 10 {
            return Err(OncologyError::invalid(
                "arms / n_per_arm",
                format!("{} / {}", self.arms.len(), self.n_per_arm),
                "at least one arm and 10 patients",
            ));
        }
        for a in &self.arms {
            range(
                "reported_median_pfs_months",
                a.reported_median_pfs_months,
                0.1,
                240.0,
            )?;
            for t in &a.therapies {
                t.dose_ratio()?;
            }
        }
        Ok(())
    }

    /// The virtual cohort under `efficacy`'s variability.
    pub fn patients(&self, efficacy: &Efficacy) -> Result<Vec<VirtualMbcPatient>> {
        let f = self.follow_up_months;
        sample_patients(
            &self.cohort,
            efficacy,
            self.n_per_arm,
            (f.0 * DAYS_PER_MONTH, f.1 * DAYS_PER_MONTH),
            self.seed,
        )
    }

    /// Courses of every patient on arm `a` (an index into [`Self::arms`]; out of
    /// range is an error).
    pub fn courses(
        &self,
        patients: &[VirtualMbcPatient],
        a: usize,
        efficacy: &Efficacy,
    ) -> Result<Vec<MbcCourse>> {
        let arm = &self
            .arms
            .get(a)
            .ok_or_else(|| {
                OncologyError::invalid(
                    "arm index",
                    a,
                    format!(
                        "0 to {} (the spec's arms)",
                        self.arms.len().saturating_sub(1)
                    ),
                )
            })?
            .therapies;
        let scan = self.scan_interval_weeks * 7.0;
        patients
            .par_iter()
            .map(|p| simulate(p, arm, efficacy, scan))
            .collect()
    }
}

/// Kaplan–Meier median PFS of courses, months.
pub fn median_pfs(courses: &[MbcCourse]) -> Result<MedianMonths> {
    let (t, e): (Vec<f64>, Vec<bool>) = courses.iter().map(|c| (c.pfs_days, c.progressed)).unzip();
    median_months(&t, &e)
}

/// Run every arm on the same patients; deterministic given the seed.
pub fn run_mbc_trial(spec: &MbcTrialSpec, efficacy: &Efficacy) -> Result<MbcTrialResult> {
    spec.validate()?;
    let patients = spec.patients(efficacy)?;
    let courses: Vec<Vec<MbcCourse>> = (0..spec.arms.len())
        .map(|a| spec.courses(&patients, a, efficacy))
        .collect::<Result<_>>()?;
    let arms = spec
        .arms
        .iter()
        .zip(&courses)
        .map(|(arm, c)| {
            Ok(MbcArmResult {
                name: arm.name.clone(),
                pfs: median_pfs(c)?,
                reported_median_pfs_months: arm.reported_median_pfs_months,
                response_rate: c.iter().filter(|x| x.responded).count() as f64 / c.len() as f64,
                reported_response_rate: arm.reported_response_rate,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let hr = if courses.len() >= 2 {
        let mut rows = Vec::new();
        let (mut time, mut event) = (Vec::new(), Vec::new());
        for (x, c) in [(0.0, &courses[0]), (1.0, &courses[1])] {
            for course in c {
                rows.push(vec![x]);
                time.push(course.pfs_days);
                event.push(course.progressed);
            }
        }
        Some(cox_hr(rows, time, event)?)
    } else {
        None
    };
    Ok(MbcTrialResult {
        name: spec.name.clone(),
        arms,
        hr,
        reported_hr: spec.reported_hr,
    })
}

/// Fit one value of `efficacy` (set by `set`) so that arm `a` of `spec`
/// reproduces its reported median PFS: bisection on the value's logarithm
/// over `ln_range`, for a median that increases with the value (a kill rate, the
/// endocrine factor). Same patients at every step. Returns the fitted value.
pub fn fit_to_median(
    spec: &MbcTrialSpec,
    a: usize,
    efficacy: &mut Efficacy,
    set: impl Fn(&mut Efficacy, f64),
    ln_range: (f64, f64),
) -> Result<f64> {
    let target = spec
        .arms
        .get(a)
        .ok_or_else(|| OncologyError::invalid("arm", a, "an arm of the spec"))?
        .reported_median_pfs_months;
    let patients = spec.patients(efficacy)?;
    let (mut lo, mut hi) = ln_range;
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        set(efficacy, mid.exp());
        let m = median_pfs(&spec.courses(&patients, a, efficacy)?)?.median;
        if m.is_some_and(|m| m < target) {
            lo = mid
        } else {
            hi = mid
        }
    }
    let v = (0.5 * (lo + hi)).exp();
    set(efficacy, v);
    Ok(v)
}

/// Fit one agent's kill rate (1e-5–0.5 /day) to arm `a`'s reported median PFS
/// ([`fit_to_median`]); the fitted value records the arm.
pub fn fit_agent_to_arm(
    spec: &MbcTrialSpec,
    a: usize,
    agent: Agent,
    efficacy: &mut Efficacy,
) -> Result<f64> {
    let label = format!(
        "{} {}",
        spec.name,
        spec.arms.get(a).map_or("", |x| x.name.as_str())
    );
    fit_to_median(
        spec,
        a,
        efficacy,
        |e, v| e.set_kill(agent, v, &label),
        (1e-5f64.ln(), 0.5f64.ln()),
    )
}
