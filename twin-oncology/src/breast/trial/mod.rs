//! Metastatic breast cancer trials reproduced by a population of Claret-model
//! tumours: agent-specific kill rates with their own between-patient
//! variability, biomarker requirements, dose intensity and endocrine
//! cross-resistance ([`agents`], [`efficacy`]); virtual cohorts from baseline
//! tables ([`cohort`]); closed-form courses with RECIST progression seen at the
//! trial's scans ([`course`]); medians, response rates and hazard ratios next to
//! the reported ones ([`emulate`]); the triple-negative subtypes' chemotherapy
//! multipliers and the Ki-67 groups' endocrine multipliers, bridged from published
//! response odds ratios and progression-time ratios ([`bridge`]). Which trial arm fitted which value and which trials are
//! held out: [`efficacy::Efficacy::fitted`] and the crate docs.

pub mod agents;
pub mod bridge;
pub mod cohort;
pub mod course;
pub mod efficacy;
pub mod emulate;
pub mod forecast;

pub use agents::{Agent, Biomarkers, Ki67Group, Therapy, TnbcSubtype};
pub use efficacy::Efficacy;
pub use emulate::{MbcTrialResult, MbcTrialSpec, fit_agent_to_arm, fit_to_median, run_mbc_trial};
pub use forecast::{
    MbcForecast, PatientProfile, PreviousLine, forecast_regimens, standard_candidates,
};
