//! Tour section: every disease twin through the one interface
//! (`twin_core::twin::DigitalTwin`), one self-contained patient report page each
//! (`OUT_DIR/reports/<twin>/report.html`, with `result.json` in the v1 schema).
//! Quick budgets (`CalibrateOptions::quick`) keep the section under a minute; the
//! same runs are `patient-twin <twin> report --quick` on the command line.

use patient_twin::app::{self, Disease, Output, Sources, Step};
use patient_twin::core::twin::CalibrateOptions;
use serde_json::json;
use std::error::Error;
use std::path::{Path, PathBuf};

pub fn run(out_dir: &Path) -> Result<serde_json::Value, Box<dyn Error>> {
    let twins = [
        (Disease::T2d, "t2d", "data/synthetic/t2d_patient.json"),
        (
            Disease::Breast,
            "breast",
            "data/synthetic/metastatic_breast_patient.json",
        ),
        (Disease::Af, "af", "data/synthetic/af_patient.json"),
        (
            Disease::Glioma,
            "glioma",
            "data/synthetic/glioblastoma_patient.json",
        ),
    ];
    let options = CalibrateOptions {
        seed: 1,
        draws: None,
        quick: true,
    };
    let mut summary = serde_json::Map::new();
    for (disease, name, record) in twins {
        let t = std::time::Instant::now();
        let scans = if disease == Disease::Glioma {
            vec![
                (PathBuf::from("data/synthetic/glioma_scan_day0.nii.gz"), 0.0),
                (
                    PathBuf::from("data/synthetic/glioma_scan_day60.nii.gz"),
                    60.0,
                ),
            ]
        } else {
            Vec::new()
        };
        let sources = Sources {
            record: PathBuf::from(record),
            scans,
            key: Some(b"tour-reports-key-0123456789".to_vec()),
            ..Sources::default()
        };
        let Output::Result(result) = app::run(disease, &sources, Step::Plans, &options)? else {
            return Err("plans step returned no result".into());
        };
        let (_, html) = app::write_report(&result, &out_dir.join(name))?;
        let first = &result.ranking.plans[0];
        println!(
            "  {name:<7} {} plans, first: {} ({} = {}), {} warning(s), {:.1} s → {}",
            result.forecasts.len(),
            first.plan_name,
            result.ranking.objective.outcome,
            first.value.map_or("—".into(), |v| format!("{v:.3}")),
            result.warnings.len(),
            t.elapsed().as_secs_f64(),
            html.display()
        );
        summary.insert(
            name.into(),
            json!({"first_plan": first.plan_name, "objective": result.ranking.objective.outcome,
                   "value": first.value, "plans": result.forecasts.len(), "warnings": result.warnings.len()}),
        );
    }
    Ok(serde_json::Value::Object(summary))
}
