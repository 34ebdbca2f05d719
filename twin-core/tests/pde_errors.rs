//! Bad input gives clear errors, never panics or silent NaN.

use ndarray::{Array3, Array4};
use twin_core::CoreError;
use twin_core::pde::{
    DiffusionOperator, DiffusionStepper, Domain, FaceMean, Grid, ImplicitScheme, Logistic,
    PerVoxel, analysis,
};

fn setup() -> (Grid, Domain, DiffusionStepper) {
    let grid = Grid::new_3d([8, 7, 6], [1.0, 1.0, 2.0]).unwrap();
    let domain = Domain::full(grid);
    let stepper = DiffusionStepper::new(DiffusionOperator::uniform(&domain, 0.3).unwrap());
    (grid, domain, stepper)
}

#[test]
fn shape_mismatches_are_errors() {
    let (grid, domain, mut stepper) = setup();
    assert!(Domain::new(grid, Array3::from_elem([8, 7, 5], true)).is_err());
    let d = Array3::from_elem([8, 7, 5], 1.0);
    let err = DiffusionOperator::scalar(&domain, &d, FaceMean::Harmonic).unwrap_err();
    assert!(matches!(err, CoreError::ShapeMismatch { .. }), "{err}");
    let mut wrong = Array3::zeros([7, 8, 6]);
    assert!(matches!(
        stepper.diffuse_explicit(&mut wrong, 0.1),
        Err(CoreError::ShapeMismatch { .. })
    ));
    assert!(
        stepper
            .diffuse_implicit(&mut wrong, 0.1, ImplicitScheme::BackwardEuler)
            .is_err()
    );
    let fibres = Array4::zeros([8, 7, 6, 2]);
    let ones = Array3::from_elem(grid.shape, 1.0);
    assert!(
        DiffusionOperator::anisotropic(&domain, &fibres, &ones, &ones, FaceMean::Harmonic).is_err()
    );
    assert!(analysis::integral(&domain, &wrong).is_err());
    // A transposed (non-standard layout) field is rejected, not misread.
    let mut transposed = Array3::zeros([6, 7, 8]).reversed_axes();
    assert!(stepper.diffuse_explicit(&mut transposed, 0.1).is_err());
}

#[test]
fn negative_or_nan_diffusivity_and_zero_fibres_are_errors() {
    let (grid, domain, _) = setup();
    let mut d = Array3::from_elem(grid.shape, 1.0);
    d[[2, 3, 4]] = -0.1;
    let msg = DiffusionOperator::scalar(&domain, &d, FaceMean::Harmonic)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("diffusivity[2, 3, 4]") && msg.contains("-0.1"),
        "{msg}"
    );
    d[[2, 3, 4]] = f64::NAN;
    assert!(DiffusionOperator::scalar(&domain, &d, FaceMean::Arithmetic).is_err());
    assert!(DiffusionOperator::uniform(&domain, -1.0).is_err());
    // Values outside the mask are not used and may be anything.
    let mut mask = Array3::from_elem(grid.shape, true);
    mask[[2, 3, 4]] = false;
    let masked = Domain::new(grid, mask).unwrap();
    assert!(DiffusionOperator::scalar(&masked, &d, FaceMean::Harmonic).is_ok());
    let fibres = Array4::zeros([8, 7, 6, 3]);
    let ones = Array3::from_elem(grid.shape, 1.0);
    let msg = DiffusionOperator::anisotropic(&domain, &fibres, &ones, &ones, FaceMean::Harmonic)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("fibres[0, 0, 0]"), "{msg}");
}

#[test]
fn unstable_explicit_step_is_an_error_naming_the_limit() {
    let (grid, _, mut stepper) = setup();
    let limit = stepper.stable_dt();
    // 1 / (2 D Σ 1/h²) for uniform D = 0.3 mm²/day, h = (1, 1, 2) mm.
    assert!((limit - 1.0 / (2.0 * 0.3 * 2.25)).abs() < 1e-15);
    let mut u = grid.zeros();
    let err = stepper.diffuse_explicit(&mut u, 1.01 * limit).unwrap_err();
    assert_eq!(
        err,
        CoreError::UnstableStep {
            dt: 1.01 * limit,
            dt_max: limit
        }
    );
    assert!(err.to_string().contains("stability limit"));
    let reaction = Logistic::new(0.1, 1.0).unwrap();
    assert!(
        stepper
            .strang_explicit(&mut u, 2.0 * limit, 3, &reaction)
            .is_err()
    );
    assert!(stepper.diffuse_explicit(&mut u, limit).is_ok());
    for dt in [0.0, -1.0, f64::NAN] {
        assert!(stepper.diffuse_explicit(&mut u, dt).is_err());
        assert!(
            stepper
                .diffuse_implicit(&mut u, dt, ImplicitScheme::CrankNicolson)
                .is_err()
        );
    }
}

