//! Radiotherapy: fractionation schedules, the linear–quadratic kill per voxel, the
//! planning target volume (FLAIR-visible region plus a margin) and its uniform dose
//! map, and planned voxel dose maps read from NIfTI ([`DoseMap`]).

use std::path::Path;

use ndarray::Array3;
use serde::{Deserialize, Serialize};
use twin_core::pde::{Domain, Grid};
use twin_io::nifti_io::{self, Volume};

use super::params::LqParams;
use super::tissue::face_neighbours;
use crate::error::{OncologyError, Result};

/// One fraction: day after the start of radiotherapy and prescribed dose.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fraction {
    /// Day of delivery, counted from the first fraction (day 0).
    pub day: f64,
    /// Prescribed dose to the PTV (Gy).
    pub dose_gy: f64,
}

/// A named fractionation schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Short name, e.g. `"60Gy/30"`.
    pub name: String,
    /// Fractions in delivery order.
    pub fractions: Vec<Fraction>,
}

impl Schedule {
    /// `n` fractions of `dose_gy`, five a week (Monday–Friday, weekends off).
    pub fn weekdays(name: impl Into<String>, n: usize, dose_gy: f64) -> Result<Self> {
        let fractions = (0..n)
            .map(|i| Fraction {
                day: (7 * (i / 5) + i % 5) as f64,
                dose_gy,
            })
            .collect();
        Self::custom(name, fractions)
    }

    /// Standard of care: 60 Gy in 30 × 2 Gy over 6 weeks (Stupp et al. 2005, NEJM 352:987).
    pub fn standard() -> Self {
        Self::weekdays("60Gy/30", 30, 2.0).expect("valid constants")
    }

    /// Hypofractionated 40 Gy in 15 × 2.67 Gy over 3 weeks (Roa et al. 2004, JCO 22:1583).
    pub fn hypofractionated() -> Self {
        Self::weekdays("40Gy/15", 15, 40.0 / 15.0).expect("valid constants")
    }

    /// 61.2 Gy in 34 × 1.8 Gy (the schedule modelled by Rockne et al. 2010).
    pub fn rockne_2010() -> Self {
        Self::weekdays("61.2Gy/34", 34, 1.8).expect("valid constants")
    }

    /// A user-defined schedule: doses in (0, 30] Gy, days finite, ≥ 0 and non-decreasing.
    pub fn custom(name: impl Into<String>, fractions: Vec<Fraction>) -> Result<Self> {
        if fractions.is_empty() {
            return Err(OncologyError::invalid(
                "fractions",
                0,
                "at least one fraction",
            ));
        }
        let mut last = 0.0;
        for (i, f) in fractions.iter().enumerate() {
            if !(f.dose_gy.is_finite() && f.dose_gy > 0.0 && f.dose_gy <= 30.0) {
                return Err(OncologyError::invalid(
                    format!("fractions[{i}].dose_gy"),
                    f.dose_gy,
                    "0 < dose ≤ 30 Gy",
                ));
            }
            if !(f.day.is_finite() && f.day >= last) {
                return Err(OncologyError::invalid(
                    format!("fractions[{i}].day"),
                    f.day,
                    format!("finite and ≥ the previous fraction's day {last}"),
                ));
            }
            last = f.day;
        }
        Ok(Self {
            name: name.into(),
            fractions,
        })
    }

    /// Total prescribed dose (Gy).
    pub fn total_dose_gy(&self) -> f64 {
        self.fractions.iter().map(|f| f.dose_gy).sum()
    }

    /// Biologically effective dose `Σ d (1 + d/(α/β))` (Gy) for a tissue with
    /// `alpha_beta_gy` in (0, 100] Gy (the range of [`LqParams::validate`]);
    /// an error otherwise (α/β = 0 would give an infinite BED).
    pub fn bed_gy(&self, alpha_beta_gy: f64) -> Result<f64> {
        if !(alpha_beta_gy.is_finite() && alpha_beta_gy > 0.0 && alpha_beta_gy <= 100.0) {
            return Err(OncologyError::invalid(
                "alpha_beta_gy",
                alpha_beta_gy,
                "0 < α/β ≤ 100 Gy",
            ));
        }
        Ok(self
            .fractions
            .iter()
            .map(|f| f.dose_gy * (1.0 + f.dose_gy / alpha_beta_gy))
            .sum())
    }

