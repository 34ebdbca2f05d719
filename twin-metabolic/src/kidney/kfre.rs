//! Kidney Failure Risk Equation, 4 variables (age, sex, eGFR, urine ACR).
//!
//! Tangri et al. 2011 (JAMA 305:1553), recalibrated in the multinational meta-analysis
//! Tangri et al. 2016 (JAMA 315:164, Table 3/eTable):
//!
//! risk(t) = 1 − S₀(t)^exp(−0.2201·(age/10 − 7.036) + 0.2467·(male − 0.5642)
//!                          − 0.5567·(eGFR/5 − 7.222) + 0.4510·(ln ACR − 5.137))
//!
//! with ACR in mg/g and baseline survivals S₀: North America 0.9750 (2 y) and
//! 0.9240 (5 y); outside North America 0.9832 (2 y) and 0.9365 (5 y).

use super::egfr::Sex;
use crate::check;
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// Which recalibrated baseline survival to use (Tangri 2016).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KfreRegion {
    /// North American cohorts.
    NorthAmerica,
    /// Cohorts outside North America.
    NonNorthAmerica,
}

/// Prediction horizon of the KFRE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KfreHorizon {
    /// 2 years.
    TwoYears,
    /// 5 years.
    FiveYears,
}

/// Coefficients and centring values, Tangri et al. 2016 (JAMA), 4-variable model.
mod coef {
    pub const AGE: f64 = -0.2201;
    pub const AGE_MEAN_DECADES: f64 = 7.036;
    pub const MALE: f64 = 0.2467;
    pub const MALE_MEAN: f64 = 0.5642;
    pub const EGFR: f64 = -0.5567;
    pub const EGFR_MEAN_PER5: f64 = 7.222;
    pub const LN_ACR: f64 = 0.4510;
    pub const LN_ACR_MEAN: f64 = 5.137;
    pub const S0_NA_2Y: f64 = 0.9750;
    pub const S0_NA_5Y: f64 = 0.9240;
    pub const S0_NON_NA_2Y: f64 = 0.9832;
    pub const S0_NON_NA_5Y: f64 = 0.9365;
}

/// Linear predictor of the 4-variable KFRE (unchecked).
pub(crate) fn kfre_lp(age_years: f64, male: bool, egfr: f64, uacr_mg_g: f64) -> f64 {
    use coef::*;
    AGE * (age_years / 10.0 - AGE_MEAN_DECADES)
        + MALE * (f64::from(u8::from(male)) - MALE_MEAN)
        + EGFR * (egfr / 5.0 - EGFR_MEAN_PER5)
        + LN_ACR * (uacr_mg_g.ln() - LN_ACR_MEAN)
}

/// Baseline survival for a region and horizon.
pub(crate) fn kfre_s0(region: KfreRegion, horizon: KfreHorizon) -> f64 {
    use coef::*;
    match (region, horizon) {
        (KfreRegion::NorthAmerica, KfreHorizon::TwoYears) => S0_NA_2Y,
        (KfreRegion::NorthAmerica, KfreHorizon::FiveYears) => S0_NA_5Y,
        (KfreRegion::NonNorthAmerica, KfreHorizon::TwoYears) => S0_NON_NA_2Y,
        (KfreRegion::NonNorthAmerica, KfreHorizon::FiveYears) => S0_NON_NA_5Y,
    }
}

/// Probability (0–1) of kidney failure (dialysis or transplant) within the horizon.
///
/// The equation was developed in CKD G3–G5 (eGFR < 60); it is evaluated for any
/// eGFR in (0, 200] but [`kfre_in_domain`] says whether the patient is inside it.
pub fn kfre_4var(
    age_years: f64,
    sex: Sex,
    egfr: f64,
    uacr_mg_g: f64,
    region: KfreRegion,
    horizon: KfreHorizon,
) -> Result<f64> {
    check::age(age_years)?;
    check::positive("egfr_ml_min_1_73m2", egfr, 200.0, "mL/min/1.73 m²")?;
    check::positive("uacr_mg_g", uacr_mg_g, 50_000.0, "mg/g")?;
    let lp = kfre_lp(age_years, !sex.is_female(), egfr, uacr_mg_g);
    Ok(1.0 - kfre_s0(region, horizon).powf(lp.exp()))
}

/// True when eGFR lies in the KFRE development population (CKD G3–G5, eGFR < 60).
pub fn kfre_in_domain(egfr: f64) -> bool {
    egfr < 60.0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published example (issue 10; Tangri 2016 recalibration): male, 60 y, eGFR 30,
    // UACR 300 mg/g -> 24.6 % (North America) and 20.9 % (elsewhere) at 5 years.
    #[test]
    fn published_five_year_values() {
        let na = kfre_4var(
            60.0,
            Sex::Male,
            30.0,
            300.0,
            KfreRegion::NorthAmerica,
            KfreHorizon::FiveYears,
        )
        .unwrap();
        let non = kfre_4var(
            60.0,
            Sex::Male,
            30.0,
            300.0,
            KfreRegion::NonNorthAmerica,
            KfreHorizon::FiveYears,
        )
        .unwrap();
        assert_eq!(format!("{:.1}", 100.0 * na), "24.6");
        assert_eq!(format!("{:.1}", 100.0 * non), "20.9");
    }

    #[test]
    fn two_year_risk_lower_and_monotone() {
        let r = |g: f64, a: f64| {
            kfre_4var(
                60.0,
                Sex::Female,
                g,
                a,
                KfreRegion::NorthAmerica,
                KfreHorizon::TwoYears,
            )
            .unwrap()
        };
        let five = kfre_4var(
            60.0,
            Sex::Female,
            30.0,
            300.0,
            KfreRegion::NorthAmerica,
            KfreHorizon::FiveYears,
        )
        .unwrap();
        assert!(r(30.0, 300.0) < five);
        assert!(r(20.0, 300.0) > r(30.0, 300.0));
        assert!(r(30.0, 1000.0) > r(30.0, 300.0));
        // At the centring values the risk is 1 - S0 (lp = 0): male fraction term aside,
        // check the closed form with lp computed by hand.
        let lp = -0.2201 * (6.0 - 7.036) + 0.2467 * (0.0 - 0.5642) - 0.5567 * (6.0 - 7.222)
            + 0.4510 * (300.0_f64.ln() - 5.137);
        assert!((r(30.0, 300.0) - (1.0 - 0.975_f64.powf(lp.exp()))).abs() < 1e-12);
    }

    #[test]
    fn bad_input() {
        assert!(
            kfre_4var(
                60.0,
                Sex::Male,
                -5.0,
                30.0,
                KfreRegion::NorthAmerica,
                KfreHorizon::TwoYears
            )
            .is_err()
        );
        assert!(
            kfre_4var(
                60.0,
                Sex::Male,
                30.0,
                0.0,
                KfreRegion::NorthAmerica,
                KfreHorizon::TwoYears
            )
            .is_err()
        );
    }
}
