//! The twin of one patient: calibration to the record's history with population
//! priors (twin-core Laplace posterior), an applicability-domain check, 5-year
//! forecasts of each plan with prediction intervals, and a ranking with explanation.

use crate::drugs::{Drug, DrugOrder};
use crate::error::{MetabolicError, Result};
use crate::history::History;
use crate::kidney::{KfreHorizon, KfreRegion, kfre_4var};
use crate::model::{
    Baseline, Constants, DAYS_PER_YEAR, PatientModel, PatientParams, State, StepOptions, Trajectory,
};
use crate::plan::Plan;
use crate::risk::{CvRiskFactors, ukpds_chd_risk};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::calibrate::{
    CovarianceMethod, FitOptions, Likelihood, Observations, ParameterSpec, Prior, Problem,
    SigmaModel, Transform, fit, laplace,
};

/// Measurement SDs used in the likelihood (analytical + within-person variation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ObservationSd {
    /// HbA1c, % points.
    pub hba1c_percent: f64,
    /// FPG, mmol/L.
    pub fpg_mmol_l: f64,
    /// Weight, kg.
    pub weight_kg: f64,
    /// eGFR, mL/min/1.73 m².
    pub egfr: f64,
    /// ln UACR.
    pub ln_uacr: f64,
}

impl Default for ObservationSd {
    fn default() -> Self {
        // Within-person CVs (Ricos et al. 1999 biological variation database): HbA1c ~2 %,
        // FPG ~6–8 %, creatinine ~5 %, UACR ~30 %; weight ~1 kg day to day.
        Self {
            hba1c_percent: 0.2,
            fpg_mmol_l: 0.7,
            weight_kg: 1.2,
            egfr: 4.0,
            ln_uacr: 0.35,
        }
    }
}

/// Settings of the twin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TwinOptions {
    /// Posterior samples used for forecasts.
    pub n_posterior: usize,
    /// Seed of the posterior sampling.
    pub seed: u64,
    /// Observation SDs.
    pub sd: ObservationSd,
    /// Total/HDL cholesterol ratio for the CV risk equation (records rarely carry it).
    pub tc_hdl_ratio: f64,
    /// Current smoker.
    pub smoker: bool,
    /// KFRE baseline survival.
    pub kfre_region: KfreRegion,
    /// Optimiser starts and iteration budget per start.
    pub fit_starts: usize,
    /// Iteration budget per start.
    pub fit_max_iters: u64,
}

impl Default for TwinOptions {
    fn default() -> Self {
        Self {
            n_posterior: 1000,
            seed: 42,
            sd: ObservationSd::default(),
            tc_hdl_ratio: 4.0,
            smoker: false,
            kfre_region: KfreRegion::NorthAmerica,
            fit_starts: 3,
            fit_max_iters: 500,
        }
    }
}

/// The calibrated parameters' names, units, priors and bounds. Log/Logit transforms keep
/// every posterior sample inside the range the model accepts.
pub fn parameter_specs() -> Vec<ParameterSpec> {
    vec![
        // prior median 0.07/yr (UKPDS drift ≈ 0.2 %/yr), spread as the trial cohorts
        ParameterSpec::new("beta_decline_per_year", "1/yr", 0.005, 0.6, Transform::Log).with_prior(
            Prior::LogNormal {
                mu_log: 0.07f64.ln(),
                sigma_log: 0.6,
            },
        ),
        // trial-average response 1, between-patient SD of ln response 0.3
        ParameterSpec::new("drug_response", "", 0.1, 4.0, Transform::Log).with_prior(
            Prior::LogNormal {
                mu_log: 0.0,
                sigma_log: 0.3,
            },
        ),
        ParameterSpec::new(
            "egfr_slope_offset_per_year",
            "mL/min/1.73 m²/yr",
            -4.0,
            12.0,
            Transform::Logit,
        )
        .with_prior(Prior::Normal { mean: 0.0, sd: 1.5 }),
        ParameterSpec::new(
            "ln_uacr_drift_per_year",
            "1/yr",
            -0.9,
            0.9,
            Transform::Logit,
        )
        .with_prior(Prior::Normal { mean: 0.0, sd: 0.1 }),
        ParameterSpec::new(
            "intake_change_kcal_per_day",
            "kcal/day",
            -600.0,
            600.0,
            Transform::Logit,
        )
        .with_prior(Prior::Normal {
            mean: 0.0,
            sd: 100.0,
        }),
    ]
}

