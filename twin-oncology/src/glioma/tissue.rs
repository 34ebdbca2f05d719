//! Brain tissue from the MNI ICBM152 2009 atlas: where tumour cells may go, and how fast.
//!
//! **Mask rule (invadable tissue).** A voxel is brain parenchyma when
//! `p_gm + p_wm ≥ 0.25` ([`MIN_TISSUE_PROBABILITY`]), except partial-volume voxels with
//! `p_gm + p_wm < 0.5` whose T1 intensity is below 0.5 × the median T1 of pure white
//! matter (`p_wm > 0.9`) ([`CSF_T1_FRACTION`]): dark on T1 means cerebrospinal fluid,
//! which tumour cells do not invade. Everything else (CSF, skull, background) is outside
//! the mask, where the diffusion operator imposes no flux.
//!
//! **Mixing rule (diffusivity).** `D(x) = D_white · (p_wm + p_gm / ratio)`, i.e. a
//! volume-fraction-weighted mean of white- and grey-matter diffusivities with
//! `D_grey = D_white / ratio` (Swanson et al. 2000), ratio 10 by default.

use std::path::Path;

use ndarray::Array3;
use twin_core::pde::{Domain, Grid};

use crate::error::{OncologyError, Result};

/// Minimum `p_gm + p_wm` of an invadable voxel.
pub const MIN_TISSUE_PROBABILITY: f64 = 0.25;
/// Partial-volume voxels darker than this fraction of white-matter T1 are CSF.
pub const CSF_T1_FRACTION: f64 = 0.5;

/// Tissue probabilities on a grid, and the invadable mask.
#[derive(Debug, Clone)]
pub struct BrainTissue {
    /// Grid and invadable-tissue mask.
    pub domain: Domain,
    /// Grey-matter probability (0–1).
    pub p_gm: Array3<f64>,
    /// White-matter probability (0–1).
    pub p_wm: Array3<f64>,
}

fn io_err(e: twin_io::IoError) -> OncologyError {
    OncologyError::Io {
        what: "MNI152 atlas".into(),
        message: e.to_string(),
    }
}

