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
//! | [`app`] | — | drive any twin through [`core::twin::DigitalTwin`]: load a record, calibrate, forecast, rank, write JSON |
//! | [`report`] | — | the self-contained HTML patient report page of a [`core::twin::TwinResult`] |
//!
//! The `patient-twin` binary (feature `cli`, on by default) is the command line
//! over [`app`]: `patient-twin t2d report --record data/synthetic/t2d_patient.json --out out/t2d`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use twin_cardiac as cardiac;
pub use twin_core as core;
pub use twin_io as io;
pub use twin_metabolic as metabolic;
pub use twin_oncology as oncology;
pub use twin_validate as validate;

pub mod app;
pub mod report;
