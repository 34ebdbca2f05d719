//! Fit the lifestyle adherence (long-run fraction, fade time) to Look AHEAD's weight
//! curve: intensive lifestyle minus support and education, −7.9 points of body
//! weight at 1 year and −3.9 at 4 years (Look AHEAD Research Group 2010, Arch Intern
//! Med 170:1566: −8.6 vs −0.7 %, −4.7 vs −0.8 %). Grid search, least squares.
//!
//! Usage: `cargo run --release --example t2d_adherence_fit [-- SPEC]` (default
//! `data/trials/look_ahead.json`). Prints the grid's best values (paste them into
//! `weight::Adherence::default`) and one JSON line.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example t2d_adherence_fit [-- SPEC]";

use patient_twin::metabolic::trial::{TrialSpec, run_trial};
use patient_twin::metabolic::weight::Adherence;
use serde_json::json;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let path = cli::nth_path(1, "data/trials/look_ahead.json", USAGE)?;
    let mut spec: TrialSpec = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    spec.n_per_arm = 500;
    let targets = [-7.9, -3.9];
    let weight_kg = 101.0;
    let mut best = (f64::INFINITY, Adherence::default(), [0.0; 2]);
    for i in 0..=16 {
        for fade_days in [
            60.0, 90.0, 120.0, 150.0, 180.0, 240.0, 300.0, 365.0, 480.0, 600.0,
        ] {
            let adherence = Adherence {
                long_run_fraction: 0.025 * f64::from(i),
                fade_days,
            };
            spec.variability.adherence = adherence;
            let r = run_trial(&spec)?;
            let diff = |y: f64| {
                let at = |a: usize| {
                    let k = r.arms[a]
                        .t_years
                        .iter()
                        .position(|t| *t >= y - 1e-9)
                        .unwrap_or(r.arms[a].t_years.len() - 1);
                    r.arms[a].mean_weight_change_kg[k]
                };
                100.0 * (at(1) - at(0)) / weight_kg
            };
            let d = [diff(1.0), diff(4.0)];
            let sse = (d[0] - targets[0]).powi(2) + (d[1] - targets[1]).powi(2);
            if sse < best.0 {
                best = (sse, adherence, d);
            }
        }
    }
    let (sse, a, d) = best;
    println!(
        "best: long_run_fraction {:.3}, fade_days {:.0} -> lifestyle − control {:+.1} % at 1 y, {:+.1} % at 4 y (targets −7.9, −3.9; SSE {sse:.2})",
        a.long_run_fraction, a.fade_days, d[0], d[1]
    );
    println!(
        "{}",
        json!({"adherence": a, "difference_percent": d, "sse": sse})
    );
    Ok(())
}
