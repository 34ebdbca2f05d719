//! One patient's course on one arm, in closed form: the Claret model with the
//! arm's total kill rate, `ln y(t)/y₀ = KL·t − K·(1 − e^{−λt})/λ` (constant
//! average exposure), progression when the sum of diameters reaches
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

/// The patient's total kill rate on an arm at the start of the line, 1/day: the
/// sum over agents that act on the tumour of kill × dose ratio × sensitivity
/// (none from endocrine agents if the tumour is endocrine-resistant, none from an
/// aromatase inhibitor if it is ESR1-mutant; ×
/// `e^{−λ·days}` for days of earlier exposure to the same agent, × the
/// chemotherapy-line factor per earlier line and the triple-negative subtype's
/// multiplier for cytotoxic agents, × the Ki-67 group's multiplier for endocrine
/// agents, × the HER2-positive multiplier for trastuzumab deruxtecan).
pub fn arm_kill_per_day(p: &VirtualMbcPatient, arm: &[Therapy], e: &Efficacy) -> Result<f64> {
    let lambda = p.lambda_per_day(e);
    arm.iter().try_fold(0.0, |sum, t| {
        if !t.agent.acts_on(&p.biomarkers) {
            return Ok(sum);
        }
        let b = &p.biomarkers;
        let resistant = (t.agent.endocrine() && p.endocrine_resistant(e))
            || (t.agent.weakened_by_esr1() && b.esr1_mutant);
        if resistant {
            return Ok(sum);
        }
        let k = t.agent.index();
        let carried = (-lambda * p.prior_exposure_days[k]).exp();
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
        let her2_level = if t.agent == Agent::TrastuzumabDeruxtecan && b.her2_positive {
            e.her2_positive_deruxtecan_multiplier
        } else {
            1.0
        };
        Ok(sum
            + e.kill(t.agent)?
                * t.dose_ratio()?
                * p.sensitivity(e, t.agent)
                * carried
                * biology
                * her2_level)
    })
}

/// `ln y(t)/y₀` of patient `p` on `arm` at `t_days` after the start of the line.
pub fn log_size_ratio(
    p: &VirtualMbcPatient,
    arm: &[Therapy],
    e: &Efficacy,
    t_days: f64,
) -> Result<f64> {
    Ok(log_ratio(
        t_days,
        p.kl_per_day(e),
        arm_kill_per_day(p, arm, e)?,
        p.lambda_per_day(e),
    ))
}

/// `ln y(t)/y₀` of the Claret model with constant kill `k`.
fn log_ratio(t: f64, kl: f64, k: f64, lambda: f64) -> f64 {
    kl * t - k * (-(-lambda * t).exp_m1()) / lambda
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
    let (kl, lambda) = (p.kl_per_day(e), p.lambda_per_day(e));
    let k = arm_kill_per_day(p, arm, e)?;
    let f = |t: f64| log_ratio(t, kl, k, lambda);
    // Nadir at t* = ln(K/KL)/λ when the kill outpaces growth, else at 0.
    let t_nadir = if k > kl { (k / kl).ln() / lambda } else { 0.0 };
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
