//! Tissue: substrate (geometry, fibres, conductivity, regions) and the
//! monodomain solver with stimulus protocols.

pub mod monodomain;
pub mod protocol;
mod stencil;
pub mod substrate;

pub use monodomain::{Monodomain, NO_NODE, Site, Stimulus};
pub use protocol::cross_field_s1s2;
pub use substrate::{Substrate, diffusivity_mm2_per_ms};
