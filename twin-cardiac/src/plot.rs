//! SVG maps of 2D sheets (activation times, membrane potential) with lesions
//! and phase singularities overlaid.

use std::path::Path;

use ndarray::Array3;
use plotters::prelude::*;

use crate::analysis::PhaseSingularity;
use crate::error::{CardiacError, Result};

fn plot_err(e: impl std::fmt::Display) -> CardiacError {
    CardiacError::invalid("svg output", e, "a writable path")
}

/// Colour for a value in [0, 1] (blue → cyan → yellow → red).
fn colour(x: f64) -> RGBColor {
    let x = x.clamp(0.0, 1.0);
    let stops = [
        (0.0, (40, 40, 160)),
        (0.33, (40, 190, 210)),
        (0.66, (240, 220, 60)),
        (1.0, (200, 30, 30)),
    ];
    for w in stops.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        if x <= b {
            let t = (x - a) / (b - a);
            let l = |p: u8, q: u8| (p as f64 + t * (q as f64 - p as f64)) as u8;
            return RGBColor(l(ca.0, cb.0), l(ca.1, cb.1), l(ca.2, cb.2));
        }
    }
    RGBColor(200, 30, 30)
}

/// Write an SVG map of a 2D field (`[nx, ny, 1]`, NaN = no tissue, drawn
/// white) with `lesion` voxels in black and phase singularities as
/// circles (white +1, magenta −1). The axes are world mm of a grid with
/// origin 0 and spacing `spacing_mm`: voxel `(i, j)` is drawn centred on its
/// centre `(i, j) · spacing_mm`, where [`PhaseSingularity`] positions are.
pub fn map_svg(
    path: &Path,
    title: &str,
    field: &Array3<f64>,
    spacing_mm: f64,
    lesion: Option<&Array3<bool>>,
    singularities: &[PhaseSingularity],
) -> Result<()> {
    let (nx, ny) = (field.shape()[0], field.shape()[1]);
    let finite: Vec<f64> = field.iter().cloned().filter(|v| v.is_finite()).collect();
    let (lo, hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (w, h) = (nx as f64 * spacing_mm, ny as f64 * spacing_mm);
    // Voxels span half a spacing either side of their centres.
    let half = 0.5 * spacing_mm;
    let px = 480u32;
    let root =
        SVGBackend::new(path, (px + 60, ((px as f64) * h / w) as u32 + 70)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{title} [{lo:.0} … {hi:.0}]"), ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(36)
        .build_cartesian_2d(-half..w - half, -half..h - half)
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x (mm)")
        .y_desc("y (mm)")
        .draw()
        .map_err(plot_err)?;
    // Coarsen to at most ~160 × 160 rectangles to keep the SVG small.
    let step = (nx.max(ny) / 160).max(1);
    for i in (0..nx).step_by(step) {
        for j in (0..ny).step_by(step) {
            let v = field[[i, j, 0]];
            let les = lesion.is_some_and(|l| l[[i, j, 0]]);
            let c = if les {
                BLACK
            } else if v.is_finite() {
                colour((v - lo) / span)
            } else {
                WHITE
            };
            let (x0, y0) = (i as f64 * spacing_mm - half, j as f64 * spacing_mm - half);
            let d = step as f64 * spacing_mm;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, y0), (x0 + d, y0 + d)],
                    c.filled(),
                )))
                .map_err(plot_err)?;
        }
    }
    for ps in singularities {
        let c = if ps.charge > 0 { WHITE } else { MAGENTA };
        chart
            .draw_series(std::iter::once(Circle::new(
                (ps.x_mm, ps.y_mm),
                5,
                c.stroke_width(2),
            )))
            .map_err(plot_err)?;
    }
    root.present().map_err(plot_err)?;
    Ok(())
}
