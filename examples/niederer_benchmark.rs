//! Niederer et al. 2011 N-version benchmark (Phil Trans R Soc A 369:4331).
//!
//! A 20 × 7 × 3 mm slab of ten Tusscher–Panfilov 2006 epicardial cells, fibres
//! along the long axis, monodomain with σ = σ_i σ_e / (σ_i + σ_e) per direction
//! (σ_i 0.17 / 0.019, σ_e 0.62 / 0.24 S/m), χ = 140 /mm, C_m = 1 µF/cm²,
//! stimulus 50,000 µA/cm³ for 2 ms in a 1.5 mm cube at the corner;
//! activation time = first 0 mV crossing at the points P1–P9. The cell's
//! voltage-only terms are tabulated ([`TenTusscherLut`]) for speed.
//!
//! Usage: `cargo run --release --example niederer_benchmark -- --dx 0.2 --dt 0.01 [OUT_DIR]`
//! The last stdout line is a JSON object with the nine activation times (ms).

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str =
    "cargo run --release --example niederer_benchmark -- [--dx MM] [--dt MS] [OUT_DIR]";

use std::error::Error;
use std::path::PathBuf;

use patient_twin::cardiac::analysis::node_at;
use patient_twin::cardiac::cell::{TenTusscher, TenTusscherLut};
use patient_twin::cardiac::tissue::{
    Monodomain, Site, Stimulus, Substrate, diffusivity_mm2_per_ms,
};
use patient_twin::core::pde::{Domain, Grid};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dx = 0.5;
    let mut dt = 0.05;
    let mut out = PathBuf::from("out/niederer");
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--dx" => {
                dx = args.get(i + 1).ok_or("--dx needs a value")?.parse()?;
                i += 1;
            }
            "--dt" => {
                dt = args.get(i + 1).ok_or("--dt needs a value")?.parse()?;
                i += 1;
            }
            other => out = cli::path_argument(other, USAGE)?,
        }
        i += 1;
    }
    std::fs::create_dir_all(&out)?;

    let harmonic = |si: f64, se: f64| si * se / (si + se);
    let (chi, cm) = (140.0, 1.0);
    let d_long = diffusivity_mm2_per_ms(harmonic(0.17, 0.62), chi, cm);
    let d_trans = diffusivity_mm2_per_ms(harmonic(0.019, 0.24), chi, cm);
    let n = |len: f64| (len / dx).round() as usize + 1;
    let grid = Grid::new_3d([n(20.0), n(7.0), n(3.0)], [dx; 3])?;
    let sub = Substrate::uniform(Domain::full(grid), [1.0, 0.0, 0.0], d_long, d_trans)?;
    // Voltage terms tabulated on 0.05 mV bins (APD90 within 1e-4 ms of the
    // exact cell at 1 Hz; see tests/tentusscher_lut.rs).
    let cell = TenTusscherLut::new(TenTusscher::default(), dt, TenTusscherLut::DEFAULT_BIN_MV)?;
    let mut md = Monodomain::new(sub, vec![cell], dt)?;
    md.set_activation_threshold(0.0);
    // 50,000 µA/cm³ / (χ C_m = 1400 /cm · 1 µF/cm²) = 35.71 µA/µF (mV/ms).
    let stim_per_ms = 50_000.0 / (chi * 10.0 * cm);
    md.add_stimulus(Stimulus {
        site: Site::Box {
            min_mm: [0.0; 3],
            max_mm: [1.5; 3],
        },
        times_ms: vec![0.0],
        duration_ms: 2.0,
        amplitude_per_ms: stim_per_ms,
    })?;
    let points = [
        [0.0, 0.0, 0.0],
        [0.0, 7.0, 0.0],
        [20.0, 0.0, 0.0],
        [20.0, 7.0, 0.0],
        [0.0, 0.0, 3.0],
        [0.0, 7.0, 3.0],
        [20.0, 0.0, 3.0],
        [20.0, 7.0, 3.0],
        [10.0, 3.5, 1.5],
    ];
    let nodes: Vec<usize> = points
        .iter()
        .map(|&p| node_at(&md, p))
        .collect::<Result<_, _>>()?;
    println!(
        "Niederer 2011 slab: dx {dx} mm, dt {dt} ms, {} nodes, D_l {d_long:.4} D_t {d_trans:.4} mm²/ms",
        md.n_nodes()
    );
    let started = std::time::Instant::now();
    while md.t_ms() < 200.0 && nodes.iter().any(|&k| md.first_activation_ms()[k].is_nan()) {
        md.run(1.0);
    }
    let times: Vec<f64> = nodes.iter().map(|&k| md.first_activation_ms()[k]).collect();
    for (k, t) in times.iter().enumerate() {
        println!("P{}: {t:.2} ms", k + 1);
    }
    let secs = started.elapsed().as_secs_f64();
    println!("wall time {secs:.1} s");
    let summary = serde_json::json!({
        "dx_mm": dx, "dt_ms": dt, "n_nodes": md.n_nodes(), "wall_seconds": secs,
        "activation_ms": times, "p8_ms": times[7],
    });
    std::fs::write(
        out.join(format!("niederer_dx{dx}_dt{dt}.json")),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{summary}");
    Ok(())
}