fn params_from(x: &[f64]) -> PatientParams {
    PatientParams {
        beta_decline_per_year: x[0],
        drug_response: x[1],
        egfr_slope_offset_per_year: x[2],
        ln_uacr_drift_per_year: x[3],
        intake_change_kcal_per_day: x[4],
    }
}

/// Ranges of the populations behind the model's parameters (trial inclusion criteria
/// of the calibration and validation trials); outside them the twin extrapolates.
pub const DOMAIN: [(&str, f64, f64); 6] = [
    ("age_years", 30.0, 80.0),
    ("bmi_kg_m2", 20.0, 50.0),
    ("hba1c_percent", 6.0, 12.0),
    ("egfr", 25.0, 130.0),
    ("uacr_mg_g", 1.0, 5000.0),
    ("diabetes_duration_years", 0.0, 25.0),
];

/// One calibrated parameter: estimate and 95 % interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterEstimate {
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Posterior mode.
    pub estimate: f64,
    /// 95 % interval, lower.
    pub lo: f64,
    /// 95 % interval, upper.
    pub hi: f64,
    /// Prior 95 % interval (for comparison).
    pub prior_lo: f64,
    /// Prior 95 % interval, upper.
    pub prior_hi: f64,
}

/// A calibrated twin.
#[derive(Debug, Clone, Serialize)]
pub struct Twin {
    /// Baseline at the start of the history (model origin).
    pub baseline: Baseline,
    /// History the twin was calibrated on.
    pub history: History,
    /// Calibrated parameters with intervals.
    pub parameters: Vec<ParameterEstimate>,
    /// Posterior samples.
    pub posterior: Vec<PatientParams>,
    /// Applicability-domain warnings (empty = inside).
    pub warnings: Vec<String>,
    /// Root-mean-square standardised residual of the fit.
    pub rms_standardised_residual: f64,
    /// Negative log-posterior at the mode.
    pub objective: f64,
    /// Forecast origin: days on the record axis (last HbA1c).
    pub origin_days: f64,
    /// Drugs taken at the forecast origin.
    pub current_drugs: Vec<DrugOrder>,
    options: TwinOptions,
}

/// Medication segments between changes: (start day relative to model origin, plan).
fn segments(h: &History, t0: f64, t_end: f64) -> Vec<(f64, Plan)> {
    let mut cuts: Vec<f64> = vec![t0];
    for m in &h.medications {
        for t in [Some(m.start_days), m.end_days].into_iter().flatten() {
            if t > t0 && t < t_end {
                cuts.push(t);
            }
        }
    }
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    cuts.iter()
        .map(|&t| {
            let drugs = active_at(h, t);
            (
                t - t0,
                Plan {
                    name: "history".into(),
                    drugs,
                    ..Plan::drugs("", &[])
                },
            )
        })
        .collect()
}

fn active_at(h: &History, t: f64) -> Vec<DrugOrder> {
    let mut out: Vec<DrugOrder> = Vec::new();
    for m in &h.medications {
        if m.start_days <= t
            && m.end_days.is_none_or(|e| e > t)
            && !out.iter().any(|o| o.drug == m.drug)
        {
            out.push(DrugOrder {
                drug: m.drug,
                dose: m.dose,
                start_day: 0.0,
                stop_day: None,
            });
        }
    }
    out
}

fn nearest(v: &[(f64, f64)], t: f64) -> Option<f64> {
    v.iter()
        .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
        .filter(|x| (x.0 - t).abs() <= 120.0)
        .map(|x| x.1)
}

/// Flattened observations: (kind, t_days relative to origin, value).
#[derive(Clone, Copy)]
enum Kind {
    Hba1c,
    Fpg,
    Weight,
    Egfr,
    LnUacr,
}

