//! Virtual cohort study: does a hybrid of the AF twin's simulations and the
//! clinical record predict recurrence after standard PVI better than a
//! clinical score fitted on the same patients and covariates?
//!
//! Usage: `cargo run --release --example af_cohort -- [--patients N] [--train M] [--seed S] [--train-seed T] [--reuse] [--retwin] [--courtemanche-truth] [OUT_DIR]`
//!
//! `--courtemanche-truth` simulates the truth with Courtemanche cells on a
//! 0.5 mm grid (`TruthSettings::courtemanche`; the twin keeps
//! Mitchell–Schaeffer): seconds to tens of minutes per patient on a 2-core machine
//! (a non-inducible patient paces every site with four beats), against ~10 s with
//! the MS truth, so every
//! simulated patient is appended to `OUT_DIR/rows_….partial.jsonl` as it finishes
//! and an interrupted run resumes from there (same rows as an uninterrupted run).
//! The repository keeps the rows of that study in `results/af_cohort_crn` (its
//! README gives the command), so a fresh clone resumes where the last run stopped.
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
//! * Models (`cardiac::cohort::study`), all fitted on the training cohort
//!   only (separate seed), each a ridge logistic on standardised covariates
//!   with the penalty chosen by 5-fold CV on the training patients:
//!   baseline = the four clinical covariates; flexible baseline = the same
//!   with restricted cubic splines (4 knots) on LA diameter, LGE % and age;
//!   map baseline = the clinical covariates plus three image features of the
//!   LGE map (posterior-wall LGE, compactness, cluster size; computed for
//!   cached rows too, no simulation needed); hybrid + map = the map
//!   baseline's covariates plus the twin's features;
//!   hybrid = the four clinical covariates plus the twin's features; oracle
//!   = the hidden true parameters (burden, remodelling, CV, LA size, AF
//!   type, age, pattern). Also reported: the majority class and the twin's
//!   inducible fraction alone.
//! * Scored on the held-out test patients for both labels: AUC with 95 %
//!   class-stratified bootstrap CIs, paired bootstrap AUC differences
//!   (hybrid − each baseline, hybrid + map − map baseline) and DeLong tests;
//!   accuracy at p ≥ 0.5.
//! * Held-out seeds are fixed in `data/validation/test_seeds.json`
//!   (`af_cohort_study`); development used seed 1.
//! * `--reuse` reads the simulated rows from OUT_DIR when present (the
//!   simulations are the slow part; a run re-scores them in a second). Rows whose
//!   twin ran with other priors are an error unless `--retwin` is given, which
//!   reruns only their twin (the truth is kept) and saves them.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example af_cohort -- [--patients N] [--train M] [--seed S] [--train-seed T] [--reuse] [--retwin] [--courtemanche-truth] [OUT_DIR]";

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use patient_twin::cardiac::cohort::recurrence::{fit_to_decaaf, stage_table};
use patient_twin::cardiac::cohort::study::{Comparison, compare};
use patient_twin::cardiac::cohort::{
    CohortSpec, Evaluation, RecurrenceModel, TruthSettings, TwinSettings, add_lge_map_features,
    evaluate, virtual_cohort,
};

