//! A bundle full of identifiers: nothing identifying may reach the record, its JSON,
//! `Debug` output or any error message (unless the caller opts in, and even then not `Debug`).

use proptest::prelude::*;
use twin_io::fhir::read_bundle;
use twin_io::{Age, ImportOptions, Pseudonymiser};

/// Strings that must never leak.
const SECRETS: &[&str] = &[
    "Zebediah",
    "Quackenbush",
    "Wilhelmina",
    "Higginbottom",
    "742 Evergreen Terrace",
    "Springfield",
    "SW1A 9XY",
    "+1-555-0199-321",
    "zebediah@example.net",
    "MRN-99887766",
    "078-05-1120",
    "1931-07-04",
    "1958-12-25",
    "2021-03-15",
    "2021-04-20",
];

fn identified_bundle(gender_a: &str, value: &str, date: &str) -> String {
    format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[
 {{"fullUrl":"urn:uuid:a","resource":{{"resourceType":"Patient","id":"MRN-99887766",
   "identifier":[{{"type":{{"coding":[{{"code":"MR"}}]}},"system":"urn:hospital","value":"MRN-99887766"}},
                 {{"system":"http://hl7.org/fhir/sid/us-ssn","value":"078-05-1120"}}],
   "name":[{{"family":"Quackenbush","given":["Zebediah"]}}],
   "telecom":[{{"system":"phone","value":"+1-555-0199-321"}},{{"system":"email","value":"zebediah@example.net"}}],
   "address":[{{"line":["742 Evergreen Terrace"],"city":"Springfield","postalCode":"SW1A 9XY"}}],
   "gender":"{gender_a}","birthDate":"1931-07-04"}}}},
 {{"fullUrl":"urn:uuid:b","resource":{{"resourceType":"Patient","id":"p2",
   "identifier":[{{"system":"urn:hospital","value":"MRN-11"}}],
   "name":[{{"text":"Wilhelmina Higginbottom"}}],"gender":"female","birthDate":"1958-12-25"}}}},
 {{"resource":{{"resourceType":"Observation","subject":{{"reference":"urn:uuid:a"}},
   "code":{{"coding":[{{"system":"http://loinc.org","code":"4548-4"}}]}},
   "effectiveDateTime":"{date}","valueQuantity":{{"value":{value},"unit":"%"}}}}}},
 {{"resource":{{"resourceType":"Observation","subject":{{"reference":"Patient/p2"}},
   "code":{{"coding":[{{"system":"http://loinc.org","code":"2160-0"}}]}},
   "effectiveDateTime":"2021-04-20","valueQuantity":{{"value":0.9,"unit":"mg/dL"}}}}}},
 {{"resource":{{"resourceType":"Practitioner","name":[{{"text":"Zebediah Quackenbush"}}]}}}}
]}}"#
    )
}

fn key() -> Pseudonymiser {
    Pseudonymiser::new(b"privacy-test-key-0001").unwrap()
}

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks {s:?}: {text}");
    }
}

#[test]
fn default_import_drops_all_identifiers() {
    let text = identified_bundle("male", "7.4", "2021-03-15");
    let imp = read_bundle(&text, &key(), ImportOptions::default()).unwrap();
    assert_eq!(imp.records.len(), 2);
    assert_eq!(imp.skipped["Practitioner"], 1);
    for r in &imp.records {
        assert!(r.identifiers.is_none());
        assert_clean("record JSON", &r.to_json().unwrap());
    }
    assert_clean("Debug", &format!("{imp:?}"));
    // Born 1931-07-04, index 2021-03-15: 89 years old -> exact; birth year kept.
    assert_eq!(imp.records[0].demographics.age, Some(Age::Years(89)));
    assert_eq!(imp.records[0].demographics.birth_year, Some(1931));
    // Same patient measured after the 90th birthday: top band, no birth year.
    let text = identified_bundle("male", "7.4", "2021-07-04");
    let imp = read_bundle(&text, &key(), ImportOptions::default()).unwrap();
    assert_eq!(imp.records[0].demographics.age, Some(Age::NinetyOrOlder));
    assert_eq!(imp.records[0].demographics.birth_year, None);
    assert!(!imp.records[0].to_json().unwrap().contains("1931"));
}

