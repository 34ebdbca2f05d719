//! # twin-validate
//!
//! Validation of digital twins against held-out outcomes. (Being built; see the crate's issue.)
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;

pub use error::{Result, ValidateError};
