//! Ablation lesions on a grid: polylines of given width with optional gaps.

use ndarray::Array3;
use serde::{Deserialize, Serialize};
use twin_core::pde::Grid;

use crate::error::{CardiacError, Result};

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
    /// polyline and outside every gap.
    pub fn rasterise(&self, grid: &Grid) -> Result<Array3<bool>> {
        if self.points_mm.len() < 2 {
            return Err(CardiacError::invalid(
                "points_mm.len",
                self.points_mm.len(),
                ">= 2 vertices",
            ));
        }
        if !(self.width_mm.is_finite() && self.width_mm > 0.0) {
            return Err(CardiacError::invalid("width_mm", self.width_mm, "> 0 mm"));
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

/// Union of lesion masks.
pub fn union(masks: &[Array3<bool>]) -> Option<Array3<bool>> {
    let mut it = masks.iter();
    let mut out = it.next()?.clone();
    for m in it {
        out.zip_mut_with(m, |a, &b| *a |= b);
    }
    Some(out)
}
