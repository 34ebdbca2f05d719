//! A real-shaped left atrium from an openCARP mesh: voxelise its wall, pace it at
//! one end, try to induce re-entry with a cross-field S2, and write activation and
//! phase maps for ParaView.
//!
//! Usage: `cargo run --release --example la_mesh -- [--remodelling R] [MESH_BASE] [OUT_DIR]`
//! (defaults: R = 0.6, the AF twin's persistent-AF prior; `data/atria/rodero01_la/la`,
//! the wall of Rodero et al. 2021's CT-derived case 01, see `data/README.md`;
//! `out/la_mesh`). `MESH_BASE.pts` (µm) and `MESH_BASE.elem` (tetrahedra) are read,
//! `MESH_BASE.lon` (fibres) when present. Mitchell–Schaeffer cells with the AF
//! twin's remodelling law (`AfPatient::cells`), isotropic diffusivity 0.1 mm²/ms,
//! 0.5 mm voxels. S1: a 5 mm slab at the mesh's low-x end. S2: the low-x, low-z
//! quarter of the atrium, when the tissue a quarter of the way along x has just
//! recovered from S1 (cross-field protocol). Writes `la_mesh.vti`
//! (first activation from S1, and Vm and phase 300 ms after S2) and prints a JSON
//! summary as its last line, including whether activity outlasted S2 by 1 s.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str =
    "cargo run --release --example la_mesh -- [--remodelling R] [MESH_BASE] [OUT_DIR]";

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use patient_twin::cardiac::analysis::{activation_map, phase_from_delay};
use patient_twin::cardiac::cell::CellModel;
use patient_twin::cardiac::geometry::CarpMesh;
use patient_twin::cardiac::patient::AfPatient;
use patient_twin::cardiac::tissue::{Monodomain, Site, Stimulus};
use patient_twin::io::vtk::write_vti;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    cli::check_options(&args, &["--remodelling"], USAGE)?;
    let mut remodelling = 0.6;
    if let Some(i) = args.iter().position(|a| a == "--remodelling") {
        remodelling = args
            .get(i + 1)
            .ok_or("--remodelling needs a value")?
            .parse()?;
        args.drain(i..i + 2);
    }
    if !(0.0..=1.0).contains(&remodelling) {
        return Err(format!("--remodelling {remodelling}: allowed 0 to 1").into());
    }
    let base = args
        .first()
        .cloned()
        .unwrap_or_else(|| "data/atria/rodero01_la/la".into());
    let out = PathBuf::from(args.get(1).map_or("out/la_mesh", String::as_str));
    std::fs::create_dir_all(&out)?;
    let started = Instant::now();
    let mesh = CarpMesh::read(&base)?;
    let dx_mm = 0.5;
    let tissue = mesh.voxelise(dx_mm, 0.1, 0.1, &[])?;
    let grid = tissue.domain.grid;
    // The AF twin's cells at this remodelling.
    let cell = AfPatient::with_remodelling(remodelling)?.cells()[0].validated()?;
    let mut md = Monodomain::new(tissue, vec![cell], 0.05)?;
    let [x0, _, z0] = grid.origin_mm;
    let extent = |a: usize| grid.shape[a] as f64 * grid.spacing_mm[a];
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [x0 - 1.0, f64::MIN, f64::MIN],
            max_mm: [x0 + 4.0, f64::MAX, f64::MAX],
        },
        0.0,
        1000.0,
        1,
        cell.default_stimulus(),
    ))?;
    // Cross-field timing: S2 when the tissue a quarter of the way along x has just
    // recovered from S1 (its mean S1 activation time plus the APD, plus 10 ms).
    let mut probe = md.clone();
    probe.run(400.0);
    let quarter: Vec<f64> = probe
        .coords()
        .iter()
        .zip(probe.first_activation_ms())
        .filter(|(c, t)| {
            let x = c[0] as f64 * grid.spacing_mm[0];
            (0.2 * extent(0)..0.3 * extent(0)).contains(&x) && t.is_finite()
        })
        .map(|(_, &t)| t)
        .collect();
    if quarter.is_empty() {
        return Err("S1 did not reach a quarter of the atrium".into());
    }
    let s2_ms = quarter.iter().sum::<f64>() / quarter.len() as f64 + cell.apd_max_ms() + 10.0;
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [x0 - 1.0, f64::MIN, z0 - 1.0],
            max_mm: [x0 + 0.5 * extent(0), f64::MAX, z0 + 0.5 * extent(2)],
        },
        s2_ms,
        1000.0,
        1,
        cell.default_stimulus(),
    ))?;
    md.run(s2_ms);
    let s1 = activation_map(&md, true);
    let s1_activated = md
        .first_activation_ms()
        .iter()
        .filter(|t| t.is_finite())
        .count();
    md.run(290.0);
    let delayed = md.v();
    md.run(10.0);
    let (vm, phase) = (
        md.v_mv(),
        phase_from_delay(&md.v(), &delayed, md.activation_threshold())?,
    );
    md.run(700.0);
    let threshold = md.activation_threshold();
    let active_after_1s = md.v().iter().filter(|&&v| v > threshold).count();
    let path = out.join("la_mesh.vti");
    write_vti(
        &path,
        &grid,
        &[
            ("first_activation_ms", &s1),
            ("vm_mv_300ms_after_s2", &md.to_grid(&vm)),
            ("phase_rad_300ms_after_s2", &md.to_grid(&phase)),
        ],
    )?;
    println!(
        "{base}: wall {:.0} mm³, {} voxels of {dx_mm} mm; S1 activated {s1_activated}; S2 at {s2_ms:.0} ms; {active_after_1s} nodes active 1 s after S2; {} written in {:.1} s",
        mesh.volume_mm3()?,
        md.n_nodes(),
        path.display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "{}",
        serde_json::json!({
            "mesh": base, "wall_volume_mm3": mesh.volume_mm3()?, "dx_mm": dx_mm,
            "remodelling": remodelling, "apd_ms": cell.apd_max_ms(), "nodes": md.n_nodes(),
            "s1_activated": s1_activated, "s2_ms": s2_ms,
            "active_nodes_1s_after_s2": active_after_1s,
            "sustained": active_after_1s > 0,
        })
    );
    Ok(())
}
