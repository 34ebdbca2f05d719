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
//! | `Observation` | `valueQuantity` → [`Observation`]; `component`s (blood pressure) → one observation each; `valueCodeableConcept`/`valueString` → [`Biomarker`]; LOINC `69548-6` → [`Variant`]; LOINC `97509-4` → [`Response`] |
//! | `Condition` | [`Condition`] |
//! | `MedicationStatement`, `MedicationRequest` | [`Medication`] (dose, route, `timing.repeat` → interval) |
//! | `Procedure` | [`Procedure`], with project extensions for radiotherapy fractions/dose, ablation lesions and resection extent ([`EXT_BASE`]) |
//! | `ImagingStudy` | one [`ImagingRef`] per series; NIfTI path and segmentation labels from extensions |
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

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;

use crate::date::{Date, parse_fhir_datetime};
use crate::error::{IoError, Result, redact_serde_message};
use crate::privacy::{ImportOptions, Pseudonymiser, age_years};
use crate::record::{
    Age, Biomarker, Code, Condition, Identifiers, ImagingRef, Medication, Observation,
    PatientRecord, Procedure, ProcedureDetail, Quantity, Response, SegmentationLabel, Sex, Variant,
    loinc,
};

/// Base URL of this project's FHIR extensions (append the names below).
pub const EXT_BASE: &str = "https://patient-twin.example.org/fhir/StructureDefinition/";
/// `Procedure` extension: number of radiotherapy fractions (`valueInteger`).
pub const EXT_RT_FRACTIONS: &str = "radiotherapy-fractions";
/// `Procedure` extension: total radiotherapy dose (`valueQuantity`, unit `Gy`).
pub const EXT_RT_TOTAL_DOSE: &str = "radiotherapy-total-dose";
/// `Procedure` extension: one ablation lesion (`valueString`), repeated.
pub const EXT_ABLATION_LESION: &str = "ablation-lesion";
/// `Procedure` extension: extent of resection (`valueString`).
pub const EXT_RESECTION_EXTENT: &str = "resection-extent";
/// `ImagingStudy.series` extension: NIfTI file path (`valueString` or `valueUrl`).
pub const EXT_NIFTI_PATH: &str = "nifti-path";
/// `ImagingStudy.series` extension: segmentation label with sub-extensions `value`
/// (`valueInteger`) and `name` (`valueString`).
pub const EXT_SEG_LABEL: &str = "segmentation-label";
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
    /// Supported resources skipped because they named no patient of this bundle.
    pub unlinked: usize,
    /// Observations skipped because they carry a `dataAbsentReason` instead of a value.
    pub absent_values: usize,
}

impl FhirImport {
    /// Total number of skipped resources (unsupported type).
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }
}

// ---------------------------------------------------------------- FHIR subset

#[derive(Deserialize, Default)]
struct Coding {
    system: Option<String>,
    code: Option<String>,
    display: Option<String>,
}

