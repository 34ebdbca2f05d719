//! One pre-treatment scan: T1Gd and FLAIR segmentations on the atlas grid, read from
//! and written to NIfTI label maps, placed from a crop into the full grid, and
//! summarised (volumes, spherical-equivalent radii, centroids) for the calibration.

use ndarray::Array3;
use twin_core::pde::Grid;

use crate::error::{OncologyError, Result};
use crate::glioma::model::{ImagingSummary, sphere_radius_mm};
use crate::glioma::tissue::BrainTissue;

/// Largest fraction of labelled voxels allowed outside the tissue mask (registration slack).
pub const MAX_OUTSIDE_FRACTION: f64 = 0.10;

/// One pre-treatment scan: T1Gd and FLAIR segmentations on an atlas-space grid.
#[derive(Debug, Clone)]
pub struct Segmentation {
    /// Scan day (any fixed origin, e.g. days since diagnosis).
    pub day: f64,
    /// Grid of the label maps (must cover the twin's tissue grid: atlas space).
    pub grid: Grid,
    /// Enhancing region.
    pub t1gd: Array3<bool>,
    /// FLAIR abnormality (contains the enhancing region).
    pub flair: Array3<bool>,
}

impl Segmentation {
    /// From a label map: label 2 = T1Gd (and FLAIR), label ≥ 1 = FLAIR.
    pub fn from_labels(day: f64, grid: Grid, labels: &Array3<u16>) -> Result<Self> {
        grid.check_shape("labels", labels)?;
        Ok(Self {
            day,
            grid,
            t1gd: labels.mapv(|l| l >= 2),
            flair: labels.mapv(|l| l >= 1),
        })
    }

    /// Read a segmentation scanned on `day` from a NIfTI-1 label map in atlas space:
    /// 0 normal, 1 FLAIR abnormality without enhancement, 2 enhancing (T1Gd). Other
    /// labels are an error (remap first, e.g. BraTS' 1/2/4 to 1/1/2).
    pub fn read_nifti(path: impl AsRef<std::path::Path>, day: f64) -> Result<Self> {
        let path = path.as_ref();
        let m = twin_io::nifti_io::read_labels(path).map_err(|e| OncologyError::Io {
            what: "segmentation".into(),
            message: e.to_string(),
        })?;
        if let Some(((i, j, k), bad)) = m.labels.indexed_iter().find(|(_, l)| **l > 2) {
            return Err(OncologyError::invalid(
                format!("segmentation label at voxel [{i}, {j}, {k}]"),
                bad,
                "0 normal, 1 FLAIR only, 2 T1Gd",
            ));
        }
        if !day.is_finite() {
            return Err(OncologyError::invalid("scan day", day, "a finite day"));
        }
        Self::from_labels(day, m.grid, &m.labels)
    }

    /// This segmentation (made on a crop of `full`) placed into the `full` grid: same
    /// spacing, voxel-aligned, labels outside the crop normal. Errors if the crop does
    /// not lie on `full`.
    pub fn embed(&self, full: &Grid) -> Result<Self> {
        self.grid.check_shape("t1gd", &self.t1gd)?;
        self.grid.check_shape("flair", &self.flair)?;
        let v = full.voxel_coords(self.grid.origin_mm);
        let aligned = (0..3).all(|a| {
            (self.grid.spacing_mm[a] - full.spacing_mm[a]).abs() < 1e-6
                && (v[a] - v[a].round()).abs() < 1e-3
                && v[a].round() >= 0.0
                && v[a].round() as usize + self.grid.shape[a] <= full.shape[a]
        });
        if !aligned {
            return Err(OncologyError::invalid(
                "segmentation grid",
                format!(
                    "origin {:?} mm, spacing {:?} mm, shape {:?}",
                    self.grid.origin_mm, self.grid.spacing_mm, self.grid.shape
                ),
                "a voxel-aligned crop of the target grid with its spacing",
            ));
        }
        let o = v.map(|x| x.round() as usize);
        let place = |m: &Array3<bool>| {
            let mut big = Array3::from_elem(full.shape, false);
            for ((i, j, k), &x) in m.indexed_iter() {
                big[[o[0] + i, o[1] + j, o[2] + k]] = x;
            }
            big
        };
        Ok(Self {
            day: self.day,
            grid: *full,
            t1gd: place(&self.t1gd),
            flair: place(&self.flair),
        })
    }