impl Twin {
    /// Calibrate a twin to a patient's history.
    pub fn calibrate(history: History, options: TwinOptions) -> Result<Twin> {
        crate::check::in_range(
            "n_posterior",
            options.n_posterior as f64,
            10.0,
            100_000.0,
            "samples",
        )?;
        let (t0, t_end) = history.span_days();
        let age0 = history.age_years_at_index + t0 / DAYS_PER_YEAR;
        let current0 = active_at(&history, t0);
        let duration0 = history
            .diabetes_onset_days
            .map_or(0.0, |d| ((t0 - d) / DAYS_PER_YEAR).max(0.0));
        let baseline = Baseline {
            age_years: age0,
            sex: history.sex,
            height_m: history.height_m,
            weight_kg: nearest(&history.weight_kg, t0).unwrap_or(history.weight_kg[0].1),
            hba1c_percent: history.hba1c_percent[0].1,
            fpg_mmol_l: nearest(&history.fpg_mmol_l, t0),
            fasting_insulin_uu_ml: None,
            egfr: nearest(&history.egfr, t0).unwrap_or(history.egfr[0].1),
            uacr_mg_g: nearest(&history.uacr_mg_g, t0).unwrap_or(10.0),
            sbp_mmhg: if history.sbp_mmhg.is_empty() {
                135.0
            } else {
                history.sbp_mmhg.iter().map(|x| x.1).sum::<f64>() / history.sbp_mmhg.len() as f64
            },
            tc_hdl_ratio: options.tc_hdl_ratio,
            smoker: options.smoker,
            afro_caribbean: false,
            diabetes_duration_years: duration0,
            current_drugs: current0,
        };
        baseline.validate()?;
        // observations after the origin
        let mut obs: Vec<(Kind, f64, f64)> = Vec::new();
        let sd = options.sd;
        for &(t, v) in history.hba1c_percent.iter().skip(1) {
            obs.push((Kind::Hba1c, t - t0, v));
        }
        for &(t, v) in history.fpg_mmol_l.iter().filter(|x| x.0 > t0) {
            obs.push((Kind::Fpg, t - t0, v));
        }
        for &(t, v) in history.weight_kg.iter().filter(|x| x.0 > t0) {
            obs.push((Kind::Weight, t - t0, v));
        }
        for &(t, v) in history.egfr.iter().filter(|x| x.0 > t0) {
            obs.push((Kind::Egfr, t - t0, v));
        }
        for &(t, v) in history.uacr_mg_g.iter().filter(|x| x.0 > t0) {
            obs.push((Kind::LnUacr, t - t0, v.ln()));
        }
        if obs.len() < 3 {
            return Err(MetabolicError::invalid(
                "history",
                obs.len(),
                "at least 3 observations after the first HbA1c",
            ));
        }
        let segs = segments(&history, t0, t_end);
        let span = t_end - t0;
        let values: Vec<f64> = obs.iter().map(|o| o.2).collect();
        let sigma: Vec<f64> = obs
            .iter()
            .map(|o| match o.0 {
                Kind::Hba1c => sd.hba1c_percent,
                Kind::Fpg => sd.fpg_mmol_l,
                Kind::Weight => sd.weight_kg,
                Kind::Egfr => sd.egfr,
                Kind::LnUacr => sd.ln_uacr,
            })
            .collect();
        let b2 = baseline.clone();
        let obs2 = obs.clone();
        let model = move |x: &[f64]| -> twin_core::Result<Vec<f64>> {
            let tr = simulate_history(&b2, params_from(x), &segs, span)
                .map_err(|e| twin_core::CoreError::invalid("twin model", e, "valid parameters"))?
                .0;
            Ok(obs2
                .iter()
                .map(|&(k, t, _)| {
                    let i = ((t / 7.0).round() as usize).min(tr.t_days.len() - 1);
                    match k {
                        Kind::Hba1c => tr.hba1c_percent[i],
                        Kind::Fpg => tr.fpg_mmol_l[i],
                        Kind::Weight => tr.weight_kg[i],
                        Kind::Egfr => tr.egfr[i],
                        Kind::LnUacr => tr.uacr_mg_g[i].ln(),
                    }
                })
                .collect())
        };
        let specs = parameter_specs();
        let problem = Problem::new(
            model,
            specs.clone(),
            Observations::new(values.clone(), sigma.clone()).map_err(core_err)?,
            Likelihood::Gaussian {
                sigma: SigmaModel::Known,
            },
        )
        .map_err(core_err)?;
        let fit_opts = FitOptions {
            n_starts: options.fit_starts,
            seed: options.seed,
            max_iters: options.fit_max_iters,
            tolerance: 1e-8,
            initial: Some(vec![0.07, 1.0, 0.0, 0.0, 0.0]),
            ..FitOptions::default()
        };
        let f = fit(&problem, &fit_opts).map_err(core_err)?;
        let lap = laplace(&problem, &f, CovarianceMethod::GaussNewton).map_err(core_err)?;
        let draws = lap
            .sample(options.n_posterior, options.seed)
            .map_err(core_err)?;
        let posterior: Vec<PatientParams> = draws.iter().map(|x| params_from(x)).collect();
        let pred = problem.predict(&f.estimate).map_err(core_err)?;
        let rms = (values
            .iter()
            .zip(&pred)
            .zip(&sigma)
            .map(|((y, p), s)| ((y - p) / s).powi(2))
            .sum::<f64>()
            / values.len() as f64)
            .sqrt();
        let parameters = specs
            .iter()
            .zip(&lap.intervals)
            .zip(&f.estimate)
            .map(|((s, iv), &est)| {
                let (plo, phi) = s
                    .prior
                    .map(|p| p.interval95())
                    .unwrap_or((s.lower, s.upper));
                ParameterEstimate {
                    name: s.name.clone(),
                    unit: s.unit.clone(),
                    estimate: est,
                    lo: iv.lower,
                    hi: iv.upper,
                    prior_lo: plo,
                    prior_hi: phi,
                }
            })
            .collect::<Vec<_>>();
        let mut warnings = domain_warnings(&baseline);
        for p in &parameters {
            if p.estimate < p.prior_lo || p.estimate > p.prior_hi {
                warnings.push(format!(
                    "calibrated {} = {:.3} lies outside the population's 95 % range [{:.3}, {:.3}]: the patient is unlike the calibration population",
                    p.name, p.estimate, p.prior_lo, p.prior_hi
                ));
            }
        }
        if rms > 2.5 {
            warnings.push(format!(
                "poor fit to the history (RMS standardised residual {rms:.2} > 2.5)"
            ));
        }
        let current_drugs = active_at(&history, t_end);
        Ok(Twin {
            baseline,
            history,
            parameters,
            posterior,
            warnings,
            rms_standardised_residual: rms,
            objective: f.objective,
            origin_days: t_end,
            current_drugs,
            options,
        })
    }

