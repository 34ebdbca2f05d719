//! Ablation lesions on a grid: polylines of given width with optional gaps,
//! focal disks, and their transmurality.
//!
//! A lesion set is a **transmurality map**: per voxel the fraction of the wall
//! depth that is ablated (0 = untouched, 1 = transmural scar). A 2D sheet
//! stands for a wall of uniform thickness; a non-transmural lesion leaves a
//! conducting layer of `1 − t` of the wall, modelled as the voxel's
//! diffusivities scaled by `1 − t` (the conductance of the surviving layer,
//! cells intact). Transmural voxels are removed from the tissue.

use ndarray::Array3;
use serde::{Deserialize, Serialize};
use twin_core::pde::Grid;

use crate::error::{CardiacError, Result};
use crate::tissue::Substrate;

/// Options shared by every lesion of a strategy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LesionOptions {
    /// Lesion width (mm); radiofrequency lesions are typically 4–6 mm wide.
    /// Must be at least the grid spacing (checked when rasterised).
    pub width_mm: f64,
    /// Fraction of the wall depth ablated, in (0, 1]; 1 = transmural.
    pub transmurality: f64,
    /// Length (mm) of one gap left in every line and antral circle (0 = none);
    /// circles get it on the side facing the atrial body, lines at their middle.
    pub gap_mm: f64,
    /// Radius (mm) of the focal lesion at a twin-guided target; 3.5 mm
    /// covers a 5 mm re-entry cell.
    pub target_radius_mm: f64,
}

impl Default for LesionOptions {
    /// Complete transmural 4 mm lines without gaps.
    fn default() -> Self {
        Self {
            width_mm: 4.0,
            transmurality: 1.0,
            gap_mm: 0.0,
            target_radius_mm: 3.5,
        }
    }
}

impl LesionOptions {
    /// Check the ranges.
    pub fn validate(&self) -> Result<()> {
        if !(self.width_mm.is_finite() && self.width_mm > 0.0) {
            return Err(CardiacError::invalid("width_mm", self.width_mm, "> 0 mm"));
        }
        if !(self.transmurality > 0.0 && self.transmurality <= 1.0) {
            return Err(CardiacError::invalid(
                "transmurality",
                self.transmurality,
                "a fraction of the wall depth in (0, 1]",
            ));
        }
        if !(self.target_radius_mm.is_finite() && self.target_radius_mm > 0.0) {
            return Err(CardiacError::invalid(
                "target_radius_mm",
                self.target_radius_mm,
                "> 0 mm",
            ));
        }
        if !(self.gap_mm.is_finite() && self.gap_mm >= 0.0) {
            return Err(CardiacError::invalid("gap_mm", self.gap_mm, ">= 0 mm"));
        }
        Ok(())
    }
}

/// Apply a transmurality map to a substrate (in place): voxels with `t >= 1`
/// become non-tissue, voxels with `0 < t < 1` keep `1 − t` of their
/// diffusivities.
pub fn apply_lesions(sub: &mut Substrate, transmurality: &Array3<f64>) -> Result<()> {
    sub.domain
        .grid
        .check_shape("transmurality", transmurality)
        .map_err(crate::tissue::substrate::core_err)?;
    if let Some(bad) = transmurality.iter().find(|t| !(0.0..=1.0).contains(*t)) {
        return Err(CardiacError::invalid(
            "transmurality",
            bad,
            "a fraction in [0, 1]",
        ));
    }
    for (idx, &t) in transmurality.indexed_iter() {
        if t >= 1.0 {
            sub.domain.mask[idx] = false;
        } else if t > 0.0 {
            sub.d_long_mm2_per_ms[idx] *= 1.0 - t;
            sub.d_trans_mm2_per_ms[idx] *= 1.0 - t;
        }
    }
    sub.validate()
}

/// Ablated tissue area (2D, cm²) or volume (3D, cm³): tissue voxels with
/// any ablation depth.
pub fn ablated_measure_cm(sub: &Substrate, transmurality: &Array3<f64>) -> f64 {
    let touched = Array3::from_shape_fn(sub.domain.grid.shape, |idx| {
        sub.domain.mask[idx] && transmurality.get(idx).is_some_and(|&t| t > 0.0)
    });
    sub.measure_cm(&touched)
}