    /// The label map (0 normal, 1 FLAIR only, 2 T1Gd).
    pub fn labels(&self) -> Array3<u16> {
        Array3::from_shape_fn(self.t1gd.dim(), |idx| {
            if self.t1gd[idx] {
                2
            } else {
                u16::from(self.flair[idx])
            }
        })
    }

    /// Write the label map ([`Self::labels`]) as uint16 NIfTI-1; the day is not stored.
    pub fn write_nifti(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let m = twin_io::nifti_io::LabelMap {
            grid: self.grid,
            labels: self.labels(),
        };
        twin_io::nifti_io::write_labels(path, &m).map_err(|e| OncologyError::Io {
            what: "segmentation".into(),
            message: e.to_string(),
        })
    }

    /// Check against the tissue and summarise: (volumes/radii, T1Gd centroid in mm).
    /// Errors if the enhancing region is empty.
    pub fn summarise(&self, tissue: &BrainTissue) -> Result<(ImagingSummary, [f64; 3])> {
        let (s, [t1gd, _]) = self.summarise_checked(tissue)?;
        let centroid = t1gd.ok_or_else(|| {
            OncologyError::invalid("t1gd", "empty mask", "at least one enhancing voxel")
        })?;
        Ok((s, centroid))
    }

    /// [`Self::summarise`] allowing an empty enhancing region (after treatment it may
    /// have vanished), with the T1Gd and FLAIR centroids (mm; `None` if empty).
    pub(super) fn summarise_checked(
        &self,
        tissue: &BrainTissue,
    ) -> Result<(ImagingSummary, [Option<[f64; 3]>; 2])> {
        let tg = &tissue.domain.grid;
        self.grid.check_shape("t1gd", &self.t1gd)?;
        self.grid.check_shape("flair", &self.flair)?;
        let extent = |g: &Grid, a: usize| {
            (
                g.origin_mm[a] - 0.5 * g.spacing_mm[a],
                g.origin_mm[a] + (g.shape[a] as f64 - 0.5) * g.spacing_mm[a],
            )
        };
        for a in 0..3 {
            let (l0, h0) = extent(&self.grid, a);
            let (l1, h1) = extent(tg, a);
            let tol = tg.spacing_mm[a].max(self.grid.spacing_mm[a]);
            if (l0 - l1).abs() > tol || (h0 - h1).abs() > tol {
                return Err(OncologyError::invalid(
                    format!("segmentation grid axis {a}"),
                    format!("extent [{l0:.1}, {h0:.1}] mm"),
                    format!(
                        "the atlas extent [{l1:.1}, {h1:.1}] mm (scans must be in atlas space)"
                    ),
                ));
            }
        }
        let vv = self.grid.voxel_volume_mm3();
        let (mut n_t1, mut n_fl, mut outside) = (0usize, 0usize, 0usize);
        let (mut sum_t1, mut sum_fl) = ([0.0; 3], [0.0; 3]);
        for ((i, j, k), &f) in self.flair.indexed_iter() {
            let t = self.t1gd[[i, j, k]];
            if t && !f {
                return Err(OncologyError::invalid(
                    "t1gd",
                    "voxel outside FLAIR",
                    "T1Gd region inside the FLAIR region",
                ));
            }
            if !f {
                continue;
            }
            n_fl += 1;
            let p = self.grid.centre_mm(i, j, k);
            if !tissue.is_tissue(p) {
                outside += 1;
            }
            for a in 0..3 {
                sum_fl[a] += p[a];
            }
            if t {
                n_t1 += 1;
                for a in 0..3 {
                    sum_t1[a] += p[a];
                }
            }
        }
        if outside as f64 > MAX_OUTSIDE_FRACTION * n_fl as f64 {
            return Err(OncologyError::invalid(
                "segmentation",
                format!("{outside} of {n_fl} labelled voxels outside the brain mask"),
                format!("at most {:.0}% outside", 100.0 * MAX_OUTSIDE_FRACTION),
            ));
        }
        let (v1, v2) = (n_t1 as f64 * vv, n_fl as f64 * vv);
        Ok((
            ImagingSummary {
                t1gd_volume_mm3: v1,
                flair_volume_mm3: v2,
                t1gd_radius_mm: sphere_radius_mm(v1),
                flair_radius_mm: sphere_radius_mm(v2),
            },
            [(sum_t1, n_t1), (sum_fl, n_fl)]
                .map(|(sum, n)| (n > 0).then(|| sum.map(|s| s / n as f64))),
        ))
    }
}
