//! The conservative diffusion operator `L u = ∇·(D ∇u)` on a masked grid.
//!
//! **Scalar diffusivity** uses the two-point flux on every face: the flux
//! from voxel `p` to its neighbour `q` along axis `a` is
//! `D_pq (u_q − u_p) / h_a`, where `D_pq` is the *harmonic* mean of the two
//! voxel diffusivities by default. The harmonic mean is the exact effective
//! diffusivity of two slabs in series (piecewise-constant media such as white
//! and grey matter), and a zero-diffusivity voxel then blocks the flux; the
//! arithmetic mean is available for smooth coefficient fields.
//!
//! **Anisotropic tensors** `D = d_t I + (d_l − d_t) f fᵀ` are split into an
//! isotropic part `d_min I` (`d_min = min(d_l, d_t)`, two-point fluxes as
//! above) and a positive semi-definite remainder `B = D − d_min I`. The
//! remainder, which carries all cross-derivative terms, is discretised from
//! the energy `½ Σ_cells V gᵀ B̄ g` on dual cells (the 2×2(×2) blocks of voxels
//! around each grid vertex): `g` is the cell gradient averaged over the cell's
//! edges whose two voxels are both inside the mask, `B̄` the mean of the
//! inside voxels' tensors weighted by the inside fraction. Because that energy
//! is a weighted sum of squares of differences, the operator is symmetric,
//! negative semi-definite (stable, CG-solvable) and conservative by
//! construction, and no flux crosses a masked face. For isotropic tensors it
//! reduces exactly to the scalar operator.
//!
//! **Mask.** A face with an outside voxel on either side carries zero flux
//! (homogeneous Neumann, no-flux). Outside voxels have no coupling at all:
//! steppers carry their values unchanged (they must be finite).
//!
//! Every flux is computed with the same floating-point operations on both
//! sides of its face, so pure diffusion conserves `Σ u` to round-off.

use ndarray::{Array3, Array4};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::grid::{Domain, Grid};
use crate::error::{CoreError, Result};

/// How a face diffusivity is formed from the two voxel values beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FaceMean {
    /// `2 a b / (a + b)`: exact for piecewise-constant media in series (default).
    #[default]
    Harmonic,
    /// `(a + b) / 2`: second order for smooth coefficients, leaks across sharp jumps.
    Arithmetic,
}

impl FaceMean {
    /// Face value from the two voxel diffusivities; zero when either is
    /// negative (the caller only forms faces between two inside voxels, from
    /// the mask). Symmetric in `a`, `b` to the last bit.
    #[inline(always)]
    fn of(self, a: f64, b: f64) -> f64 {
        match self {
            FaceMean::Harmonic => face::<true>(a, b),
            FaceMean::Arithmetic => face::<false>(a, b),
        }
    }
}

/// Branch-free face mean (vectorisable); `HARMONIC` selects the mean.
#[inline(always)]
fn face<const HARMONIC: bool>(a: f64, b: f64) -> f64 {
    if HARMONIC {
        // (2a)·b is exact scaling of a·b, so the value is symmetric in a, b.
        let h = 2.0 * a * b / (a + b);
        if (a > 0.0) & (b > 0.0) { h } else { 0.0 }
    } else {
        let m = 0.5 * (a + b);
        if (a >= 0.0) & (b >= 0.0) { m } else { 0.0 }
    }
}

/// The largest `f32` not above `c >= 0` (face coefficients are stored in f32).
fn round_down(c: f64) -> f32 {
    let r = c as f32;
    if f64::from(r) > c { r.next_down() } else { r }
}

/// Voxels per block in the plane kernel: a block of every stream fits in L1.
const BLOCK: usize = 512;

/// Symmetric 3×3 tensor components in the order xx, yy, zz, xy, xz, yz.
type Sym3 = [f64; 6];

fn sym_get(t: &Sym3, a: usize, b: usize) -> f64 {
    match (a.min(b), a.max(b)) {
        (0, 0) => t[0],
        (1, 1) => t[1],
        (2, 2) => t[2],
        (0, 1) => t[3],
        (0, 2) => t[4],
        _ => t[5],
    }
}

