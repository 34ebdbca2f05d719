//! Virtual populations: marginal moments against closed forms, the target
//! correlation, design properties, reproducibility across thread counts, bad input.

use statrs::distribution::{Continuous, ContinuousCDF, Normal};
use twin_core::CoreError;
use twin_core::cohort::*;

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
    )
}

fn column(p: &Population, j: usize) -> Vec<f64> {
    p.values.iter().map(|r| r[j]).collect()
}

fn factors() -> Vec<Factor> {
    vec![
        Factor::new(
            "weight_kg",
            "kg",
            Marginal::Normal {
                mean: 70.0,
                sd: 12.0,
            },
        ),
        Factor::new(
            "cl_l_per_h",
            "L/h",
            Marginal::LogNormal {
                mu_log: 5f64.ln(),
                sigma_log: 0.3,
            },
        ),
        Factor::new(
            "age_years",
            "years",
            Marginal::TruncatedNormal {
                mean: 60.0,
                sd: 15.0,
                lower: 18.0,
                upper: 75.0,
            },
        ),
        Factor::new(
            "f_oral",
            "1",
            Marginal::Uniform {
                lower: 0.5,
                upper: 1.0,
            },
        ),
    ]
}

#[test]
fn marginal_moments_match_closed_forms() {
    let n = 40_000;
    for design in [Design::Random, Design::LatinHypercube, Design::Sobol] {
        let pop = PopulationSpec::independent(factors())
            .sample(n, design, 42)
            .unwrap();
        // Sampling error of a mean is sd/√n; allow 4 of them (designs do better).
        let (m, s) = mean_sd(&column(&pop, 0));
        assert!(
            (m - 70.0).abs() < 4.0 * 12.0 / (n as f64).sqrt(),
            "{design:?} normal mean {m}"
        );
        assert!((s / 12.0 - 1.0).abs() < 0.02);
        // Log-normal: mean exp(μ + σ²/2).
        let (m, _) = mean_sd(&column(&pop, 1));
        let exact = (5f64.ln() + 0.045).exp();
        assert!(
            (m / exact - 1.0).abs() < 0.01,
            "{design:?} log-normal mean {m} vs {exact}"
        );
        // Truncated normal: mean μ + σ(φ(α) − φ(β))/(Φ(β) − Φ(α)).
        let z = Normal::standard();
        let (a, b) = ((18.0 - 60.0) / 15.0, (75.0 - 60.0) / 15.0);
        let exact = 60.0 + 15.0 * (z.pdf(a) - z.pdf(b)) / (z.cdf(b) - z.cdf(a));
        let age = column(&pop, 2);
        assert!(age.iter().all(|&x| (18.0..=75.0).contains(&x)));
        let (m, s) = mean_sd(&age);
        assert!(
            (m - exact).abs() < 4.0 * s / (n as f64).sqrt(),
            "{design:?} truncated mean {m} vs {exact}"
        );
        // Uniform.
        let (m, _) = mean_sd(&column(&pop, 3));
        assert!((m - 0.75).abs() < 0.003);
    }
}

#[test]
fn correlation_via_cholesky_is_reproduced() {
    let corr = vec![
        vec![1.0, 0.6, -0.3, 0.0],
        vec![0.6, 1.0, 0.2, 0.0],
        vec![-0.3, 0.2, 1.0, 0.0],
        vec![0.0, 0.0, 0.0, 1.0],
    ];
    let mut f = factors();
    f[2] = Factor::new(
        "v_l",
        "L",
        Marginal::Normal {
            mean: 30.0,
            sd: 5.0,
        },
    );
    let spec = PopulationSpec {
        factors: f,
        correlation: Some(corr.clone()),
    };
    let pop = spec.sample(50_000, Design::Random, 9).unwrap();
    // Correlation of the normal scores: weight and V directly, clearance via its log.
    let score = |j: usize| -> Vec<f64> {
        column(&pop, j)
            .into_iter()
            .map(|x| if j == 1 { x.ln() } else { x })
            .collect()
    };
    let corr_of = |a: &[f64], b: &[f64]| {
        let (ma, sa) = mean_sd(a);
        let (mb, sb) = mean_sd(b);
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - ma) * (y - mb))
            .sum::<f64>()
            / ((a.len() - 1) as f64 * sa * sb)
    };
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let r = corr_of(&score(i), &score(j));
        // SE of a correlation ≈ (1 − ρ²)/√n < 0.005.
        assert!((r - corr[i][j]).abs() < 0.02, "corr[{i}][{j}] = {r}");
    }
}

#[test]
fn latin_hypercube_has_one_point_per_stratum() {
    let n = 97;
    let pts = latin_hypercube(n, 5, 3).unwrap();
    for j in 0..5 {
        let mut seen = vec![false; n];
        for p in &pts {
            let k = (p[j] * n as f64).floor() as usize;
            assert!(!seen[k], "stratum {k} of dimension {j} used twice");
            seen[k] = true;
        }
    }
    // Sobol points: every 2-D elementary interval of a (0, m, 2)-net prefix of
    // length 2^m holds exactly one point (first two dimensions, m = 8).
    let sob = sobol_points(256, 2, 1).unwrap();
    let mut cells = vec![0; 256];
    for p in &sob {
        cells[(p[0] * 16.0) as usize * 16 + (p[1] * 16.0) as usize] += 1;
    }
    assert!(cells.iter().all(|&c| c == 1));
}

