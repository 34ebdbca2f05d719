//! Bad input gives clear errors naming the field, the value and the allowed range.

use twin_core::calibrate::*;
use twin_core::{CoreError, Result};

fn model(p: &[f64]) -> Result<Vec<f64>> {
    Ok(vec![p[0], 2.0 * p[0], 3.0 * p[0]])
}

fn spec() -> ParameterSpec {
    ParameterSpec::new("k_per_day", "1/day", 0.1, 10.0, Transform::Log)
}

fn gaussian() -> Likelihood {
    Likelihood::Gaussian {
        sigma: SigmaModel::Known,
    }
}

fn obs() -> Observations {
    Observations::unweighted(vec![1.0, 2.0, 3.0]).unwrap()
}

#[test]
fn bounds_with_lower_not_below_upper_are_rejected() {
    for (lo, hi) in [
        (5.0, 1.0),
        (2.0, 2.0),
        (f64::NAN, 1.0),
        (0.0, f64::INFINITY),
    ] {
        let bad = ParameterSpec::new("d_mm2_per_day", "mm^2/day", lo, hi, Transform::Identity);
        let err = Problem::new(model, vec![bad], obs(), gaussian())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("d_mm2_per_day.lower/upper") && err.contains("lower < upper"),
            "{err}"
        );
    }
    let bad_prior = spec().with_prior(Prior::Normal {
        mean: 1.0,
        sd: -1.0,
    });
    let err = Problem::new(model, vec![bad_prior], obs(), gaussian())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("k_per_day.prior.sd"), "{err}");
    let fitted = Likelihood::Gaussian {
        sigma: SigmaModel::Fitted(ParameterSpec::new("sigma", "1", 1.0, 0.5, Transform::Log)),
    };
    assert!(Problem::new(model, vec![spec()], obs(), fitted).is_err());
}

#[test]
fn empty_nan_and_mismatched_observations_are_rejected() {
    let err = Observations::unweighted(vec![]).unwrap_err().to_string();
    assert!(
        err.contains("observations.values") && err.contains("at least one"),
        "{err}"
    );
    let err = Observations::new(vec![1.0, f64::NAN], vec![1.0, 1.0])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("observations.values[1]") && err.contains("NaN"),
        "{err}"
    );
    let err = Observations::new(vec![1.0, 2.0], vec![1.0]).unwrap_err();
    assert!(matches!(err, CoreError::ShapeMismatch { .. }), "{err}");
    let err = Observations::new(vec![1.0], vec![0.0])
        .unwrap_err()
        .to_string();
    assert!(err.contains("observations.sigma[0]"), "{err}");
    // A struct built by hand is validated by Problem::new too.
    let raw = Observations {
        values: vec![1.0, f64::INFINITY],
        sigma: vec![1.0, 1.0],
    };
    assert!(Problem::new(model, vec![spec()], raw, gaussian()).is_err());
    // Log-normal likelihood needs positive data.
    let neg = Observations::unweighted(vec![1.0, -2.0, 3.0]).unwrap();
    let err = Problem::new(
        model,
        vec![spec()],
        neg,
        Likelihood::LogNormal {
            sigma: SigmaModel::Known,
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("observations.values[1]") && err.contains("> 0"),
        "{err}"
    );
}

#[test]
fn model_output_length_and_parameter_length_mismatches_are_errors() {
    let short = |p: &[f64]| -> Result<Vec<f64>> { Ok(vec![p[0]]) };
    let problem = Problem::new(short, vec![spec()], obs(), gaussian()).unwrap();
    let err = fit(&problem, &FitOptions::default()).unwrap_err();
    assert!(
        matches!(&err, CoreError::ShapeMismatch { what, .. } if what.contains("prediction")),
        "{err}"
    );

    let problem = Problem::new(model, vec![spec()], obs(), gaussian()).unwrap();
    let opts = FitOptions {
        initial: Some(vec![1.0, 2.0]),
        ..FitOptions::default()
    };
    assert!(matches!(
        fit(&problem, &opts),
        Err(CoreError::ShapeMismatch { .. })
    ));
    let opts = FitOptions {
        initial: Some(vec![-1.0]),
        ..FitOptions::default()
    };
    let err = fit(&problem, &opts).unwrap_err().to_string();
    assert!(err.contains("k_per_day") && err.contains("> 0"), "{err}");
    let opts = FitOptions {
        n_starts: 0,
        ..FitOptions::default()
    };
    assert!(
        fit(&problem, &opts)
            .unwrap_err()
            .to_string()
            .contains("n_starts")
    );
    // A model that always fails: its error surfaces, not a silent NaN.
    let failing = |_: &[f64]| -> Result<Vec<f64>> { Err(CoreError::invalid("dose_mg", -1, "> 0")) };
    let problem = Problem::new(failing, vec![spec()], obs(), gaussian()).unwrap();
    assert!(
        fit(&problem, &FitOptions::default())
            .unwrap_err()
            .to_string()
            .contains("dose_mg")
    );
}

