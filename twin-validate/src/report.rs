//! `ValidationReport`: the credibility evidence of a twin in one place (ASME V&V 40 /
//! FDA practice): verification, validation metrics with CIs, comparisons with the
//! standard tool, uncertainty coverage, subgroup gaps and the applicability domain;
//! written as JSON, Markdown and SVG plots.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::binary::{self, DecisionPoint, RocCurve};
use crate::bootstrap::{BootstrapConfig, MetricCi, bootstrap, strata_from_labels};
use crate::calibration::{self, BinStrategy, CalibrationBin};
use crate::compare::{BinaryMetric, PairedComparison, SurvivalMetric};
use crate::continuous::IntervalCoverage;
use crate::delong::auc_delong;
use crate::domain::ApplicabilityDomain;
use crate::error::{Result, ValidateError};
use crate::plots::{Series, line_chart};
use crate::subgroup::SubgroupAudit;
use crate::survival::{self, kaplan_meier};

/// One verification check (solver order, manufactured solution, agreement with a library).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationItem {
    /// What was checked.
    pub check: String,
    /// Reference it was checked against (paper/table or library and version).
    pub reference: String,
    /// Value obtained.
    pub value: f64,
    /// Value expected.
    pub expected: f64,
    /// Allowed absolute difference.
    pub tolerance: f64,
    /// |value − expected| <= tolerance.
    pub passed: bool,
}

impl VerificationItem {
    /// Build a check; `passed` is computed.
    pub fn new(check: &str, reference: &str, value: f64, expected: f64, tolerance: f64) -> Self {
        Self {
            check: check.into(),
            reference: reference.into(),
            value,
            expected,
            tolerance,
            passed: (value - expected).abs() <= tolerance,
        }
    }
}

/// Coverage of the twin's prediction intervals against held-out observations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncertaintySummary {
    /// What was predicted (with unit).
    pub quantity: String,
    /// Nominal level of the intervals (e.g. 0.9).
    pub nominal: f64,
    /// Observed coverage and width.
    pub coverage: IntervalCoverage,
}

/// Kaplan–Meier curve of one risk group, for plotting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KmGroup {
    /// Group label (e.g. "low risk").
    pub label: String,
    /// Step times.
    pub times: Vec<f64>,
    /// S(t) at the step times.
    pub survival: Vec<f64>,
}

/// Data behind the report's plots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PlotData {
    /// ROC curve.
    pub roc: Option<RocCurve>,
    /// Calibration curve bins.
    pub calibration: Option<Vec<CalibrationBin>>,
    /// Kaplan–Meier curves by risk group.
    pub km_by_group: Vec<KmGroup>,
    /// Decision curve.
    pub decision: Option<Vec<DecisionPoint>>,
}

/// Everything a reviewer asks of a twin, as one serialisable record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ValidationReport {
    /// Title (no patient-identifying data).
    pub title: String,
    /// Outcome and setting in words (e.g. "5-year relapse, held-out 1988-1993 patients").
    pub description: String,
    /// Verification checks.
    pub verification: Vec<VerificationItem>,
    /// Validation metrics with CIs.
    pub metrics: Vec<MetricCi>,
    /// Comparisons with the standard tool on the same patients.
    pub comparisons: Vec<PairedComparison>,
    /// Prediction-interval coverage.
    pub uncertainty: Vec<UncertaintySummary>,
    /// Subgroup audit.
    pub subgroups: Option<SubgroupAudit>,
    /// Applicability domain of the training data.
    pub applicability: Option<ApplicabilityDomain>,
    /// Data behind the plots.
    pub plots: PlotData,
    /// Warnings for the reader.
    pub warnings: Vec<String>,
}

/// Four decimals, or scientific notation for small non-zero values (p-values).
fn num(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-3 {
        format!("{x:.2e}")
    } else {
        format!("{x:.4}")
    }
}

fn metric_ci(
    name: &str,
    n: usize,
    strata: Option<&[Vec<usize>]>,
    cfg: &BootstrapConfig,
    f: impl Fn(&[usize]) -> Result<f64> + Sync,
) -> Result<MetricCi> {
    Ok(MetricCi::from_bootstrap(
        name,
        &bootstrap(n, strata, cfg, f)?,
    ))
}

