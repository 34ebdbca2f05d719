//! Simeoni et al. 2004 (Cancer Res 64:1094) tumour-growth-inhibition model.
//!
//! Proliferating cells `x1` grow exponentially (rate λ0) while small and
//! linearly (rate λ1, g/day) once large, joined by a smooth switch with
//! ψ = 20; drug at concentration `c(t)` moves them into a chain of damaged,
//! non-proliferating compartments that die at rate k1:
//!
//! ```text
//! dx1/dt = λ0·x1 / (1 + (λ0·w/λ1)^ψ)^(1/ψ) − k2·c(t)·x1
//! dx2/dt = k2·c(t)·x1 − k1·x2,   dx3/dt = k1·(x2 − x3),   dx4/dt = k1·(x3 − x4)
//! w = x1 + x2 + x3 + x4   (tumour weight, g)
//! ```

use crate::error::{OncologyError, Result};
use serde::{Deserialize, Serialize};
use twin_core::ode::{OdeSystem, SolverOptions, solve};

/// Parameters of the Simeoni model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SimeoniParams {
    /// Exponential growth rate λ0, 1/day.
    pub lambda0_per_day: f64,
    /// Linear growth rate λ1, g/day.
    pub lambda1_g_per_day: f64,
    /// Damage-chain transit rate k1, 1/day.
    pub k1_per_day: f64,
    /// Drug potency k2, 1/(day × concentration unit of `c`).
    pub k2_per_conc_day: f64,
    /// Switch sharpness ψ (Simeoni 2004 fixed it at 20).
    pub psi: f64,
}

impl SimeoniParams {
    /// Paclitaxel in xenografts, Simeoni et al. 2004 Table 2 (as quoted in
    /// issue 8): λ0 = 0.273/day, λ1 = 0.814 g/day, k1 = 0.968/day,
    /// k2 = 6.29e-4 per (concentration × day); ψ = 20.
    pub const PACLITAXEL_2004: SimeoniParams = SimeoniParams {
        lambda0_per_day: 0.273,
        lambda1_g_per_day: 0.814,
        k1_per_day: 0.968,
        k2_per_conc_day: 6.29e-4,
        psi: 20.0,
    };

    /// Tumour weight at which growth switches from exponential to linear, g.
    pub fn switch_weight_g(&self) -> f64 {
        self.lambda1_g_per_day / self.lambda0_per_day
    }

    fn validate(&self) -> Result<()> {
        for (f, v) in [
            ("lambda0_per_day", self.lambda0_per_day),
            ("lambda1_g_per_day", self.lambda1_g_per_day),
            ("k1_per_day", self.k1_per_day),
            ("psi", self.psi),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(OncologyError::invalid(f, v, "a finite number > 0"));
            }
        }
        if !(self.k2_per_conc_day.is_finite() && self.k2_per_conc_day >= 0.0) {
            return Err(OncologyError::invalid(
                "k2_per_conc_day",
                self.k2_per_conc_day,
                "a finite number >= 0",
            ));
        }
        Ok(())
    }
}

struct System<'a, C> {
    p: &'a SimeoniParams,
    conc: C,
}

impl<C: Fn(f64) -> f64 + Sync> OdeSystem for System<'_, C> {
    fn dim(&self) -> usize {
        4
    }
    fn rhs(&self, t: f64, x: &[f64], dx: &mut [f64]) {
        let p = self.p;
        let w: f64 = x.iter().sum();
        let growth = p.lambda0_per_day * x[0]
            / (1.0 + (p.lambda0_per_day * w / p.lambda1_g_per_day).powf(p.psi)).powf(1.0 / p.psi);
        let kill = p.k2_per_conc_day * (self.conc)(t) * x[0];
        dx[0] = growth - kill;
        dx[1] = kill - p.k1_per_day * x[1];
        dx[2] = p.k1_per_day * (x[1] - x[2]);
        dx[3] = p.k1_per_day * (x[2] - x[3]);
    }
}

