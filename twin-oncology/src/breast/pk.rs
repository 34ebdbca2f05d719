//! Pharmacokinetics of the common metastatic breast-cancer cytotoxics, dosed
//! in mg/m² of body-surface area.
//!
//! Linear mammillary models (central + up to two peripheral compartments,
//! optional first-order oral absorption) are solved exactly: the compartment
//! matrix is symmetrised (`u = V^½ c`), diagonalised once per patient, and
//! the plasma concentration between doses is a sum of exponentials
//! (Gibaldi & Perrier 1982, *Pharmacokinetics*, ch. 3). This keeps the stiff
//! fast PK modes (rate constants up to ~200/day) out of the ODE integrator.

use crate::error::{OncologyError, Result};
use nalgebra::{Matrix3, SymmetricEigen};
use serde::{Deserialize, Serialize};

/// A cytotoxic drug with a PK model in this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Drug {
    /// Paclitaxel (IV; unbound concentration).
    Paclitaxel,
    /// Docetaxel (IV).
    Docetaxel,
    /// Capecitabine (oral).
    Capecitabine,
    /// Doxorubicin (IV anthracycline).
    Doxorubicin,
}

impl Drug {
    /// Every drug.
    pub const ALL: [Drug; 4] = [
        Drug::Paclitaxel,
        Drug::Docetaxel,
        Drug::Capecitabine,
        Drug::Doxorubicin,
    ];

    /// Parse a drug name (case-insensitive).
    pub fn from_name(name: &str) -> Result<Drug> {
        match name.trim().to_ascii_lowercase().as_str() {
            "paclitaxel" => Ok(Drug::Paclitaxel),
            "docetaxel" => Ok(Drug::Docetaxel),
            "capecitabine" => Ok(Drug::Capecitabine),
            "doxorubicin" => Ok(Drug::Doxorubicin),
            other => Err(OncologyError::invalid(
                "drug",
                other,
                "one of paclitaxel, docetaxel, capecitabine, doxorubicin",
            )),
        }
    }

    /// Between-patient SD of ln(clearance), where a published value is at hand, from
    /// the published coefficient of variation as √ln(1 + CV²):
    /// - paclitaxel: CV 27.0 % of the maximal elimination rate in the Crombag et al.
    ///   2019 model (Pharm Res 36:33) as tabulated by Janssen et al. 2023 (nlmixr2lib
    ///   `Janssen_2023_paclitaxel.R`), carried over to this linear model's clearance;
    /// - docetaxel: CV 39.9 % of clearance, Ozawa et al. 2007 Table 2 (nlmixr2lib
    ///   `Ozawa_2007_docetaxel.R`), the model whose typical values [`Drug::pk`] uses.
    ///
    /// `None` for the others (not found).
    pub fn clearance_omega_log(self) -> Option<f64> {
        let log_sd = |cv: f64| (1.0 + cv * cv).ln().sqrt();
        match self {
            Drug::Paclitaxel => Some(log_sd(0.270)),
            Drug::Docetaxel => Some(log_sd(0.399)),
            Drug::Capecitabine | Drug::Doxorubicin => None,
        }
    }

    /// Published typical PK parameters for a patient of 1.8 m².
    pub fn pk(self) -> PkParams {
        match self {
            // Friberg et al. 2002 (J Clin Oncol 20:4713), paclitaxel arm as encoded
            // in DDMORE DDMODEL00000186: unbound paclitaxel, 2 compartments,
            // Q = 204 L/h fixed, typical CL 285 L/h, V1 290 L, V2 995 L.
            Drug::Paclitaxel => PkParams {
                cl_l_per_h: 285.0,
                v1_l: 290.0,
                q2_l_per_h: 204.0,
                v2_l: 995.0,
                q3_l_per_h: 0.0,
                v3_l: 1.0,
                ka_per_h: None,
                bioavailability: 1.0,
            },
            // Ozawa et al. 2007 (Cancer Sci 98:1985) Table 2, three compartments
            // (Bruno et al. 1996 structure).
            Drug::Docetaxel => PkParams {
                cl_l_per_h: 35.7,
                v1_l: 6.94,
                q2_l_per_h: 5.58,
                v2_l: 7.39,
                q3_l_per_h: 12.5,
                v3_l: 225.0,
                ka_per_h: None,
                bioavailability: 1.0,
            },
            // Capecitabine parent drug: rapid absorption and elimination
            // (Reigner et al. 2001, Clin Pharmacokinet 40:85: t½ ≈ 0.85 h,
            // tmax ≈ 1.5–2 h). One compartment with V = 150 L chosen so that
            // CL/V gives the published half-life (CL = 122 L/h). Assumption:
            // the tumour effect is driven by this parent exposure proxy.
            Drug::Capecitabine => PkParams {
                cl_l_per_h: 122.0,
                v1_l: 150.0,
                q2_l_per_h: 0.0,
                v2_l: 1.0,
                q3_l_per_h: 0.0,
                v3_l: 1.0,
                ka_per_h: Some(1.0),
                bioavailability: 1.0,
            },
            // Kunarajah et al. 2017 (Cancer Chemother Pharmacol 79:1209) Table 2,
            // typical values at BSA 1.8 m² (Q2, V2, Q3, V3 from Kontny 2013); the
            // paediatric age factor on CL is not applied (adult patient).
            Drug::Doxorubicin => PkParams {
                cl_l_per_h: 58.7,
                v1_l: 32.2,
                q2_l_per_h: 35.8,
                v2_l: 3810.0,
                q3_l_per_h: 65.1,
                v3_l: 705.0,
                ka_per_h: None,
                bioavailability: 1.0,
            },
        }
    }
}

