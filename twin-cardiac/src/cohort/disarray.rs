//! Fibre disarray of the cohort's truth: a smooth random rotation of the
//! rule-based fibre field, a structural difference the twin does not have.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{CardiacError, Result};
use crate::tissue::Substrate;

/// Rotate the fibres of a 2D substrate in place by a smooth random angle
/// field `θ(x, y) = amplitude · Σₘ cos(kₘ·x + φₘ) / √(M/2)` of M = 8 plane
/// waves with random directions and phases and wavenumber 2π/wavelength
/// (seeded): the field has RMS `amplitude`.
pub fn fibre_disarray(
    sub: &mut Substrate,
    amplitude_rad: f64,
    wavelength_mm: f64,
    seed: u64,
) -> Result<()> {
    if !(amplitude_rad.is_finite() && amplitude_rad >= 0.0) {
        return Err(CardiacError::invalid(
            "fibre disarray amplitude (rad)",
            amplitude_rad,
            "finite and >= 0",
        ));
    }
    if !(wavelength_mm.is_finite() && wavelength_mm > 0.0) {
        return Err(CardiacError::invalid(
            "fibre disarray wavelength (mm)",
            wavelength_mm,
            "> 0",
        ));
    }
    const MODES: usize = 8;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let k = std::f64::consts::TAU / wavelength_mm;
    let modes: Vec<[f64; 3]> = (0..MODES)
        .map(|_| {
            let dir: f64 = rng.random_range(0.0..std::f64::consts::TAU);
            [
                k * dir.cos(),
                k * dir.sin(),
                rng.random_range(0.0..std::f64::consts::TAU),
            ]
        })
        .collect();
    let norm = amplitude_rad / (MODES as f64 / 2.0).sqrt();
    let g = sub.domain.grid;
    for ((i, j, kz), _) in sub.region.indexed_iter() {
        let c = g.centre_mm(i, j, kz);
        let theta = norm
            * modes
                .iter()
                .map(|m| (m[0] * c[0] + m[1] * c[1] + m[2]).cos())
                .sum::<f64>();
        let (s, co) = theta.sin_cos();
        let (fx, fy) = (sub.fibre[[i, j, kz, 0]], sub.fibre[[i, j, kz, 1]]);
        sub.fibre[[i, j, kz, 0]] = co * fx - s * fy;
        sub.fibre[[i, j, kz, 1]] = s * fx + co * fy;
    }
    sub.validate()
}
