//! The pieces of the forecast study (`twin_metabolic::study`) on a small cohort with
//! development seeds (the test seeds in `data/validation/test_seeds.json` are used only
//! by `examples/t2d_forecast_study.rs`).

use twin_core::cohort::Marginal;
use twin_metabolic::study::{ForecastStudySpec, TruthSpec, run_forecast_study};
use twin_metabolic::trial::{BackgroundDrug, CohortSpec};
use twin_metabolic::{Drug, DrugOrder};

fn tn(mean: f64, sd: f64, lower: f64, upper: f64) -> Marginal {
    Marginal::TruncatedNormal {
        mean,
        sd,
        lower,
        upper,
    }
}

fn spec(n_test: usize) -> ForecastStudySpec {
    ForecastStudySpec {
        cohort: CohortSpec {
            age_years: tn(58.0, 9.0, 35.0, 78.0),
            female_fraction: 0.45,
            bmi_kg_m2: tn(31.0, 4.5, 22.0, 45.0),
            diabetes_duration_years: tn(5.0, 3.0, 0.5, 15.0),
            hba1c_percent: tn(7.8, 0.6, 6.8, 9.5),
            fpg_mmol_l: None,
            egfr: tn(75.0, 15.0, 45.0, 110.0),
            uacr_mg_g: Marginal::LogNormal {
                mu_log: 3.5,
                sigma_log: 0.8,
            },
            sbp_mmhg: tn(135.0, 12.0, 110.0, 170.0),
            correlations: vec![],
            background_drugs: vec![BackgroundDrug {
                order: DrugOrder {
                    drug: Drug::Metformin,
                    dose: 2000.0,
                    start_day: 0.0,
                    stop_day: None,
                },
                fraction: 1.0,
            }],
            black_fraction: 0.0,
        },
        n_train: 60,
        n_test,
        train_seed: 3,
        test_seed: 4,
        observed_quarters: 12,
        target_quarter: 20,
        truth: TruthSpec::default(),
        twin_draws: 100,
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
    for (i, b) in ["LOCF", "trend", "ridge"].iter().enumerate() {
        assert!((r.twin_minus[i].mae - (mae("twin") - mae(b))).abs() < 1e-12);
        assert!(
            r.twin_minus[i].lo <= r.twin_minus[i].mae && r.twin_minus[i].mae <= r.twin_minus[i].hi
        );
    }
    // intervals are ordered and the ridge penalty comes from its grid
    assert!(
        r.scores
            .iter()
            .all(|m| m.lo <= m.mae && m.mae <= m.hi && m.lo >= 0.0)
    );
    assert!([0.01, 0.1, 1.0, 10.0, 100.0, 1000.0].contains(&r.ridge_lambda));
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
