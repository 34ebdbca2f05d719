//! Single-cell action-potential models and single-cell protocols.
//!
//! Every model implements [`CellModel`]: the membrane variable `v` (in the
//! model's own units, mV for ionic models, dimensionless for phenomenological
//! ones) is kept *outside* the model state so that tissue solvers can
//! double-buffer it, and [`CellModel::step`] advances the remaining state by one
//! time step at fixed `v` (Rush–Larsen for gates where the model has them) and
//! returns `dv/dt` from the ionic currents. The caller then does
//! `v += dt * (dvdt_ion + stimulus + diffusion)`.

pub mod aliev_panfilov;
pub mod courtemanche;
pub mod courtemanche_adaptive;
pub mod courtemanche_lut;
pub mod mitchell_schaeffer;
pub mod protocol;
pub mod tentusscher;
pub mod tentusscher_lut;
mod voltage_table;

pub use aliev_panfilov::AlievPanfilov;
pub use courtemanche::{Courtemanche, CourtemancheState};
pub use courtemanche_adaptive::{
    AdaptiveSettings, AdaptiveStats, pace_courtemanche_adaptive, simulate_courtemanche_adaptive,
};
pub use courtemanche_lut::CourtemancheLut;
pub use mitchell_schaeffer::MitchellSchaeffer;
pub use protocol::{
    ApMeasure, Trace, effective_refractory_period, measure_ap, pace_to_steady_state,
    s1s2_apd_restitution, simulate_cell,
};
pub use tentusscher::{TenTusscher, TenTusscherState};
pub use tentusscher_lut::TenTusscherLut;

use serde::{Deserialize, Serialize};

/// A stimulus pulse as the model sees it: an extra `dv/dt` for a duration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StimulusPulse {
    /// Added `dv/dt` in model voltage units per ms (for ionic models this is
    /// the stimulus current density in pA/pF with a depolarising sign).
    pub amplitude_per_ms: f64,
    /// Pulse duration in ms.
    pub duration_ms: f64,
}

/// A membrane model that can be stepped in a single cell or in tissue.
pub trait CellModel: Send + Sync {
    /// The non-voltage state (gates, concentrations), one per node in tissue.
    type State: Copy + Send + Sync + std::fmt::Debug;

    /// Short model name for reports.
    fn name(&self) -> &'static str;

    /// Resting membrane variable and state (model units).
    fn resting(&self) -> (f64, Self::State);

    /// Advance `state` by `dt_ms` at fixed `v` and return `dv/dt` (units per ms)
    /// from the ionic currents evaluated at the *start* of the step.
    ///
    /// `stim_per_ms` is the stimulus the caller will add to `dv/dt`; ionic
    /// models use it only for ion bookkeeping (e.g. K⁺ carried by the stimulus).
    fn step(&self, v: f64, state: &mut Self::State, stim_per_ms: f64, dt_ms: f64) -> f64;

    /// Advance one tissue node by `dt_ms` with `v` free: the ionic current
    /// plus the stimulus `stim_per_ms` and the diffusion current
    /// `diffusion_per_ms` (both held constant over the step, units per ms).
    /// Returns the new `v`.
    ///
    /// The default is one forward-Euler step of `v` after [`CellModel::step`];
    /// a model may split the step into ionic substeps where its current
    /// changes fast (Qu & Garfinkel 1999, IEEE Trans Biomed Eng 46:1166).
    #[inline(always)]
    fn advance_node(
        &self,
        v: f64,
        state: &mut Self::State,
        stim_per_ms: f64,
        diffusion_per_ms: f64,
        dt_ms: f64,
    ) -> f64 {
        let dvdt = self.step(v, state, stim_per_ms, dt_ms);
        v + dt_ms * (dvdt + stim_per_ms + diffusion_per_ms)
    }

    /// Convert the membrane variable to millivolts (identity for ionic models).
    fn v_to_mv(&self, v: f64) -> f64;

    /// A supra-threshold stimulus (about twice threshold) for this model.
    fn default_stimulus(&self) -> StimulusPulse;

    /// Largest time step (ms) at which the cell integrator is stable and
    /// reasonably accurate.
    fn max_dt_ms(&self) -> f64;

    /// Threshold (model units) used for activation detection: the value of the
    /// membrane variable that marks an upstroke (−20 mV for ionic models).
    fn activation_threshold(&self) -> f64;
}
