//! `Observation` → observations (`valueQuantity`, one per `component`),
//! biomarkers, variants (LOINC `69548-6`) and responses (LOINC `97509-4`).

use serde::Deserialize;

use super::context::Ctx;
use super::datatypes::{CodeableConcept, FhirQuantity, Period, quantity_unit};
use crate::error::Result;
use crate::loinc;
use crate::record::{Biomarker, Observation, PatientRecord, Response, Variant, systems};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Component {
    pub(super) code: CodeableConcept,
    pub(super) value_quantity: Option<FhirQuantity>,
    pub(super) value_codeable_concept: Option<CodeableConcept>,
    pub(super) value_string: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FhirObservation {
    pub(super) code: CodeableConcept,
    pub(super) effective_date_time: Option<String>,
    pub(super) effective_period: Option<Period>,
    pub(super) issued: Option<String>,
    pub(super) value_quantity: Option<FhirQuantity>,
    pub(super) value_codeable_concept: Option<CodeableConcept>,
    pub(super) value_string: Option<String>,
    pub(super) method: Option<CodeableConcept>,
    pub(super) data_absent_reason: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub(super) component: Vec<Component>,
}

/// Returns `false` when the observation was skipped (no value, `dataAbsentReason` given).
pub(super) fn add_observation(
    ctx: &Ctx,
    o: FhirObservation,
    r: &mut PatientRecord,
) -> Result<bool> {
    if o.data_absent_reason.is_some() && o.value_quantity.is_none() && o.component.is_empty() {
        return Ok(false);
    }
    // A bound ("< 0.3") is a censored measurement, not a value: storing 0.3 would be wrong.
    let bounded = |q: &Option<FhirQuantity>| q.as_ref().is_some_and(|q| q.comparator.is_some());
    if bounded(&o.value_quantity) || o.component.iter().any(|c| bounded(&c.value_quantity)) {
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
    let code = o.code.to_code(ctx, "code", &[systems::LOINC])?;
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
                code: c
                    .code
                    .to_code(ctx, &format!("{field}.code"), &[systems::LOINC])?,
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
