//! One patient's course on one arm, in closed form: the Claret model with the
//! arm's kill rates, `ln y(t)/y₀ = KL·t − Σ K·(1 − e^{−λt})/λ` (constant
//! average exposure; one term for the oestrogen-receptor axis's agents, one for the
//! rest, each with its resistance rate λ), progression when the sum of diameters reaches
//! `max(1.2 × nadir, nadir + 5 mm)` (RECIST 1.1), seen at the first scan after.

use super::agents::{Agent, Ki67Group, Therapy};
use super::cohort::VirtualMbcPatient;
use super::efficacy::Efficacy;
use crate::breast::recist::{PD_INCREASE_FRACTION, PD_MIN_INCREASE_MM};
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// What a trial records of one patient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MbcCourse {
    /// Progression on a continuous time scale (or the censoring time), days.
    pub onset_days: f64,
    /// PFS as observed: first scan at or after the onset, or censoring, days.
    pub pfs_days: f64,
    /// Progression observed before censoring.
    pub progressed: bool,
    /// Best overall response partial or complete (≥ 30 % shrinkage at a scan
    /// before progression).
    pub responded: bool,
}

/// The patient's kill rates on an arm at the start of the line, 1/day, split by
/// the resistance rate that wanes them: agents of the oestrogen-receptor axis
/// ([`Agent::endocrine_axis`]) and every other agent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmKill {
    /// Summed kill of the agents outside the axis, 1/day (waning at the patient's λ).
    pub other_per_day: f64,
    /// Summed kill of the axis's agents, 1/day (waning at the patient's axis λ).
    pub axis_per_day: f64,
}

/// The patient's kill rates on an arm at the start of the line: for each agent
/// that acts on the tumour, kill × dose ratio × sensitivity
/// (none from endocrine agents if the tumour is endocrine-resistant, none from an
/// aromatase inhibitor if it is ESR1-mutant; × `e^{−λ·days}` for days of earlier
/// exposure to the same agent, at the agent's λ; × the chemotherapy-line factor per
/// earlier line and the triple-negative subtype's multiplier for cytotoxic agents,
/// × the Ki-67 group's multiplier for endocrine agents, × the HER2-positive
/// multiplier for trastuzumab deruxtecan, × the without-endocrine multiplier for a
/// CDK4/6 inhibitor when no endocrine agent of the arm acts on the tumour), summed
/// within each resistance class.
pub fn arm_kill_per_day(p: &VirtualMbcPatient, arm: &[Therapy], e: &Efficacy) -> Result<ArmKill> {
    let mut kill = ArmKill {
        other_per_day: 0.0,
        axis_per_day: 0.0,
    };
    let b = &p.biomarkers;
    let acts = |t: &Therapy| {
        let resistant = (t.agent.endocrine() && p.endocrine_resistant(e))
            || (t.agent.weakened_by_esr1() && b.esr1_mutant);
        t.agent.acts_on(b) && !resistant
    };
    let endocrine_acts = arm.iter().any(|t| t.agent.endocrine() && acts(t));
    for t in arm {
        if !acts(t) {
            continue;
        }
        let k = t.agent.index();
        let carried = (-p.lambda_of(e, t.agent) * p.prior_exposure_days[k]).exp();
        let biology = if t.agent.cytotoxic() {
            let subtype = b
                .tnbc_subtype
                .map_or(1.0, |s| e.tnbc_subtype_chemo_multiplier[s.index()]);
            e.chemo_line_factor.powf(p.prior_chemotherapy_lines) * subtype
        } else if t.agent.endocrine() {
            match b.ki67_percent {
                Some(ki67) => e.ki67_endocrine_multiplier[Ki67Group::of_percent(ki67)?.index()],
                None => 1.0,
            }
        } else {
            1.0
        };
        let partner = match t.agent {
            Agent::TrastuzumabDeruxtecan if b.her2_positive => {
                e.her2_positive_deruxtecan_multiplier
            }
            Agent::Cdk46Inhibitor if !endocrine_acts => e.cdk46_without_endocrine_multiplier,
            _ => 1.0,
        };
        let rate = e.kill(t.agent)?
            * t.dose_ratio()?
            * p.sensitivity(e, t.agent)
            * carried
            * biology
            * partner;
        if t.agent.endocrine_axis() {
            kill.axis_per_day += rate;
        } else {
            kill.other_per_day += rate;
        }
    }
    Ok(kill)
}

/// The Claret curve of one patient on one arm: growth KL and two kill terms, each
/// waning at its own resistance rate.
#[derive(Debug, Clone, Copy)]
struct Curve {
    kl: f64,
    kill: ArmKill,
    lambda_other: f64,
    lambda_axis: f64,
}

