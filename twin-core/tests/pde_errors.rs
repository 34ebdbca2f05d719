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
    let before = u.clone();
    for scheme in [ImplicitScheme::BackwardEuler, ImplicitScheme::CrankNicolson] {
        let err = stepper.diffuse_implicit(&mut u, 10.0, scheme).unwrap_err();
        assert!(
            matches!(err, CoreError::NotConverged { iterations: 1, .. }),
            "{err}"
        );
        // A failed solve leaves the field as it was.
        assert_eq!(u, before);
    }
    let mut x = before.clone();
    assert!(stepper.solve_shifted(&before, 10.0, &mut x).is_err());
    assert_eq!(x, before);
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

/// A diffusivity of −0.0 passes the `>= 0` check; with arithmetic face means it
/// must behave exactly like +0.0 (the fast kernel once read the sign of the face
/// value as "outside the mask" and skipped the reaction).
#[test]
fn negative_zero_diffusivity_reacts_like_positive_zero() {
    let grid = Grid::new_2d(5, 5, 1.0, 1.0).unwrap();
    let domain = Domain::full(grid);
    let logistic = Logistic::new(1.0, 1.0).unwrap();
    let run = |d: f64| {
        let diffusivity = Array3::from_elem(grid.shape, d);
        let op = DiffusionOperator::scalar(&domain, &diffusivity, FaceMean::Arithmetic).unwrap();
        let mut stepper = DiffusionStepper::new(op);
        let mut u = Array3::from_elem(grid.shape, 0.5);
        stepper
            .diffuse_then_react(&mut u, 0.1, 0.1, &logistic)
            .unwrap();
        u
    };
    let (neg, pos) = (run(-0.0), run(0.0));
    // Logistic growth in closed form: u e^{ρt} / (1 − u + u e^{ρt}).
    let e = 0.1f64.exp();
    let exact = 0.5 * e / (0.5 + 0.5 * e);
    for (&a, &b) in neg.iter().zip(&pos) {
        assert_eq!(a.to_bits(), b.to_bits());
        assert!((a - exact).abs() < 1e-12, "{a} vs {exact}");
    }
}

/// CG stopping rules that cannot work are rejected up front, and a failed solve
/// leaves the field as it was.
#[test]
fn invalid_cg_options_are_errors_and_leave_the_field_unchanged() {
    let (grid, _, mut stepper) = setup();
    let u0 = Array3::from_shape_fn(grid.shape, |(i, j, k)| ((i * 7 + j * 3 + k) % 5) as f64);
    for (rel_tol, max_iter, field) in [
        (f64::NAN, 100, "rel_tol"),
        (-1e-8, 100, "rel_tol"),
        (0.0, 100, "rel_tol"),
        (1.0, 100, "rel_tol"),
        (1e-8, 0, "max_iter"),
    ] {
        stepper.cg_options.rel_tol = rel_tol;
        stepper.cg_options.max_iter = max_iter;
        for scheme in [ImplicitScheme::BackwardEuler, ImplicitScheme::CrankNicolson] {
            let mut u = u0.clone();
            let err = stepper.diffuse_implicit(&mut u, 10.0, scheme).unwrap_err();
            assert!(
                matches!(&err, CoreError::InvalidInput { field: f, .. } if f.contains(field)),
                "{err}"
            );
            assert_eq!(u, u0);
        }
    }
}

