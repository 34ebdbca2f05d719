//! Glycaemic progression across populations: how fast a patient's untreated β-cell
//! function declines, given who the patient is.
//!
//! ## The law
//! ln r = ln r_ref + a_age·(55 − age at diagnosis)/10 + a_bmi·(BMI − 30)/5 + a_male·1{male}
//!        + σ·z,  z ~ N(0, 1),
//! where r is the patient's untreated β-cell decline (1/yr, [`crate::PatientParams`]),
//! age at diagnosis = age − diabetes duration, and σ the between-patient spread left
//! after the covariates. The direction of each covariate comes from the literature:
//! * **younger age at diagnosis → faster decline**: ADOPT patients failing monotherapy
//!   within 4 years were 52.2 ± 9.7 vs 58.0 ± 9.4 years old (Kahn et al. 2011, Diabetes
//!   60:1552, Table 1); GoDARTS HbA1c deterioration is faster with younger age at
//!   diagnosis and mostly < 1.1 mmol/mol/yr after 70 (Donnelly et al. 2018,
//!   Diabetologia 61:607); youth deteriorate faster than adults under the same treatment
//!   (RISE: 17.8 vs 7.5 % worsened at 12 months, Sam et al. 2021, Diabetes Care 44:1938);
//!   GRADE's baseline-factor analysis (Diabetes Care 2024, 47:562) and a review of 61
//!   studies (Diabet Med 2020, PMC7170456) agree;
//! * **higher BMI → faster decline**: ADOPT failures BMI 33.2 vs 31.8 (Kahn 2011);
//!   GoDARTS (Donnelly 2018). UKPDS 26 (lean patients on sulfonylurea failed more, 53 vs
//!   43 % at 6 years) points the other way in a leaner population: progression is
//!   U-shaped in BMI (Zhou et al. 2014, Diabetes Care 37:718), so the law is fitted and
//!   used in BMI 20–50 only ([`crate::twin::DOMAIN`]);
//! * **sex**: failures and completers in ADOPT were 61.0 vs 59.2 % male (Kahn 2011) —
//!   a small effect, fitted;
//! * **baseline β-cell function** needs no term: the model starts β from the patient's
//!   fasting glucose and HbA1c (HOMA), so a patient with lower β-cell function reaches
//!   any failure threshold sooner at the same rate (UKPDS 26: failure 61 / 39 / 23 % by
//!   falling baseline FPG band — checked in `tests/progression.rs`);
//! * **ethnicity**: the evidence is inconclusive (same review); no term. ADOPT was
//!   ≈ 4 % Black, GRADE (held out) 19.8 % African American; cohorts beyond that are
//!   flagged ([`ETHNICITY_DOMAIN_BLACK_FRACTION`]).
//!
//! Insulin-resistance drift: the patient-specific part comes from the patient's own
//! weight course (S ∝ W^−γ, [`crate::Constants::weight_sensitivity_elasticity`]); the
//! residual drift stays a population constant because mean insulin sensitivity did not
//! change over years in the Belfast Diet Study (Levy et al. 1998, Diabet Med 15:290)
//! or UKPDS 16 (HOMA-%S stable while HOMA-%B fell).
//!
//! ## Fit (fitted: ADOPT; held out: UKPDS 33, UKPDS 26, VERIFY, GRADE)
//! `r_ref`, `σ`, `a_age`, `a_bmi` and `a_male` were fitted to ADOPT only (Kahn et al.
//! 2006, NEJM 355:2427: 5-year monotherapy failure 15 / 21 / 34 % for TZD / metformin /
//! glyburide; Kahn 2011 Table 1: age, BMI and sex of patients failing within 4 years
//! vs the rest) by `cargo run --release --example t2d_progression_fit`, which prints
//! the targets, the fitted values and the residuals (table in the crate docs). The
//! held-out trials are in `tests/trial_reproduction.rs`.

