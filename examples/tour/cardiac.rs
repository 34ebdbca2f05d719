//! Tour section: atrial-fibrillation twin on a 2D sheet — induce a rotor with
//! an S1–S2 cross-field protocol, find its phase singularity, ablate a line
//! through the rotor core from edge to edge, and show that the rotor
//! terminates while the untreated control keeps rotating.

use std::error::Error;
use std::path::Path;

use patient_twin::cardiac::ablation::LineLesion;
use patient_twin::cardiac::analysis::{
    activation_map, classify_af, phase_from_delay, phase_singularities,
};
use patient_twin::cardiac::cell::{CellModel, MitchellSchaeffer};
use patient_twin::cardiac::plot::map_svg;
use patient_twin::cardiac::tissue::{Monodomain, Substrate, cross_field_s1s2};

pub fn run(out_dir: &Path) -> Result<serde_json::Value, Box<dyn Error>> {
    // AF-remodelled (short-APD) Mitchell–Schaeffer cells on a 5 × 5 cm sheet.
    let ms = MitchellSchaeffer {
        tau_close_ms: 60.0,
        tau_open_ms: 80.0,
        ..MitchellSchaeffer::default()
    };
    let dx = 0.5;
    let sub = Substrate::sheet(101, 101, dx, 0.1, 0.1, 0.0)?;
    let mut md = Monodomain::new(sub, vec![ms], 0.1)?;
    let t_s2 = cross_field_s1s2(&mut md, 0.0, 25.0, ms.default_stimulus())?;
    md.run(200.0);
    let delayed = md.v();
    md.run(20.0);
    let phase = phase_from_delay(&md.v(), &delayed, 0.5)?;
    let ps = phase_singularities(&md, &phase)?;
    println!(
        "S1-S2 cross-field: S2 at {t_s2:.0} ms; {} phase singularit{} at t = {:.0} ms",
        ps.len(),
        if ps.len() == 1 { "y" } else { "ies" },
        md.t_ms()
    );
    for p in &ps {
        println!(
            "  rotor core at ({:.1}, {:.1}) mm, charge {:+}",
            p.x_mm, p.y_mm, p.charge
        );
    }
    let core = ps.first().ok_or("no rotor formed")?;
    map_svg(
        &out_dir.join("rotor_vm.svg"),
        "Vm (mV) with phase singularity",
        &md.to_grid(&md.v_mv()),
        dx,
        None,
        &ps,
    )?;

    // Control: the untreated sheet keeps rotating.
    let mut control = md.clone();
    let control_out = classify_af(&mut control, 1000.0, 10.0)?;

    // Ablate a 3 mm line through the core, edge to edge (along x).
    let line = LineLesion {
        points_mm: vec![[-2.0, core.y_mm], [52.0, core.y_mm]],
        width_mm: 3.0,
        gaps: vec![],
    };
    let lesion = line.rasterise(&md.substrate().domain.grid)?;
    md.ablate(&lesion)?;
    md.reset_activation_records();
    let t_ablate = md.t_ms();
    let treated = classify_af(&mut md, 1000.0, 10.0)?;
    map_svg(
        &out_dir.join("after_ablation_lat.svg"),
        "last activation time (ms) after ablation",
        &activation_map(&md, false),
        dx,
        Some(&lesion),
        &[],
    )?;
    let area = md.substrate().measure_cm(&lesion);
    println!(
        "control: {}; after a {:.1} cm² line through the core at {t_ablate:.0} ms: {}",
        if control_out.sustained {
            "rotor sustained for 1 s".to_string()
        } else {
            "terminated".to_string()
        },
        area,
        match treated.terminated_at_ms {
            Some(t) => format!("terminated after {t:.0} ms"),
            None => "still active".to_string(),
        }
    );
    Ok(serde_json::json!({
        "phase_singularities": ps.len(),
        "charge": core.charge,
        "control_sustained": control_out.sustained,
        "ablated_area_cm2": area,
        "terminated_after_ablation": !treated.sustained,
        "termination_ms": treated.terminated_at_ms,
    }))
}