    /// Forecast each plan over `horizon_years` from the forecast origin, for every
    /// posterior sample; intervals are the 5th–95th percentiles (parameter uncertainty).
    pub fn forecast(&self, plans: &[Plan], horizon_years: f64) -> Result<Vec<PlanForecast>> {
        crate::check::in_range("horizon_years", horizon_years, 0.25, 15.0, "years")?;
        let (t0, t_end) = self.history.span_days();
        let segs = segments(&self.history, t0, t_end);
        let span = t_end - t0;
        let egfr_now = self
            .history
            .egfr
            .last()
            .map(|x| x.1)
            .unwrap_or(self.baseline.egfr);
        let current: Vec<Drug> = self.current_drugs.iter().map(|o| o.drug).collect();
        let record_days = 28.0;
        let feasible: Vec<Option<String>> = plans
            .iter()
            .map(|p| p.validate(egfr_now, &current).err().map(|e| e.to_string()))
            .collect();
        // per posterior sample: the history once, then every feasible plan from its end state
        let per_sample: Vec<Vec<Sim>> = self
            .posterior
            .par_iter()
            .map(|p| {
                let (_, s0, pm) = simulate_history(&self.baseline, *p, &segs, span)?;
                plans
                    .iter()
                    .zip(&feasible)
                    .filter(|(_, f)| f.is_none())
                    .map(|(plan, _)| {
                        let mut state = s0.clone();
                        let mut tr = Trajectory::default();
                        let mut flags = Vec::new();
                        pm.run(
                            &mut state,
                            plan,
                            horizon_years * DAYS_PER_YEAR,
                            StepOptions {
                                dt_days: 7.0,
                                record_every_days: record_days,
                            },
                            &mut tr,
                            &mut flags,
                        )?;
                        Ok(Sim {
                            outcomes: self.outcomes(&pm, &s0, &state, &tr, horizon_years)?,
                            tr,
                            flags: flags.len(),
                            first_flag: flags.first().map(|f| f.message.clone()),
                        })
                    })
                    .collect::<Result<Vec<Sim>>>()
            })
            .collect::<Result<_>>()?;
        let mut out = Vec::with_capacity(plans.len());
        let mut k = 0;
        for (plan, why) in plans.iter().zip(feasible) {
            match why {
                Some(why) => out.push(PlanForecast::infeasible(plan, why)),
                None => {
                    let sims: Vec<&Sim> = per_sample.iter().map(|v| &v[k]).collect();
                    out.push(PlanForecast::from_sims(plan, &sims));
                    k += 1;
                }
            }
        }
        rank(&mut out);
        Ok(out)
    }

