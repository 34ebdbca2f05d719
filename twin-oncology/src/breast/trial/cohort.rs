//! Virtual patients from a trial's baseline table.

use super::agents::{Agent, Biomarkers, LATE_AGENT_STREAMS, LATE_AGENTS};
use super::efficacy::{Efficacy, N_AGENTS};
use crate::error::Result;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// The baseline table entries the twin uses (fractions of the enrolled patients).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MbcCohortSpec {
    /// Hormone-receptor-positive fraction.
    pub hr_positive_fraction: f64,
    /// HER2-positive fraction.
    pub her2_positive_fraction: f64,
    /// PIK3CA-mutant fraction.
    #[serde(default)]
    pub pik3ca_mutant_fraction: f64,
    /// Fraction that progressed on prior endocrine therapy.
    #[serde(default)]
    pub prior_endocrine_progression_fraction: f64,
    /// Germline BRCA1/2 carrier fraction.
    #[serde(default)]
    pub germline_brca_fraction: f64,
    /// ESR1-mutant fraction.
    #[serde(default)]
    pub esr1_mutant_fraction: f64,
    /// HER2-low fraction among the HER2-non-positive patients.
    #[serde(default)]
    pub her2_low_fraction: f64,
    /// Mean number of earlier chemotherapy lines for metastatic disease (every
    /// patient gets this value; 0 in first-line trials).
    #[serde(default)]
    pub prior_chemotherapy_lines: f64,
    /// Median baseline sum of target-lesion diameters, mm (70 mm when the trial
    /// does not report it; assumption).
    #[serde(default = "default_baseline_mm")]
    pub baseline_sum_median_mm: f64,
}

fn default_baseline_mm() -> f64 {
    70.0
}

/// ChaCha8 stream of each virtual patient's endocrine-resistance deviate
/// ([`VirtualMbcPatient::u_endocrine_resistance`]); the late agents' streams are
/// [`super::agents::LATE_AGENT_STREAMS`].
pub const ENDOCRINE_RESISTANCE_STREAM: u64 = 2;

impl Default for MbcCohortSpec {
    /// First-line triple-negative (every fraction 0, no earlier chemotherapy),
    /// baseline 70 mm.
    fn default() -> Self {
        Self {
            hr_positive_fraction: 0.0,
            her2_positive_fraction: 0.0,
            pik3ca_mutant_fraction: 0.0,
            prior_endocrine_progression_fraction: 0.0,
            germline_brca_fraction: 0.0,
            esr1_mutant_fraction: 0.0,
            her2_low_fraction: 0.0,
            prior_chemotherapy_lines: 0.0,
            baseline_sum_median_mm: default_baseline_mm(),
        }
    }
}

impl MbcCohortSpec {
    /// Check fractions in 0–1 and the baseline in 10–500 mm.
    pub fn validate(&self) -> Result<()> {
        let range = crate::error::check_in_range;
        range("hr_positive_fraction", self.hr_positive_fraction, 0.0, 1.0)?;
        range(
            "her2_positive_fraction",
            self.her2_positive_fraction,
            0.0,
            1.0,
        )?;
        range(
            "pik3ca_mutant_fraction",
            self.pik3ca_mutant_fraction,
            0.0,
            1.0,
        )?;
        range(
            "prior_endocrine_progression_fraction",
            self.prior_endocrine_progression_fraction,
            0.0,
            1.0,
        )?;
        range(
            "germline_brca_fraction",
            self.germline_brca_fraction,
            0.0,
            1.0,
        )?;
        range("her2_low_fraction", self.her2_low_fraction, 0.0, 1.0)?;
        range("esr1_mutant_fraction", self.esr1_mutant_fraction, 0.0, 1.0)?;
        range(
            "prior_chemotherapy_lines",
            self.prior_chemotherapy_lines,
            0.0,
            20.0,
        )?;
        range(
            "baseline_sum_median_mm",
            self.baseline_sum_median_mm,
            10.0,
            500.0,
        )
    }
}

/// One virtual patient: biomarkers and standard-normal deviates of every
/// random effect (so the same patient can be re-simulated under another
/// efficacy table — common random numbers in fits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VirtualMbcPatient {
    /// Biomarkers and treatment history.
    pub biomarkers: Biomarkers,
    /// Baseline sum of diameters, mm.
    pub baseline_mm: f64,
    /// z of ln KL.
    pub z_kl: f64,
    /// z of ln λ.
    pub z_lambda: f64,
    /// z of each agent's ln sensitivity (order of [`super::agents::AGENTS`]).
    pub z_sensitivity: [f64; N_AGENTS],
    /// Administrative censoring time, days.
    pub censor_days: f64,
    /// Phase of this patient's scan schedule, a fraction of the interval in
    /// [0, 1): scans at (k + phase) × interval. Visit windows and unscheduled
    /// scans make the detection delay after the true progression vary between
    /// patients, so trial medians fall between scheduled scan days.
    pub scan_phase: f64,
    /// Days each agent (order of [`super::agents::AGENTS`]) was already given
    /// before this line: its kill starts decayed by `e^{−λ·days}` (acquired
    /// resistance carries over to a rechallenge). Zero in trials' first lines.
    #[serde(default)]
    pub prior_exposure_days: [f64; N_AGENTS],
    /// Earlier chemotherapy lines for metastatic disease.
    #[serde(default)]
    pub prior_chemotherapy_lines: f64,
    /// Uniform deviate on [0, 1) of endocrine resistance: after endocrine
    /// progression the tumour is resistant if it falls below the population's
    /// resistant share (kept as a deviate, like the z's, for common random numbers).
    #[serde(default = "half")]
    pub u_endocrine_resistance: f64,
}

