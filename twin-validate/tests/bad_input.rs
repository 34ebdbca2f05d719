//! Bad input gives a clear error naming the field, never a panic or a silent NaN.

use twin_validate::baseline::{CoxOptions, CoxPh, LogisticOptions, LogisticRegression};
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
