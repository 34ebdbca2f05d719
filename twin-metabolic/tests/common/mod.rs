//! Shared test fixture: the synthetic T2D patient's history.

use twin_io::{ImportOptions, Pseudonymiser, fhir::read_bundle};
use twin_metabolic::History;

/// The synthetic T2D patient (`data/synthetic/t2d_patient.json`, a FHIR R4 bundle
/// written by twin-io's generator), pseudonymised with a fixed key.
pub fn history() -> History {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/synthetic/t2d_patient.json"
    );
    let json = std::fs::read_to_string(path).unwrap();
    let key = Pseudonymiser::new(b"twin-metabolic-test-key-0123456789").unwrap();
    let imp = read_bundle(&json, &key, ImportOptions::default()).unwrap();
    History::from_record(&imp.records[0]).unwrap()
}
