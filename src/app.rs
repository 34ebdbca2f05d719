//! Drive any disease twin through the one interface: load a record, build the
//! twin's input, calibrate, forecast and rank, and write JSON and the report page.
//! The `patient-twin` command line, the tour and the Python package use this.

use crate::core::twin::{CalibrateOptions, Calibration, DigitalTwin, TwinResult};
use crate::io::privacy::{ImportOptions, Pseudonymiser};
use crate::io::record::PatientRecord;
use crate::oncology::glioma::{BrainTissue, GliomaInput, GliomaTwin, Segmentation};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What went wrong, split by whose fault it is (the command line maps these to
/// exit codes). Messages never contain identifiers or file contents.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The user's input could not be read or is invalid (exit code 3).
    #[error("input: {0}")]
    Input(String),
    /// The twin could not calibrate or forecast this patient (exit code 4).
    #[error("twin: {0}")]
    Twin(String),
    /// Writing the output failed (exit code 1).
    #[error("output: {0}")]
    Output(String),
}

/// The four disease twins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disease {
    /// Glioblastoma (radiotherapy planning).
    Glioma,
    /// Metastatic breast cancer (regimen choice).
    Breast,
    /// Atrial fibrillation (ablation strategy).
    Af,
    /// Type 2 diabetes (5-year plan).
    T2d,
}

/// Where the twin's data come from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// A FHIR R4 bundle (`resourceType: Bundle`) or a `twin_io` record JSON.
    pub record: PathBuf,
    /// Glioma: pre-treatment segmentations (NIfTI label maps in MNI152 space) and days.
    pub scans: Vec<(PathBuf, f64)>,
    /// Glioma: the MNI152 folder (default `data/mni152`).
    pub atlas: Option<PathBuf>,
    /// Glioma: first radiotherapy fraction (days, record clock).
    pub rt_start_day: Option<f64>,
    /// Secret pseudonymisation key (≥ 16 bytes); `None`: a random per-run key.
    pub key: Option<Vec<u8>>,
}

/// Read a record: a FHIR bundle is imported (identifiers dropped, pseudonymised with
/// `key`), a `twin_io` record JSON is read and validated as it is.
pub fn load_record(path: &Path, key: Option<&[u8]>) -> Result<PatientRecord, AppError> {
    // The path is the user's and may itself be identifying: not echoed.
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::Input(format!("cannot read the record file: {e}")))?;
    let is_bundle = serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| AppError::Input(format!("record is not JSON: {e}")))?
        .get("resourceType")
        .and_then(|v| v.as_str())
        == Some("Bundle");
    if !is_bundle {
        return PatientRecord::from_json(&text).map_err(|e| AppError::Input(e.to_string()));
    }
    let random;
    let key = match key {
        Some(k) => k,
        None => {
            random = rand::random::<[u8; 32]>();
            &random
        }
    };
    let pseudo = Pseudonymiser::new(key).map_err(|e| AppError::Input(e.to_string()))?;
    let import = crate::io::fhir::read_bundle(&text, &pseudo, ImportOptions::default())
        .map_err(|e| AppError::Input(e.to_string()))?;
    let mut records = import.records.into_iter();
    match (records.next(), records.next()) {
        (Some(r), None) => Ok(r),
        (None, _) => Err(AppError::Input("the bundle holds no Patient".into())),
        (Some(_), Some(_)) => Err(AppError::Input(
            "the bundle holds more than one Patient: give one patient per file".into(),
        )),
    }
}

/// Which step to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Calibration only.
    Calibrate,
    /// Calibration, forecasts of the candidate plans and ranking.
    Plans,
}

/// The outcome of a step as JSON (the calibration, or the full [`TwinResult`]).
pub enum Output {
    /// Calibration only, with the applicability-domain warnings.
    Calibration(serde_json::Value),
    /// The full result.
    Result(Box<TwinResult<serde_json::Value>>),
}

