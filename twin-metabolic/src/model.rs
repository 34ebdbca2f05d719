//! The disease-progression model of one patient: glycaemia, weight and kidney, advanced
//! in fixed steps (default 7 days) with exact exponential updates for the linear parts.
//!
//! ## Glycaemia (de Winter et al. 2006, J Pharmacokinet Pharmacodyn 33:313, style)
//! Untreated β-cell function β(t) and insulin sensitivity S(t) decline exponentially at
//! patient-specific rates. Effective values include drugs, weight and activity:
//! b = β·Π(1 + eᵦ) + c_ins·u (u = basal insulin, U/kg/day) and
//! s = S·(W_ref/W)^γ·(1 + e_act)·Π(1 + eₛ). Fasting glucose is the HOMA steady state
//! FPG·(FPG − 3.5) = 4.5/(b·s) (see [`crate::glycaemia::equations`]); mean glucose is
//! m·FPG (m from the patient's baseline HbA1c and FPG through ADAG), except that basal
//! insulin lowers mean glucose less than fasting glucose (weight ω). SGLT2 inhibitors
//! remove glucose above a threshold in proportion to a strength κ·r^2.6 with
//! r = min(eGFR/90, 1.3) ([`Constants::sglt2_egfr_exponent`],
//! [`Constants::sglt2_egfr_ratio_cap`]); their glycosuric energy loss scales as r.
//! HbA1c relaxes to the ADAG value of mean glucose with red-cell time constant 43 days.
//!
//! ## Weight
//! Hall 2011 energy balance ([`crate::weight`]) driven by diet, activity, drug energy
//! effects, and the energy no longer lost as glycosuria when glucose falls.
//!
//! ## Kidney
//! eGFR falls at 1 mL/min/1.73 m²/yr (ageing) plus an excess from albuminuria, HbA1c
//! above 7 % and systolic pressure above 130 mmHg, plus a patient offset, multiplied by
//! drug slope factors; SGLT2 inhibitors and RAS blockade add a reversible acute dip.
//! ln UACR drifts with HbA1c; drugs multiply UACR.

use crate::check;
use crate::drugs::{Drug, DrugClass, DrugOrder};
use crate::error::{MetabolicError, Result};
use crate::glycaemia::equations::{
    GLUCOSE_MG_DL_PER_MMOL_L, beta_sensitivity_from_fpg, eag_mg_dl_from_hba1c,
    fpg_from_beta_sensitivity, hba1c_from_eag_mg_dl,
};
use crate::kidney::Sex;
use crate::plan::{Plan, RescueMarker};
use crate::risk::{microvascular_rate_per_year, severe_hypo_rate_per_year};
use crate::weight::{Adherence, HallParams, activity_kcal_per_day};
use serde::{Deserialize, Serialize};

/// Number of drugs in [`Drug::ALL`].
pub const N_DRUGS: usize = Drug::ALL.len();
/// Days per year.
pub const DAYS_PER_YEAR: f64 = 365.25;
/// Fraction of a drug's energy deficit left after intake compensation (assumption,
/// chosen so that long-term weight effects stay near the 2–4 kg seen in outcome trials:
/// EMPA-REG OUTCOME, SUSTAIN-6).
pub const COMPENSATION_LONG_RUN: f64 = 0.25;

/// Population constants of the model, each with its source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Constants {
    /// HbA1c time constant, days: half of HbA1c reflects the last 30 days
    /// (Tahara & Shima 1995, Diabetes Care 18:440) → τ = 30/ln 2 ≈ 43 days.
    pub hba1c_tau_days: f64,
    /// Elasticity γ of insulin sensitivity to weight: S ∝ W^−γ. Set so that Look AHEAD's
    /// year-1 weight loss (−8.6 % vs −0.7 %) gives its HbA1c difference (−0.64 vs −0.14 %),
    /// Look AHEAD Research Group 2007, Diabetes Care 30:1374.
    pub weight_sensitivity_elasticity: f64,
    /// Fractional sensitivity gain per 150 min/week of moderate activity (independent of
    /// weight). Set from Umpierre et al. 2011 (JAMA 305:1790): structured exercise
    /// ≥ 150 min/wk −0.89 % HbA1c in trials (not all of it weight-independent).
    pub activity_sensitivity_per_150_min: f64,
    /// Insulin-sensitivity decline, per year (population value; β decline is patient-specific).
    pub sensitivity_decline_per_year: f64,
    /// Glucose level below which SGLT2 inhibition removes nothing, mmol/L (lowered renal
    /// threshold under SGLT2 inhibition, ~4–5 mmol/L: Abdul-Ghani 2015, Diabetes 64:2389).
    pub sglt2_threshold_mmol_l: f64,
    /// Exponent of eGFR/90 in the SGLT2 strength. Set so that the effect falls to the
    /// −0.23 % reported at eGFR 30–60 (meta-analysis of 7 RCTs, 3,307 patients, 2022:
    /// WMD −0.23 %, 95 % CI −0.38 to −0.08).
    pub sglt2_egfr_exponent: f64,
    /// Largest eGFR/90 ratio the SGLT2 terms use (glucose strength and glycosuric energy
    /// loss alike), i.e. eGFR 117. Assumption: the effects were calibrated at eGFR
    /// 30–90 (EMPA-REG MONO, mean ~88; the 2022 meta-analysis at 30–60); above, the
    /// fitted power law is not extrapolated without limit.
    #[serde(default = "default_sglt2_egfr_ratio_cap")]
    pub sglt2_egfr_ratio_cap: f64,
    /// Renal glucose threshold without SGLT2 inhibition, mmol/L (~10: Rave 2006).
    pub renal_threshold_mmol_l: f64,
    /// β-cell equivalent of basal insulin per U/kg/day (unitless), Riddle 2003 fit.
    pub insulin_beta_per_u_per_kg: f64,
    /// Weight ω of basal insulin on mean (vs fasting) glucose, Riddle 2003 fit.
    pub insulin_mean_glucose_weight: f64,
    /// Achieved fasting glucose minus protocol target under titration, mmol/L
    /// (Riddle 2003: target ≤ 5.6, achieved mean 6.7).
    pub titration_gap_mmol_l: f64,
    /// Anabolic energy retention of insulin, kcal/day per U/kg/day (Riddle 2003 weight fit).
    pub insulin_energy_kcal_per_u_per_kg: f64,
    /// Age-related eGFR decline, mL/min/1.73 m²/yr (issue 10; ~1 /yr in healthy ageing).
    pub egfr_ageing_per_year: f64,
    /// Extra eGFR decline per unit ln(UACR/30 mg/g) above 30 mg/g, mL/min/1.73 m²/yr. Set
    /// from the EMPA-KIDNEY placebo chronic slope (Herrington et al. 2023, NEJM 388:117:
    /// −2.75 /yr at median UACR 329 mg/g, SBP 137, 85 % on RAS blockade ×0.85, 46 % with
    /// diabetes): (2.75/0.87 − 1 − 0.18 − 0.08)/ln(329/30) ≈ 0.80.
    pub egfr_per_ln_uacr: f64,
    /// Extra eGFR decline per HbA1c % above 7, mL/min/1.73 m²/yr (assumption).
    pub egfr_per_hba1c_point: f64,
    /// Extra eGFR decline per 10 mmHg systolic above 130, mL/min/1.73 m²/yr (assumption).
    pub egfr_per_10_mmhg: f64,
    /// ln UACR drift per HbA1c % above 7, per year (assumption; UKPDS 64 progression of
    /// albuminuria ~2–3 %/yr per stage).
    pub ln_uacr_per_hba1c_point_per_year: f64,
    /// Energy balance.
    pub hall: HallParams,
    /// Diet and activity adherence.
    pub adherence: Adherence,
}

