//! The single-patient twin on histories at the edges: short spans, observations after
//! the last HbA1c, empty series, long durations and youth onset, contraindicated
//! current drugs, and a ranking in which no plan is feasible.

use twin_core::twin::{CalibrateOptions, DigitalTwin};
use twin_io::record::loinc;
use twin_io::{ImportOptions, Pseudonymiser, fhir::read_bundle};
use twin_metabolic::history::MedicationEpisode;
use twin_metabolic::kidney::Sex;
use twin_metabolic::plan::candidate_plans;
use twin_metabolic::twin::{Twin, TwinOptions, explain};
use twin_metabolic::{Drug, DrugOrder, History, Plan, T2dTwin};

fn options() -> TwinOptions {
    TwinOptions {
        n_posterior: 50,
        fit_starts: 1,
        fit_max_iters: 200,
        ..TwinOptions::default()
    }
}

/// A history with HbA1c at `hba1c_days` (7.8 % each) and weights `(day, kg)`.
fn history(hba1c_days: &[f64], weights: &[(f64, f64)]) -> History {
    History {
        sex: Sex::Male,
        age_years_at_index: 60.0,
        height_m: 1.75,
        hba1c_percent: hba1c_days.iter().map(|&t| (t, 7.8)).collect(),
        fpg_mmol_l: vec![(0.0, 8.6)],
        weight_kg: weights.to_vec(),
        egfr: vec![(0.0, 75.0)],
        uacr_mg_g: vec![(0.0, 20.0)],
        sbp_mmhg: vec![(0.0, 135.0)],
        medications: vec![MedicationEpisode {
            drug: Drug::Metformin,
            dose: 2000.0,
            start_days: -400.0,
            end_days: None,
        }],
        diabetes_onset_days: Some(-3.0 * 365.25),
    }
}

#[test]
fn one_hba1c_and_later_weights_calibrate_through_the_interface() {
    // The synthetic patient's record cut to one HbA1c (day 0) and weights at days 30,
    // 60 and 90: the history spans no time at all. This used to index an empty
    // trajectory (panic); the replay now runs to the last observation.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/synthetic/t2d_patient.json"
    );
    let key = Pseudonymiser::new(b"twin-metabolic-test-key-0123456789").unwrap();
    let mut record = read_bundle(&std::fs::read_to_string(path).unwrap(), &key, {
        ImportOptions::default()
    })
    .unwrap()
    .records
    .remove(0);
    let first_a1c = record
        .observations
        .iter()
        .filter(|o| o.code.code == loinc::HBA1C_NGSP)
        .min_by(|a, b| a.t_days.total_cmp(&b.t_days))
        .cloned()
        .unwrap();
    let t0 = first_a1c.t_days;
    let weight = record
        .observations
        .iter()
        .find(|o| o.code.code == loinc::BODY_WEIGHT)
        .cloned()
        .unwrap();
    let keep = [loinc::BODY_HEIGHT, loinc::EGFR, loinc::GLUCOSE_FASTING_MASS];
    record.observations.retain(|o| {
        keep.contains(&o.code.code.as_str())
            && (o.code.code == loinc::BODY_HEIGHT || o.t_days <= t0)
    });
    record.observations.push(first_a1c);
    for (k, dt) in [30.0, 60.0, 90.0].into_iter().enumerate() {
        let mut w = weight.clone();
        w.t_days = t0 + dt;
        w.value = 90.0 - k as f64;
        record.observations.push(w);
    }
    let twin = T2dTwin::calibrate(
        &record,
        &CalibrateOptions {
            quick: true,
            ..CalibrateOptions::default()
        },
    )
    .unwrap();
    // the three weights are fitted, at their own days
    let fit = twin
        .twin
        .fit
        .iter()
        .find(|s| s.name == "weight")
        .expect("a weight series in the fit");
    assert_eq!(fit.t, vec![t0 + 30.0, t0 + 60.0, t0 + 90.0]);
    assert_eq!(twin.twin.origin_days, t0);
}

