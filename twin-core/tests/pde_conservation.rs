//! Mass conservation with irregular no-flux masks (scalar and anisotropic,
//! explicit and implicit), symmetry and negative semi-definiteness of the
//! anisotropic operator, and no leakage between components of a mask.

use ndarray::{Array3, Array4};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use twin_core::pde::{
    DiffusionOperator, DiffusionStepper, Domain, FaceMean, Grid, ImplicitScheme, analysis,
};

/// Union of random balls minus random holes: an irregular, non-convex mask.
fn blob_mask(grid: &Grid, rng: &mut ChaCha8Rng) -> Array3<bool> {
    let [nx, ny, nz] = grid.shape;
    let ball = |rng: &mut ChaCha8Rng, rmax: f64| {
        let c = [
            rng.random_range(0.0..nx as f64),
            rng.random_range(0.0..ny as f64),
            rng.random_range(0.0..nz as f64),
        ];
        (c, rng.random_range(2.0..rmax))
    };
    let balls: Vec<_> = (0..8).map(|_| ball(rng, 0.35 * nx as f64)).collect();
    let holes: Vec<_> = (0..6).map(|_| ball(rng, 4.0)).collect();
    let inside = |(c, r): &([f64; 3], f64), p: [f64; 3]| {
        let dz = if nz == 1 { 0.0 } else { p[2] - c[2] };
        (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) + dz * dz <= r * r
    };
    Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let p = [i as f64, j as f64, k as f64];
        balls.iter().any(|b| inside(b, p)) && !holes.iter().any(|h| inside(h, p))
    })
}

fn random_field(grid: &Grid, rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> Array3<f64> {
    Array3::from_shape_fn(grid.shape, |_| rng.random_range(lo..hi))
}

fn random_fibres(grid: &Grid, rng: &mut ChaCha8Rng) -> Array4<f64> {
    let [nx, ny, nz] = grid.shape;
    Array4::from_shape_fn([nx, ny, nz, 3], |_| rng.random_range(-1.0..1.0))
}

/// Relative change of the total mass after explicit and implicit steps.
fn mass_drift(op: DiffusionOperator, rng: &mut ChaCha8Rng) -> [f64; 3] {
    let domain = op.domain().clone();
    let grid = domain.grid;
    let mut stepper = DiffusionStepper::new(op);
    stepper.cg_options.rel_tol = 1e-14;
    let u0 = random_field(&grid, rng, 0.0, 1.0);
    let m0 = analysis::integral(&domain, &u0).unwrap();
    let rel = |u: &Array3<f64>| (analysis::integral(&domain, u).unwrap() - m0).abs() / m0;
    let mut u = u0.clone();
    let dt = stepper.stable_dt();
    for _ in 0..100 {
        stepper.diffuse_explicit(&mut u, dt).unwrap();
    }
    let explicit = rel(&u);
    let mut u = u0.clone();
    for _ in 0..3 {
        stepper
            .diffuse_implicit(&mut u, 50.0 * dt, ImplicitScheme::BackwardEuler)
            .unwrap();
    }
    let be = rel(&u);
    let mut u = u0;
    for _ in 0..3 {
        stepper
            .diffuse_implicit(&mut u, 50.0 * dt, ImplicitScheme::CrankNicolson)
            .unwrap();
    }
    [explicit, be, rel(&u)]
}

#[test]
fn scalar_diffusion_conserves_mass_on_irregular_masks() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for shape in [[60, 50, 1], [30, 26, 22]] {
        let grid = Grid::new_3d(shape, [0.8, 1.0, 1.2]).unwrap();
        let domain = Domain::new(grid, blob_mask(&grid, &mut rng)).unwrap();
        // White/grey-like contrast, with some zero-diffusivity voxels.
        let d = random_field(&grid, &mut rng, 0.0, 2.0).mapv(|x| if x < 0.1 { 0.0 } else { x });
        let op = DiffusionOperator::scalar(&domain, &d, FaceMean::Harmonic).unwrap();
        let drift = mass_drift(op, &mut rng);
        println!("scalar {shape:?}: relative mass drift explicit/BE/CN {drift:?}");
        assert!(drift.iter().all(|&d| d < 1e-12), "{drift:?}");
    }
}

#[test]
fn anisotropic_diffusion_conserves_mass_on_irregular_masks() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for shape in [[60, 50, 1], [30, 26, 22]] {
        let grid = Grid::new_3d(shape, [0.5, 0.5, 0.7]).unwrap();
        let domain = Domain::new(grid, blob_mask(&grid, &mut rng)).unwrap();
        let fibres = random_fibres(&grid, &mut rng);
        let d_long = random_field(&grid, &mut rng, 0.5, 1.5);
        let d_trans = random_field(&grid, &mut rng, 0.05, 0.3);
        let op =
            DiffusionOperator::anisotropic(&domain, &fibres, &d_long, &d_trans, FaceMean::Harmonic)
                .unwrap();
        let drift = mass_drift(op, &mut rng);
        println!("anisotropic {shape:?}: relative mass drift explicit/BE/CN {drift:?}");
        assert!(drift.iter().all(|&d| d < 1e-12), "{drift:?}");
    }
}

