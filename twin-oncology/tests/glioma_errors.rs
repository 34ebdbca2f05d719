//! Glioma twin: bad input gives clear errors, never a panic.

use ndarray::Array3;
use twin_core::pde::Grid;
use twin_oncology::glioma::model::{GliomaSim, TreatmentOptions, TreatmentPlan};
use twin_oncology::glioma::radiotherapy::{DoseMap, Fraction, Schedule};
use twin_oncology::glioma::twin::{CalibrationOptions, Segmentation, calibrate};
use twin_oncology::glioma::{BrainTissue, GrowthParams, LqParams};

/// A 40 mm cube of brain with a 10 mm CSF slab at x < 10 mm.
fn tissue() -> BrainTissue {
    let grid = Grid::new_3d([20, 20, 20], [2.0; 3]).unwrap();
    let p_wm = Array3::from_shape_fn(grid.shape, |(i, _, _)| if i < 5 { 0.0 } else { 1.0 });
    BrainTissue::from_probabilities(grid, grid.zeros(), p_wm, None).unwrap()
}

fn ball(grid: &Grid, centre: [f64; 3], r: f64) -> Array3<bool> {
    Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let p = grid.centre_mm(i, j, k);
        (0..3).map(|a| (p[a] - centre[a]).powi(2)).sum::<f64>() <= r * r
    })
}

fn scan(day: f64, grid: &Grid, centre: [f64; 3], r_t1: f64, r_fl: f64) -> Segmentation {
    Segmentation {
        day,
        grid: *grid,
        t1gd: ball(grid, centre, r_t1),
        flair: ball(grid, centre, r_fl),
    }
}

