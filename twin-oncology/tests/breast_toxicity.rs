//! The myelosuppression model against published neutropenia rates (issue 18): the
//! paclitaxel label's breast-cancer study (175 vs 135 mg/m² over 3 h) and TAX 311.
//!
//! Rates are per patient, worst course. The paclitaxel label's Table 6 (phase 3 study in
//! breast cancer after failure of initial chemotherapy; Nabholtz et al. 1996, J Clin
//! Oncol 14:1858, median six courses on 175 mg/m²) reports neutrophils < 2.0 × 10⁹/L in
//! 90 / 81 % and < 0.5 × 10⁹/L in 28 / 19 % of patients on 175 / 135 mg/m² (n = 229 per
//! arm). Read on one copy of a paclitaxel label (120ty.net), not on the FDA's. A second
//! study of the 175 mg/m² regimen, the comparator arm of the nab-paclitaxel label's
//! randomized trial (n = 225, CTCAE v2 worst grade), reports 22 / 82 %: against it the
//! fitted model (28.0 / 90.7 %) is a miss, listed in the crate docs.

use twin_oncology::breast::friberg::{PACLITAXEL_NEUTROPHIL_FACTOR, slope_per_mg_l};
use twin_oncology::breast::pk::Drug;
use twin_oncology::breast::therapy::{DoseRules, Regimen};
use twin_oncology::breast::toxicity::MarrowCohort;

/// The cohort of the paclitaxel fit: six cycles, counts every 6 h, paclitaxel's
/// published clearance variability.
fn label_cohort(n_patients: usize, seed: u64, drug: Drug) -> MarrowCohort {
    MarrowCohort {
        n_patients,
        seed,
        cycles: 6.0,
        grid_days: 0.25,
        clearance_omega_log: drug.clearance_omega_log().unwrap_or(0.0),
    }
}

/// Binomial 95 % interval (normal approximation) of a reported share of `n` patients.
fn reported_ci(share: f64, n: f64) -> (f64, f64) {
    let half = 1.96 * (share * (1.0 - share) / n).sqrt();
    (share - half, share + half)
}

/// FITTED: the paclitaxel neutrophil factor is the one that gives the label's 28 %
/// grade 4 at 175 mg/m² (refitting reproduces the recorded constant), and the same
/// arm's grade ≥ 1 share (90 %, not fitted) falls inside its binomial 95 % interval.
#[test]
fn paclitaxel_slope_is_fitted_to_the_labels_grade_4_rate() {
    let cohort = label_cohort(2000, 1996, Drug::Paclitaxel);
    let rules = DoseRules::default();
    let arm = Regimen::paclitaxel_q3w(175.0);
    let refit = cohort.fit_slope_factor(&arm, &rules, 4, 0.28).unwrap();
    // slope_per_mg_l already carries the recorded factor (4 digits), so the refit
    // on top of it is 1.
    assert!((refit - 1.0).abs() < 1e-3, "refit {refit}");
    let by_grade = cohort.worst_grades(&arm, &rules, 1.0).unwrap();
    let n = cohort.n_patients as f64;
    let grade4 = by_grade[4] as f64 / n;
    let below_2 = 1.0 - by_grade[0] as f64 / n;
    eprintln!(
        "paclitaxel 175/3 h: by worst grade {by_grade:?}, grade 4 {grade4:.3}, < 2.0 {below_2:.3}"
    );
    assert!((grade4 - 0.28).abs() < 0.005, "grade 4 {grade4}");
    let (lo, hi) = reported_ci(0.90, 229.0);
    assert!(
        (lo..=hi).contains(&below_2),
        "< 2.0: {below_2} outside [{lo:.3}, {hi:.3}]"
    );
    let slope = slope_per_mg_l(Drug::Paclitaxel);
    assert!((slope / (28.9 / 853.9 * 1000.0) - PACLITAXEL_NEUTROPHIL_FACTOR).abs() < 1e-12);
}

/// HELD OUT: the 135 mg/m² arm of the same study. Grade ≥ 1 (81 %) falls inside its
/// 95 % interval; grade 4 is a **miss**: printed 12.6 % against 19 % (13.9–24.1 %) —
/// the model's grade-4 dose response (2.2-fold from 135 to 175 mg/m²) is steeper than
/// the label's (1.5-fold), although the linear PK gives the higher dose no more than its
/// 30 % more exposure (paclitaxel's saturable PK gives it more). Guarded: grade 4 lower
/// than at 175 mg/m² and above half the reported share.
#[test]
fn paclitaxel_135_grade_1_inside_grade_4_a_miss() {
    let cohort = label_cohort(2000, 1996, Drug::Paclitaxel);
    let rules = DoseRules::default();
    let n = cohort.n_patients as f64;
    let low = cohort
        .worst_grades(&Regimen::paclitaxel_q3w(135.0), &rules, 1.0)
        .unwrap();
    let high = cohort
        .worst_grades(&Regimen::paclitaxel_q3w(175.0), &rules, 1.0)
        .unwrap();
    let grade4 = low[4] as f64 / n;
    let below_2 = 1.0 - low[0] as f64 / n;
    eprintln!(
        "paclitaxel 135/3 h: by worst grade {low:?}, grade 4 {grade4:.3}, < 2.0 {below_2:.3}"
    );
    let (lo, hi) = reported_ci(0.81, 229.0);
    assert!(
        (lo..=hi).contains(&below_2),
        "< 2.0: {below_2} outside [{lo:.3}, {hi:.3}]"
    );
    assert!(low[4] < high[4] && grade4 > 0.5 * 0.19, "grade 4 {grade4}");
}

