//! Virtual cohort study: does a hybrid of the AF twin's simulations and the
//! clinical record predict recurrence after standard PVI better than a
//! clinical score fitted on the same patients and covariates?
//!
//! Usage: `cargo run --release --example af_cohort -- [--patients N] [--train M] [--seed S] [--train-seed T] [--reuse] [OUT_DIR]`
//!
//! The training cohort is drawn with `T ^ 0x7261696e5eed` (`T` defaults to
//! the test seed `S`), so two test cohorts can share one training cohort.
//!
//! * Cohort (`cardiac::cohort`): seeded virtual patients with age, AF type,
//!   LA diameter, fibrosis burden (Utah stages I–IV) and pattern, electrical
//!   remodelling and conduction velocity, each on its own random stream.
//! * Truth (differs from the twin as printed below and documented in
//!   `cardiac::cohort`): *substrate recurrence* = AF inducible from at
//!   least one site after PVI under a richer model; *clinical recurrence*
//!   at 325 days adds trigger recurrence and incomplete expression, with
//!   two probabilities fitted to DECAAF's four stage rates on the training
//!   cohort and checked per stage on the test cohort.
//! * Twin: built only from what the baseline also sees (LA diameter, LGE
//!   map, AF type, age); its inducibility test after PVI gives four
//!   features (inducible fraction, re-entry samples per site, LGE density
//!   near re-entry, posterior-wall share of re-entry).
//! * Models, all fitted on the training cohort only (separate seed), each
//!   a ridge logistic on standardised covariates with the penalty chosen by
//!   5-fold CV on the training patients: baseline = the four clinical
//!   covariates; flexible baseline = the same with restricted cubic splines
//!   (4 knots) on LA diameter, LGE % and age; hybrid = the four clinical
//!   covariates plus the twin's features; oracle = the hidden true
//!   parameters (burden, remodelling, CV, LA size, AF type, age, pattern).
//!   Also reported: the majority class and the twin's inducible fraction
//!   alone.
//! * Scored on the held-out test patients for both labels: AUC with 95 %
//!   class-stratified bootstrap CIs, paired bootstrap AUC differences
//!   (hybrid − each baseline) and DeLong tests; accuracy at p ≥ 0.5.
//! * Held-out seeds are fixed in `data/validation/test_seeds.json`
//!   (`af_cohort_study`); development used seed 1.
//! * `--reuse` reads the simulated rows from OUT_DIR when present (the
//!   simulations are the slow part; a run re-scores them in a second).

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use patient_twin::cardiac::cohort::recurrence::{fit_to_decaaf, stage_table};
use patient_twin::cardiac::cohort::{
    ClinicalRecord, CohortSpec, Evaluation, RecurrenceModel, TruthSettings, TwinFeatures,
    TwinSettings, evaluate, virtual_cohort,
};
use patient_twin::cardiac::fibrosis::FibrosisPattern;
use patient_twin::validate::baseline::{
    LogisticOptions, LogisticRegression, RestrictedCubicSpline, Standardiser, choose_l2_by_cv,
};
use patient_twin::validate::binary::{accuracy, auc};
use patient_twin::validate::bootstrap::{BootstrapConfig, bootstrap, strata_from_labels};
use patient_twin::validate::compare::paired_bootstrap;
use patient_twin::validate::delong::delong_test;

/// Ridge penalties tried by cross-validation.
const PENALTIES: [f64; 7] = [0.0, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0];

fn rate(labels: &[bool]) -> f64 {
    labels.iter().filter(|&&b| b).count() as f64 / labels.len().max(1) as f64
}

/// Simulated rows of a cohort, read from `path` when `reuse` and present.
fn rows(
    path: &Path,
    reuse: bool,
    n: usize,
    seed: u64,
    settings: (&CohortSpec, &TruthSettings, &TwinSettings),
) -> Result<Vec<Evaluation>, Box<dyn Error>> {
    if reuse && path.exists() {
        return Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?);
    }
    let (spec, truth, twin) = settings;
    let started = Instant::now();
    let cohort = virtual_cohort(spec, n, seed)?;
    let rows = evaluate(&cohort, truth, twin, true)?;
    println!(
        "simulated {n} patients (seed {seed}) in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(path, serde_json::to_string(&rows)?)?;
    Ok(rows)
}

