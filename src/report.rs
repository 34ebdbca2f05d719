//! The patient report page: one self-contained HTML file per patient, built from a
//! [`TwinResult`] of any disease twin. No network: styles, SVG plots (plotters)
//! and a small self-check script are inline. Only the pseudonymous id appears.
//!
//! The page holds: the data the twin was calibrated on against its fit, the
//! parameter estimates, each plan's forecast with intervals (a forest plot per
//! outcome with an interval, bands over time where the twin gives them), the
//! ranking and why, the warnings, and the twin's credibility figures.
//!
//! The inline script checks on load that every plot has drawn content and writes
//! the result to `<body data-plots="ok N">` (or `fail: …`), and records script
//! errors in `data-errors`: a headless browser reads both (tests/report_browser.rs).

use crate::core::twin::{FitSeries, Forecast, PlanForecast, TwinResult};
use crate::validate::plots::COLOURS;
use plotters::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Drawing a plot failed.
    #[error("plot `{plot}`: {message}")]
    Plot {
        /// Which plot.
        plot: String,
        /// What the backend said.
        message: String,
    },
    /// Serialising a plan failed.
    #[error("plan serialisation: {0}")]
    Json(#[from] serde_json::Error),
    /// The result is malformed (e.g. edited JSON): the message names the field.
    #[error("invalid result: {0}")]
    Invalid(String),
}

/// Escape text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Number for tables: 4 significant figures, `∞` for infinities.
fn num(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    // Zero apart: log10(0) = −∞ would overflow the digit count below (and −0 reads "-0").
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if (1e-3..1e6).contains(&a) {
        let d = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{v:.d$}")
    } else {
        format!("{v:.3e}")
    }
}

fn plot_err(plot: &str) -> impl Fn(String) -> ReportError + '_ {
    move |message| ReportError::Plot {
        plot: plot.to_string(),
        message,
    }
}

/// Days per year (Julian), to show long spans of days as years.
const DAYS_PER_YEAR: f64 = 365.25;

/// Scale and label of a time axis in `unit` spanning `span`: spans of days over two
/// years read as years, anything else stays in the result's unit.
fn time_axis(unit: &str, span: f64) -> (f64, String) {
    if unit == "d" && span > 2.0 * DAYS_PER_YEAR {
        (1.0 / DAYS_PER_YEAR, "years".into())
    } else {
        (1.0, unit.into())
    }
}

/// A trajectory's rows must match its times and names (a hand-edited result may not).
fn check_trajectory(plan: &str, f: &Forecast) -> Result<(), ReportError> {
    for (field, rows) in [
        ("central", &f.central),
        ("lower", &f.lower),
        ("upper", &f.upper),
    ] {
        if rows.len() != f.t.len() {
            return Err(ReportError::Invalid(format!(
                "plan `{plan}` trajectory.{field}: {} rows; allowed one per time of trajectory.t ({})",
                rows.len(),
                f.t.len()
            )));
        }
        if let Some((k, row)) = rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != f.names.len())
        {
            return Err(ReportError::Invalid(format!(
                "plan `{plan}` trajectory.{field}[{k}]: {} values; allowed one per name of trajectory.names ({})",
                row.len(),
                f.names.len()
            )));
        }
    }
    Ok(())
}

/// Range of finite values, padded 5 %, never empty.
fn range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 * (1.0 + lo.abs()) {
        let w = 0.1 * lo.abs().max(1.0);
        return (lo - w, hi + w);
    }
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

/// Observed points and the twin's fit of one calibration quantity.
fn fit_svg(s: &FitSeries, time_unit: &str) -> Result<String, ReportError> {
    let e = plot_err(&s.name);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (520, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
        let (x0, x1) = range(s.t.iter().copied());
        let (y0, y1) = range(s.observed.iter().chain(&s.fitted).copied());
        let mut chart = ChartBuilder::on(&root)
            .caption(&s.name, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|x| e(x.to_string()))?;
        chart
            .configure_mesh()
            .x_desc(format!("time ({time_unit})"))
            .y_desc(&s.unit)
            .draw()
            .map_err(|x| e(x.to_string()))?;
        let fitted: Vec<(f64, f64)> = s.t.iter().copied().zip(s.fitted.iter().copied()).collect();
        chart
            .draw_series(LineSeries::new(fitted.clone(), COLOURS[0].stroke_width(2)))
            .map_err(|x| e(x.to_string()))?
            .label("twin fit")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], COLOURS[0].stroke_width(2))
            });
        chart
            .draw_series(fitted.iter().map(|&p| Cross::new(p, 4, COLOURS[0])))
            .map_err(|x| e(x.to_string()))?;
        chart
            .draw_series(
                s.t.iter()
                    .zip(&s.observed)
                    .map(|(&t, &y)| Circle::new((t, y), 4, COLOURS[1].filled())),
            )
            .map_err(|x| e(x.to_string()))?
            .label("observed")
            .legend(|(x, y)| Circle::new((x + 8, y), 4, COLOURS[1].filled()));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|x| e(x.to_string()))?;
        root.present().map_err(|x| e(x.to_string()))?;
    }
    Ok(svg)
}