#[test]
fn a_patient_who_turns_90_after_the_index_date_is_in_the_top_band() {
    // Born 1931-07-04: 89 at the first HbA1c (2021-03-15), 91 at the second. Age 89 at
    // index plus the second event's time would reveal 91, so the record is banded.
    let text = identified_bundle("male", "7.4", "2021-03-15").replace(
        r#" {"resource":{"resourceType":"Practitioner""#,
        r#" {"resource":{"resourceType":"Observation","subject":{"reference":"urn:uuid:a"},
   "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
   "effectiveDateTime":"2023-01-01","valueQuantity":{"value":7.1,"unit":"%"}}},
 {"resource":{"resourceType":"Practitioner""#,
    );
    let imp = read_bundle(&text, &key(), ImportOptions::default()).unwrap();
    let r = &imp.records[0];
    assert_eq!(r.observations.len(), 2);
    assert_eq!(r.demographics.age, Some(Age::NinetyOrOlder));
    assert_eq!(r.demographics.birth_year, None);
    assert!(!r.to_json().unwrap().contains("1931"));
    // The other patient (born 1958) keeps an exact age and birth year.
    assert_eq!(imp.records[1].demographics.age, Some(Age::Years(62)));
    assert_eq!(imp.records[1].demographics.birth_year, Some(1958));
}

#[test]
fn opt_in_keeps_identifiers_but_debug_stays_redacted() {
    let text = identified_bundle("male", "7.4", "2021-03-15");
    let imp = read_bundle(
        &text,
        &key(),
        ImportOptions {
            keep_identifiers: true,
        },
    )
    .unwrap();
    let ids = imp.records[0].identifiers.as_ref().unwrap();
    assert_eq!(ids.names, vec!["Zebediah Quackenbush"]);
    assert!(
        ids.ids
            .contains(&"http://hl7.org/fhir/sid/us-ssn|078-05-1120".to_string())
    );
    let json = imp.records[0].to_json().unwrap();
    assert!(json.contains("742 Evergreen Terrace, SW1A 9XY, Springfield"));
    assert!(json.contains("1931-07-04"));
    assert_clean("Debug with identifiers", &format!("{imp:?}"));
}

#[test]
fn errors_never_echo_identifiers() {
    // Each case puts an identifier where the reader must fail.
    let cases = [
        identified_bundle("Zebediah Quackenbush", "7.4", "2021-03-15"), // bad gender
        identified_bundle("male", "\"078-05-1120\"", "2021-03-15"),     // string value
        identified_bundle("male", "7.4", "1958-12-25T99:00:00Z"),       // bad date time
        identified_bundle("male", "7.4", "MRN-99887766"),               // not a date
        identified_bundle("male", "{\"x\":\"Springfield\"}", "2021-03-15"),
        identified_bundle("male", "7.4", "2021-03-15")
            .replace("\"given\":[\"Zebediah\"]", "\"given\":\"Zebediah\""),
        identified_bundle("male", "7.4", "2021-03-15").replace(
            "\"birthDate\":\"1931-07-04\"",
            "\"birthDate\":\"1931-07-04x\"",
        ),
    ];
    for (i, c) in cases.iter().enumerate() {
        let e = read_bundle(c, &key(), ImportOptions::default()).unwrap_err();
        assert_clean(&format!("error {i} Display"), &e.to_string());
        assert_clean(&format!("error {i} Debug"), &format!("{e:?}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Byte-level mutations of the identified bundle: any error stays clean, and any
    /// successful import's JSON and Debug stay clean.
    #[test]
    fn mutated_identified_bundles_never_leak(
        edits in proptest::collection::vec((0usize..3000, prop::sample::select(vec![b'"', b'{', b'}', b',', b'1', b'x', b'[', b':', b' '])), 1..4)
    ) {
        let mut b = identified_bundle("male", "7.4", "2021-03-15").into_bytes();
        for (pos, byte) in edits {
            let n = b.len();
            b[pos % n] = byte;
        }
        let text = String::from_utf8_lossy(&b);
        match read_bundle(&text, &key(), ImportOptions::default()) {
            Err(e) => {
                let (d, g) = (e.to_string(), format!("{e:?}"));
                for s in SECRETS {
                    prop_assert!(!d.contains(s) && !g.contains(s), "error leaks {}: {}", s, d);
                }
            }
            Ok(imp) => {
                let g = format!("{imp:?}");
                for r in &imp.records {
                    let j = serde_json::to_string(r).unwrap();
                    for s in SECRETS {
                        prop_assert!(!j.contains(s) && !g.contains(s), "output leaks {}", s);
                    }
                }
            }
        }
    }
}
