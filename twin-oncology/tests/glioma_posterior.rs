//! Posterior draws for near-singular glioma fits (issue 20, third bullet): the
//! published-range prior, the sampler's plumbing (prior recovered when the scans carry
//! no information; thread-count independence), and a finite Days-Gained interval for
//! a slow virtual patient whose Laplace approximation is near-singular.

use ndarray::Array3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, LogNormal};
use twin_core::pde::Grid;
use twin_oncology::glioma::cohort::{draw_patient, simulate_truth, twin_predict};
use twin_oncology::glioma::model::TreatmentOptions;
use twin_oncology::glioma::params::{
    PUBLISHED_D_WHITE_RANGE_MM2_PER_DAY, PUBLISHED_RHO_RANGE_PER_DAY, log_normal_prior_of_range,
};
use twin_oncology::glioma::synthetic::virtual_scans;
use twin_oncology::glioma::twin::{
    CalibrationOptions, IntervalMethod, NEAR_SINGULAR_LOG_SD, PosteriorOptions, calibrate,
};
use twin_oncology::glioma::{BrainTissue, GrowthParams, Schedule};

/// White matter everywhere on a 48 mm cube (2 mm voxels): small, so that thousands of
/// forward runs take seconds.
fn white_cube() -> BrainTissue {
    let h = 2.0;
    let grid = Grid::with_origin([24; 3], [h; 3], [0.5 * h; 3]).unwrap();
    let white = Array3::from_elem(grid.shape, 1.0);
    let grey = Array3::zeros(grid.shape);
    BrainTissue::from_probabilities(grid, grey, white, None).unwrap()
}

#[test]
fn published_ranges_are_the_central_95_percent_of_the_prior() {
    // Checked against statrs' log-normal quantile function (statrs 0.18).
    for range in [
        PUBLISHED_D_WHITE_RANGE_MM2_PER_DAY,
        PUBLISHED_RHO_RANGE_PER_DAY,
    ] {
        let (mu, sigma) = log_normal_prior_of_range(range);
        let d = LogNormal::new(mu, sigma).unwrap();
        assert!((d.inverse_cdf(0.025) / range[0] - 1.0).abs() < 1e-6);
        assert!((d.inverse_cdf(0.975) / range[1] - 1.0).abs() < 1e-6);
        assert!((d.inverse_cdf(0.5) - (range[0] * range[1]).sqrt()).abs() < 1e-9);
    }
}

