//! Measurements on fields: integrals, volumes above a threshold, front
//! positions, trilinear resampling and 2D slices.
//!
//! Sums run sequentially in voxel order, so results are reproducible.

use ndarray::{Array2, Array3, Axis};

use super::grid::{Domain, Grid};
use crate::error::{CoreError, Result};

/// Checks the domain (its fields are public) and the field's shape on it.
fn check(domain: &Domain, field: &Array3<f64>) -> Result<()> {
    domain.validate()?;
    domain.grid.check_shape("field", field)
}

/// Checks the grid (its fields are public) and the field's shape on it.
fn check_grid(grid: &Grid, field: &Array3<f64>) -> Result<()> {
    grid.validate()?;
    grid.check_shape("field", field)
}

/// `∫ u dV` over the inside voxels (field units × mm³).
pub fn integral(domain: &Domain, field: &Array3<f64>) -> Result<f64> {
    check(domain, field)?;
    let s: f64 = field
        .iter()
        .zip(domain.mask.iter())
        .filter(|(_, m)| **m)
        .map(|(u, _)| *u)
        .sum();
    Ok(s * domain.grid.voxel_volume_mm3())
}

/// `∫ u dV` (field units × mm³) per label of a label map on the same grid, for
/// labels `0..n_labels`, counting inside voxels only; labels ≥ `n_labels` error.
pub fn integrals_by_label(
    domain: &Domain,
    field: &Array3<f64>,
    labels: &Array3<u32>,
    n_labels: usize,
) -> Result<Vec<f64>> {
    check(domain, field)?;
    domain.grid.check_shape("labels", labels)?;
    let mut sums = vec![0.0; n_labels];
    for ((&u, &l), &m) in field.iter().zip(labels.iter()).zip(domain.mask.iter()) {
        if !m {
            continue;
        }
        let slot = sums.get_mut(l as usize).ok_or_else(|| {
            CoreError::invalid("labels", l, format!("a label below n_labels = {n_labels}"))
        })?;
        *slot += u;
    }
    let v = domain.grid.voxel_volume_mm3();
    Ok(sums.into_iter().map(|s| s * v).collect())
}

/// Volume (mm³; area × `spacing_mm.z` on a sheet) of inside voxels with `u ≥ threshold`.
pub fn volume_above(domain: &Domain, field: &Array3<f64>, threshold: f64) -> Result<f64> {
    check(domain, field)?;
    let n = field
        .iter()
        .zip(domain.mask.iter())
        .filter(|(u, m)| **m && **u >= threshold)
        .count();
    Ok(n as f64 * domain.grid.voxel_volume_mm3())
}

/// Radius (mm) of the sphere (3D) or disc (2D sheet) with the same volume or
/// area as the inside voxels with `u ≥ threshold`.
pub fn equivalent_radius_mm(domain: &Domain, field: &Array3<f64>, threshold: f64) -> Result<f64> {
    let v = volume_above(domain, field, threshold)?;
    let g = &domain.grid;
    Ok(if g.is_2d() {
        (v / g.spacing_mm[2] / std::f64::consts::PI).sqrt()
    } else {
        (3.0 * v / (4.0 * std::f64::consts::PI)).cbrt()
    })
}

/// Trilinear interpolation of `field` at world point `p_mm`; `None` outside
/// the grid's voxel-centre box. Axes with one voxel are not interpolated.
///
/// Errors if the grid is invalid or `field` does not have its shape.
pub fn sample_trilinear(grid: &Grid, field: &Array3<f64>, p_mm: [f64; 3]) -> Result<Option<f64>> {
    check_grid(grid, field)?;
    Ok(sample(grid, field, p_mm))
}

/// [`sample_trilinear`] after the checks.
fn sample(grid: &Grid, field: &Array3<f64>, p_mm: [f64; 3]) -> Option<f64> {
    let c = grid.voxel_coords(p_mm);
    let mut lo = [0usize; 3];
    let mut w = [0.0; 3];
    for a in 0..3 {
        let n = grid.shape[a];
        if n == 1 {
            continue;
        }
        let x = c[a];
        if !(x >= 0.0 && x <= (n - 1) as f64) {
            return None;
        }
        let i = (x.floor() as usize).min(n - 2);
        lo[a] = i;
        w[a] = x - i as f64;
    }
    let mut s = 0.0;
    for corner in 0..8usize {
        let mut idx = lo;
        let mut weight = 1.0;
        for a in 0..3 {
            let up = corner >> a & 1 == 1;
            if grid.shape[a] == 1 {
                if up {
                    weight = 0.0;
                }
                continue;
            }
            if up {
                idx[a] += 1;
                weight *= w[a];
            } else {
                weight *= 1.0 - w[a];
            }
        }
        if weight != 0.0 {
            s += weight * field[idx];
        }
    }
    Some(s)
}