/// Forest plot of one outcome: a row per plan (ranked order), central value and interval.
fn forest_svg<P>(rows: &[&PlanForecast<P>], outcome: &str) -> Result<Option<String>, ReportError> {
    let points: Vec<(String, f64, f64, f64, String)> = rows
        .iter()
        .filter_map(|f| {
            f.outcome(outcome).map(|o| {
                (
                    f.plan_name.clone(),
                    o.central,
                    o.lower,
                    o.upper,
                    o.unit.clone(),
                )
            })
        })
        .collect();
    if points.is_empty() {
        return Ok(None);
    }
    let e = plot_err(outcome);
    let unit = points[0].4.clone();
    let (x0, x1) = range(points.iter().flat_map(|p| [p.1, p.2, p.3]));
    let n = points.len();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 90 + 34 * n as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
        let names: Vec<String> = points.iter().map(|p| p.0.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{outcome} ({unit}) by plan"), ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(230)
            .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))
            .map_err(|x| e(x.to_string()))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|y: &f64| {
                let k = y.round();
                if (y - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < names.len() {
                    names[n - 1 - k as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc(&unit)
            .draw()
            .map_err(|x| e(x.to_string()))?;
        for (k, p) in points.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            // An unbounded end is drawn to the plot's edge.
            let (lo, hi) = (p.2.max(x0), p.3.min(x1));
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(lo, y), (hi, y)],
                    COLOURS[0].stroke_width(3),
                )))
                .map_err(|x| e(x.to_string()))?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (p.1, y),
                    5,
                    COLOURS[1].filled(),
                )))
                .map_err(|x| e(x.to_string()))?;
        }
        root.present().map_err(|x| e(x.to_string()))?;
    }
    Ok(Some(svg))
}

/// Bands over time of the first quantity of each plan's trajectory (up to six plans;
/// shapes checked by [`check_trajectory`]), times in `time_unit`.
fn band_svg<P>(rows: &[&PlanForecast<P>], time_unit: &str) -> Result<Option<String>, ReportError> {
    let with: Vec<(&str, &Forecast)> = rows
        .iter()
        .filter_map(|f| f.trajectory.as_ref().map(|t| (f.plan_name.as_str(), t)))
        .filter(|(_, t)| !t.t.is_empty() && !t.names.is_empty())
        .take(COLOURS.len())
        .collect();
    let Some((_, first)) = with.first() else {
        return Ok(None);
    };
    let quantity = first.names[0].clone();
    let e = plot_err(&quantity);
    let (x0, x1) = range(with.iter().flat_map(|(_, t)| t.t.iter().copied()));
    let (scale, unit) = time_axis(time_unit, x1 - x0);
    let (x0, x1) = (x0 * scale, x1 * scale);
    let (y0, y1) = range(
        with.iter()
            .flat_map(|(_, t)| t.lower.iter().chain(&t.upper).map(|r| r[0])),
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(x.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{quantity}: median and {:.0} % band", 100.0 * first.level),
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|x| e(x.to_string()))?;
        chart
            .configure_mesh()
            .x_desc(format!("time from the forecast origin ({unit})"))
            .y_desc(&quantity)
            .draw()
            .map_err(|x| e(x.to_string()))?;
        for (k, (name, t)) in with.iter().enumerate() {
            let c = COLOURS[k];
            let mut poly: Vec<(f64, f64)> =
                t.t.iter()
                    .zip(&t.upper)
                    .map(|(&x, r)| (x * scale, r[0]))
                    .collect();
            poly.extend(
                t.t.iter()
                    .zip(&t.lower)
                    .rev()
                    .map(|(&x, r)| (x * scale, r[0])),
            );
            chart
                .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.15).filled())))
                .map_err(|x| e(x.to_string()))?;
            chart
                .draw_series(LineSeries::new(
                    t.t.iter().zip(&t.central).map(|(&x, r)| (x * scale, r[0])),
                    c.stroke_width(2),
                ))
                .map_err(|x| e(x.to_string()))?
                .label(name.to_string())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|x| e(x.to_string()))?;
        root.present().map_err(|x| e(x.to_string()))?;
    }
    Ok(Some(svg))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}\
