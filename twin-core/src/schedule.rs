//! Treatment schedules: timed interventions that restart the integration.
//!
//! A [`Plan<I>`] is a time-ordered list of interventions of any kind `I` (a disease
//! crate uses its own: an oral dose, a radiotherapy fraction, an ablation lesion).
//! For ODE models the generic kind is [`Action`]: a bolus added to a state, an
//! infusion switching a constant input rate on for a duration, a parameter change, or
//! a state reset. [`simulate_plan`] splits `[t0, t_end]` at every time something
//! changes and restarts the integrator there, so no discontinuity is ever stepped over.
//!
//! ```
//! use twin_core::ode::{FnSystem, SolverOptions};
//! use twin_core::schedule::{simulate_plan, Action, Plan};
//! // 100 mg into state 0 every 8 h for 7 days (21 doses), elimination 0.1 /h.
//! let plan = Plan::every(0.0, 8.0, 7.0 * 24.0, Action::Bolus { state: 0, amount: 100.0 }).unwrap();
//! assert_eq!(plan.len(), 21);
//! let sys = FnSystem::new(1, |_t, y: &[f64], dy: &mut [f64]| dy[0] = -0.1 * y[0]);
//! let sol = simulate_plan(&sys, &plan, 0.0, &[0.0], 168.0, &[168.0], &SolverOptions::default()).unwrap();
//! assert!(sol.y[0][0] > 0.0);
//! ```

use crate::error::{CoreError, Result};
use crate::ode::{Event, Integrator, OdeSystem, Recorder, Solution, SolverOptions};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// One intervention at a time (model time units).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timed<I> {
    /// When it happens.
    pub t: f64,
    /// What happens.
    pub what: I,
}

/// A treatment plan: interventions in time order (ties keep insertion order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan<I> {
    items: Vec<Timed<I>>,
}

impl<I> Default for Plan<I> {
    fn default() -> Self {
        Plan { items: Vec::new() }
    }
}

impl<I: Clone> Plan<I> {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add `what` at time `t` (kept sorted). Errors if `t` is not finite.
    pub fn add(&mut self, t: f64, what: I) -> Result<&mut Self> {
        if !t.is_finite() {
            return Err(CoreError::invalid("intervention time", t, "a finite time"));
        }
        let pos = self.items.partition_point(|x| x.t <= t);
        self.items.insert(pos, Timed { t, what });
        Ok(self)
    }

    /// Builder form of [`add`](Self::add).
    pub fn with(mut self, t: f64, what: I) -> Result<Self> {
        self.add(t, what)?;
        Ok(self)
    }

    /// A regimen: `what` at `start`, `start + interval`, … for every time strictly
    /// before `start + duration` ("100 mg every 8 h for 7 days" =
    /// `Plan::every(0.0, 8.0, 168.0, dose)`, 21 doses).
    pub fn every(start: f64, interval: f64, duration: f64, what: I) -> Result<Self> {
        crate::error::ensure_finite("start", start)?;
        crate::error::ensure_positive("interval", interval)?;
        crate::error::ensure_positive("duration", duration)?;
        let count = (duration / interval - 1e-9).ceil().max(1.0) as usize;
        Self::repeated(start, interval, count, what)
    }

    /// `count` repetitions of `what` at `start + k·interval`, `k = 0..count`.
    pub fn repeated(start: f64, interval: f64, count: usize, what: I) -> Result<Self> {
        crate::error::ensure_finite("start", start)?;
        crate::error::ensure_positive("interval", interval)?;
        if count == 0 || count > 1_000_000 {
            return Err(CoreError::invalid(
                "count",
                count,
                "an integer in [1, 1000000]",
            ));
        }
        let mut plan = Plan::new();
        for k in 0..count {
            plan.add(start + k as f64 * interval, what.clone())?;
        }
        Ok(plan)
    }

    /// Merge two plans (e.g. a loading dose and a maintenance regimen).
    pub fn merged(mut self, other: &Plan<I>) -> Self {
        for it in &other.items {
            let pos = self.items.partition_point(|x| x.t <= it.t);
            self.items.insert(pos, it.clone());
        }
        self
    }

