//! # twin-metabolic
//!
//! Type 2 diabetes twin. (Being built; see the crate's issue.)
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;

pub use error::{MetabolicError, Result};
