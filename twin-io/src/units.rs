//! UCUM units used by the twins, and conversions between them.
//!
//! Units are written as UCUM case-sensitive codes (`mg/dL`, `mmol/L`, `umol/L`,
//! `[lb_av]`, `mm[Hg]`, `10*9/L`, `mL/min/{1.73_m2}`); a few common spellings
//! (`mg/dl`, `µmol/L`, `lb`, `mmHg`) are accepted as aliases. Three kinds of
//! conversion:
//!
//! 1. **Linear, same dimension** (mass, length, concentration, time, dose, ...):
//!    factors to a base unit from the UCUM table (Schadow & McDonald, *The
//!    Unified Code for Units of Measure*, v2.1, 2017). The avoirdupois pound is
//!    exactly 0.45359237 kg (International Yard and Pound Agreement, 1959).
//! 2. **Mass ↔ molar concentration** for a known analyte (looked up by LOINC code),
//!    through its molar mass: glucose 180.16 g/mol, so 1 mmol/L = 18.016 mg/dL;
//!    creatinine 1 mg/dL = 88.42 µmol/L (Young DS, *Implementation of SI units for
//!    clinical laboratory data*, Ann Intern Med 1987;106:114–129, gives 88.4).
//!    UACR mg/g ↔ mg/mmol uses the same creatinine factor (1 mg/mmol = 8.842 mg/g).
//! 3. **HbA1c NGSP % ↔ IFCC mmol/mol**: IFCC = 10.929 × (NGSP − 2.15), the inverse
//!    of the IFCC–NGSP master equation NGSP = 0.09148 × IFCC + 2.152 (Hoelzel W et al.,
//!    Clin Chem 2004;50:166–174), as published by the IFCC/NGSP converters.
//!
//! Dose per body-surface area (mg ↔ mg/m²) needs the patient's BSA and has its own
//! functions: [`bsa_mosteller_m2`] (Mosteller RD, N Engl J Med 1987;317:1098) and
//! [`bsa_dubois_m2`] (Du Bois D, Du Bois EF, Arch Intern Med 1916;17:863–871).
//!
//! An unknown unit or a conversion across dimensions is an [`IoError::Unit`]
//! naming the code and the unit.

use crate::error::{IoError, Result};
use crate::loinc;

/// Physical dimension of a unit; conversion is only linear within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dim {
    Mass,
    Length,
    MassConc,
    MolarConc,
    Fraction,
    Pressure,
    Time,
    AbsorbedDose,
    Volume,
    CountConc,
    MassPerArea,
    Egfr,
    MassRatio,
    MassPerMole,
    Bmi,
    Rate,
    Enzyme,
    Area,
}

