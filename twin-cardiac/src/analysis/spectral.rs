//! Spectral analysis of local signals with FFTs (`rustfft`): dominant
//! frequency (DF) maps and Hilbert-transform phase.
//!
//! * DF: the frequency of the largest peak of the power spectrum of the
//!   mean-removed, Hann-windowed signal within a band (AF mapping uses
//!   3–15 Hz; Sanders et al. 2005, Circulation 112:789). Resolution is one
//!   bin, `1 / (N Δt)`.
//! * Phase: the argument of the analytic signal `x + i H[x]` (Bray & Wikswo
//!   2002, IEEE TBME 49:1086), computed in the frequency domain by zeroing the
//!   negative frequencies and doubling the positive ones.

use std::sync::Arc;

use rayon::prelude::*;
use rustfft::num_complex::Complex64;
use rustfft::{Fft, FftPlanner};

use crate::error::{CardiacError, Result};

fn check_signal(name: &str, x: &[f64], min_len: usize) -> Result<()> {
    if x.len() < min_len {
        return Err(CardiacError::invalid(
            format!("{name}.len"),
            x.len(),
            format!(">= {min_len} samples"),
        ));
    }
    if let Some(v) = x.iter().find(|v| !v.is_finite()) {
        return Err(CardiacError::invalid(name, v, "finite samples"));
    }
    Ok(())
}

/// Dominant frequency (Hz) of one signal sampled every `sample_ms`, searched
/// in `band_hz = (low, high)`. Errors on fewer than 8 samples, non-finite
/// samples, or a band that contains no frequency bin.
pub fn dominant_frequency_hz(signal: &[f64], sample_ms: f64, band_hz: (f64, f64)) -> Result<f64> {
    let plan = DfPlan::new(signal.len(), sample_ms, band_hz)?;
    check_signal("signal", signal, 8)?;
    let mut buf = vec![Complex64::default(); signal.len()];
    let mut scratch = vec![Complex64::default(); plan.fft.get_inplace_scratch_len()];
    Ok(plan.run(signal, &mut buf, &mut scratch))
}

/// Dominant frequency (Hz) per node from a recording `frames[t][node]`
/// (frames every `sample_ms`, e.g. `Monodomain::v()` collected by
/// `run_observed`). Nodes are processed in parallel; each node's result
/// depends only on its own signal, so the map is deterministic.
pub fn dominant_frequency_map(
    frames: &[Vec<f64>],
    sample_ms: f64,
    band_hz: (f64, f64),
) -> Result<Vec<f64>> {
    let plan = DfPlan::new(frames.len(), sample_ms, band_hz)?;
    let n_nodes = check_frames(frames)?;
    let scratch_len = plan.fft.get_inplace_scratch_len();
    Ok((0..n_nodes)
        .into_par_iter()
        .map_init(
            || {
                (
                    vec![0.0; frames.len()],
                    vec![Complex64::default(); frames.len()],
                    vec![Complex64::default(); scratch_len],
                )
            },
            |(x, buf, scratch), node| {
                x.iter_mut().zip(frames).for_each(|(x, f)| *x = f[node]);
                plan.run(x, buf, scratch)
            },
        )
        .collect())
}

/// Check a recording: at least 8 frames, equal lengths, finite values.
/// Returns the number of nodes.
fn check_frames(frames: &[Vec<f64>]) -> Result<usize> {
    let n = frames.first().map_or(0, Vec::len);
    if n == 0 {
        return Err(CardiacError::invalid(
            "frames",
            "empty",
            "at least one node",
        ));
    }
    for (t, f) in frames.iter().enumerate() {
        if f.len() != n {
            return Err(CardiacError::invalid(
                format!("frames[{t}].len"),
                f.len(),
                format!("= frames[0].len = {n}"),
            ));
        }
        check_signal("frames", f, 0)?;
    }
    Ok(n)
}

/// A planned DF computation for signals of one length.
struct DfPlan {
    fft: Arc<dyn Fft<f64>>,
    window: Vec<f64>,
    bins: std::ops::RangeInclusive<usize>,
    df_hz: f64,
}

