//! The main job: a tour of every twin in patient-twin.
//!
//! Usage: `cargo run --release --example tour [OUT_DIR]` (default `out/`).
//! Each section prints a readable report, writes its JSON/SVG files under
//! `OUT_DIR/<section>/`, and returns a JSON summary; the last stdout line is one
//! single-line JSON object with every section's summary.

#[path = "../common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example tour [OUT_DIR]";

use std::error::Error;
use std::path::Path;

// Sections (one module each; each exposes `run(out_dir) -> Result<serde_json::Value, _>`).
// SECTION-MODULES (keep this marker: one `mod name;` line per section below it)
mod breast;
mod cardiac;
mod glioma;
mod metabolic;
mod pk;
mod reports;

type Section = fn(&Path) -> Result<serde_json::Value, Box<dyn Error>>;

fn sections() -> Vec<(&'static str, Section)> {
    vec![
        // SECTION-LIST (keep this marker: one `("name", name::run),` line per section)
        // Core engine first, then each twin (fast sections before the slow glioma fit).
        ("pk", pk::run),
        ("breast", breast::run),
        ("metabolic", metabolic::run),
        ("cardiac", cardiac::run),
        ("glioma", glioma::run),
        // Every twin through the one interface, one patient report page each.
        ("reports", reports::run),
    ]
}

fn main() -> Result<(), Box<dyn Error>> {
    let out_root = cli::nth_path(1, "out", USAGE)?;
    let started = std::time::Instant::now();
    let mut summary = serde_json::Map::new();
    for (name, run) in sections() {
        println!("\n==== {name} ====");
        let dir = out_root.join(name);
        std::fs::create_dir_all(&dir)?;
        let t = std::time::Instant::now();
        let mut value = run(&dir)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert(
                "seconds".into(),
                serde_json::json!(t.elapsed().as_secs_f64()),
            );
        }
        summary.insert(name.to_string(), value);
    }
    summary.insert(
        "total_seconds".into(),
        serde_json::json!(started.elapsed().as_secs_f64()),
    );
    println!("\nfiles written under {}", out_root.display());
    println!("{}", serde_json::Value::Object(summary));
    Ok(())
}
