//! Tour section: the type 2 diabetes twin.
//!
//! 1. eGFR (CKD-EPI 2021) on the 6,524 real creatinine values of `data/kidney/flchain.csv`
//!    and their KDIGO G stages.
//! 2. The twin of the synthetic T2D patient (FHIR bundle): calibration with intervals,
//!    5-year forecasts of the candidate plans, ranking and explanation, SVG.
//! 3. A reduced in-silico ADOPT (500 per arm) against the published 5-year failure rates.

use patient_twin::io::{ImportOptions, Pseudonymiser, fhir::read_bundle};
use patient_twin::metabolic::kidney::{GStage, Sex, egfr_ckd_epi_2021_cr_batch};
use patient_twin::metabolic::plan::candidate_plans;
use patient_twin::metabolic::trial::{TrialSpec, run_trial};
use patient_twin::metabolic::twin::explain;
use patient_twin::metabolic::{History, Twin, TwinOptions, report};
use serde_json::json;
use std::error::Error;
use std::path::Path;

pub fn run(out_dir: &Path) -> Result<serde_json::Value, Box<dyn Error>> {
    // 1. flchain eGFR (columns: age, sex, ..., creatinine is the 7th; no commas inside fields)
    let text = std::fs::read_to_string("data/kidney/flchain.csv")?;
    let (mut cr, mut age, mut sex) = (vec![], vec![], vec![]);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        age.push(f[0].parse::<f64>()?);
        sex.push(if f[1] == "F" { Sex::Female } else { Sex::Male });
        cr.push(if f[6].is_empty() {
            None
        } else {
            Some(f[6].parse::<f64>()?)
        });
    }
    let egfr = egfr_ckd_epi_2021_cr_batch(&cr, &age, &sex)?;
    let mut stages = [0usize; 6];
    for g in egfr.iter().flatten() {
        stages[GStage::ALL
            .iter()
            .position(|s| *s == GStage::from_egfr(*g))
            .unwrap_or(0)] += 1;
    }
    println!(
        "flchain: {} people, {} with creatinine; KDIGO G1..G5 = {stages:?}",
        age.len(),
        egfr.iter().flatten().count()
    );

    // 2. the twin of the synthetic patient
    let key = Pseudonymiser::new(b"tour-metabolic-key-0123456789")?;
    let import = read_bundle(
        &std::fs::read_to_string("data/synthetic/t2d_patient.json")?,
        &key,
        ImportOptions::default(),
    )?;
    let history = History::from_record(&import.records[0])?;
    let twin = Twin::calibrate(
        history,
        TwinOptions {
            n_posterior: 400,
            ..TwinOptions::default()
        },
    )?;
    for p in &twin.parameters {
        println!(
            "  {:30} {:8.3} [{:8.3}, {:8.3}] {}",
            p.name, p.estimate, p.lo, p.hi, p.unit
        );
    }
    for w in &twin.warnings {
        println!("  warning: {w}");
    }
    let egfr_now = twin.history.egfr.last().map_or(twin.baseline.egfr, |x| x.1);
    let forecasts = twin.forecast(&candidate_plans(&twin.current_drugs, egfr_now), 5.0)?;
    let mut order: Vec<_> = forecasts.iter().collect();
    order.sort_by_key(|p| p.rank);
    for p in &order {
        println!(
            "  {} {:46} HbA1c 5y {:4.1} [{:4.1}-{:4.1}] eGFR {:5.1} weight {:5.1} kg",
            p.rank,
            p.plan.name,
            p.hba1c_5y.median,
            p.hba1c_5y.p05,
            p.hba1c_5y.p95,
            p.egfr_5y.median,
            p.weight_5y_kg.median
        );
    }
    let explanation = explain(&forecasts, Some("current regimen"));
    println!("  {explanation}");
    let shown: Vec<_> = order
        .iter()
        .filter(|p| p.rank <= 3 || p.plan.name == "current regimen")
        .copied()
        .collect();
    std::fs::write(
        out_dir.join("diabetes_trajectories.svg"),
        report::forecast_svg(&shown)?,
    )?;

    // 3. a reduced in-silico ADOPT
    let mut spec: TrialSpec =
        serde_json::from_str(&std::fs::read_to_string("data/trials/adopt.json")?)?;
    spec.n_per_arm = 500;
    let trial = run_trial(&spec)?;
    let reported = [0.15, 0.21, 0.34];
    let mut adopt = vec![];
    for (arm, rep) in trial.arms.iter().zip(reported) {
        let f = &arm.endpoints[0].at_report_years[4];
        println!(
            "  ADOPT {:60} 5-y failure {:4.1} % [{:4.1}-{:4.1}] (reported {:.0} %)",
            arm.name,
            100.0 * f.fraction,
            100.0 * f.lo,
            100.0 * f.hi,
            100.0 * rep
        );
        adopt.push(json!({"arm": arm.name, "failure_5y": f.fraction, "reported": rep}));
    }
    std::fs::write(out_dir.join("adopt_trial.svg"), report::trial_svg(&trial)?)?;

    let top = order[0];
    Ok(json!({
        "flchain_kdigo_g1_to_g5": stages,
        "twin_warnings": twin.warnings.len(),
        "top_plan": top.plan.name,
        "top_hba1c_5y": top.hba1c_5y.median,
        "plans_ranked": order.len(),
        "adopt_failure_5y": adopt,
    }))
}
