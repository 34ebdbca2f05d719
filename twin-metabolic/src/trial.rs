//! In-silico trials: a virtual cohort from a trial's baseline table, arms defined as
//! plans, endpoints evaluated on noisy simulated visits.
//!
//! ## JSON spec (`TrialSpec`)
//! ```json
//! {
//!   "name": "example", "seed": 7, "n_per_arm": 2000, "years": 5.0,
//!   "report_years": [1.0, 3.0, 5.0], "visit_every_days": 91.0,
//!   "cohort": {
//!     "age_years": {"TruncatedNormal": {"mean": 57, "sd": 10, "lower": 30, "upper": 80}},
//!     "female_fraction": 0.42,
//!     "bmi_kg_m2": {"TruncatedNormal": {"mean": 32, "sd": 6, "lower": 20, "upper": 55}},
//!     "diabetes_duration_years": {"TruncatedNormal": {"mean": 2, "sd": 1.5, "lower": 0, "upper": 10}},
//!     "hba1c_percent": {"TruncatedNormal": {"mean": 7.4, "sd": 0.9, "lower": 6, "upper": 11}},
//!     "fpg_mmol_l": {"TruncatedNormal": {"mean": 8.4, "sd": 1.0, "lower": 7, "upper": 10}},
//!     "egfr": {"TruncatedNormal": {"mean": 85, "sd": 15, "lower": 60, "upper": 130}},
//!     "uacr_mg_g": {"LogNormal": {"mu_log": 2.7, "sigma_log": 1.0}},
//!     "sbp_mmhg": {"TruncatedNormal": {"mean": 133, "sd": 15, "lower": 100, "upper": 180}},
//!     "correlations": [["hba1c_percent", "fpg_mmol_l", 0.6]],
//!     "background_drugs": [{"order": {"drug": "losartan", "dose": 100}, "fraction": 1.0}]
//!   },
//!   "arms": [{"name": "metformin", "drugs": [{"drug": "metformin", "dose": 2000}]}],
//!   "endpoints": [{"kind": "fpg_above_confirmed", "name": "monotherapy failure",
//!                  "threshold_mmol_l": 10.0, "from_day": 180}]
//! }
//! ```
//! `variability` (between-patient spread of the model parameters and of three
//! population constants, the in-silico "model error") and `noise` (visit-to-visit
//! measurement variation) have documented defaults. Marginals are
//! `twin_core::cohort::Marginal` values; correlations act on the Gaussian copula.
//! Every arm sees the same virtual patients and the same measurement noise (common
//! random numbers), so arm differences are not blurred by sampling noise.
//!
//! A sampled covariate outside the model's hard limits ([`HARD_LIMITS`], e.g. age
//! 18–95) is set to the limit and counted: [`TrialResult::warnings`] says how many,
//! and also which covariates put ≥ 1 % of the cohort outside the populations the model
//! was calibrated on ([`crate::twin::DOMAIN`]) — a youth cohort is flagged twice — and
//! how many baselines the model could not take as given
//! ([`crate::model::BaselineAdjustment`], e.g. HbA1c and FPG far apart).
//! [`simulate_patients`] gives the per-patient rows of any range of the cohort
//! (identical for any chunking: the distributed runner's task).
//!
//! Endpoint kinds: `hba1c_above` (HbA1c ≥ threshold at consecutive visits spanning
//! `sustained_months`, e.g. a rescue-insulin criterion), `fpg_above_confirmed` (two
//! consecutive visits above the threshold, e.g. ADOPT monotherapy failure),
//! `egfr_decline` (≥ fraction below the baseline eGFR at two consecutive visits),
//! `kidney_failure` (eGFR < 15 at two consecutive visits).

use crate::drugs::DrugOrder;
use crate::error::{MetabolicError, Result};
use crate::kidney::Sex;
use crate::model::{
    Baseline, BaselineAdjustment, Constants, DAYS_PER_YEAR, MetabolicTrajectory, PatientModel,
    PatientParams, StepOptions,
};
use crate::plan::Plan;
use crate::progression::ProgressionLaw;
use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use twin_core::cohort::{Factor, Marginal, PopulationSpec, patient_rng};
use twin_core::stats::Z95;

/// A background drug taken by a fraction of the cohort (and kept in every arm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackgroundDrug {
    /// The drug and dose.
    pub order: DrugOrder,
    /// Fraction of patients taking it (0–1).
    pub fraction: f64,
}

/// Baseline table of the cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortSpec {
    /// Age, years.
    pub age_years: Marginal,
    /// Fraction female (0–1).
    pub female_fraction: f64,
    /// BMI, kg/m².
    pub bmi_kg_m2: Marginal,
    /// Diabetes duration, years.
    pub diabetes_duration_years: Marginal,
    /// HbA1c, %.
    pub hba1c_percent: Marginal,
    /// Fasting glucose, mmol/L (optional).
    #[serde(default)]
    pub fpg_mmol_l: Option<Marginal>,
    /// eGFR, mL/min/1.73 m².
    pub egfr: Marginal,
    /// UACR, mg/g.
    pub uacr_mg_g: Marginal,
    /// Systolic blood pressure, mmHg.
    pub sbp_mmhg: Marginal,
    /// Correlations of the Gaussian copula between named covariates.
    #[serde(default)]
    pub correlations: Vec<(String, String, f64)>,
    /// Background drugs.
    #[serde(default)]
    pub background_drugs: Vec<BackgroundDrug>,
    /// Fraction of Black (African, Afro-Caribbean or African-American) patients (0–1);
    /// sets [`Baseline::afro_caribbean`] (UKPDS risk engine) and the cohort's ethnicity
    /// check against the populations the progression law was fitted and validated on.
    #[serde(default)]
    pub black_fraction: f64,
}

