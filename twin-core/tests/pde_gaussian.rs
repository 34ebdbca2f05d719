//! Gaussian spreading in free space against the analytic solution
//! `u(x, t) ∝ exp(−½ xᵀ Σ(t)⁻¹ x)`, `Σ(t) = Σ₀ + 2 D t`, for isotropic and
//! anisotropic (fibre) diffusion in 2D and 3D.
//!
//! Two checks: (1) the covariance of the discrete solution grows by exactly
//! `2 D t` (on an unbounded grid the discrete operator reproduces the second
//! moments of the continuous one exactly, so only far-field truncation and
//! round-off remain), which also pins the sign and size of the cross terms;
//! (2) pointwise agreement with the analytic profile, second order in `h`.

use ndarray::{Array3, Array4};
use twin_core::pde::{DiffusionOperator, DiffusionStepper, Domain, FaceMean, Grid, ImplicitScheme};

fn centred_grid(shape: [usize; 3], h: f64) -> Grid {
    let origin = [0, 1, 2].map(|a| {
        if shape[a] > 1 {
            -0.5 * (shape[a] - 1) as f64 * h
        } else {
            0.0
        }
    });
    let spacing = [0, 1, 2].map(|a| if shape[a] > 1 { h } else { 1.0 });
    Grid::with_origin(shape, spacing, origin).unwrap()
}

/// Normalised Gaussian with covariance `cov` (3×3; unused axes ignored).
fn gaussian(grid: &Grid, cov: [[f64; 3]; 3], dim: usize) -> Array3<f64> {
    let m = nalgebra::DMatrix::from_fn(dim, dim, |a, b| cov[a][b]);
    let inv = m.clone().try_inverse().unwrap();
    let norm = 1.0 / ((2.0 * std::f64::consts::PI).powi(dim as i32) * m.determinant()).sqrt();
    Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let x = grid.centre_mm(i, j, k);
        let x = nalgebra::DVector::from_fn(dim, |a, _| x[a]);
        norm * (-0.5 * (x.transpose() * &inv * &x)[(0, 0)]).exp()
    })
}

/// Mass-weighted covariance of a field (mm²).
fn covariance(grid: &Grid, u: &Array3<f64>) -> [[f64; 3]; 3] {
    let mut c = [[0.0; 3]; 3];
    let mut mass = 0.0;
    for ((i, j, k), &v) in u.indexed_iter() {
        let x = grid.centre_mm(i, j, k);
        mass += v;
        for a in 0..3 {
            for b in 0..3 {
                c[a][b] += v * x[a] * x[b];
            }
        }
    }
    c.map(|row| row.map(|x| x / mass))
}

fn tensor(fibre: [f64; 3], d_long: f64, d_trans: f64) -> [[f64; 3]; 3] {
    let n = fibre.iter().map(|x| x * x).sum::<f64>().sqrt();
    let f = fibre.map(|x| x / n);
    let mut d = [[0.0; 3]; 3];
    for a in 0..3 {
        for b in 0..3 {
            d[a][b] = d_trans * f64::from(a == b) + (d_long - d_trans) * f[a] * f[b];
        }
    }
    d
}

fn fibre_operator(grid: Grid, fibre: [f64; 3], d_long: f64, d_trans: f64) -> DiffusionOperator {
    let [nx, ny, nz] = grid.shape;
    let fibres = Array4::from_shape_fn([nx, ny, nz, 3], |(_, _, _, c)| fibre[c]);
    DiffusionOperator::anisotropic(
        &Domain::full(grid),
        &fibres,
        &Array3::from_elem(grid.shape, d_long),
        &Array3::from_elem(grid.shape, d_trans),
        FaceMean::Harmonic,
    )
    .unwrap()
}