/// A ray that only moves along one-voxel axes, a NaN or infinite limit, and NaN
/// samples end with an answer or an error instead of a hang or a NaN distance; the
/// distance never exceeds the limit.
#[test]
fn front_distance_along_ray_is_bounded_and_checked() {
    let sheet = Grid::new_2d(5, 5, 1.0, 1.0).unwrap();
    let ones = Array3::from_elem(sheet.shape, 1.0);
    let ray = |max: f64| {
        analysis::front_distance_along_ray(
            &sheet,
            &ones,
            [2.0, 2.0, 0.0],
            [0.0, 0.0, 1.0],
            0.5,
            max,
        )
    };
    assert_eq!(ray(1e6), Ok(None));
    for bad in [f64::INFINITY, f64::NAN, 0.0, -1.0] {
        let err = ray(bad).unwrap_err().to_string();
        assert!(err.contains("max_distance_mm"), "{err}");
    }
    // u = 1 − x/10 crosses 0.505 at x = 4.95, beyond the limit 4.9.
    let line = Grid::new_3d([11, 1, 1], [1.0; 3]).unwrap();
    let mut u = Array3::from_shape_fn(line.shape, |(i, _, _)| 1.0 - i as f64 / 10.0);
    let along = |u: &Array3<f64>, max: f64| {
        analysis::front_distance_along_ray(&line, u, [0.0; 3], [1.0, 0.0, 0.0], 0.505, max)
    };
    assert_eq!(along(&u, 4.9), Ok(None));
    let d = along(&u, 5.0).unwrap().unwrap();
    assert!((d - 4.95).abs() < 1e-12, "{d}");
    u[[3, 0, 0]] = f64::NAN;
    let err = along(&u, 5.0).unwrap_err().to_string();
    assert!(err.contains("NaN"), "{err}");
}

/// Public fields and deserialisation cannot smuggle inconsistent geometry past
/// the constructors: every entry point answers with an error, never a panic.
#[test]
fn inconsistent_geometry_and_shapes_are_errors_not_panics() {
    let grid = Grid::new_2d(4, 4, 1.0, 1.0).unwrap();
    let small = Array3::from_elem([2, 2, 1], 1.0);
    let err = analysis::sample_trilinear(&grid, &small, [3.0, 3.0, 0.0]).unwrap_err();
    assert!(matches!(err, CoreError::ShapeMismatch { .. }), "{err}");
    let field = Array3::from_shape_fn(grid.shape, |(i, j, _)| (i + 10 * j) as f64);
    assert_eq!(
        analysis::sample_trilinear(&grid, &field, [1.5, 2.0, 0.0]),
        Ok(Some(21.5))
    );

    // Deserialised geometry is validated like the constructors.
    let json = r#"{"shape":[0,4,1],"spacing_mm":[1.0,1.0,1.0],"origin_mm":[0.0,0.0,0.0]}"#;
    let err = serde_json::from_str::<Grid>(json).unwrap_err().to_string();
    assert!(err.contains("shape.x"), "{err}");
    let mut value = serde_json::to_value(Domain::full(grid)).unwrap();
    value["mask"] = serde_json::to_value(Array3::from_elem([2, 2, 1], true)).unwrap();
    let err = serde_json::from_value::<Domain>(value)
        .unwrap_err()
        .to_string();
    assert!(err.contains("mask"), "{err}");
    let round_trip: Domain =
        serde_json::from_str(&serde_json::to_string(&Domain::full(grid)).unwrap()).unwrap();
    assert_eq!(round_trip, Domain::full(grid));

    // Struct literals bypass the constructors; the operator checks them.
    let zero = Grid {
        shape: [0, 4, 1],
        ..grid
    };
    let err = DiffusionOperator::uniform(&Domain::full(zero), 1.0).unwrap_err();
    assert!(err.to_string().contains("shape.x"), "{err}");
    let bad_mask = Domain {
        grid,
        mask: Array3::from_elem([2, 2, 1], true),
    };
    let err = DiffusionOperator::uniform(&bad_mask, 1.0).unwrap_err();
    assert!(matches!(err, CoreError::ShapeMismatch { .. }), "{err}");
    let err = analysis::integral(&bad_mask, &grid.zeros()).unwrap_err();
    assert!(matches!(err, CoreError::ShapeMismatch { .. }), "{err}");

    // An empty slice is an error, not an index panic.
    let path = std::env::temp_dir().join(format!("twin-core-empty-{}.svg", std::process::id()));
    let empty = ndarray::Array2::<f64>::zeros((0, 3));
    let err = twin_core::pde::plot::write_heatmap_svg(&path, &empty, None, &Default::default())
        .unwrap_err();
    assert!(err.to_string().contains("values"), "{err}");
    let flat = ndarray::Array2::<f64>::zeros((2, 3));
    let options = twin_core::pde::plot::HeatmapOptions {
        pixel_mm: [0.0, 1.0],
        ..Default::default()
    };
    let err = twin_core::pde::plot::write_heatmap_svg(&path, &flat, None, &options).unwrap_err();
    assert!(err.to_string().contains("pixel_mm[0]"), "{err}");
}
