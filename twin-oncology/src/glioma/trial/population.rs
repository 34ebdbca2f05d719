//! The virtual glioblastoma population: growth, radiosensitivity, temozolomide and
//! MGMT, and the burden at death — published values and fitted values in one place,
//! each with its source — and the sampling of a trial's cohort from its baseline table.

use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};
use twin_core::cohort::{Marginal, patient_rng};

use crate::error::{OncologyError, Result};
use crate::glioma::params::{ALPHA_PRIOR_LOG_SD, LqParams};

/// Population constants of the trial model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GbmPopulation {
    /// Median diffusivity D, mm²/day. With ρ's median it gives the median front speed
    /// 2√(Dρ) = 36 mm/yr, the ≈ 3 mm/month of high-grade gliomas (Swanson et al. 2003,
    /// J Neurol Sci 216:1); 0.081 mm²/day (30 mm²/yr) lies inside the 15–73 mm²/yr of
    /// Rockne et al. 2009/2010's patient groups.
    pub diffusion_median_mm2_per_day: f64,
    /// SD of ln D between patients (assumption: reported D spans two decades).
    pub diffusion_sd_ln: f64,
    /// Median net proliferation ρ, 1/day (0.03/day = 11/yr, inside Rockne's 7–37/yr).
    pub rho_median_per_day: f64,
    /// SD of ln ρ (assumption).
    pub rho_sd_ln: f64,
    /// α/β, Gy (Rockne et al. 2010, Phys Med Biol 55:3271).
    pub alpha_beta_gy: f64,
    /// Multiplier of α in MGMT-methylated tumours. MGMT methylation predicts response to
    /// radiotherapy alone (Rivera et al. 2010, Neuro-Oncology 12:116); FITTED to Hegi
    /// 2005's radiotherapy-alone methylated median survival (15.3 months).
    pub alpha_multiplier_methylated: f64,
    /// Temozolomide log-kill per mg/m² of an unmethylated-average tumour before the MGMT
    /// factors ([`crate::glioma::chemo::TmzParams`]'s default).
    pub tmz_log_kill_per_mg_m2: f64,
    /// Temozolomide effect multiplier for MGMT-methylated tumours (Hegi et al. 2005:
    /// benefit confined mostly to methylated tumours); FITTED to Hegi's 21.7 months.
    pub tmz_factor_methylated: f64,
    /// Temozolomide effect multiplier for unmethylated tumours; FITTED to Stupp's overall
    /// 14.6 months given 45 % methylated.
    pub tmz_factor_unmethylated: f64,
    /// T1-Gd volume at which a 56-year-old patient dies, cm³; FITTED to Stupp 2005's
    /// radiotherapy-alone median survival (12.1 months). The classic proliferation–
    /// invasion rule is death at a 6 cm diameter (113 cm³; Woodward et al. 1996, Cell
    /// Prolif 29:269; Swanson et al. 2008, Br J Cancer 98:113).
    pub lethal_volume_cm3_at_56: f64,
    /// Change of ln lethal volume per decade of age above 56 (older patients tolerate a
    /// smaller burden); FITTED so that the model's Cox hazard ratio of death per decade
    /// in the temozolomide arm is 1.18 (Abedi et al. 2021, 680 patients treated with
    /// radiotherapy and temozolomide: HR 1.18 per decade, 1.08–1.28).
    pub lethal_ln_per_decade: f64,
    /// SD of ln lethal volume between patients (assumption: location and eloquence).
    pub lethal_sd_ln: f64,
    /// Population multiplier of every patient's α prior
    /// ([`LqParams::prior_alpha_for_rho`], drawn per patient); FITTED to Stupp 2005's
    /// radiotherapy-alone median PFS (5.0 months). Below 1 means trial patients'
    /// tumours regrow after radiotherapy sooner than the atlas twin's α prior implies
    /// under uniform kill.
    pub alpha_population_multiplier: f64,
    /// Fraction of patients treated at first progression (second-line systemic
    /// therapy, re-resection or re-irradiation): 60.5 % = 34.8 + 18.7 + 7.0 % of 299
    /// patients with recurrent glioblastoma (J Neurooncol 2017,
    /// doi 10.1007/s11060-017-2564-z, abstract); the rest had supportive care only.
    /// The same value for every trial (no trial's salvage rates were found).
    pub salvage_fraction: f64,
    /// Log-kill of one salvage cycle ([`super::course::SALVAGE_CYCLES`] cycles every
    /// [`super::course::SALVAGE_CYCLE_DAYS`] days from the progression scan) before the
    /// tumour's MGMT factor (`tmz_factor_methylated` / `_unmethylated`); FITTED so
    /// that the median survival after progression of treated patients in Stupp's
    /// temozolomide arm is 8.6 months (Franceschi et al. 2015, J Neurooncol 121:399:
    /// 232 patients given chemotherapy at progression after radiotherapy +
    /// temozolomide, 95 % CI 7.4–9.8).
    pub salvage_log_kill_per_cycle: f64,
    /// Fraction of patients whose first post-radiotherapy scan shows pseudoprogression
    /// (enlargement that later resolves) after radiotherapy alone: 11 of 47 (Gerstner et
    /// al. 2009, J Neurooncol, PMID 19221865, abstract: "Eighteen of 47 patients (38%)
    /// treated with radiation alone demonstrated enlargement on their first
    /// post-radiation MRI scan and 11 of these 18 (61%) proved to have psPD").
    pub pseudoprogression_rt_alone: f64,
    /// Pseudoprogression at the first scan after radiotherapy + temozolomide, MGMT-
    /// methylated tumours: 21 of 36 (Brandes et al. 2008, J Clin Oncol, abstract:
    /// "PsPD was recorded in 21 (91%) of 23 methylated MGMT promoter and 11 (41%) of 27
    /// unmethylated MGMT promoter … patients"; 36 methylated and 67 unmethylated of 103).
    pub pseudoprogression_tmz_methylated: f64,
    /// Pseudoprogression after radiotherapy + temozolomide, unmethylated tumours: 11 of
    /// 67 (Brandes et al. 2008, as above).
    pub pseudoprogression_tmz_unmethylated: f64,
    /// Fraction of pseudoprogressions a trial of the Macdonald era recorded as
    /// progression (a PFS event; the protocol treatment went on, as it did for Brandes
    /// 2008's patients, whose later scans told pseudoprogression apart). FITTED to
    /// Stupp 2005's radiotherapy + temozolomide median PFS (6.9 months): Brandes saw
    /// enlargement on the first scan in 50 of 103 patients, which, all recorded, would
    /// put Stupp's median PFS at the first scan.
    pub pseudoprogression_recorded_fraction: f64,
    /// Range of the extent of a partial resection (fraction of the T1-Gd volume)
    /// (assumption: subtotal resections remove 50–95 %; Sanai et al. 2011, J Neurosurg
    /// 115:3, benefit from ≥ 78 %).
    pub partial_extent: (f64, f64),
    /// Range of a complete resection's extent: 100–125 % of the T1-Gd volume (Swanson et
    /// al. 2008: gross-total patients survived like virtual resections of 100–125 %).
    pub complete_extent: (f64, f64),
}

