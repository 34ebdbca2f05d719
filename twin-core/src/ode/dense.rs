//! Continuous extensions (dense output) of accepted steps.

use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};

/// The interpolant of one accepted step on `[t_start, t_start + h]`:
/// `y(t_start + θh) = r0 + θ(r1 + (1−θ)(r2 + θ(r3 + (1−θ) r4)))`, the form of
/// Hairer's `contd5` (order 4 for Dopri5; Rodas4's order-3 interpolant has `r4 = 0`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseStep {
    /// Start of the step (model time units).
    pub t_start: f64,
    /// Step length (model time units).
    pub h: f64,
    /// Polynomial coefficient vectors `r0..r4`, each of length `dim`.
    pub coeffs: [Vec<f64>; 5],
}

impl DenseStep {
    pub(crate) fn zeros(n: usize) -> Self {
        DenseStep {
            t_start: 0.0,
            h: 0.0,
            coeffs: std::array::from_fn(|_| vec![0.0; n]),
        }
    }

    /// End of the step.
    pub fn t_end(&self) -> f64 {
        self.t_start + self.h
    }

    /// Evaluate the interpolant at `t` into `out` (no range check: callers keep `t`
    /// within the step; slightly outside it extrapolates).
    pub fn eval(&self, t: f64, out: &mut [f64]) {
        let th = if self.h > 0.0 {
            (t - self.t_start) / self.h
        } else {
            0.0
        };
        let th1 = 1.0 - th;
        let [r0, r1, r2, r3, r4] = &self.coeffs;
        for i in 0..out.len() {
            out[i] = r0[i] + th * (r1[i] + th1 * (r2[i] + th * (r3[i] + th1 * r4[i])));
        }
    }
}

/// Piecewise interpolant over a whole run: accepted steps in time order.
/// At a step boundary the later step is used (right-continuous), so after a dose
/// the post-dose state is returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseSolution {
    /// Accepted steps in time order.
    pub steps: Vec<DenseStep>,
    /// End of the interpolated range (model time units).
    pub t_end: f64,
}

impl DenseSolution {
    /// Start of the interpolated range.
    pub fn t_start(&self) -> f64 {
        self.steps.first().map_or(self.t_end, |s| s.t_start)
    }

    /// State at time `t` into `out`; error if `t` is outside the integrated range.
    pub fn eval(&self, t: f64, out: &mut [f64]) -> Result<()> {
        if self.steps.is_empty() || !(t >= self.t_start() && t <= self.t_end) {
            return Err(CoreError::invalid(
                "t",
                t,
                format!(
                    "a time in the integrated range [{}, {}]",
                    self.t_start(),
                    self.t_end
                ),
            ));
        }
        let k = self.steps.partition_point(|s| s.t_start <= t).max(1) - 1;
        self.steps[k].eval(t, out);
        Ok(())
    }

    /// State at time `t` as a new vector.
    pub fn at(&self, t: f64) -> Result<Vec<f64>> {
        let n = self.steps.first().map_or(0, |s| s.coeffs[0].len());
        let mut out = vec![0.0; n];
        self.eval(t, &mut out)?;
        Ok(out)
    }
}
