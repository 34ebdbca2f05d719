//! `ImagingStudy` → one [`ImagingRef`] per series, NIfTI path and segmentation
//! labels from extensions.

use serde::Deserialize;

use super::context::Ctx;
use super::datatypes::{Coding, Extension};
use super::extensions::{EXT_NIFTI_PATH, EXT_SEG_LABEL, ext};
use crate::error::Result;
use crate::record::{ImagingRef, PatientRecord, SegmentationLabel};

#[derive(Deserialize)]
pub(super) struct Series {
    pub(super) modality: Option<Coding>,
    pub(super) description: Option<String>,
    pub(super) started: Option<String>,
    #[serde(default)]
    pub(super) extension: Vec<Extension>,
}

#[derive(Deserialize)]
pub(super) struct FhirImagingStudy {
    pub(super) started: Option<String>,
    #[serde(default)]
    pub(super) modality: Vec<Coding>,
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) series: Vec<Series>,
}

pub(super) fn add_imaging(ctx: &Ctx, s: FhirImagingStudy, r: &mut PatientRecord) -> Result<()> {
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
