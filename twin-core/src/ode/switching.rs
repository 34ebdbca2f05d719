//! [`Method::Auto`](super::Method::Auto): Hairer's stiffness test on accepted Dopri5
//! steps; once it fires the integrator runs Rodas4 for the rest of the run.

use super::OdeSystem;
use super::integrator::Integrator;

/// Hairer's stiffness test: `h·|λ|` above this on [`STIFF_COUNT`] accepted steps.
const STIFF_HLAMBDA: f64 = 3.25;
const STIFF_COUNT: usize = 15;

impl<S: OdeSystem + ?Sized> Integrator<'_, S> {
    /// Hairer's test: `h·‖k7 − k6‖/‖y_new − y_stage6‖` estimates `h·|λ|`.
    pub(super) fn stiffness_check(&mut self, h: f64) {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..self.n {
            num += (self.k[6][i] - self.k[5][i]).powi(2);
            den += (self.y_new[i] - self.stage[i]).powi(2);
        }
        if den > 0.0 && h * (num / den).sqrt() > STIFF_HLAMBDA {
            self.n_nonstiff = 0;
            self.n_stiff += 1;
            if self.n_stiff == STIFF_COUNT {
                self.stiff = true;
                self.first_step = true;
                // Stats accumulate over restarts (treatment plans), where Auto
                // starts non-stiff again: keep the first switch, as `Stats::add` does.
                self.stats.switched_to_stiff_at.get_or_insert(self.t + h);
            }
        } else {
            self.n_nonstiff += 1;
            if self.n_nonstiff == 6 {
                self.n_stiff = 0;
            }
        }
    }
}
