//! Analytical and structural checks: known closed forms, partitions, and the report.

mod common;
use common::*;
use twin_validate::baseline::{CoxOptions, CoxPh, LogisticOptions, LogisticRegression, Ties};
use twin_validate::bootstrap::{BootstrapConfig, bootstrap};
use twin_validate::compare::{self, BinaryMetric, SurvivalMetric};
use twin_validate::domain::ApplicabilityDomain;
use twin_validate::report::{ValidationReport, VerificationItem};
use twin_validate::resampling::{
    optimism_corrected, repeated_kfold, stratified_kfold, temporal_split,
};
use twin_validate::subgroup::{AuditConfig, GroupColumn, audit_binary, audit_survival};
use twin_validate::{binary, continuous, survival};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

#[test]
fn km_without_censoring_is_the_empirical_survival_function() {
    let t = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
    let km = survival::kaplan_meier(&t, &[true; 8], 0.95).unwrap();
    for &x in &[0.5, 1.0, 2.5, 4.0, 8.0, 9.0] {
        let frac = t.iter().filter(|&&ti| ti > x).count() as f64 / 8.0;
        assert!((km.survival_at(x) - frac).abs() < 1e-15);
    }
    assert_eq!(km.median(), Some(3.0));
}

#[test]
fn net_benefit_of_a_perfect_predictor_is_the_prevalence() {
    let y = [true, false, false, true, false];
    let p = [0.9, 0.1, 0.2, 0.8, 0.05];
    for &pt in &[0.3, 0.5, 0.7] {
        assert!((binary::net_benefit(&y, &p, pt).unwrap() - 0.4).abs() < 1e-15);
    }
    let dc = binary::decision_curve(&y, &p, &[0.2]).unwrap();
    // Treat all: 0.4 − 0.6 · 0.2 / 0.8.
    assert!((dc[0].treat_all - (0.4 - 0.6 * 0.25)).abs() < 1e-15);
}

#[test]
fn crps_of_normal_samples_converges_to_the_closed_form() {
    // Gneiting & Raftery 2007, eq. 5: CRPS(N(0,1), y) = y(2Φ(y) − 1) + 2φ(y) − 1/√π.
    use statrs::distribution::{Continuous, ContinuousCDF, Normal as N};
    let n = N::standard();
    let y: f64 = 0.7;
    let exact = y * (2.0 * n.cdf(y) - 1.0) + 2.0 * n.pdf(y) - 1.0 / std::f64::consts::PI.sqrt();
    let samples: Vec<f64> = (1..=20_000)
        .map(|k| n.inverse_cdf((k as f64 - 0.5) / 20_000.0))
        .collect();
    assert!((continuous::crps_samples(&samples, y).unwrap() - exact).abs() < 1e-4);
}

#[test]
fn bootstrap_ci_of_a_mean_matches_the_normal_theory_interval() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let x: Vec<f64> = (0..400)
        .map(|_| Normal::new(10.0, 2.0).unwrap().sample(&mut rng))
        .collect();
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let half = 1.959964 * sd / n.sqrt();
    let cfg = BootstrapConfig {
        replicates: 2000,
        seed: 9,
        bca: true,
        ..Default::default()
    };
    let b = bootstrap(x.len(), None, &cfg, |idx| {
        Ok(idx.iter().map(|&i| x[i]).sum::<f64>() / idx.len() as f64)
    })
    .unwrap();
    // Monte Carlo error of a 2000-replicate percentile bound is ~3% of the half-width.
    for (lo, hi) in [b.percentile, b.bca.unwrap()] {
        assert!((lo - (m - half)).abs() < 0.1 * half, "{lo} vs {}", m - half);
        assert!((hi - (m + half)).abs() < 0.1 * half);
    }
    assert!((b.se - sd / n.sqrt()).abs() < 0.1 * sd / n.sqrt());
}

