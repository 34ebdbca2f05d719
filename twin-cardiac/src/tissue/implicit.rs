//! Semi-implicit diffusion: the θ-scheme `(I − θΔt L) Vⁿ⁺¹ = (I + (1−θ)Δt L) V*`
//! (θ = 1 backward Euler, θ = ½ Crank–Nicolson), solved matrix-free by
//! Jacobi-preconditioned conjugate gradients on the monodomain stencil.
//!
//! `L` is symmetric (each coupling uses the mean tensor of its two voxels) and
//! negative semi-definite, so `A = I − θΔt L` is symmetric positive definite
//! with condition number at most `1 + 2θΔt max_n Σ|w|`: CG converges in a
//! few tens of iterations even at several times the explicit limit. Why our
//! own CG rather than `twin_core::pde::DiffusionStepper::diffuse_implicit`:
//! that one works on `Array3` fields with its own operator, whereas the
//! monodomain operator lives on the padded node layout with lesions and the
//! oblique stencil; reusing the segment kernels keeps one discretisation.
//!
//! Cost: each CG iteration streams the field about three times (apply,
//! update, direction), so a step costs roughly `3 × iterations` explicit
//! steps (7 iterations, ~35× an explicit step, for Crank–Nicolson at
//! dt 0.1 ms, dx 0.25 mm): worth it only where the explicit limit would force
//! a much smaller step (fine grids, high conductivity).
//!
//! Every vector operation runs over the fixed chunks of the stencil and the
//! dot products add the per-chunk partial sums in chunk order, so the solve is
//! bit-for-bit identical for any number of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::stencil::{Segment, Stencil, split_at_starts};

/// Convergence record of the last implicit diffusion solve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SolveStats {
    /// CG iterations used.
    pub iterations: usize,
    /// Final residual 2-norm relative to the initial one (0 if the initial
    /// residual was already zero).
    pub relative_residual: f64,
}

/// Work vectors on the padded grid (zero outside tissue).
#[derive(Debug, Clone)]
pub(crate) struct CgWork {
    r: Vec<f64>,
    z: Vec<f64>,
    p: Vec<f64>,
    ap: Vec<f64>,
}

impl CgWork {
    pub fn new(len: usize) -> Self {
        Self {
            r: vec![0.0; len],
            z: vec![0.0; len],
            p: vec![0.0; len],
            ap: vec![0.0; len],
        }
    }
}

/// The stencil with its chunk layout, borrowed for one solve.
pub(crate) struct Operator<'a> {
    pub stencil: &'a Stencil,
    pub chunk_grid: &'a [usize],
}

impl Operator<'_> {
    /// Run `f(segment, chunk grid offset, output chunks)` over every
    /// non-lesion segment, chunks in parallel; the per-chunk results are
    /// folded within a chunk and returned in chunk order.
    fn for_segments<const N: usize, R: Copy + Send + Sync>(
        &self,
        outs: [&mut [f64]; N],
        f: impl Fn(&Segment, usize, &mut [&mut [f64]; N]) -> R + Sync,
        fold: impl Fn(R, R) -> R + Sync,
        zero: R,
    ) -> Vec<R> {
        let (st, cg) = (self.stencil, self.chunk_grid);
        let mut pieces = outs.map(|o| split_at_starts(o, cg).into_iter());
        let per_chunk: Vec<[&mut [f64]; N]> = (0..cg.len())
            .map(|_| {
                pieces
                    .each_mut()
                    .map(|it| it.next().expect("one piece per chunk"))
            })
            .collect();
        per_chunk
            .into_par_iter()
            .enumerate()
            .map(|(ci, mut o)| {
                st.segments[st.chunks[ci].clone()]
                    .iter()
                    .filter(|s| !s.frozen)
                    .fold(zero, |acc, s| fold(acc, f(s, cg[ci], &mut o)))
            })
            .collect()
    }

    /// `out = a x + b L x` on tissue nodes; returns `Σ x·out` (chunk order).
    fn apply(&self, x: &[f64], out: &mut [f64], a: f64, b: f64) -> f64 {
        match self.stencil.k() {
            // A single voxel: no neighbours, `L = 0`.
            0 => self.apply_k::<0>(x, out, a, b),
            2 => self.apply_k::<2>(x, out, a, b),
            4 => self.apply_k::<4>(x, out, a, b),
            6 => self.apply_k::<6>(x, out, a, b),
            8 => self.apply_k::<8>(x, out, a, b),
            18 => self.apply_k::<18>(x, out, a, b),
            k => unreachable!("a 0D/1D/2D/3D stencil has 0, 2, 4, 6, 8 or 18 points, not {k}"),
        }
    }

    /// [`Self::apply`] with the stencil size known at compile time: the
    /// neighbours of a segment are `K` shifted slices, so the loop unrolls
    /// and vectorises as in the explicit kernel.
    fn apply_k<const K: usize>(&self, x: &[f64], out: &mut [f64], a: f64, b: f64) -> f64 {
        let st = self.stencil;
        let deltas: [isize; K] = std::array::from_fn(|k| st.deltas[k]);
        self.for_segments(
            [out],
            |s, g_base, [o]| {
                let w: [f64; K] = std::array::from_fn(|k| st.wtab[s.class * K + k]);
                let (g0, len) = (s.g0, s.len);
                let centre = &x[g0..g0 + len];
                let nb: [&[f64]; K] = std::array::from_fn(|k| {
                    let s = g0.wrapping_add_signed(deltas[k]);
                    &x[s..s + len]
                });
                let o = &mut o[g0 - g_base..g0 - g_base + len];
                let mut dot = 0.0;
                for i in 0..len {
                    let xo = centre[i];
                    let mut lap = 0.0;
                    for k in 0..K {
                        lap += w[k] * (nb[k][i] - xo);
                    }
                    let y = a * xo + b * lap;
                    o[i] = y;
                    dot += xo * y;
                }
                dot
            },
            |p, q| p + q,
            0.0,
        )
        .into_iter()
        .sum()
    }
}

