//! `patient-twin`: every disease twin from the command line, through the one
//! twin interface.
//!
//! ```text
//! patient-twin <glioma|breast|af|t2d> <calibrate|plans|report> --record FILE
//!              [--scan FILE DAY ...] [--atlas DIR] [--rt-day DAY]
//!              [--out DIR] [--seed N] [--draws N] [--quick] [--key-file FILE]
//! patient-twin trial --spec FILE [--out FILE]
//! patient-twin validate --kind binary|survival --csv FILE [--out FILE]
//! ```
//!
//! JSON goes to stdout, or to `DIR/<step>.json` with `--out`; `report` writes
//! `DIR/report.html` and `DIR/result.json`. Exit codes: 0 success, 2 usage error,
//! 3 unreadable or invalid input, 4 the twin could not calibrate or forecast,
//! 1 output could not be written. Messages name the field and the allowed range,
//! never a patient identifier or a file path. Records are pseudonymised on import
//! with the key of `--key-file` (one trailing newline, `\n` or `\r\n`, is not part of
//! the key) or of `PATIENT_TWIN_KEY` (UTF-8), else a random key per run: a FHIR
//! bundle loses its identifiers and gets a pseudonym and shifted dates; a record
//! JSON's id becomes its keyed pseudonym unless it already is one (dates as given).
//! Negative days (before the record's index date) are accepted: `--scan F -14`.

use clap::{Parser, Subcommand, ValueEnum};
use patient_twin::app::{self, AppError, Disease, Output, Sources, Step};
use patient_twin::core::twin::CalibrateOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "patient-twin",
    version,
    about = "Digital patient twins: calibrate, forecast and rank plans for one patient"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Glioblastoma twin (radiotherapy plans; needs --scan).
    Glioma(TwinArgs),
    /// Metastatic breast-cancer twin (chemotherapy regimens).
    Breast(TwinArgs),
    /// Atrial-fibrillation twin (ablation strategies).
    Af(TwinArgs),
    /// Type 2 diabetes twin (5-year plans).
    T2d(TwinArgs),
    /// In-silico T2D trial from a JSON spec (data/trials/*.json).
    Trial {
        /// Trial spec (JSON, schema in twin_metabolic::trial).
        #[arg(long)]
        spec: PathBuf,
        /// Write the JSON result here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Validate predictions against outcomes (metrics with 95 % CIs).
    Validate {
        /// `binary`: CSV `label,prob`; `survival`: CSV `time,event,risk`.
        #[arg(long, value_enum)]
        kind: Kind,
        /// The predictions (CSV with a header).
        #[arg(long)]
        csv: PathBuf,
        /// Write the JSON result here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Binary,
    Survival,
}

#[derive(Clone, Copy, ValueEnum)]
enum StepArg {
    /// Calibrate and print parameters with intervals.
    Calibrate,
    /// Calibrate, forecast the candidate plans and rank them.
    Plans,
    /// As `plans`, and write the patient report page (needs --out).
    Report,
}

#[derive(clap::Args)]
struct TwinArgs {
    /// What to do.
    #[arg(value_enum)]
    step: StepArg,
    /// FHIR R4 bundle or twin-io record JSON of one patient.
    #[arg(long)]
    record: PathBuf,
    /// Glioma: a pre-treatment segmentation (NIfTI, 0/1/2 labels, MNI152 space) and its day.
    #[arg(long, num_args = 2, value_names = ["FILE", "DAY"], action = clap::ArgAction::Append,
          allow_negative_numbers = true)]
    scan: Vec<String>,
    /// Glioma: the MNI152 atlas folder.
    #[arg(long, default_value = "data/mni152")]
    atlas: PathBuf,
    /// Glioma: day of the first radiotherapy fraction (default: last scan + 14).
    #[arg(long, allow_negative_numbers = true)]
    rt_day: Option<f64>,
    /// Output folder (JSON and, for `report`, the HTML page).
    #[arg(long, required_if_eq("step", "report"))]
    out: Option<PathBuf>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Posterior draws per forecast (default: the twin's).
    #[arg(long)]
    draws: Option<usize>,
    /// Reduced budget: seconds, wider intervals.
    #[arg(long)]
    quick: bool,
    /// File holding the secret pseudonymisation key (≥ 16 bytes; one trailing
    /// newline is not part of it).
    #[arg(long)]
    key_file: Option<PathBuf>,
}

/// The key of a key file: without one trailing `\n` or `\r\n`, which `echo key > f`
/// and editors add, so the same key gives the same pseudonyms as elsewhere.
fn key_from_file(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    bytes
}

