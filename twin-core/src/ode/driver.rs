//! The adaptive integrator (one accepted step at a time) and the `solve` drivers.
// Numerical kernels index several parallel arrays at once; range loops read clearest.
#![allow(clippy::needless_range_loop)]

use super::dense::{DenseSolution, DenseStep};
use super::linalg::Lu;
use super::tableau::{dopri5 as dp, rodas4 as ro};
use super::{
    Direction, Event, EventHit, Method, OdeSystem, Solution, SolverOptions, Stats, Tolerance,
};
use crate::error::{CoreError, Result};
use nalgebra::DMatrix;

/// Hairer's stiffness test: `h·|λ|` above this on [`STIFF_COUNT`] accepted steps.
const STIFF_HLAMBDA: f64 = 3.25;
const STIFF_COUNT: usize = 15;

/// Dopri5 PI controller of `dopri5.f`: `fac = err^α / err_old^β / 0.9`, with
/// `α = 0.2 − 0.75 β`, `β = 0.04`, evaluated as one `exp` of logarithms.
const PI_ALPHA: f64 = 0.17;
const PI_BETA: f64 = 0.04;
/// `ln(1e-4)`: the floor `dopri5.f` puts on the remembered error.
const LN_FACOLD_MIN: f64 = -9.210_340_371_976_184;

