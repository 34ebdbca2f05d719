//! Subgroup and fairness audit: any metric in every group of caller-named columns (sex,
//! age band, site, …) with bootstrap CIs, the largest gap between groups, warnings for
//! groups too small to judge, and for binary predictions the equalised-odds gaps
//! (Hardt et al. 2016: spread of TPR and FPR across groups) and calibration gaps.

use serde::{Deserialize, Serialize};

use crate::bootstrap::{BootstrapConfig, MetricCi, bootstrap};
use crate::check;
use crate::compare::{BinaryMetric, SurvivalMetric};
use crate::error::Result;

/// A column of group labels, one per patient (e.g. name "sex", values "F"/"M").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupColumn {
    /// Column name.
    pub name: String,
    /// Group label of each patient.
    pub values: Vec<String>,
}

/// Audit settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditConfig {
    /// Groups with fewer patients are flagged.
    pub min_patients: usize,
    /// Groups with fewer events (positives) are flagged.
    pub min_events: usize,
    /// Bootstrap for the per-group CIs.
    pub bootstrap: BootstrapConfig,
}

impl Default for AuditConfig {
    fn default() -> Self {
        // 10 events per group: the usual lower limit for a stable discrimination estimate
        // (Collins, Ogundimu & Altman 2016, Stat Med 35:214, suggest >= 100 for validation).
        Self {
            min_patients: 30,
            min_events: 10,
            bootstrap: BootstrapConfig {
                replicates: 200,
                ..Default::default()
            },
        }
    }
}

/// Metrics of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupResult {
    /// Column name.
    pub column: String,
    /// Group label.
    pub group: String,
    /// Patients in the group.
    pub n: usize,
    /// Events (positives) in the group.
    pub events: usize,
    /// Metrics with CIs (undefined metrics are left out and named in `warnings`).
    pub metrics: Vec<MetricCi>,
    /// Why this group's numbers need care.
    pub warnings: Vec<String>,
}

/// Largest between-group difference of one metric within one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// Column name.
    pub column: String,
    /// Metric name.
    pub metric: String,
    /// max − min of the metric over the groups with a value.
    pub gap: f64,
    /// Group with the lowest value.
    pub lowest: String,
    /// Group with the highest value.
    pub highest: String,
}

/// The audit result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubgroupAudit {
    /// One row per (column, group).
    pub groups: Vec<GroupResult>,
    /// Largest gap per (column, metric). For binary audits the sensitivity and FPR gaps
    /// are the equalised-odds gaps and the observed − predicted gap is the calibration gap.
    pub gaps: Vec<Gap>,
}

type Metric<'a> = (String, Box<dyn Fn(&[usize]) -> Result<f64> + Sync + 'a>);

fn audit(
    columns: &[GroupColumn],
    n: usize,
    events: &[bool],
    metrics: &[Metric<'_>],
    cfg: &AuditConfig,
) -> Result<SubgroupAudit> {
    let mut groups = vec![];
    let mut gaps = vec![];
    for col in columns {
        check::same_len(&col.name, col.values.len(), "patients", n)?;
        let mut labels: Vec<&String> = col.values.iter().collect();
        labels.sort();
        labels.dedup();
        let start = groups.len();
        for label in labels {
            let idx: Vec<usize> = (0..n).filter(|&i| &col.values[i] == label).collect();
            let n_events = idx.iter().filter(|&&i| events[i]).count();
            let mut warnings = vec![];
            if idx.len() < cfg.min_patients {
                warnings.push(format!(
                    "only {} patients (< {})",
                    idx.len(),
                    cfg.min_patients
                ));
            }
            if n_events < cfg.min_events {
                warnings.push(format!("only {n_events} events (< {})", cfg.min_events));
            }
            let mut ms = vec![];
            for (name, f) in metrics {
                let sub = |k: &[usize]| -> Result<f64> {
                    f(&k.iter().map(|&j| idx[j]).collect::<Vec<_>>())
                };
                match bootstrap(idx.len(), None, &cfg.bootstrap, sub) {
                    Ok(b) => ms.push(MetricCi::from_bootstrap(name.clone(), &b)),
                    Err(e) => match f(&idx) {
                        Ok(v) => {
                            warnings.push(format!("{name}: no interval ({e})"));
                            ms.push(MetricCi::point(name.clone(), v));
                        }
                        Err(e) => warnings.push(format!("{name}: undefined ({e})")),
                    },
                }
            }
            groups.push(GroupResult {
                column: col.name.clone(),
                group: label.clone(),
                n: idx.len(),
                events: n_events,
                metrics: ms,
                warnings,
            });
        }
        for (name, _) in metrics {
            let vals: Vec<(&str, f64)> = groups[start..]
                .iter()
                .filter_map(|g| {
                    g.metrics
                        .iter()
                        .find(|m| &m.name == name)
                        .map(|m| (g.group.as_str(), m.estimate))
                })
                .collect();
            if vals.len() >= 2 {
                let lo = vals
                    .iter()
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .expect("non-empty");
                let hi = vals
                    .iter()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .expect("non-empty");
                gaps.push(Gap {
                    column: col.name.clone(),
                    metric: name.clone(),
                    gap: hi.1 - lo.1,
                    lowest: lo.0.into(),
                    highest: hi.0.into(),
                });
            }
        }
    }
    Ok(SubgroupAudit { groups, gaps })
}

/// Audit binary predictions: AUC, Brier, sensitivity and FPR at `threshold` (equalised
/// odds) and observed − predicted (calibration) per group, plus any `extra` metrics.
pub fn audit_binary(
    labels: &[bool],
    probs: &[f64],
    threshold: f64,
    columns: &[GroupColumn],
    extra: &[BinaryMetric],
    cfg: &AuditConfig,
) -> Result<SubgroupAudit> {
    check::binary(labels, probs, "probs")?;
    check::probabilities("probs", probs)?;
    let mut list = vec![
        BinaryMetric::Auc,
        BinaryMetric::Brier,
        BinaryMetric::Sensitivity(threshold),
        BinaryMetric::FalsePositiveRate(threshold),
        BinaryMetric::CalibrationDifference,
    ];
    list.extend_from_slice(extra);
    let metrics: Vec<Metric<'_>> = list
        .into_iter()
        .map(|m| {
            (
                m.name(),
                Box::new(move |idx: &[usize]| m.on(labels, probs, idx))
                    as Box<dyn Fn(&[usize]) -> Result<f64> + Sync>,
            )
        })
        .collect();
    audit(columns, labels.len(), labels, &metrics, cfg)
}

/// Audit a survival risk score with the given metrics (e.g. Harrell's and Uno's C).
pub fn audit_survival(
    time: &[f64],
    event: &[bool],
    risk: &[f64],
    columns: &[GroupColumn],
    list: &[SurvivalMetric],
    cfg: &AuditConfig,
) -> Result<SubgroupAudit> {
    check::survival(time, event, Some(risk))?;
    let metrics: Vec<Metric<'_>> = list
        .iter()
        .map(|&m| {
            (
                m.name(),
                Box::new(move |idx: &[usize]| m.on(time, event, risk, idx))
                    as Box<dyn Fn(&[usize]) -> Result<f64> + Sync>,
            )
        })
        .collect();
    audit(columns, time.len(), event, &metrics, cfg)
}