impl ValidationReport {
    /// Report of binary predictions: AUC (bootstrap and DeLong CIs), Brier, log loss,
    /// accuracy/sensitivity/specificity at `threshold`, calibration slope and CITL,
    /// Hosmer–Lemeshow, ROC, calibration and decision curves.
    pub fn binary(
        title: &str,
        labels: &[bool],
        probs: &[f64],
        threshold: f64,
        cfg: &BootstrapConfig,
    ) -> Result<Self> {
        crate::check::binary(labels, probs, "probs")?;
        let strata = strata_from_labels(labels);
        let mut r = Self {
            title: title.into(),
            ..Default::default()
        };
        for m in [
            BinaryMetric::Auc,
            BinaryMetric::Brier,
            BinaryMetric::LogLoss,
            BinaryMetric::Accuracy(threshold),
            BinaryMetric::Sensitivity(threshold),
            BinaryMetric::FalsePositiveRate(threshold),
        ] {
            r.metrics.push(metric_ci(
                &m.name(),
                labels.len(),
                Some(&strata),
                cfg,
                |idx| m.on(labels, probs, idx),
            )?);
        }
        let d = auc_delong(labels, probs, cfg.level)?;
        r.metrics.push(MetricCi {
            name: "auc".into(),
            estimate: d.auc,
            ci_low: Some(d.ci_low),
            ci_high: Some(d.ci_high),
            method: format!("DeLong {:.0}%", 100.0 * cfg.level),
        });
        match calibration::recalibration(labels, probs) {
            Ok(c) => {
                r.metrics
                    .push(MetricCi::point("calibration_slope", c.slope));
                r.metrics
                    .push(MetricCi::point("calibration_in_the_large", c.citl));
            }
            Err(e) => r.warnings.push(format!("calibration slope: {e}")),
        }
        match calibration::hosmer_lemeshow(labels, probs, 10.min(labels.len())) {
            Ok(h) => r
                .metrics
                .push(MetricCi::point("hosmer_lemeshow_p", h.p_value)),
            Err(e) => r.warnings.push(format!("Hosmer-Lemeshow: {e}")),
        }
        r.plots.roc = Some(binary::roc_curve(labels, probs)?);
        r.plots.calibration = Some(calibration::calibration_curve(
            labels,
            probs,
            10,
            BinStrategy::Quantile,
        )?);
        let thresholds: Vec<f64> = (1..=50).map(|k| k as f64 / 100.0).collect();
        r.plots.decision = Some(binary::decision_curve(labels, probs, &thresholds)?);
        Ok(r)
    }

    /// Report of a survival risk score: Harrell's C, Uno's C (τ optional) with CIs,
    /// Kaplan–Meier at `km_times`, KM curves and log-rank test by risk tertile.
    pub fn survival(
        title: &str,
        time: &[f64],
        event: &[bool],
        risk: &[f64],
        tau: Option<f64>,
        km_times: &[f64],
        cfg: &BootstrapConfig,
    ) -> Result<Self> {
        crate::check::survival(time, event, Some(risk))?;
        crate::check::times("km_times", km_times)?;
        let mut r = Self {
            title: title.into(),
            ..Default::default()
        };
        for m in [SurvivalMetric::HarrellC, SurvivalMetric::UnoC(tau)] {
            r.metrics
                .push(metric_ci(&m.name(), time.len(), None, cfg, |idx| {
                    m.on(time, event, risk, idx)
                })?);
        }
        let km = kaplan_meier(time, event, cfg.level)?;
        for &t in km_times {
            let (lo, hi) = km.ci_at(t);
            r.metrics.push(MetricCi {
                name: format!("km_survival@{t}"),
                estimate: km.survival_at(t),
                ci_low: Some(lo),
                ci_high: Some(hi),
                method: format!("Greenwood log(-log) {:.0}%", 100.0 * cfg.level),
            });
        }
        let order = crate::check::argsort(risk);
        let n = time.len();
        let mut group = vec![0usize; n];
        for (k, &i) in order.iter().enumerate() {
            group[i] = 3 * k / n;
        }
        for (g, label) in ["low risk", "middle risk", "high risk"].iter().enumerate() {
            let idx: Vec<usize> = (0..n).filter(|&i| group[i] == g).collect();
            if idx.is_empty() {
                continue;
            }
            let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
            let e: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
            let k = kaplan_meier(&t, &e, cfg.level)?;
            r.plots.km_by_group.push(KmGroup {
                label: label.to_string(),
                times: k.times,
                survival: k.survival,
            });
        }
        match survival::log_rank(time, event, &group) {
            Ok(lr) => r
                .metrics
                .push(MetricCi::point("log_rank_p_by_risk_tertile", lr.p_value)),
            Err(e) => r.warnings.push(format!("log-rank: {e}")),
        }
        Ok(r)
    }