    /// Day of the last fraction.
    pub fn duration_days(&self) -> f64 {
        self.fractions.last().map_or(0.0, |f| f.day)
    }
}

/// One fraction delivered voxel by voxel: `c ← c · exp(−α d − β d²)` with
/// `d = dose_gy × relative_dose(x)`.
pub fn apply_fraction(
    c: &mut Array3<f64>,
    relative_dose: &Array3<f64>,
    dose_gy: f64,
    lq: &LqParams,
) -> Result<()> {
    lq.validate()?;
    if c.shape() != relative_dose.shape() {
        return Err(OncologyError::invalid(
            "relative_dose shape",
            format!("{:?}", relative_dose.shape()),
            format!("the density's shape {:?}", c.shape()),
        ));
    }
    if !(dose_gy.is_finite() && dose_gy >= 0.0) {
        return Err(OncologyError::invalid(
            "dose_gy",
            dose_gy,
            "a finite dose >= 0 Gy",
        ));
    }
    if let Some(r) = relative_dose
        .iter()
        .find(|r| !(r.is_finite() && **r >= 0.0))
    {
        return Err(OncologyError::invalid(
            "relative_dose",
            r,
            "finite values >= 0 in every voxel",
        ));
    }
    ndarray::Zip::from(c)
        .and(relative_dose)
        .for_each(|c, &r| *c *= lq.surviving_fraction_unchecked(dose_gy * r));
    Ok(())
}

/// Planning target volume: voxels of the mask within `margin_mm` of a voxel where
/// `c ≥ threshold` (the FLAIR-visible region). Errors if that region is empty.
pub fn ptv_mask(
    domain: &Domain,
    c: &Array3<f64>,
    threshold: f64,
    margin_mm: f64,
) -> Result<Array3<bool>> {
    domain.grid.check_shape("c", c)?;
    if !(margin_mm.is_finite() && (0.0..=100.0).contains(&margin_mm)) {
        return Err(OncologyError::invalid(
            "margin_mm",
            margin_mm,
            "0 to 100 mm",
        ));
    }
    let visible = c.mapv(|v| v >= threshold);
    if !visible.iter().any(|&v| v) {
        return Err(OncologyError::invalid(
            "visible tumour",
            "empty",
            format!("at least one voxel with c ≥ {threshold}"),
        ));
    }
    let h = domain.grid.spacing_mm;
    let r = h.map(|s| (margin_mm / s).floor() as isize);
    let mut offsets = Vec::new();
    for di in -r[0]..=r[0] {
        for dj in -r[1]..=r[1] {
            for dk in -r[2]..=r[2] {
                let d2 = (di as f64 * h[0]).powi(2)
                    + (dj as f64 * h[1]).powi(2)
                    + (dk as f64 * h[2]).powi(2);
                if d2 <= margin_mm * margin_mm {
                    offsets.push([di, dj, dk]);
                }
            }
        }
    }
    let shape = domain.grid.shape;
    let mut ptv = visible.clone();
    // Only boundary voxels of the visible region can extend it: stamp the ball there.
    for ((i, j, k), &v) in visible.indexed_iter() {
        if !v {
            continue;
        }
        let interior = face_neighbours(shape, [i, j, k])
            .filter(|&q| visible[q])
            .count()
            == 6;
        if interior {
            continue;
        }
        for o in &offsets {
            let p = [i as isize + o[0], j as isize + o[1], k as isize + o[2]];
            if (0..3).all(|a| p[a] >= 0 && (p[a] as usize) < shape[a]) {
                ptv[[p[0] as usize, p[1] as usize, p[2] as usize]] = true;
            }
        }
    }
    ndarray::Zip::from(&mut ptv)
        .and(&domain.mask)
        .for_each(|p, &m| *p &= m);
    Ok(ptv)
}

