//! Neutropenia in a virtual population: the share of patients by worst CTCAE
//! grade on a regimen, the quantity labels and trials report ("worst course
//! analysis"), and the fit of a drug's marrow slope to one such share.
//!
//! Each virtual patient has Kloft 2006's between-patient variability of the
//! neutrophil baseline, mean transit time and drug slope
//! ([`FribergParams::OMEGA_LOG`]), a clearance spread by the cohort's
//! `clearance_omega_log` (the drug's published value with
//! [`MarrowCohort::for_drug`]), 1.8 m² and a tumour that
//! neither shrinks nor progresses in the window (it does not touch the marrow).
//! Patients are drawn from one seeded stream, so two regimens see the same
//! patients and the share is monotone in the slope (common random numbers).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::friberg::FribergParams;
use super::pk::Drug;
use super::simulate::{SimSettings, simulate};
use super::therapy::{DoseRules, PatientParams, Receptors, Regimen, TumourParams};
use crate::error::{OncologyError, Result};

/// A virtual population for neutropenia rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarrowCohort {
    /// Number of virtual patients.
    pub n_patients: usize,
    /// Seed of the patients' draws (`rand_chacha`).
    pub seed: u64,
    /// Number of cycles of the regimen each patient receives.
    pub cycles: f64,
    /// Step of the neutrophil grid on which the nadir is read, days (counts
    /// every 6 h catch the nadir; weekly counts may miss it).
    pub grid_days: f64,
    /// Between-patient SD of ln(clearance); 0 for typical clearance.
    pub clearance_omega_log: f64,
}

/// Neutropenia rates of a virtual population on one regimen, by worst grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeutropeniaRates {
    /// Regimen name.
    pub regimen: String,
    /// Number of virtual patients.
    pub n_patients: usize,
    /// Cycles each patient received.
    pub cycles: f64,
    /// Between-patient SD of ln(clearance) used.
    pub clearance_omega_log: f64,
    /// Patients by worst CTCAE grade of neutrophil count decreased, grades 0–4.
    pub by_worst_grade: [usize; 5],
    /// Share of patients with neutrophils < 2.0 × 10⁹/L in some course (grade ≥ 1).
    pub below_2_share: f64,
    /// Share with grade ≥ 3 (< 1.0 × 10⁹/L).
    pub grade3plus_share: f64,
    /// Share with grade 4 (< 0.5 × 10⁹/L).
    pub grade4_share: f64,
}

impl MarrowCohort {
    /// The cohort of the paclitaxel fit ([`crate::breast::friberg::PACLITAXEL_NEUTROPHIL_FACTOR`]):
    /// counts every 6 h and the published clearance variability of `drug`
    /// ([`crate::breast::pk::Drug::clearance_omega_log`]; typical clearance where none
    /// is at hand).
    pub fn for_drug(drug: Drug, n_patients: usize, cycles: f64, seed: u64) -> Self {
        Self {
            n_patients,
            seed,
            cycles,
            grid_days: 0.25,
            clearance_omega_log: drug.clearance_omega_log().unwrap_or(0.0),
        }
    }

    /// Neutropenia rates on `regimen` under `rules`.
    pub fn rates(&self, regimen: &Regimen, rules: &DoseRules) -> Result<NeutropeniaRates> {
        let by_worst_grade = self.worst_grades(regimen, rules, 1.0)?;
        let share = |grade: u8| share_at_least(&by_worst_grade, grade);
        Ok(NeutropeniaRates {
            regimen: regimen.name.clone(),
            n_patients: self.n_patients,
            cycles: self.cycles,
            clearance_omega_log: self.clearance_omega_log,
            by_worst_grade,
            below_2_share: share(1),
            grade3plus_share: share(3),
            grade4_share: share(4),
        })
    }

    fn validate(&self) -> Result<()> {
        if self.n_patients == 0 {
            return Err(OncologyError::invalid(
                "n_patients",
                self.n_patients,
                "at least 1",
            ));
        }
        if !(self.cycles.is_finite() && self.cycles > 0.0) {
            return Err(OncologyError::invalid("cycles", self.cycles, "> 0"));
        }
        if !(self.clearance_omega_log.is_finite()
            && (0.0..=2.0).contains(&self.clearance_omega_log))
        {
            return Err(OncologyError::invalid(
                "clearance_omega_log",
                self.clearance_omega_log,
                "in [0, 2]",
            ));
        }
        if !(self.grid_days.is_finite() && self.grid_days > 0.0 && self.grid_days <= 7.0) {
            return Err(OncologyError::invalid(
                "grid_days",
                self.grid_days,
                "in (0, 7] days",
            ));
        }
        Ok(())
    }

