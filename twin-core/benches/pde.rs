//! PDE benches on a 200³ masked grid (≈ the MNI brain atlas at 1 mm).
//!
//! - `explicit_rd_step`: one fused explicit reaction–diffusion step
//!   (heterogeneous scalar diffusivity, logistic reaction, no-flux mask);
//!   throughput in voxel updates per second.
//! - `copy`: a parallel copy of one field of the same size, the bandwidth
//!   bound of this machine in the same run.
//! - `implicit_be_step`: one backward-Euler step at 20× the explicit limit,
//!   Jacobi-PCG to 1e-8 relative residual.
//!
//! Peer: `benches/peers/numpy_stencil.py` (the same stencil in NumPy).
//! A summary (voxel updates/s, bytes per step, % of copy bandwidth, CG
//! iterations) is printed after the criterion groups.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group};
use ndarray::{Array3, Array4};
use rayon::prelude::*;
use twin_core::pde::{
    DiffusionOperator, DiffusionStepper, Domain, FaceMean, Grid, ImplicitScheme, Logistic,
};

const N: usize = 200;
/// Bytes one explicit step must stream per voxel: read u and the three face
/// coefficients (f32, mask folded into their sign), write the new field:
/// 8 + 12 + 8 (neighbour values come from cache). The write-allocate read of
/// the destination is not counted, as it is not in the copy bench.
const BYTES_PER_VOXEL_STEP: usize = 28;

fn problem() -> (DiffusionStepper, Array3<f64>) {
    let grid = Grid::new_3d([N; 3], [1.0; 3]).unwrap();
    let c = (N as f64 - 1.0) / 2.0;
    let mask = Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let (x, y, z) = (
            (i as f64 - c) / 90.0,
            (j as f64 - c) / 98.0,
            (k as f64 - c) / 85.0,
        );
        x * x + y * y + z * z <= 1.0
    });
    let domain = Domain::new(grid, mask).unwrap();
    // White (0.1 mm²/day) and grey (0.02 mm²/day) matter in alternating shells.
    let d = Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let r = ((i as f64 - c).powi(2) + (j as f64 - c).powi(2) + (k as f64 - c).powi(2)).sqrt();
        if ((r / 7.0) as usize).is_multiple_of(2) {
            0.1
        } else {
            0.02
        }
    });
    let op = DiffusionOperator::scalar(&domain, &d, FaceMean::Harmonic).unwrap();
    let u = Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let r2 = (i as f64 - c).powi(2) + (j as f64 - c).powi(2) + (k as f64 - c).powi(2);
        (-r2 / 200.0).exp()
    });
    (DiffusionStepper::new(op), u)
}

fn copy(src: &[f64], dst: &mut [f64]) {
    dst.par_chunks_mut(N * N)
        .zip(src.par_chunks(N * N))
        .for_each(|(d, s)| d.copy_from_slice(s));
}

fn benches(c: &mut Criterion) {
    let (mut stepper, mut u) = problem();
    let voxels = u.len();
    let reaction = Logistic::new(0.05, 1.0).unwrap();
    let dt = 0.9 * stepper.stable_dt();
    let mut g = c.benchmark_group("pde_200cubed");
    g.sample_size(10);
    g.throughput(Throughput::Elements(voxels as u64));
    g.bench_function("explicit_rd_step", |b| {
        b.iter(|| {
            stepper
                .diffuse_then_react(&mut u, dt, dt, &reaction)
                .unwrap()
        })
    });
    let src = vec![1.0f64; voxels];
    let mut dst = vec![0.0f64; voxels];
    g.throughput(Throughput::Bytes(2 * 8 * voxels as u64));
    g.bench_function("copy", |b| b.iter(|| copy(black_box(&src), &mut dst)));
    stepper.cg_options.rel_tol = 1e-8;
    g.throughput(Throughput::Elements(voxels as u64));
    g.bench_function("implicit_be_step", |b| {
        b.iter(|| {
            stepper
                .diffuse_implicit(&mut u, 20.0 * dt, ImplicitScheme::BackwardEuler)
                .unwrap()
        })
    });
    g.finish();

    // Cardiac-style anisotropic sheet: 512² voxels of 0.25 mm, fibres rotating
    // across the sheet, d_l / d_t = 4 (mm²/ms).
    let (mut sheet, mut v) = anisotropic_sheet();
    let dt_ms = 0.9 * sheet.stable_dt();
    let mut g = c.benchmark_group("pde_sheet_512");
    g.sample_size(20);
    g.throughput(Throughput::Elements(v.len() as u64));
    g.bench_function("anisotropic_explicit_step", |b| {
        b.iter(|| sheet.diffuse_explicit(&mut v, dt_ms).unwrap())
    });
    g.finish();
}

