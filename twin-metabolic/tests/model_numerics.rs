//! Numerics and safety of the progression model: step-size convergence, determinism,
//! label rules, bad input.

use twin_metabolic::glycaemia::equations::GLUCOSE_MG_DL_PER_MMOL_L;
use twin_metabolic::kidney::Sex;
use twin_metabolic::model::{BETA_MIN, BaselineAdjustment, MEAN_TO_FASTING_RANGE};
use twin_metabolic::trial::{TrialSpec, run_trial};
use twin_metabolic::{
    Baseline, Constants, Drug, DrugOrder, MetabolicTrajectory, PatientModel, PatientParams, Plan,
    StepOptions,
};

fn baseline(egfr: f64, current: &[(Drug, f64)]) -> Baseline {
    Baseline {
        age_years: 60.0,
        sex: Sex::Female,
        height_m: 1.65,
        weight_kg: 88.0,
        hba1c_percent: 8.4,
        fpg_mmol_l: Some(9.8),
        fasting_insulin_uu_ml: None,
        egfr,
        uacr_mg_g: 120.0,
        sbp_mmhg: 140.0,
        tc_hdl_ratio: 4.5,
        smoker: false,
        afro_caribbean: false,
        diabetes_duration_years: 7.0,
        current_drugs: current
            .iter()
            .map(|&(drug, dose)| DrugOrder::from_day_0(drug, dose))
            .collect(),
    }
}

fn run(
    b: &Baseline,
    plan: &Plan,
    dt: f64,
) -> (twin_metabolic::State, Vec<twin_metabolic::SafetyFlag>) {
    let (pm, mut s) =
        PatientModel::new(b.clone(), PatientParams::default(), Constants::default()).unwrap();
    let mut flags = vec![];
    let opts = StepOptions {
        dt_days: dt,
        record_every_days: 0.0,
    };
    pm.run(
        &mut s,
        plan,
        5.0 * 364.0,
        opts,
        &mut MetabolicTrajectory::default(),
        &mut flags,
    )
    .unwrap();
    (s, flags)
}

#[test]
fn first_order_convergence_in_the_step_size() {
    // Inputs are held constant over a step (exact exponential updates otherwise), so the
    // global error is O(dt): halving dt halves the error. Reference: dt = 0.25 day.
    // Plan without titration (its weekly rule is defined per 7 days).
    let b = baseline(75.0, &[(Drug::Metformin, 2000.0)]);
    let plan = Plan::drugs(
        "x",
        &[
            (Drug::Metformin, 2000.0),
            (Drug::Semaglutide, 1.0),
            (Drug::Empagliflozin, 10.0),
        ],
    )
    .with_lifestyle(-300.0, 150.0);
    let (r, _) = run(&b, &plan, 0.25);
    let mut errs = vec![];
    for dt in [28.0, 14.0, 7.0] {
        let (s, _) = run(&b, &plan, dt);
        let e = (s.hba1c_percent - r.hba1c_percent).abs()
            + (s.weight_kg - r.weight_kg).abs() / 10.0
            + (s.egfr - r.egfr).abs() / 10.0;
        println!(
            "dt {dt:5} HbA1c {:.5} weight {:.4} eGFR {:.4}  error {e:.2e}",
            s.hba1c_percent, s.weight_kg, s.egfr
        );
        errs.push(e);
    }
    for w in errs.windows(2) {
        let order = (w[0] / w[1]).log2();
        assert!((0.7..1.4).contains(&order), "observed order {order}");
    }
    // monthly steps are accurate to a few hundredths of an HbA1c point
    assert!(errs[0] < 0.1, "{errs:?}");
}

