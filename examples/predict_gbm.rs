//! PREDICT-GBM with the glioma twin: run a patient folder end to end, or the
//! in-silico recurrence study of the benchmark's plan metric.
//!
//! Usage:
//! - `cargo run --release --example predict_gbm -- --patient DIR [--recurrence FILE] [--out DIR]`:
//!   reads `DIR/<id>-{gm,wm,csf,tumorseg}.nii.gz` (PREDICT-GBM layout, labels 1/2/3;
//!   `<id>-brain_mask.nii.gz` if present), fits the single-scan twin, writes
//!   `<out>/<id>.nii.gz` (tumour-cell density: the benchmark's model output) and, with
//!   a follow-up segmentation in the same space, prints the coverage of the recurrence
//!   by the standard 15 mm plan and by the twin's plan of the same volume.
//! - `cargo run --release --example predict_gbm -- [--patients N] [--seed S] [--out DIR]`
//!   `[--regrowth F]` (defaults N = 24, S = 1, F as `RecurrenceOptions`, `out/predict_gbm`):
//!   IN SILICO. Writes virtual patient 0
//!   as a PREDICT-GBM folder and runs it through the path above, then the recurrence
//!   study (truth ≠ twin: `twin_oncology::glioma::benchmark` docs) with bootstrap CIs.
//!
//! The last stdout line is a JSON summary.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example predict_gbm -- [--patient DIR [--recurrence FILE]] [--patients N] [--seed S] [--regrowth F] [--out DIR]";

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use patient_twin::oncology::glioma::BrainTissue;
use patient_twin::oncology::glioma::benchmark::{
    MeanCi, RecurrenceOptions, SingleScanOptions, read_patient, run_recurrence_study,
    single_scan_density, study_case,
};

/// Fit the twin to a patient folder, write its density, score it if a recurrence is given.
fn run_folder(
    dir: &Path,
    recurrence: Option<&Path>,
    out: &Path,
) -> Result<serde_json::Value, Box<dyn Error>> {
    let patient = read_patient(dir)?;
    let scan = patient.scan(0.0)?;
    let (density, fit) =
        single_scan_density(&patient.tissue, &scan, &SingleScanOptions::default())?;
    let written = patient.write_density(out, &density)?;
    println!(
        "patient {}: T1Gd radius {:.1} mm, FLAIR {:.1} mm -> D_white {:.3} mm2/day at rho {:.3}/day; density -> {}",
        patient.id,
        fit.radii_mm[0],
        fit.radii_mm[1],
        fit.growth.diffusion_white_mm2_per_day,
        fit.growth.rho_per_day,
        written.display()
    );
    let mut summary = serde_json::json!({"patient": patient.id, "fit": fit});
    if let Some(path) = recurrence {
        let rec = patient_twin::io::nifti_io::read_labels(path)?;
        let [enhancing, all] = patient.score(&density, &rec.labels)?;
        println!(
            "  enhancing recurrence ({} voxels): standard plan {:.3}, twin plan {:.3} (both {} voxels); labels 1-3: {:.3} vs {:.3}",
            enhancing.recurrence_voxels,
            enhancing.standard,
            enhancing.model,
            enhancing.plan_voxels,
            all.standard,
            all.model
        );
        summary["coverage_enhancing"] = serde_json::to_value(enhancing)?;
        summary["coverage_all"] = serde_json::to_value(all)?;
    }
    Ok(summary)
}

fn fmt(m: &MeanCi) -> String {
    format!("{:.3} [{:.3}, {:.3}]", m.mean, m.ci95[0], m.ci95[1])
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut patient, mut recurrence, mut n, mut seed) = (None, None, 24usize, 1u64);
    let mut regrowth = RecurrenceOptions::default().regrowth_volume_fraction;
    let mut out = PathBuf::from("out/predict_gbm");
    let mut i = 0;
    while i < args.len() {
        let val = || args.get(i + 1).ok_or(format!("{} needs a value", args[i]));
        match args[i].as_str() {
            "--patient" => patient = Some(PathBuf::from(val()?)),
            "--recurrence" => recurrence = Some(PathBuf::from(val()?)),
            "--patients" => n = val()?.parse()?,
            "--seed" => seed = val()?.parse()?,
            "--regrowth" => regrowth = val()?.parse()?,
            "--out" => out = PathBuf::from(val()?),
            other => {
                cli::path_argument(other, USAGE)?;
                eprintln!("usage: {USAGE}");
                return Err(format!("unexpected argument `{other}`").into());
            }
        }
        i += 2;
    }
    std::fs::create_dir_all(&out)?;
    let started = Instant::now();
    if let Some(dir) = patient {
        let summary = run_folder(&dir, recurrence.as_deref(), &out)?;
        println!(
            "{}",
            serde_json::json!({"example": "predict_gbm", "mode": "folder", "result": summary})
        );
        return Ok(());
    }
    let atlas = BrainTissue::load_mni152(Path::new("data/mni152"), 2)?;
    let options = RecurrenceOptions {
        patients: n,
        seed,
        regrowth_volume_fraction: regrowth,
        ..RecurrenceOptions::default()
    };
    println!(
        "IN SILICO: virtual patient 0 as a PREDICT-GBM folder, then {n} patients (seed {seed})"
    );
    let (_, case) = study_case(&atlas, &options, 0)?;
    let folder = out.join("Patient-00000");
    case.write_predict_gbm_folder(&folder, "00000")?;
    let folder_result = run_folder(&folder, Some(&folder.join("00000-recurrence.nii.gz")), &out)?;
    let study = run_recurrence_study(&atlas, &options)?;
    for p in &study.patients {
        println!(
            "  patient {:3}: recurrence {:6} voxels {:5.0} days after surgery; standard {:.3}, twin {:.3}{}",
            p.patient.id,
            p.coverage.recurrence_voxels,
            p.regrowth_days,
            p.coverage.standard,
            p.coverage.model,
            if p.twin_failed {
                " (twin failed: standard plan used)"
            } else {
                ""
            }
        );
    }
    println!(
        "mean coverage of the recurrence: standard 15 mm plan {}, twin plan {}",
        fmt(&study.standard),
        fmt(&study.model)
    );
    println!(
        "twin - standard: {} (twin better in {}, standard better in {}, twin failures {}); {:.1} s",
        fmt(&study.difference),
        study.model_better,
        study.standard_better,
        study.twin_failures,
        started.elapsed().as_secs_f64()
    );
    std::fs::write(
        out.join("recurrence_study.json"),
        serde_json::to_string_pretty(&study)?,
    )?;
    println!(
        "{}",
        serde_json::json!({"example": "predict_gbm", "mode": "in_silico", "patients": n, "seed": seed,
            "folder_patient": folder_result, "standard": study.standard, "model": study.model,
            "difference": study.difference, "twin_failures": study.twin_failures})
    );
    Ok(())
}