fn anisotropic_sheet() -> (DiffusionStepper, Array3<f64>) {
    let n = 512;
    let grid = Grid::new_2d(n, n, 0.25, 0.25).unwrap();
    let domain = Domain::full(grid);
    let fibres = Array4::from_shape_fn([n, n, 1, 3], |(i, _, _, c)| {
        let angle = std::f64::consts::PI * i as f64 / n as f64;
        [angle.cos(), angle.sin(), 0.0][c]
    });
    let op = DiffusionOperator::anisotropic(
        &domain,
        &fibres,
        &Array3::from_elem(grid.shape, 0.12),
        &Array3::from_elem(grid.shape, 0.03),
        FaceMean::Harmonic,
    )
    .unwrap();
    let v = Array3::from_shape_fn(
        grid.shape,
        |(i, j, _)| if i < 10 && j < 10 { 1.0 } else { 0.0 },
    );
    (DiffusionStepper::new(op), v)
}

/// Best-of-n wall time of `f` in seconds.
fn best_of(n: usize, mut f: impl FnMut()) -> f64 {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn summary() {
    let (mut stepper, mut u) = problem();
    let voxels = u.len();
    let inside = stepper.operator().domain().n_inside();
    let reaction = Logistic::new(0.05, 1.0).unwrap();
    let dt = 0.9 * stepper.stable_dt();
    let t_step = best_of(10, || {
        stepper
            .diffuse_then_react(&mut u, dt, dt, &reaction)
            .unwrap()
    });
    let src = vec![1.0f64; voxels];
    let mut dst = vec![0.0f64; voxels];
    let t_copy = best_of(10, || copy(black_box(&src), &mut dst));
    let copy_bw = 16.0 * voxels as f64 / t_copy;
    let step_bw = (BYTES_PER_VOXEL_STEP * voxels) as f64 / t_step;
    stepper.cg_options.rel_tol = 1e-8;
    let t = Instant::now();
    let rep = stepper
        .diffuse_implicit(&mut u, 20.0 * dt, ImplicitScheme::BackwardEuler)
        .unwrap();
    let t_impl = t.elapsed().as_secs_f64();
    println!(
        "\n== PDE summary: {N}³ grid, {inside} of {voxels} voxels inside, {} rayon threads",
        rayon::current_num_threads()
    );
    println!(
        "explicit RD step: {:.1} ms, {:.3e} voxel updates/s",
        1e3 * t_step,
        voxels as f64 / t_step
    );
    println!(
        "bytes moved per step: {BYTES_PER_VOXEL_STEP} B/voxel = {:.0} MB -> {:.2} GB/s",
        (BYTES_PER_VOXEL_STEP * voxels) as f64 / 1e6,
        step_bw / 1e9
    );
    println!(
        "parallel copy: {:.1} ms for {:.0} MB read+write -> {:.2} GB/s",
        1e3 * t_copy,
        16.0 * voxels as f64 / 1e6,
        copy_bw / 1e9
    );
    println!(
        "explicit step achieves {:.0}% of copy bandwidth",
        100.0 * step_bw / copy_bw
    );
    println!(
        "implicit BE step (dt = 20 × explicit limit, rtol 1e-8): {} CG iterations, {:.0} ms ({:.1} ms/iteration)",
        rep.iterations,
        1e3 * t_impl,
        1e3 * t_impl / rep.iterations as f64
    );
}

criterion_group!(pde, benches);

fn main() {
    pde();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
