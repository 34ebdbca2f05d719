//! The patient record model every twin reads.
//!
//! One [`PatientRecord`] per patient, de-identified by default. **Time** is a
//! single axis: every event carries `t_days`, fractional days since the record's
//! [`PatientRecord::index_date`] (00:00 UTC of that date). Pseudonymisation
//! shifts `index_date` only, so intervals between events — what the models
//! need — are preserved exactly.
//!
//! # JSON schema (version [`SCHEMA_VERSION`])
//!
//! ```json
//! {
//!   "schema_version": 1,
//!   "patient_id": "pt-3f9a1c0b7d2e4a55",          // pseudonym (HMAC-SHA256), never an MRN
//!   "index_date": "2019-03-04",                    // shifted; t_days = 0 at 00:00 UTC of it
//!   "demographics": {"sex": "female", "age": {"years": 57} /* or "ninety_or_older" */,
//!                    "birth_year": 1962, "ethnicity": "...", "deceased_days": null},
//!   "observations": [{"t_days": 0.0, "code": {"system": "http://loinc.org", "code": "4548-4",
//!                     "display": "Hemoglobin A1c"}, "value": 7.9, "unit": "%"}],
//!   "conditions":   [{"code": {...ICD-10 or SNOMED...}, "onset_days": -400.0,
//!                     "abatement_days": null, "status": "active"}],
//!   "medications":  [{"code": {...ATC or RxNorm...}, "start_days": 0.0, "end_days": null,
//!                     "dose": {"value": 500.0, "unit": "mg"}, "interval_days": 0.5,
//!                     "route": "oral"}],
//!   "procedures":   [{"code": {...}, "t_days": 30.0, "end_days": 72.0, "body_site": null,
//!                     "detail": {"kind": "radiotherapy", "fractions": 30, "total_dose_gy": 60.0}}],
//!                     // or {"kind": "ablation", "lesions": ["PVI", "roof line"]},
//!                     //    {"kind": "surgery", "extent": "gross total"}, {"kind": "other"}
//!   "responses":    [{"t_days": 120.0, "criterion": "RANO", "category": "PR"}],
//!   "imaging":      [{"t_days": 28.0, "modality": "MR", "description": "T1 post-contrast",
//!                     "nifti_path": "images/t1c.nii.gz", "labels": [{"value": 1, "name": "enhancing tumour"}]}],
//!   "variants":     [{"t_days": 10.0, "gene": "IDH1", "hgvs": "NM_005896.4:c.395G>A", "vaf": 0.41}],
//!   "biomarkers":   [{"t_days": 10.0, "code": {...}, "status": "positive", "value": null, "unit": null}],
//!   "identifiers":  null                          // only present when the caller opted in
//! }
//! ```
//! (JSON has no comments; they are explanations here.) All lists may be empty;
//! `null`/absent optional fields are equivalent.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::error::{IoError, Result};
use crate::units;

/// Version of the JSON layout written by [`PatientRecord::to_json`].
pub const SCHEMA_VERSION: u32 = 1;

/// Code system URIs used in records (FHIR canonical forms).
pub mod systems {
    /// LOINC (observations, laboratory and vital signs).
    pub const LOINC: &str = "http://loinc.org";
    /// SNOMED CT.
    pub const SNOMED: &str = "http://snomed.info/sct";
    /// ICD-10 (WHO).
    pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
    /// ICD-10-CM (US clinical modification).
    pub const ICD10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
    /// ATC (WHO Anatomical Therapeutic Chemical classification).
    pub const ATC: &str = "http://www.whocc.no/atc";
    /// RxNorm (US NLM).
    pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
    /// HGNC gene symbols.
    pub const HGNC: &str = "http://www.genenames.org";
    /// UCUM units.
    pub const UCUM: &str = "http://unitsofmeasure.org";
}

/// Common LOINC codes the twins use (LOINC 2.76 names); defined in [`crate::loinc`].
pub use crate::loinc;

