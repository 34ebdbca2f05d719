//! The AF ablation twin behind the one patient-twin interface
//! ([`twin_core::twin::DigitalTwin`]).
//!
//! **Calibration** (through `twin_core::calibrate`): four parameters — LGE fibrosis
//! burden, LA diameter, conduction velocity and electrical remodelling — with
//! population priors from [`CohortSpec::default`] given the patient's AF type and
//! age, and the record's measurements as data: the LGE fibrosis burden (local code
//! [`codes::FIBROSIS_BURDEN`], %, observation SD [`FIBROSIS_SD_PCT`]) and the LA
//! antero-posterior diameter ([`codes::LA_DIAMETER`], mm, SD [`LA_DIAMETER_SD_MM`]).
//! The posterior mode and 95 % Laplace intervals follow. Conduction velocity and
//! remodelling are not measured in a routine record: they stay at their priors
//! (the calibration says so in its warnings), the dominant uncertainty of the
//! forecasts.
//!
//! **Forecast**: per ablation strategy, the fraction of pacing sites from which AF
//! is induced and sustained (PEERP-style, [`inducibility()`]) on the twin's 2D LA
//! sheet, at the posterior mode and at posterior draws; the interval is the range
//! over the draws. Each draw has its own fibrosis map of its burden and its own
//! conduction velocity, so the forecast carries the map and CV uncertainty. The
//! **probability of freedom from AF at 325 days** per strategy maps each draw's
//! inducibility through the DECAAF-calibrated [`RecurrenceModel::FITTED`]
//! (trigger recurrence and substrate expression), with a 95 % Jeffreys interval
//! for the finite number of draws. **Ranking**: highest freedom from AF, then
//! least ablated area.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::calibrate::{
    CovarianceMethod, FitOptions, Laplace, Likelihood, Observations, ParameterSpec, Prior, Problem,
    SigmaModel, Transform, fit, laplace,
};
use twin_core::twin::{
    Better, CalibrateOptions, Calibration, CredibilityItem, DigitalTwin, Evidence, FitSeries,
    Objective, Outcome, PatientId, PlanForecast,
};

use crate::ablation::{
    InducibilityProtocol, LesionOptions, Strategy, ablated_measure_cm, inducibility, lesion_set,
};
use crate::cohort::{CohortSpec, RecurrenceModel};
use crate::error::{CardiacError, Result};
use crate::fibrosis::FibrosisPattern;
use crate::patient::{AfPatient, tuned_conduction_scale};

/// Codes of the record's AF measurements (local code system of the project's
/// FHIR extensions: no LOINC code we are sure of).
pub mod codes {
    /// Left-atrial fibrosis burden on LGE-MRI, %.
    pub const FIBROSIS_BURDEN: &str = "la-fibrosis-burden";
    /// Left-atrial antero-posterior diameter (echo), mm.
    pub const LA_DIAMETER: &str = "la-diameter";
}

/// Observation SD of an LGE fibrosis burden (percentage points): assumed, of the
/// order of the inter-observer differences of LGE quantification.
pub const FIBROSIS_SD_PCT: f64 = 3.0;
/// Observation SD of an echocardiographic LA diameter (mm): assumed.
pub const LA_DIAMETER_SD_MM: f64 = 2.0;

/// Name of the forecast's freedom-from-AF outcome.
pub const FREEDOM_OUTCOME: &str = "p_freedom_from_af_325d";

