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

/// The pseudonymiser of `key` (≥ 16 bytes), or of a random per-call key if `None`.
pub fn pseudonymiser(key: Option<&[u8]>) -> Result<Pseudonymiser, AppError> {
    let random;
    let key = match key {
        Some(k) => k,
        None => {
            random = rand::random::<[u8; 32]>();
            &random
        }
    };
    Pseudonymiser::new(key).map_err(|e| AppError::Input(e.to_string()))
}

/// Read a record: a FHIR bundle is imported (identifiers dropped, pseudonymised with
/// `key`), a `twin_io` record JSON is read as in [`record_from_json`].
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
        return record_from_json(&text, key);
    }
    let pseudo = pseudonymiser(key)?;
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

/// Parse and validate a `twin_io` record JSON, pseudonymising its id with `key` (a
/// random per-call key if `None`): an id that is not yet of the pseudonym form
/// (`pt-` + 16 hex digits) is replaced by its keyed pseudonym, a pseudonym is kept
/// (see [`Pseudonymiser::pseudonymise_record`]). Dates and the other fields are taken
/// as given: a record JSON must be de-identified when written.
pub fn record_from_json(text: &str, key: Option<&[u8]>) -> Result<PatientRecord, AppError> {
    let mut record = PatientRecord::from_json(text).map_err(|e| AppError::Input(e.to_string()))?;
    pseudonymiser(key)?.pseudonymise_record(&mut record);
    Ok(record)
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

/// The result with its plans as JSON values: one type for every twin's result.
pub fn erase<P: Serialize>(r: TwinResult<P>) -> Result<TwinResult<serde_json::Value>, AppError> {
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
        return Err(AppError::Input(
            "--scan is only used by the glioma twin".into(),
        ));
    }
    match disease {
        Disease::Breast => run_twin::<crate::oncology::breast::BreastTwin>(&record, step, options),
        Disease::Af => run_twin::<crate::cardiac::AfTwin>(&record, step, options),
        Disease::T2d => run_twin::<crate::metabolic::T2dTwin>(&record, step, options),
        Disease::Glioma => {
            let input = glioma_input(
                record,
                &sources.scans,
                sources.atlas.as_deref(),
                sources.rt_start_day,
            )?;
            run_twin::<GliomaTwin>(&input, step, options)
        }
    }
}

