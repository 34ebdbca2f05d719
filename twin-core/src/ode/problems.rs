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