    fn outcomes(
        &self,
        pm: &PatientModel,
        s0: &State,
        s: &State,
        tr: &Trajectory,
        years: f64,
    ) -> Result<Outcomes> {
        let age_now = self.baseline.age_years + s0.t_days / DAYS_PER_YEAR;
        let mean_a1c = tr.hba1c_percent.iter().sum::<f64>() / tr.hba1c_percent.len() as f64;
        let duration = pm.baseline.diabetes_duration_years + s0.t_days / DAYS_PER_YEAR;
        let cv = ukpds_chd_risk(
            &CvRiskFactors {
                age_at_diagnosis_years: (age_now - duration).max(18.0),
                diabetes_duration_years: duration,
                female: self.baseline.sex.is_female(),
                afro_caribbean: false,
                smoker: self.options.smoker,
                hba1c_percent: mean_a1c.clamp(3.0, 20.0),
                sbp_mmhg: self.baseline.sbp_mmhg,
                tc_hdl_ratio: self.options.tc_hdl_ratio,
            },
            years,
        )?;
        let kfre = kfre_4var(
            (age_now + years).min(120.0),
            self.baseline.sex,
            s.egfr.clamp(1.0, 200.0),
            s.uacr_mg_g.clamp(0.1, 50_000.0),
            self.options.kfre_region,
            KfreHorizon::FiveYears,
        )?;
        Ok(Outcomes {
            hba1c_5y: s.hba1c_percent,
            egfr_5y: s.egfr,
            weight_5y_kg: s.weight_kg,
            uacr_5y: s.uacr_mg_g,
            kfre_5y: kfre,
            cv_risk_5y: cv,
            microvascular_5y: 1.0 - (-(s.microvascular_hazard - s0.microvascular_hazard)).exp(),
            severe_hypo_5y: s.hypo_events - s0.hypo_events,
            hba1c_burden: s.hba1c_burden - s0.hba1c_burden,
        })
    }
}

fn core_err(e: twin_core::CoreError) -> MetabolicError {
    MetabolicError::invalid("calibration", e, "a solvable calibration problem")
}

/// Applicability-domain warnings for a baseline.
pub fn domain_warnings(b: &Baseline) -> Vec<String> {
    let vals = [
        b.age_years,
        b.bmi(),
        b.hba1c_percent,
        b.egfr,
        b.uacr_mg_g,
        b.diabetes_duration_years,
    ];
    DOMAIN
        .iter()
        .zip(vals)
        .filter(|((_, lo, hi), v)| v < lo || v > hi)
        .map(|((name, lo, hi), v)| {
            format!("{name} = {v:.1} is outside the calibration population's range [{lo}, {hi}]: forecasts extrapolate")
        })
        .collect()
}

