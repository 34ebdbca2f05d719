//! Body weight: Hall et al. 2011 energy-balance dynamics.
//!
//! Hall, Sacks, Chandramohan et al. 2011, "Quantification of the effect of energy
//! imbalance on bodyweight", Lancet 378:826 (simplified linear model, their Figure 3
//! "rule of thumb"): ρ·dW/dt = ΔEI(t) − ε·(W − W₀), with ρ ≈ 7,700 kcal/kg the energy
//! density of the weight change and ε ≈ 22 kcal/day per kg the rise in expenditure per
//! kg gained. The time constant is τ = ρ/ε ≈ 350 days (about one year) and a sustained
//! change ΔEI moves weight by ΔEI/ε (100 kcal/day → ≈ 4.5 kg).
//!
//! For an intake change that is constant over a step the solution is exact:
//! W(t + h) = W∞ + (W(t) − W∞)·exp(−h/τ), W∞ = W₀ + ΔEI/ε.

use serde::{Deserialize, Serialize};

/// Parameters of the energy-balance model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HallParams {
    /// Energy density of weight change, kcal/kg (Hall 2011: ≈ 7,700).
    pub rho_kcal_per_kg: f64,
    /// Expenditure change per kg of weight, kcal/day/kg (Hall 2011: ≈ 22).
    pub epsilon_kcal_per_day_per_kg: f64,
}

impl Default for HallParams {
    fn default() -> Self {
        Self {
            rho_kcal_per_kg: 7700.0,
            epsilon_kcal_per_day_per_kg: 22.0,
        }
    }
}

impl HallParams {
    /// Time constant τ = ρ/ε, days.
    pub fn tau_days(&self) -> f64 {
        self.rho_kcal_per_kg / self.epsilon_kcal_per_day_per_kg
    }

    /// Weight after `dt_days` with a constant intake change `delta_ei_kcal_per_day`
    /// relative to the intake that kept `w0_kg` stable (exact solution).
    #[inline]
    pub fn step(&self, w_kg: f64, w0_kg: f64, delta_ei_kcal_per_day: f64, dt_days: f64) -> f64 {
        let w_inf = w0_kg + delta_ei_kcal_per_day / self.epsilon_kcal_per_day_per_kg;
        w_inf + (w_kg - w_inf) * (-dt_days / self.tau_days()).exp()
    }
}

/// Adherence to a diet or activity change that fades with time: the fraction of the
/// prescribed change still carried out at `t_days`, a(t) = a∞ + (1 − a∞)·exp(−t/τₐ).
///
/// Defaults a∞ = 0.10, τₐ = 120 days: FITTED to Look AHEAD's weight curve (Look AHEAD
/// Research Group 2010, Arch Intern Med 170:1566: intensive lifestyle − support and
/// education −7.9 points of body weight at 1 y and −3.9 at 4 y) by
/// `cargo run --release --example t2d_adherence_fit` (grid search; model −7.3 / −3.8 on
/// a −750 kcal/day, 175 min/week arm, both arms under the usual-care ladder of
/// `data/trials/look_ahead.json`). Before the fit (a∞ 0.4, τₐ 1 year, assumed) the
/// same arm lost 17.1 % at 1 y and kept 16.5 % off at 4 y.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Adherence {
    /// Long-run fraction of the prescribed change that is kept.
    pub long_run_fraction: f64,
    /// Fading time constant, days.
    pub fade_days: f64,
}

impl Default for Adherence {
    fn default() -> Self {
        Self {
            long_run_fraction: 0.10,
            fade_days: 120.0,
        }
    }
}

impl Adherence {
    /// Check the long-run fraction is in 0–1 and the fade time 1–3650 days.
    pub fn validate(&self) -> crate::error::Result<()> {
        crate::check::in_range(
            "adherence.long_run_fraction",
            self.long_run_fraction,
            0.0,
            1.0,
            "",
        )?;
        crate::check::in_range("adherence.fade_days", self.fade_days, 1.0, 3650.0, "days")?;
        Ok(())
    }

    /// Fraction carried out at `t_days` after the start.
    #[inline]
    pub fn at(&self, t_days: f64) -> f64 {
        if t_days < 0.0 {
            return 0.0;
        }
        self.long_run_fraction + (1.0 - self.long_run_fraction) * (-t_days / self.fade_days).exp()
    }
}

/// Extra energy expenditure from activity, kcal/day, for `min_per_week` of moderate
/// activity at body weight `w_kg`: 3 net METs (Ainsworth 2011 Compendium, brisk walking
/// ≈ 4 METs) × 1 kcal/kg/h, halved for compensation (reduced non-exercise activity and
/// increased intake; the 50 % figure is an assumption within the range reviewed by
/// Thomas et al. 2012, Obes Rev 13:835).
#[inline]
pub fn activity_kcal_per_day(min_per_week: f64, w_kg: f64) -> f64 {
    0.5 * 3.0 * w_kg * (min_per_week / 60.0) / 7.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundred_kcal_cut_gives_minus_4_5_kg_with_one_year_time_constant() {
        // Hall 2011: sustained −100 kcal/day → ≈ −4.5 kg, τ ≈ 1 year.
        let p = HallParams::default();
        let (w0, mut w) = (90.0, 90.0);
        let dt = 7.0;
        let mut t = 0.0;
        let mut w_at_tau = f64::NAN;
        while t < 20.0 * 365.25 {
            w = p.step(w, w0, -100.0, dt);
            t += dt;
            if (t - p.tau_days()).abs() < dt / 2.0 {
                w_at_tau = w;
            }
        }
        assert!((w - w0 + 100.0 / 22.0).abs() < 1e-3, "plateau {}", w - w0);
        assert!((w - w0 + 4.5).abs() < 0.1);
        // after one time constant, 1 − 1/e of the change: exact up to the step offset
        let frac = (w_at_tau - w0) / (-100.0 / 22.0);
        assert!((frac - (1.0 - (-1.0f64).exp())).abs() < 0.01, "{frac}");
        assert!((p.tau_days() / 365.25 - 1.0).abs() < 0.05);
    }

    #[test]
    fn step_is_exact_for_any_step_size() {
        // Semigroup property of the exact solution: one step of 2h equals two of h.
        let p = HallParams::default();
        let a = p.step(p.step(100.0, 100.0, -300.0, 30.0), 100.0, -300.0, 30.0);
        let b = p.step(100.0, 100.0, -300.0, 60.0);
        assert!((a - b).abs() < 1e-12);
    }

    #[test]
    fn adherence_fades_to_long_run_fraction() {
        let a = Adherence {
            long_run_fraction: 0.125,
            fade_days: 120.0,
        };
        assert_eq!(a.at(0.0), 1.0);
        assert!((a.at(1e6) - 0.125).abs() < 1e-12);
        assert!(a.at(365.25) < a.at(100.0));
        // One fade time after the start, 1/e of the fading part is left.
        assert!((a.at(120.0) - (0.125 + 0.875 / std::f64::consts::E)).abs() < 1e-12);
    }
}
