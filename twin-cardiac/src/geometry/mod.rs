//! Atrial geometries: a 2D left-atrial sheet ([`sheet`]), a parametric 3D
//! left atrium on a voxel grid ([`atrium`]), and patient geometry and
//! fibrosis read from NIfTI label maps ([`labels`]) or from openCARP
//! tetrahedral meshes ([`carp`]). Region labels select
//! the cell model: 0 = atrial body, 1 = PV sleeves.
//!
//! A real-shaped left atrium ships with the repository: the CT-derived wall of case 01
//! of Rodero et al. 2021's healthy four-chamber meshes, as openCARP text in
//! `data/atria/rodero01_la/` (source and licence in `data/README.md`); it voxelises
//! to its wall volume and conducts (`tests/carp_mesh.rs`); `examples/la_mesh.rs` induces
//! re-entry in it with a cross-field S2 and writes activation and phase maps.

pub mod atrium;
pub mod carp;
pub mod labels;
pub mod sheet;

pub use atrium::{LeftAtrium, LeftAtriumSpec, Opening, ellipsoidal_shell};
pub use carp::CarpMesh;
pub use labels::{
    AtriumLabels, atrium_from_labels, labels_of, read_atrium_nifti, write_atrium_nifti,
};
pub use sheet::{AtrialSheet, AtrialSheetSpec, Pv};