/// Simulate the history: returns the trajectory (weekly), the final state and the model.
fn simulate_history(
    baseline: &Baseline,
    params: PatientParams,
    segs: &[(f64, Plan)],
    span_days: f64,
) -> Result<(Trajectory, State, PatientModel)> {
    let (pm, mut state) = PatientModel::new(baseline.clone(), params, Constants::default())?;
    let mut tr = Trajectory::default();
    let mut flags = Vec::new();
    let opts = StepOptions {
        dt_days: 7.0,
        record_every_days: 7.0,
    };
    for (i, (start, plan)) in segs.iter().enumerate() {
        let end = segs.get(i + 1).map_or(span_days, |s| s.0);
        // align to the weekly grid so recorded points stay at multiples of 7 days
        let dur = ((end - start) / 7.0).round() * 7.0;
        if dur <= 0.0 {
            continue;
        }
        let mut part = Trajectory::default();
        pm.run(&mut state, plan, dur, opts, &mut part, &mut flags)?;
        let skip = usize::from(!tr.t_days.is_empty());
        tr.t_days.extend_from_slice(&part.t_days[skip..]);
        tr.hba1c_percent
            .extend_from_slice(&part.hba1c_percent[skip..]);
        tr.fpg_mmol_l.extend_from_slice(&part.fpg_mmol_l[skip..]);
        tr.weight_kg.extend_from_slice(&part.weight_kg[skip..]);
        tr.egfr.extend_from_slice(&part.egfr[skip..]);
        tr.uacr_mg_g.extend_from_slice(&part.uacr_mg_g[skip..]);
        tr.insulin_u_per_day
            .extend_from_slice(&part.insulin_u_per_day[skip..]);
    }
    Ok((tr, state, pm))
}

/// Per-sample 5-year outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Outcomes {
    /// HbA1c at the horizon, %.
    pub hba1c_5y: f64,
    /// eGFR at the horizon.
    pub egfr_5y: f64,
    /// Weight at the horizon, kg.
    pub weight_5y_kg: f64,
    /// UACR at the horizon, mg/g.
    pub uacr_5y: f64,
    /// 5-year KFRE risk evaluated at the horizon state.
    pub kfre_5y: f64,
    /// UKPDS CHD risk over the horizon.
    pub cv_risk_5y: f64,
    /// Microvascular event probability over the horizon.
    pub microvascular_5y: f64,
    /// Expected severe hypoglycaemia events over the horizon.
    pub severe_hypo_5y: f64,
    /// HbA1c burden above 7 %, %·years.
    pub hba1c_burden: f64,
}

struct Sim {
    outcomes: Outcomes,
    tr: Trajectory,
    flags: usize,
    first_flag: Option<String>,
}

/// Median and 90 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Median.
    pub median: f64,
    /// 5th percentile.
    pub p05: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Mean.
    pub mean: f64,
}

fn summary(mut v: Vec<f64>) -> Summary {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let x = p * (v.len() - 1) as f64;
        let (i, f) = (x.floor() as usize, x - x.floor());
        if i + 1 < v.len() {
            v[i] * (1.0 - f) + v[i + 1] * f
        } else {
            v[i]
        }
    };
    Summary {
        median: q(0.5),
        p05: q(0.05),
        p95: q(0.95),
        mean: v.iter().sum::<f64>() / v.len() as f64,
    }
}

/// Time series band: median and 90 % interval at each time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Band {
    /// Times, years from the forecast origin.
    pub t_years: Vec<f64>,
    /// Median.
    pub median: Vec<f64>,
    /// 5th percentile.
    pub p05: Vec<f64>,
    /// 95th percentile.
    pub p95: Vec<f64>,
}

fn band(sims: &[&Sim], f: impl Fn(&Trajectory) -> &Vec<f64>) -> Band {
    let t0 = sims[0].tr.t_days[0];
    let n = f(&sims[0].tr).len();
    let mut b = Band::default();
    for k in 0..n {
        let s = summary(sims.iter().map(|x| f(&x.tr)[k]).collect());
        b.t_years.push((sims[0].tr.t_days[k] - t0) / DAYS_PER_YEAR);
        b.median.push(s.median);
        b.p05.push(s.p05);
        b.p95.push(s.p95);
    }
    b
}

/// Forecast of one plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanForecast {
    /// The plan.
    pub plan: Plan,
    /// Feasibility error (label rule at initiation, bad dose…); none = feasible.
    pub infeasible: Option<String>,
    /// HbA1c at the horizon, %.
    pub hba1c_5y: Summary,
    /// eGFR at the horizon.
    pub egfr_5y: Summary,
    /// Weight at the horizon, kg.
    pub weight_5y_kg: Summary,
    /// UACR at the horizon, mg/g.
    pub uacr_5y: Summary,
    /// KFRE 5-year risk at the horizon state.
    pub kfre_5y: Summary,
    /// UKPDS CHD risk over the horizon.
    pub cv_risk_5y: Summary,
    /// Microvascular event probability over the horizon.
    pub microvascular_5y: Summary,
    /// Expected severe hypoglycaemia events over the horizon.
    pub severe_hypo_5y: Summary,
    /// HbA1c burden above 7 %, %·years.
    pub hba1c_burden: Summary,
    /// Fraction of posterior samples with a label safety flag during the horizon.
    pub safety_flag_fraction: f64,
    /// First safety message seen (if any).
    pub safety_example: Option<String>,
    /// Objective (lower is better), see [`rank`].
    pub score: f64,
    /// Rank (1 = best); infeasible plans rank last.
    pub rank: usize,
    /// HbA1c band.
    pub hba1c_band: Band,
    /// Weight band.
    pub weight_band: Band,
    /// eGFR band.
    pub egfr_band: Band,
    /// UACR band.
    pub uacr_band: Band,
}

