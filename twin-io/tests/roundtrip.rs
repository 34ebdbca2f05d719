//! Property tests: JSON and CSV round trips of arbitrary records, unit round trips,
//! and arbitrary or mutated input that must give an error, never a panic.

use proptest::prelude::*;
use twin_io::fhir::read_bundle;
use twin_io::record::{Response, Variant, systems};
use twin_io::table::{read_long, read_wide, write_long, write_wide};
use twin_io::{
    Age, Biomarker, Code, Condition, Date, ImportOptions, Medication, Observation, PatientRecord,
    Procedure, ProcedureDetail, Pseudonymiser, Quantity, Sex, units,
};

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        -1e4..1e4f64,
        Just(0.0),
    ]
}

/// A time relative to the index date, days (records span at most ±150 years:
/// `twin_io::ranges::MAX_ABS_T_DAYS`).
fn time() -> impl Strategy<Value = f64> {
    prop_oneof![-54_000.0..54_000.0f64, -1.0..1.0f64, Just(0.0)]
}

fn code() -> impl Strategy<Value = Code> {
    (
        prop::sample::select(vec![systems::LOINC, systems::SNOMED, systems::ATC, ""]),
        "[A-Za-z0-9.-]{1,10}",
    )
        .prop_map(|(s, c)| Code::new(s, &c))
}

fn unit() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "%",
        "mg/dL",
        "mmol/L",
        "mm[Hg]",
        "10*9/L",
        "mL/min/{1.73_m2}",
        "1",
        "a,b \"q\"",
    ])
    .prop_map(str::to_string)
}

fn observation() -> impl Strategy<Value = Observation> {
    (time(), code(), finite(), unit()).prop_map(|(t_days, code, value, unit)| Observation {
        t_days,
        code,
        value,
        unit,
    })
}

prop_compose! {
    fn record()(
        id in "[A-Za-z0-9_-]{1,16}",
        days in proptest::option::of(-700_000i64..2_900_000),
        sex in prop::sample::select(vec![Sex::Female, Sex::Male, Sex::Other, Sex::Unknown]),
        age in proptest::option::of(0u32..120),
        observations in proptest::collection::vec(observation(), 0..12),
        cond in proptest::collection::vec((code(), proptest::option::of(time()), proptest::option::of("[a-z]{1,8}")), 0..3),
        meds in proptest::collection::vec((code(), time(), proptest::option::of((0.0..1e6f64, unit())), proptest::option::of(0.01..100.0f64)), 0..3),
        procs in proptest::collection::vec((code(), time(), 0u32..4, 1u32..40, 0.0..100.0f64, "[ -~]{0,12}"), 0..3),
        vars in proptest::collection::vec((time(), "[A-Z0-9]{1,6}", proptest::option::of(0.0..=1.0f64)), 0..2),
        bios in proptest::collection::vec((time(), code(), "[a-z]{1,10}"), 0..3),
    ) -> PatientRecord {
        let mut r = PatientRecord::new(id);
        r.index_date = days.and_then(Date::from_days);
        r.demographics.sex = sex;
        r.demographics.age = age.map(Age::from_years);
        r.observations = observations;
        r.conditions = cond.into_iter().map(|(code, onset_days, status)| Condition { code, onset_days, abatement_days: None, status }).collect();
        r.medications = meds.into_iter().map(|(code, start_days, dose, interval_days)| Medication {
            code, start_days, end_days: None, dose: dose.map(|(value, unit)| Quantity { value, unit }), interval_days, route: None,
        }).collect();
        r.procedures = procs.into_iter().map(|(code, t_days, kind, n, gy, text)| Procedure {
            code, t_days, end_days: None, body_site: None,
            detail: match kind {
                0 => ProcedureDetail::Radiotherapy { fractions: n, total_dose_gy: gy },
                1 => ProcedureDetail::Ablation { lesions: vec![text] },
                2 => ProcedureDetail::Surgery { extent: Some(text) },
                _ => ProcedureDetail::Other,
            },
        }).collect();
        r.variants = vars.into_iter().map(|(t_days, gene, vaf)| Variant { t_days, gene, hgvs: None, vaf }).collect();
        r.biomarkers = bios.into_iter().map(|(t_days, code, status)| Biomarker { t_days, code, status, value: None, unit: None }).collect();
        r.responses.push(Response { t_days: 1.0, criterion: "RECIST 1.1".into(), category: "SD".into() });
        r
    }
}

/// Records with distinct ids and at least one observation (what a long CSV can hold).
fn cohort() -> impl Strategy<Value = Vec<PatientRecord>> {
    proptest::collection::vec(record(), 1..6).prop_map(|mut v| {
        for (i, r) in v.iter_mut().enumerate() {
            r.patient_id = format!("{}-{i}", r.patient_id);
            if r.observations.is_empty() {
                r.observations.push(Observation {
                    t_days: 0.0,
                    code: Code::loinc("4548-4"),
                    value: 7.0,
                    unit: "%".into(),
                });
            }
        }
        v
    })
}

fn observations_only(v: &[PatientRecord]) -> Vec<(String, Vec<Observation>)> {
    v.iter()
        .map(|r| (r.patient_id.clone(), r.observations.clone()))
        .collect()
}