impl Default for Constants {
    fn default() -> Self {
        Self {
            hba1c_tau_days: 30.0 / std::f64::consts::LN_2,
            weight_sensitivity_elasticity: 2.5,
            activity_sensitivity_per_150_min: 0.15,
            sensitivity_decline_per_year: 0.01,
            sglt2_threshold_mmol_l: 4.5,
            sglt2_egfr_exponent: 2.6,
            sglt2_egfr_ratio_cap: default_sglt2_egfr_ratio_cap(),
            renal_threshold_mmol_l: 11.0,
            insulin_beta_per_u_per_kg: 1.3,
            insulin_mean_glucose_weight: 0.4,
            titration_gap_mmol_l: 1.1,
            insulin_energy_kcal_per_u_per_kg: 280.0,
            egfr_ageing_per_year: 1.0,
            egfr_per_ln_uacr: 0.80,
            egfr_per_hba1c_point: 0.3,
            egfr_per_10_mmhg: 0.25,
            ln_uacr_per_hba1c_point_per_year: 0.05,
            hall: HallParams::default(),
            adherence: Adherence::default(),
        }
    }
}

fn default_sglt2_egfr_ratio_cap() -> f64 {
    1.3
}

/// What is known about the patient at the forecast origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Age, years.
    pub age_years: f64,
    /// Sex.
    pub sex: Sex,
    /// Height, m.
    pub height_m: f64,
    /// Weight, kg.
    pub weight_kg: f64,
    /// HbA1c, %.
    pub hba1c_percent: f64,
    /// Fasting plasma glucose, mmol/L (none: from HbA1c with the population mean/fasting ratio).
    pub fpg_mmol_l: Option<f64>,
    /// Fasting insulin, µU/mL (none: HOMA-IR from BMI, see [`Baseline::homa_ir_prior`]).
    pub fasting_insulin_uu_ml: Option<f64>,
    /// eGFR, mL/min/1.73 m².
    pub egfr: f64,
    /// Urine albumin/creatinine, mg/g.
    pub uacr_mg_g: f64,
    /// Systolic blood pressure, mmHg.
    pub sbp_mmhg: f64,
    /// Total/HDL cholesterol ratio.
    pub tc_hdl_ratio: f64,
    /// Current smoker.
    pub smoker: bool,
    /// Afro-Caribbean ethnicity (UKPDS risk engine).
    pub afro_caribbean: bool,
    /// Years since diagnosis.
    pub diabetes_duration_years: f64,
    /// Drugs taken at the origin (effects at steady state).
    pub current_drugs: Vec<DrugOrder>,
}

/// Population mean of mean/fasting glucose ratio when FPG is unknown (assumption
/// consistent with ADAG: HbA1c 7 % ↔ mean 154 mg/dL and typical FPG ~140 mg/dL).
pub const MEAN_TO_FASTING_DEFAULT: f64 = 1.1;

/// Range of the mean/fasting glucose ratio m the model takes as a steady state
/// (assumption around [`MEAN_TO_FASTING_DEFAULT`]). A baseline whose HbA1c and FPG
/// imply a ratio outside is read as HbA1c not at steady state: m is set to the nearest
/// end and HbA1c moves over the first months
/// ([`BaselineAdjustment::MeanToFastingOutsideRange`]).
pub const MEAN_TO_FASTING_RANGE: (f64, f64) = (0.8, 1.8);

/// Lowest untreated β-cell function (fraction of normal) the model starts from.
pub const BETA_MIN: f64 = 0.02;

/// Bounds of the structural UACR during a run, mg/g (a numerical guard against
/// unbounded drift): a baseline below the lower bound starts, and may stay, below it.
pub const UACR_BOUNDS_MG_G: (f64, f64) = (0.1, 1.0e6);

