//! A parametric 3D left atrium on a voxel grid.
//!
//! The chamber is an ellipsoid (endocardial semi-axes `a` left–right along
//! x, `b` antero-posterior along y, `c` infero-superior along z, centre at
//! the world origin) with a wall of constant thickness between it and the
//! ellipsoid of semi-axes `a + w, b + w, c + w`. Four pulmonary-vein sleeves
//! (tubes of wall thickness `w` around a lumen) leave the posterior–superior
//! wall along the wall normal, left veins towards +x, right veins towards
//! −x; their lumens and the mitral annulus (antero-inferior) are holes.
//!
//! Rule-based fibres, all tangent to the wall: circumferential around each
//! vein (in the sleeve and on the wall within 1.5 sleeve radii of its axis,
//! after Ho et al. 1999, J Cardiovasc Electrophysiol 10:1525) and around the
//! mitral annulus (within 1.3 annulus radii), elsewhere longitudinal
//! (the infero-superior direction projected on the wall, as the
//! septopulmonary bundle runs roof to floor over the posterior wall).
//! Region 0 = atrial body, region 1 = PV sleeves beyond the chamber wall.

use ndarray::{Array3, Array4};
use serde::{Deserialize, Serialize};
use twin_core::pde::{Domain, Grid};

use super::sheet::Pv;
use crate::error::{CardiacError, Result};
use crate::tissue::Substrate;
use crate::tissue::substrate::core_err;

/// Size parameters of the 3D left atrium (mm, mm²/ms).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LeftAtriumSpec {
    /// Endocardial semi-axes (mm): x left–right, y antero-posterior, z infero-superior.
    pub semi_axes_mm: [f64; 3],
    /// Wall thickness (mm); LA walls are ~2–3 mm (Ho et al. 2012, Europace 14:i2).
    pub wall_mm: f64,
    /// Voxel size (mm).
    pub dx_mm: f64,
    /// PV lumen radius at the ostium (mm).
    pub pv_radius_mm: f64,
    /// Length of the PV myocardial sleeves beyond the wall (mm).
    pub pv_length_mm: f64,
    /// Mitral annulus radius (mm).
    pub mitral_radius_mm: f64,
    /// Diffusivity along fibres (mm²/ms).
    pub d_long_mm2_per_ms: f64,
    /// Diffusivity across fibres (mm²/ms).
    pub d_trans_mm2_per_ms: f64,
}

/// Shape ratios of the chamber relative to the antero-posterior semi-axis
/// `b`: transverse `a = 1.25 b`, infero-superior `c = 1.15 b` (the LA is
/// wider than deep in echocardiography, e.g. Lang et al. 2015, J Am Soc
/// Echocardiogr 28:1, Table 5).
const SHAPE: [f64; 3] = [1.25, 1.0, 1.15];

impl LeftAtriumSpec {
    /// An atrium scaled to an antero-posterior diameter (mm): `b = D/2`, PV
    /// lumen radius 0.15 D (ostia of 12–15 mm for D = 40–50 mm), sleeves
    /// 10 mm long, mitral annulus radius 0.36 D, wall 3 mm.
    pub fn from_la_diameter(la_diameter_mm: f64, dx_mm: f64, d_long: f64, d_trans: f64) -> Self {
        let b = 0.5 * la_diameter_mm;
        Self {
            semi_axes_mm: SHAPE.map(|s| s * b),
            wall_mm: 3.0,
            dx_mm,
            pv_radius_mm: 0.15 * la_diameter_mm,
            pv_length_mm: 10.0,
            mitral_radius_mm: 0.36 * la_diameter_mm,
            d_long_mm2_per_ms: d_long,
            d_trans_mm2_per_ms: d_trans,
        }
    }

    /// An atrium whose chamber (endocardial ellipsoid) holds `volume_ml`,
    /// with the shape ratios and proportions of [`Self::from_la_diameter`].
    pub fn from_la_volume_ml(
        volume_ml: f64,
        dx_mm: f64,
        d_long: f64,
        d_trans: f64,
    ) -> Result<Self> {
        if !(5.0..=500.0).contains(&volume_ml) {
            return Err(CardiacError::invalid("volume_ml", volume_ml, "5–500 ml"));
        }
        // V = 4/3 π (1.25 b)(b)(1.15 b) in mm³.
        let b = (volume_ml * 1000.0
            / (4.0 / 3.0 * std::f64::consts::PI * SHAPE.iter().product::<f64>()))
        .cbrt();
        Ok(Self::from_la_diameter(2.0 * b, dx_mm, d_long, d_trans))
    }

    /// Chamber volume (ml) of the endocardial ellipsoid.
    pub fn chamber_volume_ml(&self) -> f64 {
        4.0 / 3.0 * std::f64::consts::PI * self.semi_axes_mm.iter().product::<f64>() / 1000.0
    }