/// Runs explicit steps to `t_end`; returns (max error / peak, covariance growth error).
fn run(op: DiffusionOperator, d: [[f64; 3]; 3], sigma0: f64, t_end: f64, dim: usize) -> (f64, f64) {
    let grid = *op.grid();
    let mut stepper = DiffusionStepper::new(op);
    let steps = (t_end / (0.9 * stepper.stable_dt())).ceil() as usize;
    let dt = t_end / steps as f64;
    let mut cov0 = [[0.0; 3]; 3];
    (0..3).for_each(|a| cov0[a][a] = sigma0 * sigma0);
    let mut u = gaussian(&grid, cov0, dim);
    let measured0 = covariance(&grid, &u);
    for _ in 0..steps {
        stepper.diffuse_explicit(&mut u, dt).unwrap();
    }
    let measured = covariance(&grid, &u);
    let mut cov_err: f64 = 0.0;
    let mut cov_t = cov0;
    for a in 0..dim {
        for b in 0..dim {
            cov_t[a][b] += 2.0 * d[a][b] * t_end;
            let growth = measured[a][b] - measured0[a][b];
            cov_err = cov_err.max((growth - 2.0 * d[a][b] * t_end).abs() / (2.0 * d[0][0] * t_end));
        }
    }
    let exact = gaussian(&grid, cov_t, dim);
    let peak = exact.iter().cloned().fold(0.0, f64::max);
    let err = u
        .iter()
        .zip(&exact)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
        / peak;
    (err, cov_err)
}

#[test]
fn isotropic_gaussian_3d_explicit_and_crank_nicolson() {
    let grid = centred_grid([40, 40, 40], 1.0);
    let d = 0.5;
    let dd = tensor([1.0, 0.0, 0.0], d, d);
    let (err, cov_err) = run(
        DiffusionOperator::uniform(&Domain::full(grid), d).unwrap(),
        dd,
        2.5,
        8.0,
        3,
    );
    println!(
        "3D isotropic explicit: max rel error {err:.2e}, covariance growth error {cov_err:.2e}"
    );
    assert!(err < 0.02, "{err}");
    // Far-field truncation at 5.3 σ leaves ~1e-6.
    assert!(cov_err < 1e-5, "{cov_err}");

    // Crank–Nicolson with 8 large steps (dt = 4.8 × the explicit limit).
    let mut stepper =
        DiffusionStepper::new(DiffusionOperator::uniform(&Domain::full(grid), d).unwrap());
    let mut u = gaussian(
        &grid,
        [[6.25, 0.0, 0.0], [0.0, 6.25, 0.0], [0.0, 0.0, 6.25]],
        3,
    );
    let mut iters = 0;
    for _ in 0..8 {
        iters += stepper
            .diffuse_implicit(&mut u, 1.0, ImplicitScheme::CrankNicolson)
            .unwrap()
            .iterations;
    }
    let s2 = 6.25 + 2.0 * d * 8.0;
    let exact = gaussian(&grid, [[s2, 0.0, 0.0], [0.0, s2, 0.0], [0.0, 0.0, s2]], 3);
    let peak = exact.iter().cloned().fold(0.0, f64::max);
    let err = u
        .iter()
        .zip(&exact)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
        / peak;
    println!("3D isotropic CN dt = 1 day: max rel error {err:.2e}, {iters} CG iterations");
    assert!(err < 0.02, "{err}");
}

#[test]
fn anisotropic_gaussian_2d_second_order_with_exact_covariance() {
    // Fibres at 30° in the sheet; d_l / d_t = 5 (cardiac-like ratio).
    let fibre = [30f64.to_radians().cos(), 30f64.to_radians().sin(), 0.0];
    let d = tensor(fibre, 1.0, 0.2);
    let mut errors = Vec::new();
    for (n, h) in [(64, 1.0), (128, 0.5), (256, 0.25)] {
        let grid = centred_grid([n, n, 1], h);
        let (err, cov_err) = run(fibre_operator(grid, fibre, 1.0, 0.2), d, 3.0, 10.0, 2);
        println!(
            "2D anisotropic h = {h}: max rel error {err:.2e}, covariance growth error {cov_err:.2e}"
        );
        assert!(cov_err < 1e-6, "{cov_err}");
        errors.push(err);
    }
    let orders: Vec<f64> = errors.windows(2).map(|w| (w[0] / w[1]).log2()).collect();
    println!("2D anisotropic observed orders {orders:?}");
    assert!(
        orders[1] > 1.9 && orders[0] > 1.75,
        "{errors:?} orders {orders:?}"
    );
}

#[test]
fn anisotropic_gaussian_3d_covariance_and_profile() {
    let fibre = [1.0, 2.0, 2.0];
    let d = tensor(fibre, 1.0, 0.25);
    let grid = centred_grid([36, 36, 36], 1.0);
    let (err, cov_err) = run(fibre_operator(grid, fibre, 1.0, 0.25), d, 2.5, 3.0, 3);
    println!("3D anisotropic: max rel error {err:.2e}, covariance growth error {cov_err:.2e}");
    assert!(cov_err < 1e-5, "{cov_err}");
    assert!(err < 0.03, "{err}");
}