/// How [`PatientModel::new`] had to read a baseline that its equations cannot
/// reproduce as given. Each one is reported: the twin lists them in its warnings, an
/// in-silico trial counts them in [`crate::trial::TrialResult::warnings`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BaselineAdjustment {
    /// The FPG observed under basal insulin needs less endogenous secretion than
    /// [`BETA_MIN`] at the assumed insulin sensitivity: β is set to the floor and the
    /// sensitivity lowered (HOMA-IR raised) so that the baseline FPG is reproduced.
    InsulinResistanceRaised {
        /// Untreated β-cell function the assumed sensitivity implied.
        implied_beta: f64,
        /// HOMA-IR assumed (BMI prior, or from the measured fasting insulin).
        homa_ir_assumed: f64,
        /// HOMA-IR used.
        homa_ir_used: f64,
        /// Basal insulin at baseline, U/day.
        insulin_u_per_day: f64,
    },
    /// HbA1c and FPG imply a mean/fasting glucose ratio outside
    /// [`MEAN_TO_FASTING_RANGE`]: the ratio is set to the nearest end, so the
    /// baseline HbA1c is not a steady state and moves toward `hba1c_steady_percent`
    /// (time constant 43 days).
    MeanToFastingOutsideRange {
        /// Ratio implied by the baseline HbA1c (ADAG) and FPG.
        implied: f64,
        /// Ratio used.
        used: f64,
        /// HbA1c the baseline glucose leads to, %.
        hba1c_steady_percent: f64,
    },
}

impl std::fmt::Display for BaselineAdjustment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            BaselineAdjustment::InsulinResistanceRaised {
                implied_beta,
                homa_ir_assumed,
                homa_ir_used,
                insulin_u_per_day,
            } => write!(
                f,
                "baseline: the fasting glucose under {insulin_u_per_day:.0} U/day of basal insulin implies an untreated β-cell function of {implied_beta:.3} at HOMA-IR {homa_ir_assumed:.1}, below the model's floor {BETA_MIN}: β set to the floor and HOMA-IR raised to {homa_ir_used:.1} so that the baseline fasting glucose is reproduced"
            ),
            BaselineAdjustment::MeanToFastingOutsideRange {
                implied,
                used,
                hba1c_steady_percent,
            } => write!(
                f,
                "baseline: HbA1c and fasting glucose imply a mean/fasting glucose ratio of {implied:.2}, outside the model's range [{}, {}]: set to {used}, so the baseline HbA1c is read as not at steady state and moves toward {hba1c_steady_percent:.1} % over the first months",
                MEAN_TO_FASTING_RANGE.0, MEAN_TO_FASTING_RANGE.1
            ),
        }
    }
}

impl Baseline {
    /// Body-mass index, kg/m².
    pub fn bmi(&self) -> f64 {
        self.weight_kg / (self.height_m * self.height_m)
    }

    /// HOMA-IR assumed when fasting insulin is unknown: 4.0 at BMI 31, ∝ BMI (typical
    /// newly treated T2D; ADOPT baseline HOMA-IR ~4–5 at BMI 32, Kahn 2006).
    pub fn homa_ir_prior(&self) -> f64 {
        4.0 * self.bmi() / 31.0
    }

    /// Validate every field (ranges in the messages).
    pub fn validate(&self) -> Result<()> {
        check::in_range("age_years", self.age_years, 18.0, 100.0, "years")?;
        check::in_range("height_m", self.height_m, 1.2, 2.3, "m")?;
        check::in_range("weight_kg", self.weight_kg, 30.0, 300.0, "kg")?;
        check::hba1c(self.hba1c_percent)?;
        if let Some(g) = self.fpg_mmol_l {
            check::in_range("fpg_mmol_l", g, 3.6, 35.0, "mmol/L")?;
        }
        if let Some(i) = self.fasting_insulin_uu_ml {
            check::positive("fasting_insulin_uu_ml", i, 300.0, "µU/mL")?;
        }
        check::in_range("egfr", self.egfr, 5.0, 180.0, "mL/min/1.73 m²")?;
        check::positive("uacr_mg_g", self.uacr_mg_g, 20_000.0, "mg/g")?;
        check::in_range("sbp_mmhg", self.sbp_mmhg, 80.0, 230.0, "mmHg")?;
        check::in_range("tc_hdl_ratio", self.tc_hdl_ratio, 1.5, 15.0, "")?;
        check::in_range(
            "diabetes_duration_years",
            self.diabetes_duration_years,
            0.0,
            60.0,
            "years",
        )?;
        for o in &self.current_drugs {
            o.drug.check_dose(o.dose)?;
        }
        Ok(())
    }
}

/// The calibrated, patient-specific parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PatientParams {
    /// Untreated β-cell function decline, per year (the default 0.07 gives the UKPDS
    /// drift of ~+0.2 HbA1c points/yr at HbA1c 8 %; twins and virtual cohorts draw it
    /// from [`crate::progression::ProgressionLaw`]).
    pub beta_decline_per_year: f64,
    /// Multiplier of every drug's glucose-lowering mechanism effect (1 = trial average).
    pub drug_response: f64,
    /// Patient offset of the eGFR slope, mL/min/1.73 m²/yr (positive = faster decline).
    pub egfr_slope_offset_per_year: f64,
    /// ln UACR drift at HbA1c 7 %, per year.
    pub ln_uacr_drift_per_year: f64,
    /// Habitual change of energy intake since baseline, kcal/day (drives weight drift).
    pub intake_change_kcal_per_day: f64,
}

impl Default for PatientParams {
    fn default() -> Self {
        Self {
            beta_decline_per_year: 0.07,
            drug_response: 1.0,
            egfr_slope_offset_per_year: 0.0,
            ln_uacr_drift_per_year: 0.0,
            intake_change_kcal_per_day: 0.0,
        }
    }
}

