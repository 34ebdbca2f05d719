//! Parameters to calibrate: natural-unit bounds, the transformation to an
//! unconstrained optimisation space, and priors.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::stats::Z95;

/// Map between a parameter's natural value `x` and the unconstrained value `z`
/// the optimisers and samplers work with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transform {
    /// `z = x`. The bounds are only the search box (multi-start, particle swarm).
    Identity,
    /// `z = ln x`: keeps `x > 0` by construction; the bounds (which must be > 0)
    /// are the search box, sampled log-uniformly.
    Log,
    /// `z = logit((x − lower)/(upper − lower))`: keeps `lower < x < upper` by
    /// construction (use it for hard two-sided bounds).
    Logit,
}

/// A prior density on a parameter in natural units; it adds to the log-posterior.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Prior {
    /// Normal with `mean` and standard deviation `sd` (natural units).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// Log-normal: `ln x ~ Normal(mu_log, sigma_log)`.
    LogNormal {
        /// Mean of `ln x` (the median is `exp(mu_log)`).
        mu_log: f64,
        /// Standard deviation of `ln x` (> 0).
        sigma_log: f64,
    },
    /// Uniform on `[lower, upper]`.
    Uniform {
        /// Lower end.
        lower: f64,
        /// Upper end (> lower).
        upper: f64,
    },
}

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

impl Prior {
    /// Check the prior's own parameters.
    pub fn validate(&self, field: &str) -> Result<()> {
        match *self {
            Prior::Normal { mean, sd } => {
                crate::error::ensure_finite(&format!("{field}.prior.mean"), mean)?;
                crate::error::ensure_positive(&format!("{field}.prior.sd"), sd)?;
            }
            Prior::LogNormal { mu_log, sigma_log } => {
                crate::error::ensure_finite(&format!("{field}.prior.mu_log"), mu_log)?;
                crate::error::ensure_positive(&format!("{field}.prior.sigma_log"), sigma_log)?;
            }
            Prior::Uniform { lower, upper } => {
                check_bounds(&format!("{field}.prior"), lower, upper)?;
            }
        }
        Ok(())
    }

    /// Log density at `x` (natural units), normalised; `-inf` outside the support.
    pub fn log_density(&self, x: f64) -> f64 {
        match *self {
            Prior::Normal { mean, sd } => {
                let u = (x - mean) / sd;
                -0.5 * u * u - sd.ln() - LN_SQRT_2PI
            }
            Prior::LogNormal { mu_log, sigma_log } => {
                if x <= 0.0 {
                    return f64::NEG_INFINITY;
                }
                let u = (x.ln() - mu_log) / sigma_log;
                -0.5 * u * u - sigma_log.ln() - x.ln() - LN_SQRT_2PI
            }
            Prior::Uniform { lower, upper } => {
                if (lower..=upper).contains(&x) {
                    -(upper - lower).ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
        }
    }

    /// Derivative of [`Prior::log_density`] with respect to `x`.
    pub fn d_log_density(&self, x: f64) -> f64 {
        match *self {
            Prior::Normal { mean, sd } => -(x - mean) / (sd * sd),
            Prior::LogNormal { mu_log, sigma_log } => {
                -(x.ln() - mu_log) / (sigma_log * sigma_log * x) - 1.0 / x
            }
            Prior::Uniform { .. } => 0.0,
        }
    }

    /// Central 95% interval of the prior (natural units).
    pub fn interval95(&self) -> (f64, f64) {
        match *self {
            Prior::Normal { mean, sd } => (mean - Z95 * sd, mean + Z95 * sd),
            Prior::LogNormal { mu_log, sigma_log } => (
                (mu_log - Z95 * sigma_log).exp(),
                (mu_log + Z95 * sigma_log).exp(),
            ),
            Prior::Uniform { lower, upper } => {
                let w = upper - lower;
                (lower + 0.025 * w, upper - 0.025 * w)
            }
        }
    }
}

/// One parameter to calibrate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterSpec {
    /// Name, ideally with the unit in it (`rho_per_day`).
    pub name: String,
    /// Unit in words (`1/day`, `mm^2/day`).
    pub unit: String,
    /// Lower bound (natural units, finite).
    pub lower: f64,
    /// Upper bound (natural units, finite, > lower).
    pub upper: f64,
    /// Transformation to the unconstrained space.
    pub transform: Transform,
    /// Optional prior density (none = flat in natural units).
    pub prior: Option<Prior>,
}

fn check_bounds(field: &str, lower: f64, upper: f64) -> Result<()> {
    if !lower.is_finite() || !upper.is_finite() || lower >= upper {
        return Err(CoreError::invalid(
            format!("{field}.lower/upper"),
            format!("[{lower}, {upper}]"),
            "finite bounds with lower < upper",
        ));
    }
    Ok(())
}

/// Natural logarithm of the logistic function, stable for large |z|.
fn ln_sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        -(-z).exp().ln_1p()
    } else {
        z - z.exp().ln_1p()
    }
}