/// The glioma twin's input: the record, ≥ 2 pre-treatment segmentations (NIfTI
/// label maps in MNI152 space, with their days) and the atlas at 2 mm (`atlas`:
/// the MNI152 folder, default `data/mni152`).
pub fn glioma_input(
    record: PatientRecord,
    scans: &[(PathBuf, f64)],
    atlas: Option<&Path>,
    rt_start_day: Option<f64>,
) -> Result<GliomaInput, AppError> {
    if scans.len() < 2 {
        return Err(AppError::Input(format!(
            "the glioma twin needs at least 2 pre-treatment scans (--scan FILE DAY), got {}",
            scans.len()
        )));
    }
    let scans = scans
        .iter()
        .enumerate()
        .map(|(k, (path, day))| {
            Segmentation::read_nifti(path, *day)
                .map_err(|e| AppError::Input(format!("scan {}: {e}", k + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let atlas = atlas.unwrap_or(Path::new("data/mni152"));
    let tissue =
        BrainTissue::load_mni152(atlas, 2).map_err(|e| AppError::Input(format!("atlas: {e}")))?;
    Ok(GliomaInput {
        record,
        tissue,
        scans,
        rt_start_day,
    })
}

/// Write `result.json` and `report.html` (the patient page) into `dir`. A malformed
/// result (e.g. edited JSON with trajectory rows of the wrong length) is an input
/// error, and then nothing is written.
pub fn write_report(
    result: &TwinResult<serde_json::Value>,
    dir: &Path,
) -> Result<(PathBuf, PathBuf), AppError> {
    // The page first: it checks the result before any file exists.
    let page = crate::report::patient_page(result).map_err(|e| match e {
        crate::report::ReportError::Invalid(_) => AppError::Input(e.to_string()),
        _ => AppError::Output(e.to_string()),
    })?;
    let text = serde_json::to_string_pretty(result).map_err(|e| AppError::Output(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(|e| AppError::Output(e.to_string()))?;
    let json = dir.join("result.json");
    let html = dir.join("report.html");
    std::fs::write(&json, text).map_err(|e| AppError::Output(e.to_string()))?;
    std::fs::write(&html, page).map_err(|e| AppError::Output(e.to_string()))?;
    Ok((json, html))
}

/// Numeric columns of a CSV with a header (`label,prob` or `time,event,risk`), and
/// the file's line number (1-based, blank lines counted) of each row.
fn read_columns(path: &Path, names: &[&str]) -> Result<(Vec<usize>, Vec<Vec<f64>>), AppError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::Input(format!("cannot read the CSV file: {e}")))?;
    // Blank lines are skipped but keep their place in the numbering.
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(k, l)| (k + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| AppError::Input("empty CSV".into()))?
        .1
        .split(',')
        .map(str::trim)
        .collect();
    let index: Vec<usize> = names
        .iter()
        .map(|n| {
            header.iter().position(|h| h == n).ok_or_else(|| {
                AppError::Input(format!(
                    "CSV header lacks column `{n}` (needs {})",
                    names.join(",")
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let mut columns = vec![Vec::new(); names.len()];
    let mut numbers = Vec::new();
    for (number, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        for (c, &i) in index.iter().enumerate() {
            let v: f64 = fields
                .get(i)
                .and_then(|f| f.parse().ok())
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    AppError::Input(format!(
                        "CSV line {number}, column `{}`: not a finite number",
                        names[c]
                    ))
                })?;
            columns[c].push(v);
        }
        numbers.push(number);
    }
    Ok((numbers, columns))
}

/// 0/1 values as flags; `lines` are the rows' line numbers in the file.
fn binary_flag(values: &[f64], lines: &[usize], column: &str) -> Result<Vec<bool>, AppError> {
    values
        .iter()
        .zip(lines)
        .map(|(&v, line)| match v {
            0.0 => Ok(false),
            1.0 => Ok(true),
            _ => Err(AppError::Input(format!(
                "CSV line {line}, column `{column}` = {v}: allowed 0 or 1"
            ))),
        })
        .collect()
}

/// Harrell's C of `risk` with a percentile bootstrap over patients (`config`).
pub fn harrell_c_with_ci(
    time: &[f64],
    event: &[bool],
    risk: &[f64],
    config: &crate::validate::bootstrap::BootstrapConfig,
) -> crate::validate::Result<(
    crate::validate::survival::Concordance,
    crate::validate::bootstrap::BootstrapCi,
)> {
    use crate::validate::{bootstrap, survival as surv};
    let harrell = surv::harrell_c(time, event, risk)?;
    let ci = bootstrap::bootstrap(time.len(), None, config, |idx| {
        let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let ev: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
        Ok(surv::harrell_c(&pick(time), &ev, &pick(risk))?.c_index)
    })?;
    Ok((harrell, ci))
}

/// Metrics with 95 % CIs of held-out predictions: binary (`label,prob`: AUC with
/// DeLong CI, Brier score) or survival (`time,event,risk`: Harrell's C with a
/// 1,000-replicate percentile bootstrap CI).
pub fn validate_csv(path: &Path, survival: bool) -> Result<serde_json::Value, AppError> {
    use crate::validate::{binary, bootstrap, delong};
    let bad = |e: crate::validate::ValidateError| AppError::Input(e.to_string());
    if survival {
        let (lines, c) = read_columns(path, &["time", "event", "risk"])?;
        let event = binary_flag(&c[1], &lines, "event")?;
        let (harrell, ci) =
            harrell_c_with_ci(&c[0], &event, &c[2], &bootstrap::BootstrapConfig::default())
                .map_err(bad)?;
        Ok(serde_json::json!({
            "kind": "survival", "n": c[0].len(), "events": event.iter().filter(|&&e| e).count(),
            "harrell_c": harrell.c_index, "harrell_c_ci95": [ci.percentile.0, ci.percentile.1],
        }))
    } else {
        let (lines, c) = read_columns(path, &["label", "prob"])?;
        let labels = binary_flag(&c[0], &lines, "label")?;
        let auc = delong::auc_delong(&labels, &c[1], 0.95).map_err(bad)?;
        let brier = binary::brier_score(&labels, &c[1]).map_err(bad)?;
        Ok(serde_json::json!({
            "kind": "binary", "n": labels.len(), "positives": labels.iter().filter(|&&l| l).count(),
            "auc": auc.auc, "auc_ci95_delong": [auc.ci_low, auc.ci_high], "brier": brier,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("patient-twin-app-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn csv_errors_give_the_line_of_the_file_despite_blank_lines() {
        let path = csv("number.csv", "label,prob\n\n0,0.1\n\n1,x\n");
        let e = validate_csv(&path, false).unwrap_err().to_string();
        assert!(e.contains("CSV line 5, column `prob`"), "{e}");
        let path = csv("flag.csv", "\nlabel,prob\n0,0.1\n\n\n2,0.4\n1,0.9\n");
        let e = validate_csv(&path, false).unwrap_err().to_string();
        assert!(e.contains("CSV line 6, column `label` = 2"), "{e}");
    }
}
