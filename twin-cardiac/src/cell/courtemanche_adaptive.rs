//! Adaptive-step integration of one Courtemanche cell.
//!
//! The scheme is the second-order Rush–Larsen method of Sundnes, Artebrant,
//! Skavhaug & Tveito 2009 (IEEE Trans Biomed Eng 56:2546): a first-order
//! Rush–Larsen / forward-Euler half step predicts the state at the midpoint,
//! and the full step relaxes every gate exponentially with the midpoint's
//! steady state and time constant and advances V and the concentrations
//! with the midpoint's derivatives (explicit midpoint rule). The first-order
//! full step from the start-point rates comes almost free (its decay factors
//! are the squares of the half step's), and the difference between the two
//! estimates the local error of the step. Steps are accepted when that
//! error, weighted per variable, is below `tol`, and the next step is scaled
//! by `(tol / error)^(1/2)`: the upstroke runs at ~µs steps, plateau and rest
//! at up to `dt_max_ms`.
//!
//! Stimulus onsets and offsets are step boundaries, so the discontinuous
//! stimulus never falls inside a step. The voltage-dependent rates come from
//! a lookup table (see [`super::CourtemancheLut`]) built once per call
//! (5,000 rows at the default 0.05 mV, a few ms).

use serde::{Deserialize, Serialize};

use super::courtemanche::{N_VGATES, advance};
use super::courtemanche_lut::{GateColumn, GateTable, check_bin};
use super::{ApMeasure, CellModel, Courtemanche, CourtemancheState, Trace, measure_ap};
use crate::error::{CardiacError, Result};

/// Step-size control of [`simulate_courtemanche_adaptive`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdaptiveSettings {
    /// Local error tolerance per step (dimensionless): the error of V is
    /// weighted by `tol × (|V| + 1 mV)`, of a gate by `tol`, of a
    /// concentration by `tol × |c|`.
    pub tol: f64,
    /// Smallest step (ms); a step this small is accepted whatever its error.
    pub dt_min_ms: f64,
    /// Largest step (ms).
    pub dt_max_ms: f64,
    /// Bin width (mV) of the lookup table of the voltage-dependent rates
    /// (see [`super::CourtemancheLut`]; interpolation error < 1e-5 relative
    /// at 0.02 mV and ~6× that at the default 0.05 mV, far below `tol`).
    pub bin_mv: f64,
}

impl Default for AdaptiveSettings {
    /// `tol` 1e-3, steps 1e-4 to 2 ms, 0.05 mV table bins: APD90 within about 0.1 ms of the
    /// converged value at 1 Hz, at beat 1 and at beat 100 (see the
    /// `cell_models` tests and the `cell` bench).
    fn default() -> Self {
        Self {
            tol: 1e-3,
            dt_min_ms: 1e-4,
            dt_max_ms: 2.0,
            bin_mv: 0.05,
        }
    }
}

/// Step counts of an adaptive run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AdaptiveStats {
    /// Accepted steps.
    pub accepted: usize,
    /// Rejected (repeated with a smaller step) steps.
    pub rejected: usize,
}

impl AdaptiveSettings {
    fn validate(&self) -> Result<()> {
        if !(self.tol.is_finite() && self.tol > 0.0 && self.tol < 1.0) {
            return Err(CardiacError::invalid("tol", self.tol, "0 < tol < 1"));
        }
        if !(self.dt_min_ms.is_finite() && self.dt_min_ms > 0.0) {
            return Err(CardiacError::invalid("dt_min_ms", self.dt_min_ms, "> 0 ms"));
        }
        if !(self.dt_max_ms.is_finite() && self.dt_max_ms >= self.dt_min_ms) {
            return Err(CardiacError::invalid(
                "dt_max_ms",
                self.dt_max_ms,
                format!(">= dt_min_ms ({} ms), finite", self.dt_min_ms),
            ));
        }
        check_bin(self.bin_mv)
    }
}