/// Between-patient variability of the model (the virtual population's truth).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Variability {
    /// Population law of the β-cell decline rate (age at diagnosis, BMI, sex and a
    /// residual spread; [`crate::progression`]).
    pub progression: ProgressionLaw,
    /// SD of ln drug response.
    pub drug_response_sd_ln: f64,
    /// SD of the eGFR slope offset, mL/min/1.73 m²/yr.
    pub egfr_slope_offset_sd: f64,
    /// SD of the ln UACR drift, per year.
    pub ln_uacr_drift_sd: f64,
    /// SD of ln multipliers of three population constants (sensitivity decline, weight
    /// elasticity, albuminuria slope coefficient): model error of the virtual truth.
    pub constants_sd_ln: f64,
    /// Adherence to diet and activity changes of the cohort (default: the model's).
    pub adherence: crate::weight::Adherence,
}

impl Default for Variability {
    fn default() -> Self {
        Self {
            progression: ProgressionLaw::default(),
            drug_response_sd_ln: 0.3,
            egfr_slope_offset_sd: 1.5,
            ln_uacr_drift_sd: 0.1,
            constants_sd_ln: 0.2,
            adherence: crate::weight::Adherence::default(),
        }
    }
}

/// Visit-to-visit measurement variation (analytical + within-person biological).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeasurementNoise {
    /// HbA1c SD, % points (within-person CV ~2 %: Braga 2010).
    pub hba1c_sd_percent: f64,
    /// FPG coefficient of variation (within-person CV ~6–8 %: Ricos 1999 database).
    pub fpg_cv: f64,
    /// eGFR coefficient of variation (creatinine CV ~5 %: Ricos 1999).
    pub egfr_cv: f64,
}

impl Default for MeasurementNoise {
    fn default() -> Self {
        Self {
            hba1c_sd_percent: 0.15,
            fpg_cv: 0.08,
            egfr_cv: 0.05,
        }
    }
}

/// An endpoint evaluated on the measured visits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Endpoint {
    /// HbA1c ≥ threshold at consecutive visits spanning `sustained_months`.
    Hba1cAbove {
        /// Name in reports.
        name: String,
        /// Threshold, %.
        threshold_percent: f64,
        /// Required duration, months.
        sustained_months: f64,
    },
    /// Fasting glucose above threshold at two consecutive visits from `from_day` on.
    FpgAboveConfirmed {
        /// Name in reports.
        name: String,
        /// Threshold, mmol/L.
        threshold_mmol_l: f64,
        /// First day at which failure can be declared (after titration).
        #[serde(default)]
        from_day: f64,
    },
    /// eGFR ≥ `fraction` below baseline at two consecutive visits.
    EgfrDecline {
        /// Name in reports.
        name: String,
        /// Fractional decline, e.g. 0.4.
        fraction: f64,
    },
    /// eGFR < 15 at two consecutive visits.
    KidneyFailure {
        /// Name in reports.
        name: String,
    },
}

impl Endpoint {
    /// The endpoint's name.
    pub fn name(&self) -> &str {
        match self {
            Endpoint::Hba1cAbove { name, .. }
            | Endpoint::FpgAboveConfirmed { name, .. }
            | Endpoint::EgfrDecline { name, .. }
            | Endpoint::KidneyFailure { name } => name,
        }
    }
}

fn default_visit() -> f64 {
    91.0
}

/// A complete trial specification (see the module docs for the JSON schema).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSpec {
    /// Trial name.
    pub name: String,
    /// Seed of the virtual cohort and noise.
    pub seed: u64,
    /// Virtual patients per arm (the same patients in every arm).
    pub n_per_arm: usize,
    /// Follow-up, years.
    pub years: f64,
    /// Years at which endpoint fractions are reported.
    pub report_years: Vec<f64>,
    /// Visit spacing, days. The model steps about a week, a whole number of steps per
    /// visit, so the simulated visits fall exactly this many days apart.
    #[serde(default = "default_visit")]
    pub visit_every_days: f64,
    /// Baseline table.
    pub cohort: CohortSpec,
    /// Between-patient variability.
    #[serde(default)]
    pub variability: Variability,
    /// Measurement noise.
    #[serde(default)]
    pub noise: MeasurementNoise,
    /// Arms.
    pub arms: Vec<Plan>,
    /// Endpoints.
    pub endpoints: Vec<Endpoint>,
}

/// Fraction with the endpoint by a time, with a 95 % Wilson interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FractionAt {
    /// Time, years.
    pub years: f64,
    /// Fraction with the event.
    pub fraction: f64,
    /// 95 % interval, lower.
    pub lo: f64,
    /// 95 % interval, upper.
    pub hi: f64,
}

/// Result of one endpoint in one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointResult {
    /// Endpoint name.
    pub name: String,
    /// Cumulative incidence at each visit (no censoring in a virtual trial).
    pub cumulative_incidence: Vec<f64>,
    /// Fractions at the report years.
    pub at_report_years: Vec<FractionAt>,
    /// Median time to the endpoint, years (none if fewer than half had it).
    pub median_years: Option<f64>,
    /// Events per 100 patient-years over follow-up (time at risk ends at the event),
    /// with an exact (Garwood) Poisson 95 % interval.
    pub rate_per_100_patient_years: RateCi,
}

