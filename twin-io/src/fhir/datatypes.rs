//! The FHIR R4 datatypes shared by the resource mappers (`Coding`,
//! `CodeableConcept`, `Quantity`, `Period`, `Extension`) and their helpers.

use serde::Deserialize;

use super::context::Ctx;
use crate::error::Result;
use crate::record::Code;

#[derive(Deserialize, Default)]
pub(super) struct Coding {
    pub(super) system: Option<String>,
    pub(super) code: Option<String>,
    pub(super) display: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct CodeableConcept {
    #[serde(default)]
    pub(super) coding: Vec<Coding>,
    pub(super) text: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct FhirQuantity {
    pub(super) value: Option<f64>,
    /// `<`, `<=`, `>=`, `>`: the value is only a bound (e.g. below the detection limit).
    pub(super) comparator: Option<String>,
    pub(super) unit: Option<String>,
    pub(super) code: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct Period {
    pub(super) start: Option<String>,
    pub(super) end: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Extension {
    pub(super) url: String,
    #[serde(rename = "valueString")]
    pub(super) value_string: Option<String>,
    #[serde(rename = "valueUrl")]
    pub(super) value_url: Option<String>,
    #[serde(rename = "valueInteger")]
    pub(super) value_integer: Option<i64>,
    #[serde(rename = "valueQuantity")]
    pub(super) value_quantity: Option<FhirQuantity>,
    #[serde(rename = "valueCoding")]
    pub(super) value_coding: Option<Coding>,
    #[serde(default)]
    pub(super) extension: Vec<Extension>,
}

impl CodeableConcept {
    /// The first coding with a code in one of the `preferred` systems (the terminology the
    /// twins read: a LOINC coding listed after a local one is the one kept, and
    /// range-checked), else the first coding with a code, as a record [`Code`].
    pub(super) fn to_code(&self, ctx: &Ctx, field: &str, preferred: &[&str]) -> Result<Code> {
        let coded = || self.coding.iter().filter(|c| c.code.is_some());
        let c = coded()
            .find(|c| c.system.as_deref().is_some_and(|s| preferred.contains(&s)))
            .or_else(|| coded().next())
            .ok_or_else(|| ctx.err(&format!("{field}.coding"), "no coding with a code"))?;
        Ok(Code {
            system: c.system.clone().unwrap_or_default(),
            code: c.code.clone().unwrap_or_default(),
            display: c.display.clone().or_else(|| self.text.clone()),
        })
    }

    pub(super) fn has(&self, code: &str) -> bool {
        self.coding.iter().any(|c| c.code.as_deref() == Some(code))
    }

    /// Short human text: text, else first display, else first code.
    pub(super) fn label(&self) -> Option<String> {
        self.text
            .clone()
            .or_else(|| self.coding.iter().find_map(|c| c.display.clone()))
            .or_else(|| self.coding.iter().find_map(|c| c.code.clone()))
    }
}

pub(super) fn quantity_unit(q: &FhirQuantity) -> String {
    q.code
        .clone()
        .or_else(|| q.unit.clone())
        .unwrap_or_else(|| "1".to_string())
}
