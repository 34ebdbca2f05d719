//! Forecast bands of tumour size and neutrophils per regimen, and their SVG.

use super::simulate::{SimSettings, simulate};
use super::therapy::{DoseRules, Regimen};
use super::twin::PatientTwin;
use crate::error::{OncologyError, Result};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::calibrate::{PredictionBand, prediction_band};

/// Pointwise median and 90% band of one regimen's forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegimenBands {
    /// Regimen name.
    pub regimen: String,
    /// Days after the decision.
    pub t_days: Vec<f64>,
    /// Sum of diameters, mm.
    pub size_mm: PredictionBand,
    /// Neutrophils, 10⁹/L.
    pub anc_1e9_per_l: PredictionBand,
}

/// Forecast bands over `draws` (posterior vectors, natural units) for each
/// regimen, starting `shift_days` after the record's day 0 (see
/// [`PatientTwin::draws_at`]), on a grid of `step_days` up to `horizon_days`.
pub fn forecast_bands(
    twin: &PatientTwin,
    regimens: &[Regimen],
    draws: &[Vec<f64>],
    shift_days: f64,
    horizon_days: f64,
    step_days: f64,
) -> Result<Vec<RegimenBands>> {
    let n_grid = (horizon_days / step_days).floor() as usize + 1;
    let t: Vec<f64> = (0..n_grid).map(|k| k as f64 * step_days).collect();
    let settings = SimSettings {
        horizon_days,
        grid_days: step_days,
        keep_trajectory: true,
        stop_at_progression: false,
        ..Default::default()
    };
    regimens
        .iter()
        .map(|r| {
            let run = |x: &[f64]| -> twin_core::Result<Vec<f64>> {
                let mut p = twin.params_from_vector(x);
                p.tumour.baseline_mm *= (p.tumour.kl_per_day * shift_days).exp();
                let o = simulate(&p, r, &DoseRules::default(), &settings).map_err(|e| {
                    twin_core::CoreError::invalid("forecast", e, "a simulable draw")
                })?;
                let tr = o.trajectory.unwrap_or_default();
                let mut v: Vec<f64> = tr.size_mm.iter().take(n_grid).copied().collect();
                v.extend(tr.anc_1e9_per_l.iter().take(n_grid));
                Ok(v)
            };
            let band = prediction_band(draws, run, 0.9)?;
            let split = |b: &PredictionBand, lo: usize| PredictionBand {
                level: b.level,
                median: b.median[lo..lo + n_grid].to_vec(),
                lower: b.lower[lo..lo + n_grid].to_vec(),
                upper: b.upper[lo..lo + n_grid].to_vec(),
                n_draws: b.n_draws,
            };
            Ok(RegimenBands {
                regimen: r.name.clone(),
                t_days: t.clone(),
                size_mm: split(&band, 0),
                anc_1e9_per_l: split(&band, n_grid),
            })
        })
        .collect()
}

fn plot_err(e: impl std::fmt::Display) -> OncologyError {
    OncologyError::Io {
        what: "SVG".into(),
        message: e.to_string(),
    }
}

/// Two panels (size, neutrophils): median lines and shaded 90% bands.
pub fn write_svg(path: &std::path::Path, bands: &[RegimenBands]) -> Result<()> {
    let root = SVGBackend::new(path, (1000, 800)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let panels = root.split_evenly((2, 1));
    let colours = [RED, BLUE, GREEN, MAGENTA, RGBColor(230, 140, 0)];
    let t_max = bands
        .iter()
        .flat_map(|b| b.t_days.last())
        .fold(1.0f64, |a, &b| a.max(b));
    for (panel, (title, pick)) in panels.iter().zip([
        ("sum of target-lesion diameters (mm)", 0usize),
        ("neutrophils (10^9/L); grade 4 below 0.5", 1usize),
    ]) {
        let get = |b: &RegimenBands| {
            if pick == 0 {
                b.size_mm.clone()
            } else {
                b.anc_1e9_per_l.clone()
            }
        };
        let y_max = bands
            .iter()
            .flat_map(|b| get(b).upper)
            .fold(1.0f64, f64::max)
            * 1.05;
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..t_max, 0.0..y_max)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("days after decision")
            .draw()
            .map_err(plot_err)?;
        for (b, colour) in bands.iter().zip(colours.iter().cycle()) {
            let band = get(b);
            let mut poly: Vec<(f64, f64)> = b
                .t_days
                .iter()
                .copied()
                .zip(band.upper.iter().copied())
                .collect();
            poly.extend(
                b.t_days
                    .iter()
                    .copied()
                    .zip(band.lower.iter().copied())
                    .rev(),
            );
            chart
                .draw_series(std::iter::once(Polygon::new(poly, colour.mix(0.12))))
                .map_err(plot_err)?;
            chart
                .draw_series(LineSeries::new(
                    b.t_days.iter().copied().zip(band.median.iter().copied()),
                    colour,
                ))
                .map_err(plot_err)?
                .label(b.regimen.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], colour));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;
    }
    root.present().map_err(plot_err)
}