/// Probability of freedom from AF at 325 days when `non_inducible` of `draws`
/// posterior draws were non-inducible: `f₁ + (f₀ − f₁)·π` with `f₀`, `f₁` the
/// freedom of a non-inducible and an inducible substrate under `model` and
/// `π` the non-inducible fraction; the 95 % interval maps the Jeffreys
/// interval of `π` (Brown, Cai & DasGupta 2001, Stat Sci 16:101; lower bound 0
/// at no successes, upper 1 at all).
pub fn freedom_from_af(
    model: &RecurrenceModel,
    non_inducible: usize,
    draws: usize,
) -> Result<Outcome> {
    use statrs::distribution::{Beta, ContinuousCDF};
    model.validate()?;
    if draws == 0 || non_inducible > draws {
        return Err(CardiacError::invalid(
            "non_inducible / draws",
            format!("{non_inducible} / {draws}"),
            "at least one draw and no more non-inducible draws than draws",
        ));
    }
    let (k, n) = (non_inducible as f64, draws as f64);
    let beta = Beta::new(k + 0.5, n - k + 0.5)
        .map_err(|e| CardiacError::invalid("Jeffreys prior", k, e.to_string()))?;
    let lo = if non_inducible == 0 {
        0.0
    } else {
        beta.inverse_cdf(0.025)
    };
    let hi = if non_inducible == draws {
        1.0
    } else {
        beta.inverse_cdf(0.975)
    };
    let (f0, f1) = (
        1.0 - model.probability(false),
        1.0 - model.probability(true),
    );
    let at = |pi: f64| f1 + (f0 - f1) * pi;
    Ok(Outcome::new(
        FREEDOM_OUTCOME,
        "1",
        at(k / n),
        [at(lo), at(hi)],
        0.95,
    )?)
}

/// What the twin knows of the patient besides the calibrated parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AfFindings {
    /// Age (years; lower bound for ages reported as ≥ 90).
    pub age_years: f64,
    /// Persistent (ICD-10 I48.1/I48.2) rather than paroxysmal AF.
    pub persistent_af: bool,
    /// Measured LGE fibrosis burden (day, %), if in the record.
    pub fibrosis_pct: Option<(f64, f64)>,
    /// Measured LA diameter (day, mm), if in the record.
    pub la_diameter_mm: Option<(f64, f64)>,
}

impl AfFindings {
    /// Read the findings from a (de-identified) record.
    pub fn from_record(record: &twin_io::record::PatientRecord) -> Result<Self> {
        let age_years = record
            .demographics
            .age
            .map(|a| f64::from(a.years_lower_bound()))
            .ok_or_else(|| {
                CardiacError::invalid("demographics.age", "missing", "an age in years")
            })?;
        let af: Vec<&str> = record
            .conditions
            .iter()
            .map(|c| c.code.code.as_str())
            .filter(|c| c.starts_with("I48"))
            .collect();
        if af.is_empty() {
            return Err(CardiacError::invalid(
                "conditions",
                "no ICD-10 I48",
                "an atrial fibrillation diagnosis (I48.x)",
            ));
        }
        let persistent_af = af
            .iter()
            .any(|c| c.starts_with("I48.1") || c.starts_with("I48.2"));
        let latest = |code: &str, unit: &str| -> Result<Option<(f64, f64)>> {
            let o = record
                .observations
                .iter()
                .filter(|o| o.code.code == code)
                .max_by(|a, b| a.t_days.total_cmp(&b.t_days));
            match o {
                Some(o) if o.unit == unit && o.value.is_finite() => Ok(Some((o.t_days, o.value))),
                Some(o) => Err(CardiacError::invalid(
                    format!("observation {code}"),
                    format!("{} {}", o.value, o.unit),
                    format!("a finite value in {unit}"),
                )),
                None => Ok(None),
            }
        };
        let fibrosis_pct = latest(codes::FIBROSIS_BURDEN, "%")?;
        if let Some((_, v)) = fibrosis_pct
            && !(0.0..=60.0).contains(&v)
        {
            return Err(CardiacError::invalid("LA fibrosis burden (%)", v, "0–60 %"));
        }
        let la_diameter_mm = latest(codes::LA_DIAMETER, "mm")?;
        if let Some((_, v)) = la_diameter_mm
            && !(20.0..=80.0).contains(&v)
        {
            return Err(CardiacError::invalid("LA diameter (mm)", v, "20–80 mm"));
        }
        Ok(AfFindings {
            age_years,
            persistent_af,
            fibrosis_pct,
            la_diameter_mm,
        })
    }
}

/// Names and units of the calibrated parameters, in order.
pub const PARAMETERS: [(&str, &str); 4] = [
    ("fibrosis_burden", "1"),
    ("la_diameter_mm", "mm"),
    ("cv_m_per_s", "m/s"),
    ("remodelling", "1"),
];

