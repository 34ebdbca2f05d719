//! FHIR R4 JSON `Bundle` import.
//!
//! # Why a focused serde model and not a FHIR crate
//!
//! We compared the maintained Rust FHIR crates (November 2026) with a hand-written
//! model of the ~15 fields per resource we read:
//!
//! | option | FHIR R4? | generated code | notes |
//! |---|---|---|---|
//! | `fhir-sdk` 0.16 (`fhir-model` 0.13) | no: STU3, R4B, R5 only | 225 k lines for R4B alone (28 MB crate) | R4B is wire-compatible for most resources but not all; needs Rust 1.95 |
//! | `fhirbolt` 0.4 | yes | 406 k lines of serde code for R4 (70 MB `fhirbolt-serde`), 39 crates | last release 2023 |
//! | this module | the subset below | ~500 lines | compiles in seconds; errors carry field paths |
//!
//! Full models validate every field we then ignore, and compiling a few hundred
//! thousand lines of generated code costs minutes on every cold build for every user
//! of this crate. The subset is easy to audit against the R4 specification, and with
//! `serde_path_to_error` every schema error names the field (e.g.
//! `valueQuantity.value`). We therefore read FHIR through this module.
//!
//! # What is read
//!
//! | resource | becomes |
//! |---|---|
//! | `Patient` | pseudonym, sex, generalised age, birth year (< 90), ethnicity (US Core extension); identifiers only on opt-in |
//! | `Observation` | `valueQuantity` → [`Observation`](crate::record::Observation); `component`s (blood pressure) → one observation each; `valueCodeableConcept`/`valueString` → [`Biomarker`](crate::record::Biomarker); LOINC `69548-6` → [`Variant`](crate::record::Variant); LOINC `97509-4` → [`Response`](crate::record::Response) |
//! | `Condition` | [`Condition`](crate::record::Condition) |
//! | `MedicationStatement`, `MedicationRequest` | [`Medication`](crate::record::Medication) (dose, route, `timing.repeat` → interval) |
//! | `Procedure` | [`Procedure`](crate::record::Procedure), with project extensions for radiotherapy fractions/dose, ablation lesions and resection extent ([`EXT_BASE`]) |
//! | `ImagingStudy` | one [`ImagingRef`](crate::record::ImagingRef) per series; NIfTI path and segmentation labels from extensions |
//! | `DiagnosticReport` | counted (its results are separate Observations; its free-text conclusion is not kept) |
//!
//! Any other resource type is skipped and counted in [`FhirImport::skipped`]. A
//! resource is attached to the patient its `subject`/`patient` reference names
//! (`Patient/<id>` or the patient entry's `fullUrl`); with a single patient in the
//! bundle, resources without a resolvable reference go to that patient.
//!
//! **Source id for pseudonyms**: the first `Patient.identifier` whose type is `MR`
//! (`system|value`), else the first identifier, else `Patient/<id>`, so the same
//! patient gets the same pseudonym in exports from different servers that share MRNs.

mod condition;
mod context;
mod datatypes;
mod diagnostic_report;
mod draft;
mod extensions;
mod imaging;
mod medication;
mod observation;
mod patient;
mod procedure;

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::error::{IoError, Result};
use crate::privacy::{ImportOptions, Pseudonymiser};
use crate::record::PatientRecord;
use condition::add_condition;
use context::Ctx;
use diagnostic_report::FhirDiagnosticReport;
use draft::Draft;
use imaging::add_imaging;
use medication::add_medication;
use observation::add_observation;
use patient::patient_draft;
use procedure::add_procedure;

pub use extensions::{
    EXT_ABLATION_LESION, EXT_BASE, EXT_NIFTI_PATH, EXT_RESECTION_EXTENT, EXT_RT_FRACTIONS,
    EXT_RT_TOTAL_DOSE, EXT_SEG_LABEL,
};

/// Largest bundle accepted, in bytes (a guard against memory exhaustion).
pub const MAX_BUNDLE_BYTES: usize = 512 * 1024 * 1024;

/// The result of importing a bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct FhirImport {
    /// One de-identified record per `Patient`, in bundle order.
    pub records: Vec<PatientRecord>,
    /// Resources read, per resource type.
    pub read: BTreeMap<String, usize>,
    /// Resources skipped because their type is not supported, per type.
    pub skipped: BTreeMap<String, usize>,
    /// Supported resources skipped because their subject names no patient of this bundle
    /// (or, with several patients, they name none).
    pub unlinked: usize,
    /// Observations skipped because they carry a `dataAbsentReason` instead of a value, or
    /// only a bound (a `valueQuantity.comparator` such as `<` below a detection limit).
    pub absent_values: usize,
}

impl FhirImport {
    /// Total number of skipped resources (unsupported type).
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }
}

