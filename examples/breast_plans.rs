//! One metastatic breast-cancer patient's twin: import, calibrate, rank five
//! chemotherapy regimens by predicted progression-free survival under a
//! grade-4 neutropenia constraint, and plot the forecasts.
//!
//! Usage: `cargo run --release --example breast_plans [BUNDLE] [OUT_DIR]`
//! (default bundle: `data/synthetic/metastatic_breast_patient.json`, a
//! SYNTHETIC patient; default output `out/breast_plans/`). Ends stdout with
//! one JSON line.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example breast_plans [BUNDLE] [OUT_DIR]";

use patient_twin::io::fhir::read_bundle;
use patient_twin::io::privacy::{ImportOptions, Pseudonymiser};
use patient_twin::oncology::breast::report::{forecast_bands, write_svg};
use patient_twin::oncology::breast::simulate::SimSettings;
use patient_twin::oncology::breast::therapy::DoseRules;
use patient_twin::oncology::breast::twin::{
    PARAMETERS, calibrate, record_from_io, standard_regimens,
};
use serde_json::json;
use std::error::Error;

/// Largest acceptable probability of grade 4 neutropenia for a plan.
const MAX_GRADE4: f64 = 0.5;

fn main() -> Result<(), Box<dyn Error>> {
    let started = std::time::Instant::now();
    let bundle = cli::nth_path(1, "data/synthetic/metastatic_breast_patient.json", USAGE)?;
    let out = cli::nth_path(2, "out/breast_plans", USAGE)?;
    std::fs::create_dir_all(&out)?;

    let json_text = std::fs::read_to_string(&bundle)?;
    let import = read_bundle(
        &json_text,
        &Pseudonymiser::new(b"breast-plans-example-key-2024")?,
        ImportOptions::default(),
    )?;
    let io_record = import
        .records
        .first()
        .ok_or("the bundle holds no patient")?;
    let (record, decision_day) = record_from_io(io_record)?;
    println!(
        "patient: BSA {:.2} m2, ER {} PR {} HER2 {}; {} RECIST sums over {:.0} days (last {:.1} mm), {} drug-free neutrophil counts",
        record.bsa_m2,
        record.receptors.er_positive,
        record.receptors.pr_positive,
        record.receptors.her2_positive,
        record.tumour_mm.len(),
        decision_day,
        record.tumour_mm.last().map(|o| o.1).unwrap_or(0.0),
        record.anc.len()
    );

    let twin = calibrate(&record, 11)?;
    println!("calibrated parameters (posterior mode, 95% interval):");
    for (iv, (name, unit)) in twin.posterior.intervals.iter().zip(PARAMETERS) {
        println!(
            "  {name:<20} {:>10.4} [{:.4}, {:.4}] {unit}",
            iv.estimate, iv.lower, iv.upper
        );
    }

    let regimens = standard_regimens();
    let draws = twin.draws_at(1000, 7, decision_day)?;
    let ranking = twin.rank(
        &regimens,
        &draws,
        &DoseRules::default(),
        &SimSettings::default(),
        MAX_GRADE4,
    )?;
    println!(
        "\nregimens ranked by median PFS (grade-4 neutropenia limit {MAX_GRADE4}), {} posterior draws:",
        ranking.n_draws
    );
    for (k, f) in ranking.forecasts.iter().enumerate() {
        println!(
            "  {}. {:<40} PFS median {:>4.0} d (90%: {:.0}-{:.0}, mean {:.0})  P(grade 4) {:.2}  RDI {:.2}{}",
            k + 1,
            f.regimen,
            f.pfs_median_days,
            f.pfs_interval_days.0,
            f.pfs_interval_days.1,
            f.pfs_mean_days,
            f.grade4_neutropenia_probability,
            f.mean_relative_dose_intensity,
            if f.within_toxicity_limit {
                ""
            } else {
                "  (exceeds limit)"
            }
        );
    }

    let raw = twin.posterior.sample(200, 7)?;
    let bands = forecast_bands(&twin, &regimens, &raw, decision_day, 364.0, 2.0)?;
    let svg = out.join("breast_plans.svg");
    write_svg(&svg, &bands)?;
    std::fs::write(
        out.join("ranking.json"),
        serde_json::to_string_pretty(&ranking)?,
    )?;
    std::fs::write(out.join("twin.json"), serde_json::to_string_pretty(&twin)?)?;
    println!("\nwrote {}, ranking.json, twin.json", svg.display());

    let regimens_json: Vec<_> = ranking
        .forecasts
        .iter()
        .map(|f| {
            json!({
                "regimen": f.regimen,
                "pfs_median_days": f.pfs_median_days,
                "pfs_interval_days": [f.pfs_interval_days.0, f.pfs_interval_days.1],
                "pfs_mean_days": f.pfs_mean_days,
                "grade4_neutropenia_probability": f.grade4_neutropenia_probability,
                "within_toxicity_limit": f.within_toxicity_limit,
            })
        })
        .collect();
    println!(
        "{}",
        json!({
            "regimens": regimens_json,
            "max_grade4_probability": MAX_GRADE4,
            "n_draws": ranking.n_draws,
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    Ok(())
}
