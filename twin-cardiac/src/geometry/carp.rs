//! openCARP tetrahedral meshes — `.pts` (points, µm), `.elem` (elements with
//! a region tag), optional `.lon` (fibre direction per element), the format
//! in which openCARP/CARPentry atrial models are shared — read and
//! voxelised onto a masked grid for the monodomain solver.
//!
//! File layout (openCARP manual, "Mesh files"): each file starts with a
//! count line; `.pts` lines are `x y z` in µm; `.elem` lines are
//! `Tt n0 n1 n2 n3 tag` (only tetrahedra are read: surface and other
//! element types are rejected by name); `.lon` starts with the number of
//! directions per element (1: fibre, 2: fibre and sheet) followed by one
//! line of 3 or 6 numbers per element.
//!
//! Voxelisation: a voxel belongs to the first element (file order) that
//! contains its centre (barycentric test with a 1e-9 tolerance, so centres
//! on shared faces are not lost); it takes that element's region and fibre.
//! Elements without a fibre (zero vector, or no `.lon`) give isotropic
//! tissue at the longitudinal diffusivity. Hand-written because no Rust
//! crate reads openCARP meshes; the parsing is a few lines per file.

use std::path::Path;

use nalgebra::{Matrix3, Vector3};
use ndarray::{Array3, Array4};
use twin_core::pde::{Domain, Grid};

use crate::error::{CardiacError, Result};
use crate::tissue::Substrate;
use crate::tissue::substrate::core_err;

/// A tetrahedral mesh in world millimetres.
#[derive(Debug, Clone, PartialEq)]
pub struct CarpMesh {
    /// Node positions (mm; the files hold µm).
    pub points_mm: Vec<[f64; 3]>,
    /// Node indices of each tetrahedron.
    pub tets: Vec<[u32; 4]>,
    /// Region tag of each tetrahedron.
    pub tags: Vec<i32>,
    /// Fibre direction of each tetrahedron (not normalised; zero = none).
    pub fibres: Option<Vec<[f64; 3]>>,
}

/// Data lines (non-empty, `#` comments skipped) with their 1-based line
/// numbers.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn bad(file: &str, line: usize, value: impl std::fmt::Display, allowed: &str) -> CardiacError {
    CardiacError::invalid(format!("{file} line {line}"), value, allowed)
}

/// The count line and the data lines after it; errors unless exactly
/// `count` follow.
fn counted<'a>(file: &str, text: &'a str) -> Result<Vec<(usize, &'a str)>> {
    let mut lines = data_lines(text);
    let (no, first) = lines
        .next()
        .ok_or_else(|| CardiacError::invalid(file, "an empty file", "a count line"))?;
    let count: usize = first
        .split_whitespace()
        .next()
        .and_then(|w| w.parse().ok())
        .ok_or_else(|| bad(file, no, first, "a count"))?;
    let rest: Vec<_> = lines.collect();
    if rest.len() != count {
        return Err(CardiacError::invalid(
            file,
            format!("{} entries after a count of {count}", rest.len()),
            "as many entries as the count line says",
        ));
    }
    Ok(rest)
}

/// `n` numbers of one line.
fn numbers<T: std::str::FromStr>(file: &str, no: usize, words: &[&str]) -> Result<Vec<T>> {
    words
        .iter()
        .map(|w| w.parse().map_err(|_| bad(file, no, w, "a number")))
        .collect()
}

