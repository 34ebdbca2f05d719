//! SVG heat maps of 2D slices (plotters, SVG backend).

use std::path::Path;

use ndarray::Array2;
use plotters::prelude::*;

use crate::error::{CoreError, Result};

/// Five anchor colours of the viridis colour map (perceptually uniform,
/// colour-blind safe), interpolated linearly.
const VIRIDIS: [(u8, u8, u8); 5] = [
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),
];

fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let w = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + w * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Options of [`write_heatmap_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapOptions {
    /// Pixel size (mm) along the array's first and second axis (sets the aspect ratio).
    pub pixel_mm: [f64; 2],
    /// Colour range; `None` uses the finite min and max of the inside values.
    pub range: Option<(f64, f64)>,
    /// Title written above the map (keep it free of identifying data).
    pub title: String,
    /// Width of the picture in SVG pixels.
    pub width_px: u32,
}

impl Default for HeatmapOptions {
    fn default() -> Self {
        Self {
            pixel_mm: [1.0, 1.0],
            range: None,
            title: String::new(),
            width_px: 600,
        }
    }
}

fn draw_err(e: impl std::fmt::Display) -> CoreError {
    CoreError::invalid("svg output", e, "a writable path")
}

/// Write `values` (first axis to the right, second axis up) as an SVG heat map;
/// voxels where `mask` is false are drawn light grey. Returns the colour range used.
///
/// Errors on an empty `values`, a `mask` of another shape, a pixel size that is
/// not finite and positive, a zero width, or a failed write.
pub fn write_heatmap_svg(
    path: &Path,
    values: &Array2<f64>,
    mask: Option<&Array2<bool>>,
    options: &HeatmapOptions,
) -> Result<(f64, f64)> {
    if values.is_empty() {
        return Err(CoreError::invalid(
            "values",
            format!("shape {:?}", values.shape()),
            "at least one value along each axis",
        ));
    }
    for (axis, &p) in ["pixel_mm[0]", "pixel_mm[1]"].iter().zip(&options.pixel_mm) {
        if !(p.is_finite() && p > 0.0) {
            return Err(CoreError::invalid(*axis, p, "a finite size > 0 mm"));
        }
    }
    if options.width_px == 0 {
        return Err(CoreError::invalid("width_px", 0, ">= 1 pixel"));
    }
    if let Some(m) = mask
        && m.shape() != values.shape()
    {
        return Err(CoreError::ShapeMismatch {
            what: "mask".into(),
            expected: format!("{:?}", values.shape()),
            found: format!("{:?}", m.shape()),
        });
    }
    let inside = |idx: (usize, usize)| mask.is_none_or(|m| m[idx]);
    let (lo, hi) = match options.range {
        Some(r) => r,
        None => values
            .indexed_iter()
            .filter(|(idx, v)| inside(*idx) && v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, &v)| {
                (a.min(v), b.max(v))
            }),
    };
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else {
        (lo.min(0.0), lo.max(0.0) + 1.0)
    };
    let (n0, n1) = values.dim();
    let extent = [
        n0 as f64 * options.pixel_mm[0],
        n1 as f64 * options.pixel_mm[1],
    ];
    let scale = options.width_px as f64 / extent[0];
    let title_px = if options.title.is_empty() { 0 } else { 24 };
    let height = (extent[1] * scale).ceil() as u32 + title_px;
    let root = SVGBackend::new(path, (options.width_px, height)).into_drawing_area();
    root.fill(&WHITE).map_err(draw_err)?;
    if title_px > 0 {
        root.draw_text(
            &options.title,
            &("sans-serif", 16).into_font().color(&BLACK),
            (6, 4),
        )
        .map_err(draw_err)?;
    }
    let (sx, sy) = (options.pixel_mm[0] * scale, options.pixel_mm[1] * scale);
    let colour_at = |i: usize, j: usize| {
        if inside((i, j)) {
            viridis((values[(i, j)] - lo) / (hi - lo))
        } else {
            RGBColor(220, 220, 220)
        }
    };
    // One rectangle per run of equal colour along a row keeps files small.
    for j in 0..n1 {
        // Second axis points up: row j = 0 at the bottom.
        let y1 = title_px as i32 + ((n1 - j) as f64 * sy).ceil() as i32;
        let y0 = title_px as i32 + ((n1 - j - 1) as f64 * sy) as i32;
        let mut start = 0;
        let mut colour = colour_at(0, j);
        for i in 1..=n0 {
            let next = (i < n0).then(|| colour_at(i, j));
            if next == Some(colour) {
                continue;
            }
            let x0 = (start as f64 * sx) as i32;
            let x1 = (i as f64 * sx).ceil() as i32;
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], colour.filled()))
                .map_err(draw_err)?;
            if let Some(c) = next {
                (start, colour) = (i, c);
            }
        }
    }
    root.present().map_err(draw_err)?;
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_map_ends_and_svg_written() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        let dir = std::env::temp_dir().join(format!("twin-core-heatmap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("map.svg");
        let values = Array2::from_shape_fn((4, 3), |(i, j)| (i + j) as f64);
        let range = write_heatmap_svg(&path, &values, None, &HeatmapOptions::default()).unwrap();
        assert_eq!(range, (0.0, 5.0));
        let svg = std::fs::read_to_string(&path).unwrap();
        // Background plus one rectangle per voxel (no two neighbours share a colour).
        assert_eq!(svg.matches("<rect").count(), 1 + 12);
        let flat = Array2::from_elem((5, 2), 1.0);
        write_heatmap_svg(&path, &flat, None, &HeatmapOptions::default()).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert_eq!(svg.matches("<rect").count(), 1 + 2);
        let bad_mask = Array2::from_elem((3, 3), true);
        assert!(
            write_heatmap_svg(&path, &values, Some(&bad_mask), &HeatmapOptions::default()).is_err()
        );
    }
}
