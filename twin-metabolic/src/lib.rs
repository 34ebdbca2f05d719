//! # twin-metabolic
//!
//! Type 2 diabetes twin. (Being built; see the crate's issue.)
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod check;
pub mod drugs;
pub mod error;
pub mod glycaemia;
pub mod history;
pub mod kidney;
pub mod model;
pub mod plan;
pub mod report;
pub mod risk;
pub mod trial;
pub mod twin;
pub mod weight;

pub use drugs::{Drug, DrugOrder};
pub use error::{MetabolicError, Result};
pub use history::History;
pub use model::{
    Baseline, Constants, PatientModel, PatientParams, SafetyFlag, State, StepOptions, Trajectory,
};
pub use plan::Plan;
pub use twin::{Twin, TwinOptions};
