//! Partial differential equations on masked 2D/3D voxel grids.

pub mod grid;

pub use grid::{Domain, Grid};
