//! Single-cell protocols: pacing, AP measurements (APD90, resting potential),
//! S1–S2 APD restitution and the effective refractory period.

use serde::{Deserialize, Serialize};

use super::CellModel;
use crate::error::{CardiacError, Result};

/// A recorded membrane-potential trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Sample times (ms).
    pub t_ms: Vec<f64>,
    /// Membrane potential at each sample (mV).
    pub v_mv: Vec<f64>,
}

/// Action-potential measurements of one beat.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ApMeasure {
    /// Potential just before the upstroke (mV).
    pub v_rest_mv: f64,
    /// Peak potential (mV).
    pub v_peak_mv: f64,
    /// Time of maximal dV/dt (ms).
    pub t_upstroke_ms: f64,
    /// Duration to 90 % repolarisation from the upstroke (ms).
    pub apd90_ms: f64,
}

fn check_dt<M: CellModel>(model: &M, dt_ms: f64) -> Result<()> {
    if !(dt_ms.is_finite() && dt_ms > 0.0 && dt_ms <= model.max_dt_ms()) {
        return Err(CardiacError::invalid(
            "dt_ms",
            dt_ms,
            format!("0 < dt <= {} ms for {}", model.max_dt_ms(), model.name()),
        ));
    }
    Ok(())
}

/// Integrate one cell from `(v, state)` for `duration_ms`, applying the model's
/// default stimulus at each time in `stim_times_ms` (relative to the start).
/// Records every `record_every` steps (0 = no recording). Returns the trace
/// and leaves `(v, state)` at the end.
pub fn simulate_cell<M: CellModel>(
    model: &M,
    v: &mut f64,
    state: &mut M::State,
    stim_times_ms: &[f64],
    duration_ms: f64,
    dt_ms: f64,
    record_every: usize,
) -> Result<Trace> {
    check_dt(model, dt_ms)?;
    if !(duration_ms.is_finite() && duration_ms >= 0.0) {
        return Err(CardiacError::invalid(
            "duration_ms",
            duration_ms,
            "finite and >= 0",
        ));
    }
    let pulse = model.default_stimulus();
    let n = (duration_ms / dt_ms).round() as usize;
    let mut trace = Trace {
        t_ms: Vec::new(),
        v_mv: Vec::new(),
    };
    for k in 0..n {
        let t = k as f64 * dt_ms;
        if record_every > 0 && k % record_every == 0 {
            trace.t_ms.push(t);
            trace.v_mv.push(model.v_to_mv(*v));
        }
        // Half-open window [t_s, t_s + duration) sampled at the step start.
        let stim = if stim_times_ms
            .iter()
            .any(|&ts| t + 1e-9 >= ts && t + 1e-9 < ts + pulse.duration_ms)
        {
            pulse.amplitude_per_ms
        } else {
            0.0
        };
        let dvdt = model.step(*v, state, stim, dt_ms);
        *v += dt_ms * (dvdt + stim);
        if !v.is_finite() {
            return Err(CardiacError::invalid(
                "membrane potential",
                *v,
                "finite (the integration diverged: reduce dt_ms)",
            ));
        }
    }
    Ok(trace)
}

/// Measure the first action potential in `trace` at or after `t_from_ms`.
/// Returns `None` when no upstroke above `threshold_mv` repolarises within it.
pub fn measure_ap(trace: &Trace, t_from_ms: f64, threshold_mv: f64) -> Option<ApMeasure> {
    let start = trace.t_ms.iter().position(|&t| t >= t_from_ms)?;
    let t = &trace.t_ms[start..];
    let v = &trace.v_mv[start..];
    let cross = v.iter().position(|&x| x > threshold_mv)?;
    let v_rest = v[..=cross].iter().cloned().fold(f64::INFINITY, f64::min);
    // Upstroke: maximal dV/dt within a few samples around the crossing.
    let (mut best, mut t_up) = (f64::NEG_INFINITY, t[cross]);
    for k in cross.saturating_sub(50).max(1)..(cross + 50).min(v.len()) {
        let s = (v[k] - v[k - 1]) / (t[k] - t[k - 1]);
        if s > best {
            best = s;
            t_up = t[k];
        }
    }
    let below = (cross..v.len()).find(|&k| v[k] < threshold_mv)?;
    let (ipk, peak) = (cross..below).fold((cross, v[cross]), |(ib, b), k| {
        if v[k] > b { (k, v[k]) } else { (ib, b) }
    });
    let level = peak - 0.9 * (peak - v_rest);
    let k = (ipk..v.len() - 1).find(|&k| v[k] >= level && v[k + 1] < level)?;
    let frac = (v[k] - level) / (v[k] - v[k + 1]);
    let t_rep = t[k] + frac * (t[k + 1] - t[k]);
    Some(ApMeasure {
        v_rest_mv: v_rest,
        v_peak_mv: peak,
        t_upstroke_ms: t_up,
        apd90_ms: t_rep - t_up,
    })
}

