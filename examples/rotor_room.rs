//! How much room a rotor needs, by cell model: a single spiral wave (S1–S2
//! cross-field) on homogeneous, isotropic sheets of two sizes — the virtual AF
//! cohort's LA sheet (2 × 1.6 LA diameters, 80 × 64 mm at 40 mm) and a
//! 120 × 120 mm sheet — with the cohort truth's atrial-body cells of a given
//! remodelling: Mitchell–Schaeffer (the twin's model) and the tabulated
//! Courtemanche–Ramirez–Nattel 1998 cell (`AfPatient::cells`,
//! `AfPatient::courtemanche_cells`), both at the same plane-wave CV on a 0.5 mm
//! grid (`--dx` to refine). Per run: the single-cell effective refractory period (S1 1000 ms),
//! whether activity survives 2 s after the S2, and how far the phase
//! singularity wanders (bounding box of its positions every 5 ms from 200 to
//! 1200 ms after the S2, over frames with exactly one) and how often the wave
//! has broken into several. Written to answer why the cohort's Courtemanche
//! truth is rarely inducible (`results/af_cohort_crn/README.md`).
//!
//! Usage: `cargo run --release --example rotor_room -- [--remodelling R]
//! [--cv M_PER_S] [--dx MM] [--sheets both|cohort|large] [--cells both|ms|crn]
//! [OUT_DIR]` (defaults: remodelling 0.55, the persistent-AF mean of the cohort
//! generator; 0.48 m/s, its mean CV; 0.5 mm, the Courtemanche truth's grid;
//! both sheets, both cells; `out/rotor_room`). Steps 0.1 ms (Mitchell–Schaeffer)
//! and 0.2 ms (Courtemanche) at 0.5 mm, scaled with dx². Writes
//! `rotor_room.json` (also the last stdout line); about a minute at 0.5 mm.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example rotor_room -- [--remodelling R] [--cv M_PER_S] [--dx MM] [--sheets both|cohort|large] [--cells both|ms|crn] [OUT_DIR]";

use std::collections::VecDeque;
use std::error::Error;

use patient_twin::cardiac::analysis::{classify_af, phase_from_delay, phase_singularities};
use patient_twin::cardiac::cell::{CellModel, effective_refractory_period};
use patient_twin::cardiac::patient::{AfPatient, tuned_conduction_scale_of};
use patient_twin::cardiac::tissue::{Monodomain, Substrate, cross_field_s1s2};
use serde::Serialize;

/// One spiral-wave run.
#[derive(Serialize)]
struct RotorRun {
    cell: &'static str,
    sheet_mm: [f64; 2],
    erp_ms: f64,
    sustained_2_s: bool,
    /// Bounding box (mm) of the single phase singularity's positions.
    tip_box_mm: Option<[f64; 2]>,
    /// Frames with no / one / several phase singularities.
    frames_with_0_1_many: [usize; 3],
}

/// Spiral wave on an `nx × ny` sheet of `cell` at plane-wave CV `cv_m_per_s`
/// and step `dt_ms`.
fn spiral<M: CellModel + Clone>(
    name: &'static str,
    cell: &M,
    dx_mm: f64,
    dt_ms: f64,
    cv_m_per_s: f64,
    [nx, ny]: [usize; 2],
) -> Result<RotorRun, Box<dyn Error>> {
    let d = 0.1 * tuned_conduction_scale_of(cell, cv_m_per_s, dx_mm, dt_ms)?;
    let mut md = Monodomain::new(
        Substrate::sheet(nx, ny, dx_mm, d, d, 0.0)?,
        vec![cell.clone()],
        dt_ms,
    )?;
    let ly = (ny - 1) as f64 * dx_mm;
    cross_field_s1s2(&mut md, 0.0, 0.5 * ly, cell.default_stimulus())?;
    md.run(200.0);
    // Time-delay phase with τ = 10 ms (two frames back) about the threshold.
    let v_star = md.activation_threshold();
    // The two previous frames only (5 and 10 ms back).
    let mut frames: VecDeque<Vec<f64>> = VecDeque::with_capacity(3);
    let mut counts = [0usize; 3];
    let mut tips: Vec<[f64; 2]> = Vec::new();
    let mut failure = None;
    md.run_observed(1000.0, 5.0, |m| {
        let v = m.v();
        if frames.len() == 2 {
            match phase_from_delay(&v, &frames[0], v_star)
                .and_then(|phase| phase_singularities(m, &phase))
            {
                Ok(ps) => {
                    counts[ps.len().min(2)] += 1;
                    if let [one] = ps.as_slice() {
                        tips.push([one.x_mm, one.y_mm]);
                    }
                }
                Err(e) => failure = Some(e),
            }
        }
        frames.push_back(v);
        if frames.len() > 2 {
            frames.pop_front();
        }
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    let sustained = classify_af(&mut md, 800.0, 10.0)?.sustained;
    let extent = |k: usize| {
        let (lo, hi) = tips
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), t| {
                (lo.min(t[k]), hi.max(t[k]))
            });
        hi - lo
    };
    Ok(RotorRun {
        cell: name,
        sheet_mm: [(nx - 1) as f64 * dx_mm, ly],
        erp_ms: effective_refractory_period(cell, 1000.0, 6, 0.02, 1.0)?,
        sustained_2_s: sustained,
        tip_box_mm: (!tips.is_empty()).then(|| [extent(0), extent(1)]),
        frames_with_0_1_many: counts,
    })
}

