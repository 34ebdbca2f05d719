//! The adaptive integrator: state, buffers, step loop and step acceptance shared by
//! the methods ([`super::dopri5`], [`super::rodas4`], switching in [`super::switching`]).
// Numerical kernels index several parallel arrays at once; range loops read clearest.
#![allow(clippy::needless_range_loop)]

use super::dense::DenseStep;
use super::dopri5::{self, LN_FACOLD_MIN};
use super::linalg::Lu;
use super::rodas4;
use super::{Method, OdeSystem, SolverOptions, Stats, Tolerance};
use crate::error::{CoreError, Result};
use nalgebra::DMatrix;

/// An adaptive integrator that advances one accepted step per [`step`](Self::step)
/// call, exposing the step's dense output. [`solve`](super::solve) is built on it; use it directly
/// to inspect or stop the integration between steps.
pub struct Integrator<'a, S: OdeSystem + ?Sized> {
    pub(super) sys: &'a S,
    pub(super) opts: SolverOptions,
    pub(super) n: usize,
    pub(super) t: f64,
    pub(super) t_end: f64,
    pub(super) h: f64,
    pub(super) y: Vec<f64>,
    pub(super) f: Vec<f64>,
    pub(super) y_new: Vec<f64>,
    pub(super) f_new: Vec<f64>,
    pub(super) stage: Vec<f64>,
    pub(super) tmp: Vec<f64>,
    pub(super) k: [Vec<f64>; 7],
    pub(super) stiff: bool,
    pub(super) jac: DMatrix<f64>,
    pub(super) jac_current: bool,
    pub(super) dfdt: Vec<f64>,
    pub(super) lu: Lu,
    pub(super) dense: DenseStep,
    // step-size controller memory
    /// `ln(max(err_old, 1e-4))` of the last accepted Dopri5 step (PI controller).
    pub(super) ln_facold: f64,
    pub(super) errold: f64,
    pub(super) hold: f64,
    pub(super) first_step: bool,
    pub(super) rejected_last: bool,
    pub(super) n_stiff: usize,
    pub(super) n_nonstiff: usize,
    /// First component of the right-hand side found NaN/±inf in the last rejected
    /// attempt (cleared by an accepted step): reported as `NonFinite` if the step
    /// size then underflows, since no smaller step avoided it.
    pub(super) nonfinite_component: Option<usize>,
    /// Declared linear invariants `c` with their values `cᵀy0` at the (re)start.
    pub(super) invariants: Vec<(Vec<f64>, f64)>,
    pub(super) stats: Stats,
}

fn ensure_time(field: &str, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(CoreError::invalid(field, v, "a finite time"))
    }
}

/// The integration span must be finite and run forwards (`t_end > t0`).
pub(crate) fn ensure_span(t0: f64, t_end: f64) -> Result<()> {
    ensure_time("t0", t0)?;
    ensure_time("t_end", t_end)?;
    if t_end <= t0 {
        return Err(CoreError::invalid(
            "t_end",
            t_end,
            format!("a time > t0 = {t0}"),
        ));
    }
    Ok(())
}

/// Error unless the initial state has `n` components, all finite.
/// The system's declared linear invariants with their values at `y0`.
fn invariants_at<S: OdeSystem + ?Sized>(
    sys: &S,
    n: usize,
    y0: &[f64],
) -> Result<Vec<(Vec<f64>, f64)>> {
    sys.linear_invariants()
        .into_iter()
        .enumerate()
        .map(|(k, c)| {
            if c.len() != n {
                return Err(CoreError::ShapeMismatch {
                    what: format!("linear_invariants()[{k}]"),
                    expected: format!("{n} coefficients"),
                    found: format!("{}", c.len()),
                });
            }
            if c.iter().any(|v| !v.is_finite()) || c.iter().all(|v| *v == 0.0) {
                return Err(CoreError::invalid(
                    format!("linear_invariants()[{k}]"),
                    format!("{c:?}"),
                    "finite coefficients, not all zero",
                ));
            }
            let value = c.iter().zip(y0).map(|(a, b)| a * b).sum();
            Ok((c, value))
        })
        .collect()
}

