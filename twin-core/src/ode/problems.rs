//! Standard test problems with analytic Jacobians, shared by tests and benches
//! (Hairer & Wanner 1996, *Solving ODEs II*, §IV.10; Mazzia & Magherini, *Test Set
//! for IVP Solvers*, University of Bari, release 2.4, 2008).

use super::OdeSystem;
use nalgebra::DMatrix;

/// Robertson's chemical kinetics (Robertson 1966): three species, rate constants
/// 0.04, 1e4, 3e7; stiff, conserves `y1 + y2 + y3`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Robertson;

impl OdeSystem for Robertson {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let r1 = 0.04 * y[0];
        let r2 = 1e4 * y[1] * y[2];
        let r3 = 3e7 * y[1] * y[1];
        dy[0] = -r1 + r2;
        dy[1] = r1 - r2 - r3;
        dy[2] = r3;
    }
    fn jacobian(&self, _t: f64, y: &[f64], j: &mut DMatrix<f64>) -> bool {
        j[(0, 0)] = -0.04;
        j[(0, 1)] = 1e4 * y[2];
        j[(0, 2)] = 1e4 * y[1];
        j[(1, 0)] = 0.04;
        j[(1, 1)] = -1e4 * y[2] - 6e7 * y[1];
        j[(1, 2)] = -1e4 * y[1];
        j[(2, 0)] = 0.0;
        j[(2, 1)] = 6e7 * y[1];
        j[(2, 2)] = 0.0;
        true
    }
    fn linear_invariants(&self) -> Vec<Vec<f64>> {
        vec![vec![1.0; 3]]
    }
    fn autonomous(&self) -> bool {
        true
    }
}

/// Van der Pol oscillator, unscaled: `y1' = y2`, `y2' = μ(1 − y1²) y2 − y1`.
/// Stiff for large `μ` (relaxation oscillations of period ≈ 1.614 μ).
#[derive(Debug, Clone, Copy)]
pub struct VanDerPol {
    /// Stiffness parameter μ (dimensionless).
    pub mu: f64,
}

impl OdeSystem for VanDerPol {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = y[1];
        dy[1] = self.mu * (1.0 - y[0] * y[0]) * y[1] - y[0];
    }
    fn jacobian(&self, _t: f64, y: &[f64], j: &mut DMatrix<f64>) -> bool {
        j[(0, 0)] = 0.0;
        j[(0, 1)] = 1.0;
        j[(1, 0)] = -2.0 * self.mu * y[0] * y[1] - 1.0;
        j[(1, 1)] = self.mu * (1.0 - y[0] * y[0]);
        true
    }
    fn autonomous(&self) -> bool {
        true
    }
}

/// HIRES: "High Irradiance RESponse" of photomorphogenesis (Schäfer 1975), 8 species,
/// stiff; standard interval `[0, 321.8122]`, `y0 = (1, 0, 0, 0, 0, 0, 0, 0.0057)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hires;

impl Hires {
    /// Standard initial state.
    pub const Y0: [f64; 8] = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057];
    /// Standard end time.
    pub const T_END: f64 = 321.8122;
}

impl OdeSystem for Hires {
    fn dim(&self) -> usize {
        8
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007;
        dy[1] = 1.71 * y[0] - 8.75 * y[1];
        dy[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4];
        dy[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3];
        dy[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6];
        dy[5] = -280.0 * y[5] * y[7] + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6];
        dy[6] = 280.0 * y[5] * y[7] - 1.81 * y[6];
        dy[7] = -dy[6];
    }
    fn jacobian(&self, _t: f64, y: &[f64], j: &mut DMatrix<f64>) -> bool {
        j.fill(0.0);
        j[(0, 0)] = -1.71;
        j[(0, 1)] = 0.43;
        j[(0, 2)] = 8.32;
        j[(1, 0)] = 1.71;
        j[(1, 1)] = -8.75;
        j[(2, 2)] = -10.03;
        j[(2, 3)] = 0.43;
        j[(2, 4)] = 0.035;
        j[(3, 1)] = 8.32;
        j[(3, 2)] = 1.71;
        j[(3, 3)] = -1.12;
        j[(4, 4)] = -1.745;
        j[(4, 5)] = 0.43;
        j[(4, 6)] = 0.43;
        j[(5, 3)] = 0.69;
        j[(5, 4)] = 1.71;
        j[(5, 5)] = -280.0 * y[7] - 0.43;
        j[(5, 6)] = 0.69;
        j[(5, 7)] = -280.0 * y[5];
        j[(6, 5)] = 280.0 * y[7];
        j[(6, 6)] = -1.81;
        j[(6, 7)] = 280.0 * y[5];
        j[(7, 5)] = -280.0 * y[7];
        j[(7, 6)] = 1.81;
        j[(7, 7)] = -280.0 * y[5];
        true
    }
    fn autonomous(&self) -> bool {
        true
    }
}