/// The calibrated AF twin of one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AfTwin {
    /// What the record says.
    pub findings: AfFindings,
    /// Population the priors come from.
    pub population: CohortSpec,
    /// Posterior (mode, 95 % intervals, Gaussian in the transformed space).
    pub posterior: Laplace,
    /// Warnings of the calibration (unmeasured parameters at their priors).
    pub calibration_warnings: Vec<String>,
    patient: PatientId,
}

/// Grid spacing (mm) and pacing protocol of a forecast.
fn settings(quick: bool) -> (f64, InducibilityProtocol) {
    if quick {
        (
            1.5,
            InducibilityProtocol {
                site_spacing_mm: 25.0,
                n_beats: 3,
                sustain_ms: 600.0,
                site_radius_mm: 1.5,
                ..InducibilityProtocol::default()
            },
        )
    } else {
        (
            1.0,
            InducibilityProtocol {
                site_spacing_mm: 15.0,
                sustain_ms: 800.0,
                ..InducibilityProtocol::default()
            },
        )
    }
}

impl AfTwin {
    /// The twin's patient at a parameter vector (natural units, [`PARAMETERS`] order).
    pub fn patient_at(&self, x: &[f64], fibrosis_seed: u64) -> AfPatient {
        AfPatient {
            la_diameter_mm: x[1],
            fibrosis_burden: x[0],
            // The record holds a burden, not a map: patchy is the middle of the
            // diffuse–compact range the cohort spans.
            fibrosis_pattern: FibrosisPattern::Patchy,
            fibrosis_seed,
            remodelling: x[3],
            conduction_scale: 1.0,
        }
    }

    /// Inducible fraction and ablated area of `strategy` at parameter vector `x`.
    fn simulate(
        &self,
        x: &[f64],
        strategy: &Strategy,
        seed: u64,
        quick: bool,
    ) -> Result<(f64, f64)> {
        let (dx, protocol) = settings(quick);
        let mut p = self.patient_at(x, seed);
        p.conduction_scale = tuned_conduction_scale(x[2], dx, protocol.dt_ms)?;
        let sheet = p.sheet(dx, |s| p.true_fibrosis(s))?;
        let lesions = lesion_set(&sheet, strategy, &LesionOptions::default())?;
        let area = ablated_measure_cm(&sheet.substrate, &lesions);
        let r = inducibility(&sheet.substrate, &p.cells(), &lesions, &protocol)?;
        Ok((r.inducible_fraction, area))
    }
}

impl DigitalTwin for AfTwin {
    type Input = twin_io::record::PatientRecord;
    type Plan = Strategy;
    type Error = CardiacError;
    const DISEASE: &'static str = "af";
    const TIME_UNIT: &'static str = "d";

