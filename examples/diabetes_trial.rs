//! In-silico trial of type 2 diabetes plans from a JSON spec: virtual cohort from a
//! baseline table, arms as plans, endpoints on noisy visits.
//!
//! Usage: `cargo run --release --example diabetes_trial [-- --spec FILE]`
//! (default `data/trials/default_trial.json`). The spec schema is documented in
//! `twin_metabolic::trial` (cohort marginals + correlations + background drugs, arms as
//! plans, endpoints `hba1c_above` / `fpg_above_confirmed` / `egfr_decline` /
//! `kidney_failure`, `years`, `report_years`, `seed`, optional `variability`, `noise`).
//! Writes `out/diabetes_trial/{result.json,trial.svg}`; the last stdout line is one JSON
//! object with per-arm endpoint fractions (with 95 % intervals) and median times.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example diabetes_trial [-- --spec FILE]";

use patient_twin::metabolic::report;
use patient_twin::metabolic::trial::{TrialSpec, run_trial};
use serde_json::json;
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    cli::check_options(args.get(1..).unwrap_or_default(), &["--spec"], USAGE)?;
    let spec_path = match args.iter().position(|a| a == "--spec") {
        Some(i) => args.get(i + 1).ok_or("--spec needs a FILE")?.clone(),
        // `check_options` has rejected every other `-` argument: a bare FILE.
        None => args
            .get(1)
            .cloned()
            .unwrap_or_else(|| "data/trials/default_trial.json".into()),
    };
    let out = PathBuf::from("out/diabetes_trial");
    std::fs::create_dir_all(&out)?;
    let started = std::time::Instant::now();
    let spec: TrialSpec = serde_json::from_str(&std::fs::read_to_string(&spec_path)?)?;
    println!(
        "trial: {} ({} virtual patients per arm, {} years, seed {})",
        spec.name, spec.n_per_arm, spec.years, spec.seed
    );
    let result = run_trial(&spec)?;
    for arm in &result.arms {
        let last = arm.t_years.len() - 1;
        println!(
            "\n{}\n  HbA1c {:.2} → {:.2} %, weight change {:+.1} kg, eGFR slope {:.2} /yr, severe hypo {:.2} /100 py",
            arm.name,
            arm.mean_hba1c_percent[0],
            arm.mean_hba1c_percent[last],
            arm.mean_weight_change_kg[last],
            arm.egfr_total_slope_per_year,
            arm.severe_hypo_per_100py
        );
        for e in &arm.endpoints {
            let fr: Vec<String> = e
                .at_report_years
                .iter()
                .map(|f| {
                    format!(
                        "{:.0} y {:.1} % [{:.1}–{:.1}]",
                        f.years,
                        100.0 * f.fraction,
                        100.0 * f.lo,
                        100.0 * f.hi
                    )
                })
                .collect();
            let med = e
                .median_years
                .map_or("not reached".to_string(), |m| format!("{m:.2} y"));
            println!("  {:50} {} ; median {med}", e.name, fr.join(", "));
        }
    }
    std::fs::write(
        out.join("result.json"),
        serde_json::to_string_pretty(&result)?,
    )?;
    std::fs::write(out.join("trial.svg"), report::trial_svg(&result)?)?;
    println!(
        "\nwrote {}/result.json and trial.svg ({:.2} s)",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    let arms: Vec<_> = result
        .arms
        .iter()
        .map(|a| {
            let eps: Vec<_> = a
                .endpoints
                .iter()
                .map(|e| json!({"name": e.name, "median_years": e.median_years,
                    "fractions": e.at_report_years.iter().map(|f| json!({"years": f.years, "fraction": f.fraction, "lo": f.lo, "hi": f.hi})).collect::<Vec<_>>()}))
                .collect();
            json!({"arm": a.name, "endpoints": eps})
        })
        .collect();
    println!(
        "{}",
        json!({"example": "diabetes_trial", "trial": result.name, "n_per_arm": result.n_per_arm, "arms": arms,
        "seconds": started.elapsed().as_secs_f64()})
    );
    Ok(())
}
