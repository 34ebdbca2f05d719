//! The T2D twin's forecast study (`twin_metabolic::study`): truth with a different
//! progression structure and population, the twin vs an oracle, LOCF, a trend line
//! and a cross-validated ridge regression, on test patients whose seed was fixed in
//! `data/validation/test_seeds.json` before the study was run.
//!
//! Usage: `cargo run --release --example t2d_forecast_study [-- SEEDS_JSON]`. Prints the
//! table and writes `out/t2d_forecast_study/report.json`.

use patient_twin::core::cohort::Marginal;
use patient_twin::metabolic::drugs::{Drug, DrugOrder};
use patient_twin::metabolic::study::{ForecastStudySpec, TruthSpec, run_forecast_study};
use patient_twin::metabolic::trial::{BackgroundDrug, CohortSpec};
use std::error::Error;

fn tn(mean: f64, sd: f64, lower: f64, upper: f64) -> Marginal {
    Marginal::TruncatedNormal {
        mean,
        sd,
        lower,
        upper,
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/validation/test_seeds.json".into());
    let seeds: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let s = &seeds["t2d_forecast_study"];
    let get = |k: &str| {
        s[k].as_u64()
            .ok_or(format!("{path}: t2d_forecast_study.{k} missing"))
    };
    let spec = ForecastStudySpec {
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
        n_train: get("n_train")? as usize,
        n_test: get("n_test")? as usize,
        train_seed: get("train_seed")?,
        test_seed: get("test_seed")?,
        observed_quarters: 12,
        target_quarter: 20,
        truth: TruthSpec::default(),
        twin_draws: 200,
    };
    let started = std::time::Instant::now();
    let r = run_forecast_study(&spec)?;
    println!(
        "T2D forecast study: {} test patients (seed {}), {} training (seed {}), {:.1} s",
        r.n_test,
        spec.test_seed,
        spec.n_train,
        spec.train_seed,
        started.elapsed().as_secs_f64()
    );
    println!(
        "HbA1c measured at year 5, predicted from years 0–3 (MAE, % points, 95 % bootstrap CI):"
    );
    for m in r.scores.iter().chain(&r.twin_minus) {
        println!(
            "  {:14} {:+.3} [{:+.3}, {:+.3}]",
            m.method, m.mae, m.lo, m.hi
        );
    }
    println!(
        "twin 90 % interval coverage {:.2} [{:.2}, {:.2}]; twin calibration failures {} (scored with LOCF); ridge λ {}",
        r.coverage90, r.coverage90_ci.0, r.coverage90_ci.1, r.twin_failures, r.ridge_lambda
    );
    for reason in &r.failure_reasons {
        println!("  calibration failure: {reason}");
    }
    let out = std::path::Path::new("out/t2d_forecast_study");
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&r)?)?;
    Ok(())
}