fn erase<P: Serialize>(r: TwinResult<P>) -> Result<TwinResult<serde_json::Value>, AppError> {
    let value = serde_json::to_value(&r).map_err(|e| AppError::Output(e.to_string()))?;
    serde_json::from_value(value).map_err(|e| AppError::Output(e.to_string()))
}

fn run_twin<T>(input: &T::Input, step: Step, options: &CalibrateOptions) -> Result<Output, AppError>
where
    T: DigitalTwin,
{
    let twin = T::calibrate(input, options).map_err(|e| AppError::Twin(e.to_string()))?;
    match step {
        Step::Calibrate => {
            #[derive(Serialize)]
            struct CalibrationOutput<'a> {
                schema: &'a str,
                disease: &'a str,
                patient: &'a str,
                time_unit: &'a str,
                calibration: Calibration,
                warnings: Vec<String>,
            }
            let out = CalibrationOutput {
                schema: crate::core::twin::RESULT_SCHEMA,
                disease: T::DISEASE,
                patient: twin.patient().as_str(),
                time_unit: T::TIME_UNIT,
                calibration: twin.calibration(),
                warnings: twin.domain_warnings(),
            };
            Ok(Output::Calibration(
                serde_json::to_value(out).map_err(|e| AppError::Output(e.to_string()))?,
            ))
        }
        Step::Plans => {
            let result = twin
                .what_if(&[], options)
                .map_err(|e| AppError::Twin(e.to_string()))?;
            Ok(Output::Result(Box::new(erase(result)?)))
        }
    }
}

/// Run `step` of `disease`'s twin on `sources`.
pub fn run(
    disease: Disease,
    sources: &Sources,
    step: Step,
    options: &CalibrateOptions,
) -> Result<Output, AppError> {
    let record = load_record(&sources.record, sources.key.as_deref())?;
    if disease != Disease::Glioma && !sources.scans.is_empty() {
        return Err(AppError::Input("--scan is only used by the glioma twin".into()));
    }
    match disease {
        Disease::Breast => run_twin::<crate::oncology::breast::BreastTwin>(&record, step, options),
        Disease::Af => run_twin::<crate::cardiac::AfTwin>(&record, step, options),
        Disease::T2d => run_twin::<crate::metabolic::T2dTwin>(&record, step, options),
        Disease::Glioma => {
            if sources.scans.len() < 2 {
                return Err(AppError::Input(format!(
                    "the glioma twin needs at least 2 pre-treatment scans (--scan FILE DAY), got {}",
                    sources.scans.len()
                )));
            }
            let scans = sources
                .scans
                .iter()
                .enumerate()
                .map(|(k, (path, day))| {
                    Segmentation::read_nifti(path, *day)
                        .map_err(|e| AppError::Input(format!("scan {}: {e}", k + 1)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let atlas = sources
                .atlas
                .clone()
                .unwrap_or_else(|| PathBuf::from("data/mni152"));
            let tissue = BrainTissue::load_mni152(&atlas, 2)
                .map_err(|e| AppError::Input(format!("atlas: {e}")))?;
            let input = GliomaInput {
                record,
                tissue,
                scans,
                rt_start_day: sources.rt_start_day,
            };
            run_twin::<GliomaTwin>(&input, step, options)
        }
    }
}

/// Write `result.json` and `report.html` (the patient page) into `dir`.
pub fn write_report(
    result: &TwinResult<serde_json::Value>,
    dir: &Path,
) -> Result<(PathBuf, PathBuf), AppError> {
    std::fs::create_dir_all(dir).map_err(|e| AppError::Output(e.to_string()))?;
    let json = dir.join("result.json");
    let html = dir.join("report.html");
    let text = serde_json::to_string_pretty(result).map_err(|e| AppError::Output(e.to_string()))?;
    std::fs::write(&json, text).map_err(|e| AppError::Output(e.to_string()))?;
    let page = crate::report::patient_page(result).map_err(|e| AppError::Output(e.to_string()))?;
    std::fs::write(&html, page).map_err(|e| AppError::Output(e.to_string()))?;
    Ok((json, html))
}
