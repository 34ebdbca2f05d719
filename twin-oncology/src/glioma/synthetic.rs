//! In-silico patients: scans made by a "truth" simulation with boundary noise.
//!
//! The truth should differ from the twin's settings (e.g. 1 mm truth vs 2 mm twin)
//! so that a calibration test is not the model fitting its own output.

use ndarray::Array3;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use twin_core::pde::Grid;

use super::model::{GliomaSim, label_map, observe};
use super::params::GrowthParams;
use super::tissue::{BrainTissue, face_neighbours};
use super::twin::Segmentation;
use crate::error::{OncologyError, Result};

/// Truth run: seed at `seed_mm`, first scan when the T1Gd radius reaches `r1_mm`,
/// further scans `gaps_days` later. Boundary noise: each voxel on the boundary of
/// a labelled region flips in or out with probability `flip_probability`.
/// Returns the scans (first on day 0) and the true density at the last scan.
pub fn virtual_scans(
    tissue: &BrainTissue,
    growth: &GrowthParams,
    seed_mm: [f64; 3],
    r1_mm: f64,
    gaps_days: &[f64],
    flip_probability: f64,
    rng: &mut ChaCha8Rng,
) -> Result<(Vec<Segmentation>, Array3<f64>)> {
    let mut sim = GliomaSim::new(tissue, growth)?;
    let mut c = sim.seed(seed_mm, 0.5, 2.0)?;
    let chunk = 1.0;
    let mut t = 0.0;
    let mut r = observe(sim.domain(), &c)?.t1gd_radius_mm;
    while r < r1_mm {
        sim.grow(&mut c, chunk)?;
        r = sim.observe_last()?.t1gd_radius_mm;
        t += chunk;
        if t > super::twin::MAX_ONSET_DAYS {
            return Err(OncologyError::invalid(
                "truth growth",
                t,
                "detection within the onset limit",
            ));
        }
    }
    let grid = tissue.domain.grid;
    let mut scans = vec![noisy_scan(0.0, grid, &c, flip_probability, rng)?];
    let mut day = 0.0;
    for &g in gaps_days {
        sim.grow(&mut c, g)?;
        day += g;
        scans.push(noisy_scan(day, grid, &c, flip_probability, rng)?);
    }
    Ok((scans, c))
}

/// A scan of density `c` on `day`: its label map ([`label_map`]) with boundary noise
/// (each voxel with a face neighbour of another label takes that label with
/// probability `flip_probability`).
pub fn noisy_scan(
    day: f64,
    grid: Grid,
    c: &Array3<f64>,
    flip_probability: f64,
    rng: &mut ChaCha8Rng,
) -> Result<Segmentation> {
    if !(0.0..=1.0).contains(&flip_probability) {
        return Err(OncologyError::invalid(
            "flip_probability",
            flip_probability,
            "0 to 1",
        ));
    }
    grid.check_shape("c", c)?;
    Segmentation::from_labels(day, grid, &noisy(&label_map(c), flip_probability, rng))
}

/// Flip boundary voxels (a face neighbour has a different label) to that neighbour's label.
fn noisy(labels: &Array3<u16>, p: f64, rng: &mut ChaCha8Rng) -> Array3<u16> {
    let mut out = labels.clone();
    let s = labels.dim();
    let shape = [s.0, s.1, s.2];
    for ((i, j, k), &l) in labels.indexed_iter() {
        let nb = face_neighbours(shape, [i, j, k])
            .map(|q| labels[q])
            .find(|&m| m != l);
        if let Some(m) = nb
            && rng.random::<f64>() < p
        {
            out[[i, j, k]] = m;
        }
    }
    out
}
