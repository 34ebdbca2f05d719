//! Aliev–Panfilov two-variable model (Aliev & Panfilov 1996, Chaos Solitons
//! Fractals 7:293), in milliseconds.
//!
//! ```text
//! du/dt = [k u (1 − u)(u − a) − u w] / T
//! dw/dt = ε(u, w) [−w − k u (u − a − 1)] / T,   ε = ε₀ + μ₁ w / (u + μ₂)
//! ```
//! with `T = 12.9 ms` per model time unit (paper: APD ≈ 300 ms scaling) and
//! `V = 100 u − 80 mV`.

use serde::{Deserialize, Serialize};

use super::{CellModel, StimulusPulse};

/// Parameters of the Aliev–Panfilov model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AlievPanfilov {
    /// Excitation rate constant k (Aliev & Panfilov 1996: 8).
    pub k: f64,
    /// Excitation threshold a (1996: 0.15).
    pub a: f64,
    /// ε₀ (1996: 0.002).
    pub eps0: f64,
    /// μ₁ (1996: 0.2).
    pub mu1: f64,
    /// μ₂ (1996: 0.3).
    pub mu2: f64,
    /// Milliseconds per model time unit (1996: 12.9 ms).
    pub ms_per_unit: f64,
}

impl Default for AlievPanfilov {
    /// Aliev & Panfilov 1996, text after eq. 2.
    fn default() -> Self {
        Self {
            k: 8.0,
            a: 0.15,
            eps0: 0.002,
            mu1: 0.2,
            mu2: 0.3,
            ms_per_unit: 12.9,
        }
    }
}

impl CellModel for AlievPanfilov {
    type State = f64;

    fn name(&self) -> &'static str {
        "Aliev-Panfilov 1996"
    }

    fn resting(&self) -> (f64, f64) {
        (0.0, 0.0)
    }

    #[inline(always)]
    fn step(&self, u: f64, w: &mut f64, _stim: f64, dt_ms: f64) -> f64 {
        let inv_t = 1.0 / self.ms_per_unit;
        let dudt = (self.k * u * (1.0 - u) * (u - self.a) - u * *w) * inv_t;
        let eps = self.eps0 + self.mu1 * *w / (u + self.mu2);
        *w += dt_ms * eps * (-*w - self.k * u * (u - self.a - 1.0)) * inv_t;
        dudt
    }

    fn v_to_mv(&self, u: f64) -> f64 {
        -80.0 + 100.0 * u
    }

    fn default_stimulus(&self) -> StimulusPulse {
        StimulusPulse {
            amplitude_per_ms: 0.2,
            duration_ms: 2.0,
        }
    }

    fn max_dt_ms(&self) -> f64 {
        0.05 * self.ms_per_unit
    }

    fn activation_threshold(&self) -> f64 {
        0.6
    }
}
