//! `Condition` → [`Condition`].

use serde::Deserialize;

use super::context::Ctx;
use super::datatypes::{CodeableConcept, Period};
use crate::error::Result;
use crate::record::{Condition, PatientRecord, systems};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FhirCondition {
    pub(super) code: CodeableConcept,
    pub(super) clinical_status: Option<CodeableConcept>,
    pub(super) onset_date_time: Option<String>,
    pub(super) onset_period: Option<Period>,
    pub(super) abatement_date_time: Option<String>,
    pub(super) recorded_date: Option<String>,
}

pub(super) fn add_condition(ctx: &Ctx, c: FhirCondition, r: &mut PatientRecord) -> Result<()> {
    let onset = match (&c.onset_date_time, &c.onset_period) {
        (Some(s), _) => Some(ctx.time("onsetDateTime", s)?),
        (None, Some(Period { start: Some(s), .. })) => Some(ctx.time("onsetPeriod.start", s)?),
        _ => ctx.opt_time("recordedDate", c.recorded_date.as_deref())?,
    };
    r.conditions.push(Condition {
        code: c
            .code
            .to_code(ctx, "code", &[systems::ICD10, systems::ICD10_CM])?,
        onset_days: onset,
        abatement_days: ctx.opt_time("abatementDateTime", c.abatement_date_time.as_deref())?,
        status: c
            .clinical_status
            .as_ref()
            .and_then(|s| s.coding.iter().find_map(|x| x.code.clone())),
    });
    Ok(())
}
