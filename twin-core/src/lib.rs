//! # twin-core
//!
//! The disease-agnostic engine of patient-twin: ODE solvers, treatment schedules,
//! reaction–diffusion on masked grids, calibration to one patient's data, virtual
//! cohorts and sensitivity analysis. It knows nothing about any disease.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod pde;

pub use error::{CoreError, Result};
