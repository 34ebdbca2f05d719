//! Validation by trial reproduction: virtual cohorts built from published baseline
//! tables (`data/trials/*.json`, sources in `data/trials/README.md`), arms run as plans,
//! arm-level outcomes compared with what the trials reported. None of these trials was
//! used to set a model parameter (calibration sources are listed in `drugs.rs` and
//! `model.rs`; the partial exception is stated at ADOPT below).

use twin_metabolic::trial::{TrialResult, TrialSpec, run_trial};

fn run(file: &str) -> TrialResult {
    let path = format!("{}/../data/trials/{file}", env!("CARGO_MANIFEST_DIR"));
    let spec: TrialSpec = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    run_trial(&spec).unwrap()
}

fn at(r: &TrialResult, arm: usize, t_years: f64) -> usize {
    r.arms[arm]
        .t_years
        .iter()
        .position(|t| (t - t_years).abs() < 1e-6 || *t > t_years)
        .unwrap()
}

#[test]
fn adopt_monotherapy_failure_by_arm() {
    // Kahn et al. 2006 (NEJM 355:2427), abstract / Figure 1: cumulative incidence of
    // monotherapy failure (confirmed FPG > 180 mg/dL) at 5 years: rosiglitazone 15 %,
    // metformin 21 %, glyburide 34 %. Not independent in one respect: the β-cell decline
    // multipliers of sulfonylurea (×1.8) and TZD (×0.6) come from ADOPT's own OGTT
    // sub-study (Kahn 2011); failure fractions were not used. Pioglitazone stands in for
    // rosiglitazone.
    //
    // KNOWN MISS (reported in the crate docs, not tuned away): absolute failure is
    // under-predicted about two-fold (model 7.7 / 7.9 / 16.2 % vs 15 / 21 / 34 %), and TZD is
    // not better than metformin. The virtual population's spread of β-cell decline (an
    // assumption, SD of ln rate 0.6) is evidently narrower than ADOPT's. What the test
    // guards: sulfonylurea fails most, with a glyburide/metformin ratio in 1.3–3
    // (reported 1.62), and each arm within 0.3–1.2 × the reported fraction, so that a
    // change making the miss worse is caught.
    let r = run("adopt.json");
    let reported = [0.15, 0.21, 0.34];
    let f: Vec<f64> = (0..3)
        .map(|a| r.arms[a].endpoints[0].at_report_years[4].fraction)
        .collect();
    for (a, rep) in reported.iter().enumerate() {
        let x = &r.arms[a].endpoints[0].at_report_years[4];
        println!(
            "ADOPT {:60} 5-y failure {:.3} [{:.3}, {:.3}] (reported {rep})",
            r.arms[a].name, x.fraction, x.lo, x.hi
        );
        assert!(
            f[a] >= 0.3 * rep && f[a] <= 1.2 * rep,
            "arm {a}: {} vs {rep}",
            f[a]
        );
    }
    assert!(f[2] > f[1] && f[2] > f[0], "{f:?}");
    let ratio = f[2] / f[1];
    assert!((1.3..=3.0).contains(&ratio), "glyburide/metformin {ratio}");
}

#[test]
fn credence_egfr_30_45_slopes() {
    // Jardine et al. 2020 (JASN 31:1128), screening eGFR 30–45 subgroup: canagliflozin
    // acute drop 2.03 mL/min/1.73 m²; chronic slope thereafter −1.72 vs −4.33 /yr
    // (placebo). Tolerance: ±1.0 /yr per arm, ±1.0 for the dip.
    let r = run("credence_egfr30_45.json");
    let (p, c) = (&r.arms[0], &r.arms[1]);
    let dip = (p.mean_egfr[1] - p.mean_egfr[0]) - (c.mean_egfr[1] - c.mean_egfr[0]);
    println!(
        "CREDENCE eGFR30-45: chronic slope placebo {:.2} (rep −4.33), canagliflozin {:.2} (rep −1.72), dip {dip:.2} (rep 2.03)",
        p.egfr_chronic_slope_per_year, c.egfr_chronic_slope_per_year
    );
    assert!((p.egfr_chronic_slope_per_year + 4.33).abs() <= 1.0);
    assert!((c.egfr_chronic_slope_per_year + 1.72).abs() <= 1.0);
    assert!((dip - 2.03).abs() <= 1.0);
}

#[test]
fn dapa_ckd_t2d_total_slope_and_dip() {
    // Heerspink et al. 2021 (Lancet Diabetes Endocrinol 9:743): acute eGFR decline
    // baseline→week 2 with dapagliflozin vs placebo 2.61 (2.16–3.06) in participants with
    // type 2 diabetes; total slope baseline→end slowed by 0.95 (0.63–1.27) /yr in the
    // whole trial (median follow-up 2.3 years). Tolerance: ±1.0 for the dip, ±0.6 /yr
    // for the total-slope difference.
    let r = run("dapa_ckd_t2d.json");
    let (p, d) = (&r.arms[0], &r.arms[1]);
    let w2 = at(&r, 0, 14.0 / 365.25);
    let dip = (p.mean_egfr[w2] - p.mean_egfr[0]) - (d.mean_egfr[w2] - d.mean_egfr[0]);
    let diff = d.egfr_total_slope_per_year - p.egfr_total_slope_per_year;
    println!(
        "DAPA-CKD T2D: dip {dip:.2} (rep 2.61), total slope placebo {:.2} dapagliflozin {:.2}, difference {diff:.2} (rep 0.95)",
        p.egfr_total_slope_per_year, d.egfr_total_slope_per_year
    );
    assert!((dip - 2.61).abs() <= 1.0);
    assert!((diff - 0.95).abs() <= 0.6);
}
