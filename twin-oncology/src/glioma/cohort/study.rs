//! The in-silico cohort study: a training cohort fits the baselines (ridge logistic and
//! a flexible spline version), a test cohort is predicted by twin, baselines and an
//! oracle, and all are scored on the clinical label — progression on the follow-up
//! scan — (accuracy, AUC, paired bootstrap and DeLong comparisons), with parameter
//! recovery and Days-Gained interval coverage.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_validate::baseline::{CvRidgeLogistic, SplineColumns};
use twin_validate::bootstrap::{BootstrapConfig, bootstrap, strata_from_labels};
use twin_validate::compare::{BinaryMetric, PairedComparison, compare_binary};
use twin_validate::delong::{DeLongTest, delong_test};

use super::baseline::{BASELINE_COVARIATES, BaselineFeatures, baseline_features};
use super::coverage::Proportion;
use super::failure::{FailureCause, failure_category};
use super::patient::{MAX_DRAW_ATTEMPTS, VirtualGliomaPatient, draw_patient};
use super::prediction::{TwinPrediction, twin_predict};
use super::truth::TruthRun;
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

/// One test patient: truth, clinician features, twin, baseline and oracle predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientRow {
    /// True parameters and timeline.
    pub patient: VirtualGliomaPatient,
    /// The label: progression on the follow-up scan ([`TruthRun::progressed`]).
    pub progressed: bool,
    /// Rater-measured T1Gd volumes at the planning and follow-up scans, mL.
    pub t1gd_volume_ml: [f64; 2],
    /// Oracle probability of progression ([`TruthRun::oracle_p_progressed`]).
    pub oracle_p: f64,
    /// OER of the truth's hypoxic core and its share of the T1Gd volume.
    pub hypoxia: [f64; 2],
    /// True Days Gained of 60 Gy/30 (with the hypoxic core).
    pub true_days_gained: f64,
    /// Baseline covariates.
    pub features: BaselineFeatures,
    /// Twin prediction (None for training patients or a failed calibration).
    pub twin: Option<TwinPrediction>,
    /// Why the twin could not be calibrated (the twin then predicts the training
    /// progression rate).
    pub twin_error: Option<String>,
    /// Category of that failure ([`failure_category`]).
    pub twin_failure_category: Option<String>,
    /// Ridge baseline's probability of progression (None for training patients).
    pub baseline_p: Option<f64>,
    /// Flexible (spline) baseline's probability of progression.
    pub flexible_p: Option<f64>,
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

/// A model's scores on the test patients.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelScores {
    /// Accuracy of the class `p ≥ 0.5`.
    pub accuracy: Scored,
    /// ROC AUC of `p`.
    pub auc: Scored,
}

/// Result of the in-silico cohort study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyResult {
    /// Test patients scored: all enrolled (a twin that failed to calibrate
    /// predicts [`Self::prior_progression_rate`] and is scored like the others).
    pub n: usize,
    /// Training patients.
    pub n_train: usize,
    /// Progression rate of the training cohort: the twin's fallback prediction and the
    /// majority class.
    pub prior_progression_rate: f64,
    /// Test patients who progressed.
    pub test_progressed: usize,
    /// Training patients who progressed.
    pub train_progressed: usize,
    /// Predicting the training majority class for everyone (AUC 0.5 by construction).
    pub majority_class_accuracy: Scored,
    /// The oracle: true tumour known, only the follow-up rater noise unknown.
    pub oracle: ModelScores,
    /// The twin.
    pub twin: ModelScores,
    /// Ridge logistic baseline (penalty by 5-fold CV on training).
    pub baseline: ModelScores,
    /// Flexible baseline: ridge logistic with restricted cubic splines.
    pub flexible: ModelScores,
    /// Ridge penalties chosen by CV: baseline, flexible.
    pub l2_penalties: [f64; 2],
    /// Paired bootstrap of the accuracy difference (twin − ridge baseline).
    pub accuracy_difference: PairedComparison,
    /// Paired bootstrap of the AUC difference (twin − ridge baseline).
    pub auc_difference: PairedComparison,
    /// Paired bootstrap of the AUC difference (twin − flexible baseline).
    pub auc_difference_flexible: PairedComparison,
    /// Paired DeLong test of the twin's and the ridge baseline's AUCs.
    pub delong: DeLongTest,
    /// Ridge baseline coefficients (intercept first) per training SD of each covariate.
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
    /// Coverage of the first-order Days Gained intervals of the true Days Gained (both
    /// read with the study's horizon), among calibrated twins that used them (`None`
    /// if none did).
    pub days_gained_coverage_first_order: Option<Proportion>,
    /// Coverage of the posterior-draw Days Gained intervals (near-singular fits).
    pub days_gained_coverage_posterior: Option<Proportion>,
    /// Days Gained intervals with an infinite end.
    pub unbounded_days_gained_intervals: usize,
    /// Median calibration time (s).
    pub median_calibration_seconds: f64,
    /// Test patients (training rows are not kept).
    pub rows: Vec<PatientRow>,
}