    fn calibrate(record: &Self::Input, options: &CalibrateOptions) -> Result<Self> {
        let patient = PatientId::new(&record.patient_id)?;
        // A record built in code has not passed an importer: check it here too.
        record.validate()?;
        let findings = AfFindings::from_record(record)?;
        let spec = CohortSpec::default();
        let t = usize::from(findings.persistent_af);
        let fib_median = spec.fibrosis_median[t]
            * (1.0 + spec.fibrosis_per_year * (findings.age_years - 60.0)).max(0.1);
        let fib_prior = fib_median.clamp(0.02, 0.45);
        let observed_fib = findings.fibrosis_pct.map_or(fib_prior, |(_, v)| v / 100.0);
        let r = if findings.persistent_af {
            spec.remodelling_persistent
        } else {
            spec.remodelling_paroxysmal
        };
        let specs = vec![
            ParameterSpec::new(
                PARAMETERS[0].0,
                PARAMETERS[0].1,
                0.005,
                0.6,
                Transform::Logit,
            )
            .with_prior(Prior::LogNormal {
                mu_log: fib_prior.ln(),
                sigma_log: spec.fibrosis_log_sd,
            }),
            ParameterSpec::new(
                PARAMETERS[1].0,
                PARAMETERS[1].1,
                20.0,
                80.0,
                Transform::Identity,
            )
            .with_prior(Prior::Normal {
                mean: spec.la_diameter_mean_mm[t],
                sd: spec.la_diameter_sd_mm,
            }),
            ParameterSpec::new(PARAMETERS[2].0, PARAMETERS[2].1, 0.2, 1.0, Transform::Logit)
                .with_prior(Prior::Normal {
                    mean: spec.mean_cv_m_per_s(findings.age_years, observed_fib),
                    sd: spec.cv_sd_m_per_s,
                }),
            // Uniform range of the AF type → a normal prior of the same mean and SD.
            ParameterSpec::new(PARAMETERS[3].0, PARAMETERS[3].1, 0.0, 1.0, Transform::Logit)
                .with_prior(Prior::Normal {
                    mean: 0.5 * (r[0] + r[1]),
                    sd: ((r[1] - r[0]) / 12f64.sqrt()).max(0.02),
                }),
        ];
        let mut data = Vec::new();
        let mut sigma = Vec::new();
        let mut index = Vec::new();
        let mut calibration_warnings = Vec::new();
        match findings.fibrosis_pct {
            Some((_, v)) => {
                data.push(v / 100.0);
                sigma.push(FIBROSIS_SD_PCT / 100.0);
                index.push(0);
            }
            None => calibration_warnings.push(format!(
                "no LGE fibrosis burden ({}) in the record: the burden stays at the population prior",
                codes::FIBROSIS_BURDEN
            )),
        }
        match findings.la_diameter_mm {
            Some((_, v)) => {
                data.push(v);
                sigma.push(LA_DIAMETER_SD_MM);
                index.push(1);
            }
            None => calibration_warnings.push(format!(
                "no LA diameter ({}) in the record: it stays at the population prior",
                codes::LA_DIAMETER
            )),
        }
        if data.is_empty() {
            return Err(CardiacError::invalid(
                "record observations",
                format!(
                    "neither {} nor {}",
                    codes::FIBROSIS_BURDEN,
                    codes::LA_DIAMETER
                ),
                "the LGE fibrosis burden (%) and/or the LA diameter (mm): the twin has nothing to calibrate on",
            ));
        }
        calibration_warnings.push("conduction velocity and electrical remodelling are not measured in the record: they stay at the population priors given AF type, age and burden".into());
        let idx = index.clone();
        let model = move |x: &[f64]| -> twin_core::Result<Vec<f64>> {
            Ok(idx.iter().map(|&i| x[i]).collect())
        };
        let problem = Problem::new(
            model,
            specs,
            Observations::new(data, sigma)?,
            Likelihood::Gaussian {
                sigma: SigmaModel::Known,
            },
        )?;
        let f = fit(
            &problem,
            &FitOptions {
                n_starts: 2,
                seed: options.seed,
                initial: Some(vec![observed_fib.clamp(0.01, 0.5), 44.0, 0.5, 0.5]),
                ..FitOptions::default()
            },
        )?;
        let posterior = laplace(&problem, &f, CovarianceMethod::GaussNewton)?;
        Ok(AfTwin {
            findings,
            population: spec,
            posterior,
            calibration_warnings,
            patient,
        })
    }

    fn patient(&self) -> &PatientId {
        &self.patient
    }

    fn calibration(&self) -> Calibration {
        let x = &self.posterior.estimate;
        let mut fit = Vec::new();
        if let Some((t, v)) = self.findings.fibrosis_pct
            && let Ok(s) = FitSeries::new(
                "LGE fibrosis burden",
                "%",
                vec![t],
                vec![v],
                vec![100.0 * x[0]],
            )
        {
            fit.push(s);
        }
        if let Some((t, v)) = self.findings.la_diameter_mm
            && let Ok(s) = FitSeries::new("LA diameter", "mm", vec![t], vec![v], vec![x[1]])
        {
            fit.push(s);
        }
        Calibration {
            parameters: self.posterior.intervals.clone(),
            fit,
            method: "posterior mode under population priors (CohortSpec::default given AF type and age) with the record's LGE burden and LA diameter as data; 95 % Gauss–Newton Laplace intervals".into(),
        }
    }

