//! Ordinary differential equations: the integrator every twin's equations run on.
//!
//! A model implements [`OdeSystem`] (`dy/dt = f(t, y)`, optionally its Jacobian) and
//! calls [`solve`] with [`SolverOptions`]:
//!
//! - [`Method::Dopri5`]: explicit Dormand–Prince 5(4) with FSAL, PI step-size control
//!   and a 4th-order continuous extension (Dormand & Prince 1980; Hairer, Nørsett &
//!   Wanner 1993, *Solving ODEs I*, §II.5 and §II.6).
//! - [`Method::Rodas4`]: the L-stable, stiffly accurate Rosenbrock method RODAS of order
//!   4(3) with a 3rd-order dense output (Hairer & Wanner 1996, *Solving ODEs II*, §VI.4,
//!   coefficients of `rodas.f`, METH = 1), LU of `W = I/(γh) − J` and a predictive
//!   (Gustafsson) step-size controller. The Jacobian is analytic when the system gives
//!   one, otherwise a forward difference with increments `sqrt(ε·max(1e-5, |y_j|))`.
//! - [`Method::Auto`]: starts with Dopri5 and switches to Rodas4 for the rest of the
//!   integration when Hairer's stiffness test (`h·|λ| > 3.25` on 15 of the recent
//!   accepted steps) fires.
//!
//! Conservation laws a system declares ([`OdeSystem::linear_invariants`]) are kept by
//! projecting every accepted step onto them; a right-hand side that returns NaN or ±inf
//! at every step size is reported as [`CoreError::NonFinite`]
//! naming the component, not as a step-size underflow. Verified against the stiff
//! test-set problems in [`problems`] (Robertson, Van der Pol, HIRES, E5, OREGO, POLLU;
//! `tests/ode_reference.rs`, `tests/ode_stiff_testset.rs`).
//!
//! Output is produced at requested times by dense output (no step is shortened to hit
//! them); events (`g(t, y) = 0`) are located by root finding on the dense output.
//! Treatment schedules that restart integration at every dose live in
//! [`crate::schedule`].
//!
//! ```
//! use twin_core::ode::{solve, FnSystem, SolverOptions};
//! // Exponential decay y' = -0.5 y, y(0) = 2.
//! let sys = FnSystem::new(1, |_t, y: &[f64], dy: &mut [f64]| dy[0] = -0.5 * y[0]);
//! let sol = solve(&sys, 0.0, &[2.0], 4.0, &[1.0, 4.0], &SolverOptions::default()).unwrap();
//! assert!((sol.y[1][0] - 2.0 * (-2.0f64).exp()).abs() < 1e-6);
//! ```

mod dense;
mod dopri5;
mod driver;
mod events;
mod integrator;
mod linalg;
pub mod problems;
mod recorder;
mod rodas4;
mod switching;
mod tableau;

pub use dense::{DenseSolution, DenseStep};
pub(crate) use driver::validate_t_out;
pub use driver::{solve, solve_with_events};
pub use integrator::Integrator;
pub(crate) use integrator::{ensure_span, validate_y0};
pub(crate) use recorder::Recorder;

use crate::error::{CoreError, Result};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// A system of ordinary differential equations `dy/dt = f(t, y)`.
///
/// The time unit is the model's own (hours for pharmacokinetics, days for tumour
/// growth, milliseconds for cardiac cells); the solver never assumes one.
/// `Sync` so virtual cohorts can integrate many patients in parallel.
pub trait OdeSystem: Sync {
    /// Number of state variables.
    fn dim(&self) -> usize;

    /// Right-hand side: write `f(t, y)` into `dydt` (both of length [`dim`](Self::dim)).
    /// Called many times per step: must not allocate.
    fn rhs(&self, t: f64, y: &[f64], dydt: &mut [f64]);

    /// Analytic Jacobian `∂f_i/∂y_j` into `jac` (`dim × dim`, pre-sized).
    /// Return `false` (the default) to let the solver use finite differences.
    fn jacobian(&self, _t: f64, _y: &[f64], _jac: &mut DMatrix<f64>) -> bool {
        false
    }

    /// Linear invariants `cᵀy = const` of the system (conservation laws: total mass,
    /// atoms of an element), one coefficient vector of length [`dim`](Self::dim) each.
    /// Called once per integration. The integrator projects every accepted step back
    /// onto them (weighted by the error tolerances, so small components are not
    /// moved by more than their tolerance allows).
    ///
    /// Why: Rosenbrock methods (Rodas4) use the Jacobian inside the solution, and the
    /// rounding of its entries (`cᵀJ ≈ ε·|J|` instead of 0) feeds `γh·ε·|J||k|` into
    /// the invariant at every step. When the invariant lives on components many orders
    /// of magnitude below the others (E5: `y2 − y3 − y4` at 1e-22 beside `y1` at 1e-3)
    /// that drift is larger than the components themselves. The default declares none.
    fn linear_invariants(&self) -> Vec<Vec<f64>> {
        Vec::new()
    }