#[test]
fn scans_without_information_give_back_the_prior_on_any_thread_count() {
    let tissue = white_cube();
    let truth = GrowthParams {
        diffusion_white_mm2_per_day: 0.1,
        rho_per_day: 0.04,
        white_grey_ratio: 10.0,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (scans, _) =
        virtual_scans(&tissue, &truth, [24.0; 3], 8.0, &[30.0], 0.0, &mut rng).unwrap();
    let mut twin = calibrate(&tissue, &scans, &CalibrationOptions::default()).unwrap();
    // A radius error of 10 m: the likelihood is flat, the posterior is the prior.
    twin.options.sigma_radius_mm = 1e4;
    let options = PosteriorOptions {
        n_walkers: 12,
        n_steps: 400,
        burn_in: 100,
        ..PosteriorOptions::default()
    };
    let posterior = twin.growth_posterior(&tissue, &options).unwrap();
    eprintln!(
        "D {:?}\nρ {:?}\n{:?}",
        posterior.diffusion_white, posterior.rho, posterior.diagnostics
    );
    // Monte Carlo error of the 2.5 % and 97.5 % quantiles from 3,600 correlated draws:
    // tolerances in ln units, about 3 standard errors at the observed ESS.
    for (estimate, range) in [
        (
            &posterior.diffusion_white,
            PUBLISHED_D_WHITE_RANGE_MM2_PER_DAY,
        ),
        (&posterior.rho, PUBLISHED_RHO_RANGE_PER_DAY),
    ] {
        let (mu, _) = log_normal_prior_of_range(range);
        assert!((estimate.estimate.ln() - mu).abs() < 0.25, "{estimate:?}");
        assert!((estimate.lower / range[0]).ln().abs() < 0.5, "{estimate:?}");
        assert!((estimate.upper / range[1]).ln().abs() < 0.5, "{estimate:?}");
    }
    // Split R̂ of an ensemble this short stays above 1.05 even on this smooth target
    // (ESS ≈ 110–150 of 3,600 draws); 1.2 flags a chain that has not mixed.
    assert!(posterior.diagnostics.r_hat.iter().all(|r| *r < 1.2));
    // Same draws on one thread as on the default pool.
    let short = PosteriorOptions {
        n_walkers: 8,
        n_steps: 30,
        burn_in: 10,
        n_forecast_draws: 10,
        ..PosteriorOptions::default()
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| twin.growth_posterior(&tissue, &short).unwrap());
    assert_eq!(one, twin.growth_posterior(&tissue, &short).unwrap());
    // Bad settings are errors naming the field.
    let odd = PosteriorOptions {
        n_walkers: 7,
        ..short.clone()
    };
    let e = twin
        .growth_posterior(&tissue, &odd)
        .unwrap_err()
        .to_string();
    assert!(e.contains("n_walkers") && e.contains('7'), "{e}");
}

#[test]
fn a_near_singular_slow_tumour_gets_a_finite_posterior_interval() {
    // Development cohort seed 3, patient 5 (the first near-singular fit of that
    // cohort; the held-out seed is never used in tests): ρ 0.042 /day, scans 2–6 weeks
    // apart. The twin sees only its two noisy scans, with the cohort's model error.
    let atlas = BrainTissue::load_mni152(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mni152")),
        2,
    )
    .unwrap();
    let treatment = TreatmentOptions {
        horizon_days: 120.0,
        ..TreatmentOptions::default()
    };
    let calibration = CalibrationOptions {
        crop_margin_mm: 8.0,
        max_iters: 25,
        ..CalibrationOptions::default()
    };
    let schedule = Schedule::standard();
    let patient = draw_patient(&atlas, 3, 5, 0).unwrap();
    let truth = simulate_truth(&atlas, &patient, &schedule, &treatment).unwrap();
    let twin = calibrate(&atlas, &truth.scans, &calibration).unwrap();
    assert!(twin.is_near_singular(), "{:?}", twin.log_covariance);
    let p = twin_predict(
        &atlas,
        &truth.scans,
        truth.rt_start_day,
        truth.planning_t1gd_volume_ml,
        &schedule,
        &calibration,
        &treatment,
    )
    .unwrap();
    eprintln!("{p:?}\ntrue DG {:.1}", truth.days_gained);
    let IntervalMethod::PosteriorDraws {
        median_days_gained,
        failed,
        draws,
        diffusion_white,
        rho,
        r_hat_max,
    } = &p.days_gained_interval
    else {
        panic!("first-order interval for a near-singular fit");
    };
    let [lo, hi] = p.days_gained_ci95;
    assert!(lo.is_finite() && hi.is_finite() && 0.0 <= lo && lo <= *median_days_gained);
    assert!(*median_days_gained <= hi);
    assert!(4 * failed <= *draws);
    // Where the Laplace sd is beyond the near-singular limit, the posterior (data and
    // the published-range prior) is tighter than the Laplace interval it replaces.
    let laplace_sd = |j: usize| twin.log_covariance[j][j].sqrt();
    let mut replaced = 0;
    for (j, e) in [diffusion_white, rho].into_iter().enumerate() {
        if laplace_sd(j) > NEAR_SINGULAR_LOG_SD {
            assert!(
                (e.upper / e.lower).ln() < 2.0 * 1.96 * laplace_sd(j),
                "{e:?}"
            );
            replaced += 1;
        }
    }
    assert!(replaced > 0);
    assert!(*r_hat_max < 1.2, "{r_hat_max}");
    // The truth lies inside (this patient is the first near-singular one of the
    // development cohort in id order, not chosen for this).
    assert!(lo <= truth.days_gained && truth.days_gained <= hi);
}
