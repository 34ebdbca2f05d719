//! Manufactured-solution tests with spatially varying diffusivity:
//! second order in space (2D and 3D), first order in time for backward Euler
//! and second order for Crank–Nicolson.
//!
//! Box `[0, 1]^d`, cell-centred voxels, `u* = Π cos(π x_a)` has zero normal
//! derivative on the box faces, so the no-flux boundary holds for any `D`.

use ndarray::Array3;
use std::f64::consts::PI;
use twin_core::pde::{DiffusionOperator, DiffusionStepper, Domain, FaceMean, Grid};

/// Smooth diffusivity `1 + 0.5 x + 0.25 y² + 0.3 z` (mm²/day) and its gradient.
fn diffusivity(p: [f64; 3]) -> (f64, [f64; 3]) {
    (
        1.0 + 0.5 * p[0] + 0.25 * p[1] * p[1] + 0.3 * p[2],
        [0.5, 0.5 * p[1], 0.3],
    )
}

/// `φ = Π cos(π x_a)` over the active axes and `∇·(D ∇φ)` there.
fn phi_and_div(p: [f64; 3], dim: usize) -> (f64, f64) {
    let c: Vec<f64> = (0..dim).map(|a| (PI * p[a]).cos()).collect();
    let s: Vec<f64> = (0..dim).map(|a| (PI * p[a]).sin()).collect();
    let phi: f64 = c.iter().product();
    let (d, grad_d) = diffusivity(p);
    let mut div = -(dim as f64) * PI * PI * phi * d;
    for a in 0..dim {
        let others: f64 = (0..dim).filter(|&b| b != a).map(|b| c[b]).product();
        div += grad_d[a] * (-PI * s[a] * others);
    }
    (phi, div)
}

fn setup(n: usize, dim: usize) -> (Grid, DiffusionStepper) {
    let h = 1.0 / n as f64;
    let nz = if dim == 3 { n } else { 1 };
    let grid = Grid::with_origin([n, n, nz], [h; 3], [0.5 * h; 3]).unwrap();
    let centre = |i, j, k| {
        let mut c = grid.centre_mm(i, j, k);
        if dim == 2 {
            c[2] = 0.0;
        }
        c
    };
    let d = Array3::from_shape_fn(grid.shape, |(i, j, k)| diffusivity(centre(i, j, k)).0);
    let op = DiffusionOperator::scalar(&Domain::full(grid), &d, FaceMean::Harmonic).unwrap();
    let mut stepper = DiffusionStepper::new(op);
    stepper.cg_options.rel_tol = 1e-13;
    (grid, stepper)
}

fn field(grid: &Grid, dim: usize, f: impl Fn([f64; 3]) -> f64) -> Array3<f64> {
    Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let mut c = grid.centre_mm(i, j, k);
        if dim == 2 {
            c[2] = 0.0;
        }
        f(c)
    })
}

fn max_abs_diff(a: &Array3<f64>, b: &Array3<f64>) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Error of the steady problem `u − a ∇·(D∇u) = g` with exact solution `φ`.
fn steady_error(n: usize, dim: usize) -> f64 {
    let (grid, mut stepper) = setup(n, dim);
    let a = 0.2;
    let g = field(&grid, dim, |p| {
        let (phi, div) = phi_and_div(p, dim);
        phi - a * div
    });
    let exact = field(&grid, dim, |p| phi_and_div(p, dim).0);
    let mut u = g.clone();
    let report = stepper.solve_shifted(&g, a, &mut u).unwrap();
    assert!(report.relative_residual <= 1e-13);
    max_abs_diff(&u, &exact)
}

fn orders(errors: &[f64]) -> Vec<f64> {
    errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect()
}

#[test]
fn second_order_in_space_2d() {
    let e: Vec<f64> = [16, 32, 64].iter().map(|&n| steady_error(n, 2)).collect();
    let p = orders(&e);
    println!("2D space errors {e:?} orders {p:?}");
    assert!(p.iter().all(|&p| (1.9..2.2).contains(&p)), "{p:?}");
    assert!(e[2] < 2e-3);
}

