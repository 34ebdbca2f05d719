//! Why a twin could not be calibrated, as a category that carries no patient data.

use serde::{Deserialize, Serialize};

use crate::error::OncologyError;

/// Why the twin of a patient could not be calibrated: the offending field of an input
/// error (e.g. `radius growth` when rater noise makes a slow tumour look as if it
/// shrank between the scans), or the engine that failed. Carries no patient data.
pub fn failure_category(e: &OncologyError) -> String {
    match e {
        OncologyError::InvalidInput { field, .. } => field.clone(),
        OncologyError::Core(_) => "twin-core solver or calibration".into(),
        OncologyError::Validate(_) => "twin-validate".into(),
        OncologyError::Table { .. } | OncologyError::Io { .. } => "input file".into(),
    }
}

/// Test patients whose twin failed for one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureCause {
    /// [`failure_category`] of the error.
    pub category: String,
    /// Cohort indices ([`VirtualGliomaPatient::id`](super::VirtualGliomaPatient::id)) of those patients.
    pub patient_indices: Vec<u64>,
}