/// The key of `--key-file`, else of `PATIENT_TWIN_KEY`, else `None` (a random key).
fn key(file: Option<&Path>) -> Result<Option<Vec<u8>>, AppError> {
    if let Some(path) = file {
        let bytes = std::fs::read(path)
            .map_err(|e| AppError::Input(format!("cannot read --key-file: {e}")))?;
        return Ok(Some(key_from_file(bytes)));
    }
    match std::env::var("PATIENT_TWIN_KEY") {
        Ok(k) => Ok(Some(k.into_bytes())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        // Not silently a random key: the pseudonyms would not match the user's.
        Err(std::env::VarError::NotUnicode(_)) => Err(AppError::Input(
            "PATIENT_TWIN_KEY is not valid UTF-8: allowed a UTF-8 text key (or use --key-file)"
                .into(),
        )),
    }
}

fn code(e: &AppError) -> u8 {
    match e {
        AppError::Input(_) => 3,
        AppError::Twin(_) => 4,
        AppError::Output(_) => 1,
    }
}

fn emit(value: &serde_json::Value, out: Option<&Path>) -> Result<(), AppError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| AppError::Output(e.to_string()))?;
    match out {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| AppError::Output(e.to_string()))?;
            }
            std::fs::write(path, text).map_err(|e| AppError::Output(e.to_string()))
        }
        None => {
            println!("{text}");
            Ok(())
        }
    }
}

fn twin(disease: Disease, a: TwinArgs) -> Result<(), AppError> {
    let scans = a
        .scan
        .chunks(2)
        .map(|pair| {
            let day: f64 = pair[1].parse().map_err(|_| {
                AppError::Input(format!("--scan DAY `{}` is not a number", pair[1]))
            })?;
            if !day.is_finite() {
                return Err(AppError::Input(format!(
                    "--scan DAY {day}: a finite number of days"
                )));
            }
            Ok((PathBuf::from(&pair[0]), day))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let key = key(a.key_file.as_deref())?;
    let sources = Sources {
        record: a.record,
        scans,
        atlas: Some(a.atlas),
        rt_start_day: a.rt_day,
        key,
    };
    let options = CalibrateOptions {
        seed: a.seed,
        draws: a.draws,
        quick: a.quick,
    };
    let step = match a.step {
        StepArg::Calibrate => Step::Calibrate,
        StepArg::Plans | StepArg::Report => Step::Plans,
    };
    match app::run(disease, &sources, step, &options)? {
        Output::Calibration(v) => emit(&v, a.out.map(|d| d.join("calibration.json")).as_deref()),
        Output::Result(r) => {
            if let (StepArg::Report, Some(dir)) = (a.step, &a.out) {
                app::write_report(&r, dir)?;
                // The folder is the user's and may be identifying: not echoed.
                eprintln!("report written: report.html and result.json in the --out folder");
                Ok(())
            } else {
                let v = serde_json::to_value(&*r).map_err(|e| AppError::Output(e.to_string()))?;
                emit(&v, a.out.map(|d| d.join("plans.json")).as_deref())
            }
        }
    }
}

fn trial(spec: &Path, out: Option<&Path>) -> Result<(), AppError> {
    let text = std::fs::read_to_string(spec)
        .map_err(|e| AppError::Input(format!("cannot read --spec: {e}")))?;
    let spec: patient_twin::metabolic::trial::TrialSpec =
        serde_json::from_str(&text).map_err(|e| AppError::Input(format!("trial spec: {e}")))?;
    let result = patient_twin::metabolic::trial::run_trial(&spec)
        .map_err(|e| AppError::Twin(e.to_string()))?;
    emit(
        &serde_json::to_value(&result).map_err(|e| AppError::Output(e.to_string()))?,
        out,
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Glioma(a) => twin(Disease::Glioma, a),
        Command::Breast(a) => twin(Disease::Breast, a),
        Command::Af(a) => twin(Disease::Af, a),
        Command::T2d(a) => twin(Disease::T2d, a),
        Command::Trial { spec, out } => trial(&spec, out.as_deref()),
        Command::Validate { kind, csv, out } => {
            app::validate_csv(&csv, matches!(kind, Kind::Survival))
                .and_then(|v| emit(&v, out.as_deref()))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("patient-twin: {e}");
            ExitCode::from(code(&e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_not_part_of_a_key_file() {
        let k = |b: &[u8]| key_from_file(b.to_vec());
        assert_eq!(k(b"secret-key-0123456789"), b"secret-key-0123456789");
        assert_eq!(k(b"secret-key-0123456789\n"), b"secret-key-0123456789");
        assert_eq!(k(b"secret-key-0123456789\r\n"), b"secret-key-0123456789");
        // Only one: further bytes are the key's (a lone `\r` too).
        assert_eq!(k(b"secret-key-0123456789\n\n"), b"secret-key-0123456789\n");
        assert_eq!(k(b"secret-key-0123456789\r"), b"secret-key-0123456789\r");
    }
}