    /// Number of patients by worst neutropenia grade (index 0–4) on `regimen`,
    /// every patient's drug slope multiplied by `slope_factor`.
    pub fn worst_grades(
        &self,
        regimen: &Regimen,
        rules: &DoseRules,
        slope_factor: f64,
    ) -> Result<[usize; 5]> {
        self.validate()?;
        regimen.validate()?;
        if !(slope_factor.is_finite() && slope_factor >= 0.0) {
            return Err(OncologyError::invalid("slope_factor", slope_factor, "≥ 0"));
        }
        let settings = SimSettings {
            horizon_days: self.cycles * regimen.cycle_days,
            grid_days: self.grid_days,
            stop_at_progression: false,
            ..SimSettings::default()
        };
        let patients = self.patients(slope_factor);
        let grades = patients
            .par_iter()
            .map(|p| simulate(p, regimen, rules, &settings).map(|o| o.worst_grade))
            .collect::<Result<Vec<u8>>>()?;
        let mut by_grade = [0; 5];
        for g in grades {
            by_grade[usize::from(g.min(4))] += 1;
        }
        Ok(by_grade)
    }

    /// Share of patients whose worst grade is at least `grade`.
    pub fn share_at_least(
        &self,
        regimen: &Regimen,
        rules: &DoseRules,
        slope_factor: f64,
        grade: u8,
    ) -> Result<f64> {
        let by_grade = self.worst_grades(regimen, rules, slope_factor)?;
        Ok(share_at_least(&by_grade, grade))
    }

    /// The slope factor at which the share with worst grade ≥ `grade` is
    /// `target_share` (bisection on the log scale over 1/4…4, where the
    /// marrow ODE stays finite; the share is monotone in the factor for fixed
    /// patients).
    pub fn fit_slope_factor(
        &self,
        regimen: &Regimen,
        rules: &DoseRules,
        grade: u8,
        target_share: f64,
    ) -> Result<f64> {
        if !(target_share > 0.0 && target_share < 1.0) {
            return Err(OncologyError::invalid(
                "target_share",
                target_share,
                "in (0, 1)",
            ));
        }
        let share = |ln_f: f64| self.share_at_least(regimen, rules, ln_f.exp(), grade);
        let (mut lo, mut hi) = (-(4f64.ln()), 4f64.ln());
        if share(lo)? > target_share || share(hi)? < target_share {
            return Err(OncologyError::invalid(
                "target_share",
                target_share,
                "reachable with a slope factor in [0.25, 4]",
            ));
        }
        // 40 halvings of a ln-width of 2.8: the factor to 1e-11 relative, far
        // below the share's own step of 1/n.
        for _ in 0..40 {
            let mid = 0.5 * (lo + hi);
            if share(mid)? < target_share {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok((0.5 * (lo + hi)).exp())
    }

    fn patients(&self, slope_factor: f64) -> Vec<PatientParams> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let [w_base, w_mtt, w_slope] = FribergParams::OMEGA_LOG;
        let typical = FribergParams::KLOFT_2006;
        (0..self.n_patients)
            .map(|_| {
                let mut z = || -> f64 { StandardNormal.sample(&mut rng) };
                let (z_base, z_mtt, z_slope, z_cl) = (z(), z(), z(), z());
                PatientParams {
                    tumour: TumourParams {
                        baseline_mm: 70.0,
                        kl_per_day: 1e-4,
                        sensitivity: 1.0,
                        lambda_per_day: 0.0193,
                    },
                    marrow: FribergParams {
                        circ0_1e9_per_l: typical.circ0_1e9_per_l * (w_base * z_base).exp(),
                        mtt_h: typical.mtt_h * (w_mtt * z_mtt).exp(),
                        ..typical
                    },
                    marrow_sensitivity: slope_factor * (w_slope * z_slope).exp(),
                    clearance_factor: (self.clearance_omega_log * z_cl).exp(),
                    bsa_m2: 1.8,
                    receptors: Receptors::hormone_positive_her2_negative(20.0),
                }
            })
            .collect()
    }
}

/// Share of patients whose worst grade is ≥ `grade` (capped at 4), from the
/// counts by worst grade 0–4.
fn share_at_least(by_worst_grade: &[usize; 5], grade: u8) -> f64 {
    let n: usize = by_worst_grade.iter().sum();
    let hits: usize = by_worst_grade[usize::from(grade.min(4))..].iter().sum();
    hits as f64 / n as f64
}