/// Resample `field` from grid `from` onto grid `to` by trilinear
/// interpolation (world coordinates); points outside `from` get `outside`.
pub fn resample_trilinear(
    from: &Grid,
    field: &Array3<f64>,
    to: &Grid,
    outside: f64,
) -> Result<Array3<f64>> {
    check_grid(from, field)?;
    to.validate()?;
    Ok(Array3::from_shape_fn(to.shape, |(i, j, k)| {
        sample(from, field, to.centre_mm(i, j, k)).unwrap_or(outside)
    }))
}

/// Distance (mm) from `origin_mm` along `direction` to the first point where
/// the trilinearly interpolated field drops below `threshold`, located by
/// linear interpolation between samples spaced a quarter of the smallest
/// voxel size. `None` if it never drops within `max_distance_mm` or the ray
/// leaves the grid first (the field is constant along axes with one voxel, so a
/// ray along those only never drops). Errors if `direction` is zero,
/// `threshold` is not finite, `max_distance_mm` is not finite and positive,
/// `origin` is already below the threshold or outside the grid, or a sample on
/// the ray is NaN or infinite.
pub fn front_distance_along_ray(
    grid: &Grid,
    field: &Array3<f64>,
    origin_mm: [f64; 3],
    direction: [f64; 3],
    threshold: f64,
    max_distance_mm: f64,
) -> Result<Option<f64>> {
    check_grid(grid, field)?;
    let norm = direction.iter().map(|x| x * x).sum::<f64>().sqrt();
    if !(norm.is_finite() && norm > 0.0) {
        return Err(CoreError::invalid(
            "direction",
            format!("{direction:?}"),
            "a non-zero finite vector",
        ));
    }
    if !threshold.is_finite() {
        return Err(CoreError::invalid(
            "threshold",
            threshold,
            "a finite number",
        ));
    }
    if !(max_distance_mm.is_finite() && max_distance_mm > 0.0) {
        return Err(CoreError::invalid(
            "max_distance_mm",
            max_distance_mm,
            "a finite distance > 0 mm",
        ));
    }
    let d = direction.map(|x| x / norm);
    let at = |s: f64| -> Result<Option<f64>> {
        let v = sample(grid, field, [0, 1, 2].map(|a| origin_mm[a] + s * d[a]));
        match v {
            Some(v) if !v.is_finite() => Err(CoreError::invalid(
                format!("field on the ray at {s} mm"),
                v,
                "finite values",
            )),
            _ => Ok(v),
        }
    };
    let mut prev = match at(0.0)? {
        Some(v) if v >= threshold => v,
        Some(v) => {
            return Err(CoreError::invalid(
                "field at origin",
                v,
                format!(">= threshold {threshold}"),
            ));
        }
        None => {
            return Err(CoreError::invalid(
                "origin_mm",
                format!("{origin_mm:?}"),
                "a point inside the grid",
            ));
        }
    };
    let h = 0.25
        * grid
            .spacing_mm
            .iter()
            .cloned()
            .fold(f64::INFINITY, f64::min);
    // Only the axes with more than one voxel move the sample; the ray leaves
    // their box (of diameter `span`) within `span / moving` mm.
    let (mut span2, mut moving2) = (0.0, 0.0);
    for a in (0..3).filter(|&a| grid.shape[a] > 1) {
        span2 += ((grid.shape[a] - 1) as f64 * grid.spacing_mm[a]).powi(2);
        moving2 += d[a] * d[a];
    }
    if moving2 == 0.0 {
        return Ok(None);
    }
    let limit = max_distance_mm.min(span2.sqrt() / moving2.sqrt() + 2.0 * h);
    let mut s = 0.0;
    // `next > s` ends the march should `h` drop below the resolution of `s`.
    while s < limit {
        let next = s + h;
        if next <= s {
            break;
        }
        let Some(v) = at(next)? else { return Ok(None) };
        if v < threshold {
            let hit = s + h * (prev - threshold) / (prev - v);
            return Ok((hit <= max_distance_mm).then_some(hit));
        }
        prev = v;
        s = next;
    }
    Ok(None)
}

/// Plane of a 3D field for plotting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SliceAxis {
    /// Fixed x index: returns `[ny, nz]`.
    X,
    /// Fixed y index: returns `[nx, nz]`.
    Y,
    /// Fixed z index: returns `[nx, ny]` (the whole field of a 2D sheet at 0).
    Z,
}

/// A 2D slice of `field` at `index` along `axis` (errors if out of range).
pub fn slice<T: Clone>(field: &Array3<T>, axis: SliceAxis, index: usize) -> Result<Array2<T>> {
    let ax = match axis {
        SliceAxis::X => 0,
        SliceAxis::Y => 1,
        SliceAxis::Z => 2,
    };
    let n = field.shape()[ax];
    if index >= n {
        return Err(CoreError::invalid("slice index", index, format!("0..{n}")));
    }
    Ok(field.index_axis(Axis(ax), index).to_owned())
}
