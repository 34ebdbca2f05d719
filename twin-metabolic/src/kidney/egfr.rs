//! Estimated GFR by the race-free CKD-EPI 2021 equations.
//!
//! Creatinine (Inker et al. 2021, NEJM 385:1737, Table 2, "eGFRcr"):
//!
//! eGFR = 142 · min(Scr/κ, 1)^α · max(Scr/κ, 1)^−1.200 · 0.9938^age · 1.012 (if female)
//!
//! with κ = 0.7 (female) / 0.9 (male), α = −0.241 (female) / −0.302 (male).
//!
//! Creatinine + cystatin C (same paper, "eGFRcr-cys"):
//!
//! eGFR = 135 · min(Scr/κ, 1)^α · max(Scr/κ, 1)^−0.544 · min(Scys/0.8, 1)^−0.323
//!        · max(Scys/0.8, 1)^−0.778 · 0.9961^age · 0.963 (if female)
//!
//! with κ as above and α = −0.219 (female) / −0.144 (male).
//! All results in mL/min/1.73 m².

use crate::check;
use crate::error::Result;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Sex as used by the published equations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// True for [`Sex::Female`].
    pub fn is_female(self) -> bool {
        self == Sex::Female
    }
}

/// Coefficients of CKD-EPI 2021 (Inker et al. 2021, NEJM, Table 2).
mod coef {
    pub const CR_A: f64 = 142.0;
    pub const CR_ALPHA_F: f64 = -0.241;
    pub const CR_ALPHA_M: f64 = -0.302;
    pub const CR_HIGH: f64 = -1.200;
    pub const CR_AGE: f64 = 0.9938;
    pub const CR_FEMALE: f64 = 1.012;
    pub const KAPPA_F: f64 = 0.7;
    pub const KAPPA_M: f64 = 0.9;
    pub const CYS_A: f64 = 135.0;
    pub const CYS_CR_ALPHA_F: f64 = -0.219;
    pub const CYS_CR_ALPHA_M: f64 = -0.144;
    pub const CYS_CR_HIGH: f64 = -0.544;
    pub const CYS_LOW: f64 = -0.323;
    pub const CYS_HIGH: f64 = -0.778;
    pub const CYS_KAPPA: f64 = 0.8;
    pub const CYS_AGE: f64 = 0.9961;
    pub const CYS_FEMALE: f64 = 0.963;
}

/// Upper plausibility bound for serum creatinine, mg/dL.
const CREATININE_MAX_MG_DL: f64 = 30.0;
/// Upper plausibility bound for serum cystatin C, mg/L.
const CYSTATIN_MAX_MG_L: f64 = 15.0;

/// The ratio term min(x,1)^lo · max(x,1)^hi, written without branches on NaN.
fn split_power(x: f64, lo: f64, hi: f64) -> f64 {
    if x < 1.0 { x.powf(lo) } else { x.powf(hi) }
}

/// Unchecked CKD-EPI 2021 creatinine equation (inputs already validated).
fn cr_unchecked(creatinine_mg_dl: f64, age_years: f64, female: bool) -> f64 {
    use coef::*;
    let (kappa, alpha, sex) = if female {
        (KAPPA_F, CR_ALPHA_F, CR_FEMALE)
    } else {
        (KAPPA_M, CR_ALPHA_M, 1.0)
    };
    CR_A * split_power(creatinine_mg_dl / kappa, alpha, CR_HIGH) * CR_AGE.powf(age_years) * sex
}

/// eGFR (mL/min/1.73 m²) from serum creatinine (mg/dL), age (years) and sex,
/// CKD-EPI 2021 race-free creatinine equation.
///
/// Errors if creatinine is not in (0, 30] mg/dL or age not in [18, 120] years.
pub fn egfr_ckd_epi_2021_cr(creatinine_mg_dl: f64, age_years: f64, sex: Sex) -> Result<f64> {
    check::positive(
        "creatinine_mg_dl",
        creatinine_mg_dl,
        CREATININE_MAX_MG_DL,
        "mg/dL",
    )?;
    check::age(age_years)?;
    Ok(cr_unchecked(creatinine_mg_dl, age_years, sex.is_female()))
}