#[test]
fn metformin_is_stopped_when_egfr_falls_below_30() {
    // Fast decliner (offset 8 /yr) from eGFR 38 on metformin 1000 mg: the label rule
    // (FDA 2016: contraindicated below 30) must stop it with an explicit flag.
    let b = baseline(38.0, &[(Drug::Metformin, 1000.0)]);
    let params = PatientParams {
        egfr_slope_offset_per_year: 8.0,
        ..PatientParams::default()
    };
    let (pm, mut s) = PatientModel::new(b, params, Constants::default()).unwrap();
    let mut flags = vec![];
    pm.run(
        &mut s,
        &Plan::drugs("m", &[(Drug::Metformin, 1000.0)]),
        3.0 * 365.0,
        StepOptions::default(),
        &mut MetabolicTrajectory::default(),
        &mut flags,
    )
    .unwrap();
    assert!(
        flags
            .iter()
            .any(|f| f.message.contains("metformin stopped")),
        "{flags:?}"
    );
    assert!(s.active_since_days[Drug::Metformin as usize].is_none());
}

#[test]
fn bad_input_gives_clear_errors() {
    let b = baseline(75.0, &[]);
    for bad in [2.5, 21.0, f64::NAN] {
        let e = PatientModel::new(
            Baseline {
                hba1c_percent: bad,
                ..b.clone()
            },
            PatientParams::default(),
            Constants::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("hba1c_percent") && e.contains("[3, 20]"), "{e}");
    }
    // unknown drug in plan JSON
    let e =
        serde_json::from_str::<Plan>(r#"{"name":"x","drugs":[{"drug":"unobtainium","dose":1}]}"#)
            .unwrap_err();
    assert!(e.to_string().contains("unknown variant"), "{e}");
    // dose out of label range and eGFR below a drug's start limit
    let p = Plan::drugs("x", &[(Drug::Semaglutide, 5.0)]);
    assert!(
        p.validate(80.0, &[])
            .unwrap_err()
            .to_string()
            .contains("semaglutide")
    );
    let p = Plan::drugs("x", &[(Drug::Metformin, 2000.0)]);
    assert!(
        p.validate(25.0, &[])
            .unwrap_err()
            .to_string()
            .contains("eGFR")
    );
    // negative creatinine
    assert!(twin_metabolic::kidney::egfr_ckd_epi_2021_cr(-0.5, 50.0, Sex::Male).is_err());
}

#[test]
fn trial_is_deterministic_by_seed_and_thread_count() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/trials/default_trial.json"
    );
    let mut spec: TrialSpec =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    spec.n_per_arm = 200;
    spec.arms.truncate(2);
    let a = run_trial(&spec).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = one.install(|| run_trial(&spec).unwrap());
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    spec.seed += 1;
    let c = run_trial(&spec).unwrap();
    assert_ne!(a.arms[0].mean_hba1c_percent, c.arms[0].mean_hba1c_percent);
}

#[test]
fn a_baseline_regimen_kept_unchanged_moves_weight_like_no_regimen() {
    // The baseline weight is the steady state of the regimen taken at baseline, so
    // continuing it must move weight no more than a patient on nothing with the same
    // baseline (who drifts only by the eGFR-driven change of glycosuria). Before the
    // regimen's baseline energy was subtracted, semaglutide's compensated deficit
    // (−260 × 0.25 kcal/day) took ~3 kg off over 5 years and glimepiride's +25 kcal/day
    // put ~1 kg on. No progression, so glucose stays at its baseline level.
    let params = PatientParams {
        beta_decline_per_year: 0.0,
        ..PatientParams::default()
    };
    let constants = Constants {
        sensitivity_decline_per_year: 0.0,
        ..Constants::default()
    };
    let weight_after_5_years = |current: &[(Drug, f64)]| {
        let (pm, mut s) = PatientModel::new(baseline(75.0, current), params, constants).unwrap();
        pm.run(
            &mut s,
            &Plan::drugs("continue", current),
            5.0 * 364.0,
            StepOptions::default(),
            &mut MetabolicTrajectory::default(),
            &mut vec![],
        )
        .unwrap();
        s.weight_kg
    };
    let untreated = weight_after_5_years(&[]);
    for current in [
        vec![(Drug::Metformin, 2000.0), (Drug::Semaglutide, 1.0)],
        vec![(Drug::Metformin, 2000.0), (Drug::Glimepiride, 4.0)],
    ] {
        let w = weight_after_5_years(&current);
        println!(
            "{current:?}: weight {w:.3} kg after 5 y; on nothing {untreated:.3} (baseline 88)"
        );
        assert!((w - untreated).abs() < 0.1, "{w} vs {untreated}");
    }
}

