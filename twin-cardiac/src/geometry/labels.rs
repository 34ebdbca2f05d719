//! Patient atrial geometry and fibrosis from NIfTI label maps (e.g. an
//! LGE-MRI segmentation), read and written with `twin-io`.
//!
//! Label convention (uint16):
//!
//! | label | meaning |
//! |---|---|
//! | 0 | outside tissue (blood pool, background) |
//! | 1 | atrial wall, healthy |
//! | 2 | atrial wall, fibrotic (LGE-enhanced) |
//! | 3 | pulmonary-vein sleeve (cell-model region 1) |
//! | 4 | scar (e.g. a previous ablation): non-conducting |
//!
//! A label map carries no fibre orientation, so the substrate built from
//! one is isotropic at a given diffusivity; fibrosis is returned as a map to
//! be applied with [`crate::fibrosis::apply_fibrosis`]. The map must be 3D
//! (at least 3 voxels along every axis, so that a wall has a depth).

use std::path::Path;

use ndarray::{Array3, Array4};
use serde::{Deserialize, Serialize};
use twin_core::pde::Domain;
use twin_io::nifti_io::{LabelMap, read_labels, write_labels};

use crate::error::{CardiacError, Result};
use crate::tissue::Substrate;
use crate::tissue::substrate::core_err;

/// Label of voxels outside tissue.
pub const OUTSIDE: u16 = 0;
/// Label of healthy atrial wall.
pub const WALL: u16 = 1;
/// Label of fibrotic atrial wall.
pub const FIBROSIS: u16 = 2;
/// Label of PV-sleeve wall.
pub const PV_SLEEVE: u16 = 3;
/// Label of non-conducting scar.
pub const SCAR: u16 = 4;

/// An atrium read from a label map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtriumLabels {
    /// Isotropic substrate on the map's grid (tissue = labels 1–3).
    pub substrate: Substrate,
    /// Fibrotic voxels (label 2).
    pub fibrosis: Array3<bool>,
    /// Fraction of tissue voxels that are fibrotic (Utah-stage-like burden).
    pub fibrosis_burden: f64,
}

/// Build an isotropic substrate (diffusivity `d_mm2_per_ms`) from a label map.
/// Errors on a 2D or too thin grid, unknown labels, or no wall voxel.
pub fn atrium_from_labels(map: &LabelMap, d_mm2_per_ms: f64) -> Result<AtriumLabels> {
    let g = map.grid;
    g.check_shape("labels", &map.labels).map_err(core_err)?;
    if g.shape.iter().any(|&n| n < 3) {
        return Err(CardiacError::invalid(
            "label map shape",
            format!("{:?}", g.shape),
            "a 3D volume with at least 3 voxels along x, y and z",
        ));
    }
    if !(d_mm2_per_ms.is_finite() && d_mm2_per_ms > 0.0) {
        return Err(CardiacError::invalid(
            "d_mm2_per_ms",
            d_mm2_per_ms,
            "finite and > 0 mm²/ms",
        ));
    }
    if let Some(bad) = map.labels.iter().find(|&&l| l > SCAR) {
        return Err(CardiacError::invalid(
            "label",
            bad,
            "0 outside, 1 wall, 2 fibrosis, 3 PV sleeve, 4 scar",
        ));
    }
    let mask = map
        .labels
        .mapv(|l| matches!(l, WALL | FIBROSIS | PV_SLEEVE));
    let n_tissue = mask.iter().filter(|&&m| m).count();
    if n_tissue == 0 {
        return Err(CardiacError::invalid(
            "label map",
            "no wall voxel (labels 1–3)",
            "at least one atrial-wall voxel",
        ));
    }
    let fibrosis = map.labels.mapv(|l| l == FIBROSIS);
    let n_fib = fibrosis.iter().filter(|&&f| f).count();
    let s = g.shape;
    let substrate = Substrate {
        domain: Domain::new(g, mask).map_err(core_err)?,
        fibre: Array4::from_shape_fn((s[0], s[1], s[2], 3), |(_, _, _, a)| (a == 0) as u8 as f64),
        d_long_mm2_per_ms: Array3::from_elem(s, d_mm2_per_ms),
        d_trans_mm2_per_ms: Array3::from_elem(s, d_mm2_per_ms),
        region: map.labels.mapv(|l| (l == PV_SLEEVE) as u8),
    };
    substrate.validate()?;
    Ok(AtriumLabels {
        substrate,
        fibrosis,
        fibrosis_burden: n_fib as f64 / n_tissue as f64,
    })
}

/// Read a NIfTI label map (`.nii` or `.nii.gz`) and build the atrium.
pub fn read_atrium_nifti(path: impl AsRef<Path>, d_mm2_per_ms: f64) -> Result<AtriumLabels> {
    atrium_from_labels(&read_labels(path)?, d_mm2_per_ms)
}

/// Label map of a substrate: tissue voxels get 3 in region 1, else 2 where
/// `fibrosis` is set, else 1; non-tissue voxels 0.
pub fn labels_of(sub: &Substrate, fibrosis: Option<&Array3<bool>>) -> Result<LabelMap> {
    let g = sub.domain.grid;
    if let Some(f) = fibrosis {
        g.check_shape("fibrosis", f).map_err(core_err)?;
    }
    let labels = Array3::from_shape_fn(g.shape, |idx| {
        if !sub.domain.mask[idx] {
            OUTSIDE
        } else if sub.region[idx] == 1 {
            PV_SLEEVE
        } else if fibrosis.is_some_and(|f| f[idx]) {
            FIBROSIS
        } else {
            WALL
        }
    });
    Ok(LabelMap { grid: g, labels })
}

/// Write a substrate (and optional fibrosis map) as a NIfTI label map.
pub fn write_atrium_nifti(
    path: impl AsRef<Path>,
    sub: &Substrate,
    fibrosis: Option<&Array3<bool>>,
) -> Result<()> {
    Ok(write_labels(path, &labels_of(sub, fibrosis)?)?)
}
