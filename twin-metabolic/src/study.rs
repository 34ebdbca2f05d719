//! An in-silico forecast study of the T2D twin that can fail.
//!
//! Virtual patients on metformin (empagliflozin added at day 546) are observed
//! quarterly for `observe_years`; every method then predicts the HbA1c *measured* at the
//! last visit (`horizon_years`, 20 quarters). Test patients are scored, training
//! patients only fit the regression baseline; both sets come from seeds fixed in
//! `data/validation/test_seeds.json` before the study was run.
//!
//! ## What truth and twin share, and what they do not
//! * **Shared**: the model's equations (glycaemia, weight, kidney), drug effect sizes,
//!   the regimen and visit times.
//! * **Different structure**: the truth's β-cell decline rate is not constant: its
//!   logarithm follows an Ornstein–Uhlenbeck process between quarters
//!   ([`TruthSpec::rate_innovation_sd_ln`]), and habitual energy intake follows a
//!   random walk ([`TruthSpec::intake_step_sd_kcal`]); the twin assumes both constant.
//!   Three population constants are perturbed per patient (model error the twin does
//!   not know), and measurements carry noise.
//! * **Different priors**: truth patients come from [`TruthSpec::law`], a population
//!   unlike the twin's prior (faster reference decline, weaker age and stronger BMI
//!   effects, wider spread); the twin uses the ADOPT-fitted
//!   [`crate::ProgressionLaw::default`].
//!
//! ## Methods (same information: the quarterly measurements of years 0–observe)
//! * twin: [`crate::Twin::calibrate`] + forecast median; if calibration fails the twin
//!   falls back to carrying the last value forward and the failure is counted;
//! * oracle: the model run from the truth's state and parameters at the forecast
//!   origin (knows everything except the future innovations and measurement noise);
//! * LOCF: last measured HbA1c;
//! * trend: least-squares line through the measurements after empagliflozin settled
//!   (from day 637), extrapolated;
//! * ridge: ridge regression on 10 features (last and baseline HbA1c, trend slope,
//!   age, BMI, duration, sex, last FPG, weight change, eGFR), penalty by 5-fold
//!   cross-validation on the training patients only;
//! * spline: the same with restricted cubic splines (4 knots at Harrell's quantiles of
//!   the training patients) on the last HbA1c, the trend slope and BMI — the truth's
//!   progression is not linear in them.
//!
//! Reported: MAE with bootstrap 95 % intervals, paired differences twin − each
//! baseline (bootstrap, same resamples), coverage of the twin's 90 % interval (Wilson).

use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::cohort::{Marginal, patient_rng};
use twin_validate::baseline::{RidgeRegression, SplineColumns};
use twin_validate::bootstrap::{BootstrapConfig, bootstrap};

use crate::drugs::{Drug, DrugOrder};
use crate::error::{MetabolicError, Result};
use crate::history::{History, MedicationEpisode};
use crate::kidney::Sex;
use crate::model::{MetabolicTrajectory, PatientModel, State, StepOptions};
use crate::plan::Plan;
use crate::progression::ProgressionLaw;
use crate::trial::{
    BackgroundDrug, CohortSpec, Variability, VirtualT2dPatient, sample_cohort_range, wilson95,
};
use crate::twin::{Twin, TwinOptions};

/// Days per quarter (visit spacing); 20 quarters ≈ 5 years.
pub const QUARTER_DAYS: f64 = 91.0;
/// Day empagliflozin is added.
const EMPA_START_QUARTER: usize = 6;

/// The virtual truth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TruthSpec {
    /// Population law the truth's patients are drawn from.
    pub law: ProgressionLaw,
    /// SD of the quarterly innovation of ln(β-decline rate) (within-patient variation).
    pub rate_innovation_sd_ln: f64,
    /// Fraction of ln-rate deviation that reverts to the patient's mean each quarter.
    pub rate_reversion_per_quarter: f64,
    /// SD of the quarterly random-walk step of habitual energy intake, kcal/day.
    pub intake_step_sd_kcal: f64,
    /// SD of ln multipliers of three population constants (model error).
    pub constants_sd_ln: f64,
    /// Measurement noise of HbA1c, % points.
    pub hba1c_sd_percent: f64,
    /// Coefficient of variation of FPG.
    pub fpg_cv: f64,
}

