//! Import of the four synthetic bundles in `data/synthetic/` and of malformed bundles.

use twin_io::fhir::read_bundle;
use twin_io::record::loinc;
use twin_io::{Age, ImportOptions, IoError, ProcedureDetail, Pseudonymiser, Sex};

fn bundle(name: &str) -> String {
    let path = format!(
        "{}/../data/synthetic/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).expect("synthetic bundle present")
}

fn key() -> Pseudonymiser {
    Pseudonymiser::new(b"test-key-for-integration-tests").unwrap()
}

#[test]
fn t2d_five_years_of_labs() {
    let imp = read_bundle(&bundle("t2d_patient"), &key(), ImportOptions::default()).unwrap();
    assert_eq!(imp.records.len(), 1);
    let r = &imp.records[0];
    assert_eq!(r.demographics.sex, Sex::Female);
    // Born 1957-02-11, index date = first event (ramipril start 900 days before 2018-04-09
    // = 2015-10-22): age 58.
    assert_eq!(r.demographics.age, Some(Age::Years(58)));
    // 21 quarterly HbA1c values: 16 in % (4548-4) and 5 in mmol/mol (59261-8).
    assert_eq!(r.series(loinc::HBA1C_NGSP).len(), 16);
    let ifcc = r.series_in(loinc::HBA1C_IFCC, "%").unwrap();
    assert_eq!(ifcc.len(), 5);
    assert!(
        ifcc.iter().all(|&(_, v)| (5.5..10.0).contains(&v)),
        "{ifcc:?}"
    );
    // Weights recorded in kg and in pounds convert onto one scale.
    let w = r.series_in(loinc::BODY_WEIGHT, "kg").unwrap();
    assert_eq!(w.len(), 21);
    assert!(w.iter().all(|&(_, v)| (80.0..100.0).contains(&v)), "{w:?}");
    // 5 years of follow-up: the last lab is 20 quarters after the first.
    let glucose = r.series(loinc::GLUCOSE_FASTING_MASS);
    assert_eq!(glucose.last().unwrap().0 - glucose[0].0, 20.0 * 91.0);
    // Blood-pressure panels become one systolic and one diastolic observation each.
    assert_eq!(r.series(loinc::SYSTOLIC_BP).len(), 21);
    assert_eq!(r.series(loinc::DIASTOLIC_BP).len(), 21);
    // Metformin twice daily.
    let met = r.medications_with("A10BA02");
    assert_eq!(met.len(), 2);
    assert_eq!(met[0].interval_days, Some(0.5));
    assert!(r.has_condition("E11"));
    assert_eq!(imp.read["Observation"], 138);
    assert_eq!(imp.skipped_total(), 0);
}

#[test]
fn oncology_and_cardiac_bundles() {
    let p = key();
    let gbm = read_bundle(
        &bundle("glioblastoma_patient"),
        &p,
        ImportOptions::default(),
    )
    .unwrap();
    let r = &gbm.records[0];
    assert_eq!(gbm.skipped["Practitioner"], 1);
    let rt = r
        .procedures
        .iter()
        .find(|x| matches!(x.detail, ProcedureDetail::Radiotherapy { .. }))
        .unwrap();
    assert_eq!(
        rt.detail,
        ProcedureDetail::Radiotherapy {
            fractions: 30,
            total_dose_gy: 60.0
        }
    );
    assert_eq!(rt.end_days.unwrap() - rt.t_days, 41.0);
    assert_eq!(
        r.biomarker("MGMT-promoter-methylation").unwrap().status,
        "methylated"
    );
    assert_eq!(r.variants[0].gene, "TERT");
    assert_eq!(r.variants[0].vaf, Some(0.38));
    let seg = r.imaging.iter().find(|i| !i.labels.is_empty()).unwrap();
    assert_eq!(
        seg.labels.iter().map(|l| l.value).collect::<Vec<_>>(),
        vec![1, 2, 4]
    );
    assert_eq!(r.responses.last().unwrap().category, "PD");

    let brc = read_bundle(
        &bundle("metastatic_breast_patient"),
        &p,
        ImportOptions::default(),
    )
    .unwrap();
    let r = &brc.records[0];
    assert_eq!(r.biomarker("16112-5").unwrap().status, "positive");
    assert_eq!(r.biomarker("48676-1").unwrap().status, "negative");
    assert_eq!(brc.read["DiagnosticReport"], 1);
    assert_eq!(brc.read["MedicationRequest"], 1);
    assert_eq!(brc.skipped["Encounter"], 1);
    let fulv = r.medications_with("L02BA03");
    assert_eq!(fulv[0].interval_days, Some(28.0));

    let af = read_bundle(&bundle("af_patient"), &p, ImportOptions::default()).unwrap();
    let r = &af.records[0];
    assert_eq!(af.skipped_total(), 2);
    let abl = r
        .procedures
        .iter()
        .find_map(|x| match &x.detail {
            ProcedureDetail::Ablation { lesions } => Some(lesions.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(abl, vec!["PVI left", "PVI right", "roof line"]);
    // 203 lb = 92.08 kg (exact pound).
    let w = r.series_in(loinc::BODY_WEIGHT, "kg").unwrap();
    assert!((w[0].1 - 203.0 * 0.453_592_37).abs() < 1e-9);
    // Ablation at 13:00 UTC: fractional day kept.
    let t = r.procedures[0].t_days;
    assert!((t.fract() - 13.0 / 24.0).abs() < 1e-9, "{t}");
}

#[test]
fn pseudonyms_are_stable_across_files_and_keys() {
    let text = bundle("t2d_patient");
    let a = read_bundle(&text, &key(), ImportOptions::default()).unwrap();
    let b = read_bundle(&text, &key(), ImportOptions::default()).unwrap();
    assert_eq!(a.records[0].patient_id, b.records[0].patient_id);
    assert_eq!(a.records[0].index_date, b.records[0].index_date);
    let other = Pseudonymiser::new(b"a-different-secret-key").unwrap();
    let c = read_bundle(&text, &other, ImportOptions::default()).unwrap();
    assert_ne!(a.records[0].patient_id, c.records[0].patient_id);
    // Intervals between events do not depend on the key.
    assert_eq!(a.records[0].observations, c.records[0].observations);
    // The shift equals the pseudonymiser's shift for the MRN source id.
    let kept = read_bundle(
        &text,
        &key(),
        ImportOptions {
            keep_identifiers: true,
        },
    )
    .unwrap();
    let ids = kept.records[0].identifiers.as_ref().unwrap();
    let real = ids.real_index_date.unwrap();
    let shift = a.records[0].index_date.unwrap().days_since_epoch() - real.days_since_epoch();
    assert_eq!(
        shift,
        key().date_shift_days("urn:oid:2.16.840.1.113883.19.5|SYN-T2D-0588")
    );
    assert_eq!(ids.names, vec!["Susan Fictional (SYNTHETIC)"]);
}

fn err_of(json: &str) -> IoError {
    read_bundle(json, &key(), ImportOptions::default()).unwrap_err()
}

#[test]
fn malformed_bundles_name_the_place() {
    let pat = r#"{"resourceType":"Patient","id":"p","gender":"female"}"#;
    let wrap = |res: &str| {
        format!(
            r#"{{"resourceType":"Bundle","entry":[{{"resource":{pat}}},{{"resource":{res}}}]}}"#
        )
    };
    // Wrong type of a value.
    let e = err_of(&wrap(
        r#"{"resourceType":"Observation","code":{"coding":[{"code":"4548-4"}]},"effectiveDateTime":"2020-01-01","valueQuantity":{"value":"7.1"}}"#,
    ));
    let s = e.to_string();
    assert!(matches!(e, IoError::Fhir { entry: 1, .. }), "{s}");
    assert!(
        s.contains("valueQuantity.value") && s.contains("Observation"),
        "{s}"
    );
    // Missing required field.
    let s = err_of(&wrap(
        r#"{"resourceType":"Condition","onsetDateTime":"2020-01-01"}"#,
    ))
    .to_string();
    assert!(s.contains("missing field `code`"), "{s}");
    // Bad date, never echoed.
    let s = err_of(&wrap(
        r#"{"resourceType":"Observation","code":{"coding":[{"code":"x"}]},"effectiveDateTime":"2020-02-30","valueQuantity":{"value":1}}"#,
    ))
    .to_string();
    assert!(
        s.contains("effectiveDateTime") && !s.contains("2020-02-30"),
        "{s}"
    );
    // Missing time.
    let s = err_of(&wrap(r#"{"resourceType":"Observation","code":{"coding":[{"code":"x"}]},"valueQuantity":{"value":1}}"#)).to_string();
    assert!(s.contains("effective[x]"), "{s}");
    // Huge number: out of f64 range is a JSON error with position.
    let e = err_of(&wrap(
        r#"{"resourceType":"Observation","code":{"coding":[{"code":"x"}]},"effectiveDateTime":"2020","valueQuantity":{"value":1e999}}"#,
    ));
    assert!(matches!(e, IoError::Json { line: 1, .. }), "{e}");
    // Truncated JSON.
    let full = bundle("t2d_patient");
    let e = err_of(&full[..full.len() / 2]);
    assert!(matches!(e, IoError::Json { line, .. } if line > 1), "{e}");
    // Not a bundle.
    assert!(err_of(pat).to_string().contains("resourceType"));
}

#[test]
fn absent_values_and_unlinked_resources_are_counted() {
    let json = r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"a"}},
      {"resource":{"resourceType":"Patient","id":"b"}},
      {"resource":{"resourceType":"Observation","subject":{"reference":"Patient/a"},
        "code":{"coding":[{"code":"4548-4"}]},"effectiveDateTime":"2020",
        "dataAbsentReason":{"text":"specimen haemolysed"}}},
      {"resource":{"resourceType":"Observation","subject":{"reference":"Patient/zz"},
        "code":{"coding":[{"code":"4548-4"}]},"effectiveDateTime":"2020","valueQuantity":{"value":7,"unit":"%"}}},
      {"resource":{"resourceType":"Observation","subject":{"reference":"Patient/b"},
        "code":{"coding":[{"code":"4548-4"}]},"effectiveDateTime":"2020","valueQuantity":{"value":7,"unit":"%"}}},
      {"resource":{"resourceType":"Observation","subject":{"reference":"Patient/b"},
        "code":{"coding":[{"code":"14959-1"}]},"effectiveDateTime":"2020",
        "valueQuantity":{"value":3,"comparator":"<","unit":"mg/g"}}}
    ]}"#;
    let imp = read_bundle(json, &key(), ImportOptions::default()).unwrap();
    // The haemolysed specimen and the "< 3 mg/g" bound are not values.
    assert_eq!(imp.absent_values, 2);
    assert_eq!(imp.unlinked, 1);
    assert_eq!(imp.read["Observation"], 1);
    assert_eq!(imp.records[0].observations.len(), 0);
    assert_eq!(imp.records[1].observations.len(), 1);
}

#[test]
fn a_lone_patient_does_not_take_data_that_names_another() {
    let json = r#"{"resourceType":"Bundle","entry":[
      {"resource":{"resourceType":"Patient","id":"a"}},
      {"resource":{"resourceType":"Observation","subject":{"reference":"Patient/zz"},
        "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
        "effectiveDateTime":"2020-01-01","valueQuantity":{"value":7.1,"unit":"%"}}},
      {"resource":{"resourceType":"Observation",
        "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
        "effectiveDateTime":"2020-02-01","valueQuantity":{"value":7.2,"unit":"%"}}}
    ]}"#;
    let imp = read_bundle(json, &key(), ImportOptions::default()).unwrap();
    // Patient/zz is not in the bundle: unlinked. No subject at all: the only patient.
    assert_eq!(imp.unlinked, 1);
    let hba1c = imp.records[0].series(loinc::HBA1C_NGSP);
    assert_eq!(hba1c.len(), 1);
    assert_eq!(hba1c[0].1, 7.2);
}

