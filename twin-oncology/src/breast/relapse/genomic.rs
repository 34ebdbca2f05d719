//! Does a genomic covariate improve the relapse twin? Cross-validated on GSE7390.
//!
//! The genomic covariate is a ridge-penalised Cox score of the 76 probe sets
//! (standardised; penalty chosen by inner cross-validation of Harrell's C). It
//! is learned inside each outer training fold only. The twin (and the Cox
//! baseline) is then fitted on that fold with the clinical covariates alone or
//! with the score added; the training patients' scores are *cross-fitted* (each
//! from the inner fit that did not see that patient), so the model does not
//! learn the optimism of an in-sample score.
//!
//! Outer loop: `repeats` × stratified k-fold; each patient's 5-year
//! prediction is averaged over the repeats (every patient is held out once per
//! repeat), and the paired bootstrap over patients of these out-of-fold
//! predictions gives the CIs of each metric and of the differences.
//!
//! Endpoint: time to distant metastasis; death without metastasis censors, so
//! the twin's other-cause mortality part is off.

use super::compare::{FIVE_YEARS_DAYS, METRICS, Predictions, Scorer, SurvivalScores, to_validate};
use super::gse7390::{Gse7390, Gse7390Patient};
use super::model::{RelapseCovariates, RelapseModel};
use crate::error::{OncologyError, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_validate::baseline::{CoxOptions, CoxPh, Standardiser};
use twin_validate::bootstrap::{BootstrapCi, BootstrapConfig, bootstrap};
use twin_validate::resampling::stratified_kfold;
use twin_validate::survival::concordance::harrell_c;

/// A GSE7390 patient with or without the genomic score.
#[derive(Debug, Clone, Copy)]
pub struct GenomicCase<'a> {
    /// The patient.
    pub patient: &'a Gse7390Patient,
    /// Genomic risk score (standardised ridge-Cox linear predictor), if used.
    pub score: Option<f64>,
}

impl GenomicCase<'_> {
    /// Clinical covariates: ln(size/2 cm), grade 3 (unknown grade counts as
    /// not 3), ER positive, (age − 55)/10.
    fn clinical(&self) -> [f64; 4] {
        let p = self.patient;
        [
            (p.size_cm.max(0.1) / 2.0).ln(),
            f64::from(u8::from(p.grade == Some(3))),
            f64::from(u8::from(p.er_positive)),
            (p.age_years - 55.0) / 10.0,
        ]
    }

    /// Design row of the Cox baseline: the same information as the twin.
    pub fn cox_row(&self) -> Vec<f64> {
        let mut r = self.clinical().to_vec();
        r.extend(self.score);
        r
    }
}

impl RelapseCovariates for GenomicCase<'_> {
    const DEATH_IS_EVENT: bool = false;
    fn burden(&self) -> Vec<f64> {
        self.cox_row()
    }
    fn growth(&self) -> Vec<f64> {
        let c = self.clinical();
        let mut r = vec![c[1], c[2]];
        r.extend(self.score);
        r
    }
    fn age_years(&self) -> f64 {
        self.patient.age_years
    }
    fn outcome(&self) -> (f64, bool) {
        (self.patient.tdm_days, self.patient.tdm_event)
    }
    fn validate(&self) -> Result<()> {
        self.patient.validate()?;
        match self.score {
            Some(s) if !s.is_finite() => Err(OncologyError::invalid(
                "genomic score",
                s,
                "a finite number",
            )),
            _ => Ok(()),
        }
    }
}

/// A ridge-Cox genomic score fitted on training patients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenomicScore {
    /// Training mean of each probe, log2.
    pub probe_mean: Vec<f64>,
    /// Training SD of each probe, log2.
    pub probe_sd: Vec<f64>,
    /// Coefficient per standardised probe (log hazard ratio per SD).
    pub beta: Vec<f64>,
    /// Chosen ridge penalty.
    pub l2_penalty: f64,
}