/// Pace a cell from rest for `n_beats` at cycle length `bcl_ms`; returns the
/// state at the start of the last beat's cycle and that beat's measurements.
pub fn pace_to_steady_state<M: CellModel>(
    model: &M,
    bcl_ms: f64,
    n_beats: usize,
    dt_ms: f64,
) -> Result<(f64, M::State, ApMeasure)> {
    if n_beats == 0 {
        return Err(CardiacError::invalid("n_beats", 0, ">= 1"));
    }
    if !(bcl_ms.is_finite() && bcl_ms > 10.0) {
        return Err(CardiacError::invalid("bcl_ms", bcl_ms, "> 10 ms"));
    }
    let (mut v, mut s) = model.resting();
    for _ in 0..n_beats - 1 {
        simulate_cell(model, &mut v, &mut s, &[0.0], bcl_ms, dt_ms, 0)?;
    }
    let (v0, s0) = (v, s);
    let tr = simulate_cell(model, &mut v, &mut s, &[0.0], bcl_ms, dt_ms, 1)?;
    let thr = model.v_to_mv(model.activation_threshold());
    let ap = measure_ap(&tr, 0.0, thr).ok_or_else(|| {
        CardiacError::invalid("bcl_ms", bcl_ms, "long enough for a full action potential")
    })?;
    Ok((v0, s0, ap))
}

/// S1–S2 APD restitution: after `n_s1` beats at `bcl_ms`, an S2 at each
/// coupling interval. Returns `(diastolic interval, S2 APD90)` pairs (ms) for
/// the intervals that elicited an action potential.
pub fn s1s2_apd_restitution<M: CellModel>(
    model: &M,
    bcl_ms: f64,
    n_s1: usize,
    s2_intervals_ms: &[f64],
    dt_ms: f64,
) -> Result<Vec<(f64, f64)>> {
    let (v0, s0, ap1) = pace_to_steady_state(model, bcl_ms, n_s1, dt_ms)?;
    let thr = model.v_to_mv(model.activation_threshold());
    let mut out = Vec::new();
    for &ci in s2_intervals_ms {
        let (mut v, mut s) = (v0, s0);
        let tr = simulate_cell(
            model,
            &mut v,
            &mut s,
            &[0.0, ci],
            ci + 2.0 * bcl_ms.max(ap1.apd90_ms * 2.0),
            dt_ms,
            1,
        )?;
        if !s2_captures(&tr, ci, &ap1) {
            continue;
        }
        if let Some(ap2) = measure_ap(&tr, ci, thr) {
            let di = ci - (ap1.t_upstroke_ms + ap1.apd90_ms);
            out.push((di, ap2.apd90_ms));
        }
    }
    Ok(out)
}

/// An S2 response counts when, within 30 ms of the S2, the potential reaches
/// 80 % of the S1 action-potential amplitude above the S1 rest *and* rises by
/// at least half that amplitude above its value at the S2 (so a passive
/// depolarisation of the plateau is not counted as a new action potential).
fn s2_captures(tr: &Trace, ci: f64, ap1: &ApMeasure) -> bool {
    let Some(i0) = tr.t_ms.iter().position(|&t| t >= ci) else {
        return false;
    };
    let v0 = tr.v_mv[i0];
    let peak = tr.t_ms[i0..]
        .iter()
        .zip(&tr.v_mv[i0..])
        .take_while(|&(&t, _)| t <= ci + 30.0)
        .map(|(_, &v)| v)
        .fold(f64::NEG_INFINITY, f64::max);
    let amp1 = ap1.v_peak_mv - ap1.v_rest_mv;
    peak - ap1.v_rest_mv >= 0.8 * amp1 && peak - v0 >= 0.5 * amp1
}

/// Effective refractory period (ms): the shortest S1–S2 coupling interval that
/// elicits a propagating-size response (≥ 80 % of S1 amplitude), found by
/// bisection to `tol_ms` after `n_s1` beats at `bcl_ms`.
pub fn effective_refractory_period<M: CellModel>(
    model: &M,
    bcl_ms: f64,
    n_s1: usize,
    dt_ms: f64,
    tol_ms: f64,
) -> Result<f64> {
    let (v0, s0, ap1) = pace_to_steady_state(model, bcl_ms, n_s1, dt_ms)?;
    let responds = |ci: f64| -> Result<bool> {
        let (mut v, mut s) = (v0, s0);
        let tr = simulate_cell(model, &mut v, &mut s, &[0.0, ci], ci + 60.0, dt_ms, 1)?;
        Ok(s2_captures(&tr, ci, &ap1))
    };
    let (mut lo, mut hi) = (ap1.apd90_ms * 0.3, bcl_ms * 0.95);
    if !responds(hi)? {
        return Err(CardiacError::invalid(
            "bcl_ms",
            bcl_ms,
            "long enough that an S2 at 95 % of it captures",
        ));
    }
    if responds(lo)? {
        return Ok(lo);
    }
    while hi - lo > tol_ms {
        let mid = 0.5 * (lo + hi);
        if responds(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}
