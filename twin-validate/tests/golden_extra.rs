//! Golden values from `tests/reference/reference_extra.json`, written by
//! `tests/reference/make_reference.py` with lifelines 0.30.3, scikit-survival 0.28.0,
//! scikit-learn 1.9.1, statsmodels 0.15.0 (versions recorded in the JSON).

mod common;
use common::*;
use twin_validate::baseline::{CoxOptions, CoxPh, LogisticOptions, LogisticRegression};
use twin_validate::survival::{self, SurvivalOutcomes};
use twin_validate::{binary, calibration, continuous, delong};

fn extra() -> serde_json::Value {
    json("twin-validate/tests/reference/reference_extra.json")
}

#[test]
fn rotterdam_cox_matches_lifelines() {
    let r = extra();
    let c = &r["rotterdam_cox"];
    let d = rotterdam();
    let names: Vec<String> = c["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let fit = CoxPh::fit(
        &d.covariates,
        &d.rfs_time,
        &d.rfs_event,
        &CoxOptions {
            names: Some(names),
            ..Default::default()
        },
    )
    .unwrap();
    for (k, (coef, se)) in fs(&c["coef"]).into_iter().zip(fs(&c["se"])).enumerate() {
        close(fit.coefficients[k].estimate, coef, 1e-6);
        close(fit.coefficients[k].se, se, 1e-6);
    }
    close(fit.log_likelihood, f(&c["log_likelihood"]), 1e-9);
    // Harrell's C of the fitted linear predictor equals lifelines' concordance_index_.
    let lp: Vec<f64> = d
        .covariates
        .iter()
        .map(|x| fit.linear_predictor(x).unwrap())
        .collect();
    let hc = survival::harrell_c(&d.rfs_time, &d.rfs_event, &lp).unwrap();
    close(hc.c_index, f(&c["concordance_index"]), 1e-9);
    // Breslow baseline and S(t | x).
    let times = fs(&c["times_days"]);
    for (t, h) in times
        .iter()
        .zip(fs(&c["baseline_cumulative_hazard_at_times"]))
    {
        close(fit.baseline_cumulative_hazard_at(*t), h, 1e-6);
    }
    let step_times = fs(&c["survival_step_times"]);
    for (i, row) in c["survival_first5_patients"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        for (t, s) in step_times.iter().zip(fs(row)) {
            close(fit.survival_at(&d.covariates[i], *t).unwrap(), s, 1e-6);
        }
    }
    // Time-dependent AUC and Uno's C of the linear predictor (scikit-survival).
    let s = SurvivalOutcomes::new(&d.rfs_time, &d.rfs_event).unwrap();
    let td = survival::cumulative_dynamic_auc(s, s, &lp, &times).unwrap();
    for (a, want) in td.auc.iter().zip(fs(&c["cumulative_dynamic_auc"]["auc"])) {
        close(*a, want, 1e-9);
    }
    close(
        td.mean_auc,
        f(&c["cumulative_dynamic_auc"]["mean_auc"]),
        1e-9,
    );
    close(
        survival::uno_c(&d.rfs_time, &d.rfs_event, &lp, Some(1826.0), None)
            .unwrap()
            .c_index,
        f(&c["uno_c_tau_1826"]),
        1e-9,
    );
}

#[test]
fn cox_robust_se_matches_lifelines_without_ties() {
    let r = extra();
    let c = &r["cox_robust_no_ties"];
    let (x1, x2) = (fs(&c["x1"]), fs(&c["x2"]));
    let rows: Vec<Vec<f64>> = x1.iter().zip(&x2).map(|(a, b)| vec![*a, *b]).collect();
    let fit = CoxPh::fit(
        &rows,
        &fs(&c["time"]),
        &bs(&c["event"]),
        &CoxOptions {
            robust: true,
            ..Default::default()
        },
    )
    .unwrap();
    let rse = fit.robust_se.unwrap();
    for (k, (coef, se)) in fs(&c["coef"])
        .into_iter()
        .zip(fs(&c["robust_se"]))
        .enumerate()
    {
        close(fit.coefficients[k].estimate, coef, 1e-8);
        close(rse[k], se, 1e-6);
    }
}

