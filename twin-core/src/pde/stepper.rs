//! Time stepping of `∂u/∂t = ∇·(D∇u) + f(u)`: explicit and implicit diffusion,
//! local reactions, and Strang splitting of the two.
//!
//! All work runs in parallel over x-planes (slabs) with rayon. Every voxel's
//! value is computed by the same operations whatever the thread count, and
//! reductions (CG inner products) are summed per plane and then in plane order,
//! so results are bitwise identical for any number of threads. Buffers live in
//! the stepper; no step allocates (the implicit buffers are allocated once, on
//! the first implicit call).

use ndarray::Array3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::operator::DiffusionOperator;
use super::reaction::{LocalReaction, check_dt};
use crate::error::{CoreError, Result};

/// Implicit time discretisation of the diffusion part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImplicitScheme {
    /// `(I − dt L) u¹ = u⁰`: first order, L-stable (no oscillations at any dt).
    BackwardEuler,
    /// `(I − dt/2 L) u¹ = (I + dt/2 L) u⁰`: second order, A-stable (sharp data
    /// may ring at very large dt).
    CrankNicolson,
}

/// Stopping rule of the preconditioned conjugate-gradient solve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CgOptions {
    /// Stop when `‖b − A x‖₂ ≤ rel_tol · ‖b‖₂` (norms over inside voxels).
    pub rel_tol: f64,
    /// Give up (error) after this many iterations.
    pub max_iter: usize,
}

impl CgOptions {
    /// Error unless `rel_tol` is finite in `(0, 1)` and `max_iter ≥ 1` (a NaN
    /// tolerance stops at once, one <= 0 can never be met).
    pub fn validate(&self) -> Result<()> {
        if !(self.rel_tol > 0.0 && self.rel_tol < 1.0) {
            return Err(CoreError::invalid(
                "cg_options.rel_tol",
                self.rel_tol,
                "a finite number in (0, 1)",
            ));
        }
        if self.max_iter == 0 {
            return Err(CoreError::invalid(
                "cg_options.max_iter",
                self.max_iter,
                ">= 1",
            ));
        }
        Ok(())
    }
}

impl Default for CgOptions {
    fn default() -> Self {
        Self {
            rel_tol: 1e-10,
            max_iter: 5000,
        }
    }
}

/// What an implicit solve did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CgReport {
    /// CG iterations (summed over steps for multi-step calls).
    pub iterations: usize,
    /// Final relative residual `‖b − A x‖ / ‖b‖` (the largest over steps).
    pub relative_residual: f64,
}

#[derive(Debug, Clone)]
struct CgBuffers {
    b: Vec<f64>,
    r: Vec<f64>,
    z: Vec<f64>,
    p: Vec<f64>,
    q: Vec<f64>,
    minv: Vec<f64>,
    minv_shift: f64,
}

/// A diffusion operator with its preallocated work buffers.
///
/// The field is an `Array3<f64>` in standard (C) layout with the grid's shape.
/// Values outside the mask are carried unchanged and must be finite.
#[derive(Debug, Clone)]
pub struct DiffusionStepper {
    op: DiffusionOperator,
    next: Array3<f64>,
    cell: Vec<f64>,
    partials: Vec<[f64; 2]>,
    cg: Option<CgBuffers>,
    /// Stopping rule for implicit solves.
    pub cg_options: CgOptions,
}

