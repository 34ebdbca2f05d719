//! The pieces of the forecast study (`twin_metabolic::study`) on a small cohort with
//! development seeds (the test seeds in `data/validation/test_seeds.json` are used only
//! by `examples/t2d_forecast_study.rs`).

use twin_metabolic::study::{ForecastStudySpec, run_forecast_study};

/// Development seeds 3 and 4 (the test seeds are in data/validation/test_seeds.json).
fn spec(n_test: usize) -> ForecastStudySpec {
    ForecastStudySpec {
        twin_draws: 100,
        ..ForecastStudySpec::design(60, n_test, 3, 4)
    }
}

#[test]
fn every_patient_is_scored_and_differences_are_paired() {
    let r = run_forecast_study(&spec(16)).unwrap();
    for m in r.scores.iter().chain(&r.twin_minus) {
        println!("{:14} {:+.3} [{:+.3}, {:+.3}]", m.method, m.mae, m.lo, m.hi);
    }
    println!(
        "coverage {:.2}, failures {}, ridge λ {}",
        r.coverage90, r.twin_failures, r.ridge_lambda
    );
    // failures are scored (fallback), never dropped
    assert_eq!(r.n_test, 16);
    assert!(r.twin_failures <= r.n_test);
    // the paired difference of means is the difference of the means
    let mae = |name: &str| r.scores.iter().find(|m| m.method == name).unwrap().mae;
    for (i, b) in ["LOCF", "trend", "ridge", "spline"].iter().enumerate() {
        assert!((r.twin_minus[i].mae - (mae("twin") - mae(b))).abs() < 1e-12);
        assert!(
            r.twin_minus[i].lo <= r.twin_minus[i].mae && r.twin_minus[i].mae <= r.twin_minus[i].hi
        );
    }
    // intervals are ordered and the ridge penalties come from their grid
    assert!(
        r.scores
            .iter()
            .all(|m| m.lo <= m.mae && m.mae <= m.hi && m.lo >= 0.0)
    );
    let grid = [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0];
    assert!(grid.contains(&r.ridge_lambda) && grid.contains(&r.spline_lambda));
    assert!((0.0..=1.0).contains(&r.coverage90));
}

#[test]
fn design_errors_are_reported() {
    let mut s = spec(16);
    s.observed_quarters = 25;
    let e = run_forecast_study(&s).unwrap_err().to_string();
    assert!(e.contains("observed_quarters"), "{e}");
    let mut s = spec(2);
    s.n_train = 60;
    assert!(run_forecast_study(&s).is_err());
}
