//! Friberg et al. 2002 (J Clin Oncol 20:4713) semi-mechanistic
//! myelosuppression model and CTCAE neutropenia grades.
//!
//! A proliferating pool (`prol`) feeds three transit compartments and the
//! circulating neutrophils (`circ`), all with rate `ktr = 4/MTT`; feedback
//! `(circ0/circ)^γ` raises proliferation when counts fall; the drug inhibits
//! proliferation linearly, `E = slope · C(t)`:
//!
//! ```text
//! dprol/dt = ktr·prol·((1 − E)·(circ0/circ)^γ − 1)
//! dtr_i/dt = ktr·(tr_{i−1} − tr_i)          dcirc/dt = ktr·(tr_3 − circ)
//! ```

use super::pk::Drug;
use serde::{Deserialize, Serialize};

/// System parameters of the neutrophil model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FribergParams {
    /// Baseline absolute neutrophil count, 10⁹ cells/L.
    pub circ0_1e9_per_l: f64,
    /// Mean transit time from proliferation to circulation, hours.
    pub mtt_h: f64,
    /// Feedback exponent γ.
    pub gamma: f64,
}

impl FribergParams {
    /// Docetaxel neutrophil arm of Kloft et al. 2006 (Invest New Drugs
    /// 24:323), the cross-drug re-analysis of Friberg 2002, as encoded in DDMORE
    /// DDMODEL00000224 (Netterberg 2017): baseline 5.22, MTT 84.2 h, γ 0.145.
    /// Friberg 2002 showed these system parameters are shared across drugs.
    pub const KLOFT_2006: FribergParams = FribergParams {
        circ0_1e9_per_l: 5.22,
        mtt_h: 84.2,
        gamma: 0.145,
    };

    /// Between-patient SD of ln(baseline), ln(MTT) and ln(slope) (Kloft 2006
    /// ω² = 0.0640, 0.0192, 0.128).
    pub const OMEGA_LOG: [f64; 3] = [0.2530, 0.1385, 0.3583];

    /// Transit rate constant `ktr = 4/MTT`, 1/day.
    pub fn ktr_per_day(&self) -> f64 {
        4.0 / (self.mtt_h / 24.0)
    }
}

/// Friberg 2002's paclitaxel slope, 28.9 L/µmol on unbound paclitaxel (÷ 853.9
/// g/mol × 1000), per (mg/L). It was estimated on **leukocytes**, with the
/// leukocyte system parameters (baseline 7.21 × 10⁹/L, MTT 124 h, γ 0.239;
/// DDMORE DDMODEL00000186), not on neutrophils.
pub const PACLITAXEL_LEUKOCYTE_SLOPE_PER_MG_L: f64 = 28.9 / 853.9 * 1000.0;

/// Factor on [`PACLITAXEL_LEUKOCYTE_SLOPE_PER_MG_L`] for neutrophils under the
/// Kloft 2006 system parameters. FITTED (`tests/breast_toxicity.rs`,
/// `toxicity::MarrowCohort::fit_slope_factor`: 2,000 virtual patients, seed
/// 1996, six cycles, counts every 6 h, paclitaxel's clearance variability) to
/// the 28 % of patients with neutrophils below 0.5 × 10⁹/L in any course on
/// paclitaxel 175 mg/m² over 3 h every 3 weeks, in the phase 3 breast-cancer
/// study of the paclitaxel label (Table 6, "based on worst course analysis",
/// n = 229, median six courses — Nabholtz et al. 1996, J Clin Oncol 14:1858).
/// With the leukocyte slope as it stood, 13 % (262 of 2,000) reached grade 4.
pub const PACLITAXEL_NEUTROPHIL_FACTOR: f64 = 1.2842;

/// Linear drug-effect slope on the plasma concentration, per (mg/L).
pub fn slope_per_mg_l(drug: Drug) -> f64 {
    match drug {
        // Kloft 2006 docetaxel: 15.5711 L/µmol ÷ 808 g/mol × 1000 (DDMODEL00000224).
        Drug::Docetaxel => 15.5711 / 808.0 * 1000.0,
        Drug::Paclitaxel => PACLITAXEL_LEUKOCYTE_SLOPE_PER_MG_L * PACLITAXEL_NEUTROPHIL_FACTOR,
        // Assumption (no published Friberg slope at hand): chosen so that
        // 60 mg/m² (1.8 m²) gives a typical nadir near 1×10⁹/L (grade 3) at
        // about day 10–14, the doxorubicin label's nadir window.
        Drug::Doxorubicin => 20.0,
        // Assumption: capecitabine monotherapy rarely causes grade 3–4
        // neutropenia (2–3% in phase II trials), so no marrow effect is modelled.
        Drug::Capecitabine => 0.0,
    }
}

/// CTCAE v5.0 grade of neutrophil count decreased (lower limit of normal
/// taken as 2.0×10⁹/L): 1 < LLN, 2 < 1.5, 3 < 1.0, 4 < 0.5 ×10⁹/L.
pub fn ctcae_grade(anc_1e9_per_l: f64) -> u8 {
    match anc_1e9_per_l {
        a if a < 0.5 => 4,
        a if a < 1.0 => 3,
        a if a < 1.5 => 2,
        a if a < 2.0 => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctcae_thresholds() {
        assert_eq!(ctcae_grade(0.49), 4);
        assert_eq!(ctcae_grade(0.5), 3);
        assert_eq!(ctcae_grade(0.99), 3);
        assert_eq!(ctcae_grade(1.0), 2);
        assert_eq!(ctcae_grade(1.5), 1);
        assert_eq!(ctcae_grade(2.0), 0);
    }
}