/// eGFR (mL/min/1.73 m²) from creatinine (mg/dL) and cystatin C (mg/L),
/// CKD-EPI 2021 race-free creatinine–cystatin C equation.
pub fn egfr_ckd_epi_2021_cr_cys(
    creatinine_mg_dl: f64,
    cystatin_c_mg_l: f64,
    age_years: f64,
    sex: Sex,
) -> Result<f64> {
    use coef::*;
    check::positive(
        "creatinine_mg_dl",
        creatinine_mg_dl,
        CREATININE_MAX_MG_DL,
        "mg/dL",
    )?;
    check::positive(
        "cystatin_c_mg_l",
        cystatin_c_mg_l,
        CYSTATIN_MAX_MG_L,
        "mg/L",
    )?;
    check::age(age_years)?;
    let (kappa, alpha, sexf) = if sex.is_female() {
        (KAPPA_F, CYS_CR_ALPHA_F, CYS_FEMALE)
    } else {
        (KAPPA_M, CYS_CR_ALPHA_M, 1.0)
    };
    Ok(CYS_A
        * split_power(creatinine_mg_dl / kappa, alpha, CYS_CR_HIGH)
        * split_power(cystatin_c_mg_l / CYS_KAPPA, CYS_LOW, CYS_HIGH)
        * CYS_AGE.powf(age_years)
        * sexf)
}

/// Vectorised CKD-EPI 2021 creatinine eGFR over columns of equal length.
///
/// Missing creatinine (`None`, e.g. an empty CSV cell) gives `None`; any present
/// but invalid value (negative, zero, > 30 mg/dL, age outside 18–120) is an error
/// naming the row. Runs in parallel with rayon; the result order is the input order.
pub fn egfr_ckd_epi_2021_cr_batch(
    creatinine_mg_dl: &[Option<f64>],
    age_years: &[f64],
    sex: &[Sex],
) -> Result<Vec<Option<f64>>> {
    let n = creatinine_mg_dl.len();
    if age_years.len() != n || sex.len() != n {
        return Err(crate::MetabolicError::invalid(
            "age_years/sex length",
            format!("{}/{}", age_years.len(), sex.len()),
            format!("both equal to creatinine length {n}"),
        ));
    }
    (0..n)
        .into_par_iter()
        .map(|i| match creatinine_mg_dl[i] {
            None => Ok(None),
            Some(c) => egfr_ckd_epi_2021_cr(c, age_years[i], sex[i])
                .map(Some)
                .map_err(|e| crate::MetabolicError::invalid(format!("row {i}"), e, "valid inputs")),
        })
        .collect()
}

/// Lowest creatinine [`creatinine_for_egfr`] returns, mg/dL.
const CREATININE_MIN_INVERSE_MG_DL: f64 = 0.05;