/// Read a FHIR R4 JSON `Bundle` into de-identified records.
///
/// Errors name the JSON line/column (syntax) or the entry index, resource type
/// and field path (content); they never contain values from the bundle.
pub fn read_bundle(
    json: &str,
    pseudonymiser: &Pseudonymiser,
    options: ImportOptions,
) -> Result<FhirImport> {
    if json.len() > MAX_BUNDLE_BYTES {
        return Err(IoError::invalid(
            "bundle size (bytes)",
            json.len(),
            format!("at most {MAX_BUNDLE_BYTES}"),
        ));
    }
    let root: Value = serde_json::from_str(json).map_err(|e| IoError::json(&e))?;
    let Value::Object(mut root) = root else {
        return Err(IoError::Json {
            line: 1,
            column: 1,
            message: "expected a JSON object (a FHIR Bundle)".into(),
        });
    };
    if root.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(IoError::invalid("resourceType", "(not Bundle)", "Bundle"));
    }
    let entries = match root.remove("entry") {
        None => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(IoError::invalid(
                "Bundle.entry",
                "(not an array)",
                "an array of entries",
            ));
        }
    };

    // Pass 1: split entries by type; patients first so references resolve.
    let mut patients: Vec<Draft> = Vec::new();
    let mut by_ref: HashMap<String, usize> = HashMap::new();
    let mut others: Vec<(usize, String, Value)> = Vec::new();
    let mut out = FhirImport {
        records: Vec::new(),
        read: BTreeMap::new(),
        skipped: BTreeMap::new(),
        unlinked: 0,
        absent_values: 0,
    };
    for (i, mut entry) in entries.into_iter().enumerate() {
        let full_url = entry
            .get("fullUrl")
            .and_then(Value::as_str)
            .map(str::to_string);
        let Some(resource) = entry.get_mut("resource").map(Value::take) else {
            return Err(IoError::Fhir {
                entry: i,
                resource: "?".into(),
                field: "resource".into(),
                message: "missing".into(),
            });
        };
        let Some(rtype) = resource
            .get("resourceType")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Err(IoError::Fhir {
                entry: i,
                resource: "?".into(),
                field: "resourceType".into(),
                message: "missing or not a string".into(),
            });
        };
        if rtype == "Patient" {
            let ctx = Ctx {
                entry: i,
                resource: "Patient",
            };
            let id = resource
                .get("id")
                .and_then(Value::as_str)
                .map(|s| format!("Patient/{s}"));
            let draft = patient_draft(&ctx, ctx.parse(resource)?)?;
            for key in [id, full_url].into_iter().flatten() {
                by_ref.insert(key, patients.len());
            }
            patients.push(draft);
            *out.read.entry(rtype).or_default() += 1;
        } else {
            others.push((i, rtype, resource));
        }
    }

    // Pass 2: clinical resources.
    let only = (patients.len() == 1).then_some(0);
    for (i, rtype, resource) in others {
        let ctx = Ctx {
            entry: i,
            resource: &rtype,
        };
        let reference = resource
            .get("subject")
            .or_else(|| resource.get("patient"))
            .and_then(|s| s.get("reference"))
            .and_then(Value::as_str);
        // A reference links only the patient it names (one this bundle does not hold is
        // unlinked, never another patient's); without one, the bundle's only patient.
        let subject = match reference {
            Some(r) => by_ref.get(r).copied(),
            None => only,
        };
        let known = matches!(
            rtype.as_str(),
            "Observation"
                | "Condition"
                | "MedicationStatement"
                | "MedicationRequest"
                | "Procedure"
                | "ImagingStudy"
                | "DiagnosticReport"
        );
        if !known {
            *out.skipped.entry(rtype).or_default() += 1;
            continue;
        }
        let Some(k) = subject else {
            out.unlinked += 1;
            continue;
        };
        let r = &mut patients[k].record;
        match rtype.as_str() {
            "Observation" => {
                if !add_observation(&ctx, ctx.parse(resource)?, r)? {
                    out.absent_values += 1;
                    continue;
                }
            }
            "Condition" => add_condition(&ctx, ctx.parse(resource)?, r)?,
            "MedicationStatement" | "MedicationRequest" => {
                add_medication(&ctx, ctx.parse(resource)?, r)?
            }
            "Procedure" => add_procedure(&ctx, ctx.parse(resource)?, r)?,
            "ImagingStudy" => add_imaging(&ctx, ctx.parse(resource)?, r)?,
            _ => {
                let _: FhirDiagnosticReport = ctx.parse(resource)?;
            }
        }
        *out.read.entry(rtype).or_default() += 1;
    }
    for d in patients {
        out.records.push(d.finish(pseudonymiser, options)?);
    }
    Ok(out)
}