impl Default for TruthSpec {
    fn default() -> Self {
        Self {
            law: ProgressionLaw {
                reference_decline_per_year: 0.115,
                ln_per_decade_younger: 0.25,
                ln_per_5_bmi: 0.2,
                ln_male: 0.1,
                residual_sd_ln: 0.9,
            },
            rate_innovation_sd_ln: 0.25,
            rate_reversion_per_quarter: 0.1,
            intake_step_sd_kcal: 40.0,
            constants_sd_ln: 0.2,
            hba1c_sd_percent: 0.15,
            fpg_cv: 0.08,
        }
    }
}

/// A study's design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastStudySpec {
    /// Cohort (background metformin is assumed for everyone).
    pub cohort: CohortSpec,
    /// Training patients (fit the ridge baseline only).
    pub n_train: usize,
    /// Test patients (scored).
    pub n_test: usize,
    /// Seed of the training patients.
    pub train_seed: u64,
    /// Seed of the test patients (fixed in `data/validation/test_seeds.json`).
    pub test_seed: u64,
    /// Quarters observed before the forecast origin (12 = 3 years).
    pub observed_quarters: usize,
    /// Quarter whose measured HbA1c is predicted (20 = 5 years).
    pub target_quarter: usize,
    /// The virtual truth.
    #[serde(default)]
    pub truth: TruthSpec,
    /// Posterior draws of the twin.
    pub twin_draws: usize,
}

impl ForecastStudySpec {
    /// The study's design: a second-line population on metformin (age 58 ± 9, BMI
    /// 31 ± 4.5, duration 5 ± 3 years, HbA1c 7.8 ± 0.6 %, eGFR 75 ± 15), 12 quarters
    /// observed, the 20th predicted, the default truth and 200 posterior draws.
    pub fn design(n_train: usize, n_test: usize, train_seed: u64, test_seed: u64) -> Self {
        let tn = |mean, sd, lower, upper| Marginal::TruncatedNormal {
            mean,
            sd,
            lower,
            upper,
        };
        Self {
            cohort: CohortSpec {
                age_years: tn(58.0, 9.0, 35.0, 78.0),
                female_fraction: 0.45,
                bmi_kg_m2: tn(31.0, 4.5, 22.0, 45.0),
                diabetes_duration_years: tn(5.0, 3.0, 0.5, 15.0),
                hba1c_percent: tn(7.8, 0.6, 6.8, 9.5),
                fpg_mmol_l: None,
                egfr: tn(75.0, 15.0, 45.0, 110.0),
                uacr_mg_g: Marginal::LogNormal {
                    mu_log: 3.5,
                    sigma_log: 0.8,
                },
                sbp_mmhg: tn(135.0, 12.0, 110.0, 170.0),
                correlations: vec![],
                background_drugs: vec![BackgroundDrug {
                    order: DrugOrder::from_day_0(Drug::Metformin, 2000.0),
                    fraction: 1.0,
                }],
                black_fraction: 0.0,
            },
            n_train,
            n_test,
            train_seed,
            test_seed,
            observed_quarters: 12,
            target_quarter: 20,
            truth: TruthSpec::default(),
            twin_draws: 200,
        }
    }
}

/// One method's mean absolute error with its bootstrap 95 % interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodScore {
    /// Method name.
    pub method: String,
    /// Mean absolute error, HbA1c % points.
    pub mae: f64,
    /// Lower 95 % bound.
    pub lo: f64,
    /// Upper 95 % bound.
    pub hi: f64,
}

/// The study's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastStudyReport {
    /// Test patients scored (all of them: failures fall back, never dropped).
    pub n_test: usize,
    /// Twin calibrations that failed (scored with the LOCF fallback).
    pub twin_failures: usize,
    /// MAE of twin, oracle, LOCF, trend, ridge and spline.
    pub scores: Vec<MethodScore>,
    /// MAE(twin) − MAE(baseline) for LOCF, trend, ridge and spline, bootstrap 95 % (negative =
    /// the twin is better).
    pub twin_minus: Vec<MethodScore>,
    /// Fraction of test patients whose measured HbA1c fell in the twin's 90 % interval.
    pub coverage90: f64,
    /// Wilson 95 % interval of that fraction.
    pub coverage90_ci: (f64, f64),
    /// Penalty the ridge baseline's cross-validation chose.
    pub ridge_lambda: f64,
    /// Penalty the spline baseline's cross-validation chose.
    pub spline_lambda: f64,
    /// Distinct error messages of the failed twin calibrations (no patient data).
    pub failure_reasons: Vec<String>,
}