/// Uniform prescription: relative dose 1 inside the PTV, 0 elsewhere.
pub fn uniform_dose_map(ptv: &Array3<bool>) -> Array3<f64> {
    ptv.mapv(|p| if p { 1.0 } else { 0.0 })
}

/// Largest planned total dose accepted in a voxel (Gy): above any clinical brain plan
/// (60–80 Gy) with room for boosts and hot spots.
pub const MAX_TOTAL_DOSE_GY: f64 = 150.0;
/// Largest number of fractions of a dose map.
pub const MAX_FRACTIONS: usize = 100;
/// Tolerance (mm) when comparing grid origins and spacings (NIfTI stores float32).
pub const GRID_TOLERANCE_MM: f64 = 1e-3;

/// A planned dose distribution, e.g. exported from a treatment-planning system.
///
/// **Definition.** `total_dose_gy` is the physical dose each voxel receives over the
/// whole course, delivered in `n_fractions` fractions. Used with a [`Schedule`] of
/// `n_fractions` fractions, fraction `f` gives voxel `x` the dose
/// `D(x) · d_f / Σ d` (`d_f` the schedule's prescribed dose of that fraction), so the
/// schedule sets the days and the relative weights and the map the spatial dose;
/// with equal fractions each delivers `D(x) / n_fractions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseMap {
    /// Grid of the map (atlas space, like the tissue).
    pub grid: Grid,
    /// Total planned dose per voxel over the course (Gy), `[x, y, z]`.
    pub total_dose_gy: Array3<f64>,
    /// Number of fractions the total is delivered in.
    pub n_fractions: usize,
}

/// Error unless `grid` is `expected` (same shape, spacing and origin within
/// [`GRID_TOLERANCE_MM`]).
fn check_same_grid(what: &str, grid: &Grid, expected: &Grid) -> Result<()> {
    if grid.shape != expected.shape {
        return Err(OncologyError::invalid(
            format!("{what} shape"),
            format!("{:?}", grid.shape),
            format!("the model grid's shape {:?}", expected.shape),
        ));
    }
    for (name, a, b) in [
        ("spacing_mm", grid.spacing_mm, expected.spacing_mm),
        ("origin_mm", grid.origin_mm, expected.origin_mm),
    ] {
        if (0..3).any(|i| (a[i] - b[i]).abs() > GRID_TOLERANCE_MM) {
            return Err(OncologyError::invalid(
                format!("{what} {name}"),
                format!("{a:?}"),
                format!(
                    "the model grid's {b:?} (resample the map onto the atlas grid first, e.g. \
                     twin_io::nifti_io::resample_trilinear)"
                ),
            ));
        }
    }
    Ok(())
}

impl DoseMap {
    /// A dose map: values finite in `[0, MAX_TOTAL_DOSE_GY]` Gy, `n_fractions` in
    /// `1..=MAX_FRACTIONS`.
    pub fn new(grid: Grid, total_dose_gy: Array3<f64>, n_fractions: usize) -> Result<Self> {
        grid.check_shape("total_dose_gy", &total_dose_gy)?;
        if !(1..=MAX_FRACTIONS).contains(&n_fractions) {
            return Err(OncologyError::invalid(
                "n_fractions",
                n_fractions,
                format!("1 to {MAX_FRACTIONS}"),
            ));
        }
        if let Some(((i, j, k), bad)) = total_dose_gy
            .indexed_iter()
            .find(|(_, d)| !(d.is_finite() && (0.0..=MAX_TOTAL_DOSE_GY).contains(*d)))
        {
            return Err(OncologyError::invalid(
                format!("total_dose_gy at voxel [{i}, {j}, {k}]"),
                bad,
                format!("finite, 0 to {MAX_TOTAL_DOSE_GY} Gy"),
            ));
        }
        Ok(Self {
            grid,
            total_dose_gy,
            n_fractions,
        })
    }

