//! Regular voxel grids with physical spacing and a tissue mask.
//!
//! A [`Grid`] is always three-dimensional in storage (`[nx, ny, nz]`, ndarray
//! index order `[x, y, z]`, matching NIfTI); a 2D sheet is a grid with `nz = 1`.
//! Voxel `(i, j, k)` has its centre at `origin_mm + (i, j, k) * spacing_mm`
//! (an axis-aligned affine; oblique acquisitions must be resampled first).

use std::borrow::Cow;

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// Geometry of a regular, axis-aligned voxel grid.
///
/// Deserialising validates like [`Grid::with_origin`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GridFields")]
pub struct Grid {
    /// Number of voxels along x, y, z (`nz = 1` for a 2D sheet).
    pub shape: [usize; 3],
    /// Voxel size along x, y, z in millimetres.
    pub spacing_mm: [f64; 3],
    /// World position (mm) of the centre of voxel (0, 0, 0).
    pub origin_mm: [f64; 3],
}

/// The serialised form of a [`Grid`], validated on the way in.
#[derive(Deserialize)]
struct GridFields {
    shape: [usize; 3],
    spacing_mm: [f64; 3],
    origin_mm: [f64; 3],
}

impl TryFrom<GridFields> for Grid {
    type Error = CoreError;
    fn try_from(g: GridFields) -> Result<Self> {
        Self::with_origin(g.shape, g.spacing_mm, g.origin_mm)
    }
}

impl Grid {
    /// A 3D grid with origin at (0, 0, 0) mm.
    ///
    /// Errors if a dimension is zero or a spacing is not finite and positive.
    pub fn new_3d(shape: [usize; 3], spacing_mm: [f64; 3]) -> Result<Self> {
        Self::with_origin(shape, spacing_mm, [0.0; 3])
    }

    /// A 2D sheet (`nz = 1`) with square or rectangular pixels, origin (0, 0).
    pub fn new_2d(nx: usize, ny: usize, dx_mm: f64, dy_mm: f64) -> Result<Self> {
        Self::with_origin([nx, ny, 1], [dx_mm, dy_mm, 1.0], [0.0; 3])
    }

    /// A grid with an explicit world origin (mm) of voxel (0, 0, 0).
    pub fn with_origin(
        shape: [usize; 3],
        spacing_mm: [f64; 3],
        origin_mm: [f64; 3],
    ) -> Result<Self> {
        let grid = Self {
            shape,
            spacing_mm,
            origin_mm,
        };
        grid.validate()?;
        Ok(grid)
    }

    /// Error unless every dimension is at least 1, every spacing finite and
    /// positive, and the origin finite (what the constructors guarantee; the
    /// fields are public, so a grid built field by field may break it).
    pub fn validate(&self) -> Result<()> {
        for (axis, &n) in ["shape.x", "shape.y", "shape.z"].iter().zip(&self.shape) {
            if n == 0 {
                return Err(CoreError::invalid(*axis, n, "at least 1 voxel"));
            }
        }
        for (axis, &h) in ["spacing_mm.x", "spacing_mm.y", "spacing_mm.z"]
            .iter()
            .zip(&self.spacing_mm)
        {
            if !(h.is_finite() && h > 0.0) {
                return Err(CoreError::invalid(*axis, h, "a finite spacing > 0 mm"));
            }
        }
        for (axis, &o) in ["origin_mm.x", "origin_mm.y", "origin_mm.z"]
            .iter()
            .zip(&self.origin_mm)
        {
            if !o.is_finite() {
                return Err(CoreError::invalid(*axis, o, "a finite position in mm"));
            }
        }
        Ok(())
    }

    /// True for a 2D sheet (`nz == 1`).
    pub fn is_2d(&self) -> bool {
        self.shape[2] == 1
    }

    /// Total number of voxels.
    pub fn len(&self) -> usize {
        self.shape[0] * self.shape[1] * self.shape[2]
    }

    /// Always false: a valid grid has at least one voxel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Volume of one voxel in mm³ (area in mm² times `spacing_mm.z` for a sheet).
    pub fn voxel_volume_mm3(&self) -> f64 {
        self.spacing_mm.iter().product()
    }

    /// World coordinates (mm) of the centre of voxel `(i, j, k)`.
    pub fn centre_mm(&self, i: usize, j: usize, k: usize) -> [f64; 3] {
        [
            self.origin_mm[0] + i as f64 * self.spacing_mm[0],
            self.origin_mm[1] + j as f64 * self.spacing_mm[1],
            self.origin_mm[2] + k as f64 * self.spacing_mm[2],
        ]
    }

    /// Continuous voxel coordinates of a world point (mm); may lie outside the grid.
    pub fn voxel_coords(&self, p_mm: [f64; 3]) -> [f64; 3] {
        [
            (p_mm[0] - self.origin_mm[0]) / self.spacing_mm[0],
            (p_mm[1] - self.origin_mm[1]) / self.spacing_mm[1],
            (p_mm[2] - self.origin_mm[2]) / self.spacing_mm[2],
        ]
    }