/// One simulated patient: measurements per quarter and the oracle's forecast.
struct Patient {
    baseline_a1c: f64,
    a1c: Vec<f64>,
    fpg: Vec<f64>,
    weight: Vec<f64>,
    egfr: Vec<f64>,
    uacr: Vec<f64>,
    oracle: f64,
    vp: VirtualT2dPatient,
}

fn plan_at(quarter: usize) -> Plan {
    let mut drugs = vec![(Drug::Metformin, 2000.0)];
    if quarter >= EMPA_START_QUARTER {
        drugs.push((Drug::Empagliflozin, 10.0));
    }
    Plan::drugs("study regimen", &drugs)
}

/// Run the model one quarter from `state` with fixed parameters.
fn quarter(
    vp: &VirtualT2dPatient,
    params: crate::PatientParams,
    state: &mut State,
    q: usize,
) -> Result<()> {
    let (pm, _) = PatientModel::new(vp.baseline.clone(), params, vp.constants)?;
    let opts = StepOptions {
        dt_days: 7.0,
        record_every_days: 0.0,
    };
    pm.run(
        state,
        &plan_at(q),
        QUARTER_DAYS,
        opts,
        &mut MetabolicTrajectory::default(),
        &mut vec![],
    )
}

fn simulate(spec: &ForecastStudySpec, seed: u64, index: u64) -> Result<Patient> {
    let t = &spec.truth;
    let var = Variability {
        progression: t.law,
        constants_sd_ln: t.constants_sd_ln,
        ..Variability::default()
    };
    let vp = sample_cohort_range(&spec.cohort, &var, index, 1, seed)?.remove(0);
    let mut rng = patient_rng(seed ^ 0x5bd1_e995_a5a5_5a5a, index);
    let mut z = || -> f64 { rng.sample(StandardNormal) };
    let (_, mut state) = PatientModel::new(vp.baseline.clone(), vp.params, vp.constants)?;
    let (mut u, mut intake) = (0.0, 0.0);
    let params_now = |u: f64, intake: f64| crate::PatientParams {
        beta_decline_per_year: (vp.params.beta_decline_per_year * f64::exp(u))
            .min(crate::progression::MAX_DECLINE_PER_YEAR),
        intake_change_kcal_per_day: intake,
        ..vp.params
    };
    let mut true_a1c = vec![state.hba1c_percent];
    let mut rows = vec![(
        state.fpg_mmol_l,
        state.weight_kg,
        state.egfr,
        state.uacr_mg_g,
    )];
    let mut oracle = f64::NAN;
    for q in 0..spec.target_quarter {
        if q == spec.observed_quarters {
            // the oracle: the truth's state and parameters now, no future innovations
            let mut s = state.clone();
            for k in q..spec.target_quarter {
                quarter(&vp, params_now(u, intake), &mut s, k)?;
            }
            oracle = s.hba1c_percent;
        }
        u = (1.0 - t.rate_reversion_per_quarter) * u + t.rate_innovation_sd_ln * z();
        intake = (intake + t.intake_step_sd_kcal * z()).clamp(-500.0, 500.0);
        quarter(&vp, params_now(u, intake), &mut state, q)?;
        true_a1c.push(state.hba1c_percent);
        rows.push((
            state.fpg_mmol_l,
            state.weight_kg,
            state.egfr,
            state.uacr_mg_g,
        ));
    }
    let a1c = true_a1c
        .iter()
        .map(|v| v + t.hba1c_sd_percent * z())
        .collect();
    let fpg = rows.iter().map(|r| r.0 * (1.0 + t.fpg_cv * z())).collect();
    let weight = rows.iter().map(|r| r.1 + z()).collect();
    let egfr = rows.iter().map(|r| r.2 * (1.0 + 0.05 * z())).collect();
    let uacr = rows.iter().map(|r| r.3 * (0.3 * z()).exp()).collect();
    Ok(Patient {
        baseline_a1c: vp.baseline.hba1c_percent,
        a1c,
        fpg,
        weight,
        egfr,
        uacr,
        oracle,
        vp,
    })
}

