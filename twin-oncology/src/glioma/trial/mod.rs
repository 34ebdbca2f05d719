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
//! dependence, the MGMT-methylated α multiplier and the temozolomide MGMT factors, to
//! **Stupp 2005** (median OS 12.1 vs 14.6 months), **Hegi 2005** (methylated: 15.3 vs
//! 21.7 months) and the age hazard ratio of **Abedi 2021** (1.18 per decade).
//! Held out: Stupp's PFS, 2-year survival and hazard ratio; Stupp 2009's 5-year
//! survival; **Roa 2004** (elderly, 60 Gy/30 vs 40 Gy/15) and **Perry 2017** (elderly,
//! 40 Gy/15 ± temozolomide, with MGMT strata). Taken from a further publication: the
//! cap of six effective adjuvant cycles (GEINO 14-01, [`course::EFFECTIVE_ADJUVANT_CYCLES`]).
//! The results table is in the crate docs; the checks in `tests/glioma_trial.rs`.

pub mod course;
pub mod emulate;
pub mod population;
pub mod radial;

pub use course::{Course, CourseOptions, GbmArm, simulate_course};
pub use emulate::{
    GbmArmResult, GbmArmSummary, GbmTrialResult, GbmTrialSpec, HazardRatio, MedianMonths,
    run_gbm_trial,
};
pub use population::{GbmCohortSpec, GbmPopulation, Surgery, VirtualGbmPatient, sample_patients};
pub use radial::RadialTumour;
