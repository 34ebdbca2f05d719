//! Named ablation strategies on the 2D left-atrial sheet.

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use super::lesion::{LineLesion, disk_lesion, union};
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
    /// PVI plus roof and inferior lines (posterior-wall box isolation).
    PviBox,
    /// PVI plus focal lesions at twin-identified rotor sites (mm).
    PviRotors(Vec<[f64; 2]>),
}

impl Strategy {
    /// Short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pvi => "PVI",
            Self::PviRoof => "PVI+roof",
            Self::PviMitral => "PVI+mitral",
            Self::PviBox => "PVI+box",
            Self::PviRotors(_) => "PVI+rotor-targets",
        }
    }
}

/// Lesion width used for all lines (mm); RF lesions are typically 4–6 mm wide.
pub const LESION_WIDTH_MM: f64 = 4.0;

/// Rasterise a strategy onto the sheet's grid.
pub fn lesion_set(sheet: &AtrialSheet, strategy: &Strategy) -> Result<Array3<bool>> {
    let g = sheet.substrate.domain.grid;
    let r = sheet.spec.pv_radius_mm;
    let c = sheet.pv_centres_mm;
    let margin = 0.5 * r + 0.5 * LESION_WIDTH_MM;
    // Antral ellipse around an ipsilateral pair (superior k, inferior k+1).
    let antral = |k: usize| {
        let (s, i) = (c[k], c[k + 1]);
        let centre = [0.5 * (s[0] + i[0]), 0.5 * (s[1] + i[1])];
        LineLesion::ellipse(
            centre,
            r + margin,
            0.5 * (s[1] - i[1]) + r + margin,
            LESION_WIDTH_MM,
        )
    };
    let (left, right) = (antral(0), antral(2));
    let top = |e: &LineLesion| {
        e.points_mm
            .iter()
            .cloned()
            .fold([0.0, f64::MIN], |a, p| if p[1] > a[1] { p } else { a })
    };
    let bottom = |e: &LineLesion| {
        e.points_mm
            .iter()
            .cloned()
            .fold([0.0, f64::MAX], |a, p| if p[1] < a[1] { p } else { a })
    };
    let line = |a: [f64; 2], b: [f64; 2]| LineLesion {
        points_mm: vec![a, b],
        width_mm: LESION_WIDTH_MM,
        gaps: Vec::new(),
    };
    let mut parts = Vec::new();
    if *strategy != Strategy::None {
        parts.push(left.rasterise(&g)?);
        parts.push(right.rasterise(&g)?);
    }
    match strategy {
        Strategy::None | Strategy::Pvi => {}
        Strategy::PviRoof => parts.push(line(top(&left), top(&right)).rasterise(&g)?),
        Strategy::PviMitral => {
            let b = bottom(&left);
            parts.push(line(b, [b[0], -LESION_WIDTH_MM]).rasterise(&g)?);
        }
        Strategy::PviBox => {
            parts.push(line(top(&left), top(&right)).rasterise(&g)?);
            parts.push(line(bottom(&left), bottom(&right)).rasterise(&g)?);
        }
        Strategy::PviRotors(sites) => {
            for s in sites {
                parts.push(disk_lesion(&g, *s, 0.75 * LESION_WIDTH_MM));
            }
        }
    }
    Ok(union(&parts).unwrap_or_else(|| Array3::from_elem(g.shape, false)))
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

/// Twin-guided targets: the `n` locations (mm) visited most often by phase
/// singularities, at least `min_separation_mm` apart (rotor anchoring sites).
pub fn rotor_targets(
    ps_positions_mm: &[[f64; 2]],
    cell_mm: f64,
    n: usize,
    min_separation_mm: f64,
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
    let mut out: Vec<[f64; 2]> = Vec::new();
    for ((i, j), _) in cells {
        let c = [(i as f64 + 0.5) * cell_mm, (j as f64 + 0.5) * cell_mm];
        if out
            .iter()
            .all(|o| ((o[0] - c[0]).powi(2) + (o[1] - c[1]).powi(2)).sqrt() >= min_separation_mm)
        {
            out.push(c);
        }
        if out.len() == n {
            break;
        }
    }
    out
}