/// `dst = fin(p, a·src + s·L src, inside)` plane by plane, then `post(plane index,
/// dst plane, any non-finite)` whose two numbers are stored per plane in `partials`.
#[allow(clippy::too_many_arguments)]
fn sweep_with<F, P>(
    op: &DiffusionOperator,
    cell: &mut [f64],
    partials: &mut [[f64; 2]],
    src: &[f64],
    dst: &mut [f64],
    a: f64,
    s: f64,
    fin: &F,
    post: P,
) -> [f64; 2]
where
    F: Fn(usize, f64, bool) -> f64 + Sync,
    P: Fn(usize, &mut [f64], bool) -> [f64; 2] + Sync,
{
    op.prepare_cells(src, cell);
    let cell = &*cell;
    let sx = plane_len(op);
    dst.par_chunks_mut(sx)
        .zip(partials.par_iter_mut())
        .enumerate()
        .for_each(|(i, (plane, part))| {
            let bad = op.apply_plane(src, cell, i, plane, a, s, fin);
            *part = post(i, plane, bad);
        });
    ordered_sum(partials)
}

/// [`sweep_with`] without a finishing function.
#[allow(clippy::too_many_arguments)]
fn sweep<P>(
    op: &DiffusionOperator,
    cell: &mut [f64],
    partials: &mut [[f64; 2]],
    src: &[f64],
    dst: &mut [f64],
    a: f64,
    s: f64,
    post: P,
) -> [f64; 2]
where
    P: Fn(usize, &mut [f64], bool) -> [f64; 2] + Sync,
{
    sweep_with(op, cell, partials, src, dst, a, s, &|_, v, _| v, post)
}

fn plane_len(op: &DiffusionOperator) -> usize {
    let [_, ny, nz] = op.grid().shape;
    ny * nz
}

/// Sum of per-plane partials in plane order (thread-count independent).
fn ordered_sum(partials: &[[f64; 2]]) -> [f64; 2] {
    partials
        .iter()
        .fold([0.0, 0.0], |s, p| [s[0] + p[0], s[1] + p[1]])
}

/// 1 if any value is NaN or infinite, else 0 (vectorisable OR-reduction).
fn non_finite(xs: &[f64]) -> f64 {
    if xs.iter().fold(false, |bad, x| bad | !x.is_finite()) {
        1.0
    } else {
        0.0
    }
}

fn non_finite_error(what: &str, xs: &[f64], shape: [usize; 3]) -> CoreError {
    let p = xs.iter().position(|x| !x.is_finite()).unwrap_or(0);
    let (i, j, k) = (
        p / (shape[1] * shape[2]),
        (p / shape[2]) % shape[1],
        p % shape[2],
    );
    CoreError::invalid(
        format!("{what}[{i}, {j}, {k}]"),
        xs.get(p).copied().unwrap_or(f64::NAN),
        "finite values (inside and outside the mask)",
    )
}

/// Apply `f` to the inside voxels of one plane starting at flat index `base`.
fn react_plane<F: Fn(usize, f64) -> f64>(f: &F, mask: &[bool], base: usize, plane: &mut [f64]) {
    for (k, (x, &m)) in plane.iter_mut().zip(mask).enumerate() {
        let v = *x;
        let r = f(base + k, v);
        *x = if m { r } else { v };
    }
}

impl DiffusionStepper {
    /// A stepper owning `op` and the buffers for explicit steps.
    pub fn new(op: DiffusionOperator) -> Self {
        let grid = *op.grid();
        Self {
            next: grid.zeros(),
            cell: vec![0.0; op.cell_scratch_len()],
            partials: vec![[0.0; 2]; grid.shape[0]],
            cg: None,
            cg_options: CgOptions::default(),
            op,
        }
    }

    /// The operator being stepped.
    pub fn operator(&self) -> &DiffusionOperator {
        &self.op
    }

    /// Largest stable explicit step (see [`DiffusionOperator::stable_dt`]).
    pub fn stable_dt(&self) -> f64 {
        self.op.stable_dt()
    }

    fn check_field(&self, what: &str, u: &Array3<f64>) -> Result<()> {
        self.op.grid().check_shape(what, u)?;
        if !u.is_standard_layout() {
            return Err(CoreError::invalid(
                what,
                "a non-standard memory layout",
                "an array in standard (C) layout",
            ));
        }
        Ok(())
    }

