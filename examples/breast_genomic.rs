//! Does a genomic covariate improve the breast relapse twin? Cross-validated on
//! the TRANSBIG series (GSE7390: 198 node-negative untreated patients, 76 probe
//! sets, time to distant metastasis).
//!
//! Usage: `cargo run --release --example breast_genomic [-- PATH] [--out DIR]`
//! PATH: a CSV with columns `age,size_cm,grade,er,tdm_days,tdm_event` and one
//! column per probe set (log2), default `data/breast/gse7390.csv`. Writes
//! `OUT/report.json` and ends stdout with one JSON line.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example breast_genomic [-- PATH] [--out DIR]";

use patient_twin::oncology::breast::relapse::genomic::{GenomicStudyConfig, run_genomic_study};
use patient_twin::oncology::breast::relapse::gse7390::read_gse7390_csv;
use serde_json::json;
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::check_options(&args, &["--out"], USAGE)?;
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| PathBuf::from("out/breast_genomic"), PathBuf::from);
    let path = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .map_or_else(|| PathBuf::from("data/breast/gse7390.csv"), PathBuf::from);
    let data = read_gse7390_csv(&path)?;
    let cfg = GenomicStudyConfig::default();
    let r = run_genomic_study(&data, &cfg)?;
    println!(
        "{} patients, {} distant metastases; {} x {}-fold CV, paired bootstrap ({} replicates)",
        r.n, r.events, cfg.repeats, cfg.folds, cfg.bootstrap.replicates
    );
    let f = |e: f64, (lo, hi): (f64, f64)| format!("{e:.3} [{lo:.3}, {hi:.3}]");
    println!(
        "{:<14} {:>20} {:>20} {:>20} {:>20}",
        "model", "Harrell C", "Uno C(5y)", "Brier(5y)", "slope(5y)"
    );
    for m in &r.models {
        let i = &m.intervals;
        println!(
            "{:<14} {:>20} {:>20} {:>20} {:>20}",
            m.model,
            f(i[0].estimate, i[0].percentile),
            f(i[1].estimate, i[1].percentile),
            f(i[3].estimate, i[3].percentile),
            f(i[4].estimate, i[4].percentile)
        );
    }
    for c in &r.contrasts {
        println!(
            "{:<30} {:<10} {}",
            c.contrast,
            c.metric,
            f(c.difference.estimate, c.difference.percentile)
        );
    }
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&r)?)?;
    println!("report written to {}", out.join("report.json").display());
    let harrell: Vec<_> = r
        .contrasts
        .iter()
        .filter(|c| c.metric == "harrell_c")
        .map(|c| json!({"contrast": c.contrast, "difference": c.difference.estimate, "ci95": c.difference.percentile}))
        .collect();
    println!(
        "{}",
        json!({"n": r.n, "events": r.events,
               "harrell_c": r.models.iter().map(|m| (m.model.clone(), m.scores.harrell_c)).collect::<std::collections::BTreeMap<_, _>>(),
               "harrell_c_contrasts": harrell})
    );
    Ok(())
}