/// Linear PK parameters (typical patient of 1.8 m²).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PkParams {
    /// Elimination clearance, L/h.
    pub cl_l_per_h: f64,
    /// Central volume, L.
    pub v1_l: f64,
    /// Intercompartmental clearance to peripheral 1, L/h (0 = none).
    pub q2_l_per_h: f64,
    /// Peripheral 1 volume, L.
    pub v2_l: f64,
    /// Intercompartmental clearance to peripheral 2, L/h (0 = none).
    pub q3_l_per_h: f64,
    /// Peripheral 2 volume, L.
    pub v3_l: f64,
    /// First-order absorption rate, 1/h (`None` = intravenous).
    pub ka_per_h: Option<f64>,
    /// Oral bioavailability (fraction).
    pub bioavailability: f64,
}

/// Body-surface area by Mosteller (1987, N Engl J Med 317:1098):
/// `sqrt(height_cm · weight_kg / 3600)`, m².
pub fn bsa_mosteller_m2(height_cm: f64, weight_kg: f64) -> Result<f64> {
    if !(height_cm.is_finite() && (100.0..=230.0).contains(&height_cm)) {
        return Err(OncologyError::invalid(
            "height_cm",
            height_cm,
            "100..=230 cm",
        ));
    }
    if !(weight_kg.is_finite() && (25.0..=250.0).contains(&weight_kg)) {
        return Err(OncologyError::invalid(
            "weight_kg",
            weight_kg,
            "25..=250 kg",
        ));
    }
    Ok((height_cm * weight_kg / 3600.0).sqrt())
}

/// Dose in mg from a dose in mg/m² and a body-surface area.
pub fn dose_mg(dose_mg_per_m2: f64, bsa_m2: f64) -> Result<f64> {
    if !(dose_mg_per_m2.is_finite() && dose_mg_per_m2 > 0.0) {
        return Err(OncologyError::invalid(
            "dose_mg_per_m2",
            dose_mg_per_m2,
            "a finite dose > 0 mg/m²",
        ));
    }
    if !(bsa_m2.is_finite() && (0.5..=3.5).contains(&bsa_m2)) {
        return Err(OncologyError::invalid("bsa_m2", bsa_m2, "0.5..=3.5 m²"));
    }
    Ok(dose_mg_per_m2 * bsa_m2)
}

/// Modal (eigen) form of a linear PK model, time in days:
/// central concentration `C = Σ_k β_k m_k`, each mode decaying at `rate_k`;
/// input into the central compartment at `R` mg/day adds `β_k R` to `dm_k/dt`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModalPk {
    /// Mode decay rates, 1/day.
    pub rates_per_day: [f64; 3],
    /// Central-concentration weights β_k, (mg/L)/(mode unit) and input loadings.
    pub beta: [f64; 3],
    /// Absorption rate, 1/day (oral drugs).
    pub ka_per_day: Option<f64>,
    /// Oral bioavailability.
    pub bioavailability: f64,
}

