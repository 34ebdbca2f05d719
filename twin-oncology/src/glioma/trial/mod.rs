//! Trial-level validation of the glioma model: virtual glioblastoma cohorts from trial
//! baseline tables, treated as the trials' arms, scanned, progressing and dying by the
//! tumour-burden rules of [`course`].
//!
//! * [`radial`] — the proliferation–invasion PDE in spherical symmetry (fast enough for
//!   thousands of patients per arm).
//! * [`population`] — published and fitted population values, cohort sampling (age,
//!   extent of surgery, MGMT, pre-operative volume, D, ρ, α, lethal burden).
//! * [`course`] — one patient's course and the link from burden to progression and
//!   death.
//! * [`emulate`] — arms, Kaplan–Meier medians, Cox hazard ratios, MGMT strata.
//!
//! ## What was fitted and what was held out
//! Fitted (`cargo run --release --example gbm_trial_fit`): the lethal volume and its age
//! dependence, the MGMT-methylated α multiplier, the temozolomide MGMT factors, the
//! population α multiplier, the salvage kill and the fraction of pseudoprogressions
//! recorded as progression, to **Stupp 2005** (median OS 12.1 vs 14.6 months; median
//! PFS 5.0 vs 6.9), **Hegi 2005** (methylated: 15.3 vs 21.7 months), the age hazard
//! ratio of **Abedi 2021** (1.18 per decade) and the survival after progression of
//! treated patients of **Franceschi 2015** (8.6 months). Held out: Stupp's 2-year
//! survival and hazard ratios (the PFS hazard ratio only partly: both arms' PFS medians
//! are fitted); Stupp 2009's 5-year survival; survival after an untreated recurrence;
//! PFS by MGMT status (Alnahhas 2020); **Roa 2004** (elderly, 60 Gy/30 vs 40 Gy/15) and
//! **Perry 2017** (elderly, 40 Gy/15 ± temozolomide, with MGMT strata); **ANOCEF 2007**
//! (Keime-Guibert; ≥ 70, radiotherapy vs supportive care, added after every fit). Taken from
//! further publications: the cap of six effective adjuvant cycles (GEINO 14-01,
//! [`course::EFFECTIVE_ADJUVANT_CYCLES`]), the fraction treated at progression
//! ([`GbmPopulation::salvage_fraction`]) and the pseudoprogression rates by arm and
//! MGMT status (Gerstner 2009, Brandes 2008).
//! The results table is in the crate docs; the checks in `tests/glioma_trial.rs`.

pub mod course;
pub mod emulate;
pub mod population;
pub mod radial;

pub use course::{
    Course, CourseOptions, GbmArm, SALVAGE_CYCLE_DAYS, SALVAGE_CYCLES, simulate_course,
};
pub use emulate::{
    AfterProgression, GbmArmResult, GbmArmSummary, GbmTrialResult, GbmTrialSpec, HazardRatio,
    MedianMonths, run_gbm_trial,
};
pub use population::{GbmCohortSpec, GbmPopulation, Surgery, VirtualGbmPatient, sample_patients};
pub use radial::RadialTumour;
