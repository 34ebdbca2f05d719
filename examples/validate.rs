//! Validate predictions against observed outcomes and write a credibility report.
//!
//! Usage: `cargo run --release --example validate -- --kind binary|survival [--csv FILE] [--tau T] [--out DIR]`
//!
//! CSV with a header: `label,prob[,group]` (binary; label 0/1, prob in [0, 1]) or
//! `time,event,risk[,group]` (survival; time >= 0, event 0/1, higher risk = earlier event).
//! Without `--csv` the example derives held-out predictions from `data/breast/rotterdam.csv`:
//! models fitted on patients operated up to 1988 (logistic regression for 5-year
//! recurrence-free survival, or a Cox model), scored on patients operated from 1989, with
//! the Royston–Altman (2013) covariates; the group column is the menopausal status
//! (binary) or the age band (survival). The nodes-only score is compared as a baseline.
//! Writes `report.json`, `report.md` and SVG plots to DIR (default `out/validate`); the
//! last stdout line is a JSON summary.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example validate -- --kind binary|survival [--csv FILE] [--tau T] [--out DIR]";

use std::error::Error;
use std::path::{Path, PathBuf};

use patient_twin::validate::baseline::{CoxOptions, CoxPh, LogisticOptions, LogisticRegression};
use patient_twin::validate::bootstrap::BootstrapConfig;
use patient_twin::validate::compare::{self, BinaryMetric, SurvivalMetric};
use patient_twin::validate::domain::ApplicabilityDomain;
use patient_twin::validate::report::ValidationReport;
use patient_twin::validate::subgroup::{AuditConfig, GroupColumn, audit_binary, audit_survival};
use patient_twin::validate::{binary, survival};
use serde_json::json;

const RA_COVARIATES: [&str; 10] = [
    "age_years",
    "meno",
    "size_20_50",
    "size_gt50",
    "grade3",
    "exp(-0.12 nodes)",
    "ln(pgr_fmol_per_l+1)",
    "ln(er_fmol_per_l+1)",
    "hormon",
    "chemo",
];

/// A numeric CSV with a header; the optional last text column is kept as a group label.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn read_table(path: &Path) -> Result<Table, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .ok_or("empty CSV")?
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(|s| s.trim().to_string()).collect())
        .collect();
    if let Some((i, r)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != header.len())
    {
        return Err(format!(
            "CSV line {} has {} fields, header has {}",
            i + 2,
            r.len(),
            header.len()
        )
        .into());
    }
    Ok(Table { header, rows })
}

impl Table {
    fn col(&self, name: &str) -> Result<usize, Box<dyn Error>> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "CSV has no `{name}` column (header: {})",
                self.header.join(",")
            )
            .into()
        })
    }
    fn num(&self, name: &str) -> Result<Vec<f64>, Box<dyn Error>> {
        let c = self.col(name)?;
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                r[c].parse::<f64>()
                    .map_err(|_| format!("`{name}` on line {} is not a number", i + 2).into())
            })
            .collect()
    }
    fn text(&self, name: &str) -> Option<Vec<String>> {
        let c = self.col(name).ok()?;
        Some(self.rows.iter().map(|r| r[c].clone()).collect())
    }
}

/// Held-out data sets derived from Rotterdam.
struct Rotterdam {
    x: Vec<Vec<f64>>,
    year: Vec<f64>,
    age: Vec<f64>,
    meno: Vec<f64>,
    nodes: Vec<f64>,
    rfs_time: Vec<f64>,
    rfs_event: Vec<bool>,
}