    /// The first metric with this name.
    pub fn metric(&self, name: &str) -> Option<&MetricCi> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| ValidateError::Output {
            path: "json".into(),
            reason: e.to_string(),
        })
    }

    /// Markdown summary with tables.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let ci = |m: &MetricCi| match (m.ci_low, m.ci_high) {
            (Some(a), Some(b)) => format!("{a:.4} – {b:.4}"),
            _ => "–".into(),
        };
        let _ = writeln!(s, "# {}\n", self.title);
        if !self.description.is_empty() {
            let _ = writeln!(s, "{}\n", self.description);
        }
        if !self.verification.is_empty() {
            let _ = writeln!(
                s,
                "## Verification\n\n| check | reference | value | expected | tolerance | passed |\n|---|---|---|---|---|---|"
            );
            for v in &self.verification {
                let _ = writeln!(
                    s,
                    "| {} | {} | {:.6e} | {:.6e} | {:.1e} | {} |",
                    v.check,
                    v.reference,
                    v.value,
                    v.expected,
                    v.tolerance,
                    if v.passed { "yes" } else { "**no**" }
                );
            }
            s.push('\n');
        }
        if !self.metrics.is_empty() {
            let _ = writeln!(
                s,
                "## Validation metrics\n\n| metric | estimate | CI | method |\n|---|---|---|---|"
            );
            for m in &self.metrics {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} |",
                    m.name,
                    num(m.estimate),
                    ci(m),
                    m.method
                );
            }
            s.push('\n');
        }
        if !self.comparisons.is_empty() {
            let _ = writeln!(
                s,
                "## Comparison with the standard tool (same patients)\n\n| metric | A | B | A − B | CI | p |\n|---|---|---|---|---|---|"
            );
            for c in &self.comparisons {
                let _ = writeln!(
                    s,
                    "| {} | {:.4} | {:.4} | {:+.4} | {:.4} – {:.4} | {:.2e} |",
                    c.metric, c.a, c.b, c.difference, c.ci_low, c.ci_high, c.p_value
                );
            }
            s.push('\n');
        }
        if !self.uncertainty.is_empty() {
            let _ = writeln!(
                s,
                "## Uncertainty\n\n| quantity | nominal | observed coverage | mean width | n |\n|---|---|---|---|---|"
            );
            for u in &self.uncertainty {
                let _ = writeln!(
                    s,
                    "| {} | {:.2} | {:.3} | {:.4} | {} |",
                    u.quantity, u.nominal, u.coverage.coverage, u.coverage.mean_width, u.coverage.n
                );
            }
            s.push('\n');
        }
        if let Some(a) = &self.subgroups {
            let _ = writeln!(
                s,
                "## Subgroups\n\n| column | group | n | events | metric | estimate | CI | warnings |\n|---|---|---|---|---|---|---|---|"
            );
            for g in &a.groups {
                for m in &g.metrics {
                    let _ = writeln!(
                        s,
                        "| {} | {} | {} | {} | {} | {:.4} | {} | {} |",
                        g.column,
                        g.group,
                        g.n,
                        g.events,
                        m.name,
                        m.estimate,
                        ci(m),
                        g.warnings.join("; ")
                    );
                }
            }
            let _ = writeln!(
                s,
                "\n| column | metric | largest gap | lowest | highest |\n|---|---|---|---|---|"
            );
            for gap in &a.gaps {
                let _ = writeln!(
                    s,
                    "| {} | {} | {:.4} | {} | {} |",
                    gap.column, gap.metric, gap.gap, gap.lowest, gap.highest
                );
            }
            s.push('\n');
        }
        if let Some(d) = &self.applicability {
            let _ = writeln!(
                s,
                "## Applicability domain (training data, n = {})\n\n| covariate | min | max | mean |\n|---|---|---|---|",
                d.n_training
            );
            for c in &d.covariates {
                let _ = writeln!(
                    s,
                    "| {} | {:.4} | {:.4} | {:.4} |",
                    c.name, c.min, c.max, c.mean
                );
            }
            s.push('\n');
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(s, "## Warnings\n");
            for w in &self.warnings {
                let _ = writeln!(s, "- {w}");
            }
        }
        s
    }

    /// SVG plots available from `plots`, as (file name, SVG text).
    pub fn svgs(&self) -> Result<Vec<(String, String)>> {
        let mut out = vec![];
        let diag = |label: &str| Series {
            label: label.into(),
            points: vec![(0.0, 0.0), (1.0, 1.0)],
            step: false,
            reference: true,
        };
        if let Some(roc) = &self.plots.roc {
            let pts = roc
                .fpr
                .iter()
                .copied()
                .zip(roc.tpr.iter().copied())
                .collect();
            let model = Series {
                label: "model".into(),
                points: pts,
                step: false,
                reference: false,
            };
            out.push((
                "roc.svg".into(),
                line_chart(
                    "ROC curve",
                    "1 - specificity",
                    "sensitivity",
                    &[diag("chance"), model],
                    Some((0.0, 1.0)),
                )?,
            ));
        }
        if let Some(cal) = &self.plots.calibration {
            let pts = cal.iter().map(|b| (b.predicted, b.observed)).collect();
            let model = Series {
                label: "observed (binned)".into(),
                points: pts,
                step: false,
                reference: false,
            };
            out.push((
                "calibration.svg".into(),
                line_chart(
                    "Calibration",
                    "predicted probability",
                    "observed fraction",
                    &[diag("ideal"), model],
                    Some((0.0, 1.0)),
                )?,
            ));
        }
        if !self.plots.km_by_group.is_empty() {
            let series: Vec<Series> = self
                .plots
                .km_by_group
                .iter()
                .map(|g| Series {
                    label: g.label.clone(),
                    points: std::iter::once((0.0, 1.0))
                        .chain(g.times.iter().copied().zip(g.survival.iter().copied()))
                        .collect(),
                    step: true,
                    reference: false,
                })
                .collect();
            out.push((
                "km_by_risk_group.svg".into(),
                line_chart(
                    "Kaplan-Meier by risk group",
                    "time",
                    "survival",
                    &series,
                    Some((0.0, 1.0)),
                )?,
            ));
        }
        if let Some(dc) = &self.plots.decision {
            let model = Series {
                label: "model".into(),
                points: dc.iter().map(|p| (p.threshold, p.model)).collect(),
                step: false,
                reference: false,
            };
            let all = Series {
                label: "treat all".into(),
                points: dc
                    .iter()
                    .map(|p| (p.threshold, p.treat_all.max(-0.05)))
                    .collect(),
                step: false,
                reference: false,
            };
            let none = Series {
                label: "treat none".into(),
                points: vec![(dc[0].threshold, 0.0), (dc[dc.len() - 1].threshold, 0.0)],
                step: false,
                reference: true,
            };
            out.push((
                "decision_curve.svg".into(),
                line_chart(
                    "Decision curve",
                    "threshold probability",
                    "net benefit",
                    &[model, all, none],
                    None,
                )?,
            ));
        }
        Ok(out)
    }

    /// Write `report.json`, `report.md` and the SVG plots into `dir` (created if needed);
    /// returns the paths written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let io = |p: &Path, e: std::io::Error| ValidateError::Output {
            path: p.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let mut files = vec![
            ("report.json".to_string(), self.to_json()?),
            ("report.md".to_string(), self.to_markdown()),
        ];
        files.extend(self.svgs()?);
        files
            .into_iter()
            .map(|(name, text)| {
                let p = dir.join(name);
                std::fs::write(&p, text).map_err(|e| io(&p, e))?;
                Ok(p)
            })
            .collect()
    }
}