impl ModalPk {
    /// Diagonalise `pk` scaled by `clearance_factor` (patient/typical clearance).
    pub fn new(pk: &PkParams, clearance_factor: f64) -> Result<ModalPk> {
        for (f, v) in [
            ("cl_l_per_h", pk.cl_l_per_h),
            ("v1_l", pk.v1_l),
            ("v2_l", pk.v2_l),
            ("v3_l", pk.v3_l),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(OncologyError::invalid(f, v, "a finite number > 0"));
            }
        }
        if !(clearance_factor.is_finite() && clearance_factor > 0.0) {
            return Err(OncologyError::invalid(
                "clearance_factor",
                clearance_factor,
                "a finite number > 0",
            ));
        }
        let h = 24.0;
        let (cl, q2, q3) = (
            pk.cl_l_per_h * clearance_factor * h,
            pk.q2_l_per_h * h,
            pk.q3_l_per_h * h,
        );
        let v = [pk.v1_l, pk.v2_l, pk.v3_l];
        // V dc/dt = −Q c with symmetric clearance matrix Q; u = V^½ c ⇒ du/dt = −S u.
        let q = Matrix3::new(cl + q2 + q3, -q2, -q3, -q2, q2, 0.0, -q3, 0.0, q3);
        let s = Matrix3::from_fn(|i, j| q[(i, j)] / (v[i] * v[j]).sqrt());
        let eig = SymmetricEigen::new(s);
        let sv1 = v[0].sqrt();
        Ok(ModalPk {
            rates_per_day: std::array::from_fn(|k| eig.eigenvalues[k].max(0.0)),
            beta: std::array::from_fn(|k| eig.eigenvectors[(0, k)] / sv1),
            ka_per_day: pk.ka_per_h.map(|ka| ka * h),
            bioavailability: pk.bioavailability,
        })
    }

    /// Concentration (mg/L) from mode amounts.
    pub fn concentration(&self, modes: &[f64; 3]) -> f64 {
        self.beta.iter().zip(modes).map(|(b, m)| b * m).sum()
    }

    /// Add an IV bolus of `dose_mg` to the mode amounts.
    pub fn bolus(&self, modes: &mut [f64; 3], dose_mg: f64) {
        for (m, b) in modes.iter_mut().zip(&self.beta) {
            *m += b * dose_mg;
        }
    }

    /// Mode amounts after `dt_days` from `modes`, with a constant central
    /// infusion `rate_mg_per_day` and an oral depot `gut_mg` (already × F)
    /// absorbing at `ka`, both starting at the segment start.
    pub fn advance(
        &self,
        modes: &[f64; 3],
        dt_days: f64,
        rate_mg_per_day: f64,
        gut_mg: f64,
    ) -> [f64; 3] {
        std::array::from_fn(|k| {
            let (l, b) = (self.rates_per_day[k], self.beta[k]);
            let e = (-l * dt_days).exp();
            let infusion = if l * dt_days > 1e-12 {
                (1.0 - e) / l
            } else {
                dt_days
            };
            let oral = match self.ka_per_day {
                Some(ka) if gut_mg > 0.0 => {
                    let d = l - ka;
                    let shape = if d.abs() > 1e-9 {
                        ((-ka * dt_days).exp() - e) / d
                    } else {
                        dt_days * e
                    };
                    ka * gut_mg * shape
                }
                _ => 0.0,
            };
            modes[k] * e + b * (rate_mg_per_day * infusion + oral)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn one_compartment_bolus_and_infusion_match_closed_forms() {
        let pk = PkParams {
            cl_l_per_h: 10.0,
            v1_l: 50.0,
            q2_l_per_h: 0.0,
            v2_l: 1.0,
            q3_l_per_h: 0.0,
            v3_l: 1.0,
            ka_per_h: None,
            bioavailability: 1.0,
        };
        let m = ModalPk::new(&pk, 1.0).unwrap();
        let mut modes = [0.0; 3];
        m.bolus(&mut modes, 100.0);
        let k: f64 = 10.0 / 50.0 * 24.0;
        let c = m.concentration(&m.advance(&modes, 0.25, 0.0, 0.0));
        assert_relative_eq!(c, 2.0 * (-k * 0.25).exp(), max_relative = 1e-12);
        // Infusion to steady state: C_ss = R / CL.
        let c = m.concentration(&m.advance(&[0.0; 3], 50.0, 240.0, 0.0));
        assert_relative_eq!(c, 240.0 / 240.0, max_relative = 1e-9);
    }

    #[test]
    fn docetaxel_auc_equals_dose_over_clearance() {
        // For any linear model AUC = dose / CL (mass balance).
        let m = ModalPk::new(&Drug::Docetaxel.pk(), 1.0).unwrap();
        let mut modes = [0.0; 3];
        m.bolus(&mut modes, 135.0); // 75 mg/m² × 1.8 m²
        let auc: f64 = (0..3)
            .map(|k| m.beta[k] * modes[k] / m.rates_per_day[k])
            .sum();
        assert_relative_eq!(auc, 135.0 / (35.7 * 24.0), max_relative = 1e-9);
        // Peak after a 1-h infusion of 100 mg/m² is ~3 mg/L (Kloft 2006 as noted in DDMODEL00000224).
        let c = m.concentration(&m.advance(&[0.0; 3], 1.0 / 24.0, 180.0 * 24.0, 0.0));
        assert!((2.0..4.5).contains(&c), "Cmax {c}");
    }

    #[test]
    fn oral_matches_bateman_function() {
        let m = ModalPk::new(&Drug::Capecitabine.pk(), 1.0).unwrap();
        let (ka, ke, v): (f64, f64, f64) = (24.0, 122.0 / 150.0 * 24.0, 150.0);
        let t = 0.1;
        let c = m.concentration(&m.advance(&[0.0; 3], t, 0.0, 2000.0));
        let bateman = 2000.0 * ka / (v * (ka - ke)) * ((-ke * t).exp() - (-ka * t).exp());
        assert_relative_eq!(c, bateman, max_relative = 1e-9);
    }

    #[test]
    fn bsa_and_bad_doses() {
        assert_relative_eq!(
            bsa_mosteller_m2(165.0, 65.0).unwrap(),
            (165.0f64 * 65.0 / 3600.0).sqrt()
        );
        assert!(
            dose_mg(0.0, 1.8)
                .unwrap_err()
                .to_string()
                .contains("dose_mg_per_m2")
        );
        assert!(dose_mg(-5.0, 1.8).is_err());
        assert!(
            Drug::from_name("aspirin")
                .unwrap_err()
                .to_string()
                .contains("drug")
        );
        assert_eq!(Drug::from_name(" Docetaxel").unwrap(), Drug::Docetaxel);
    }
}
