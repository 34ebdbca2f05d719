//! Uncertainty: Laplace covariance, ensemble MCMC, prediction bands and the
//! identifiability report, checked against the exact conjugate-Gaussian
//! posterior of a straight-line model (Gelman et al., BDA3, 2013, §14.2).

use nalgebra::{DMatrix, DVector};
use twin_core::Result;
use twin_core::calibrate::identifiability::{self, CORRELATION_FLAG};
use twin_core::calibrate::*;

const T: [f64; 8] = [0.0, 1.0, 2.0, 3.0, 4.5, 6.0, 7.0, 9.0];
const Y: [f64; 8] = [1.1, 1.9, 3.2, 3.8, 5.6, 6.9, 8.2, 9.9];
const SIGMA: f64 = 0.4;

type LineModel = fn(&[f64]) -> Result<Vec<f64>>;

fn line(p: &[f64]) -> Result<Vec<f64>> {
    Ok(T.iter().map(|t| p[0] + p[1] * t).collect())
}

fn x_matrix() -> DMatrix<f64> {
    DMatrix::from_fn(T.len(), 2, |i, j| if j == 0 { 1.0 } else { T[i] })
}

fn line_problem(priors: Option<[Prior; 2]>, likelihood: Likelihood) -> Problem<LineModel> {
    let mut a = ParameterSpec::new("intercept_mm", "mm", -10.0, 10.0, Transform::Identity);
    let mut b = ParameterSpec::new("slope_mm_per_day", "mm/day", -5.0, 5.0, Transform::Identity);
    if let Some([pa, pb]) = priors {
        a = a.with_prior(pa);
        b = b.with_prior(pb);
    }
    let obs = Observations::new(Y.to_vec(), vec![SIGMA; T.len()]).unwrap();
    Problem::new(line as LineModel, vec![a, b], obs, likelihood).unwrap()
}

/// Exact posterior of the line with normal priors: precision XᵀX/σ² + diag(1/s²).
fn exact_posterior(prior_mean: [f64; 2], prior_sd: [f64; 2]) -> (DVector<f64>, DMatrix<f64>) {
    let x = x_matrix();
    let y = DVector::from_column_slice(&Y);
    let prec = x.transpose() * &x / (SIGMA * SIGMA)
        + DMatrix::from_diagonal(&DVector::from_fn(2, |i, _| 1.0 / prior_sd[i].powi(2)));
    let cov = prec.clone().try_inverse().unwrap();
    let rhs = x.transpose() * y / (SIGMA * SIGMA)
        + DVector::from_fn(2, |i, _| prior_mean[i] / prior_sd[i].powi(2));
    (&cov * rhs, cov)
}

#[test]
fn laplace_equals_exact_linear_regression_covariance() {
    let problem = line_problem(
        None,
        Likelihood::Gaussian {
            sigma: SigmaModel::Known,
        },
    );
    let fit = fit(&problem, &FitOptions::default()).unwrap();
    let x = x_matrix();
    let xtx_inv = (x.transpose() * &x).try_inverse().unwrap();
    let beta = &xtx_inv * x.transpose() * DVector::from_column_slice(&Y);
    for method in [CovarianceMethod::Hessian, CovarianceMethod::GaussNewton] {
        let lap = laplace(&problem, &fit, method).unwrap();
        for i in 0..2 {
            assert!((fit.estimate[i] - beta[i]).abs() < 1e-6, "OLS estimate");
            for j in 0..2 {
                let exact = SIGMA * SIGMA * xtx_inv[(i, j)];
                assert!(
                    (lap.cov_z[i][j] - exact).abs() < 1e-5 * exact.abs().max(1e-3),
                    "{method:?} cov[{i}][{j}]"
                );
            }
            let half = 1.959964 * (SIGMA * SIGMA * xtx_inv[(i, i)]).sqrt();
            assert!((lap.intervals[i].upper - (beta[i] + half)).abs() < 1e-5);
        }
    }
    // Weighted least squares: σ unknown, covariance s²(XᵀX)⁻¹σ² with s² = RSS_w/(n − p).
    let wls = line_problem(None, Likelihood::WeightedLeastSquares);
    let fit_w = twin_core::calibrate::fit(&wls, &FitOptions::default()).unwrap();
    let lap_w = laplace(&wls, &fit_w, CovarianceMethod::Hessian).unwrap();
    let rss: f64 = (0..T.len())
        .map(|i| (Y[i] - beta[0] - beta[1] * T[i]).powi(2))
        .sum();
    let s2 = rss / (T.len() - 2) as f64;
    assert!((lap_w.cov_z[1][1] - s2 * xtx_inv[(1, 1)]).abs() < 1e-5 * s2 * xtx_inv[(1, 1)]);
}