/// Solve `(I − θΔt L) x = (I + (1−θ)Δt L) x₀` in place, starting from `x₀`
/// (the post-reaction field `V*`). With that start the initial residual is
/// `Δt L x₀` for every θ. Stops when `‖r‖₂ ≤ rel_tol ‖r₀‖₂` or after
/// `max_iter` iterations.
pub(crate) fn solve_theta(
    op: &Operator<'_>,
    work: &mut CgWork,
    x: &mut [f64],
    theta_dt: f64,
    dt: f64,
    rel_tol: f64,
    max_iter: usize,
) -> SolveStats {
    let st = op.stencil;
    let k = st.k();
    // Jacobi preconditioner: diag(A) = 1 + θΔt Σ_k w_k, one value per class.
    let inv_diag: Vec<f64> = st
        .wtab
        .chunks(k)
        .map(|w| 1.0 / (1.0 + theta_dt * w.iter().sum::<f64>()))
        .collect();
    let CgWork { r, z, p, ap } = work;
    op.apply(x, r, 0.0, dt);
    // x += α p, r −= α Ap, z = D⁻¹ r; returns (r·z, r·r).
    let update =
        |alpha: f64, x: &mut [f64], r: &mut [f64], z: &mut [f64], p: &[f64], ap: &[f64]| {
            op.for_segments(
                [x, r, z],
                |s, g_base, [x, r, z]| {
                    let d = inv_diag[s.class];
                    let (mut rz, mut rr) = (0.0, 0.0);
                    for i in s.g0..s.g0 + s.len {
                        let l = i - g_base;
                        x[l] += alpha * p[i];
                        r[l] -= alpha * ap[i];
                        z[l] = r[l] * d;
                        rz += r[l] * z[l];
                        rr += r[l] * r[l];
                    }
                    (rz, rr)
                },
                |a, b| (a.0 + b.0, a.1 + b.1),
                (0.0, 0.0),
            )
            .into_iter()
            .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
        };
    // α = 0: only forms z = D⁻¹ r (p and Ap hold finite values from CgWork::new
    // or the previous solve).
    let (mut rz, rr0) = update(0.0, x, r, z, p, ap);
    let mut stats = SolveStats {
        iterations: 0,
        relative_residual: 0.0,
    };
    if rr0 == 0.0 {
        return stats;
    }
    p.copy_from_slice(z);
    let mut rr = rr0;
    while stats.iterations < max_iter && rr > rel_tol * rel_tol * rr0 {
        let alpha = rz / op.apply(p, ap, 1.0, -theta_dt);
        if !alpha.is_finite() {
            break;
        }
        let (rz_new, rr_new) = update(alpha, x, r, z, p, ap);
        let beta = rz_new / rz;
        (rz, rr) = (rz_new, rr_new);
        let z = &*z;
        op.for_segments(
            [p],
            |s, g_base, [p]| {
                for i in s.g0..s.g0 + s.len {
                    p[i - g_base] = z[i] + beta * p[i - g_base];
                }
            },
            |_, _| (),
            (),
        );
        stats.iterations += 1;
    }
    stats.relative_residual = (rr / rr0).sqrt();
    stats
}