impl DfPlan {
    fn new(n: usize, sample_ms: f64, (lo, hi): (f64, f64)) -> Result<Self> {
        if n < 8 {
            return Err(CardiacError::invalid("signal.len", n, ">= 8 samples"));
        }
        if !(sample_ms.is_finite() && sample_ms > 0.0) {
            return Err(CardiacError::invalid("sample_ms", sample_ms, "> 0 ms"));
        }
        let df_hz = 1000.0 / (n as f64 * sample_ms);
        let nyquist = 500.0 / sample_ms;
        let first = (lo / df_hz).ceil().max(1.0);
        let last = (hi.min(nyquist) / df_hz).floor();
        if !(lo.is_finite() && hi.is_finite() && lo >= 0.0 && first <= last) {
            return Err(CardiacError::invalid(
                "band_hz",
                format!("({lo}, {hi})"),
                format!(
                    "0 <= low < high containing a bin (resolution {df_hz:.3} Hz, Nyquist {nyquist:.1} Hz)"
                ),
            ));
        }
        // Periodic Hann window (exact for spectral analysis).
        let window = (0..n)
            .map(|k| 0.5 - 0.5 * (std::f64::consts::TAU * k as f64 / n as f64).cos())
            .collect();
        Ok(Self {
            fft: FftPlanner::new().plan_fft_forward(n),
            window,
            bins: first as usize..=last as usize,
            df_hz,
        })
    }

    fn run(&self, x: &[f64], buf: &mut [Complex64], scratch: &mut [Complex64]) -> f64 {
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        for ((b, &xi), &w) in buf.iter_mut().zip(x).zip(&self.window) {
            *b = Complex64::new((xi - mean) * w, 0.0);
        }
        self.fft.process_with_scratch(buf, scratch);
        // First maximum in the band (ties resolve to the lower frequency).
        let best =
            self.bins
                .clone()
                .fold((*self.bins.start(), f64::NEG_INFINITY), |(kb, pb), k| {
                    let p = buf[k].norm_sqr();
                    if p > pb { (k, p) } else { (kb, pb) }
                });
        best.0 as f64 * self.df_hz
    }
}

/// Instantaneous phase (rad, in (−π, π]) of a signal from its analytic
/// signal (Hilbert transform via FFT) after removing the mean. For
/// `cos(ωt)` over whole periods this is exactly `ωt` wrapped; with a
/// non-integer number of periods the ends are distorted (leakage), so drop
/// a margin of about one period at each end.
pub fn hilbert_phase(signal: &[f64]) -> Result<Vec<f64>> {
    check_signal("signal", signal, 4)?;
    Ok(HilbertPlan::new(signal.len()).run(signal))
}

/// Hilbert phase per node and frame from a recording `frames[t][node]`;
/// returns phases in the same layout, ready for
/// [`super::phase_singularities`] frame by frame.
pub fn hilbert_phase_frames(frames: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    let n_nodes = check_frames(frames)?;
    if frames.len() < 4 {
        return Err(CardiacError::invalid(
            "frames.len",
            frames.len(),
            ">= 4 frames",
        ));
    }
    let plan = HilbertPlan::new(frames.len());
    let per_node: Vec<Vec<f64>> = (0..n_nodes)
        .into_par_iter()
        .map(|node| plan.run(&frames.iter().map(|f| f[node]).collect::<Vec<_>>()))
        .collect();
    Ok((0..frames.len())
        .map(|t| per_node.iter().map(|p| p[t]).collect())
        .collect())
}

struct HilbertPlan {
    fwd: Arc<dyn Fft<f64>>,
    inv: Arc<dyn Fft<f64>>,
}

impl HilbertPlan {
    fn new(n: usize) -> Self {
        let mut planner = FftPlanner::new();
        Self {
            fwd: planner.plan_fft_forward(n),
            inv: planner.plan_fft_inverse(n),
        }
    }

    fn run(&self, signal: &[f64]) -> Vec<f64> {
        let n = signal.len();
        let mean = signal.iter().sum::<f64>() / n as f64;
        let mut buf: Vec<Complex64> = signal
            .iter()
            .map(|&x| Complex64::new(x - mean, 0.0))
            .collect();
        self.fwd.process(&mut buf);
        // Analytic-signal filter: keep DC (and Nyquist for even n), double
        // the positive frequencies, zero the negative ones.
        let half = n.div_ceil(2);
        for (k, b) in buf.iter_mut().enumerate() {
            let h = if k == 0 || (n.is_multiple_of(2) && k == n / 2) {
                1.0
            } else if k < half {
                2.0
            } else {
                0.0
            };
            *b *= h;
        }
        self.inv.process(&mut buf);
        buf.iter().map(|z| z.im.atan2(z.re)).collect()
    }
}
