//! Ablation twin: lesion sets (PVI, roof, mitral isthmus, posterior box,
//! twin-guided rotor targets), AF inducibility by pacing from many sites, and
//! the choice of the strategy with the least ablated area that renders AF
//! non-inducible.

pub mod inducibility;
pub mod lesion;
pub mod strategy;

pub use inducibility::{InducibilityProtocol, InducibilityResult, inducibility};
pub use lesion::{LineLesion, disk_lesion, union};
pub use strategy::{Strategy, StrategyOutcome, lesion_set, recommend, rotor_targets};