#[test]
fn anisotropic_operator_is_symmetric_and_dissipative() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let grid = Grid::new_3d([14, 12, 10], [1.0, 0.7, 0.9]).unwrap();
    let domain = Domain::new(grid, blob_mask(&grid, &mut rng)).unwrap();
    let fibres = random_fibres(&grid, &mut rng);
    // d_l < d_t in some voxels exercises the other branch of the split.
    let d_long = random_field(&grid, &mut rng, 0.05, 2.0);
    let d_trans = random_field(&grid, &mut rng, 0.05, 0.5);
    let op =
        DiffusionOperator::anisotropic(&domain, &fibres, &d_long, &d_trans, FaceMean::Harmonic)
            .unwrap();
    let mut stepper = DiffusionStepper::new(op);
    let dot = |a: &Array3<f64>, b: &Array3<f64>| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    for _ in 0..5 {
        let (u, v) = (
            random_field(&grid, &mut rng, -1.0, 1.0),
            random_field(&grid, &mut rng, -1.0, 1.0),
        );
        let (mut lu, mut lv) = (grid.zeros(), grid.zeros());
        stepper.apply(&u, &mut lu).unwrap();
        stepper.apply(&v, &mut lv).unwrap();
        let scale = dot(&lu, &lu).sqrt() * dot(&v, &v).sqrt();
        assert!((dot(&v, &lu) - dot(&u, &lv)).abs() < 1e-13 * scale);
        assert!(dot(&u, &lu) < 0.0);
    }
    // The diagonal reported for Jacobi equals e_pᵀ L e_p.
    let mut e = grid.zeros();
    let mut le = grid.zeros();
    for p in [(3, 4, 5), (7, 6, 2), (10, 1, 8)] {
        if !domain.mask[p] {
            continue;
        }
        e.fill(0.0);
        e[p] = 1.0;
        stepper.apply(&e, &mut le).unwrap();
        let flat = (p.0 * 12 + p.1) * 10 + p.2;
        assert!((le[p] - stepper.operator().diagonal()[flat]).abs() < 1e-12 * le[p].abs());
    }
}

#[test]
fn isotropic_tensor_equals_scalar_operator() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let grid = Grid::new_3d([12, 10, 8], [1.0, 1.0, 1.0]).unwrap();
    let domain = Domain::new(grid, blob_mask(&grid, &mut rng)).unwrap();
    let d = random_field(&grid, &mut rng, 0.1, 1.0);
    let fibres = random_fibres(&grid, &mut rng);
    let tensor =
        DiffusionOperator::anisotropic(&domain, &fibres, &d, &d, FaceMean::Harmonic).unwrap();
    let scalar = DiffusionOperator::scalar(&domain, &d, FaceMean::Harmonic).unwrap();
    let u = random_field(&grid, &mut rng, 0.0, 1.0);
    let (mut a, mut b) = (grid.zeros(), grid.zeros());
    DiffusionStepper::new(tensor).apply(&u, &mut a).unwrap();
    DiffusionStepper::new(scalar).apply(&u, &mut b).unwrap();
    assert_eq!(a, b);
}

#[test]
fn no_flux_between_mask_components_even_diagonally() {
    // Two blocks that touch only along a diagonal edge, and a third behind a
    // one-voxel gap; strong anisotropy along the diagonal would leak through a
    // non-conservative cross-derivative stencil.
    let grid = Grid::new_3d([12, 12, 6], [1.0; 3]).unwrap();
    let label = |i: usize, j: usize| -> u32 {
        match (i, j) {
            (0..=4, 0..=4) => 1,
            (5..=9, 5..=9) => 2,
            (11, _) => 3,
            _ => 0,
        }
    };
    let labels = Array3::from_shape_fn(grid.shape, |(i, j, _)| label(i, j));
    let domain = Domain::new(grid, labels.mapv(|l| l > 0)).unwrap();
    let [nx, ny, nz] = grid.shape;
    let fibres = Array4::from_shape_fn([nx, ny, nz, 3], |(_, _, _, c)| [1.0, 1.0, 0.3][c]);
    let op = DiffusionOperator::anisotropic(
        &domain,
        &fibres,
        &Array3::from_elem(grid.shape, 2.0),
        &Array3::from_elem(grid.shape, 0.1),
        FaceMean::Harmonic,
    )
    .unwrap();
    let mut stepper = DiffusionStepper::new(op);
    let mut u = labels.mapv(|l| if l == 1 { 1.0 } else { 0.0 });
    let dt = stepper.stable_dt();
    for _ in 0..200 {
        stepper.diffuse_explicit(&mut u, dt).unwrap();
    }
    stepper
        .diffuse_implicit(&mut u, 100.0, ImplicitScheme::BackwardEuler)
        .unwrap();
    let per_label = analysis::integrals_by_label(&domain, &u, &labels, 4).unwrap();
    println!("mass per component {per_label:?}");
    assert!((per_label[1] - 150.0).abs() < 1e-11);
    assert_eq!(per_label[2], 0.0);
    assert_eq!(per_label[3], 0.0);
}