/// Fire the plan's next rescue step when its marker has stayed above the threshold
/// long enough: its drugs start at `t`. Steps whose drugs are all ordered already are
/// passed over.
fn rescue(plan: &Plan, state: &mut State, orders: &mut [Option<DrugOrder>; N_DRUGS], t: f64) {
    while let Some(step) = plan.rescue.get(state.rescue_steps_fired) {
        if step.add.iter().all(|o| orders[o.drug as usize].is_some()) {
            state.rescue_steps_fired += 1;
            continue;
        }
        let value = match step.marker {
            RescueMarker::Hba1cPercent => state.hba1c_percent,
            RescueMarker::FpgMmolL => state.fpg_mmol_l,
        };
        if value <= step.threshold {
            state.rescue_above_since_days = None;
            return;
        }
        let since = *state.rescue_above_since_days.get_or_insert(t);
        if t - since < step.sustained_days {
            return;
        }
        for o in &step.add {
            orders[o.drug as usize].get_or_insert(DrugOrder {
                start_day: t,
                stop_day: None,
                ..*o
            });
        }
        state.first_rescue_days.get_or_insert(t);
        state.rescue_steps_fired += 1;
        state.rescue_above_since_days = None;
    }
}

/// Model state at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Time since the model origin, days.
    pub t_days: f64,
    /// Untreated β-cell function (fraction of normal).
    pub beta: f64,
    /// Untreated insulin sensitivity at reference weight (fraction of normal).
    pub sensitivity: f64,
    /// Weight, kg.
    pub weight_kg: f64,
    /// HbA1c, %.
    pub hba1c_percent: f64,
    /// Fasting plasma glucose, mmol/L (at the last step).
    pub fpg_mmol_l: f64,
    /// Mean glucose, mmol/L (at the last step).
    pub mean_glucose_mmol_l: f64,
    /// eGFR before haemodynamic dips, mL/min/1.73 m².
    pub egfr_structural: f64,
    /// ln UACR before drug effects (mg/g).
    pub ln_uacr_structural: f64,
    /// Measured eGFR (with dips), mL/min/1.73 m².
    pub egfr: f64,
    /// Measured UACR (with drug effects), mg/g.
    pub uacr_mg_g: f64,
    /// Basal insulin dose, U/day.
    pub insulin_u_per_day: f64,
    /// Day each drug started, indexed by `Drug as usize` (none = not taken).
    pub active_since_days: [Option<f64>; N_DRUGS],
    /// Current dose of each drug (its unit).
    pub doses: [f64; N_DRUGS],
    /// Expected number of severe hypoglycaemia events so far.
    pub hypo_events: f64,
    /// Cumulative microvascular hazard so far.
    pub microvascular_hazard: f64,
    /// Cumulative HbA1c burden above 7 %, %·years.
    pub hba1c_burden: f64,
    /// Rescue steps of the plan fired so far ([`Plan::rescue`]).
    #[serde(default)]
    pub rescue_steps_fired: usize,
    /// Since when the marker of the next rescue step has been above its threshold, days.
    #[serde(default)]
    pub rescue_above_since_days: Option<f64>,
    /// When a rescue step first added drugs, days.
    #[serde(default)]
    pub first_rescue_days: Option<f64>,
    /// Extra intake compensating the change in endogenous glycosuria since
    /// baseline, kcal/day (relaxes to 1 − [`COMPENSATION_LONG_RUN`] of the
    /// glycosuric loss over a year, the law applied to drug deficits).
    #[serde(default)]
    pub glycosuria_compensation_kcal_per_day: f64,
}

/// A safety event found while simulating (drug stopped by label rule, dose reduced…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafetyFlag {
    /// When, days from the model origin.
    pub t_days: f64,
    /// What happened, in words (no patient identifiers).
    pub message: String,
}

/// Everything the model needs about one patient: baseline-derived constants + parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientModel {
    /// Baseline covariates.
    pub baseline: Baseline,
    /// Calibrated parameters.
    pub params: PatientParams,
    /// Population constants.
    pub constants: Constants,
    /// Mean/fasting glucose ratio m (from baseline HbA1c and FPG).
    pub mean_to_fasting: f64,
    /// Glycosuria energy loss at baseline, kcal/day.
    pub glycosuria0_kcal_per_day: f64,
    /// Energy terms of the baseline regimen at the origin (drug deficits left after
    /// compensation, insulin's anabolic retention), kcal/day. The baseline weight is a
    /// steady state under that regimen, so only departures from this value move weight.
    #[serde(default)]
    pub regimen_energy0_kcal_per_day: f64,
    /// How the baseline had to be read (empty when the equations reproduce it as
    /// given); see [`BaselineAdjustment`].
    #[serde(default)]
    pub baseline_adjustments: Vec<BaselineAdjustment>,
}

/// Output of one simulation, sampled every `record_every_days`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetabolicTrajectory {
    /// Times, days from the model origin.
    pub t_days: Vec<f64>,
    /// HbA1c, %.
    pub hba1c_percent: Vec<f64>,
    /// Fasting plasma glucose, mmol/L.
    pub fpg_mmol_l: Vec<f64>,
    /// Weight, kg.
    pub weight_kg: Vec<f64>,
    /// eGFR, mL/min/1.73 m².
    pub egfr: Vec<f64>,
    /// UACR, mg/g.
    pub uacr_mg_g: Vec<f64>,
    /// Basal insulin dose, U/day.
    pub insulin_u_per_day: Vec<f64>,
}