    fn candidate_plans(&self) -> Vec<Strategy> {
        vec![
            Strategy::Pvi,
            Strategy::PviRoof,
            Strategy::PviMitral,
            Strategy::PviBox,
            Strategy::PviRoofMitral,
        ]
    }

    fn forecast(
        &self,
        plans: &[Strategy],
        options: &CalibrateOptions,
    ) -> Result<Vec<PlanForecast<Strategy>>> {
        let n = options.draws_or(if options.quick { 2 } else { 4 }, 1..=64)?;
        // The posterior mode first, then the draws; one fibrosis seed per
        // parameter set so every strategy sees the same substrate.
        let mut points = vec![self.posterior.estimate.clone()];
        points.extend(self.posterior.sample(n, options.seed)?);
        let jobs: Vec<(usize, usize)> = (0..plans.len())
            .flat_map(|s| (0..points.len()).map(move |k| (s, k)))
            .collect();
        let results: Vec<(f64, f64)> = jobs
            .par_iter()
            .map(|&(s, k)| {
                self.simulate(
                    &points[k],
                    &plans[s],
                    options.seed ^ (k as u64 + 1),
                    options.quick,
                )
            })
            .collect::<Result<_>>()?;
        let per = points.len();
        // The range of n exchangeable draws covers a new draw with probability (n−1)/(n+1).
        let level = (n as f64 - 1.0) / (n as f64 + 1.0);
        plans
            .iter()
            .enumerate()
            .map(|(s, plan)| {
                let rows = &results[s * per..(s + 1) * per];
                let central = rows[0].0;
                let draws: Vec<f64> = rows[1..].iter().map(|r| r.0).collect();
                let lo = draws.iter().copied().fold(central, f64::min);
                let hi = draws.iter().copied().fold(central, f64::max);
                let n_non_inducible = draws.iter().filter(|&&f| f == 0.0).count();
                let non_inducible = n_non_inducible as f64 / n as f64;
                let freedom = freedom_from_af(&RecurrenceModel::FITTED, n_non_inducible, n)?;
                let mut f = PlanForecast::new(
                    plan.name(),
                    plan.clone(),
                    vec![
                        Outcome::new("inducible_fraction", "1", central, [lo, hi], if n > 1 { level } else { 0.0 })?,
                        Outcome::exact("p_non_inducible", "1", non_inducible)?,
                        freedom,
                        Outcome::exact("ablated_area_cm2", "cm2", rows[0].1)?,
                    ],
                );
                if n < 4 {
                    f.warnings.push(format!(
                        "interval from only {n} posterior draw(s): a preview, not a prediction interval"
                    ));
                }
                Ok(f)
            })
            .collect()
    }

    fn objective(&self) -> Objective {
        Objective {
            outcome: FREEDOM_OUTCOME.into(),
            better: Better::Higher,
            limits: Vec::new(),
            tie_break: Some(("ablated_area_cm2".into(), Better::Lower)),
            description: "highest probability of freedom from AF 325 days after ablation (substrate inducibility, PEERP-style, through the DECAAF-calibrated recurrence model), then the least ablated area".into(),
        }
    }

    fn domain_warnings(&self) -> Vec<String> {
        let mut w = self.calibration_warnings.clone();
        let f = &self.findings;
        let [a0, a1] = self.population.age_range_years;
        if !(a0..=a1).contains(&f.age_years) {
            w.push(format!(
                "age {:.0} years lies outside the {a0:.0}–{a1:.0} years of the population the priors describe",
                f.age_years
            ));
        }
        if let Some((_, v)) = f.fibrosis_pct {
            let [lo, hi] = self.population.fibrosis_range;
            if !(100.0 * lo..=100.0 * hi).contains(&v) {
                w.push(format!(
                    "LGE fibrosis burden {v:.1} % lies outside {:.0}–{:.0} %, the range of the virtual population",
                    100.0 * lo,
                    100.0 * hi
                ));
            }
        }
        w.push("the twin is a 2D left-atrial sheet with a patchy fibrosis map of the measured burden (not the patient's LGE map) and Mitchell–Schaeffer cells; freedom from AF maps inducibility through two probabilities calibrated to DECAAF's stage rates in a virtual cohort, not to this patient's outcomes".into());
        w
    }

