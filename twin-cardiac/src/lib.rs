//! # twin-cardiac
//!
//! Atrial-fibrillation twin: atrial electrophysiology from ion channels to
//! tissue, fibrosis, AF inducibility and ablation strategies.
//!
//! * [`cell`]: membrane models — Mitchell–Schaeffer 2003, Aliev–Panfilov 1996,
//!   Courtemanche–Ramirez–Nattel 1998 (with chronic-AF remodelling) and
//!   ten Tusscher–Panfilov 2006 epicardial — plus single-cell protocols
//!   (APD90, S1–S2 restitution, effective refractory period).
//! * [`tissue`]: monodomain `∂V/∂t = ∇·(D∇V) − I_ion/C_m + I_stim` on masked
//!   2D/3D grids with a fibre-based anisotropic tensor, operator splitting
//!   (Rush–Larsen gates) with fused explicit diffusion or semi-implicit
//!   θ-scheme diffusion (Crank–Nicolson / backward Euler, conjugate gradients),
//!   stimulus protocols (S1 trains, burst pacing, S1–S2 cross-field).
//!   Ionic models may take substeps where V moves fast
//!   ([`cell::CellModel::advance_node`]); the tabulated Courtemanche model
//!   does, so 1 s on a 160,000-node sheet runs at 0.2 ms steps with < 1 %
//!   CV error (`tests/crn_tissue.rs`, `examples/crn_sheet`).
//! * [`analysis`]: activation times, conduction velocity, time-delay and
//!   Hilbert-transform phase, phase singularities with topological charge,
//!   rotor tracking, FFT dominant-frequency maps, AF sustained/terminated.
//! * [`fibrosis`], [`geometry`], [`patient`]: fibrosis maps, a 2D left-atrial
//!   sheet with PV sleeves and rule-based fibres, virtual AF patients.
//! * [`ablation`]: lesion sets (PVI, roof, mitral, box, rotor targets),
//!   PEERP-style inducibility, strategy recommendation. [`plot`]: SVG maps.
//! * [`cohort`]: a seeded virtual AF cohort whose truth differs from the twin
//!   in structure (fibrotic I_Na loss, fibre disarray, the patient's own CV
//!   and remodelling, finer grid and protocol); clinical recurrence at 325
//!   days through a trigger/expression layer whose two probabilities are
//!   fitted to DECAAF's four Utah-stage rates ([`cohort::recurrence`]); the
//!   twin's simulation features ([`cohort::TwinFeatures`]) for hybrid
//!   prediction (`examples/af_cohort`).
//!
//! ## The twin of one patient, from record to ranked strategies ([`digital`])
//! [`AfTwin`] implements `twin_core::twin::DigitalTwin`: the record (AF type from
//! ICD-10 I48.x, age, LGE fibrosis burden, LA diameter) → calibration through
//! `twin_core::calibrate` (burden, LA diameter, conduction velocity and remodelling
//! with population priors; CV and remodelling are not measured and stay at their
//! priors) → per strategy (PVI, PVI+roof, +mitral, +box, +roof+mitral) the
//! inducible fraction on the patient's LA sheet at the posterior mode and draws
//! (each with its own fibrosis map and CV) and the probability of freedom from AF
//! at 325 days with a 95 % interval → ranked by freedom from AF, then least
//! ablated area.
//!
//! ```no_run
//! use twin_cardiac::AfTwin;
//! use twin_core::twin::{CalibrateOptions, DigitalTwin};
//! # fn demo(record: twin_io::record::PatientRecord) -> twin_cardiac::Result<()> {
//! let twin = AfTwin::calibrate(&record, &CalibrateOptions::default())?;
//! let result = twin.what_if(&[], &CalibrateOptions::default())?; // candidate strategies
//! println!("{}", result.ranking.explanation);
//! # Ok(()) }
//! ```
//!
//! References: Mitchell & Schaeffer 2003 (Bull Math Biol 65:767); Aliev &
//! Panfilov 1996 (Chaos Solitons Fractals 7:293); Courtemanche et al. 1998
//! (Am J Physiol 275:H301); ten Tusscher & Panfilov 2006 (Am J Physiol
//! 291:H1088); Niederer et al. 2011 (Phil Trans R Soc A 369:4331).
//!
//! Time is in ms, voltage in mV (phenomenological models are dimensionless
//! and map to mV for display), lengths in mm.
//!
//! ```
//! use twin_cardiac::cell::{MitchellSchaeffer, pace_to_steady_state};
//! let ms = MitchellSchaeffer::default();
//! let (_, _, ap) = pace_to_steady_state(&ms, 1000.0, 3, 0.05).unwrap();
//! // APD_max = τ_close ln(τ_out/4τ_in) plus the slow passage through the fold.
//! assert!(ap.apd90_ms > ms.apd_max_ms() && ap.apd90_ms < 1.25 * ms.apd_max_ms());
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ablation;
pub mod analysis;
pub mod cell;
pub mod cohort;
pub mod digital;
pub mod error;
pub mod fibrosis;
pub mod geometry;
pub mod patient;
pub mod plot;
pub mod tissue;

pub use digital::AfTwin;
pub use error::{CardiacError, Result};
