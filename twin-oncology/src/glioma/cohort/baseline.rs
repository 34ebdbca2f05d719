//! The baseline's covariates: the imaging features and age a clinician has before
//! treatment.

use serde::{Deserialize, Serialize};

use crate::error::{OncologyError, Result};
use crate::glioma::tissue::BrainTissue;
use crate::glioma::twin::Segmentation;

/// The pre-treatment information a clinician has, as used by the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BaselineFeatures {
    /// T1Gd volume at the planning scan (mL).
    pub t1gd_volume_ml: f64,
    /// FLAIR volume at the planning scan (mL).
    pub flair_volume_ml: f64,
    /// Specific growth rate of the T1Gd volume between the scans, `ln(V2/V1)/Δt` (1/day).
    pub t1gd_growth_per_day: f64,
    /// Mean atlas white-matter probability within 6 mm of the T1Gd centroid.
    pub white_matter_fraction: f64,
    /// Distance from the T1Gd centroid to the nearest non-tissue voxel (CSF or brain
    /// surface), mm, capped at 30 mm.
    pub distance_to_csf_mm: f64,
    /// Age (years).
    pub age_years: f64,
    /// Days from the planning scan to the start of radiotherapy (the twin knows it too).
    pub rt_delay_days: f64,
}

/// Names of the baseline covariates, in [`BaselineFeatures::row`] order.
pub const BASELINE_COVARIATES: [&str; 7] = [
    "ln_t1gd_ml",
    "ln_flair_ml",
    "t1gd_growth_per_30d",
    "white_matter_fraction",
    "distance_to_csf_cm",
    "age_decades",
    "rt_delay_weeks",
];

impl BaselineFeatures {
    /// Covariate row of the logistic baseline (log volumes, growth per 30 days, …,
    /// RT delay in weeks), in the order of [`BASELINE_COVARIATES`].
    pub fn row(&self) -> Vec<f64> {
        vec![
            self.t1gd_volume_ml.max(1e-3).ln(),
            self.flair_volume_ml.max(1e-3).ln(),
            30.0 * self.t1gd_growth_per_day,
            self.white_matter_fraction,
            self.distance_to_csf_mm / 10.0,
            self.age_years / 10.0,
            self.rt_delay_days / 7.0,
        ]
    }
}

/// Clinician features from the first and last pre-treatment scans.
pub fn baseline_features(
    atlas: &BrainTissue,
    scans: &[Segmentation],
    age_years: f64,
    rt_delay_days: f64,
) -> Result<BaselineFeatures> {
    let (Some(first), Some(last)) = (scans.first(), scans.last()) else {
        return Err(OncologyError::invalid("scans", 0, "at least 2 scans"));
    };
    if scans.len() < 2 {
        return Err(OncologyError::invalid("scans", 1, "at least 2 scans"));
    }
    let (s1, _) = first.summarise(atlas)?;
    let (s2, centre) = last.summarise(atlas)?;
    let dt = last.day - first.day;
    if dt.is_nan() || dt <= 0.0 {
        return Err(OncologyError::invalid(
            "scan days",
            dt,
            "last scan after the first",
        ));
    }
    let g = &atlas.domain.grid;
    let vc = g.voxel_coords(centre);
    let reach = 30.0;
    let r = g.spacing_mm.map(|h| (reach / h).ceil() as isize);
    let (mut wm_sum, mut wm_n, mut dist) = (0.0, 0usize, reach);
    for di in -r[0]..=r[0] {
        for dj in -r[1]..=r[1] {
            for dk in -r[2]..=r[2] {
                let q = [di, dj, dk]
                    .iter()
                    .enumerate()
                    .map(|(a, d)| vc[a].round() as isize + d)
                    .collect::<Vec<_>>();
                let dmm = ((di as f64 * g.spacing_mm[0]).powi(2)
                    + (dj as f64 * g.spacing_mm[1]).powi(2)
                    + (dk as f64 * g.spacing_mm[2]).powi(2))
                .sqrt();
                let inside = (0..3).all(|a| q[a] >= 0 && (q[a] as usize) < g.shape[a]);
                let idx = inside.then(|| [q[0] as usize, q[1] as usize, q[2] as usize]);
                if idx.is_none_or(|ix| !atlas.domain.mask[ix]) {
                    dist = dist.min(dmm);
                } else if let Some(ix) = idx
                    && dmm <= 6.0
                {
                    wm_sum += atlas.p_wm[ix];
                    wm_n += 1;
                }
            }
        }
    }
    Ok(BaselineFeatures {
        t1gd_volume_ml: s2.t1gd_volume_mm3 / 1000.0,
        flair_volume_ml: s2.flair_volume_mm3 / 1000.0,
        t1gd_growth_per_day: (s2.t1gd_volume_mm3 / s1.t1gd_volume_mm3).ln() / dt,
        white_matter_fraction: if wm_n > 0 { wm_sum / wm_n as f64 } else { 0.0 },
        distance_to_csf_mm: dist,
        age_years,
        rt_delay_days,
    })
}
