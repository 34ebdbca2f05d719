//! Calibration recovers D_white, ρ and the seed origin from two noisy synthetic scans
//! made by a different model setting (truth on a 1 mm grid at a drawn origin, twin on
//! 2 mm, boundary noise), and its 95% intervals cover the truth.

use ndarray::Array3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use twin_core::pde::Grid;
use twin_oncology::glioma::cohort::{CoverageDesign, coverage_study};
use twin_oncology::glioma::synthetic::virtual_scans;
use twin_oncology::glioma::twin::{
    CalibrationOptions, calibrate, forward_radii_mm, wave_gap_factor,
};
use twin_oncology::glioma::{BrainTissue, GrowthParams};

/// Grey matter beyond x = 44 mm, white matter elsewhere, on a 64 mm cube.
fn tissue(h: f64) -> BrainTissue {
    let n = (64.0 / h) as usize;
    let grid = Grid::with_origin([n; 3], [h; 3], [0.5 * h; 3]).unwrap();
    let grey = Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        f64::from(u8::from(grid.centre_mm(i, j, k)[0] > 44.0))
    });
    let white = grey.mapv(|g| 1.0 - g);
    BrainTissue::from_probabilities(grid, grey, white, None).unwrap()
}

#[test]
fn wave_gap_factor_matches_ablowitz_zeppetella_profile() {
    // κ = √6 [ln(0.16^{-1/2} − 1) − ln(0.8^{-1/2} − 1)] = √6 (ln 1.5 − ln 0.118034).
    let expected = 6f64.sqrt() * (1.5f64.ln() - (1.0 / 0.8f64.sqrt() - 1.0).ln());
    assert!((wave_gap_factor() - expected).abs() < 1e-12);
    assert!((wave_gap_factor() - 6.227).abs() < 1e-3);
}

#[test]
fn calibration_recovers_d_and_rho_and_intervals_cover_the_truth() {
    // Issue 7 must-show: within 15% and 95% intervals covering the truth in ≥ 90% of
    // seeded cases. Truth: 1 mm grid, origin drawn in a 6 mm box; twin: 2 mm grid,
    // seed origin fitted; 30% boundary flips. A handful of cases keeps
    // the test fast, so each must pass; `examples/glioma_coverage.rs` runs the large
    // study on the MNI152 atlas with Wilson intervals on the rates.
    let (fine, coarse) = (tissue(1.0), tissue(2.0));
    let design = CoverageDesign {
        seed_box_mm: [[23.0, 29.0, 29.0], [29.0, 35.0, 35.0]],
        min_seed_white_fraction: 0.5,
        crop_half_width_mm: 64.0,
        first_t1gd_radius_mm: 7.0,
        gap_days: 45.0,
        speed_mm_per_day: [0.1, 0.3],
        width_mm: [1.5, 3.0],
        flip_probability: 0.3,
    };
    let n = 4;
    let s = coverage_study(
        &fine,
        &coarse,
        &design,
        &CalibrationOptions::default(),
        n,
        2024,
    )
    .unwrap();
    for c in &s.cases {
        eprintln!(
            "true D {:.3} ρ {:.4} | fit D {:.3?} ρ {:.4?} | rms {:.2?} mm | σ to cover {:.2?} | error at truth {:.2?} | {:.1} s",
            c.truth.diffusion_white_mm2_per_day,
            c.truth.rho_per_day,
            c.d_fit,
            c.rho_fit,
            c.rms_residual_mm,
            c.sigma_to_cover_mm,
            c.radius_error_at_truth_mm,
            c.seconds
        );
    }
    for c in &s.cases {
        // Intervals are linear in σ: the σ that just covers lies within the assumed one.
        let sc = c.sigma_to_cover_mm.unwrap();
        assert!(sc > 0.0 && sc <= s.assumed_sigma_radius_mm, "{sc}");
        assert_eq!(c.radius_error_at_truth_mm.as_ref().unwrap().len(), 3);
    }
    assert!(s.rms_radius_error_at_truth_mm.is_finite());
    assert_eq!(s.n, n);
    assert_eq!(s.failures, 0);
    assert_eq!(s.both_within_15pct.k, n, "{:?}", s.both_within_15pct);
    assert_eq!(s.both_covered.k, n, "{:?}", s.both_covered);
}

