//! Calibration recovers D_white and ρ from two noisy synthetic scans made by a
//! different model setting (truth on a 1 mm grid, twin on 2 mm, boundary noise).

use ndarray::Array3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use twin_core::pde::Grid;
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
fn recovers_d_and_rho_within_15_percent() {
    let (fine, coarse) = (tissue(1.0), tissue(2.0));
    for (seed, d, rho) in [(1u64, 0.4, 0.04), (2, 0.15, 0.03)] {
        let truth = GrowthParams {
            diffusion_white_mm2_per_day: d,
            rho_per_day: rho,
            white_grey_ratio: 10.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (scans, _) = virtual_scans(
            &fine,
            &truth,
            [26.0, 32.0, 32.0],
            7.0,
            &[45.0],
            0.3,
            &mut rng,
        )
        .unwrap();
        let twin = calibrate(&coarse, &scans, &CalibrationOptions::default()).unwrap();
        let ed = twin.growth.diffusion_white_mm2_per_day / d - 1.0;
        let er = twin.growth.rho_per_day / rho - 1.0;
        eprintln!(
            "seed {seed}: D {:.4} ({ed:+.3}), ρ {:.4} ({er:+.3}), start D {:.4} ρ {:.4}, {:.1} s, CI {:?}",
            twin.growth.diffusion_white_mm2_per_day,
            twin.growth.rho_per_day,
            twin.analytic_start.diffusion_white_mm2_per_day,
            twin.analytic_start.rho_per_day,
            twin.calibration_seconds,
            twin.intervals
                .iter()
                .map(|i| (i.lower, i.upper))
                .collect::<Vec<_>>()
        );
        assert!(
            ed.abs() < 0.15 && er.abs() < 0.15,
            "seed {seed}: D error {ed}, ρ error {er}"
        );
    }
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