impl Default for GbmPopulation {
    /// Published values and the fit of `examples/gbm_trial_fit.rs` (module docs of
    /// [`crate::glioma::trial`]).
    fn default() -> Self {
        Self {
            diffusion_median_mm2_per_day: 0.081,
            diffusion_sd_ln: 0.8,
            rho_median_per_day: 0.03,
            rho_sd_ln: 0.6,
            alpha_beta_gy: 10.0,
            alpha_multiplier_methylated: 4.638,
            tmz_log_kill_per_mg_m2: 1.96e-4,
            tmz_factor_methylated: 4.787,
            tmz_factor_unmethylated: 0.3113,
            lethal_volume_cm3_at_56: 267.0,
            lethal_ln_per_decade: -0.447,
            lethal_sd_ln: 0.3,
            alpha_population_multiplier: 0.1092,
            salvage_fraction: 0.605,
            salvage_log_kill_per_cycle: 0.5314,
            pseudoprogression_rt_alone: 11.0 / 47.0,
            pseudoprogression_tmz_methylated: 21.0 / 36.0,
            pseudoprogression_tmz_unmethylated: 11.0 / 67.0,
            pseudoprogression_recorded_fraction: 0.3761,
            partial_extent: (0.5, 0.95),
            complete_extent: (1.0, 1.25),
        }
    }
}