fn message(r: Result<impl std::fmt::Debug, twin_oncology::OncologyError>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn segmentation_errors_name_the_problem() {
    let t = tissue();
    let g = t.domain.grid;
    let opts = CalibrationOptions::default();
    let c = [24.0, 20.0, 20.0];
    // Dates out of order.
    let m = message(calibrate(
        &t,
        &[scan(30.0, &g, c, 4.0, 7.0), scan(0.0, &g, c, 5.0, 8.0)],
        &opts,
    ));
    assert!(m.contains("strictly increasing"), "{m}");
    // A single scan.
    assert!(message(calibrate(&t, &[scan(0.0, &g, c, 4.0, 7.0)], &opts)).contains("at least 2"));
    // Empty T1Gd mask.
    let mut empty = scan(0.0, &g, c, 4.0, 7.0);
    empty.t1gd.fill(false);
    let m = message(calibrate(&t, &[empty, scan(30.0, &g, c, 5.0, 8.0)], &opts));
    assert!(m.contains("empty"), "{m}");
    // Lesion in the CSF slab (outside the brain mask).
    let csf = [4.0, 20.0, 20.0];
    let m = message(calibrate(
        &t,
        &[scan(0.0, &g, csf, 4.0, 5.0), scan(30.0, &g, csf, 5.0, 6.0)],
        &opts,
    ));
    assert!(m.contains("outside the brain mask"), "{m}");
    // Scans on a grid that is not atlas space.
    let other = Grid::new_3d([30, 20, 20], [2.0; 3]).unwrap();
    let m = message(calibrate(
        &t,
        &[
            scan(0.0, &other, c, 4.0, 7.0),
            scan(30.0, &other, c, 5.0, 8.0),
        ],
        &opts,
    ));
    assert!(m.contains("atlas space"), "{m}");
    // Label arrays that do not match their own grid.
    let mut bad = scan(0.0, &g, c, 4.0, 7.0);
    bad.flair = Array3::from_elem([3, 3, 3], false);
    assert!(calibrate(&t, &[bad, scan(30.0, &g, c, 5.0, 8.0)], &opts).is_err());
    // A shrinking tumour cannot give a growth speed.
    let m = message(calibrate(
        &t,
        &[scan(0.0, &g, c, 6.0, 9.0), scan(30.0, &g, c, 4.0, 7.0)],
        &opts,
    ));
    assert!(m.contains("growing"), "{m}");
}

#[test]
fn parameter_and_schedule_errors() {
    let t = tissue();
    let bad = GrowthParams {
        rho_per_day: -0.1,
        ..GrowthParams::default()
    };
    assert!(message(GliomaSim::new(&t, &bad)).contains("rho_per_day"));
    let sim = GliomaSim::new(&t, &GrowthParams::default()).unwrap();
    assert!(message(sim.seed([4.0, 20.0, 20.0], 0.5, 2.0)).contains("invadable"));
    assert!(
        LqParams {
            alpha_per_gy: f64::NAN,
            alpha_beta_gy: 10.0
        }
        .validate()
        .is_err()
    );
    let f = |day, dose_gy| Fraction { day, dose_gy };
    assert!(
        message(Schedule::custom("x", vec![f(2.0, 2.0), f(1.0, 2.0)]))
            .contains("previous fraction")
    );
    assert!(Schedule::custom("x", vec![f(0.0, -1.0)]).is_err());
    assert!(Schedule::custom("x", vec![]).is_err());
    let grid = Grid::new_3d([4, 4, 4], [1.0; 3]).unwrap();
    assert!(BrainTissue::from_probabilities(grid, grid.zeros(), grid.zeros(), None).is_err());
    assert!(
        BrainTissue::from_probabilities(
            grid,
            grid.zeros(),
            Array3::from_elem([4, 4, 4], 1.5),
            None
        )
        .is_err()
    );
}

/// A calibrated twin given a post-RT scan dated before RT, a dose map on another
/// grid, or a forecast starting before the first scan: errors that say so.
#[test]
fn treatment_input_errors() {
    let t = tissue();
    let g = t.domain.grid;
    let c = [24.0, 20.0, 20.0];
    let opts = CalibrationOptions {
        max_iters: 5,
        ..CalibrationOptions::default()
    };
    let mut twin = calibrate(
        &t,
        &[scan(0.0, &g, c, 4.0, 7.0), scan(30.0, &g, c, 5.0, 8.0)],
        &opts,
    )
    .unwrap();
    let plan = TreatmentPlan::radiotherapy(Schedule::standard());
    let topts = TreatmentOptions::default();
    let post = scan(40.0, &g, c, 3.0, 6.0);
    let m = message(twin.update_alpha(&t, 45.0, &plan, &post, &topts));
    assert!(m.contains("after the first fraction"), "{m}");
    let m = message(twin.forecast_plans(&t, -5.0, std::slice::from_ref(&plan), &topts));
    assert!(m.contains("first scan day"), "{m}");
    let other = Grid::new_3d([10, 10, 10], [4.0; 3]).unwrap();
    let map = DoseMap::new(other, Array3::from_elem(other.shape, 60.0), 30).unwrap();
    let with_map = plan.clone().with_dose_map(map);
    let m = message(twin.forecast_plans(&t, 40.0, std::slice::from_ref(&with_map), &topts));
    assert!(m.contains("dose map shape"), "{m}");
    let m = message(twin.update_alpha(&t, 35.0, &with_map, &post, &topts));
    assert!(m.contains("dose map shape"), "{m}");
    // The α update accepts a scan whose enhancing region vanished after RT.
    let mut vanished = scan(150.0, &g, c, 3.0, 6.0);
    vanished.t1gd.fill(false);
    let p = twin
        .update_alpha(&t, 35.0, &plan, &vanished, &topts)
        .unwrap();
    assert_eq!(p.observed_radii_mm[0], 0.0);
    assert!(p.posterior.lower <= p.posterior.estimate && p.posterior.estimate <= p.posterior.upper);
}

#[test]
fn segmentations_round_trip_through_nifti_and_reject_foreign_labels() {
    let t = tissue();
    let g = t.domain.grid;
    let dir = std::env::temp_dir().join(format!("twin-oncology-seg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = scan(12.5, &g, [24.0, 20.0, 20.0], 5.0, 8.0);
    let path = dir.join("scan.nii.gz");
    s.write_nifti(&path).unwrap();
    let back = Segmentation::read_nifti(&path, 12.5).unwrap();
    assert_eq!(back.t1gd, s.t1gd);
    assert_eq!(back.flair, s.flair);
    assert_eq!(back.grid.shape, g.shape);
    assert_eq!(back.summarise(&t).unwrap(), s.summarise(&t).unwrap());
    // A BraTS-style map (enhancing = 4) must be remapped, not read as something else.
    let mut labels = s.labels();
    labels[[12, 10, 10]] = 4;
    let brats = dir.join("brats.nii.gz");
    twin_io::nifti_io::write_labels(&brats, &twin_io::nifti_io::LabelMap { grid: g, labels })
        .unwrap();
    let m = message(Segmentation::read_nifti(&brats, 0.0));
    assert!(m.contains("[12, 10, 10]") && m.contains("2 T1Gd"), "{m}");
    let m = message(Segmentation::read_nifti(dir.join("missing.nii.gz"), 0.0));
    assert!(m.contains("segmentation"), "{m}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A domain built field by field with a column-major mask measures the same tumour
/// volume as its row-major twin (the mask's layout is not the caller's concern).
#[test]
fn a_column_major_mask_measures_the_same_volume() {
    use ndarray::ShapeBuilder;
    use twin_core::pde::Domain;
    use twin_oncology::glioma::model::level_volume_mm3;
    let grid = Grid::new_3d([12, 10, 8], [1.5; 3]).unwrap();
    let inside = |(i, j, k): (usize, usize, usize)| i + j + k > 2;
    let c = Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let p = grid.centre_mm(i, j, k);
        (-((p[0] - 9.0).powi(2) + (p[1] - 7.5).powi(2) + (p[2] - 6.0).powi(2)) / 20.0).exp()
    });
    let volume = |mask: Array3<bool>| level_volume_mm3(&Domain { grid, mask }, &c, 0.3).unwrap();
    let row_major = volume(Array3::from_shape_fn(grid.shape, inside));
    let column_major = volume(Array3::from_shape_fn(grid.shape.f(), inside));
    assert!(row_major > 0.0);
    assert_eq!(row_major, column_major);
}

/// A crop centre that is NaN or outside the grid is an error naming the coordinate
/// and the grid's extent (it used to become a corner crop, then a misleading "no
/// tissue"); a centre inside gives the expected box.
#[test]
fn crop_centre_is_validated() {
    let t = tissue();
    for (centre, axis) in [
        ([f64::NAN, 20.0, 20.0], 0),
        ([20.0, -1e6, 20.0], 1),
        ([20.0, 20.0, 45.0], 2),
    ] {
        let e = t.crop(centre, 10.0).unwrap_err().to_string();
        assert!(e.contains(&format!("centre_mm[{axis}]")), "{e}");
        assert!(e.contains("-1 to 39 mm"), "{e}");
    }
    let e = t.crop([20.0; 3], f64::NAN).unwrap_err().to_string();
    assert!(e.contains("half_width_mm"), "{e}");
    // Voxel centres at 0, 2, …, 38 mm: ±10 mm around voxel 10 (20 mm) is voxels 5–15.
    let c = t.crop([20.0; 3], 10.0).unwrap();
    assert_eq!(c.domain.grid.shape, [11, 11, 11]);
    assert_eq!(c.domain.grid.origin_mm, [10.0; 3]);
}