impl MetabolicTrajectory {
    fn push(&mut self, s: &State) {
        self.t_days.push(s.t_days);
        self.hba1c_percent.push(s.hba1c_percent);
        self.fpg_mmol_l.push(s.fpg_mmol_l);
        self.weight_kg.push(s.weight_kg);
        self.egfr.push(s.egfr);
        self.uacr_mg_g.push(s.uacr_mg_g);
        self.insulin_u_per_day.push(s.insulin_u_per_day);
    }
}

/// Step size and output spacing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepOptions {
    /// Step, days (the Riddle titration is weekly; 7 is the default).
    pub dt_days: f64,
    /// Spacing of recorded points, days (a multiple of `dt_days`; 0 = no recording).
    pub record_every_days: f64,
}

impl Default for StepOptions {
    fn default() -> Self {
        Self {
            dt_days: 7.0,
            record_every_days: 28.0,
        }
    }
}

/// Drug effects at one time, combined over the regimen.
#[derive(Debug, Clone, Copy)]
struct Effects {
    beta_mult: f64,
    sens_mult: f64,
    sglt2: f64,
    energy: f64,
    sglt2_energy: f64,
    decline_mult: f64,
    slope_mult: f64,
    dip_mult: f64,
    uacr_mult: f64,
    on_su: bool,
    on_insulin: bool,
}

impl PatientModel {
    /// Build the patient model and its initial state: the baseline is taken to be a
    /// steady state under `baseline.current_drugs`, whose effects are removed to find
    /// the untreated β-cell function and sensitivity.
    pub fn new(
        baseline: Baseline,
        params: PatientParams,
        constants: Constants,
    ) -> Result<(Self, State)> {
        baseline.validate()?;
        check::in_range(
            "beta_decline_per_year",
            params.beta_decline_per_year,
            0.0,
            0.5,
            "1/yr",
        )?;
        check::in_range("drug_response", params.drug_response, 0.05, 5.0, "")?;
        check::in_range(
            "egfr_slope_offset_per_year",
            params.egfr_slope_offset_per_year,
            -5.0,
            15.0,
            "mL/min/1.73 m²/yr",
        )?;
        check::in_range(
            "ln_uacr_drift_per_year",
            params.ln_uacr_drift_per_year,
            -1.0,
            1.0,
            "1/yr",
        )?;
        let c = constants;
        let mut state = State {
            t_days: 0.0,
            beta: 1.0,
            sensitivity: 1.0,
            weight_kg: baseline.weight_kg,
            hba1c_percent: baseline.hba1c_percent,
            fpg_mmol_l: 0.0,
            mean_glucose_mmol_l: 0.0,
            egfr_structural: baseline.egfr,
            ln_uacr_structural: baseline.uacr_mg_g.ln(),
            egfr: baseline.egfr,
            uacr_mg_g: baseline.uacr_mg_g,
            insulin_u_per_day: 0.0,
            active_since_days: [None; N_DRUGS],
            doses: [0.0; N_DRUGS],
            hypo_events: 0.0,
            microvascular_hazard: 0.0,
            hba1c_burden: 0.0,
            rescue_steps_fired: 0,
            rescue_above_since_days: None,
            first_rescue_days: None,
            glycosuria_compensation_kcal_per_day: 0.0,
        };
        for o in &baseline.current_drugs {
            // at steady state: started long ago
            state.active_since_days[o.drug as usize] = Some(-10.0 * DAYS_PER_YEAR);
            state.doses[o.drug as usize] = o.dose;
            if o.drug == Drug::InsulinGlargine {
                state.insulin_u_per_day = o.dose;
            }
        }
        let mut pm = PatientModel {
            baseline,
            params,
            constants,
            mean_to_fasting: 1.0,
            glycosuria0_kcal_per_day: 0.0,
            regimen_energy0_kcal_per_day: 0.0,
            baseline_adjustments: Vec::new(),
        };
        let e = pm.effects(&state, 0.0);
        state.egfr_structural = pm.baseline.egfr / e.dip_mult;
        state.ln_uacr_structural = (pm.baseline.uacr_mg_g / e.uacr_mult).ln();
        let kappa = e.sglt2
            * pm.sglt2_egfr_ratio(pm.baseline.egfr)
                .powf(c.sglt2_egfr_exponent);
        let thr = c.sglt2_threshold_mmol_l;
        let eag = eag_mg_dl_from_hba1c(pm.baseline.hba1c_percent)? / GLUCOSE_MG_DL_PER_MMOL_L;
        let fpg_obs = pm
            .baseline
            .fpg_mmol_l
            .unwrap_or(eag / MEAN_TO_FASTING_DEFAULT)
            .max(3.6);
        // undo SGLT2 removal: observed = thr + (homa − thr)/(1 + κ)
        let undo = |g: f64| {
            if g > thr {
                thr + (g - thr) * (1.0 + kappa)
            } else {
                g
            }
        };
        let fpg_homa = undo(fpg_obs);
        let u = state.insulin_u_per_day / pm.baseline.weight_kg;
        // insulin sensitivity (effective) from fasting insulin or the BMI prior
        let mut s_eff = match pm.baseline.fasting_insulin_uu_ml {
            Some(ins) => 22.5 / (fpg_obs * ins),
            None => 1.0 / pm.baseline.homa_ir_prior(),
        };
        let bs = beta_sensitivity_from_fpg(fpg_homa);
        let b_eff = bs / s_eff;
        let implied_beta = (b_eff - c.insulin_beta_per_u_per_kg * u) / e.beta_mult;
        if implied_beta < BETA_MIN {
            // Basal insulin alone would bring FPG below the observed value at this
            // sensitivity: the patient is more insulin resistant than assumed. Keep β
            // at the floor and take the sensitivity that reproduces the observed FPG.
            let b_floor = BETA_MIN * e.beta_mult + c.insulin_beta_per_u_per_kg * u;
            let s_used = bs / b_floor;
            pm.baseline_adjustments
                .push(BaselineAdjustment::InsulinResistanceRaised {
                    implied_beta,
                    homa_ir_assumed: 1.0 / s_eff,
                    homa_ir_used: 1.0 / s_used,
                    insulin_u_per_day: state.insulin_u_per_day,
                });
            s_eff = s_used;
            state.beta = BETA_MIN;
        } else {
            state.beta = implied_beta;
        }
        state.sensitivity = s_eff / e.sens_mult;
        // mean/fasting ratio m on the HOMA scale (before SGLT2), with basal insulin's
        // smaller weight on mean glucose
        let b_mean = state.beta * e.beta_mult
            + c.insulin_mean_glucose_weight * c.insulin_beta_per_u_per_kg * u;
        let fpg_mean_path = fpg_from_beta_sensitivity(b_mean, s_eff);
        let implied_m = undo(eag) / fpg_mean_path;
        pm.mean_to_fasting = implied_m.clamp(MEAN_TO_FASTING_RANGE.0, MEAN_TO_FASTING_RANGE.1);
        let (fpg, mean) = pm.glucose(&state, &e);
        state.fpg_mmol_l = fpg;
        state.mean_glucose_mmol_l = mean;
        if pm.mean_to_fasting != implied_m {
            pm.baseline_adjustments
                .push(BaselineAdjustment::MeanToFastingOutsideRange {
                    implied: implied_m,
                    used: pm.mean_to_fasting,
                    hba1c_steady_percent: hba1c_from_eag_mg_dl(mean * GLUCOSE_MG_DL_PER_MMOL_L),
                });
        }
        pm.glycosuria0_kcal_per_day = pm.glycosuria_kcal(mean, pm.baseline.egfr);
        pm.regimen_energy0_kcal_per_day = pm.regimen_energy_kcal(&state, &e, mean);
        Ok((pm, state))
    }

