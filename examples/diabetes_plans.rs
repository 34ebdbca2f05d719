//! Type 2 diabetes twin: calibrate to a patient's FHIR record, forecast ≥ 8 plans over
//! five years with prediction intervals, rank them and explain the winner.
//!
//! Usage: `cargo run --release --example diabetes_plans [BUNDLE]`
//! (default `data/synthetic/t2d_patient.json`, a synthetic FHIR R4 bundle).
//! Writes `out/diabetes_plans/{forecasts.json,trajectories.svg}`; the last stdout line is
//! a one-line JSON summary with, per plan, `hba1c_5y`, `egfr_5y`, `weight_5y_kg`,
//! `kfre_5y`, `cv_risk_5y` (median and 90 % interval) and `rank`.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example diabetes_plans [BUNDLE]";

use patient_twin::io::{ImportOptions, Pseudonymiser, fhir::read_bundle};
use patient_twin::metabolic::plan::candidate_plans;
use patient_twin::metabolic::twin::{Summary, explain};
use patient_twin::metabolic::{History, Twin, TwinOptions, report};
use serde_json::json;
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let bundle = cli::nth_path(1, "data/synthetic/t2d_patient.json", USAGE)?;
    let out = PathBuf::from("out/diabetes_plans");
    std::fs::create_dir_all(&out)?;
    let started = std::time::Instant::now();

    // The pseudonymisation key would come from a secret store; any key works for a demo.
    let key = Pseudonymiser::new(b"diabetes-plans-example-key-2024")?;
    let import = read_bundle(
        &std::fs::read_to_string(&bundle)?,
        &key,
        ImportOptions::default(),
    )?;
    let record = import.records.first().ok_or("bundle has no Patient")?;
    let history = History::from_record(record)?;
    let (first_hba1c_day, last_hba1c_day) = history.span_days()?;
    println!(
        "record: {} HbA1c, {} eGFR, {} weight values over {:.1} years; {} medication episodes",
        history.hba1c_percent.len(),
        history.egfr.len(),
        history.weight_kg.len(),
        (last_hba1c_day - first_hba1c_day) / 365.25,
        history.medications.len()
    );

    let twin = Twin::calibrate(
        history,
        TwinOptions {
            n_posterior: 1000,
            ..TwinOptions::default()
        },
    )?;
    println!("\ncalibrated parameters (posterior mode, 95 % interval; prior 95 % range):");
    for p in &twin.parameters {
        println!(
            "  {:30} {:9.3} [{:9.3}, {:9.3}]   prior [{:8.3}, {:8.3}] {}",
            p.name, p.estimate, p.lo, p.hi, p.prior_lo, p.prior_hi, p.unit
        );
    }
    for w in &twin.warnings {
        println!("  WARNING: {w}");
    }

    let egfr_now = twin.history.egfr.last().map_or(twin.baseline.egfr, |x| x.1);
    let plans = candidate_plans(&twin.current_drugs, egfr_now);
    let forecasts = twin.forecast(&plans, 5.0)?;
    let mut order: Vec<_> = forecasts.iter().collect();
    order.sort_by_key(|p| p.rank);
    println!(
        "\nrank  plan                                            HbA1c 5y          eGFR 5y   weight   KFRE 5y  CHD 5y  score"
    );
    for p in &order {
        if let Some(why) = &p.infeasible {
            println!("{:>4}  {:46} not feasible: {why}", p.rank, p.plan.name);
            continue;
        }
        println!(
            "{:>4}  {:46} {:4.1} [{:4.1}-{:4.1}]  {:6.1}  {:6.1}  {:6.2} %  {:5.1} %  {:.4}",
            p.rank,
            p.plan.name,
            p.hba1c_5y.median,
            p.hba1c_5y.p05,
            p.hba1c_5y.p95,
            p.egfr_5y.median,
            p.weight_5y_kg.median,
            100.0 * p.kfre_5y.median,
            100.0 * p.cv_risk_5y.median,
            p.score
        );
    }
    let explanation = explain(&forecasts, Some("current regimen"));
    println!("\n{explanation}");

    std::fs::write(
        out.join("forecasts.json"),
        serde_json::to_string_pretty(&forecasts)?,
    )?;
    let shown: Vec<_> = order
        .iter()
        .filter(|p| p.rank <= 3 || p.plan.name == "current regimen")
        .copied()
        .collect();
    std::fs::write(out.join("trajectories.svg"), report::forecast_svg(&shown)?)?;
    println!(
        "wrote {}/forecasts.json and trajectories.svg ({:.2} s)",
        out.display(),
        started.elapsed().as_secs_f64()
    );

    let s = |x: &Summary| json!({"median": x.median, "p05": x.p05, "p95": x.p95});
    let per_plan: Vec<_> = order
        .iter()
        .map(|p| {
            json!({"name": p.plan.name, "rank": p.rank, "feasible": p.infeasible.is_none(),
                   "hba1c_5y": s(&p.hba1c_5y), "egfr_5y": s(&p.egfr_5y), "weight_5y_kg": s(&p.weight_5y_kg),
                   "kfre_5y": s(&p.kfre_5y), "cv_risk_5y": s(&p.cv_risk_5y), "score": p.score})
        })
        .collect();
    println!(
        "{}",
        json!({"example": "diabetes_plans", "plans": per_plan, "warnings": twin.warnings,
        "seconds": started.elapsed().as_secs_f64()})
    );
    Ok(())
}
