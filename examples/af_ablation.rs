//! One AF patient end to end: build the twin (2D left-atrial sheet with PV
//! sleeves, fibrosis, AF-remodelled cells), induce AF and map it, then test
//! ablation strategies by pacing from many sites (PEERP-style): the standard
//! line sets, an incomplete PVI (a gap in each circle), and twin-guided
//! targets added to PVI round by round where the induced re-entries
//! circulate inside the atrial body (OPTIMA-like). Recommends the strategy
//! with the least ablated area that renders AF non-inducible.
//!
//! Usage: `cargo run --release --example af_ablation -- [--cell ms|courtemanche] [OUT_DIR]`
//! (default Mitchell–Schaeffer, `out/af_ablation`). `--cell courtemanche`
//! runs the same study with Courtemanche–Ramirez–Nattel cells
//! (`AfPatient::courtemanche_cells`: chronic-AF remodelled body, PV sleeves
//! with their own conductances) on a 0.5 mm grid at 0.2 ms steps with ionic
//! substeps, the diffusivity tuned so that it conducts at the
//! Mitchell–Schaeffer 1 mm sheet's plane-wave CV; it takes a few minutes.
//! Planar conduction is converged on that grid, Courtemanche re-entry is not
//! (a spiral's survival changes between 0.5 and 0.25 mm: `examples/rotor_room`).
//! Writes `before_af.vti` (activation, Vm and phase during induced AF, for ParaView)
//! and SVG maps (activation before/after each strategy with its lesions,
//! phase singularities during induced AF, re-entry cells after PVI with the
//! guided lesions) and `af_ablation.json`. The last stdout line is JSON with
//! per-strategy `inducible_fraction`, `ablated_area_cm2` and the recommendation.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str =
    "cargo run --release --example af_ablation -- [--cell ms|courtemanche] [OUT_DIR]";

use std::error::Error;
use std::path::{Path, PathBuf};

use ndarray::Array3;
use patient_twin::cardiac::ablation::{
    GuideOptions, InducibilityProtocol, InducibilityResult, LesionOptions, Strategy,
    StrategyOutcome, ablated_measure_cm, apply_lesions, atrial_body, guided_ablation, inducibility,
    lesion_set, pace_site, recommend,
};
use patient_twin::cardiac::analysis::{activation_map, phase_from_delay, phase_singularities};
use patient_twin::cardiac::cell::CellModel;
use patient_twin::cardiac::fibrosis::FibrosisPattern;
use patient_twin::cardiac::geometry::AtrialSheet;
use patient_twin::cardiac::patient::{AfPatient, plane_wave_cv_m_per_s, tuned_conduction_scale_of};
use patient_twin::cardiac::plot::map_svg;
use patient_twin::cardiac::tissue::{Monodomain, Site, Stimulus};
use patient_twin::io::vtk::write_vti;

