//! The twin of one patient: calibration to the record's history with population
//! priors (twin-core Laplace posterior), an applicability-domain check, 5-year
//! forecasts of each plan with prediction intervals, and a ranking with explanation.
//!
//! One job per file: `calibrate` (the fit, its priors and the applicability domain),
//! `forecast` (posterior forecasts of each plan) and `rank` (the objective, the ranking
//! and its explanation); this module holds the twin, its settings and the replay of
//! the medication history that calibration and forecasts share.

mod calibrate;
mod forecast;
mod rank;

use crate::progression::ProgressionLaw;
use serde::{Deserialize, Serialize};

use crate::drugs::DrugOrder;
use crate::error::Result;
use crate::history::History;
use crate::kidney::KfreRegion;
use crate::model::{
    Baseline, Constants, MetabolicTrajectory, PatientModel, PatientParams, State, StepOptions,
};
use crate::plan::Plan;

pub(crate) use calibrate::outside_domain;
pub use calibrate::{DOMAIN, domain_warnings, parameter_specs};
pub use forecast::{Band, Outcomes, PlanForecast, Summary};
pub use rank::{explain, objective, rank, score_terms};

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
    /// Population law behind the prior of the β-cell decline rate.
    #[serde(default)]
    pub progression: ProgressionLaw,
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
            progression: ProgressionLaw::default(),
        }
    }
}

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
    /// The observations after the first HbA1c against the fit at the posterior
    /// mode, one series per quantity (times: days on the record axis).
    pub fit: Vec<twin_core::twin::FitSeries>,
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
            out.push(DrugOrder::from_day_0(m.drug, m.dose));
        }
    }
    out
}

/// Simulate the history: returns the trajectory (weekly), the final state and the model.
fn simulate_history(
    baseline: &Baseline,
    params: PatientParams,
    segs: &[(f64, Plan)],
    span_days: f64,
) -> Result<(MetabolicTrajectory, State, PatientModel)> {
    let (pm, mut state) = PatientModel::new(baseline.clone(), params, Constants::default())?;
    let mut tr = MetabolicTrajectory::default();
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
        let mut part = MetabolicTrajectory::default();
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