#[test]
fn bad_sampler_and_band_settings_are_rejected() {
    let problem = Problem::new(model, vec![spec()], obs(), gaussian()).unwrap();
    let f = fit(&problem, &FitOptions::default()).unwrap();
    let lap = laplace(&problem, &f, CovarianceMethod::Hessian).unwrap();
    let odd = McmcOptions {
        n_walkers: 7,
        ..McmcOptions::default()
    };
    assert!(
        sample_posterior(&problem, &lap, &odd)
            .unwrap_err()
            .to_string()
            .contains("n_walkers")
    );
    let burn = McmcOptions {
        burn_in: 5000,
        ..McmcOptions::default()
    };
    assert!(sample_posterior(&problem, &lap, &burn).is_err());
    // The explicit-ball entry point checks its start and, given the ball the Laplace
    // entry point uses (0.1 × its sd), draws exactly the same chain.
    let short = McmcOptions {
        n_walkers: 4,
        n_steps: 40,
        burn_in: 10,
        ..McmcOptions::default()
    };
    let sd = vec![0.1 * lap.cov_z[0][0].sqrt()];
    assert_eq!(
        sample_posterior_around(&problem, &lap.estimate_z, &sd, &short).unwrap(),
        sample_posterior(&problem, &lap, &short).unwrap()
    );
    let neg = sample_posterior_around(&problem, &lap.estimate_z, &[-0.1], &short)
        .unwrap_err()
        .to_string();
    assert!(neg.contains("start_sd_z") && neg.contains("-0.1"), "{neg}");
    // A zero spread puts every walker on the same z_j, which the stretch move
    // (a combination of two walkers) can never leave.
    let zero = sample_posterior_around(&problem, &lap.estimate_z, &[0.0], &short)
        .unwrap_err()
        .to_string();
    assert!(
        zero.contains("start_sd_z[0]") && zero.contains("` = 0") && zero.contains("> 0"),
        "{zero}"
    );
    let mut flat = lap.clone();
    flat.cov_z[0][0] = 0.0;
    let flat = sample_posterior(&problem, &flat, &short)
        .unwrap_err()
        .to_string();
    assert!(
        flat.contains("start.cov_z[0][0]") && flat.contains("> 0"),
        "{flat}"
    );
    assert!(sample_posterior_around(&problem, &[0.0, 0.0], &sd, &short).is_err());
    let draws = lap.sample(10, 1).unwrap();
    assert!(prediction_band(&draws, |p| Ok(vec![p[0]]), 1.5).is_err());
    let nan = prediction_band(&draws, |_| Ok(vec![f64::NAN]), 0.9)
        .unwrap_err()
        .to_string();
    assert!(nan.contains("forecast[0]"), "{nan}");
    // Gauss–Newton needs a known sigma.
    let fitted = Likelihood::Gaussian {
        sigma: SigmaModel::Fitted(ParameterSpec::new("sigma", "1", 0.01, 5.0, Transform::Log)),
    };
    let problem = Problem::new(
        model,
        vec![spec()],
        Observations::unweighted(vec![1.1, 1.9, 3.2]).unwrap(),
        fitted,
    )
    .unwrap();
    let f = fit(&problem, &FitOptions::default()).unwrap();
    assert!(laplace(&problem, &f, CovarianceMethod::GaussNewton).is_err());
}