    fn check_explicit_dt(&self, dt: f64) -> Result<()> {
        check_dt(dt)?;
        let dt_max = self.op.stable_dt();
        if dt > dt_max * (1.0 + 1e-12) {
            return Err(CoreError::UnstableStep { dt, dt_max });
        }
        Ok(())
    }

    /// `out = L u` (field units per time; zero outside the mask).
    pub fn apply(&mut self, u: &Array3<f64>, out: &mut Array3<f64>) -> Result<()> {
        self.check_field("u", u)?;
        self.check_field("out", out)?;
        let src = u.as_slice().expect("checked layout");
        let dst = out.as_slice_mut().expect("checked layout");
        let bad = sweep(
            &self.op,
            &mut self.cell,
            &mut self.partials,
            src,
            dst,
            0.0,
            1.0,
            |_, _, bad| [f64::from(u8::from(bad)), 0.0],
        );
        if bad[0] > 0.0 {
            return Err(non_finite_error("u", src, self.op.grid().shape));
        }
        Ok(())
    }

    /// One forward-Euler diffusion step `u ← u + dt L u`.
    ///
    /// Errors with [`CoreError::UnstableStep`] if `dt` exceeds
    /// [`Self::stable_dt`], and on NaN/infinite values (then `u` is unchanged).
    pub fn diffuse_explicit(&mut self, u: &mut Array3<f64>, dt: f64) -> Result<()> {
        self.explicit_sweep(u, dt, None::<&fn(usize, f64) -> f64>)
    }

    /// One fused step: explicit diffusion over `dt`, then the reaction over
    /// `dt_reaction` on every inside voxel, in a single pass over memory.
    ///
    /// `dt_reaction = dt` is a Lie splitting step; a sequence of them bracketed
    /// by half reaction steps is Strang splitting (see [`Self::strang_explicit`]).
    pub fn diffuse_then_react<R: LocalReaction>(
        &mut self,
        u: &mut Array3<f64>,
        dt: f64,
        dt_reaction: f64,
        reaction: &R,
    ) -> Result<()> {
        check_dt(dt_reaction)?;
        let f = reaction.propagator(dt_reaction);
        self.explicit_sweep(u, dt, Some(&f))
    }

    fn explicit_sweep<F: Fn(usize, f64) -> f64 + Sync>(
        &mut self,
        u: &mut Array3<f64>,
        dt: f64,
        react: Option<&F>,
    ) -> Result<()> {
        self.check_field("u", u)?;
        self.check_explicit_dt(dt)?;
        let src = u.as_slice().expect("checked layout");
        let dst = self.next.as_slice_mut().expect("standard layout");
        let post = |_, _: &mut [f64], bad: bool| [f64::from(u8::from(bad)), 0.0];
        let (op, cell, partials) = (&self.op, &mut self.cell, &mut self.partials);
        let bad = match react {
            Some(f) => {
                let fin = |p: usize, v: f64, inside: bool| {
                    let r = f(p, v);
                    if inside { r } else { v }
                };
                sweep_with(op, cell, partials, src, dst, 1.0, dt, &fin, post)
            }
            None => sweep(op, cell, partials, src, dst, 1.0, dt, post),
        };
        if bad[0] > 0.0 {
            return Err(non_finite_error("u after step", dst, self.op.grid().shape));
        }
        std::mem::swap(u, &mut self.next);
        Ok(())
    }

    /// Advance the reaction alone over `dt` on every inside voxel.
    pub fn react<R: LocalReaction>(
        &mut self,
        u: &mut Array3<f64>,
        dt: f64,
        reaction: &R,
    ) -> Result<()> {
        self.check_field("u", u)?;
        check_dt(dt)?;
        let f = reaction.propagator(dt);
        let sx = plane_len(&self.op);
        let mask = self.op.domain().mask.as_slice().expect("standard layout");
        let data = u.as_slice_mut().expect("checked layout");
        data.par_chunks_mut(sx)
            .zip(self.partials.par_iter_mut())
            .enumerate()
            .for_each(|(i, (plane, part))| {
                react_plane(&f, &mask[i * sx..(i + 1) * sx], i * sx, plane);
                *part = [non_finite(plane), 0.0];
            });
        if ordered_sum(&self.partials)[0] > 0.0 {
            return Err(non_finite_error(
                "u after reaction",
                data,
                self.op.grid().shape,
            ));
        }
        Ok(())
    }

