//! # twin-metabolic
//!
//! A type 2 diabetes twin: how one patient's HbA1c, weight and kidney function evolve
//! over five years under combinations of medication, diet and activity; the
//! complication risks that follow; a ranking of candidate plans with an explanation;
//! and in-silico trials for product teams. Time is in days (`t_days`) inside the model
//! and in years in reports (`*_years`).
//!
//! ## Models and equations
//! * **Glycaemia** ([`model`], [`glycaemia`]), de Winter et al. 2006 style: untreated
//!   β-cell function β and insulin sensitivity S decline exponentially
//!   (patient-specific β decline; UKPDS-like drift ≈ +0.2 HbA1c points/yr). Fasting
//!   glucose is the HOMA steady state of the effective b·s, FPG·(FPG − 3.5) = 4.5/(b·s)
//!   (Matthews 1985: HOMA-IR = FPG·I/22.5, HOMA-%B = 20·I/(FPG − 3.5)); mean glucose is
//!   m·FPG and HbA1c relaxes (τ = 43 days) to the ADAG value (Nathan 2008: eAG mg/dL =
//!   28.7·A1c − 46.7).
//! * **Drugs** ([`drugs`]) act on mechanisms (secretion, sensitivity, urinary glucose
//!   excretion that shrinks with eGFR, energy balance, β-cell decline, eGFR slope,
//!   UACR), with Emax dose response, label rules (start/stop eGFR limits, renal maximum
//!   doses) and Riddle 2003 treat-to-target titration of basal insulin. Each effect size
//!   names its trial.
//! * **Weight** ([`weight`]): Hall 2011, ρ·dW/dt = ΔEI − ε(W − W₀), ρ = 7,700 kcal/kg,
//!   ε = 22 kcal/day/kg (τ ≈ 1 yr; −100 kcal/day → −4.5 kg), driven by diet (fading
//!   adherence), activity, drug energy effects and glycosuria; weight feeds S.
//! * **Kidney** ([`kidney`]): CKD-EPI 2021 creatinine and creatinine–cystatin C (Inker
//!   2021), KDIGO G/A stages, KFRE 4-variable 2/5-year with North-American and other
//!   baselines (Tangri 2011/2016); eGFR slope = ageing 1 /yr + albuminuria, HbA1c and
//!   blood-pressure excess + patient offset, × drug factors; SGLT2i/RAS acute dips.
//! * **Risks** ([`risk`]): UKPDS 56 Risk Engine (CHD), microvascular hazard (UKPDS 33
//!   rate, UKPDS 35 gradient: −37 % per 1 % HbA1c), severe hypoglycaemia by regimen.
//!
//! ## Twin of one patient ([`twin`])
//! [`History::from_record`] reads a `twin_io::PatientRecord` (FHIR or CSV import);
//! [`Twin::calibrate`] fits β decline, drug responsiveness, eGFR-slope offset, UACR drift
//! and intake change with population priors (twin-core multi-start Nelder–Mead +
//! Laplace; 95 % intervals, posterior samples), warns outside the applicability domain
//! ([`twin::DOMAIN`]) or when a parameter leaves the population's 95 % range;
//! [`Twin::forecast`] gives 5-year medians and 90 % intervals per plan;
//! [`twin::score_terms`] documents the ranking objective and [`twin::explain`] says why
//! the top plan wins.
//!
//! ## In-silico trials ([`trial`])
//! A JSON [`trial::TrialSpec`] (schema in the module docs; default spec
//! `data/trials/default_trial.json`) → virtual cohort (twin-core Gaussian copula),
//! arms as plans, endpoints on noisy visits, per-arm cumulative incidence, fractions
//! with Wilson 95 % intervals, medians, mean trajectories, eGFR slopes.
//!
//! ## Calibration consistency (`tests/drug_effects.rs`; these trials SET the effects)
//! | drug (trial, time point) | reported Δ vs placebo | model | tolerance |
//! |---|---|---|---|
//! | metformin 2000 mg (Hirst 2012, 24 wk) | −1.12 % | −1.12 % | ±0.10 |
//! | glimepiride 4 mg (Hirst 2013, 24 wk) | −1.51 % | −1.51 % | ±0.10 |
//! | pioglitazone 30 mg (Aronoff 2000, 26 wk) | −1.00 % | −1.00 % | ±0.10 |
//! | sitagliptin 100 mg (Aschner 2006, 24 wk) | −0.79 % | −0.80 % | ±0.10 |
//! | empagliflozin 25 mg (EMPA-REG MONO, 24 wk) | −0.93 %, −1.93 kg | −0.92 %, −1.95 kg | ±0.10, ±0.4 |
//! | SGLT2i at eGFR 30–60 (meta-analysis 2022) | −0.23 %, −1.45 kg | −0.26 %, −1.45 kg | ±0.10, ±0.4 |
//! | semaglutide 1 mg (SUSTAIN-1, 30 wk) | −1.53 %, −3.56 kg | −1.56 %, −3.70 kg | ±0.10, ±0.4 |
//! | glargine treat-to-target (Riddle 2003, 24 wk) | HbA1c 6.96 %, 47 U/day, +3.0 kg | within tolerance | ±0.2, ±8 U, ±0.5 kg |
//! | untreated drift (UKPDS) | ≈ +0.2 %/yr | +0.175 %/yr | ±0.07 |
//!
//! Drug energy deficits fade to 25 % over about a year (intake compensation), so
//! long-term weight effects stay at a few kg.
//!
//! ## Validation by trial reproduction (`tests/trial_reproduction.rs`; not used for calibration)
//! Virtual cohorts of 2,000 per arm from the published baseline tables
//! (`data/trials/`, sources in its README), seed fixed, 95 % intervals in brackets.
//!
//! | trial, arm | endpoint | reported | predicted | tolerance |
//! |---|---|---|---|---|
//! | CREDENCE eGFR 30–45 (Jardine 2020), placebo | chronic eGFR slope | −4.33 /yr | −4.26 /yr | ±1.0 |
//! | same, canagliflozin 100 mg | chronic eGFR slope | −1.72 /yr | −2.04 /yr | ±1.0 |
//! | same | acute dip vs placebo | 2.03 | 2.13 | ±1.0 |
//! | DAPA-CKD T2D (Heerspink 2021) | acute dip vs placebo, week 2 | 2.61 | 2.42 | ±1.0 |
//! | same | total slope difference | +0.95 /yr (whole trial) | +1.07 /yr | ±0.6 |
//! | ADOPT (Kahn 2006), TZD | 5-y monotherapy failure | 15 % | 7.7 % [6.6–9.0] | **known miss** |
//! | ADOPT, metformin | 5-y monotherapy failure | 21 % | 7.9 % [6.8–9.1] | **known miss** |
//! | ADOPT, glyburide | 5-y monotherapy failure | 34 % | 16.2 % [14.7–17.9] | **known miss** |
//!
//! ADOPT is under-predicted about two-fold and TZD is not better than metformin: the
//! assumed spread of β-cell decline in the virtual population (SD of ln rate 0.6) is
//! too narrow for ADOPT. It was left as it is rather than tuned to the trial; the test
//! guards the ranking of sulfonylurea (highest, ratio to metformin 1.3–3; reported 1.6)
//! and bounds the miss. Pioglitazone stands in for rosiglitazone. The β-decline
//! multipliers of SU and TZD come from ADOPT's OGTT sub-study, so ADOPT is not fully
//! independent.
//!
//! ## Forecast check on unseen virtual patients (`tests/twin_validation.rs`)
//! Truth = virtual patients with perturbed population constants (model error) and
//! noisy quarterly measurements; the twin is calibrated on years 0–3 and forecasts
//! HbA1c at year 5; the comparator (last observation carried forward) sees the same
//! data. On 12 patients: MAE 0.18 (twin) vs 0.48 (LOCF) HbA1c points; the 90 %
//! intervals covered 8/12 (below nominal: they carry parameter uncertainty only).
//!
//! ## Limitations
//! Blood pressure and lipids are held at baseline; insulin in trial backgrounds is not
//! modelled (titration is always on); forecast intervals reflect parameter uncertainty
//! (not measurement noise or structural error); the ranking weights are a documented
//! choice, not a utility elicited from patients.
//!
//! ## Example
//! ```
//! use twin_metabolic::kidney::{Sex, egfr_ckd_epi_2021_cr};
//! use twin_metabolic::{Baseline, Constants, Drug, PatientModel, PatientParams, Plan, StepOptions, MetabolicTrajectory};
//! // CKD-EPI 2021: male, 55 y, creatinine 1.2 mg/dL -> 71.4 mL/min/1.73 m²
//! assert_eq!(format!("{:.1}", egfr_ckd_epi_2021_cr(1.2, 55.0, Sex::Male).unwrap()), "71.4");
//! let baseline = Baseline {
//!     age_years: 58.0, sex: Sex::Female, height_m: 1.64, weight_kg: 86.0,
//!     hba1c_percent: 8.1, fpg_mmol_l: Some(9.4), fasting_insulin_uu_ml: None,
//!     egfr: 72.0, uacr_mg_g: 45.0, sbp_mmhg: 136.0, tc_hdl_ratio: 4.2,
//!     smoker: false, afro_caribbean: false, diabetes_duration_years: 5.0,
//!     current_drugs: vec![],
//! };
//! let (model, mut state) = PatientModel::new(baseline, PatientParams::default(), Constants::default()).unwrap();
//! let plan = Plan::drugs("metformin + semaglutide", &[(Drug::Metformin, 2000.0), (Drug::Semaglutide, 1.0)]);
//! let mut traj = MetabolicTrajectory::default();
//! model.run(&mut state, &plan, 365.25, StepOptions::default(), &mut traj, &mut vec![]).unwrap();
//! assert!(state.hba1c_percent < 7.0 && state.weight_kg < 86.0);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod check;
pub mod digital;
pub mod drugs;
pub mod error;
pub mod glycaemia;
pub mod history;
pub mod kidney;
pub mod model;
pub mod plan;
pub mod progression;
pub mod report;
pub mod risk;
pub mod trial;
pub mod twin;
pub mod weight;

pub use digital::T2dTwin;
pub use drugs::{Drug, DrugOrder};
pub use error::{MetabolicError, Result};
pub use history::History;
pub use model::{
    Baseline, Constants, MetabolicTrajectory, PatientModel, PatientParams, SafetyFlag, State,
    StepOptions,
};
pub use plan::{Plan, RescueMarker, RescueStep};
pub use progression::ProgressionLaw;
pub use twin::{Twin, TwinOptions};
