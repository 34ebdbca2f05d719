//! Import a FHIR R4 bundle into de-identified patient records.
//!
//! Usage: `cargo run --release --example fhir_import [BUNDLE]`
//! (default `data/synthetic/t2d_patient.json`).
//!
//! Prints each record's summary and its pseudonymised JSON, writes the JSON and a
//! long CSV of the observations to `out/fhir_import/`, and ends with one JSON line:
//! resources read and skipped per type. The pseudonymisation key comes from the
//! environment variable `TWIN_PSEUDONYM_KEY` (at least 16 bytes); without it a fixed
//! demo key is used and a warning printed.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example fhir_import [BUNDLE]";

use std::error::Error;
use std::path::PathBuf;

use patient_twin::io::fhir::read_bundle;
use patient_twin::io::record::loinc;
use patient_twin::io::table::write_long;
use patient_twin::io::{ImportOptions, Pseudonymiser};

fn main() -> Result<(), Box<dyn Error>> {
    let path = cli::nth_path(1, "data/synthetic/t2d_patient.json", USAGE)?;
    let key = std::env::var("TWIN_PSEUDONYM_KEY").unwrap_or_else(|_| {
        eprintln!("warning: TWIN_PSEUDONYM_KEY not set, using a public demo key (pseudonyms are not secret)");
        "patient-twin-demo-key-not-secret".to_string()
    });
    let pseudonymiser = Pseudonymiser::new(key.as_bytes())?;
    let text = std::fs::read_to_string(&path)?;
    let import = read_bundle(&text, &pseudonymiser, ImportOptions::default())?;

    let out = PathBuf::from("out/fhir_import");
    std::fs::create_dir_all(&out)?;
    for r in &import.records {
        let c = r.counts();
        println!(
            "patient {} (index date {}, shifted)",
            r.patient_id,
            r.index_date.map_or("-".into(), |d| d.to_string())
        );
        println!(
            "  sex {:?}, age {:?}, ethnicity {:?}",
            r.demographics.sex, r.demographics.age, r.demographics.ethnicity
        );
        println!(
            "  {} observations, {} conditions, {} medications, {} procedures, {} responses, {} imaging, {} variants, {} biomarkers",
            c.observations,
            c.conditions,
            c.medications,
            c.procedures,
            c.responses,
            c.imaging,
            c.variants,
            c.biomarkers
        );
        for cond in &r.conditions {
            println!(
                "  condition {} {}",
                cond.code.code,
                cond.code.display.as_deref().unwrap_or("")
            );
        }
        // HbA1c on one scale, whatever unit each laboratory reported.
        let mut a1c = r.series_in(loinc::HBA1C_NGSP, "%")?;
        a1c.extend(r.series_in(loinc::HBA1C_IFCC, "%")?);
        a1c.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let (Some(first), Some(last)) = (a1c.first(), a1c.last()) {
            println!(
                "  HbA1c: {} values over {:.1} years, {:.1} % -> {:.1} %",
                a1c.len(),
                (last.0 - first.0) / 365.25,
                first.1,
                last.1
            );
        }
        let json = r.to_json()?;
        println!("{json}");
        std::fs::write(out.join(format!("{}.json", r.patient_id)), &json)?;
    }
    write_long(
        &import.records,
        std::fs::File::create(out.join("observations_long.csv"))?,
    )?;
    println!(
        "skipped {} resources of unsupported types, {} not linked to a patient; files in {}",
        import.skipped_total(),
        import.unlinked,
        out.display()
    );
    let summary = serde_json::json!({
        "bundle": path.file_name().and_then(|s| s.to_str()),
        "patients": import.records.len(),
        "read": import.read,
        "skipped": import.skipped,
        "unlinked": import.unlinked,
        "absent_values": import.absent_values,
    });
    println!("{summary}");
    Ok(())
}