/// A model error at the first start counts as +inf, as anywhere else in the
/// search, instead of failing the whole fit; the other starts find the optimum.
#[test]
fn a_model_error_at_the_first_start_does_not_sink_the_fit() {
    let fails_above_5 = |p: &[f64]| -> Result<Vec<f64>> {
        if p[0] > 5.0 {
            Err(CoreError::invalid(
                "k_per_day",
                p[0],
                "<= 5 (solver diverges)",
            ))
        } else {
            model(p)
        }
    };
    let problem = Problem::new(fails_above_5, vec![spec()], obs(), gaussian()).unwrap();
    let opts = FitOptions {
        initial: Some(vec![8.0]),
        ..FitOptions::default()
    };
    let f = fit(&problem, &opts).unwrap();
    assert!((f.estimate[0] - 1.0).abs() < 1e-6, "{:?}", f.estimate);
    assert_eq!(f.starts[0].start, vec![8.0]);
}

/// Weighted least squares estimates the error scale from the residuals; an exact
/// fit leaves nothing to estimate it from, which is reported as such (not as
/// "not identifiable" after a division by zero).
#[test]
fn an_exact_weighted_least_squares_fit_names_the_zero_residual_scale() {
    let spec = ParameterSpec::new("k_per_day", "1/day", 0.1, 10.0, Transform::Identity);
    let problem = Problem::new(model, vec![spec], obs(), Likelihood::WeightedLeastSquares).unwrap();
    let exact = Fit {
        names: vec!["k_per_day".into()],
        units: vec!["1/day".into()],
        estimate: vec![1.0],
        estimate_z: vec![1.0],
        objective: 0.0,
        best_start: 0,
        starts: vec![],
    };
    assert_eq!(problem.objective(&exact.estimate), 0.0);
    let err = laplace(&problem, &exact, CovarianceMethod::Hessian)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("residual") && err.contains("exact fit") && !err.contains("identifiable"),
        "{err}"
    );
    // Any residual at all gives a finite covariance, scaled by s² = 2·objective/(n − p).
    let off = Fit {
        estimate: vec![1.01],
        estimate_z: vec![1.01],
        ..exact
    };
    let lap = laplace(&problem, &off, CovarianceMethod::Hessian).unwrap();
    let s2 = 14.0 * 0.01f64.powi(2) / 2.0;
    assert!(
        (lap.cov_z[0][0] - s2 / 14.0).abs() < 1e-6 * s2,
        "{:?}",
        lap.cov_z
    );
}

/// A saturated Logit `z` maps strictly inside the bounds, so the estimate can be
/// fed back as a start (`to_z` of it succeeds and is monotone in `z`).
#[test]
fn logit_from_z_stays_strictly_inside_the_bounds() {
    for (lo, hi) in [(0.0, 1.0), (0.1, 0.9), (-3.0, 7.0), (1.0, 1e6)] {
        let s = ParameterSpec::new("f", "1", lo, hi, Transform::Logit);
        let mut prev = f64::NEG_INFINITY;
        for z in [-1e308, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e308] {
            let x = s.from_z(z);
            assert!(
                x > lo && x < hi,
                "from_z({z}) = {x} not inside ({lo}, {hi})"
            );
            let back = s
                .to_z(x)
                .unwrap_or_else(|e| panic!("to_z(from_z({z})): {e}"));
            assert!(back.is_finite() && back >= prev, "z = {z} → {back}");
            prev = back;
        }
    }
    // Log parameters: no overflow to inf or underflow to 0 either.
    let s = spec();
    for z in [-1e4, 1e4] {
        s.to_z(s.from_z(z)).unwrap();
    }
}

/// The particle swarm searches its own box: the reported start is the point the
/// local polish began from (the swarm's best), not the unused initial point.
#[test]
fn particle_swarm_reports_the_start_it_polished_from() {
    let problem = Problem::new(model, vec![spec()], obs(), gaussian()).unwrap();
    let opts = FitOptions {
        optimiser: Optimiser::ParticleSwarm { particles: 8 },
        n_starts: 2,
        max_iters: 30,
        initial: Some(vec![9.5]),
        ..FitOptions::default()
    };
    let f = fit(&problem, &opts).unwrap();
    for r in &f.starts {
        assert_ne!(r.start, vec![9.5]);
        // Nelder–Mead only improves on its start.
        assert!(problem.objective(&r.start) >= r.objective, "{r:?}");
        assert!(r.start[0] > 0.1 && r.start[0] < 10.0, "{r:?}");
    }
    assert!((f.estimate[0] - 1.0).abs() < 1e-6, "{:?}", f.estimate);
}
