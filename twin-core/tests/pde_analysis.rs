//! Measurement tools against exact values: integrals, volumes and equivalent
//! radii of voxelised balls, trilinear resampling (exact for trilinear
//! functions), front distance along a ray (exact for linear fields), slices.

use ndarray::Array3;
use twin_core::pde::{Domain, Grid, analysis};

#[test]
fn integral_and_volume_of_a_voxelised_ball() {
    let h = 0.5;
    let grid = Grid::with_origin([64, 64, 64], [h; 3], [-15.75; 3]).unwrap();
    let r = 10.0;
    let ball = Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let c = grid.centre_mm(i, j, k);
        if c.iter().map(|x| x * x).sum::<f64>() <= r * r {
            2.0
        } else {
            0.0
        }
    });
    let domain = Domain::full(grid);
    let volume = analysis::volume_above(&domain, &ball, 1.0).unwrap();
    let exact = 4.0 / 3.0 * std::f64::consts::PI * r * r * r;
    assert!((volume / exact - 1.0).abs() < 0.01, "{volume} vs {exact}");
    let integral = analysis::integral(&domain, &ball).unwrap();
    assert!((integral - 2.0 * volume).abs() < 1e-9);
    let radius = analysis::equivalent_radius_mm(&domain, &ball, 1.0).unwrap();
    assert!((radius - r).abs() < 0.02 * r, "{radius}");
    // Per-label integrals: upper and lower half-balls add up to the whole.
    let labels = Array3::from_shape_fn(grid.shape, |(_, _, k)| u32::from(k >= 32));
    let halves = analysis::integrals_by_label(&domain, &ball, &labels, 2).unwrap();
    assert!(
        (halves[0] - halves[1]).abs() < 1e-9 && (halves[0] + halves[1] - integral).abs() < 1e-9
    );
}

#[test]
fn disc_radius_on_a_sheet_and_mask_restriction() {
    let grid = Grid::with_origin([80, 80, 1], [0.25, 0.25, 1.0], [-9.875, -9.875, 0.0]).unwrap();
    let u = Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let c = grid.centre_mm(i, j, k);
        if c[0] * c[0] + c[1] * c[1] <= 36.0 {
            1.0
        } else {
            0.0
        }
    });
    let full = Domain::full(grid);
    let r = analysis::equivalent_radius_mm(&full, &u, 0.5).unwrap();
    assert!((r - 6.0).abs() < 0.05, "{r}");
    // Only the right half is tissue: half the area counts.
    let half = Domain::new(grid, Array3::from_shape_fn(grid.shape, |(i, _, _)| i >= 40)).unwrap();
    let a_full = analysis::volume_above(&full, &u, 0.5).unwrap();
    let a_half = analysis::volume_above(&half, &u, 0.5).unwrap();
    assert!((a_half - 0.5 * a_full).abs() < 1e-12);
}

#[test]
fn trilinear_resampling_is_exact_for_trilinear_functions() {
    let f = |p: [f64; 3]| 1.0 + 0.3 * p[0] - 0.2 * p[1] + 0.1 * p[2] + 0.01 * p[0] * p[1] * p[2];
    let from = Grid::with_origin([20, 18, 16], [1.0, 1.5, 2.0], [-3.0, -4.0, -5.0]).unwrap();
    let field = Array3::from_shape_fn(from.shape, |(i, j, k)| f(from.centre_mm(i, j, k)));
    // A finer, shifted grid partly outside the source grid.
    let to = Grid::with_origin([30, 30, 30], [0.7, 0.8, 0.9], [-2.5, -3.7, -4.1]).unwrap();
    let out = analysis::resample_trilinear(&from, &field, &to, f64::NAN).unwrap();
    let mut inside = 0;
    for ((i, j, k), &v) in out.indexed_iter() {
        let p = to.centre_mm(i, j, k);
        let c = from.voxel_coords(p);
        let within = (0..3).all(|a| c[a] >= 0.0 && c[a] <= (from.shape[a] - 1) as f64);
        if within {
            inside += 1;
            assert!((v - f(p)).abs() < 1e-12, "{v} vs {}", f(p));
        } else {
            assert!(v.is_nan());
        }
    }
    assert!(inside > 10_000);
    // 2D sheets interpolate in-plane only.
    let sheet = Grid::new_2d(10, 10, 1.0, 1.0).unwrap();
    let s = Array3::from_shape_fn(sheet.shape, |(i, j, _)| (2 * i + j) as f64);
    assert_eq!(
        analysis::sample_trilinear(&sheet, &s, [2.5, 3.25, 0.0]),
        Ok(Some(8.25))
    );
}

#[test]
fn front_distance_along_ray_is_exact_for_linear_profiles() {
    let grid = Grid::new_3d([30, 30, 5], [1.0; 3]).unwrap();
    let u = Array3::from_shape_fn(grid.shape, |(i, j, _)| 1.0 - (i + j) as f64 / 20.0);
    let d =
        analysis::front_distance_along_ray(&grid, &u, [0.0, 0.0, 2.0], [1.0, 1.0, 0.0], 0.5, 30.0)
            .unwrap()
            .unwrap();
    assert!((d - 5.0 * 2f64.sqrt()).abs() < 1e-12, "{d}");
    // Never crossing within reach: None.
    let r =
        analysis::front_distance_along_ray(&grid, &u, [0.0, 0.0, 2.0], [0.0, 0.0, 1.0], 0.5, 30.0)
            .unwrap();
    assert_eq!(r, None);
}

#[test]
fn slices_have_the_right_plane() {
    let u = Array3::from_shape_fn([4, 5, 6], |(i, j, k)| (100 * i + 10 * j + k) as f64);
    let s = analysis::slice(&u, analysis::SliceAxis::Y, 2).unwrap();
    assert_eq!(s.dim(), (4, 6));
    assert_eq!(s[[3, 5]], 325.0);
    let z = analysis::slice(&u, analysis::SliceAxis::Z, 0).unwrap();
    assert_eq!(z[[1, 4]], 140.0);
}
