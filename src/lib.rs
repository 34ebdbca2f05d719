//! # patient-twin
//!
//! Facade over the patient-twin workspace: each crate re-exported as a module.
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`core`] | `twin-core` | ODE/PDE solvers, schedules, calibration, cohorts, sensitivity |
//! | [`io`] | `twin-io` | FHIR R4, CSV/JSON, NIfTI, units, pseudonymisation |
//! | [`validate`] | `twin-validate` | metrics, survival metrics, CIs, subgroup audits, reports |
//! | [`oncology`] | `twin-oncology` | glioblastoma and breast-cancer twins |
//! | [`cardiac`] | `twin-cardiac` | atrial-fibrillation twin |
//! | [`metabolic`] | `twin-metabolic` | type 2 diabetes twin |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use twin_cardiac as cardiac;
pub use twin_core as core;
pub use twin_io as io;
pub use twin_metabolic as metabolic;
pub use twin_oncology as oncology;
pub use twin_validate as validate;
