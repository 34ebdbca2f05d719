//! Forecasts of each plan from the forecast origin for every posterior sample, with
//! 90 % prediction intervals and time-series bands.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::rank::{rank, score_terms};
use super::{Twin, segments, simulate_history};
use crate::drugs::Drug;
use crate::error::Result;
use crate::kidney::{KfreHorizon, kfre_4var};
use crate::model::{DAYS_PER_YEAR, MetabolicTrajectory, PatientModel, State, StepOptions};
use crate::plan::Plan;
use crate::risk::{CvRiskFactors, ukpds_chd_risk};

impl Twin {
    /// Forecast each plan over `horizon_years` from the forecast origin, for every
    /// posterior sample; intervals are the 5th–95th percentiles (parameter uncertainty).
    ///
    /// The CHD risk (UKPDS 56) uses the diabetes duration at the origin, which
    /// [`Twin::calibrate`] has checked against the engine's 60 years, and the age at
    /// diagnosis, computed at 18 years when it is lower (a warning of the twin says so).
    pub fn forecast(&self, plans: &[Plan], horizon_years: f64) -> Result<Vec<PlanForecast>> {
        crate::check::in_range("horizon_years", horizon_years, 0.25, 15.0, "years")?;
        let (t0, t_end) = self.history.span_days()?;
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
                        let mut tr = MetabolicTrajectory::default();
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
        tr: &MetabolicTrajectory,
        years: f64,
    ) -> Result<Outcomes> {
        let age_now = self.baseline.age_years + s0.t_days / DAYS_PER_YEAR;
        let mean_a1c = tr.hba1c_percent.iter().sum::<f64>() / tr.hba1c_percent.len() as f64;
        let duration = pm.baseline.diabetes_duration_years + s0.t_days / DAYS_PER_YEAR;
        // An age at diagnosis below the engine's 18 years is computed at 18; calibration
        // says so in the twin's warnings.
        let cv = ukpds_chd_risk(
            &CvRiskFactors {
                age_at_diagnosis_years: (age_now - duration)
                    .max(crate::risk::UKPDS56_MIN_AGE_AT_DIAGNOSIS_YEARS),
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
    tr: MetabolicTrajectory,
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

fn band(sims: &[&Sim], f: impl Fn(&MetabolicTrajectory) -> &Vec<f64>) -> Band {
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