impl PlanForecast {
    fn infeasible(plan: &Plan, why: String) -> PlanForecast {
        let nan = Summary {
            median: f64::NAN,
            p05: f64::NAN,
            p95: f64::NAN,
            mean: f64::NAN,
        };
        PlanForecast {
            plan: plan.clone(),
            infeasible: Some(why),
            hba1c_5y: nan,
            egfr_5y: nan,
            weight_5y_kg: nan,
            uacr_5y: nan,
            kfre_5y: nan,
            cv_risk_5y: nan,
            microvascular_5y: nan,
            severe_hypo_5y: nan,
            hba1c_burden: nan,
            safety_flag_fraction: 0.0,
            safety_example: None,
            score: f64::INFINITY,
            rank: 0,
            hba1c_band: Band::default(),
            weight_band: Band::default(),
            egfr_band: Band::default(),
            uacr_band: Band::default(),
        }
    }

    fn from_sims(plan: &Plan, sims: &[&Sim]) -> PlanForecast {
        let g = |f: fn(&Outcomes) -> f64| summary(sims.iter().map(|s| f(&s.outcomes)).collect());
        let mut p = PlanForecast {
            plan: plan.clone(),
            infeasible: None,
            hba1c_5y: g(|o| o.hba1c_5y),
            egfr_5y: g(|o| o.egfr_5y),
            weight_5y_kg: g(|o| o.weight_5y_kg),
            uacr_5y: g(|o| o.uacr_5y),
            kfre_5y: g(|o| o.kfre_5y),
            cv_risk_5y: g(|o| o.cv_risk_5y),
            microvascular_5y: g(|o| o.microvascular_5y),
            severe_hypo_5y: g(|o| o.severe_hypo_5y),
            hba1c_burden: g(|o| o.hba1c_burden),
            safety_flag_fraction: sims.iter().filter(|s| s.flags > 0).count() as f64
                / sims.len() as f64,
            safety_example: sims.iter().find_map(|s| s.first_flag.clone()),
            score: 0.0,
            rank: 0,
            hba1c_band: band(sims, |t| &t.hba1c_percent),
            weight_band: band(sims, |t| &t.weight_kg),
            egfr_band: band(sims, |t| &t.egfr),
            uacr_band: band(sims, |t| &t.uacr_mg_g),
        };
        p.score = score_terms(&p).iter().map(|t| t.1).sum();
        p
    }
}

/// Weights of the ranking objective.
pub mod objective {
    /// Weight of each severe hypoglycaemia event (expected count), in "complication" units.
    pub const SEVERE_HYPO: f64 = 0.5;
    /// Weight of the HbA1c burden above 7 % (%·years).
    pub const HBA1C_BURDEN: f64 = 0.01;
    /// Penalty per unit fraction of samples in which a label rule stopped or reduced a drug.
    pub const SAFETY_FLAG: f64 = 0.05;
}

/// The terms of the ranking objective for a plan: expected 5-year probabilities of a
/// CHD event (UKPDS 56), a microvascular event (UKPDS 33/35) and kidney failure (KFRE at
/// the horizon), plus 0.5 × expected severe hypoglycaemia events, 0.01 × HbA1c burden
/// above 7 % (%·years) and 0.05 × the fraction of samples with a label safety flag.
/// Posterior means are used. Lower is better.
pub fn score_terms(p: &PlanForecast) -> Vec<(&'static str, f64)> {
    vec![
        ("CHD risk", p.cv_risk_5y.mean),
        ("microvascular risk", p.microvascular_5y.mean),
        ("kidney failure risk (KFRE)", p.kfre_5y.mean),
        (
            "severe hypoglycaemia",
            objective::SEVERE_HYPO * p.severe_hypo_5y.mean,
        ),
        (
            "HbA1c burden above 7 %",
            objective::HBA1C_BURDEN * p.hba1c_burden.mean,
        ),
        (
            "label safety flags",
            objective::SAFETY_FLAG * p.safety_flag_fraction,
        ),
    ]
}