/// The options that take a value.
const FLAGS: &[&str] = &["--remodelling", "--cv", "--dx", "--sheets", "--cells"];

/// The value of option `flag`, one of `allowed` (the first when absent).
fn choice<'a>(args: &'a [String], flag: &str, allowed: &[&'a str]) -> Result<&'a str, String> {
    let Some(i) = args.iter().position(|a| a == flag) else {
        return Ok(allowed[0]);
    };
    match args.get(i + 1) {
        Some(v) if allowed.contains(&v.as_str()) => Ok(v),
        other => Err(format!(
            "{flag} {}: allowed {}",
            other.map_or("(missing)", String::as_str),
            allowed.join(", ")
        )),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::check_options(&args, FLAGS, USAGE)?;
    let value = |flag: &str, default: f64| -> Result<f64, Box<dyn Error>> {
        match args.iter().position(|a| a == flag) {
            Some(i) => Ok(args
                .get(i + 1)
                .ok_or(format!("{flag} needs a value"))?
                .parse()?),
            None => Ok(default),
        }
    };
    let remodelling = value("--remodelling", 0.55)?;
    let cv_m_per_s = value("--cv", 0.48)?;
    let dx_mm = value("--dx", 0.5)?;
    if !(0.05..=1.0).contains(&dx_mm) {
        return Err(format!("--dx {dx_mm} mm: allowed 0.05–1 mm").into());
    }
    let out_dir = args
        .iter()
        .enumerate()
        .find(|&(i, a)| !a.starts_with('-') && (i == 0 || !FLAGS.contains(&args[i - 1].as_str())))
        .map_or_else(
            || "out/rotor_room".into(),
            |(_, a)| std::path::PathBuf::from(a),
        );
    let patient = AfPatient::with_remodelling(remodelling)?;
    let ms = patient.cells()[0];
    // Steps scaled with dx² to stay inside the explicit diffusion limit.
    let refine = (dx_mm / 0.5).powi(2);
    let (ms_dt_ms, crn_dt_ms) = (0.1 * refine, 0.2 * refine);
    let crn = patient.courtemanche_cells(crn_dt_ms)?.swap_remove(0);
    println!("remodelling {remodelling}, CV {cv_m_per_s} m/s, dx {dx_mm} mm");
    let mut runs = Vec::new();
    let nodes_for = |mm: f64| (mm / dx_mm).round() as usize + 1;
    let (cohort, large) = ([nodes_for(80.0), nodes_for(64.0)], [nodes_for(120.0); 2]);
    let sheets = match choice(&args, "--sheets", &["both", "cohort", "large"])? {
        "cohort" => vec![cohort],
        "large" => vec![large],
        _ => vec![cohort, large],
    };
    let cells = choice(&args, "--cells", &["both", "ms", "crn"])?;
    for nodes in sheets {
        let mut here = Vec::new();
        if cells != "crn" {
            here.push(spiral(
                "Mitchell-Schaeffer",
                &ms,
                dx_mm,
                ms_dt_ms,
                cv_m_per_s,
                nodes,
            )?);
        }
        if cells != "ms" {
            here.push(spiral(
                "Courtemanche",
                &crn,
                dx_mm,
                crn_dt_ms,
                cv_m_per_s,
                nodes,
            )?);
        }
        for run in here {
            let tip = run
                .tip_box_mm
                .map_or("none".into(), |[x, y]| format!("{x:.0} × {y:.0} mm"));
            println!(
                "{:>18} on {:.0} × {:.0} mm: ERP {:.0} ms, alive 2 s after S2: {}, tip box {tip}, \
                 frames with 0 / 1 / several singularities {:?}",
                run.cell,
                run.sheet_mm[0],
                run.sheet_mm[1],
                run.erp_ms,
                run.sustained_2_s,
                run.frames_with_0_1_many
            );
            runs.push(run);
        }
    }
    std::fs::create_dir_all(&out_dir)?;
    let path = out_dir.join("rotor_room.json");
    std::fs::write(&path, serde_json::to_string_pretty(&runs)?)?;
    println!("wrote {}", path.display());
    println!("{}", serde_json::to_string(&runs)?);
    Ok(())
}