/// Arenstorf orbit of the restricted three-body problem (Earth–Moon), non-stiff;
/// the orbit is periodic with period [`Arenstorf::PERIOD`] (Hairer, Nørsett & Wanner
/// 1993, *Solving ODEs I*, eq. II.0.1). State `(x, y, x', y')`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Arenstorf;

impl Arenstorf {
    /// Moon/Earth mass ratio μ.
    pub const MU: f64 = 0.012277471;
    /// Initial state of the periodic orbit.
    pub const Y0: [f64; 4] = [0.994, 0.0, 0.0, -2.001_585_106_379_082_5];
    /// Period of the orbit (dimensionless time).
    #[allow(clippy::excessive_precision)]
    pub const PERIOD: f64 = 17.065_216_560_157_962;
}

impl OdeSystem for Arenstorf {
    fn dim(&self) -> usize {
        4
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let mu = Self::MU;
        let mu1 = 1.0 - mu;
        let d1 = ((y[0] + mu).powi(2) + y[1] * y[1]).powf(1.5);
        let d2 = ((y[0] - mu1).powi(2) + y[1] * y[1]).powf(1.5);
        dy[0] = y[2];
        dy[1] = y[3];
        dy[2] = y[0] + 2.0 * y[3] - mu1 * (y[0] + mu) / d1 - mu * (y[0] - mu1) / d2;
        dy[3] = y[1] - 2.0 * y[2] - mu1 * y[1] / d1 - mu * y[1] / d2;
    }
    fn autonomous(&self) -> bool {
        true
    }
}

/// E5 (Enright & Hull 1976, stiff DETEST; Hairer & Wanner's test set): pyrolysis
/// kinetics with rate constants spanning 19 orders of magnitude, `y0 = (1.76e-3, 0,
/// 0, 0)`, `t ∈ [0, 1e13]`. Components 2–4 fall to ~1e-22, so they are resolved only
/// with absolute tolerances ≤ 1e-24; `y2 − y3 − y4 = 0` is a linear invariant.
#[derive(Debug, Clone, Copy, Default)]
pub struct E5;

impl E5 {
    /// Rate constants `A`, `B`, `C` and `C·M` (M = 1e6).
    pub const A: f64 = 7.89e-10;
    /// See [`E5::A`].
    pub const B: f64 = 1.1e7;
    /// See [`E5::A`].
    pub const C: f64 = 1.13e3;
    /// See [`E5::A`].
    pub const CM: f64 = 1.13e9;
    /// Initial state.
    pub const Y0: [f64; 4] = [1.76e-3, 0.0, 0.0, 0.0];
    /// End of the standard interval.
    pub const T_END: f64 = 1e13;
}

impl OdeSystem for E5 {
    fn dim(&self) -> usize {
        4
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let p1 = Self::A * y[0];
        let p2 = Self::B * y[0] * y[2];
        let p3 = Self::CM * y[1] * y[2];
        let p4 = Self::C * y[3];
        dy[0] = -p1 - p2;
        dy[1] = p1 - p3;
        dy[3] = p2 - p4;
        dy[2] = dy[1] - dy[3];
    }
    fn jacobian(&self, _t: f64, y: &[f64], j: &mut DMatrix<f64>) -> bool {
        let (a, b, c, cm) = (Self::A, Self::B, Self::C, Self::CM);
        let rows = [
            [-a - b * y[2], 0.0, -b * y[0], 0.0],
            [a, -cm * y[2], -cm * y[1], 0.0],
            [a - b * y[2], -cm * y[2], -b * y[0] - cm * y[1], c],
            [b * y[2], 0.0, b * y[0], -c],
        ];
        for (i, row) in rows.iter().enumerate() {
            for (k, v) in row.iter().enumerate() {
                j[(i, k)] = *v;
            }
        }
        true
    }
    fn linear_invariants(&self) -> Vec<Vec<f64>> {
        vec![vec![0.0, 1.0, -1.0, -1.0]]
    }
    fn autonomous(&self) -> bool {
        true
    }
}

/// OREGO, the Oregonator (Field & Noyes 1974; Hairer & Wanner §IV.10): a stiff
/// relaxation oscillation, `y0 = (1, 2, 3)`, `t ∈ [0, 360]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Orego;

impl Orego {
    const S: f64 = 77.27;
    const Q: f64 = 8.375e-6;
    const W: f64 = 0.161;
}

