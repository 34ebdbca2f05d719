//! # twin-cardiac
//!
//! Atrial-fibrillation twin: atrial electrophysiology from ion channels to
//! tissue, fibrosis, AF inducibility and ablation strategies.
//!
//! * [`cell`]: membrane models — Mitchell–Schaeffer 2003, Aliev–Panfilov 1996,
//!   Courtemanche–Ramirez–Nattel 1998 (with chronic-AF remodelling) and
//!   ten Tusscher–Panfilov 2006 epicardial — plus single-cell protocols
//!   (APD90, S1–S2 restitution, effective refractory period).
//!
//! Time is in ms, voltage in mV (phenomenological models are dimensionless
//! and map to mV for display), lengths in mm.
//!
//! ```
//! use twin_cardiac::cell::{MitchellSchaeffer, pace_to_steady_state};
//! let ms = MitchellSchaeffer::default();
//! let (_, _, ap) = pace_to_steady_state(&ms, 1000.0, 3, 0.05).unwrap();
//! assert!(ap.apd90_ms > 150.0 && ap.apd90_ms < ms.apd_max_ms() * 1.1);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ablation;
pub mod analysis;
pub mod cell;
pub mod error;
pub mod fibrosis;
pub mod geometry;
pub mod patient;
pub mod plot;
pub mod tissue;

pub use error::{CardiacError, Result};
