//! # twin-io
//!
//! Patient records for digital twins: the [`record`] model every twin reads,
//! [`units`] (UCUM conversions), [`privacy`] (keyed pseudonyms, date shifting,
//! age bands) and calendar [`date`]s.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod date;
pub mod error;
pub mod fhir;
pub mod nifti_io;
pub mod privacy;
pub mod record;
pub mod table;
pub mod units;

pub use date::Date;
pub use error::{IoError, Result};
pub use privacy::{ImportOptions, Pseudonymiser};
pub use record::{
    Age, Biomarker, Code, Condition, Demographics, Identifiers, ImagingRef, Medication,
    Observation, PatientRecord, Procedure, ProcedureDetail, Quantity, Response, SegmentationLabel,
    Sex, Variant,
};
