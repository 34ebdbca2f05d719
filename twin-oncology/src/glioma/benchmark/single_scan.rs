//! The twin from one pre-operative scan, as PREDICT-GBM asks: the tumour-cell density
//! at the time of the scan, whose shape (not its timing) sets the plan.
//!
//! With one scan the growth rate is not identifiable, but the density's shape is: a
//! travelling wave's FLAIR–T1Gd radius gap is `g = κ √(D/ρ)` (see
//! [`crate::glioma::twin`]), so `D = ρ (g/κ)²` with ρ at a population value, and the
//! tumour is grown in the patient's tissue from the T1Gd centroid until its enhancing
//! radius is the observed one.

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::error::{OncologyError, Result};
use crate::glioma::model::{GliomaSim, observe};
use crate::glioma::params::GrowthParams;
use crate::glioma::tissue::BrainTissue;
use crate::glioma::twin::{MAX_ONSET_DAYS, Segmentation, wave_gap_factor};

/// Settings of [`single_scan_density`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SingleScanOptions {
    /// Proliferation rate assumed (1/day); only the timescale depends on it. Default
    /// 0.05/day, within the published 0.005–0.2 (Harpold, Alvord & Swanson 2007).
    pub rho_per_day: f64,
    /// `D_white/D_grey` (10: Swanson et al. 2000).
    pub white_grey_ratio: f64,
    /// Width of the initial Gaussian seed (mm).
    pub seed_sigma_mm: f64,
    /// Smallest front width `√(D/ρ)` used when the gap is under-resolved (mm).
    pub min_width_mm: f64,
}

impl Default for SingleScanOptions {
    fn default() -> Self {
        Self {
            rho_per_day: 0.05,
            white_grey_ratio: 10.0,
            seed_sigma_mm: 2.0,
            min_width_mm: 0.5,
        }
    }
}

/// What the single-scan twin inferred.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SingleScanFit {
    /// Growth parameters used (D from the gap at the assumed ρ).
    pub growth: GrowthParams,
    /// Seed: the scan's T1Gd centroid (mm).
    pub seed_mm: [f64; 3],
    /// Observed T1Gd and FLAIR spherical-equivalent radii (mm).
    pub radii_mm: [f64; 2],
}

/// Tumour-cell density (0–1) on `tissue`'s grid at the time of `scan`, and the fit.
pub fn single_scan_density(
    tissue: &BrainTissue,
    scan: &Segmentation,
    options: &SingleScanOptions,
) -> Result<(Array3<f64>, SingleScanFit)> {
    let rho = options.rho_per_day;
    if !(rho.is_finite() && (1e-3..=0.5).contains(&rho)) {
        return Err(OncologyError::invalid(
            "rho_per_day",
            rho,
            "1e-3 to 0.5 per day",
        ));
    }
    let (s, centroid) = scan.summarise(tissue)?;
    let gap = (s.flair_radius_mm - s.t1gd_radius_mm).max(0.0);
    let width = (gap / wave_gap_factor()).max(options.min_width_mm);
    let growth = GrowthParams {
        diffusion_white_mm2_per_day: (rho * width * width).clamp(1e-3, 5.0),
        rho_per_day: rho,
        white_grey_ratio: options.white_grey_ratio,
    };
    let mut sim = GliomaSim::new(tissue, &growth)?;
    let mut c = sim.seed(centroid, 0.5, options.seed_sigma_mm)?;
    let step = sim.max_dt_days();
    let mut t = 0.0;
    while observe(sim.domain(), &c)?.t1gd_radius_mm < s.t1gd_radius_mm {
        sim.grow(&mut c, step)?;
        t += step;
        if t > MAX_ONSET_DAYS {
            return Err(OncologyError::invalid(
                "single-scan growth",
                format!("D {:.3e}, ρ {rho:.3e}", growth.diffusion_white_mm2_per_day),
                format!(
                    "T1Gd radius {:.1} mm within {MAX_ONSET_DAYS} days",
                    s.t1gd_radius_mm
                ),
            ));
        }
    }
    Ok((
        c,
        SingleScanFit {
            growth,
            seed_mm: centroid,
            radii_mm: [s.t1gd_radius_mm, s.flair_radius_mm],
        },
    ))
}
