//! The metabolic risk functions return a probability in [0, 1] for every input, or
//! an error naming the bad field; never NaN, never outside (issue 23).

use proptest::prelude::*;
use twin_metabolic::kidney::{KfreHorizon, KfreRegion, Sex, kfre_4var};
use twin_metabolic::risk::{CvRiskFactors, microvascular_risk, ukpds_chd_risk};

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![prop::num::f64::ANY, -10.0..200.0f64]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ukpds_risk_is_a_probability_or_an_error(
        age in any_f64(), duration in any_f64(), hba1c in any_f64(), sbp in any_f64(),
        ratio in any_f64(), horizon in any_f64(), flags in 0u8..8,
    ) {
        let f = CvRiskFactors {
            age_at_diagnosis_years: age,
            diabetes_duration_years: duration,
            female: flags & 1 == 1,
            afro_caribbean: flags & 2 == 2,
            smoker: flags & 4 == 4,
            hba1c_percent: hba1c,
            sbp_mmhg: sbp,
            tc_hdl_ratio: ratio,
        };
        if let Ok(p) = ukpds_chd_risk(&f, horizon) {
            prop_assert!((0.0..=1.0).contains(&p), "{p}");
        }
    }

    #[test]
    fn microvascular_risk_is_a_probability_or_an_error(
        path in proptest::collection::vec(any_f64(), 0..12), dt in any_f64(),
    ) {
        if let Ok(p) = microvascular_risk(&path, dt) {
            prop_assert!((0.0..=1.0).contains(&p), "{p}");
        }
    }

    #[test]
    fn kfre_is_a_probability_or_an_error(
        age in any_f64(), egfr in any_f64(), uacr in any_f64(), female: bool, na: bool, five: bool,
    ) {
        let sex = if female { Sex::Female } else { Sex::Male };
        let region = if na { KfreRegion::NorthAmerica } else { KfreRegion::NonNorthAmerica };
        let horizon = if five { KfreHorizon::FiveYears } else { KfreHorizon::TwoYears };
        if let Ok(p) = kfre_4var(age, sex, egfr, uacr, region, horizon) {
            prop_assert!((0.0..=1.0).contains(&p), "{p}");
        }
    }
}