th{background:#f3f3f3}.warn{background:#fff4e0;border-left:4px solid #e69500;padding:.4em .8em;margin:.3em 0}\
.plots{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}.muted{color:#666;font-size:.9em}";

/// Checks every plot drew something; results land on `<body>` for a headless browser.
const SELF_CHECK: &str = "window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(String(e.message));document.body.dataset.errors=window.__errors.join(' | ');});\
window.addEventListener('load',function(){var s=document.querySelectorAll('figure svg'),bad=[];\
for(var i=0;i<s.length;i++){var b=s[i].getBBox();if(!(b.width>0&&b.height>0&&s[i].querySelectorAll('*').length>5)){bad.push(i);}}\
document.body.dataset.plots=bad.length?('fail: '+bad.join(',')):('ok '+s.length);});";

/// The HTML page of one result; [`ReportError::Invalid`] if its trajectories' rows
/// do not match their times and names.
pub fn patient_page<P: Serialize>(result: &TwinResult<P>) -> Result<String, ReportError> {
    for f in &result.forecasts {
        if let Some(t) = &f.trajectory {
            check_trajectory(&f.plan_name, t)?;
        }
    }
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} twin report — {}</title><style>{STYLE}</style><script>{SELF_CHECK}</script></head><body>",
        esc(&result.disease),
        esc(result.patient.as_str())
    );
    let _ = write!(
        h,
        "<h1>{} twin — patient {}</h1><p class=\"muted\">Pseudonymous id only. Schema {}. Times in {}. A research tool: not a medical device, not for clinical decisions without review.</p>",
        esc(&result.disease),
        esc(result.patient.as_str()),
        esc(&result.schema),
        esc(&result.time_unit)
    );
    // Warnings first: they qualify everything below.
    h.push_str("<h2>Warnings</h2>");
    if result.warnings.is_empty() {
        h.push_str("<p>None: the patient lies inside the applicability domain.</p>");
    }
    for w in &result.warnings {
        let _ = write!(h, "<div class=\"warn\">{}</div>", esc(w));
    }
    // Ranking.
    let r = &result.ranking;
    let _ = write!(
        h,
        "<h2>Ranking</h2><p><b>Objective:</b> {}.</p><p>{}</p><table><tr><th>rank</th><th>plan</th><th>{}</th><th>why</th></tr>",
        esc(&r.objective.description),
        esc(&r.explanation),
        esc(&r.objective.outcome)
    );
    for p in &r.plans {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.rank,
            esc(&p.plan_name),
            p.value.map(num).unwrap_or_else(|| "—".into()),
            esc(&p.reason)
        );
    }
    h.push_str("</table>");
    // Forecasts in ranked order.
    let ranked: Vec<&PlanForecast<P>> = r
        .plans
        .iter()
        .filter_map(|p| result.forecasts.iter().find(|f| f.plan_name == p.plan_name))
        .collect();
    h.push_str("<h2>Forecasts</h2><div class=\"plots\">");
    let mut names: Vec<&str> = Vec::new();
    for f in &ranked {
        for o in f.outcomes.iter().filter(|o| o.level > 0.0) {
            if !names.contains(&o.name.as_str()) {
                names.push(&o.name);
            }
        }
    }
    for name in &names {
        if let Some(svg) = forest_svg(&ranked, name)? {
            let _ = write!(h, "<figure>{svg}</figure>");
        }
    }
    if let Some(svg) = band_svg(&ranked, &result.time_unit)? {
        let _ = write!(h, "<figure>{svg}</figure>");
    }
    h.push_str("</div>");
    for f in &ranked {
        let _ = write!(h, "<h3>{}</h3>", esc(&f.plan_name));
        if let Some(why) = &f.infeasible {
            let _ = write!(h, "<div class=\"warn\">Cannot be given: {}</div>", esc(why));
        }
        for w in &f.warnings {
            let _ = write!(h, "<div class=\"warn\">{}</div>", esc(w));
        }
        if !f.outcomes.is_empty() {
            h.push_str(
                "<table><tr><th>outcome</th><th>central</th><th>interval</th><th>unit</th></tr>",
            );
            for o in &f.outcomes {
                let interval = if o.level > 0.0 {
                    format!(
                        "[{}, {}] ({:.0} %)",
                        num(o.lower),
                        num(o.upper),
                        100.0 * o.level
                    )
                } else {
                    "exact / no interval".into()
                };
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&o.name),
                    num(o.central),
                    interval,
                    esc(&o.unit)
                );
            }
            h.push_str("</table>");
        }
        let plan = serde_json::to_string_pretty(&f.plan)?;
        let _ = write!(
            h,
            "<details><summary>plan details</summary><pre>{}</pre></details>",
            esc(&plan)
        );
    }
    // Calibration.
    let c = &result.calibration;
    let _ = write!(
        h,
        "<h2>Calibration</h2><p>{}</p><div class=\"plots\">",
        esc(&c.method)
    );
    for s in &c.fit {
        let _ = write!(h, "<figure>{}</figure>", fit_svg(s, &result.time_unit)?);
    }
    h.push_str(
        "</div><table><tr><th>parameter</th><th>estimate</th><th>interval</th><th>unit</th></tr>",
    );
    for p in &c.parameters {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>[{}, {}] ({:.0} %)</td><td>{}</td></tr>",
            esc(&p.name),
            num(p.estimate),
            num(p.lower),
            num(p.upper),
            100.0 * p.level,
            esc(&p.unit)
        );
    }
    h.push_str("</table>");
    // Credibility.
    h.push_str("<h2>Model credibility</h2><table><tr><th>kind</th><th>claim</th><th>figure</th><th>reproduce with</th></tr>");
    for item in &result.credibility {
        let _ = write!(
            h,
            "<tr><td>{:?}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            item.kind,
            esc(&item.claim),
            esc(&item.figure),
            esc(&item.source)
        );
    }
    h.push_str("</table></body></html>\n");
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// A one-plan result with `trajectory` (a JSON `Forecast`) in `time_unit`.
    fn result(time_unit: &str, trajectory: Value) -> TwinResult<Value> {
        serde_json::from_value(json!({
            "schema": crate::core::twin::RESULT_SCHEMA, "disease": "test",
            "patient": "pt-0123456789abcdef", "time_unit": time_unit,
            "calibration": {"parameters": [], "fit": [], "method": "none"},
            "forecasts": [{"plan_name": "A", "plan": {}, "trajectory": trajectory, "outcomes": [
                {"name": "score", "unit": "1", "central": 0.0, "lower": 0.0, "upper": 0.0, "level": 0.9}]}],
            "ranking": {"objective": {"outcome": "score", "better": "lower", "limits": [],
                                      "tie_break": null, "description": "lowest score"},
                        "plans": [{"rank": 1, "plan_name": "A", "value": 0.0, "reason": "lowest"}],
                        "explanation": "A is first"},
            "warnings": [], "credibility": []
        }))
        .unwrap()
    }

    /// A well-formed one-quantity trajectory at times `t`.
    fn trajectory(t: &[f64]) -> Value {
        let rows = |v: f64| vec![[v]; t.len()];
        json!({"t": t, "names": ["x"], "central": rows(1.0), "lower": rows(0.5),
               "upper": rows(1.5), "level": 0.9, "out_of_domain": []})
    }

    #[test]
    fn numbers_keep_four_significant_figures_and_zero_is_zero() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(-1234.56), "-1235");
        assert_eq!(num(-0.012_345_6), "-0.01235");
        assert_eq!(num(2.5e-7), "2.500e-7");
        assert_eq!(num(-2.5e-300), "-2.500e-300");
        assert_eq!(num(1.5e9), "1.500e9");
        assert_eq!(num(f64::NEG_INFINITY), "−∞");
        assert_eq!(num(f64::NAN), "NaN");
    }

    #[test]
    fn malformed_trajectories_are_errors_naming_the_field() {
        let t = [0.0, 7.0, 14.0];
        for (field, value, message) in [
            ("lower", json!([[]]), "trajectory.lower"),
            ("central", json!([[1.0], [1.0]]), "trajectory.central"),
            ("upper", json!([[1.0], [], [1.0]]), "trajectory.upper[1]"),
            ("names", json!([]), "trajectory.central[0]"),
            ("t", json!([0.0, 7.0, 14.0, 21.0]), "trajectory.central"),
        ] {
            let mut traj = trajectory(&t);
            traj[field] = value;
            let e = patient_page(&result("d", traj)).unwrap_err();
            assert!(matches!(e, ReportError::Invalid(_)), "{e}");
            assert!(e.to_string().contains(message), "{field}: {e}");
        }
        assert!(patient_page(&result("d", trajectory(&t))).is_ok());
    }

    #[test]
    fn the_band_axis_follows_the_time_unit() {
        let label = |unit: &str, end: f64| {
            let page = patient_page(&result(unit, trajectory(&[0.0, end / 2.0, end]))).unwrap();
            ["years", "d", "ms"]
                .into_iter()
                .find(|u| page.contains(&format!("time from the forecast origin ({u})")))
                .map(str::to_string)
        };
        // Five years of days read as years; two months stay in days; ms stay ms.
        assert_eq!(label("d", 5.0 * 365.25).as_deref(), Some("years"));
        assert_eq!(label("d", 60.0).as_deref(), Some("d"));
        assert_eq!(label("ms", 5000.0).as_deref(), Some("ms"));
        assert_eq!(
            time_axis("d", 4.0 * 365.25),
            (1.0 / 365.25, "years".to_string())
        );
        assert_eq!(time_axis("d", 100.0), (1.0, "d".to_string()));
    }
}