#[test]
fn observations_after_the_last_hba1c_meet_their_own_week() {
    // HbA1c on days 0 and 28, weights falling 1 kg a month to day 90. The replay used
    // to stop at day 28 and compare the weights of days 60 and 90 with day 28's value;
    // now each is fitted at its own week, so the fitted weights fall with the data.
    let h = history(
        &[0.0, 28.0],
        &[(0.0, 92.0), (30.0, 91.0), (60.0, 90.0), (90.0, 89.0)],
    );
    let twin = Twin::calibrate(h, options()).unwrap();
    let w = twin.fit.iter().find(|s| s.name == "weight").unwrap();
    assert_eq!(w.t, vec![30.0, 60.0, 90.0]);
    assert!(
        w.fitted[0] > w.fitted[1] + 0.3 && w.fitted[1] > w.fitted[2] + 0.3,
        "fitted weights {:?} should fall with the observed {:?}",
        w.fitted,
        w.observed
    );
}

#[test]
fn empty_series_are_errors_not_panics() {
    let good = history(&[0.0, 91.0, 182.0], &[(0.0, 90.0), (91.0, 89.0)]);
    for (field, h) in [
        (
            "hba1c_percent",
            History {
                hba1c_percent: vec![],
                ..good.clone()
            },
        ),
        (
            "weight_kg",
            History {
                weight_kg: vec![],
                ..good.clone()
            },
        ),
        (
            "egfr",
            History {
                egfr: vec![],
                ..good.clone()
            },
        ),
    ] {
        let e = Twin::calibrate(h.clone(), options())
            .unwrap_err()
            .to_string();
        assert!(e.contains(field), "{field}: {e}");
        assert!(h.validate().is_err());
    }
    let e = History {
        hba1c_percent: vec![],
        ..good.clone()
    }
    .span_days()
    .unwrap_err()
    .to_string();
    assert!(e.contains("hba1c_percent"), "{e}");
    // unsorted or non-finite series are named too
    let unsorted = History {
        weight_kg: vec![(91.0, 89.0), (0.0, 90.0)],
        ..good.clone()
    };
    let e = unsorted.validate().unwrap_err().to_string();
    assert!(e.contains("weight_kg[1] time"), "{e}");
    let nan = History {
        egfr: vec![(0.0, f64::NAN)],
        ..good
    };
    assert!(nan.validate().unwrap_err().to_string().contains("egfr[0]"));
}

#[test]
fn a_duration_beyond_the_risk_engine_is_refused_at_calibration() {
    // 58 years of diabetes at the first HbA1c + 3 years of history = 61 > the 60 years
    // the UKPDS 56 engine takes: every forecast used to fail; calibration now says why.
    let mut h = history(&[0.0, 547.0, 1096.0], &[(0.0, 90.0), (547.0, 89.0)]);
    h.age_years_at_index = 80.0;
    h.diabetes_onset_days = Some(-58.0 * 365.25);
    let e = Twin::calibrate(h.clone(), options())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("diabetes_duration_years at the forecast origin") && e.contains("[0, 60]"),
        "{e}"
    );
    // 56 + 3 is accepted and forecasts
    h.diabetes_onset_days = Some(-56.0 * 365.25);
    let twin = Twin::calibrate(h, options()).unwrap();
    twin.forecast(
        &[Plan::drugs("metformin", &[(Drug::Metformin, 2000.0)])],
        1.0,
    )
    .unwrap();
}

#[test]
fn youth_onset_is_flagged_for_the_risk_engine() {
    // Diagnosed at 15 (age 25, duration 10): the UKPDS 56 engine takes 18 or more; the
    // forecast computes the CHD risk at 18, and the twin says so.
    let mut h = history(&[0.0, 91.0, 182.0], &[(0.0, 90.0), (91.0, 89.0)]);
    h.age_years_at_index = 25.0;
    h.diabetes_onset_days = Some(-10.0 * 365.25);
    let twin = Twin::calibrate(h, options()).unwrap();
    assert!(
        twin.warnings
            .iter()
            .any(|w| w.contains("age at diagnosis 15.0") && w.contains("UKPDS 56")),
        "{:?}",
        twin.warnings
    );
}