    /// `n_steps` Strang steps of reaction–diffusion with explicit diffusion:
    /// `R(dt/2) D(dt) R(dt/2)` per step, consecutive half reactions fused, so the
    /// cost is one memory pass per step (plus one). Second order in `dt`.
    ///
    /// On error `u` holds the state reached so far.
    pub fn strang_explicit<R: LocalReaction>(
        &mut self,
        u: &mut Array3<f64>,
        dt: f64,
        n_steps: usize,
        reaction: &R,
    ) -> Result<()> {
        self.check_field("u", u)?;
        self.check_explicit_dt(dt)?;
        if n_steps == 0 {
            return Ok(());
        }
        self.react(u, 0.5 * dt, reaction)?;
        for step in 0..n_steps {
            let dt_r = if step + 1 == n_steps { 0.5 * dt } else { dt };
            self.diffuse_then_react(u, dt, dt_r, reaction)?;
        }
        Ok(())
    }

    /// `n_steps` Strang steps `R(dt/2) D(dt) R(dt/2)` with implicit diffusion
    /// (any `dt`). Returns the CG iterations summed over steps.
    pub fn strang_implicit<R: LocalReaction>(
        &mut self,
        u: &mut Array3<f64>,
        dt: f64,
        n_steps: usize,
        reaction: &R,
        scheme: ImplicitScheme,
    ) -> Result<CgReport> {
        let mut total = CgReport {
            iterations: 0,
            relative_residual: 0.0,
        };
        // Reject bad settings before the first half reaction changes `u`.
        self.check_field("u", u)?;
        check_dt(dt)?;
        self.cg_options.validate()?;
        if n_steps == 0 {
            return Ok(total);
        }
        self.react(u, 0.5 * dt, reaction)?;
        for step in 0..n_steps {
            let rep = self.diffuse_implicit(u, dt, scheme)?;
            total.iterations += rep.iterations;
            total.relative_residual = total.relative_residual.max(rep.relative_residual);
            let dt_r = if step + 1 == n_steps { 0.5 * dt } else { dt };
            self.react(u, dt_r, reaction)?;
        }
        Ok(total)
    }

    /// One implicit diffusion step of size `dt` (any size), solved by
    /// Jacobi-preconditioned conjugate gradients started from `u`.
    ///
    /// Errors on invalid [`Self::cg_options`], NaN/infinite values and when CG
    /// does not converge; `u` is then unchanged.
    pub fn diffuse_implicit(
        &mut self,
        u: &mut Array3<f64>,
        dt: f64,
        scheme: ImplicitScheme,
    ) -> Result<CgReport> {
        self.check_field("u", u)?;
        check_dt(dt)?;
        self.cg_options.validate()?;
        let mut bufs = self.take_buffers();
        let x = u.as_slice().expect("checked layout");
        let shift = match scheme {
            ImplicitScheme::BackwardEuler => {
                bufs.b.copy_from_slice(x);
                dt
            }
            ImplicitScheme::CrankNicolson => {
                sweep(
                    &self.op,
                    &mut self.cell,
                    &mut self.partials,
                    x,
                    &mut bufs.b,
                    1.0,
                    0.5 * dt,
                    |_, _, _| [0.0; 2],
                );
                0.5 * dt
            }
        };
        let result = self.pcg_into(&mut bufs, u, shift);
        self.cg = Some(bufs);
        result
    }