/// One second-order Rush–Larsen step of size `h` at a constant stimulus.
/// Returns the new `(V, state)` and the weighted error estimate (≤ 1 when
/// the step meets `tol`).
fn rl2_step(
    model: &Courtemanche,
    table: &GateTable,
    v: f64,
    s: &CourtemancheState,
    stim: f64,
    h: f64,
    tol: f64,
) -> (f64, CourtemancheState, f64) {
    // Rates at the start point and the first-order half step.
    let (inf0, rate0, cf0) = table.terms(model, v);
    let r0 = model.rhs(v, &cf0, s, stim);
    let half: [f64; N_VGATES] = rate0.map(|k| (-0.5 * h * k).exp());
    let ca_half = r0.ca_tau.map(|t| (-0.5 * h / t).exp());
    let mut s_mid = *s;
    advance(&mut s_mid, &inf0, &half, &r0, ca_half, 0.5 * h);
    let v_mid = v + 0.5 * h * (r0.dvdt + stim);
    // The first-order full step, for the error estimate.
    let mut s1 = *s;
    advance(
        &mut s1,
        &inf0,
        &half.map(|e| e * e),
        &r0,
        ca_half.map(|e| e * e),
        h,
    );
    let v1 = v + h * (r0.dvdt + stim);
    // The second-order step with the midpoint rates.
    let (inf_m, rate_m, cf_m) = table.terms(model, v_mid);
    let r_m = model.rhs(v_mid, &cf_m, &s_mid, stim);
    let mut s2 = *s;
    advance(
        &mut s2,
        &inf_m,
        &rate_m.map(|k| (-h * k).exp()),
        &r_m,
        r_m.ca_tau.map(|t| (-h / t).exp()),
        h,
    );
    let v2 = v + h * (r_m.dvdt + stim);

    let mut err = (v2 - v1).abs() / (tol * (v2.abs() + 1.0));
    let (g1, g2) = (s1.vgates(), s2.vgates());
    for i in 0..N_VGATES {
        err = err.max((g2[i] - g1[i]).abs() / tol);
    }
    let (c1, c2) = (s1.cagates(), s2.cagates());
    for i in 0..3 {
        err = err.max((c2[i] - c1[i]).abs() / tol);
    }
    let (x1, x2) = (s1.conc(), s2.conc());
    for i in 0..5 {
        err = err.max((x2[i] - x1[i]).abs() / (tol * x2[i].abs()));
    }
    (v2, s2, err)
}

/// Integrate one Courtemanche cell from `(v, state)` for `duration_ms` with
/// adaptive steps, applying the model's default stimulus at each time in
/// `stim_times_ms` (relative to the start). With `record`, the trace holds
/// every accepted step. Leaves `(v, state)` at the end.
pub fn simulate_courtemanche_adaptive(
    model: &Courtemanche,
    v: &mut f64,
    state: &mut CourtemancheState,
    stim_times_ms: &[f64],
    duration_ms: f64,
    settings: &AdaptiveSettings,
    record: bool,
) -> Result<(Trace, AdaptiveStats)> {
    settings.validate()?;
    let table = GateTable::new(model, GateColumn::Rate, settings.bin_mv);
    simulate_with_table(
        model,
        &table,
        v,
        state,
        stim_times_ms,
        duration_ms,
        settings,
        record,
    )
}

