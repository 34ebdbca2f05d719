//! Fibrosis maps and their effect on the substrate.
//!
//! Maps are thresholded, smoothed random fields (seeded ChaCha8): white noise
//! blurred with a correlation length set by the pattern, then thresholded at
//! the quantile that gives the requested burden among tissue voxels.
//! Diffuse = no smoothing (interstitial), patchy ≈ 1.5 mm, compact ≈ 5 mm
//! blobs (after the patterns of Nguyen et al. 2014, J Cardiovasc Electrophysiol
//! 25:316, and Zahid et al. 2016, Cardiovasc Res 110:443). Maps can also come
//! from an LGE-MRI label map ([`fibrosis_from_labels`]).

use ndarray::Array3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::error::{CardiacError, Result};
use crate::tissue::Substrate;

/// Spatial pattern of fibrosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FibrosisPattern {
    /// Scattered single voxels (interstitial).
    Diffuse,
    /// Small patches (correlation length ≈ 1.5 mm).
    Patchy,
    /// Large confluent regions (≈ 5 mm).
    Compact,
}

impl FibrosisPattern {
    fn correlation_mm(self) -> f64 {
        match self {
            Self::Diffuse => 0.0,
            Self::Patchy => 1.5,
            Self::Compact => 5.0,
        }
    }
}

/// How fibrotic voxels change the substrate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FibrosisEffect {
    /// Multiplier on the longitudinal diffusivity (default 0.6).
    pub d_long_scale: f64,
    /// Multiplier on the transverse diffusivity (default 0.2, so the tissue
    /// becomes more anisotropic).
    pub d_trans_scale: f64,
    /// Fraction of fibrotic voxels made non-conducting (default 0.3).
    pub non_conducting_fraction: f64,
    /// Region label for remodelled cells in fibrotic voxels (None: unchanged).
    pub remodelled_region: Option<u8>,
}

impl Default for FibrosisEffect {
    /// Illustrative values in the range used by Roney et al. 2016 (Europace
    /// 18:iv146) and McDowell et al. 2013 (PLoS One 8:e57361): conductivity
    /// reduced, transverse more than longitudinal, some non-conducting voxels.
    fn default() -> Self {
        Self {
            d_long_scale: 0.6,
            d_trans_scale: 0.2,
            non_conducting_fraction: 0.3,
            remodelled_region: None,
        }
    }
}

/// Separable box blur of half-width `r` voxels along each non-trivial axis
/// (three passes approximate a Gaussian).
fn blur(field: &mut Array3<f64>, r: [usize; 3]) {
    let shape = field.shape().to_vec();
    for axis in 0..3 {
        if r[axis] == 0 || shape[axis] == 1 {
            continue;
        }
        for _ in 0..3 {
            for mut lane in field.lanes_mut(ndarray::Axis(axis)) {
                let src: Vec<f64> = lane.to_vec();
                let n = src.len();
                let mut prefix = vec![0.0; n + 1];
                for i in 0..n {
                    prefix[i + 1] = prefix[i] + src[i];
                }
                for i in 0..n {
                    let (a, b) = (i.saturating_sub(r[axis]), (i + r[axis] + 1).min(n));
                    lane[i] = (prefix[b] - prefix[a]) / (b - a) as f64;
                }
            }
        }
    }
}

/// A fibrosis map with `burden` (fraction 0–1 of tissue voxels) and `pattern`,
/// seeded. Only tissue voxels of `sub` can be fibrotic.
pub fn fibrosis_map(
    sub: &Substrate,
    burden: f64,
    pattern: FibrosisPattern,
    seed: u64,
) -> Result<Array3<bool>> {
    if !(0.0..=1.0).contains(&burden) {
        return Err(CardiacError::invalid(
            "burden",
            burden,
            "a fraction in [0, 1]",
        ));
    }
    let g = sub.domain.grid;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut field = Array3::from_shape_simple_fn(g.shape, || StandardNormal.sample(&mut rng));
    let ell = pattern.correlation_mm();
    let r = [0, 1, 2].map(|a| (ell / g.spacing_mm[a]).round() as usize);
    blur(&mut field, r);
    let mask = &sub.domain.mask;
    let mut vals: Vec<f64> = field
        .iter()
        .zip(mask)
        .filter(|(_, m)| **m)
        .map(|(v, _)| *v)
        .collect();
    let n_fib = (burden * vals.len() as f64).round() as usize;
    let mut out = Array3::from_elem(g.shape, false);
    if n_fib == 0 {
        return Ok(out);
    }
    vals.sort_by(|a, b| b.total_cmp(a));
    let thr = vals[n_fib - 1];
    for ((o, &v), &m) in out.iter_mut().zip(&field).zip(mask) {
        *o = m && v >= thr;
    }
    Ok(out)
}

/// Fibrosis map from an LGE-MRI-derived label map: voxels whose label is in
/// `fibrosis_labels` are fibrotic.
pub fn fibrosis_from_labels(labels: &Array3<u16>, fibrosis_labels: &[u16]) -> Array3<bool> {
    labels.mapv(|l| fibrosis_labels.contains(&l))
}

/// Fibrosis burden (fraction of tissue voxels) of a map.
pub fn burden(sub: &Substrate, map: &Array3<bool>) -> f64 {
    let (mut f, mut t) = (0usize, 0usize);
    for (&m, &x) in sub.domain.mask.iter().zip(map) {
        t += m as usize;
        f += (m && x) as usize;
    }
    f as f64 / t.max(1) as f64
}

/// Apply a fibrosis map to a substrate (in place). Which fibrotic voxels become
/// non-conducting is drawn with `seed`.
pub fn apply_fibrosis(
    sub: &mut Substrate,
    map: &Array3<bool>,
    effect: FibrosisEffect,
    seed: u64,
) -> Result<()> {
    sub.domain
        .grid
        .check_shape("fibrosis map", map)
        .map_err(crate::tissue::substrate::core_err)?;
    for (name, x) in [
        ("d_long_scale", effect.d_long_scale),
        ("d_trans_scale", effect.d_trans_scale),
    ] {
        if !(x.is_finite() && x >= 0.0) {
            return Err(CardiacError::invalid(name, x, "finite and >= 0"));
        }
    }
    if !(0.0..=1.0).contains(&effect.non_conducting_fraction) {
        return Err(CardiacError::invalid(
            "non_conducting_fraction",
            effect.non_conducting_fraction,
            "[0, 1]",
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for (idx, &f) in map.indexed_iter() {
        if !f || !sub.domain.mask[idx] {
            continue;
        }
        sub.d_long_mm2_per_ms[idx] *= effect.d_long_scale;
        sub.d_trans_mm2_per_ms[idx] *= effect.d_trans_scale;
        if let Some(r) = effect.remodelled_region {
            sub.region[idx] = r;
        }
        if rand::Rng::random::<f64>(&mut rng) < effect.non_conducting_fraction {
            sub.domain.mask[idx] = false;
        }
    }
    sub.validate()
}