fn mcmc_posterior(threads: usize) -> (Posterior, [f64; 2], [f64; 2]) {
    let (pm, ps) = ([0.0, 1.5], [2.0, 0.5]);
    let priors = [
        Prior::Normal {
            mean: pm[0],
            sd: ps[0],
        },
        Prior::Normal {
            mean: pm[1],
            sd: ps[1],
        },
    ];
    let problem = line_problem(
        Some(priors),
        Likelihood::Gaussian {
            sigma: SigmaModel::Known,
        },
    );
    let fit = fit(&problem, &FitOptions::default()).unwrap();
    let lap = laplace(&problem, &fit, CovarianceMethod::Hessian).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let opts = McmcOptions {
        n_walkers: 16,
        n_steps: 3000,
        burn_in: 500,
        ..McmcOptions::default()
    };
    let post = pool
        .install(|| sample_posterior(&problem, &lap, &opts))
        .unwrap();
    (post, pm, ps)
}

#[test]
fn ensemble_mcmc_matches_exact_posterior_and_is_thread_count_independent() {
    let (post, pm, ps) = mcmc_posterior(2);
    let (mean, cov) = exact_posterior(pm, ps);
    let d = &post.diagnostics;
    println!(
        "acceptance {:.3} ESS {:?} R-hat {:?}",
        d.acceptance_rate, d.ess, d.r_hat
    );
    assert!((0.2..0.8).contains(&d.acceptance_rate));
    for j in 0..2 {
        let sd = cov[(j, j)].sqrt();
        let mcse = sd / d.ess[j].sqrt();
        assert!(d.ess[j] > 1000.0, "ESS {}", d.ess[j]);
        // Walkers are split chains of ~40 effective draws each, so R̂ − 1 ≈ 0.01
        // even when mixed; an unmixed ensemble gives far more (see below).
        assert!(d.r_hat[j] < 1.03, "R-hat {}", d.r_hat[j]);
        assert!(
            (post.mean[j] - mean[j]).abs() < 4.0 * mcse,
            "mean {} vs {} (MCSE {mcse})",
            post.mean[j],
            mean[j]
        );
        let s: Vec<f64> = post.samples.iter().map(|x| x[j]).collect();
        let m = s.iter().sum::<f64>() / s.len() as f64;
        let sd_mc = (s.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (s.len() - 1) as f64).sqrt();
        assert!((sd_mc / sd - 1.0).abs() < 0.08, "sd {sd_mc} vs {sd}");
        let half = 1.959964 * sd;
        assert!((post.intervals[j].lower - (mean[j] - half)).abs() < 0.1 * sd);
    }
    // Bitwise identical with 1 thread.
    let (post1, _, _) = mcmc_posterior(1);
    assert_eq!(post, post1);
}

#[test]
fn diagnostics_flag_unmixed_chains() {
    // Two groups of chains stuck at different levels: R-hat must be large.
    let chains: Vec<Vec<f64>> = (0..8)
        .map(|c| {
            (0..200)
                .map(|i| (c / 4) as f64 * 5.0 + ((i * 7919 + c * 31) % 101) as f64 / 101.0)
                .collect()
        })
        .collect();
    assert!(mcmc::split_r_hat(&chains) > 2.0);
    // Independent-looking (low-discrepancy scrambled) chains: R-hat ≈ 1 and ESS ≈ draws.
    let iid: Vec<Vec<f64>> = (0..8)
        .map(|c| {
            (0..400)
                .map(|i| ((i * 7919 + c * 104729) % 1009) as f64 / 1009.0)
                .collect()
        })
        .collect();
    assert!((mcmc::split_r_hat(&iid) - 1.0).abs() < 0.02);
    let ess = mcmc::ess(&iid);
    assert!(ess > 0.5 * 3200.0, "ESS {ess}");
}