/// An incidence rate with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateCi {
    /// Rate.
    pub rate: f64,
    /// Lower 95 % bound.
    pub lo: f64,
    /// Upper 95 % bound.
    pub hi: f64,
}

/// Exact (Garwood 1936) Poisson interval of `events` over `exposure`, scaled by
/// `scale`: χ²-quantiles from statrs.
pub fn poisson_rate_ci(events: usize, exposure: f64, scale: f64) -> RateCi {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let k = events as f64;
    let q = |p: f64, dof: f64| {
        ChiSquared::new(dof)
            .map(|c| c.inverse_cdf(p) / 2.0)
            .unwrap_or(f64::NAN)
    };
    let lo = if events == 0 { 0.0 } else { q(0.025, 2.0 * k) };
    let hi = q(0.975, 2.0 * k + 2.0);
    RateCi {
        rate: scale * k / exposure,
        lo: scale * lo / exposure,
        hi: scale * hi / exposure,
    }
}

/// Result of one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmResult {
    /// Arm (plan) name.
    pub name: String,
    /// Visit times, years.
    pub t_years: Vec<f64>,
    /// Mean HbA1c at visits, %.
    pub mean_hba1c_percent: Vec<f64>,
    /// Mean weight change from baseline, kg.
    pub mean_weight_change_kg: Vec<f64>,
    /// Mean eGFR at visits, mL/min/1.73 m².
    pub mean_egfr: Vec<f64>,
    /// Geometric mean UACR at visits, mg/g.
    pub geomean_uacr_mg_g: Vec<f64>,
    /// Least-squares slope of mean eGFR from the first visit to the end (chronic slope),
    /// mL/min/1.73 m²/yr.
    pub egfr_chronic_slope_per_year: f64,
    /// Slope of mean eGFR from baseline to the end (total slope), mL/min/1.73 m²/yr.
    pub egfr_total_slope_per_year: f64,
    /// Expected severe hypoglycaemia events per 100 patient-years.
    pub severe_hypo_per_100py: f64,
    /// Endpoints.
    pub endpoints: Vec<EndpointResult>,
    /// Number of label safety flags raised in the arm.
    pub safety_flags: usize,
    /// Median over patients of their mean HbA1c over follow-up (model values at the
    /// visits after baseline), % — the UKPDS summary.
    pub median_mean_hba1c_percent: f64,
    /// Fraction of patients whose plan's rescue ladder added a drug during follow-up.
    pub rescue_fraction: f64,
}

/// Result of a trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialResult {
    /// Trial name.
    pub name: String,
    /// Patients per arm.
    pub n_per_arm: usize,
    /// Arms.
    pub arms: Vec<ArmResult>,
    /// Where the cohort leaves the model's ground: covariates set to the model's hard
    /// limits (clamped, with the count), and covariates outside the populations the
    /// model was calibrated on ([`crate::twin::DOMAIN`]; reported when ≥ 1 % of the
    /// cohort lies outside), and patients whose baseline the model had to read
    /// ([`crate::model::BaselineAdjustment`], any count). Empty when the cohort is inside.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// One sampled virtual patient.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualT2dPatient {
    /// Baseline.
    pub baseline: Baseline,
    /// Parameters.
    pub params: PatientParams,
    /// Constants (perturbed by the model-error multipliers).
    pub constants: Constants,
    /// Covariates whose sampled value lay outside the model's hard limits
    /// ([`HARD_LIMITS`]) and was set to the nearest limit.
    pub clamped: Vec<&'static str>,
}

/// Hard limits of the model's covariates (name, lower, upper): a sampled value
/// outside is set to the limit and reported ([`VirtualT2dPatient::clamped`],
/// [`TrialResult::warnings`]); adult heights and body sizes beyond them are not
/// represented by the model's equations.
pub const HARD_LIMITS: [(&str, f64, f64); 8] = [
    ("age_years", 18.0, 95.0),
    ("bmi_kg_m2", 17.0, 70.0),
    ("diabetes_duration_years", 0.0, 50.0),
    ("hba1c_percent", 5.0, 16.0),
    ("fpg_mmol_l", 4.0, 25.0),
    ("egfr", 8.0, 150.0),
    ("uacr_mg_g", 1.0, 15_000.0),
    ("sbp_mmhg", 90.0, 220.0),
];

const COVARIATES: [&str; 8] = [
    "age_years",
    "bmi_kg_m2",
    "diabetes_duration_years",
    "hba1c_percent",
    "fpg_mmol_l",
    "egfr",
    "uacr_mg_g",
    "sbp_mmhg",
];

impl CohortSpec {
    fn factor_marginals(&self) -> Vec<Marginal> {
        vec![
            self.age_years,
            self.bmi_kg_m2,
            self.diabetes_duration_years,
            self.hba1c_percent,
            self.fpg_mmol_l.unwrap_or(Marginal::Uniform {
                lower: 0.0,
                upper: 1.0,
            }),
            self.egfr,
            self.uacr_mg_g,
            self.sbp_mmhg,
        ]
    }
}

/// Sample `n` virtual patients from the cohort spec (deterministic given `seed`).
pub fn sample_cohort(
    cohort: &CohortSpec,
    var: &Variability,
    n: usize,
    seed: u64,
) -> Result<Vec<VirtualT2dPatient>> {
    sample_cohort_range(cohort, var, 0, n, seed)
}