fn observed(v: &[f64], n: usize) -> Vec<(f64, f64)> {
    (0..=n).map(|k| (k as f64 * QUARTER_DAYS, v[k])).collect()
}

fn history(p: &Patient, n: usize) -> History {
    let b = &p.vp.baseline;
    History {
        sex: b.sex,
        age_years_at_index: b.age_years,
        height_m: b.height_m,
        hba1c_percent: observed(&p.a1c, n),
        fpg_mmol_l: observed(&p.fpg, n),
        weight_kg: observed(&p.weight, n),
        egfr: observed(&p.egfr, n),
        uacr_mg_g: observed(&p.uacr, n),
        sbp_mmhg: vec![(0.0, b.sbp_mmhg)],
        medications: vec![
            MedicationEpisode {
                drug: Drug::Metformin,
                dose: 2000.0,
                start_days: -400.0,
                end_days: None,
            },
            MedicationEpisode {
                drug: Drug::Empagliflozin,
                dose: 10.0,
                start_days: EMPA_START_QUARTER as f64 * QUARTER_DAYS,
                end_days: None,
            },
        ],
        diabetes_onset_days: Some(-b.diabetes_duration_years * 365.25),
    }
}

/// Least-squares slope of the measured HbA1c from day 637 to the origin, % per quarter.
fn trend_slope(p: &Patient, n: usize) -> f64 {
    let ks: Vec<usize> = (EMPA_START_QUARTER + 1..=n).collect();
    if ks.len() < 2 {
        return 0.0;
    }
    let m = ks.len() as f64;
    let mx = ks.iter().map(|&k| k as f64).sum::<f64>() / m;
    let my = ks.iter().map(|&k| p.a1c[k]).sum::<f64>() / m;
    let sxy: f64 = ks.iter().map(|&k| (k as f64 - mx) * (p.a1c[k] - my)).sum();
    let sxx: f64 = ks.iter().map(|&k| (k as f64 - mx).powi(2)).sum();
    sxy / sxx
}

fn features(p: &Patient, n: usize) -> Vec<f64> {
    let b = &p.vp.baseline;
    vec![
        p.a1c[n],
        p.baseline_a1c,
        trend_slope(p, n),
        b.age_years,
        b.bmi(),
        b.diabetes_duration_years,
        f64::from(u8::from(b.sex == Sex::Male)),
        p.fpg[n],
        p.weight[n] - p.weight[0],
        p.egfr[n],
    ]
}

/// Columns of [`features`] that the spline baseline expands: last HbA1c, trend slope,
/// BMI.
const SPLINED: [usize; 3] = [0, 2, 4];

