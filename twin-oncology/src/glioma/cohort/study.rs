//! The in-silico cohort study: a training cohort fits the logistic baseline, a test
//! cohort is predicted by twin and baseline, and both are scored (accuracy, AUC, paired
//! bootstrap and DeLong comparisons, parameter recovery, interval coverage).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_validate::baseline::Standardiser;
use twin_validate::baseline::logistic::{LogisticOptions, LogisticRegression, choose_l2_by_cv};
use twin_validate::bootstrap::{BootstrapConfig, bootstrap, strata_from_labels};
use twin_validate::compare::{BinaryMetric, PairedComparison, compare_binary};
use twin_validate::delong::{DeLongTest, delong_test};

use super::baseline::{BASELINE_COVARIATES, BaselineFeatures, baseline_features};
use super::coverage::Proportion;
use super::failure::{FailureCause, failure_category};
use super::patient::{MAX_DRAW_ATTEMPTS, VirtualGliomaPatient, draw_patient};
use super::prediction::{TwinPrediction, twin_predict};
use super::truth::simulate_truth;
use crate::error::{OncologyError, Result};
use crate::glioma::model::TreatmentOptions;
use crate::glioma::radiotherapy::Schedule;
use crate::glioma::tissue::BrainTissue;
use crate::glioma::twin::{CalibrationOptions, IntervalMethod, Segmentation};

/// Settings of [`run_study`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyOptions {
    /// Held-out test patients (scored by twin and baseline).
    pub n_test: usize,
    /// Training patients for the baseline (separate seed).
    pub n_train: usize,
    /// Seed of the test cohort; the training cohort uses `seed ^ TRAIN_SEED_XOR`.
    pub seed: u64,
    /// Twin calibration settings.
    pub calibration: CalibrationOptions,
    /// PTV margin, follow-up and horizon (truth and twin alike).
    pub treatment: TreatmentOptions,
    /// Bootstrap replicates of the confidence intervals.
    pub bootstrap_replicates: usize,
}

/// Candidate ridge penalties of the baseline (standardised covariates).
pub const BASELINE_L2_GRID: [f64; 6] = [0.01, 0.1, 1.0, 3.0, 10.0, 100.0];

/// XOR applied to the study seed to seed the training cohort.
pub const TRAIN_SEED_XOR: u64 = 0x5EED_7A1E;

impl Default for StudyOptions {
    fn default() -> Self {
        Self {
            n_test: 20,
            n_train: 60,
            seed: 1,
            // The fit needs tissue only out to the last FLAIR front (an 8 mm margin is 4
            // voxels beyond it); Nelder–Mead from the travelling-wave start settles within
            // 25 iterations on these cases (same estimates as 50 to 3 digits).
            calibration: CalibrationOptions {
                crop_margin_mm: 8.0,
                max_iters: 25,
                ..CalibrationOptions::default()
            },
            // A 120-day horizon decides the class: a tumour still invisible then has
            // gained ≥ 120 days (its control had that radius before RT), so DG values
            // above 120 are lower bounds but the label is exact.
            treatment: TreatmentOptions {
                horizon_days: 120.0,
                ..TreatmentOptions::default()
            },
            bootstrap_replicates: 1000,
        }
    }
}

/// One test patient: truth, clinician features, twin and baseline predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientRow {
    /// True parameters and timeline.
    pub patient: VirtualGliomaPatient,
    /// True Days Gained of 60 Gy/30.
    pub true_days_gained: f64,
    /// `true_days_gained ≥ 100`.
    pub responder: bool,
    /// T1Gd radius at the post-RT follow-up (truth, mm).
    pub followup_t1gd_radius_mm: f64,
    /// Baseline covariates.
    pub features: BaselineFeatures,
    /// Twin prediction (None for training patients).
    pub twin: Option<TwinPrediction>,
    /// Why the twin could not be calibrated (the twin then predicts the training responder rate).
    pub twin_error: Option<String>,
    /// Category of that failure ([`failure_category`]).
    pub twin_failure_category: Option<String>,
    /// Baseline probability of response (None for training patients).
    pub baseline_p: Option<f64>,
}

/// An accuracy or AUC with its 95% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// Point estimate on the test patients.
    pub estimate: f64,
    /// 95% percentile bootstrap interval (class-stratified).
    pub ci95: [f64; 2],
}

