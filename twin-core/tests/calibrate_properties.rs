//! Invariants: transforms stay inside bounds and round-trip, prediction bands
//! are ordered, fits and Sobol indices do not depend on the thread count, and
//! report types survive a JSON round trip.

use proptest::prelude::*;
use twin_core::Result;
use twin_core::calibrate::*;
use twin_core::cohort::{Factor, Marginal, PopulationSpec, latin_hypercube};
use twin_core::sensitivity::{SobolIndices, SobolOptions, sobol_indices};

fn transform() -> impl Strategy<Value = Transform> {
    prop_oneof![
        Just(Transform::Identity),
        Just(Transform::Log),
        Just(Transform::Logit)
    ]
}

proptest! {
    #[test]
    fn transforms_round_trip_inside_bounds(
        t in transform(),
        lower in 1e-3f64..10.0,
        width in 1e-2f64..1e3,
        v in 0.001f64..0.999,
        z in -30.0f64..30.0,
    ) {
        let s = ParameterSpec::new("p", "1", lower, lower + width, t);
        s.validate().unwrap();
        let x = s.from_unit(v);
        prop_assert!(x >= lower && x <= lower + width);
        let back = s.from_z(s.to_z(x).unwrap());
        prop_assert!((back - x).abs() <= 1e-9 * x.abs().max(1.0));
        // Any z maps into the transform's domain.
        let xz = s.from_z(z);
        match t {
            Transform::Log => prop_assert!(xz > 0.0),
            Transform::Logit => prop_assert!(xz >= lower && xz <= lower + width),
            Transform::Identity => prop_assert_eq!(xz, z),
        }
        prop_assert!(s.dx_dz(z) >= 0.0);
    }

    #[test]
    fn latin_hypercube_is_stratified_for_any_size(n in 1usize..200, d in 1usize..6, seed in any::<u64>()) {
        let pts = latin_hypercube(n, d, seed).unwrap();
        for j in 0..d {
            let mut strata: Vec<usize> = pts.iter().map(|p| (p[j] * n as f64) as usize).collect();
            strata.sort();
            prop_assert_eq!(strata, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn prediction_bands_are_ordered(values in prop::collection::vec(-1e3f64..1e3, 3..60), level in 0.05f64..0.99) {
        let draws: Vec<Vec<f64>> = values.iter().map(|v| vec![*v]).collect();
        let b = prediction_band(&draws, |p| Ok(vec![p[0], -p[0]]), level).unwrap();
        for k in 0..2 {
            prop_assert!(b.lower[k] <= b.median[k] && b.median[k] <= b.upper[k]);
        }
    }
}

fn decay_problem() -> Problem<impl Model> {
    let t: Vec<f64> = (0..10).map(|i| i as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|t| 5.0 * (-0.4 * t).exp() + 0.02 * (3.0 * t).cos())
        .collect();
    let model = move |p: &[f64]| -> Result<Vec<f64>> {
        Ok(t.iter().map(|t| p[0] * (-p[1] * t).exp()).collect())
    };
    let specs = vec![
        ParameterSpec::new("a", "mg/L", 0.1, 50.0, Transform::Log),
        ParameterSpec::new("k", "1/h", 0.01, 3.0, Transform::Logit),
    ];
    Problem::new(
        model,
        specs,
        Observations::new(y, vec![0.05; 10]).unwrap(),
        Likelihood::Gaussian {
            sigma: SigmaModel::Known,
        },
    )
    .unwrap()
}

#[test]
fn fit_and_sobol_results_do_not_depend_on_thread_count() {
    let problem = decay_problem();
    let factors: Vec<Factor> = (0..3)
        .map(|i| {
            Factor::new(
                format!("x{i}"),
                "1",
                Marginal::Uniform {
                    lower: 0.0,
                    upper: 1.0,
                },
            )
        })
        .collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let f = fit(
                &problem,
                &FitOptions {
                    n_starts: 12,
                    ..FitOptions::default()
                },
            )
            .unwrap();
            let s = sobol_indices(
                &factors,
                |x: &[f64]| Ok(x[0] + x[1] * x[2]),
                &SobolOptions {
                    n_base: 1024,
                    n_bootstrap: 50,
                    ..SobolOptions::default()
                },
            )
            .unwrap();
            (f, s)
        })
    };
    assert_eq!(run(1), run(3));
}

/// JSON → value → JSON keeps every field; floats agree to 1 ulp-ish (serde_json's
/// default float parser is not guaranteed bit-exact).
fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(x: &T) {
    fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value::*;
        match (a, b) {
            (Number(x), Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                (x - y).abs() <= 1e-14 * x.abs().max(1e-300)
            }
            (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| close(a, b)),
            (Object(x), Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
            }
            _ => a == b,
        }
    }
    let json = serde_json::to_value(x).unwrap();
    let back: T = serde_json::from_value(json.clone()).unwrap();
    assert!(close(&json, &serde_json::to_value(&back).unwrap()));
}

#[test]
fn reports_round_trip_through_json() {
    let problem = decay_problem();
    let f = fit(&problem, &FitOptions::default()).unwrap();
    let lap = laplace(&problem, &f, CovarianceMethod::Hessian).unwrap();
    let post = sample_posterior(
        &problem,
        &lap,
        &McmcOptions {
            n_walkers: 8,
            n_steps: 200,
            burn_in: 50,
            ..McmcOptions::default()
        },
    )
    .unwrap();
    round_trip::<Fit>(&f);
    round_trip::<Laplace>(&lap);
    round_trip::<Posterior>(&post);
    let pop = PopulationSpec::independent(vec![Factor::new(
        "w",
        "kg",
        Marginal::Normal {
            mean: 70.0,
            sd: 10.0,
        },
    )]);
    round_trip::<PopulationSpec>(&pop);
    let s = sobol_indices(
        &[Factor::new(
            "x",
            "1",
            Marginal::Uniform {
                lower: 0.0,
                upper: 1.0,
            },
        )],
        |x: &[f64]| Ok(x[0]),
        &SobolOptions {
            n_base: 64,
            n_bootstrap: 10,
            ..SobolOptions::default()
        },
    )
    .unwrap();
    round_trip::<SobolIndices>(&s);
}