fn clinical(r: &Evaluation) -> Vec<f64> {
    r.record.features()
}

fn hybrid(r: &Evaluation) -> Vec<f64> {
    let mut x = r.record.features();
    x.extend(r.twin_features.map_or([0.0; 4], |f| f.values()));
    x
}

/// The hidden truth's parameters (the oracle's covariates).
fn oracle(r: &Evaluation) -> Vec<f64> {
    let p = &r.patient;
    vec![
        p.patient.fibrosis_burden,
        p.patient.remodelling,
        p.cv_m_per_s,
        p.patient.la_diameter_mm,
        f64::from(u8::from(p.persistent_af)),
        p.age_years,
        f64::from(u8::from(
            p.patient.fibrosis_pattern == FibrosisPattern::Diffuse,
        )),
        f64::from(u8::from(
            p.patient.fibrosis_pattern == FibrosisPattern::Compact,
        )),
    ]
}

const ORACLE_NAMES: [&str; 8] = [
    "true_burden",
    "remodelling",
    "cv_m_per_s",
    "la_diameter_mm",
    "persistent_af",
    "age_years",
    "diffuse",
    "compact",
];

/// Clinical covariates with restricted cubic splines (4 knots at Harrell's
/// quantiles of the training cohort) on LA diameter, LGE % and age.
struct Flexible([RestrictedCubicSpline; 3]);

impl Flexible {
    fn fit(train: &[Evaluation]) -> Result<Self, Box<dyn Error>> {
        let col = |j: usize| -> Vec<f64> { train.iter().map(|r| r.record.features()[j]).collect() };
        Ok(Self([
            RestrictedCubicSpline::from_quantiles(&col(0), 4)?,
            RestrictedCubicSpline::from_quantiles(&col(1), 4)?,
            RestrictedCubicSpline::from_quantiles(&col(3), 4)?,
        ]))
    }

    fn features(&self, r: &Evaluation) -> Vec<f64> {
        let x = r.record.features();
        let mut out = vec![x[2]];
        for (s, j) in self.0.iter().zip([0, 1, 3]) {
            out.extend(s.basis(x[j]));
        }
        out
    }

    fn names(&self) -> Vec<String> {
        let mut out = vec!["persistent_af".to_string()];
        for (s, name) in self
            .0
            .iter()
            .zip(["la_diameter_mm", "lge_fibrosis_pct", "age_years"])
        {
            out.extend((0..s.knots.len() - 1).map(|k| format!("{name}_rcs{k}")));
        }
        out
    }
}

/// A standardised ridge logistic model with its CV-chosen penalty.
struct Model {
    scale: Standardiser,
    fit: LogisticRegression,
    penalty: f64,
}

impl Model {
    fn fit(
        x: &[Vec<f64>],
        y: &[bool],
        names: Vec<String>,
        seed: u64,
    ) -> Result<Self, Box<dyn Error>> {
        let scale = Standardiser::fit(x);
        let z: Vec<Vec<f64>> = x.iter().map(|r| scale.apply(r)).collect();
        let penalty = choose_l2_by_cv(&z, y, &PENALTIES, 5, seed)?;
        let opts = LogisticOptions {
            names: Some(names),
            l2_penalty: penalty,
            ..LogisticOptions::default()
        };
        let fit = LogisticRegression::fit(&z, y, &opts)?;
        Ok(Self {
            scale,
            fit,
            penalty,
        })
    }