/// An adaptive integrator that advances one accepted step per [`step`](Self::step)
/// call, exposing the step's dense output. [`solve`] is built on it; use it directly
/// to inspect or stop the integration between steps.
pub struct Integrator<'a, S: OdeSystem + ?Sized> {
    sys: &'a S,
    opts: SolverOptions,
    n: usize,
    t: f64,
    t_end: f64,
    h: f64,
    y: Vec<f64>,
    f: Vec<f64>,
    y_new: Vec<f64>,
    f_new: Vec<f64>,
    stage: Vec<f64>,
    tmp: Vec<f64>,
    k: [Vec<f64>; 7],
    stiff: bool,
    jac: DMatrix<f64>,
    jac_current: bool,
    dfdt: Vec<f64>,
    lu: Lu,
    dense: DenseStep,
    // step-size controller memory
    /// `ln(max(err_old, 1e-4))` of the last accepted Dopri5 step (PI controller).
    ln_facold: f64,
    errold: f64,
    hold: f64,
    first_step: bool,
    rejected_last: bool,
    n_stiff: usize,
    n_nonstiff: usize,
    stats: Stats,
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
            stats: Stats::default(),
        };
        it.eval_rhs_into_f(t0)?;
        it.h = match opts.h0 {
            Some(h0) => h0.min(t_end - t0),
            None => it.initial_step(),
        };
        it.h = it.h.min(it.opts.h_max);
        Ok(it)
    }

    /// Continue from a new state `(t0, y0)` to `t_end > t0`, reusing this
    /// integrator's buffers (no allocation): the way to restart after a
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
    fn err_norm_sq(&self, v: &[f64], n: usize) -> f64 {
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
                h / (err_sq.sqrt().powf(0.25) / 0.9).clamp(1.0 / 6.0, 5.0)
            } else {
                h / 5.0_f64.min((0.5 * PI_ALPHA * err_sq.ln()).exp() / 0.9)
            };
            if !err_sq.is_finite() {
                self.h = h / 5.0;
            }
        }
    }

    /// Accept the attempted step of size `h` with squared error norm `err_sq`.
    fn accept(&mut self, h: f64, err_sq: f64, last: bool) -> Result<()> {
        let n = self.n;
        self.stats.accepted += 1;
        let t_new = if last { self.t_end } else { self.t + h };
        let mut hnew;
        if self.stiff {
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
            hnew = h / fac;
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
        } else {
            match n {
                1 => self.dopri_dense_n::<1>(h),
                2 => self.dopri_dense_n::<2>(h),
                3 => self.dopri_dense_n::<3>(h),
                4 => self.dopri_dense_n::<4>(h),
                _ => self.dopri_dense_n::<0>(h),
            }
            // PI controller of `dopri5.f` (beta = 0.04), err^α / facold^β as one exp.
            let ln_err = 0.5 * err_sq.ln();
            let fac = ((PI_ALPHA * ln_err - PI_BETA * self.ln_facold).exp() / 0.9).clamp(0.1, 5.0);
            hnew = h / fac;
            self.ln_facold = ln_err.max(LN_FACOLD_MIN);
            if self.opts.method == Method::Auto {
                self.stiffness_check(h);
            }
            // The new derivative becomes the next step's first stage (no copy).
            std::mem::swap(&mut self.f, &mut self.k[6]);
        }
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

    /// Dopri5 interpolant of the accepted step of size `h` (Hairer's `contd5`
    /// coefficients), for `N` states (`N = 0`: any number). FSAL: k[6] = f(t + h,
    /// y_new) was computed (and checked finite) as the 7th stage; `f` still holds
    /// f(t, y), the first stage.
    #[inline(always)]
    fn dopri_dense_n<const N: usize>(&mut self, h: f64) {
        let n = if N == 0 { self.n } else { N };
        let [_, _, k2, k3, k4, k5, k6] = &self.k;
        let (k0, k2, k3, k4, k5, k6) = (
            &self.f[..n],
            &k2[..n],
            &k3[..n],
            &k4[..n],
            &k5[..n],
            &k6[..n],
        );
        let (y, y_new) = (&self.y[..n], &self.y_new[..n]);
        let [r0, r1, r2, r3, r4] = &mut self.dense.coeffs;
        let (r0, r1, r2, r3, r4) = (
            &mut r0[..n],
            &mut r1[..n],
            &mut r2[..n],
            &mut r3[..n],
            &mut r4[..n],
        );
        for i in 0..n {
            let d1 = y_new[i] - y[i];
            let d2 = h * k0[i] - d1;
            r0[i] = y[i];
            r1[i] = d1;
            r2[i] = d2;
            r3[i] = d1 - h * k6[i] - d2;
            r4[i] = h
                * (dp::D1 * k0[i]
                    + dp::D3 * k2[i]
                    + dp::D4 * k3[i]
                    + dp::D5 * k4[i]
                    + dp::D6 * k5[i]
                    + dp::D7 * k6[i]);
        }
    }

    /// Hairer's test: `h·‖k7 − k6‖/‖y_new − y_stage6‖` estimates `h·|λ|`.
    fn stiffness_check(&mut self, h: f64) {
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
                self.stats.switched_to_stiff_at = Some(self.t + h);
            }
        } else {
            self.n_nonstiff += 1;
            if self.n_nonstiff == 6 {
                self.n_stiff = 0;
            }
        }
    }

    /// One Dopri5 attempt; systems of up to four states run loops of
    /// compile-time length (fully unrolled: the 1–4 compartment models of
    /// pharmacology otherwise spend most of a step in loop overhead).
    fn attempt_dopri(&mut self, h: f64) -> f64 {
        match self.n {
            1 => self.attempt_dopri_n::<1>(h),
            2 => self.attempt_dopri_n::<2>(h),
            3 => self.attempt_dopri_n::<3>(h),
            4 => self.attempt_dopri_n::<4>(h),
            _ => self.attempt_dopri_n::<0>(h),
        }
    }

    /// [`Self::attempt_dopri`] for `N` states (`N = 0`: any number, `self.n`).
    #[inline(always)]
    fn attempt_dopri_n<const N: usize>(&mut self, h: f64) -> f64 {
        let (n, t) = (if N == 0 { self.n } else { N }, self.t);
        // Field-wise borrows and slices of length n: no bounds checks in the stages.
        let Self {
            sys,
            y,
            f,
            y_new,
            stage,
            tmp,
            k,
            stats,
            ..
        } = self;
        let [_, k1, k2, k3, k4, k5, k6] = k;
        // FSAL: the first stage is f(t, y), kept in `f`.
        let (y, stage, k0) = (&y[..n], &mut stage[..n], &f[..n]);
        macro_rules! stage {
            ($out:ident, $c:expr, $($a:expr => $j:ident),+) => {{
                $(let $j = &$j[..n];)+
                for i in 0..n {
                    stage[i] = y[i] + h * (0.0 $(+ $a * $j[i])+);
                }
                sys.rhs(t + $c * h, stage, &mut $out[..n]);
            }};
        }
        stage!(k1, dp::C2, dp::A21 => k0);
        stage!(k2, dp::C3, dp::A31 => k0, dp::A32 => k1);
        stage!(k3, dp::C4, dp::A41 => k0, dp::A42 => k1, dp::A43 => k2);
        stage!(k4, dp::C5, dp::A51 => k0, dp::A52 => k1, dp::A53 => k2, dp::A54 => k3);
        stage!(k5, 1.0, dp::A61 => k0, dp::A62 => k1, dp::A63 => k2, dp::A64 => k3, dp::A65 => k4);
        let (k0, k2, k3, k4, k5) = (&k0[..n], &k2[..n], &k3[..n], &k4[..n], &k5[..n]);
        let y_new = &mut y_new[..n];
        for i in 0..n {
            y_new[i] = y[i]
                + h * (dp::A71 * k0[i]
                    + dp::A73 * k2[i]
                    + dp::A74 * k3[i]
                    + dp::A75 * k4[i]
                    + dp::A76 * k5[i]);
        }
        sys.rhs(t + h, y_new, &mut k6[..n]);
        stats.rhs_evals += 6;
        let (k6, tmp) = (&k6[..n], &mut tmp[..n]);
        let mut finite = true;
        for i in 0..n {
            tmp[i] = h
                * (dp::E1 * k0[i]
                    + dp::E3 * k2[i]
                    + dp::E4 * k3[i]
                    + dp::E5 * k4[i]
                    + dp::E6 * k5[i]
                    + dp::E7 * k6[i]);
            finite &= k6[i].is_finite();
        }
        if !finite {
            return f64::INFINITY;
        }
        let tmp = std::mem::take(&mut self.tmp);
        let e = self.err_norm_sq(&tmp, n);
        self.tmp = tmp;
        e
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

    fn attempt_rodas(&mut self, h: f64) -> f64 {
        let (n, t) = (self.n, self.t);
        if !self.jac_current {
            self.update_jacobian();
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

/// Integrate `sys` from `(t0, y0)` to `t_end`, reporting the state at each time in
/// `t_out` (sorted, within `[t0, t_end]`), or at every accepted step if `t_out` is empty.
pub fn solve<S: OdeSystem + ?Sized>(
    sys: &S,
    t0: f64,
    y0: &[f64],
    t_end: f64,
    t_out: &[f64],
    opts: &SolverOptions,
) -> Result<Solution> {
    solve_with_events(sys, t0, y0, t_end, t_out, &[], opts)
}

/// Check that output times are finite, sorted and within `[t0, t_end]`.
pub(crate) fn validate_t_out(t_out: &[f64], t0: f64, t_end: f64) -> Result<()> {
    for (i, &t) in t_out.iter().enumerate() {
        if !(t.is_finite() && t >= t0 && t <= t_end) {
            return Err(CoreError::invalid(
                format!("t_out[{i}]"),
                t,
                format!("a time in [{t0}, {t_end}]"),
            ));
        }
        if i > 0 && t < t_out[i - 1] {
            return Err(CoreError::invalid(
                format!("t_out[{i}]"),
                t,
                format!("sorted: >= t_out[{}] = {}", i - 1, t_out[i - 1]),
            ));
        }
    }
    Ok(())
}

fn crosses(dir: Direction, g0: f64, g1: f64) -> bool {
    let rising = g0 < 0.0 && g1 >= 0.0;
    let falling = g0 > 0.0 && g1 <= 0.0;
    match dir {
        Direction::Rising => rising,
        Direction::Falling => falling,
        Direction::Both => rising || falling,
    }
}

/// Zero of `g` on the step's interpolant between `a` (value `ga`) and `b` (value
/// `gb`, opposite sign) by the Illinois variant of regula falsi, to a few ulps in t.
/// Returns the bracket end on the post-crossing side. Hand-written because it runs
/// on the dense output with a reused buffer, which generic root finders do not allow.
fn locate(
    step: &DenseStep,
    g: &dyn Fn(f64, &[f64]) -> f64,
    mut a: f64,
    mut ga: f64,
    mut b: f64,
    mut gb: f64,
    buf: &mut [f64],
) -> f64 {
    let mut side = 0i8;
    for _ in 0..200 {
        if (b - a).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs()).max(1e-300) {
            break;
        }
        let mut c = (a * gb - b * ga) / (gb - ga);
        if !(c > a.min(b) && c < a.max(b)) {
            c = 0.5 * (a + b);
        }
        step.eval(c, buf);
        let gc = g(c, buf);
        if gc == 0.0 {
            return c;
        }
        if (gc > 0.0) == (gb > 0.0) {
            b = c;
            gb = gc;
            if side == 1 {
                ga *= 0.5;
            }
            side = 1;
        } else {
            a = c;
            ga = gc;
            if side == -1 {
                gb *= 0.5;
            }
            side = -1;
        }
    }
    b
}

/// [`solve`] with event detection: each [`Event`]'s zero crossings are located on the
/// dense output and listed in [`Solution::events`]; a terminal event stops the run
/// (outputs after it are not produced).
pub fn solve_with_events<S: OdeSystem + ?Sized>(
    sys: &S,
    t0: f64,
    y0: &[f64],
    t_end: f64,
    t_out: &[f64],
    events: &[Event<'_>],
    opts: &SolverOptions,
) -> Result<Solution> {
    let mut integ = Integrator::new(sys, t0, y0, t_end, opts)?;
    validate_t_out(t_out, t0, t_end)?;
    let mut sol = Solution::empty(t_out.len(), opts.dense_output.then_some(t0));
    let first_inside = t_out.partition_point(|&t| t <= t0);
    for &t in &t_out[..first_inside] {
        sol.t.push(t);
        sol.y.push(y0.to_vec());
    }
    if t_out.is_empty() {
        sol.t.push(t0);
        sol.y.push(y0.to_vec());
    }
    let mut rec = Recorder::new(sys.dim(), events.len());
    rec.run(
        &mut integ,
        &t_out[first_inside..],
        t_out.is_empty(),
        true,
        events,
        &mut sol,
    )?;
    sol.stats = *integ.stats();
    Ok(sol)
}

impl Solution {
    /// No rows yet; room for `rows` outputs; a dense interpolant starting at
    /// `dense_from` if given.
    pub(crate) fn empty(rows: usize, dense_from: Option<f64>) -> Self {
        Solution {
            t: Vec::with_capacity(rows),
            y: Vec::with_capacity(rows),
            events: Vec::new(),
            terminated_by: None,
            stats: Stats::default(),
            dense: dense_from.map(|t0| DenseSolution {
                steps: Vec::new(),
                t_end: t0,
            }),
        }
    }
}

/// Steps an [`Integrator`] to its end while writing outputs, event hits and the
/// dense interpolant into a [`Solution`]; its buffers are reused across the
/// segments of a treatment plan.
pub(crate) struct Recorder {
    g_old: Vec<f64>,
    buf: Vec<f64>,
    hits: Vec<(f64, usize)>,
}

impl Recorder {
    pub(crate) fn new(dim: usize, n_events: usize) -> Self {
        Recorder {
            g_old: Vec::with_capacity(n_events),
            buf: vec![0.0; dim],
            hits: Vec::with_capacity(n_events),
        }
    }

    /// Run `integ` (freshly started or restarted) to its `t_end`. Writes the
    /// states at `t_out` (all after the start, sorted), or at every accepted
    /// step if `every_step`; the step ending at `t_end` is written only if
    /// `include_end`. Crossings are detected from the start state on, so a
    /// jump applied before a restart is never reported as one.
    pub(crate) fn run<S: OdeSystem + ?Sized>(
        &mut self,
        integ: &mut Integrator<'_, S>,
        t_out: &[f64],
        every_step: bool,
        include_end: bool,
        events: &[Event<'_>],
        sol: &mut Solution,
    ) -> Result<()> {
        let Recorder { g_old, buf, hits } = self;
        g_old.clear();
        g_old.extend(events.iter().map(|e| (e.function)(integ.t(), integ.y())));
        let t_end = integ.t_end;
        let mut next = 0;
        while integ.step()? {
            let step = integ.last_step();
            let (ta, tb) = (step.t_start, integ.t());
            let mut t_stop = tb;
            hits.clear();
            for (e, ev) in events.iter().enumerate() {
                let g_new = (ev.function)(tb, integ.y());
                if crosses(ev.direction, g_old[e], g_new) {
                    hits.push((locate(step, &*ev.function, ta, g_old[e], tb, g_new, buf), e));
                }
                g_old[e] = g_new;
            }
            hits.sort_by(|x, y| x.0.total_cmp(&y.0));
            for &(te, e) in hits.iter() {
                step.eval(te, buf);
                sol.events.push(EventHit {
                    index: e,
                    t: te,
                    y: buf.clone(),
                });
                if events[e].terminal {
                    t_stop = te;
                    sol.terminated_by = Some(e);
                    break;
                }
            }
            let stopped = sol.terminated_by.is_some();
            while next < t_out.len() && t_out[next] <= t_stop {
                let t = t_out[next];
                if t == tb {
                    sol.y.push(integ.y().to_vec());
                } else {
                    step.eval(t, buf);
                    sol.y.push(buf.clone());
                }
                sol.t.push(t);
                next += 1;
            }
            if every_step && (include_end || stopped || t_stop < t_end) {
                sol.t.push(t_stop);
                sol.y.push(if t_stop == tb {
                    integ.y().to_vec()
                } else {
                    step.eval(t_stop, buf);
                    buf.clone()
                });
            }
            if let Some(d) = sol.dense.as_mut() {
                d.steps.push(step.clone());
                d.t_end = t_stop;
            }
            if stopped {
                break;
            }
        }
        Ok(())
    }
}

/// Error unless the initial state has `n` components, all finite.
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
