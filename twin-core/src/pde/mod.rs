//! Partial differential equations on masked 2D/3D voxel grids.
//!
//! Reaction–diffusion `∂u/∂t = ∇·(D ∇u) + f(u)` with no-flux conditions on the
//! mask boundary, for tumour growth (Fisher–KPP, `f = ρ u (1 − u)`) or tissue
//! conduction (monodomain, with the cell model stepped by the caller):
//!
//! - [`DiffusionOperator`]: the conservative finite-volume operator for scalar
//!   (harmonic face means) or anisotropic fibre tensors
//!   `D = d_t I + (d_l − d_t) f fᵀ`, with its stable explicit step;
//! - [`DiffusionStepper`]: explicit steps, implicit backward Euler /
//!   Crank–Nicolson steps solved matrix-free by Jacobi-preconditioned CG,
//!   local reactions ([`Logistic`] in closed form, any [`PerVoxel`] closure)
//!   and Strang splitting; parallel over slabs, bitwise reproducible for any
//!   thread count, allocation-free in steps;
//! - [`analysis`]: integrals, volumes above a threshold, front radii, trilinear
//!   resampling, slices; [`plot`]: SVG heat maps.
//!
//! ```
//! use twin_core::pde::{DiffusionOperator, DiffusionStepper, Domain, Grid, Logistic, analysis};
//! let grid = Grid::new_2d(64, 64, 0.5, 0.5)?;
//! let domain = Domain::full(grid);
//! let op = DiffusionOperator::uniform(&domain, 0.1)?; // mm²/day
//! let mut stepper = DiffusionStepper::new(op);
//! let mut u = grid.zeros();
//! u[[32, 32, 0]] = 1.0;
//! let dt = 0.9 * stepper.stable_dt(); // days
//! stepper.strang_explicit(&mut u, dt, 100, &Logistic::new(0.05, 1.0)?)?;
//! let mass = analysis::integral(&domain, &u)?;
//! assert!(mass > 0.25); // diffusion conserves the initial 0.25, growth adds
//! # Ok::<(), twin_core::CoreError>(())
//! ```

pub mod analysis;
pub mod grid;
pub mod operator;
pub mod plot;
pub mod reaction;
pub mod stepper;

pub use grid::{Domain, Grid};
pub use operator::{DiffusionOperator, FaceMean};
pub use reaction::{LocalReaction, Logistic, PerVoxel};
pub use stepper::{CgOptions, CgReport, DiffusionStepper, ImplicitScheme};