/// TAX 311 (Jones 2005, J Clin Oncol 23:5542; docetaxel 100 mg/m² 1-h vs paclitaxel
/// 175 mg/m² 3-h, every 3 weeks, after an anthracycline; median 6 vs 4 cycles, recalled):
/// the abstract reports toxicity "greater for docetaxel". Held out: docetaxel's marrow
/// parameters are Kloft 2006's and paclitaxel's slope is fitted to the label study
/// above, neither to TAX 311. Over 4 cycles the share with grade ≥ 3 neutropenia is
/// larger on docetaxel, the gap's lower 95 % bound above zero. The often-quoted
/// per-patient rates, 93.3 % vs 54.5 %, could not be read in any source available here.
#[test]
fn tax311_neutropenia_gap() {
    let rules = DoseRules::default();
    let share = |regimen: &Regimen, drug: Drug| {
        let cohort = MarrowCohort {
            cycles: 4.0,
            ..label_cohort(300, 311, drug)
        };
        cohort.share_at_least(regimen, &rules, 1.0, 3).unwrap()
    };
    let docetaxel = Regimen::docetaxel_q3w(100.0);
    let d = share(&docetaxel, Drug::Docetaxel);
    let p = share(&Regimen::paclitaxel_q3w(175.0), Drug::Paclitaxel);
    eprintln!("grade >= 3 neutropenia over 4 cycles: docetaxel {d:.3}, paclitaxel {p:.3}");
    let se = ((d * (1.0 - d) + p * (1.0 - p)) / 300.0).sqrt();
    assert!(d - p - 1.96 * se > 0.0, "gap {} ± {}", d - p, 1.96 * se);
    assert_eq!(d, share(&docetaxel, Drug::Docetaxel));
    // Grade 4 over six cycles in the 2,000 patients of the paclitaxel fit: docetaxel's
    // share (compared in the crate docs with the docetaxel label as quoted second-hand)
    // is above paclitaxel's 28 %.
    let six = label_cohort(2000, 1996, Drug::Docetaxel)
        .worst_grades(&docetaxel, &rules, 1.0)
        .unwrap();
    let grade4 = six[4] as f64 / 2000.0;
    eprintln!("docetaxel 100, six cycles: by worst grade {six:?}, grade 4 {grade4:.3}");
    assert!(grade4 - 0.28 - 1.96 * (grade4 * (1.0 - grade4) / 2000.0).sqrt() > 0.0);
}

/// Bad cohorts are errors naming the field, never a panic.
#[test]
fn bad_cohorts_are_errors() {
    let rules = DoseRules::default();
    let arm = Regimen::paclitaxel_q3w(175.0);
    let empty = MarrowCohort {
        n_patients: 0,
        ..label_cohort(10, 1, Drug::Paclitaxel)
    };
    let err = empty
        .worst_grades(&arm, &rules, 1.0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("n_patients"), "{err}");
    let cohort = label_cohort(10, 1, Drug::Paclitaxel);
    let err = cohort
        .fit_slope_factor(&arm, &rules, 4, 1.5)
        .unwrap_err()
        .to_string();
    assert!(err.contains("target_share"), "{err}");
    let err = cohort
        .worst_grades(&arm, &rules, f64::NAN)
        .unwrap_err()
        .to_string();
    assert!(err.contains("slope_factor"), "{err}");
}

/// The rates summary agrees with the grade counts, and a bad regimen or clearance
/// variability is an error naming its field.
#[test]
fn rates_summarise_the_grades_and_check_their_input() {
    let rules = DoseRules::default();
    let arm = Regimen::paclitaxel_q3w(175.0);
    let cohort = MarrowCohort::for_drug(Drug::Paclitaxel, 400, 6.0, 7);
    let rates = cohort.rates(&arm, &rules).unwrap();
    let by_grade = cohort.worst_grades(&arm, &rules, 1.0).unwrap();
    assert_eq!(rates.by_worst_grade, by_grade);
    assert_eq!(rates.grade4_share, by_grade[4] as f64 / 400.0);
    assert_eq!(rates.below_2_share, 1.0 - by_grade[0] as f64 / 400.0);
    assert!(
        rates.grade4_share <= rates.grade3plus_share
            && rates.grade3plus_share <= rates.below_2_share
    );
    let bad_dose = Regimen::paclitaxel_q3w(-1.0);
    let err = cohort.rates(&bad_dose, &rules).unwrap_err().to_string();
    assert!(err.contains("dose_mg_per_m2"), "{err}");
    let bad_omega = MarrowCohort {
        clearance_omega_log: f64::NAN,
        ..cohort
    };
    let err = bad_omega.rates(&arm, &rules).unwrap_err().to_string();
    assert!(err.contains("clearance_omega_log"), "{err}");
}