/// A coded concept: system URI, code and an optional human-readable display.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Code {
    /// Code system URI (see [`systems`]); empty when the source gave none.
    pub system: String,
    /// The code, e.g. `4548-4`.
    pub code: String,
    /// Display text from the terminology (not free text about the patient).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Code {
    /// A code without display text.
    pub fn new(system: &str, code: &str) -> Self {
        Self {
            system: system.to_string(),
            code: code.to_string(),
            display: None,
        }
    }

    /// A LOINC code.
    pub fn loinc(code: &str) -> Self {
        Self::new(systems::LOINC, code)
    }
}

/// A numeric value with its UCUM unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// The number (finite).
    pub value: f64,
    /// UCUM unit code, e.g. `mg`, `mg/m2`, `Gy`.
    pub unit: String,
}

/// Administrative sex as recorded (FHIR `AdministrativeGender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Other.
    Other,
    /// Unknown or not recorded.
    #[default]
    Unknown,
}

/// Age in whole years at the index date, generalised per HIPAA Safe Harbor
/// (45 CFR 164.514(b)(2)(i)(C)): ages over 89 are aggregated into one band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Age {
    /// Age 0–89 in completed years.
    Years(u32),
    /// 90 years or older (the exact age is not kept).
    NinetyOrOlder,
}

/// Oldest age kept exactly; anything above becomes [`Age::NinetyOrOlder`].
pub const MAX_EXACT_AGE_YEARS: u32 = 89;

impl Age {
    /// Generalise an exact age in years.
    pub fn from_years(years: u32) -> Self {
        if years > MAX_EXACT_AGE_YEARS {
            Age::NinetyOrOlder
        } else {
            Age::Years(years)
        }
    }

    /// A number usable by models: the exact age, or 90 for the top band (a lower bound).
    pub fn years_lower_bound(self) -> u32 {
        match self {
            Age::Years(y) => y,
            Age::NinetyOrOlder => MAX_EXACT_AGE_YEARS + 1,
        }
    }
}

/// Demographics without direct identifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Demographics {
    /// Administrative sex.
    #[serde(default)]
    pub sex: Sex,
    /// Age at the index date, generalised: [`Age::NinetyOrOlder`] when the patient is 90
    /// or older at any dated moment of the record (the index age plus an event's time
    /// would otherwise reveal that age).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<Age>,
    /// Year of birth; dropped when the age is 90 or more (Safe Harbor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i32>,
    /// Self-reported ethnicity / race category, for subgroup audits only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    /// Time of death, days since the index date, if deceased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased_days: Option<f64>,
}

/// One measured value at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Days since the index date.
    pub t_days: f64,
    /// What was measured (LOINC for labs and vitals).
    pub code: Code,
    /// The value (finite).
    pub value: f64,
    /// UCUM unit of `value` (`1` for dimensionless).
    pub unit: String,
}

/// A diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// ICD-10 or SNOMED CT code.
    pub code: Code,
    /// Onset, days since the index date (negative = before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset_days: Option<f64>,
    /// Resolution, days since the index date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abatement_days: Option<f64>,
    /// FHIR clinical status (`active`, `remission`, `resolved`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A drug the patient takes or was prescribed, with dose and schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Medication {
    /// ATC or RxNorm code.
    pub code: Code,
    /// Start, days since the index date.
    pub start_days: f64,
    /// End (exclusive), days since the index date; `None` = ongoing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_days: Option<f64>,
    /// Amount per administration (`mg`, `mg/m2`, `U`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<Quantity>,
    /// Days between administrations (0.5 = twice daily, 21 = every 3 weeks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_days: Option<f64>,
    /// Route, e.g. `oral`, `intravenous`, `subcutaneous`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
}

