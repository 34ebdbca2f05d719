//! The fused plane kernel (single-precision face coefficients with the mask
//! folded into their sign bit) against a direct transcription of the
//! finite-volume definition `(L u)_p = Σ_faces D_face (u_q − u_p) / h²`, with
//! `D_face / h²` rounded down to f32 as documented on `DiffusionOperator`; on
//! shapes with several planes, long and short rows, 2D sheets and grids too
//! thin for the fused rows; scattered masks, zero diffusivity inside, both
//! face means.

use ndarray::Array3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use twin_core::pde::{DiffusionOperator, DiffusionStepper, Domain, FaceMean, Grid, Logistic};

fn mean(m: FaceMean, a: f64, b: f64) -> f64 {
    match m {
        FaceMean::Harmonic if a > 0.0 && b > 0.0 => 2.0 * a * b / (a + b),
        FaceMean::Arithmetic => 0.5 * (a + b),
        _ => 0.0,
    }
}

/// The stored face coefficient: `c` rounded down to f32.
fn stored(c: f64) -> f64 {
    let r = c as f32;
    f64::from(if f64::from(r) > c { r.next_down() } else { r })
}

/// `L u` straight from the definition (no-flux across outside voxels and the grid edge).
fn reference(
    grid: &Grid,
    mask: &Array3<bool>,
    d: &Array3<f64>,
    m: FaceMean,
    u: &Array3<f64>,
) -> Array3<f64> {
    let [nx, ny, nz] = grid.shape;
    let n = [nx, ny, nz];
    Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        if !mask[[i, j, k]] {
            return 0.0;
        }
        let p = [i, j, k];
        let mut acc = 0.0;
        for a in 0..3 {
            let inv_h2 = 1.0 / (grid.spacing_mm[a] * grid.spacing_mm[a]);
            for step in [-1i64, 1] {
                let c = p[a] as i64 + step;
                if c < 0 || c >= n[a] as i64 {
                    continue;
                }
                let mut q = p;
                q[a] = c as usize;
                let q = (q[0], q[1], q[2]);
                if mask[q] {
                    acc += stored(mean(m, d[[i, j, k]], d[q]) * inv_h2) * (u[q] - u[[i, j, k]]);
                }
            }
        }
        acc
    })
}

fn check(shape: [usize; 3], spacing: [f64; 3], seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let grid = Grid::new_3d(shape, spacing).unwrap();
    // ~70% inside, scattered (many mask faces); zero diffusivity on ~10%.
    let mask = Array3::from_shape_fn(shape, |_| rng.random::<f64>() < 0.7);
    let d = Array3::from_shape_fn(shape, |_| {
        if rng.random::<f64>() < 0.1 {
            0.0
        } else {
            rng.random_range(0.01..1.0)
        }
    });
    let u = Array3::from_shape_fn(shape, |_| rng.random_range(0.0..1.0));
    let domain = Domain::new(grid, mask.clone()).unwrap();
    for m in [FaceMean::Harmonic, FaceMean::Arithmetic] {
        let want = reference(&grid, &mask, &d, m, &u);
        let mut stepper = DiffusionStepper::new(DiffusionOperator::scalar(&domain, &d, m).unwrap());
        let mut got = grid.zeros();
        stepper.apply(&u, &mut got).unwrap();
        let scale = want.iter().fold(0.0f64, |s, v| s.max(v.abs()));
        let err = got
            .iter()
            .zip(&want)
            .fold(0.0f64, |e, (g, w)| e.max((g - w).abs()));
        assert!(
            err <= 1e-14 * scale,
            "{shape:?} {m:?}: max |L u − ref| = {err:e} (scale {scale:e})"
        );
        // The fused explicit step with a reaction: u + dt L u, then the
        // logistic flow on inside voxels only.
        let dt = 0.5 * stepper.stable_dt();
        let mut v = u.clone();
        let r = Logistic::new(0.3, 1.0).unwrap();
        stepper.diffuse_then_react(&mut v, dt, dt, &r).unwrap();
        let (g, c) = ((0.3 * dt).exp(), ((0.3 * dt).exp() - 1.0) / 1.0);
        for (((vv, uu), ww), &inside) in v.iter().zip(&u).zip(&want).zip(&mask) {
            let e = uu + dt * ww;
            let expect = if inside { e * g / (1.0 + e * c) } else { *uu };
            assert!(
                (vv - expect).abs() <= 1e-14,
                "{shape:?} {m:?}: step {vv} vs {expect}"
            );
        }
    }
}

#[test]
fn fused_kernel_matches_the_definition_in_3d() {
    check([13, 80, 7], [1.0, 0.5, 2.0], 1);
    check([5, 4, 600], [0.7, 1.0, 1.0], 2); // rows longer than a block
    check([9, 3, 3], [1.0; 3], 3); // one fused row
}

#[test]
fn fused_kernel_matches_the_definition_on_thin_and_2d_grids() {
    check([40, 600, 1], [0.5, 0.25, 1.0], 4); // 2D sheet
    check([6, 2, 5], [1.0; 3], 5); // ny < 3: no fused rows
    check([1, 7, 9], [1.0; 3], 6); // a single plane
}