fn failure_causes(rows: &[PatientRow]) -> Vec<FailureCause> {
    let mut causes: Vec<FailureCause> = Vec::new();
    for r in rows {
        let Some(cat) = &r.twin_failure_category else {
            continue;
        };
        match causes.iter_mut().find(|c| &c.category == cat) {
            Some(c) => c.patient_indices.push(r.patient.id),
            None => causes.push(FailureCause {
                category: cat.clone(),
                patient_indices: vec![r.patient.id],
            }),
        }
    }
    causes.sort_by_key(|c| std::cmp::Reverse(c.patient_indices.len()));
    causes
}

/// Result of the in-silico cohort study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyResult {
    /// Test patients scored: all enrolled (a twin that failed to calibrate
    /// predicts [`Self::prior_responder_rate`] and is scored like the others).
    pub n: usize,
    /// Test patients enrolled.
    pub n_enrolled: usize,
    /// Responder fraction of the training cohort: the twin's fallback prediction
    /// and the majority class.
    pub prior_responder_rate: f64,
    /// Accuracy of predicting the training majority class for everyone.
    pub majority_class_accuracy: Scored,
    /// Ridge penalty of the baseline chosen by 5-fold CV on the training cohort.
    pub baseline_l2_penalty: f64,
    /// Training patients.
    pub n_train: usize,
    /// Responders among test patients.
    pub test_responders: usize,
    /// Responders among training patients.
    pub train_responders: usize,
    /// Twin accuracy (class: `p ≥ 0.5`).
    pub twin_accuracy: Scored,
    /// Baseline accuracy (class: `p ≥ 0.5`).
    pub baseline_accuracy: Scored,
    /// Twin ROC AUC of `p_responder`.
    pub twin_auc: Scored,
    /// Baseline ROC AUC.
    pub baseline_auc: Scored,
    /// Paired bootstrap of the accuracy difference (twin − baseline).
    pub accuracy_difference: PairedComparison,
    /// Paired bootstrap of the AUC difference (twin − baseline).
    pub auc_difference: PairedComparison,
    /// Paired DeLong test of the AUCs.
    pub delong: DeLongTest,
    /// Baseline logistic coefficients (intercept first) per training SD of each covariate.
    pub baseline_coefficients: Vec<(String, f64)>,
    /// Test patients whose twin could not be calibrated (scored with the fallback).
    pub twin_failures: usize,
    /// Those failures grouped by [`failure_category`], most frequent first.
    pub failure_causes: Vec<FailureCause>,
    /// Fraction of test patients whose fitted `D_white` lies within 15% of the truth.
    pub d_within_15pct: f64,
    /// Fraction of test patients whose fitted ρ lies within 15% of the truth.
    pub rho_within_15pct: f64,
    /// Fraction whose 95% `D_white` interval covers the truth.
    pub d_coverage: f64,
    /// Fraction whose 95% ρ interval covers the truth.
    pub rho_coverage: f64,
    /// Fraction whose 95% Days Gained prediction interval covers the true Days Gained
    /// (both read with the study's horizon, so values at the horizon are lower bounds).
    pub days_gained_coverage: f64,
    /// Coverage of the first-order Days Gained intervals, among calibrated twins
    /// that used them (`None` if none did).
    pub days_gained_coverage_first_order: Option<Proportion>,
    /// Coverage of the posterior-draw Days Gained intervals (near-singular fits),
    /// among calibrated twins that used them (`None` if none did).
    pub days_gained_coverage_posterior: Option<Proportion>,
    /// Days Gained intervals with an infinite end.
    pub unbounded_days_gained_intervals: usize,
    /// Median calibration time (s).
    pub median_calibration_seconds: f64,
    /// Test patients (training rows are not kept).
    pub rows: Vec<PatientRow>,
}