use crate::error::Result;
use crate::model::Baseline;
use serde::{Deserialize, Serialize};

/// Reference age at diagnosis of the law, years.
pub const REFERENCE_AGE_AT_DIAGNOSIS_YEARS: f64 = 55.0;
/// Reference BMI of the law, kg/m².
pub const REFERENCE_BMI_KG_M2: f64 = 30.0;
/// Largest fraction of Black patients in the populations the law was fitted or
/// validated on (GRADE, 19.8 % African American: Wexler et al. 2019, Diabetes Care
/// 42:2098); a cohort with more is flagged.
pub const ETHNICITY_DOMAIN_BLACK_FRACTION: f64 = 0.20;
/// Upper bound of a sampled decline rate, 1/yr (β halves in < 2 years; beyond the
/// fastest adult progression reported, and the model's parameter bound).
pub const MAX_DECLINE_PER_YEAR: f64 = 0.45;

/// Population law of the untreated β-cell decline rate (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgressionLaw {
    /// Median decline of the reference patient (female, diagnosed at 55, BMI 30), 1/yr.
    pub reference_decline_per_year: f64,
    /// Change of ln rate per 10 years younger at diagnosis.
    pub ln_per_decade_younger: f64,
    /// Change of ln rate per 5 kg/m² of BMI above 30.
    pub ln_per_5_bmi: f64,
    /// Change of ln rate for men.
    pub ln_male: f64,
    /// Between-patient SD of ln rate not explained by the covariates.
    pub residual_sd_ln: f64,
}

impl Default for ProgressionLaw {
    /// The ADOPT fit (module docs; `examples/t2d_progression_fit.rs`).
    fn default() -> Self {
        Self {
            reference_decline_per_year: 0.0914,
            ln_per_decade_younger: 0.380,
            ln_per_5_bmi: 0.114,
            ln_male: -0.029,
            residual_sd_ln: 0.718,
        }
    }
}

impl ProgressionLaw {
    /// Check the law's values: rate in (0, 0.45] /yr, coefficients within ±2, SD in
    /// [0, 2].
    pub fn validate(&self) -> Result<()> {
        crate::check::positive(
            "reference_decline_per_year",
            self.reference_decline_per_year,
            MAX_DECLINE_PER_YEAR,
            "1/yr",
        )?;
        for (name, v) in [
            ("ln_per_decade_younger", self.ln_per_decade_younger),
            ("ln_per_5_bmi", self.ln_per_5_bmi),
            ("ln_male", self.ln_male),
        ] {
            crate::check::in_range(name, v, -2.0, 2.0, "")?;
        }
        crate::check::in_range("residual_sd_ln", self.residual_sd_ln, 0.0, 2.0, "")?;
        Ok(())
    }

    /// Population mean of ln r for this patient (before the residual spread).
    pub fn mu_log(&self, b: &Baseline) -> f64 {
        let age_dx = b.age_years - b.diabetes_duration_years;
        let male = matches!(b.sex, crate::kidney::Sex::Male);
        self.reference_decline_per_year.ln()
            + self.ln_per_decade_younger * (REFERENCE_AGE_AT_DIAGNOSIS_YEARS - age_dx) / 10.0
            + self.ln_per_5_bmi * (b.bmi() - REFERENCE_BMI_KG_M2) / 5.0
            + if male { self.ln_male } else { 0.0 }
    }

    /// Median decline rate of patients like `b`, 1/yr (capped at 0.45).
    pub fn median_decline_per_year(&self, b: &Baseline) -> f64 {
        self.mu_log(b).exp().min(MAX_DECLINE_PER_YEAR)
    }

    /// The decline rate at standard-normal deviate `z`, 1/yr (capped at 0.45).
    pub fn decline_per_year(&self, b: &Baseline, z: f64) -> f64 {
        (self.mu_log(b) + self.residual_sd_ln * z)
            .exp()
            .min(MAX_DECLINE_PER_YEAR)
    }
}
