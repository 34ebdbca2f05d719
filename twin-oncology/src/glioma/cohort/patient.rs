//! Virtual patients: true growth, radiosensitivity, seed and timeline drawn from the
//! distributions of the [module docs](super).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::error::{OncologyError, Result};
use crate::glioma::params::{
    ALPHA_PRIOR_LOG_SD, GrowthParams, LqParams, PUBLISHED_D_WHITE_RANGE_MM2_PER_DAY,
};
use crate::glioma::tissue::BrainTissue;

/// Range of the virtual patients' ρ (1/day): the upper part of the published 0.005–0.2
/// (Harpold 2007), where the 100-day boundary lies under the α prior. In this model
/// DG ≈ 120 α/ρ days, so below ρ ≈ 0.05 /day nearly every virtual patient responds.
pub const RHO_RANGE_PER_DAY: [f64; 2] = [0.02, 0.2];
/// Range of the front width `√(D/ρ)` (mm); the FLAIR–T1Gd radius gap is 6.23 × width.
pub const WIDTH_RANGE_MM: [f64; 2] = [1.0, 4.0];
/// Accepted front speeds `2√(Dρ)` (mm/day).
pub const SPEED_RANGE_MM_PER_DAY: [f64; 2] = [0.05, 0.6];
/// Redraws allowed for a patient whose truth fails (e.g. no detection within the onset limit).
pub const MAX_DRAW_ATTEMPTS: u64 = 8;

/// One virtual patient's true parameters and timeline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VirtualGliomaPatient {
    /// Index in the cohort.
    pub id: u64,
    /// Age at diagnosis (years).
    pub age_years: f64,
    /// Tumour origin (atlas mm).
    pub seed_mm: [f64; 3],
    /// True growth (including the true white/grey ratio).
    pub growth: GrowthParams,
    /// True radiosensitivity.
    pub lq: LqParams,
    /// T1Gd radius at the diagnostic scan (mm).
    pub detection_t1gd_radius_mm: f64,
    /// Days from the diagnostic to the planning scan.
    pub scan_gap_days: f64,
    /// Days from the planning scan to the first fraction.
    pub rt_delay_days: f64,
    /// Seed of this patient's anatomy field and segmentation noise.
    pub noise_seed: u64,
}

/// Draw one virtual patient (see the module docs for the distributions). Deterministic
/// in `(cohort_seed, id, attempt)`: each draw has its own ChaCha8 stream; `attempt` > 0
/// redraws a patient whose truth could not be simulated.
pub fn draw_patient(
    atlas: &BrainTissue,
    cohort_seed: u64,
    id: u64,
    attempt: u64,
) -> Result<VirtualGliomaPatient> {
    let mut rng = ChaCha8Rng::seed_from_u64(cohort_seed);
    rng.set_stream(id * MAX_DRAW_ATTEMPTS + attempt);
    let log_uniform = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| {
        (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp()
    };
    let (d, rho) = loop {
        let rho = log_uniform(&mut rng, RHO_RANGE_PER_DAY[0], RHO_RANGE_PER_DAY[1]);
        let w = log_uniform(&mut rng, WIDTH_RANGE_MM[0], WIDTH_RANGE_MM[1]);
        let (d, v) = (rho * w * w, 2.0 * rho * w);
        let [d_lo, d_hi] = PUBLISHED_D_WHITE_RANGE_MM2_PER_DAY;
        if (d_lo..=d_hi).contains(&d)
            && (SPEED_RANGE_MM_PER_DAY[0]..=SPEED_RANGE_MM_PER_DAY[1]).contains(&v)
        {
            break (d, rho);
        }
    };
    let z: f64 = Normal::new(0.0, 1.0).expect("unit normal").sample(&mut rng);
    let alpha = LqParams::prior_alpha_for_rho(rho) * (ALPHA_PRIOR_LOG_SD * z).exp();
    let mask = &atlas.domain.mask;
    let n_tissue = mask.iter().filter(|&&m| m).count();
    if n_tissue == 0 {
        return Err(OncologyError::invalid(
            "atlas",
            "empty mask",
            "brain tissue",
        ));
    }
    let pick = rng.random_range(0..n_tissue);
    let (idx, _) = mask
        .indexed_iter()
        .filter(|(_, m)| **m)
        .nth(pick)
        .expect("pick < number of tissue voxels");
    let age: f64 = Normal::new(62.0, 12.0).expect("valid").sample(&mut rng);
    Ok(VirtualGliomaPatient {
        id,
        age_years: age.clamp(20.0, 90.0),
        seed_mm: atlas.domain.grid.centre_mm(idx.0, idx.1, idx.2),
        growth: GrowthParams {
            diffusion_white_mm2_per_day: d,
            rho_per_day: rho,
            white_grey_ratio: rng.random_range(5.0..=10.0),
        },
        lq: LqParams {
            alpha_per_gy: alpha,
            alpha_beta_gy: log_uniform(&mut rng, 5.0, 15.0),
        },
        detection_t1gd_radius_mm: rng.random_range(13.0..17.0),
        scan_gap_days: rng.random_range(14.0..42.0),
        rt_delay_days: rng.random_range(7.0..21.0),
        noise_seed: rng.random(),
    })
}

/// The glioma study population on an atlas: patient `index` is
/// [`draw_patient`]`(atlas, seed, index, 0)` (first attempt).
#[derive(Debug, Clone, Copy)]
pub struct GliomaCohort<'a> {
    /// The atlas the truth is simulated on.
    pub atlas: &'a BrainTissue,
}

impl twin_core::cohort::VirtualCohort for GliomaCohort<'_> {
    type Patient = VirtualGliomaPatient;
    type Error = crate::error::OncologyError;

    fn draw(&self, seed: u64, index: u64) -> Result<VirtualGliomaPatient> {
        draw_patient(self.atlas, seed, index, 0)
    }
}
