//! One AF patient end to end: build the twin (2D left-atrial sheet with PV
//! sleeves, fibrosis, AF-remodelled cells), induce AF and map it, then test
//! ablation strategies by pacing from many sites (PEERP-style): the standard
//! line sets, an incomplete PVI (a gap in each circle), and twin-guided
//! targets added round by round where the induced re-entries circulate
//! (OPTIMA-like). Recommends the strategy with the least ablated area that
//! renders AF non-inducible.
//!
//! Usage: `cargo run --release --example af_ablation [OUT_DIR]` (default `out/af_ablation`).
//! The last stdout line is JSON with per-strategy `inducible_fraction`,
//! `ablated_area_cm2` and the recommendation.

use std::error::Error;
use std::path::{Path, PathBuf};

use patient_twin::cardiac::ablation::{
    GuideOptions, InducibilityProtocol, LesionOptions, Strategy, StrategyOutcome,
    ablated_measure_cm, apply_lesions, atrial_body, guided_ablation, inducibility, lesion_set,
    pace_site, recommend,
};
use patient_twin::cardiac::analysis::{activation_map, phase_from_delay, phase_singularities};
use patient_twin::cardiac::cell::{CellModel, MitchellSchaeffer};
use patient_twin::cardiac::fibrosis::FibrosisPattern;
use patient_twin::cardiac::geometry::AtrialSheet;
use patient_twin::cardiac::patient::AfPatient;
use patient_twin::cardiac::plot::map_svg;
use patient_twin::cardiac::tissue::{Monodomain, Site, Stimulus};