#[test]
fn prediction_band_matches_analytic_gaussian_band() {
    let problem = line_problem(
        None,
        Likelihood::Gaussian {
            sigma: SigmaModel::Known,
        },
    );
    let fit = fit(&problem, &FitOptions::default()).unwrap();
    let lap = laplace(&problem, &fit, CovarianceMethod::Hessian).unwrap();
    let draws = lap.sample(20_000, 5).unwrap();
    let t_new = [10.0, 15.0];
    let band = prediction_band(
        &draws,
        |p| Ok(t_new.iter().map(|t| p[0] + p[1] * t).collect()),
        0.9,
    )
    .unwrap();
    for (k, t) in t_new.iter().enumerate() {
        let x = [1.0, *t];
        let mean = fit.estimate[0] + fit.estimate[1] * t;
        let var: f64 = (0..2)
            .flat_map(|i| (0..2).map(move |j| (i, j)))
            .map(|(i, j)| x[i] * x[j] * lap.cov_z[i][j])
            .sum();
        let sd = var.sqrt();
        assert!((band.median[k] - mean).abs() < 0.03 * sd);
        assert!(
            (band.lower[k] - (mean - 1.644854 * sd)).abs() < 0.05 * sd,
            "lower"
        );
        assert!(
            (band.upper[k] - (mean + 1.644854 * sd)).abs() < 0.05 * sd,
            "upper"
        );
    }
    // Compatible with twin::Forecast: the same draws through Forecast::from_samples.
    let traj: Vec<Vec<Vec<f64>>> = draws
        .iter()
        .map(|p| t_new.iter().map(|t| vec![p[0] + p[1] * t]).collect())
        .collect();
    let f =
        twin_core::twin::Forecast::from_samples(t_new.to_vec(), vec!["size_mm".into()], &traj, 0.9)
            .unwrap();
    assert!((f.lower[1][0] - band.lower[1]).abs() < 1e-12);
    // The parallel helper gives the same Forecast.
    let g = forecast_from_draws(
        &draws,
        t_new.to_vec(),
        vec!["size_mm".into()],
        |p| Ok(t_new.iter().map(|t| vec![p[0] + p[1] * t]).collect()),
        0.9,
    )
    .unwrap();
    assert_eq!(f, g);
}

#[test]
fn identifiability_report_flags_product_and_uninformed_parameters() {
    // y = a·b·t + e: only the product a·b is identified (a, b with log-normal
    // priors), c does not enter the model at all; e is well determined.
    let model =
        |p: &[f64]| -> Result<Vec<f64>> { Ok(T.iter().map(|t| p[0] * p[1] * t + p[3]).collect()) };
    let prior = Prior::LogNormal {
        mu_log: 0.0,
        sigma_log: 1.0,
    };
    let specs = vec![
        ParameterSpec::new("a", "1", 0.01, 100.0, Transform::Log).with_prior(prior),
        ParameterSpec::new("b", "1/day", 0.01, 100.0, Transform::Log).with_prior(prior),
        ParameterSpec::new("c", "1", 0.01, 100.0, Transform::Log).with_prior(prior),
        ParameterSpec::new("e_mm", "mm", -10.0, 10.0, Transform::Identity),
    ];
    let obs = Observations::new(Y.to_vec(), vec![SIGMA; T.len()]).unwrap();
    let problem = Problem::new(
        model,
        specs,
        obs,
        Likelihood::Gaussian {
            sigma: SigmaModel::Known,
        },
    )
    .unwrap();
    let fit = fit(&problem, &FitOptions::default()).unwrap();
    let lap = laplace(&problem, &fit, CovarianceMethod::Hessian).unwrap();
    let rep = identifiability::from_laplace(&lap).unwrap();
    println!("{}", serde_json::to_string(&rep).unwrap());
    assert_eq!(rep.correlated_pairs.len(), 1);
    let pair = &rep.correlated_pairs[0];
    assert_eq!((pair.a.as_str(), pair.b.as_str()), ("a", "b"));
    assert!(pair.correlation < -CORRELATION_FLAG);
    // c: the posterior is the prior, ratio 1 (Laplace of a log-normal in log space is exact).
    assert!((rep.parameters[2].width_ratio - 1.0).abs() < 1e-3);
    assert!(rep.parameters[2].poorly_identified);
    assert!(!rep.parameters[3].poorly_identified);
    assert!(!rep.all_identified());
    // The same verdict from ensemble-MCMC draws (affine invariance copes with
    // the ridge): correlation of the log-transformed draws, empirical 95% intervals.
    let opts = McmcOptions {
        n_walkers: 16,
        n_steps: 2000,
        burn_in: 500,
        ..McmcOptions::default()
    };
    let post = sample_posterior(&problem, &lap, &opts).unwrap();
    let rep_mc = identifiability::from_posterior(problem.specs(), &post).unwrap();
    println!(
        "MCMC: R-hat {:?}, pairs {:?}",
        post.diagnostics.r_hat, rep_mc.correlated_pairs
    );
    assert_eq!(rep_mc.correlated_pairs.len(), 1);
    let flags: Vec<bool> = rep_mc
        .parameters
        .iter()
        .map(|p| p.poorly_identified)
        .collect();
    assert_eq!(flags, [false, false, true, false]);
}