impl CarpMesh {
    /// Parse the texts of a `.pts`, `.elem` and optional `.lon` file.
    pub fn parse(pts: &str, elem: &str, lon: Option<&str>) -> Result<Self> {
        let mut points_mm = Vec::new();
        for (no, line) in counted(".pts", pts)? {
            let w: Vec<&str> = line.split_whitespace().collect();
            if w.len() != 3 {
                return Err(bad(".pts", no, line, "x y z (µm)"));
            }
            let p: Vec<f64> = numbers(".pts", no, &w)?;
            if p.iter().any(|x| !x.is_finite()) {
                return Err(bad(".pts", no, line, "finite coordinates"));
            }
            points_mm.push([1e-3 * p[0], 1e-3 * p[1], 1e-3 * p[2]]);
        }
        let (mut tets, mut tags) = (Vec::new(), Vec::new());
        for (no, line) in counted(".elem", elem)? {
            let w: Vec<&str> = line.split_whitespace().collect();
            match w.first() {
                Some(&"Tt") if w.len() == 6 => {}
                Some(&"Tt") => return Err(bad(".elem", no, line, "Tt n0 n1 n2 n3 tag")),
                Some(other) => {
                    return Err(bad(".elem", no, other, "Tt (tetrahedra) elements only"));
                }
                None => unreachable!("data lines are not empty"),
            }
            let n: Vec<u32> = numbers(".elem", no, &w[1..5])?;
            if let Some(&k) = n.iter().find(|&&k| k as usize >= points_mm.len()) {
                return Err(bad(
                    ".elem",
                    no,
                    k,
                    &format!("node indices below {}", points_mm.len()),
                ));
            }
            tets.push([n[0], n[1], n[2], n[3]]);
            tags.push(numbers::<i32>(".elem", no, &w[5..6])?[0]);
        }
        let fibres = lon
            .map(|text| {
                let mut lines = data_lines(text);
                let (no, first) = lines
                    .next()
                    .ok_or_else(|| CardiacError::invalid(".lon", "an empty file", "a header"))?;
                let per: usize = match first.split_whitespace().collect::<Vec<_>>()[..] {
                    [w] => w.parse().map_err(|_| bad(".lon", no, first, "1 or 2"))?,
                    _ => return Err(bad(".lon", no, first, "1 or 2")),
                };
                if !(1..=2).contains(&per) {
                    return Err(bad(".lon", no, per, "1 or 2 directions per element"));
                }
                let rows: Vec<_> = lines.collect();
                if rows.len() != tets.len() {
                    return Err(CardiacError::invalid(
                        ".lon",
                        format!("{} rows for {} elements", rows.len(), tets.len()),
                        "one row per element",
                    ));
                }
                rows.into_iter()
                    .map(|(no, line)| {
                        let w: Vec<&str> = line.split_whitespace().collect();
                        if w.len() != 3 * per {
                            return Err(bad(".lon", no, line, "3 numbers per direction"));
                        }
                        let f: Vec<f64> = numbers(".lon", no, &w[..3])?;
                        if f.iter().any(|x| !x.is_finite()) {
                            return Err(bad(".lon", no, line, "finite components"));
                        }
                        Ok([f[0], f[1], f[2]])
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?;
        Ok(Self {
            points_mm,
            tets,
            tags,
            fibres,
        })
    }

    /// Read `base.pts`, `base.elem` and, when present, `base.lon` (`base`
    /// without extension, as openCARP's `-meshname`).
    pub fn read(base: impl AsRef<Path>) -> Result<Self> {
        let base = base.as_ref();
        let read = |ext: &str| {
            let path = base.with_extension(ext);
            std::fs::read_to_string(&path).map_err(|e| {
                CardiacError::invalid(format!("mesh file .{ext}"), e, "a readable text file")
            })
        };
        let lon = base
            .with_extension("lon")
            .exists()
            .then(|| read("lon"))
            .transpose()?;
        Self::parse(&read("pts")?, &read("elem")?, lon.as_deref())
    }

    /// Check the public fields' consistency (as [`Self::parse`] ensures):
    /// finite points, node indices below the number of points, and one tag
    /// (and one fibre, if any) per tetrahedron.
    pub fn validate(&self) -> Result<()> {
        if let Some(p) = self
            .points_mm
            .iter()
            .find(|p| !p.iter().all(|x| x.is_finite()))
        {
            return Err(CardiacError::invalid(
                "points_mm",
                format!("{p:?}"),
                "finite coordinates (mm)",
            ));
        }
        let n = self.points_mm.len();
        if let Some((e, t)) = self
            .tets
            .iter()
            .enumerate()
            .find(|(_, t)| t.iter().any(|&k| k as usize >= n))
        {
            return Err(CardiacError::invalid(
                format!("tets[{e}]"),
                format!("{t:?}"),
                format!("node indices below the number of points ({n})"),
            ));
        }
        if self.tags.len() != self.tets.len() {
            return Err(CardiacError::invalid(
                "tags.len",
                self.tags.len(),
                format!("= number of tetrahedra ({})", self.tets.len()),
            ));
        }
        if let Some(f) = &self.fibres {
            if f.len() != self.tets.len() {
                return Err(CardiacError::invalid(
                    "fibres.len",
                    f.len(),
                    format!("= number of tetrahedra ({})", self.tets.len()),
                ));
            }
            if let Some(v) = f.iter().find(|v| !v.iter().all(|x| x.is_finite())) {
                return Err(CardiacError::invalid(
                    "fibres",
                    format!("{v:?}"),
                    "finite components",
                ));
            }
        }
        Ok(())
    }

    /// Total volume of the tetrahedra (mm³). Errors if [`Self::validate`] fails.
    pub fn volume_mm3(&self) -> Result<f64> {
        self.validate()?;
        Ok(self
            .tets
            .iter()
            .map(|t| self.edges(t).determinant().abs() / 6.0)
            .sum())
    }

    /// Edge vectors p1 − p0, p2 − p0, p3 − p0 as columns.
    fn edges(&self, t: &[u32; 4]) -> Matrix3<f64> {
        let p = |k: usize| Vector3::from(self.points_mm[t[k] as usize]);
        Matrix3::from_columns(&[p(1) - p(0), p(2) - p(0), p(3) - p(0)])
    }

    /// Voxelise on a grid of spacing `dx_mm` covering the mesh: diffusivities
    /// `d_long` / `d_trans` (mm²/ms) about each element's fibre, and the
    /// cell-model region of each element's tag from `tag_regions` (tags not
    /// listed: region 0). Errors on an inconsistent mesh (see
    /// [`Self::validate`]), an empty mesh, a degenerate element, a bad spacing
    /// or diffusivities, or a grid above 50 million voxels.
    pub fn voxelise(
        &self,
        dx_mm: f64,
        d_long: f64,
        d_trans: f64,
        tag_regions: &[(i32, u8)],
    ) -> Result<Substrate> {
        if !(dx_mm.is_finite() && dx_mm > 0.0) {
            return Err(CardiacError::invalid("dx_mm", dx_mm, "finite and > 0 mm"));
        }
        self.validate()?;
        if self.tets.is_empty() {
            return Err(CardiacError::invalid(
                "mesh",
                "no elements",
                "at least one tetrahedron",
            ));
        }
        let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
        for p in &self.points_mm {
            for a in 0..3 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        let shape = [0, 1, 2].map(|a| (((hi[a] - lo[a]) / dx_mm).ceil() as usize).max(1));
        // Checked: a wrapped product could pass the limit.
        let voxels = shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n));
        if voxels.is_none_or(|v| v > 50_000_000) {
            return Err(CardiacError::invalid(
                "dx_mm",
                dx_mm,
                format!("a spacing giving at most 5e7 voxels (grid {shape:?})"),
            ));
        }
        let origin = [0, 1, 2].map(|a| lo[a] + 0.5 * dx_mm);
        let grid = Grid::with_origin(shape, [dx_mm; 3], origin).map_err(core_err)?;
        let mut mask = Array3::from_elem(shape, false);
        let mut region = Array3::<u8>::zeros(shape);
        let mut fibre = Array4::<f64>::zeros((shape[0], shape[1], shape[2], 3));
        let d_l = Array3::from_elem(shape, d_long);
        let mut d_t = Array3::from_elem(shape, d_trans);
        for (e, t) in self.tets.iter().enumerate() {
            let inv = self.edges(t).try_inverse().ok_or_else(|| {
                CardiacError::invalid(
                    format!("element {e}"),
                    format!("{t:?}"),
                    "a tetrahedron of non-zero volume",
                )
            })?;
            let p0 = Vector3::from(self.points_mm[t[0] as usize]);
            let f = self.fibres.as_ref().map_or([0.0; 3], |f| f[e]);
            let norm = (f[0] * f[0] + f[1] * f[1] + f[2] * f[2]).sqrt();
            let r = tag_regions
                .iter()
                .find(|(tag, _)| *tag == self.tags[e])
                .map_or(0, |(_, r)| *r);
            // Voxel index range of the element's bounding box.
            let range = |a: usize| {
                let (min, max) = t
                    .iter()
                    .map(|&k| self.points_mm[k as usize][a])
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(m, x), v| {
                        (m.min(v), x.max(v))
                    });
                let first = ((min - origin[a]) / dx_mm).ceil().max(0.0) as usize;
                let last =
                    (((max - origin[a]) / dx_mm).floor() as isize).min(shape[a] as isize - 1);
                first..(last + 1).max(0) as usize
            };
            for i in range(0) {
                for j in range(1) {
                    for k in range(2) {
                        if mask[[i, j, k]] {
                            continue;
                        }
                        let b = inv * (Vector3::from(grid.centre_mm(i, j, k)) - p0);
                        if b.min() < -1e-9 || b.sum() > 1.0 + 1e-9 {
                            continue;
                        }
                        mask[[i, j, k]] = true;
                        region[[i, j, k]] = r;
                        if norm > 0.0 {
                            for a in 0..3 {
                                fibre[[i, j, k, a]] = f[a] / norm;
                            }
                        } else {
                            fibre[[i, j, k, 0]] = 1.0;
                            d_t[[i, j, k]] = d_long;
                        }
                    }
                }
            }
        }
        // Voxels outside tissue still need a unit fibre for validation.
        for ((i, j, k), &m) in mask.indexed_iter() {
            if !m {
                fibre[[i, j, k, 0]] = 1.0;
            }
        }
        let sub = Substrate {
            domain: Domain::new(grid, mask).map_err(core_err)?,
            fibre,
            d_long_mm2_per_ms: d_l,
            d_trans_mm2_per_ms: d_t,
            region,
        };
        sub.validate()?;
        Ok(sub)
    }
}
