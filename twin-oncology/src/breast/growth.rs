//! Tumour-growth-inhibition (TGI) models with closed forms.
//!
//! Sizes are in the unit of the data they are fitted to: the sum of
//! target-lesion diameters in mm (Claret, Stein), a cell number or volume
//! (Gompertz, subclones). Time is in days.
//!
//! | model | equation | reference |
//! |---|---|---|
//! | [`ClaretParams`] | dy/dt = KL·y − KDE·e^(−λt)·y | Claret et al. 2009 (J Clin Oncol 27:4103); breast values Claret 2014 |
//! | [`SteinParams`] | f(t) = e^(−d t) + e^(g t) − 1 | Stein et al. 2008 (Clin Cancer Res 14:6560) |
//! | [`GompertzParams`] | dN/dt = (1 − ε·c(t))·r·N·ln(K/N) | Gompertz 1825; Norton & Simon 1977 (Cancer Treat Rep 61:1307) |
//! | [`SubcloneParams`] | dS/dt = (g_s − k c)S − μS, dR/dt = g_r R + μS | Goldie & Coldman 1979 two-population idea |
//!
//! The Simeoni 2004 model has no closed form and lives in [`super::simeoni`].

use crate::error::{OncologyError, Result};
use serde::{Deserialize, Serialize};

fn positive(field: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(OncologyError::invalid(field, v, "a finite number > 0"))
    }
}

fn non_negative(field: &str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(OncologyError::invalid(field, v, "a finite number >= 0"))
    }
}

/// Claret tumour-size model under a constant drug exposure whose effect fades
/// exponentially (acquired resistance):
/// `dy/dt = KL·y − KDE·exp(−λ t)·y`, so
/// `y(t) = y0·exp(KL·t − (KDE/λ)(1 − e^(−λt)))`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClaretParams {
    /// Baseline sum of longest diameters, mm.
    pub baseline_mm: f64,
    /// Net growth rate KL, 1/day.
    pub kl_per_day: f64,
    /// Drug-effect rate KDE (KD × exposure), 1/day.
    pub kde_per_day: f64,
    /// Resistance (effect decay) rate λ, 1/day.
    pub lambda_per_day: f64,
}

impl ClaretParams {
    /// Typical values of the breast-cancer Claret model: BASE 90 mm,
    /// KL 0.00107/day, KDE 0.0103/day, λ 0.0193/day (Claret et al. 2014,
    /// as quoted in issue 8; time to regrowth ln(KDE/KL)/λ = 117 days).
    pub const CLARET_2014: ClaretParams = ClaretParams {
        baseline_mm: 90.0,
        kl_per_day: 0.00107,
        kde_per_day: 0.0103,
        lambda_per_day: 0.0193,
    };

    /// Check every field is finite and positive.
    pub fn validate(&self) -> Result<()> {
        positive("baseline_mm", self.baseline_mm)?;
        positive("kl_per_day", self.kl_per_day)?;
        non_negative("kde_per_day", self.kde_per_day)?;
        positive("lambda_per_day", self.lambda_per_day)
    }

    /// Tumour size at `t_days` ≥ 0 after the start of treatment, mm.
    pub fn size_mm(&self, t_days: f64) -> Result<f64> {
        self.validate()?;
        non_negative("t_days", t_days)?;
        let fade = (1.0 - (-self.lambda_per_day * t_days).exp()) / self.lambda_per_day;
        Ok(self.baseline_mm * (self.kl_per_day * t_days - self.kde_per_day * fade).exp())
    }

    /// Time to tumour regrowth (the nadir), `ln(KDE/KL)/λ` days; `None` when
    /// the drug never shrinks the tumour (KDE ≤ KL).
    pub fn time_to_regrowth_days(&self) -> Result<Option<f64>> {
        self.validate()?;
        Ok((self.kde_per_day > self.kl_per_day)
            .then(|| (self.kde_per_day / self.kl_per_day).ln() / self.lambda_per_day))
    }
}

/// Stein biexponential regression/growth model:
/// `f(t) = exp(−d t) + exp(g t) − 1` (size relative to baseline), whose
/// nadir lies at `ln(d/g)/(d + g)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SteinParams {
    /// Regression (decay) rate d, 1/day.
    pub decay_per_day: f64,
    /// Regrowth rate g, 1/day.
    pub growth_per_day: f64,
}

impl SteinParams {
    /// Check both rates are finite and positive.
    pub fn validate(&self) -> Result<()> {
        positive("decay_per_day", self.decay_per_day)?;
        positive("growth_per_day", self.growth_per_day)
    }

    /// Size relative to baseline at `t_days`.
    pub fn relative_size(&self, t_days: f64) -> Result<f64> {
        self.validate()?;
        non_negative("t_days", t_days)?;
        Ok((-self.decay_per_day * t_days).exp() + (self.growth_per_day * t_days).exp() - 1.0)
    }

