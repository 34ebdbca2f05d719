//! # twin-core
//!
//! The disease-agnostic engine of patient-twin: ODE solvers, treatment schedules,
//! reaction–diffusion on masked grids, calibration to one patient's data, virtual
//! cohorts and sensitivity analysis. It knows nothing about any disease.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calibrate;
pub mod cohort;
pub mod error;
pub mod ode;
pub mod pde;
pub mod pk;
pub mod schedule;
pub mod sensitivity;
pub mod twin;

pub use error::{CoreError, Result};
