//! Analysis of simulated electrograms and maps: local activation times,
//! conduction velocity, phase (time delay or Hilbert transform), phase
//! singularities, dominant frequency (FFT) and AF classification.

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::cell::CellModel;
use crate::error::{CardiacError, Result};
use crate::tissue::{Monodomain, NO_NODE};

pub mod spectral;
pub use spectral::{
    dominant_frequency_hz, dominant_frequency_map, hilbert_phase, hilbert_phase_frames,
};

/// Node nearest to a world point (mm), if it lies in tissue.
pub fn node_at<M: CellModel>(md: &Monodomain<M>, p_mm: [f64; 3]) -> Result<usize> {
    let g = &md.substrate().domain.grid;
    let c = g.voxel_coords(p_mm);
    let mut idx = [0usize; 3];
    for a in 0..3 {
        let r = c[a].round();
        // Negated so that NaN (which compares false) is outside too.
        if !(r >= 0.0 && r < g.shape[a] as f64) {
            return Err(CardiacError::invalid(
                "point_mm",
                format!("{p_mm:?}"),
                "inside the grid",
            ));
        }
        idx[a] = r as usize;
    }
    match md.index()[idx] {
        NO_NODE => Err(CardiacError::invalid(
            "point_mm",
            format!("{p_mm:?}"),
            "a tissue voxel",
        )),
        n => Ok(n as usize),
    }
}

/// Conduction velocity (m/s = mm/ms) between two points from their first
/// activation times.
pub fn conduction_velocity_between<M: CellModel>(
    md: &Monodomain<M>,
    a_mm: [f64; 3],
    b_mm: [f64; 3],
) -> Result<f64> {
    let (na, nb) = (node_at(md, a_mm)?, node_at(md, b_mm)?);
    let (ta, tb) = (md.first_activation_ms()[na], md.first_activation_ms()[nb]);
    if !(ta.is_finite() && tb.is_finite() && tb != ta) {
        return Err(CardiacError::invalid(
            "activation times",
            format!("{ta}, {tb}"),
            "both points activated at different times",
        ));
    }
    let d = (0..3)
        .map(|k| (b_mm[k] - a_mm[k]).powi(2))
        .sum::<f64>()
        .sqrt();
    Ok(d / (tb - ta).abs())
}

/// Activation-time map on the grid (ms, NaN where not activated or outside).
pub fn activation_map<M: CellModel>(md: &Monodomain<M>, first: bool) -> Array3<f64> {
    md.to_grid(if first {
        md.first_activation_ms()
    } else {
        md.last_activation_ms()
    })
}

/// Summary of an AF episode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AfOutcome {
    /// True if activity persisted to the end of the observation window.
    pub sustained: bool,
    /// Time (ms after the last stimulus) when activity ended, if it did.
    pub terminated_at_ms: Option<f64>,
}

/// Wrap an angle difference into (−π, π].
fn wrap(d: f64) -> f64 {
    let tau = std::f64::consts::TAU;
    let mut x = d % tau;
    if x > std::f64::consts::PI {
        x -= tau;
    } else if x <= -std::f64::consts::PI {
        x += tau;
    }
    x
}

/// Phase per node from time-delay embedding (Gray et al. 1998, Nature
/// 392:75): `θ = atan2(V(t − τ) − V*, V(t) − V*)`, with `V*` a value inside
/// the action-potential range (e.g. the mid-level).
pub fn phase_from_delay(v_now: &[f64], v_delayed: &[f64], v_star: f64) -> Result<Vec<f64>> {
    if v_now.len() != v_delayed.len() {
        return Err(CardiacError::invalid(
            "v_delayed.len",
            v_delayed.len(),
            format!("= v_now.len() = {}", v_now.len()),
        ));
    }
    Ok(v_now
        .iter()
        .zip(v_delayed)
        .map(|(&a, &b)| (b - v_star).atan2(a - v_star))
        .collect())
}

/// A phase singularity: a point around which the phase winds by ±2π.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhaseSingularity {
    /// Position (mm): centre of the 2 × 2 plaquette.
    pub x_mm: f64,
    /// Position (mm).
    pub y_mm: f64,
    /// Topological charge (+1 counter-clockwise, −1 clockwise).
    pub charge: i32,
}

/// Phase singularities on a 2D substrate: for every 2 × 2 plaquette of
/// non-lesion tissue nodes, the topological charge `(1/2π) ∮ ∇θ · dl` is
/// computed as the sum of wrapped phase differences around it
/// (Iyer & Gray 2001, Ann Biomed Eng 29:47); non-zero charges are returned.
pub fn phase_singularities<M: CellModel>(
    md: &Monodomain<M>,
    phase: &[f64],
) -> Result<Vec<PhaseSingularity>> {
    let g = md.substrate().domain.grid;
    if !g.is_2d() {
        return Err(CardiacError::invalid(
            "grid",
            format!("{:?}", g.shape),
            "a 2D sheet (nz = 1)",
        ));
    }
    if phase.len() != md.n_nodes() {
        return Err(CardiacError::invalid(
            "phase.len",
            phase.len(),
            format!("= number of nodes {}", md.n_nodes()),
        ));
    }
    let idx = md.index();
    let lesion = md.lesion();
    let mut out = Vec::new();
    for i in 0..g.shape[0].saturating_sub(1) {
        for j in 0..g.shape[1].saturating_sub(1) {
            // Counter-clockwise loop in (x, y).
            let loop_ = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
            let mut th = [0.0; 4];
            let mut ok = true;
            for (q, &[a, b]) in loop_.iter().enumerate() {
                let n = idx[[a, b, 0]];
                if n == NO_NODE || lesion[n as usize] {
                    ok = false;
                    break;
                }
                th[q] = phase[n as usize];
            }
            if !ok {
                continue;
            }
            let s: f64 = (0..4).map(|q| wrap(th[(q + 1) % 4] - th[q])).sum();
            let charge = (s / std::f64::consts::TAU).round() as i32;
            if charge != 0 {
                let c = g.centre_mm(i, j, 0);
                out.push(PhaseSingularity {
                    x_mm: c[0] + 0.5 * g.spacing_mm[0],
                    y_mm: c[1] + 0.5 * g.spacing_mm[1],
                    charge,
                });
            }
        }
    }
    Ok(out)
}

