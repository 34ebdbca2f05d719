//! The [`Recorder`]: outputs, event hits and the dense interpolant of a run.

use super::events::{crosses, locate};
use super::integrator::Integrator;
use super::{Event, EventHit, OdeSystem, Solution};
use crate::error::Result;

/// Steps an [`Integrator`] to its end while writing outputs, event hits and the
/// dense interpolant into a [`Solution`]; its buffers are reused across the
/// segments of a treatment plan.
pub(crate) struct Recorder {
    g_old: Vec<f64>,
    buf: Vec<f64>,
    hits: Vec<(f64, usize)>,
}

impl Recorder {
    pub(crate) fn new(dim: usize, n_events: usize) -> Self {
        Recorder {
            g_old: Vec::with_capacity(n_events),
            buf: vec![0.0; dim],
            hits: Vec::with_capacity(n_events),
        }
    }

    /// Run `integ` (freshly started or restarted) to its `t_end`. Writes the
    /// states at `t_out` (all after the start, sorted), or at every accepted
    /// step if `every_step`; the step ending at `t_end` is written only if
    /// `include_end`. Crossings are detected from the start state on, so a
    /// jump applied before a restart is never reported as one.
    pub(crate) fn run<S: OdeSystem + ?Sized>(
        &mut self,
        integ: &mut Integrator<'_, S>,
        t_out: &[f64],
        every_step: bool,
        include_end: bool,
        events: &[Event<'_>],
        sol: &mut Solution,
    ) -> Result<()> {
        let Recorder { g_old, buf, hits } = self;
        g_old.clear();
        g_old.extend(events.iter().map(|e| (e.function)(integ.t(), integ.y())));
        let t_end = integ.t_end;
        let mut next = 0;
        while integ.step()? {
            let step = integ.last_step();
            let (ta, tb) = (step.t_start, integ.t());
            let mut t_stop = tb;
            hits.clear();
            for (e, ev) in events.iter().enumerate() {
                let g_new = (ev.function)(tb, integ.y());
                if crosses(ev.direction, g_old[e], g_new) {
                    hits.push((locate(step, &*ev.function, ta, g_old[e], tb, g_new, buf), e));
                }
                g_old[e] = g_new;
            }
            hits.sort_by(|x, y| x.0.total_cmp(&y.0));
            for &(te, e) in hits.iter() {
                step.eval(te, buf);
                sol.events.push(EventHit {
                    index: e,
                    t: te,
                    y: buf.clone(),
                });
                if events[e].terminal {
                    t_stop = te;
                    sol.terminated_by = Some(e);
                    break;
                }
            }
            let stopped = sol.terminated_by.is_some();
            while next < t_out.len() && t_out[next] <= t_stop {
                let t = t_out[next];
                if t == tb {
                    sol.y.push(integ.y().to_vec());
                } else {
                    step.eval(t, buf);
                    sol.y.push(buf.clone());
                }
                sol.t.push(t);
                next += 1;
            }
            if every_step && (include_end || stopped || t_stop < t_end) {
                sol.t.push(t_stop);
                sol.y.push(if t_stop == tb {
                    integ.y().to_vec()
                } else {
                    step.eval(t_stop, buf);
                    buf.clone()
                });
            }
            if let Some(d) = sol.dense.as_mut() {
                d.steps.push(step.clone());
                d.t_end = t_stop;
            }
            if stopped {
                break;
            }
        }
        Ok(())
    }
}
