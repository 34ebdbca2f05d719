//! A 2D left-atrial sheet with four pulmonary-vein sleeves
//! and a rule-based fibre field.
//!
//! The sheet is an "unfolded" left atrium in the spirit of universal atrial
//! coordinates (Roney et al. 2019, Med Image Anal 55:65): the sheet edge
//! stands for the mitral annulus, the four PV ostia sit in the upper middle
//! (left pair at 27 %, right pair at 73 % of the width), with the posterior
//! wall between the pairs, the roof above them, the lateral wall/appendage
//! and septum to the sides and the floor/anterior wall below. Each PV
//! sleeve is a disk of tissue around its ostium; fibres
//! run horizontally (like the septopulmonary bundle) in the body and
//! circumferentially around each PV within 1.5 PV radii (Ho et al. 1999,
//! J Cardiovasc Electrophysiol 10:1525). Region 0 = atrial body, region 1 =
//! PV sleeves (so PV cells can carry their own parameters).

use ndarray::{Array3, Array4};
use serde::{Deserialize, Serialize};
use twin_core::pde::{Domain, Grid};

use crate::error::{CardiacError, Result};
use crate::tissue::Substrate;
use crate::tissue::substrate::core_err;

/// Size parameters of the 2D left-atrial sheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AtrialSheetSpec {
    /// Width (left-right) in mm.
    pub width_mm: f64,
    /// Height (annulus-roof) in mm.
    pub height_mm: f64,
    /// Grid spacing (mm).
    pub dx_mm: f64,
    /// PV sleeve radius (mm).
    pub pv_radius_mm: f64,
    /// Diffusivity along fibres (mm²/ms).
    pub d_long_mm2_per_ms: f64,
    /// Diffusivity across fibres (mm²/ms).
    pub d_trans_mm2_per_ms: f64,
}

impl AtrialSheetSpec {
    /// A sheet scaled to an LA antero-posterior diameter (mm): width 2 ×
    /// diameter, height 1.6 × diameter (normal LA diameter ≈ 35–40 mm; a
    /// 40 mm atrium gives 51 cm², of the order of the LA endocardial area
    /// without appendage and veins).
    pub fn from_la_diameter(la_diameter_mm: f64, dx_mm: f64, d_long: f64, d_trans: f64) -> Self {
        Self {
            width_mm: 2.0 * la_diameter_mm,
            height_mm: 1.6 * la_diameter_mm,
            dx_mm,
            pv_radius_mm: 0.16 * la_diameter_mm,
            d_long_mm2_per_ms: d_long,
            d_trans_mm2_per_ms: d_trans,
        }
    }
}

/// The four pulmonary veins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pv {
    /// Left superior.
    Lspv,
    /// Left inferior.
    Lipv,
    /// Right superior.
    Rspv,
    /// Right inferior.
    Ripv,
}

/// A 2D left-atrial sheet with landmarks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtrialSheet {
    /// Size parameters.
    pub spec: AtrialSheetSpec,
    /// The substrate.
    pub substrate: Substrate,
    /// PV ostium centres (mm) in the order LSPV, LIPV, RSPV, RIPV.
    pub pv_centres_mm: [[f64; 2]; 4],
}

impl AtrialSheet {
    /// Build the sheet.
    pub fn new(spec: AtrialSheetSpec) -> Result<Self> {
        let AtrialSheetSpec {
            width_mm: w,
            height_mm: h,
            dx_mm: dx,
            pv_radius_mm: r,
            ..
        } = spec;
        if !(w > 10.0 * r && h > 8.0 * r && r > 2.0 * dx) {
            return Err(CardiacError::invalid(
                "AtrialSheetSpec",
                format!("{w} x {h} mm, PV radius {r} mm, dx {dx} mm"),
                "width > 10 PV radii, height > 8 PV radii and PV radius > 2 dx",
            ));
        }
        let (nx, ny) = ((w / dx).round() as usize + 1, (h / dx).round() as usize + 1);
        let grid = Grid::new_2d(nx, ny, dx, dx).map_err(core_err)?;
        let (xl, xr) = (0.27 * w, 0.73 * w);
        let (ys, yi) = (0.62 * h + 1.2 * r, 0.62 * h - 1.2 * r);
        let cx = [xl, xl, xr, xr];
        let cy = [ys, yi, ys, yi];
        let centres = [0, 1, 2, 3].map(|k| [cx[k], cy[k]]);
        let mut fibre = Array4::zeros((nx, ny, 1, 3));
        let mut region = Array3::zeros([nx, ny, 1]);
        for i in 0..nx {
            for j in 0..ny {
                let p = grid.centre_mm(i, j, 0);
                let (mut f, mut best) = ([1.0, 0.0], f64::INFINITY);
                for c in &centres {
                    let (ddx, ddy) = (p[0] - c[0], p[1] - c[1]);
                    let d = (ddx * ddx + ddy * ddy).sqrt();
                    if d <= r {
                        region[[i, j, 0]] = 1;
                    }
                    if d < 1.5 * r && d < best && d > 1e-9 {
                        best = d;
                        f = [-ddy / d, ddx / d];
                    }
                }
                fibre[[i, j, 0, 0]] = f[0];
                fibre[[i, j, 0, 1]] = f[1];
            }
        }
        let substrate = Substrate {
            domain: Domain::full(grid),
            fibre,
            d_long_mm2_per_ms: Array3::from_elem([nx, ny, 1], spec.d_long_mm2_per_ms),
            d_trans_mm2_per_ms: Array3::from_elem([nx, ny, 1], spec.d_trans_mm2_per_ms),
            region,
        };
        substrate.validate()?;
        Ok(Self {
            spec,
            substrate,
            pv_centres_mm: centres,
        })
    }

    /// Mask of one PV sleeve (disk of the PV radius).
    pub fn pv_mask(&self, pv: Pv) -> Array3<bool> {
        let c = self.pv_centres_mm[pv as usize];
        let g = self.substrate.domain.grid;
        let r = self.spec.pv_radius_mm;
        Array3::from_shape_fn(g.shape, |(i, j, k)| {
            let p = g.centre_mm(i, j, k);
            (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) <= r * r
        })
    }
}
