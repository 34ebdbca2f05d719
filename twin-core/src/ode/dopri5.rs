//! Explicit Dormand–Prince 5(4) (`dopri5.f`): stages with FSAL, the 4th-order
//! continuous extension and the PI step-size controller.
// Numerical kernels index several parallel arrays at once; range loops read clearest.
#![allow(clippy::needless_range_loop)]

use super::integrator::Integrator;
use super::tableau::dopri5 as dp;
use super::{Method, OdeSystem};

/// Dopri5 PI controller of `dopri5.f`: `fac = err^α / err_old^β / 0.9`, with
/// `α = 0.2 − 0.75 β`, `β = 0.04`, evaluated as one `exp` of logarithms.
pub(super) const PI_ALPHA: f64 = 0.17;
pub(super) const PI_BETA: f64 = 0.04;
/// `ln(1e-4)`: the floor `dopri5.f` puts on the remembered error.
pub(super) const LN_FACOLD_MIN: f64 = -9.210_340_371_976_184;

/// Step size after a rejected Dopri5 attempt with squared error norm `err_sq`.
#[inline(always)]
pub(super) fn rejected_step(h: f64, err_sq: f64) -> f64 {
    h / 5.0_f64.min((0.5 * PI_ALPHA * err_sq.ln()).exp() / 0.9)
}

impl<S: OdeSystem + ?Sized> Integrator<'_, S> {
    /// Dopri5 half of [`Integrator::accept`]: the dense output, the PI controller
    /// and (for [`Method::Auto`]) the stiffness test; returns the next step size.
    #[inline(always)]
    pub(super) fn accept_dopri(&mut self, h: f64, err_sq: f64) -> f64 {
        let n = self.n;
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
        let hnew = h / fac;
        self.ln_facold = ln_err.max(LN_FACOLD_MIN);
        if self.opts.method == Method::Auto {
            self.stiffness_check(h);
        }
        // The new derivative becomes the next step's first stage (no copy).
        std::mem::swap(&mut self.f, &mut self.k[6]);
        hnew
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

    /// One Dopri5 attempt; systems of up to four states run loops of
    /// compile-time length (fully unrolled: the 1–4 compartment models of
    /// pharmacology otherwise spend most of a step in loop overhead).
    pub(super) fn attempt_dopri(&mut self, h: f64) -> f64 {
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
}
