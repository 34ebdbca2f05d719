//! Bad input gives a clear error naming the field, never a panic or a silent NaN.

use twin_validate::baseline::{
    CoxOptions, CoxPh, CvRidgeLogistic, LogisticOptions, LogisticRegression, Standardiser,
    choose_l2_by_cv,
};
use twin_validate::bootstrap::{BootstrapConfig, bootstrap, resample_indices};
use twin_validate::compare::{BinaryMetric, SurvivalMetric};
use twin_validate::report::ValidationReport;
use twin_validate::{ValidateError, binary, calibration, continuous, delong, survival};

fn msg<T: std::fmt::Debug>(r: Result<T, ValidateError>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn empty_inputs() {
    assert!(msg(binary::auc(&[], &[])).contains("labels"));
    assert!(msg(survival::harrell_c(&[], &[], &[])).contains("time"));
    assert!(msg(survival::kaplan_meier(&[], &[], 0.95)).contains("time"));
    assert!(msg(continuous::crps_samples(&[], 1.0)).contains("samples"));
}

#[test]
fn single_class() {
    let m = msg(binary::auc(&[true, true], &[0.1, 0.2]));
    assert!(m.contains("labels") && m.contains("0 negatives"), "{m}");
    assert!(msg(delong::auc_delong(&[false, false], &[0.1, 0.2], 0.95)).contains("positive"));
    assert!(
        msg(LogisticRegression::fit(
            &[vec![1.0], vec![2.0]],
            &[true, true],
            &LogisticOptions::default()
        ))
        .contains("y")
    );
}

#[test]
fn nan_scores() {
    let m = msg(binary::auc(&[true, false], &[f64::NAN, 0.2]));
    assert!(m.contains("scores[0]") && m.contains("NaN"), "{m}");
    assert!(
        msg(survival::harrell_c(
            &[1.0, 2.0],
            &[true, false],
            &[0.0, f64::NAN]
        ))
        .contains("risk[1]")
    );
    assert!(msg(binary::brier_score(&[true, false], &[0.5, 1.5])).contains("probs[1]"));
    assert!(msg(calibration::recalibration(&[true, false], &[0.0, 0.5])).contains("probs[0]"));
}

#[test]
fn negative_times() {
    let m = msg(survival::kaplan_meier(&[1.0, -2.0], &[true, false], 0.95));
    assert!(m.contains("time[1]") && m.contains("-2"), "{m}");
    assert!(
        msg(CoxPh::fit(
            &[vec![1.0], vec![0.0]],
            &[-1.0, 2.0],
            &[true, true],
            &CoxOptions::default()
        ))
        .contains("time[0]")
    );
}

#[test]
fn mismatched_lengths() {
    let m = msg(binary::auc(&[true, false, true], &[0.1, 0.2]));
    assert!(
        m.contains("labels") && m.contains("3") && m.contains("2"),
        "{m}"
    );
    assert!(msg(survival::harrell_c(&[1.0, 2.0], &[true], &[1.0, 2.0])).contains("event"));
    assert!(msg(delong::delong_test(&[true, false], &[0.1, 0.2], &[0.3])).contains("scores_b"));
    assert!(msg(continuous::continuous_metrics(&[1.0, 2.0], &[1.0])).contains("predicted"));
}

#[test]
fn undefined_quantities() {
    // No comparable pairs: the only event is the last time.
    assert!(
        msg(survival::harrell_c(
            &[1.0, 2.0],
            &[false, true],
            &[1.0, 2.0]
        ))
        .contains("comparable")
    );
    // Classifiers that agree everywhere.
    assert!(msg(binary::mcnemar(&[true, false], &[true, false])).contains("discordant"));
    assert!(msg(binary::net_benefit(&[true, false], &[0.2, 0.8], 1.0)).contains("threshold"));
}

/// `(field_a, len_a, field_b, len_b)` of a length-mismatch error; panics on anything else.
fn mismatch<T: std::fmt::Debug>(r: Result<T, ValidateError>) -> (String, usize, String, usize) {
    match r.unwrap_err() {
        ValidateError::LengthMismatch {
            field_a,
            len_a,
            field_b,
            len_b,
        } => (field_a, len_a, field_b, len_b),
        e => panic!("expected a length mismatch, got {e}"),
    }
}

#[test]
fn reports_reject_inputs_of_different_lengths() {
    let cfg = BootstrapConfig {
        replicates: 20,
        ..Default::default()
    };
    let r = ValidationReport::binary("t", &[true, false, true], &[0.2, 0.8], 0.5, &cfg);
    assert_eq!(mismatch(r), ("labels".into(), 3, "probs".into(), 2));
    let r = ValidationReport::survival(
        "t",
        &[1.0, 2.0, 3.0],
        &[true, false, true],
        &[0.1, 0.2, 0.3, 0.4],
        None,
        &[],
        &cfg,
    );
    assert_eq!(mismatch(r), ("time".into(), 3, "risk".into(), 4));
    let r = ValidationReport::survival("t", &[1.0, 2.0], &[true], &[0.1, 0.2], None, &[], &cfg);
    assert_eq!(mismatch(r), ("time".into(), 2, "event".into(), 1));
}

#[test]
fn metrics_on_a_subset_reject_inputs_of_different_lengths() {
    let r = BinaryMetric::Auc.on(&[true, false, true], &[0.2, 0.8], &[0, 1]);
    assert_eq!(mismatch(r), ("labels".into(), 3, "probs".into(), 2));
    let r = SurvivalMetric::HarrellC.on(&[1.0, 2.0], &[true, false], &[0.3], &[0, 1]);
    assert_eq!(mismatch(r), ("time".into(), 2, "risk".into(), 1));
}

#[test]
fn ragged_or_mismatched_covariate_rows() {
    let grid = [0.1, 1.0];
    let rows: Vec<Vec<f64>> = (0..12)
        .map(|i| vec![f64::from(i), f64::from(i % 3)])
        .collect();
    let y: Vec<bool> = (0..12).map(|i| i % 2 == 0).collect();
    assert_eq!(
        mismatch(choose_l2_by_cv(&rows[..10], &y, &grid, 2, 1)),
        ("rows".into(), 10, "y".into(), 12)
    );
    let mut ragged = rows.clone();
    ragged[4] = vec![3.0];
    let m = msg(choose_l2_by_cv(&ragged, &y, &grid, 2, 1));
    assert!(m.contains("rows[4]") && m.contains("1 columns"), "{m}");
    let m = msg(CvRidgeLogistic::fit(&ragged, &y, &grid, 2, None, 1));
    assert!(m.contains("rows[4]") && m.contains("1 columns"), "{m}");
    let m = msg(Standardiser::fit(&[vec![1.0, 2.0], vec![3.0]]));
    assert!(
        m.contains("rows[1]") && m.contains("2 columns like rows[0]"),
        "{m}"
    );
    assert_eq!(
        mismatch(CvRidgeLogistic::fit(&rows, &y[..11], &grid, 2, None, 1)),
        ("rows".into(), 12, "y".into(), 11)
    );

    let model = CvRidgeLogistic::fit(&rows, &y, &grid, 2, None, 1).unwrap();
    assert!(model.predict(&[1.0, 2.0]).unwrap() > 0.0);
    for bad in [&[1.0][..], &[1.0, 2.0, 3.0][..]] {
        assert_eq!(
            mismatch(model.predict(bad)),
            ("x".into(), bad.len(), "columns".into(), 2)
        );
        assert_eq!(
            mismatch(model.scale.apply(bad)),
            ("x".into(), bad.len(), "columns".into(), 2)
        );
    }
}

#[test]
fn survival_time_points_must_be_finite_and_non_negative() {
    let (time, event, surv) = ([1.0, 2.0], [true, false], [0.5, 0.5]);
    for t in [f64::NAN, -1.0, f64::INFINITY] {
        let m = msg(survival::observed_expected_ratio(&time, &event, &surv, t));
        assert!(
            m.contains("`t[0]`") && m.contains("finite time >= 0"),
            "{m}"
        );
        let m = msg(survival::survival_calibration(&time, &event, &surv, t, 1));
        assert!(
            m.contains("`t[0]`") && m.contains("finite time >= 0"),
            "{m}"
        );
    }
    let cfg = BootstrapConfig {
        replicates: 20,
        ..Default::default()
    };
    let m = msg(ValidationReport::survival(
        "t",
        &[1.0, 2.0, 3.0, 4.0],
        &[true, true, false, true],
        &[4.0, 3.0, 2.0, 1.0],
        None,
        &[1.0, f64::NAN],
        &cfg,
    ));
    assert!(m.contains("km_times[1]") && m.contains("NaN"), "{m}");
}

#[test]
fn bootstrap_needs_two_successful_replicates() {
    // Replicate 0 is undefined, replicate 1 is defined: 1 of 2 used gives no SE.
    let (n, seed) = (10, 5);
    let failing = resample_indices(n, None, seed, 0);
    assert_ne!(failing, resample_indices(n, None, seed, 1));
    assert_ne!(failing, (0..n).collect::<Vec<_>>());
    let cfg = BootstrapConfig {
        replicates: 2,
        seed,
        ..Default::default()
    };
    let m = msg(bootstrap(n, None, &cfg, |idx| {
        if idx == failing.as_slice() {
            Err(ValidateError::undefined("statistic", "test"))
        } else {
            Ok(idx.iter().sum::<usize>() as f64)
        }
    }));
    assert!(m.contains("undefined in 1 of 2 replicates"), "{m}");
}

#[test]
fn bca_is_none_when_a_jackknife_sample_is_undefined() {
    // Dropping the only positive leaves no AUC: no BCa, but the percentile interval stays.
    let labels = [true, false, false, false, false];
    let probs = [0.25, 0.1, 0.2, 0.3, 0.4];
    let strata = twin_validate::bootstrap::strata_from_labels(&labels);
    let run = |bca| {
        let cfg = BootstrapConfig {
            replicates: 200,
            bca,
            ..Default::default()
        };
        bootstrap(labels.len(), Some(&strata), &cfg, |idx| {
            BinaryMetric::Auc.on(&labels, &probs, idx)
        })
        .unwrap()
    };
    let (with, without) = (run(true), run(false));
    assert_eq!(with.bca, None);
    assert_eq!(with.estimate, 0.5);
    assert_eq!(with.replicates_used, 200);
    assert_eq!(with.percentile, without.percentile);
    assert!(
        with.percentile.0 < 0.5 && with.percentile.1 > 0.5,
        "{:?}",
        with.percentile
    );
}

#[test]
fn survival_outcomes_are_checked_on_construction() {
    let r = survival::SurvivalOutcomes::new(&[1.0, 2.0], &[true]);
    assert_eq!(mismatch(r), ("time".into(), 2, "event".into(), 1));
    let s = survival::SurvivalOutcomes::new(&[1.0, 2.0], &[true, false]).unwrap();
    assert_eq!(s.time(), &[1.0, 2.0]);
    assert_eq!(s.event(), &[true, false]);
    assert_eq!(s.n_events(), 1);
}