/// Disease-specific details of a procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProcedureDetail {
    /// External-beam radiotherapy course.
    Radiotherapy {
        /// Number of fractions.
        fractions: u32,
        /// Total prescribed dose in gray.
        total_dose_gy: f64,
    },
    /// Catheter ablation with its lesion set (e.g. `PVI`, `roof line`, `mitral line`).
    Ablation {
        /// Lesions made.
        lesions: Vec<String>,
    },
    /// Surgery, with the extent of resection when known (`gross total`, `subtotal`, `biopsy`).
    Surgery {
        /// Extent of resection.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        extent: Option<String>,
    },
    /// Any other procedure.
    #[default]
    Other,
}

/// A procedure: radiotherapy, ablation, surgery, ...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    /// SNOMED CT (or other) procedure code.
    pub code: Code,
    /// Start, days since the index date.
    pub t_days: f64,
    /// End, days since the index date (e.g. last radiotherapy fraction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_days: Option<f64>,
    /// Body site text (e.g. `left frontal lobe`, `left atrium`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_site: Option<String>,
    /// Procedure-specific details.
    #[serde(default)]
    pub detail: ProcedureDetail,
}

/// A response assessment (RECIST 1.1, RANO, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// Days since the index date.
    pub t_days: f64,
    /// Criteria used, e.g. `RECIST 1.1`, `RANO`.
    pub criterion: String,
    /// Category: `CR`, `PR`, `SD`, `PD` (or the system's own).
    pub category: String,
}

/// A segmentation label in a label map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentationLabel {
    /// Integer voxel value.
    pub value: u16,
    /// What the label marks (e.g. `enhancing tumour`).
    pub name: String,
}

/// A reference to an image volume (NIfTI) with its acquisition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImagingRef {
    /// Acquisition, days since the index date.
    pub t_days: f64,
    /// DICOM modality code: `MR`, `CT`, `PT`, `US`, ...
    pub modality: String,
    /// Sequence or series description (e.g. `T1 post-contrast`, `FLAIR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Path of the NIfTI file, relative to the record's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nifti_path: Option<String>,
    /// Labels when the volume is a segmentation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<SegmentationLabel>,
}

/// A genomic variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Days since the index date (sample date).
    pub t_days: f64,
    /// HGNC gene symbol.
    pub gene: String,
    /// HGVS expression (e.g. `NM_005896.4:c.395G>A`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hgvs: Option<String>,
    /// Variant allele fraction, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vaf: Option<f64>,
}

/// A biomarker status (ER/PR/HER2, MGMT methylation, IDH, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Biomarker {
    /// Days since the index date.
    pub t_days: f64,
    /// What was assessed (LOINC).
    pub code: Code,
    /// Status, lower case: `positive`, `negative`, `methylated`, `unmethylated`, `mutant`, `wildtype`, ...
    pub status: String,
    /// A quantitative result when reported (e.g. percent of stained nuclei).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// UCUM unit of `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// Direct identifiers, kept only when the caller opts in
/// ([`crate::privacy::ImportOptions::keep_identifiers`]).
///
/// `Debug` prints nothing identifying; `Serialize` writes them (the caller asked).
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Identifiers {
    /// Source patient identifiers as `system|value` (MRN, national ids, ...).
    pub ids: Vec<String>,
    /// Names as written.
    pub names: Vec<String>,
    /// Full birth date.
    pub birth_date: Option<Date>,
    /// Postal addresses as one line each.
    pub addresses: Vec<String>,
    /// Phone numbers, e-mail addresses.
    pub telecom: Vec<String>,
    /// The real (unshifted) index date.
    pub real_index_date: Option<Date>,
}

impl fmt::Debug for Identifiers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Identifiers(<redacted: {} ids, {} names, {} addresses, {} telecom>)",
            self.ids.len(),
            self.names.len(),
            self.addresses.len(),
            self.telecom.len()
        )
    }
}