    /// Error unless `field` has this grid's shape; `what` names the field.
    pub fn check_shape<T>(&self, what: &str, field: &Array3<T>) -> Result<()> {
        let s = field.shape();
        if s != self.shape {
            return Err(CoreError::ShapeMismatch {
                what: what.to_string(),
                expected: format!("{:?}", self.shape),
                found: format!("{s:?}"),
            });
        }
        Ok(())
    }

    /// A field of zeros on this grid.
    pub fn zeros(&self) -> Array3<f64> {
        Array3::zeros(self.shape)
    }
}

/// A grid plus the mask of voxels that belong to the domain (tissue).
///
/// Outside voxels carry no unknowns; fluxes across the mask boundary are zero.
/// Deserialising validates like [`Domain::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DomainFields")]
pub struct Domain {
    /// Geometry.
    pub grid: Grid,
    /// `true` where the voxel is inside the domain.
    pub mask: Array3<bool>,
}

/// The serialised form of a [`Domain`], validated on the way in.
#[derive(Deserialize)]
struct DomainFields {
    grid: Grid,
    mask: Array3<bool>,
}

impl TryFrom<DomainFields> for Domain {
    type Error = CoreError;
    fn try_from(d: DomainFields) -> Result<Self> {
        Self::new(d.grid, d.mask)
    }
}

impl Domain {
    /// A domain where every voxel of the grid is inside.
    pub fn full(grid: Grid) -> Self {
        Self {
            mask: Array3::from_elem(grid.shape, true),
            grid,
        }
    }

    /// A domain from an explicit mask (any memory layout: it is stored row-major);
    /// errors if shapes disagree or the mask is empty.
    pub fn new(grid: Grid, mask: Array3<bool>) -> Result<Self> {
        let domain = Self { grid, mask };
        domain.validate()?;
        Ok(domain.into_row_major())
    }

    /// Error unless the grid is valid ([`Grid::validate`]) and the mask has its
    /// shape with at least one voxel inside (what [`Domain::new`] guarantees; the
    /// fields are public, so a domain built field by field may break it).
    pub fn validate(&self) -> Result<()> {
        self.grid.validate()?;
        self.grid.check_shape("mask", &self.mask)?;
        if !self.mask.iter().any(|&m| m) {
            return Err(CoreError::invalid(
                "mask",
                "all false",
                "at least one voxel inside the domain",
            ));
        }
        Ok(())
    }

    /// The same domain with its mask in row-major layout, the layout the
    /// operators index (a domain built field by field may hold any layout);
    /// moved when it already is.
    pub(crate) fn into_row_major(self) -> Self {
        if self.mask.is_standard_layout() {
            return self;
        }
        Self {
            grid: self.grid,
            mask: self.mask.as_standard_layout().into_owned(),
        }
    }

    /// The mask as a flat row-major slice (index `(i·ny + j)·nz + k`): borrowed
    /// when the mask is row-major, copied otherwise (a domain built field by
    /// field may hold any layout).
    pub fn mask_row_major(&self) -> Cow<'_, [bool]> {
        match self.mask.as_slice() {
            Some(slice) => Cow::Borrowed(slice),
            None => Cow::Owned(self.mask.iter().copied().collect()),
        }
    }

    /// Number of voxels inside the domain.
    pub fn n_inside(&self) -> usize {
        self.mask.iter().filter(|&&m| m).count()
    }

    /// Volume inside the domain in mm³.
    pub fn volume_mm3(&self) -> f64 {
        self.n_inside() as f64 * self.grid.voxel_volume_mm3()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_geometry() {
        assert!(Grid::new_3d([0, 2, 2], [1.0; 3]).is_err());
        assert!(Grid::new_3d([2, 2, 2], [1.0, -1.0, 1.0]).is_err());
        assert!(Grid::new_2d(4, 4, f64::NAN, 1.0).is_err());
    }

    #[test]
    fn world_and_voxel_coordinates_are_inverse() {
        let g = Grid::with_origin([10, 12, 14], [1.0, 2.0, 0.5], [-98.0, -134.0, -72.0]).unwrap();
        let c = g.centre_mm(3, 4, 5);
        assert_eq!(c, [-95.0, -126.0, -69.5]);
        assert_eq!(g.voxel_coords(c), [3.0, 4.0, 5.0]);
        assert_eq!(g.voxel_volume_mm3(), 1.0);
    }

    #[test]
    fn domain_checks_shape_and_emptiness() {
        let g = Grid::new_2d(3, 3, 1.0, 1.0).unwrap();
        assert!(Domain::new(g, Array3::from_elem([3, 3, 2], true)).is_err());
        assert!(Domain::new(g, Array3::from_elem([3, 3, 1], false)).is_err());
        let d = Domain::full(g);
        assert_eq!(d.n_inside(), 9);
        assert_eq!(d.volume_mm3(), 9.0);
    }
}
