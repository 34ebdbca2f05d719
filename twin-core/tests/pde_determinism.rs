//! Results are bitwise identical with 1 and 2 rayon threads (explicit
//! reaction–diffusion, implicit CG solves with their inner products, and the
//! anisotropic operator).

use ndarray::{Array3, Array4};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use twin_core::pde::{
    DiffusionOperator, DiffusionStepper, Domain, FaceMean, Grid, ImplicitScheme, Logistic,
};

fn problem(anisotropic: bool) -> (DiffusionStepper, Array3<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let grid = Grid::new_3d([37, 23, 19], [1.0, 0.9, 1.1]).unwrap();
    let mask = Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let r2 = (i as f64 - 18.0).powi(2)
            + (j as f64 - 11.0).powi(2) * 2.0
            + (k as f64 - 9.0).powi(2) * 3.0;
        r2 < 300.0 && (i + 2 * j + k) % 11 != 0
    });
    let domain = Domain::new(grid, mask).unwrap();
    let d = Array3::from_shape_fn(grid.shape, |_| rng.random_range(0.1..1.0));
    let op = if anisotropic {
        let fibres = Array4::from_shape_fn([37, 23, 19, 3], |_| rng.random_range(-1.0..1.0));
        DiffusionOperator::anisotropic(
            &domain,
            &fibres,
            &d.mapv(|x| 3.0 * x),
            &d,
            FaceMean::Harmonic,
        )
        .unwrap()
    } else {
        DiffusionOperator::scalar(&domain, &d, FaceMean::Harmonic).unwrap()
    };
    let u = Array3::from_shape_fn(grid.shape, |_| rng.random_range(0.0..1.0));
    (DiffusionStepper::new(op), u)
}

fn run(anisotropic: bool) -> Vec<u64> {
    let (mut stepper, mut u) = problem(anisotropic);
    let reaction = Logistic::new(0.3, 1.0).unwrap();
    let dt = 0.9 * stepper.stable_dt();
    stepper.strang_explicit(&mut u, dt, 10, &reaction).unwrap();
    let rep = stepper
        .strang_implicit(
            &mut u,
            20.0 * dt,
            2,
            &reaction,
            ImplicitScheme::CrankNicolson,
        )
        .unwrap();
    assert!(rep.iterations > 4);
    stepper
        .diffuse_implicit(&mut u, 100.0 * dt, ImplicitScheme::BackwardEuler)
        .unwrap();
    u.iter().map(|x| x.to_bits()).collect()
}

fn with_threads(n: usize, anisotropic: bool) -> Vec<u64> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
        .install(|| run(anisotropic))
}

#[test]
fn scalar_results_identical_for_one_and_two_threads() {
    assert_eq!(with_threads(1, false), with_threads(2, false));
}

#[test]
fn anisotropic_results_identical_for_one_and_two_threads() {
    assert_eq!(with_threads(1, true), with_threads(2, true));
}
