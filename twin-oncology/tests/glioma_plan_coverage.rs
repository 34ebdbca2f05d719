//! The PREDICT-GBM plan metric on constructed cases whose answers are known exactly.

use ndarray::Array3;
use twin_core::pde::{Domain, Grid};
use twin_oncology::glioma::benchmark::{
    STANDARD_MARGIN_MM, compare_plans, coverage, model_plan, standard_plan,
};

/// A 1 mm cube of `n` voxels a side, all brain.
fn cube(n: usize) -> Domain {
    Domain::full(Grid::new_3d([n, n, n], [1.0; 3]).unwrap())
}

fn ball(n: usize, centre: [f64; 3], r_mm: f64) -> Array3<bool> {
    Array3::from_shape_fn([n, n, n], |(i, j, k)| {
        let d2 = (i as f64 - centre[0]).powi(2)
            + (j as f64 - centre[1]).powi(2)
            + (k as f64 - centre[2]).powi(2);
        d2 <= r_mm * r_mm
    })
}

fn count(a: &Array3<bool>) -> usize {
    a.iter().filter(|&&x| x).count()
}

#[test]
fn standard_plan_of_a_point_core_is_the_margin_ball() {
    // One core voxel: the plan is exactly the lattice points within 15 mm of it,
    // counted independently here (and ≈ 4/3 π 15³ = 14,137 voxels).
    let n = 41;
    let c = [20.0; 3];
    let core = ball(n, c, 0.0);
    let plan = standard_plan(&cube(n), &core, STANDARD_MARGIN_MM).unwrap();
    let expected = ball(n, c, 15.0);
    assert_eq!(plan, expected);
    let v = count(&plan) as f64;
    assert!(
        (v / (4.0 / 3.0 * std::f64::consts::PI * 15f64.powi(3)) - 1.0).abs() < 0.01,
        "{v}"
    );
}

#[test]
fn radially_decreasing_density_reproduces_the_standard_plan() {
    // A density that falls with distance from a point core ranks voxels exactly as
    // the margin does, so both plans (and their coverages) coincide.
    let n = 41;
    let c = [20.0; 3];
    let brain = cube(n);
    let core = ball(n, c, 0.0);
    let density = Array3::from_shape_fn([n, n, n], |(i, j, k)| {
        let d2 = (i as f64 - c[0]).powi(2) + (j as f64 - c[1]).powi(2) + (k as f64 - c[2]).powi(2);
        (-d2 / 100.0).exp()
    });
    let recurrence = ball(n, [30.0, 20.0, 20.0], 6.0);
    let r = compare_plans(&brain, &core, &density, &recurrence, STANDARD_MARGIN_MM).unwrap();
    assert_eq!(r.standard, r.model);
    assert_eq!(r.plan_voxels, count(&ball(n, c, 15.0)));
    // The recurrence ball reaches 16 mm from the core: part of it lies outside.
    assert!(r.standard > 0.5 && r.standard < 1.0, "{r:?}");
}

#[test]
fn a_density_elongated_towards_the_recurrence_covers_it_better() {
    // Core at one voxel; the density spreads 4× further along x (a white-matter
    // tract, say) and the recurrence sits 18–22 mm along x, beyond the 15 mm margin.
    let n = 61;
    let c = [20.0, 30.0, 30.0];
    let brain = cube(n);
    let core = ball(n, c, 0.0);
    let density = Array3::from_shape_fn([n, n, n], |(i, j, k)| {
        let (dx, dy, dz) = (i as f64 - c[0], j as f64 - c[1], k as f64 - c[2]);
        (-(dx * dx / 16.0 + dy * dy + dz * dz) / 50.0).exp()
    });
    let recurrence = Array3::from_shape_fn([n, n, n], |(i, j, k)| {
        (38..=42).contains(&i) && j == 30 && k == 30
    });
    let r = compare_plans(&brain, &core, &density, &recurrence, STANDARD_MARGIN_MM).unwrap();
    assert_eq!(r.standard, 0.0);
    assert_eq!(r.model, 1.0, "{r:?}");
}

#[test]
fn plans_stay_in_the_brain_and_have_equal_volume() {
    let n = 31;
    let grid = Grid::new_3d([n, n, n], [1.0; 3]).unwrap();
    // Brain = the half-space x < 15; the core touches its edge.
    let mask = Array3::from_shape_fn([n, n, n], |(i, _, _)| i < 15);
    let brain = Domain::new(grid, mask.clone()).unwrap();
    let core = ball(n, [13.0, 15.0, 15.0], 2.0);
    let plan = standard_plan(&brain, &core, 10.0).unwrap();
    assert!(plan.iter().zip(mask.iter()).all(|(p, m)| !*p || *m));
    // The model plan of a density peaking outside the brain still lies inside it.
    let density = Array3::from_shape_fn([n, n, n], |(i, _, _)| i as f64);
    let model = model_plan(&brain, &density, count(&plan)).unwrap();
    assert_eq!(count(&model), count(&plan));
    assert!(model.iter().zip(mask.iter()).all(|(p, m)| !*p || *m));
    // Top-k by density = the slabs nearest x = 14 (ties broken by voxel order).
    let slab = n * n;
    let k = count(&plan);
    let full_slabs = k / slab;
    for i in 15 - full_slabs..15 {
        assert!((0..n).all(|j| (0..n).all(|l| model[[i, j, l]])), "slab {i}");
    }
}

#[test]
fn bad_inputs_are_errors() {
    let n = 11;
    let brain = cube(n);
    let core = ball(n, [5.0; 3], 1.0);
    let empty = Array3::from_elem([n, n, n], false);
    let plan = standard_plan(&brain, &core, 3.0).unwrap();
    assert!(
        coverage(&plan, &empty)
            .unwrap_err()
            .to_string()
            .contains("recurrence")
    );
    assert!(standard_plan(&brain, &empty, 3.0).is_err());
    let mut density = Array3::from_elem([n, n, n], 0.5);
    density[[1, 1, 1]] = f64::NAN;
    assert!(model_plan(&brain, &density, 10).is_err());
    assert!(model_plan(&brain, &Array3::zeros([n, n, n]), n * n * n + 1).is_err());
    assert!(coverage(&plan, &Array3::from_elem([n, n, 2], true)).is_err());
    assert!(standard_plan(&brain, &core, -1.0).is_err());
}