fn rotterdam() -> Result<Rotterdam, Box<dyn Error>> {
    let t = read_table(Path::new("data/breast/rotterdam.csv"))?;
    let g = |n: &str| t.num(n);
    let (age, meno, grade, nodes, pgr, er) = (
        g("age")?,
        g("meno")?,
        g("grade")?,
        g("nodes")?,
        g("pgr")?,
        g("er")?,
    );
    let (hormon, chemo, rtime, recur, dtime, death, year) = (
        g("hormon")?,
        g("chemo")?,
        g("rtime")?,
        g("recur")?,
        g("dtime")?,
        g("death")?,
        g("year")?,
    );
    let size = t.text("size").ok_or("no size column")?;
    let n = age.len();
    let b = |c: bool| f64::from(u8::from(c));
    let x = (0..n)
        .map(|i| {
            vec![
                age[i],
                meno[i],
                b(size[i] == "20-50"),
                b(size[i] == ">50"),
                b(grade[i] == 3.0),
                (-0.12 * nodes[i]).exp(),
                (pgr[i] + 1.0).ln(),
                (er[i] + 1.0).ln(),
                hormon[i],
                chemo[i],
            ]
        })
        .collect();
    // Recurrence-free survival as in the R documentation of `rotterdam`.
    let rfs_event: Vec<bool> = (0..n).map(|i| recur[i] == 1.0 || death[i] == 1.0).collect();
    let rfs_time = (0..n)
        .map(|i| if recur[i] == 1.0 { rtime[i] } else { dtime[i] })
        .collect();
    Ok(Rotterdam {
        x,
        year,
        age,
        meno,
        nodes,
        rfs_time,
        rfs_event,
    })
}

fn pick<T: Clone>(v: &[T], idx: &[usize]) -> Vec<T> {
    idx.iter().map(|&i| v[i].clone()).collect()
}