/// The cross-derivative (dual-cell) part of an anisotropic operator.
#[derive(Debug, Clone)]
struct DualCells {
    /// Axes with more than one voxel (the cell dimension `d` is their count).
    axes: Vec<usize>,
    /// `B / 2^d` per voxel (mm²/time), zero outside the mask (build only).
    tensor: Vec<Sym3>,
    /// Per cell (indexed by its lower corner), over axis numbers `b < d`:
    /// `k_b B̄_bb' k_b'` with `k_b = 1/(n_b h_b)`, `n_b` its inside edges along `b`.
    coef: Vec<Sym3>,
    /// Per cell: bit `8b + l` set when the edge from local voxel `l` along
    /// axis number `b` is inside; zero for cells that leave the grid.
    edges: Vec<u32>,
    /// Per voxel: bit `b` set when the edge to the next voxel along axis
    /// number `b` exists and both voxels are inside.
    voxel_edges: Vec<u8>,
    /// Flat offset of local voxel `l` from the cell's lower corner.
    local_offset: [usize; 8],
    /// Per axis number `b`: offsets back from an edge's lower voxel to the
    /// lower corners of the `2^(d−1)` cells sharing that edge.
    edge_cells: [[usize; 4]; 3],
    /// Zero padding in front of each cell-flux array, so that those corner
    /// offsets never underflow (corners off the grid read zeros; corners that
    /// wrap to the previous row or plane are cells that leave the grid, whose
    /// flux is zero).
    pad: usize,
}

/// Discrete `L u = ∇·(D ∇u)` with no-flux mask boundaries, in the caller's
/// time unit (diffusivities in mm²/time, `L u` in field units per time).
///
/// Build once per geometry and diffusivity; step with
/// [`DiffusionStepper`](super::DiffusionStepper).
#[derive(Debug, Clone)]
pub struct DiffusionOperator {
    domain: Domain,
    strides: [usize; 3],
    /// Face coefficient `D_face / h²` (1/time) of the face between voxel `p`
    /// and `p + stride[a]`; zero when that face leaves the grid or the mask.
    ///
    /// Stored in single precision, rounded down: 12 instead of 24 bytes per
    /// voxel for the memory-bound explicit step. The rounding (relative
    /// < 1.2e-7) perturbs the diffusivity far below any discretisation error,
    /// never upwards (so the stable step computed from the exact values stays
    /// safe), and every face value is used on both of its sides, so
    /// conservation stays exact. The mask is
    /// folded in: `face[0][p]` is `−0.0` exactly when voxel `p` is outside,
    /// so the fused kernel reads no separate mask.
    face: [Vec<f32>; 3],
    cells: Option<DualCells>,
    /// One plane of zeros: the face coefficients beyond the first/last x-plane.
    zeros: Vec<f32>,
    /// Diagonal of `L` (1/time), for the Jacobi preconditioner.
    diag: Vec<f64>,
    /// Largest stable forward-Euler step (time).
    dt_max: f64,
}

/// Checks the domain (its fields are public) and `d` on it.
fn check_finite_nonneg(domain: &Domain, what: &str, d: &Array3<f64>) -> Result<()> {
    domain.validate()?;
    domain.grid.check_shape(what, d)?;
    for ((idx, &v), &m) in d.indexed_iter().zip(domain.mask.iter()) {
        if m && !(v.is_finite() && v >= 0.0) {
            return Err(CoreError::invalid(
                format!("{what}[{}, {}, {}]", idx.0, idx.1, idx.2),
                v,
                "a finite diffusivity >= 0 mm²/time inside the mask",
            ));
        }
    }
    Ok(())
}

impl DiffusionOperator {
    /// Uniform diffusivity `d` (mm²/time) on every inside voxel.
    pub fn uniform(domain: &Domain, diffusivity: f64) -> Result<Self> {
        domain.validate()?;
        if !(diffusivity.is_finite() && diffusivity >= 0.0) {
            return Err(CoreError::invalid(
                "diffusivity",
                diffusivity,
                "a finite diffusivity >= 0 mm²/time",
            ));
        }
        Self::scalar(
            domain,
            &Array3::from_elem(domain.grid.shape, diffusivity),
            FaceMean::Harmonic,
        )
    }

