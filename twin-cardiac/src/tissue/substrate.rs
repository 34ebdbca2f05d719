//! The tissue substrate: geometry (masked grid), fibre field, diffusivities
//! and a per-voxel region label selecting the cell-model parameter set.

use ndarray::{Array3, Array4};
use serde::{Deserialize, Serialize};
use twin_core::pde::{Domain, Grid};

use crate::error::{CardiacError, Result};

/// Everything the monodomain solver needs to know about the tissue.
///
/// The conductivity tensor is transversely isotropic about the fibre
/// direction `f`: `D = d_trans I + (d_long − d_trans) f fᵀ` (mm²/ms), i.e. the
/// bulk conductivity divided by `χ C_m` (see [`diffusivity_mm2_per_ms`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Substrate {
    /// Grid and tissue mask (non-tissue and scar voxels are `false`).
    pub domain: Domain,
    /// Unit fibre direction per voxel, shape `[nx, ny, nz, 3]`.
    pub fibre: Array4<f64>,
    /// Diffusivity along fibres (mm²/ms).
    pub d_long_mm2_per_ms: Array3<f64>,
    /// Diffusivity across fibres (mm²/ms).
    pub d_trans_mm2_per_ms: Array3<f64>,
    /// Region label per voxel: index into the solver's list of cell models.
    pub region: Array3<u8>,
}

/// Monodomain diffusivity `σ / (χ C_m)` in mm²/ms from a bulk conductivity in
/// S/m, a surface-to-volume ratio in 1/mm and a capacitance in µF/cm².
pub fn diffusivity_mm2_per_ms(sigma_s_per_m: f64, chi_per_mm: f64, cm_uf_per_cm2: f64) -> f64 {
    // σ: S/m = 1e-3 S/mm; C_m: µF/cm² = 1e-8 F/mm²; result mm²/s → /1e3 for ms.
    (sigma_s_per_m * 1e-3) / (chi_per_mm * cm_uf_per_cm2 * 1e-8) * 1e-3
}

impl Substrate {
    /// A uniform substrate on `domain` with one fibre direction and constant
    /// diffusivities; region 0 everywhere.
    pub fn uniform(domain: Domain, fibre: [f64; 3], d_long: f64, d_trans: f64) -> Result<Self> {
        let n = (fibre[0] * fibre[0] + fibre[1] * fibre[1] + fibre[2] * fibre[2]).sqrt();
        if !(n.is_finite() && n > 0.0) {
            return Err(CardiacError::invalid(
                "fibre",
                format!("{fibre:?}"),
                "a non-zero finite vector",
            ));
        }
        let s = domain.grid.shape;
        let fib = Array4::from_shape_fn((s[0], s[1], s[2], 3), |(_, _, _, c)| fibre[c] / n);
        let out = Self {
            d_long_mm2_per_ms: Array3::from_elem(s, d_long),
            d_trans_mm2_per_ms: Array3::from_elem(s, d_trans),
            region: Array3::zeros(s),
            fibre: fib,
            domain,
        };
        out.validate()?;
        Ok(out)
    }

    /// A rectangular 2D sheet of `nx × ny` pixels of size `dx_mm`, fibres at
    /// `fibre_angle_rad` from the x axis.
    pub fn sheet(
        nx: usize,
        ny: usize,
        dx_mm: f64,
        d_long: f64,
        d_trans: f64,
        fibre_angle_rad: f64,
    ) -> Result<Self> {
        let grid = Grid::new_2d(nx, ny, dx_mm, dx_mm).map_err(core_err)?;
        Self::uniform(
            Domain::full(grid),
            [fibre_angle_rad.cos(), fibre_angle_rad.sin(), 0.0],
            d_long,
            d_trans,
        )
    }