/// Patients `first .. first + count` of the cohort [`sample_cohort`] draws with
/// `seed`: patient `i` depends only on `(seed, i)`, so chunks of a cohort (tasks on
/// a cluster) concatenate to exactly the cohort sampled in one go.
pub fn sample_cohort_range(
    cohort: &CohortSpec,
    var: &Variability,
    first: u64,
    count: usize,
    seed: u64,
) -> Result<Vec<VirtualT2dPatient>> {
    var.progression.validate()?;
    var.adherence.validate()?;
    crate::check::in_range("female_fraction", cohort.female_fraction, 0.0, 1.0, "")?;
    crate::check::in_range("black_fraction", cohort.black_fraction, 0.0, 1.0, "")?;
    for b in &cohort.background_drugs {
        crate::check::in_range("background_drugs.fraction", b.fraction, 0.0, 1.0, "")?;
        b.order.drug.check_dose(b.order.dose)?;
    }
    let mut factors: Vec<Factor> = COVARIATES
        .iter()
        .zip(cohort.factor_marginals())
        .map(|(n, m)| Factor::new(*n, "", m))
        .collect();
    let d_cov = factors.len();
    let std = Marginal::Normal { mean: 0.0, sd: 1.0 };
    for name in [
        "z_beta",
        "z_response",
        "z_slope",
        "z_uacr",
        "z_c1",
        "z_c2",
        "z_c3",
        "u_sex",
        "u_height",
        "u_black",
    ] {
        factors.push(Factor::new(name, "", std));
    }
    let n_bg = cohort.background_drugs.len();
    for i in 0..n_bg {
        factors.push(Factor::new(format!("u_bg{i}"), "", std));
    }
    let d = factors.len();
    let correlation = if cohort.correlations.is_empty() {
        None
    } else {
        let mut c = vec![vec![0.0; d]; d];
        for (i, row) in c.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        for (a, b, r) in &cohort.correlations {
            let idx = |s: &str| {
                COVARIATES.iter().position(|x| *x == s).ok_or_else(|| {
                    MetabolicError::invalid(
                        "correlations name",
                        s,
                        format!("one of {}", COVARIATES.join(", ")),
                    )
                })
            };
            let (i, j) = (idx(a)?, idx(b)?);
            c[i][j] = *r;
            c[j][i] = *r;
        }
        Some(c)
    };
    let _ = d_cov;
    let pop = PopulationSpec {
        factors,
        correlation,
    }
    .sample_range(first, count, seed)
    .map_err(|e| MetabolicError::invalid("cohort", e, "a valid population spec"))?;
    let phi = |z: f64| 0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2));
    pop.values
        .iter()
        .map(|v| {
            let female = phi(v[d_cov + 7]) < cohort.female_fraction;
            let sex = if female { Sex::Female } else { Sex::Male };
            // adult height by sex (NHANES 2015–2018 means/SDs)
            let height_m = if female {
                1.615 + 0.07 * v[d_cov + 8]
            } else {
                1.755 + 0.075 * v[d_cov + 8]
            }
            .clamp(1.4, 2.05);
            // Covariates in COVARIATES order, each kept within HARD_LIMITS.
            let mut clamped = Vec::new();
            let mut limit = |k: usize| {
                let (name, lo, hi) = HARD_LIMITS[k];
                if v[k] < lo || v[k] > hi {
                    clamped.push(name);
                }
                v[k].clamp(lo, hi)
            };
            let (age, bmi, duration, hba1c) = (limit(0), limit(1), limit(2), limit(3));
            let fpg = cohort.fpg_mmol_l.map(|_| limit(4));
            let (egfr, uacr, sbp) = (limit(5), limit(6), limit(7));
            let current_drugs = cohort
                .background_drugs
                .iter()
                .enumerate()
                .filter(|(i, b)| phi(v[d_cov + 10 + i]) < b.fraction)
                .map(|(_, b)| b.order)
                .collect();
            let baseline = Baseline {
                age_years: age,
                sex,
                height_m,
                weight_kg: bmi * height_m * height_m,
                hba1c_percent: hba1c,
                fpg_mmol_l: fpg,
                fasting_insulin_uu_ml: None,
                egfr,
                uacr_mg_g: uacr,
                sbp_mmhg: sbp,
                tc_hdl_ratio: 4.0,
                smoker: false,
                afro_caribbean: phi(v[d_cov + 9]) < cohort.black_fraction,
                diabetes_duration_years: duration,
                current_drugs,
            };
            let params = PatientParams {
                beta_decline_per_year: var.progression.decline_per_year(&baseline, v[d_cov]),
                drug_response: (var.drug_response_sd_ln * v[d_cov + 1])
                    .exp()
                    .clamp(0.1, 4.0),
                egfr_slope_offset_per_year: (var.egfr_slope_offset_sd * v[d_cov + 2])
                    .clamp(-4.0, 12.0),
                ln_uacr_drift_per_year: (var.ln_uacr_drift_sd * v[d_cov + 3]).clamp(-0.9, 0.9),
                intake_change_kcal_per_day: 0.0,
            };
            let mut constants = Constants::default();
            let m = |z: f64| (var.constants_sd_ln * z).exp();
            constants.sensitivity_decline_per_year *= m(v[d_cov + 4]);
            constants.weight_sensitivity_elasticity *= m(v[d_cov + 5]);
            constants.egfr_per_ln_uacr *= m(v[d_cov + 6]);
            constants.adherence = var.adherence;
            Ok(VirtualT2dPatient {
                baseline,
                params,
                constants,
                clamped,
            })
        })
        .collect()
}