#[test]
fn nan_fields_are_errors_and_leave_the_field_unchanged() {
    let (grid, _, mut stepper) = setup();
    let mut u = Array3::from_elem(grid.shape, 0.5);
    u[[1, 2, 3]] = f64::NAN;
    let before = u.clone();
    let msg = stepper
        .diffuse_explicit(&mut u, 0.1)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("non-finite") || msg.contains("finite"),
        "{msg}"
    );
    assert!(
        u.iter()
            .zip(&before)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert!(
        stepper
            .diffuse_implicit(&mut u, 1.0, ImplicitScheme::BackwardEuler)
            .is_err()
    );
    let mut out = grid.zeros();
    assert!(stepper.apply(&u, &mut out).is_err());
    // A reaction that produces NaN is caught too.
    let mut v = Array3::from_elem(grid.shape, 0.5);
    let bad = PerVoxel(|p: usize, u: f64, _dt: f64| if p == 17 { f64::NAN } else { u });
    assert!(stepper.react(&mut v, 0.1, &bad).is_err());
    let mut v = Array3::from_elem(grid.shape, 0.5);
    assert!(stepper.diffuse_then_react(&mut v, 0.1, 0.1, &bad).is_err());
    // Reaction parameters.
    assert!(Logistic::new(f64::NAN, 1.0).is_err());
    assert!(Logistic::new(0.1, -1.0).is_err());
}

#[test]
fn cg_budget_exhaustion_is_an_error() {
    let (grid, _, mut stepper) = setup();
    stepper.cg_options.max_iter = 1;
    stepper.cg_options.rel_tol = 1e-15;
    let mut u = Array3::from_shape_fn(grid.shape, |(i, j, k)| ((i * 7 + j * 3 + k) % 5) as f64);
    let err = stepper
        .diffuse_implicit(&mut u, 10.0, ImplicitScheme::BackwardEuler)
        .unwrap_err();
    assert!(
        matches!(err, CoreError::NotConverged { iterations: 1, .. }),
        "{err}"
    );
}

#[test]
fn analysis_bad_arguments_are_errors() {
    let (grid, domain, _) = setup();
    let u = grid.zeros();
    assert!(analysis::slice(&u, analysis::SliceAxis::Z, 6).is_err());
    let labels = Array3::from_elem(grid.shape, 9u32);
    assert!(analysis::integrals_by_label(&domain, &u, &labels, 3).is_err());
    assert!(analysis::front_distance_along_ray(&grid, &u, [1.0; 3], [0.0; 3], 0.5, 5.0).is_err());
    // Origin below the threshold: error, not a bogus distance.
    assert!(
        analysis::front_distance_along_ray(&grid, &u, [1.0; 3], [1.0, 0.0, 0.0], 0.5, 5.0).is_err()
    );
}

/// A mask in column-major (Fortran) layout is the same geometry as in row-major
/// layout: the operator and stepper give the same result to the last bit, instead of
/// panicking on the layout.
#[test]
fn a_column_major_mask_is_the_same_domain() {
    use ndarray::ShapeBuilder;
    let grid = Grid::new_3d([8, 7, 6], [1.0, 1.0, 2.0]).unwrap();
    let inside = |(i, j, k): (usize, usize, usize)| (i + 2 * j + k) % 5 != 0;
    let row_major = Array3::from_shape_fn([8, 7, 6], inside);
    let column_major = Array3::from_shape_fn([8, 7, 6].f(), inside);
    assert!(!column_major.is_standard_layout());
    let run = |mask: Array3<bool>| {
        let domain = Domain::new(grid, mask).unwrap();
        let mut stepper = DiffusionStepper::new(DiffusionOperator::uniform(&domain, 0.3).unwrap());
        let mut u = Array3::from_shape_fn(grid.shape, |(i, j, k)| (i * 42 + j * 6 + k) as f64);
        stepper.diffuse_explicit(&mut u, 0.1).unwrap();
        stepper
            .diffuse_implicit(&mut u, 0.5, ImplicitScheme::BackwardEuler)
            .unwrap();
        (
            u,
            analysis::integral(&domain, &Array3::from_elem(grid.shape, 1.0)).unwrap(),
        )
    };
    let (a, volume_a) = run(row_major);
    let (b, volume_b) = run(column_major);
    assert_eq!(a, b);
    assert_eq!(volume_a, volume_b);
}