impl GenomicScore {
    /// Fit on `train`: choose the penalty from `lambdas` by `inner_folds`-fold
    /// cross-validated Harrell's C (seeded), refit on all of `train`. Also returns
    /// each training patient's cross-fitted score at the chosen penalty.
    pub fn fit(
        train: &[&Gse7390Patient],
        lambdas: &[f64],
        inner_folds: usize,
        seed: u64,
    ) -> Result<(Self, Vec<f64>)> {
        if lambdas.is_empty() {
            return Err(OncologyError::invalid(
                "lambdas",
                "[]",
                "at least one penalty",
            ));
        }
        let p = train.first().map_or(0, |x| x.expression_log2.len());
        if p == 0 || train.iter().any(|x| x.expression_log2.len() != p) {
            return Err(OncologyError::invalid(
                "expression_log2",
                "missing or ragged",
                "the same probe sets for every patient",
            ));
        }
        let expression: Vec<Vec<f64>> = train.iter().map(|x| x.expression_log2.clone()).collect();
        let scale = Standardiser::fit(&expression)?;
        let rows = expression
            .iter()
            .map(|x| scale.apply(x))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let time: Vec<f64> = train.iter().map(|x| x.tdm_days).collect();
        let event: Vec<bool> = train.iter().map(|x| x.tdm_event).collect();
        let strata: Vec<usize> = event.iter().map(|&e| usize::from(e)).collect();
        let splits = stratified_kfold(&strata, inner_folds, seed)?;
        let ridge = |idx: &[usize], l2_penalty: f64| {
            let r: Vec<Vec<f64>> = idx.iter().map(|&i| rows[i].clone()).collect();
            let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
            let e: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
            let opts = CoxOptions {
                l2_penalty,
                ..Default::default()
            };
            CoxPh::fit(&r, &t, &e, &opts)
        };
        let mut best: Option<(f64, f64, Vec<f64>)> = None;
        for &lambda in lambdas {
            let mut oof = vec![0.0; rows.len()];
            for s in &splits {
                let fit = ridge(&s.train, lambda)?;
                for &i in &s.test {
                    oof[i] = fit.linear_predictor(&rows[i])?;
                }
            }
            let c = harrell_c(&time, &event, &oof)?.c_index;
            // Ties go to the larger penalty (lambdas in any order).
            let better = best
                .as_ref()
                .is_none_or(|(bc, bl, _)| c > *bc || (c == *bc && lambda > *bl));
            if better {
                best = Some((c, lambda, oof));
            }
        }
        let (_, l2_penalty, oof) = best.ok_or_else(|| {
            OncologyError::invalid("lambdas", "none usable", "at least one penalty")
        })?;
        let all: Vec<usize> = (0..rows.len()).collect();
        let beta = ridge(&all, l2_penalty)?.beta();
        Ok((
            Self {
                probe_mean: scale.mean,
                probe_sd: scale.sd,
                beta,
                l2_penalty,
            },
            oof,
        ))
    }

    /// The patient's score `Σ β_j (x_j − mean_j)/sd_j`.
    pub fn score(&self, p: &Gse7390Patient) -> Result<f64> {
        if p.expression_log2.len() != self.beta.len() {
            return Err(OncologyError::invalid(
                "expression_log2",
                format!("{} probe sets", p.expression_log2.len()),
                format!("the {} of the training data", self.beta.len()),
            ));
        }
        Ok((0..self.beta.len())
            .map(|j| self.beta[j] * (p.expression_log2[j] - self.probe_mean[j]) / self.probe_sd[j])
            .sum())
    }
}

/// Settings of [`run_genomic_study`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenomicStudyConfig {
    /// Outer folds.
    pub folds: usize,
    /// Outer repeats (different fold assignments).
    pub repeats: usize,
    /// Inner folds for the penalty and the cross-fitted scores.
    pub inner_folds: usize,
    /// Candidate ridge penalties.
    pub lambdas: Vec<f64>,
    /// Seed of the fold assignments (repeat r uses seed + r).
    pub seed: u64,
    /// Bootstrap of the out-of-fold predictions.
    pub bootstrap: BootstrapConfig,
}

impl Default for GenomicStudyConfig {
    /// 5 × 5-fold outer, 5-fold inner, penalties 1–1000, 1000 bootstrap replicates.
    fn default() -> Self {
        Self {
            folds: 5,
            repeats: 5,
            inner_folds: 5,
            lambdas: vec![1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0],
            seed: 7390,
            bootstrap: BootstrapConfig {
                replicates: 1000,
                seed: 7390,
                level: 0.95,
                bca: false,
            },
        }
    }
}

/// Names of the four models, in [`GenomicReport::models`] order.
pub const MODELS: [&str; 4] = [
    "twin_clinical",
    "twin_genomic",
    "cox_clinical",
    "cox_genomic",
];

/// Out-of-fold scores of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    /// One of [`MODELS`].
    pub model: String,
    /// Point estimates on the repeat-averaged out-of-fold predictions.
    pub scores: SurvivalScores,
    /// Bootstrap CI of each metric, in [`METRICS`] order.
    pub intervals: Vec<BootstrapCi>,
}

/// A paired difference between two models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contrast {
    /// e.g. `"twin_genomic - twin_clinical"`.
    pub contrast: String,
    /// One of [`METRICS`].
    pub metric: String,
    /// Bootstrap CI of the difference on the same resampled patients.
    pub difference: BootstrapCi,
}

/// Result of [`run_genomic_study`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenomicReport {
    /// Patients.
    pub n: usize,
    /// Distant metastases.
    pub events: usize,
    /// The settings used.
    pub config: GenomicStudyConfig,
    /// Penalty chosen in each outer training fold (repeat-major).
    pub chosen_l2_penalty: Vec<f64>,
    /// The four models.
    pub models: Vec<ModelResult>,
    /// twin_genomic − twin_clinical, cox_genomic − cox_clinical, twin_genomic − cox_genomic.
    pub contrasts: Vec<Contrast>,
}