/// Error function (Abramowitz & Stegun 7.1.26 is too coarse for copula tails; use
/// statrs, which is already a dependency of twin-core).
fn erf(x: f64) -> f64 {
    statrs::function::erf::erf(x)
}

/// Arm plan = the arm's drugs plus any background drug of this patient not listed.
fn arm_plan(arm: &Plan, patient: &Baseline) -> Plan {
    let mut p = arm.clone();
    for o in &patient.current_drugs {
        if !p.drugs.iter().any(|x| x.drug == o.drug) {
            p.drugs.push(*o);
        }
    }
    p
}

/// Per-patient outcome of one arm.
struct Outcome {
    /// Simulated visit times, days (the same grid for every patient).
    t_days: Vec<f64>,
    hba1c: Vec<f64>,
    weight_change: Vec<f64>,
    egfr: Vec<f64>,
    ln_uacr: Vec<f64>,
    events: Vec<Option<f64>>,
    hypo: f64,
    flags: usize,
    first_rescue_days: Option<f64>,
}

fn first_confirmed(
    t: &[f64],
    hit: impl Fn(usize) -> bool,
    from_day: f64,
    span_days: f64,
) -> Option<f64> {
    let n = t.len();
    let mut i = 0;
    while i < n {
        if t[i] >= from_day && hit(i) {
            let mut j = i;
            while j + 1 < n && hit(j + 1) {
                j += 1;
            }
            let needed = if span_days > 0.0 {
                t[j] - t[i] >= span_days
            } else {
                j > i
            };
            if needed {
                return Some(t[i]);
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    None
}

/// Salt of the measurement-noise streams (kept apart from the cohort's streams).
const NOISE_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

/// One patient's measured course in one arm: the model run, the visit noise of
/// patient `index` (the same stream in every arm: common random numbers) and the
/// endpoint times.
fn simulate_outcome(
    spec: &TrialSpec,
    arm: &Plan,
    vp: &VirtualT2dPatient,
    index: u64,
    opts: StepOptions,
) -> Result<Outcome> {
    let duration = spec.years * DAYS_PER_YEAR;
    let noise = spec.noise;
    let (pm, mut s) = PatientModel::new(vp.baseline.clone(), vp.params, vp.constants)?;
    let mut tr = MetabolicTrajectory::default();
    let mut flags = Vec::new();
    pm.run(
        &mut s,
        &arm_plan(arm, &vp.baseline),
        duration,
        opts,
        &mut tr,
        &mut flags,
    )?;
    // same noise stream for this patient in every arm (common random numbers)
    let mut rng = patient_rng(spec.seed ^ NOISE_SALT, index);
    let mut z = || -> f64 { rng.sample(StandardNormal) };
    let n = tr.t_days.len();
    let mut a1c = Vec::with_capacity(n);
    let mut fpg = Vec::with_capacity(n);
    let mut egfr = Vec::with_capacity(n);
    for k in 0..n {
        a1c.push(tr.hba1c_percent[k] + noise.hba1c_sd_percent * z());
        fpg.push(tr.fpg_mmol_l[k] * (1.0 + noise.fpg_cv * z()));
        egfr.push(tr.egfr[k] * (1.0 + noise.egfr_cv * z()));
    }
    let events = spec
        .endpoints
        .iter()
        .map(|e| match e {
            Endpoint::Hba1cAbove {
                threshold_percent,
                sustained_months,
                ..
            } => first_confirmed(
                &tr.t_days,
                |k| a1c[k] >= *threshold_percent,
                1.0,
                sustained_months * DAYS_PER_YEAR / 12.0,
            ),
            Endpoint::FpgAboveConfirmed {
                threshold_mmol_l,
                from_day,
                ..
            } => first_confirmed(
                &tr.t_days,
                |k| fpg[k] > *threshold_mmol_l,
                from_day.max(1.0),
                0.0,
            ),
            Endpoint::EgfrDecline { fraction, .. } => first_confirmed(
                &tr.t_days,
                |k| egfr[k] <= (1.0 - fraction) * egfr[0],
                1.0,
                0.0,
            ),
            Endpoint::KidneyFailure { .. } => {
                first_confirmed(&tr.t_days, |k| egfr[k] < 15.0, 1.0, 0.0)
            }
        })
        .collect();
    Ok(Outcome {
        weight_change: tr
            .weight_kg
            .iter()
            .map(|w| w - vp.baseline.weight_kg)
            .collect(),
        ln_uacr: tr.uacr_mg_g.iter().map(|u| u.ln()).collect(),
        t_days: tr.t_days,
        hba1c: tr.hba1c_percent,
        egfr: tr.egfr,
        events,
        hypo: s.hypo_events,
        flags: flags.len(),
        first_rescue_days: s.first_rescue_days,
    })
}

/// Check the spec's ranges; the integration options of its visits: the step is
/// `visit_every_days` divided by the nearest whole number of weeks (at least one), so
/// that visits fall exactly every `visit_every_days` (a step of 7 days when the spacing
/// is a whole number of weeks; e.g. 7.02 days for quarterly visits of 91.3125 days).
fn check_spec(spec: &TrialSpec) -> Result<StepOptions> {
    crate::check::in_range("years", spec.years, 0.1, 20.0, "years")?;
    crate::check::in_range(
        "visit_every_days",
        spec.visit_every_days,
        7.0,
        365.0,
        "days",
    )?;
    if spec.n_per_arm == 0 || spec.n_per_arm > 1_000_000 {
        return Err(MetabolicError::invalid(
            "n_per_arm",
            spec.n_per_arm,
            "1 to 1,000,000",
        ));
    }
    if spec.arms.is_empty() {
        return Err(MetabolicError::invalid("arms", "[]", "at least one arm"));
    }
    for arm in &spec.arms {
        for o in &arm.drugs {
            o.drug.check_dose(o.dose)?;
        }
        arm.validate_rescue()?;
    }
    for y in &spec.report_years {
        crate::check::in_range(
            "report_years",
            *y,
            0.0,
            spec.years,
            "years within follow-up",
        )?;
    }
    Ok(visit_step_options(spec.visit_every_days))
}

/// Integration options whose records fall exactly every `visit_every_days`: steps of
/// about a week, a whole number of them per visit.
fn visit_step_options(visit_every_days: f64) -> StepOptions {
    let steps_per_visit = (visit_every_days / 7.0).round().max(1.0);
    StepOptions {
        dt_days: visit_every_days / steps_per_visit,
        record_every_days: visit_every_days,
    }
}

/// Run the trial. Deterministic given the spec's seed, for any thread count.
pub fn run_trial(spec: &TrialSpec) -> Result<TrialResult> {
    let opts = check_spec(spec)?;
    let patients = sample_cohort(&spec.cohort, &spec.variability, spec.n_per_arm, spec.seed)?;
    let mut arms = Vec::with_capacity(spec.arms.len());
    for arm in &spec.arms {
        use rayon::prelude::*;
        let outcomes: Vec<Outcome> = patients
            .par_iter()
            .enumerate()
            .map(|(i, vp)| simulate_outcome(spec, arm, vp, i as u64, opts))
            .collect::<Result<_>>()?;
        arms.push(summarise(arm, spec, &outcomes));
    }
    Ok(TrialResult {
        name: spec.name.clone(),
        n_per_arm: spec.n_per_arm,
        arms,
        warnings: cohort_warnings(&patients),
    })
}

/// Share of the cohort outside the calibration populations above which a trial
/// result carries a domain warning.
pub const DOMAIN_WARNING_FRACTION: f64 = 0.01;

/// The cohort's clamped covariates, its share outside [`crate::twin::DOMAIN`] and its
/// baselines the model had to read ([`crate::model::BaselineAdjustment`]).
pub fn cohort_warnings(patients: &[VirtualT2dPatient]) -> Vec<String> {
    let n = patients.len().max(1) as f64;
    let mut warnings = Vec::new();
    for (name, lo, hi) in HARD_LIMITS {
        let k = patients
            .iter()
            .filter(|p| p.clamped.contains(&name))
            .count();
        if k > 0 {
            warnings.push(format!(
                "{name}: {k} of {} sampled values ({:.1} %) lay outside the model's limits [{lo}, {hi}] and were set to the nearest limit",
                patients.len(),
                100.0 * k as f64 / n
            ));
        }
    }
    for (name, lo, hi) in crate::twin::DOMAIN {
        let outside = patients
            .iter()
            .filter(|p| crate::twin::outside_domain(&p.baseline).any(|(n, ..)| n == name))
            .count();
        if outside as f64 / n >= DOMAIN_WARNING_FRACTION {
            warnings.push(format!(
                "{name}: {:.1} % of the cohort lies outside the calibration populations' range [{lo}, {hi}]: results for them extrapolate",
                100.0 * outside as f64 / n
            ));
        }
    }
    // baselines the model cannot take as given (see model::BaselineAdjustment)
    let (mut m_outside, mut insulin_floor) = (0usize, 0usize);
    for p in patients {
        if let Ok((pm, _)) = PatientModel::new(p.baseline.clone(), p.params, p.constants) {
            for a in &pm.baseline_adjustments {
                match a {
                    BaselineAdjustment::MeanToFastingOutsideRange { .. } => m_outside += 1,
                    BaselineAdjustment::InsulinResistanceRaised { .. } => insulin_floor += 1,
                }
            }
        }
    }
    if m_outside > 0 {
        let (lo, hi) = crate::model::MEAN_TO_FASTING_RANGE;
        warnings.push(format!(
            "baseline HbA1c/FPG: {m_outside} of {} patients ({:.1} %) have a mean/fasting glucose ratio outside the model's [{lo}, {hi}]: it was set to the nearest end, so their HbA1c is read as not at steady state and moves in the first months",
            patients.len(),
            100.0 * m_outside as f64 / n
        ));
    }
    if insulin_floor > 0 {
        warnings.push(format!(
            "baseline insulin: {insulin_floor} of {} patients ({:.1} %) have a fasting glucose their basal insulin explains without endogenous secretion: β-cell function set to the floor {} and insulin resistance raised to reproduce it",
            patients.len(),
            100.0 * insulin_floor as f64 / n,
            crate::model::BETA_MIN
        ));
    }
    let black = patients
        .iter()
        .filter(|p| p.baseline.afro_caribbean)
        .count() as f64
        / n;
    let limit = crate::progression::ETHNICITY_DOMAIN_BLACK_FRACTION;
    // 2 points of slack: a cohort sampled at exactly the limit is not flagged by chance
    if black > limit + 0.02 {
        warnings.push(format!(
            "ethnicity: {:.1} % of the cohort is Black, above the {:.0} % of the populations the progression law was fitted and validated on (ADOPT, GRADE): results for them extrapolate",
            100.0 * black,
            100.0 * limit
        ));
    }
    warnings
}

/// Largest number of patients [`simulate_patients`] takes in one call.
pub const MAX_PATIENTS_PER_CALL: usize = 10_000_000;

/// One named column of per-patient values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Column name, with its unit (`hba1c_end_percent`); endpoint columns are
    /// `days_to_<endpoint name>` (NaN: no event during follow-up).
    pub name: String,
    /// One value per row.
    pub values: Vec<f64>,
}

/// Per-patient trial results in columns, one row per patient and arm (arm-major).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientTable {
    /// Patient index in the cohort (the patient's random stream).
    pub patient: Vec<u64>,
    /// Arm index into the spec's arms.
    pub arm: Vec<u32>,
    /// The spec's arm names.
    pub arm_names: Vec<String>,
    /// Baseline covariates (`fpg_baseline_mmol_l` NaN when the cohort has no FPG), then
    /// outcomes at the end of follow-up (model values, no visit noise), the patient's
    /// counts of clamped covariates and of covariates outside the calibration domain,
    /// `first_rescue_day` (when the plan's rescue ladder first added a drug; NaN: never),
    /// then endpoint
    /// times (from the noisy visits, as the trial reads them).
    pub columns: Vec<Column>,
}

/// `days_to_` + the endpoint's name in lower case, each run of other characters as
/// one `_` (`"eGFR decline >= 40 %"` → `days_to_egfr_decline_40`).
pub fn endpoint_column(name: &str) -> String {
    let mut slug = String::from("days_to");
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        slug.push('_');
        slug.push_str(&word.to_ascii_lowercase());
    }
    slug
}