/// Simulated rows of a cohort, read from `path` when `reuse` and present.
/// Each patient is appended to `<path>.partial.jsonl` (one JSON row per line)
/// as soon as it is simulated, and a run resumes from that file: a study with the
/// Courtemanche truth costs minutes per patient and may be interrupted. Patients
/// draw from their own streams, so resumed rows equal those of an uninterrupted run.
fn rows(
    path: &Path,
    reuse: Reuse,
    n: usize,
    seed: u64,
    settings: (&CohortSpec, &TruthSettings, &TwinSettings),
) -> Result<Vec<Evaluation>, Box<dyn Error>> {
    let (spec, truth, twin) = settings;
    if reuse != Reuse::No && path.exists() {
        let mut rows: Vec<Evaluation> = serde_json::from_str(&std::fs::read_to_string(path)?)?;
        add_lge_map_features(&mut rows, twin)?;
        let stale = stale_rows(&rows, twin)?;
        let n_stale = stale.iter().filter(|&&s| s).count();
        if n_stale > 0 {
            if reuse != Reuse::Retwin {
                return Err(format!(
                    "{}: {n_stale} rows' twin ran with another CV prior; rerun with --retwin",
                    path.display()
                )
                .into());
            }
            let started = Instant::now();
            retwin(&mut rows, &stale, twin)?;
            std::fs::write(path, serde_json::to_string(&rows)?)?;
            println!(
                "reran the twin of {n_stale} rows of {} in {:.0} s (truth kept)",
                path.display(),
                started.elapsed().as_secs_f64()
            );
        }
        return Ok(rows);
    }
    let started = Instant::now();
    let partial = path.with_extension("partial.jsonl");
    // A line cut short by an interruption is simulated again.
    let mut done: Vec<Evaluation> = match std::fs::read_to_string(&partial) {
        Ok(text) => text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .filter(|r: &Evaluation| r.patient.id < n as u64)
            .collect(),
        Err(_) => Vec::new(),
    };
    done.sort_by_key(|r| r.patient.id);
    done.dedup_by_key(|r| r.patient.id);
    // Rows simulated before the twin's priors changed keep their truth.
    let stale = stale_rows(&done, twin)?;
    let retwinned = retwin(&mut done, &stale, twin)?;
    if retwinned > 0 {
        // Saved, so the next resume does not rerun them again.
        let lines = done
            .iter()
            .map(|r| serde_json::to_string(r).map(|line| line + "\n"))
            .collect::<Result<String, _>>()?;
        std::fs::write(&partial, lines)?;
        println!("reran the twin of {retwinned} resumed rows (truth kept)");
    }
    let todo: Vec<_> = virtual_cohort(spec, n, seed)?
        .into_iter()
        .filter(|p| done.binary_search_by_key(&p.id, |r| r.patient.id).is_err())
        .collect();
    if !done.is_empty() {
        println!(
            "resuming {}: {} of {n} patients done",
            partial.display(),
            done.len()
        );
    }
    let log = Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)?,
    );
    let simulated = todo
        .par_iter()
        .map(|vp| -> Result<Evaluation, String> {
            let patient_started = Instant::now();
            let row = evaluate(std::slice::from_ref(vp), truth, twin, true)
                .map_err(|e| e.to_string())?
                .pop()
                .ok_or("no row for a patient")?;
            let line = serde_json::to_string(&row).map_err(|e| e.to_string())?;
            let mut file = log.lock().map_err(|e| e.to_string())?;
            writeln!(file, "{line}").map_err(|e| e.to_string())?;
            println!(
                "  patient {}: inducible {} ({} of {} sites paced) in {:.0} s",
                vp.id,
                row.truth.recurrence,
                row.truth.sites_paced,
                row.truth.n_sites,
                patient_started.elapsed().as_secs_f64()
            );
            Ok(row)
        })
        .collect::<Result<Vec<_>, String>>()?;
    done.extend(simulated);
    done.sort_by_key(|r| r.patient.id);
    println!(
        "simulated {} patients (seed {seed}) in {:.0} s",
        todo.len(),
        started.elapsed().as_secs_f64()
    );
    std::fs::write(path, serde_json::to_string(&done)?)?;
    std::fs::remove_file(&partial)?;
    Ok(done)
}