#[test]
fn kfold_partitions_and_stratifies() {
    let strata: Vec<usize> = (0..103).map(|i| usize::from(i % 4 == 0)).collect();
    let folds = stratified_kfold(&strata, 5, 42).unwrap();
    let mut seen = vec![0; strata.len()];
    for f in &folds {
        assert_eq!(f.train.len() + f.test.len(), strata.len());
        for &i in &f.test {
            seen[i] += 1;
        }
        let pos = f.test.iter().filter(|&&i| strata[i] == 1).count();
        assert!((5..=6).contains(&pos), "26 positives over 5 folds: {pos}");
    }
    assert!(seen.iter().all(|&s| s == 1));
    assert_eq!(repeated_kfold(&strata, 5, 3, 42).unwrap().len(), 15);
    let ts = temporal_split(&[1980.0, 1990.0, 1985.0, 1992.0], 1988.0).unwrap();
    assert_eq!((ts.train, ts.test), (vec![0, 2], vec![1, 3]));
}

#[test]
fn optimism_correction_removes_the_apparent_skill_of_noise() {
    // Outcome independent of 10 noise covariates: any apparent AUC above 0.5 is optimism.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n = 150;
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..10).map(|_| rng.random::<f64>()).collect())
        .collect();
    let y: Vec<bool> = (0..n).map(|_| rng.random::<bool>()).collect();
    let fit_score = |fit_on: &[usize], score_on: &[usize]| {
        let r: Vec<Vec<f64>> = fit_on.iter().map(|&i| rows[i].clone()).collect();
        let yy: Vec<bool> = fit_on.iter().map(|&i| y[i]).collect();
        let m = LogisticRegression::fit(&r, &yy, &LogisticOptions::default())?;
        let p: Vec<f64> = score_on
            .iter()
            .map(|&i| m.predict(&rows[i]).unwrap())
            .collect();
        binary::auc(&score_on.iter().map(|&i| y[i]).collect::<Vec<_>>(), &p)
    };
    let o = optimism_corrected(n, 100, 11, fit_score).unwrap();
    assert!(o.apparent > 0.6, "apparent {}", o.apparent);
    // The truth is 0.5 for any model fitted to noise; the correction must remove a clear
    // share of the apparent excess (bootstrap optimism is known to be conservative at
    // 7.5 events per variable; Steyerberg et al. 2001, J Clin Epidemiol 54:774).
    assert!(o.optimism > 0.05, "{o:?}");
    assert!(o.corrected - 0.5 < 0.6 * (o.apparent - 0.5), "{o:?}");
}

#[test]
fn cox_recovers_simulated_log_hazard_ratios_and_breslow_equals_efron_without_ties() {
    // Exponential hazard 0.01·exp(0.8 x1 − 0.5 x2), uniform censoring; n = 3000.
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let (mut rows, mut t, mut e) = (vec![], vec![], vec![]);
    for _ in 0..3000 {
        let x1: f64 = Normal::new(0.0, 1.0).unwrap().sample(&mut rng);
        let x2 = f64::from(u8::from(rng.random::<bool>()));
        let h = 0.01 * (0.8 * x1 - 0.5 * x2).exp();
        let te = -rng.random::<f64>().ln() / h;
        let tc = rng.random::<f64>() * 300.0;
        rows.push(vec![x1, x2]);
        t.push(te.min(tc));
        e.push(te <= tc);
    }
    let efron = CoxPh::fit(&rows, &t, &e, &CoxOptions::default()).unwrap();
    let breslow = CoxPh::fit(
        &rows,
        &t,
        &e,
        &CoxOptions {
            ties: Ties::Breslow,
            ..Default::default()
        },
    )
    .unwrap();
    for (k, truth) in [0.8, -0.5].into_iter().enumerate() {
        let c = &efron.coefficients[k];
        assert!(
            (c.estimate - truth).abs() < 3.0 * c.se,
            "{} vs {truth} (se {})",
            c.estimate,
            c.se
        );
        assert!((c.estimate - breslow.coefficients[k].estimate).abs() < 1e-10);
    }
}