/// A simulated patient with what the twin needs: its scans and first-fraction day.
struct Simulated {
    row: PatientRow,
    scans: Vec<Segmentation>,
    rt_start_day: f64,
}

fn truth_rows(
    atlas: &BrainTissue,
    n: usize,
    seed: u64,
    opts: &StudyOptions,
) -> Result<Vec<Simulated>> {
    let schedule = Schedule::standard();
    (0..n as u64)
        .into_par_iter()
        .map(|id| {
            let mut attempt = 0;
            let (p, truth): (_, TruthRun) = loop {
                let p = draw_patient(atlas, seed, id, attempt)?;
                match simulate_truth(atlas, &p, &schedule, &opts.treatment) {
                    Ok(t) => break (p, t),
                    Err(e) if attempt + 1 == MAX_DRAW_ATTEMPTS => return Err(e),
                    Err(_) => attempt += 1,
                }
            };
            let features = baseline_features(atlas, &truth.scans, p.age_years, p.rt_delay_days)?;
            Ok(Simulated {
                row: PatientRow {
                    patient: p,
                    progressed: truth.progressed,
                    t1gd_volume_ml: [truth.planning_t1gd_volume_ml, truth.followup_t1gd_volume_ml],
                    oracle_p: truth.oracle_p_progressed,
                    hypoxia: [truth.oer, truth.hypoxic_fraction_of_t1gd],
                    true_days_gained: truth.days_gained,
                    features,
                    twin: None,
                    twin_error: None,
                    twin_failure_category: None,
                    baseline_p: None,
                    flexible_p: None,
                },
                scans: truth.scans,
                rt_start_day: truth.rt_start_day,
            })
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

fn model_scores(labels: &[bool], p: &[f64], cfg: &BootstrapConfig) -> Result<ModelScores> {
    Ok(ModelScores {
        accuracy: scored(labels, p, BinaryMetric::Accuracy(0.5), cfg)?,
        auc: scored(labels, p, BinaryMetric::Auc, cfg)?,
    })
}

/// Columns of [`BaselineFeatures::row`] that the flexible baseline expands into
/// restricted cubic splines (4 knots at Harrell's quantiles of the training cohort):
/// the log T1Gd and FLAIR volumes and the T1Gd growth rate.
const SPLINED: [usize; 3] = [0, 1, 2];

/// Run the study on the (2 mm) atlas: a training cohort for the baselines, a test cohort
/// scored by all. Patients run in parallel (rayon); results are deterministic in `seed`.
pub fn run_study(atlas: &BrainTissue, opts: &StudyOptions) -> Result<StudyResult> {
    if opts.n_test < 4 || opts.n_train < 10 {
        return Err(OncologyError::invalid(
            "n_test/n_train",
            format!("{}/{}", opts.n_test, opts.n_train),
            "at least 4 test and 10 training patients",
        ));
    }
    let train = truth_rows(atlas, opts.n_train, opts.seed ^ TRAIN_SEED_XOR, opts)?;
    let x: Vec<Vec<f64>> = train.iter().map(|r| r.row.features.row()).collect();
    let y: Vec<bool> = train.iter().map(|r| r.row.progressed).collect();
    let names = BASELINE_COVARIATES.map(String::from).to_vec();
    let ridge = CvRidgeLogistic::fit(&x, &y, &BASELINE_L2_GRID, 5, Some(names), opts.seed)?;
    let splines = SplineColumns::fit(&x, &SPLINED, 4)?;
    let xf: Vec<Vec<f64>> = x.iter().map(|r| splines.row(r)).collect();
    let flexible = CvRidgeLogistic::fit(&xf, &y, &BASELINE_L2_GRID, 5, None, opts.seed)?;
    // What the twin falls back to when it cannot be calibrated, and the majority class.
    let prior_progression_rate = y.iter().filter(|&&l| l).count() as f64 / y.len() as f64;
    let schedule = Schedule::standard();
    let test = truth_rows(atlas, opts.n_test, opts.seed, opts)?;
    let rows: Vec<PatientRow> = test
        .into_par_iter()
        .map(|sim| {
            let mut row = sim.row;
            match twin_predict(
                atlas,
                &sim.scans,
                sim.rt_start_day,
                row.t1gd_volume_ml[0],
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
            let f = row.features.row();
            row.baseline_p = Some(ridge.predict(&f)?);
            row.flexible_p = Some(flexible.predict(&splines.row(&f))?);
            Ok(row)
        })
        .collect::<Result<_>>()?;
    // Every enrolled patient is scored: a twin that could not be calibrated predicts
    // the training progression rate (its fallback), never a dropped patient.
    let labels: Vec<bool> = rows.iter().map(|r| r.progressed).collect();
    let twin_p: Vec<f64> = rows
        .iter()
        .map(|r| {
            r.twin
                .as_ref()
                .map_or(prior_progression_rate, |t| t.p_progressed)
        })
        .collect();
    let fallback = |p: Option<f64>| p.unwrap_or(prior_progression_rate);
    let base_p: Vec<f64> = rows.iter().map(|r| fallback(r.baseline_p)).collect();
    let flex_p: Vec<f64> = rows.iter().map(|r| fallback(r.flexible_p)).collect();
    let oracle_p: Vec<f64> = rows.iter().map(|r| r.oracle_p).collect();
    let majority = f64::from(u8::from(prior_progression_rate >= 0.5));
    let cfg = BootstrapConfig {
        replicates: opts.bootstrap_replicates,
        seed: opts.seed,
        ..BootstrapConfig::default()
    };
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
    let auc = BinaryMetric::Auc;
    Ok(StudyResult {
        n: rows.len(),
        n_train: train.len(),
        prior_progression_rate,
        test_progressed: labels.iter().filter(|&&l| l).count(),
        train_progressed: y.iter().filter(|&&l| l).count(),
        majority_class_accuracy: scored(
            &labels,
            &vec![majority; labels.len()],
            BinaryMetric::Accuracy(0.5),
            &cfg,
        )?,
        oracle: model_scores(&labels, &oracle_p, &cfg)?,
        twin: model_scores(&labels, &twin_p, &cfg)?,
        baseline: model_scores(&labels, &base_p, &cfg)?,
        flexible: model_scores(&labels, &flex_p, &cfg)?,
        l2_penalties: [ridge.penalty, flexible.penalty],
        accuracy_difference: compare_binary(
            &labels,
            &twin_p,
            &base_p,
            BinaryMetric::Accuracy(0.5),
            &cfg,
        )?,
        auc_difference: compare_binary(&labels, &twin_p, &base_p, auc, &cfg)?,
        auc_difference_flexible: compare_binary(&labels, &twin_p, &flex_p, auc, &cfg)?,
        delong: delong_test(&labels, &twin_p, &base_p)?,
        baseline_coefficients: ridge
            .fit
            .coefficients
            .iter()
            .map(|c| (c.name.clone(), c.estimate))
            .collect(),
        twin_failures: rows.iter().filter(|r| r.twin.is_none()).count(),
        failure_causes: failure_causes(&rows),
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
        median_calibration_seconds: secs.get(secs.len() / 2).copied().unwrap_or(f64::NAN),
        rows,
    })
}
