//! `MedicationStatement` / `MedicationRequest` → [`Medication`] (dose, route,
//! `timing.repeat` → interval).

use serde::Deserialize;

use super::context::Ctx;
use super::datatypes::{CodeableConcept, FhirQuantity, Period, quantity_unit};
use crate::error::Result;
use crate::record::{Medication, PatientRecord, Quantity, systems};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Repeat {
    pub(super) bounds_period: Option<Period>,
    pub(super) frequency: Option<f64>,
    pub(super) period: Option<f64>,
    pub(super) period_unit: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Timing {
    pub(super) repeat: Option<Repeat>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DoseAndRate {
    pub(super) dose_quantity: Option<FhirQuantity>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Dosage {
    pub(super) timing: Option<Timing>,
    pub(super) route: Option<CodeableConcept>,
    #[serde(default)]
    pub(super) dose_and_rate: Vec<DoseAndRate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FhirMedication {
    pub(super) medication_codeable_concept: Option<CodeableConcept>,
    pub(super) medication_reference: Option<serde::de::IgnoredAny>,
    pub(super) effective_date_time: Option<String>,
    pub(super) effective_period: Option<Period>,
    pub(super) authored_on: Option<String>,
    #[serde(default)]
    pub(super) dosage: Vec<Dosage>,
    #[serde(default)]
    pub(super) dosage_instruction: Vec<Dosage>,
}

/// Period in days of a FHIR `Timing.repeat.periodUnit` (UCUM `s|min|h|d|wk|mo|a`).
pub(super) fn period_unit_days(u: &str) -> Option<f64> {
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

pub(super) fn add_medication(ctx: &Ctx, m: FhirMedication, r: &mut PatientRecord) -> Result<()> {
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
        code: concept.to_code(ctx, "medicationCodeableConcept", &[systems::ATC])?,
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