/// Creatinine (mg/dL) that gives a target eGFR for this age and sex: the inverse of
/// the creatinine equation (monotone decreasing in creatinine), used to generate
/// consistent virtual patients. Solved by bisection on log creatinine.
///
/// Errors if the target is outside 2–200 mL/min/1.73 m², or outside the eGFRs that
/// creatinine 0.05–30 mg/dL gives at this age and sex (e.g. above ~194 for a man of
/// 90); the message names the target and that reachable range.
pub fn creatinine_for_egfr(egfr: f64, age_years: f64, sex: Sex) -> Result<f64> {
    check::in_range("egfr_ml_min_1_73m2", egfr, 2.0, 200.0, "mL/min/1.73 m²")?;
    check::age(age_years)?;
    let female = sex.is_female();
    let reachable = (
        cr_unchecked(CREATININE_MAX_MG_DL, age_years, female),
        cr_unchecked(CREATININE_MIN_INVERSE_MG_DL, age_years, female),
    );
    if !(reachable.0..=reachable.1).contains(&egfr) {
        return Err(crate::MetabolicError::invalid(
            "egfr_ml_min_1_73m2",
            egfr,
            format!(
                "[{:.1}, {:.1}] mL/min/1.73 m², the eGFRs creatinine {CREATININE_MIN_INVERSE_MG_DL}–{CREATININE_MAX_MG_DL} mg/dL gives at age {age_years} ({sex:?})",
                reachable.0, reachable.1
            ),
        ));
    }
    let (mut lo, mut hi) = (CREATININE_MIN_INVERSE_MG_DL.ln(), CREATININE_MAX_MG_DL.ln());
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if cr_unchecked(mid.exp(), age_years, female) > egfr {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok((0.5 * (lo + hi)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published worked values for CKD-EPI 2021 (issue 10, from Inker et al. 2021 and
    // the NKF calculator), to one decimal.
    #[test]
    fn creatinine_equation_published_values() {
        let r1 = egfr_ckd_epi_2021_cr(1.2, 55.0, Sex::Male).unwrap();
        let r2 = egfr_ckd_epi_2021_cr(0.6, 40.0, Sex::Female).unwrap();
        let r3 = egfr_ckd_epi_2021_cr(1.5, 70.0, Sex::Female).unwrap();
        assert_eq!(format!("{r1:.1}"), "71.4");
        assert_eq!(format!("{r2:.1}"), "116.3");
        assert_eq!(format!("{r3:.1}"), "37.3");
    }

    #[test]
    fn cystatin_equation_published_value() {
        let r = egfr_ckd_epi_2021_cr_cys(1.4, 0.8, 60.0, Sex::Male).unwrap();
        assert_eq!(format!("{r:.1}"), "84.0");
    }

    #[test]
    fn continuous_at_the_knot() {
        // Both branches of the spline meet at Scr = κ: value 142·0.9938^age.
        let a = egfr_ckd_epi_2021_cr(0.9 - 1e-12, 50.0, Sex::Male).unwrap();
        let b = egfr_ckd_epi_2021_cr(0.9 + 1e-12, 50.0, Sex::Male).unwrap();
        assert!((a - b).abs() < 1e-8);
        assert!((a - 142.0 * 0.9938_f64.powi(50)).abs() < 1e-8);
    }

    #[test]
    fn inverse_round_trip() {
        for &(g, age, sex) in &[(25.0, 70.0, Sex::Female), (95.0, 45.0, Sex::Male)] {
            let c = creatinine_for_egfr(g, age, sex).unwrap();
            let back = egfr_ckd_epi_2021_cr(c, age, sex).unwrap();
            assert!((back - g).abs() < 1e-9, "{g} -> {c} -> {back}");
        }
    }

    #[test]
    fn unreachable_target_is_an_error_naming_the_reachable_range() {
        // A man of 90: creatinine 0.05 mg/dL gives 142·(0.05/0.9)^−0.302·0.9938^90 ≈ 194,
        // the highest eGFR a creatinine can give; 200 used to return 0.05 silently.
        let top = egfr_ckd_epi_2021_cr(0.05, 90.0, Sex::Male).unwrap();
        let by_hand = 142.0 * (0.05_f64 / 0.9).powf(-0.302) * 0.9938_f64.powi(90);
        assert!(
            (top - by_hand).abs() < 1e-9 && (top - 194.0).abs() < 1.0,
            "{top}"
        );
        let e = creatinine_for_egfr(200.0, 90.0, Sex::Male)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("egfr_ml_min_1_73m2") && e.contains("= 200"),
            "{e}"
        );
        assert!(e.contains(&format!("{top:.1}]")), "{e}");
        // the lowest end: creatinine 30 mg/dL
        let bottom = egfr_ckd_epi_2021_cr(30.0, 90.0, Sex::Male).unwrap();
        assert!(creatinine_for_egfr(bottom * 0.99, 90.0, Sex::Male).is_err());
        // inside the range the inverse still round-trips
        let c = creatinine_for_egfr(top - 1.0, 90.0, Sex::Male).unwrap();
        assert!((egfr_ckd_epi_2021_cr(c, 90.0, Sex::Male).unwrap() - (top - 1.0)).abs() < 1e-9);
    }

    #[test]
    fn bad_input_is_an_error() {
        let e = egfr_ckd_epi_2021_cr(-1.0, 55.0, Sex::Male).unwrap_err();
        assert!(e.to_string().contains("creatinine_mg_dl"));
        assert!(egfr_ckd_epi_2021_cr(f64::NAN, 55.0, Sex::Male).is_err());
        assert!(egfr_ckd_epi_2021_cr(1.0, 12.0, Sex::Male).is_err());
        assert!(egfr_ckd_epi_2021_cr_cys(1.0, 0.0, 50.0, Sex::Male).is_err());
    }
}