    /// Spatially varying scalar diffusivity (mm²/time per voxel; values outside
    /// the mask are ignored) with face values by `mean`.
    ///
    /// Errors on a shape mismatch or a negative or non-finite inside value.
    pub fn scalar(domain: &Domain, diffusivity: &Array3<f64>, mean: FaceMean) -> Result<Self> {
        check_finite_nonneg(domain, "diffusivity", diffusivity)?;
        let d = diffusivity.as_standard_layout();
        let d = d.as_slice().expect("standard layout");
        Ok(Self::assemble(domain, d, mean, None))
    }

    /// Anisotropic tensor `D = d_t I + (d_l − d_t) f fᵀ` per voxel.
    ///
    /// `fibres` has shape `[nx, ny, nz, 3]` (direction, normalised here; its
    /// sign is irrelevant), `d_long`/`d_trans` are the diffusivities along and
    /// across the fibre (mm²/time). On a 2D sheet the in-plane block of `D` is
    /// used. Errors on shape mismatches, negative or non-finite diffusivities,
    /// and zero or non-finite fibre vectors inside the mask.
    pub fn anisotropic(
        domain: &Domain,
        fibres: &Array4<f64>,
        d_long: &Array3<f64>,
        d_trans: &Array3<f64>,
        mean: FaceMean,
    ) -> Result<Self> {
        check_finite_nonneg(domain, "d_long", d_long)?;
        check_finite_nonneg(domain, "d_trans", d_trans)?;
        let [nx, ny, nz] = domain.grid.shape;
        if fibres.shape() != [nx, ny, nz, 3] {
            return Err(CoreError::ShapeMismatch {
                what: "fibres".into(),
                expected: format!("{:?}", [nx, ny, nz, 3]),
                found: format!("{:?}", fibres.shape()),
            });
        }
        let n = domain.grid.len();
        let mut d_min = vec![0.0; n];
        let mut tensor = vec![[0.0; 6]; n];
        for (p, ((idx, &m), (&dl, &dt))) in domain
            .mask
            .indexed_iter()
            .zip(d_long.iter().zip(d_trans.iter()))
            .enumerate()
        {
            if !m {
                continue;
            }
            let (i, j, k) = idx;
            let f = [
                fibres[[i, j, k, 0]],
                fibres[[i, j, k, 1]],
                fibres[[i, j, k, 2]],
            ];
            let norm = f.iter().map(|x| x * x).sum::<f64>().sqrt();
            if !(norm.is_finite() && norm > 0.0) {
                return Err(CoreError::invalid(
                    format!("fibres[{i}, {j}, {k}]"),
                    format!("{f:?}"),
                    "a finite non-zero direction inside the mask",
                ));
            }
            let f = f.map(|x| x / norm);
            // B = D − min(d_l, d_t) I is positive semi-definite in both cases.
            let (base, a, sign) = if dl >= dt {
                (dt, dl - dt, 1.0)
            } else {
                (dl, dt - dl, -1.0)
            };
            d_min[p] = base;
            let ff = |x: usize, y: usize| {
                let delta = if x == y { 1.0 } else { 0.0 };
                if sign > 0.0 {
                    a * f[x] * f[y]
                } else {
                    a * (delta - f[x] * f[y])
                }
            };
            tensor[p] = [ff(0, 0), ff(1, 1), ff(2, 2), ff(0, 1), ff(0, 2), ff(1, 2)];
        }
        Ok(Self::assemble(domain, &d_min, mean, Some(tensor)))
    }

