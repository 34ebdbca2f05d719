//! `DiagnosticReport`: counted only.

use serde::Deserialize;

use super::datatypes::CodeableConcept;

/// Only checked for shape: the report's results are read as Observations.
#[derive(Deserialize)]
#[allow(dead_code)]
pub(super) struct FhirDiagnosticReport {
    pub(super) code: CodeableConcept,
}
