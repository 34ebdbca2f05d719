//! # twin-oncology
//!
//! Oncology twins (glioblastoma, breast cancer). (Being built; see the crate's issue.)
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;

pub use error::{OncologyError, Result};