/// [`simulate_courtemanche_adaptive`] with a rate table built by the caller
/// (settings already validated).
#[allow(clippy::too_many_arguments)]
fn simulate_with_table(
    model: &Courtemanche,
    table: &GateTable,
    v: &mut f64,
    state: &mut CourtemancheState,
    stim_times_ms: &[f64],
    duration_ms: f64,
    settings: &AdaptiveSettings,
    record: bool,
) -> Result<(Trace, AdaptiveStats)> {
    if !(duration_ms.is_finite() && duration_ms >= 0.0) {
        return Err(CardiacError::invalid(
            "duration_ms",
            duration_ms,
            "finite and >= 0",
        ));
    }
    if let Some(&bad) = stim_times_ms.iter().find(|t| !t.is_finite()) {
        return Err(CardiacError::invalid("stim_times_ms", bad, "finite"));
    }
    let pulse = model.default_stimulus();
    // Pulse windows [on, off), sorted, as step boundaries.
    let mut pulses: Vec<(f64, f64)> = stim_times_ms
        .iter()
        .map(|&t| (t, t + pulse.duration_ms))
        .collect();
    pulses.sort_by(|a, b| a.0.total_cmp(&b.0));

    let mut trace = Trace {
        t_ms: Vec::new(),
        v_mv: Vec::new(),
    };
    let mut stats = AdaptiveStats::default();
    let (mut t, mut dt) = (0.0, settings.dt_min_ms.max(0.01).min(settings.dt_max_ms));
    let mut next = 0; // first pulse that has not ended
    if record {
        trace.t_ms.push(t);
        trace.v_mv.push(*v);
    }
    while t < duration_ms {
        while next < pulses.len() && pulses[next].1 <= t {
            next += 1;
        }
        // Stimulus over [t, boundary): on inside a pulse, off before the next.
        let (stim, boundary) = match pulses.get(next) {
            Some(&(on, off)) if on <= t => (pulse.amplitude_per_ms, off),
            Some(&(on, _)) => (0.0, on),
            None => (0.0, f64::INFINITY),
        };
        let boundary = boundary.min(duration_ms);
        let clipped = t + dt >= boundary;
        let h = if clipped { boundary - t } else { dt };
        let (v_new, s_new, err) = rl2_step(model, table, *v, state, stim, h, settings.tol);
        let factor = if err > 0.0 {
            (0.9 / err.sqrt()).clamp(0.2, 4.0)
        } else {
            4.0
        };
        if err <= 1.0 || h <= settings.dt_min_ms {
            if !v_new.is_finite() {
                return Err(CardiacError::invalid(
                    "membrane potential",
                    v_new,
                    "finite (the integration diverged: reduce tol or dt_max_ms)",
                ));
            }
            *v = v_new;
            *state = s_new;
            t = if clipped { boundary } else { t + h };
            stats.accepted += 1;
            if record {
                trace.t_ms.push(t);
                trace.v_mv.push(*v);
            }
            // A step shortened to meet a boundary says little about the
            // next one: only let it shrink the step.
            dt = if clipped {
                dt.min(h * factor)
            } else {
                h * factor
            };
        } else {
            stats.rejected += 1;
            dt = h * factor;
        }
        dt = dt.clamp(settings.dt_min_ms, settings.dt_max_ms);
    }
    Ok((trace, stats))
}

/// Pace one Courtemanche cell from rest for `n_beats` at `bcl_ms` with the
/// adaptive integrator; returns the last beat's measurements and the step
/// counts of the whole run (the adaptive analogue of
/// [`super::pace_to_steady_state`]).
pub fn pace_courtemanche_adaptive(
    model: &Courtemanche,
    bcl_ms: f64,
    n_beats: usize,
    settings: &AdaptiveSettings,
) -> Result<(ApMeasure, AdaptiveStats)> {
    if n_beats == 0 {
        return Err(CardiacError::invalid("n_beats", 0, ">= 1"));
    }
    if !(bcl_ms.is_finite() && bcl_ms > 10.0) {
        return Err(CardiacError::invalid("bcl_ms", bcl_ms, "> 10 ms"));
    }
    settings.validate()?;
    let table = GateTable::new(model, GateColumn::Rate, settings.bin_mv);
    let (mut v, mut s) = model.resting();
    let times: Vec<f64> = (0..n_beats - 1).map(|k| k as f64 * bcl_ms).collect();
    let (_, mut stats) = simulate_with_table(
        model,
        &table,
        &mut v,
        &mut s,
        &times,
        (n_beats - 1) as f64 * bcl_ms,
        settings,
        false,
    )?;
    let (tr, last) = simulate_with_table(
        model,
        &table,
        &mut v,
        &mut s,
        &[0.0],
        bcl_ms,
        settings,
        true,
    )?;
    stats.accepted += last.accepted;
    stats.rejected += last.rejected;
    let ap = measure_ap(&tr, 0.0, model.activation_threshold()).ok_or_else(|| {
        CardiacError::invalid("bcl_ms", bcl_ms, "long enough for a full action potential")
    })?;
    Ok((ap, stats))
}
