//! Physiological plausibility limits: the one validation layer every importer (FHIR,
//! CSV long/wide, record JSON) passes through [`crate::record::PatientRecord::validate`].
//!
//! The limits are the outer edges of values a living person can have, not reference
//! intervals: a value outside is a data error (a unit mix-up, a typo, a sentinel such
//! as 9999), never a rare patient, so it is refused with the field, the value, the
//! unit and the range instead of being clamped. Each value is converted to the
//! range's unit first (so 25 % and 240 mmol/mol HbA1c are both refused). Codes
//! without a row here are checked only for finiteness.

use crate::error::{IoError, Result};
use crate::loinc;
use crate::units;

/// Plausible values of one LOINC-coded quantity, in `unit`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlausibleRange {
    /// LOINC code.
    pub code: &'static str,
    /// UCUM unit of `min` and `max`.
    pub unit: &'static str,
    /// Smallest plausible value.
    pub min: f64,
    /// Largest plausible value.
    pub max: f64,
    /// Why these limits.
    pub source: &'static str,
}

/// Largest |time| of an event relative to the record's index date, days (150 years:
/// longer than any life, so a record spanning more is a date error).
pub const MAX_ABS_T_DAYS: f64 = 150.0 * 365.25;

const HBA1C: &str =
    "beyond every HbA1c assay's reportable range (about 4–20 % NGSP, NGSP certification list)";
const GLUCOSE: &str = "survivable extremes: severe hypoglycaemia ~10 mg/dL, hyperosmolar states rarely above 2,000 mg/dL";

/// The table (codes of [`crate::loinc`] and their aliases in [`crate::units`]).
pub const RANGES: &[PlausibleRange] = &[
    PlausibleRange {
        code: loinc::HBA1C_NGSP,
        unit: "%",
        min: 2.0,
        max: 20.0,
        source: HBA1C,
    },
    PlausibleRange {
        code: "17856-6",
        unit: "%",
        min: 2.0,
        max: 20.0,
        source: HBA1C,
    },
    PlausibleRange {
        code: loinc::HBA1C_IFCC,
        unit: "%",
        min: 2.0,
        max: 20.0,
        source: HBA1C,
    },
    PlausibleRange {
        code: loinc::GLUCOSE_MASS,
        unit: "mg/dL",
        min: 5.0,
        max: 3000.0,
        source: GLUCOSE,
    },
    PlausibleRange {
        code: loinc::GLUCOSE_MOLAR,
        unit: "mg/dL",
        min: 5.0,
        max: 3000.0,
        source: GLUCOSE,
    },
    PlausibleRange {
        code: loinc::GLUCOSE_FASTING_MASS,
        unit: "mg/dL",
        min: 5.0,
        max: 3000.0,
        source: GLUCOSE,
    },
    PlausibleRange {
        code: loinc::CREATININE_MASS,
        unit: "mg/dL",
        min: 0.05,
        max: 30.0,
        source: "the CKD-EPI 2021 equation's domain edge (Inker 2021) and dialysis-range extremes",
    },
    PlausibleRange {
        code: loinc::CREATININE_MOLAR,
        unit: "mg/dL",
        min: 0.05,
        max: 30.0,
        source: "as creatinine mg/dL (88.42 µmol/L per mg/dL)",
    },
    PlausibleRange {
        code: loinc::EGFR,
        unit: "mL/min/{1.73_m2}",
        min: 1.0,
        max: 250.0,
        source: "above the highest measured GFR in hyperfiltration (~200)",
    },
    PlausibleRange {
        code: loinc::UACR_MASS,
        unit: "mg/g",
        min: 0.0,
        max: 50_000.0,
        source: "nephrotic-range extremes are ~10^4 mg/g",
    },
    PlausibleRange {
        code: loinc::UACR_MICROALBUMIN,
        unit: "mg/g",
        min: 0.0,
        max: 50_000.0,
        source: "as UACR mg/g",
    },
    PlausibleRange {
        code: loinc::BODY_WEIGHT,
        unit: "kg",
        min: 0.2,
        max: 700.0,
        source: "heaviest recorded person ~635 kg (Guinness: J. B. Minnoch)",
    },
    PlausibleRange {
        code: loinc::BODY_HEIGHT,
        unit: "cm",
        min: 20.0,
        max: 275.0,
        source: "tallest recorded person 272 cm (Guinness: R. Wadlow)",
    },
    PlausibleRange {
        code: loinc::SYSTOLIC_BP,
        unit: "mm[Hg]",
        min: 30.0,
        max: 320.0,
        source: "measurable range of clinical sphygmomanometers (0–300 mmHg) with margin",
    },
    PlausibleRange {
        code: loinc::DIASTOLIC_BP,
        unit: "mm[Hg]",
        min: 10.0,
        max: 250.0,
        source: "measurable range of clinical sphygmomanometers with margin",
    },
    PlausibleRange {
        code: loinc::NEUTROPHILS,
        unit: "10*9/L",
        min: 0.0,
        max: 500.0,
        source: "leukaemic extremes (white counts of several hundred 10^9/L)",
    },
    PlausibleRange {
        code: loinc::HEART_RATE,
        unit: "/min",
        min: 5.0,
        max: 400.0,
        source: "atrial flutter with 1:1 conduction ~300/min; neonates ~200/min",
    },
    PlausibleRange {
        code: loinc::TUMOUR_SIZE,
        unit: "mm",
        min: 0.0,
        max: 1000.0,
        source: "a lesion cannot exceed the body (RECIST sums of a few hundred mm are extreme)",
    },
];