    fn validate(&self) -> Result<()> {
        let min_axis = self
            .semi_axes_mm
            .iter()
            .cloned()
            .fold(f64::INFINITY, f64::min);
        let checks = [
            (
                "semi_axes_mm",
                min_axis,
                min_axis > 3.0 * self.pv_radius_mm,
                "> 3 PV radii",
            ),
            (
                "wall_mm",
                self.wall_mm,
                self.wall_mm >= 2.0 * self.dx_mm,
                ">= 2 voxels",
            ),
            ("dx_mm", self.dx_mm, self.dx_mm > 0.0, "> 0 mm"),
            (
                "pv_radius_mm",
                self.pv_radius_mm,
                self.pv_radius_mm >= self.dx_mm,
                ">= dx",
            ),
            (
                "pv_length_mm",
                self.pv_length_mm,
                self.pv_length_mm >= 0.0,
                ">= 0 mm",
            ),
            (
                "mitral_radius_mm",
                self.mitral_radius_mm,
                self.mitral_radius_mm > 0.0 && self.mitral_radius_mm < min_axis,
                "in (0, smallest semi-axis)",
            ),
        ];
        for (name, v, ok, allowed) in checks {
            if !(ok && v.is_finite()) {
                return Err(CardiacError::invalid(name, v, allowed));
            }
        }
        Ok(())
    }
}

/// Voxels of the ellipsoidal shell between the ellipsoid of semi-axes
/// `inner_mm` and the one of semi-axes `inner_mm + wall_mm`, centred at `centre_mm`.
pub fn ellipsoidal_shell(
    grid: &Grid,
    centre_mm: [f64; 3],
    inner_mm: [f64; 3],
    wall_mm: f64,
) -> Array3<bool> {
    let outer = inner_mm.map(|a| a + wall_mm);
    Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let p = grid.centre_mm(i, j, k);
        let q = [0, 1, 2].map(|a| p[a] - centre_mm[a]);
        ellipsoid_level(q, outer) <= 1.0 && ellipsoid_level(q, inner_mm) > 1.0
    })
}

fn ellipsoid_level(q: [f64; 3], s: [f64; 3]) -> f64 {
    (q[0] / s[0]).powi(2) + (q[1] / s[1]).powi(2) + (q[2] / s[2]).powi(2)
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn unit(a: [f64; 3]) -> [f64; 3] {
    let n = dot(a, a).sqrt();
    a.map(|x| x / n)
}

/// Component of `v` tangent to the plane with unit normal `n`, normalised
/// (None if `v` is nearly normal to the plane).
fn tangent(v: [f64; 3], n: [f64; 3]) -> Option<[f64; 3]> {
    let d = dot(v, n);
    let t = [v[0] - d * n[0], v[1] - d * n[1], v[2] - d * n[2]];
    (dot(t, t) > 0.01 * dot(v, v)).then(|| unit(t))
}

/// A tube (vein or annulus) through the wall: point on the mid-wall and
/// outward axis (the wall normal there).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Opening {
    /// Centre of the opening on the mid-wall surface (mm).
    pub centre_mm: [f64; 3],
    /// Outward unit axis.
    pub axis: [f64; 3],
    /// Lumen radius (mm).
    pub radius_mm: f64,
}

impl Opening {
    /// (distance along the axis, distance from the axis) of `p`.
    fn local(&self, p: [f64; 3]) -> (f64, f64, [f64; 3]) {
        let q = [0, 1, 2].map(|a| p[a] - self.centre_mm[a]);
        let t = dot(q, self.axis);
        let r = [0, 1, 2].map(|a| q[a] - t * self.axis[a]);
        (t, dot(r, r).sqrt(), r)
    }
}

/// A parametric 3D left atrium with its landmarks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftAtrium {
    /// Size parameters.
    pub spec: LeftAtriumSpec,
    /// The substrate (region 0 body, 1 PV sleeves).
    pub substrate: Substrate,
    /// PV openings in the order LSPV, LIPV, RSPV, RIPV.
    pub veins: [Opening; 4],
    /// Mitral annulus opening.
    pub mitral: Opening,
}

/// Directions (from the chamber centre, before normalisation) of the PV
/// ostia in the order LSPV, LIPV, RSPV, RIPV and of the mitral annulus.
const PV_DIRECTIONS: [[f64; 3]; 4] = [
    [0.55, 0.6, 0.45],
    [0.6, 0.65, -0.1],
    [-0.55, 0.6, 0.45],
    [-0.6, 0.65, -0.1],
];
const MITRAL_DIRECTION: [f64; 3] = [0.0, -0.6, -0.8];