    /// Translate each intervention into another kind (a disease crate maps its own
    /// interventions to [`Action`]s this way).
    pub fn map<J: Clone>(&self, mut f: impl FnMut(&I) -> Result<J>) -> Result<Plan<J>> {
        let items = self
            .items
            .iter()
            .map(|x| {
                Ok(Timed {
                    t: x.t,
                    what: f(&x.what)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Plan { items })
    }
}

impl<I> Plan<I> {
    /// The interventions in time order.
    pub fn items(&self) -> &[Timed<I>] {
        &self.items
    }
    /// Number of interventions.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// `true` if the plan has no interventions.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// What an ODE-level intervention does to the system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Add `amount` (state units, > 0) to `state` instantly (an IV bolus, an oral dose
    /// into a gut compartment).
    Bolus {
        /// Index of the state variable.
        state: usize,
        /// Amount added (state units), > 0.
        amount: f64,
    },
    /// Add a constant input `rate` (state units per time unit, > 0) to `d state/dt`
    /// for `duration` (time units, > 0). Overlapping infusions add up.
    Infusion {
        /// Index of the state variable.
        state: usize,
        /// Input rate (state units per time unit), > 0.
        rate: f64,
        /// How long the infusion runs (time units), > 0.
        duration: f64,
    },
    /// Set parameter `index` of the system to `value` (see [`OdeSystem::set_parameter`]).
    SetParameter {
        /// Parameter index, as defined by the system.
        index: usize,
        /// New value (parameter units).
        value: f64,
    },
    /// Set `state` to `value` (e.g. a resection resets a tumour burden).
    ResetState {
        /// Index of the state variable.
        state: usize,
        /// New value (state units).
        value: f64,
    },
}

impl Action {
    fn validate(&self, dim: usize, k: usize) -> Result<()> {
        let check_state = |state: usize| {
            if state < dim {
                Ok(())
            } else {
                Err(CoreError::invalid(
                    format!("plan[{k}].state"),
                    state,
                    format!("an index < {dim}"),
                ))
            }
        };
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(CoreError::invalid(
                    format!("plan[{k}].{name}"),
                    v,
                    "a finite number > 0",
                ))
            }
        };
        match *self {
            Action::Bolus { state, amount } => {
                check_state(state)?;
                positive("amount", amount)
            }
            Action::Infusion {
                state,
                rate,
                duration,
            } => {
                check_state(state)?;
                positive("rate", rate)?;
                positive("duration", duration)
            }
            Action::SetParameter { value, .. } => {
                crate::error::ensure_finite(&format!("plan[{k}].value"), value).map(|_| ())
            }
            Action::ResetState { state, value } => {
                check_state(state)?;
                crate::error::ensure_finite(&format!("plan[{k}].value"), value).map(|_| ())
            }
        }
    }
}

/// The system plus the infusion rates running during one segment of a plan
/// (`None` when no infusion runs: the common case costs nothing extra).
struct WithInputs<'a, S> {
    sys: &'a S,
    rates: Option<&'a [f64]>,
}

/// Breakpoints closer than this many ulps of the horizon's largest time are one:
/// a segment that short is below the integrator's smallest step (`16 ε |t|`), and
/// such pairs arise from rounding (`3 × 0.1 ≠ 0.3`), not from the plan's intent.
const MERGE_ULPS: f64 = 64.0;

impl<S: OdeSystem> OdeSystem for WithInputs<'_, S> {
    fn dim(&self) -> usize {
        self.sys.dim()
    }
    #[inline]
    fn rhs(&self, t: f64, y: &[f64], dydt: &mut [f64]) {
        self.sys.rhs(t, y, dydt);
        if let Some(rates) = self.rates {
            for (d, r) in dydt.iter_mut().zip(rates) {
                *d += r;
            }
        }
    }
    fn jacobian(&self, t: f64, y: &[f64], jac: &mut DMatrix<f64>) -> bool {
        self.sys.jacobian(t, y, jac)
    }
    fn autonomous(&self) -> bool {
        self.sys.autonomous()
    }
    /// The system's invariants `cᵀy` that the segment's inputs leave unchanged
    /// (`cᵀr = 0`); an infusion feeding one adds mass, so that one is not enforced.
    fn linear_invariants(&self) -> Vec<Vec<f64>> {
        let mut inv = self.sys.linear_invariants();
        if let Some(rates) = self.rates {
            inv.retain(|c| c.iter().zip(rates).map(|(c, r)| c * r).sum::<f64>() == 0.0);
        }
        inv
    }
}

