//! # twin-metabolic
//!
//! Type 2 diabetes twin. (Being built; see the crate's issue.)
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod check;
pub mod error;
pub mod glycaemia;
pub mod kidney;
pub mod risk;

pub use error::{MetabolicError, Result};