/// (UCUM code, dimension, factor to the dimension's base unit).
const UNITS: &[(&str, Dim, f64)] = &[
    ("kg", Dim::Mass, 1.0),
    ("g", Dim::Mass, 1e-3),
    ("mg", Dim::Mass, 1e-6),
    ("ug", Dim::Mass, 1e-9),
    ("[lb_av]", Dim::Mass, 0.453_592_37),
    ("[oz_av]", Dim::Mass, 0.028_349_523_125),
    ("m", Dim::Length, 1.0),
    ("cm", Dim::Length, 1e-2),
    ("mm", Dim::Length, 1e-3),
    ("[in_i]", Dim::Length, 0.0254),
    ("[ft_i]", Dim::Length, 0.3048),
    ("g/L", Dim::MassConc, 1.0),
    ("g/dL", Dim::MassConc, 10.0),
    ("mg/dL", Dim::MassConc, 1e-2),
    ("mg/L", Dim::MassConc, 1e-3),
    ("ug/L", Dim::MassConc, 1e-6),
    ("ng/mL", Dim::MassConc, 1e-6),
    ("mol/L", Dim::MolarConc, 1.0),
    ("mmol/L", Dim::MolarConc, 1e-3),
    ("umol/L", Dim::MolarConc, 1e-6),
    ("nmol/L", Dim::MolarConc, 1e-9),
    ("1", Dim::Fraction, 1.0),
    ("%", Dim::Fraction, 1e-2),
    ("mmol/mol", Dim::Fraction, 1e-3),
    ("mm[Hg]", Dim::Pressure, 133.322_387_415),
    ("kPa", Dim::Pressure, 1000.0),
    ("d", Dim::Time, 1.0),
    ("h", Dim::Time, 1.0 / 24.0),
    ("min", Dim::Time, 1.0 / 1440.0),
    ("s", Dim::Time, 1.0 / 86_400.0),
    ("ms", Dim::Time, 1.0 / 86_400_000.0),
    ("wk", Dim::Time, 7.0),
    ("mo", Dim::Time, 30.4375),
    ("a", Dim::Time, 365.25),
    ("Gy", Dim::AbsorbedDose, 1.0),
    ("cGy", Dim::AbsorbedDose, 1e-2),
    ("L", Dim::Volume, 1.0),
    ("dL", Dim::Volume, 0.1),
    ("mL", Dim::Volume, 1e-3),
    ("cm3", Dim::Volume, 1e-3),
    ("mm3", Dim::Volume, 1e-6),
    ("10*9/L", Dim::CountConc, 1e9),
    ("10*3/uL", Dim::CountConc, 1e9),
    ("/uL", Dim::CountConc, 1e6),
    ("mg/m2", Dim::MassPerArea, 1e-6),
    ("g/m2", Dim::MassPerArea, 1e-3),
    ("mL/min/{1.73_m2}", Dim::Egfr, 1.0),
    ("mg/g", Dim::MassRatio, 1e-3),
    ("mg/mmol", Dim::MassPerMole, 1.0),
    ("kg/m2", Dim::Bmi, 1.0),
    ("/min", Dim::Rate, 1.0),
    ("[IU]", Dim::Enzyme, 1.0),
    ("U", Dim::Enzyme, 1.0),
    ("m2", Dim::Area, 1.0),
    ("cm2", Dim::Area, 1e-4),
    ("mm2", Dim::Area, 1e-6),
];

/// Common non-UCUM spellings and their UCUM code.
const ALIASES: &[(&str, &str)] = &[
    ("mg/dl", "mg/dL"),
    ("g/dl", "g/dL"),
    ("mmol/l", "mmol/L"),
    ("µmol/L", "umol/L"),
    ("μmol/L", "umol/L"),
    ("umol/l", "umol/L"),
    ("µg", "ug"),
    ("lb", "[lb_av]"),
    ("lbs", "[lb_av]"),
    ("in", "[in_i]"),
    ("mmHg", "mm[Hg]"),
    ("mL/min/1.73m2", "mL/min/{1.73_m2}"),
    ("mL/min/1.73 m2", "mL/min/{1.73_m2}"),
    ("10^9/L", "10*9/L"),
    ("{beats}/min", "/min"),
    ("mg/m²", "mg/m2"),
    ("kg/m²", "kg/m2"),
];

/// The table entry for `unit` (resolving aliases).
fn entry(unit: &str) -> Option<(&'static str, Dim, f64)> {
    let u = ALIASES
        .iter()
        .find(|(a, _)| *a == unit)
        .map_or(unit, |(_, c)| c);
    UNITS.iter().find(|(c, _, _)| *c == u).copied()
}

/// The UCUM code for `unit` (resolving aliases), or `None` if unknown.
pub fn canonical(unit: &str) -> Option<&'static str> {
    entry(unit).map(|e| e.0)
}

fn lookup(code: &str, unit: &str) -> Result<(Dim, f64)> {
    entry(unit)
        .map(|(_, d, f)| (d, f))
        .ok_or_else(|| IoError::unit(code, unit, "unknown UCUM unit (see twin_io::units)"))
}

