//! Published glycaemic relations.
//!
//! * ADAG (Nathan et al. 2008, Diabetes Care 31:1473, regression in the abstract):
//!   estimated average glucose eAG (mg/dL) = 28.7 · HbA1c (%) − 46.7.
//! * HOMA1 (Matthews et al. 1985, Diabetologia 28:412, the approximations in its
//!   appendix): HOMA-IR = FPG · insulin / 22.5, HOMA-%B = 20 · insulin / (FPG − 3.5),
//!   FPG in mmol/L, fasting insulin in µU/mL.
//!
//! Inverting both HOMA relations gives the fasting steady state of a patient whose
//! β-cell function is `b = %B/100` and insulin sensitivity `s = 1/HOMA-IR`:
//! FPG·(FPG − 3.5) = 4.5/(b·s), i.e. FPG = (3.5 + √(12.25 + 18/(b·s)))/2 and
//! insulin = 5·b·(FPG − 3.5). At b = s = 1 this is the HOMA normal, FPG 4.5 mmol/L
//! and insulin 5 µU/mL. This is the glucose–insulin feedback the disease-progression
//! model uses (de Winter et al. 2006 drive FPG from β-cell function × sensitivity).

use crate::check;
use crate::error::Result;

/// mg/dL per mmol/L of glucose (molar mass 180.16 g/mol).
pub const GLUCOSE_MG_DL_PER_MMOL_L: f64 = 18.016;

/// ADAG slope, mg/dL per HbA1c % (Nathan 2008).
pub const ADAG_SLOPE: f64 = 28.7;
/// ADAG intercept, mg/dL (Nathan 2008).
pub const ADAG_INTERCEPT: f64 = -46.7;

/// Estimated average glucose (mg/dL) from HbA1c (%), ADAG regression.
pub fn eag_mg_dl_from_hba1c(hba1c_percent: f64) -> Result<f64> {
    check::hba1c(hba1c_percent)?;
    Ok(ADAG_SLOPE * hba1c_percent + ADAG_INTERCEPT)
}

/// HbA1c (%) whose ADAG average glucose equals `mean_glucose_mg_dl` (no range check:
/// used inside the model; the result is checked where it leaves the crate).
pub fn hba1c_from_eag_mg_dl(mean_glucose_mg_dl: f64) -> f64 {
    (mean_glucose_mg_dl - ADAG_INTERCEPT) / ADAG_SLOPE
}

/// HOMA1-IR from fasting glucose (mmol/L) and fasting insulin (µU/mL).
pub fn homa_ir(fpg_mmol_l: f64, insulin_uu_ml: f64) -> Result<f64> {
    check::in_range("fpg_mmol_l", fpg_mmol_l, 1.0, 40.0, "mmol/L")?;
    check::positive("insulin_uu_ml", insulin_uu_ml, 500.0, "µU/mL")?;
    Ok(fpg_mmol_l * insulin_uu_ml / 22.5)
}

/// HOMA1-%B from fasting glucose (mmol/L, must exceed 3.5) and insulin (µU/mL).
pub fn homa_beta_percent(fpg_mmol_l: f64, insulin_uu_ml: f64) -> Result<f64> {
    check::in_range(
        "fpg_mmol_l",
        fpg_mmol_l,
        3.5 + 1e-9,
        40.0,
        "mmol/L (HOMA-%B needs FPG > 3.5)",
    )?;
    check::positive("insulin_uu_ml", insulin_uu_ml, 500.0, "µU/mL")?;
    Ok(20.0 * insulin_uu_ml / (fpg_mmol_l - 3.5))
}

/// Fasting plasma glucose (mmol/L) at the HOMA steady state for β-cell function
/// `b` (fraction of normal) and insulin sensitivity `s` (fraction of normal).
/// Unchecked hot-path function: callers keep `b·s > 0`.
#[inline]
pub fn fpg_from_beta_sensitivity(b: f64, s: f64) -> f64 {
    0.5 * (3.5 + (12.25 + 18.0 / (b * s)).sqrt())
}

/// β·S product that gives a fasting glucose `fpg_mmol_l` (> 3.5): inverse of
/// [`fpg_from_beta_sensitivity`].
#[inline]
pub fn beta_sensitivity_from_fpg(fpg_mmol_l: f64) -> f64 {
    4.5 / (fpg_mmol_l * (fpg_mmol_l - 3.5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adag_published_value() {
        // Nathan 2008 table: HbA1c 7 % -> eAG 154 mg/dL.
        let e = eag_mg_dl_from_hba1c(7.0).unwrap();
        assert_eq!(e.round(), 154.0);
        assert!((hba1c_from_eag_mg_dl(e) - 7.0).abs() < 1e-12);
        assert!(eag_mg_dl_from_hba1c(2.5).is_err());
        assert!(eag_mg_dl_from_hba1c(21.0).is_err());
    }

    #[test]
    fn homa_published_values() {
        // Matthews 1985 approximations: FPG 5 mmol/L, insulin 10 µU/mL.
        assert_eq!(format!("{:.2}", homa_ir(5.0, 10.0).unwrap()), "2.22");
        assert_eq!(
            format!("{:.1}", homa_beta_percent(5.0, 10.0).unwrap()),
            "133.3"
        );
    }

    #[test]
    fn steady_state_inverts_both_homa_relations() {
        for &(b, s) in &[(1.0, 1.0), (0.4, 0.3), (1.3, 0.5)] {
            let g = fpg_from_beta_sensitivity(b, s);
            let insulin = 5.0 * b * (g - 3.5);
            assert!((homa_beta_percent(g, insulin).unwrap() / 100.0 - b).abs() < 1e-12);
            assert!((1.0 / homa_ir(g, insulin).unwrap() - s).abs() < 1e-12);
            assert!((beta_sensitivity_from_fpg(g) - b * s).abs() < 1e-12);
        }
        assert!((fpg_from_beta_sensitivity(1.0, 1.0) - 4.5).abs() < 1e-12);
    }
}