fn truth_rows(
    atlas: &BrainTissue,
    n: usize,
    seed: u64,
    opts: &StudyOptions,
) -> Result<Vec<(PatientRow, Vec<Segmentation>, f64)>> {
    let schedule = Schedule::standard();
    (0..n as u64)
        .into_par_iter()
        .map(|id| {
            let mut attempt = 0;
            let (p, truth) = loop {
                let p = draw_patient(atlas, seed, id, attempt)?;
                match simulate_truth(atlas, &p, &schedule, &opts.treatment) {
                    Ok(t) => break (p, t),
                    Err(e) if attempt + 1 == MAX_DRAW_ATTEMPTS => return Err(e),
                    Err(_) => attempt += 1,
                }
            };
            let features = baseline_features(atlas, &truth.scans, p.age_years, p.rt_delay_days)?;
            Ok((
                PatientRow {
                    patient: p,
                    true_days_gained: truth.days_gained,
                    responder: truth.responder,
                    followup_t1gd_radius_mm: truth.followup_t1gd_radius_mm,
                    features,
                    twin: None,
                    twin_error: None,
                    twin_failure_category: None,
                    baseline_p: None,
                },
                truth.scans,
                truth.rt_start_day,
            ))
        })
        .collect()
}

fn scored(
    labels: &[bool],
    p: &[f64],
    metric: BinaryMetric,
    cfg: &BootstrapConfig,
) -> Result<Scored> {
    let strata = strata_from_labels(labels);
    let b = bootstrap(labels.len(), Some(&strata), cfg, |idx| {
        metric.on(labels, p, idx)
    })?;
    Ok(Scored {
        estimate: b.estimate,
        ci95: [b.percentile.0, b.percentile.1],
    })
}

