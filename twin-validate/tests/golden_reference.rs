//! Golden values from `data/reference/reference_metrics.json` (scikit-learn 1.9.1,
//! lifelines 0.30.3, scikit-survival 0.28.0, cross-checked with R survival 3.5-3 by the
//! data folder's `make_reference.py`).

use serde_json::Value;
use twin_validate::binary;
use twin_validate::survival::{self, CensoringDistribution, SurvivalOutcomes};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn reference() -> Value {
    let s = std::fs::read_to_string(root().join("data/reference/reference_metrics.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}
fn fs(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}
fn bs(v: &Value) -> Vec<bool> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() != 0.0)
        .collect()
}

#[track_caller]
fn close(got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1e-300),
        "got {got:.17}, want {want:.17}"
    );
}

/// Rotterdam columns: (rtime, recur, dtime, death, nodes).
type Columns = (Vec<f64>, Vec<bool>, Vec<f64>, Vec<bool>, Vec<f64>);

fn rotterdam() -> Columns {
    let mut r = csv::Reader::from_path(root().join("data/breast/rotterdam.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (ir, irc, id, idd, ino) = (
        col("rtime"),
        col("recur"),
        col("dtime"),
        col("death"),
        col("nodes"),
    );
    let mut out = (vec![], vec![], vec![], vec![], vec![]);
    for rec in r.records() {
        let rec = rec.unwrap();
        let g = |i: usize| rec[i].parse::<f64>().unwrap();
        out.0.push(g(ir));
        out.1.push(g(irc) == 1.0);
        out.2.push(g(id));
        out.3.push(g(idd) == 1.0);
        out.4.push(g(ino));
    }
    out
}

#[test]
fn synthetic_classification_matches_sklearn() {
    let r = reference();
    let s = &r["synthetic"];
    let y = bs(&s["inputs"]["y_true"]);
    let p = fs(&s["inputs"]["y_prob"]);
    let c = &s["classification"];
    close(binary::auc(&y, &p).unwrap(), f(&c["roc_auc"]), 1e-12);
    close(binary::brier_score(&y, &p).unwrap(), f(&c["brier"]), 1e-12);
    close(binary::log_loss(&y, &p).unwrap(), f(&c["log_loss"]), 1e-12);
    close(
        binary::accuracy(&y, &p, 0.5).unwrap(),
        f(&c["accuracy_pred1_if_p_ge_0.5"]),
        1e-12,
    );
}

#[test]
fn synthetic_survival_matches_lifelines_and_sksurv() {
    let r = reference();
    let s = &r["synthetic"];
    let t = fs(&s["inputs"]["time"]);
    let e = bs(&s["inputs"]["event"]);
    let risk = fs(&s["inputs"]["risk"]);
    let h = &s["survival"]["harrell_c"];
    let c = survival::harrell_c(&t, &e, &risk).unwrap();
    close(c.c_index, f(&h["lifelines_concordance_index"]), 1e-12);
    let sk = &h["sksurv_concordance_index_censored"];
    assert_eq!(c.concordant, f(&sk["concordant"]));
    assert_eq!(c.discordant, f(&sk["discordant"]));
    assert_eq!(c.tied_risk, f(&sk["tied_risk"]));
    let u = &s["survival"]["uno_c"];
    let tau = f(&u["tau"]);
    close(
        survival::uno_c(&t, &e, &risk, Some(tau), None)
            .unwrap()
            .c_index,
        f(&u["sksurv_concordance_index_ipcw_with_tau"]["cindex"]),
        1e-12,
    );
    close(
        survival::uno_c(&t, &e, &risk, None, None).unwrap().c_index,
        f(&u["sksurv_concordance_index_ipcw_no_tau"]["cindex"]),
        1e-12,
    );
    let g = CensoringDistribution::fit(SurvivalOutcomes::new(&t, &e).unwrap());
    let gt = &u["censoring_km_G_at_event_times"];
    for (ti, gi) in fs(&gt["times"]).into_iter().zip(fs(&gt["G"])) {
        close(g.at(ti), gi, 1e-12);
    }
    let km = survival::kaplan_meier(&t, &e, 0.95).unwrap();
    let k = &s["survival"]["kaplan_meier"];
    for (ti, si) in fs(&k["times"])
        .into_iter()
        .zip(fs(&k["lifelines_survival"]))
    {
        close(km.survival_at(ti), si, 1e-12);
    }
}

#[test]
fn rotterdam_survival_matches_lifelines_and_sksurv() {
    let r = reference();
    let (rt, rc, dt, dd, nodes) = rotterdam();
    for (name, t, e) in [("recurrence", &rt, &rc), ("death", &dt, &dd)] {
        let m = &r["rotterdam"][name]["metrics"];
        let c = survival::harrell_c(t, e, &nodes).unwrap();
        close(
            c.c_index,
            f(&m["harrell_c"]["lifelines_concordance_index"]),
            1e-12,
        );
        assert_eq!(
            c.concordant,
            f(&m["harrell_c"]["sksurv_concordance_index_censored"]["concordant"])
        );
        assert_eq!(
            c.tied_risk,
            f(&m["harrell_c"]["sksurv_concordance_index_censored"]["tied_risk"])
        );
        let u = &m["uno_c"];
        let tau = f(&u["tau"]);
        close(
            survival::uno_c(t, e, &nodes, Some(tau), None)
                .unwrap()
                .c_index,
            f(&u["sksurv_concordance_index_ipcw_with_tau"]["cindex"]),
            1e-10,
        );
        close(
            survival::uno_c(t, e, &nodes, None, None).unwrap().c_index,
            f(&u["sksurv_concordance_index_ipcw_no_tau"]["cindex"]),
            1e-10,
        );
        let g = CensoringDistribution::fit(SurvivalOutcomes::new(t, e).unwrap());
        let gt = &u["censoring_km_G_at_event_times"];
        for (ti, gi) in fs(&gt["times"]).into_iter().zip(fs(&gt["G"])) {
            close(g.at(ti), gi, 1e-12);
        }
        let km = survival::kaplan_meier(t, e, 0.95).unwrap();
        let k = &m["kaplan_meier"];
        for (ti, si) in fs(&k["times"]).into_iter().zip(fs(&k["sksurv_survival"])) {
            close(km.survival_at(ti), si, 1e-12);
        }
        for pt in k["full_curve"].as_array().unwrap() {
            let i = km.times.partition_point(|&x| x < f(&pt["time"]));
            assert_eq!(km.at_risk[i] as f64, f(&pt["at_risk"]));
            close(km.survival[i], f(&pt["survival"]), 1e-12);
        }
    }
}

#[test]
fn rotterdam_binary_matches_sklearn() {
    let r = reference();
    let m = &r["rotterdam"]["binary_5y_recurrence"]["metrics"];
    let (rt, rc, _, _, nodes) = rotterdam();
    let (mut y, mut p) = (vec![], vec![]);
    for i in 0..rt.len() {
        if rc[i] && rt[i] <= 1826.0 {
            y.push(true);
        } else if rt[i] > 1826.0 {
            y.push(false);
        } else {
            continue;
        }
        p.push(1.0 / (1.0 + (-(-1.5 + 0.2 * nodes[i])).exp()));
    }
    assert_eq!(y.len() as f64, f(&m["n"]));
    close(binary::auc(&y, &p).unwrap(), f(&m["roc_auc"]), 1e-12);
    close(binary::brier_score(&y, &p).unwrap(), f(&m["brier"]), 1e-12);
    close(binary::log_loss(&y, &p).unwrap(), f(&m["log_loss"]), 1e-12);
    close(
        binary::accuracy(&y, &p, 0.5).unwrap(),
        f(&m["accuracy_pred1_if_p_ge_0.5"]),
        1e-12,
    );
}
