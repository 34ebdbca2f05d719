//! Ablation twin: lesion sets (PVI, roof, mitral isthmus, posterior box,
//! twin-guided targets) with transmurality and gaps, AF inducibility by
//! pacing from many sites, iterative twin-guided ablation, and the choice of
//! the strategy with the least ablated area that renders AF non-inducible.

pub mod guided;
pub mod inducibility;
pub mod lesion;
pub mod strategy;

pub use guided::{GuideOptions, GuidedAblation, guided_ablation};
pub use inducibility::{
    Episode, InducibilityProtocol, InducibilityResult, atrial_body, inducibility, observe_episode,
    outer_boundary, pace_site, pacing_sites,
};
pub use lesion::{
    LesionOptions, LineLesion, ablated_measure_cm, apply_lesions, depth_map, disk_lesion, union,
};
pub use strategy::{Strategy, StrategyOutcome, lesion_set, recommend, rotor_targets};
