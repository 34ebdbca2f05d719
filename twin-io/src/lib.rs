//! # twin-io
//!
//! How a twin gets its patient: a de-identified [`PatientRecord`] read from a
//! hospital's FHIR R4 export, a research CSV or JSON, plus image volumes from NIfTI.
//!
//! | module | job |
//! |---|---|
//! | [`record`] | the record model (observations by LOINC code with value + UCUM unit, conditions, medications with dose and schedule, procedures, responses, imaging references, variants, biomarkers) and its documented JSON schema |
//! | [`loinc`] | the LOINC codes the twins use (also at `record::loinc`) |
//! | [`fhir`] | FHIR R4 `Bundle` import (a focused serde model; why not a FHIR crate is explained there) |
//! | [`table`] | CSV long (`patient_id,time,code,value,unit`) and wide cohort tables, both ways |
//! | [`nifti_io`] | NIfTI-1 read/write on [`twin_core::pde::Grid`], label and probability maps, trilinear / nearest resampling (registration is out of scope) |
//! | [`ranges`] | physiological plausibility limits per LOINC code and time limits: the one validation layer every importer ends with (refuses, never clamps) |
//! | [`units`] | UCUM conversions: glucose and creatinine mass ↔ molar, HbA1c NGSP ↔ IFCC (Hoelzel 2004), lb ↔ kg, dose per body-surface area (Mosteller 1987, Du Bois 1916) |
//! | [`vtk`] | VTK ImageData (`.vti`) output of voxel fields for ParaView (activation and phase maps, densities) |
//! | [`privacy`] | HMAC-SHA256 pseudonyms stable across files, per-patient date shifts, age ≥ 90 band; identifiers only on opt-in |
//! | [`date`] | calendar dates and FHIR date/dateTime parsing |
//!
//! Time in a record is `t_days`, days since the record's (shifted) index date, so
//! pseudonymisation never changes the intervals a model is fitted to. Errors name
//! the line, column, entry, resource and field, the offending measurement and its
//! allowed range, and never an identifier (name, id, birth date, address).
//!
//! ```
//! use twin_io::{fhir::read_bundle, ImportOptions, Pseudonymiser, record::loinc};
//!
//! let bundle = r#"{"resourceType": "Bundle", "entry": [
//!   {"resource": {"resourceType": "Patient", "id": "1", "gender": "female",
//!                 "name": [{"family": "Doe"}], "birthDate": "1960-05-01"}},
//!   {"resource": {"resourceType": "Observation", "subject": {"reference": "Patient/1"},
//!                 "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
//!                 "effectiveDateTime": "2020-01-10", "valueQuantity": {"value": 7.9, "unit": "%"}}},
//!   {"resource": {"resourceType": "Observation", "subject": {"reference": "Patient/1"},
//!                 "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
//!                 "effectiveDateTime": "2020-04-10", "valueQuantity": {"value": 7.1, "unit": "%"}}}
//! ]}"#;
//! let key = Pseudonymiser::new(b"a secret key of 16+ bytes")?;
//! let import = read_bundle(bundle, &key, ImportOptions::default())?;
//! let record = &import.records[0];
//! assert!(record.patient_id.starts_with("pt-"));
//! assert!(!record.to_json()?.contains("Doe"));
//! // HbA1c over time, in IFCC units: (t_days, mmol/mol).
//! let a1c = record.series_in(loinc::HBA1C_NGSP, "mmol/mol")?;
//! assert_eq!(a1c[1].0, 91.0);
//! assert!((a1c[0].1 - 10.929 * (7.9 - 2.15)).abs() < 1e-9);
//! # Ok::<(), twin_io::IoError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod date;
pub mod error;
pub mod fhir;
pub mod loinc;
pub mod nifti_io;
pub mod privacy;
pub mod ranges;
pub mod record;
pub mod table;
pub mod units;
pub mod vtk;

pub use date::Date;
pub use error::{IoError, Result};
pub use privacy::{ImportOptions, Pseudonymiser};
pub use record::{
    Age, Biomarker, Code, Condition, Demographics, Identifiers, ImagingRef, Medication,
    Observation, PatientRecord, Procedure, ProcedureDetail, Quantity, RecordCounts, Response,
    SegmentationLabel, Sex, Variant,
};
