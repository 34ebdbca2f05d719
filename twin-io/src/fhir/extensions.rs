//! This project's FHIR extensions: their URLs and lookup by name.

use super::datatypes::Extension;

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

pub(super) fn ext<'a>(exts: &'a [Extension], name: &str) -> impl Iterator<Item = &'a Extension> {
    exts.iter()
        .filter(move |e| e.url.strip_prefix(EXT_BASE) == Some(name) || e.url == name)
}