/// Simulate patients `first .. first + count` of the trial's cohort in every arm:
/// the per-patient rows that [`run_trial`] summarises, for a cohort split into
/// chunks (tasks of a distributed runner). Patient `i` draws its baseline and its
/// visit noise from its own streams of `spec.seed`, so the rows are identical for
/// any chunking and thread count, and patients `0 .. n_per_arm` are exactly those
/// of [`run_trial`]. `spec.n_per_arm` is not used beyond its range check.
pub fn simulate_patients(spec: &TrialSpec, first: u64, count: usize) -> Result<PatientTable> {
    let opts = check_spec(spec)?;
    if count == 0 || count > MAX_PATIENTS_PER_CALL {
        return Err(MetabolicError::invalid(
            "count",
            count,
            format!("1 to {MAX_PATIENTS_PER_CALL} patients per call"),
        ));
    }
    let patients = sample_cohort_range(&spec.cohort, &spec.variability, first, count, spec.seed)?;
    let rows = count * spec.arms.len();
    let mut table = PatientTable {
        patient: Vec::with_capacity(rows),
        arm: Vec::with_capacity(rows),
        arm_names: spec.arms.iter().map(|a| a.name.clone()).collect(),
        columns: Vec::new(),
    };
    let mut names: Vec<String> = [
        "age_years",
        "female",
        "bmi_kg_m2",
        "diabetes_duration_years",
        "hba1c_baseline_percent",
        "fpg_baseline_mmol_l",
        "egfr_baseline",
        "hba1c_end_percent",
        "weight_change_end_kg",
        "egfr_end",
        "uacr_end_mg_g",
        "severe_hypo_events",
        "safety_flags",
        "covariates_clamped",
        "covariates_outside_domain",
        "first_rescue_day",
    ]
    .map(String::from)
    .to_vec();
    names.extend(spec.endpoints.iter().map(|e| endpoint_column(e.name())));
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(rows); names.len()];
    for (a, arm) in spec.arms.iter().enumerate() {
        use rayon::prelude::*;
        let outcomes: Vec<Outcome> = patients
            .par_iter()
            .enumerate()
            .map(|(k, vp)| simulate_outcome(spec, arm, vp, first + k as u64, opts))
            .collect::<Result<_>>()?;
        for (k, (vp, o)) in patients.iter().zip(&outcomes).enumerate() {
            let b = &vp.baseline;
            let last = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
            let row = [
                b.age_years,
                f64::from(u8::from(b.sex == Sex::Female)),
                b.bmi(),
                b.diabetes_duration_years,
                b.hba1c_percent,
                b.fpg_mmol_l.unwrap_or(f64::NAN),
                b.egfr,
                last(&o.hba1c),
                last(&o.weight_change),
                last(&o.egfr),
                last(&o.ln_uacr).exp(),
                o.hypo,
                o.flags as f64,
                vp.clamped.len() as f64,
                crate::twin::outside_domain(b).count() as f64,
                o.first_rescue_days.unwrap_or(f64::NAN),
            ];
            let events = o.events.iter().map(|e| e.unwrap_or(f64::NAN));
            for (column, v) in values.iter_mut().zip(row.into_iter().chain(events)) {
                column.push(v);
            }
            table.patient.push(first + k as u64);
            table.arm.push(a as u32);
        }
    }
    table.columns = names
        .into_iter()
        .zip(values)
        .map(|(name, values)| Column { name, values })
        .collect();
    Ok(table)
}