/// Activation map of one paced beat from the body centre after ablation.
fn after_map(
    sheet: &AtrialSheet,
    cells: &[MitchellSchaeffer],
    lesions: &ndarray::Array3<f64>,
    path: &Path,
    title: &str,
) -> Result<(), Box<dyn Error>> {
    let mut sub = sheet.substrate.clone();
    apply_lesions(&mut sub, lesions)?;
    let mut md = Monodomain::new(atrial_body(&sub)?, cells.to_vec(), 0.1)?;
    md.add_stimulus(Stimulus::train(
        Site::Disk {
            centre_mm: [0.5 * sheet.spec.width_mm, 0.15 * sheet.spec.height_mm, 0.0],
            radius_mm: 2.0,
        },
        0.0,
        1000.0,
        1,
        cells[0].default_stimulus(),
    ))?;
    md.run(300.0);
    map_svg(
        path,
        title,
        &activation_map(&md, true),
        sheet.spec.dx_mm,
        Some(&lesions.mapv(|t| t > 0.0)),
        &[],
    )?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("out/af_ablation"));
    std::fs::create_dir_all(&out)?;
    let patient = AfPatient {
        la_diameter_mm: 44.0,
        fibrosis_burden: 0.2,
        fibrosis_pattern: FibrosisPattern::Compact,
        fibrosis_seed: 11,
        remodelling: 0.5,
        conduction_scale: 1.0,
    };
    let dx = 0.75;
    let sheet = patient.sheet(dx, |s| patient.true_fibrosis(s))?;
    let cells = patient.cells();
    println!(
        "patient: LA {:.0} mm, fibrosis {:.0} % ({:?}), remodelling {:.1}, conduction x{:.1}; sheet {:.0} x {:.0} mm, {} nodes",
        patient.la_diameter_mm,
        100.0 * patient.fibrosis_burden,
        patient.fibrosis_pattern,
        patient.remodelling,
        patient.conduction_scale,
        sheet.spec.width_mm,
        sheet.spec.height_mm,
        sheet.substrate.domain.n_inside()
    );
    let protocol = InducibilityProtocol {
        site_spacing_mm: 20.0,
        sustain_ms: 800.0,
        ..InducibilityProtocol::default()
    };
    let opts = LesionOptions::default();
    let started = std::time::Instant::now();

    // 1. Before ablation: inducibility, and a map of one induced episode.
    let none = lesion_set(&sheet, &Strategy::None, &opts)?;
    let before = inducibility(&sheet.substrate, &cells, &none, &protocol)?;
    let mut outcomes = vec![StrategyOutcome {
        strategy: Strategy::None.name(),
        inducible_fraction: before.inducible_fraction,
        ablated_area_cm2: 0.0,
    }];
    println!(
        "  {:<26} ablated {:>5.2} cm²  inducible from {}/{} sites ({:.2})",
        "none",
        0.0,
        before.induced.iter().filter(|&&b| b).count(),
        before.sites_mm.len(),
        before.inducible_fraction
    );
    if let Some(k) = before.induced.iter().position(|&b| b) {
        let site = before.sites_mm[k];
        let mut md = pace_site(&sheet.substrate, &cells, site, &protocol)?;
        md.reset_activation_records();
        md.run(400.0);
        let delayed = md.v();
        md.run(10.0);
        let ps = phase_singularities(&md, &phase_from_delay(&md.v(), &delayed, 0.6)?)?;
        println!(
            "  AF induced from ({:.0}, {:.0}) mm: {} phase singularities 410 ms after the last beat",
            site[0],
            site[1],
            ps.len()
        );
        map_svg(
            &out.join("before_activation.svg"),
            "last activation (ms) during induced AF, before ablation",
            &activation_map(&md, false),
            dx,
            None,
            &ps,
        )?;
    }

    // 2. Standard lesion sets and an incomplete PVI.
    let mut tested: Vec<(Strategy, LesionOptions, String)> = [
        Strategy::Pvi,
        Strategy::PviRoof,
        Strategy::PviMitral,
        Strategy::PviRoofMitral,
        Strategy::PviBox,
    ]
    .into_iter()
    .map(|s| {
        let n = s.name();
        (s, opts, n)
    })
    .collect();
    tested.push((
        Strategy::Pvi,
        LesionOptions {
            gap_mm: 6.0,
            ..opts
        },
        "PVI (6 mm gaps)".into(),
    ));
    let mut best_standard: Option<(Strategy, f64, f64)> = None;
    for (s, o, name) in &tested {
        let lesions = lesion_set(&sheet, s, o)?;
        let area = ablated_measure_cm(&sheet.substrate, &lesions);
        let res = inducibility(&sheet.substrate, &cells, &lesions, &protocol)?;
        println!(
            "  {:<26} ablated {:>5.2} cm²  inducible from {}/{} sites ({:.2})",
            name,
            area,
            res.induced.iter().filter(|&&b| b).count(),
            res.sites_mm.len(),
            res.inducible_fraction
        );
        if o.gap_mm == 0.0
            && best_standard
                .as_ref()
                .is_none_or(|b| (res.inducible_fraction, area) < (b.1, b.2))
        {
            best_standard = Some((s.clone(), res.inducible_fraction, area));
        }
        after_map(
            &sheet,
            &cells,
            &lesions,
            &out.join(format!("after_{}_activation.svg", file_name(name))),
            &format!("activation (ms) after {name}"),
        )?;
        outcomes.push(StrategyOutcome {
            strategy: name.clone(),
            inducible_fraction: res.inducible_fraction,
            ablated_area_cm2: area,
        });
    }

    // 3. Twin-guided targets on top of the best standard set.
    let (base, base_frac, _) = best_standard.ok_or("no standard strategy")?;
    let mut guided_targets = Vec::new();
    if base_frac > 0.0 {
        let guided = guided_ablation(
            &sheet,
            &cells,
            base,
            &opts,
            &protocol,
            &GuideOptions::default(),
        )?;
        for r in &guided.rounds[1..] {
            let name = r.strategy.name();
            println!(
                "  {:<26} ablated {:>5.2} cm²  inducible from {}/{} sites ({:.2})",
                name,
                r.ablated_area_cm2,
                r.result.induced.iter().filter(|&&b| b).count(),
                r.result.sites_mm.len(),
                r.result.inducible_fraction
            );
            outcomes.push(StrategyOutcome {
                strategy: name,
                inducible_fraction: r.result.inducible_fraction,
                ablated_area_cm2: r.ablated_area_cm2,
            });
        }
        let last = guided.last();
        if let Strategy::Targeted { targets_mm, .. } = &last.strategy {
            guided_targets = targets_mm.clone();
            let name = last.strategy.name();
            after_map(
                &sheet,
                &cells,
                &lesion_set(&sheet, &last.strategy, &opts)?,
                &out.join("after_guided_activation.svg"),
                &format!("activation (ms) after {name}"),
            )?;
        }
    }
    let rec = recommend(&outcomes[1..]).ok_or("no strategy")?;
    println!(
        "recommendation: {} ({:.2} cm², inducible fraction {:.2}); {:.0} s",
        rec.strategy,
        rec.ablated_area_cm2,
        rec.inducible_fraction,
        started.elapsed().as_secs_f64()
    );
    let summary = serde_json::json!({
        "patient": patient,
        "twin_guided_targets_mm": guided_targets,
        "strategies": outcomes,
        "recommendation": rec.strategy,
        "recommendation_non_inducible": rec.inducible_fraction == 0.0,
    });
    std::fs::write(
        out.join("af_ablation.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{summary}");
    Ok(())
}

fn file_name(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