/// A tracked phase singularity (rotor core) over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RotorTrack {
    /// Topological charge.
    pub charge: i32,
    /// First and last time seen (ms).
    pub t_start_ms: f64,
    /// Last time seen (ms).
    pub t_end_ms: f64,
    /// Positions (mm) per observation.
    pub path_mm: Vec<[f64; 2]>,
}

impl RotorTrack {
    /// Lifetime (ms).
    pub fn lifetime_ms(&self) -> f64 {
        self.t_end_ms - self.t_start_ms
    }
}

/// Link phase singularities across frames `(t_ms, PSs)` into tracks: a PS
/// continues the nearest open track of equal charge ending in the previous
/// frame within `max_jump_mm`; otherwise it starts a new track.
pub fn track_singularities(
    frames: &[(f64, Vec<PhaseSingularity>)],
    max_jump_mm: f64,
) -> Vec<RotorTrack> {
    let mut tracks: Vec<RotorTrack> = Vec::new();
    let mut prev_t = f64::NAN;
    for (t, pss) in frames {
        let mut taken = vec![false; tracks.len()];
        for ps in pss {
            let best = tracks
                .iter()
                .enumerate()
                .filter(|(k, tr)| !taken[*k] && tr.charge == ps.charge && tr.t_end_ms == prev_t)
                .map(|(k, tr)| {
                    let p = tr.path_mm.last().copied().unwrap_or([f64::NAN; 2]);
                    (
                        k,
                        ((p[0] - ps.x_mm).powi(2) + (p[1] - ps.y_mm).powi(2)).sqrt(),
                    )
                })
                .filter(|&(_, d)| d <= max_jump_mm)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((k, _)) => {
                    taken[k] = true;
                    tracks[k].t_end_ms = *t;
                    tracks[k].path_mm.push([ps.x_mm, ps.y_mm]);
                }
                None => {
                    tracks.push(RotorTrack {
                        charge: ps.charge,
                        t_start_ms: *t,
                        t_end_ms: *t,
                        path_mm: vec![[ps.x_mm, ps.y_mm]],
                    });
                    taken.push(true);
                }
            }
        }
        prev_t = *t;
    }
    tracks
}

/// Activation rate per node (Hz) over a window: number of activations in the
/// window divided by its length. A cheap proxy for the dominant frequency
/// during regular activity; for irregular AF use the spectral
/// [`dominant_frequency_map`].
pub fn activation_rate_hz(counts_before: &[u32], counts_after: &[u32], window_ms: f64) -> Vec<f64> {
    counts_before
        .iter()
        .zip(counts_after)
        .map(|(&a, &b)| (b.saturating_sub(a)) as f64 * 1000.0 / window_ms)
        .collect()
}

/// Observe a simulation for `window_ms` after the last stimulus and classify
/// the episode: sustained if any tissue is still excited at the end.
/// `sample_ms` sets how often activity is checked; it is rounded to whole
/// time steps. Errors (before simulating) unless `0 < window_ms` and
/// `dt <= sample_ms` are finite, and errors if the membrane potential became
/// non-finite (a diverged sheet is never read as a terminated episode).
pub fn classify_af<M: CellModel>(
    md: &mut Monodomain<M>,
    window_ms: f64,
    sample_ms: f64,
) -> Result<AfOutcome> {
    if !(window_ms.is_finite() && window_ms > 0.0) {
        return Err(CardiacError::invalid(
            "window_ms",
            window_ms,
            "finite and > 0 ms",
        ));
    }
    // A shorter sample rounds to zero steps: no time would pass.
    let dt = md.dt_ms();
    if !(sample_ms.is_finite() && sample_ms >= dt) {
        return Err(CardiacError::invalid(
            "sample_ms",
            sample_ms,
            format!("finite and >= the time step {dt} ms"),
        ));
    }
    // Count samples of the step-rounded interval that is actually simulated.
    let sample_ms = (sample_ms / dt).round() * dt;
    let n = (window_ms / sample_ms).ceil() as usize;
    let t0 = md.t_ms();
    for _ in 0..n {
        md.run(sample_ms);
        md.check_finite()?;
        if md.excited_fraction() == 0.0 {
            // Nothing can re-excite an entirely quiescent sheet.
            return Ok(AfOutcome {
                sustained: false,
                terminated_at_ms: Some(md.t_ms() - t0),
            });
        }
    }
    Ok(AfOutcome {
        sustained: true,
        terminated_at_ms: None,
    })
}