pub(crate) fn validate_y0(y0: &[f64], n: usize) -> Result<()> {
    if y0.len() != n {
        return Err(CoreError::ShapeMismatch {
            what: "y0".into(),
            expected: format!("{n} components"),
            found: format!("{} components", y0.len()),
        });
    }
    if let Some((i, v)) = y0.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(CoreError::invalid(format!("y0[{i}]"), v, "a finite number"));
    }
    Ok(())
}

impl<'a, S: OdeSystem + ?Sized> Integrator<'a, S> {
    /// Start an integration of `sys` from `(t0, y0)` towards `t_end > t0`.
    pub fn new(sys: &'a S, t0: f64, y0: &[f64], t_end: f64, opts: &SolverOptions) -> Result<Self> {
        let n = sys.dim();
        if n == 0 {
            return Err(CoreError::invalid("dim", 0, "at least 1 state variable"));
        }
        opts.validate(n)?;
        ensure_span(t0, t_end)?;
        validate_y0(y0, n)?;
        let mut it = Integrator {
            sys,
            opts: opts.clone(),
            n,
            t: t0,
            t_end,
            h: 0.0,
            y: y0.to_vec(),
            f: vec![0.0; n],
            y_new: vec![0.0; n],
            f_new: vec![0.0; n],
            stage: vec![0.0; n],
            tmp: vec![0.0; n],
            k: std::array::from_fn(|_| vec![0.0; n]),
            stiff: opts.method == Method::Rodas4,
            jac: DMatrix::zeros(n, n),
            jac_current: false,
            dfdt: vec![0.0; n],
            lu: Lu::new(n),
            dense: DenseStep::zeros(n),
            ln_facold: LN_FACOLD_MIN,
            errold: 1.0,
            hold: 0.0,
            first_step: true,
            rejected_last: false,
            n_stiff: 0,
            n_nonstiff: 0,
            nonfinite_component: None,
            invariants: Vec::new(),
            stats: Stats::default(),
        };
        it.invariants = invariants_at(sys, n, y0)?;
        it.eval_rhs_into_f(t0)?;
        it.h = match opts.h0 {
            Some(h0) => h0.min(t_end - t0),
            None => it.initial_step(),
        };
        it.h = it.h.min(it.opts.h_max);
        Ok(it)
    }

    /// Continue from a new state `(t0, y0)` to `t_end > t0`, reusing this
    /// integrator's buffers (no allocation unless the system declares
    /// [`OdeSystem::linear_invariants`]): the way to restart after a
    /// discontinuity such as a bolus dose. The step-size controller starts
    /// afresh (Hairer's `hinit`, or `opts.h0`), as in [`Self::new`]; [`Self::stats`]
    /// keep accumulating over restarts. Errors as [`Self::new`].
    pub fn restart(&mut self, t0: f64, y0: &[f64], t_end: f64) -> Result<()> {
        self.restart_with(self.sys, t0, y0, t_end)
    }

    /// [`Self::restart`] with another system of the same dimension, e.g. the
    /// same model after a parameter change or with an infusion switched on.
    /// Errors also if `sys.dim()` differs from this integrator's.
    pub fn restart_with(&mut self, sys: &'a S, t0: f64, y0: &[f64], t_end: f64) -> Result<()> {
        if sys.dim() != self.n {
            return Err(CoreError::ShapeMismatch {
                what: "system".into(),
                expected: format!("{} state variables", self.n),
                found: format!("{} state variables", sys.dim()),
            });
        }
        ensure_span(t0, t_end)?;
        validate_y0(y0, self.n)?;
        self.sys = sys;
        self.t = t0;
        self.t_end = t_end;
        self.y.copy_from_slice(y0);
        self.stiff = self.opts.method == Method::Rodas4;
        self.jac_current = false;
        self.ln_facold = LN_FACOLD_MIN;
        self.errold = 1.0;
        self.hold = 0.0;
        self.first_step = true;
        self.rejected_last = false;
        self.n_stiff = 0;
        self.n_nonstiff = 0;
        self.nonfinite_component = None;
        self.invariants = invariants_at(sys, self.n, y0)?;
        self.eval_rhs_into_f(t0)?;
        self.h = match self.opts.h0 {
            Some(h0) => h0.min(t_end - t0),
            None => self.initial_step(),
        }
        .min(self.opts.h_max);
        Ok(())
    }

