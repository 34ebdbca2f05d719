//! Local (per-voxel) reactions `du/dt = f(u)` for operator splitting.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result, ensure_finite, ensure_positive};

/// A reaction that acts on each inside voxel independently.
///
/// [`LocalReaction::propagator`] is called once per step with the step `dt`
/// (so costly per-step factors such as `exp(ρ dt)` are computed once); the
/// returned function maps `(flat voxel index, value) → value after dt`.
pub trait LocalReaction: Sync {
    /// The exact or approximate flow of the local ODE over `dt` (time units).
    fn propagator(&self, dt: f64) -> impl Fn(usize, f64) -> f64 + Sync + '_;
}

/// Logistic growth `du/dt = ρ u (1 − u/K)`, advanced with its closed form
/// `u(t+dt) = u e^{ρ dt} / (1 + u (e^{ρ dt} − 1) / K)` (exact, unconditionally stable).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// Proliferation rate ρ (1/time, e.g. 1/day).
    pub rate_per_time: f64,
    /// Carrying capacity K (field units, e.g. 1 for a normalised cell density).
    pub capacity: f64,
}

impl Logistic {
    /// Validated logistic reaction: `rate_per_time` finite, `capacity > 0`.
    pub fn new(rate_per_time: f64, capacity: f64) -> Result<Self> {
        ensure_finite("rate_per_time", rate_per_time)?;
        ensure_positive("capacity", capacity)?;
        Ok(Self {
            rate_per_time,
            capacity,
        })
    }
}

impl LocalReaction for Logistic {
    fn propagator(&self, dt: f64) -> impl Fn(usize, f64) -> f64 + Sync + '_ {
        let growth = (self.rate_per_time * dt).exp();
        let c = (growth - 1.0) / self.capacity;
        move |_, u| u * growth / (1.0 + u * c)
    }
}

/// A user reaction given as `f(voxel, u, dt) → u(t + dt)` (e.g. a closed form
/// with voxel-dependent rates, or a call into an ODE solver per voxel).
#[derive(Debug, Clone, Copy)]
pub struct PerVoxel<F>(pub F);

impl<F: Fn(usize, f64, f64) -> f64 + Sync> LocalReaction for PerVoxel<F> {
    fn propagator(&self, dt: f64) -> impl Fn(usize, f64) -> f64 + Sync + '_ {
        move |p, u| (self.0)(p, u, dt)
    }
}

/// Error for a non-finite or non-positive time step.
pub(crate) fn check_dt(dt: f64) -> Result<()> {
    if dt.is_finite() && dt > 0.0 {
        Ok(())
    } else {
        Err(CoreError::invalid("dt", dt, "a finite step > 0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_closed_form_composes_and_solves_the_ode() {
        let r = Logistic::new(0.3, 2.0).unwrap();
        // Flow property: two half steps equal one full step.
        let (half, full) = (r.propagator(0.5), r.propagator(1.0));
        let u0 = 0.1;
        assert!((half(0, half(0, u0)) - full(0, u0)).abs() < 1e-15);
        // Against a fine RK4 integration of du/dt = ρu(1 − u/K).
        let f = |u: f64| 0.3 * u * (1.0 - u / 2.0);
        let (mut u, h) = (u0, 1e-3);
        for _ in 0..1000 {
            let k1 = f(u);
            let k2 = f(u + 0.5 * h * k1);
            let k3 = f(u + 0.5 * h * k2);
            let k4 = f(u + h * k3);
            u += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        }
        assert!((u - full(0, u0)).abs() < 1e-12);
        assert!(Logistic::new(0.1, 0.0).is_err());
    }
}
