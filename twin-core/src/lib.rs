//! # twin-core
//!
//! The disease-agnostic engine of patient-twin. A digital twin is a mechanistic
//! model + one patient's data + calibration + what-if simulation + validation;
//! this crate supplies every piece of that path except the disease knowledge.
//!
//! | module | what it solves |
//! |---|---|
//! | [`ode`] | `dy/dt = f(t, y)`: Dormand–Prince 5(4) (non-stiff) and RODAS4 (stiff, L-stable Rosenbrock), automatic stiffness switching, dense output, events |
//! | [`schedule`] | treatment [`schedule::Plan`]s (bolus, infusion, parameter change, reset); integration restarts at every intervention |
//! | [`twin`] | the shape of every twin: the model traits ([`twin::DiseaseModel`], [`twin::Observation`], [`twin::Forecast`]) and the one patient-twin interface [`twin::DigitalTwin`] → [`twin::TwinResult`] (versioned JSON schema, ranking with a stated objective) |
//! | [`pk`] | a one-compartment oral PK model: the pattern later twins follow |
//! | [`pde`] | `∂u/∂t = ∇·(D(x)∇u) + R(u)` on masked 2D/3D grids: heterogeneous and anisotropic diffusion (flux form, no-flux mask boundary), explicit and implicit (PCG) steps, Strang splitting, analysis tools |
//! | [`calibrate`] | fit parameters to a patient: bounded transforms, priors, likelihoods, multi-start optimisation (argmin), Laplace intervals, ensemble MCMC, identifiability |
//! | [`cohort`] | virtual populations (correlated marginals, LHS, Sobol), simulated in parallel, reproducible by seed |
//! | [`sensitivity`] | global sensitivity: Sobol first-order/total indices (Saltelli, Jansen) and Morris screening |
//! | [`stats`] | shared small statistics: the 95 % normal quantile, type-7 sample quantiles, the Wilson score interval |
//!
//! Units are the model's own and are named in every API (`t_h`, `t_days`, `t_ms`,
//! `spacing_mm`). All randomness takes an explicit seed (`rand_chacha`), and
//! parallel results are identical for any number of threads.
//!
//! References: Hairer, Nørsett & Wanner (1993) *Solving ODEs I*; Hairer & Wanner
//! (1996) *Solving ODEs II*; Saltelli et al. (2010) *Comput. Phys. Commun.* 181:259;
//! Goodman & Weare (2010) *CAMCoS* 5:65; Haario et al. (2001) *Bernoulli* 7:223.
//!
//! ```
//! use twin_core::pk::{OneCompartmentOral, OralDose, PkParams, PlasmaConcentration};
//! use twin_core::schedule::Plan;
//! use twin_core::twin::{DiseaseModel, Observation};
//!
//! // "100 mg every 8 h for 7 days" is one call; the solver restarts at every dose.
//! let params = PkParams::default();
//! let plan = Plan::every(0.0, 8.0, 168.0, OralDose { amount_mg: 100.0 }).unwrap();
//! let model = OneCompartmentOral::new(params);
//! let traj = model.simulate(&params, &plan, 168.0).unwrap();
//! let obs = PlasmaConcentration { volume_l: params.volume_l };
//! let c_end = obs.observe(traj.states.last().unwrap())[0];
//! // The ODE solution equals the closed-form superposition of 21 single doses.
//! let doses: Vec<(f64, f64)> = plan.items().iter().map(|d| (d.t, 100.0)).collect();
//! let exact = params.concentration_closed_form(&doses, 168.0).unwrap();
//! assert!((c_end - exact).abs() < 1e-6 * exact);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calibrate;
pub mod cohort;
pub mod error;
pub mod ode;
pub mod pde;
pub mod pk;
pub mod schedule;
pub mod sensitivity;
pub mod stats;
pub mod twin;

pub use error::{CoreError, Result};

// The linear-algebra and array crates in twin-core's public signatures (e.g.
// `OdeSystem::jacobian` takes a `nalgebra::DMatrix`, grids are `ndarray` arrays),
// re-exported so an implementer uses exactly the versions twin-core was built with.
pub use nalgebra;
pub use ndarray;
