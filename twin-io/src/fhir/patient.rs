//! `Patient` → a [`Draft`]: source id for the pseudonym, sex, birth date,
//! ethnicity; identifiers kept aside for opt-in.

use serde::Deserialize;

use super::context::Ctx;
use super::datatypes::{CodeableConcept, Extension};
use super::draft::Draft;
use crate::date::Date;
use crate::error::Result;
use crate::record::{Identifiers, PatientRecord, Sex};

#[derive(Deserialize)]
pub(super) struct Identifier {
    pub(super) system: Option<String>,
    pub(super) value: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: Option<CodeableConcept>,
}

#[derive(Deserialize)]
pub(super) struct HumanName {
    pub(super) text: Option<String>,
    pub(super) family: Option<String>,
    #[serde(default)]
    pub(super) given: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct ContactPoint {
    pub(super) value: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Address {
    pub(super) text: Option<String>,
    #[serde(default)]
    pub(super) line: Vec<String>,
    pub(super) city: Option<String>,
    #[serde(rename = "postalCode")]
    pub(super) postal_code: Option<String>,
    pub(super) country: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FhirPatient {
    pub(super) id: Option<String>,
    #[serde(default)]
    pub(super) identifier: Vec<Identifier>,
    #[serde(default)]
    pub(super) name: Vec<HumanName>,
    #[serde(default)]
    pub(super) telecom: Vec<ContactPoint>,
    #[serde(default)]
    pub(super) address: Vec<Address>,
    pub(super) gender: Option<String>,
    pub(super) birth_date: Option<String>,
    pub(super) deceased_date_time: Option<String>,
    #[serde(default)]
    pub(super) extension: Vec<Extension>,
}

pub(super) fn patient_draft(ctx: &Ctx, p: FhirPatient) -> Result<Draft> {
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