impl GbmPopulation {
    /// The temozolomide effect multiplier of a tumour's MGMT status
    /// (`tmz_factor_methylated` or `tmz_factor_unmethylated`); salvage therapy carries
    /// it too.
    pub fn tmz_mgmt_factor(&self, mgmt_methylated: bool) -> f64 {
        if mgmt_methylated {
            self.tmz_factor_methylated
        } else {
            self.tmz_factor_unmethylated
        }
    }

    /// Probability that the patient's first post-radiotherapy scan records a
    /// pseudoprogression as progression: the pseudoprogression rate of the arm
    /// (temozolomide during radiotherapy or not) and MGMT status, times
    /// `pseudoprogression_recorded_fraction`.
    pub fn recorded_pseudoprogression_probability(
        &self,
        concomitant_tmz: bool,
        mgmt_methylated: bool,
    ) -> f64 {
        let rate = match (concomitant_tmz, mgmt_methylated) {
            (false, _) => self.pseudoprogression_rt_alone,
            (true, true) => self.pseudoprogression_tmz_methylated,
            (true, false) => self.pseudoprogression_tmz_unmethylated,
        };
        rate * self.pseudoprogression_recorded_fraction
    }

    /// Check every value's range.
    pub fn validate(&self) -> Result<()> {
        let check = crate::error::check_in_range;
        check(
            "diffusion_median_mm2_per_day",
            self.diffusion_median_mm2_per_day,
            1e-4,
            10.0,
        )?;
        check("diffusion_sd_ln", self.diffusion_sd_ln, 0.0, 3.0)?;
        check("rho_median_per_day", self.rho_median_per_day, 1e-4, 1.0)?;
        check("rho_sd_ln", self.rho_sd_ln, 0.0, 3.0)?;
        check("alpha_beta_gy", self.alpha_beta_gy, 0.5, 100.0)?;
        check(
            "alpha_multiplier_methylated",
            self.alpha_multiplier_methylated,
            0.1,
            10.0,
        )?;
        check(
            "tmz_log_kill_per_mg_m2",
            self.tmz_log_kill_per_mg_m2,
            0.0,
            0.01,
        )?;
        check(
            "tmz_factor_methylated",
            self.tmz_factor_methylated,
            0.0,
            20.0,
        )?;
        check(
            "tmz_factor_unmethylated",
            self.tmz_factor_unmethylated,
            0.0,
            20.0,
        )?;
        check(
            "lethal_volume_cm3_at_56",
            self.lethal_volume_cm3_at_56,
            5.0,
            1000.0,
        )?;
        check("lethal_ln_per_decade", self.lethal_ln_per_decade, -3.0, 3.0)?;
        check("lethal_sd_ln", self.lethal_sd_ln, 0.0, 2.0)?;
        check(
            "alpha_population_multiplier",
            self.alpha_population_multiplier,
            0.01,
            10.0,
        )?;
        check("salvage_fraction", self.salvage_fraction, 0.0, 1.0)?;
        check(
            "salvage_log_kill_per_cycle",
            self.salvage_log_kill_per_cycle,
            0.0,
            20.0,
        )?;
        for (name, value) in [
            (
                "pseudoprogression_rt_alone",
                self.pseudoprogression_rt_alone,
            ),
            (
                "pseudoprogression_tmz_methylated",
                self.pseudoprogression_tmz_methylated,
            ),
            (
                "pseudoprogression_tmz_unmethylated",
                self.pseudoprogression_tmz_unmethylated,
            ),
            (
                "pseudoprogression_recorded_fraction",
                self.pseudoprogression_recorded_fraction,
            ),
        ] {
            check(name, value, 0.0, 1.0)?;
        }
        for (name, (lo, hi), max) in [
            ("partial_extent", self.partial_extent, 1.0),
            ("complete_extent", self.complete_extent, 2.0),
        ] {
            check(name, lo, 0.0, max)?;
            check(name, hi, lo, max)?;
        }
        Ok(())
    }
}