/// The brief's insulin-treated patient: 100 kg, 1.69 m, HbA1c 8.5 %, FPG 9.0 mmol/L on
/// 50 U/day of glargine.
fn insulin_baseline() -> Baseline {
    Baseline {
        age_years: 62.0,
        sex: Sex::Male,
        height_m: 1.69,
        weight_kg: 100.0,
        hba1c_percent: 8.5,
        fpg_mmol_l: Some(9.0),
        diabetes_duration_years: 12.0,
        current_drugs: vec![DrugOrder::from_day_0(Drug::InsulinGlargine, 50.0)],
        ..baseline(75.0, &[])
    }
}

#[test]
fn an_insulin_treated_baseline_is_reproduced_not_clamped() {
    // At the BMI prior's HOMA-IR (4·35.0/31 = 4.52), 50 U/day (0.5 U/kg × 1.3 β-units
    // per U/kg = 0.65) already exceeds the effective secretion FPG 9.0 needs
    // (b·s = 4.5/(9.0·5.5)): β used to be clamped to 0.02 silently, starting the patient
    // at FPG ≈ 7.5. Now β sits at the floor and HOMA-IR is raised so that FPG is 9.0:
    // HOMA-IR = (0.02 + 0.65)·9.0·5.5/4.5 = 7.37 (analytical), and the change is reported.
    let (pm, s) = PatientModel::new(
        insulin_baseline(),
        PatientParams::default(),
        Constants::default(),
    )
    .unwrap();
    assert!(
        (s.fpg_mmol_l - 9.0).abs() < 1e-9,
        "initial FPG {}",
        s.fpg_mmol_l
    );
    assert_eq!(s.beta, BETA_MIN);
    match pm.baseline_adjustments.as_slice() {
        [
            BaselineAdjustment::InsulinResistanceRaised {
                homa_ir_assumed,
                homa_ir_used,
                implied_beta,
                insulin_u_per_day,
            },
        ] => {
            let bmi = 100.0 / (1.69 * 1.69);
            assert!((homa_ir_assumed - 4.0 * bmi / 31.0).abs() < 1e-9);
            assert!(
                (homa_ir_used - 0.67 * 9.0 * 5.5 / 4.5).abs() < 1e-9,
                "{homa_ir_used}"
            );
            assert!(*implied_beta < 0.0);
            assert_eq!(*insulin_u_per_day, 50.0);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        pm.baseline_adjustments[0]
            .to_string()
            .contains("HOMA-IR raised to 7.4")
    );
    // 20 U/day leaves room for endogenous secretion: nothing to adjust
    let b = Baseline {
        current_drugs: vec![DrugOrder::from_day_0(Drug::InsulinGlargine, 20.0)],
        ..insulin_baseline()
    };
    let (pm, s) = PatientModel::new(b, PatientParams::default(), Constants::default()).unwrap();
    assert!(pm.baseline_adjustments.is_empty());
    assert!((s.fpg_mmol_l - 9.0).abs() < 1e-9);
}

#[test]
fn a_mean_to_fasting_ratio_outside_the_range_is_reported() {
    // HbA1c 6.0 % (ADAG mean glucose (28.7·6 − 46.7)/18.016 = 6.97 mmol/L) with FPG
    // 15 mmol/L: ratio 0.46, outside [0.8, 1.8]. The model keeps m = 0.8 (HbA1c read as
    // not at steady state, heading to ADAG(0.8·15 mmol/L) = 9.15 %) and says so.
    let b = Baseline {
        hba1c_percent: 6.0,
        fpg_mmol_l: Some(15.0),
        ..baseline(75.0, &[])
    };
    let (pm, s) = PatientModel::new(b, PatientParams::default(), Constants::default()).unwrap();
    let implied = (28.7 * 6.0 - 46.7) / GLUCOSE_MG_DL_PER_MMOL_L / 15.0;
    match pm.baseline_adjustments.as_slice() {
        [
            BaselineAdjustment::MeanToFastingOutsideRange {
                implied: m,
                used,
                hba1c_steady_percent,
            },
        ] => {
            assert!((m - implied).abs() < 1e-9, "{m} vs {implied}");
            assert_eq!(*used, MEAN_TO_FASTING_RANGE.0);
            let steady = (0.8 * 15.0 * GLUCOSE_MG_DL_PER_MMOL_L + 46.7) / 28.7;
            assert!((hba1c_steady_percent - steady).abs() < 1e-9);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(pm.mean_to_fasting, 0.8);
    assert!((s.fpg_mmol_l - 15.0).abs() < 1e-9);
    // a consistent baseline (the ADAG mean over FPG = 1.1) is taken as given
    let (pm, _) = PatientModel::new(
        baseline(75.0, &[]),
        PatientParams::default(),
        Constants::default(),
    )
    .unwrap();
    assert!(pm.baseline_adjustments.is_empty());
}

/// Placebo-adjusted HbA1c change of empagliflozin 25 mg at 24 weeks from baseline eGFR.
fn empagliflozin_effect_at(egfr: f64) -> f64 {
    let b = Baseline {
        hba1c_percent: 7.9,
        fpg_mmol_l: None,
        uacr_mg_g: 15.0,
        ..baseline(egfr, &[])
    };
    let end = |plan: &Plan| {
        let (pm, mut s) =
            PatientModel::new(b.clone(), PatientParams::default(), Constants::default()).unwrap();
        pm.run(
            &mut s,
            plan,
            24.0 * 7.0,
            StepOptions::default(),
            &mut MetabolicTrajectory::default(),
            &mut vec![],
        )
        .unwrap();
        s.hba1c_percent
    };
    end(&Plan::drugs("e", &[(Drug::Empagliflozin, 25.0)])) - end(&Plan::drugs("p", &[]))
}

#[test]
fn sglt2_effect_stops_growing_above_the_egfr_cap() {
    // Both SGLT2 terms use min(eGFR/90, 1.3): above eGFR 117 the glucose effect no
    // longer grows (it used to grow as (eGFR/90)^2.6 without limit: ×1.20 from 140 to
    // 150), while below 90 it still falls with eGFR.
    let (at140, at150, at90, at60) = (
        empagliflozin_effect_at(140.0),
        empagliflozin_effect_at(150.0),
        empagliflozin_effect_at(90.0),
        empagliflozin_effect_at(60.0),
    );
    println!(
        "empagliflozin 25 mg, 24 wk: eGFR 60 {at60:+.3}, 90 {at90:+.3}, 140 {at140:+.3}, 150 {at150:+.3}"
    );
    assert!((at140 - at150).abs() < 0.005, "{at140} vs {at150}");
    assert!(at60 > at90 + 0.1 && at90 > at140 + 0.05);
}

#[test]
fn uacr_bounds_keep_valid_baselines() {
    // Baselines of 0.5 and 15,000 mg/g (the second on losartan + empagliflozin, so the
    // structural value is 15,000/(0.65·0.69) ≈ 33,400) stay where they are over a week
    // at HbA1c 7 % and no drift; the old bounds [1, e^10] moved them to 1 and ~9,900.
    for (uacr, current) in [
        (0.5, vec![]),
        (
            15_000.0,
            vec![(Drug::Losartan, 100.0), (Drug::Empagliflozin, 25.0)],
        ),
    ] {
        let b = Baseline {
            hba1c_percent: 7.0,
            fpg_mmol_l: None,
            uacr_mg_g: uacr,
            ..baseline(75.0, &current)
        };
        let (pm, mut s) =
            PatientModel::new(b, PatientParams::default(), Constants::default()).unwrap();
        pm.run(
            &mut s,
            &Plan::drugs("continue", &current),
            7.0,
            StepOptions::default(),
            &mut MetabolicTrajectory::default(),
            &mut vec![],
        )
        .unwrap();
        assert!(
            (s.uacr_mg_g / uacr - 1.0).abs() < 0.01,
            "UACR {uacr} -> {}",
            s.uacr_mg_g
        );
    }
}
