//! Clinical recurrence 325 days after PVI, calibrated to DECAAF.
//!
//! Inducibility after PVI is a property of the substrate. Clinical
//! recurrence has a second route no substrate simulation sees: triggers
//! (PV reconnection, non-PV foci). The cohort's clinical outcome is
//!
//! `recurrence = trigger ∨ (inducible ∧ expressed)`,
//!
//! with `trigger` drawn with probability [`RecurrenceModel::trigger_probability`]
//! for every patient and `expressed` (the inducible substrate shows itself
//! as AF within the follow-up) with [`RecurrenceModel::substrate_expression`],
//! so `P(recurrence) = 1 − (1 − p_trigger)(1 − p_expression · inducible)`.
//! Both uniforms are the patient's own ([`super::VirtualAfPatient::recurrence_uniforms`]).
//!
//! **Fitted:** only these two probabilities, by least squares against the
//! four DECAAF stage rates ([`DECAAF_RECURRENCE_325D`]) given the per-stage
//! inducible fraction of a training cohort ([`fit_to_decaaf`], run by
//! `examples/af_cohort`). Four rates, two parameters: the shape across
//! stages comes from the simulated substrate, not from the fit.

use serde::{Deserialize, Serialize};

use crate::error::{CardiacError, Result};

/// Cumulative incidence of recurrent atrial arrhythmia 325 days after
/// ablation by Utah fibrosis stage I–IV (Marrouche et al. 2014, JAMA
/// 311:498, DECAAF, Figure 2: 15.3, 32.6, 45.9, 51.1 %).
pub const DECAAF_RECURRENCE_325D: [f64; 4] = [0.153, 0.326, 0.459, 0.511];

/// Utah stage bounds (LGE fibrosis %, lower bounds of stages II–IV):
/// I < 10 %, II 10–20 %, III 20–30 %, IV ≥ 30 % (Marrouche et al. 2014).
pub const UTAH_STAGE_BOUNDS_PCT: [f64; 3] = [10.0, 20.0, 30.0];

/// Utah fibrosis stage of an LGE fibrosis percentage (0 = stage I … 3 = stage IV).
pub fn utah_stage(lge_fibrosis_pct: f64) -> Result<usize> {
    if !(0.0..=100.0).contains(&lge_fibrosis_pct) {
        return Err(CardiacError::invalid(
            "lge_fibrosis_pct",
            lge_fibrosis_pct,
            "a percentage in [0, 100]",
        ));
    }
    Ok(UTAH_STAGE_BOUNDS_PCT
        .iter()
        .filter(|&&b| lge_fibrosis_pct >= b)
        .count())
}

/// How simulated substrate inducibility becomes clinical recurrence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecurrenceModel {
    /// Probability of trigger-driven recurrence within 325 days, whatever
    /// the substrate.
    pub trigger_probability: f64,
    /// Probability that a substrate still inducible after PVI shows as AF
    /// within 325 days.
    pub substrate_expression: f64,
}

impl RecurrenceModel {
    /// The values fitted by `cargo run --release --example af_cohort --
    /// --patients 200 --train 200 --seed 7717` ([`fit_to_decaaf`] on that
    /// run's training cohort of 200 patients, default cohort and truth
    /// settings). Refitted on 2026-12-07 after the stencil's quad rule
    /// changed the truth near non-conducting voxels (before: 0.156 / 0.472).
    pub const FITTED: Self = Self {
        trigger_probability: 0.156,
        substrate_expression: 0.522,
    };

    /// Check both probabilities lie in [0, 1].
    pub fn validate(&self) -> Result<()> {
        for (name, p) in [
            ("trigger_probability", self.trigger_probability),
            ("substrate_expression", self.substrate_expression),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(CardiacError::invalid(name, p, "a probability in [0, 1]"));
            }
        }
        Ok(())
    }

    /// Probability of clinical recurrence given the substrate's inducibility.
    pub fn probability(&self, inducible: bool) -> f64 {
        let sub = if inducible {
            self.substrate_expression
        } else {
            0.0
        };
        1.0 - (1.0 - self.trigger_probability) * (1.0 - sub)
    }

    /// The patient's clinical recurrence from their two uniforms `u` (trigger,
    /// expression) and their substrate's inducibility.
    pub fn recurrence(&self, inducible: bool, u: [f64; 2]) -> bool {
        u[0] < self.trigger_probability || (inducible && u[1] < self.substrate_expression)
    }
}

/// Recurrence of one Utah stage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StageRecurrence {
    /// Stage index (0 = I … 3 = IV).
    pub stage: usize,
    /// Patients in the stage.
    pub n: usize,
    /// Fraction of them whose substrate is inducible after PVI.
    pub inducible_fraction: f64,
    /// Expected clinical recurrence at 325 days under the model (mean of
    /// [`RecurrenceModel::probability`]).
    pub expected_recurrence: f64,
    /// DECAAF's rate for the stage.
    pub decaaf: f64,
}

/// Per-stage recurrence of `patients` (Utah stage index, inducible after PVI) under `model`.
pub fn stage_table(
    model: &RecurrenceModel,
    patients: &[(usize, bool)],
) -> Result<Vec<StageRecurrence>> {
    model.validate()?;
    Ok(stage_inducibility(patients)
        .into_iter()
        .zip(DECAAF_RECURRENCE_325D)
        .enumerate()
        .map(|(stage, ((n, q), decaaf))| StageRecurrence {
            stage,
            n,
            inducible_fraction: q,
            expected_recurrence: model.probability(false)
                + q * (model.probability(true) - model.probability(false)),
            decaaf,
        })
        .collect())
}