    /// `true` if `f` does not depend on `t` explicitly, which lets the stiff solver skip
    /// the finite-difference time derivative `∂f/∂t`. Default `false` (always safe).
    fn autonomous(&self) -> bool {
        false
    }

    /// Change parameter `index` to `value` (used by
    /// [`Action::SetParameter`](crate::schedule::Action::SetParameter) in a treatment
    /// plan). The default has no parameters and returns an error.
    fn set_parameter(&mut self, index: usize, value: f64) -> Result<()> {
        Err(CoreError::invalid(
            "parameter index",
            format!("{index} (value {value})"),
            "an index of a settable parameter; this system declares none",
        ))
    }
}

/// An [`OdeSystem`] from a closure `f(t, y, dydt)`.
#[derive(Clone)]
pub struct FnSystem<F> {
    dim: usize,
    f: F,
}

impl<F: Fn(f64, &[f64], &mut [f64]) + Sync> FnSystem<F> {
    /// Wrap the right-hand side `f` of a `dim`-dimensional system.
    pub fn new(dim: usize, f: F) -> Self {
        FnSystem { dim, f }
    }
}

impl<F: Fn(f64, &[f64], &mut [f64]) + Sync> OdeSystem for FnSystem<F> {
    fn dim(&self) -> usize {
        self.dim
    }
    fn rhs(&self, t: f64, y: &[f64], dydt: &mut [f64]) {
        (self.f)(t, y, dydt)
    }
}

/// Integration method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Method {
    /// Explicit Dormand–Prince 5(4): for non-stiff problems (orbits, slow kinetics).
    #[default]
    Dopri5,
    /// Rosenbrock RODAS 4(3), L-stable: for stiff problems (chemical kinetics,
    /// electrophysiology, fast binding in pharmacology).
    Rodas4,
    /// Dopri5 until stiffness is detected, then Rodas4 for the rest of the run.
    Auto,
}

/// Absolute tolerance: one value for every component, or one per component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Tolerance {
    /// The same absolute tolerance for every component (state units).
    Scalar(f64),
    /// One absolute tolerance per component (state units), length = `dim`.
    PerComponent(Vec<f64>),
}

impl From<f64> for Tolerance {
    fn from(v: f64) -> Self {
        Tolerance::Scalar(v)
    }
}

impl From<Vec<f64>> for Tolerance {
    fn from(v: Vec<f64>) -> Self {
        Tolerance::PerComponent(v)
    }
}

/// Options of [`solve`]. The local error of component `i` is kept below
/// `atol_i + rtol·|y_i|` (RMS over components).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SolverOptions {
    /// Relative tolerance (dimensionless), in `(0, 1)`. Default `1e-6`.
    pub rtol: f64,
    /// Absolute tolerance (state units), `> 0`. Default `1e-9`.
    pub atol: Tolerance,
    /// Initial step (time units); `None` = automatic (Hairer's `hinit`).
    pub h0: Option<f64>,
    /// Largest step (time units); `f64::INFINITY` = unlimited. Default unlimited.
    pub h_max: f64,
    /// Budget of steps (accepted + rejected). Default 1 000 000.
    pub max_steps: usize,
    /// Integration method. Default [`Method::Dopri5`].
    pub method: Method,
    /// Keep every step's interpolant in [`Solution::dense`]. Default `false`.
    pub dense_output: bool,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            rtol: 1e-6,
            atol: Tolerance::Scalar(1e-9),
            h0: None,
            h_max: f64::INFINITY,
            max_steps: 1_000_000,
            method: Method::Dopri5,
            dense_output: false,
        }
    }
}

impl SolverOptions {
    /// Options with the given method and tolerances, other fields default.
    pub fn new(method: Method, rtol: f64, atol: f64) -> Self {
        SolverOptions {
            method,
            rtol,
            atol: Tolerance::Scalar(atol),
            ..Default::default()
        }
    }