    fn assemble(domain: &Domain, d: &[f64], mean: FaceMean, tensor: Option<Vec<Sym3>>) -> Self {
        // Every later `mask.as_slice()` of this operator relies on this layout.
        let domain = domain.clone().into_row_major();
        let grid = domain.grid;
        let [_, ny, nz] = grid.shape;
        let strides = [ny * nz, nz, 1];
        let n = grid.len();
        let mask = domain.mask.as_slice().expect("mask in standard layout");
        let inv_h2 = grid.spacing_mm.map(|h| 1.0 / (h * h));
        let mut face = [vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]];
        let mut diag = vec![0.0; n];
        let mut row_abs = vec![0.0; n];
        for (a, face_a) in face.iter_mut().enumerate() {
            let s = strides[a];
            for p in 0..n {
                let coord = (p / s) % grid.shape[a];
                if coord + 1 < grid.shape[a] && mask[p] && mask[p + s] {
                    // `+ 0.0` turns a −0.0 face (arithmetic mean of two −0.0
                    // diffusivities) into +0.0: the kernel reads the sign of
                    // `face[0]` as the mask.
                    let c = mean.of(d[p], d[p + s]) * inv_h2[a] + 0.0;
                    // The diagonal is that of the stored operator; the step
                    // bound uses the exact values, which are not smaller.
                    face_a[p] = round_down(c);
                    let stored = f64::from(face_a[p]);
                    diag[p] -= stored;
                    diag[p + s] -= stored;
                    row_abs[p] += 2.0 * c;
                    row_abs[p + s] += 2.0 * c;
                }
            }
        }
        for (f, &m) in face[0].iter_mut().zip(mask) {
            if !m {
                *f = -0.0;
            }
        }
        let cells = tensor.map(|mut tensor| {
            let axes: Vec<usize> = (0..3).filter(|&a| grid.shape[a] > 1).collect();
            let scale = 1.0 / (1usize << axes.len()) as f64;
            for t in &mut tensor {
                t.iter_mut().for_each(|x| *x *= scale);
            }
            let mut cells = DualCells {
                axes,
                tensor,
                coef: Vec::new(),
                edges: Vec::new(),
                voxel_edges: Vec::new(),
                local_offset: [0; 8],
                edge_cells: [[0; 4]; 3],
                pad: strides[0] + strides[1] + 1,
            };
            cells.add_diag_and_row_bound(&grid, strides, mask, &mut diag, &mut row_abs);
            cells.precompute(&grid, strides, mask);
            cells
        });
        let worst = row_abs.iter().cloned().fold(0.0, f64::max);
        let dt_max = if worst > 0.0 {
            2.0 / worst
        } else {
            f64::INFINITY
        };
        Self {
            domain,
            strides,
            face,
            cells,
            diag,
            zeros: vec![0.0f32; strides[0]],
            dt_max,
        }
    }

    /// The domain (grid and mask) this operator lives on.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The grid geometry.
    pub fn grid(&self) -> &Grid {
        &self.domain.grid
    }

    /// Largest stable forward-Euler step (time units of the diffusivity).
    ///
    /// `2 / max_p Σ_q |L_pq|` (Gershgorin bound on the spectrum of the symmetric
    /// operator); for scalar diffusivity this is the classic
    /// `1 / max_p Σ_faces D_face / h²`, which also keeps the explicit update
    /// monotone (no new extrema). Infinite if nothing diffuses.
    pub fn stable_dt(&self) -> f64 {
        self.dt_max
    }

    /// True when built with a tensor diffusivity (cross-derivative terms).
    pub fn is_anisotropic(&self) -> bool {
        self.cells.is_some()
    }

    /// Diagonal of `L` per voxel (1/time; zero outside the mask).
    pub fn diagonal(&self) -> &[f64] {
        &self.diag
    }

    /// Length of the per-cell scratch buffer [`Self::apply_plane`] needs.
    pub(crate) fn cell_scratch_len(&self) -> usize {
        self.cells
            .as_ref()
            .map_or(0, |c| 3 * (c.pad + self.grid().len()))
    }

    /// First pass of an anisotropic application: cell fluxes of `u` into `cell`.
    pub(crate) fn prepare_cells(&self, u: &[f64], cell: &mut [f64]) {
        if let Some(c) = &self.cells {
            c.fluxes(self, u, cell);
        }
    }

    /// `out = fin(p, a·u + s·(L u), inside)` on x-plane `i`, after
    /// [`Self::prepare_cells`] (`fin` finishes each voxel in the same pass, e.g.
    /// with a local reaction; `inside` is the voxel's mask value).
    /// Returns true if any output value is NaN or infinite.
    ///
    /// Every voxel is computed by the same operations in a fixed order, so
    /// results do not depend on how planes are shared between threads; each
    /// face flux is `s·D_face·(u_q − u_p)` on both sides, hence conservative.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn apply_plane<F: Fn(usize, f64, bool) -> f64>(
        &self,
        u: &[f64],
        cell: &[f64],
        i: usize,
        out: &mut [f64],
        a: f64,
        s: f64,
        fin: &F,
    ) -> bool {
        let [_, ny, nz] = self.grid().shape;
        let sx = self.strides[0];
        let base = i * sx;
        let mask = self.domain.mask.as_slice().expect("standard layout");
        let finish = |out: &mut [f64], range: std::ops::Range<usize>| {
            let mut bad = false;
            for q in range {
                out[q] = fin(base + q, out[q], mask[base + q]);
                bad |= !out[q].is_finite();
            }
            bad
        };
        if self.cells.is_some() || ny < 3 {
            self.apply_range(u, i, out, a, s, 0..sx);
            if let Some(cells) = &self.cells {
                cells.divergence_plane(self, cell, i, out, s);
            }
            return finish(out, 0..sx);
        }
        // First and last rows (y = 0, ny − 1) block-wise, the rest fused.
        self.apply_range(u, i, out, a, s, 0..nz);
        self.apply_range(u, i, out, a, s, sx - nz..sx);
        let bad = finish(out, 0..nz) | finish(out, sx - nz..sx);
        let interior = if nz > 1 {
            self.interior::<true, F>(u, i, out, a, s, fin)
        } else {
            self.interior::<false, F>(u, i, out, a, s, fin)
        };
        bad | interior
    }

    /// The fused single pass over rows `1..ny−1` of x-plane `i` (scalar
    /// diffusivity): the six face fluxes and `fin` in one vectorisable loop.
    #[allow(clippy::too_many_arguments)]
    fn interior<const Z: bool, F: Fn(usize, f64, bool) -> f64>(
        &self,
        u: &[f64],
        i: usize,
        out: &mut [f64],
        a: f64,
        s: f64,
        fin: &F,
    ) -> bool {
        let [nx, _, nz] = self.grid().shape;
        let sx = self.strides[0];
        let (lo, hi) = (i * sx + nz, (i + 1) * sx - nz);
        let m = hi - lo;
        let [fx, fy, fz] = [&self.face[0], &self.face[1], &self.face[2]];
        let c = &u[lo..hi];
        // Missing x-neighbours: zero face coefficients against the centre value.
        let (xp, cxp) = if i + 1 < nx {
            (&u[lo + sx..hi + sx], &fx[lo..hi])
        } else {
            (c, &self.zeros[..m])
        };
        let (xm, cxm) = if i > 0 {
            (&u[lo - sx..hi - sx], &fx[lo - sx..hi - sx])
        } else {
            (c, &self.zeros[..m])
        };
        let (xp, cxp, xm, cxm) = (&xp[..m], &cxp[..m], &xm[..m], &cxm[..m]);
        let (yp, cyp) = (&u[lo + nz..hi + nz], &fy[lo..hi]);
        let (ym, cym) = (&u[lo - nz..hi - nz], &fy[lo - nz..hi - nz]);
        // With nz = 1 the z-slices are unused (Z = false); keep them in bounds.
        let zs = usize::from(Z);
        let (zp, czp) = (&u[lo + zs..hi + zs], &fz[lo..hi]);
        let (zm, czm) = (&u[lo - zs..hi - zs], &fz[lo - zs..hi - zs]);
        // The sign bit of the voxel's own +x face coefficient is the mask.
        let own = &fx[lo..hi];
        let o = &mut out[nz..sx - nz];
        let (o, own) = (&mut o[..m], &own[..m]);
        let mut bad = false;
        for k in 0..m {
            let ck = c[k];
            let flux = |nb: f64, cf: f32| s * f64::from(cf) * (nb - ck);
            let mut v = a * ck + flux(xp[k], cxp[k]) + flux(xm[k], cxm[k]);
            v = v + flux(yp[k], cyp[k]) + flux(ym[k], cym[k]);
            if Z {
                v = v + flux(zp[k], czp[k]) + flux(zm[k], czm[k]);
            }
            let r = fin(lo + k, v, own[k].is_sign_positive());
            o[k] = r;
            bad |= !r.is_finite();
        }
        bad
    }

    /// `out = a·u + s·(L_faces u)` on the plane-local index range `range` of
    /// x-plane `i`, in L1-sized blocks, one face direction at a time.
    #[allow(clippy::too_many_arguments)]
    fn apply_range(
        &self,
        u: &[f64],
        i: usize,
        out: &mut [f64],
        a: f64,
        s: f64,
        range: std::ops::Range<usize>,
    ) {
        let [nx, ny, nz] = self.grid().shape;
        let sx = self.strides[0];
        let base = i * sx;
        let [fx, fy, fz] = [&self.face[0], &self.face[1], &self.face[2]];
        let mut start = range.start;
        while start < range.end {
            let end = (start + BLOCK).min(range.end);
            let o = &mut out[start..end];
            let c = &u[base + start..base + end];
            for (o, &c) in o.iter_mut().zip(c) {
                *o = a * c;
            }
            // Each term: o += s·D_face·(u_nb − u_c) for the faces that exist.
            if i + 1 < nx {
                add_flux(o, c, &u[base + sx + start..], &fx[base + start..], s);
            }
            if i > 0 {
                add_flux(o, c, &u[base - sx + start..], &fx[base - sx + start..], s);
            }
            if ny > 1 {
                let hi = end.min(sx - nz);
                if hi > start {
                    let r = base + start..base + hi;
                    let (o, c) = (&mut out[start..hi], &u[r.clone()]);
                    add_flux(o, c, &u[r.start + nz..], &fy[r.start..], s);
                }
                let lo = start.max(nz);
                if end > lo {
                    let r = base + lo..base + end;
                    let (o, c) = (&mut out[lo..end], &u[r.clone()]);
                    add_flux(o, c, &u[r.start - nz..], &fy[r.start - nz..], s);
                }
            }
            if nz > 1 {
                let hi = end.min(sx - 1);
                if hi > start {
                    let r = base + start..base + hi;
                    let (o, c) = (&mut out[start..hi], &u[r.clone()]);
                    add_flux(o, c, &u[r.start + 1..], &fz[r.start..], s);
                }
                let lo = start.max(1);
                if end > lo {
                    let r = base + lo..base + end;
                    let (o, c) = (&mut out[lo..end], &u[r.clone()]);
                    add_flux(o, c, &u[r.start - 1..], &fz[r.start - 1..], s);
                }
            }
            start = end;
        }
    }
}

