//! Calibration of a twin to the record's history: population priors, a twin-core fit
//! with a Laplace posterior, and the applicability-domain check.

use twin_core::calibrate::{
    CovarianceMethod, FitOptions, Likelihood, Observations, ParameterSpec, Prior, Problem,
    SigmaModel, Transform, fit, laplace,
};
use twin_core::twin::FitSeries;

use super::{
    ParameterEstimate, Twin, TwinOptions, active_at, history_week, segments, simulate_history,
};
use crate::error::{MetabolicError, Result};
use crate::history::History;
use crate::model::{Baseline, DAYS_PER_YEAR, PatientParams};
use crate::progression::ProgressionLaw;
use crate::risk::{UKPDS56_MAX_DURATION_YEARS, UKPDS56_MIN_AGE_AT_DIAGNOSIS_YEARS};

/// The calibrated parameters' names, units, priors and bounds for a patient with this
/// baseline. Log/Logit transforms keep every posterior sample inside the range the model
/// accepts.
pub fn parameter_specs(baseline: &Baseline, law: &ProgressionLaw) -> Vec<ParameterSpec> {
    vec![
        // prior: the population law for patients like this one (age at diagnosis, BMI,
        // sex) with the law's residual spread
        ParameterSpec::new(
            "beta_decline_per_year",
            "1/yr",
            0.005,
            0.5,
            Transform::Logit,
        )
        .with_prior(Prior::LogNormal {
            mu_log: law.mu_log(baseline),
            sigma_log: law.residual_sd_ln.max(0.05),
        }),
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
/// of the calibration and validation trials); outside them the twin extrapolates. Age
/// at diagnosis: the progression law's populations (ADOPT 30–75 years at entry,
/// ≤ 3 years' duration; GRADE ≥ 30 at diagnosis).
pub const DOMAIN: [(&str, f64, f64); 7] = [
    ("age_years", 30.0, 80.0),
    ("bmi_kg_m2", 20.0, 50.0),
    ("hba1c_percent", 6.0, 12.0),
    ("egfr", 25.0, 130.0),
    ("uacr_mg_g", 1.0, 5000.0),
    ("diabetes_duration_years", 0.0, 25.0),
    ("age_at_diagnosis_years", 30.0, 75.0),
];

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
    ///
    /// The model origin is the first HbA1c, the forecast origin the last. Every
    /// observation after the first HbA1c is fitted, including those after the last
    /// HbA1c: the history is replayed on a weekly grid up to the last observation, and
    /// each observation is compared with the simulated week nearest to it.
    ///
    /// Errors (typed, naming the field): a history that fails [`History::validate`];
    /// a baseline outside [`Baseline::validate`]'s ranges; fewer than 3 observations
    /// after the first HbA1c; a diabetes duration at the forecast origin above the 60
    /// years of the UKPDS 56 risk engine used by forecasts. Warnings
    /// ([`Twin::warnings`]): the applicability domain ([`DOMAIN`]), parameters outside
    /// the population's 95 % range, a poor fit, an age at diagnosis below the risk
    /// engine's 18 years, and how the model had to read an inconsistent baseline
    /// ([`crate::model::PatientModel::baseline_adjustments`]).
    pub fn calibrate(history: History, options: TwinOptions) -> Result<Twin> {
        crate::check::in_range(
            "n_posterior",
            options.n_posterior as f64,
            10.0,
            100_000.0,
            "samples",
        )?;
        history.validate()?;
        let (t0, t_end) = history.span_days()?;
        let age0 = history.age_years_at_index + t0 / DAYS_PER_YEAR;
        let current0 = active_at(&history, t0);
        let duration0 = history
            .diabetes_onset_days
            .map_or(0.0, |d| ((t0 - d) / DAYS_PER_YEAR).max(0.0));
        let baseline = Baseline {
            age_years: age0,
            sex: history.sex,
            height_m: history.height_m,
            // `validate` guarantees one weight and one eGFR at least
            weight_kg: nearest(&history.weight_kg, t0)
                .or(history.weight_kg.first().map(|x| x.1))
                .unwrap_or(f64::NAN),
            hba1c_percent: history.hba1c_percent[0].1,
            fpg_mmol_l: nearest(&history.fpg_mmol_l, t0),
            fasting_insulin_uu_ml: None,
            egfr: nearest(&history.egfr, t0)
                .or(history.egfr.first().map(|x| x.1))
                .unwrap_or(f64::NAN),
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
        // Forecasts evaluate the UKPDS 56 risk engine at the forecast origin: refuse here,
        // by name, a duration it cannot take (rather than failing every forecast later).
        let origin_days = super::history_week(t_end - t0) as f64 * super::HISTORY_STEP_DAYS;
        crate::check::in_range(
            "diabetes_duration_years at the forecast origin (duration at the first HbA1c + history span)",
            duration0 + origin_days / DAYS_PER_YEAR,
            0.0,
            UKPDS56_MAX_DURATION_YEARS,
            "years (UKPDS 56 risk engine of the forecasts)",
        )?;
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
        // The replay runs to the last observation (which may lie after the last HbA1c,
        // the forecast origin), so that every observation meets its simulated week.
        let t_last = obs.iter().map(|o| o.1).fold(t_end - t0, f64::max);
        let segs = segments(&history, t0, t0 + t_last);
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
            let tr = simulate_history(&b2, params_from(x), &segs, t_last)
                .map_err(|e| twin_core::CoreError::invalid("twin model", e, "valid parameters"))?
                .0;
            obs2.iter()
                .map(|&(k, t, _)| {
                    let i = history_week(t);
                    let series = match k {
                        Kind::Hba1c => &tr.hba1c_percent,
                        Kind::Fpg => &tr.fpg_mmol_l,
                        Kind::Weight => &tr.weight_kg,
                        Kind::Egfr => &tr.egfr,
                        Kind::LnUacr => &tr.uacr_mg_g,
                    };
                    let v = series.get(i).copied().ok_or_else(|| {
                        twin_core::CoreError::invalid(
                            "observation day",
                            t,
                            format!(
                                "within the simulated history (0 to {} days)",
                                7 * (tr.t_days.len().max(1) - 1)
                            ),
                        )
                    })?;
                    Ok(if matches!(k, Kind::LnUacr) { v.ln() } else { v })
                })
                .collect()
        };
        options.progression.validate()?;
        let specs = parameter_specs(&baseline, &options.progression);
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
        let age_at_diagnosis = baseline.age_years - baseline.diabetes_duration_years;
        if age_at_diagnosis < UKPDS56_MIN_AGE_AT_DIAGNOSIS_YEARS {
            warnings.push(format!(
                "age at diagnosis {age_at_diagnosis:.1} years is below the {UKPDS56_MIN_AGE_AT_DIAGNOSIS_YEARS} years the UKPDS 56 risk engine accepts: forecasts compute the CHD risk at {UKPDS56_MIN_AGE_AT_DIAGNOSIS_YEARS}"
            ));
        }
        // how the model had to read the baseline (insulin-treated β-cell function,
        // mean/fasting glucose ratio), at the posterior mode
        let (mode_model, _) = crate::model::PatientModel::new(
            baseline.clone(),
            params_from(&f.estimate),
            crate::model::Constants::default(),
        )?;
        warnings.extend(
            mode_model
                .baseline_adjustments
                .iter()
                .map(|a| a.to_string()),
        );
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
        let fit = fit_series(&obs, &pred, t0)?;
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
            fit,
            options,
        })
    }
}