impl OdeSystem for Orego {
    fn dim(&self) -> usize {
        3
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = Self::S * (y[1] + y[0] * (1.0 - Self::Q * y[0] - y[1]));
        dy[1] = (y[2] - (1.0 + y[0]) * y[1]) / Self::S;
        dy[2] = Self::W * (y[0] - y[2]);
    }
    fn jacobian(&self, _t: f64, y: &[f64], j: &mut DMatrix<f64>) -> bool {
        let (s, q, w) = (Self::S, Self::Q, Self::W);
        j[(0, 0)] = s * (1.0 - 2.0 * q * y[0] - y[1]);
        j[(0, 1)] = s * (1.0 - y[0]);
        j[(0, 2)] = 0.0;
        j[(1, 0)] = -y[1] / s;
        j[(1, 1)] = -(1.0 + y[0]) / s;
        j[(1, 2)] = 1.0 / s;
        j[(2, 0)] = w;
        j[(2, 1)] = 0.0;
        j[(2, 2)] = -w;
        true
    }
    fn autonomous(&self) -> bool {
        true
    }
}

/// POLLU (Verwer 1994; Bari test set): 20 species and 25 reactions of an air
/// pollution model, ppm and minutes, `t ∈ [0, 60]`. No analytic Jacobian is given,
/// so it exercises the stiff solver's finite-difference Jacobian on a network whose
/// rate constants span 4e-4 to 4.4e11.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pollu;

impl Pollu {
    /// Rate constants k1..k25 (Bari `pollu.f`).
    pub const K: [f64; 25] = [
        0.35, 26.6, 1.23e4, 8.6e-4, 8.2e-4, 1.5e4, 1.3e-4, 2.4e4, 1.65e4, 9.0e3, 2.2e-2, 1.2e4,
        1.88, 1.63e4, 4.8e6, 3.5e-4, 1.75e-2, 1.0e8, 4.44e11, 1.24e3, 2.1, 5.78, 4.74e-2, 1.78e3,
        3.12,
    ];

    /// Initial state: zero except y2 = 0.2, y4 = 0.04, y7 = 0.1, y8 = 0.3, y9 = 0.01,
    /// y17 = 0.007 (ppm).
    pub fn y0() -> [f64; 20] {
        let mut y = [0.0; 20];
        for (i, v) in [
            (1, 0.2),
            (3, 0.04),
            (6, 0.1),
            (7, 0.3),
            (8, 0.01),
            (16, 0.007),
        ] {
            y[i] = v;
        }
        y
    }
}

impl OdeSystem for Pollu {
    fn dim(&self) -> usize {
        20
    }
    fn rhs(&self, _t: f64, y: &[f64], f: &mut [f64]) {
        let k = &Self::K;
        // Reaction rates r1..r25 (index i = reaction i + 1).
        let r = [
            k[0] * y[0],
            k[1] * y[1] * y[3],
            k[2] * y[4] * y[1],
            k[3] * y[6],
            k[4] * y[6],
            k[5] * y[6] * y[5],
            k[6] * y[8],
            k[7] * y[8] * y[5],
            k[8] * y[10] * y[1],
            k[9] * y[10] * y[0],
            k[10] * y[12],
            k[11] * y[9] * y[1],
            k[12] * y[13],
            k[13] * y[0] * y[5],
            k[14] * y[2],
            k[15] * y[3],
            k[16] * y[3],
            k[17] * y[15],
            k[18] * y[15],
            k[19] * y[16] * y[5],
            k[20] * y[18],
            k[21] * y[18],
            k[22] * y[0] * y[3],
            k[23] * y[18] * y[0],
            k[24] * y[19],
        ];
        f[0] = -r[0] - r[9] - r[13] - r[22] - r[23]
            + r[1]
            + r[2]
            + r[8]
            + r[10]
            + r[11]
            + r[21]
            + r[24];
        f[1] = -r[1] - r[2] - r[8] - r[11] + r[0] + r[20];
        f[2] = -r[14] + r[0] + r[16] + r[18] + r[21];
        f[3] = -r[1] - r[15] - r[16] - r[22] + r[14];
        f[4] = -r[2] + 2.0 * r[3] + r[5] + r[6] + r[12] + r[19];
        f[5] = -r[5] - r[7] - r[13] - r[19] + r[2] + 2.0 * r[17];
        f[6] = -r[3] - r[4] - r[5] + r[12];
        f[7] = r[3] + r[4] + r[5] + r[6];
        f[8] = -r[6] - r[7];
        f[9] = -r[11] + r[6] + r[8];
        f[10] = -r[8] - r[9] + r[7] + r[10];
        f[11] = r[8];
        f[12] = -r[10] + r[9];
        f[13] = -r[12] + r[11];
        f[14] = r[13];
        f[15] = -r[17] - r[18] + r[15];
        f[16] = -r[19];
        f[17] = r[19];
        f[18] = -r[20] - r[21] - r[23] + r[22] + r[24];
        f[19] = -r[24] + r[23];
    }
    fn autonomous(&self) -> bool {
        true
    }
}