#[test]
fn the_loinc_coding_is_kept_and_range_checked_wherever_it_is_listed() {
    let obs = |codings: &str, value: f64, unit: &str| {
        format!(
            r#"{{"resourceType":"Bundle","entry":[
              {{"resource":{{"resourceType":"Patient","id":"a"}}}},
              {{"resource":{{"resourceType":"Observation","subject":{{"reference":"Patient/a"}},
                "code":{{"coding":[{codings}]}},"effectiveDateTime":"2020-01-01",
                "valueQuantity":{{"value":{value},"unit":"{unit}"}}}}}}]}}"#
        )
    };
    let local_then_loinc = r#"{"system":"urn:local","code":"GLU"},
        {"system":"http://loinc.org","code":"2345-7"}"#;
    // A plausible value is stored under its LOINC code, where the twins look for it.
    let imp = read_bundle(
        &obs(local_then_loinc, 99.0, "mg/dL"),
        &key(),
        ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(imp.records[0].series(loinc::GLUCOSE_MASS).len(), 1);
    // An implausible one is refused, naming the LOINC code.
    let e = read_bundle(
        &obs(local_then_loinc, 99999.0, "mg/dL"),
        &key(),
        ImportOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("2345-7"), "{e}");
    // A bare LOINC code (no system) is checked too: HbA1c 700 % is not a measurement.
    let e = read_bundle(
        &obs(r#"{"code":"4548-4"}"#, 700.0, "%"),
        &key(),
        ImportOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("4548-4") && e.contains("700"), "{e}");
}
