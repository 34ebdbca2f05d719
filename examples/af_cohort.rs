//! Virtual cohort study: does the AF twin predict recurrence after standard
//! PVI better than a clinical-score-like baseline?
//!
//! Usage: `cargo run --release --example af_cohort -- --patients N --seed S [--train M] [OUT_DIR]`
//!
//! * Cohort (`cardiac::cohort`): seeded virtual patients with age, AF type,
//!   LA diameter, fibrosis burden (Utah stages I–IV) and pattern, electrical
//!   remodelling and conduction velocity, each on its own random stream. 2D
//!   unfolded-LA sheets (Mitchell–Schaeffer cells) for every patient.
//! * Ground truth "recurrence" = AF still inducible from at least one site
//!   after PVI under a richer model and protocol than the twin's (the table
//!   is printed below and documented in `cardiac::cohort`): true fibrosis
//!   map and non-conducting voxels, fibrotic-zone I_Na reduction, the
//!   patient's own remodelling and CV, finer grid, denser pacing, more beats,
//!   longer sustain.
//! * Twin: built only from what the baseline also sees (LA diameter, LGE
//!   map, AF type, age): LGE map with misses and false positives, cohort-mean
//!   remodelling for the AF type and cohort-mean CV for age and LGE burden.
//!   Score = inducible fraction after PVI; it predicts recurrence when any
//!   twin site is inducible (the truth's own rule).
//! * Baseline: logistic regression (twin-validate, IRLS) on LA diameter, LGE
//!   fibrosis %, AF type and age, fitted on a separate training cohort
//!   (different seed) with its own truth labels; predicts recurrence at p ≥ 0.5.
//! * Both are scored on the same held-out test patients: accuracy and ROC
//!   AUC with 95 % class-stratified bootstrap CIs, paired bootstrap
//!   differences (twin − baseline), DeLong test of the AUCs and McNemar test
//!   of the accuracies.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use patient_twin::cardiac::cohort::{
    ClinicalRecord, CohortSpec, TruthSettings, TwinSettings, evaluate, virtual_cohort,
};
use patient_twin::validate::baseline::logistic::{LogisticOptions, LogisticRegression};
use patient_twin::validate::binary::{accuracy, auc, mcnemar};
use patient_twin::validate::bootstrap::{BootstrapConfig, bootstrap, strata_from_labels};
use patient_twin::validate::compare::paired_bootstrap;
use patient_twin::validate::delong::delong_test;

/// The twin predicts recurrence when any of its sites is inducible.
const TWIN_THRESHOLD: f64 = 1e-9;
/// The baseline predicts recurrence at p ≥ 0.5.
const BASELINE_THRESHOLD: f64 = 0.5;