/// Extent of surgery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Surgery {
    /// Biopsy only.
    Biopsy,
    /// Partial (subtotal) resection.
    Partial,
    /// Complete (gross-total) resection of the enhancing tumour.
    Complete,
}

/// Baseline table of a trial cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmCohortSpec {
    /// Age, years.
    pub age_years: Marginal,
    /// Fraction with biopsy only (0–1).
    pub biopsy_fraction: f64,
    /// Fraction with complete resection (0–1); the rest had partial resection.
    pub complete_resection_fraction: f64,
    /// Fraction with MGMT promoter methylation (0–1).
    pub mgmt_methylated_fraction: f64,
    /// Pre-operative T1-Gd (enhancing + necrotic) volume, cm³.
    pub preop_volume_cm3: Marginal,
}

/// One virtual patient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VirtualGbmPatient {
    /// Age, years.
    pub age_years: f64,
    /// Surgery.
    pub surgery: Surgery,
    /// Resected fraction of the T1-Gd volume (0 for biopsy; may exceed 1).
    pub extent_of_resection: f64,
    /// MGMT promoter methylated.
    pub mgmt_methylated: bool,
    /// Pre-operative T1-Gd volume, cm³.
    pub preop_volume_cm3: f64,
    /// Diffusivity, mm²/day.
    pub diffusion_mm2_per_day: f64,
    /// Net proliferation, 1/day.
    pub rho_per_day: f64,
    /// Radiosensitivity α, 1/Gy (β = α/(α/β)).
    pub alpha_per_gy: f64,
    /// Temozolomide log-kill per mg/m² (MGMT factor included).
    pub tmz_log_kill_per_mg_m2: f64,
    /// T1-Gd volume at death, cm³.
    pub lethal_volume_cm3: f64,
    /// Where this patient's scans fall in the visit window, −1 (earliest) to 1 (latest);
    /// scaled by [`super::CourseOptions::scan_window_days`]. 0 = on schedule.
    #[serde(default)]
    pub scan_offset: f64,
    /// Treated at first progression ([`GbmPopulation::salvage_fraction`]).
    #[serde(default)]
    pub salvage: bool,
    /// Uniform draw (0–1) deciding a recorded pseudoprogression: recorded when below
    /// [`GbmPopulation::recorded_pseudoprogression_probability`] of the arm.
    #[serde(default = "never")]
    pub pseudoprogression_quantile: f64,
}

/// A quantile no probability exceeds (records made before pseudoprogression existed).
fn never() -> f64 {
    1.0
}