/// Glucose molar mass, g/mol (C6H12O6): 1 mmol/L = 18.016 mg/dL.
pub const GLUCOSE_G_PER_MOL: f64 = 180.16;
/// Creatinine: µmol/L per mg/dL, the clinical conversion factor (Young 1987: 88.4).
pub const CREATININE_UMOL_L_PER_MG_DL: f64 = 88.42;
/// Slope of the HbA1c IFCC-from-NGSP equation, mmol/mol per % (Hoelzel 2004).
pub const HBA1C_IFCC_SLOPE: f64 = 10.929;
/// Intercept of the HbA1c equation, % NGSP (Hoelzel 2004).
pub const HBA1C_NGSP_OFFSET: f64 = 2.15;

const GLUCOSE_CODES: &[&str] = &[
    loinc::GLUCOSE_MASS,
    loinc::GLUCOSE_MOLAR,
    loinc::GLUCOSE_FASTING_MASS,
    "2339-0",  // Glucose [Mass/volume] in Blood
    "41653-7", // Glucose [Mass/volume] in Capillary blood by Glucometer
    "15074-8", // Glucose [Moles/volume] in Blood
    "14771-0", // Fasting glucose [Moles/volume] in Serum or Plasma
];
const CREATININE_CODES: &[&str] = &[loinc::CREATININE_MASS, loinc::CREATININE_MOLAR, "38483-4"];
const UACR_CODES: &[&str] = &[loinc::UACR_MASS, loinc::UACR_MICROALBUMIN];
const HBA1C_CODES: &[&str] = &[
    loinc::HBA1C_NGSP,
    loinc::HBA1C_IFCC,
    "4549-2",  // Hemoglobin A1c/Hemoglobin.total in Blood by Electrophoresis
    "17855-8", // Hemoglobin A1c/Hemoglobin.total in Blood by calculation
    "17856-6", // Hemoglobin A1c/Hemoglobin.total in Blood by HPLC
];

/// Molar mass (g/mol) of the analyte measured under LOINC `code`, if we know it.
pub fn molar_mass_g_per_mol(code: &str) -> Option<f64> {
    if GLUCOSE_CODES.contains(&code) {
        Some(GLUCOSE_G_PER_MOL)
    } else if CREATININE_CODES.contains(&code) {
        // 1 mg/dL = 10 mg/L = (10 / M) mmol/L = 88.42 umol/L  =>  M = 1e4 / 88.42.
        Some(1e4 / CREATININE_UMOL_L_PER_MG_DL)
    } else {
        None
    }
}

/// HbA1c IFCC (mmol/mol) from NGSP (%).
pub fn hba1c_ifcc_from_ngsp(ngsp_percent: f64) -> f64 {
    HBA1C_IFCC_SLOPE * (ngsp_percent - HBA1C_NGSP_OFFSET)
}

/// HbA1c NGSP (%) from IFCC (mmol/mol).
pub fn hba1c_ngsp_from_ifcc(ifcc_mmol_mol: f64) -> f64 {
    ifcc_mmol_mol / HBA1C_IFCC_SLOPE + HBA1C_NGSP_OFFSET
}