/// The row for LOINC `code`, if any.
pub fn range_for(code: &str) -> Option<&'static PlausibleRange> {
    RANGES.iter().find(|r| r.code == code)
}

/// Check one LOINC-coded value given in `unit`; `field` names it in the error.
pub fn check_value(field: &str, code: &str, value: f64, unit: &str) -> Result<()> {
    if !value.is_finite() {
        return Err(IoError::invalid(field, value, "a finite number"));
    }
    let Some(r) = range_for(code) else {
        return Ok(());
    };
    let v = units::convert(code, value, unit, r.unit)?;
    if !(r.min..=r.max).contains(&v) {
        let shown = if unit == r.unit {
            format!("{value} {unit}")
        } else {
            format!("{value} {unit} (= {v:.4} {})", r.unit)
        };
        return Err(IoError::invalid(
            field,
            shown,
            format!(
                "{} to {} {} for LOINC {code} ({})",
                r.min, r.max, r.unit, r.source
            ),
        ));
    }
    Ok(())
}

/// Check a time relative to the index date, days: finite and within ±[`MAX_ABS_T_DAYS`].
pub fn check_t_days(field: &str, t_days: f64) -> Result<()> {
    if t_days.is_finite() && t_days.abs() <= MAX_ABS_T_DAYS {
        Ok(())
    } else {
        Err(IoError::invalid(
            field,
            t_days,
            format!("a finite time within ±{MAX_ABS_T_DAYS} days (150 years) of the index date"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_is_ordered_and_its_unit_known() {
        for r in RANGES {
            assert!(r.min < r.max, "{}", r.code);
            assert!(units::canonical(r.unit).is_some(), "{} {}", r.code, r.unit);
        }
    }

    #[test]
    fn values_are_converted_before_the_check() {
        // 25 % NGSP is refused; 48 mmol/mol IFCC (= 6.54 %, Hoelzel 2004) is accepted.
        let e = check_value("x", loinc::HBA1C_NGSP, 25.0, "%")
            .unwrap_err()
            .to_string();
        assert!(e.contains("25 %") && e.contains("2 to 20 %"), "{e}");
        check_value("x", loinc::HBA1C_IFCC, 48.0, "mmol/mol").unwrap();
        assert!(check_value("x", loinc::HBA1C_IFCC, 250.0, "mmol/mol").is_err());
        // Creatinine −1 mg/dL and 3,000 µmol/L (= 33.9 mg/dL) are refused.
        assert!(check_value("x", loinc::CREATININE_MASS, -1.0, "mg/dL").is_err());
        assert!(check_value("x", loinc::CREATININE_MOLAR, 3000.0, "umol/L").is_err());
        check_value("x", loinc::CREATININE_MOLAR, 80.0, "umol/L").unwrap();
        // A code without a row is checked for finiteness only.
        check_value("x", "12345-6", 1e9, "1").unwrap();
        assert!(check_value("x", "12345-6", f64::NAN, "1").is_err());
        assert!(check_t_days("t", -1e308).is_err() && check_t_days("t", -365.0).is_ok());
    }
}