/// Breslow ties with robust SEs, derived by hand: one covariate x = (0, 1, 0, 1), times
/// (1, 1, 2, 3), events (1, 1, 1, 0). log L(β) = β − 2 log(2 + 2e^β) − log(1 + e^β), so
/// the score 1 − 3e^β/(1 + e^β) = 0 gives β̂ = −ln 2 and information 3·(1/3)(2/3) = 2/3.
/// At β̂ the weights are (1, ½, 1, ½), both event times have x̄ = 1/3 and dΛ = 2/3, and the
/// Lin–Wei score residuals are (−1/9, 4/9, 1/9, −4/9): robust variance
/// (3/2)²·(34/81) = 17/18.
#[test]
fn breslow_robust_standard_error_matches_the_hand_derived_sandwich() {
    let rows = vec![vec![0.0], vec![1.0], vec![0.0], vec![1.0]];
    let opts = CoxOptions {
        ties: Ties::Breslow,
        robust: true,
        ..Default::default()
    };
    let fit = CoxPh::fit(
        &rows,
        &[1.0, 1.0, 2.0, 3.0],
        &[true, true, true, false],
        &opts,
    )
    .unwrap();
    let c = &fit.coefficients[0];
    assert!((c.estimate + 2f64.ln()).abs() < 1e-9, "{}", c.estimate);
    assert!((c.se - 1.5f64.sqrt()).abs() < 1e-9, "{}", c.se);
    let robust = fit.robust_se.unwrap()[0];
    assert!((robust - (17.0f64 / 18.0).sqrt()).abs() < 1e-9, "{robust}");
}

/// Efron ties with robust SEs, derived by hand on the same data as the Breslow case:
/// x = (0, 1, 0, 1), times (1, 1, 2, 3), events (1, 1, 1, 0); θ = e^β, w = (1, θ, 1, θ).
/// At t = 1 (R = all four, D = patients 1 and 2, d = 2) the fractional risk sets are
/// l = 0: φ_0 = 2 + 2θ, x̄_0 = 2θ/φ_0 = θ/(1 + θ); l = 1 (D weighted ½):
/// φ_1 = 2 + 2θ − (1 + θ)/2 = (3/2)(1 + θ), x̄_1 = (2θ − θ/2)/φ_1 = θ/(1 + θ).
/// At t = 2: φ = 1 + θ, x̄ = θ/(1 + θ). So log L = β − 3 log(1 + θ) + const, score
/// 1 − 3θ/(1 + θ) = 0 gives θ = ½, β̂ = −ln 2, information 3·θ/(1 + θ)² = 2/3, model
/// variance 3/2. At β̂: w = (1, ½, 1, ½), every x̄ = 1/3, dΛ_0 = 1/3, dΛ_1 = 4/9
/// (t = 1) and dΛ = 2/3 (t = 2).
/// Score residuals r_i = δ_i (x_i − mean_l x̄_l) − Σ c w_i (x_i − x̄) dΛ, with c = 1 − l/d
/// for a death in its own tied set and 1 otherwise:
///   r_1 = (0 − 1/3) − 1·(−1/3)(1/3 + ½·4/9)            = −1/3 + 5/27 = −4/27
///   r_2 = (1 − 1/3) − ½·(2/3)(1/3 + ½·4/9)             = 2/3 − 5/27 = 13/27
///   r_3 = (0 − 1/3) − 1·(−1/3)(1/3 + 4/9 + 2/3)        = −1/3 + 13/27 = 4/27
///   r_4 = − ½·(2/3)(1/3 + 4/9 + 2/3)                   = −13/27
/// (sum 0). Σ r_i² = (16 + 169 + 16 + 169)/729 = 370/729, robust variance
/// (3/2)²·370/729 = 185/162. (Without the ½ down-weighting of the tied deaths r_1, r_2
/// would be −2/27, 11/27 and the variance 155/162.)
#[test]
fn efron_robust_standard_error_matches_the_hand_derived_sandwich() {
    let rows = vec![vec![0.0], vec![1.0], vec![0.0], vec![1.0]];
    let opts = CoxOptions {
        ties: Ties::Efron,
        robust: true,
        ..Default::default()
    };
    let fit = CoxPh::fit(
        &rows,
        &[1.0, 1.0, 2.0, 3.0],
        &[true, true, true, false],
        &opts,
    )
    .unwrap();
    let c = &fit.coefficients[0];
    assert!((c.estimate + 2f64.ln()).abs() < 1e-10, "{}", c.estimate);
    assert!((c.se - 1.5f64.sqrt()).abs() < 1e-10, "{}", c.se);
    let robust = fit.robust_se.unwrap()[0];
    assert!(
        (robust - (185.0f64 / 162.0).sqrt()).abs() < 1e-10,
        "{robust}"
    );
}

