//! One validation layer for every importer (issue 23): implausible values, times and
//! truncated numbers are refused with the field, the value and the allowed range,
//! whether they arrive as a FHIR bundle, a long or wide CSV, or a record JSON.

use twin_io::fhir::read_bundle;
use twin_io::record::loinc;
use twin_io::table::{read_long, read_wide};
use twin_io::{ImportOptions, Observation, PatientRecord, Pseudonymiser};

fn record_with(code: &str, value: f64, unit: &str, t_days: f64) -> PatientRecord {
    let mut r = PatientRecord::new("pt-x");
    r.observations.push(Observation {
        t_days,
        code: twin_io::record::Code::loinc(code),
        value,
        unit: unit.into(),
    });
    r
}

#[test]
fn record_json_refuses_implausible_values_and_times() {
    for (code, value, unit, t, field, needle) in [
        (
            loinc::HBA1C_NGSP,
            25.0,
            "%",
            0.0,
            "observations[0].value",
            "2 to 20 %",
        ),
        (
            loinc::CREATININE_MASS,
            -1.0,
            "mg/dL",
            0.0,
            "observations[0].value",
            "0.05 to 30 mg/dL",
        ),
        (
            loinc::TUMOUR_SIZE,
            1e300,
            "mm",
            0.0,
            "observations[0].value",
            "0 to 1000 mm",
        ),
        (
            loinc::HBA1C_NGSP,
            7.0,
            "%",
            -1e308,
            "observations[0].t_days",
            "150 years",
        ),
    ] {
        let r = record_with(code, value, unit, t);
        let e = r.validate().unwrap_err().to_string();
        assert!(e.contains(field) && e.contains(needle), "{e}");
        // The JSON path goes through the same check.
        let mut ok = record_with(code, 7.0, "%", 0.0);
        ok.observations[0] = r.observations[0].clone();
        let text = serde_json::to_string(&ok).unwrap();
        assert!(PatientRecord::from_json(&text).is_err());
    }
    // Plausible values in other units pass after conversion: 53 mmol/mol, 80 µmol/L.
    record_with(loinc::HBA1C_IFCC, 53.0, "mmol/mol", 10.0)
        .validate()
        .unwrap();
    record_with(loinc::CREATININE_MOLAR, 80.0, "umol/L", 10.0)
        .validate()
        .unwrap();
    // An HbA1c in a unit that cannot be one is a unit error, not a pass.
    assert!(
        record_with(loinc::HBA1C_NGSP, 7.0, "kg", 0.0)
            .validate()
            .is_err()
    );
}

#[test]
fn csv_imports_refuse_truncated_numbers_and_implausible_cells_with_their_line() {
    let long = "patient_id,time,code,value,unit\nA,0,4548-4,7.1,%\nA,-1e308,4548-4,7.2,%\n";
    let e = read_long(long.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("line 3") && e.contains("150 years"), "{e}");
    let long = "patient_id,time,code,value,unit\nA,0,4548-4,25,%\n";
    let e = read_long(long.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("line 2") && e.contains("2 to 20 %"), "{e}");
    for cell in ["0.", ".5", "inf", "NaN", "1e", "7,1"] {
        let wide = format!("patient_id,time,2160-0|mg/dL\nA,0,\"{cell}\"\n");
        let e = read_wide(wide.as_bytes()).unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("2160-0|mg/dL"),
            "{cell}: {e}"
        );
    }
    // The plain forms still read.
    let wide = "patient_id,time,2160-0|mg/dL\nA,0,0.9\nA,30,1E0\nA,60,+1.25e-0\n";
    let r = read_wide(wide.as_bytes()).unwrap();
    let v: Vec<f64> = r[0].observations.iter().map(|o| o.value).collect();
    assert_eq!(v, vec![0.9, 1.0, 1.25]);
}

#[test]
fn fhir_import_refuses_an_implausible_lab() {
    let path = format!(
        "{}/../data/synthetic/t2d_patient.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The first HbA1c (LOINC 4548-4) observation: 25 %.
    let entry = bundle["entry"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["resource"]["code"]["coding"][0]["code"] == "4548-4")
        .unwrap();
    entry["resource"]["valueQuantity"]["value"] = serde_json::json!(25.0);
    let key = Pseudonymiser::new(b"test-key-for-integration-tests").unwrap();
    let e = read_bundle(&bundle.to_string(), &key, ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("25 %") && e.contains("4548-4"), "{e}");
}