impl Curve {
    fn new(p: &VirtualMbcPatient, arm: &[Therapy], e: &Efficacy) -> Result<Self> {
        Ok(Self {
            kl: p.kl_per_day(e),
            kill: arm_kill_per_day(p, arm, e)?,
            lambda_other: p.lambda_per_day(e),
            lambda_axis: p.axis_lambda_per_day(e),
        })
    }

    /// `ln y(t)/y₀ = KL·t − Σ K·(1 − e^{−λt})/λ` (constant average exposure).
    fn log_ratio(&self, t: f64) -> f64 {
        let waned = |k: f64, lambda: f64| k * (-(-lambda * t).exp_m1()) / lambda;
        self.kl * t
            - waned(self.kill.other_per_day, self.lambda_other)
            - waned(self.kill.axis_per_day, self.lambda_axis)
    }

    /// Kill rate at `t`, 1/day (decreasing in `t`).
    fn kill_at(&self, t: f64) -> f64 {
        self.kill.other_per_day * (-self.lambda_other * t).exp()
            + self.kill.axis_per_day * (-self.lambda_axis * t).exp()
    }

    /// Time of the nadir, days: where the waning kill equals KL (0 if it never
    /// exceeds it). With one class it is `ln(K/KL)/λ`; with two, bisection between
    /// 0 and the bound that the slower λ gives.
    fn nadir_days(&self) -> f64 {
        let k0 = self.kill_at(0.0);
        if k0 <= self.kl {
            return 0.0;
        }
        let lambda_min = match (self.kill.other_per_day > 0.0, self.kill.axis_per_day > 0.0) {
            (true, false) => return (k0 / self.kl).ln() / self.lambda_other,
            (false, true) => return (k0 / self.kl).ln() / self.lambda_axis,
            _ => self.lambda_other.min(self.lambda_axis),
        };
        let (mut a, mut b) = (0.0, (k0 / self.kl).ln() / lambda_min);
        while b - a > 1e-6 {
            let m = 0.5 * (a + b);
            if self.kill_at(m) > self.kl {
                a = m
            } else {
                b = m
            }
        }
        0.5 * (a + b)
    }
}

/// `ln y(t)/y₀` of patient `p` on `arm` at `t_days` after the start of the line.
pub fn log_size_ratio(
    p: &VirtualMbcPatient,
    arm: &[Therapy],
    e: &Efficacy,
    t_days: f64,
) -> Result<f64> {
    Ok(Curve::new(p, arm, e)?.log_ratio(t_days))
}

/// First `t` in `[a, b]` with `f(t) ≥ target` for `f` increasing on it (bisection to 1e-3 day).
fn first_crossing(f: impl Fn(f64) -> f64, target: f64, mut a: f64, mut b: f64) -> Option<f64> {
    if f(b) < target {
        return None;
    }
    while b - a > 1e-3 {
        let m = 0.5 * (a + b);
        if f(m) >= target { b = m } else { a = m }
    }
    Some(b)
}

/// Simulate one patient: continuous progression time, scan-observed PFS with
/// scans every `scan_interval_days`, censoring at the patient's censoring time.
pub fn simulate(
    p: &VirtualMbcPatient,
    arm: &[Therapy],
    e: &Efficacy,
    scan_interval_days: f64,
) -> Result<MbcCourse> {
    let curve = Curve::new(p, arm, e)?;
    let f = |t: f64| curve.log_ratio(t);
    let t_nadir = curve.nadir_days();
    let nadir_mm = p.baseline_mm * f(t_nadir).exp();
    let rise =
        ((1.0 + PD_INCREASE_FRACTION) * nadir_mm).max(nadir_mm + PD_MIN_INCREASE_MM) / nadir_mm;
    let horizon = p.censor_days;
    let onset = first_crossing(f, f(t_nadir) + rise.ln(), t_nadir, horizon.max(t_nadir));
    let (pfs_days, progressed) = match onset {
        Some(t) => {
            let phase = p.scan_phase;
            let seen =
                ((t / scan_interval_days - phase).ceil().max(0.0) + phase) * scan_interval_days;
            if seen <= horizon {
                (seen, true)
            } else {
                (horizon, false)
            }
        }
        None => (horizon, false),
    };
    // Response: some scan before the observed progression shows ≥ 30 % shrinkage.
    let mut responded = false;
    let mut scan = p.scan_phase.max(1e-3) * scan_interval_days;
    while scan < pfs_days || (!progressed && scan <= pfs_days) {
        if f(scan) <= (0.7f64).ln() {
            responded = true;
            break;
        }
        scan += scan_interval_days;
    }
    Ok(MbcCourse {
        onset_days: onset.unwrap_or(horizon).min(horizon),
        pfs_days,
        progressed,
        responded,
    })
}