impl BrainTissue {
    /// Tissue from probability maps and an optional T1 image (for the CSF rule).
    pub fn from_probabilities(
        grid: Grid,
        p_gm: Array3<f64>,
        p_wm: Array3<f64>,
        t1: Option<&Array3<f64>>,
    ) -> Result<Self> {
        grid.check_shape("p_gm", &p_gm)?;
        grid.check_shape("p_wm", &p_wm)?;
        if let Some(t) = t1 {
            grid.check_shape("t1", t)?;
        }
        for (name, p) in [("p_gm", &p_gm), ("p_wm", &p_wm)] {
            if let Some(bad) = p.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                return Err(OncologyError::invalid(name, bad, "probabilities in 0 to 1"));
            }
        }
        let t1_wm = t1.map(|t| {
            let mut v: Vec<f64> = t
                .iter()
                .zip(p_wm.iter())
                .filter(|(_, w)| **w > 0.9)
                .map(|(x, _)| *x)
                .collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        });
        let mask = Array3::from_shape_fn(grid.shape, |idx| {
            let tissue = p_gm[idx] + p_wm[idx];
            if tissue < MIN_TISSUE_PROBABILITY {
                return false;
            }
            match (t1, t1_wm) {
                (Some(t), Some(ref_wm)) if tissue < 0.5 => t[idx] >= CSF_T1_FRACTION * ref_wm,
                _ => true,
            }
        });
        if !mask.iter().any(|&m| m) {
            return Err(OncologyError::invalid(
                "tissue mask",
                "empty",
                "at least one voxel with p_gm + p_wm ≥ 0.25",
            ));
        }
        Ok(Self {
            domain: Domain::new(grid, mask)?,
            p_gm,
            p_wm,
        })
    }

    /// Homogeneous white matter filling the whole grid (for tests and benchmarks).
    pub fn homogeneous_white(grid: Grid) -> Self {
        Self {
            domain: Domain::full(grid),
            p_gm: grid.zeros(),
            p_wm: Array3::from_elem(grid.shape, 1.0),
        }
    }

    /// Load `data/mni152/` (GM, WM probability maps /255 and T1), averaging
    /// `factor³` blocks (`factor` 1 = the 1 mm atlas, 2 = 2 mm).
    pub fn load_mni152(dir: &Path, factor: usize) -> Result<Self> {
        Ok(Self::load_mni152_factors(dir, &[factor])?.remove(0))
    }

    /// [`Self::load_mni152`] at several block factors, reading the files once.
    pub fn load_mni152_factors(dir: &Path, factors: &[usize]) -> Result<Vec<Self>> {
        if let Some(bad) = factors.iter().find(|f| !(1..=4).contains(*f)) {
            return Err(OncologyError::invalid("factor", bad, "1 to 4"));
        }
        let name = |t: &str| dir.join(format!("mni_icbm152_{t}_tal_nlin_sym_09a_converted.nii.gz"));
        let gm = twin_io::nifti_io::read_probability(name("gm"), 255.0).map_err(io_err)?;
        let wm = twin_io::nifti_io::read_probability(name("wm"), 255.0).map_err(io_err)?;
        let t1 = twin_io::nifti_io::read_volume(name("t1")).map_err(io_err)?;
        if gm.grid != wm.grid || gm.grid != t1.grid {
            return Err(OncologyError::invalid(
                "atlas grids",
                "GM, WM and T1 differ",
                "identical grids",
            ));
        }
        factors
            .iter()
            .map(|&factor| {
                let (grid, p_gm) = block_mean(&gm.grid, &gm.data, factor)?;
                let (_, p_wm) = block_mean(&wm.grid, &wm.data, factor)?;
                let (_, t1) = block_mean(&t1.grid, &t1.data, factor)?;
                Self::from_probabilities(
                    grid,
                    p_gm.mapv(|p| p.clamp(0.0, 1.0)),
                    p_wm.mapv(|p| p.clamp(0.0, 1.0)),
                    Some(&t1),
                )
            })
            .collect()
    }

    /// Diffusivity map `D_white (p_wm + p_gm/ratio)` (mm²/day), zero outside the mask.
    pub fn diffusivity(&self, d_white_mm2_per_day: f64, ratio: f64) -> Array3<f64> {
        let mut d = self.domain.grid.zeros();
        ndarray::Zip::from(&mut d)
            .and(&self.p_wm)
            .and(&self.p_gm)
            .and(&self.domain.mask)
            .for_each(|d, &w, &g, &m| {
                if m {
                    // Floor keeps the operator positive in partial-volume voxels.
                    *d = d_white_mm2_per_day * (w + g / ratio).max(0.05 / ratio);
                }
            });
        d
    }

    /// The sub-volume within `half_width_mm` of `centre_mm` (clipped to the grid).
    ///
    /// The centre must be finite and inside the grid's extent (voxel centres
    /// ± half a voxel), and the half-width finite and > 0; errors name the value
    /// and the allowed range. A crop with no brain tissue is an error too.
    pub fn crop(&self, centre_mm: [f64; 3], half_width_mm: f64) -> Result<Self> {
        let g = &self.domain.grid;
        if !(half_width_mm.is_finite() && half_width_mm > 0.0) {
            return Err(OncologyError::invalid(
                "crop half_width_mm",
                half_width_mm,
                "a finite half-width > 0 mm",
            ));
        }
        let vc = g.voxel_coords(centre_mm);
        for a in 0..3 {
            let (lo_mm, hi_mm) = (
                g.origin_mm[a] - 0.5 * g.spacing_mm[a],
                g.origin_mm[a] + (g.shape[a] as f64 - 0.5) * g.spacing_mm[a],
            );
            if !(centre_mm[a].is_finite() && (-0.5..=g.shape[a] as f64 - 0.5).contains(&vc[a])) {
                return Err(OncologyError::invalid(
                    format!("crop centre_mm[{a}]"),
                    centre_mm[a],
                    format!("a finite coordinate inside the grid, {lo_mm} to {hi_mm} mm"),
                ));
            }
        }
        let mut lo = [0usize; 3];
        let mut shape = [0usize; 3];
        for a in 0..3 {
            let r = half_width_mm / g.spacing_mm[a];
            let l = (vc[a] - r).floor().max(0.0) as usize;
            let h = ((vc[a] + r).ceil() as usize + 1).min(g.shape[a]);
            if l >= h {
                return Err(OncologyError::invalid(
                    "crop centre_mm",
                    format!("{centre_mm:?}"),
                    "a point inside the grid",
                ));
            }
            lo[a] = l;
            shape[a] = h - l;
        }
        let origin = g.centre_mm(lo[0], lo[1], lo[2]);
        let grid = Grid::with_origin(shape, g.spacing_mm, origin)?;
        // (ndarray's `s!` macro expands to an `allow(unsafe_code)`, which the crate forbids.)
        let sub = |a: &Array3<f64>| {
            Array3::from_shape_fn(shape, |(i, j, k)| a[[lo[0] + i, lo[1] + j, lo[2] + k]])
        };
        let mask = Array3::from_shape_fn(shape, |(i, j, k)| {
            self.domain.mask[[lo[0] + i, lo[1] + j, lo[2] + k]]
        });
        if !mask.iter().any(|&m| m) {
            return Err(OncologyError::invalid(
                "crop",
                "no tissue",
                "a region containing brain",
            ));
        }
        Ok(Self {
            domain: Domain::new(grid, mask)?,
            p_gm: sub(&self.p_gm),
            p_wm: sub(&self.p_wm),
        })
    }

    /// Whether the point lies in invadable tissue (nearest voxel).
    pub fn is_tissue(&self, p_mm: [f64; 3]) -> bool {
        let g = &self.domain.grid;
        let c = g.voxel_coords(p_mm);
        let mut idx = [0usize; 3];
        for a in 0..3 {
            let r = c[a].round();
            if !(r >= 0.0 && r < g.shape[a] as f64) {
                return false;
            }
            idx[a] = r as usize;
        }
        self.domain.mask[idx]
    }
}