/// Convert `value` of the quantity coded `code` from unit `from` to unit `to`.
///
/// `code` selects analyte-specific rules (molar mass, HbA1c equation); any code works
/// for plain linear conversions. Identical unit strings are returned unchanged, even
/// for units this module does not know. Non-finite values are an error.
pub fn convert(code: &str, value: f64, from: &str, to: &str) -> Result<f64> {
    if !value.is_finite() {
        return Err(IoError::invalid(
            format!("value of {code}"),
            value,
            "a finite number",
        ));
    }
    if from == to {
        return Ok(value);
    }
    let (df, ff) = lookup(code, from)?;
    let (dt, ft) = lookup(code, to)?;
    let (cf, ct) = (canonical(from), canonical(to));
    if HBA1C_CODES.contains(&code) {
        // NGSP (a fraction: `%` or `1`) and IFCC (`mmol/mol`) are two scales related by
        // the master equation, not by a unit factor.
        const PERCENT: f64 = 1e-2;
        let ifcc = |u: Option<&str>| u == Some("mmol/mol");
        match (ifcc(cf), ifcc(ct)) {
            (false, true) if df == Dim::Fraction => {
                return Ok(hba1c_ifcc_from_ngsp(value * ff / PERCENT));
            }
            (true, false) if dt == Dim::Fraction => {
                return Ok(hba1c_ngsp_from_ifcc(value) * PERCENT / ft);
            }
            _ => {}
        }
    }
    let out = match (df, dt) {
        _ if df == dt => value * ff / ft,
        (Dim::MassConc, Dim::MolarConc) | (Dim::MolarConc, Dim::MassConc) => {
            let m = molar_mass_g_per_mol(code).ok_or_else(|| {
                IoError::unit(
                    code,
                    from,
                    format!("no molar mass known for this code, cannot convert to `{to}`"),
                )
            })?;
            if df == Dim::MassConc {
                value * ff / m / ft
            } else {
                value * ff * m / ft
            }
        }
        (Dim::MassRatio, Dim::MassPerMole) | (Dim::MassPerMole, Dim::MassRatio)
            if UACR_CODES.contains(&code) =>
        {
            // mg/mmol -> mg/g: divide by creatinine mass per mmol (M/1000 g).
            let g_per_mmol = 1e4 / CREATININE_UMOL_L_PER_MG_DL / 1000.0;
            if df == Dim::MassPerMole {
                value / g_per_mmol * 1e-3 / ft
            } else {
                value * ff * g_per_mmol * 1e3
            }
        }
        _ => {
            return Err(IoError::unit(
                code,
                from,
                format!("cannot be converted to `{to}` (different dimension)"),
            ));
        }
    };
    Ok(out)
}

/// Body-surface area (m²) by Mosteller (1987): `sqrt(height_cm × weight_kg / 3600)`.
///
/// Height 30–275 cm and weight 0.5–650 kg are accepted.
pub fn bsa_mosteller_m2(height_cm: f64, weight_kg: f64) -> Result<f64> {
    check_body(height_cm, weight_kg)?;
    Ok((height_cm * weight_kg / 3600.0).sqrt())
}

/// Body-surface area (m²) by Du Bois & Du Bois (1916):
/// `0.007184 × weight_kg^0.425 × height_cm^0.725`.
pub fn bsa_dubois_m2(height_cm: f64, weight_kg: f64) -> Result<f64> {
    check_body(height_cm, weight_kg)?;
    Ok(0.007_184 * weight_kg.powf(0.425) * height_cm.powf(0.725))
}

fn check_body(height_cm: f64, weight_kg: f64) -> Result<()> {
    if !(30.0..=275.0).contains(&height_cm) {
        return Err(IoError::invalid("height_cm", height_cm, "30 to 275 cm"));
    }
    if !(0.5..=650.0).contains(&weight_kg) {
        return Err(IoError::invalid("weight_kg", weight_kg, "0.5 to 650 kg"));
    }
    Ok(())
}

