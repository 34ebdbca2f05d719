//! # twin-cardiac
//!
//! Atrial-fibrillation twin. (Being built; see the crate's issue.)
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;

pub use error::{CardiacError, Result};