    /// Time of the nadir, `ln(d/g)/(d+g)` days (0 when d ≤ g: no shrinkage).
    pub fn nadir_time_days(&self) -> Result<f64> {
        self.validate()?;
        let (d, g) = (self.decay_per_day, self.growth_per_day);
        Ok(if d > g { (d / g).ln() / (d + g) } else { 0.0 })
    }
}

/// Gompertz growth with Norton–Simon kill: the log-kill rate is proportional
/// to the unperturbed growth rate, `dN/dt = (1 − ε·c)·r·N·ln(K/N)`, so over
/// an interval of constant effect `c`,
/// `ln(N(t)/K) = ln(N0/K)·exp(−(1 − εc)·r·t)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GompertzParams {
    /// Gompertz rate r, 1/day.
    pub rate_per_day: f64,
    /// Carrying capacity K (same unit as the size).
    pub capacity: f64,
    /// Norton–Simon drug sensitivity ε per unit of effect c.
    pub sensitivity: f64,
}

impl GompertzParams {
    /// Check the parameters.
    pub fn validate(&self) -> Result<()> {
        positive("rate_per_day", self.rate_per_day)?;
        positive("capacity", self.capacity)?;
        non_negative("sensitivity", self.sensitivity)
    }

    /// Size after `dt_days` from `n0` under constant effect `effect` (0 = no drug).
    pub fn advance(&self, n0: f64, dt_days: f64, effect: f64) -> Result<f64> {
        self.validate()?;
        positive("n0", n0)?;
        non_negative("dt_days", dt_days)?;
        non_negative("effect", effect)?;
        let k = 1.0 - self.sensitivity * effect;
        Ok(self.capacity
            * ((n0 / self.capacity).ln() * (-k * self.rate_per_day * dt_days).exp()).exp())
    }

    /// Size along a piecewise-constant effect schedule: `segments` are
    /// `(duration_days, effect)` pairs applied in order, starting from `n0`.
    /// Returns the size at the end of every segment.
    pub fn piecewise(&self, n0: f64, segments: &[(f64, f64)]) -> Result<Vec<f64>> {
        let mut n = n0;
        segments
            .iter()
            .map(|&(dt, c)| {
                n = self.advance(n, dt, c)?;
                Ok(n)
            })
            .collect()
    }
}

/// Sensitive + resistant subclones (acquired resistance by mutation):
/// `dS/dt = (g_s − k·c)·S − μ·S`, `dR/dt = g_r·R + μ·S` with constant drug
/// effect `c`. Linear, so solved exactly.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SubcloneParams {
    /// Growth rate of sensitive cells g_s, 1/day.
    pub sensitive_growth_per_day: f64,
    /// Growth rate of resistant cells g_r, 1/day.
    pub resistant_growth_per_day: f64,
    /// Kill rate of sensitive cells per unit drug effect k, 1/day.
    pub kill_per_day: f64,
    /// Mutation (switch) rate sensitive → resistant μ, 1/day.
    pub mutation_per_day: f64,
}

impl SubcloneParams {
    /// Check the parameters.
    pub fn validate(&self) -> Result<()> {
        non_negative("sensitive_growth_per_day", self.sensitive_growth_per_day)?;
        non_negative("resistant_growth_per_day", self.resistant_growth_per_day)?;
        non_negative("kill_per_day", self.kill_per_day)?;
        non_negative("mutation_per_day", self.mutation_per_day)
    }