/// One outer fold: 5-year event-free predictions of the four models for the test patients.
fn outer_fold(
    patients: &[Gse7390Patient],
    train: &[usize],
    test: &[usize],
    cfg: &GenomicStudyConfig,
    seed: u64,
) -> Result<(f64, Vec<[f64; 4]>)> {
    let tr: Vec<&Gse7390Patient> = train.iter().map(|&i| &patients[i]).collect();
    let (score, oof) = GenomicScore::fit(&tr, &cfg.lambdas, cfg.inner_folds, seed)?;
    let plain: Vec<GenomicCase> = tr
        .iter()
        .map(|p| GenomicCase {
            patient: p,
            score: None,
        })
        .collect();
    let scored: Vec<GenomicCase> = tr
        .iter()
        .zip(&oof)
        .map(|(p, s)| GenomicCase {
            patient: p,
            score: Some(*s),
        })
        .collect();
    let twin_plain = RelapseModel::fit(&plain)?;
    let twin_scored = RelapseModel::fit(&scored)?;
    let cox = |cases: &[GenomicCase]| {
        let rows: Vec<Vec<f64>> = cases.iter().map(GenomicCase::cox_row).collect();
        let (t, e): (Vec<f64>, Vec<bool>) = cases.iter().map(|c| c.outcome()).unzip();
        CoxPh::fit(&rows, &t, &e, &CoxOptions::default())
    };
    let (cox_plain, cox_scored) = (cox(&plain)?, cox(&scored)?);
    let preds = test
        .iter()
        .map(|&i| {
            let p = &patients[i];
            let a = GenomicCase {
                patient: p,
                score: None,
            };
            let b = GenomicCase {
                patient: p,
                score: Some(score.score(p)?),
            };
            Ok([
                twin_plain.survival(&a, FIVE_YEARS_DAYS)?,
                twin_scored.survival(&b, FIVE_YEARS_DAYS)?,
                cox_plain.survival_at(&a.cox_row(), FIVE_YEARS_DAYS)?,
                cox_scored.survival_at(&b.cox_row(), FIVE_YEARS_DAYS)?,
            ])
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((score.l2_penalty, preds))
}

/// Run the cross-validated comparison on `data` (deterministic given the
/// config's seeds; folds run in parallel).
pub fn run_genomic_study(data: &Gse7390, cfg: &GenomicStudyConfig) -> Result<GenomicReport> {
    let patients = &data.patients;
    let n = patients.len();
    if cfg.repeats == 0 {
        return Err(OncologyError::invalid("repeats", 0, "at least 1"));
    }
    let (time, event): (Vec<f64>, Vec<bool>) =
        patients.iter().map(|p| (p.tdm_days, p.tdm_event)).unzip();
    let strata: Vec<usize> = event.iter().map(|&e| usize::from(e)).collect();
    let mut jobs = Vec::new();
    for r in 0..cfg.repeats as u64 {
        for (f, split) in stratified_kfold(&strata, cfg.folds, cfg.seed.wrapping_add(r))?
            .into_iter()
            .enumerate()
        {
            jobs.push((split, cfg.seed.wrapping_add(1000 * (r + 1) + f as u64)));
        }
    }
    let results = jobs
        .par_iter()
        .map(|(s, seed)| outer_fold(patients, &s.train, &s.test, cfg, *seed))
        .collect::<Result<Vec<_>>>()?;
    let mut sum = vec![[0.0; 4]; n];
    let mut chosen = Vec::with_capacity(jobs.len());
    for ((split, _), (lambda, preds)) in jobs.iter().zip(results) {
        chosen.push(lambda);
        for (&i, p) in split.test.iter().zip(preds) {
            for m in 0..4 {
                sum[i][m] += p[m] / cfg.repeats as f64;
            }
        }
    }
    let preds: Vec<Predictions> = (0..4)
        .map(|m| Predictions::from_survival(sum.iter().map(|s| s[m]).collect()))
        .collect();
    let scorer = Scorer {
        train_time: &time,
        train_event: &event,
        time: &time,
        event: &event,
    };
    let ci = |f: &(dyn Fn(&[usize]) -> Result<f64> + Sync)| {
        bootstrap(n, None, &cfg.bootstrap, |idx| f(idx).map_err(to_validate))
    };
    let models = MODELS
        .iter()
        .zip(&preds)
        .map(|(name, pred)| {
            Ok(ModelResult {
                model: name.to_string(),
                scores: scorer.scores(pred)?,
                intervals: (0..METRICS.len())
                    .map(|k| ci(&|idx| scorer.metric(k, pred, idx)))
                    .collect::<std::result::Result<_, _>>()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut contrasts = Vec::new();
    for (a, b) in [(1, 0), (3, 2), (1, 3)] {
        for (k, metric) in METRICS.iter().enumerate().take(4) {
            let difference = ci(&|idx| {
                Ok(scorer.metric(k, &preds[a], idx)? - scorer.metric(k, &preds[b], idx)?)
            })?;
            contrasts.push(Contrast {
                contrast: format!("{} - {}", MODELS[a], MODELS[b]),
                metric: metric.to_string(),
                difference,
            });
        }
    }
    Ok(GenomicReport {
        n,
        events: event.iter().filter(|&&e| e).count(),
        config: cfg.clone(),
        chosen_l2_penalty: chosen,
        models,
        contrasts,
    })
}
