//! The `solve` drivers: validate the request, run an [`Integrator`] through a
//! [`Recorder`] and return the [`Solution`].

use super::dense::DenseSolution;
use super::integrator::Integrator;
use super::recorder::Recorder;
use super::{Event, OdeSystem, Solution, SolverOptions, Stats};
use crate::error::{CoreError, Result};

/// Integrate `sys` from `(t0, y0)` to `t_end`, reporting the state at each time in
/// `t_out` (sorted, within `[t0, t_end]`), or at every accepted step if `t_out` is empty.
pub fn solve<S: OdeSystem + ?Sized>(
    sys: &S,
    t0: f64,
    y0: &[f64],
    t_end: f64,
    t_out: &[f64],
    opts: &SolverOptions,
) -> Result<Solution> {
    solve_with_events(sys, t0, y0, t_end, t_out, &[], opts)
}

/// Check that output times are finite, sorted and within `[t0, t_end]`.
pub(crate) fn validate_t_out(t_out: &[f64], t0: f64, t_end: f64) -> Result<()> {
    for (i, &t) in t_out.iter().enumerate() {
        if !(t.is_finite() && t >= t0 && t <= t_end) {
            return Err(CoreError::invalid(
                format!("t_out[{i}]"),
                t,
                format!("a time in [{t0}, {t_end}]"),
            ));
        }
        if i > 0 && t < t_out[i - 1] {
            return Err(CoreError::invalid(
                format!("t_out[{i}]"),
                t,
                format!("sorted: >= t_out[{}] = {}", i - 1, t_out[i - 1]),
            ));
        }
    }
    Ok(())
}

/// [`solve`] with event detection: each [`Event`]'s zero crossings are located on the
/// dense output and listed in [`Solution::events`]; a terminal event stops the run
/// (outputs after it are not produced).
pub fn solve_with_events<S: OdeSystem + ?Sized>(
    sys: &S,
    t0: f64,
    y0: &[f64],
    t_end: f64,
    t_out: &[f64],
    events: &[Event<'_>],
    opts: &SolverOptions,
) -> Result<Solution> {
    let mut integ = Integrator::new(sys, t0, y0, t_end, opts)?;
    validate_t_out(t_out, t0, t_end)?;
    let mut sol = Solution::empty(t_out.len(), opts.dense_output.then_some(t0));
    let first_inside = t_out.partition_point(|&t| t <= t0);
    for &t in &t_out[..first_inside] {
        sol.t.push(t);
        sol.y.push(y0.to_vec());
    }
    if t_out.is_empty() {
        sol.t.push(t0);
        sol.y.push(y0.to_vec());
    }
    let mut rec = Recorder::new(sys.dim(), events.len());
    rec.run(
        &mut integ,
        &t_out[first_inside..],
        t_out.is_empty(),
        true,
        events,
        &mut sol,
    )?;
    sol.stats = *integ.stats();
    Ok(sol)
}

impl Solution {
    /// No rows yet; room for `rows` outputs; a dense interpolant starting at
    /// `dense_from` if given.
    pub(crate) fn empty(rows: usize, dense_from: Option<f64>) -> Self {
        Solution {
            t: Vec::with_capacity(rows),
            y: Vec::with_capacity(rows),
            events: Vec::new(),
            terminated_by: None,
            stats: Stats::default(),
            dense: dense_from.map(|t0| DenseSolution {
                steps: Vec::new(),
                t_end: t0,
            }),
        }
    }
}