/// One patient's de-identified record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientRecord {
    /// Layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Pseudonymous id (see [`crate::privacy::Pseudonymiser`]).
    pub patient_id: String,
    /// Date at which `t_days = 0` (shifted unless the caller kept identifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_date: Option<Date>,
    /// Sex, generalised age, ethnicity.
    #[serde(default)]
    pub demographics: Demographics,
    /// Labs, vitals, tumour sizes.
    #[serde(default)]
    pub observations: Vec<Observation>,
    /// Diagnoses.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Drugs with dose and schedule.
    #[serde(default)]
    pub medications: Vec<Medication>,
    /// Radiotherapy, ablation, surgery.
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    /// Response assessments.
    #[serde(default)]
    pub responses: Vec<Response>,
    /// Image volumes.
    #[serde(default)]
    pub imaging: Vec<ImagingRef>,
    /// Genomic variants.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Biomarker statuses.
    #[serde(default)]
    pub biomarkers: Vec<Biomarker>,
    /// Direct identifiers; `None` unless the caller opted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifiers: Option<Identifiers>,
}

impl PatientRecord {
    /// An empty record for a (pseudonymous) id.
    pub fn new(patient_id: impl Into<String>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            patient_id: patient_id.into(),
            index_date: None,
            demographics: Demographics::default(),
            observations: Vec::new(),
            conditions: Vec::new(),
            medications: Vec::new(),
            procedures: Vec::new(),
            responses: Vec::new(),
            imaging: Vec::new(),
            variants: Vec::new(),
            biomarkers: Vec::new(),
            identifiers: None,
        }
    }

    /// All observations with this code (any system), sorted by time, as
    /// `(t_days, value, unit)`.
    pub fn series(&self, code: &str) -> Vec<(f64, f64, String)> {
        let mut v: Vec<_> = self
            .observations
            .iter()
            .filter(|o| o.code.code == code)
            .map(|o| (o.t_days, o.value, o.unit.clone()))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v
    }

    /// The series of `code` converted to `unit`, as `(t_days, value)` sorted by time.
    ///
    /// Uses [`units::convert`]; an observation whose unit cannot be converted is an error
    /// naming the code and unit.
    pub fn series_in(&self, code: &str, unit: &str) -> Result<Vec<(f64, f64)>> {
        self.series(code)
            .into_iter()
            .map(|(t, v, u)| Ok((t, units::convert(code, v, &u, unit)?)))
            .collect()
    }

    /// The most recent observation of `code` at or before `t_days`, as `(t_days, value, unit)`.
    pub fn latest_before(&self, code: &str, t_days: f64) -> Option<(f64, f64, String)> {
        self.series(code).into_iter().rev().find(|s| s.0 <= t_days)
    }

    /// The first biomarker with this code (any system), if any.
    pub fn biomarker(&self, code: &str) -> Option<&Biomarker> {
        self.biomarkers.iter().find(|b| b.code.code == code)
    }

    /// True if any condition's code starts with `prefix` (e.g. `E11` for type 2 diabetes in ICD-10).
    pub fn has_condition(&self, prefix: &str) -> bool {
        self.conditions
            .iter()
            .any(|c| c.code.code.starts_with(prefix))
    }

    /// Medications whose code starts with `prefix` (e.g. ATC `A10` = drugs used in diabetes).
    pub fn medications_with(&self, prefix: &str) -> Vec<&Medication> {
        self.medications
            .iter()
            .filter(|m| m.code.code.starts_with(prefix))
            .collect()
    }

    /// Check invariants: times finite and within 150 years of the index date, values
    /// finite and, for the LOINC codes of [`crate::ranges`], physiologically plausible
    /// (converted to the range's unit first), doses ≥ 0, VAF within 0–1, known schema
    /// version. Every importer (FHIR, CSV, record JSON) ends with this check.
    ///
    /// Errors name the list, index and field, the value and the allowed range.
    pub fn validate(&self) -> Result<()> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(IoError::invalid(
                "schema_version",
                self.schema_version,
                format!("{SCHEMA_VERSION}"),
            ));
        }
        // Every field named `*_days` is a time relative to the index date.
        let finite = |field: String, x: f64| {
            if field.ends_with("_days") {
                crate::ranges::check_t_days(&field, x)
            } else if x.is_finite() {
                Ok(())
            } else {
                Err(IoError::invalid(field, x, "a finite number"))
            }
        };
        let opt = |field: String, x: Option<f64>| x.map_or(Ok(()), |x| finite(field, x));
        for (i, o) in self.observations.iter().enumerate() {
            finite(format!("observations[{i}].t_days"), o.t_days)?;
            let field = format!("observations[{i}].value");
            // A bare code counts as LOINC: `series` matches codes in any system.
            if o.code.system == systems::LOINC || o.code.system.is_empty() {
                crate::ranges::check_value(&field, &o.code.code, o.value, &o.unit)?;
            } else {
                finite(field, o.value)?;
            }
        }
        for (i, c) in self.conditions.iter().enumerate() {
            opt(format!("conditions[{i}].onset_days"), c.onset_days)?;
            opt(format!("conditions[{i}].abatement_days"), c.abatement_days)?;
        }
        for (i, m) in self.medications.iter().enumerate() {
            finite(format!("medications[{i}].start_days"), m.start_days)?;
            opt(format!("medications[{i}].end_days"), m.end_days)?;
            if let Some(d) = &m.dose
                && !(d.value.is_finite() && d.value >= 0.0)
            {
                return Err(IoError::invalid(
                    format!("medications[{i}].dose.value"),
                    d.value,
                    "a finite dose >= 0",
                ));
            }
            if let Some(iv) = m.interval_days
                && !(iv.is_finite() && iv > 0.0)
            {
                return Err(IoError::invalid(
                    format!("medications[{i}].interval_days"),
                    iv,
                    "a finite number of days > 0",
                ));
            }
        }
        for (i, p) in self.procedures.iter().enumerate() {
            finite(format!("procedures[{i}].t_days"), p.t_days)?;
            opt(format!("procedures[{i}].end_days"), p.end_days)?;
            if let ProcedureDetail::Radiotherapy { total_dose_gy, .. } = p.detail
                && !(total_dose_gy.is_finite() && total_dose_gy >= 0.0)
            {
                return Err(IoError::invalid(
                    format!("procedures[{i}].detail.total_dose_gy"),
                    total_dose_gy,
                    "a finite dose >= 0 Gy",
                ));
            }
        }
        for (i, r) in self.responses.iter().enumerate() {
            finite(format!("responses[{i}].t_days"), r.t_days)?;
        }
        for (i, m) in self.imaging.iter().enumerate() {
            finite(format!("imaging[{i}].t_days"), m.t_days)?;
        }
        for (i, v) in self.variants.iter().enumerate() {
            finite(format!("variants[{i}].t_days"), v.t_days)?;
            if let Some(f) = v.vaf
                && !(0.0..=1.0).contains(&f)
            {
                return Err(IoError::invalid(format!("variants[{i}].vaf"), f, "0 to 1"));
            }
        }
        for (i, b) in self.biomarkers.iter().enumerate() {
            finite(format!("biomarkers[{i}].t_days"), b.t_days)?;
            opt(format!("biomarkers[{i}].value"), b.value)?;
        }
        opt(
            "demographics.deceased_days".into(),
            self.demographics.deceased_days,
        )?;
        Ok(())
    }

    /// Pretty JSON (the schema in the module docs).
    pub fn to_json(&self) -> Result<String> {
        self.validate()?;
        serde_json::to_string_pretty(self).map_err(|e| IoError::json(&e))
    }

    /// Parse and validate a record from JSON; errors give line, column and (redacted) cause.
    pub fn from_json(text: &str) -> Result<Self> {
        let r: Self = serde_json::from_str(text).map_err(|e| IoError::json(&e))?;
        r.validate()?;
        Ok(r)
    }

    /// Counts per list, for summaries.
    pub fn counts(&self) -> RecordCounts {
        RecordCounts {
            observations: self.observations.len(),
            conditions: self.conditions.len(),
            medications: self.medications.len(),
            procedures: self.procedures.len(),
            responses: self.responses.len(),
            imaging: self.imaging.len(),
            variants: self.variants.len(),
            biomarkers: self.biomarkers.len(),
        }
    }
}

