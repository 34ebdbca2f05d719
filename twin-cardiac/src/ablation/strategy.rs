//! Named ablation strategies on the 2D left-atrial sheet.

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use super::lesion::{LesionOptions, LineLesion, depth_map, disk_lesion};
use crate::error::Result;
use crate::geometry::AtrialSheet;

/// An ablation strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Strategy {
    /// No ablation.
    None,
    /// Pulmonary-vein isolation: wide antral circles around the ipsilateral pairs.
    Pvi,
    /// PVI plus a roof line joining the two circles.
    PviRoof,
    /// PVI plus a mitral isthmus line from the left inferior circle to the annulus.
    PviMitral,
    /// PVI plus roof and mitral isthmus lines (joins both circles to the
    /// annulus, so no circuit is left around the isolated regions).
    PviRoofMitral,
    /// PVI plus roof and inferior lines (posterior-wall box isolation).
    PviBox,
    /// A base strategy plus twin-guided targets (mm). Each target is a focal
    /// lesion joined by a line to the nearest non-conducting boundary (sheet
    /// edge or an earlier lesion), so that the circuit around it is cut
    /// rather than given a new obstacle to anchor on.
    Targeted {
        /// The strategy the targets are added to.
        base: Box<Strategy>,
        /// Target positions (mm), in the order they were found.
        targets_mm: Vec<[f64; 2]>,
    },
}

impl Strategy {
    /// Short name for reports, e.g. `PVI+box+2 targets`.
    pub fn name(&self) -> String {
        match self {
            Self::None => "none".into(),
            Self::Pvi => "PVI".into(),
            Self::PviRoof => "PVI+roof".into(),
            Self::PviMitral => "PVI+mitral".into(),
            Self::PviRoofMitral => "PVI+roof+mitral".into(),
            Self::PviBox => "PVI+box".into(),
            Self::Targeted { base, targets_mm } => {
                format!("{}+{} targets", base.name(), targets_mm.len())
            }
        }
    }
}

/// Top (largest y) and bottom vertex of a closed polyline.
fn extreme(e: &LineLesion, top: bool) -> [f64; 2] {
    let key = |p: &&[f64; 2]| if top { p[1] } else { -p[1] };
    *e.points_mm
        .iter()
        .max_by(|a, b| key(a).total_cmp(&key(b)))
        .expect("ellipse has vertices")
}

/// Rasterise a strategy onto the sheet's grid as a transmurality map (see
/// [`super::lesion`]): every lesion voxel gets `opts.transmurality`.
pub fn lesion_set(
    sheet: &AtrialSheet,
    strategy: &Strategy,
    opts: &LesionOptions,
) -> Result<Array3<f64>> {
    opts.validate()?;
    let g = sheet.substrate.domain.grid;
    let masks = lesion_masks(sheet, strategy, opts)?;
    Ok(depth_map(&masks, &g, opts.transmurality))
}

fn lesion_masks(
    sheet: &AtrialSheet,
    strategy: &Strategy,
    opts: &LesionOptions,
) -> Result<Vec<Array3<bool>>> {
    let g = sheet.substrate.domain.grid;
    let w = opts.width_mm;
    let r = sheet.spec.pv_radius_mm;
    let c = sheet.pv_centres_mm;
    let margin = 0.5 * r + 0.5 * w;
    let gaps = |f: f64| {
        if opts.gap_mm > 0.0 {
            vec![(f, opts.gap_mm)]
        } else {
            Vec::new()
        }
    };
    // Antral ellipse around an ipsilateral pair (superior k, inferior k+1),
    // with its gap on the side facing the body (22.5° off the x axis).
    let antral = |k: usize, gap_at: f64| {
        let (s, i) = (c[k], c[k + 1]);
        let mut e = LineLesion::ellipse(
            [0.5 * (s[0] + i[0]), 0.5 * (s[1] + i[1])],
            r + margin,
            0.5 * (s[1] - i[1]) + r + margin,
            w,
        );
        e.gaps = gaps(gap_at);
        e
    };
    let (left, right) = (antral(0, 1.0 / 16.0), antral(2, 7.0 / 16.0));
    let line = |a: [f64; 2], b: [f64; 2]| LineLesion {
        points_mm: vec![a, b],
        width_mm: w,
        gaps: gaps(0.5),
    };
    let mut parts = Vec::new();
    match strategy {
        Strategy::None => {}
        Strategy::Pvi => {}
        Strategy::PviRoof => {
            parts.push(line(extreme(&left, true), extreme(&right, true)).rasterise(&g)?)
        }
        Strategy::PviMitral => {
            let b = extreme(&left, false);
            parts.push(line(b, [b[0], -w]).rasterise(&g)?);
        }
        Strategy::PviRoofMitral => {
            let b = extreme(&left, false);
            parts.push(line(b, [b[0], -w]).rasterise(&g)?);
            parts.push(line(extreme(&left, true), extreme(&right, true)).rasterise(&g)?);
        }
        Strategy::PviBox => {
            parts.push(line(extreme(&left, true), extreme(&right, true)).rasterise(&g)?);
            parts.push(line(extreme(&left, false), extreme(&right, false)).rasterise(&g)?);
        }
        Strategy::Targeted { base, targets_mm } => {
            parts = lesion_masks(sheet, base, opts)?;
            for &t in targets_mm {
                let anchor = nearest_boundary(sheet, &parts, t);
                parts.push(disk_lesion(&g, t, opts.target_radius_mm));
                parts.push(
                    LineLesion {
                        points_mm: vec![t, anchor],
                        width_mm: w,
                        gaps: Vec::new(),
                    }
                    .rasterise(&g)?,
                );
            }
            return Ok(parts);
        }
    }
    if *strategy != Strategy::None {
        parts.push(left.rasterise(&g)?);
        parts.push(right.rasterise(&g)?);
    }
    Ok(parts)
}