/// Face (6-connected) neighbour offsets, in the order +x, −x, +y, −y, +z, −z.
const FACE_OFFSETS: [[isize; 3]; 6] = [
    [1, 0, 0],
    [-1, 0, 0],
    [0, 1, 0],
    [0, -1, 0],
    [0, 0, 1],
    [0, 0, -1],
];

/// The face neighbours of voxel `idx` that lie on a grid of `shape` (six inside,
/// fewer at the grid edge), in the order +x, −x, +y, −y, +z, −z.
pub(crate) fn face_neighbours(
    shape: [usize; 3],
    idx: [usize; 3],
) -> impl Iterator<Item = [usize; 3]> {
    FACE_OFFSETS.into_iter().filter_map(move |o| {
        let mut q = [0usize; 3];
        for a in 0..3 {
            q[a] = idx[a].checked_add_signed(o[a]).filter(|&v| v < shape[a])?;
        }
        Some(q)
    })
}

/// Mean over `f³` blocks (trailing partial blocks dropped); origin moves to the block centre.
fn block_mean(grid: &Grid, data: &Array3<f64>, f: usize) -> Result<(Grid, Array3<f64>)> {
    if f == 1 {
        return Ok((*grid, data.clone()));
    }
    let shape = grid.shape.map(|n| n / f);
    let spacing = grid.spacing_mm.map(|h| h * f as f64);
    let origin = [0, 1, 2].map(|a| grid.origin_mm[a] + 0.5 * (f as f64 - 1.0) * grid.spacing_mm[a]);
    let out = Array3::from_shape_fn(shape, |(i, j, k)| {
        let mut sum = 0.0;
        for a in 0..f {
            for b in 0..f {
                for c in 0..f {
                    sum += data[[i * f + a, j * f + b, k * f + c]];
                }
            }
        }
        sum / (f * f * f) as f64
    });
    Ok((Grid::with_origin(shape, spacing, origin)?, out))
}
