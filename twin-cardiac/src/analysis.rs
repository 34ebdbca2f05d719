//! Analysis of simulated electrograms and maps: local activation times,
//! conduction velocity, phase, phase singularities, dominant frequency and
//! AF classification.

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::cell::CellModel;
use crate::error::{CardiacError, Result};
use crate::tissue::{Monodomain, NO_NODE};

/// Node nearest to a world point (mm), if it lies in tissue.
pub fn node_at<M: CellModel>(md: &Monodomain<M>, p_mm: [f64; 3]) -> Result<usize> {
    let g = &md.substrate().domain.grid;
    let c = g.voxel_coords(p_mm);
    let mut idx = [0usize; 3];
    for a in 0..3 {
        let r = c[a].round();
        if r < 0.0 || r >= g.shape[a] as f64 {
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
