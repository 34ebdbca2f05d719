//! Courtemanche–Ramirez–Nattel 1998 on the 10 × 10 cm sheet at
//! 0.25 mm (160,000 nodes): how long a given span of activity takes on this
//! machine. Voltage terms tabulated (`CourtemancheLut`, 0.02 mV bins), explicit
//! diffusion, planar S1 stimuli every 500 ms along x = 0.
//!
//! Usage: `cargo run --release --example crn_sheet -- [--dt MS] [--ms MS] [OUT_DIR]`
//! (defaults dt 0.05 ms, 100 ms simulated, `out/crn_sheet`). The last stdout
//! line is JSON with the wall time and the per-node-step cost.

use std::error::Error;
use std::path::PathBuf;

use patient_twin::cardiac::cell::{CellModel, Courtemanche, CourtemancheLut};
use patient_twin::cardiac::tissue::{Monodomain, Site, Stimulus, Substrate};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut dt_ms, mut span_ms): (f64, f64) = (0.05, 100.0);
    let mut out = PathBuf::from("out/crn_sheet");
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--dt" => {
                dt_ms = args.get(i + 1).ok_or("--dt needs a value")?.parse()?;
                i += 1;
            }
            "--ms" => {
                span_ms = args.get(i + 1).ok_or("--ms needs a value")?.parse()?;
                i += 1;
            }
            other => out = PathBuf::from(other),
        }
        i += 1;
    }
    std::fs::create_dir_all(&out)?;
    let crn = CourtemancheLut::new(
        Courtemanche::default(),
        dt_ms,
        CourtemancheLut::DEFAULT_BIN_MV,
    )?;
    // 400 × 400 nodes at 0.25 mm; D 0.1 / 0.025 mm²/ms along / across x.
    let sub = Substrate::sheet(400, 400, 0.25, 0.1, 0.025, 0.0)?;
    let mut md = Monodomain::new(sub, vec![crn.clone()], dt_ms)?;
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [0.0, 0.0, -1.0],
            max_mm: [1.0, 100.0, 1.0],
        },
        0.0,
        500.0,
        (span_ms / 500.0).ceil().max(1.0) as usize,
        crn.default_stimulus(),
    ))?;
    let started = std::time::Instant::now();
    md.run(span_ms);
    let wall_s = started.elapsed().as_secs_f64();
    let act = md.first_activation_ms();
    let far_corner_ms = act[act.len() - 1];
    let ns_per_node_step = wall_s * 1e9 / (md.n_nodes() as f64 * span_ms / dt_ms);
    println!(
        "Courtemanche (tabulated) on {} nodes, dt {dt_ms} ms: {span_ms} ms in {wall_s:.1} s \
         ({ns_per_node_step:.0} ns per node-step); far corner activated at {far_corner_ms:.1} ms",
        md.n_nodes()
    );
    let summary = serde_json::json!({
        "n_nodes": md.n_nodes(), "dt_ms": dt_ms, "simulated_ms": span_ms, "wall_seconds": wall_s,
        "ns_per_node_step": ns_per_node_step,
        "far_corner_activation_ms": if far_corner_ms.is_finite() { Some(far_corner_ms) } else { None },
    });
    std::fs::write(
        out.join("crn_sheet.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{summary}");
    Ok(())
}