/// Number of entries per list of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RecordCounts {
    /// Observations.
    pub observations: usize,
    /// Conditions.
    pub conditions: usize,
    /// Medications.
    pub medications: usize,
    /// Procedures.
    pub procedures: usize,
    /// Responses.
    pub responses: usize,
    /// Imaging references.
    pub imaging: usize,
    /// Variants.
    pub variants: usize,
    /// Biomarkers.
    pub biomarkers: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(t: f64, code: &str, v: f64, u: &str) -> Observation {
        Observation {
            t_days: t,
            code: Code::loinc(code),
            value: v,
            unit: u.into(),
        }
    }

    #[test]
    fn series_sorted_and_converted() {
        let mut r = PatientRecord::new("pt-1");
        r.observations
            .push(obs(90.0, loinc::GLUCOSE_MASS, 180.16, "mg/dL"));
        r.observations
            .push(obs(0.0, loinc::GLUCOSE_MASS, 90.08, "mg/dL"));
        r.observations.push(obs(30.0, loinc::HBA1C_NGSP, 7.0, "%"));
        let s = r.series(loinc::GLUCOSE_MASS);
        assert_eq!(s.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0.0, 90.0]);
        // 180.16 mg/dL of glucose (M = 180.16 g/mol) is 10 mmol/L by definition of the mole.
        let mm = r.series_in(loinc::GLUCOSE_MASS, "mmol/L").unwrap();
        assert!((mm[1].1 - 10.0).abs() < 1e-12 && (mm[0].1 - 5.0).abs() < 1e-12);
        assert!(r.series_in(loinc::GLUCOSE_MASS, "kg").is_err());
        assert_eq!(r.latest_before(loinc::GLUCOSE_MASS, 45.0).unwrap().1, 90.08);
        assert!(r.latest_before(loinc::GLUCOSE_MASS, -1.0).is_none());
    }

    #[test]
    fn json_round_trip_and_validation() {
        let mut r = PatientRecord::new("pt-2");
        r.index_date = Date::from_ymd(2020, 5, 17);
        r.demographics.age = Some(Age::from_years(93));
        r.observations.push(obs(1.5, loinc::HBA1C_NGSP, 8.1, "%"));
        r.procedures.push(Procedure {
            code: Code::new(systems::SNOMED, "108290001"),
            t_days: 30.0,
            end_days: Some(72.0),
            body_site: None,
            detail: ProcedureDetail::Radiotherapy {
                fractions: 30,
                total_dose_gy: 60.0,
            },
        });
        let j = r.to_json().unwrap();
        assert!(j.contains("\"ninety_or_older\"") && j.contains("\"radiotherapy\""));
        assert_eq!(PatientRecord::from_json(&j).unwrap(), r);
        r.observations[0].value = f64::NAN;
        let e = r.validate().unwrap_err().to_string();
        assert!(e.contains("observations[0].value"), "{e}");
        let e = PatientRecord::from_json("{\"schema_version\": 1, \"patient_id\": 3}").unwrap_err();
        assert!(matches!(e, IoError::Json { line: 1, .. }), "{e}");
    }

    #[test]
    fn age_generalisation_boundary() {
        assert_eq!(Age::from_years(89), Age::Years(89));
        assert_eq!(Age::from_years(90), Age::NinetyOrOlder);
        assert_eq!(Age::NinetyOrOlder.years_lower_bound(), 90);
    }
}