    /// [`Self::pcg`] on a copy of `x` (in the scratch field), swapped into `x`
    /// only on success so that a failed solve leaves `x` as it was.
    fn pcg_into(
        &mut self,
        bufs: &mut CgBuffers,
        x: &mut Array3<f64>,
        shift: f64,
    ) -> Result<CgReport> {
        self.next.assign(x);
        let mut next = std::mem::take(&mut self.next);
        let result = self.pcg(bufs, next.as_slice_mut().expect("standard layout"), shift);
        if result.is_ok() {
            std::mem::swap(x, &mut next);
        }
        self.next = next;
        result
    }

    /// Solve `(I − shift·L) x = rhs` for `x` (initial guess: `x` on entry;
    /// outside the mask `x = rhs`). The building block for users' own implicit
    /// schemes, e.g. with source terms: backward Euler with a source `s` is
    /// `rhs = u + dt·s`, `shift = dt`. On error `x` is unchanged.
    pub fn solve_shifted(
        &mut self,
        rhs: &Array3<f64>,
        shift: f64,
        x: &mut Array3<f64>,
    ) -> Result<CgReport> {
        self.check_field("rhs", rhs)?;
        self.check_field("x", x)?;
        if !(shift.is_finite() && shift >= 0.0) {
            return Err(CoreError::invalid("shift", shift, "a finite value >= 0"));
        }
        self.cg_options.validate()?;
        let mut bufs = self.take_buffers();
        bufs.b
            .copy_from_slice(rhs.as_slice().expect("checked layout"));
        let result = self.pcg_into(&mut bufs, x, shift);
        self.cg = Some(bufs);
        result
    }

    fn take_buffers(&mut self) -> CgBuffers {
        let n = self.op.grid().len();
        self.cg.take().unwrap_or_else(|| CgBuffers {
            b: vec![0.0; n],
            r: vec![0.0; n],
            z: vec![0.0; n],
            p: vec![0.0; n],
            q: vec![0.0; n],
            minv: vec![0.0; n],
            minv_shift: f64::NAN,
        })
    }

