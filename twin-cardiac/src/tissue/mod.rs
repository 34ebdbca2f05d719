//! Tissue: substrate (geometry, fibres, conductivity, regions) and the
//! monodomain solver with stimulus protocols.

mod implicit;
pub mod monodomain;
pub(crate) mod node;
pub mod protocol;
mod stencil;
pub mod substrate;

pub use implicit::SolveStats;
pub use monodomain::{DiffusionScheme, Monodomain, Site, Stimulus};
pub use node::NO_NODE;
pub use protocol::cross_field_s1s2;
pub use substrate::{Substrate, diffusivity_mm2_per_ms};