/// Patients and inducible fraction of each Utah stage (0 when empty).
fn stage_inducibility(patients: &[(usize, bool)]) -> [(usize, f64); 4] {
    std::array::from_fn(|stage| {
        let (n, k) = patients
            .iter()
            .filter(|p| p.0 == stage)
            .fold((0usize, 0usize), |(n, k), p| (n + 1, k + usize::from(p.1)));
        (n, k as f64 / n.max(1) as f64)
    })
}

/// [`fit_to_rates`] against DECAAF ([`DECAAF_RECURRENCE_325D`]).
pub fn fit_to_decaaf(patients: &[(usize, bool)]) -> Result<RecurrenceModel> {
    fit_to_rates(patients, &DECAAF_RECURRENCE_325D)
}

/// Fit the two probabilities of a [`RecurrenceModel`] by least squares of
/// the expected per-stage recurrence of `patients` (Utah stage index,
/// inducible after PVI) against `rates` (stages I–IV), each stage weighted
/// equally (the trial reports rates; the cohort's stage mix is a design
/// choice). A grid of step 0.001 over [0, 1]² (two bounded parameters; an
/// exhaustive grid cannot stop in a local minimum). Needs patients in at
/// least two stages.
pub fn fit_to_rates(patients: &[(usize, bool)], rates: &[f64; 4]) -> Result<RecurrenceModel> {
    if let Some(r) = rates.iter().find(|r| !(0.0..=1.0).contains(*r)) {
        return Err(CardiacError::invalid("rates", r, "probabilities in [0, 1]"));
    }
    // (inducible fraction, target rate) of each populated stage.
    let used: Vec<(f64, f64)> = stage_inducibility(patients)
        .into_iter()
        .zip(rates)
        .filter(|((n, _), _)| *n > 0)
        .map(|((_, q), &r)| (q, r))
        .collect();
    if used.len() < 2 {
        return Err(CardiacError::invalid(
            "patients",
            format!("{} stages populated", used.len()),
            "patients in at least two Utah stages",
        ));
    }
    let loss = |a: f64, b: f64| -> f64 {
        used.iter()
            .map(|(q, r)| (a + (1.0 - a) * b * q - r).powi(2))
            .sum()
    };
    let mut best = (f64::INFINITY, 0.0, 0.0);
    for i in 0..=1000 {
        for j in 0..=1000 {
            let (a, b) = (i as f64 / 1000.0, j as f64 / 1000.0);
            let l = loss(a, b);
            if l < best.0 {
                best = (l, a, b);
            }
        }
    }
    Ok(RecurrenceModel {
        trigger_probability: best.1,
        substrate_expression: best.2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_utah_bounds() {
        let stages: Vec<usize> = [0.0, 9.99, 10.0, 19.9, 20.0, 29.9, 30.0, 55.0]
            .iter()
            .map(|&p| utah_stage(p).unwrap())
            .collect();
        assert_eq!(stages, [0, 0, 1, 1, 2, 2, 3, 3]);
        assert!(utah_stage(-1.0).is_err());
        assert!(utah_stage(f64::NAN).is_err());
    }

    #[test]
    fn the_fit_recovers_known_probabilities() {
        // A cohort whose stages are inducible at 0, 1/3, 2/3 and 1 and whose
        // rates are exactly those of a model: the fit must return it.
        let truth = RecurrenceModel {
            trigger_probability: 0.2,
            substrate_expression: 0.6,
        };
        let mut patients = Vec::new();
        for stage in 0..4 {
            for k in 0..3 {
                patients.push((stage, k < stage));
            }
        }
        let q = [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0];
        let r: Vec<f64> = q
            .iter()
            .map(|&q| {
                truth.probability(false) + q * (truth.probability(true) - truth.probability(false))
            })
            .collect();
        let rates = [r[0], r[1], r[2], r[3]];
        // 1 − 0.8·(1 − 0.6) = 0.68 for a fully inducible stage.
        approx::assert_abs_diff_eq!(rates[3], 0.68, epsilon = 1e-12);
        let table = stage_table(&truth, &patients).unwrap();
        for (s, r) in table.iter().zip(&rates) {
            approx::assert_abs_diff_eq!(s.expected_recurrence, r, epsilon = 1e-12);
        }
        let fitted = fit_to_rates(&patients, &rates).unwrap();
        approx::assert_abs_diff_eq!(fitted.trigger_probability, 0.2, epsilon = 1e-9);
        approx::assert_abs_diff_eq!(fitted.substrate_expression, 0.6, epsilon = 1e-9);
        // One populated stage cannot identify two parameters.
        assert!(fit_to_decaaf(&[(0, true), (0, false)]).is_err());
        // The clinical draw has the model's probability: trigger alone, or
        // expression when inducible.
        assert!(truth.recurrence(false, [0.19, 0.9]));
        assert!(!truth.recurrence(false, [0.21, 0.1]));
        assert!(truth.recurrence(true, [0.21, 0.59]));
        assert!(!truth.recurrence(true, [0.21, 0.61]));
    }
}
