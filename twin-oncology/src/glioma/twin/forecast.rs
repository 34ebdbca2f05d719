//! Forecasts of treatment plans from the calibrated twin (step 4 of the
//! [module docs](super)), ranked by Days Gained, optionally with 95% prediction intervals.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::stats::Z95;

use super::CalibratedTwin;
use super::posterior::{IntervalMethod, PosteriorOptions, draw_interval};
use super::simulation::Run;
use crate::error::{OncologyError, Result};
use crate::glioma::model::{
    DoseDistribution, GliomaSim, TreatmentOptions, TreatmentOutcome, TreatmentPlan,
};
use crate::glioma::params::{GrowthParams, LqParams};
use crate::glioma::radiotherapy::Schedule;
use crate::glioma::tissue::BrainTissue;

impl CalibratedTwin {
    /// Forecast each schedule (uniform PTV dose, no TMZ), radiotherapy starting
    /// `rt_start_day` (scan clock); returns outcomes ranked by Days Gained (best first).
    pub fn forecast_schedules(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        schedules: &[Schedule],
        options: &TreatmentOptions,
    ) -> Result<Vec<TreatmentOutcome>> {
        let plans: Vec<TreatmentPlan> = schedules
            .iter()
            .map(|s| TreatmentPlan::radiotherapy(s.clone()))
            .collect();
        self.forecast_plans(tissue, rt_start_day, &plans, options)
    }