/// Run the study.
pub fn run_forecast_study(spec: &ForecastStudySpec) -> Result<ForecastStudyReport> {
    let (n, target) = (spec.observed_quarters, spec.target_quarter);
    if !(EMPA_START_QUARTER + 2 < n && n < target && target <= 40) {
        return Err(MetabolicError::invalid(
            "observed_quarters / target_quarter",
            format!("{n} / {target}"),
            "8 < observed < target ≤ 40 quarters",
        ));
    }
    if spec.n_train < 20 || spec.n_test < 5 {
        return Err(MetabolicError::invalid(
            "n_train / n_test",
            format!("{} / {}", spec.n_train, spec.n_test),
            "at least 20 training and 5 test patients",
        ));
    }
    let train: Vec<Patient> = (0..spec.n_train as u64)
        .into_par_iter()
        .map(|i| simulate(spec, spec.train_seed, i))
        .collect::<Result<_>>()?;
    let rows: Vec<Vec<f64>> = train.iter().map(|p| features(p, n)).collect();
    let y: Vec<f64> = train.iter().map(|p| p.a1c[target]).collect();
    let lambdas = [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0];
    let ridge = RidgeRegression::fit_cv(&rows, &y, &lambdas, 5).map_err(|e| {
        MetabolicError::invalid("ridge baseline", e, "a fit on the training patients")
    })?;
    let splines = SplineColumns::fit(&rows, &SPLINED, 4)
        .map_err(|e| MetabolicError::invalid("spline baseline", e, "distinct training values"))?;
    let spline_rows: Vec<Vec<f64>> = rows.iter().map(|r| splines.row(r)).collect();
    let spline = RidgeRegression::fit_cv(&spline_rows, &y, &lambdas, 5).map_err(|e| {
        MetabolicError::invalid("spline baseline", e, "a fit on the training patients")
    })?;
    // per test patient: (label, twin, lo, hi, failed, oracle, locf, trend, ridge,
    // spline), reason
    let results: Vec<([f64; 10], Option<String>)> = (0..spec.n_test as u64)
        .into_par_iter()
        .map(|i| {
            let p = simulate(spec, spec.test_seed, i)?;
            let locf = p.a1c[n];
            let trend = locf + trend_slope(&p, n) * (target - n) as f64;
            let x = features(&p, n);
            let ridge_pred = ridge
                .predict(&x)
                .map_err(|e| MetabolicError::invalid("ridge prediction", e, "finite features"))?;
            let spline_pred = spline
                .predict(&splines.row(&x))
                .map_err(|e| MetabolicError::invalid("spline prediction", e, "finite features"))?;
            let opts = TwinOptions {
                n_posterior: spec.twin_draws,
                seed: i,
                ..TwinOptions::default()
            };
            let regimen = Plan::drugs(
                "current regimen",
                &[(Drug::Metformin, 2000.0), (Drug::Empagliflozin, 10.0)],
            );
            let target_day = target as f64 * QUARTER_DAYS;
            let twin = Twin::calibrate(history(&p, n), opts)
                .and_then(|t| t.forecast(&[regimen], (target_day - t.origin_days) / 365.25));
            let (pred, lo, hi, failed, reason) = match twin {
                Ok(f) => {
                    let a = &f[0].hba1c_5y;
                    (a.median, a.p05, a.p95, 0.0, None)
                }
                Err(e) => (locf, locf, locf, 1.0, Some(e.to_string())),
            };
            let row = [
                p.a1c[target],
                pred,
                lo,
                hi,
                failed,
                p.oracle,
                locf,
                trend,
                ridge_pred,
                spline_pred,
            ];
            Ok((row, reason))
        })
        .collect::<Result<_>>()?;
    let mut failure_reasons: Vec<String> = results.iter().filter_map(|r| r.1.clone()).collect();
    failure_reasons.sort();
    failure_reasons.dedup();
    let scored: Vec<[f64; 10]> = results.into_iter().map(|r| r.0).collect();
    let err = |col: usize| -> Vec<f64> { scored.iter().map(|r| (r[col] - r[0]).abs()).collect() };
    let cfg = BootstrapConfig {
        replicates: 2000,
        seed: spec.test_seed,
        ..BootstrapConfig::default()
    };
    let mean_on =
        |v: &[f64], idx: &[usize]| idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64;
    let score = |name: &str, v: Vec<f64>| -> Result<MethodScore> {
        let b = bootstrap(v.len(), None, &cfg, |idx| Ok(mean_on(&v, idx)))
            .map_err(|e| MetabolicError::invalid("bootstrap", e, "a defined MAE"))?;
        Ok(MethodScore {
            method: name.into(),
            mae: b.estimate,
            lo: b.percentile.0,
            hi: b.percentile.1,
        })
    };
    let twin_err = err(1);
    let names = ["twin", "oracle", "LOCF", "trend", "ridge", "spline"];
    let cols = [1, 5, 6, 7, 8, 9];
    let scores = names
        .iter()
        .zip(cols)
        .map(|(name, c)| score(name, err(c)))
        .collect::<Result<Vec<_>>>()?;
    let twin_minus = [("LOCF", 6), ("trend", 7), ("ridge", 8), ("spline", 9)]
        .iter()
        .map(|&(name, c)| {
            let d: Vec<f64> = twin_err.iter().zip(err(c)).map(|(a, b)| a - b).collect();
            score(&format!("twin − {name}"), d)
        })
        .collect::<Result<Vec<_>>>()?;
    let k = scored
        .iter()
        .filter(|r| r[4] == 0.0 && r[2] <= r[0] && r[0] <= r[3])
        .count();
    Ok(ForecastStudyReport {
        n_test: scored.len(),
        twin_failures: scored.iter().filter(|r| r[4] == 1.0).count(),
        scores,
        twin_minus,
        coverage90: k as f64 / scored.len() as f64,
        coverage90_ci: wilson95(k, scored.len()),
        ridge_lambda: ridge.lambda,
        spline_lambda: spline.lambda,
        failure_reasons,
    })
}