/// Rank plans by score (ties by name); infeasible plans last.
pub fn rank(plans: &mut [PlanForecast]) {
    let mut idx: Vec<usize> = (0..plans.len()).collect();
    idx.sort_by(|&a, &b| {
        plans[a]
            .score
            .total_cmp(&plans[b].score)
            .then(plans[a].plan.name.cmp(&plans[b].plan.name))
    });
    for (r, i) in idx.into_iter().enumerate() {
        plans[i].rank = r + 1;
    }
}

/// Why the top-ranked plan wins: its objective terms against the runner-up and against a
/// reference plan (e.g. the current regimen), largest differences first.
pub fn explain(plans: &[PlanForecast], reference: Option<&str>) -> String {
    let Some(best) = plans.iter().find(|p| p.rank == 1) else {
        return "no plans".into();
    };
    let mut s = format!(
        "'{}' ranks first (score {:.4}): HbA1c at 5 y {:.1} % [{:.1}–{:.1}], eGFR {:.0} [{:.0}–{:.0}], weight {:.1} kg.",
        best.plan.name,
        best.score,
        best.hba1c_5y.median,
        best.hba1c_5y.p05,
        best.hba1c_5y.p95,
        best.egfr_5y.median,
        best.egfr_5y.p05,
        best.egfr_5y.p95,
        best.weight_5y_kg.median
    );
    let mut compare = |other: &PlanForecast, label: &str| {
        // (name, difference other − best in the term's natural unit, unit, objective weight)
        let d = [
            (
                "CHD risk",
                100.0 * (other.cv_risk_5y.mean - best.cv_risk_5y.mean),
                "percentage points",
                0.01,
            ),
            (
                "microvascular risk",
                100.0 * (other.microvascular_5y.mean - best.microvascular_5y.mean),
                "percentage points",
                0.01,
            ),
            (
                "kidney failure risk",
                100.0 * (other.kfre_5y.mean - best.kfre_5y.mean),
                "percentage points",
                0.01,
            ),
            (
                "severe hypoglycaemia",
                100.0 * (other.severe_hypo_5y.mean - best.severe_hypo_5y.mean),
                "events per 100 patients",
                0.01 * objective::SEVERE_HYPO,
            ),
            (
                "HbA1c burden above 7 %",
                other.hba1c_burden.mean - best.hba1c_burden.mean,
                "%·years",
                objective::HBA1C_BURDEN,
            ),
        ];
        let mut d: Vec<_> = d.into_iter().filter(|x| x.1.abs() * x.3 > 1e-4).collect();
        d.sort_by(|x, y| (y.1.abs() * y.3).total_cmp(&(x.1.abs() * x.3)));
        let parts: Vec<String> = d
            .iter()
            .take(3)
            .map(|(n, v, u, _)| {
                format!(
                    "{n} {} by {:.2} {u}",
                    if *v > 0.0 { "lower" } else { "higher" },
                    v.abs()
                )
            })
            .collect();
        s.push_str(&format!(
            " Against {label} '{}' (score {:.4}): {}.",
            other.plan.name,
            other.score,
            parts.join("; ")
        ));
    };
    if let Some(second) = plans.iter().find(|p| p.rank == 2 && p.infeasible.is_none()) {
        compare(second, "the runner-up");
    }
    if let Some(r) = reference.and_then(|n| {
        plans
            .iter()
            .find(|p| p.plan.name == n && p.rank != 1 && p.infeasible.is_none())
    }) {
        compare(r, "the reference");
    }
    if best.safety_flag_fraction > 0.0 {
        s.push_str(&format!(
            " Caution: a label rule acted in {:.0} % of samples ({}).",
            100.0 * best.safety_flag_fraction,
            best.safety_example.clone().unwrap_or_default()
        ));
    }
    s
}
