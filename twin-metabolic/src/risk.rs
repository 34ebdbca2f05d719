//! Complication risks over a horizon.
//!
//! * Coronary heart disease: UKPDS Risk Engine (Stevens et al. 2001, Clin Sci 101:671,
//!   "UKPDS 56", equation and Table 2): for a patient with diabetes duration D years,
//!   risk over the next T years = 1 − exp(−q·d^D·(1 − d^T)/(1 − d)) with
//!   q = 0.0112 · 1.059^(age at diagnosis − 55) · 0.525^female · 0.390^afro-caribbean
//!   · 1.350^smoker · 1.183^(HbA1c − 6.72) · 1.088^((SBP − 135.7)/10)
//!   · 3.845^(ln(TC/HDL) − 1.59), d = 1.078.
//! * Microvascular events (mostly retinal photocoagulation): hazard 11.4 per 1,000
//!   patient-years at HbA1c 7.9 % (UKPDS 33, 1998, Lancet 352:837, conventional arm,
//!   Table 4 / Figure 3), scaled by the UKPDS 35 gradient: each 1 % lower updated mean
//!   HbA1c → 37 % lower risk (Stratton et al. 2000, BMJ 321:405, Table 3), i.e. a hazard
//!   ratio of 1/0.63 per 1 % higher HbA1c.
//! * Severe hypoglycaemia: annual rate by regimen, see [`severe_hypo_rate_per_year`].

use crate::check;
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// UKPDS 56 coefficients (Stevens et al. 2001, Table 2).
mod ukpds56 {
    pub const Q0: f64 = 0.0112;
    pub const AGE_DX: f64 = 1.059;
    pub const FEMALE: f64 = 0.525;
    pub const AFRO_CARIBBEAN: f64 = 0.390;
    pub const SMOKER: f64 = 1.350;
    pub const HBA1C: f64 = 1.183;
    pub const HBA1C_MEAN: f64 = 6.72;
    pub const SBP_PER10: f64 = 1.088;
    pub const SBP_MEAN: f64 = 135.7;
    pub const LIPID: f64 = 3.845;
    pub const LN_LIPID_MEAN: f64 = 1.59;
    pub const D: f64 = 1.078;
}

/// Risk factors of the UKPDS Risk Engine (CHD).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvRiskFactors {
    /// Age at diagnosis of diabetes, years.
    pub age_at_diagnosis_years: f64,
    /// Diabetes duration at the start of the horizon, years.
    pub diabetes_duration_years: f64,
    /// Female sex.
    pub female: bool,
    /// Afro-Caribbean ethnicity.
    pub afro_caribbean: bool,
    /// Current smoker.
    pub smoker: bool,
    /// HbA1c over the horizon (UKPDS: updated mean), %.
    pub hba1c_percent: f64,
    /// Systolic blood pressure, mmHg.
    pub sbp_mmhg: f64,
    /// Total / HDL cholesterol ratio (unitless).
    pub tc_hdl_ratio: f64,
}

/// Youngest age at diagnosis [`ukpds_chd_risk`] accepts, years (adults).
pub const UKPDS56_MIN_AGE_AT_DIAGNOSIS_YEARS: f64 = 18.0;
/// Longest diabetes duration [`ukpds_chd_risk`] accepts, years.
pub const UKPDS56_MAX_DURATION_YEARS: f64 = 60.0;

/// Probability (0–1) of a first coronary heart disease event within `horizon_years`.
///
/// Errors if the age at diagnosis is outside 18–100 years or the duration outside
/// 0–60 years (and for other out-of-range factors).
pub fn ukpds_chd_risk(f: &CvRiskFactors, horizon_years: f64) -> Result<f64> {
    use ukpds56::*;
    check::in_range(
        "age_at_diagnosis_years",
        f.age_at_diagnosis_years,
        UKPDS56_MIN_AGE_AT_DIAGNOSIS_YEARS,
        100.0,
        "years",
    )?;
    check::in_range(
        "diabetes_duration_years",
        f.diabetes_duration_years,
        0.0,
        UKPDS56_MAX_DURATION_YEARS,
        "years",
    )?;
    check::hba1c(f.hba1c_percent)?;
    check::in_range("sbp_mmhg", f.sbp_mmhg, 70.0, 250.0, "mmHg")?;
    check::in_range("tc_hdl_ratio", f.tc_hdl_ratio, 1.0, 20.0, "")?;
    check::in_range("horizon_years", horizon_years, 0.0, 30.0, "years")?;
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    let q = Q0
        * AGE_DX.powf(f.age_at_diagnosis_years - 55.0)
        * FEMALE.powf(b(f.female))
        * AFRO_CARIBBEAN.powf(b(f.afro_caribbean))
        * SMOKER.powf(b(f.smoker))
        * HBA1C.powf(f.hba1c_percent - HBA1C_MEAN)
        * SBP_PER10.powf((f.sbp_mmhg - SBP_MEAN) / 10.0)
        * LIPID.powf(f.tc_hdl_ratio.ln() - LN_LIPID_MEAN);
    let cum = q * D.powf(f.diabetes_duration_years) * (1.0 - D.powf(horizon_years)) / (1.0 - D);
    Ok(1.0 - (-cum).exp())
}