impl ParameterSpec {
    /// A parameter with bounds and transform, without prior.
    pub fn new(
        name: impl Into<String>,
        unit: impl Into<String>,
        lower: f64,
        upper: f64,
        transform: Transform,
    ) -> Self {
        Self {
            name: name.into(),
            unit: unit.into(),
            lower,
            upper,
            transform,
            prior: None,
        }
    }

    /// The same parameter with a prior.
    pub fn with_prior(mut self, prior: Prior) -> Self {
        self.prior = Some(prior);
        self
    }

    /// Check bounds, transform and prior.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(CoreError::invalid(
                "parameter.name",
                "\"\"",
                "a non-empty name",
            ));
        }
        check_bounds(&self.name, self.lower, self.upper)?;
        if self.transform == Transform::Log && self.lower <= 0.0 {
            return Err(CoreError::invalid(
                format!("{}.lower", self.name),
                self.lower,
                "> 0 for a Log-transformed parameter",
            ));
        }
        if let Some(p) = &self.prior {
            p.validate(&self.name)?;
        }
        Ok(())
    }

    /// Natural value from unconstrained `z`.
    ///
    /// Log and Logit values stay strictly inside the transform's domain (`x > 0`,
    /// `lower < x < upper`) even where `z` saturates the map in floating point, so
    /// [`Self::to_z`] accepts every value this returns (e.g. a fit's estimate
    /// reused as a start).
    pub fn from_z(&self, z: f64) -> f64 {
        match self.transform {
            Transform::Identity => z,
            Transform::Log => z.exp().clamp(f64::from_bits(1), f64::MAX),
            Transform::Logit => {
                let x = self.lower + (self.upper - self.lower) * ln_sigmoid(z).exp();
                // The nearest interior value when rounding lands on a bound
                // (NaN passes through).
                if x <= self.lower {
                    self.lower.next_up()
                } else if x >= self.upper {
                    self.upper.next_down()
                } else {
                    x
                }
            }
        }
    }

    /// Unconstrained value from natural `x`; error if `x` is outside the
    /// transform's domain.
    pub fn to_z(&self, x: f64) -> Result<f64> {
        let z = match self.transform {
            Transform::Identity => x,
            Transform::Log if x > 0.0 => x.ln(),
            Transform::Logit if x > self.lower && x < self.upper => {
                let s = (x - self.lower) / (self.upper - self.lower);
                let z = (s / (1.0 - s)).ln();
                if z.is_finite() {
                    z
                } else {
                    // `s` rounds to 0 or 1 next to a bound, where both
                    // differences are still positive.
                    ((x - self.lower) / (self.upper - x)).ln()
                }
            }
            _ => f64::NAN,
        };
        if z.is_finite() {
            Ok(z)
        } else {
            let allowed = match self.transform {
                Transform::Identity => "a finite number".to_string(),
                Transform::Log => "> 0 (Log transform)".to_string(),
                Transform::Logit => format!(
                    "strictly inside ({}, {}) (Logit transform)",
                    self.lower, self.upper
                ),
            };
            Err(CoreError::invalid(&self.name, x, allowed))
        }
    }

    /// `dx/dz` at `z`.
    pub fn dx_dz(&self, z: f64) -> f64 {
        match self.transform {
            Transform::Identity => 1.0,
            Transform::Log => z.exp(),
            Transform::Logit => (self.upper - self.lower) * (ln_sigmoid(z) + ln_sigmoid(-z)).exp(),
        }
    }

    /// `ln |dx/dz|` at `z` (the Jacobian term a sampler in `z` needs).
    pub fn ln_dx_dz(&self, z: f64) -> f64 {
        match self.transform {
            Transform::Identity => 0.0,
            Transform::Log => z,
            Transform::Logit => (self.upper - self.lower).ln() + ln_sigmoid(z) + ln_sigmoid(-z),
        }
    }

    /// Natural value at relative position `v ∈ (0, 1)` of the search box:
    /// linear for Identity/Logit, logarithmic for Log.
    pub fn from_unit(&self, v: f64) -> f64 {
        let v = v.clamp(1e-6, 1.0 - 1e-6);
        match self.transform {
            Transform::Log => (self.lower.ln() + v * (self.upper / self.lower).ln()).exp(),
            _ => self.lower + v * (self.upper - self.lower),
        }
    }

    /// Search box in `z` (for the particle swarm): the image of the bounds,
    /// with Logit bounds pulled in to 0.1% / 99.9% of the range.
    pub fn z_box(&self) -> (f64, f64) {
        match self.transform {
            Transform::Identity => (self.lower, self.upper),
            Transform::Log => (self.lower.ln(), self.upper.ln()),
            Transform::Logit => {
                let e = (1e-3f64 / (1.0 - 1e-3)).ln();
                (e, -e)
            }
        }
    }

    /// Log prior density at natural `x` (0 without prior: flat).
    pub fn log_prior(&self, x: f64) -> f64 {
        self.prior.map_or(0.0, |p| p.log_density(x))
    }

    /// Central 95% range the data must improve on: the prior's 95% interval,
    /// or the bounds without a prior.
    pub fn reference_interval(&self) -> (f64, f64) {
        self.prior
            .map_or((self.lower, self.upper), |p| p.interval95())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_round_trip_and_jacobian_matches_finite_difference() {
        for t in [Transform::Identity, Transform::Log, Transform::Logit] {
            let p = ParameterSpec::new("k_per_day", "1/day", 0.5, 4.0, t);
            p.validate().unwrap();
            for x in [0.6, 1.0, 2.5, 3.9] {
                let z = p.to_z(x).unwrap();
                assert!((p.from_z(z) - x).abs() < 1e-12);
                let h = 1e-6;
                let fd = (p.from_z(z + h) - p.from_z(z - h)) / (2.0 * h);
                assert!((fd - p.dx_dz(z)).abs() < 1e-7 * fd.abs().max(1.0));
                assert!((p.ln_dx_dz(z) - p.dx_dz(z).ln()).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn priors_integrate_to_one() {
        // Trapezoid over a wide grid: each density is normalised.
        let priors = [
            Prior::Normal { mean: 1.0, sd: 0.3 },
            Prior::LogNormal {
                mu_log: 0.0,
                sigma_log: 0.4,
            },
            Prior::Uniform {
                lower: 0.5,
                upper: 2.0,
            },
        ];
        for p in priors {
            let n = 200_000;
            let (a, b) = (-2.0, 8.0);
            let h = (b - a) / n as f64;
            let s: f64 = (0..=n)
                .map(|i| p.log_density(a + i as f64 * h).exp())
                .sum::<f64>()
                * h;
            assert!((s - 1.0).abs() < 1e-3, "{p:?}: {s}");
        }
    }

    #[test]
    fn bad_bounds_and_log_domain_are_rejected() {
        let p = ParameterSpec::new("d", "mm2/day", 2.0, 1.0, Transform::Identity);
        let e = p.validate().unwrap_err().to_string();
        assert!(
            e.contains("d.lower/upper") && e.contains("lower < upper"),
            "{e}"
        );
        let p = ParameterSpec::new("d", "mm2/day", 0.0, 1.0, Transform::Log);
        assert!(p.validate().is_err());
        let p = ParameterSpec::new("d", "mm2/day", 0.0, 1.0, Transform::Logit);
        assert!(p.to_z(1.0).is_err());
    }
}
