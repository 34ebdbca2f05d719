//! Common LOINC codes the twins use (LOINC 2.76 names).
//!
//! A leaf module (no dependencies), so both the record model ([`crate::record`],
//! which re-exports it as `record::loinc`) and the unit conversions
//! ([`crate::units`]) can use it without depending on each other.

/// Hemoglobin A1c/Hemoglobin.total in Blood, % (NGSP).
pub const HBA1C_NGSP: &str = "4548-4";
/// Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol, mmol/mol.
pub const HBA1C_IFCC: &str = "59261-8";
/// Glucose [Mass/volume] in Serum or Plasma.
pub const GLUCOSE_MASS: &str = "2345-7";
/// Glucose [Moles/volume] in Serum or Plasma.
pub const GLUCOSE_MOLAR: &str = "14749-6";
/// Fasting glucose [Mass/volume] in Serum or Plasma.
pub const GLUCOSE_FASTING_MASS: &str = "1558-6";
/// Creatinine [Mass/volume] in Serum or Plasma.
pub const CREATININE_MASS: &str = "2160-0";
/// Creatinine [Moles/volume] in Serum or Plasma.
pub const CREATININE_MOLAR: &str = "14682-9";
/// eGFR (CKD-EPI 2021) per 1.73 m².
pub const EGFR: &str = "98979-8";
/// Albumin/Creatinine \[Mass Ratio\] in Urine (UACR, mg/g).
pub const UACR_MASS: &str = "9318-7";
/// Microalbumin/Creatinine \[Mass Ratio\] in Urine (UACR, usually mg/g; mg/mmol
/// values convert by their unit).
pub const UACR_MICROALBUMIN: &str = "14959-1";
/// Body weight.
pub const BODY_WEIGHT: &str = "29463-7";
/// Body height.
pub const BODY_HEIGHT: &str = "8302-2";
/// Systolic blood pressure.
pub const SYSTOLIC_BP: &str = "8480-6";
/// Diastolic blood pressure.
pub const DIASTOLIC_BP: &str = "8462-4";
/// Blood pressure panel (components systolic/diastolic).
pub const BP_PANEL: &str = "85354-9";
/// Neutrophils [#/volume] in Blood.
pub const NEUTROPHILS: &str = "751-8";
/// Heart rate.
pub const HEART_RATE: &str = "8867-4";
/// Tumour greatest dimension (size) by imaging, mm (LOINC 21889-1, "Size Tumor").
pub const TUMOUR_SIZE: &str = "21889-1";
/// Genetic variant assessment (genomics reporting panel).
pub const VARIANT_PANEL: &str = "69548-6";
/// Cancer disease status (treatment response, mCODE).
pub const DISEASE_STATUS: &str = "97509-4";