/// Which rows' twin ran with other priors than `twin`'s.
fn stale_rows(rows: &[Evaluation], twin: &TwinSettings) -> Result<Vec<bool>, Box<dyn Error>> {
    Ok(rows
        .iter()
        .map(|r| r.twin_is_current(twin).map(|current| !current))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Rerun, in parallel, the twin of the rows marked `stale` with `twin`'s priors
/// (the truth is kept); returns how many were rerun.
fn retwin(
    rows: &mut [Evaluation],
    stale: &[bool],
    twin: &TwinSettings,
) -> Result<usize, Box<dyn Error>> {
    rows.par_iter_mut()
        .zip(stale)
        .filter(|(_, stale)| **stale)
        .try_for_each(|(r, _)| r.run_twin(twin))?;
    Ok(stale.iter().filter(|&&s| s).count())
}

/// Whether cached rows are read, and whether their twin is rerun when it ran
/// with other priors than the current ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reuse {
    No,
    Rows,
    Retwin,
}

/// Print one label's comparison.
fn print(c: &Comparison) {
    println!(
        "\n[{}] train rate {:.2}, test rate {:.2}; majority class ({}) accuracy {:.3}",
        c.label,
        c.train_rate,
        c.test_rate,
        if c.majority_class {
            "recurrence"
        } else {
            "no recurrence"
        },
        c.majority_class_accuracy
    );
    for (model, coefficients) in [
        ("hybrid", &c.hybrid_coefficients_per_sd),
        ("map", &c.map_coefficients_per_sd),
    ] {
        for coef in coefficients {
            println!(
                "  {model:<6} {:<27} {:+.3} (SE {:.3}) per SD",
                coef.name, coef.estimate, coef.se
            );
        }
    }
    for m in &c.models {
        let penalty = m
            .ridge_penalty
            .map_or(String::new(), |p| format!("  ridge {p}"));
        println!(
            "  {:<17} AUC {:.3} [{:.3}, {:.3}]  accuracy {:.3}{penalty}",
            m.name, m.auc, m.auc_ci95[0], m.auc_ci95[1], m.accuracy
        );
    }
    for d in &c.hybrid_minus {
        println!(
            "  {:<12} − {:<17} AUC {:+.3} [{:.3}, {:.3}] (bootstrap p {:.4}, DeLong p {:.4})",
            d.model, d.against, d.difference, d.ci95[0], d.ci95[1], d.bootstrap_p, d.delong_p
        );
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut n, mut n_train, mut seed, mut reuse) = (60usize, None, 1u64, Reuse::No);
    let (mut train_from, mut courtemanche_truth) = (None, false);
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
                if reuse == Reuse::No {
                    reuse = Reuse::Rows;
                }
                i -= 1;
            }
            "--retwin" => {
                reuse = Reuse::Retwin;
                i -= 1;
            }
            "--courtemanche-truth" => {
                courtemanche_truth = true;
                i -= 1;
            }
            other => {
                out = cli::path_argument(other, USAGE)?;
                i -= 1;
            }
        }
        i += 2;
    }
    let n_train = n_train.unwrap_or(n);
    std::fs::create_dir_all(&out)?;
    let (spec, twin) = (CohortSpec::default(), TwinSettings::default());
    let (truth, tag) = if courtemanche_truth {
        (TruthSettings::courtemanche(), "_crn")
    } else {
        (TruthSettings::default(), "")
    };
    println!("truth vs twin (what differs):");
    println!(
        "  fibrosis map      true map            | LGE: {:.0} % of fibrotic voxels missed, {:.0} % of healthy voxels enhanced",
        100.0 * twin.lge.miss_rate,
        100.0 * twin.lge.false_positive_rate
    );
    println!("  cell model        {:?} | MitchellSchaeffer", truth.cell);
    println!("  fibrotic cells    I_Na −40 % | unchanged");
    println!(
        "  fibre field       rule-based + {}° disarray (wavelength {} mm) | rule-based",
        truth.fibre_disarray_deg, truth.fibre_disarray_wavelength_mm
    );
    println!(
        "  remodelling, CV   patient's own (CV falls with age and burden) | published: remodelling {:?} (paroxysmal, persistent), CV {:.3} / {:.3} m/s ({:?} m/s at the sheet's scale)",
        twin.priors.remodelling,
        twin.priors.sheet_cv_m_per_s(false)?,
        twin.priors.sheet_cv_m_per_s(true)?,
        twin.priors.published_la_cv_m_per_s
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
        &out.join(format!("rows_train_seed{train_from}_n{n_train}{tag}.json")),
        reuse,
        n_train,
        train_from ^ 0x7261_696e_5eed,
        settings,
    )?;
    let test = rows(
        &out.join(format!("rows_test_seed{seed}_n{n}{tag}.json")),
        reuse,
        n,
        seed,
        settings,
    )?;

    // The truth's time steps (the Courtemanche truth halves its step for the
    // fastest-conducting patients; rows saved before steps were recorded have none).
    let mut steps = std::collections::BTreeMap::<String, usize>::new();
    for r in train.iter().chain(&test) {
        let key = r
            .truth
            .dt_ms
            .map_or("not recorded".into(), |dt| format!("{dt} ms"));
        *steps.entry(key).or_default() += 1;
    }
    println!("truth time steps (patients): {steps:?}");

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
    print(&substrate);
    let clinical = compare(
        "clinical recurrence at 325 d",
        &train,
        &test,
        |r| r.clinical_recurrence(&model),
        seed,
    )?;
    print(&clinical);
    let summary = serde_json::json!({
        "n_test": n, "n_train": n_train, "seed": seed, "train_seed": train_from, "truth_cell": truth.cell,
        "recurrence_model": model, "stages": stages,
        "substrate": substrate, "clinical": clinical,
    });
    std::fs::write(
        out.join(format!("af_cohort_summary_seed{seed}{tag}.json")),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{summary}");
    Ok(())
}
