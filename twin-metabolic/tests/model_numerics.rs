//! Numerics and safety of the progression model: step-size convergence, determinism,
//! label rules, bad input.

use twin_metabolic::kidney::Sex;
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