#[test]
fn seed_origin_is_fitted_where_the_tumour_drifts_away_from_grey_matter() {
    // Origin 4 mm from the white/grey interface at x = 44 mm: D is 10× smaller in grey
    // matter, so the enhancing region is not centred on the origin (its centroid moves
    // along x; on this geometry towards the interface, where cells pile up). Seeding at
    // that centroid is what the calibration did before it fitted the origin.
    let (fine, coarse) = (tissue(1.0), tissue(2.0));
    let truth = GrowthParams {
        diffusion_white_mm2_per_day: 0.2,
        rho_per_day: 0.04,
        white_grey_ratio: 10.0,
    };
    let origin = [40.0, 32.0, 32.0];
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (scans, _) = virtual_scans(&fine, &truth, origin, 7.0, &[45.0], 0.3, &mut rng).unwrap();
    let twin = calibrate(&coarse, &scans, &CalibrationOptions::default()).unwrap();
    let from_origin = |p: [f64; 3]| {
        (0..3)
            .map(|a| (p[a] - origin[a]).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let (centroid, fitted) = (from_origin(twin.crop_centre_mm), from_origin(twin.seed_mm));
    eprintln!(
        "centroid {:.2?} ({centroid:.2} mm off), fitted seed {:.2?} ({fitted:.2} mm off); D {:.3}, ρ {:.4}",
        twin.crop_centre_mm,
        twin.seed_mm,
        twin.growth.diffusion_white_mm2_per_day,
        twin.growth.rho_per_day
    );
    assert!(centroid > 1.0, "no drift to fit");
    assert!(fitted < 0.5 * centroid && fitted < 1.0);
    // Intervals: D, ρ, seed x, y, z, onset; the true origin lies in the seed's.
    assert_eq!(twin.intervals.len(), 6);
    for (a, iv) in twin.intervals[2..5].iter().enumerate() {
        eprintln!(
            "{}: [{:.2}, {:.2}] (true {})",
            iv.name, iv.lower, iv.upper, origin[a]
        );
        assert!(iv.lower <= origin[a] && origin[a] <= iv.upper);
        assert!(iv.upper - iv.lower < 4.0);
    }
    let onset = &twin.intervals[5];
    eprintln!(
        "onset {:.0} [{:.0}, {:.0}] days",
        onset.estimate, onset.lower, onset.upper
    );
    assert!(onset.lower < onset.estimate && onset.estimate < onset.upper);
    assert_eq!(onset.estimate, twin.onset_to_first_scan_days);
    let rel = |f: f64, t: f64| (f / t - 1.0).abs();
    assert!(rel(twin.growth.diffusion_white_mm2_per_day, 0.2) < 0.15);
    assert!(rel(twin.growth.rho_per_day, 0.04) < 0.15);
}

/// Regression (cohort seed 1): parameter vectors beyond the model's range or too slow
/// to reach the first scan's size made the forward model fail, so the Laplace finite
/// differences saw non-finite residuals and the calibration errored. They now give the
/// documented finite penalty (zero radii), while a valid tumour gives growing radii.
#[test]
fn forward_model_gives_finite_penalty_where_no_run_exists() {
    let coarse = tissue(2.0);
    let seed = [26.0, 32.0, 32.0];
    let offsets = [0.0, 45.0];
    let growth = |d, rho| GrowthParams {
        diffusion_white_mm2_per_day: d,
        rho_per_day: rho,
        white_grey_ratio: 10.0,
    };
    // D just above the 10 mm²/day limit (a Laplace step from an optimum at the bound),
    // and a tumour so slow (ρ = 1e-4 /day) it never reaches 7 mm in MAX_ONSET_DAYS.
    for g in [growth(10.001, 0.05), growth(0.05, 1e-4)] {
        let r = forward_radii_mm(&coarse, &g, seed, 2.0, 7.0, &offsets);
        assert_eq!(r, vec![0.0; 3], "{g:?}");
    }
    let r = forward_radii_mm(&coarse, &growth(0.4, 0.04), seed, 2.0, 7.0, &offsets);
    assert!(r.iter().all(|x| x.is_finite()), "{r:?}");
    // FLAIR beyond T1Gd at the first scan; T1Gd grew past 7 mm by day 45.
    assert!(r[0] > 7.0 && r[1] > 7.0 && r[2] > r[1], "{r:?}");
}