    /// Jacobi-preconditioned CG on `A = I − shift·L` (symmetric positive definite).
    fn pcg(&mut self, bufs: &mut CgBuffers, x: &mut [f64], shift: f64) -> Result<CgReport> {
        let op = &self.op;
        let sx = plane_len(op);
        let shape = op.grid().shape;
        let mask = op.domain().mask.as_slice().expect("standard layout");
        let CgBuffers {
            b,
            r,
            z,
            p,
            q,
            minv,
            minv_shift,
        } = bufs;
        if *minv_shift != shift {
            minv.par_iter_mut()
                .zip(op.diagonal().par_iter())
                .for_each(|(m, &d)| *m = 1.0 / (1.0 - shift * d));
            *minv_shift = shift;
        }
        // ‖b‖ over inside voxels; outside, A is the identity: x = b there.
        x.par_chunks_mut(sx)
            .zip(b.par_chunks(sx))
            .zip(self.partials.par_iter_mut())
            .enumerate()
            .for_each(|(i, ((xp, bp), part))| {
                let m = &mask[i * sx..(i + 1) * sx];
                let mut s = 0.0;
                for ((x, &b), &m) in xp.iter_mut().zip(bp).zip(m) {
                    if m {
                        s += b * b;
                    } else {
                        *x = b;
                    }
                }
                *part = [s, non_finite(xp)];
            });
        let [b2, bad] = ordered_sum(&self.partials);
        if !b2.is_finite() || bad > 0.0 {
            let (what, data) = if b2.is_finite() {
                ("u", &*x)
            } else {
                ("rhs", &**b)
            };
            return Err(non_finite_error(what, data, shape));
        }
        let scale = if b2 > 0.0 { b2.sqrt() } else { 1.0 };
        // r = b − A x, z = M⁻¹ r, p = z.
        sweep(
            op,
            &mut self.cell,
            &mut self.partials,
            x,
            q,
            1.0,
            -shift,
            |_, _, _| [0.0; 2],
        );
        let [mut rz, rr] = residual_pass(r, z, p, b, q, minv, &mut self.partials, sx);
        let mut rel = rr.sqrt() / scale;
        let opts = self.cg_options;
        let mut it = 0;
        while rel > opts.rel_tol {
            if it == opts.max_iter {
                return Err(CoreError::NotConverged {
                    what: "conjugate gradients (implicit diffusion)".into(),
                    iterations: it,
                    residual: rel,
                });
            }
            it += 1;
            // q = A p, and p·q.
            let pr = &*p;
            let [pq, _] = sweep(
                op,
                &mut self.cell,
                &mut self.partials,
                pr,
                q,
                1.0,
                -shift,
                |i, qp, _| {
                    let pp = &pr[i * sx..(i + 1) * sx];
                    [qp.iter().zip(pp).map(|(a, b)| a * b).sum(), 0.0]
                },
            );
            let alpha = rz / pq;
            // x += α p; r −= α q; z = M⁻¹ r; partial r·z and r·r.
            let qr = &*q;
            x.par_chunks_mut(sx)
                .zip(r.par_chunks_mut(sx))
                .zip(z.par_chunks_mut(sx))
                .zip(self.partials.par_iter_mut())
                .enumerate()
                .for_each(|(i, (((xp, rp), zp), part))| {
                    let range = i * sx..(i + 1) * sx;
                    let (pp, qp, mp) = (&pr[range.clone()], &qr[range.clone()], &minv[range]);
                    let (mut s_rz, mut s_rr) = (0.0, 0.0);
                    for k in 0..sx {
                        xp[k] += alpha * pp[k];
                        rp[k] -= alpha * qp[k];
                        zp[k] = mp[k] * rp[k];
                        s_rz += rp[k] * zp[k];
                        s_rr += rp[k] * rp[k];
                    }
                    *part = [s_rz, s_rr];
                });
            let [rz_new, rr] = ordered_sum(&self.partials);
            if !rr.is_finite() {
                return Err(CoreError::NotConverged {
                    what: "conjugate gradients (implicit diffusion)".into(),
                    iterations: it,
                    residual: rr,
                });
            }
            rel = rr.sqrt() / scale;
            let beta = rz_new / rz;
            rz = rz_new;
            p.par_iter_mut()
                .zip(z.par_iter())
                .with_min_len(sx)
                .for_each(|(p, &z)| *p = z + beta * *p);
        }
        Ok(CgReport {
            iterations: it,
            relative_residual: rel,
        })
    }
}

/// `r = b − q`, `z = M⁻¹ r`, `p = z`; returns `[r·z, r·r]` summed in plane order.
#[allow(clippy::too_many_arguments)]
fn residual_pass(
    r: &mut [f64],
    z: &mut [f64],
    p: &mut [f64],
    b: &[f64],
    q: &[f64],
    minv: &[f64],
    partials: &mut [[f64; 2]],
    sx: usize,
) -> [f64; 2] {
    r.par_chunks_mut(sx)
        .zip(z.par_chunks_mut(sx))
        .zip(p.par_chunks_mut(sx))
        .zip(partials.par_iter_mut())
        .enumerate()
        .for_each(|(i, (((rp, zp), pp), part))| {
            let range = i * sx..(i + 1) * sx;
            let (bp, qp, mp) = (&b[range.clone()], &q[range.clone()], &minv[range]);
            let (mut s_rz, mut s_rr) = (0.0, 0.0);
            for k in 0..sx {
                rp[k] = bp[k] - qp[k];
                zp[k] = mp[k] * rp[k];
                pp[k] = zp[k];
                s_rz += rp[k] * zp[k];
                s_rr += rp[k] * rp[k];
            }
            *part = [s_rz, s_rr];
        });
    ordered_sum(partials)
}
