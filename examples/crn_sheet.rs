//! Courtemanche–Ramirez–Nattel 1998 on the 10 × 10 cm sheet at
//! 0.25 mm (160,000 nodes): how long a given span of activity takes on this
//! machine, and — with `--reference-dt` — how far the activation times at
//! the chosen step lie from those at a finer one. Voltage terms tabulated
//! (`CourtemancheLut`), explicit diffusion, planar S1 stimuli every 500 ms
//! along x = 0. By default the tissue step is 0.2 ms with ionic substeps
//! wherever V would move by more than 0.5 mV in a step
//! (`CourtemancheLut::with_ionic_substeps`); `--plain` takes whole steps
//! (the cell model's limit is then 0.05 ms).
//!
//! Usage: `cargo run --release --example crn_sheet -- [--dt MS] [--max-dv MV]
//! [--plain] [--ms MS] [--size NODES_PER_SIDE] [--bin MV] [--reference-dt MS]
//! [OUT_DIR]` (defaults dt 0.2 ms, max-dv 0.5 mV, 100 ms simulated, 400 nodes
//! per side, 0.02 mV bins, `out/crn_sheet`). The reference run takes whole
//! steps. The last stdout line is JSON with the wall time, the per-node-step
//! cost, node-steps per second and the activation-time error.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example crn_sheet -- [--dt MS] [--max-dv MV] [--plain] [--ms MS] [--size NODES_PER_SIDE] [--bin MV] [--reference-dt MS] [OUT_DIR]";

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use patient_twin::cardiac::cell::{CellModel, Courtemanche, CourtemancheLut};
use patient_twin::cardiac::tissue::{Monodomain, Site, Stimulus, Substrate};

/// Settings of one sheet run.
struct Run {
    size: usize,
    dt_ms: f64,
    span_ms: f64,
    bin_mv: f64,
    /// Ionic substeps where V moves by more than this per step (mV).
    max_dv_mv: Option<f64>,
}

/// Simulate the sheet; returns the first activation times (ms, NaN where
/// not activated) and the wall time (s) of the time stepping.
fn simulate(run: &Run) -> Result<(Vec<f64>, f64), Box<dyn Error>> {
    let model = Courtemanche::default();
    let crn = match run.max_dv_mv {
        Some(dv) => CourtemancheLut::with_ionic_substeps(model, run.dt_ms, run.bin_mv, dv)?,
        None => CourtemancheLut::new(model, run.dt_ms, run.bin_mv)?,
    };
    // 0.25 mm spacing; D 0.1 / 0.025 mm²/ms along / across x.
    let sub = Substrate::sheet(run.size, run.size, 0.25, 0.1, 0.025, 0.0)?;
    let side_mm = 0.25 * run.size as f64;
    let mut md = Monodomain::new(sub, vec![crn.clone()], run.dt_ms)?;
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [0.0, 0.0, -1.0],
            max_mm: [1.0, side_mm, 1.0],
        },
        0.0,
        500.0,
        (run.span_ms / 500.0).ceil().max(1.0) as usize,
        crn.default_stimulus(),
    ))?;
    let started = Instant::now();
    md.run(run.span_ms);
    Ok((
        md.first_activation_ms().to_vec(),
        started.elapsed().as_secs_f64(),
    ))
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut run = Run {
        size: 400,
        dt_ms: 0.2,
        span_ms: 100.0,
        bin_mv: CourtemancheLut::DEFAULT_BIN_MV,
        max_dv_mv: Some(0.5),
    };
    let mut reference_dt_ms: Option<f64> = None;
    let mut out = PathBuf::from("out/crn_sheet");
    let mut i = 0;
    while i < args.len() {
        let value = || args.get(i + 1).ok_or(format!("{} needs a value", args[i]));
        match args[i].as_str() {
            "--plain" => {
                run.max_dv_mv = None;
                i += 1;
                continue;
            }
            "--dt" => run.dt_ms = value()?.parse()?,
            "--ms" => run.span_ms = value()?.parse()?,
            "--size" => run.size = value()?.parse()?,
            "--bin" => run.bin_mv = value()?.parse()?,
            "--max-dv" => run.max_dv_mv = Some(value()?.parse()?),
            "--reference-dt" => reference_dt_ms = Some(value()?.parse()?),
            other => {
                out = cli::path_argument(other, USAGE)?;
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    std::fs::create_dir_all(&out)?;
    let (act, wall_s) = simulate(&run)?;
    let n_nodes = act.len();
    let node_steps = n_nodes as f64 * (run.span_ms / run.dt_ms).round();
    let ns_per_node_step = wall_s * 1e9 / node_steps;
    let far_corner_ms = act[n_nodes - 1];
    println!(
        "Courtemanche (tabulated, {} mV bins, {}) on {n_nodes} nodes, dt {} ms: {} ms in \
         {wall_s:.1} s ({ns_per_node_step:.1} ns per node-step, {:.3e} node-steps/s); \
         far corner activated at {far_corner_ms:.2} ms",
        run.bin_mv,
        match run.max_dv_mv {
            Some(dv) => format!("substeps beyond {dv} mV per step"),
            None => "whole steps".into(),
        },
        run.dt_ms,
        run.span_ms,
        node_steps / wall_s
    );
    let mut summary = serde_json::json!({
        "n_nodes": n_nodes, "dt_ms": run.dt_ms, "bin_mv": run.bin_mv,
        "max_dv_per_substep_mv": run.max_dv_mv,
        "simulated_ms": run.span_ms, "wall_seconds": wall_s,
        "ns_per_node_step": ns_per_node_step, "node_steps_per_second": node_steps / wall_s,
        "far_corner_activation_ms": far_corner_ms.is_finite().then_some(far_corner_ms),
    });
    if let Some(reference_dt_ms) = reference_dt_ms {
        let reference = Run {
            dt_ms: reference_dt_ms,
            bin_mv: CourtemancheLut::DEFAULT_BIN_MV,
            max_dv_mv: None,
            ..run
        };
        let (act_ref, _) = simulate(&reference)?;
        let (mut sum, mut worst, mut n, mut mismatched) = (0.0, 0.0f64, 0usize, 0usize);
        for (a, r) in act.iter().zip(&act_ref) {
            match (a.is_finite(), r.is_finite()) {
                (true, true) => {
                    let e = (a - r).abs();
                    sum += e;
                    worst = worst.max(e);
                    n += 1;
                }
                (false, false) => {}
                _ => mismatched += 1,
            }
        }
        let mean = sum / n.max(1) as f64;
        println!(
            "activation time vs dt {reference_dt_ms} ms (0.02 mV bins) on {n} nodes activated \
             in both: mean |error| {mean:.3} ms, max {worst:.3} ms; {mismatched} nodes \
             activated in one run only"
        );
        summary["reference_dt_ms"] = reference_dt_ms.into();
        summary["activation_error_mean_ms"] = mean.into();
        summary["activation_error_max_ms"] = worst.into();
        summary["nodes_activated_in_one_run_only"] = mismatched.into();
    }
    std::fs::write(
        out.join("crn_sheet.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{summary}");
    Ok(())
}