/// Convert a drug dose between absolute (`mg`, `g`, `ug`) and per-BSA (`mg/m2`, `g/m2`)
/// units, or within either family. `bsa_m2` is needed only across families.
pub fn convert_dose(value: f64, from: &str, to: &str, bsa_m2: Option<f64>) -> Result<f64> {
    const CODE: &str = "dose";
    if !value.is_finite() {
        return Err(IoError::invalid("dose", value, "a finite number"));
    }
    let (df, ff) = lookup(CODE, from)?;
    let (dt, ft) = lookup(CODE, to)?;
    let bsa = || -> Result<f64> {
        let b = bsa_m2.ok_or_else(|| {
            IoError::unit(
                CODE,
                from,
                format!("converting to `{to}` needs the body-surface area"),
            )
        })?;
        if b.is_finite() && (0.05..=5.0).contains(&b) {
            Ok(b)
        } else {
            Err(IoError::invalid("bsa_m2", b, "0.05 to 5 m²"))
        }
    };
    match (df, dt) {
        (Dim::Mass, Dim::Mass) | (Dim::MassPerArea, Dim::MassPerArea) => Ok(value * ff / ft),
        (Dim::MassPerArea, Dim::Mass) => Ok(value * ff * bsa()? / ft),
        (Dim::Mass, Dim::MassPerArea) => Ok(value * ff / bsa()? / ft),
        _ => Err(IoError::unit(
            CODE,
            from,
            format!("is not a dose unit convertible to `{to}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn glucose_against_published_pairs() {
        // ADA Standards of Care (2024, Table 2.1): fasting plasma glucose >= 126 mg/dL (7.0 mmol/L)
        // and 2-h OGTT >= 200 mg/dL (11.1 mmol/L); normal fasting < 100 mg/dL (5.6 mmol/L).
        for (mg, mmol) in [(126.0, 7.0), (200.0, 11.1), (100.0, 5.6)] {
            let v = convert(loinc::GLUCOSE_MASS, mg, "mg/dL", "mmol/L").unwrap();
            assert!((v - mmol).abs() < 0.05, "{mg} mg/dL -> {v}");
        }
        // Young 1987: glucose factor mg/dL -> mmol/L is 0.05551.
        assert_relative_eq!(
            convert("2345-7", 1.0, "mg/dl", "mmol/L").unwrap(),
            0.05551,
            max_relative = 2e-4
        );
        let back = convert("2345-7", 7.0, "mmol/L", "mg/dL").unwrap();
        assert_relative_eq!(back, 7.0 * 18.016, max_relative = 1e-12);
    }

    #[test]
    fn hba1c_against_ifcc_ngsp_table() {
        // IFCC/NGSP published equivalents (NGSP conversion table): 6.5% = 48, 7% = 53, 8% = 64,
        // 10% = 86 mmol/mol (rounded to integers).
        for (pc, ifcc) in [(6.5, 48.0), (7.0, 53.0), (8.0, 64.0), (10.0, 86.0)] {
            let v = convert(loinc::HBA1C_NGSP, pc, "%", "mmol/mol").unwrap();
            assert_eq!(v.round(), ifcc, "{pc}% -> {v}");
            assert_relative_eq!(
                convert(loinc::HBA1C_IFCC, v, "mmol/mol", "%").unwrap(),
                pc,
                max_relative = 1e-12
            );
        }
    }

    #[test]
    fn hba1c_as_a_fraction_and_by_other_methods_uses_the_master_equation() {
        // Same NGSP table: 7 % = 0.07 = 53 mmol/mol, whatever the NGSP unit or method code.
        let v = convert(loinc::HBA1C_NGSP, 0.07, "1", "mmol/mol").unwrap();
        assert_eq!(v.round(), 53.0, "0.07 -> {v}");
        let back = convert(loinc::HBA1C_IFCC, 53.0, "mmol/mol", "1").unwrap();
        assert_relative_eq!(
            back,
            hba1c_ngsp_from_ifcc(53.0) / 100.0,
            max_relative = 1e-12
        );
        // 4549-2 is HbA1c by electrophoresis (NGSP %).
        let v = convert("4549-2", 7.0, "%", "mmol/mol").unwrap();
        assert_eq!(v.round(), 53.0, "4549-2 7 % -> {v}");
        // Any other code's fraction is a unit factor: 5 % = 50 mmol/mol.
        let v = convert("other", 5.0, "%", "mmol/mol").unwrap();
        assert_relative_eq!(v, 50.0, max_relative = 1e-12);
    }

    #[test]
    fn creatinine_weight_and_uacr() {
        // KDIGO 2012 / Young 1987: 1 mg/dL creatinine = 88.4 umol/L.
        let v = convert(loinc::CREATININE_MASS, 1.0, "mg/dL", "µmol/L").unwrap();
        assert_relative_eq!(v, 88.42, max_relative = 1e-12);
        assert!((v - 88.4).abs() < 0.05);
        // Exact by definition (1959 agreement).
        assert_eq!(
            convert(loinc::BODY_WEIGHT, 1.0, "[lb_av]", "kg").unwrap(),
            0.453_592_37
        );
        assert_relative_eq!(
            convert(loinc::BODY_WEIGHT, 100.0, "kg", "lb").unwrap(),
            220.462_262_185,
            max_relative = 1e-11
        );
        // KDIGO 2012 CKD guideline (Table 5 footnote): mg/g x 0.113 = mg/mmol.
        let a = convert(loinc::UACR_MASS, 30.0, "mg/g", "mg/mmol").unwrap();
        assert_relative_eq!(a, 30.0 * 0.113, max_relative = 1e-3);
        assert_relative_eq!(
            convert(loinc::UACR_MICROALBUMIN, a, "mg/mmol", "mg/g").unwrap(),
            30.0,
            max_relative = 1e-12
        );
        // mm[Hg] -> kPa: 760 mmHg is one standard atmosphere, 101.325 kPa, to 1.4e-7
        // (UCUM's conventional mm[Hg], 133.322387415 Pa, differs from the torr, 101325/760 Pa).
        let atm = convert(loinc::SYSTOLIC_BP, 760.0, "mmHg", "kPa").unwrap();
        assert_relative_eq!(atm, 101.325, max_relative = 2e-7);
    }

    #[test]
    fn unknown_and_mismatched_units_name_code_and_unit() {
        let e = convert("2345-7", 1.0, "furlong", "mmol/L")
            .unwrap_err()
            .to_string();
        assert!(e.contains("furlong") && e.contains("2345-7"), "{e}");
        let e = convert("2345-7", 1.0, "mg/dL", "kg")
            .unwrap_err()
            .to_string();
        assert!(e.contains("mg/dL") && e.contains("kg"), "{e}");
        // No molar mass for an arbitrary analyte.
        assert!(convert("1234-5", 1.0, "mg/dL", "mmol/L").is_err());
        assert!(convert("2345-7", f64::NAN, "mg/dL", "mmol/L").is_err());
    }

    #[test]
    fn body_surface_area_and_dose() {
        // Mosteller: 180 cm x 80 kg gives sqrt(4) = 2 m^2 exactly.
        assert_eq!(bsa_mosteller_m2(180.0, 80.0).unwrap(), 2.0);
        // Du Bois 1916 and Mosteller 1987 agree within 2% for a 170 cm, 70 kg adult
        // (Mosteller's stated agreement with Du Bois).
        let (m, d) = (
            bsa_mosteller_m2(170.0, 70.0).unwrap(),
            bsa_dubois_m2(170.0, 70.0).unwrap(),
        );
        assert!((m - d).abs() / d < 0.02, "{m} vs {d}");
        // Temozolomide 75 mg/m^2 at BSA 2 m^2 = 150 mg (Stupp 2005 regimen).
        assert_eq!(convert_dose(75.0, "mg/m2", "mg", Some(2.0)).unwrap(), 150.0);
        assert_relative_eq!(
            convert_dose(150.0, "mg", "g/m2", Some(2.0)).unwrap(),
            0.075,
            max_relative = 1e-12
        );
        assert!(convert_dose(75.0, "mg/m2", "mg", None).is_err());
        assert!(convert_dose(75.0, "mg/m2", "mg", Some(f64::NAN)).is_err());
        assert!(bsa_mosteller_m2(1000.0, 70.0).is_err());
    }
}