    /// Forecast each plan (radiotherapy with a uniform PTV or a dose map on `tissue`'s
    /// grid, optional temozolomide) from `rt_start_day` (scan clock) with the twin's
    /// current α; returns outcomes ranked by Days Gained (best first).
    pub fn forecast_plans(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plans: &[TreatmentPlan],
        options: &TreatmentOptions,
    ) -> Result<Vec<TreatmentOutcome>> {
        check_plans(tissue, plans)?;
        let (crop, start) = self.state_at(&self.growth, tissue, rt_start_day, true)?;
        // One simulator per plan (its active box is a cache): the plans run in
        // parallel and each result is independent of the thread schedule.
        let mut out = plans
            .par_iter()
            .map(|p| {
                self.forecast_from(
                    &crop,
                    &self.growth,
                    &start,
                    rt_start_day,
                    p,
                    &self.lq,
                    options,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| b.days_gained.total_cmp(&a.days_gained));
        Ok(out)
    }

    /// Forecast `plan` from `rt_start_day` (scan clock) at each α of `alphas_per_gy`
    /// (α/β as the twin's; D and ρ at their fit), in that order. One run to the start
    /// of treatment serves every α; the forecasts run in parallel.
    pub fn forecast_plan_at_alphas(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plan: &TreatmentPlan,
        options: &TreatmentOptions,
        alphas_per_gy: &[f64],
    ) -> Result<Vec<TreatmentOutcome>> {
        check_plans(tissue, std::slice::from_ref(plan))?;
        let (crop, start) = self.state_at(&self.growth, tissue, rt_start_day, true)?;
        alphas_per_gy
            .par_iter()
            .map(|&alpha_per_gy| {
                let lq = LqParams {
                    alpha_per_gy,
                    ..self.lq
                };
                self.forecast_from(
                    &crop,
                    &self.growth,
                    &start,
                    rt_start_day,
                    plan,
                    &lq,
                    options,
                )
            })
            .collect()
    }

    /// [`Self::forecast_plans`] with 95% prediction intervals of Days Gained, ranked
    /// by the central forecast (best first).
    ///
    /// **Method** (first order, 7 forecasts per plan, all in parallel): Days Gained
    /// increases monotonically with α, so its α-only interval is Days Gained at the
    /// ends of α's 95% interval (the posterior's after [`Self::update_alpha`], else
    /// the prior's: median × exp(±1.96 ×
    /// [`ALPHA_PRIOR_LOG_SD`](crate::glioma::params::ALPHA_PRIOR_LOG_SD))). The D, ρ
    /// uncertainty enters through secants over ±1 sd of `ln D`, `ln ρ` (Laplace
    /// covariance): `s² = gᵀ Σ g`. Each side of the interval combines both in
    /// quadrature, `DG₀ ∓ √(ΔDG_α² + (1.96 s)²)`, floored at 0 days. After an α
    /// update this is conservative: the posterior's width already carries the D, ρ
    /// uncertainty of the post-treatment radii.
    ///
    /// **Near-singular fits** ([`Self::is_near_singular`], or a secant run that
    /// fails): the first-order interval would be unbounded or meaningless, so the
    /// interval comes from posterior draws instead, with the settings `posterior`
    /// (as [`Self::forecast_plans_with_posterior_intervals`]; unused otherwise);
    /// [`PlanForecast::interval_method`] says which was used.
    pub fn forecast_plans_with_intervals(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plans: &[TreatmentPlan],
        options: &TreatmentOptions,
        posterior: &PosteriorOptions,
    ) -> Result<Vec<PlanForecast>> {
        self.forecasts_with_intervals(tissue, rt_start_day, plans, options, posterior, false)
    }

    /// [`Self::forecast_plans_with_intervals`] with the intervals always from
    /// posterior draws of D and ρ ([`Self::growth_posterior`]), ranked by the
    /// central forecast (best first).
    pub fn forecast_plans_with_posterior_intervals(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plans: &[TreatmentPlan],
        options: &TreatmentOptions,
        posterior_options: &PosteriorOptions,
    ) -> Result<Vec<PlanForecast>> {
        self.forecasts_with_intervals(
            tissue,
            rt_start_day,
            plans,
            options,
            posterior_options,
            true,
        )
    }

    /// Forecasts with intervals, ranked: from posterior draws (settings `posterior`)
    /// if `always` or the fit is near-singular, else first order.
    fn forecasts_with_intervals(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plans: &[TreatmentPlan],
        options: &TreatmentOptions,
        posterior: &PosteriorOptions,
        always: bool,
    ) -> Result<Vec<PlanForecast>> {
        let mut out = self.first_order_forecasts(tissue, rt_start_day, plans, options)?;
        let near_singular =
            self.is_near_singular() || out.iter().any(|f| !f.days_gained_growth_sd.is_finite());
        if always || near_singular {
            self.apply_posterior_intervals(
                &mut out,
                tissue,
                rt_start_day,
                plans,
                options,
                posterior,
            )?;
        }
        out.sort_by(|a, b| b.outcome.days_gained.total_cmp(&a.outcome.days_gained));
        Ok(out)
    }

    /// Replace the intervals of `forecasts` (in plan order) by posterior-draw ones.
    fn apply_posterior_intervals(
        &self,
        forecasts: &mut [PlanForecast],
        tissue: &BrainTissue,
        rt_start_day: f64,
        plans: &[TreatmentPlan],
        options: &TreatmentOptions,
        posterior_options: &PosteriorOptions,
    ) -> Result<()> {
        let posterior = self.growth_posterior(tissue, posterior_options)?;
        let draws = self.days_gained_draws(
            tissue,
            rt_start_day,
            plans,
            options,
            &posterior,
            posterior_options.seed,
        )?;
        for (f, d) in forecasts.iter_mut().zip(&draws) {
            let (ci, method) = draw_interval(d, &posterior)?;
            f.days_gained_ci95 = ci;
            f.interval_method = method;
        }
        Ok(())
    }

    /// First-order forecasts with intervals, in plan order.
    fn first_order_forecasts(
        &self,
        tissue: &BrainTissue,
        rt_start_day: f64,
        plans: &[TreatmentPlan],
        options: &TreatmentOptions,
    ) -> Result<Vec<PlanForecast>> {
        check_plans(tissue, plans)?;
        let (step, secants) = self.growth_secant_points();
        let growths: Vec<GrowthParams> = std::iter::once(self.growth).chain(secants).collect();
        // Start states per growth variant; a secant point whose run fails is `None`.
        let starts: Vec<Option<(BrainTissue, Run)>> = growths
            .par_iter()
            .enumerate()
            .map(|(g, growth)| {
                let state = self.state_at(growth, tissue, rt_start_day, true);
                if g == 0 {
                    state.map(Some)
                } else {
                    Ok(state.ok())
                }
            })
            .collect::<Result<_>>()?;
        let [alpha_lo, alpha_hi] = self.alpha_interval();
        let lq_at = |a: f64| LqParams {
            alpha_per_gy: a,
            ..self.lq
        };
        // Per plan: (growth variant, α): central, α ends, then the 4 growth secants.
        let variants: Vec<(usize, LqParams)> =
            [(0, self.lq), (0, lq_at(alpha_lo)), (0, lq_at(alpha_hi))]
                .into_iter()
                .chain((1..5).map(|g| (g, self.lq)))
                .collect();
        let jobs: Vec<(&TreatmentPlan, usize, LqParams)> = plans
            .iter()
            .flat_map(|p| variants.iter().map(move |&(g, lq)| (p, g, lq)))
            .collect();
        // The central and α-end forecasts must succeed; a growth secant point whose
        // run fails (a tumour too slow to reach the first scan, or parameters out of
        // range) leaves the D, ρ effect unbounded.
        let outcomes: Vec<Option<TreatmentOutcome>> = jobs
            .par_iter()
            .map(|&(plan, g, lq)| {
                let Some((crop, start)) = &starts[g] else {
                    return Ok(None);
                };
                let outcome =
                    self.forecast_from(crop, &growths[g], start, rt_start_day, plan, &lq, options);
                if g == 0 {
                    outcome.map(Some)
                } else {
                    Ok(outcome.ok())
                }
            })
            .collect::<Result<_>>()?;
        let mut out = Vec::with_capacity(plans.len());
        for o in outcomes.chunks(variants.len()) {
            let [Some(central), Some(lo), Some(hi)] = [&o[0], &o[1], &o[2]] else {
                return Err(OncologyError::invalid(
                    "forecast",
                    "a central or α-end forecast missing",
                    "all three (internal error)",
                ));
            };
            let dg = [central.days_gained, lo.days_gained, hi.days_gained];
            let secant: Vec<f64> = o[3..]
                .iter()
                .filter_map(|r| r.as_ref().map(|r| r.days_gained))
                .collect();
            let growth_sd = match secant[..] {
                [a, b, c, d] => {
                    self.growth_sd([(a - b) / (2.0 * step[0]), (c - d) / (2.0 * step[1])])
                }
                _ => f64::INFINITY,
            };
            let side =
                |alpha_end: f64| ((alpha_end - dg[0]).powi(2) + (Z95 * growth_sd).powi(2)).sqrt();
            out.push(PlanForecast {
                outcome: central.clone(),
                days_gained_ci95: [(dg[0] - side(dg[1])).max(0.0), dg[0] + side(dg[2])],
                days_gained_alpha_ends: [dg[1], dg[2]],
                days_gained_growth_sd: growth_sd,
                interval_method: IntervalMethod::FirstOrder,
            });
        }
        Ok(out)
    }
}

impl CalibratedTwin {
    /// One plan's forecast from a run to the start of radiotherapy (`start`, on
    /// `crop`) with these growth and LQ parameters.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn forecast_from(
        &self,
        crop: &BrainTissue,
        growth: &GrowthParams,
        start: &Run,
        rt_start_day: f64,
        plan: &TreatmentPlan,
        lq: &LqParams,
        options: &TreatmentOptions,
    ) -> Result<TreatmentOutcome> {
        GliomaSim::new(crop, growth)?.forecast_plan(
            &start.c,
            start.t_first + (rt_start_day - self.first_scan_day),
            &start.history,
            plan,
            lq,
            options,
        )
    }
}

/// Dose maps must lie on `tissue`'s grid.
pub(super) fn check_plans(tissue: &BrainTissue, plans: &[TreatmentPlan]) -> Result<()> {
    for p in plans {
        if let DoseDistribution::Map(m) = &p.dose {
            m.check_grid(&tissue.domain.grid)?;
        }
    }
    Ok(())
}

/// A plan's forecast with its 95% prediction interval
/// ([`CalibratedTwin::forecast_plans_with_intervals`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanForecast {
    /// The central forecast: fitted D and ρ, α at its median.
    pub outcome: TreatmentOutcome,
    /// 95% prediction interval of Days Gained (days).
    pub days_gained_ci95: [f64; 2],
    /// Days Gained at the ends of α's 95% interval, D and ρ at their fit (days).
    pub days_gained_alpha_ends: [f64; 2],
    /// Standard deviation of Days Gained from the D, ρ uncertainty (days, first
    /// order; infinite when a secant run failed).
    pub days_gained_growth_sd: f64,
    /// How `days_gained_ci95` was made.
    pub interval_method: IntervalMethod,
}