#[test]
fn paired_comparison_of_a_predictor_with_itself_is_zero_and_finds_a_better_one() {
    let v = json("twin-validate/tests/reference/reference_extra.json");
    let pv = &v["pima_validation"];
    let y = bs(&pv["y_test"]);
    let (pf, pg) = (fs(&pv["p_full"]), fs(&pv["p_glucose_only"]));
    let cfg = BootstrapConfig {
        replicates: 400,
        seed: 1,
        ..Default::default()
    };
    let same = compare::compare_binary(&y, &pf, &pf, BinaryMetric::Auc, &cfg).unwrap();
    assert_eq!(
        (same.difference, same.ci_low, same.ci_high),
        (0.0, 0.0, 0.0)
    );
    let c = compare::compare_binary(&y, &pf, &pg, BinaryMetric::Auc, &cfg).unwrap();
    // DeLong (reference_extra.json) gives z = 3.37: the bootstrap CI must exclude 0 too.
    assert!(
        c.ci_low > 0.0
            && (c.difference
                - (f(&pv["delong_full_vs_glucose"]["auc_a"])
                    - f(&pv["delong_full_vs_glucose"]["auc_b"])))
            .abs()
                < 1e-12
    );
    let brier = compare::compare_binary(&y, &pf, &pg, BinaryMetric::Brier, &cfg).unwrap();
    assert!(brier.difference < 0.0);
}

#[test]
fn subgroup_audit_finds_a_gap_planted_in_one_group_and_flags_small_groups() {
    // Group "B" gets uninformative predictions; group "C" is tiny.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 600;
    let (mut y, mut p, mut g) = (vec![], vec![], vec![]);
    for i in 0..n {
        let yi = rng.random::<f64>() < 0.4;
        let grp = if i < 20 {
            "C"
        } else if i % 2 == 0 {
            "A"
        } else {
            "B"
        };
        let pi: f64 = if grp == "B" {
            rng.random::<f64>()
        } else {
            (if yi { 0.7 } else { 0.3 }) + 0.25 * (rng.random::<f64>() - 0.5)
        };
        y.push(yi);
        p.push(pi.clamp(0.01, 0.99));
        g.push(grp.to_string());
    }
    let col = GroupColumn {
        name: "site".into(),
        values: g,
    };
    let a = audit_binary(
        &y,
        &p,
        0.5,
        std::slice::from_ref(&col),
        &[],
        &AuditConfig::default(),
    )
    .unwrap();
    let auc_gap = a.gaps.iter().find(|x| x.metric == "auc").unwrap();
    assert_eq!(auc_gap.lowest, "B");
    assert!(auc_gap.gap > 0.3);
    let c = a.groups.iter().find(|r| r.group == "C").unwrap();
    assert!(c.warnings.iter().any(|w| w.contains("only 20 patients")));
    assert!(
        a.gaps.iter().any(|x| x.metric == "sensitivity@0.5")
            && a.gaps.iter().any(|x| x.metric == "fpr@0.5")
    );
    let t: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
    let s = audit_survival(
        &t,
        &y,
        &p,
        &[col],
        &[SurvivalMetric::HarrellC],
        &AuditConfig::default(),
    )
    .unwrap();
    assert_eq!(s.groups.len(), 3);
}

#[test]
fn applicability_domain_flags_patients_outside_training_ranges() {
    let d = ApplicabilityDomain::from_training(
        &["age_years", "nodes"],
        &[vec![40.0, 0.0], vec![70.0, 10.0], vec![55.0, 3.0]],
    )
    .unwrap();
    assert!(d.check(&[50.0, 5.0]).unwrap().is_empty());
    let out = d.check(&[85.0, 5.0]).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].name.as_str(), out[0].max), ("age_years", 70.0));
    assert!(d.check(&[1.0]).is_err());
}