    fn credibility() -> Vec<CredibilityItem> {
        vec![
            CredibilityItem {
                kind: Evidence::Verification,
                claim: "Niederer 2011 N-version benchmark: activation time at P8 (TP06, dx 0.1 mm, dt 0.01 ms)".into(),
                figure: "45.62 ms, inside the published 42–46 ms".into(),
                source: "cargo run --release --example niederer_benchmark -- --dx 0.1 --dt 0.01".into(),
            },
            CredibilityItem {
                kind: Evidence::Verification,
                claim: "conduction velocity converges at second order in dx; CV ∝ √σ".into(),
                figure: "ratio 3.9 per halving; 4× σ → 2.005× CV".into(),
                source: "cargo test --release -p twin-cardiac --test tissue".into(),
            },
            CredibilityItem {
                kind: Evidence::Verification,
                claim: "Courtemanche 1998 cell at 1 Hz: APD90 and resting potential".into(),
                figure: "APD90 296 ms, rest −80.9 mV; cAF APD90 163 ms".into(),
                source: "cargo test --release -p twin-cardiac --test cell_models".into(),
            },
            CredibilityItem {
                kind: Evidence::Validation,
                claim: "in-silico cohort (held-out seeds 7717, 60606 and the confirmation seed 424242; 200 test patients each; twin CV prior = published LA CV at the sheet's scale): hybrid (twin features + clinical) vs ridge clinical score, and vs a baseline that also sees the LGE map's pattern, for substrate recurrence after PVI".into(),
                figure: "after the 2026-12-07 stencil fix (truth rerun): hybrid − clinical score AUC +0.054 [0.008, 0.101] (seed 7717), +0.041 [−0.003, 0.085] (seed 60606), −0.013 [−0.061, 0.037] (confirmation seed 424242) — a CI above 0 on one seed only (before the fix: +0.072, +0.043, +0.029); the LGE-map baseline beats the hybrid by a point estimate on all three (−0.033, −0.010, −0.066, CIs include 0) and the twin's features add nothing to it (+0.005, −0.007, +0.004); not validated on real outcomes".into(),
                source: "cargo run --release --example af_cohort -- --patients 200 --train 200 --seed 7717 (then --seed 60606, then --seed 424242, each with --train-seed 7717 --reuse)".into(),
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freedom_maps_the_jeffreys_interval_of_the_non_inducible_draws() {
        let model = RecurrenceModel {
            trigger_probability: 0.1,
            substrate_expression: 0.5,
        };
        // Freedom of a non-inducible substrate 0.9, of an inducible one 0.9·0.5.
        let all = freedom_from_af(&model, 8, 8).unwrap();
        approx::assert_abs_diff_eq!(all.central, 0.9, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(all.upper, 0.9, epsilon = 1e-12);
        let none = freedom_from_af(&model, 0, 8).unwrap();
        approx::assert_abs_diff_eq!(none.central, 0.45, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(none.lower, 0.45, epsilon = 1e-12);
        // Many draws: the Jeffreys interval approaches the Wald interval
        // π ± 1.96·√(π(1−π)/n), mapped through the slope 0.45.
        let half = freedom_from_af(&model, 5000, 10000).unwrap();
        let wald = 1.959964 * (0.25f64 / 10000.0).sqrt() * 0.45;
        approx::assert_abs_diff_eq!(half.central, 0.675, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(half.upper - half.central, wald, epsilon = 1e-5);
        approx::assert_abs_diff_eq!(half.central - half.lower, wald, epsilon = 1e-5);
        assert!(freedom_from_af(&model, 3, 2).is_err());
        assert!(freedom_from_af(&model, 0, 0).is_err());
    }
}
