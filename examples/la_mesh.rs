//! A real-shaped left atrium from an openCARP mesh: voxelise its wall, pace it at
//! one end, and write the activation map for ParaView.
//!
//! Usage: `cargo run --release --example la_mesh -- [MESH_BASE] [OUT_DIR]`
//! (default `data/atria/rodero01_la/la`: the wall of Rodero et al. 2021's CT-derived
//! case 01, see `data/README.md`; `out/la_mesh`). `MESH_BASE.pts` (µm) and
//! `MESH_BASE.elem` (tetrahedra) are read, `MESH_BASE.lon` (fibres) when present.
//! Mitchell–Schaeffer cells, isotropic diffusivity 0.1 mm²/ms, 0.5 mm voxels; a 5 mm
//! slab at the mesh's low-x end is stimulated once. Writes `activation.vti` and
//! prints a JSON summary as its last line.

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use patient_twin::cardiac::analysis::activation_map;
use patient_twin::cardiac::cell::{CellModel, MitchellSchaeffer};
use patient_twin::cardiac::geometry::CarpMesh;
use patient_twin::cardiac::tissue::{Monodomain, Site, Stimulus};
use patient_twin::io::vtk::write_vti;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
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
    let ms = MitchellSchaeffer::default();
    let mut md = Monodomain::new(tissue, vec![ms], 0.05)?;
    let x0 = grid.origin_mm[0];
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [x0 - 1.0, f64::MIN, f64::MIN],
            max_mm: [x0 + 4.0, f64::MAX, f64::MAX],
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))?;
    md.run(400.0);
    let t = md.first_activation_ms();
    let activated = t.iter().filter(|x| x.is_finite()).count();
    let last_ms = t
        .iter()
        .cloned()
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    write_vti(
        out.join("activation.vti"),
        &grid,
        &[("first_activation_ms", &activation_map(&md, true))],
    )?;
    println!(
        "{base}: wall {:.0} mm³, {} voxels of {dx_mm} mm, {activated} activated, last at {last_ms:.0} ms; {} written in {:.1} s",
        mesh.volume_mm3(),
        md.n_nodes(),
        out.join("activation.vti").display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "{}",
        serde_json::json!({
            "mesh": base, "wall_volume_mm3": mesh.volume_mm3(), "dx_mm": dx_mm,
            "nodes": md.n_nodes(), "activated": activated, "last_activation_ms": last_ms,
        })
    );
    Ok(())
}