    /// Fit on `train` with covariates `f` and predict every `test` patient.
    fn fit_predict(
        train: &[Evaluation],
        test: &[Evaluation],
        y: &[bool],
        f: impl Fn(&Evaluation) -> Vec<f64>,
        names: Vec<String>,
        seed: u64,
    ) -> Result<(Self, Vec<f64>), Box<dyn Error>> {
        let x: Vec<Vec<f64>> = train.iter().map(&f).collect();
        let m = Self::fit(&x, y, names, seed)?;
        let p = test
            .iter()
            .map(|r| Ok(m.fit.predict(&m.scale.apply(&f(r)))?))
            .collect::<Result<Vec<f64>, Box<dyn Error>>>()?;
        Ok((m, p))
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Every model on one label of the test cohort; paired AUC differences of
/// the hybrid against both baselines.
fn compare(
    label_name: &str,
    train: &[Evaluation],
    test: &[Evaluation],
    label: impl Fn(&Evaluation) -> bool,
    seed: u64,
) -> Result<serde_json::Value, Box<dyn Error>> {
    let y: Vec<bool> = train.iter().map(&label).collect();
    let labels: Vec<bool> = test.iter().map(&label).collect();
    let mut hyb_names = names(&ClinicalRecord::FEATURE_NAMES);
    hyb_names.extend(names(&TwinFeatures::NAMES));
    let flex = Flexible::fit(train)?;
    let (base, pb) = Model::fit_predict(
        train,
        test,
        &y,
        clinical,
        names(&ClinicalRecord::FEATURE_NAMES),
        seed,
    )?;
    let (flx, pf) = Model::fit_predict(train, test, &y, |r| flex.features(r), flex.names(), seed)?;
    let (hyb, ph) = Model::fit_predict(train, test, &y, hybrid, hyb_names, seed)?;
    let (orc, po) = Model::fit_predict(train, test, &y, oracle, names(&ORACLE_NAMES), seed)?;
    let pt: Vec<f64> = test
        .iter()
        .map(|r| r.twin_features.map_or(f64::NAN, |f| f.inducible_fraction))
        .collect();
    // The majority class of the training cohort, predicted for everyone.
    let majority = rate(&y) >= 0.5;
    let majority_accuracy =
        labels.iter().filter(|&&l| l == majority).count() as f64 / labels.len().max(1) as f64;

    let n = test.len();
    let cfg = BootstrapConfig {
        replicates: 2000,
        seed,
        ..BootstrapConfig::default()
    };
    let strata = strata_from_labels(&labels);
    let sub = |v: &[f64], idx: &[usize]| -> (Vec<bool>, Vec<f64>) {
        (
            idx.iter().map(|&i| labels[i]).collect(),
            idx.iter().map(|&i| v[i]).collect(),
        )
    };
    let auc_on = |v: &[f64], idx: &[usize]| {
        let (l, p) = sub(v, idx);
        auc(&l, &p)
    };
    println!(
        "\n[{label_name}] train rate {:.2}, test rate {:.2}; majority class ({}) accuracy {majority_accuracy:.3}; ridge penalties baseline {}, flexible {}, hybrid {}, oracle {}",
        rate(&y),
        rate(&labels),
        if majority {
            "recurrence"
        } else {
            "no recurrence"
        },
        base.penalty,
        flx.penalty,
        hyb.penalty,
        orc.penalty
    );
    for c in &hyb.fit.coefficients {
        println!(
            "  hybrid {:<25} {:+.3} (SE {:.3}) per SD",
            c.name, c.estimate, c.se
        );
    }
    let mut models = serde_json::Map::new();
    for (name, p) in [
        ("baseline", &pb),
        ("flexible baseline", &pf),
        ("hybrid", &ph),
        ("twin alone", &pt),
        ("oracle", &po),
    ] {
        let u = bootstrap(n, Some(&strata), &cfg, |idx| auc_on(p, idx))?;
        let acc = accuracy(&labels, p, if name == "twin alone" { 1e-9 } else { 0.5 })?;
        println!(
            "  {name:<17} AUC {:.3} [{:.3}, {:.3}]  accuracy {acc:.3}",
            u.estimate, u.percentile.0, u.percentile.1
        );
        models.insert(
            name.into(),
            serde_json::json!({"auc": u.estimate, "auc_ci95": [u.percentile.0, u.percentile.1], "accuracy": acc}),
        );
    }
    let mut diffs = serde_json::Map::new();
    for (name, other) in [("baseline", &pb), ("flexible baseline", &pf)] {
        let d = paired_bootstrap("auc", n, Some(&strata), &cfg, |idx| {
            Ok((auc_on(&ph, idx)?, auc_on(other, idx)?))
        })?;
        let delong = delong_test(&labels, &ph, other)?;
        println!(
            "  hybrid − {name:<17} AUC {:+.3} [{:.3}, {:.3}] (bootstrap p {:.4}, DeLong p {:.4})",
            d.difference, d.ci_low, d.ci_high, d.p_value, delong.p_value
        );
        diffs.insert(
            name.into(),
            serde_json::json!({"auc_difference": d.difference, "ci95": [d.ci_low, d.ci_high], "bootstrap_p": d.p_value, "delong_p": delong.p_value}),
        );
    }
    Ok(serde_json::json!({
        "label": label_name, "train_rate": rate(&y), "test_rate": rate(&labels),
        "majority_class_accuracy": majority_accuracy,
        "models": models, "hybrid_minus": diffs,
        "hybrid_coefficients_per_sd": hyb.fit.coefficients,
    }))
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut n, mut n_train, mut seed, mut reuse) = (60usize, None, 1u64, false);
    let mut train_from = None;
    let mut out = PathBuf::from("out/af_cohort");
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| args.get(i + 1).ok_or(format!("{} needs a value", args[i]));
        match args[i].as_str() {
            "--patients" => n = value(i)?.parse()?,
            "--train" => n_train = Some(value(i)?.parse()?),
            "--seed" => seed = value(i)?.parse()?,
            "--train-seed" => train_from = Some(value(i)?.parse::<u64>()?),
            "--reuse" => {
                reuse = true;
                i -= 1;
            }
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
        "  fibre field       rule-based + {}° disarray (wavelength {} mm) | rule-based",
        truth.fibre_disarray_deg, truth.fibre_disarray_wavelength_mm
    );
    println!(
        "  remodelling, CV   patient's own (CV falls with age and burden) | fixed: remodelling {:?} (paroxysmal, persistent), CV {} m/s",
        twin.priors.remodelling, twin.priors.cv_m_per_s
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
    let settings = (&spec, &truth, &twin);
    let train_from = train_from.unwrap_or(seed);
    let train = rows(
        &out.join(format!("rows_train_seed{train_from}_n{n_train}.json")),
        reuse,
        n_train,
        train_from ^ 0x7261_696e_5eed,
        settings,
    )?;
    let test = rows(
        &out.join(format!("rows_test_seed{seed}_n{n}.json")),
        reuse,
        n,
        seed,
        settings,
    )?;

    // DECAAF calibration: fitted on the training cohort, checked on the test cohort.
    let staged = |rows: &[Evaluation]| -> Result<Vec<(usize, bool)>, Box<dyn Error>> {
        rows.iter()
            .map(|r| Ok((r.utah_stage()?, r.truth.recurrence)))
            .collect()
    };
    let model = fit_to_decaaf(&staged(&train)?)?;
    println!(
        "\nDECAAF calibration (training cohort): trigger recurrence {:.3}, substrate expression {:.3} (crate constant {:?})",
        model.trigger_probability,
        model.substrate_expression,
        RecurrenceModel::FITTED
    );
    let mut stages = Vec::new();
    for (name, rows) in [("train", &train), ("test", &test)] {
        for s in stage_table(&model, &staged(rows)?)? {
            println!(
                "  {name:<5} Utah {}: n {:>3}, inducible {:.2}, recurrence {:.3} vs DECAAF {:.3} ({:+.3})",
                ["I", "II", "III", "IV"][s.stage],
                s.n,
                s.inducible_fraction,
                s.expected_recurrence,
                s.decaaf,
                s.expected_recurrence - s.decaaf
            );
            stages.push(serde_json::json!({"cohort": name, "stage": s}));
        }
    }

    let substrate = compare(
        "substrate recurrence",
        &train,
        &test,
        |r| r.truth.recurrence,
        seed,
    )?;
    let clinical = compare(
        "clinical recurrence at 325 d",
        &train,
        &test,
        |r| r.clinical_recurrence(&model),
        seed,
    )?;
    let summary = serde_json::json!({
        "n_test": n, "n_train": n_train, "seed": seed, "train_seed": train_from,
        "recurrence_model": model, "stages": stages,
        "substrate": substrate, "clinical": clinical,
    });
    std::fs::write(
        out.join(format!("af_cohort_summary_seed{seed}.json")),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{summary}");
    Ok(())
}
