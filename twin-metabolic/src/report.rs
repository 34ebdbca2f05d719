//! SVG pictures of forecasts and trials (plotters, SVG backend).

use crate::error::{MetabolicError, Result};
use crate::trial::TrialResult;
use crate::twin::{Band, PlanForecast};
use plotters::prelude::*;

const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(230, 159, 0),
];

fn err(e: impl std::fmt::Display) -> MetabolicError {
    MetabolicError::invalid("svg", e, "a drawable figure")
}

/// One panel: title, y label, and (label, band) per plan.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    bands: &[(&str, &Band)],
    log_y: bool,
) -> Result<()> {
    let tf = |y: f64| if log_y { y.max(1e-3).log10() } else { y };
    let (mut y0, mut y1, mut x1) = (f64::INFINITY, f64::NEG_INFINITY, 0.0_f64);
    for (_, b) in bands {
        for k in 0..b.t_years.len() {
            y0 = y0.min(tf(b.p05[k]));
            y1 = y1.max(tf(b.p95[k]));
            x1 = x1.max(b.t_years[k]);
        }
    }
    if !(y0.is_finite() && y1.is_finite()) {
        return Ok(());
    }
    let pad = 0.05 * (y1 - y0).max(1e-6);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(45)
        .build_cartesian_2d(0.0..x1.max(1e-6), (y0 - pad)..(y1 + pad))
        .map_err(err)?;
    chart.configure_mesh().x_desc("years").draw().map_err(err)?;
    for (i, (label, b)) in bands.iter().enumerate() {
        let c = COLOURS[i % COLOURS.len()];
        let mut poly: Vec<(f64, f64)> = b
            .t_years
            .iter()
            .zip(&b.p95)
            .map(|(t, y)| (*t, tf(*y)))
            .collect();
        poly.extend(
            b.t_years
                .iter()
                .zip(&b.p05)
                .rev()
                .map(|(t, y)| (*t, tf(*y))),
        );
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                b.t_years.iter().zip(&b.median).map(|(t, y)| (*t, tf(*y))),
                c.stroke_width(2),
            ))
            .map_err(err)?
            .label(label.to_string())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 10))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Four panels (HbA1c, weight, eGFR, log10 UACR) with the median and 90 % band of each
/// plan, for the plans given (feasible ones only). Returns SVG text.
pub fn forecast_svg(plans: &[&PlanForecast]) -> Result<String> {
    let plans: Vec<&PlanForecast> = plans
        .iter()
        .copied()
        .filter(|p| p.infeasible.is_none())
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, 800)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let areas = root.split_evenly((2, 2));
        let sel = |f: fn(&PlanForecast) -> &Band| {
            plans
                .iter()
                .map(|p| (p.plan.name.as_str(), f(p)))
                .collect::<Vec<_>>()
        };
        panel(
            &areas[0],
            "HbA1c (%), median and 90 % interval",
            &sel(|p| &p.hba1c_band),
            false,
        )?;
        panel(&areas[1], "Weight (kg)", &sel(|p| &p.weight_band), false)?;
        panel(
            &areas[2],
            "eGFR (mL/min/1.73 m²)",
            &sel(|p| &p.egfr_band),
            false,
        )?;
        panel(&areas[3], "UACR (log10 mg/g)", &sel(|p| &p.uacr_band), true)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Cumulative incidence of the first endpoint and mean HbA1c per arm of a trial. SVG text.
pub fn trial_svg(result: &TrialResult) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, 450)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let areas = root.split_evenly((1, 2));
        let to_band = |t: &[f64], y: &[f64]| Band {
            t_years: t.to_vec(),
            median: y.to_vec(),
            p05: y.to_vec(),
            p95: y.to_vec(),
        };
        let ci: Vec<(String, Band)> = result
            .arms
            .iter()
            .filter_map(|a| {
                a.endpoints
                    .first()
                    .map(|e| (a.name.clone(), to_band(&a.t_years, &e.cumulative_incidence)))
            })
            .collect();
        let title = result.arms[0]
            .endpoints
            .first()
            .map_or("endpoint".to_string(), |e| {
                format!("Cumulative incidence: {}", e.name)
            });
        let refs: Vec<(&str, &Band)> = ci.iter().map(|(n, b)| (n.as_str(), b)).collect();
        panel(&areas[0], &title, &refs, false)?;
        let a1c: Vec<(String, Band)> = result
            .arms
            .iter()
            .map(|a| (a.name.clone(), to_band(&a.t_years, &a.mean_hba1c_percent)))
            .collect();
        let refs: Vec<(&str, &Band)> = a1c.iter().map(|(n, b)| (n.as_str(), b)).collect();
        panel(&areas[1], "Mean HbA1c (%)", &refs, false)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