/// Activation map of one paced beat from the lower body after ablation.
fn after_map<M: CellModel + Clone>(
    sheet: &AtrialSheet,
    cells: &[M],
    lesions: &Array3<f64>,
    dt_ms: f64,
    path: &Path,
    title: &str,
) -> Result<(), Box<dyn Error>> {
    let mut sub = sheet.substrate.clone();
    apply_lesions(&mut sub, lesions)?;
    let mut md = Monodomain::new(atrial_body(&sub)?, cells.to_vec(), dt_ms)?;
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

/// Visits per re-entry cell (NaN where none) on the sheet's grid.
fn reentry_map(sheet: &AtrialSheet, res: &InducibilityResult, cell_mm: f64) -> Array3<f64> {
    let g = sheet.substrate.domain.grid;
    let mut out = Array3::from_elem(g.shape, f64::NAN);
    for p in &res.reentry_positions_mm {
        for ((i, j, k), x) in out.indexed_iter_mut() {
            let c = g.centre_mm(i, j, k);
            if (c[0] - p[0]).abs() < 0.5 * cell_mm && (c[1] - p[1]).abs() < 0.5 * cell_mm {
                *x = if x.is_nan() { 1.0 } else { *x + 1.0 };
            }
        }
    }
    out
}

fn line(name: &str, area: f64, r: &InducibilityResult) {
    println!(
        "  {:<26} ablated {:>5.2} cm²  inducible from {:>2}/{:<2} sites ({:.2})",
        name,
        area,
        r.induced.iter().filter(|&&b| b).count(),
        r.sites_mm.len(),
        r.inducible_fraction
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut cell, mut out) = ("ms".to_string(), PathBuf::from("out/af_ablation"));
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--cell" {
            cell = args
                .get(i + 1)
                .ok_or("--cell needs ms or courtemanche")?
                .clone();
            i += 2;
        } else {
            out = cli::path_argument(&args[i], USAGE)?;
            i += 1;
        }
    }
    std::fs::create_dir_all(&out)?;
    let patient = AfPatient {
        la_diameter_mm: 32.0,
        fibrosis_burden: 0.1,
        fibrosis_pattern: FibrosisPattern::Compact,
        fibrosis_seed: 3,
        remodelling: 1.0,
        conduction_scale: 1.0,
    };
    // 1 mm grid: plane-wave CV within 2–4 % of the 0.75 mm grid for healthy
    // tissue (13–19 % below the converged value, as at 0.75 mm: 11–16 %).
    let dx = 1.0;
    match cell.as_str() {
        "ms" => study(&out, patient, dx, 0.1, "Mitchell-Schaeffer", |p| {
            Ok(p.cells())
        }),
        "courtemanche" => {
            // Same tissue conduction as the Mitchell–Schaeffer sheet: the
            // diffusivity that gives the Courtemanche body cell the plane-wave
            // CV the default sheet has. On a 0.5 mm grid: at 1 mm the
            // Courtemanche upstroke is close to conduction block (plane-wave
            // CV 0.14 m/s at D 0.1 mm²/ms against 0.31 m/s at 0.5 mm).
            let (dx_crn, dt) = (0.5, 0.2);
            let cv = plane_wave_cv_m_per_s(0.1 * patient.conduction_scale, dx, 0.1)?;
            let body = patient.courtemanche_cells(dt)?.swap_remove(0);
            let patient = AfPatient {
                conduction_scale: tuned_conduction_scale_of(&body, cv, dx_crn, dt)?,
                ..patient
            };
            println!(
                "Courtemanche cells: conduction x{:.2} for a plane-wave CV of {cv:.3} m/s at {dx_crn} mm",
                patient.conduction_scale
            );
            study(&out, patient, dx_crn, dt, "Courtemanche", |p| {
                p.courtemanche_cells(dt)
            })
        }
        other => Err(format!("--cell {other}: use ms or courtemanche").into()),
    }
}