#[test]
fn report_writes_json_markdown_and_svgs() {
    let v = json("twin-validate/tests/reference/reference_extra.json");
    let pv = &v["pima_validation"];
    let y = bs(&pv["y_test"]);
    let pf = fs(&pv["p_full"]);
    let cfg = BootstrapConfig {
        replicates: 200,
        seed: 2,
        ..Default::default()
    };
    let mut r = ValidationReport::binary("Pima test set", &y, &pf, 0.5, &cfg).unwrap();
    r.verification.push(VerificationItem::new(
        "AUC vs sklearn",
        "scikit-learn 1.9.1",
        0.925,
        0.925,
        1e-12,
    ));
    let auc = r.metric("auc").unwrap();
    assert!((auc.estimate - f(&pv["delong_full_vs_glucose"]["auc_a"])).abs() < 1e-12);
    assert!(auc.ci_low.unwrap() < auc.estimate && auc.estimate < auc.ci_high.unwrap());
    let dir = std::env::temp_dir().join(format!("twin-validate-report-{}", std::process::id()));
    let files = r.write(&dir).unwrap();
    assert_eq!(files.len(), 5);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        if f.extension().unwrap() == "svg" {
            assert!(
                text.contains("<svg") && text.contains("polyline"),
                "{}",
                f.display()
            );
        }
    }
    let back: ValidationReport =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(back.metrics.len(), r.metrics.len());
    for (a, b) in back.metrics.iter().zip(&r.metrics) {
        assert_eq!(a.name, b.name);
        assert!((a.estimate - b.estimate).abs() <= 1e-15 * b.estimate.abs());
    }
    assert!(
        std::fs::read_to_string(dir.join("report.md"))
            .unwrap()
            .contains("| auc |")
    );
    std::fs::remove_dir_all(dir).unwrap();

    let d = rotterdam();
    let s = ValidationReport::survival(
        "Rotterdam nodes",
        &d.rfs_time,
        &d.rfs_event,
        &d.nodes,
        Some(1826.0),
        &[1826.0],
        &BootstrapConfig {
            replicates: 50,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.plots.km_by_group.len(), 3);
    assert!(
        s.svgs()
            .unwrap()
            .iter()
            .any(|(n, _)| n == "km_by_risk_group.svg")
    );
}

#[test]
fn survival_calibration_of_km_based_predictions_is_exact() {
    // Predicting every patient's S(t) by the overall Kaplan–Meier value gives O/E = 1;
    // predicting each risk group's own KM value makes predicted = observed in that group.
    let d = rotterdam();
    let t = 1826.0;
    let km = survival::kaplan_meier(&d.rfs_time, &d.rfs_event, 0.95).unwrap();
    let flat = vec![km.survival_at(t); d.rfs_time.len()];
    let oe = survival::observed_expected_ratio(&d.rfs_time, &d.rfs_event, &flat, t).unwrap();
    assert!((oe - 1.0).abs() < 1e-12);
    // Two equal halves (even/odd row); prediction = the half's own KM survival at t, so the
    // two groups sorted by prediction are exactly the halves and predicted = observed.
    let n = d.rfs_time.len();
    let mut pred = vec![0.0; n];
    for parity in [0, 1] {
        let idx: Vec<usize> = (0..n).filter(|&i| i % 2 == parity).collect();
        let k = survival::kaplan_meier(&pick(&d.rfs_time, &idx), &pick(&d.rfs_event, &idx), 0.95)
            .unwrap();
        for &i in &idx {
            pred[i] = k.survival_at(t);
        }
    }
    assert_ne!(pred[0], pred[1]);
    let cal = survival::survival_calibration(&d.rfs_time, &d.rfs_event, &pred, t, 2).unwrap();
    for c in &cal {
        assert_eq!(c.n, n / 2);
        assert!((c.predicted_survival - c.observed_survival).abs() < 1e-12);
        assert!(
            c.observed_ci_low < c.observed_survival && c.observed_survival < c.observed_ci_high
        );
    }
    assert!(cal[0].predicted_survival > cal[1].predicted_survival);
}

fn pick<T: Clone>(v: &[T], idx: &[usize]) -> Vec<T> {
    idx.iter().map(|&i| v[i].clone()).collect()
}