#[test]
fn pima_logistic_matches_statsmodels() {
    let r = extra();
    let c = &r["pima_logistic"];
    let mut rd = csv::Reader::from_path(root().join("data/diabetes/pima.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let cols: Vec<usize> = c["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| h.iter().position(|x| x == n.as_str().unwrap()).unwrap())
        .collect();
    let ty = h.iter().position(|x| x == "type").unwrap();
    let (mut rows, mut y) = (vec![], vec![]);
    for rec in rd.records() {
        let rec = rec.unwrap();
        rows.push(
            cols.iter()
                .map(|&i| rec[i].parse::<f64>().unwrap())
                .collect::<Vec<_>>(),
        );
        y.push(&rec[ty] == "Yes");
    }
    let fit = LogisticRegression::fit(&rows, &y, &LogisticOptions::default()).unwrap();
    for (k, (b, se)) in fs(&c["coef"]).into_iter().zip(fs(&c["se"])).enumerate() {
        close(fit.coefficients[k].estimate, b, 1e-8);
        close(fit.coefficients[k].se, se, 1e-7);
    }
    close(fit.log_likelihood, f(&c["log_likelihood"]), 1e-10);
}

#[test]
fn pima_validation_metrics_match_statsmodels_sklearn_and_formulas() {
    let r = extra();
    let v = &r["pima_validation"];
    let y = bs(&v["y_test"]);
    let (pf, pg) = (fs(&v["p_full"]), fs(&v["p_glucose_only"]));
    let rc = calibration::recalibration(&y, &pf).unwrap();
    close(rc.slope, f(&v["calibration_slope"]["slope"]), 1e-8);
    close(
        rc.slope_intercept,
        f(&v["calibration_slope"]["intercept"]),
        1e-7,
    );
    close(
        rc.citl,
        f(&v["calibration_in_the_large"]["intercept"]),
        1e-8,
    );
    let curve =
        calibration::calibration_curve(&y, &pf, 10, calibration::BinStrategy::Uniform).unwrap();
    let cc = &v["calibration_curve_uniform_10"];
    assert_eq!(curve.len(), fs(&cc["prob_true"]).len());
    for (b, (t, p)) in curve
        .iter()
        .zip(fs(&cc["prob_true"]).into_iter().zip(fs(&cc["prob_pred"])))
    {
        close(b.observed, t, 1e-12);
        close(b.predicted, p, 1e-12);
    }
    let hl = calibration::hosmer_lemeshow(&y, &pf, 10).unwrap();
    close(
        hl.statistic,
        f(&v["hosmer_lemeshow_10"]["statistic"]),
        1e-10,
    );
    close(hl.p_value, f(&v["hosmer_lemeshow_10"]["p_value"]), 1e-8);
    let d = &v["delong_full_vs_glucose"];
    let t = delong::delong_test(&y, &pf, &pg).unwrap();
    close(t.auc_a, f(&d["auc_a"]), 1e-12);
    close(t.auc_b, f(&d["auc_b"]), 1e-12);
    close(t.z, f(&d["z"]), 1e-9);
    close(t.p_value, f(&d["p_value"]), 1e-7);
    close(
        delong::auc_delong(&y, &pf, 0.95).unwrap().variance,
        f(&d["var_a"]),
        1e-10,
    );
    let ca: Vec<bool> = y.iter().zip(&pf).map(|(y, p)| (*p >= 0.5) == *y).collect();
    let cb: Vec<bool> = y.iter().zip(&pg).map(|(y, p)| (*p >= 0.5) == *y).collect();
    let m = binary::mcnemar(&ca, &cb).unwrap();
    let mv = &v["mcnemar_threshold_0.5"];
    close(m.statistic, f(&mv["statistic"]), 1e-12);
    close(m.p_value, f(&mv["p_value"]), 1e-8);
    close(m.exact_p_value, f(&mv["exact_p_value"]), 1e-8);
}

#[test]
fn rotterdam_km_na_logrank_match_lifelines() {
    let r = extra();
    let v = &r["rotterdam_rfs_nonparametric"];
    let d = rotterdam();
    let times = fs(&v["times_days"]);
    let km = survival::kaplan_meier(&d.rfs_time, &d.rfs_event, 0.95).unwrap();
    let na = survival::nelson_aalen(&d.rfs_time, &d.rfs_event, 0.95).unwrap();
    for (k, &t) in times.iter().enumerate() {
        close(km.survival_at(t), fs(&v["km_survival"])[k], 1e-12);
        let (lo, hi) = km.ci_at(t);
        let want = fs(&v["km_ci_lower_upper"][k]);
        close(lo, want[0], 1e-9);
        close(hi, want[1], 1e-9);
        close(
            na.cumulative_hazard_at(t),
            fs(&v["na_cumulative_hazard"])[k],
            1e-12,
        );
        let i = na.times.partition_point(|&x| x <= t) - 1;
        let want = fs(&v["na_ci_lower_upper"][k]);
        close(na.ci_low[i], want[0], 1e-9);
        close(na.ci_high[i], want[1], 1e-9);
    }
    // Grade 2 vs 3 (two groups) and tumour size (three groups).
    let g: Vec<usize> = d.grade.iter().map(|&x| x as usize).collect();
    let lr = survival::log_rank(&d.rfs_time, &d.rfs_event, &g).unwrap();
    close(lr.statistic, f(&v["logrank_grade"]["statistic"]), 1e-9);
    close(lr.p_value, f(&v["logrank_grade"]["p_value"]), 1e-6);
    let lr3 = survival::log_rank(&d.rfs_time, &d.rfs_event, &d.size_code).unwrap();
    assert_eq!(lr3.df, 2);
    close(
        lr3.statistic,
        f(&v["logrank_size_3groups"]["statistic"]),
        1e-9,
    );
}

#[test]
fn rotterdam_train_test_ipcw_metrics_match_sksurv() {
    let r = extra();
    let v = &r["rotterdam_train_test"];
    let d = rotterdam();
    let split = |keep: &dyn Fn(usize) -> bool| -> (Vec<f64>, Vec<bool>, Vec<f64>) {
        let idx: Vec<usize> = (0..d.year.len()).filter(|&i| keep(i)).collect();
        (
            idx.iter().map(|&i| d.rfs_time[i]).collect(),
            idx.iter().map(|&i| d.rfs_event[i]).collect(),
            idx.iter().map(|&i| d.nodes[i]).collect(),
        )
    };
    let (ttr, etr, _) = split(&|i| d.year[i] < 1988.0);
    let (tte, ete, nte) = split(&|i| d.year[i] >= 1988.0);
    let train = SurvivalOutcomes::new(&ttr, &etr).unwrap();
    let test = SurvivalOutcomes::new(&tte, &ete).unwrap();
    let times = fs(&v["times_days"]);
    let surv: Vec<Vec<f64>> = times
        .iter()
        .map(|t| {
            nte.iter()
                .map(|k| (-(t / 3000.0) * (0.1 * (k - 3.0)).exp()).exp())
                .collect()
        })
        .collect();
    for (k, want) in fs(&v["brier"]).into_iter().enumerate() {
        close(
            survival::ipcw_brier_score(train, test, &surv[k], times[k]).unwrap(),
            want,
            1e-10,
        );
    }
    close(
        survival::integrated_brier_score(train, test, &surv, &times).unwrap(),
        f(&v["integrated_brier"]),
        1e-10,
    );
    close(
        survival::uno_c(&tte, &ete, &nte, Some(1826.0), Some(train))
            .unwrap()
            .c_index,
        f(&v["uno_c_tau_1826"]),
        1e-10,
    );
    let td = survival::cumulative_dynamic_auc(train, test, &nte, &times).unwrap();
    for (a, want) in td.auc.iter().zip(fs(&v["cumulative_dynamic_auc"])) {
        close(*a, want, 1e-10);
    }
    close(td.mean_auc, f(&v["mean_auc"]), 1e-10);
}

#[test]
fn continuous_metrics_match_sklearn_and_formulas() {
    let r = extra();
    let c = &r["continuous"];
    let m = continuous::continuous_metrics(&fs(&c["observed"]), &fs(&c["predicted"])).unwrap();
    close(m.mae, f(&c["mae"]), 1e-12);
    close(m.rmse, f(&c["rmse"]), 1e-12);
    close(m.r2, f(&c["r2"]), 1e-12);
    close(m.bias, f(&c["bias_mean_pred_minus_obs"]), 1e-12);
    close(m.ccc, f(&c["ccc"]), 1e-12);
    close(
        continuous::crps_samples(&fs(&c["crps_samples"]), f(&c["crps_obs"])).unwrap(),
        f(&c["crps"]),
        1e-10,
    );
}

#[test]
fn bench_data_concordance_matches_lifelines_and_sksurv() {
    // The deterministic tied data of benches/metrics.rs and benches/peers/survival_peers.py.
    let r = extra();
    let b = &r["bench_data_n10000"];
    let n = 10_000usize;
    let t: Vec<f64> = (0..n).map(|i| 1.0 + ((7919 * i) % 5000) as f64).collect();
    let e: Vec<bool> = (0..n).map(|i| (31 * i) % 10 < 6).collect();
    let risk: Vec<f64> = (0..n)
        .map(|i| (0.6180339887 * i as f64).fract() - t[i] / 5000.0)
        .collect();
    close(
        survival::harrell_c(&t, &e, &risk).unwrap().c_index,
        f(&b["lifelines_concordance_index"]),
        1e-12,
    );
    close(
        survival::uno_c(&t, &e, &risk, Some(2500.0), None)
            .unwrap()
            .c_index,
        f(&b["sksurv_uno_c_tau_2500"]),
        1e-10,
    );
}