    fn eval_rhs_into_f(&mut self, t: f64) -> Result<()> {
        self.sys.rhs(t, &self.y, &mut self.f);
        self.stats.rhs_evals += 1;
        if let Some(i) = self.f.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::NonFinite {
                what: format!("dydt[{i}]"),
                t,
            });
        }
        Ok(())
    }

    /// Current time.
    pub fn t(&self) -> f64 {
        self.t
    }

    /// Current state.
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// Step size the next attempt will use.
    pub fn h(&self) -> f64 {
        self.h
    }

    /// Work counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// `true` once `t_end` is reached.
    pub fn finished(&self) -> bool {
        self.t >= self.t_end
    }

    /// Interpolant of the last accepted step (valid on `[t − h_last, t]`).
    pub fn last_step(&self) -> &DenseStep {
        &self.dense
    }

    /// Square of the weighted RMS norm of `v` with weights
    /// `atol_i + rtol·max(|y_i|, |y_new_i|)` (squared: the step test `err ≤ 1` and
    /// the controller's logarithm need no square root).
    #[inline(always)]
    pub(super) fn err_norm_sq(&self, v: &[f64], n: usize) -> f64 {
        let (y, y_new, v) = (&self.y[..n], &self.y_new[..n], &v[..n]);
        let rtol = self.opts.rtol;
        let term = |i: usize, atol: f64| {
            let e = v[i] / (atol + rtol * y[i].abs().max(y_new[i].abs()));
            e * e
        };
        let s: f64 = match &self.opts.atol {
            Tolerance::Scalar(a) => (0..n).map(|i| term(i, *a)).sum(),
            Tolerance::PerComponent(a) => (0..n).map(|i| term(i, a[i])).sum(),
        };
        let r = s / n as f64;
        if r.is_nan() { f64::INFINITY } else { r }
    }

    /// Hairer's starting step (`hinit` in `dopri5.f`).
    fn initial_step(&mut self) -> f64 {
        let span = self.t_end - self.t;
        let (mut dnf, mut dny) = (0.0, 0.0);
        for i in 0..self.n {
            let sk = self.opts.atol_of(i) + self.opts.rtol * self.y[i].abs();
            dnf += (self.f[i] / sk).powi(2);
            dny += (self.y[i] / sk).powi(2);
        }
        let mut h = if dnf <= 1e-10 || dny <= 1e-10 {
            1e-6
        } else {
            0.01 * (dny / dnf).sqrt()
        };
        h = h.min(self.opts.h_max).min(span);
        for i in 0..self.n {
            self.stage[i] = self.y[i] + h * self.f[i];
        }
        self.sys.rhs(self.t + h, &self.stage, &mut self.tmp);
        self.stats.rhs_evals += 1;
        let mut der2 = 0.0;
        for i in 0..self.n {
            let sk = self.opts.atol_of(i) + self.opts.rtol * self.y[i].abs();
            der2 += ((self.tmp[i] - self.f[i]) / sk).powi(2);
        }
        let der2 = der2.sqrt() / h;
        let der12 = der2.max(dnf.sqrt());
        let order = if self.stiff { 4.0 } else { 5.0 };
        let h1 = if der12 <= 1e-15 || !der12.is_finite() {
            (h * 1e-3).max(1e-6)
        } else {
            (0.01 / der12).powf(1.0 / order)
        };
        let h = (100.0 * h).min(h1).min(self.opts.h_max).min(span);
        if h.is_finite() && h > 0.0 {
            h
        } else {
            span * 1e-6
        }
    }

    /// Advance by one accepted step. Returns `Ok(false)` if `t_end` was already reached.
    pub fn step(&mut self) -> Result<bool> {
        if self.finished() {
            return Ok(false);
        }
        loop {
            if self.stats.accepted + self.stats.rejected >= self.opts.max_steps {
                return Err(CoreError::MaxSteps {
                    t: self.t,
                    max_steps: self.opts.max_steps,
                });
            }
            let mut h = self.h;
            if h <= 16.0 * f64::EPSILON * self.t.abs().max(f64::MIN_POSITIVE) || h < 1e-300 {
                if let Some(i) = self.nonfinite_component {
                    return Err(CoreError::NonFinite {
                        what: format!(
                            "dydt[{i}]: the right-hand side returned NaN or ±inf at every step size down to h = {h:e}"
                        ),
                        t: self.t,
                    });
                }
                return Err(CoreError::StepSizeUnderflow { t: self.t, h });
            }
            let last = self.t + 1.01 * h >= self.t_end;
            if last {
                h = self.t_end - self.t;
            }
            let err_sq = if self.stiff {
                self.attempt_rodas(h)
            } else {
                self.attempt_dopri(h)
            };
            if err_sq <= 1.0 {
                self.accept(h, err_sq, last)?;
                return Ok(true);
            }
            self.stats.rejected += 1;
            self.rejected_last = true;
            self.h = if self.stiff {
                rodas4::rejected_step(h, err_sq)
            } else {
                dopri5::rejected_step(h, err_sq)
            };
            if !err_sq.is_finite() {
                self.h = h / 5.0;
                if !self.stiff {
                    self.nonfinite_component = self.first_nonfinite_stage();
                }
            } else {
                self.nonfinite_component = None;
            }
        }
    }

    /// First non-finite component among Dormand–Prince's stage derivatives `k1..k6`
    /// of the last attempt (Rodas4 records its own as it evaluates).
    fn first_nonfinite_stage(&self) -> Option<usize> {
        let n = self.n;
        self.k[1..]
            .iter()
            .find_map(|v| v[..n].iter().position(|x| !x.is_finite()))
    }

    /// Project `y_new` onto the declared invariants `cᵀy = cᵀy0`: the correction
    /// `−W c (cᵀy − cᵀy0)/(cᵀWc)` with `W = diag(sᵢ²)`, `sᵢ = atolᵢ + rtol·|yᵢ|`, moves
    /// each component in proportion to its tolerance (one pass over the invariants:
    /// exact for one invariant or for invariants orthogonal in `W`).
    fn project_onto_invariants(&mut self) {
        let (n, rtol) = (self.n, self.opts.rtol);
        for (c, target) in &self.invariants {
            let (mut residual, mut denom) = (-*target, 0.0);
            for i in 0..n {
                let s = self.opts.atol_of(i) + rtol * self.y_new[i].abs();
                residual += c[i] * self.y_new[i];
                denom += c[i] * c[i] * s * s;
            }
            if denom > 0.0 && residual != 0.0 {
                let scale = residual / denom;
                for i in 0..n {
                    let s = self.opts.atol_of(i) + rtol * self.y_new[i].abs();
                    self.y_new[i] -= scale * c[i] * s * s;
                }
            }
        }
    }

    /// Accept the attempted step of size `h` with squared error norm `err_sq`.
    fn accept(&mut self, h: f64, err_sq: f64, last: bool) -> Result<()> {
        self.stats.accepted += 1;
        self.project_onto_invariants();
        self.nonfinite_component = None;
        let t_new = if last { self.t_end } else { self.t + h };
        let mut hnew = if self.stiff {
            self.accept_rodas(h, err_sq, t_new)?
        } else {
            self.accept_dopri(h, err_sq)
        };
        if self.rejected_last {
            hnew = hnew.min(h);
        }
        self.rejected_last = false;
        self.dense.t_start = self.t;
        self.dense.h = t_new - self.t;
        self.t = t_new;
        std::mem::swap(&mut self.y, &mut self.y_new);
        self.h = hnew.min(self.opts.h_max);
        Ok(())
    }
}