/// Observed and fitted values grouped by quantity (UACR back on its natural scale).
fn fit_series(obs: &[(Kind, f64, f64)], pred: &[f64], t0: f64) -> Result<Vec<FitSeries>> {
    let kinds = [
        (Kind::Hba1c, "HbA1c", "%"),
        (Kind::Fpg, "fasting glucose", "mmol/L"),
        (Kind::Weight, "weight", "kg"),
        (Kind::Egfr, "eGFR", "mL/min/1.73m2"),
        (Kind::LnUacr, "UACR", "mg/g"),
    ];
    let mut out = Vec::new();
    for (kind, name, unit) in kinds {
        let natural = |v: f64| {
            if matches!(kind, Kind::LnUacr) {
                v.exp()
            } else {
                v
            }
        };
        let (mut t, mut y, mut f) = (Vec::new(), Vec::new(), Vec::new());
        for (o, &p) in obs
            .iter()
            .zip(pred)
            .filter(|(o, _)| o.0 as u8 == kind as u8)
        {
            t.push(o.1 + t0);
            y.push(natural(o.2));
            f.push(natural(p));
        }
        if !t.is_empty() {
            out.push(FitSeries::new(name, unit, t, y, f)?);
        }
    }
    Ok(out)
}

fn core_err(e: twin_core::CoreError) -> MetabolicError {
    MetabolicError::invalid("calibration", e, "a solvable calibration problem")
}

/// The [`DOMAIN`] entries `(name, lower, upper, value)` that `b` lies outside.
pub(crate) fn outside_domain(b: &Baseline) -> impl Iterator<Item = (&'static str, f64, f64, f64)> {
    let vals = [
        b.age_years,
        b.bmi(),
        b.hba1c_percent,
        b.egfr,
        b.uacr_mg_g,
        b.diabetes_duration_years,
        b.age_years - b.diabetes_duration_years,
    ];
    DOMAIN
        .into_iter()
        .zip(vals)
        .filter(|((_, lo, hi), v)| v < lo || v > hi)
        .map(|((name, lo, hi), v)| (name, lo, hi, v))
}

/// Applicability-domain warnings for a baseline.
pub fn domain_warnings(b: &Baseline) -> Vec<String> {
    outside_domain(b)
        .map(|(name, lo, hi, v)| {
            format!("{name} = {v:.1} is outside the calibration population's range [{lo}, {hi}]: forecasts extrapolate")
        })
        .collect()
}
