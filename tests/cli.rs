//! The `patient-twin` binary on the shipped synthetic records and on broken input:
//! exit codes, messages without identifiers, and values that can be wrong (ranking
//! consistent with the forecasts, Bayesian shrinkage of the AF calibration,
//! glioma recovery of the known in-silico parameters, known metric values).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The pseudonymisation key every run gets through `PATIENT_TWIN_KEY`.
const KEY: &str = "cli-test-key-0123456789";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_patient-twin"))
        .args(args)
        .current_dir(root())
        .env("PATIENT_TWIN_KEY", KEY)
        .output()
        .expect("binary runs")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Identifiers of the synthetic bundles (names, MRNs, phone, birth dates).
const IDENTIFIERS: [&str; 10] = [
    "Susan",
    "Fictional",
    "SYN-T2D",
    "Peter",
    "SYN-AF",
    "Alan",
    "Testperson",
    "SYN-GBM",
    "1957-02-11",
    "+44 20 7946",
];

fn assert_no_identifiers(text: &str) {
    for id in IDENTIFIERS {
        assert!(!text.contains(id), "output contains the identifier {id}");
    }
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("patient-twin-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The ranking must follow the forecasts: eligible plans ordered by the objective's
/// central value, each plan's listed value equal to its forecast outcome.
fn assert_ranking_follows_forecasts(r: &Value) {
    let objective = &r["ranking"]["objective"];
    let outcome = objective["outcome"].as_str().unwrap();
    let higher = objective["better"] == "higher";
    let plans = r["ranking"]["plans"].as_array().unwrap();
    let forecasts = r["forecasts"].as_array().unwrap();
    assert_eq!(plans.len(), forecasts.len());
    let mut last: Option<f64> = None;
    for (k, p) in plans.iter().enumerate() {
        assert_eq!(p["rank"].as_u64().unwrap() as usize, k + 1);
        let f = forecasts
            .iter()
            .find(|f| f["plan_name"] == p["plan_name"])
            .expect("every ranked plan was forecast");
        let eligible =
            f["infeasible"].is_null() && !p["reason"].as_str().unwrap().starts_with("over a limit");
        if !eligible {
            last = None;
            continue;
        }
        let value = f["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == outcome)
            .unwrap()["central"]
            .as_f64()
            .unwrap();
        assert_eq!(p["value"].as_f64().unwrap(), value);
        if let Some(prev) = last {
            assert!(
                if higher { prev >= value } else { prev <= value },
                "{prev} then {value}"
            );
        }
        last = Some(value);
    }
}

#[test]
fn t2d_plans_are_ranked_by_their_forecast_score_in_the_v1_schema() {
    let out = run(&[
        "t2d",
        "plans",
        "--record",
        "data/synthetic/t2d_patient.json",
        "--quick",
    ]);
    let r = json(&out);
    assert_eq!(r["schema"], patient_twin::core::twin::RESULT_SCHEMA);
    assert_eq!(r["disease"], "t2d");
    assert_ranking_follows_forecasts(&r);
    // The result reads back into the typed schema.
    let typed: patient_twin::core::twin::TwinResult<Value> =
        serde_json::from_value(r.clone()).unwrap();
    assert!(typed.forecasts.len() >= 5);
    // Every interval brackets its central value.
    for f in &typed.forecasts {
        for o in &f.outcomes {
            assert!(o.lower <= o.central && o.central <= o.upper, "{o:?}");
        }
    }
    // The calibration data against the fit: the HbA1c fit within 0.5 points rms.
    let hba1c = typed
        .calibration
        .fit
        .iter()
        .find(|s| s.name == "HbA1c")
        .expect("HbA1c series");
    let rms = (hba1c
        .observed
        .iter()
        .zip(&hba1c.fitted)
        .map(|(o, f)| (o - f).powi(2))
        .sum::<f64>()
        / hba1c.t.len() as f64)
        .sqrt();
    assert!(
        hba1c.t.len() >= 15 && rms < 0.5,
        "n {} rms {rms}",
        hba1c.t.len()
    );
    assert_no_identifiers(&String::from_utf8_lossy(&out.stdout));
}

#[test]
fn breast_report_writes_a_page_with_every_plot_and_no_identifier() {
    let dir = tmp("breast");
    let out = run(&[
        "breast",
        "report",
        "--record",
        "data/synthetic/metastatic_breast_patient.json",
        "--quick",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let result: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("result.json")).unwrap()).unwrap();
    assert_ranking_follows_forecasts(&result);
    // One forest plot (PFS) + one fit plot per calibration series.
    let series = result["calibration"]["fit"].as_array().unwrap().len();
    assert!(series >= 1);
    assert_eq!(page.matches("<figure><svg").count(), 1 + series);
    // The regimen over the grade-4 limit is ranked after those within it.
    let plans = result["ranking"]["plans"].as_array().unwrap();
    let over = plans
        .iter()
        .position(|p| p["reason"].as_str().unwrap().starts_with("over a limit"));
    if let Some(k) = over {
        assert!(
            plans[k..]
                .iter()
                .all(|p| !p["reason"].as_str().unwrap().starts_with("p"))
        );
    }
    // Self-contained: nothing is fetched (the SVG namespace URI is a name, not a fetch).
    for fetch in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(!page.contains(fetch), "network reference {fetch}");
    }
    assert_no_identifiers(&page);
}

#[test]
fn af_calibration_shrinks_the_measured_burden_towards_the_population() {
    let out = run(&[
        "af",
        "calibrate",
        "--record",
        "data/synthetic/af_patient.json",
    ]);
    let r = json(&out);
    let p = r["calibration"]["parameters"].as_array().unwrap();
    let burden = &p[0];
    assert_eq!(burden["name"], "fibrosis_burden");
    // Persistent AF at 60 y: prior median 0.17 (CohortSpec::default), measured 0.185 ± 0.03:
    // the posterior mode lies between them, its interval inside the prior's.
    let b = burden["estimate"].as_f64().unwrap();
    assert!(b > 0.17 && b < 0.185, "{b}");
    assert!(burden["lower"].as_f64().unwrap() < b && b < burden["upper"].as_f64().unwrap());
    // LA diameter: prior 45 ± 5 mm, measured 44 ± 2 mm → precision-weighted 44.14 mm.
    let la = p[1]["estimate"].as_f64().unwrap();
    let expected = (45.0 / 25.0 + 44.0 / 4.0) / (1.0 / 25.0 + 1.0 / 4.0);
    assert!((la - expected).abs() < 0.05, "{la} vs {expected}");
    // CV and remodelling are not measured: said in the warnings.
    let w = r["warnings"].to_string();
    assert!(w.contains("not measured"), "{w}");
    assert_no_identifiers(&String::from_utf8_lossy(&out.stdout));
}

#[test]
fn glioma_calibration_recovers_the_in_silico_truth_of_the_shipped_scans() {
    // data/synthetic/glioma_scan_day{0,60}.nii.gz: truth D_white 0.25 mm²/day,
    // ρ 0.025 /day on the 1 mm atlas with boundary noise (examples/glioma_twin.rs).
    let out = run(&[
        "glioma",
        "calibrate",
        "--record",
        "data/synthetic/glioblastoma_patient.json",
        "--scan",
        "data/synthetic/glioma_scan_day0.nii.gz",
        "0",
        "--scan",
        "data/synthetic/glioma_scan_day60.nii.gz",
        "60",
        "--quick",
    ]);
    let r = json(&out);
    let p = r["calibration"]["parameters"].as_array().unwrap();
    for (k, truth) in [(0, 0.25), (1, 0.025)] {
        let (lo, hi) = (
            p[k]["lower"].as_f64().unwrap(),
            p[k]["upper"].as_f64().unwrap(),
        );
        assert!(
            lo <= truth && truth <= hi,
            "{}: [{lo}, {hi}] vs {truth}",
            p[k]["name"]
        );
        let est = p[k]["estimate"].as_f64().unwrap();
        assert!((est / truth - 1.0).abs() < 0.15, "{}: {est}", p[k]["name"]);
    }
    for s in r["calibration"]["fit"].as_array().unwrap() {
        let (o, f) = (
            s["observed"].as_array().unwrap(),
            s["fitted"].as_array().unwrap(),
        );
        for (o, f) in o.iter().zip(f) {
            assert!(
                (o.as_f64().unwrap() - f.as_f64().unwrap()).abs() < 1.0,
                "{s}"
            );
        }
    }
}

#[test]
fn validate_reproduces_known_metric_values() {
    let dir = tmp("validate");
    // AUC of the classic 4-patient example (scikit-learn docs): 0.75.
    let bin = dir.join("binary.csv");
    std::fs::write(&bin, "label,prob\n0,0.1\n0,0.4\n1,0.35\n1,0.8\n").unwrap();
    let r = json(&run(&[
        "validate",
        "--kind",
        "binary",
        "--csv",
        bin.to_str().unwrap(),
    ]));
    assert!((r["auc"].as_f64().unwrap() - 0.75).abs() < 1e-12);
    // Brier = mean((p − y)²) = (0.01 + 0.16 + 0.4225 + 0.04) / 4.
    assert!((r["brier"].as_f64().unwrap() - 0.158_125).abs() < 1e-12);
    // Harrell's C by hand: comparable pairs (i event, t_i < t_j): (1,2),(1,3),(1,4),(3,4);
    // concordant when risk_i > risk_j: (1,2),(1,4),(3,4) concordant, (1,3) discordant → 3/4.
    let surv = dir.join("survival.csv");
    std::fs::write(
        &surv,
        "time,event,risk\n1,1,0.9\n2,0,0.5\n3,1,0.95\n4,1,0.1\n",
    )
    .unwrap();
    let r = json(&run(&[
        "validate",
        "--kind",
        "survival",
        "--csv",
        surv.to_str().unwrap(),
    ]));
    assert!((r["harrell_c"].as_f64().unwrap() - 0.75).abs() < 1e-12);
    let ci = r["harrell_c_ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() <= ci[1].as_f64().unwrap());
}

#[test]
fn trial_runs_the_shipped_spec() {
    let r = json(&run(&["trial", "--spec", "data/trials/default_trial.json"]));
    let arms = r["arms"].as_array().expect("arms");
    assert!(arms.len() >= 2);
}

fn failure(args: &[&str]) -> (i32, String) {
    let out = run(args);
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    (
        out.status.code().expect("exit code, not a signal"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_input_gives_exit_codes_and_messages_without_identifiers() {
    let dir = tmp("broken");
    // A missing file: exit 3, and the (possibly identifying) path is not echoed.
    let missing = dir.join("Jane_Doe_1970.json");
    let (code, msg) = failure(&["t2d", "plans", "--record", missing.to_str().unwrap()]);
    assert_eq!(code, 3, "{msg}");
    assert!(!msg.contains("Jane_Doe"), "{msg}");
    // Not JSON.
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    assert_eq!(
        failure(&["breast", "plans", "--record", garbage.to_str().unwrap()]).0,
        3
    );
    // A bundle whose HbA1c history is gone: the T2D twin cannot calibrate (exit 3 or 4,
    // message naming what is missing), and no identifier of the bundle leaks.
    let text = std::fs::read_to_string(root().join("data/synthetic/t2d_patient.json")).unwrap();
    let mut bundle: Value = serde_json::from_str(&text).unwrap();
    bundle["entry"].as_array_mut().unwrap().retain(|e| {
        !e["resource"]["code"].to_string().contains("4548-4")
            && !e["resource"]["code"].to_string().contains("59261-8")
    });
    let stripped = dir.join("no_hba1c.json");
    std::fs::write(&stripped, bundle.to_string()).unwrap();
    let (code, msg) = failure(&["t2d", "plans", "--record", stripped.to_str().unwrap()]);
    assert!(code == 3 || code == 4, "{code}: {msg}");
    assert!(msg.to_lowercase().contains("hba1c"), "{msg}");
    assert_no_identifiers(&msg);
    // The breast record given to the AF twin: no AF diagnosis.
    let (code, msg) = failure(&[
        "af",
        "calibrate",
        "--record",
        "data/synthetic/metastatic_breast_patient.json",
    ]);
    assert_eq!(code, 4, "{msg}");
    assert!(msg.contains("I48"), "{msg}");
    assert_no_identifiers(&msg);
    // An AF record without LGE burden and LA diameter: nothing to calibrate on.
    let text = std::fs::read_to_string(root().join("data/synthetic/af_patient.json")).unwrap();
    let mut bundle: Value = serde_json::from_str(&text).unwrap();
    bundle["entry"]
        .as_array_mut()
        .unwrap()
        .retain(|e| !e["resource"]["code"].to_string().contains("la-"));
    let bare = dir.join("af_bare.json");
    std::fs::write(&bare, bundle.to_string()).unwrap();
    let (code, msg) = failure(&["af", "calibrate", "--record", bare.to_str().unwrap()]);
    assert_eq!(code, 4, "{msg}");
    assert!(msg.contains("la-fibrosis-burden"), "{msg}");
    // Glioma with one scan; a non-numeric scan day; out-of-range draws.
    let (code, msg) = failure(&[
        "glioma",
        "plans",
        "--record",
        "data/synthetic/glioblastoma_patient.json",
        "--scan",
        "data/synthetic/glioma_scan_day0.nii.gz",
        "0",
    ]);
    assert_eq!(code, 3, "{msg}");
    assert!(msg.contains("at least 2"), "{msg}");
    assert_eq!(
        failure(&[
            "glioma", "plans", "--record", "x.json", "--scan", "a.nii.gz", "day-one"
        ])
        .0,
        3
    );
    let (code, msg) = failure(&[
        "breast",
        "plans",
        "--record",
        "data/synthetic/metastatic_breast_patient.json",
        "--draws",
        "0",
    ]);
    assert_eq!(code, 4, "{msg}");
    assert!(msg.contains("draws"), "{msg}");
    // report without --out; unknown twin (clap usage error, exit 2).
    assert_eq!(
        failure(&[
            "t2d",
            "report",
            "--record",
            "data/synthetic/t2d_patient.json"
        ])
        .0,
        2
    );
    assert_eq!(failure(&["liver", "plans", "--record", "x.json"]).0, 2);
    let _ = Path::new(&dir);
}

#[test]
fn record_json_names_become_keyed_pseudonyms_and_pseudonyms_are_kept() {
    let dir = tmp("pseudonyms");
    let bundle = root().join("data/synthetic/t2d_patient.json");
    let fhir = patient_twin::app::load_record(&bundle, Some(KEY.as_bytes())).unwrap();
    let mut named = fhir.clone();
    named.patient_id = "Jane_Doe_1970".into();
    let path = dir.join("named.json");
    std::fs::write(&path, named.to_json().unwrap()).unwrap();
    let out = run(&[
        "t2d",
        "plans",
        "--record",
        path.to_str().unwrap(),
        "--quick",
    ]);
    let r = json(&out);
    let keyed = patient_twin::io::Pseudonymiser::new(KEY.as_bytes())
        .unwrap()
        .pseudonym("Jane_Doe_1970");
    assert_eq!(r["patient"], keyed.as_str());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Jane"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("Jane"));
    // T2D trajectories are in the result's unit, days: 0 to the 5-year horizon.
    assert_eq!(r["time_unit"], "d");
    let t = r["forecasts"][0]["trajectory"]["t"].as_array().unwrap();
    assert_eq!(t[0].as_f64(), Some(0.0));
    let end = t.last().unwrap().as_f64().unwrap();
    assert!(end > 5.0 * 365.25 - 7.0 && end <= 5.0 * 365.25, "{end}");
    // An id that is already a pseudonym (FHIR → record JSON) is kept.
    let path = dir.join("pseudonymous.json");
    std::fs::write(&path, fhir.to_json().unwrap()).unwrap();
    let r = json(&run(&[
        "t2d",
        "calibrate",
        "--record",
        path.to_str().unwrap(),
        "--quick",
    ]));
    assert_eq!(r["patient"], fhir.patient_id.as_str());
}

#[test]
fn report_does_not_echo_the_output_path() {
    let dir = tmp("Jane_Doe_1970-report");
    let out = run(&[
        "t2d",
        "report",
        "--record",
        "data/synthetic/t2d_patient.json",
        "--quick",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("Jane_Doe"), "{stderr}");
    // Five years of days on the band plot's axis are shown as years.
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(page.contains("time from the forecast origin (years)"));
    assert_no_identifiers(&page);
}

#[test]
fn negative_scan_and_radiotherapy_days_are_numbers_not_flags() {
    // Days before the index date are negative; clap must not read `-14` as a flag.
    let (code, msg) = failure(&[
        "glioma",
        "calibrate",
        "--record",
        "missing-record.json",
        "--scan",
        "a.nii.gz",
        "-14",
        "--scan",
        "b.nii.gz",
        "0",
        "--rt-day",
        "-3.5",
    ]);
    assert_eq!(code, 3, "{msg}");
    assert!(msg.contains("cannot read the record file"), "{msg}");
}

#[test]
fn a_key_file_gives_the_pseudonyms_of_the_same_key_given_elsewhere() {
    let dir = tmp("keyfile");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "af",
            "calibrate",
            "--record",
            "data/synthetic/af_patient.json",
        ];
        a.extend_from_slice(extra);
        json(&run(&a))["patient"].as_str().unwrap().to_string()
    };
    let from_env = args(&[]);
    // `echo key > file` (and Windows editors) end the file with a newline: not key bytes.
    for ending in ["", "\n", "\r\n"] {
        let file = dir.join("key");
        std::fs::write(&file, format!("{KEY}{ending}")).unwrap();
        assert_eq!(
            args(&["--key-file", file.to_str().unwrap()]),
            from_env,
            "{ending:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_key_variable_that_is_not_utf8_is_an_input_error() {
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(env!("CARGO_BIN_EXE_patient-twin"))
        .args([
            "af",
            "calibrate",
            "--record",
            "data/synthetic/af_patient.json",
        ])
        .current_dir(root())
        .env(
            "PATIENT_TWIN_KEY",
            std::ffi::OsStr::from_bytes(b"key-\xff\xfe-0123456789abcdef"),
        )
        .output()
        .unwrap();
    let msg = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{msg}");
    assert!(msg.contains("PATIENT_TWIN_KEY"), "{msg}");
}
