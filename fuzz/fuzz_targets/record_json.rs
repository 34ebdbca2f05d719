//! Fuzz the patient-record JSON reader: any text gives a record or an error, never a
//! panic; an accepted record passes `validate` (ranges, times) and survives a JSON
//! round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twin_io::PatientRecord;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(r) = PatientRecord::from_json(text) else { return };
    r.validate().unwrap();
    let json = r.to_json().unwrap();
    assert_eq!(PatientRecord::from_json(&json).unwrap(), r);
});