/// Compartments `[x1, x2, x3, x4]` (g) at each time of `t_out_days`, from an
/// untreated tumour of `w0_g` at day 0 and drug concentration `conc(t)`.
pub fn simulate<C: Fn(f64) -> f64 + Sync>(
    p: &SimeoniParams,
    w0_g: f64,
    conc: C,
    t_out_days: &[f64],
    rtol: f64,
) -> Result<Vec<[f64; 4]>> {
    p.validate()?;
    if !(w0_g.is_finite() && w0_g > 0.0) {
        return Err(OncologyError::invalid(
            "w0_g",
            w0_g,
            "a finite weight > 0 g",
        ));
    }
    let t_end = t_out_days.last().copied().unwrap_or(0.0);
    if t_end <= 0.0 {
        return Err(OncologyError::invalid(
            "t_out_days",
            t_end,
            "sorted times ending after day 0",
        ));
    }
    let sys = System { p, conc };
    let sol = solve(
        &sys,
        0.0,
        &[w0_g, 0.0, 0.0, 0.0],
        t_end,
        t_out_days,
        &SolverOptions::new(Default::default(), rtol, rtol * 1e-3),
    )?;
    Ok(sol.y.iter().map(|y| [y[0], y[1], y[2], y[3]]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: SimeoniParams = SimeoniParams::PACLITAXEL_2004;

    fn weight(x: &[f64; 4]) -> f64 {
        x.iter().sum()
    }

    #[test]
    fn switches_from_exponential_to_linear_growth() {
        // Untreated: w ≪ λ1/λ0 = 2.98 g grows at λ0 (log scale); w ≫ 2.98 g at λ1 (g/day).
        let t: Vec<f64> = vec![2.0, 4.0, 40.0, 50.0];
        let x = simulate(&P, 0.02, |_| 0.0, &t, 1e-10).unwrap();
        let log_rate = (weight(&x[1]) / weight(&x[0])).ln() / 2.0;
        assert!(
            (log_rate / P.lambda0_per_day - 1.0).abs() < 1e-6,
            "{log_rate}"
        );
        let lin_rate = (weight(&x[3]) - weight(&x[2])) / 10.0;
        assert!(
            (lin_rate / P.lambda1_g_per_day - 1.0).abs() < 1e-6,
            "{lin_rate}"
        );
        // With ψ = 20 the curve follows the piecewise (ψ → ∞) closed form:
        // w0·e^{λ0 t} up to the switch at t* = ln(w*/w0)/λ0, then linear.
        let w_star = P.switch_weight_g();
        let t_star = (w_star / 0.02).ln() / P.lambda0_per_day;
        let piecewise = w_star + P.lambda1_g_per_day * (50.0 - t_star);
        assert!(
            (weight(&x[3]) / piecewise - 1.0).abs() < 0.02,
            "{} vs {piecewise}",
            weight(&x[3])
        );
    }

    #[test]
    fn drug_exposure_delays_growth_and_damaged_cells_clear() {
        // A 1-day exposure at 1000 concentration units.
        let conc = |t: f64| if (5.0..6.0).contains(&t) { 1000.0 } else { 0.0 };
        let t = vec![6.0, 60.0];
        let treated = simulate(&P, 0.05, conc, &t, 1e-9).unwrap();
        let control = simulate(&P, 0.05, |_| 0.0, &t, 1e-9).unwrap();
        // During exposure x1 loses exactly the fraction 1 − e^{−k2·c·1 day} relative
        // to untreated exponential growth (w ≪ switch weight).
        let frac = treated[0][0] / control[0][0];
        assert!(
            (frac - (-P.k2_per_conc_day * 1000.0).exp()).abs() < 1e-4,
            "{frac}"
        );
        assert!(weight(&treated[1]) < weight(&control[1]));
        // Damaged compartments empty out long after exposure.
        assert!(treated[1][1..].iter().sum::<f64>() < 1e-9 * weight(&treated[1]) + 1e-12);
        assert!(simulate(&P, -1.0, |_| 0.0, &t, 1e-6).is_err());
    }
}
