//! One AF patient end to end: build the twin (2D left-atrial sheet with PV
//! sleeves, patchy fibrosis, AF-remodelled cells), induce AF, map activation
//! and phase singularities, then test ablation strategies by pacing from many
//! sites (PEERP-style) and recommend the strategy with the least ablated area
//! that renders AF non-inducible.
//!
//! Usage: `cargo run --release --example af_ablation [OUT_DIR]` (default `out/af_ablation`).
//! The last stdout line is JSON with per-strategy `inducible_fraction`,
//! `ablated_area_cm2` and the recommendation.

use std::error::Error;
use std::path::PathBuf;

use patient_twin::cardiac::ablation::{
    InducibilityProtocol, Strategy, StrategyOutcome, inducibility, lesion_set, recommend,
    rotor_targets,
};
use patient_twin::cardiac::analysis::{activation_map, phase_from_delay, phase_singularities};
use patient_twin::cardiac::cell::CellModel;
use patient_twin::cardiac::fibrosis::FibrosisPattern;
use patient_twin::cardiac::patient::AfPatient;
use patient_twin::cardiac::plot::map_svg;
use patient_twin::cardiac::tissue::{Monodomain, Site, Stimulus};

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("out/af_ablation"));
    std::fs::create_dir_all(&out)?;
    let patient = AfPatient {
        la_diameter_mm: 44.0,
        fibrosis_burden: 0.22,
        fibrosis_pattern: FibrosisPattern::Patchy,
        fibrosis_seed: 11,
        remodelling: 0.9,
        conduction_scale: 0.5,
    };
    let dx = 0.75;
    let sheet = patient.sheet(dx, |s| patient.true_fibrosis(s))?;
    let cells = patient.cells();
    println!(
        "patient: LA {:.0} mm, fibrosis {:.0} % ({:?}), remodelling {:.1}; sheet {:.0} × {:.0} mm, {} nodes",
        patient.la_diameter_mm,
        100.0 * patient.fibrosis_burden,
        patient.fibrosis_pattern,
        patient.remodelling,
        sheet.spec.width_mm,
        sheet.spec.height_mm,
        sheet.substrate.domain.n_inside()
    );

    // 1. Induce AF by rapid pacing near the left superior PV and map it.
    let mut md = Monodomain::new(sheet.substrate.clone(), cells.clone(), 0.1)?;
    let lspv = sheet.pv_centres_mm[0];
    let pulse = cells[0].default_stimulus();
    md.add_stimulus(Stimulus::train(
        Site::Disk {
            centre_mm: [lspv[0] + sheet.spec.pv_radius_mm + 3.0, lspv[1], 0.0],
            radius_mm: 1.5,
        },
        0.0,
        130.0,
        8,
        pulse,
    ))?;
    md.run(8.0 * 130.0);
    md.clear_stimuli();
    md.reset_activation_records();
    let mut ps_positions = Vec::new();
    let mut last_ps = Vec::new();
    let mut delayed = md.v();
    for _ in 0..50 {
        md.run(20.0);
        let now = md.v();
        let ps = phase_singularities(&md, &phase_from_delay(&now, &delayed, 0.5)?)?;
        ps_positions.extend(ps.iter().map(|p| [p.x_mm, p.y_mm]));
        last_ps = ps;
        delayed = now;
    }
    let af_active = md.excited_fraction() > 0.0;
    println!(
        "after burst pacing: AF {} at t = {:.0} ms; {} phase-singularity observations",
        if af_active { "sustained" } else { "terminated" },
        md.t_ms(),
        ps_positions.len()
    );
    map_svg(
        &out.join("before_activation.svg"),
        "last activation (ms), before ablation",
        &activation_map(&md, false),
        dx,
        None,
        &last_ps,
    )?;
    let targets = rotor_targets(&ps_positions, 5.0, 3, 8.0);

    // 2. Strategies.
    let strategies = vec![
        Strategy::None,
        Strategy::Pvi,
        Strategy::PviRoof,
        Strategy::PviMitral,
        Strategy::PviBox,
        Strategy::PviRotors(targets.clone()),
    ];
    let protocol = InducibilityProtocol {
        site_spacing_mm: 15.0,
        sustain_ms: 800.0,
        ..InducibilityProtocol::default()
    };
    let mut outcomes = Vec::new();
    for s in &strategies {
        let lesion = lesion_set(&sheet, s)?;
        let area = sheet
            .substrate
            .measure_cm(&(&lesion & &sheet.substrate.domain.mask));
        let res = inducibility(&sheet.substrate, &cells, &lesion, &protocol)?;
        println!(
            "  {:<18} ablated {:>5.2} cm²  inducible from {}/{} sites ({:.2})",
            s.name(),
            area,
            res.induced.iter().filter(|&&b| b).count(),
            res.sites_mm.len(),
            res.inducible_fraction
        );
        if *s != Strategy::None {
            let mut after = Monodomain::new(sheet.substrate.clone(), cells.clone(), 0.1)?;
            after.ablate(&lesion)?;
            after.add_stimulus(Stimulus::train(
                Site::Disk {
                    centre_mm: [0.5 * sheet.spec.width_mm, 0.5 * sheet.spec.height_mm, 0.0],
                    radius_mm: 1.5,
                },
                0.0,
                1000.0,
                1,
                pulse,
            ))?;
            after.run(250.0);
            let name = s.name().replace('+', "_");
            map_svg(
                &out.join(format!("after_{name}_activation.svg")),
                &format!("activation (ms) after {}", s.name()),
                &activation_map(&after, true),
                dx,
                Some(&lesion),
                &[],
            )?;
        }
        outcomes.push(StrategyOutcome {
            strategy: s.name().to_string(),
            inducible_fraction: res.inducible_fraction,
            ablated_area_cm2: area,
        });
    }
    let rec = recommend(&outcomes[1..]).ok_or("no strategy")?;
    println!(
        "recommendation: {} ({:.2} cm², inducible fraction {:.2})",
        rec.strategy, rec.ablated_area_cm2, rec.inducible_fraction
    );
    let summary = serde_json::json!({
        "patient": patient,
        "rotor_targets_mm": targets,
        "strategies": outcomes,
        "recommendation": rec.strategy,
    });
    std::fs::write(
        out.join("af_ablation.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{summary}");
    Ok(())
}