    /// Read a total-dose map (Gy, NIfTI-1 via [`twin_io::nifti_io::read_volume`]) that
    /// must lie on `model_grid` (the atlas grid of the tissue), delivered in
    /// `n_fractions` fractions.
    pub fn read_nifti(
        path: impl AsRef<Path>,
        n_fractions: usize,
        model_grid: &Grid,
    ) -> Result<Self> {
        let v = nifti_io::read_volume(path).map_err(|e| OncologyError::Io {
            what: "dose map".into(),
            message: e.to_string(),
        })?;
        check_same_grid("dose map", &v.grid, model_grid)?;
        Self::new(*model_grid, v.data, n_fractions)
    }

    /// Write the total-dose map as float32 NIfTI-1 (the fraction count is not stored).
    pub fn write_nifti(&self, path: impl AsRef<Path>) -> Result<()> {
        nifti_io::write_volume(
            path,
            &Volume {
                grid: self.grid,
                data: self.total_dose_gy.clone(),
            },
        )
        .map_err(|e| OncologyError::Io {
            what: "dose map".into(),
            message: e.to_string(),
        })
    }

    /// Error unless the map lies on `model_grid` (shape, spacing, origin).
    pub fn check_grid(&self, model_grid: &Grid) -> Result<()> {
        check_same_grid("dose map", &self.grid, model_grid)
    }

    /// Dose per fraction `D(x) / n_fractions` (Gy).
    pub fn fraction_dose_gy(&self) -> Array3<f64> {
        self.total_dose_gy.mapv(|d| d / self.n_fractions as f64)
    }

    /// The relative dose on `grid` for [`apply_fraction`] with `schedule`:
    /// `D(x) / Σ d`, so that a fraction of prescribed dose `d_f` gives `D(x) d_f / Σ d`.
    /// `grid` is the map's grid or a sub-box of it (same spacing, origin on a voxel
    /// centre: the cropped tissue a twin runs on). Errors if the schedule has another
    /// number of fractions.
    pub fn relative_dose_on(&self, grid: &Grid, schedule: &Schedule) -> Result<Array3<f64>> {
        if schedule.fractions.len() != self.n_fractions {
            return Err(OncologyError::invalid(
                "schedule fractions",
                schedule.fractions.len(),
                format!("the dose map's {} fractions", self.n_fractions),
            ));
        }
        let lo = self.sub_box(grid)?;
        let scale = 1.0 / schedule.total_dose_gy();
        Ok(Array3::from_shape_fn(grid.shape, |(i, j, k)| {
            self.total_dose_gy[[lo[0] + i, lo[1] + j, lo[2] + k]] * scale
        }))
    }

    /// First voxel of `grid` inside the map's grid, if `grid` is an aligned sub-box.
    fn sub_box(&self, grid: &Grid) -> Result<[usize; 3]> {
        let g = &self.grid;
        let mut lo = [0usize; 3];
        for (a, l) in lo.iter_mut().enumerate() {
            let off = (grid.origin_mm[a] - g.origin_mm[a]) / g.spacing_mm[a];
            let n = off.round();
            let aligned = (grid.spacing_mm[a] - g.spacing_mm[a]).abs() <= GRID_TOLERANCE_MM
                && (off - n).abs() * g.spacing_mm[a] <= GRID_TOLERANCE_MM;
            if !aligned || n < 0.0 || n as usize + grid.shape[a] > g.shape[a] {
                return Err(OncologyError::invalid(
                    format!("model grid axis {a}"),
                    format!(
                        "origin {:.3} mm, spacing {:.3} mm, {} voxels",
                        grid.origin_mm[a], grid.spacing_mm[a], grid.shape[a]
                    ),
                    format!(
                        "a voxel-aligned part of the dose map's grid (origin {:.3} mm, \
                         spacing {:.3} mm, {} voxels)",
                        g.origin_mm[a], g.spacing_mm[a], g.shape[a]
                    ),
                ));
            }
            *l = n as usize;
        }
        Ok(lo)
    }
}
