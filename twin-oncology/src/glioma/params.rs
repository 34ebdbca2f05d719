//! Published glioma parameters, each with its source.

use serde::{Deserialize, Serialize};

use crate::error::{OncologyError, Result};

/// T1-gadolinium enhancing region: `c ≥ 0.80` (Swanson et al. 2008, Br J Cancer 98:113).
pub const T1GD_THRESHOLD: f64 = 0.80;
/// T2/FLAIR abnormality: `c ≥ 0.16` (Swanson et al. 2008).
pub const FLAIR_THRESHOLD: f64 = 0.16;
/// Days Gained at or above which a patient is a responder (Neal et al. 2013, PLoS ONE
/// 8(1):e51951, "Discriminating survival outcomes in patients with glioblastoma using a
/// simulation-based, patient-specific response metric").
pub const RESPONDER_DAYS_GAINED: f64 = 100.0;
/// Density at the first fraction above which tissue belongs to a chronically hypoxic
/// core (assumption: the densest, most central tissue next to necrosis; it stays hypoxic
/// through the course, no reoxygenation). Used by the in-silico cohort's truth
/// ([`crate::glioma::cohort`]); the twin's kill is uniform.
pub const HYPOXIC_DENSITY: f64 = 0.99;
/// Range of a hypoxic core's oxygen enhancement ratio (drawn uniformly per patient):
/// a dose `d` kills hypoxic cells as `d/OER` would oxygenated ones (OER is dose
/// modifying). X-rays under full anoxia have an OER of 2.5–3 (Hall & Giaccia,
/// Radiobiology for the Radiologist, 8th ed., 2019, ch. 6); the lower end allows a
/// partly oxygenated core (assumption).
pub const OER_RANGE: [f64; 2] = [1.5, 3.0];

/// Proliferation–invasion growth parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GrowthParams {
    /// Diffusivity of tumour cells in white matter (mm²/day).
    pub diffusion_white_mm2_per_day: f64,
    /// Net proliferation rate ρ (1/day).
    pub rho_per_day: f64,
    /// `D_white / D_grey` (Swanson et al. 2000, Br J Cancer 82:1717: 5–10; 10 used here).
    pub white_grey_ratio: f64,
}

impl Default for GrowthParams {
    /// Mid-range values inside the published glioblastoma ranges (Harpold, Alvord &
    /// Swanson 2007, J Neuropathol Exp Neurol 66:1; Rockne et al. 2010): `D_white`
    /// 0.02–1.5 mm²/day, ρ 0.005–0.2 /day. Here `D_white = 0.2`, `ρ = 0.03`, ratio 10.
    fn default() -> Self {
        Self {
            diffusion_white_mm2_per_day: 0.2,
            rho_per_day: 0.03,
            white_grey_ratio: 10.0,
        }
    }
}

impl GrowthParams {
    /// Check ranges: `D_white` in (0, 10] mm²/day, ρ in (0, 1] /day, ratio in [1, 100].
    pub fn validate(&self) -> Result<()> {
        let d = self.diffusion_white_mm2_per_day;
        if !(d.is_finite() && d > 0.0 && d <= 10.0) {
            return Err(OncologyError::invalid(
                "diffusion_white_mm2_per_day",
                d,
                "0 < D ≤ 10 mm²/day",
            ));
        }
        let r = self.rho_per_day;
        if !(r.is_finite() && r > 0.0 && r <= 1.0) {
            return Err(OncologyError::invalid("rho_per_day", r, "0 < ρ ≤ 1 /day"));
        }
        let q = self.white_grey_ratio;
        if !(q.is_finite() && (1.0..=100.0).contains(&q)) {
            return Err(OncologyError::invalid("white_grey_ratio", q, "1 to 100"));
        }
        Ok(())
    }

    /// Travelling-wave speed `2√(D_white ρ)` in white matter (mm/day).
    pub fn front_speed_mm_per_day(&self) -> f64 {
        2.0 * (self.diffusion_white_mm2_per_day * self.rho_per_day).sqrt()
    }
}

/// Published glioblastoma range of `D_white` (mm²/day), Harpold, Alvord & Swanson 2007
/// (J Neuropathol Exp Neurol 66:1).
pub const PUBLISHED_D_WHITE_RANGE_MM2_PER_DAY: [f64; 2] = [0.02, 1.5];
/// Published glioblastoma range of ρ (1/day), Harpold, Alvord & Swanson 2007.
pub const PUBLISHED_RHO_RANGE_PER_DAY: [f64; 2] = [0.005, 0.2];

