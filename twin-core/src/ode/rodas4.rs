//! Rosenbrock RODAS 4(3) (`rodas.f`, METH = 1): Jacobian (analytic or forward
//! differences), LU of `W = I/(γh) − J`, stages, the 3rd-order dense output and
//! Gustafsson's predictive step-size controller.
// Numerical kernels index several parallel arrays at once; range loops read clearest.
#![allow(clippy::needless_range_loop)]

use super::OdeSystem;
use super::integrator::Integrator;
use super::tableau::rodas4 as ro;
use crate::error::{CoreError, Result};

/// Step size after a rejected Rodas4 attempt with squared error norm `err_sq`.
#[inline(always)]
pub(super) fn rejected_step(h: f64, err_sq: f64) -> f64 {
    h / (err_sq.sqrt().powf(0.25) / 0.9).clamp(1.0 / 6.0, 5.0)
}

impl<S: OdeSystem + ?Sized> Integrator<'_, S> {
    /// Rodas4 half of [`Integrator::accept`]: `f` at the new point, the dense output
    /// and the predictive controller; returns the next step size.
    #[inline(always)]
    pub(super) fn accept_rodas(&mut self, h: f64, err_sq: f64, t_new: f64) -> Result<f64> {
        let n = self.n;
        // f at the new point (Rodas has no FSAL), then the interpolant.
        self.sys.rhs(t_new, &self.y_new, &mut self.f_new);
        self.stats.rhs_evals += 1;
        let k = &self.k;
        for i in 0..n {
            let d2 = ro::D21 * k[0][i]
                + ro::D22 * k[1][i]
                + ro::D23 * k[2][i]
                + ro::D24 * k[3][i]
                + ro::D25 * k[4][i];
            let d3 = ro::D31 * k[0][i]
                + ro::D32 * k[1][i]
                + ro::D33 * k[2][i]
                + ro::D34 * k[3][i]
                + ro::D35 * k[4][i];
            self.dense.coeffs[0][i] = self.y[i];
            self.dense.coeffs[1][i] = self.y_new[i] - self.y[i];
            self.dense.coeffs[2][i] = d2;
            self.dense.coeffs[3][i] = d3;
            self.dense.coeffs[4][i] = 0.0;
        }
        // Gustafsson's predictive controller (Hairer & Wanner 1996, eq. IV.8.21).
        let err = err_sq.sqrt();
        let mut fac = (err.powf(0.25) / 0.9).clamp(1.0 / 6.0, 5.0);
        if !self.first_step {
            let facgus = (self.hold / h) * (err * err / self.errold).powf(0.25) / 0.9;
            fac = fac.max(facgus.clamp(1.0 / 6.0, 5.0));
        }
        let hnew = h / fac;
        self.hold = h;
        self.errold = err.max(1e-2);
        self.first_step = false;
        self.jac_current = false;
        if let Some(i) = self.f_new.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::NonFinite {
                what: format!("dydt[{i}]"),
                t: t_new,
            });
        }
        std::mem::swap(&mut self.f, &mut self.f_new);
        Ok(hnew)
    }

    /// Jacobian (analytic or forward differences) and `∂f/∂t` at the current point.
    fn update_jacobian(&mut self) {
        let (n, t) = (self.n, self.t);
        self.stats.jac_evals += 1;
        if !self.sys.jacobian(t, &self.y, &mut self.jac) {
            self.stage.copy_from_slice(&self.y);
            for j in 0..n {
                let delta = (f64::EPSILON * self.y[j].abs().max(1e-5)).sqrt();
                self.stage[j] = self.y[j] + delta;
                self.sys.rhs(t, &self.stage, &mut self.tmp);
                self.stats.rhs_evals += 1;
                for i in 0..n {
                    self.jac[(i, j)] = (self.tmp[i] - self.f[i]) / delta;
                }
                self.stage[j] = self.y[j];
            }
        }
        if self.sys.autonomous() {
            self.dfdt.fill(0.0);
        } else {
            let delta = (f64::EPSILON * t.abs().max(1e-5)).sqrt();
            self.sys.rhs(t + delta, &self.y, &mut self.tmp);
            self.stats.rhs_evals += 1;
            for i in 0..n {
                self.dfdt[i] = (self.tmp[i] - self.f[i]) / delta;
            }
        }
        self.jac_current = true;
    }

    pub(super) fn attempt_rodas(&mut self, h: f64) -> f64 {
        let (n, t) = (self.n, self.t);
        self.nonfinite_component = None;
        if !self.jac_current {
            self.update_jacobian();
        }
        // A NaN/±inf derivative is recorded where it appears: after an LU solve it
        // would be everywhere.
        let nonfinite_row = (0..n)
            .find(|&i| !self.dfdt[i].is_finite() || (0..n).any(|j| !self.jac[(i, j)].is_finite()));
        if nonfinite_row.is_some() {
            self.nonfinite_component = nonfinite_row;
            return f64::INFINITY;
        }
        self.stats.lu_decomps += 1;
        if !self.lu.factor_shifted(1.0 / (ro::GAMMA * h), &self.jac) {
            return f64::INFINITY;
        }
        // Stage 1.
        for i in 0..n {
            self.k[0][i] = self.f[i] + h * ro::D1 * self.dfdt[i];
        }
        self.lu.solve(&mut self.k[0]);
        macro_rules! stage {
            ($out:expr, $c:expr, $d:expr, [$($a:expr => $ja:expr),+], [$($cc:expr => $jc:expr),+]) => {{
                for i in 0..n {
                    self.stage[i] = self.y[i] $(+ $a * self.k[$ja][i])+;
                }
                self.sys.rhs(t + $c * h, &self.stage, &mut self.tmp);
                self.stats.rhs_evals += 1;
                if let Some(i) = self.tmp[..n].iter().position(|v| !v.is_finite()) {
                    self.nonfinite_component = Some(i);
                    return f64::INFINITY;
                }
                for i in 0..n {
                    self.k[$out][i] = self.tmp[i] + h * $d * self.dfdt[i] + (0.0 $(+ $cc * self.k[$jc][i])+) / h;
                }
                self.lu.solve(&mut self.k[$out]);
            }};
        }
        stage!(1, ro::C2, ro::D2, [ro::A21 => 0], [ro::C21 => 0]);
        stage!(2, ro::C3, ro::D3, [ro::A31 => 0, ro::A32 => 1], [ro::C31 => 0, ro::C32 => 1]);
        stage!(3, ro::C4, ro::D4, [ro::A41 => 0, ro::A42 => 1, ro::A43 => 2], [ro::C41 => 0, ro::C42 => 1, ro::C43 => 2]);
        stage!(4, 1.0, 0.0, [ro::A51 => 0, ro::A52 => 1, ro::A53 => 2, ro::A54 => 3],
            [ro::C51 => 0, ro::C52 => 1, ro::C53 => 2, ro::C54 => 3]);
        // Stage 6 starts from stage 5's argument plus k5 (stiffly accurate embedding).
        for i in 0..n {
            self.stage[i] += self.k[4][i];
        }
        self.sys.rhs(t + h, &self.stage, &mut self.tmp);
        self.stats.rhs_evals += 1;
        if let Some(i) = self.tmp[..n].iter().position(|v| !v.is_finite()) {
            self.nonfinite_component = Some(i);
            return f64::INFINITY;
        }
        for i in 0..n {
            let k = &self.k;
            self.k[5][i] = self.tmp[i]
                + (ro::C61 * k[0][i]
                    + ro::C62 * k[1][i]
                    + ro::C63 * k[2][i]
                    + ro::C64 * k[3][i]
                    + ro::C65 * k[4][i])
                    / h;
        }
        self.lu.solve(&mut self.k[5]);
        for i in 0..n {
            self.y_new[i] = self.stage[i] + self.k[5][i];
        }
        if self.y_new.iter().any(|v| !v.is_finite()) {
            return f64::INFINITY;
        }
        let k6 = std::mem::take(&mut self.k[5]);
        let e = self.err_norm_sq(&k6, self.n);
        self.k[5] = k6;
        e
    }
}