fn sorted(mut o: Vec<Observation>) -> Vec<Observation> {
    o.sort_by(|a, b| {
        a.t_days.total_cmp(&b.t_days).then_with(|| {
            (&a.code.system, &a.code.code, &a.unit).cmp(&(&b.code.system, &b.code.code, &b.unit))
        })
    });
    o
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn json_round_trip(r in record()) {
        let j = r.to_json().unwrap();
        prop_assert_eq!(PatientRecord::from_json(&j).unwrap(), r);
    }

    #[test]
    fn long_csv_round_trip(c in cohort()) {
        let mut buf = Vec::new();
        write_long(&c, &mut buf).unwrap();
        let back = read_long(buf.as_slice()).unwrap();
        prop_assert_eq!(observations_only(&back), observations_only(&c));
    }

    #[test]
    fn wide_csv_round_trip(c in cohort()) {
        // One value per (time, code, unit) per patient: keep the first of duplicates.
        // A time of -0 and 0 share a row (they compare equal): normalise -0 to 0.
        let c: Vec<PatientRecord> = c.into_iter().map(|mut r| {
            r.observations.iter_mut().for_each(|o| o.t_days += 0.0);
            let mut seen = std::collections::HashSet::new();
            r.observations.retain(|o| seen.insert((o.t_days.to_bits(), o.code.clone(), o.unit.clone())));
            r
        }).collect();
        let mut buf = Vec::new();
        write_wide(&c, &mut buf).unwrap();
        let back = read_wide(buf.as_slice()).unwrap();
        prop_assert_eq!(back.len(), c.len());
        for (a, b) in c.iter().zip(&back) {
            prop_assert_eq!(&a.patient_id, &b.patient_id);
            prop_assert_eq!(sorted(a.observations.clone()), sorted(b.observations.clone()));
        }
    }

    /// mg/dL -> mmol/L -> mg/dL and % -> mmol/mol -> % are identities (to rounding).
    #[test]
    fn unit_conversions_invert(x in 0.01..1000.0f64, pair in prop::sample::select(vec![
        ("2345-7", "mg/dL", "mmol/L"), ("2160-0", "mg/dL", "umol/L"), ("4548-4", "%", "mmol/mol"),
        ("29463-7", "[lb_av]", "kg"), ("9318-7", "mg/g", "mg/mmol"), ("8302-2", "cm", "[in_i]"),
        ("8480-6", "mm[Hg]", "kPa"),
    ])) {
        let (code, a, b) = pair;
        let y = units::convert(code, x, a, b).unwrap();
        let z = units::convert(code, y, b, a).unwrap();
        prop_assert!((z - x).abs() <= 1e-12 * x.abs().max(1.0), "{} {} -> {} -> {}", x, a, y, z);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
        let p = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        let _ = read_bundle(&s, &p, ImportOptions::default());
        let _ = PatientRecord::from_json(&s);
        let _ = read_long(s.as_bytes());
        let _ = read_wide(s.as_bytes());
    }

    #[test]
    fn csv_like_input_never_panics(rows in proptest::collection::vec("[A-Za-z0-9,.\"|% eE+-]{0,40}", 0..20)) {
        let long = format!("patient_id,time,code,value,unit\n{}", rows.join("\n"));
        let _ = read_long(long.as_bytes());
        let wide = format!("patient_id,time,4548-4|%,x|y|mg\n{}", rows.join("\n"));
        let _ = read_wide(wide.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Mutated real bundle: truncations and byte edits give Ok or a located error.
    #[test]
    fn mutated_bundle_never_panics(
        cut in 0.0..1.0f64,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
    ) {
        let path = format!("{}/../data/synthetic/glioblastoma_patient.json", env!("CARGO_MANIFEST_DIR"));
        let mut b = std::fs::read(path).unwrap();
        for (pos, byte) in edits {
            let n = b.len();
            b[pos % n] = byte;
        }
        if cut < 0.3 {
            b.truncate((b.len() as f64 * cut / 0.3) as usize);
        }
        let text = String::from_utf8_lossy(&b);
        let p = Pseudonymiser::new(b"0123456789abcdef").unwrap();
        if let Ok(imp) = read_bundle(&text, &p, ImportOptions::default()) {
            for r in &imp.records {
                prop_assert!(r.validate().is_ok());
            }
        }
    }
}

/// JSON with values of the wrong type in every field position of an Observation.
#[test]
fn wrong_types_in_every_observation_field() {
    let p = Pseudonymiser::new(b"0123456789abcdef").unwrap();
    let fields = [
        "code",
        "effectiveDateTime",
        "valueQuantity",
        "component",
        "method",
        "issued",
    ];
    for f in fields {
        for bad in ["1", "\"x\"", "[]", "{}", "null", "true", "-1e308", "[[[]]]"] {
            let json = format!(
                r#"{{"resourceType":"Bundle","entry":[{{"resource":{{"resourceType":"Patient","id":"a"}}}},
                {{"resource":{{"resourceType":"Observation","code":{{"coding":[{{"code":"1"}}]}},
                "effectiveDateTime":"2020","valueQuantity":{{"value":1}},"{f}":{bad}}}}}]}}"#
            );
            // Duplicate keys (f may repeat one above) are a serde error too; both fine.
            if let Err(e) = read_bundle(&json, &p, ImportOptions::default()) {
                let s = e.to_string();
                assert!(
                    s.contains("entry 1") || s.contains("line"),
                    "{f}={bad}: {s}"
                );
            }
        }
    }
}