/// Integrate `system` under `plan` from `(t0, y0)` to `t_end`, restarting at every
/// intervention (and infusion end). Interventions at a time apply before the output at
/// that time (outputs are right-continuous: a dose at `t` shows in the output at `t`).
/// Every intervention time must lie in `[t0, t_end]`. Times a rounding error apart
/// (within 64 ulps of `max(|t0|, |t_end|)`, e.g. a dose at `3 × 0.1` and an infusion
/// ending at `0.3`) are one breakpoint, at the earliest of them: all their actions
/// apply there, in plan order. Declared [`OdeSystem::linear_invariants`] are
/// enforced on every segment except those an infusion changes (`cᵀr ≠ 0`).
pub fn simulate_plan<S: OdeSystem + Clone>(
    system: &S,
    plan: &Plan<Action>,
    t0: f64,
    y0: &[f64],
    t_end: f64,
    t_out: &[f64],
    opts: &SolverOptions,
) -> Result<Solution> {
    simulate_plan_with_events(system, plan, t0, y0, t_end, t_out, &[], opts)
}

/// [`simulate_plan`] with events (see [`solve_with_events`](crate::ode::solve_with_events)). A crossing caused by
/// the jump of an intervention itself is not reported; crossings between
/// interventions are. A terminal event ends the whole plan.
#[allow(clippy::too_many_arguments)]
pub fn simulate_plan_with_events<S: OdeSystem + Clone>(
    system: &S,
    plan: &Plan<Action>,
    t0: f64,
    y0: &[f64],
    t_end: f64,
    t_out: &[f64],
    events: &[Event<'_>],
    opts: &SolverOptions,
) -> Result<Solution> {
    let n = system.dim();
    crate::ode::ensure_span(t0, t_end)?;
    opts.validate(n)?;
    crate::ode::validate_t_out(t_out, t0, t_end)?;
    for (k, it) in plan.items().iter().enumerate() {
        if !(it.t >= t0 && it.t <= t_end) {
            return Err(CoreError::invalid(
                format!("plan[{k}].t"),
                it.t,
                format!("a time in the horizon [{t0}, {t_end}]"),
            ));
        }
        it.what.validate(n, k)?;
    }
    crate::ode::validate_y0(y0, n)?;

    // Breakpoints: t0, every intervention time, every infusion end inside the horizon, t_end.
    let mut times = vec![t0, t_end];
    for it in plan.items() {
        times.push(it.t);
        if let Action::Infusion { duration, .. } = it.what
            && it.t + duration < t_end
        {
            times.push(it.t + duration);
        }
    }
    times.sort_by(f64::total_cmp);
    // Times within `tol` after a breakpoint belong to it (its actions apply there):
    // `due(t, tb)` is the one test used for merging and for applying actions.
    let tol = MERGE_ULPS * f64::EPSILON * t0.abs().max(t_end.abs());
    let due = |t: f64, tb: f64| t <= tb + tol;
    let mut breaks: Vec<f64> = Vec::with_capacity(times.len());
    for t in times {
        if !breaks.last().is_some_and(|&tb| due(t, tb)) {
            breaks.push(t);
        }
    }
    // The last cluster contains t_end; the run ends exactly there.
    match breaks.as_mut_slice() {
        [_, .., last] => *last = t_end,
        _ => breaks.push(t_end),
    }

    // Pass 1: the infusion rates and the system version (after parameter changes)
    // in force on each segment [breaks[b], breaks[b + 1]).
    let n_seg = breaks.len() - 1;
    let mut systems = vec![system.clone()];
    let mut system_of_segment = Vec::with_capacity(n_seg);
    let mut rates = vec![0.0; n_seg * n];
    let mut infusions: Vec<(f64, usize, f64)> = Vec::new(); // (end time, state, rate)
    let mut next_item = 0;
    for (b, &tb) in breaks[..n_seg].iter().enumerate() {
        // Infusions ending now stop before new actions start.
        infusions.retain(|&(end, _, _)| !due(end, tb));
        let mut changed = false;
        while next_item < plan.len() && due(plan.items()[next_item].t, tb) {
            let t_item = plan.items()[next_item].t;
            match plan.items()[next_item].what {
                Action::Infusion {
                    state,
                    rate,
                    duration,
                } => {
                    // The end as computed for the breakpoints, not from tb. One
                    // ending within this breakpoint's tolerance never runs (else it
                    // would run until the next breakpoint).
                    let end = t_item + duration;
                    if !due(end, tb) {
                        infusions.push((end, state, rate));
                    }
                }
                Action::SetParameter { index, value } => {
                    if !changed {
                        systems.push(systems[systems.len() - 1].clone());
                        changed = true;
                    }
                    let last = systems.len() - 1;
                    systems[last].set_parameter(index, value)?;
                }
                Action::Bolus { .. } | Action::ResetState { .. } => {}
            }
            next_item += 1;
        }
        system_of_segment.push(systems.len() - 1);
        // Summed afresh (not kept running by += and −=), so a segment after the
        // last infusion has rates exactly 0, and its invariants are enforced again.
        for &(_, state, rate) in &infusions {
            rates[b * n + state] += rate;
        }
    }
    let segments: Vec<WithInputs<'_, S>> = (0..n_seg)
        .map(|b| WithInputs {
            sys: &systems[system_of_segment[b]],
            rates: Some(&rates[b * n..(b + 1) * n]).filter(|r| r.iter().any(|&r| r != 0.0)),
        })
        .collect();

    // Pass 2: jumps in the state, outputs, and one integrator restarted at every
    // breakpoint (no allocation per dose).
    let mut y = y0.to_vec();
    let mut out = Solution::empty(t_out.len(), opts.dense_output.then_some(t0));
    let mut integ: Option<Integrator<'_, WithInputs<'_, S>>> = None;
    let mut rec = Recorder::new(n, events.len());
    let mut next_item = 0;
    let mut next_out = 0;
    let every_step = t_out.is_empty();
    for (b, &tb) in breaks.iter().enumerate() {
        while next_item < plan.len() && due(plan.items()[next_item].t, tb) {
            match plan.items()[next_item].what {
                Action::Bolus { state, amount } => y[state] += amount,
                Action::ResetState { state, value } => y[state] = value,
                Action::Infusion { .. } | Action::SetParameter { .. } => {}
            }
            next_item += 1;
        }
        while next_out < t_out.len() && t_out[next_out] <= tb {
            out.t.push(t_out[next_out]);
            out.y.push(y.clone());
            next_out += 1;
        }
        if every_step {
            out.t.push(tb);
            out.y.push(y.clone());
        }
        let (Some(&tn), Some(seg)) = (breaks.get(b + 1), segments.get(b)) else {
            break;
        };
        let it = match integ.as_mut() {
            Some(it) => {
                it.restart_with(seg, tb, &y, tn)?;
                it
            }
            None => integ.insert(Integrator::new(seg, tb, &y, tn, opts)?),
        };
        // Outputs strictly inside (tb, tn); the state at tn is written after tn's actions.
        let hi = next_out + t_out[next_out..].partition_point(|&t| t < tn);
        rec.run(
            it,
            &t_out[next_out..hi],
            every_step,
            false,
            events,
            &mut out,
        )?;
        out.stats = *it.stats();
        if out.terminated_by.is_some() {
            return Ok(out);
        }
        next_out = hi;
        y.copy_from_slice(it.y());
    }
    Ok(out)
}
