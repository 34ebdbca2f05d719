//! The population law of glycaemic progression (`twin_metabolic::progression`): its
//! formula, its use as the single-patient twin's prior, and a held-out structural check
//! against UKPDS 26 (failure of sulfonylurea by baseline fasting glucose).

mod common;

use approx::assert_relative_eq;
use twin_metabolic::kidney::Sex;
use twin_metabolic::trial::{TrialSpec, simulate_patients};
use twin_metabolic::twin::{Twin, TwinOptions};
use twin_metabolic::{Baseline, Drug, Plan, ProgressionLaw};

fn baseline(age: f64, duration: f64, bmi: f64, sex: Sex) -> Baseline {
    let height_m: f64 = 1.7;
    Baseline {
        age_years: age,
        sex,
        height_m,
        weight_kg: bmi * height_m * height_m,
        hba1c_percent: 7.5,
        fpg_mmol_l: None,
        fasting_insulin_uu_ml: None,
        egfr: 85.0,
        uacr_mg_g: 15.0,
        sbp_mmhg: 130.0,
        tc_hdl_ratio: 4.0,
        smoker: false,
        afro_caribbean: false,
        diabetes_duration_years: duration,
        current_drugs: vec![],
    }
}

#[test]
fn law_is_log_linear_in_its_covariates() {
    let law = ProgressionLaw::default();
    // reference patient: female, diagnosed at 55, BMI 30 -> the reference rate exactly
    let r = baseline(57.0, 2.0, 30.0, Sex::Female);
    assert_relative_eq!(
        law.median_decline_per_year(&r),
        law.reference_decline_per_year,
        max_relative = 1e-12
    );
    // ten years younger at diagnosis: × exp(a_age); BMI +5: × exp(a_bmi); male: × exp(a_male)
    let younger = baseline(47.0, 2.0, 30.0, Sex::Female);
    let heavier = baseline(57.0, 2.0, 35.0, Sex::Female);
    let male = baseline(57.0, 2.0, 30.0, Sex::Male);
    let ratio = |b: &Baseline| law.median_decline_per_year(b) / law.median_decline_per_year(&r);
    assert_relative_eq!(
        ratio(&younger),
        law.ln_per_decade_younger.exp(),
        max_relative = 1e-12
    );
    assert_relative_eq!(
        ratio(&heavier),
        law.ln_per_5_bmi.exp(),
        max_relative = 1e-12
    );
    assert_relative_eq!(ratio(&male), law.ln_male.exp(), max_relative = 1e-12);
    // z = ±1 spans the residual SD on the log scale
    assert_relative_eq!(
        (law.decline_per_year(&r, 1.0) / law.decline_per_year(&r, -1.0)).ln(),
        2.0 * law.residual_sd_ln,
        max_relative = 1e-12
    );
    // the direction the literature reports (module docs): younger and heavier → faster
    assert!(law.ln_per_decade_younger > 0.0 && law.ln_per_5_bmi > 0.0);
    let bad = ProgressionLaw {
        residual_sd_ln: f64::NAN,
        ..law
    };
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("residual_sd_ln")
    );
}

#[test]
fn the_twin_prior_and_forecast_depend_on_who_the_patient_is() {
    // Same record, the patient diagnosed at 35 vs at 68: the prior (and so the
    // posterior, with the same data) of β-cell decline is faster for the younger, and
    // the 5-year HbA1c forecast on the same plan is higher.
    let h = common::history();
    let onset = h.diabetes_onset_days.unwrap_or(0.0);
    let duration_at_index = -onset / 365.25;
    let opts = TwinOptions {
        n_posterior: 200,
        fit_starts: 1,
        ..TwinOptions::default()
    };
    let mut young = h.clone();
    young.age_years_at_index = 35.0 + duration_at_index;
    let mut old = h.clone();
    old.age_years_at_index = 68.0 + duration_at_index;
    let plan = Plan::drugs(
        "current",
        &[
            (Drug::Metformin, 2000.0),
            (Drug::Empagliflozin, 10.0),
            (Drug::Ramipril, 5.0),
        ],
    );
    let run = |h| {
        let twin = Twin::calibrate(h, opts).unwrap();
        let beta = twin.parameters[0].estimate;
        let prior_hi = twin.parameters[0].prior_hi;
        let f = twin.forecast(std::slice::from_ref(&plan), 5.0).unwrap();
        (beta, prior_hi, f[0].hba1c_5y.median)
    };
    let (b_young, p_young, a_young) = run(young);
    let (b_old, p_old, a_old) = run(old);
    println!(
        "diagnosed at 35: β decline {b_young:.3}/yr (prior 97.5 % {p_young:.3}), HbA1c 5 y {a_young:.2}; at 68: {b_old:.3}/yr ({p_old:.3}), {a_old:.2}"
    );
    // prior upper bounds differ by exp(3.3 · a_age)
    let law = ProgressionLaw::default();
    assert_relative_eq!(
        p_young / p_old,
        (3.3 * law.ln_per_decade_younger).exp(),
        max_relative = 1e-6
    );
    assert!(b_young > b_old && a_young > a_old);
}

#[test]
fn ukpds26_failure_falls_with_baseline_fpg_band_held_out() {
    // HELD OUT, structural: the law has no baseline β-cell term because the model starts
    // β from the patient's FPG. UKPDS 26 (Matthews et al. 1998, Diabet Med 15:297,
    // abstract): sulfonylurea patients needing additional therapy (FPG > 15 mmol/L or
    // symptoms) by 6 years: 61 % with baseline FPG >= 10.0, 39 % at 7.8–10.0, 23 % below
    // 7.8 mmol/L; 44 % overall. Run on the UKPDS 33 cohort's intensive (sulfonylurea) arm,
    // time to first rescue. Checked: the gradient (monotone, highest/lowest band ratio
    // within 2–4, reported 2.65).
    // KNOWN MISS: the overall level (model printed below vs 44 %) — symptoms-driven
    // additions are not modelled, so the model's rescue needs FPG > 15.
    let path = format!("{}/../data/trials/ukpds33.json", env!("CARGO_MANIFEST_DIR"));
    let spec: TrialSpec = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let t = simulate_patients(&spec, 0, spec.n_per_arm).unwrap();
    let col = |n: &str| &t.columns.iter().find(|c| c.name == n).unwrap().values;
    let (fpg, rescue) = (col("fpg_baseline_mmol_l"), col("first_rescue_day"));
    let band = |lo: f64, hi: f64| {
        let rows: Vec<usize> = (0..t.arm.len())
            .filter(|&i| t.arm[i] == 1 && fpg[i] >= lo && fpg[i] < hi)
            .collect();
        let k = rows.iter().filter(|&&i| rescue[i] <= 6.0 * 365.25).count();
        (k as f64 / rows.len() as f64, rows.len())
    };
    let (low, mid, high, all) = (
        band(0.0, 7.8),
        band(7.8, 10.0),
        band(10.0, 99.0),
        band(0.0, 99.0),
    );
    println!(
        "UKPDS 26 by 6 y: FPG < 7.8 {:.2} (n {}, rep 0.23), 7.8–10 {:.2} (n {}, rep 0.39), >= 10 {:.2} (n {}, rep 0.61); all {:.2} (rep 0.44)",
        low.0, low.1, mid.0, mid.1, high.0, high.1, all.0
    );
    assert!(low.0 < mid.0 && mid.0 < high.0);
    let ratio = high.0 / low.0;
    assert!((2.0..=4.0).contains(&ratio), "{ratio}");
}
