//! Forward runs of the twin: from the seed until the simulated T1Gd radius reaches the
//! first scan's (the model clock's anchor), then on to given offsets; the state on a day.

use ndarray::Array3;

use super::CalibratedTwin;
use crate::error::{OncologyError, Result};
use crate::glioma::model::{
    GliomaSim, GrowthTrajectory, ImagingSummary, observe, region_centroids_mm,
};
use crate::glioma::params::GrowthParams;
use crate::glioma::tissue::BrainTissue;

/// Largest simulated time from seed to the first scan (days); slower tumours are an error.
pub const MAX_ONSET_DAYS: f64 = 5000.0;

/// Tissue beyond the calibration crop kept for forecasts (mm).
const FORECAST_MARGIN_MM: f64 = 20.0;

/// Simulate from the seed until T1Gd reaches `r1`, then follow `offsets` (days after
/// that moment, increasing, ≥ 0); returns the state at the last offset, the time of
/// the first scan on the model clock, the history, and observations at each offset.
pub(super) struct Run {
    pub(super) c: Array3<f64>,
    pub(super) t_first: f64,
    pub(super) history: GrowthTrajectory,
    pub(super) at_offsets: Vec<ImagingSummary>,
    /// T1Gd and FLAIR centroids at each offset (mm).
    pub(super) centroids: Vec<[Option<[f64; 3]>; 2]>,
}

pub(super) fn run(
    tissue: &BrainTissue,
    growth: &GrowthParams,
    seed_mm: [f64; 3],
    seed_sigma_mm: f64,
    r1_mm: f64,
    offsets: &[f64],
    record: bool,
) -> Result<Run> {
    let mut sim = GliomaSim::new(tissue, growth)?;
    let mut c = sim.seed(seed_mm, 0.5, seed_sigma_mm)?;
    let mut history = GrowthTrajectory::default();
    history.t_days.push(0.0);
    history.imaging.push(observe(sim.domain(), &c)?);
    // Observe every 4 steps (observation costs about as much as a step); the radius
    // grows smoothly, so interpolating between records locates the anchor accurately.
    let chunk = 4.0 * sim.max_dt_days();
    let mut before_chunk = c.clone();
    let mut t = 0.0;
    let t_first = loop {
        before_chunk.assign(&c);
        sim.grow(&mut c, chunk)?;
        t += chunk;
        history.t_days.push(t);
        history.imaging.push(sim.observe_last()?);
        if let Some(tf) = history.time_t1gd_reaches(r1_mm) {
            break tf;
        }
        if t > MAX_ONSET_DAYS {
            return Err(OncologyError::invalid(
                "growth parameters",
                format!(
                    "D {:.3e}, ρ {:.3e}",
                    growth.diffusion_white_mm2_per_day, growth.rho_per_day
                ),
                format!("T1Gd radius {r1_mm:.1} mm reached within {MAX_ONSET_DAYS} days"),
            ));
        }
    };
    // Back to the anchor: the last chunk overshot it by up to 4 steps, which can be
    // longer than the gap to the next scan (slow tumours take steps of weeks), so
    // re-run that chunk from its start up to `t_first` exactly.
    let chunk_start = (t - chunk).max(0.0);
    c = before_chunk;
    history.t_days.pop();
    history.imaging.pop();
    if t_first > chunk_start {
        sim.grow(&mut c, t_first - chunk_start)?;
    }
    t = t_first;
    let at_anchor = observe(sim.domain(), &c)?;
    if t_first > chunk_start {
        history.t_days.push(t_first);
        history.imaging.push(at_anchor);
    }
    let mut at_offsets = Vec::with_capacity(offsets.len());
    let mut centroids = Vec::with_capacity(offsets.len());
    let mut latest = at_anchor;
    for &off in offsets {
        let target = t_first + off;
        if target > t {
            if record {
                sim.grow_recording(&mut c, t, target - t, &mut history)?;
            } else {
                sim.grow(&mut c, target - t)?;
            }
            t = target;
            latest = sim.observe_last()?;
        }
        at_offsets.push(latest);
        centroids.push(region_centroids_mm(sim.domain(), &c)?);
    }
    Ok(Run {
        c,
        t_first,
        history,
        at_offsets,
        centroids,
    })
}

impl CalibratedTwin {
    /// Simulated density at `day` (same clock as the scans), on `tissue` cropped
    /// with `extra_margin_mm` beyond the calibration crop; returns the crop too.
    pub fn density_at(
        &self,
        tissue: &BrainTissue,
        day: f64,
        extra_margin_mm: f64,
    ) -> Result<(BrainTissue, Array3<f64>)> {
        let crop = tissue.crop(
            self.crop_centre_mm,
            self.crop_half_width_mm + extra_margin_mm,
        )?;
        let r1 = self.first_t1gd_radius_mm;
        let r = run(
            &crop,
            &self.growth,
            self.seed_mm,
            self.options.seed_sigma_mm,
            r1,
            &[(day - self.first_scan_day).max(0.0)],
            false,
        )?;
        Ok((crop, r.c))
    }

    /// The forecast tissue (calibration crop + 20 mm) and the run from the seed to
    /// `day` with growth parameters `growth` (the fit's, or a variant of it).
    pub(super) fn state_at(
        &self,
        growth: &GrowthParams,
        tissue: &BrainTissue,
        day: f64,
        record: bool,
    ) -> Result<(BrainTissue, Run)> {
        let off = day - self.first_scan_day;
        if !(off.is_finite() && off >= 0.0) {
            return Err(OncologyError::invalid(
                "rt_start_day",
                day,
                format!("on or after the first scan day {}", self.first_scan_day),
            ));
        }
        let crop = tissue.crop(
            self.crop_centre_mm,
            self.crop_half_width_mm + FORECAST_MARGIN_MM,
        )?;
        let r = run(
            &crop,
            growth,
            self.seed_mm,
            self.options.seed_sigma_mm,
            self.first_t1gd_radius_mm,
            &[off],
            record,
        )?;
        Ok((crop, r))
    }
}