/// Microvascular hazard at HbA1c 7.9 %, events per patient-year (UKPDS 33).
pub const MICROVASCULAR_RATE_AT_7_9: f64 = 11.4e-3;
/// Relative risk per 1 % lower HbA1c (UKPDS 35: 37 % reduction).
pub const MICROVASCULAR_RR_PER_POINT_LOWER: f64 = 0.63;

/// Microvascular hazard (events per patient-year) at a given HbA1c (%).
#[inline]
pub fn microvascular_rate_per_year(hba1c_percent: f64) -> f64 {
    // = RATE · 0.63^(7.9 − HbA1c), written with exp for the hot loop
    const LN_RR: f64 = -0.462_035_459_596_559_7; // ln 0.63
    MICROVASCULAR_RATE_AT_7_9 * (LN_RR * (7.9 - hba1c_percent)).exp()
}

/// Probability (0–1) of a microvascular event over a path of HbA1c values sampled
/// every `dt_years` (left-point rule on the cumulative hazard).
pub fn microvascular_risk(hba1c_path: &[f64], dt_years: f64) -> Result<f64> {
    check::positive("dt_years", dt_years, 10.0, "years")?;
    let mut cum = 0.0;
    for &a in hba1c_path {
        check::hba1c(a)?;
        cum += microvascular_rate_per_year(a) * dt_years;
    }
    Ok(1.0 - (-cum).exp())
}

/// Severe (third-party assisted) hypoglycaemia rate, events per patient-year, for a
/// regimen, at HbA1c `hba1c_percent`.
///
/// Base rates from UKPDS 33 (1998, Lancet 352:837, "major hypoglycaemic episodes" per
/// year): sulfonylurea (glibenclamide) 1.4 %, insulin 1.8 %. Regimens without an
/// insulin secretagogue or insulin: 0.1 %/year (assumption; UKPDS 34 reports ~0 for
/// metformin). Lower glycaemia raises the rate: ×1.5 per HbA1c point below 7 %
/// (assumption in the direction of ACCORD, 2008, NEJM 358:2545, where the intensive arm
/// had about three times the severe hypoglycaemia at a 1.1-point lower HbA1c).
pub fn severe_hypo_rate_per_year(
    on_sulfonylurea: bool,
    on_insulin: bool,
    hba1c_percent: f64,
) -> f64 {
    let base = if on_insulin {
        0.018
    } else if on_sulfonylurea {
        0.014
    } else {
        0.001
    };
    let extra = if on_insulin && on_sulfonylurea {
        0.005
    } else {
        0.0
    };
    let below = 7.0 - hba1c_percent;
    // 1.5^below written as exp(ln 1.5 · below)
    if below > 0.0 {
        (base + extra) * (0.405_465_108_108_164_4 * below).exp()
    } else {
        base + extra
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> CvRiskFactors {
        CvRiskFactors {
            age_at_diagnosis_years: 51.0,
            diabetes_duration_years: 11.0,
            female: false,
            afro_caribbean: false,
            smoker: false,
            hba1c_percent: 8.3,
            sbp_mmhg: 145.0,
            tc_hdl_ratio: 5.8 / 1.1,
        }
    }

    #[test]
    fn ukpds56_matches_hand_evaluation() {
        // Hand evaluation of Stevens 2001 eq. with its Table 2 coefficients.
        let f = reference();
        let q = 0.0112
            * 1.059_f64.powf(51.0 - 55.0)
            * 1.183_f64.powf(8.3 - 6.72)
            * 1.088_f64.powf((145.0 - 135.7) / 10.0)
            * 3.845_f64.powf((5.8_f64 / 1.1).ln() - 1.59);
        let expect =
            1.0 - (-q * 1.078_f64.powf(11.0) * (1.0 - 1.078_f64.powf(10.0)) / (1.0 - 1.078)).exp();
        let got = ukpds_chd_risk(&f, 10.0).unwrap();
        assert!((got - expect).abs() < 1e-12);
        // Published illustration (Adler 2008, Diabet Med 25 S2:41, Risk Engine v2): this
        // patient has a 33 % 10-year CHD risk. UKPDS 56 (v1) is close to it.
        assert!((got - 0.33).abs() < 0.06, "{got}");
    }

    #[test]
    fn ukpds_direction_of_effects() {
        let f = reference();
        let base = ukpds_chd_risk(&f, 5.0).unwrap();
        let lower = ukpds_chd_risk(
            &CvRiskFactors {
                hba1c_percent: 7.3,
                ..f
            },
            5.0,
        )
        .unwrap();
        let fem = ukpds_chd_risk(&CvRiskFactors { female: true, ..f }, 5.0).unwrap();
        assert!(lower < base && fem < base);
        assert!(ukpds_chd_risk(&f, 10.0).unwrap() > base);
        assert!(
            ukpds_chd_risk(
                &CvRiskFactors {
                    hba1c_percent: 25.0,
                    ..f
                },
                5.0
            )
            .is_err()
        );
    }

    #[test]
    fn microvascular_gradient_is_ukpds35() {
        let r8 = microvascular_rate_per_year(8.0);
        let r7 = microvascular_rate_per_year(7.0);
        assert!((r7 / r8 - 0.63).abs() < 1e-12);
        let p = microvascular_risk(&[7.9; 60], 1.0 / 12.0).unwrap();
        assert!((p - (1.0 - (-5.0 * 0.0114_f64).exp())).abs() < 1e-12);
    }
}