/// Run the study on the (2 mm) atlas: a training cohort for the baseline, a test cohort
/// scored by both. Patients run in parallel (rayon); results are deterministic in `seed`.
pub fn run_study(atlas: &BrainTissue, opts: &StudyOptions) -> Result<StudyResult> {
    if opts.n_test < 4 || opts.n_train < 10 {
        return Err(OncologyError::invalid(
            "n_test/n_train",
            format!("{}/{}", opts.n_test, opts.n_train),
            "at least 4 test and 10 training patients",
        ));
    }
    let train = truth_rows(atlas, opts.n_train, opts.seed ^ TRAIN_SEED_XOR, opts)?;
    let raw: Vec<Vec<f64>> = train.iter().map(|r| r.0.features.row()).collect();
    let y: Vec<bool> = train.iter().map(|r| r.0.responder).collect();
    // Ridge logistic on standardised covariates, penalty by 5-fold CV on training only.
    let scale = Standardiser::fit(&raw);
    let standardise = |r: &[f64]| scale.apply(r);
    let x: Vec<Vec<f64>> = raw.iter().map(|r| standardise(r)).collect();
    let baseline_l2_penalty = choose_l2_by_cv(&x, &y, &BASELINE_L2_GRID, 5, opts.seed)?;
    let model = LogisticRegression::fit(
        &x,
        &y,
        &LogisticOptions {
            names: Some(BASELINE_COVARIATES.map(String::from).to_vec()),
            l2_penalty: baseline_l2_penalty,
            ..LogisticOptions::default()
        },
    )?;
    // What the twin falls back to when it cannot be calibrated, and the majority class.
    let prior_responder_rate = y.iter().filter(|&&l| l).count() as f64 / y.len() as f64;
    let schedule = Schedule::standard();
    let test = truth_rows(atlas, opts.n_test, opts.seed, opts)?;
    let rows: Vec<PatientRow> = test
        .into_par_iter()
        .map(|(mut row, scans, rt_day)| {
            match twin_predict(
                atlas,
                &scans,
                rt_day,
                &schedule,
                &opts.calibration,
                &opts.treatment,
            ) {
                Ok(t) => row.twin = Some(t),
                Err(e) => {
                    row.twin_failure_category = Some(failure_category(&e));
                    row.twin_error = Some(e.to_string());
                }
            }
            row.baseline_p = Some(model.predict(&standardise(&row.features.row()))?);
            Ok(row)
        })
        .collect::<Result<_>>()?;
    // Every enrolled patient is scored: a twin that could not be calibrated predicts
    // the training responder rate (its fallback), never a dropped patient.
    let labels: Vec<bool> = rows.iter().map(|r| r.responder).collect();
    let twin_p: Vec<f64> = rows
        .iter()
        .map(|r| {
            r.twin
                .as_ref()
                .map_or(prior_responder_rate, |t| t.p_responder)
        })
        .collect();
    let base_p: Vec<f64> = rows
        .iter()
        .map(|r| r.baseline_p.unwrap_or(prior_responder_rate))
        .collect();
    let majority_p = vec![
        if prior_responder_rate >= 0.5 {
            1.0
        } else {
            0.0
        };
        labels.len()
    ];
    let cfg = BootstrapConfig {
        replicates: opts.bootstrap_replicates,
        seed: opts.seed,
        ..BootstrapConfig::default()
    };
    let acc = BinaryMetric::Accuracy(0.5);
    let n = rows.len() as f64;
    let frac = |f: &dyn Fn(&PatientRow, &TwinPrediction) -> bool| {
        rows.iter()
            .filter(|r| r.twin.as_ref().is_some_and(|t| f(r, t)))
            .count() as f64
            / n
    };
    let within = |fit: f64, truth: f64| (fit / truth - 1.0).abs() <= 0.15;
    let covers = |ci: [f64; 2], truth: f64| ci[0] <= truth && truth <= ci[1];
    let mut secs: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.twin.as_ref().map(|t| t.calibration_seconds))
        .collect();
    secs.sort_by(f64::total_cmp);
    let dg_coverage = |posterior: bool| -> Result<Option<Proportion>> {
        let group: Vec<bool> = rows
            .iter()
            .filter_map(|r| {
                let t = r.twin.as_ref()?;
                let is_posterior = matches!(
                    t.days_gained_interval,
                    IntervalMethod::PosteriorDraws { .. }
                );
                (is_posterior == posterior).then(|| covers(t.days_gained_ci95, r.true_days_gained))
            })
            .collect();
        if group.is_empty() {
            return Ok(None);
        }
        Proportion::wilson(group.iter().filter(|&&c| c).count(), group.len()).map(Some)
    };
    Ok(StudyResult {
        days_gained_coverage_first_order: dg_coverage(false)?,
        days_gained_coverage_posterior: dg_coverage(true)?,
        unbounded_days_gained_intervals: rows
            .iter()
            .filter(|r| {
                r.twin
                    .as_ref()
                    .is_some_and(|t| t.days_gained_ci95.iter().any(|x| !x.is_finite()))
            })
            .count(),
        n: rows.len(),
        n_enrolled: rows.len(),
        n_train: train.len(),
        twin_failures: rows.iter().filter(|r| r.twin.is_none()).count(),
        failure_causes: failure_causes(&rows),
        test_responders: rows.iter().filter(|r| r.responder).count(),
        train_responders: y.iter().filter(|&&l| l).count(),
        prior_responder_rate,
        majority_class_accuracy: scored(&labels, &majority_p, acc, &cfg)?,
        baseline_l2_penalty,
        twin_accuracy: scored(&labels, &twin_p, acc, &cfg)?,
        baseline_accuracy: scored(&labels, &base_p, acc, &cfg)?,
        twin_auc: scored(&labels, &twin_p, BinaryMetric::Auc, &cfg)?,
        baseline_auc: scored(&labels, &base_p, BinaryMetric::Auc, &cfg)?,
        accuracy_difference: compare_binary(&labels, &twin_p, &base_p, acc, &cfg)?,
        auc_difference: compare_binary(&labels, &twin_p, &base_p, BinaryMetric::Auc, &cfg)?,
        delong: delong_test(&labels, &twin_p, &base_p)?,
        baseline_coefficients: model
            .coefficients
            .iter()
            .map(|c| (c.name.clone(), c.estimate))
            .collect(),
        d_within_15pct: frac(&|r, t| {
            within(
                t.diffusion_white_mm2_per_day,
                r.patient.growth.diffusion_white_mm2_per_day,
            )
        }),
        rho_within_15pct: frac(&|r, t| within(t.rho_per_day, r.patient.growth.rho_per_day)),
        d_coverage: frac(&|r, t| {
            covers(
                t.diffusion_ci95,
                r.patient.growth.diffusion_white_mm2_per_day,
            )
        }),
        rho_coverage: frac(&|r, t| covers(t.rho_ci95, r.patient.growth.rho_per_day)),
        days_gained_coverage: frac(&|r, t| covers(t.days_gained_ci95, r.true_days_gained)),
        median_calibration_seconds: secs.get(secs.len() / 2).copied().unwrap_or(f64::NAN),
        rows,
    })
}