fn rate(labels: &[bool]) -> f64 {
    labels.iter().filter(|&&b| b).count() as f64 / labels.len().max(1) as f64
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut n, mut n_train, mut seed) = (60usize, None, 1u64);
    let mut out = PathBuf::from("out/af_cohort");
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| args.get(i + 1).ok_or(format!("{} needs a value", args[i]));
        match args[i].as_str() {
            "--patients" => n = value(i)?.parse()?,
            "--train" => n_train = Some(value(i)?.parse()?),
            "--seed" => seed = value(i)?.parse()?,
            other => {
                out = PathBuf::from(other);
                i -= 1;
            }
        }
        i += 2;
    }
    let n_train = n_train.unwrap_or(n);
    std::fs::create_dir_all(&out)?;
    let (spec, truth, twin) = (
        CohortSpec::default(),
        TruthSettings::default(),
        TwinSettings::default(),
    );
    println!("truth vs twin (what differs):");
    println!(
        "  fibrosis map      true map            | LGE: {:.0} % of fibrotic voxels missed, {:.0} % of healthy voxels enhanced",
        100.0 * twin.lge.miss_rate,
        100.0 * twin.lge.false_positive_rate
    );
    println!("  fibrotic cells    I_Na −40 % (τ_in/0.6) | unchanged");
    println!(
        "  remodelling, CV   patient's own       | cohort mean for AF type; for age and LGE burden"
    );
    println!(
        "  grid              dx {} mm            | dx {} mm",
        truth.dx_mm, twin.dx_mm
    );
    println!(
        "  pacing            sites every {} mm, {} beats, sustain {} ms | every {} mm, {} beats, {} ms",
        truth.protocol.site_spacing_mm,
        truth.protocol.n_beats,
        truth.protocol.sustain_ms,
        twin.protocol.site_spacing_mm,
        twin.protocol.n_beats,
        twin.protocol.sustain_ms
    );

    // Training cohort: truth labels and clinical records only.
    let started = Instant::now();
    let train_seed = seed ^ 0x7261_696e_5eed;
    let train = virtual_cohort(&spec, n_train, train_seed)?;
    let train_rows = evaluate(&spec, &train, &truth, &twin, false)?;
    let x: Vec<Vec<f64>> = train_rows.iter().map(|r| r.record.features()).collect();
    let y: Vec<bool> = train_rows.iter().map(|r| r.truth.recurrence).collect();
    let opts = LogisticOptions {
        names: Some(
            ClinicalRecord::FEATURE_NAMES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        ..LogisticOptions::default()
    };
    let model = LogisticRegression::fit(&x, &y, &opts)?;
    let t_train = started.elapsed().as_secs_f64();
    println!(
        "training cohort: {n_train} patients, recurrence rate {:.2}, {t_train:.0} s",
        rate(&y)
    );
    for c in &model.coefficients {
        println!("  {:<17} {:+.3} (SE {:.3})", c.name, c.estimate, c.se);
    }

    // Test cohort: truth and twin for every patient.
    let started = Instant::now();
    let test = virtual_cohort(&spec, n, seed)?;
    let rows = evaluate(&spec, &test, &truth, &twin, true)?;
    let t_test = started.elapsed().as_secs_f64();
    let labels: Vec<bool> = rows.iter().map(|r| r.truth.recurrence).collect();
    let twin_score: Vec<f64> = rows
        .iter()
        .map(|r| r.twin_inducible_fraction.unwrap_or(f64::NAN))
        .collect();
    let base: Vec<f64> = rows
        .iter()
        .map(|r| model.predict(&r.record.features()))
        .collect::<Result<_, _>>()?;
    println!(
        "test cohort: {n} patients, recurrence rate {:.2}, {t_test:.0} s ({:.1} s per patient on the pool)",
        rate(&labels),
        t_test / n.max(1) as f64
    );

    let cfg = BootstrapConfig {
        replicates: 2000,
        seed,
        ..BootstrapConfig::default()
    };
    let strata = strata_from_labels(&labels);
    let pick = |v: &[f64], idx: &[usize]| -> (Vec<bool>, Vec<f64>) {
        (
            idx.iter().map(|&i| labels[i]).collect(),
            idx.iter().map(|&i| v[i]).collect(),
        )
    };
    let acc_on = |v: &[f64], thr: f64, idx: &[usize]| {
        let (l, p) = pick(v, idx);
        accuracy(&l, &p, thr)
    };
    let auc_on = |v: &[f64], idx: &[usize]| {
        let (l, p) = pick(v, idx);
        auc(&l, &p)
    };
    let ci = |f: &(dyn Fn(&[usize]) -> patient_twin::validate::error::Result<f64> + Sync)| {
        bootstrap(n, Some(&strata), &cfg, f)
    };
    let ta = ci(&|idx| acc_on(&twin_score, TWIN_THRESHOLD, idx))?;
    let ba = ci(&|idx| acc_on(&base, BASELINE_THRESHOLD, idx))?;
    let tu = ci(&|idx| auc_on(&twin_score, idx))?;
    let bu = ci(&|idx| auc_on(&base, idx))?;
    let d_acc = paired_bootstrap("accuracy", n, Some(&strata), &cfg, |idx| {
        Ok((
            acc_on(&twin_score, TWIN_THRESHOLD, idx)?,
            acc_on(&base, BASELINE_THRESHOLD, idx)?,
        ))
    })?;
    let d_auc = paired_bootstrap("auc", n, Some(&strata), &cfg, |idx| {
        Ok((auc_on(&twin_score, idx)?, auc_on(&base, idx)?))
    })?;
    let delong = delong_test(&labels, &twin_score, &base)?;
    let correct = |v: &[f64], thr: f64| -> Vec<bool> {
        v.iter()
            .zip(&labels)
            .map(|(&p, &y)| (p >= thr) == y)
            .collect()
    };
    let mc = mcnemar(
        &correct(&twin_score, TWIN_THRESHOLD),
        &correct(&base, BASELINE_THRESHOLD),
    )
    .ok();

    let show = |name: &str,
                a: &patient_twin::validate::bootstrap::BootstrapCi,
                u: &patient_twin::validate::bootstrap::BootstrapCi| {
        println!(
            "{name:<9} accuracy {:.3} [{:.3}, {:.3}]  AUC {:.3} [{:.3}, {:.3}]",
            a.estimate, a.percentile.0, a.percentile.1, u.estimate, u.percentile.0, u.percentile.1
        )
    };
    show("twin", &ta, &tu);
    show("baseline", &ba, &bu);
    println!(
        "twin − baseline: accuracy {:+.3} [{:.3}, {:.3}] (bootstrap p {:.3}{}); AUC {:+.3} [{:.3}, {:.3}] (bootstrap p {:.3}, DeLong p {:.3})",
        d_acc.difference,
        d_acc.ci_low,
        d_acc.ci_high,
        d_acc.p_value,
        mc.map(|m| format!(", McNemar exact p {:.3}", m.exact_p_value))
            .unwrap_or_default(),
        d_auc.difference,
        d_auc.ci_low,
        d_auc.ci_high,
        d_auc.p_value,
        delong.p_value
    );

    let patients: Vec<serde_json::Value> = rows
        .iter()
        .zip(&base)
        .map(|(r, b)| serde_json::json!({"evaluation": r, "baseline_probability": b}))
        .collect();
    std::fs::write(
        out.join("af_cohort_patients.json"),
        serde_json::to_string_pretty(&patients)?,
    )?;
    let summary = serde_json::json!({
        "n": n, "n_train": n_train, "seed": seed,
        "recurrence_rate": rate(&labels), "train_recurrence_rate": rate(&y),
        "twin_accuracy": ta.estimate, "twin_accuracy_ci95": [ta.percentile.0, ta.percentile.1],
        "baseline_accuracy": ba.estimate, "baseline_accuracy_ci95": [ba.percentile.0, ba.percentile.1],
        "twin_auc": tu.estimate, "twin_auc_ci95": [tu.percentile.0, tu.percentile.1],
        "baseline_auc": bu.estimate, "baseline_auc_ci95": [bu.percentile.0, bu.percentile.1],
        "accuracy_difference": d_acc.difference, "accuracy_difference_ci95": [d_acc.ci_low, d_acc.ci_high],
        "auc_difference": d_auc.difference, "auc_difference_ci95": [d_auc.ci_low, d_auc.ci_high],
        "delong_p": delong.p_value, "mcnemar_exact_p": mc.map(|m| m.exact_p_value),
        "wall_s": t_train + t_test,
    });
    std::fs::write(out.join("af_cohort_summary.json"), summary.to_string())?;
    println!("{summary}");
    Ok(())
}