/// `o[k] += s·face[k]·(nb[k] − c[k])`, written so that the compiler vectorises it.
#[inline(always)]
fn add_flux(o: &mut [f64], c: &[f64], nb: &[f64], face: &[f32], s: f64) {
    let n = o.len();
    let (c, nb, face) = (&c[..n], &nb[..n], &face[..n]);
    for k in 0..n {
        o[k] += s * f64::from(face[k]) * (nb[k] - c[k]);
    }
}

/// Flat index → (i, j, k).
fn coords(p: usize, shape: [usize; 3]) -> [usize; 3] {
    [
        p / (shape[1] * shape[2]),
        (p / shape[2]) % shape[1],
        p % shape[2],
    ]
}

impl DualCells {
    /// The voxels of the cell with lower corner `c` (bit `b` of the local index
    /// = offset along `axes[b]`), or `None` if the cell leaves the grid.
    fn voxels(&self, c: usize, shape: [usize; 3], strides: [usize; 3]) -> Option<[usize; 8]> {
        let x = coords(c, shape);
        let mut v = [c; 8];
        for (b, &a) in self.axes.iter().enumerate() {
            if x[a] + 1 >= shape[a] {
                return None;
            }
            for (l, vl) in v.iter_mut().enumerate() {
                if l >> b & 1 == 1 {
                    *vl += strides[a];
                }
            }
        }
        Some(v)
    }