    /// eGFR/90, at most [`Constants::sglt2_egfr_ratio_cap`]: the kidney-function
    /// factor of both SGLT2 terms.
    #[inline]
    fn sglt2_egfr_ratio(&self, egfr: f64) -> f64 {
        (egfr / 90.0).clamp(0.0, self.constants.sglt2_egfr_ratio_cap)
    }

    /// Energy terms of the current regimen, kcal/day: drug deficits (SGLT2 glycosuria
    /// scaled by eGFR and glucose) and insulin's anabolic retention.
    fn regimen_energy_kcal(&self, state: &State, e: &Effects, mean_glucose: f64) -> f64 {
        let c = &self.constants;
        let u = state.insulin_u_per_day / state.weight_kg;
        let glyc_factor = ((mean_glucose - c.sglt2_threshold_mmol_l) / 6.0).clamp(0.0, 1.5);
        e.energy
            + e.sglt2_energy * self.sglt2_egfr_ratio(state.egfr) * glyc_factor
            + c.insulin_energy_kcal_per_u_per_kg * u
    }

    /// Glycosuria energy loss, kcal/day: 4 kcal/g × 0.18 g/mmol × GFR (L/day) × the
    /// filtered glucose above the renal threshold (softplus, width 1 mmol/L).
    fn glycosuria_kcal(&self, mean_glucose: f64, egfr: f64) -> f64 {
        let x = mean_glucose - self.constants.renal_threshold_mmol_l;
        let softplus = if x > 20.0 { x } else { x.exp().ln_1p() };
        4.0 * 0.18 * egfr * 1.44 * softplus
    }

    /// Combined drug effects at time `t` (onset-weighted).
    fn effects(&self, s: &State, t: f64) -> Effects {
        let mut e = Effects {
            beta_mult: 1.0,
            sens_mult: 1.0,
            sglt2: 0.0,
            energy: 0.0,
            sglt2_energy: 0.0,
            decline_mult: 1.0,
            slope_mult: 1.0,
            dip_mult: 1.0,
            uacr_mult: 1.0,
            on_su: false,
            on_insulin: false,
        };
        let r = self.params.drug_response;
        for d in Drug::ALL {
            let Some(since) = s.active_since_days[d as usize] else {
                continue;
            };
            let info = d.info();
            let on = 1.0 - (-(t - since).max(0.0) / info.onset_days).exp();
            let f = d.dose_fraction(s.doses[d as usize]) * on;
            // energy deficits (appetite, glycosuria) are progressively compensated by
            // higher intake (Ferrannini 2015, Diabetes Care 38:1730; Polidori 2016):
            // 25 % of the deficit remains in the long run, time constant 1 year
            let comp = if info.energy_kcal_per_day < 0.0 {
                COMPENSATION_LONG_RUN
                    + (1.0 - COMPENSATION_LONG_RUN) * (-(t - since).max(0.0) / DAYS_PER_YEAR).exp()
            } else {
                1.0
            };
            e.beta_mult *= 1.0 + r * info.beta_effect * f;
            e.sens_mult *= 1.0 + r * info.sensitivity_effect * f;
            if info.class == DrugClass::Sglt2Inhibitor {
                e.sglt2 = e.sglt2.max(r * info.sglt2_strength * f);
                e.sglt2_energy = e.sglt2_energy.min(info.energy_kcal_per_day * f * comp);
            } else {
                e.energy += info.energy_kcal_per_day * f * comp;
            }
            e.decline_mult *= info.beta_decline_factor;
            e.slope_mult *= 1.0 + (info.egfr_slope_factor - 1.0) * on;
            e.dip_mult *= 1.0 - info.egfr_acute_dip * on;
            e.uacr_mult *= 1.0 + (info.uacr_factor - 1.0) * on;
            e.on_su |= info.class == DrugClass::Sulfonylurea;
            e.on_insulin |= info.class == DrugClass::BasalInsulin;
        }
        e
    }