/// Patients `0..n` of a cohort: patient `i` depends only on `(seed, i)` (a
/// `rand_chacha` stream per patient), so cohorts are reproducible for any thread count.
pub fn sample_patients(
    cohort: &GbmCohortSpec,
    pop: &GbmPopulation,
    n: usize,
    seed: u64,
) -> Result<Vec<VirtualGbmPatient>> {
    pop.validate()?;
    for (name, f) in [
        ("biopsy_fraction", cohort.biopsy_fraction),
        (
            "complete_resection_fraction",
            cohort.complete_resection_fraction,
        ),
        ("mgmt_methylated_fraction", cohort.mgmt_methylated_fraction),
    ] {
        crate::error::check_in_range(name, f, 0.0, 1.0)?;
    }
    if cohort.biopsy_fraction + cohort.complete_resection_fraction > 1.0 + 1e-12 {
        return Err(OncologyError::invalid(
            "biopsy_fraction + complete_resection_fraction",
            cohort.biopsy_fraction + cohort.complete_resection_fraction,
            "at most 1",
        ));
    }
    for (name, m) in [
        ("age_years", cohort.age_years),
        ("preop_volume_cm3", cohort.preop_volume_cm3),
    ] {
        m.validate(name)
            .map_err(|e| OncologyError::invalid(name, e, "a valid distribution"))?;
    }
    if !(1..=10_000_000).contains(&n) {
        return Err(OncologyError::invalid("n", n, "1 to 10,000,000"));
    }
    (0..n as u64)
        .map(|i| {
            let mut rng = patient_rng(seed, i);
            let mut z = || -> f64 { rng.sample(StandardNormal) };
            let u = |z: f64| 0.5 * (1.0 + statrs::function::erf::erf(z / std::f64::consts::SQRT_2));
            let age_years = cohort.age_years.quantile(u(z())).clamp(18.0, 100.0);
            let preop_volume_cm3 = cohort.preop_volume_cm3.quantile(u(z())).clamp(1.0, 300.0);
            let s = u(z());
            let (surgery, extent) = if s < cohort.biopsy_fraction {
                (Surgery::Biopsy, 0.0)
            } else if s < cohort.biopsy_fraction + cohort.complete_resection_fraction {
                let (lo, hi) = pop.complete_extent;
                (Surgery::Complete, lo + (hi - lo) * u(z()))
            } else {
                let (lo, hi) = pop.partial_extent;
                (Surgery::Partial, lo + (hi - lo) * u(z()))
            };
            let mgmt_methylated = u(z()) < cohort.mgmt_methylated_fraction;
            let rho_per_day =
                (pop.rho_median_per_day * (pop.rho_sd_ln * z()).exp()).clamp(1e-3, 0.5);
            let diffusion_mm2_per_day = (pop.diffusion_median_mm2_per_day
                * (pop.diffusion_sd_ln * z()).exp())
            .clamp(1e-3, 5.0);
            let alpha_per_gy = LqParams::prior_alpha_for_rho(rho_per_day)
                * pop.alpha_population_multiplier
                * (ALPHA_PRIOR_LOG_SD * z()).exp()
                * if mgmt_methylated {
                    pop.alpha_multiplier_methylated
                } else {
                    1.0
                };
            let tmz_log_kill_per_mg_m2 =
                pop.tmz_log_kill_per_mg_m2 * pop.tmz_mgmt_factor(mgmt_methylated);
            let lethal_volume_cm3 = pop.lethal_volume_cm3_at_56
                * (pop.lethal_ln_per_decade * (age_years - 56.0) / 10.0 + pop.lethal_sd_ln * z())
                    .exp();
            Ok(VirtualGbmPatient {
                age_years,
                surgery,
                extent_of_resection: extent,
                mgmt_methylated,
                preop_volume_cm3,
                diffusion_mm2_per_day,
                rho_per_day,
                alpha_per_gy: alpha_per_gy.min(2.0),
                tmz_log_kill_per_mg_m2,
                // alive at diagnosis: the lethal burden exceeds the pre-operative one
                lethal_volume_cm3: lethal_volume_cm3.max(1.2 * preop_volume_cm3),
                // drawn last, so adding them left every earlier draw unchanged
                scan_offset: 2.0 * u(z()) - 1.0,
                salvage: u(z()) < pop.salvage_fraction,
                pseudoprogression_quantile: u(z()),
            })
        })
        .collect()
}