    /// Check every field for `dim` state variables.
    pub fn validate(&self, dim: usize) -> Result<()> {
        if !(self.rtol.is_finite() && self.rtol > 0.0 && self.rtol < 1.0) {
            return Err(CoreError::invalid("rtol", self.rtol, "a number in (0, 1)"));
        }
        match &self.atol {
            Tolerance::Scalar(a) => {
                if !(a.is_finite() && *a > 0.0) {
                    return Err(CoreError::invalid("atol", a, "a finite number > 0"));
                }
            }
            Tolerance::PerComponent(v) => {
                if v.len() != dim {
                    return Err(CoreError::ShapeMismatch {
                        what: "atol".into(),
                        expected: format!("{dim} components"),
                        found: format!("{} components", v.len()),
                    });
                }
                if let Some((i, a)) = v
                    .iter()
                    .enumerate()
                    .find(|(_, a)| !(a.is_finite() && **a > 0.0))
                {
                    return Err(CoreError::invalid(
                        format!("atol[{i}]"),
                        a,
                        "a finite number > 0",
                    ));
                }
            }
        }
        if let Some(h0) = self.h0
            && !(h0.is_finite() && h0 > 0.0)
        {
            return Err(CoreError::invalid("h0", h0, "a finite number > 0"));
        }
        if self.h_max.is_nan() || self.h_max <= 0.0 {
            return Err(CoreError::invalid(
                "h_max",
                self.h_max,
                "a number > 0 (or infinity)",
            ));
        }
        if self.max_steps == 0 {
            return Err(CoreError::invalid("max_steps", 0, "an integer >= 1"));
        }
        Ok(())
    }

    pub(crate) fn atol_of(&self, i: usize) -> f64 {
        match &self.atol {
            Tolerance::Scalar(a) => *a,
            Tolerance::PerComponent(v) => v[i],
        }
    }
}

/// Work counters of an integration (summed over segments for treatment plans).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Right-hand side evaluations (including those for finite-difference Jacobians).
    pub rhs_evals: usize,
    /// Jacobian evaluations (analytic or finite-difference).
    pub jac_evals: usize,
    /// LU decompositions of the Rosenbrock matrix.
    pub lu_decomps: usize,
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected steps (error too large, non-finite stage or singular matrix).
    pub rejected: usize,
    /// Time (model units) at which [`Method::Auto`] first switched to Rodas4, if it did
    /// (a restarted run starts non-stiff again and may switch again).
    pub switched_to_stiff_at: Option<f64>,
}

impl Stats {
    /// Add another run's counters (used when a plan restarts integration).
    pub fn add(&mut self, other: &Stats) {
        self.rhs_evals += other.rhs_evals;
        self.jac_evals += other.jac_evals;
        self.lu_decomps += other.lu_decomps;
        self.accepted += other.accepted;
        self.rejected += other.rejected;
        if self.switched_to_stiff_at.is_none() {
            self.switched_to_stiff_at = other.switched_to_stiff_at;
        }
    }
}

/// Which sign changes of an event function count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Direction {
    /// `g` going from negative to non-negative.
    Rising,
    /// `g` going from positive to non-positive.
    Falling,
    /// Either.
    #[default]
    Both,
}

/// Event function type: `g(t, y)`; an event happens where `g` changes sign.
pub type EventFn<'a> = Box<dyn Fn(f64, &[f64]) -> f64 + Send + Sync + 'a>;

/// A user event: a zero of `function(t, y)` crossing in `direction`. A `terminal`
/// event stops the integration at the located time.
pub struct Event<'a> {
    /// The event function `g(t, y)`.
    pub function: EventFn<'a>,
    /// Which crossings count.
    pub direction: Direction,
    /// Stop the integration at the first crossing.
    pub terminal: bool,
}

impl<'a> Event<'a> {
    /// A non-terminal event in both directions.
    pub fn new(function: impl Fn(f64, &[f64]) -> f64 + Send + Sync + 'a) -> Self {
        Event {
            function: Box::new(function),
            direction: Direction::Both,
            terminal: false,
        }
    }
    /// Only count crossings in `direction`.
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }
    /// Stop the integration at the first crossing (`true`) or just record it.
    pub fn terminal(mut self, terminal: bool) -> Self {
        self.terminal = terminal;
        self
    }
}

/// One located event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventHit {
    /// Index of the event in the slice passed to the solver.
    pub index: usize,
    /// Time of the zero crossing (model time units), accurate to ~1e-12 relative
    /// plus the interpolation error of the dense output.
    pub t: f64,
    /// State at `t` (from the dense output).
    pub y: Vec<f64>,
}

/// Result of an integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    /// Output times (the requested ones, or every accepted step if none were requested).
    pub t: Vec<f64>,
    /// States, one row per output time.
    pub y: Vec<Vec<f64>>,
    /// Events located, in time order.
    pub events: Vec<EventHit>,
    /// `Some(index)` if the terminal event `index` stopped the integration early.
    pub terminated_by: Option<usize>,
    /// Work counters.
    pub stats: Stats,
    /// Piecewise interpolant over the whole run, when `dense_output` was requested.
    pub dense: Option<DenseSolution>,
}

impl Solution {
    /// Final state (the last output row), if any output was produced.
    pub fn last(&self) -> Option<&[f64]> {
        self.y.last().map(|v| v.as_slice())
    }

    /// Component `i` at every output time.
    pub fn component(&self, i: usize) -> Vec<f64> {
        self.y.iter().map(|row| row[i]).collect()
    }
}
