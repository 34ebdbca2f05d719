//! SVG plots of a validation report (plotters, SVG backend): ROC curve, calibration
//! curve, Kaplan–Meier by risk group, decision curve. Each returns the SVG text.

use plotters::prelude::*;

use crate::error::{Result, ValidateError};

/// One named line of a plot: (x, y) points, drawn as a polyline or a step function.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
    /// Draw as a right-continuous step function (survival curves).
    pub step: bool,
    /// Draw a dashed reference line in grey instead of a coloured line.
    pub reference: bool,
}

/// The colour-blind-safe palette (Okabe & Ito 2008) of every plot of the project.
pub const COLOURS: [RGBColor; 5] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
];

fn draw_err(e: impl std::fmt::Display) -> ValidateError {
    ValidateError::Output {
        path: "svg".into(),
        reason: e.to_string(),
    }
}

/// Line chart of `series` with axis labels, as SVG text. The x range covers all points;
/// the y range too unless `y_range` fixes it (e.g. (0, 1) for probabilities).
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    y_range: Option<(f64, f64)>,
) -> Result<String> {
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(x, y) in pts.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    if !x0.is_finite() {
        return Err(ValidateError::invalid(
            "series",
            "no finite points",
            "at least one finite point",
        ));
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    if let Some(r) = y_range {
        (y0, y1) = r;
    }
    let pad = 0.03 * (y1 - y0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .draw()
            .map_err(draw_err)?;
        let mut colour = COLOURS.iter().cycle();
        for s in series {
            let pts: Vec<(f64, f64)> = if s.step {
                let mut v = Vec::with_capacity(2 * s.points.len());
                for (k, &(x, y)) in s.points.iter().enumerate() {
                    if k > 0 {
                        v.push((x, s.points[k - 1].1));
                    }
                    v.push((x, y));
                }
                v
            } else {
                s.points.clone()
            };
            let style: ShapeStyle = if s.reference {
                RGBColor(120, 120, 120).stroke_width(1)
            } else {
                colour.next().expect("cycle").stroke_width(2)
            };
            chart
                .draw_series(LineSeries::new(pts, style))
                .map_err(draw_err)?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}
