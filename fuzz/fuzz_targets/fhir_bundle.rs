//! Fuzz the FHIR R4 bundle reader: any input gives Ok or an error, never a panic,
//! and successful imports produce valid records that serialise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twin_io::fhir::read_bundle;
use twin_io::{ImportOptions, Pseudonymiser};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let key = Pseudonymiser::new(b"fuzzing-key-0123456789").unwrap();
    for keep_identifiers in [false, true] {
        if let Ok(imp) = read_bundle(text, &key, ImportOptions { keep_identifiers }) {
            for r in &imp.records {
                r.validate().unwrap();
                let json = r.to_json().unwrap();
                assert_eq!(&twin_io::PatientRecord::from_json(&json).unwrap(), r);
            }
        }
    }
});