    /// Fasting and mean glucose (mmol/L) for a state and effects.
    #[inline]
    fn glucose(&self, s: &State, e: &Effects) -> (f64, f64) {
        let c = &self.constants;
        let u = s.insulin_u_per_day / s.weight_kg;
        let weight_factor =
            (self.baseline.weight_kg / s.weight_kg).powf(c.weight_sensitivity_elasticity);
        let s_eff = s.sensitivity * weight_factor * e.sens_mult;
        let b_endo = s.beta * e.beta_mult;
        let fpg_h = fpg_from_beta_sensitivity(b_endo + c.insulin_beta_per_u_per_kg * u, s_eff);
        let mean_h = self.mean_to_fasting
            * fpg_from_beta_sensitivity(
                b_endo + c.insulin_mean_glucose_weight * c.insulin_beta_per_u_per_kg * u,
                s_eff,
            );
        let kappa = if e.sglt2 > 0.0 {
            e.sglt2 * self.sglt2_egfr_ratio(s.egfr).powf(c.sglt2_egfr_exponent)
        } else {
            0.0
        };
        let thr = c.sglt2_threshold_mmol_l;
        let remove = |g: f64| {
            if g > thr {
                thr + (g - thr) / (1.0 + kappa)
            } else {
                g
            }
        };
        (remove(fpg_h), remove(mean_h))
    }

