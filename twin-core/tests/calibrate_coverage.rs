//! Frequentist coverage of the 95% Laplace intervals over seeded replicates.
//!
//! For each replicate a fresh noisy data set is drawn from the true parameters,
//! the model is calibrated, and we count how often each 95% interval contains
//! the truth. With 400 replicates the binomial SD of the coverage is 1.1%, so a
//! correct interval lands in [0.91, 0.99] with probability > 0.999.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use twin_core::Result;
use twin_core::calibrate::*;

const REPLICATES: u64 = 400;

fn coverage<F>(truth: &[f64], specs: &[ParameterSpec], t: &[f64], sigma: f64, f: F) -> Vec<f64>
where
    F: Fn(&[f64], f64) -> f64 + Sync + Copy,
{
    let hits: Vec<Vec<bool>> = (0..REPLICATES)
        .into_par_iter()
        .map(|rep| {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 + rep);
            let noise = Normal::new(0.0, sigma).unwrap();
            let y: Vec<f64> = t
                .iter()
                .map(|&t| f(truth, t) + noise.sample(&mut rng))
                .collect();
            let tt = t.to_vec();
            let model =
                move |p: &[f64]| -> Result<Vec<f64>> { Ok(tt.iter().map(|&t| f(p, t)).collect()) };
            let obs = Observations::new(y, vec![sigma; t.len()]).unwrap();
            let problem = Problem::new(
                model,
                specs.to_vec(),
                obs,
                Likelihood::Gaussian {
                    sigma: SigmaModel::Known,
                },
            )
            .unwrap();
            let fit = fit(
                &problem,
                &FitOptions {
                    n_starts: 3,
                    seed: rep,
                    ..FitOptions::default()
                },
            )
            .unwrap();
            let lap = laplace(&problem, &fit, CovarianceMethod::Hessian).unwrap();
            lap.intervals
                .iter()
                .zip(truth)
                .map(|(iv, &x)| iv.lower < x && x < iv.upper)
                .collect()
        })
        .collect();
    (0..truth.len())
        .map(|j| hits.iter().filter(|h| h[j]).count() as f64 / REPLICATES as f64)
        .collect()
}

#[test]
fn laplace_95_intervals_cover_exponential_decay_truth() {
    // C(t) = A e^{−k t}: A = 10 mg/L, k = 0.3 /h, 12 samples over 8 h, σ = 0.3 mg/L.
    let truth = [10.0, 0.3];
    let specs = [
        ParameterSpec::new("a_mg_per_l", "mg/L", 1.0, 100.0, Transform::Log),
        ParameterSpec::new("k_per_h", "1/h", 0.01, 3.0, Transform::Log),
    ];
    let t: Vec<f64> = (0..12).map(|i| 0.25 + i as f64 * 0.7).collect();
    let cov = coverage(&truth, &specs, &t, 0.3, |p, t| p[0] * (-p[1] * t).exp());
    println!("coverage A, k: {cov:?}");
    for c in cov {
        assert!((0.91..=0.99).contains(&c), "coverage {c}");
    }
}

#[test]
fn laplace_95_intervals_cover_logistic_growth_truth() {
    // V(t) = K/(1 + (K/V0 − 1)e^{−r t}), r = 0.1 /day, K = 50 cm³, V0 = 3 cm³,
    // 15 scans over 70 days, σ = 1.5 cm³; V0 on a Logit transform.
    let truth = [0.1, 50.0, 3.0];
    let specs = [
        ParameterSpec::new("r_per_day", "1/day", 0.01, 1.0, Transform::Log),
        ParameterSpec::new("k_cm3", "cm^3", 10.0, 200.0, Transform::Log),
        ParameterSpec::new("v0_cm3", "cm^3", 0.1, 20.0, Transform::Logit),
    ];
    let t: Vec<f64> = (0..15).map(|i| i as f64 * 5.0).collect();
    let cov = coverage(&truth, &specs, &t, 1.5, |p, t| {
        p[1] / (1.0 + (p[1] / p[2] - 1.0) * (-p[0] * t).exp())
    });
    println!("coverage r, K, V0: {cov:?}");
    for c in cov {
        assert!((0.91..=0.99).contains(&c), "coverage {c}");
    }
}