#[test]
fn candidates_stop_a_drug_the_label_stops_at_the_current_egfr() {
    // Metformin is contraindicated below eGFR 30 (FDA label 2016). With ongoing
    // metformin and eGFR 28 every candidate used to continue it and fail validation,
    // leaving nothing to recommend.
    let current = [
        DrugOrder::from_day_0(Drug::Metformin, 1000.0),
        DrugOrder::from_day_0(Drug::Sitagliptin, 25.0),
    ];
    let plans = candidate_plans(&current, 28.0);
    assert!(plans.len() >= 5);
    for p in &plans {
        p.validate(28.0, &[Drug::Metformin, Drug::Sitagliptin])
            .unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(
            p.drugs.iter().all(|o| o.drug != Drug::Metformin),
            "{}",
            p.name
        );
        assert!(
            p.drugs.iter().any(|o| o.drug == Drug::Sitagliptin),
            "{}",
            p.name
        );
        assert!(
            p.name
                .contains("metformin stopped: eGFR 28 < 30, FDA label 2016"),
            "{}",
            p.name
        );
    }
    // at eGFR 35 metformin continues and names are unchanged
    let plans = candidate_plans(&current, 35.0);
    assert_eq!(plans[0].name, "current regimen");
    assert!(plans[0].drugs.iter().any(|o| o.drug == Drug::Metformin));
}

#[test]
fn no_feasible_plan_is_never_presented_as_the_recommendation() {
    let h = history(&[0.0, 91.0, 182.0], &[(0.0, 90.0), (91.0, 89.0)]);
    let twin = Twin::calibrate(h, options()).unwrap();
    // each plan lists a drug twice: infeasible
    let twice = |name: &str, d: Drug, dose: f64| Plan::drugs(name, &[(d, dose), (d, dose)]);
    let f = twin
        .forecast(
            &[
                twice("double metformin", Drug::Metformin, 1000.0),
                twice("double sitagliptin", Drug::Sitagliptin, 50.0),
            ],
            1.0,
        )
        .unwrap();
    assert!(f.iter().all(|p| p.infeasible.is_some()));
    let e = explain(&f, Some("current regimen"));
    assert!(e.starts_with("No plan can be recommended"), "{e}");
    assert!(
        !e.contains("NaN") && !e.contains("inf") && !e.contains("ranks first"),
        "{e}"
    );
    assert!(
        e.contains("double metformin") && e.contains("each drug at most once"),
        "{e}"
    );
    // with one feasible plan, that one is explained
    let f = twin
        .forecast(
            &[
                twice("double metformin", Drug::Metformin, 1000.0),
                Plan::drugs("metformin", &[(Drug::Metformin, 2000.0)]),
            ],
            1.0,
        )
        .unwrap();
    let e = explain(&f, None);
    assert!(e.starts_with("'metformin' ranks first"), "{e}");
}

#[test]
fn a_baseline_the_model_cannot_take_as_given_is_a_warning() {
    // HbA1c 6.0 % with FPG 15 mmol/L: the model keeps the mean/fasting glucose ratio in
    // [0.8, 1.8] and the twin's warnings say so (the ratio used to be clamped silently).
    let mut h = history(&[0.0, 91.0, 182.0], &[(0.0, 90.0), (91.0, 89.0)]);
    h.hba1c_percent = vec![(0.0, 6.0), (91.0, 6.8), (182.0, 7.4)];
    h.fpg_mmol_l = vec![(0.0, 15.0)];
    let twin = Twin::calibrate(h, options()).unwrap();
    assert!(
        twin.warnings
            .iter()
            .any(|w| w.contains("mean/fasting glucose ratio of 0.46")),
        "{:?}",
        twin.warnings
    );
}