    /// Check shapes, diffusivities (finite, ≥ 0, d_trans ≤ d_long), that the
    /// fibres of tissue voxels are finite unit vectors (within 1e-6; a longer
    /// one would scale the anisotropic part of the tensor) and that the mask
    /// contains tissue.
    pub fn validate(&self) -> Result<()> {
        let g = &self.domain.grid;
        g.check_shape("d_long_mm2_per_ms", &self.d_long_mm2_per_ms)
            .map_err(core_err)?;
        g.check_shape("d_trans_mm2_per_ms", &self.d_trans_mm2_per_ms)
            .map_err(core_err)?;
        g.check_shape("region", &self.region).map_err(core_err)?;
        g.check_shape("mask", &self.domain.mask).map_err(core_err)?;
        let s = g.shape;
        if self.fibre.shape() != [s[0], s[1], s[2], 3] {
            return Err(CardiacError::invalid(
                "fibre.shape",
                format!("{:?}", self.fibre.shape()),
                format!("[{}, {}, {}, 3]", s[0], s[1], s[2]),
            ));
        }
        for (&dl, &dt) in self.d_long_mm2_per_ms.iter().zip(&self.d_trans_mm2_per_ms) {
            if !(dl.is_finite() && dl >= 0.0) {
                return Err(CardiacError::invalid(
                    "d_long_mm2_per_ms",
                    dl,
                    "finite and >= 0 mm²/ms",
                ));
            }
            if !(dt.is_finite() && dt >= 0.0) {
                return Err(CardiacError::invalid(
                    "d_trans_mm2_per_ms",
                    dt,
                    "finite and >= 0 mm²/ms",
                ));
            }
            if dt > dl {
                return Err(CardiacError::invalid(
                    "d_trans_mm2_per_ms",
                    dt,
                    format!("<= d_long_mm2_per_ms = {dl} mm²/ms (fibres are the fast axis)"),
                ));
            }
        }
        // Fibres outside the tissue are never used (constructors may leave
        // them zero).
        for ((i, j, k), _) in self.domain.mask.indexed_iter().filter(|(_, m)| **m) {
            let f = [0, 1, 2].map(|c| self.fibre[[i, j, k, c]]);
            let n2 = f[0] * f[0] + f[1] * f[1] + f[2] * f[2];
            // NaN components make `n2` NaN: rejected by the finiteness test.
            if !n2.is_finite() || (n2 - 1.0).abs() > 1e-6 {
                return Err(CardiacError::invalid(
                    format!("fibre[{i}, {j}, {k}]"),
                    format!("{f:?}"),
                    "a finite unit vector (length 1 within 1e-6)",
                ));
            }
        }
        if !self.domain.mask.iter().any(|&m| m) {
            return Err(CardiacError::invalid(
                "mask",
                "no tissue voxel",
                "at least one tissue voxel",
            ));
        }
        Ok(())
    }

    /// Diffusion tensor (mm²/ms) at voxel `(i, j, k)`.
    pub fn tensor(&self, i: usize, j: usize, k: usize) -> [[f64; 3]; 3] {
        let f = [
            self.fibre[[i, j, k, 0]],
            self.fibre[[i, j, k, 1]],
            self.fibre[[i, j, k, 2]],
        ];
        let (dl, dt) = (
            self.d_long_mm2_per_ms[[i, j, k]],
            self.d_trans_mm2_per_ms[[i, j, k]],
        );
        let mut d = [[0.0; 3]; 3];
        for a in 0..3 {
            for b in 0..3 {
                d[a][b] = (dl - dt) * f[a] * f[b] + if a == b { dt } else { 0.0 };
            }
        }
        d
    }

    /// Tissue area (2D, cm²) or volume (3D, cm³) of the voxels in `mask`.
    pub fn measure_cm(&self, mask: &Array3<bool>) -> f64 {
        let g = &self.domain.grid;
        let n = mask.iter().filter(|&&m| m).count() as f64;
        if g.is_2d() {
            n * g.spacing_mm[0] * g.spacing_mm[1] / 100.0
        } else {
            n * g.voxel_volume_mm3() / 1000.0
        }
    }
}

pub(crate) fn core_err(e: twin_core::CoreError) -> CardiacError {
    CardiacError::invalid("geometry", e, "a valid grid/domain")
}