fn half() -> f64 {
    0.5
}

impl VirtualMbcPatient {
    /// KL of this patient, 1/day.
    pub fn kl_per_day(&self, e: &Efficacy) -> f64 {
        let her2 = if self.biomarkers.her2_positive {
            e.her2_growth_multiplier
        } else {
            1.0
        };
        e.kl_median_per_day * her2 * (e.kl_omega * self.z_kl).exp()
    }
    /// λ of this patient for agents outside the oestrogen-receptor axis, 1/day.
    pub fn lambda_per_day(&self, e: &Efficacy) -> f64 {
        e.lambda_median_per_day * (e.lambda_omega * self.z_lambda).exp()
    }
    /// λ of this patient for the oestrogen-receptor axis's agents, 1/day (the same
    /// deviate: a tumour quick to resist one class is quick to resist the other).
    pub fn axis_lambda_per_day(&self, e: &Efficacy) -> f64 {
        e.endocrine_axis_lambda_median_per_day * (e.lambda_omega * self.z_lambda).exp()
    }
    /// λ that wanes `agent`'s kill, 1/day.
    pub fn lambda_of(&self, e: &Efficacy, agent: Agent) -> f64 {
        if agent.endocrine_axis() {
            self.axis_lambda_per_day(e)
        } else {
            self.lambda_per_day(e)
        }
    }
    /// Whether the tumour no longer responds to endocrine therapy (it progressed
    /// on it, and its deviate falls in the population's resistant share).
    pub fn endocrine_resistant(&self, e: &Efficacy) -> bool {
        self.biomarkers.prior_endocrine_progression
            && self.u_endocrine_resistance < e.endocrine_resistant_fraction
    }
    /// Sensitivity multiplier of `agent` (the spread of its drug class).
    pub fn sensitivity(&self, e: &Efficacy, agent: Agent) -> f64 {
        let omega = if agent.endocrine_axis() {
            e.endocrine_axis_sensitivity_omega
        } else {
            e.sensitivity_omega
        };
        (omega * self.z_sensitivity[agent.index()]).exp()
    }
}

/// Draw `n` patients (seeded ChaCha8): biomarkers by the table's fractions
/// (independently), baseline log-normal around the median with `baseline_omega`,
/// censoring uniform on `follow_up_days` (staggered accrual).
pub fn sample_patients(
    spec: &MbcCohortSpec,
    efficacy: &Efficacy,
    n: usize,
    follow_up_days: (f64, f64),
    seed: u64,
) -> Result<Vec<VirtualMbcPatient>> {
    spec.validate()?;
    efficacy.validate()?;
    let (lo, hi) = follow_up_days;
    crate::error::check_in_range("follow_up_days.0", lo, 1.0, hi)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut late: Vec<ChaCha8Rng> = LATE_AGENT_STREAMS
        .iter()
        .map(|&stream| {
            let mut r = ChaCha8Rng::seed_from_u64(seed);
            r.set_stream(stream);
            r
        })
        .collect();
    let mut resistance = ChaCha8Rng::seed_from_u64(seed);
    resistance.set_stream(ENDOCRINE_RESISTANCE_STREAM);
    let z = |rng: &mut ChaCha8Rng| -> f64 { StandardNormal.sample(rng) };
    Ok((0..n)
        .map(|_| {
            // One uniform per biomarker whatever its fraction (rand's `random_bool`
            // skips the draw at p = 1), so profiles differing in one biomarker share
            // every other random number.
            let mut has = |fraction: f64| rng.random::<f64>() < fraction;
            let biomarkers = Biomarkers {
                hr_positive: has(spec.hr_positive_fraction),
                her2_positive: has(spec.her2_positive_fraction),
                pik3ca_mutant: has(spec.pik3ca_mutant_fraction),
                prior_endocrine_progression: has(spec.prior_endocrine_progression_fraction),
                germline_brca: has(spec.germline_brca_fraction),
                esr1_mutant: has(spec.esr1_mutant_fraction),
                her2_low: false,
                tnbc_subtype: None,
                ki67_percent: None,
            };
            let baseline_mm =
                spec.baseline_sum_median_mm * (efficacy.baseline_omega * z(&mut rng)).exp();
            let z_kl = z(&mut rng);
            let z_lambda = z(&mut rng);
            let mut z_sensitivity = [0.0; N_AGENTS];
            for z_k in &mut z_sensitivity[..N_AGENTS - LATE_AGENTS] {
                *z_k = z(&mut rng);
            }
            let censor_days = if hi > lo {
                rng.random_range(lo..hi)
            } else {
                lo
            };
            let scan_phase = rng.random_range(0.0..1.0);
            // Numbers added after the first fitted release come from a second stream,
            // so cohorts of trials that do not use them are unchanged.
            let mut biomarkers = biomarkers;
            biomarkers.her2_low =
                late[0].random::<f64>() < spec.her2_low_fraction && !biomarkers.her2_positive;
            for (z_k, stream) in z_sensitivity[N_AGENTS - LATE_AGENTS..]
                .iter_mut()
                .zip(&mut late)
            {
                *z_k = z(stream);
            }
            VirtualMbcPatient {
                biomarkers,
                baseline_mm,
                z_kl,
                z_lambda,
                z_sensitivity,
                censor_days,
                scan_phase,
                prior_exposure_days: [0.0; N_AGENTS],
                prior_chemotherapy_lines: spec.prior_chemotherapy_lines,
                u_endocrine_resistance: resistance.random(),
            }
        })
        .collect())
}
