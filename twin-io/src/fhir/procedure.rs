//! `Procedure` → [`Procedure`], with the radiotherapy, ablation and resection
//! extensions.

use serde::Deserialize;

use super::context::Ctx;
use super::datatypes::{CodeableConcept, Extension, Period, quantity_unit};
use super::extensions::{
    EXT_ABLATION_LESION, EXT_RESECTION_EXTENT, EXT_RT_FRACTIONS, EXT_RT_TOTAL_DOSE, ext,
};
use crate::error::Result;
use crate::record::{PatientRecord, Procedure, ProcedureDetail};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FhirProcedure {
    pub(super) code: CodeableConcept,
    pub(super) performed_date_time: Option<String>,
    pub(super) performed_period: Option<Period>,
    pub(super) category: Option<CodeableConcept>,
    #[serde(default)]
    pub(super) body_site: Vec<CodeableConcept>,
    #[serde(default)]
    pub(super) extension: Vec<Extension>,
}

pub(super) fn add_procedure(ctx: &Ctx, p: FhirProcedure, r: &mut PatientRecord) -> Result<()> {
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
        code: p.code.to_code(ctx, "code", &[])?,
        t_days: t,
        end_days: end,
        body_site: p.body_site.first().and_then(CodeableConcept::label),
        detail,
    });
    Ok(())
}