#[derive(Deserialize, Default)]
struct CodeableConcept {
    #[serde(default)]
    coding: Vec<Coding>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct FhirQuantity {
    value: Option<f64>,
    unit: Option<String>,
    code: Option<String>,
}

#[derive(Deserialize, Default)]
struct Period {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
struct Extension {
    url: String,
    #[serde(rename = "valueString")]
    value_string: Option<String>,
    #[serde(rename = "valueUrl")]
    value_url: Option<String>,
    #[serde(rename = "valueInteger")]
    value_integer: Option<i64>,
    #[serde(rename = "valueQuantity")]
    value_quantity: Option<FhirQuantity>,
    #[serde(rename = "valueCoding")]
    value_coding: Option<Coding>,
    #[serde(default)]
    extension: Vec<Extension>,
}

#[derive(Deserialize)]
struct Identifier {
    system: Option<String>,
    value: Option<String>,
    #[serde(rename = "type")]
    kind: Option<CodeableConcept>,
}

#[derive(Deserialize)]
struct HumanName {
    text: Option<String>,
    family: Option<String>,
    #[serde(default)]
    given: Vec<String>,
}

#[derive(Deserialize)]
struct ContactPoint {
    value: Option<String>,
}

#[derive(Deserialize)]
struct Address {
    text: Option<String>,
    #[serde(default)]
    line: Vec<String>,
    city: Option<String>,
    #[serde(rename = "postalCode")]
    postal_code: Option<String>,
    country: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FhirPatient {
    id: Option<String>,
    #[serde(default)]
    identifier: Vec<Identifier>,
    #[serde(default)]
    name: Vec<HumanName>,
    #[serde(default)]
    telecom: Vec<ContactPoint>,
    #[serde(default)]
    address: Vec<Address>,
    gender: Option<String>,
    birth_date: Option<String>,
    deceased_date_time: Option<String>,
    #[serde(default)]
    extension: Vec<Extension>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Component {
    code: CodeableConcept,
    value_quantity: Option<FhirQuantity>,
    value_codeable_concept: Option<CodeableConcept>,
    value_string: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FhirObservation {
    code: CodeableConcept,
    effective_date_time: Option<String>,
    effective_period: Option<Period>,
    issued: Option<String>,
    value_quantity: Option<FhirQuantity>,
    value_codeable_concept: Option<CodeableConcept>,
    value_string: Option<String>,
    method: Option<CodeableConcept>,
    data_absent_reason: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    component: Vec<Component>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FhirCondition {
    code: CodeableConcept,
    clinical_status: Option<CodeableConcept>,
    onset_date_time: Option<String>,
    onset_period: Option<Period>,
    abatement_date_time: Option<String>,
    recorded_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Repeat {
    bounds_period: Option<Period>,
    frequency: Option<f64>,
    period: Option<f64>,
    period_unit: Option<String>,
}

#[derive(Deserialize)]
struct Timing {
    repeat: Option<Repeat>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DoseAndRate {
    dose_quantity: Option<FhirQuantity>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dosage {
    timing: Option<Timing>,
    route: Option<CodeableConcept>,
    #[serde(default)]
    dose_and_rate: Vec<DoseAndRate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FhirMedication {
    medication_codeable_concept: Option<CodeableConcept>,
    medication_reference: Option<serde::de::IgnoredAny>,
    effective_date_time: Option<String>,
    effective_period: Option<Period>,
    authored_on: Option<String>,
    #[serde(default)]
    dosage: Vec<Dosage>,
    #[serde(default)]
    dosage_instruction: Vec<Dosage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FhirProcedure {
    code: CodeableConcept,
    performed_date_time: Option<String>,
    performed_period: Option<Period>,
    category: Option<CodeableConcept>,
    #[serde(default)]
    body_site: Vec<CodeableConcept>,
    #[serde(default)]
    extension: Vec<Extension>,
}

#[derive(Deserialize)]
struct Series {
    modality: Option<Coding>,
    description: Option<String>,
    started: Option<String>,
    #[serde(default)]
    extension: Vec<Extension>,
}

#[derive(Deserialize)]
struct FhirImagingStudy {
    started: Option<String>,
    #[serde(default)]
    modality: Vec<Coding>,
    description: Option<String>,
    #[serde(default)]
    series: Vec<Series>,
}

/// Only checked for shape: the report's results are read as Observations.
#[derive(Deserialize)]
#[allow(dead_code)]
struct FhirDiagnosticReport {
    code: CodeableConcept,
}

// ---------------------------------------------------------------- helpers

/// Error context: entry index and resource type.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    entry: usize,
    resource: &'a str,
}

impl Ctx<'_> {
    fn err(&self, field: &str, message: impl Into<String>) -> IoError {
        IoError::Fhir {
            entry: self.entry,
            resource: self.resource.to_string(),
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn parse<T: for<'de> Deserialize<'de>>(&self, v: Value) -> Result<T> {
        serde_path_to_error::deserialize(v).map_err(|e| {
            let path = e.path().to_string();
            self.err(
                if path == "." { "(resource)" } else { &path },
                redact_serde_message(&e.inner().to_string()),
            )
        })
    }

    /// Absolute time (days since 1970) of a FHIR date/dateTime; errors never print the text.
    fn time(&self, field: &str, s: &str) -> Result<f64> {
        parse_fhir_datetime(s).ok_or_else(|| {
            self.err(field, "invalid date/dateTime (expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.f](Z|+hh:mm))")
        })
    }

    fn opt_time(&self, field: &str, s: Option<&str>) -> Result<Option<f64>> {
        s.map(|s| self.time(field, s)).transpose()
    }

    fn finite(&self, field: &str, x: Option<f64>) -> Result<f64> {
        match x {
            Some(v) if v.is_finite() => Ok(v),
            Some(_) => Err(self.err(field, "not a finite number")),
            None => Err(self.err(field, "missing")),
        }
    }
}

impl CodeableConcept {
    /// The first coding with a code (preferring the listed systems), as a record [`Code`].
    fn to_code(&self, ctx: &Ctx, field: &str) -> Result<Code> {
        let c = self
            .coding
            .iter()
            .find(|c| c.code.is_some())
            .ok_or_else(|| ctx.err(&format!("{field}.coding"), "no coding with a code"))?;
        Ok(Code {
            system: c.system.clone().unwrap_or_default(),
            code: c.code.clone().unwrap_or_default(),
            display: c.display.clone().or_else(|| self.text.clone()),
        })
    }

    fn has(&self, code: &str) -> bool {
        self.coding.iter().any(|c| c.code.as_deref() == Some(code))
    }

    /// Short human text: text, else first display, else first code.
    fn label(&self) -> Option<String> {
        self.text
            .clone()
            .or_else(|| self.coding.iter().find_map(|c| c.display.clone()))
            .or_else(|| self.coding.iter().find_map(|c| c.code.clone()))
    }
}

fn ext<'a>(exts: &'a [Extension], name: &str) -> impl Iterator<Item = &'a Extension> {
    exts.iter()
        .filter(move |e| e.url.strip_prefix(EXT_BASE) == Some(name) || e.url == name)
}

fn quantity_unit(q: &FhirQuantity) -> String {
    q.code
        .clone()
        .or_else(|| q.unit.clone())
        .unwrap_or_else(|| "1".to_string())
}

/// Period in days of a FHIR `Timing.repeat.periodUnit` (UCUM `s|min|h|d|wk|mo|a`).
fn period_unit_days(u: &str) -> Option<f64> {
    Some(match u {
        "s" => 1.0 / 86_400.0,
        "min" => 1.0 / 1440.0,
        "h" => 1.0 / 24.0,
        "d" => 1.0,
        "wk" => 7.0,
        "mo" => 30.4375,
        "a" => 365.25,
        _ => return None,
    })
}

// ------------------------------------------------------- per-patient assembly

/// A record under construction: event times are absolute (days since 1970)
/// until the index date is known.
struct Draft {
    source_id: String,
    record: PatientRecord,
    birth: Option<Date>,
    deceased_abs: Option<f64>,
    identifiers: Identifiers,
}

impl Draft {
    fn earliest(&self) -> Option<f64> {
        let r = &self.record;
        r.observations
            .iter()
            .map(|o| o.t_days)
            .chain(r.conditions.iter().filter_map(|c| c.onset_days))
            .chain(r.medications.iter().map(|m| m.start_days))
            .chain(r.procedures.iter().map(|p| p.t_days))
            .chain(r.responses.iter().map(|x| x.t_days))
            .chain(r.imaging.iter().map(|x| x.t_days))
            .chain(r.variants.iter().map(|x| x.t_days))
            .chain(r.biomarkers.iter().map(|x| x.t_days))
            .reduce(f64::min)
    }

    /// Make times relative to the index date, generalise age, pseudonymise.
    fn finish(mut self, p: &Pseudonymiser, opts: ImportOptions) -> Result<PatientRecord> {
        let index_abs = self.earliest().map(f64::floor);
        let index = match index_abs {
            Some(d) => Some(Date::from_days(d as i64).ok_or_else(|| {
                IoError::invalid("index date", "<redacted>", "a date in years 1-9999")
            })?),
            None => None,
        };
        let t0 = index_abs.unwrap_or(0.0);
        let r = &mut self.record;
        r.observations.iter_mut().for_each(|o| o.t_days -= t0);
        for c in &mut r.conditions {
            c.onset_days = c.onset_days.map(|t| t - t0);
            c.abatement_days = c.abatement_days.map(|t| t - t0);
        }
        for m in &mut r.medications {
            m.start_days -= t0;
            m.end_days = m.end_days.map(|t| t - t0);
        }
        for x in &mut r.procedures {
            x.t_days -= t0;
            x.end_days = x.end_days.map(|t| t - t0);
        }
        r.responses.iter_mut().for_each(|x| x.t_days -= t0);
        r.imaging.iter_mut().for_each(|x| x.t_days -= t0);
        r.variants.iter_mut().for_each(|x| x.t_days -= t0);
        r.biomarkers.iter_mut().for_each(|x| x.t_days -= t0);
        r.demographics.deceased_days = self.deceased_abs.map(|t| t - t0);
        if let (Some(b), Some(at)) = (self.birth, index) {
            let age = Age::from_years(age_years(b, at));
            r.demographics.age = Some(age);
            let (y, _, _) = b.ymd();
            r.demographics.birth_year = matches!(age, Age::Years(_)).then_some(y as i32);
        }
        r.index_date = match index {
            Some(d) => Some(p.shift_date(&self.source_id, d)?),
            None => None,
        };
        r.patient_id = p.pseudonym(&self.source_id);
        if opts.keep_identifiers {
            self.identifiers.real_index_date = index;
            self.identifiers.birth_date = self.birth;
            r.identifiers = Some(self.identifiers);
        }
        r.validate()?;
        Ok(self.record)
    }
}

fn patient_draft(ctx: &Ctx, p: FhirPatient) -> Result<Draft> {
    let is_mrn = |i: &&Identifier| i.kind.as_ref().is_some_and(|k| k.has("MR"));
    let id_string = |i: &Identifier| {
        format!(
            "{}|{}",
            i.system.as_deref().unwrap_or(""),
            i.value.as_deref().unwrap_or("")
        )
    };
    let source_id = p
        .identifier
        .iter()
        .find(is_mrn)
        .or(p.identifier.first())
        .filter(|i| i.value.is_some())
        .map(id_string)
        .or_else(|| p.id.as_ref().map(|id| format!("Patient/{id}")))
        .ok_or_else(|| ctx.err("identifier", "a Patient needs an identifier or an id"))?;
    let birth = match &p.birth_date {
        Some(s) => {
            let t = ctx.time("birthDate", s)?;
            Some(
                Date::from_days(t.floor() as i64)
                    .ok_or_else(|| ctx.err("birthDate", "out of range"))?,
            )
        }
        None => None,
    };
    let mut record = PatientRecord::new(String::new());
    record.demographics.sex = match p.gender.as_deref() {
        Some("female") => Sex::Female,
        Some("male") => Sex::Male,
        Some("other") => Sex::Other,
        Some("unknown") | None => Sex::Unknown,
        Some(_) => return Err(ctx.err("gender", "expected one of male, female, other, unknown")),
    };
    record.demographics.ethnicity = p
        .extension
        .iter()
        .filter(|e| e.url.ends_with("us-core-ethnicity") || e.url.ends_with("us-core-race"))
        .flat_map(|e| e.extension.iter())
        .find_map(|s| match s.url.as_str() {
            "text" => s.value_string.clone(),
            "ombCategory" => s.value_coding.as_ref().and_then(|c| c.display.clone()),
            _ => None,
        });
    let identifiers = Identifiers {
        ids: p.identifier.iter().map(id_string).collect(),
        names: p
            .name
            .iter()
            .map(|n| {
                n.text.clone().unwrap_or_else(|| {
                    let mut parts = n.given.clone();
                    parts.extend(n.family.clone());
                    parts.join(" ")
                })
            })
            .collect(),
        addresses: p
            .address
            .iter()
            .map(|a| {
                a.text.clone().unwrap_or_else(|| {
                    let mut parts = a.line.clone();
                    parts.extend(
                        [a.postal_code.clone(), a.city.clone(), a.country.clone()]
                            .into_iter()
                            .flatten(),
                    );
                    parts.join(", ")
                })
            })
            .collect(),
        telecom: p.telecom.iter().filter_map(|t| t.value.clone()).collect(),
        birth_date: None,
        real_index_date: None,
    };
    Ok(Draft {
        source_id,
        record,
        birth,
        deceased_abs: ctx.opt_time("deceasedDateTime", p.deceased_date_time.as_deref())?,
        identifiers,
    })
}

/// Returns `false` when the observation was skipped (no value, `dataAbsentReason` given).
fn add_observation(ctx: &Ctx, o: FhirObservation, r: &mut PatientRecord) -> Result<bool> {
    if o.data_absent_reason.is_some() && o.value_quantity.is_none() && o.component.is_empty() {
        return Ok(false);
    }
    let t = match (&o.effective_date_time, &o.effective_period, &o.issued) {
        (Some(s), _, _) => ctx.time("effectiveDateTime", s)?,
        (None, Some(Period { start: Some(s), .. }), _) => ctx.time("effectivePeriod.start", s)?,
        (None, _, Some(s)) => ctx.time("issued", s)?,
        _ => {
            return Err(ctx.err(
                "effective[x]",
                "missing (needed to place the value in time)",
            ));
        }
    };
    let code = o.code.to_code(ctx, "code")?;
    if o.code.has(loinc::VARIANT_PANEL) {
        let mut v = Variant {
            t_days: t,
            gene: String::new(),
            hgvs: None,
            vaf: None,
        };
        for (i, c) in o.component.iter().enumerate() {
            let text = c
                .value_codeable_concept
                .as_ref()
                .and_then(|cc| {
                    cc.coding
                        .iter()
                        .find_map(|x| x.display.clone().or(x.code.clone()))
                        .or(cc.text.clone())
                })
                .or(c.value_string.clone());
            if c.code.has("48018-6") {
                v.gene = text.unwrap_or_default();
            } else if c.code.has("48004-6") || c.code.has("81290-9") {
                v.hgvs = text;
            } else if c.code.has("81258-6") {
                let q = c
                    .value_quantity
                    .as_ref()
                    .ok_or_else(|| ctx.err(&format!("component[{i}].valueQuantity"), "missing"))?;
                let f = ctx.finite(&format!("component[{i}].valueQuantity.value"), q.value)?;
                let f = if quantity_unit(q) == "%" {
                    f / 100.0
                } else {
                    f
                };
                if !(0.0..=1.0).contains(&f) {
                    return Err(ctx.err(
                        &format!("component[{i}].valueQuantity.value"),
                        "allele fraction outside 0-1 (or 0-100 %)",
                    ));
                }
                v.vaf = Some(f);
            }
        }
        if v.gene.is_empty() {
            return Err(ctx.err(
                "component",
                "a variant needs a gene-studied component (LOINC 48018-6)",
            ));
        }
        r.variants.push(v);
        return Ok(true);
    }
    if o.code.has(loinc::DISEASE_STATUS) {
        let category = o
            .value_codeable_concept
            .as_ref()
            .and_then(CodeableConcept::label)
            .ok_or_else(|| ctx.err("valueCodeableConcept", "missing (the response category)"))?;
        let criterion = o
            .method
            .as_ref()
            .and_then(CodeableConcept::label)
            .unwrap_or_else(|| "unspecified".into());
        r.responses.push(Response {
            t_days: t,
            criterion,
            category,
        });
        return Ok(true);
    }
    if let Some(q) = &o.value_quantity {
        let value = ctx.finite("valueQuantity.value", q.value)?;
        r.observations.push(Observation {
            t_days: t,
            code,
            value,
            unit: quantity_unit(q),
        });
    } else if let Some(status) = o
        .value_codeable_concept
        .as_ref()
        .and_then(CodeableConcept::label)
        .or(o.value_string.clone())
    {
        r.biomarkers.push(Biomarker {
            t_days: t,
            code,
            status: status.to_lowercase(),
            value: None,
            unit: None,
        });
    } else if !o.component.is_empty() {
        for (i, c) in o.component.iter().enumerate() {
            let field = format!("component[{i}]");
            let q = c
                .value_quantity
                .as_ref()
                .ok_or_else(|| ctx.err(&format!("{field}.valueQuantity"), "missing"))?;
            let value = ctx.finite(&format!("{field}.valueQuantity.value"), q.value)?;
            r.observations.push(Observation {
                t_days: t,
                code: c.code.to_code(ctx, &format!("{field}.code"))?,
                value,
                unit: quantity_unit(q),
            });
        }
    } else {
        return Err(ctx.err(
            "value[x]",
            "missing (no valueQuantity, valueCodeableConcept, valueString or component)",
        ));
    }
    Ok(true)
}

fn add_condition(ctx: &Ctx, c: FhirCondition, r: &mut PatientRecord) -> Result<()> {
    let onset = match (&c.onset_date_time, &c.onset_period) {
        (Some(s), _) => Some(ctx.time("onsetDateTime", s)?),
        (None, Some(Period { start: Some(s), .. })) => Some(ctx.time("onsetPeriod.start", s)?),
        _ => ctx.opt_time("recordedDate", c.recorded_date.as_deref())?,
    };
    r.conditions.push(Condition {
        code: c.code.to_code(ctx, "code")?,
        onset_days: onset,
        abatement_days: ctx.opt_time("abatementDateTime", c.abatement_date_time.as_deref())?,
        status: c
            .clinical_status
            .as_ref()
            .and_then(|s| s.coding.iter().find_map(|x| x.code.clone())),
    });
    Ok(())
}

fn add_medication(ctx: &Ctx, m: FhirMedication, r: &mut PatientRecord) -> Result<()> {
    let concept = match (&m.medication_codeable_concept, &m.medication_reference) {
        (Some(c), _) => c,
        (None, Some(_)) => {
            return Err(ctx.err(
                "medicationReference",
                "not supported: give medicationCodeableConcept",
            ));
        }
        (None, None) => return Err(ctx.err("medication[x]", "missing")),
    };
    let dosage = m.dosage.first().or(m.dosage_instruction.first());
    let repeat = dosage
        .and_then(|d| d.timing.as_ref())
        .and_then(|t| t.repeat.as_ref());
    let bounds = repeat.and_then(|r| r.bounds_period.as_ref());
    let (start, start_field) = match (
        &m.effective_period,
        &m.effective_date_time,
        bounds,
        &m.authored_on,
    ) {
        (Some(Period { start: Some(s), .. }), _, _, _) => (s, "effectivePeriod.start"),
        (_, Some(s), _, _) => (s, "effectiveDateTime"),
        (_, _, Some(Period { start: Some(s), .. }), _) => {
            (s, "dosage.timing.repeat.boundsPeriod.start")
        }
        (_, _, _, Some(s)) => (s, "authoredOn"),
        _ => {
            return Err(ctx.err(
                "effective[x]",
                "missing (no effective time, dosage bounds or authoredOn)",
            ));
        }
    };
    let start_days = ctx.time(start_field, start)?;
    let end_days = match (
        m.effective_period.as_ref().and_then(|p| p.end.as_deref()),
        bounds.and_then(|b| b.end.as_deref()),
    ) {
        (Some(s), _) => Some(ctx.time("effectivePeriod.end", s)?),
        (None, Some(s)) => Some(ctx.time("dosage.timing.repeat.boundsPeriod.end", s)?),
        _ => None,
    };
    let interval_days = match repeat {
        Some(Repeat {
            period: Some(p),
            period_unit: Some(u),
            frequency,
            ..
        }) => {
            let unit = period_unit_days(u).ok_or_else(|| {
                ctx.err(
                    "dosage.timing.repeat.periodUnit",
                    "expected s, min, h, d, wk, mo or a",
                )
            })?;
            let f = frequency.unwrap_or(1.0);
            if !(p.is_finite() && *p > 0.0 && f.is_finite() && f >= 1.0) {
                return Err(ctx.err(
                    "dosage.timing.repeat",
                    "period must be > 0 and frequency >= 1",
                ));
            }
            Some(p * unit / f)
        }
        _ => None,
    };
    let dose = match dosage
        .and_then(|d| d.dose_and_rate.first())
        .and_then(|d| d.dose_quantity.as_ref())
    {
        Some(q) => Some(Quantity {
            value: ctx.finite("dosage.doseAndRate.doseQuantity.value", q.value)?,
            unit: quantity_unit(q),
        }),
        None => None,
    };
    r.medications.push(Medication {
        code: concept.to_code(ctx, "medicationCodeableConcept")?,
        start_days,
        end_days,
        dose,
        interval_days,
        route: dosage
            .and_then(|d| d.route.as_ref())
            .and_then(CodeableConcept::label),
    });
    Ok(())
}

fn add_procedure(ctx: &Ctx, p: FhirProcedure, r: &mut PatientRecord) -> Result<()> {
    let (t, end) = match (&p.performed_date_time, &p.performed_period) {
        (Some(s), _) => (ctx.time("performedDateTime", s)?, None),
        (
            None,
            Some(Period {
                start: Some(s),
                end,
            }),
        ) => (
            ctx.time("performedPeriod.start", s)?,
            ctx.opt_time("performedPeriod.end", end.as_deref())?,
        ),
        _ => return Err(ctx.err("performed[x]", "missing")),
    };
    let fractions = ext(&p.extension, EXT_RT_FRACTIONS).find_map(|e| e.value_integer);
    let lesions: Vec<String> = ext(&p.extension, EXT_ABLATION_LESION)
        .filter_map(|e| e.value_string.clone())
        .collect();
    let extent = ext(&p.extension, EXT_RESECTION_EXTENT).find_map(|e| e.value_string.clone());
    let detail = if let Some(n) = fractions {
        let n = u32::try_from(n)
            .ok()
            .filter(|&n| (1..=100).contains(&n))
            .ok_or_else(|| {
                ctx.err(
                    &format!("extension[{EXT_RT_FRACTIONS}]"),
                    "fractions must be 1 to 100",
                )
            })?;
        let dose = ext(&p.extension, EXT_RT_TOTAL_DOSE)
            .find_map(|e| e.value_quantity.as_ref())
            .ok_or_else(|| {
                ctx.err(
                    &format!("extension[{EXT_RT_TOTAL_DOSE}]"),
                    "missing (radiotherapy needs a total dose)",
                )
            })?;
        let field = format!("extension[{EXT_RT_TOTAL_DOSE}].valueQuantity");
        let gy = crate::units::convert(
            "dose",
            ctx.finite(&format!("{field}.value"), dose.value)?,
            &quantity_unit(dose),
            "Gy",
        )
        .map_err(|_| ctx.err(&field, "unit must be Gy or cGy"))?;
        if !(0.0..=200.0).contains(&gy) {
            return Err(ctx.err(&field, "total dose must be 0 to 200 Gy"));
        }
        ProcedureDetail::Radiotherapy {
            fractions: n,
            total_dose_gy: gy,
        }
    } else if !lesions.is_empty() {
        ProcedureDetail::Ablation { lesions }
    } else if extent.is_some() || p.category.as_ref().is_some_and(|c| c.has("387713003")) {
        ProcedureDetail::Surgery { extent }
    } else {
        ProcedureDetail::Other
    };
    r.procedures.push(Procedure {
        code: p.code.to_code(ctx, "code")?,
        t_days: t,
        end_days: end,
        body_site: p.body_site.first().and_then(CodeableConcept::label),
        detail,
    });
    Ok(())
}

fn add_imaging(ctx: &Ctx, s: FhirImagingStudy, r: &mut PatientRecord) -> Result<()> {
    let study_t = ctx.opt_time("started", s.started.as_deref())?;
    let study_modality = s.modality.iter().find_map(|c| c.code.clone());
    if s.series.is_empty() {
        r.imaging.push(ImagingRef {
            t_days: study_t.ok_or_else(|| ctx.err("started", "missing"))?,
            modality: study_modality
                .clone()
                .ok_or_else(|| ctx.err("modality", "missing"))?,
            description: s.description.clone(),
            nifti_path: None,
            labels: Vec::new(),
        });
    }
    for (i, se) in s.series.iter().enumerate() {
        let f = |x: &str| format!("series[{i}].{x}");
        let t = ctx
            .opt_time(&f("started"), se.started.as_deref())?
            .or(study_t)
            .ok_or_else(|| ctx.err(&f("started"), "missing (and no study start)"))?;
        let mut labels = Vec::new();
        for (j, l) in ext(&se.extension, EXT_SEG_LABEL).enumerate() {
            let value = l
                .extension
                .iter()
                .find(|x| x.url == "value")
                .and_then(|x| x.value_integer);
            let name = l
                .extension
                .iter()
                .find(|x| x.url == "name")
                .and_then(|x| x.value_string.clone());
            match (value.and_then(|v| u16::try_from(v).ok()), name) {
                (Some(value), Some(name)) => labels.push(SegmentationLabel { value, name }),
                _ => {
                    return Err(ctx.err(
                        &f(&format!("extension[{EXT_SEG_LABEL}][{j}]")),
                        "needs `value` (0-65535) and `name`",
                    ));
                }
            }
        }
        r.imaging.push(ImagingRef {
            t_days: t,
            modality: se
                .modality
                .as_ref()
                .and_then(|m| m.code.clone())
                .or(study_modality.clone())
                .ok_or_else(|| ctx.err(&f("modality"), "missing"))?,
            description: se.description.clone().or(s.description.clone()),
            nifti_path: ext(&se.extension, EXT_NIFTI_PATH)
                .find_map(|e| e.value_string.clone().or(e.value_url.clone())),
            labels,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------- entry point

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
        let subject = resource
            .get("subject")
            .or_else(|| resource.get("patient"))
            .and_then(|s| s.get("reference"))
            .and_then(Value::as_str)
            .and_then(|r| by_ref.get(r).copied());
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
        let Some(k) = subject.or(only) else {
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
