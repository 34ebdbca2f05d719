//! Mitchell–Schaeffer two-variable model (Mitchell & Schaeffer 2003, Bull Math
//! Biol 65:767).
//!
//! ```text
//! dv/dt = h v² (1 − v) / τ_in − v / τ_out + J_stim
//! dh/dt = (1 − h) / τ_open   if v < v_gate
//!       = −h / τ_close       otherwise
//! ```
//! `v` is dimensionless (0 at rest, ≈1 when excited); [`CellModel::v_to_mv`]
//! maps it to −80 … +20 mV for display. Analytic properties used in tests:
//! with `h = 1` the excitation threshold is `v_th = (1 − √(1 − 4τ_in/τ_out))/2`
//! and the maximum APD is `τ_close · ln(τ_out / (4 τ_in))` (paper, eq. 14).

use serde::{Deserialize, Serialize};

use super::{CellModel, StimulusPulse};
use crate::error::{CardiacError, Result};

/// Parameters of the Mitchell–Schaeffer model (time constants in ms).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MitchellSchaeffer {
    /// Inward-current time constant τ_in (ms).
    pub tau_in_ms: f64,
    /// Outward-current time constant τ_out (ms).
    pub tau_out_ms: f64,
    /// Gate recovery time constant τ_open (ms).
    pub tau_open_ms: f64,
    /// Gate closing time constant τ_close (ms).
    pub tau_close_ms: f64,
    /// Gate switching voltage (dimensionless).
    pub v_gate: f64,
}

impl Default for MitchellSchaeffer {
    /// Mitchell & Schaeffer 2003, section 4 (defaults): τ_in 0.3, τ_out 6,
    /// τ_open 120, τ_close 150 ms, v_gate 0.13.
    fn default() -> Self {
        Self {
            tau_in_ms: 0.3,
            tau_out_ms: 6.0,
            tau_open_ms: 120.0,
            tau_close_ms: 150.0,
            v_gate: 0.13,
        }
    }
}

impl MitchellSchaeffer {
    /// Validate the parameters (all time constants positive, `4τ_in < τ_out`
    /// so the cell is excitable, `0 < v_gate < 1`).
    pub fn validated(self) -> Result<Self> {
        for (name, x) in [
            ("tau_in_ms", self.tau_in_ms),
            ("tau_out_ms", self.tau_out_ms),
            ("tau_open_ms", self.tau_open_ms),
            ("tau_close_ms", self.tau_close_ms),
        ] {
            if !(x.is_finite() && x > 0.0) {
                return Err(CardiacError::invalid(
                    name,
                    x,
                    "a finite time constant > 0 ms",
                ));
            }
        }
        if 4.0 * self.tau_in_ms >= self.tau_out_ms {
            return Err(CardiacError::invalid(
                "tau_in_ms",
                self.tau_in_ms,
                format!(
                    "< tau_out_ms/4 = {} ms (else not excitable)",
                    self.tau_out_ms / 4.0
                ),
            ));
        }
        if !(self.v_gate > 0.0 && self.v_gate < 1.0) {
            return Err(CardiacError::invalid(
                "v_gate",
                self.v_gate,
                "0 < v_gate < 1",
            ));
        }
        Ok(self)
    }

    /// Analytic maximum APD, `τ_close · ln(τ_out / (4 τ_in))` (ms).
    pub fn apd_max_ms(&self) -> f64 {
        self.tau_close_ms * (self.tau_out_ms / (4.0 * self.tau_in_ms)).ln()
    }

    /// Analytic excitation threshold of the fully recovered cell (`h = 1`).
    pub fn threshold(&self) -> f64 {
        0.5 * (1.0 - (1.0 - 4.0 * self.tau_in_ms / self.tau_out_ms).sqrt())
    }
}

impl CellModel for MitchellSchaeffer {
    type State = f64;

    fn name(&self) -> &'static str {
        "Mitchell-Schaeffer 2003"
    }

    fn resting(&self) -> (f64, f64) {
        (0.0, 1.0)
    }

    #[inline(always)]
    fn step(&self, v: f64, h: &mut f64, _stim: f64, dt_ms: f64) -> f64 {
        // Reciprocals: loop-invariant in tissue, so the compiler hoists them.
        let (r_in, r_out) = (1.0 / self.tau_in_ms, 1.0 / self.tau_out_ms);
        let (r_open, r_close) = (1.0 / self.tau_open_ms, 1.0 / self.tau_close_ms);
        let dvdt = *h * v * v * (1.0 - v) * r_in - v * r_out;
        // Forward Euler on h: its time constants (≥ 120 ms) are ≥ 1000 × dt.
        *h += dt_ms
            * if v < self.v_gate {
                (1.0 - *h) * r_open
            } else {
                -*h * r_close
            };
        dvdt
    }

    fn v_to_mv(&self, v: f64) -> f64 {
        -80.0 + 100.0 * v
    }

    fn default_stimulus(&self) -> StimulusPulse {
        StimulusPulse {
            amplitude_per_ms: 0.2,
            duration_ms: 1.0,
        }
    }

    fn max_dt_ms(&self) -> f64 {
        // The fast term's rate is at most ~ 1/(3 τ_in) + 1/τ_out per ms.
        0.5 * self.tau_in_ms
    }

    fn activation_threshold(&self) -> f64 {
        0.6
    }
}
