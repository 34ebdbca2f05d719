//! Relapse twin for early breast cancer vs a Cox model, on held-out patients.
//!
//! Usage: `cargo run --release --example breast_relapse [-- --train CSV --test CSV]
//! [--external CSV] [--out DIR]`
//! Train/test CSVs use the Rotterdam column layout
//! (`pid,year,age,meno,size,grade,nodes,pgr,er,hormon,chemo,rtime,recur,dtime,death`).
//! Default: `data/breast/rotterdam.csv` split by year of surgery (≤ 1988 train,
//! ≥ 1989 test). Then external validation: both models refitted on train + test
//! and scored on the `--external` cohort (GBSG2 layout, default
//! `data/breast/gbsg2.csv`), recalibrated if the slope is outside 0.8–1.2.
//! Writes `OUT/report.json` and `OUT/external.json` and ends stdout with one JSON line.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example breast_relapse [-- --train CSV --test CSV] [--external CSV] [--out DIR]";

use patient_twin::oncology::breast::relapse::compare::{Comparison, compare};
use patient_twin::oncology::breast::relapse::data::{
    DEFAULT_LAST_TRAIN_YEAR, read_gbsg2_csv, read_rotterdam_csv, split_by_year,
};
use patient_twin::oncology::breast::relapse::external::validate_externally;
use patient_twin::validate::bootstrap::BootstrapConfig;
use serde_json::json;
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::check_options(&args, &["--train", "--test", "--external", "--out"], USAGE)?;
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
    };
    let out = value("--out").unwrap_or_else(|| PathBuf::from("out/breast_relapse"));
    let (train, test) = match (value("--train"), value("--test")) {
        (Some(tr), Some(te)) => (read_rotterdam_csv(&tr)?, read_rotterdam_csv(&te)?),
        (None, None) => {
            let all = read_rotterdam_csv(&PathBuf::from("data/breast/rotterdam.csv"))?;
            split_by_year(&all, DEFAULT_LAST_TRAIN_YEAR)
        }
        _ => return Err("give both --train and --test, or neither".into()),
    };
    let cfg = BootstrapConfig {
        replicates: 300,
        seed: 8,
        level: 0.95,
        bca: false,
    };
    let c = compare(&train, &test, &cfg)?;
    print_report(&c);
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&c)?)?;
    println!("report written to {}", out.join("report.json").display());

    let external_path =
        value("--external").unwrap_or_else(|| PathBuf::from("data/breast/gbsg2.csv"));
    let external = read_gbsg2_csv(&external_path)?;
    let all: Vec<_> = train.iter().chain(&test).copied().collect();
    let v = validate_externally(&all, &external, &cfg, 5, 2013)?;
    println!("\nexternal validation on {}", external_path.display());
    print_report(&v.comparison);
    println!("null (Kaplan-Meier) Brier at 5 y: {:.3}", v.brier_5y_null);
    for r in &v.recalibration {
        match (&r.slope_after, &r.brier_after) {
            (Some(s), Some(b)) => println!(
                "{}: slope {:.2} outside 0.8-1.2, recalibrated: slope {:.2} [{:.2}, {:.2}], Brier {:.3} [{:.3}, {:.3}]",
                r.model,
                r.slope_before,
                s.estimate,
                s.percentile.0,
                s.percentile.1,
                b.estimate,
                b.percentile.0,
                b.percentile.1
            ),
            _ => println!(
                "{}: slope {:.2} inside 0.8-1.2, not recalibrated",
                r.model, r.slope_before
            ),
        }
    }
    std::fs::write(out.join("external.json"), serde_json::to_string_pretty(&v)?)?;
    let ci: serde_json::Map<String, serde_json::Value> = c
        .intervals
        .iter()
        .map(|p| {
            (
                p.metric.clone(),
                json!({"twin_minus_cox": p.difference.estimate, "ci95": p.difference.percentile}),
            )
        })
        .collect();
    println!(
        "{}",
        json!({"twin": c.twin, "cox": c.cox, "n_train": c.n_train, "n_test": c.n_test, "paired_difference": ci,
            "external": {"n": v.comparison.n_test, "twin": v.comparison.twin, "cox": v.comparison.cox,
                         "brier_5y_null": v.brier_5y_null}})
    );
    Ok(())
}

fn print_report(c: &Comparison) {
    println!(
        "relapse twin vs Cox, trained on {} patients, tested on {}",
        c.n_train, c.n_test
    );
    println!(
        "{:<22} {:>22} {:>22} {:>26}",
        "metric", "twin (95% CI)", "Cox (95% CI)", "twin - Cox (95% CI)"
    );
    for p in &c.intervals {
        let f = |e: f64, (lo, hi): (f64, f64)| format!("{e:.3} [{lo:.3}, {hi:.3}]");
        println!(
            "{:<22} {:>22} {:>22} {:>26}",
            p.metric,
            f(p.twin.estimate, p.twin.percentile),
            f(p.cox.estimate, p.cox.percentile),
            f(p.difference.estimate, p.difference.percentile)
        );
    }
}