#[test]
fn second_order_in_space_3d() {
    let e: Vec<f64> = [8, 16, 32].iter().map(|&n| steady_error(n, 3)).collect();
    let p = orders(&e);
    println!("3D space errors {e:?} orders {p:?}");
    assert!(p.iter().all(|&p| (1.85..2.2).contains(&p)), "{p:?}");
}

/// `u_t = ∇·(D∇u) + s` with `u* = e^{−t} φ`, integrated to `t_end`; returns the field.
fn evolve(n: usize, dim: usize, steps: usize, crank_nicolson: bool) -> (Array3<f64>, Array3<f64>) {
    let (grid, mut stepper) = setup(n, dim);
    let t_end = 0.5;
    let dt = t_end / steps as f64;
    // s = u*_t − ∇·(D∇u*) = e^{−t} σ(x), σ = −φ − ∇·(D∇φ).
    let sigma = field(&grid, dim, |p| {
        let (phi, div) = phi_and_div(p, dim);
        -phi - div
    });
    let mut u = field(&grid, dim, |p| phi_and_div(p, dim).0);
    let mut lu = grid.zeros();
    for step in 0..steps {
        let (t0, t1) = (step as f64 * dt, (step + 1) as f64 * dt);
        let rhs = if crank_nicolson {
            stepper.apply(&u, &mut lu).unwrap();
            let w = 0.5 * dt * ((-t0).exp() + (-t1).exp());
            &u + &(&lu * (0.5 * dt)) + &(&sigma * w)
        } else {
            &u + &(&sigma * (dt * (-t1).exp()))
        };
        let shift = if crank_nicolson { 0.5 * dt } else { dt };
        stepper.solve_shifted(&rhs, shift, &mut u).unwrap();
    }
    let exact = field(&grid, dim, |p| (-t_end).exp() * phi_and_div(p, dim).0);
    (u, exact)
}

/// Observed temporal orders from successive differences `‖u_dt − u_dt/2‖`
/// (the spatial error is the same for every dt on a fixed grid and cancels).
/// Only the two finest pairs are asserted: at the coarsest steps the stiff
/// high-frequency modes (dt·|λ_max| ≫ 1) are still pre-asymptotic for CN.
fn time_orders(n: usize, dim: usize, cn: bool) -> (Vec<f64>, f64) {
    let runs: Vec<_> = [8, 16, 32, 64, 128]
        .iter()
        .map(|&s| evolve(n, dim, s, cn))
        .collect();
    let diffs: Vec<f64> = runs
        .windows(2)
        .map(|w| max_abs_diff(&w[0].0, &w[1].0))
        .collect();
    let (finest, exact) = runs.last().unwrap();
    (orders(&diffs), max_abs_diff(finest, exact))
}

#[test]
fn backward_euler_first_and_crank_nicolson_second_order_in_time_2d() {
    let (p_be, err_be) = time_orders(24, 2, false);
    let (p_cn, err_cn) = time_orders(24, 2, true);
    println!("2D BE orders {p_be:?} (err {err_be:.2e}), CN orders {p_cn:?} (err {err_cn:.2e})");
    assert!(
        p_be[2..].iter().all(|&p| (0.95..1.1).contains(&p)),
        "{p_be:?}"
    );
    assert!(
        p_cn[2..].iter().all(|&p| (1.9..2.1).contains(&p)),
        "{p_cn:?}"
    );
    // The CN solution approaches the manufactured solution (spatial error left).
    assert!(err_cn < 5e-3, "{err_cn}");
}

#[test]
fn backward_euler_first_and_crank_nicolson_second_order_in_time_3d() {
    let (p_be, _) = time_orders(10, 3, false);
    let (p_cn, err_cn) = time_orders(10, 3, true);
    println!("3D BE orders {p_be:?}, CN orders {p_cn:?} (err {err_cn:.2e})");
    assert!(
        p_be[2..].iter().all(|&p| (0.95..1.1).contains(&p)),
        "{p_be:?}"
    );
    assert!(
        p_cn[2..].iter().all(|&p| (1.9..2.1).contains(&p)),
        "{p_cn:?}"
    );
}