fn mean_over(outcomes: &[Outcome], f: impl Fn(&Outcome) -> &Vec<f64>) -> Vec<f64> {
    let n = outcomes.len() as f64;
    let len = f(&outcomes[0]).len();
    let mut m = vec![0.0; len];
    for o in outcomes {
        for (a, b) in m.iter_mut().zip(f(o)) {
            *a += b;
        }
    }
    m.iter_mut().for_each(|x| *x /= n);
    m
}

fn ls_slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    sxy / sxx
}

/// Wilson 95 % interval for k events out of n (`(0, 1)` for `n = 0`).
///
/// Written in the proportion form `(p + z²/2n)/(1 + z²/n) ± …`; the shared
/// [`twin_core::stats::wilson_interval`] computes the same interval in the count form,
/// which rounds differently in the last bit for about half of all `(k, n)`, so this
/// copy is kept to leave the trial's reported intervals bit-for-bit unchanged.
pub fn wilson95(k: usize, n: usize) -> (f64, f64) {
    let (k, n, z) = (k as f64, n as f64, Z95);
    let p = k / n;
    let den = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / den;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / den;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

fn summarise(arm: &Plan, spec: &TrialSpec, outcomes: &[Outcome]) -> ArmResult {
    let n = outcomes.len();
    // the simulated visit times (every patient has the same grid)
    let t_days: Vec<f64> = outcomes[0].t_days.clone();
    let t_years: Vec<f64> = t_days.iter().map(|t| t / DAYS_PER_YEAR).collect();
    let mean_egfr = mean_over(outcomes, |o| &o.egfr);
    let egfr_chronic = if t_years.len() > 2 {
        ls_slope(&t_years[1..], &mean_egfr[1..])
    } else {
        f64::NAN
    };
    let last = t_years.len() - 1;
    let egfr_total = (mean_egfr[last] - mean_egfr[0]) / t_years[last].max(1e-9);
    let endpoints = spec
        .endpoints
        .iter()
        .enumerate()
        .map(|(e, ep)| {
            let mut times: Vec<f64> = outcomes.iter().filter_map(|o| o.events[e]).collect();
            times.sort_by(f64::total_cmp);
            let count_by = |t: f64| times.partition_point(|&x| x <= t + 1e-9);
            let cumulative_incidence = t_days
                .iter()
                .map(|&t| count_by(t) as f64 / n as f64)
                .collect();
            let at_report_years = spec
                .report_years
                .iter()
                .map(|&y| {
                    let k = count_by(y * DAYS_PER_YEAR);
                    let (lo, hi) = wilson95(k, n);
                    FractionAt {
                        years: y,
                        fraction: k as f64 / n as f64,
                        lo,
                        hi,
                    }
                })
                .collect();
            let median_years = if times.len() * 2 >= n && n > 0 {
                Some(times[n.div_ceil(2) - 1] / DAYS_PER_YEAR)
            } else {
                None
            };
            let end_days = spec.years * DAYS_PER_YEAR;
            let exposure_years =
                (times.iter().sum::<f64>() + (n - times.len()) as f64 * end_days) / DAYS_PER_YEAR;
            EndpointResult {
                name: ep.name().to_string(),
                cumulative_incidence,
                at_report_years,
                median_years,
                rate_per_100_patient_years: poisson_rate_ci(times.len(), exposure_years, 100.0),
            }
        })
        .collect();
    ArmResult {
        name: arm.name.clone(),
        mean_hba1c_percent: mean_over(outcomes, |o| &o.hba1c),
        mean_weight_change_kg: mean_over(outcomes, |o| &o.weight_change),
        geomean_uacr_mg_g: mean_over(outcomes, |o| &o.ln_uacr)
            .into_iter()
            .map(f64::exp)
            .collect(),
        mean_egfr,
        t_years,
        egfr_chronic_slope_per_year: egfr_chronic,
        egfr_total_slope_per_year: egfr_total,
        severe_hypo_per_100py: 100.0 * outcomes.iter().map(|o| o.hypo).sum::<f64>()
            / (n as f64 * spec.years),
        endpoints,
        safety_flags: outcomes.iter().map(|o| o.flags).sum(),
        median_mean_hba1c_percent: median_of_means(outcomes),
        rescue_fraction: outcomes
            .iter()
            .filter(|o| o.first_rescue_days.is_some())
            .count() as f64
            / n as f64,
    }
}

fn median_of_means(outcomes: &[Outcome]) -> f64 {
    let mut means: Vec<f64> = outcomes
        .iter()
        .map(|o| {
            let v = &o.hba1c[1.min(o.hba1c.len() - 1)..];
            v.iter().sum::<f64>() / v.len() as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    twin_core::stats::quantile_sorted(&means, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_known_value() {
        // Wilson (1927) score interval for 15/100, evaluated by hand (Python, z = 1.95996):
        // (0.093060, 0.232836).
        let (lo, hi) = wilson95(15, 100);
        assert!(
            (lo - 0.093060).abs() < 1e-6 && (hi - 0.232836).abs() < 1e-6,
            "{lo} {hi}"
        );
    }

    #[test]
    fn confirmed_event_logic() {
        let t = [0.0, 91.0, 182.0, 273.0, 364.0];
        let hits = [false, true, false, true, true];
        assert_eq!(first_confirmed(&t, |k| hits[k], 1.0, 0.0), Some(273.0));
        assert_eq!(first_confirmed(&t, |k| hits[k], 1.0, 182.0), None);
        assert_eq!(first_confirmed(&t, |k| hits[k], 1.0, 91.0), Some(273.0));
    }
}