/// The whole study for one patient and cell model (`cells` builds the
/// patient's cells), at tissue step `dt_ms`.
fn study<M: CellModel + Clone>(
    out: &Path,
    patient: AfPatient,
    dx: f64,
    dt_ms: f64,
    cell_name: &str,
    cells_of: impl Fn(&AfPatient) -> patient_twin::cardiac::Result<Vec<M>>,
) -> Result<(), Box<dyn Error>> {
    let started = std::time::Instant::now();
    let sheet = patient.sheet(dx, |s| patient.true_fibrosis(s))?;
    let cells = cells_of(&patient)?;
    println!("cells: {cell_name}, dt {dt_ms} ms");
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
        site_spacing_mm: 15.0,
        sustain_ms: 800.0,
        dt_ms,
        ..InducibilityProtocol::default()
    };
    let opts = LesionOptions::default();

    // 1. Before ablation: inducibility, and maps of one induced episode.
    let none = lesion_set(&sheet, &Strategy::None, &opts)?;
    let before = inducibility(&sheet.substrate, &cells, &none, &protocol)?;
    line("none", 0.0, &before);
    let mut outcomes = vec![StrategyOutcome {
        strategy: Strategy::None.name(),
        inducible_fraction: before.inducible_fraction,
        ablated_area_cm2: 0.0,
    }];
    let mut n_ps_before = 0;
    if let Some(k) = before.induced.iter().position(|&b| b) {
        let site = before.sites_mm[k];
        let mut md = pace_site(&sheet.substrate, &cells, site, &protocol)?;
        md.reset_activation_records();
        // Snapshot with the most phase singularities 200–600 ms after pacing.
        md.run(200.0);
        let (mut ps, mut snapshot, mut t_snap) = (Vec::new(), md.clone(), 0.0);
        let mut phase_snap = Vec::new();
        let mut delayed = md.v();
        for _ in 0..40 {
            md.run(10.0);
            let now = md.v();
            let phase = phase_from_delay(&now, &delayed, md.activation_threshold())?;
            let found = phase_singularities(&md, &phase)?;
            if found.len() > ps.len() || t_snap == 0.0 {
                (ps, snapshot, t_snap, phase_snap) = (found, md.clone(), md.t_ms(), phase);
            }
            delayed = now;
        }
        let md = snapshot;
        n_ps_before = ps.len();
        println!(
            "  AF induced from ({:.0}, {:.0}) mm: {} phase singularities at t = {:.0} ms",
            site[0],
            site[1],
            ps.len(),
            t_snap
        );
        map_svg(
            &out.join("before_activation.svg"),
            "last activation (ms) during induced AF, with phase singularities",
            &activation_map(&md, false),
            dx,
            None,
            &ps,
        )?;
        map_svg(
            &out.join("before_vm.svg"),
            "Vm (mV) during induced AF, with phase singularities",
            &md.to_grid(&md.v_mv()),
            dx,
            None,
            &ps,
        )?;
        // The same snapshot for ParaView: activation, Vm and phase maps.
        write_vti(
            out.join("before_af.vti"),
            &sheet.substrate.domain.grid,
            &[
                ("last_activation_ms", &activation_map(&md, false)),
                ("vm_mv", &md.to_grid(&md.v_mv())),
                ("phase_rad", &md.to_grid(&phase_snap)),
            ],
        )?;
    }

    // 2. PVI, then twin-guided targets added to it (round 0 is PVI itself).
    let guided = guided_ablation(
        &sheet,
        &cells,
        Strategy::Pvi,
        &opts,
        &protocol,
        &GuideOptions {
            max_rounds: 2,
            ..GuideOptions::default()
        },
    )?;
    let mut tested = Vec::new();
    for r in &guided.rounds {
        tested.push((
            r.strategy.name(),
            r.strategy.clone(),
            opts,
            r.ablated_area_cm2,
        ));
        line(&r.strategy.name(), r.ablated_area_cm2, &r.result);
        outcomes.push(StrategyOutcome {
            strategy: r.strategy.name(),
            inducible_fraction: r.result.inducible_fraction,
            ablated_area_cm2: r.ablated_area_cm2,
        });
    }
    let last = guided.last();
    let pvi_lesions = lesion_set(&sheet, &Strategy::Pvi, &opts)?;
    map_svg(
        &out.join("pvi_reentry_cells.svg"),
        "re-entry cell visits after PVI (the guided targets), PVI lesions",
        &reentry_map(&sheet, &guided.rounds[0].result, protocol.reentry_cell_mm),
        dx,
        Some(&pvi_lesions.mapv(|t| t > 0.0)),
        &[],
    )?;

    // 3. Standard line sets and an incomplete PVI.
    let mut standard: Vec<(String, Strategy, LesionOptions)> =
        [Strategy::PviRoof, Strategy::PviMitral, Strategy::PviBox]
            .into_iter()
            .map(|s| (s.name(), s, opts))
            .collect();
    standard.push((
        "PVI (6 mm gaps)".into(),
        Strategy::Pvi,
        LesionOptions {
            gap_mm: 6.0,
            ..opts
        },
    ));
    for (name, s, o) in standard {
        let lesions = lesion_set(&sheet, &s, &o)?;
        let area = ablated_measure_cm(&sheet.substrate, &lesions);
        let res = inducibility(&sheet.substrate, &cells, &lesions, &protocol)?;
        line(&name, area, &res);
        outcomes.push(StrategyOutcome {
            strategy: name.clone(),
            inducible_fraction: res.inducible_fraction,
            ablated_area_cm2: area,
        });
        tested.push((name, s, o, area));
    }
    for (name, s, o, _) in &tested {
        after_map(
            &sheet,
            &cells,
            &lesion_set(&sheet, s, o)?,
            dt_ms,
            &out.join(format!("after_{}_activation.svg", file_name(name))),
            &format!("activation (ms) after {name}"),
        )?;
    }
    // 4. A second patient whose LGE shows one compact fibrotic patch (6 mm
    // radius) on the floor: re-entry anchors on it, so PVI alone fails and
    // a twin-guided target on the patch added to PVI is what is needed.
    let patient_b = AfPatient {
        la_diameter_mm: 30.0,
        fibrosis_burden: 0.0,
        ..patient
    };
    let sheet_b = patient_b.sheet(dx, |s| {
        let g = s.substrate.domain.grid;
        Ok(Array3::from_shape_fn(g.shape, |(i, j, k)| {
            let p = g.centre_mm(i, j, k);
            (p[0] - 30.0).powi(2) + (p[1] - 14.0).powi(2) <= 36.0
        }))
    })?;
    println!("patient B: LA 30 mm, one 6 mm fibrotic patch on the floor");
    let guided_b = guided_ablation(
        &sheet_b,
        &cells_of(&patient_b)?,
        Strategy::Pvi,
        &opts,
        &protocol,
        &GuideOptions::default(),
    )?;
    let mut outcomes_b = Vec::new();
    for r in &guided_b.rounds {
        line(&r.strategy.name(), r.ablated_area_cm2, &r.result);
        outcomes_b.push(StrategyOutcome {
            strategy: r.strategy.name(),
            inducible_fraction: r.result.inducible_fraction,
            ablated_area_cm2: r.ablated_area_cm2,
        });
    }
    after_map(
        &sheet_b,
        &cells_of(&patient_b)?,
        &lesion_set(&sheet_b, &guided_b.last().strategy, &opts)?,
        dt_ms,
        &out.join("patient_b_after_guided_activation.svg"),
        &format!(
            "patient B: activation (ms) after {}",
            guided_b.last().strategy.name()
        ),
    )?;
    let rec_b = recommend(&outcomes_b).ok_or("no strategy")?;
    let rec = recommend(&outcomes[1..]).ok_or("no strategy")?;
    let runtime_s = started.elapsed().as_secs_f64();
    println!(
        "recommendation: {} ({:.2} cm², inducible fraction {:.2}); {:.0} s",
        rec.strategy, rec.ablated_area_cm2, rec.inducible_fraction, runtime_s
    );
    let targets = match &last.strategy {
        Strategy::Targeted { targets_mm, .. } => targets_mm.clone(),
        _ => Vec::new(),
    };
    let summary = serde_json::json!({
        "patient": patient,
        "cells": cell_name,
        "dx_mm": dx,
        "protocol": protocol,
        "phase_singularities_before": n_ps_before,
        "twin_guided_targets_mm": targets,
        "strategies": outcomes,
        "recommendation": rec.strategy,
        "recommendation_non_inducible": rec.inducible_fraction == 0.0,
        "patient_b": {
            "strategies": outcomes_b,
            "recommendation": rec_b.strategy,
            "recommendation_non_inducible": rec_b.inducible_fraction == 0.0,
        },
        "runtime_s": runtime_s,
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