    /// Local gradient weights `G[b][l]` of cell `c` (1/mm) and the summed tensor.
    fn local(
        &self,
        v: &[usize; 8],
        mask: &[bool],
        spacing: [f64; 3],
    ) -> ([[f64; 8]; 3], [[f64; 3]; 3]) {
        let d = self.axes.len();
        let nloc = 1 << d;
        let mut g = [[0.0; 8]; 3];
        for (b, &a) in self.axes.iter().enumerate() {
            let edges = (0..nloc)
                .filter(|&l| l >> b & 1 == 0 && mask[v[l]] && mask[v[l | 1 << b]])
                .count();
            if edges == 0 {
                continue;
            }
            let w = 1.0 / (edges as f64 * spacing[a]);
            for l in (0..nloc).filter(|&l| l >> b & 1 == 0) {
                if mask[v[l]] && mask[v[l | 1 << b]] {
                    g[b][l] -= w;
                    g[b][l | 1 << b] += w;
                }
            }
        }
        let mut s = [[0.0; 3]; 3];
        for &p in v.iter().take(nloc).filter(|&&p| mask[p]) {
            for (b1, &a1) in self.axes.iter().enumerate() {
                for (b2, &a2) in self.axes.iter().enumerate() {
                    s[b1][b2] += sym_get(&self.tensor[p], a1, a2);
                }
            }
        }
        (g, s)
    }

