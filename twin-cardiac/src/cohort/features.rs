//! Simulation-derived features of the twin for hybrid prediction: what the
//! twin's inducibility test shows beyond the clinical record; and the image
//! features of the LGE map alone ([`LgeMapFeatures`]), so that a baseline sees the
//! fibrosis pattern the twin simulates on. The hybrid
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
        check_on_grid(lge_map, sheet)?;
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
        let posterior_wall = PosteriorWall::of(sheet);
        let posterior = positions
            .iter()
            .filter(|p| posterior_wall.contains(p[0], p[1]))
            .count();
        Ok(Self {
            inducible_fraction: result.inducible_fraction,
            reentry_samples_per_site: positions.len() as f64 / n_sites,
            lge_near_reentry: enhanced as f64 / tissue.max(1) as f64,
            posterior_wall_reentry: posterior as f64 / positions.len() as f64,
        })
    }
}

/// The posterior wall of the sheet: the rectangle spanned by the four PV ostium
/// centres (mm).
struct PosteriorWall {
    x_mm: (f64, f64),
    y_mm: (f64, f64),
}

impl PosteriorWall {
    fn of(sheet: &AtrialSheet) -> Self {
        let span = |axis: usize| {
            sheet
                .pv_centres_mm
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), c| {
                    (a.min(c[axis]), b.max(c[axis]))
                })
        };
        Self {
            x_mm: span(0),
            y_mm: span(1),
        }
    }

    fn contains(&self, x_mm: f64, y_mm: f64) -> bool {
        (self.x_mm.0..=self.x_mm.1).contains(&x_mm) && (self.y_mm.0..=self.y_mm.1).contains(&y_mm)
    }
}

/// Image features of an LGE map, without any simulation: where the enhancement
/// lies and how it clusters — the pattern information a radiomics-style baseline
/// has (LGE texture and location predict recurrence after PVI; e.g. Cochet et al.
/// 2018, JACC Clin Electrophysiol 4:17, on fibrosis entropy) and that the twin's
/// simulation also uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LgeMapFeatures {
    /// Enhanced share of the posterior wall's tissue (inside the PV rectangle), 0–1.
    pub posterior_wall_lge: f64,
    /// Share of enhanced voxels with at least two enhanced in-plane neighbours
    /// (scattered voxels → 0, confluent patches → 1; 0 without enhancement).
    pub lge_compactness: f64,
    /// Mean area of the 4-connected enhanced clusters, mm² (0 without enhancement).
    pub mean_cluster_area_mm2: f64,
}

impl LgeMapFeatures {
    /// Names of [`LgeMapFeatures::values`].
    pub const NAMES: [&'static str; 3] = [
        "posterior_wall_lge",
        "lge_compactness",
        "ln1p_mean_cluster_area_mm2",
    ];

    /// The covariates in the order of [`LgeMapFeatures::NAMES`] (the cluster area
    /// on a log scale: it spans orders of magnitude between diffuse and compact maps).
    pub fn values(&self) -> [f64; 3] {
        [
            self.posterior_wall_lge,
            self.lge_compactness,
            self.mean_cluster_area_mm2.ln_1p(),
        ]
    }

    /// Features of `lge_map` (on `sheet`'s grid; only tissue voxels count).
    pub fn from_map(sheet: &AtrialSheet, lge_map: &Array3<bool>) -> Result<Self> {
        let g = sheet.substrate.domain.grid;
        check_on_grid(lge_map, sheet)?;
        let mask = &sheet.substrate.domain.mask;
        let enhanced = |i: usize, j: usize, k: usize| mask[[i, j, k]] && lge_map[[i, j, k]];
        let [nx, ny, nz] = g.shape;
        let wall = PosteriorWall::of(sheet);
        let (mut wall_tissue, mut wall_enhanced) = (0usize, 0usize);
        let (mut n_enhanced, mut compact) = (0usize, 0usize);
        for ((i, j, k), &m) in mask.indexed_iter() {
            if !m {
                continue;
            }
            let c = g.centre_mm(i, j, k);
            let e = enhanced(i, j, k);
            if wall.contains(c[0], c[1]) {
                wall_tissue += 1;
                wall_enhanced += usize::from(e);
            }
            if e {
                n_enhanced += 1;
                let neighbours = in_plane_neighbours(i, j, nx, ny)
                    .filter(|&(a, b)| enhanced(a, b, k))
                    .count();
                compact += usize::from(neighbours >= 2);
            }
        }
        // Clusters by flood fill (4-connected within each layer).
        let mut seen = Array3::from_elem(g.shape, false);
        let mut clusters = 0usize;
        let mut stack = Vec::new();
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    if !enhanced(i, j, k) || seen[[i, j, k]] {
                        continue;
                    }
                    clusters += 1;
                    seen[[i, j, k]] = true;
                    stack.push((i, j));
                    while let Some((a, b)) = stack.pop() {
                        for (c, d) in in_plane_neighbours(a, b, nx, ny) {
                            if enhanced(c, d, k) && !seen[[c, d, k]] {
                                seen[[c, d, k]] = true;
                                stack.push((c, d));
                            }
                        }
                    }
                }
            }
        }
        let voxel_area_mm2 = g.spacing_mm[0] * g.spacing_mm[1];
        let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        Ok(Self {
            posterior_wall_lge: share(wall_enhanced, wall_tissue),
            lge_compactness: share(compact, n_enhanced),
            mean_cluster_area_mm2: share(n_enhanced, clusters) * voxel_area_mm2,
        })
    }
}

/// Error unless `lge_map` has the shape of `sheet`'s grid.
fn check_on_grid(lge_map: &Array3<bool>, sheet: &AtrialSheet) -> Result<()> {
    let shape = sheet.substrate.domain.grid.shape;
    if lge_map.shape() != shape {
        return Err(CardiacError::invalid(
            "lge_map",
            format!("{:?}", lge_map.shape()),
            format!("the sheet's grid shape {shape:?}"),
        ));
    }
    Ok(())
}

/// The (up to four) in-plane 4-neighbours of voxel (i, j) on an nx × ny layer.
fn in_plane_neighbours(
    i: usize,
    j: usize,
    nx: usize,
    ny: usize,
) -> impl Iterator<Item = (usize, usize)> {
    [
        (i.wrapping_sub(1), j),
        (i + 1, j),
        (i, j.wrapping_sub(1)),
        (i, j + 1),
    ]
    .into_iter()
    .filter(move |&(a, b)| a < nx && b < ny)
}
