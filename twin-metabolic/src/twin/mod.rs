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

/// Step and recording grid of the history replay, days.
pub(crate) const HISTORY_STEP_DAYS: f64 = 7.0;

/// Index on the weekly grid of the history replay nearest to `t_days` (days from the
/// model origin): point `k` of [`simulate_history`]'s trajectory is day `7k`.
pub(crate) fn history_week(t_days: f64) -> usize {
    // `as` saturates: negative or NaN times map to week 0 (callers pass t >= 0)
    (t_days / HISTORY_STEP_DAYS).round() as usize
}

/// Simulate the history from the model origin to `end_days` (days from the origin) on a
/// weekly grid: returns the trajectory (point `k` at day `7k`, from day 0 to `end_days`
/// rounded to the nearest week), the final state and the model. Each medication segment
/// starts at its change time rounded to the nearest week of the absolute grid, so the
/// rounding does not accumulate over segments; two changes within the same week
/// collapse into the later one.
fn simulate_history(
    baseline: &Baseline,
    params: PatientParams,
    segs: &[(f64, Plan)],
    end_days: f64,
) -> Result<(MetabolicTrajectory, State, PatientModel)> {
    crate::check::in_range(
        "history span (days from the first HbA1c)",
        end_days,
        0.0,
        30.0 * crate::model::DAYS_PER_YEAR,
        "days",
    )?;
    let (pm, mut state) = PatientModel::new(baseline.clone(), params, Constants::default())?;
    let mut tr = MetabolicTrajectory::default();
    let mut flags = Vec::new();
    let opts = StepOptions {
        dt_days: HISTORY_STEP_DAYS,
        record_every_days: HISTORY_STEP_DAYS,
    };
    let last = history_week(end_days);
    for (i, (start, plan)) in segs.iter().enumerate() {
        let from = history_week(*start).min(last);
        let to = segs
            .get(i + 1)
            .map_or(last, |s| history_week(s.0).min(last));
        if to <= from {
            continue;
        }
        let mut part = MetabolicTrajectory::default();
        pm.run(
            &mut state,
            plan,
            (to - from) as f64 * HISTORY_STEP_DAYS,
            opts,
            &mut part,
            &mut flags,
        )?;
        append(&mut tr, &part);
    }
    if tr.t_days.is_empty() {
        // a span under half a week: the trajectory is the origin alone
        let plan = segs.first().map_or_else(
            || Plan {
                name: "history".into(),
                drugs: baseline.current_drugs.clone(),
                ..Plan::drugs("", &[])
            },
            |s| s.1.clone(),
        );
        let mut part = MetabolicTrajectory::default();
        pm.run(&mut state, &plan, 0.0, opts, &mut part, &mut flags)?;
        append(&mut tr, &part);
    }
    Ok((tr, state, pm))
}

/// Append `part` to `tr`, dropping `part`'s first point when it repeats `tr`'s last.
fn append(tr: &mut MetabolicTrajectory, part: &MetabolicTrajectory) {
    let skip = usize::from(!tr.t_days.is_empty()).min(part.t_days.len());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drugs::Drug;
    use crate::history::MedicationEpisode;
    use crate::kidney::Sex;

    fn history_with_changes(cuts: &[f64], last_hba1c_day: f64) -> History {
        // alternate metformin on / off at every cut
        let medications = cuts
            .chunks(2)
            .map(|w| MedicationEpisode {
                drug: Drug::Metformin,
                dose: 1000.0,
                start_days: w[0],
                end_days: w.get(1).copied(),
            })
            .collect();
        History {
            sex: Sex::Female,
            age_years_at_index: 60.0,
            height_m: 1.65,
            hba1c_percent: vec![(0.0, 8.0), (last_hba1c_day, 8.1)],
            fpg_mmol_l: vec![],
            weight_kg: vec![(0.0, 85.0)],
            egfr: vec![(0.0, 80.0)],
            uacr_mg_g: vec![],
            sbp_mmhg: vec![],
            medications,
            diabetes_onset_days: Some(-365.0),
        }
    }

    fn baseline() -> Baseline {
        Baseline {
            age_years: 60.0,
            sex: Sex::Female,
            height_m: 1.65,
            weight_kg: 85.0,
            hba1c_percent: 8.0,
            fpg_mmol_l: None,
            fasting_insulin_uu_ml: None,
            egfr: 80.0,
            uacr_mg_g: 10.0,
            sbp_mmhg: 135.0,
            tc_hdl_ratio: 4.0,
            smoker: false,
            afro_caribbean: false,
            diabetes_duration_years: 1.0,
            current_drugs: vec![],
        }
    }

    #[test]
    fn history_replay_reaches_its_end_whatever_the_segments() {
        // Medication changes at days 10, 20, 30, 40 over a 60-day span: rounding each
        // segment's length to whole weeks (1, 1, 1, 1, 3 weeks) used to end the replay
        // at day 49; rounding the cut times on the absolute grid ends it at day 63, the
        // week nearest to 60, with one point a week.
        let h = history_with_changes(&[10.0, 20.0, 30.0, 40.0], 60.0);
        let segs = segments(&h, 0.0, 60.0);
        assert_eq!(segs.len(), 5);
        let (tr, state, _) =
            simulate_history(&baseline(), PatientParams::default(), &segs, 60.0).unwrap();
        assert_eq!(state.t_days, 63.0);
        let weeks: Vec<f64> = (0..=9).map(|k| 7.0 * k as f64).collect();
        assert_eq!(tr.t_days, weeks);
    }

    #[test]
    fn history_replay_of_a_zero_span_is_the_origin() {
        let segs = segments(&history_with_changes(&[], 0.0), 0.0, 0.0);
        let (tr, state, _) =
            simulate_history(&baseline(), PatientParams::default(), &segs, 0.0).unwrap();
        assert_eq!(tr.t_days, vec![0.0]);
        assert_eq!(state.t_days, 0.0);
        assert_eq!(tr.hba1c_percent, vec![8.0]);
    }
}