#[test]
fn cohorts_are_bitwise_reproducible_for_any_thread_count() {
    let spec = PopulationSpec::independent(factors());
    let run = |threads: usize, design: Design| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let pop = spec.sample(5_000, design, 77).unwrap();
            // A stochastic per-patient simulation using the patient's own stream.
            let out = simulate(&pop, |i, p| {
                use rand::Rng;
                let mut rng = patient_rng(1234, i as u64);
                Ok(p[1] * rng.random::<f64>())
            })
            .unwrap();
            (pop, out)
        })
    };
    for design in [Design::Random, Design::LatinHypercube, Design::Sobol] {
        assert_eq!(run(1, design), run(3, design));
    }
    // Patient i does not depend on the cohort size (own stream).
    let small = spec.sample(10, Design::Random, 77).unwrap();
    let large = spec.sample(1_000, Design::Random, 77).unwrap();
    assert_eq!(small.values[..], large.values[..10]);
    // Another seed gives another cohort.
    assert_ne!(small, spec.sample(10, Design::Random, 78).unwrap());
}

#[test]
fn ranges_of_a_random_cohort_concatenate_to_the_whole_cohort() {
    // Correlated factors, so the Cholesky step is inside what must be reproduced.
    let mut spec = PopulationSpec::independent(factors());
    let d = spec.factors.len();
    let mut c = vec![vec![0.0; d]; d];
    for (i, row) in c.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    c[0][1] = 0.6;
    c[1][0] = 0.6;
    spec.correlation = Some(c);
    let whole = spec.sample(1_000, Design::Random, 5).unwrap();
    let mut pieces = Vec::new();
    for (first, count) in [(0_u64, 1_usize), (1, 332), (333, 667)] {
        let part = spec.sample_range(first, count, 5).unwrap();
        assert_eq!(part.values.len(), count);
        pieces.extend(part.values);
    }
    assert_eq!(pieces, whole.values);
    // A range far out is its own patients, not a copy of the first ones.
    let far = spec.sample_range(1 << 40, 2, 5).unwrap();
    assert_ne!(far.values[..], whole.values[..2]);
    assert!(spec.sample_range(u64::MAX, 2, 5).is_err());
    assert!(spec.sample_range(0, 0, 5).is_err());
}

#[test]
fn bad_populations_are_rejected() {
    let f = factors();
    let bad_shape = PopulationSpec {
        factors: f.clone(),
        correlation: Some(vec![vec![1.0]]),
    };
    assert!(matches!(
        bad_shape.sample(10, Design::Random, 1),
        Err(CoreError::ShapeMismatch { .. })
    ));
    let mut asym = vec![vec![0.0; 4]; 4];
    for (i, row) in asym.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    asym[0][1] = 0.5;
    let err = PopulationSpec {
        factors: f.clone(),
        correlation: Some(asym),
    }
    .sample(10, Design::Random, 1)
    .unwrap_err()
    .to_string();
    assert!(err.contains("correlation[0][1]"), "{err}");
    let mut not_pd = vec![vec![0.9; 4]; 4];
    for (i, row) in not_pd.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    not_pd[0][1] = -0.9;
    not_pd[1][0] = -0.9;
    let err = PopulationSpec {
        factors: f.clone(),
        correlation: Some(not_pd),
    }
    .sample(10, Design::Random, 1);
    assert!(matches!(err, Err(CoreError::Singular { .. })));
    let bad = vec![Factor::new(
        "v_l",
        "L",
        Marginal::TruncatedNormal {
            mean: 1.0,
            sd: 1.0,
            lower: 3.0,
            upper: 2.0,
        },
    )];
    let err = PopulationSpec::independent(bad)
        .sample(10, Design::Random, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("v_l.lower/upper"), "{err}");
    let bad = vec![Factor::new(
        "w",
        "kg",
        Marginal::Normal {
            mean: f64::NAN,
            sd: 1.0,
        },
    )];
    assert!(
        PopulationSpec::independent(bad)
            .sample(10, Design::Random, 1)
            .is_err()
    );
    assert!(
        PopulationSpec::independent(vec![])
            .sample(10, Design::Random, 1)
            .is_err()
    );
    assert!(
        PopulationSpec::independent(f.clone())
            .sample(0, Design::Random, 1)
            .is_err()
    );
    assert!(
        PopulationSpec::independent(f)
            .sample(70_000, Design::Sobol, 1)
            .unwrap_err()
            .to_string()
            .contains("65536")
    );
}

/// The error of the lowest-index failing patient is returned, whichever thread
/// finishes first: patient 1 fails slowly, patient 63 at once.
#[test]
fn simulate_returns_the_lowest_index_failure() {
    let pop = Population {
        names: vec!["x".into()],
        units: vec!["1".into()],
        values: vec![vec![0.0]; 64],
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let err = pool
        .install(|| {
            simulate(&pop, |i, _| {
                if i == 1 {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                if i == 1 || i == 63 {
                    Err(CoreError::invalid("patient", i, "a healthy patient"))
                } else {
                    Ok(i)
                }
            })
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("`patient` = 1:"), "{err}");
}