    /// Adds this part's diagonal to `diag` and an upper bound of its absolute
    /// row sums (triangle inequality over cells) to `row_abs`.
    fn add_diag_and_row_bound(
        &self,
        grid: &Grid,
        strides: [usize; 3],
        mask: &[bool],
        diag: &mut [f64],
        row_abs: &mut [f64],
    ) {
        let d = self.axes.len();
        let nloc = 1 << d;
        for c in 0..grid.len() {
            let Some(v) = self.voxels(c, grid.shape, strides) else {
                continue;
            };
            let (g, s) = self.local(&v, mask, grid.spacing_mm);
            // K = Gᵀ S G; L gets −K.
            for l in 0..nloc {
                let mut sg = [0.0; 3];
                for (b1, sg1) in sg.iter_mut().enumerate().take(d) {
                    *sg1 = (0..d).map(|b2| s[b1][b2] * g[b2][l]).sum();
                }
                for m in 0..nloc {
                    let k: f64 = (0..d).map(|b| g[b][m] * sg[b]).sum();
                    row_abs[v[m]] += k.abs();
                    if m == l {
                        diag[v[l]] -= k;
                    }
                }
            }
        }
    }

    /// Static per-cell and per-voxel data of the fast application passes.
    fn precompute(&mut self, grid: &Grid, strides: [usize; 3], mask: &[bool]) {
        let d = self.axes.len();
        let nloc = 1 << d;
        let n = grid.len();
        for (l, off) in self.local_offset.iter_mut().enumerate().take(nloc) {
            *off = (0..d)
                .filter(|b| l >> b & 1 == 1)
                .map(|b| strides[self.axes[b]])
                .sum();
        }
        for b in 0..d {
            let others: Vec<usize> = (0..d).filter(|&o| o != b).collect();
            for (e, off) in self.edge_cells[b].iter_mut().enumerate().take(1 << (d - 1)) {
                *off = others
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| e >> bit & 1 == 1)
                    .map(|(_, &o)| strides[self.axes[o]])
                    .sum();
            }
        }
        self.coef = vec![[0.0; 6]; n];
        self.edges = vec![0; n];
        self.voxel_edges = vec![0; n];
        for c in 0..n {
            let x = coords(c, grid.shape);
            for (b, &a) in self.axes.iter().enumerate() {
                if x[a] + 1 < grid.shape[a] && mask[c] && mask[c + strides[a]] {
                    self.voxel_edges[c] |= 1 << b;
                }
            }
            let Some(v) = self.voxels(c, grid.shape, strides) else {
                continue;
            };
            let (g, sum) = self.local(&v, mask, grid.spacing_mm);
            let mut k = [0.0; 3];
            for b in 0..d {
                k[b] = (0..nloc).map(|l| g[b][l]).fold(0.0, f64::max);
                for l in (0..nloc).filter(|&l| l >> b & 1 == 0) {
                    if mask[v[l]] && mask[v[l | 1 << b]] {
                        self.edges[c] |= 1 << (8 * b + l);
                    }
                }
            }
            let kk = |b1: usize, b2: usize| k[b1] * sum[b1][b2] * k[b2];
            self.coef[c] = [kk(0, 0), kk(1, 1), kk(2, 2), kk(0, 1), kk(0, 2), kk(1, 2)];
        }
        self.tensor = Vec::new();
    }

    /// Per cell and axis number `b`: the flux `k_b (B̄ g)_b` the cell sends
    /// through each of its inside edges along `b`, into `cell` laid out as three
    /// arrays of `pad + n` values (zeros in front).
    fn fluxes(&self, op: &DiffusionOperator, u: &[f64], cell: &mut [f64]) {
        let d = self.axes.len();
        let nloc = 1 << d;
        let (pad, sx) = (self.pad, op.strides[0]);
        let len = cell.len() / 3;
        let (w0, rest) = cell.split_at_mut(len);
        let (w1, w2) = rest.split_at_mut(len);
        w0[pad..]
            .par_chunks_mut(sx)
            .zip(w1[pad..].par_chunks_mut(sx))
            .zip(w2[pad..].par_chunks_mut(sx))
            .enumerate()
            .for_each(|(i, ((a0, a1), a2))| {
                let mut outs = [a0, a1, a2];
                for q in 0..sx {
                    let c = i * sx + q;
                    let bits = self.edges[c];
                    if bits == 0 {
                        outs.iter_mut().for_each(|o| o[q] = 0.0);
                        continue;
                    }
                    let mut uu = [0.0; 8];
                    for (l, x) in uu.iter_mut().enumerate().take(nloc) {
                        *x = u[c + self.local_offset[l]];
                    }
                    let mut g = [0.0; 3];
                    for (b, gb) in g.iter_mut().enumerate().take(d) {
                        for l in 0..nloc {
                            if bits >> (8 * b + l) & 1 == 1 {
                                *gb += uu[l | 1 << b] - uu[l];
                            }
                        }
                    }
                    let coef = &self.coef[c];
                    for (b, o) in outs.iter_mut().enumerate().take(d) {
                        o[q] = (0..d).map(|b2| sym_get(coef, b, b2) * g[b2]).sum();
                    }
                }
            });
    }

    /// `out += s·(L_cells u)` on x-plane `i`: the divergence of the edge fluxes.
    fn divergence_plane(
        &self,
        op: &DiffusionOperator,
        cell: &[f64],
        i: usize,
        out: &mut [f64],
        s: f64,
    ) {
        let mask = op.domain.mask.as_slice().expect("standard layout");
        let d = self.axes.len();
        let (pad, sx) = (self.pad, op.strides[0]);
        let len = cell.len() / 3;
        let w = [&cell[..len], &cell[len..2 * len], &cell[2 * len..]];
        for (q, o) in out.iter_mut().enumerate().take(sx) {
            let p = i * sx + q;
            if !mask[p] {
                continue;
            }
            let mut total = 0.0;
            for (b, wb) in w.iter().enumerate().take(d) {
                let st = op.strides[self.axes[b]];
                let edge_sum = |lower: usize| -> f64 {
                    self.edge_cells[b][..1 << (d - 1)]
                        .iter()
                        .map(|&off| wb[pad + lower - off])
                        .sum()
                };
                if self.voxel_edges[p] >> b & 1 == 1 {
                    total += edge_sum(p);
                }
                if p >= st && self.voxel_edges[p - st] >> b & 1 == 1 {
                    total -= edge_sum(p - st);
                }
            }
            *o += s * total;
        }
    }
}