    /// Run `plan` from the current state for `duration_days`, recording into `out`
    /// (if recording is on) and appending safety flags. The plan's times are relative
    /// to the state's time; drugs in the state but not in the plan are stopped.
    pub fn run(
        &self,
        state: &mut State,
        plan: &Plan,
        duration_days: f64,
        opts: StepOptions,
        out: &mut MetabolicTrajectory,
        flags: &mut Vec<SafetyFlag>,
    ) -> Result<()> {
        check::in_range("dt_days", opts.dt_days, 0.01, 60.0, "days")?;
        check::in_range(
            "duration_days",
            duration_days,
            0.0,
            30.0 * DAYS_PER_YEAR,
            "days",
        )?;
        let c = self.constants;
        let t0 = state.t_days;
        // orders in absolute time; continuing drugs keep their start
        let mut orders: [Option<DrugOrder>; N_DRUGS] = [None; N_DRUGS];
        for o in &plan.drugs {
            let mut o = *o;
            o.start_day += t0;
            o.stop_day = o.stop_day.map(|s| s + t0);
            orders[o.drug as usize] = Some(o);
        }
        // drugs of rescue steps fired in an earlier run continue
        for step in plan.rescue.iter().take(state.rescue_steps_fired) {
            for o in &step.add {
                orders[o.drug as usize].get_or_insert(DrugOrder {
                    start_day: t0,
                    stop_day: None,
                    ..*o
                });
            }
        }
        for d in Drug::ALL {
            let i = d as usize;
            match orders[i] {
                Some(o) if o.start_day <= t0 && state.active_since_days[i].is_some() => {
                    if d != Drug::InsulinGlargine {
                        state.doses[i] = o.dose;
                    }
                }
                _ => {
                    state.active_since_days[i] = None;
                    if d == Drug::InsulinGlargine {
                        state.insulin_u_per_day = 0.0;
                    }
                }
            }
        }
        let n_steps = (duration_days / opts.dt_days).round() as usize;
        let rec_every = if opts.record_every_days > 0.0 {
            ((opts.record_every_days / opts.dt_days).round() as usize).max(1)
        } else {
            usize::MAX
        };
        if rec_every != usize::MAX {
            out.push(state);
        }
        let dt = opts.dt_days;
        let dt_y = dt / DAYS_PER_YEAR;
        let a1c_decay = (-dt / c.hba1c_tau_days).exp();
        // structural UACR bounds; a baseline below the lower bound keeps its own value
        // as the bound (measured UACR ≤ structural, drug factors being ≤ 1)
        let ln_uacr_lo = UACR_BOUNDS_MG_G.0.ln().min(self.baseline.uacr_mg_g.ln());
        let ln_uacr_hi = UACR_BOUNDS_MG_G.1.ln();
        for k in 0..n_steps {
            let t = state.t_days;
            rescue(plan, state, &mut orders, t);
            // starts, stops and label rules
            for d in Drug::ALL {
                let i = d as usize;
                let Some(o) = orders[i] else { continue };
                let info = d.info();
                let active = state.active_since_days[i].is_some();
                if active && o.stop_day.is_some_and(|s| t >= s) {
                    state.active_since_days[i] = None;
                    if d == Drug::InsulinGlargine {
                        state.insulin_u_per_day = 0.0;
                    }
                    orders[i] = None;
                } else if active && state.egfr < info.egfr_min_continue {
                    state.active_since_days[i] = None;
                    orders[i] = None;
                    flags.push(SafetyFlag {
                        t_days: t,
                        message: format!(
                            "{} stopped: eGFR {:.0} below the label limit {}",
                            d.name(),
                            state.egfr,
                            info.egfr_min_continue
                        ),
                    });
                } else if !active && t >= o.start_day && o.stop_day.is_none_or(|s| t < s) {
                    if state.egfr < info.egfr_min_start {
                        flags.push(SafetyFlag {
                            t_days: t,
                            message: format!(
                                "{} not started: eGFR {:.0} below the label limit {}",
                                d.name(),
                                state.egfr,
                                info.egfr_min_start
                            ),
                        });
                        orders[i] = None;
                        continue;
                    }
                    state.active_since_days[i] = Some(t);
                    state.doses[i] = o.dose;
                    if d == Drug::InsulinGlargine {
                        state.insulin_u_per_day = o.dose;
                    }
                }
                if state.active_since_days[i].is_some()
                    && let Some(max) = d.renal_max_dose(state.egfr)
                    && state.doses[i] > max
                {
                    flags.push(SafetyFlag {
                        t_days: t,
                        message: format!(
                            "{} reduced from {} to {} {}: eGFR {:.0}",
                            d.name(),
                            state.doses[i],
                            max,
                            info.dose_unit,
                            state.egfr
                        ),
                    });
                    state.doses[i] = max;
                }
            }
            // activity raises sensitivity independently of weight (adherence-weighted)
            let since_plan = t - t0;
            let adherence = c.adherence.at(since_plan);
            let active_min = plan.activity_min_per_week * adherence;
            let act = 1.0 + c.activity_sensitivity_per_150_min * (active_min / 150.0).min(2.0);
            let mut e = self.effects(state, t + 0.5 * dt);
            e.sens_mult *= act;
            let (fpg, mean) = self.glucose(state, &e);
            state.fpg_mmol_l = fpg;
            state.mean_glucose_mmol_l = mean;
            // HbA1c relaxes to the ADAG value of mean glucose
            let a1c_ss = hba1c_from_eag_mg_dl(mean * GLUCOSE_MG_DL_PER_MMOL_L);
            let a1c_old = state.hba1c_percent;
            state.hba1c_percent = a1c_ss + (a1c_old - a1c_ss) * a1c_decay;
            let a1c_mid = 0.5 * (a1c_old + state.hba1c_percent);
            state.hba1c_burden += (a1c_mid - 7.0).max(0.0) * dt_y;
            state.microvascular_hazard += microvascular_rate_per_year(a1c_mid) * dt_y;
            state.hypo_events += severe_hypo_rate_per_year(e.on_su, e.on_insulin, a1c_mid) * dt_y;
            // energy balance
            // A change of endogenous glycosuria (progression raises it, treatment
            // lowers it) is compensated by intake like a drug's deficit (Ferrannini
            // 2015, Polidori 2016): the compensating intake relaxes to
            // (1 − COMPENSATION_LONG_RUN) × the change over a year (exact step).
            let glycosuria_change =
                self.glycosuria0_kcal_per_day - self.glycosuria_kcal(mean, state.egfr);
            let target = -(1.0 - COMPENSATION_LONG_RUN) * glycosuria_change;
            state.glycosuria_compensation_kcal_per_day = target
                + (state.glycosuria_compensation_kcal_per_day - target)
                    * (-dt / DAYS_PER_YEAR).exp();
            let delta_ei = self.params.intake_change_kcal_per_day
                + plan.diet_kcal_per_day * adherence
                - activity_kcal_per_day(active_min, state.weight_kg)
                + self.regimen_energy_kcal(state, &e, mean)
                - self.regimen_energy0_kcal_per_day
                + glycosuria_change
                + state.glycosuria_compensation_kcal_per_day;
            state.weight_kg = c
                .hall
                .step(state.weight_kg, self.baseline.weight_kg, delta_ei, dt);
            // progression
            state.beta *= (-self.params.beta_decline_per_year * e.decline_mult * dt_y).exp();
            state.sensitivity *= (-c.sensitivity_decline_per_year * dt_y).exp();
            // kidney
            let ln30 = 30.0_f64.ln();
            let excess = c.egfr_per_ln_uacr * (state.ln_uacr_structural - ln30).max(0.0)
                + c.egfr_per_hba1c_point * (a1c_mid - 7.0).max(0.0)
                + c.egfr_per_10_mmhg * (self.baseline.sbp_mmhg - 130.0).max(0.0) / 10.0;
            let slope = -(c.egfr_ageing_per_year + excess + self.params.egfr_slope_offset_per_year)
                .max(0.0)
                * e.slope_mult;
            state.egfr_structural = (state.egfr_structural + slope * dt_y).max(1.0);
            state.ln_uacr_structural += (self.params.ln_uacr_drift_per_year
                + c.ln_uacr_per_hba1c_point_per_year * (a1c_mid - 7.0))
                * dt_y;
            state.ln_uacr_structural = state.ln_uacr_structural.clamp(ln_uacr_lo, ln_uacr_hi);
            state.t_days = t + dt;
            // measured eGFR/UACR with the step's (mid-point) haemodynamic and UACR effects
            state.egfr = state.egfr_structural * e.dip_mult;
            state.uacr_mg_g = state.ln_uacr_structural.exp() * e.uacr_mult;
            // basal insulin titration (Riddle 2003 weekly algorithm)
            if state.active_since_days[Drug::InsulinGlargine as usize].is_some() {
                let target = plan.insulin_fpg_target_mmol_l + c.titration_gap_mmol_l;
                let (g, _) = self.glucose(state, &e);
                let step_u = if g >= target + 4.4 {
                    8.0
                } else if g >= target + 2.2 {
                    6.0
                } else if g >= target + 1.1 {
                    4.0
                } else if g >= target {
                    2.0
                } else if g < 4.0 {
                    -4.0
                } else {
                    0.0
                };
                let max_u = 1.0 * state.weight_kg;
                state.insulin_u_per_day =
                    (state.insulin_u_per_day + step_u * dt / 7.0).clamp(4.0, max_u.min(150.0));
                state.doses[Drug::InsulinGlargine as usize] = state.insulin_u_per_day;
            }
            if !state.hba1c_percent.is_finite()
                || !state.weight_kg.is_finite()
                || !state.egfr.is_finite()
            {
                return Err(MetabolicError::invalid(
                    "state",
                    "non-finite",
                    "finite model state",
                ));
            }
            if (k + 1) % rec_every == 0 {
                out.push(state);
            }
        }
        Ok(())
    }
}