impl LeftAtrium {
    /// Build the atrium.
    pub fn new(spec: LeftAtriumSpec) -> Result<Self> {
        spec.validate()?;
        let w = spec.wall_mm;
        let mid = spec.semi_axes_mm.map(|a| a + 0.5 * w);
        let outer = spec.semi_axes_mm.map(|a| a + w);
        let opening = |dir: [f64; 3], radius_mm: f64| {
            let u = unit(dir);
            let s = 1.0 / ellipsoid_level(u, mid).sqrt();
            let c = u.map(|x| s * x);
            Opening {
                centre_mm: c,
                axis: unit([
                    c[0] / (mid[0] * mid[0]),
                    c[1] / (mid[1] * mid[1]),
                    c[2] / (mid[2] * mid[2]),
                ]),
                radius_mm,
            }
        };
        let veins = PV_DIRECTIONS.map(|d| opening(d, spec.pv_radius_mm));
        let mitral = opening(MITRAL_DIRECTION, spec.mitral_radius_mm);
        let dx = spec.dx_mm;
        let reach = spec.pv_length_mm + spec.pv_radius_mm + 2.0 * w + 2.0 * dx;
        let half = outer.map(|a| a + reach);
        let shape = half.map(|h| (2.0 * h / dx).ceil() as usize + 1);
        let grid = Grid::with_origin(shape, [dx; 3], half.map(|h| -h)).map_err(core_err)?;
        let shell = ellipsoidal_shell(&grid, [0.0; 3], spec.semi_axes_mm, w);
        let r_sleeve = spec.pv_radius_mm + w;
        let mut mask = Array3::from_elem(shape, false);
        let mut region = Array3::<u8>::zeros(shape);
        let mut fibre = Array4::<f64>::zeros((shape[0], shape[1], shape[2], 3));
        for ((i, j, k), &in_shell) in shell.indexed_iter() {
            let p = grid.centre_mm(i, j, k);
            let beyond_wall = ellipsoid_level(p, outer) > 1.0;
            // Lumen holes (veins and annulus) through the wall and sleeves.
            let in_lumen = veins.iter().chain(std::iter::once(&mitral)).any(|o| {
                let (t, rho, _) = o.local(p);
                rho < o.radius_mm && t > -w && t < spec.pv_length_mm + w
            });
            if in_lumen {
                continue;
            }
            let sleeve = veins.iter().position(|o| {
                let (t, rho, _) = o.local(p);
                rho <= r_sleeve && t >= 0.0 && t <= 0.5 * w + spec.pv_length_mm
            });
            let f = match (in_shell, sleeve) {
                (_, Some(v)) if beyond_wall => {
                    // Sleeve: circumferential about the vein axis.
                    region[[i, j, k]] = 1;
                    let (_, _, r) = veins[v].local(p);
                    unit(cross(veins[v].axis, r))
                }
                (true, _) => {
                    let n = unit([
                        p[0] / (mid[0] * mid[0]),
                        p[1] / (mid[1] * mid[1]),
                        p[2] / (mid[2] * mid[2]),
                    ]);
                    let around = |o: &Opening, within: f64| {
                        let (_, rho, r) = o.local(p);
                        (rho < within).then(|| cross(o.axis, r))
                    };
                    let dir = veins
                        .iter()
                        .find_map(|o| around(o, 1.5 * r_sleeve))
                        .or_else(|| around(&mitral, 1.3 * mitral.radius_mm))
                        .unwrap_or([0.0, 0.0, 1.0]);
                    tangent(dir, n)
                        .or_else(|| tangent([1.0, 0.0, 0.0], n))
                        .expect("x and z cannot both be normal to the wall")
                }
                _ => continue,
            };
            mask[[i, j, k]] = true;
            for a in 0..3 {
                fibre[[i, j, k, a]] = f[a];
            }
        }
        let domain = Domain::new(grid, mask).map_err(core_err)?;
        let substrate = Substrate {
            domain,
            fibre,
            d_long_mm2_per_ms: Array3::from_elem(shape, spec.d_long_mm2_per_ms),
            d_trans_mm2_per_ms: Array3::from_elem(shape, spec.d_trans_mm2_per_ms),
            region,
        };
        substrate.validate()?;
        Ok(Self {
            spec,
            substrate,
            veins,
            mitral,
        })
    }

    /// Mask of one PV sleeve (region-1 voxels of that vein).
    pub fn pv_mask(&self, pv: Pv) -> Array3<bool> {
        let o = self.veins[pv as usize];
        let g = self.substrate.domain.grid;
        let sub = &self.substrate;
        Array3::from_shape_fn(g.shape, |(i, j, k)| {
            let (_, rho, _) = o.local(g.centre_mm(i, j, k));
            sub.domain.mask[[i, j, k]]
                && sub.region[[i, j, k]] == 1
                && rho <= o.radius_mm + self.spec.wall_mm + 1e-9
        })
    }
}