/// Nearest point (mm) to `p` on the sheet edge or on an existing lesion.
fn nearest_boundary(sheet: &AtrialSheet, lesions: &[Array3<bool>], p: [f64; 2]) -> [f64; 2] {
    let (w, h) = (sheet.spec.width_mm, sheet.spec.height_mm);
    let mut best = [[0.0, p[1]], [w, p[1]], [p[0], 0.0], [p[0], h]]
        .into_iter()
        .min_by(|a, b| dist2(*a, p).total_cmp(&dist2(*b, p)))
        .expect("four candidates");
    let g = sheet.substrate.domain.grid;
    for m in lesions {
        for (idx, &on) in m.indexed_iter() {
            if on {
                let q = g.centre_mm(idx.0, idx.1, idx.2);
                if dist2([q[0], q[1]], p) < dist2(best, p) {
                    best = [q[0], q[1]];
                }
            }
        }
    }
    best
}

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Outcome of one strategy for one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyOutcome {
    /// Strategy name.
    pub strategy: String,
    /// Fraction of pacing sites from which AF was induced and sustained.
    pub inducible_fraction: f64,
    /// Ablated tissue area (cm²).
    pub ablated_area_cm2: f64,
}

/// The strategy with the least ablated area among those with
/// `inducible_fraction == 0`; if none succeeds, the one with the lowest
/// inducible fraction (ties: least area).
pub fn recommend(outcomes: &[StrategyOutcome]) -> Option<&StrategyOutcome> {
    let ok = outcomes
        .iter()
        .filter(|o| o.inducible_fraction == 0.0)
        .min_by(|a, b| a.ablated_area_cm2.total_cmp(&b.ablated_area_cm2));
    ok.or_else(|| {
        outcomes.iter().min_by(|a, b| {
            a.inducible_fraction
                .total_cmp(&b.inducible_fraction)
                .then(a.ablated_area_cm2.total_cmp(&b.ablated_area_cm2))
        })
    })
}

/// Twin-guided targets: the `n` cells (side `cell_mm`) where re-entry was
/// seen most often (positions from
/// [`super::inducibility::InducibilityResult::reentry_positions_mm`] or
/// phase singularities), returned as cell centres (mm) at least
/// `min_separation_mm` apart from each other and from every position in
/// `exclude_mm`.
pub fn rotor_targets(
    ps_positions_mm: &[[f64; 2]],
    cell_mm: f64,
    n: usize,
    min_separation_mm: f64,
    exclude_mm: &[[f64; 2]],
) -> Vec<[f64; 2]> {
    use std::collections::HashMap;
    let mut counts: HashMap<(i64, i64), usize> = HashMap::new();
    for p in ps_positions_mm {
        *counts
            .entry((
                (p[0] / cell_mm).floor() as i64,
                (p[1] / cell_mm).floor() as i64,
            ))
            .or_default() += 1;
    }
    let mut cells: Vec<((i64, i64), usize)> = counts.into_iter().collect();
    cells.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let sep2 = min_separation_mm * min_separation_mm;
    let mut out: Vec<[f64; 2]> = Vec::new();
    for ((i, j), _) in cells {
        if out.len() == n {
            break;
        }
        let c = [(i as f64 + 0.5) * cell_mm, (j as f64 + 0.5) * cell_mm];
        if out.iter().chain(exclude_mm).all(|&o| dist2(o, c) >= sep2) {
            out.push(c);
        }
    }
    out
}