    /// `(S, R)` after `t_days` from `(s0, r0)` under constant effect `effect`.
    pub fn populations(&self, s0: f64, r0: f64, t_days: f64, effect: f64) -> Result<(f64, f64)> {
        self.validate()?;
        non_negative("s0", s0)?;
        non_negative("r0", r0)?;
        non_negative("t_days", t_days)?;
        non_negative("effect", effect)?;
        let a = self.sensitive_growth_per_day - self.kill_per_day * effect - self.mutation_per_day;
        let b = self.resistant_growth_per_day;
        let s = s0 * (a * t_days).exp();
        // R(t) = r0 e^{bt} + μ s0 (e^{at} − e^{bt})/(a − b); the limit a → b is μ s0 t e^{bt}.
        let diff = a - b;
        let transfer = if diff.abs() < 1e-12 {
            t_days * (b * t_days).exp()
        } else {
            (b * t_days).exp() * ((diff * t_days).exp_m1() / diff)
        };
        let r = r0 * (b * t_days).exp() + self.mutation_per_day * s0 * transfer;
        Ok((s, r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn claret_2014_regrowth_at_117_days() {
        let p = ClaretParams::CLARET_2014;
        let t = p.time_to_regrowth_days().unwrap().unwrap();
        // Issue 8 / Claret 2014: time to regrowth 117 days.
        assert!((t - 117.0).abs() < 0.5, "t = {t}");
        // It is the minimum of the closed-form curve.
        let y = |t| p.size_mm(t).unwrap();
        assert!(y(t) < y(t - 1.0) && y(t) < y(t + 1.0));
        // The closed form satisfies the ODE (central difference).
        let h = 1e-3;
        for tt in [5.0, 50.0, 200.0] {
            let dydt = (y(tt + h) - y(tt - h)) / (2.0 * h);
            let rhs = (p.kl_per_day - p.kde_per_day * (-p.lambda_per_day * tt).exp()) * y(tt);
            assert_relative_eq!(dydt, rhs, max_relative = 1e-6);
        }
        assert_relative_eq!(y(0.0), 90.0);
    }

    #[test]
    fn stein_nadir_matches_closed_form() {
        let p = SteinParams {
            decay_per_day: 0.02,
            growth_per_day: 0.002,
        };
        let t_star = p.nadir_time_days().unwrap();
        assert_relative_eq!(t_star, (10.0f64).ln() / 0.022, max_relative = 1e-14);
        // Numerical minimum by golden-section search agrees.
        let f = |t: f64| p.relative_size(t).unwrap();
        let (mut a, mut b) = (0.0, 1000.0);
        let g = (5f64.sqrt() - 1.0) / 2.0;
        for _ in 0..200 {
            let (c, d) = (b - g * (b - a), a + g * (b - a));
            if f(c) < f(d) { b = d } else { a = c }
        }
        assert!((0.5 * (a + b) - t_star).abs() < 1e-5);
    }

    #[test]
    fn gompertz_closed_form_and_norton_simon() {
        let p = GompertzParams {
            rate_per_day: 0.01,
            capacity: 1e12,
            sensitivity: 2.0,
        };
        // Without drug the closed form N(t) = K exp(ln(N0/K) e^{-rt}).
        let n = p.advance(1e9, 100.0, 0.0).unwrap();
        let expect = 1e12 * ((1e9f64 / 1e12).ln() * (-1.0f64).exp()).exp();
        assert_relative_eq!(n, expect, max_relative = 1e-12);
        // Semigroup: two half steps equal one full step.
        let half = p
            .advance(p.advance(1e9, 50.0, 1.0).unwrap(), 50.0, 1.0)
            .unwrap();
        assert_relative_eq!(
            half,
            p.advance(1e9, 100.0, 1.0).unwrap(),
            max_relative = 1e-12
        );
        // Norton–Simon: with εc > 1 the tumour shrinks, faster when it is smaller
        // relative to K in log terms, and the log-kill per day is proportional
        // to the unperturbed Gompertz growth rate r ln(K/N).
        let n0 = 1e10;
        let dt = 1e-4;
        let kill = (n0 / p.advance(n0, dt, 1.0).unwrap()).ln() / dt;
        let growth = (p.advance(n0, dt, 0.0).unwrap() / n0).ln() / dt;
        assert_relative_eq!(kill / growth, 1.0, max_relative = 1e-3); // ε c − 1 = 1
        let seg = p.piecewise(n0, &[(10.0, 1.0), (10.0, 0.0)]).unwrap();
        assert!(seg[0] < n0 && seg[1] > seg[0]);
    }

    #[test]
    fn subclone_exact_solution_satisfies_ode_and_regrows() {
        let p = SubcloneParams {
            sensitive_growth_per_day: 0.02,
            resistant_growth_per_day: 0.015,
            kill_per_day: 0.06,
            mutation_per_day: 1e-4,
        };
        let pop = |t| p.populations(1e9, 1e5, t, 1.0).unwrap();
        let h = 1e-3;
        for t in [1.0, 30.0, 300.0] {
            let (s, r) = pop(t);
            let (sp, rp) = pop(t + h);
            let (sm, rm) = pop(t - h);
            assert_relative_eq!(
                (sp - sm) / (2.0 * h),
                (0.02 - 0.06 - 1e-4) * s,
                max_relative = 1e-6
            );
            assert_relative_eq!(
                (rp - rm) / (2.0 * h),
                0.015 * r + 1e-4 * s,
                max_relative = 1e-6
            );
        }
        // Total burden falls then regrows from the resistant clone.
        let total = |t| {
            let (s, r) = pop(t);
            s + r
        };
        assert!(total(100.0) < total(0.0) && total(1000.0) > total(100.0));
        // Limit a == b is continuous.
        let q = SubcloneParams {
            kill_per_day: 0.0,
            mutation_per_day: 0.005,
            resistant_growth_per_day: 0.015,
            ..p
        };
        let (_, r) = q.populations(1.0, 0.0, 10.0, 0.0).unwrap();
        assert_relative_eq!(r, 0.005 * 10.0 * (0.15f64).exp(), max_relative = 1e-9);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let mut p = ClaretParams::CLARET_2014;
        p.baseline_mm = -3.0;
        assert!(
            p.size_mm(1.0)
                .unwrap_err()
                .to_string()
                .contains("baseline_mm")
        );
        assert!(ClaretParams::CLARET_2014.size_mm(f64::NAN).is_err());
        let g = GompertzParams {
            rate_per_day: 0.01,
            capacity: 1.0,
            sensitivity: 1.0,
        };
        assert!(g.advance(-1.0, 1.0, 0.0).is_err());
    }
}