fn arg(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn print_metrics(r: &ValidationReport) {
    println!("{}", r.title);
    for m in &r.metrics {
        match (m.ci_low, m.ci_high) {
            (Some(a), Some(b)) => println!(
                "  {:<32} {:>8.4}  [{a:.4}, {b:.4}]  {}",
                m.name, m.estimate, m.method
            ),
            _ if m.estimate.abs() < 1e-3 => println!("  {:<32} {:>8.2e}", m.name, m.estimate),
            _ => println!("  {:<32} {:>8.4}", m.name, m.estimate),
        }
    }
    for c in &r.comparisons {
        println!(
            "  {} A − B = {:+.4} [{:.4}, {:.4}] (A {:.4}, B {:.4})",
            c.metric, c.difference, c.ci_low, c.ci_high, c.a, c.b
        );
    }
    if let Some(a) = &r.subgroups {
        for g in &a.gaps {
            println!(
                "  subgroup gap {} / {}: {:.4} (lowest {}, highest {})",
                g.column, g.metric, g.gap, g.lowest, g.highest
            );
        }
    }
    for w in &r.warnings {
        println!("  warning: {w}");
    }
}

fn binary_report(
    csv: Option<&Path>,
    cfg: &BootstrapConfig,
) -> Result<(ValidationReport, serde_json::Value), Box<dyn Error>> {
    let (labels, probs, groups, baseline, domain) = match csv {
        Some(p) => {
            let t = read_table(p)?;
            let labels: Vec<bool> = t.num("label")?.iter().map(|&v| v == 1.0).collect();
            (labels, t.num("prob")?, t.text("group"), None, None)
        }
        None => {
            let d = rotterdam()?;
            let five = 1826.0;
            // Known 5-year status only: relapse/death by 5 y, or followed beyond 5 y.
            let known: Vec<usize> = (0..d.year.len())
                .filter(|&i| d.rfs_time[i] > five || d.rfs_event[i])
                .collect();
            let y: Vec<bool> = known.iter().map(|&i| d.rfs_time[i] <= five).collect();
            let split = |test: bool| -> Vec<usize> {
                (0..known.len())
                    .filter(|&k| (d.year[known[k]] >= 1989.0) == test)
                    .collect()
            };
            let (tr, te) = (split(false), split(true));
            let xk = pick(&d.x, &known);
            let fit = LogisticRegression::fit(
                &pick(&xk, &tr),
                &pick(&y, &tr),
                &LogisticOptions::default(),
            )?;
            let nodes_k: Vec<Vec<f64>> = known.iter().map(|&i| vec![d.nodes[i]]).collect();
            let base = LogisticRegression::fit(
                &pick(&nodes_k, &tr),
                &pick(&y, &tr),
                &LogisticOptions::default(),
            )?;
            let probs = te
                .iter()
                .map(|&k| fit.predict(&xk[k]))
                .collect::<Result<Vec<_>, _>>()?;
            let bprobs = te
                .iter()
                .map(|&k| base.predict(&nodes_k[k]))
                .collect::<Result<Vec<_>, _>>()?;
            let meno: Vec<String> = te
                .iter()
                .map(|&k| {
                    if d.meno[known[k]] == 1.0 {
                        "post".into()
                    } else {
                        "pre".into()
                    }
                })
                .collect();
            let domain = ApplicabilityDomain::from_training(&RA_COVARIATES, &pick(&xk, &tr))?;
            (pick(&y, &te), probs, Some(meno), Some(bprobs), Some(domain))
        }
    };
    let title = if csv.is_some() {
        "Binary predictions"
    } else {
        "Rotterdam 5-year RFS: logistic (Royston-Altman covariates), fitted <= 1988, tested >= 1989"
    };
    let mut r = ValidationReport::binary(title, &labels, &probs, 0.5, cfg)?;
    r.applicability = domain;
    if let Some(b) = &baseline {
        r.description = "A = logistic model on 10 covariates; B = logistic model on the node count alone (same training patients).".into();
        for m in [
            BinaryMetric::Auc,
            BinaryMetric::Brier,
            BinaryMetric::Accuracy(0.5),
        ] {
            r.comparisons
                .push(compare::compare_binary(&labels, &probs, b, m, cfg)?);
        }
    }
    if let Some(g) = groups {
        let col = GroupColumn {
            name: if csv.is_some() {
                "group".into()
            } else {
                "menopausal_status".into()
            },
            values: g,
        };
        r.subgroups = Some(audit_binary(
            &labels,
            &probs,
            0.5,
            &[col],
            &[],
            &AuditConfig {
                bootstrap: BootstrapConfig {
                    replicates: 200,
                    ..cfg.clone()
                },
                ..Default::default()
            },
        )?);
    }
    let summary = json!({
        "kind": "binary",
        "n": labels.len(),
        "auc": binary::auc(&labels, &probs)?,
        "brier": binary::brier_score(&labels, &probs)?,
        "accuracy": binary::accuracy(&labels, &probs, 0.5)?,
        "auc_ci": [r.metric("auc").and_then(|m| m.ci_low), r.metric("auc").and_then(|m| m.ci_high)],
    });
    Ok((r, summary))
}

fn survival_report(
    csv: Option<&Path>,
    tau: Option<f64>,
    cfg: &BootstrapConfig,
) -> Result<(ValidationReport, serde_json::Value), Box<dyn Error>> {
    let (time, event, risk, groups, baseline, domain) = match csv {
        Some(p) => {
            let t = read_table(p)?;
            let event: Vec<bool> = t.num("event")?.iter().map(|&v| v == 1.0).collect();
            (
                t.num("time")?,
                event,
                t.num("risk")?,
                t.text("group"),
                None,
                None,
            )
        }
        None => {
            let d = rotterdam()?;
            let n = d.year.len();
            let tr: Vec<usize> = (0..n).filter(|&i| d.year[i] <= 1988.0).collect();
            let te: Vec<usize> = (0..n).filter(|&i| d.year[i] >= 1989.0).collect();
            let names = Some(RA_COVARIATES.iter().map(|s| s.to_string()).collect());
            let cox = CoxPh::fit(
                &pick(&d.x, &tr),
                &pick(&d.rfs_time, &tr),
                &pick(&d.rfs_event, &tr),
                &CoxOptions {
                    names,
                    ..Default::default()
                },
            )?;
            let risk = te
                .iter()
                .map(|&i| cox.linear_predictor(&d.x[i]))
                .collect::<Result<Vec<_>, _>>()?;
            let band = |a: f64| {
                if a < 50.0 {
                    "<50"
                } else if a < 65.0 {
                    "50-64"
                } else {
                    ">=65"
                }
            };
            let groups = te.iter().map(|&i| band(d.age[i]).to_string()).collect();
            let domain = ApplicabilityDomain::from_training(&RA_COVARIATES, &pick(&d.x, &tr))?;
            (
                pick(&d.rfs_time, &te),
                pick(&d.rfs_event, &te),
                risk,
                Some(groups),
                Some(pick(&d.nodes, &te)),
                Some(domain),
            )
        }
    };
    let title = if csv.is_some() {
        "Survival risk score"
    } else {
        "Rotterdam RFS: Cox (Royston-Altman covariates), fitted <= 1988, tested >= 1989"
    };
    // Rotterdam: 1 and 5 years, τ = 5 years. A CSV: `--tau` if given, KM at the median
    // follow-up (the CSV's time unit is the caller's).
    let (km_times, tau) = match csv {
        None => (vec![365.0, 1826.0], Some(1826.0)),
        Some(_) => {
            let mut s = time.clone();
            s.sort_by(f64::total_cmp);
            (vec![s[s.len() / 2]], tau)
        }
    };
    let mut r = ValidationReport::survival(title, &time, &event, &risk, tau, &km_times, cfg)?;
    r.applicability = domain;
    if let Some(b) = &baseline {
        r.description =
            "A = Cox model on 10 covariates; B = node count alone (the simplest clinical score)."
                .into();
        for m in [SurvivalMetric::HarrellC, SurvivalMetric::UnoC(tau)] {
            r.comparisons
                .push(compare::compare_survival(&time, &event, &risk, b, m, cfg)?);
        }
    }
    if let Some(g) = groups {
        let col = GroupColumn {
            name: if csv.is_some() {
                "group".into()
            } else {
                "age_band_years".into()
            },
            values: g,
        };
        r.subgroups = Some(audit_survival(
            &time,
            &event,
            &risk,
            &[col],
            &[SurvivalMetric::HarrellC],
            &AuditConfig {
                bootstrap: BootstrapConfig {
                    replicates: 200,
                    ..cfg.clone()
                },
                ..Default::default()
            },
        )?);
    }
    let km = survival::kaplan_meier(&time, &event, 0.95)?;
    let summary = json!({
        "kind": "survival",
        "n": time.len(),
        "events": event.iter().filter(|&&e| e).count(),
        "harrell_c": survival::harrell_c(&time, &event, &risk)?.c_index,
        "uno_c": survival::uno_c(&time, &event, &risk, tau, None)?.c_index,
        "uno_tau": tau,
        "km": km_times.iter().map(|&t| json!({"t": t, "survival": km.survival_at(t)})).collect::<Vec<_>>(),
    });
    Ok((r, summary))
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::check_options(&args, &["--kind", "--csv", "--tau", "--out"], USAGE)?;
    let kind = arg(&args, "--kind").unwrap_or_else(|| "binary".into());
    let csv = arg(&args, "--csv").map(PathBuf::from);
    let out = PathBuf::from(arg(&args, "--out").unwrap_or_else(|| format!("out/validate/{kind}")));
    let cfg = BootstrapConfig {
        replicates: 500,
        seed: 2013,
        level: 0.95,
        bca: false,
    };
    let (report, mut summary) = match kind.as_str() {
        "binary" => binary_report(csv.as_deref(), &cfg)?,
        "survival" => {
            let tau = arg(&args, "--tau")
                .map(|t| t.parse::<f64>())
                .transpose()
                .map_err(|_| "--tau must be a number")?;
            survival_report(csv.as_deref(), tau, &cfg)?
        }
        other => return Err(format!("--kind must be binary or survival, got `{other}`").into()),
    };
    print_metrics(&report);
    let files = report.write(&out)?;
    println!("wrote {} files to {}", files.len(), out.display());
    summary["report_dir"] = json!(out.display().to_string());
    println!("{summary}");
    Ok(())
}
