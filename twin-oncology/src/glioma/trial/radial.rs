//! The proliferation–invasion model of a spherically symmetric tumour,
//! `∂c/∂t = D (1/r²) ∂/∂r (r² ∂c/∂r) + ρ c (1 − c)`, no flux at r = 0 and at the outer
//! radius: the same equation as the atlas twin ([`crate::glioma::model`]) reduced to one
//! radial dimension, so that thousands of virtual trial patients run in seconds.
//!
//! Finite volumes on shells of width Δr (conservative: the total cell number changes
//! only by proliferation and kill), backward Euler for diffusion (one tridiagonal solve
//! per step, unconditionally stable, so Δt is set by accuracy, not by D/Δr²), and the
//! exact logistic update for proliferation (Lie splitting: first order in Δt; the
//! travelling-wave speed and the convergence order are checked in
//! `tests/glioma_trial.rs`). Written by hand because the 1-D tridiagonal Thomas solve is
//! a dozen lines and no crate of the field offers a radial reaction–diffusion stepper.

use crate::error::{OncologyError, Result};

/// A radial tumour: density on shells `[iΔr, (i+1)Δr)`, normalised to carrying capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct RadialTumour {
    /// Shell width, mm.
    pub dr_mm: f64,
    /// Density per shell (0–1).
    pub density: Vec<f64>,
    /// Shell volumes, mm³.
    volume_mm3: Vec<f64>,
    /// Face areas between shell i and i+1 divided by Δr, mm.
    coupling_mm: Vec<f64>,
    /// Thomas-algorithm scratch (kept to avoid allocation in the time loop).
    scratch: Vec<f64>,
}

impl RadialTumour {
    /// An empty tumour on `n_shells` shells of width `dr_mm` (outer radius `n·Δr`).
    pub fn new(n_shells: usize, dr_mm: f64) -> Result<Self> {
        if !(8..=100_000).contains(&n_shells) {
            return Err(OncologyError::invalid("n_shells", n_shells, "8 to 100,000"));
        }
        if !(dr_mm.is_finite() && dr_mm > 0.0 && dr_mm <= 10.0) {
            return Err(OncologyError::invalid("dr_mm", dr_mm, "0 < Δr ≤ 10 mm"));
        }
        let four_pi = 4.0 * std::f64::consts::PI;
        let volume_mm3 = (0..n_shells)
            .map(|i| {
                four_pi / 3.0 * dr_mm.powi(3) * (((i + 1) as f64).powi(3) - (i as f64).powi(3))
            })
            .collect();
        let coupling_mm = (0..n_shells)
            .map(|i| four_pi * ((i + 1) as f64 * dr_mm).powi(2) / dr_mm)
            .collect();
        Ok(Self {
            dr_mm,
            density: vec![0.0; n_shells],
            volume_mm3,
            coupling_mm,
            scratch: vec![0.0; 2 * n_shells],
        })
    }

    /// Outer radius of the domain, mm.
    pub fn outer_radius_mm(&self) -> f64 {
        self.dr_mm * self.density.len() as f64
    }

    /// Centre radius of shell `i`, mm.
    pub fn radius_mm(&self, i: usize) -> f64 {
        (i as f64 + 0.5) * self.dr_mm
    }

    /// Set the travelling-wave profile whose `threshold` level sits at `radius_mm`:
    /// `c(r) = 1/(1 + e^{λ(r − R½)})`, λ = √(ρ/D) (the decay rate of the minimal-speed
    /// Fisher–KPP front).
    pub fn set_front(&mut self, radius_mm: f64, threshold: f64, d: f64, rho: f64) {
        let lambda = (rho / d).sqrt();
        let r_half = radius_mm + (threshold / (1.0 - threshold)).ln() / lambda;
        for i in 0..self.density.len() {
            let r = self.radius_mm(i);
            self.density[i] = 1.0 / (1.0 + (lambda * (r - r_half)).exp());
        }
    }

    /// Total cells (carrying-capacity units × mm³).
    pub fn total_cells(&self) -> f64 {
        self.density
            .iter()
            .zip(&self.volume_mm3)
            .map(|(c, v)| c * v)
            .sum()
    }

    /// Volume of the region with `c ≥ threshold`, mm³ (T1-Gd: 0.8, FLAIR: 0.16).
    pub fn volume_above_mm3(&self, threshold: f64) -> f64 {
        self.density
            .iter()
            .zip(&self.volume_mm3)
            .filter(|(c, _)| **c >= threshold)
            .map(|(_, v)| v)
            .sum()
    }

    /// Outermost radius where `c ≥ threshold` (linear interpolation), mm; 0 if none.
    pub fn front_radius_mm(&self, threshold: f64) -> f64 {
        let Some(i) = self.density.iter().rposition(|&c| c >= threshold) else {
            return 0.0;
        };
        match self.density.get(i + 1) {
            Some(&next) => {
                let c = self.density[i];
                self.radius_mm(i) + self.dr_mm * (c - threshold) / (c - next)
            }
            None => self.radius_mm(i),
        }
    }

    /// Remove (resect) every cell inside `radius_mm`.
    pub fn resect(&mut self, radius_mm: f64) {
        for i in 0..self.density.len() {
            if self.radius_mm(i) < radius_mm {
                self.density[i] = 0.0;
            }
        }
    }

    /// Multiply the density everywhere by `surviving_fraction` (radiotherapy fraction
    /// inside the planning volume, a dose of systemic drug).
    pub fn kill(&mut self, surviving_fraction: f64) {
        for c in &mut self.density {
            *c *= surviving_fraction;
        }
    }

    /// Advance `dt_days`: diffusion (backward Euler) then proliferation (exact logistic).
    pub fn step(&mut self, d_mm2_per_day: f64, rho_per_day: f64, dt_days: f64) {
        self.diffuse(d_mm2_per_day, dt_days);
        let g = (rho_per_day * dt_days).exp();
        for c in &mut self.density {
            *c = *c * g / (1.0 + *c * (g - 1.0));
        }
    }

    /// Backward-Euler diffusion step: `(V/Δt)(cⁿ⁺¹ − cⁿ) = Σ D A/Δr (cⱼⁿ⁺¹ − cᵢⁿ⁺¹)`,
    /// a symmetric tridiagonal system solved by the Thomas algorithm.
    pub fn diffuse(&mut self, d_mm2_per_day: f64, dt_days: f64) {
        let n = self.density.len();
        let (c_prime, d_prime) = self.scratch.split_at_mut(n);
        // off-diagonal between i and i+1: −Δt D k_i / V_i (row i), −Δt D k_i / V_{i+1} (row i+1)
        // scaled per row by V_i: a_i x_{i-1} + b_i x_i + c_i x_{i+1} = V_i cⁿ_i
        let k = |i: usize| dt_days * d_mm2_per_day * self.coupling_mm[i];
        for i in 0..n {
            let lower = if i > 0 { -k(i - 1) } else { 0.0 };
            let upper = if i + 1 < n { -k(i) } else { 0.0 };
            let diag = self.volume_mm3[i] - lower - upper;
            let rhs = self.volume_mm3[i] * self.density[i];
            if i == 0 {
                c_prime[0] = upper / diag;
                d_prime[0] = rhs / diag;
            } else {
                let m = diag - lower * c_prime[i - 1];
                c_prime[i] = upper / m;
                d_prime[i] = (rhs - lower * d_prime[i - 1]) / m;
            }
        }
        self.density[n - 1] = d_prime[n - 1];
        for i in (0..n - 1).rev() {
            self.density[i] = d_prime[i] - c_prime[i] * self.density[i + 1];
        }
    }
}