/// A linear lesion: a polyline (mm, in the sheet plane) burnt with a width,
/// optionally leaving gaps (incomplete lines).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineLesion {
    /// Polyline vertices (mm).
    pub points_mm: Vec<[f64; 2]>,
    /// Lesion width (mm).
    pub width_mm: f64,
    /// Gaps: (position along the line as a fraction of its length, gap length mm).
    pub gaps: Vec<(f64, f64)>,
}

impl LineLesion {
    /// A closed ellipse (polygon with 72 vertices) centred at `c` with
    /// semi-axes `a` (x) and `b` (y).
    pub fn ellipse(c: [f64; 2], a: f64, b: f64, width_mm: f64) -> Self {
        let pts = (0..=72)
            .map(|k| {
                let t = k as f64 / 72.0 * std::f64::consts::TAU;
                [c[0] + a * t.cos(), c[1] + b * t.sin()]
            })
            .collect();
        Self {
            points_mm: pts,
            width_mm,
            gaps: Vec::new(),
        }
    }

    /// Rasterise onto a 2D grid: voxels whose centre lies within width/2 of the
    /// polyline and outside every gap. Errors unless the width is at least the
    /// in-plane grid spacing: a narrower band can pass between voxel centres
    /// and leave the line with holes, or empty.
    pub fn rasterise(&self, grid: &Grid) -> Result<Array3<bool>> {
        if self.points_mm.len() < 2 {
            return Err(CardiacError::invalid(
                "points_mm.len",
                self.points_mm.len(),
                ">= 2 vertices",
            ));
        }
        let spacing = grid.spacing_mm[0].max(grid.spacing_mm[1]);
        // A band at least one spacing wide holds a voxel centre in every grid
        // column (or row) it crosses.
        if !(self.width_mm.is_finite() && self.width_mm >= spacing) {
            return Err(CardiacError::invalid(
                "width_mm",
                self.width_mm,
                format!(">= the in-plane grid spacing {spacing} mm"),
            ));
        }
        let seg_len: Vec<f64> = self
            .points_mm
            .windows(2)
            .map(|w| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt())
            .collect();
        let total: f64 = seg_len.iter().sum();
        let half = 0.5 * self.width_mm;
        Ok(Array3::from_shape_fn(grid.shape, |(i, j, k)| {
            let p = grid.centre_mm(i, j, k);
            let mut s0 = 0.0;
            for (w, &l) in self.points_mm.windows(2).zip(&seg_len) {
                let (a, b) = (w[0], w[1]);
                let t = if l > 0.0 {
                    (((p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1])) / (l * l))
                        .clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let q = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
                if (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) <= half * half {
                    let s = s0 + t * l;
                    let in_gap = self
                        .gaps
                        .iter()
                        .any(|&(f, g)| (s - f * total).abs() <= 0.5 * g);
                    if !in_gap {
                        return true;
                    }
                }
                s0 += l;
            }
            false
        }))
    }
}

/// Disk lesion (a focal ablation) of `radius_mm` at `c`.
pub fn disk_lesion(grid: &Grid, c: [f64; 2], radius_mm: f64) -> Array3<bool> {
    Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let p = grid.centre_mm(i, j, k);
        (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) <= radius_mm * radius_mm
    })
}

/// Transmurality map from a union of lesion masks burnt to depth `t`.
pub fn depth_map(masks: &[Array3<bool>], grid: &Grid, t: f64) -> Array3<f64> {
    let mut out = Array3::zeros(grid.shape);
    for m in masks {
        out.zip_mut_with(m, |a: &mut f64, &b| {
            if b {
                *a = t;
            }
        });
    }
    out
}

/// Union of lesion masks.
pub fn union(masks: &[Array3<bool>]) -> Option<Array3<bool>> {
    let mut it = masks.iter();
    let mut out = it.next()?.clone();
    for m in it {
        out.zip_mut_with(m, |a, &b| *a |= b);
    }
    Some(out)
}
