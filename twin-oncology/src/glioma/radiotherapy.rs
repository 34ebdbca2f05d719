//! Radiotherapy: fractionation schedules, the linear–quadratic kill per voxel, the
//! planning target volume (FLAIR-visible region plus a margin) and its dose map.

use ndarray::Array3;
use serde::{Deserialize, Serialize};
use twin_core::pde::Domain;

use super::params::LqParams;
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

    /// Biologically effective dose `Σ d (1 + d/(α/β))` (Gy) for a tissue with `alpha_beta_gy`.
    pub fn bed_gy(&self, alpha_beta_gy: f64) -> f64 {
        self.fractions
            .iter()
            .map(|f| f.dose_gy * (1.0 + f.dose_gy / alpha_beta_gy))
            .sum()
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
    ndarray::Zip::from(c)
        .and(relative_dose)
        .for_each(|c, &r| *c *= lq.surviving_fraction(dose_gy * r));
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
        let interior = [
            [1isize, 0, 0],
            [-1, 0, 0],
            [0, 1, 0],
            [0, -1, 0],
            [0, 0, 1],
            [0, 0, -1],
        ]
        .iter()
        .all(|o| {
            let p = [i as isize + o[0], j as isize + o[1], k as isize + o[2]];
            (0..3).all(|a| p[a] >= 0 && (p[a] as usize) < shape[a])
                && visible[[p[0] as usize, p[1] as usize, p[2] as usize]]
        });
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
