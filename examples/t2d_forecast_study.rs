//! The T2D twin's forecast study (`twin_metabolic::study`): truth with a different
//! progression structure and population, the twin vs an oracle, LOCF, a trend line
//! and cross-validated ridge regressions (linear and with splines), on test patients whose seed was fixed in
//! `data/validation/test_seeds.json` before the study was run.
//!
//! Usage: `cargo run --release --example t2d_forecast_study [-- SEEDS_JSON]`. Prints the
//! table and writes `out/t2d_forecast_study/report.json`.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example t2d_forecast_study [-- SEEDS_JSON]";

use patient_twin::metabolic::study::{ForecastStudySpec, run_forecast_study};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let path = cli::nth_path(1, "data/validation/test_seeds.json", USAGE)?;
    let seeds: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let s = &seeds["t2d_forecast_study"];
    let get = |k: &str| {
        s[k].as_u64().ok_or(format!(
            "{}: t2d_forecast_study.{k} missing",
            path.display()
        ))
    };
    let spec = ForecastStudySpec::design(
        get("n_train")? as usize,
        get("n_test")? as usize,
        get("train_seed")?,
        get("test_seed")?,
    );
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
        "twin 90 % interval coverage {:.2} [{:.2}, {:.2}]; twin calibration failures {} (scored with LOCF); ridge λ {}, spline λ {}",
        r.coverage90,
        r.coverage90_ci.0,
        r.coverage90_ci.1,
        r.twin_failures,
        r.ridge_lambda,
        r.spline_lambda
    );
    for reason in &r.failure_reasons {
        println!("  calibration failure: {reason}");
    }
    let out = std::path::Path::new("out/t2d_forecast_study");
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&r)?)?;
    println!("{}", serde_json::to_string(&r)?);
    Ok(())
}