/// Population prior of one growth parameter: log-normal whose central 95 % is the
/// published `range` (median the geometric mid-point). Our reading of a range as a
/// 95 % interval is an assumption; Harpold 2007 give ranges, not a distribution.
/// Returns `(mu_log, sigma_log)`.
pub fn log_normal_prior_of_range(range: [f64; 2]) -> (f64, f64) {
    let (lo, hi) = (range[0].ln(), range[1].ln());
    (0.5 * (lo + hi), (hi - lo) / (2.0 * twin_core::stats::Z95))
}

/// Log-sd of α around the prior median [`LqParams::prior_alpha_for_rho`] (our
/// assumption: Rockne et al. 2010 report the ρ–α association but no scatter we could
/// cite). The same value as the in-silico cohort's.
pub const ALPHA_PRIOR_LOG_SD: f64 = 0.25;

/// Linear–quadratic radiosensitivity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LqParams {
    /// α (1/Gy).
    pub alpha_per_gy: f64,
    /// α/β (Gy); 10 Gy for glioma (Rockne et al. 2010, Phys Med Biol 55:3271).
    pub alpha_beta_gy: f64,
}

impl Default for LqParams {
    /// α = 0.05 /Gy, mid-range of Rockne et al. 2010 (0.02–0.12 /Gy as quoted in the
    /// issue); α/β = 10 Gy (Rockne 2010).
    fn default() -> Self {
        Self {
            alpha_per_gy: 0.05,
            alpha_beta_gy: 10.0,
        }
    }
}

impl LqParams {
    /// Check α in (0, 2] /Gy and α/β in (0, 100] Gy.
    pub fn validate(&self) -> Result<()> {
        let a = self.alpha_per_gy;
        if !(a.is_finite() && a > 0.0 && a <= 2.0) {
            return Err(OncologyError::invalid("alpha_per_gy", a, "0 < α ≤ 2 /Gy"));
        }
        let ab = self.alpha_beta_gy;
        if !(ab.is_finite() && ab > 0.0 && ab <= 100.0) {
            return Err(OncologyError::invalid(
                "alpha_beta_gy",
                ab,
                "0 < α/β ≤ 100 Gy",
            ));
        }
        Ok(())
    }

    /// β = α / (α/β) (1/Gy²).
    pub fn beta_per_gy2(&self) -> f64 {
        self.alpha_per_gy / self.alpha_beta_gy
    }

    /// Surviving fraction after one fraction of `dose_gy` (finite, ≥ 0):
    /// `exp(−αd − βd²)`, in (0, 1]; an error for invalid parameters or dose.
    pub fn surviving_fraction(&self, dose_gy: f64) -> Result<f64> {
        self.validate()?;
        if !(dose_gy.is_finite() && dose_gy >= 0.0) {
            return Err(OncologyError::invalid(
                "dose_gy",
                dose_gy,
                "a finite dose >= 0 Gy",
            ));
        }
        Ok(self.surviving_fraction_unchecked(dose_gy))
    }

    /// [`Self::surviving_fraction`] for parameters and a dose already checked (the
    /// per-voxel loop of [`crate::glioma::radiotherapy::apply_fraction`]).
    pub(crate) fn surviving_fraction_unchecked(&self, dose_gy: f64) -> f64 {
        (-self.alpha_per_gy * dose_gy - self.beta_per_gy2() * dose_gy * dose_gy).exp()
    }

    /// Population prior median of α given ρ: log-linear between the ends of the
    /// published ranges (ρ 0.005 → α 0.02, ρ 0.2 → α 0.12), encoding Rockne et al.
    /// 2010's finding that faster-proliferating tumours are more radiosensitive.
    /// This interpolation is our modelling assumption, not Rockne's regression.
    pub fn prior_alpha_for_rho(rho_per_day: f64) -> f64 {
        let (r0, r1, a0, a1) = (0.005f64, 0.2f64, 0.02f64, 0.12f64);
        let s = ((rho_per_day.clamp(r0, r1)).ln() - r0.ln()) / (r1.ln() - r0.ln());
        (a0.ln() + s * (a1.ln() - a0.ln())).exp()
    }
}
