//! Simulation-derived features of the twin for hybrid prediction: what the
//! twin's inducibility test shows beyond the clinical record. The hybrid
//! idea (simulated inducibility plus clinical covariates in one learned
//! model) follows Shade et al. 2020 (Circ Arrhythm Electrophysiol
//! 13:e008213) and Roney et al. 2022 (Circ Arrhythm Electrophysiol
//! 15:e010253).

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::ablation::InducibilityResult;
use crate::error::{CardiacError, Result};
use crate::geometry::AtrialSheet;

/// Radius (mm) of the disk around a re-entry cell in which the LGE density
/// is measured (one re-entry cell of the default 5 mm lattice plus margin).
pub const NEAR_REENTRY_MM: f64 = 5.0;

/// Features of one twin simulation (inducibility after a strategy).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TwinFeatures {
    /// Fraction of pacing sites from which AF sustained.
    pub inducible_fraction: f64,
    /// Re-entry-cell samples per pacing site (each sustained episode adds
    /// one per wound cell every [`crate::ablation::inducibility::PHASE_SAMPLE_MS`]): how
    /// many circuits persisted, and for how long.
    pub reentry_samples_per_site: f64,
    /// Mean LGE-enhanced fraction of tissue within [`NEAR_REENTRY_MM`] of the
    /// re-entry cells (0 when there was no re-entry): fibrosis where
    /// re-entry anchors.
    pub lge_near_reentry: f64,
    /// Fraction of re-entry samples on the posterior wall, i.e. inside the
    /// rectangle spanned by the four PV ostium centres (0 when none).
    pub posterior_wall_reentry: f64,
}

impl TwinFeatures {
    /// Names of [`TwinFeatures::values`].
    pub const NAMES: [&'static str; 4] = [
        "inducible_fraction",
        "reentry_samples_per_site",
        "lge_near_reentry",
        "posterior_wall_reentry",
    ];

    /// The features in the order of [`TwinFeatures::NAMES`].
    pub fn values(&self) -> [f64; 4] {
        [
            self.inducible_fraction,
            self.reentry_samples_per_site,
            self.lge_near_reentry,
            self.posterior_wall_reentry,
        ]
    }

    /// Features of an inducibility `result` on `sheet`, whose LGE map (on the
    /// sheet's grid) is `lge_map`.
    pub fn from_inducibility(
        result: &InducibilityResult,
        sheet: &AtrialSheet,
        lge_map: &Array3<bool>,
    ) -> Result<Self> {
        let g = sheet.substrate.domain.grid;
        if lge_map.shape() != g.shape {
            return Err(CardiacError::invalid(
                "lge_map",
                format!("{:?}", lge_map.shape()),
                format!("the sheet's grid shape {:?}", g.shape),
            ));
        }
        let positions = &result.reentry_positions_mm;
        let n_sites = result.sites_mm.len().max(1) as f64;
        if positions.is_empty() {
            return Ok(Self {
                inducible_fraction: result.inducible_fraction,
                reentry_samples_per_site: 0.0,
                lge_near_reentry: 0.0,
                posterior_wall_reentry: 0.0,
            });
        }
        let mask = &sheet.substrate.domain.mask;
        let r2 = NEAR_REENTRY_MM * NEAR_REENTRY_MM;
        let (mut tissue, mut enhanced) = (0usize, 0usize);
        for p in positions {
            for ((i, j, k), &m) in mask.indexed_iter() {
                let c = g.centre_mm(i, j, k);
                if m && (c[0] - p[0]).powi(2) + (c[1] - p[1]).powi(2) <= r2 {
                    tissue += 1;
                    enhanced += usize::from(lge_map[[i, j, k]]);
                }
            }
        }
        let pv = &sheet.pv_centres_mm;
        let (x0, x1) = pv
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), c| {
                (a.min(c[0]), b.max(c[0]))
            });
        let (y0, y1) = pv
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), c| {
                (a.min(c[1]), b.max(c[1]))
            });
        let posterior = positions
            .iter()
            .filter(|p| (x0..=x1).contains(&p[0]) && (y0..=y1).contains(&p[1]))
            .count();
        Ok(Self {
            inducible_fraction: result.inducible_fraction,
            reentry_samples_per_site: positions.len() as f64 / n_sites,
            lge_near_reentry: enhanced as f64 / tissue.max(1) as f64,
            posterior_wall_reentry: posterior as f64 / positions.len() as f64,
        })
    }
}
