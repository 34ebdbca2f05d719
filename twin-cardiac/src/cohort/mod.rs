//! A seeded virtual AF cohort for validating the ablation twin: patients
//! with their hidden truth, what a clinic observes of them, the in-silico
//! ground truth of recurrence after pulmonary-vein isolation (PVI), and the
//! twin's prediction built only from the observations.
//!
//! **Truth and twin differ on purpose** (an in-silico truth must never be
//! the twin's own model with the same settings):
//!
//! | | truth ([`TruthSettings`]) | twin ([`TwinSettings`]) |
//! |---|---|---|
//! | fibrosis map | the true map | an LGE-like observation ([`LgeObservation`]: misses and false positives) |
//! | fibrotic myocytes | 40 % less I_Na (region 2, [`AfPatient::cells_with_fibrotic_remodelling`]) | unchanged |
//! | fibre field | rule-based field with smooth random disarray ([`TruthSettings::fibre_disarray_deg`]) | the rule-based field |
//! | non-conducting fibrotic voxels | drawn with the patient's seed | drawn with the LGE seed |
//! | AF remodelling | the patient's own | a fixed value per AF type ([`TwinPriors`]) |
//! | conduction velocity | the patient's own, falling with age and burden | the published LA CV at the sheet's scale, per AF type ([`TwinPriors::sheet_cv_m_per_s`]) |
//! | grid spacing | finer | coarser (both with diffusivity tuned to the CV on their grid) |
//! | pacing | denser sites, more beats, longer sustain | sparser, fewer, shorter |
//!
//! With [`TruthSettings::courtemanche`] the truth's cells are
//! Courtemanche–Ramirez–Nattel instead ([`TruthCell`]), on a 0.5 mm grid:
//! the ionic model then differs too.
//!
//! **What they share** (said plainly, as the validation issue asks): by
//! default the Mitchell–Schaeffer cell model and its remodelling law, the monodomain
//! solver, the PVI lesion set, and the "inducible from any site" rule of
//! substrate recurrence. The clinical label adds what the twin never
//! simulates (trigger recurrence, incomplete expression).
//! The twin's priors ([`TwinPriors`]) are published population values, not the
//! generator's conditional means: the twin does not know how CV falls with age and
//! burden in the virtual population ([`CohortSpec`]). How they stand against the
//! published values and against the generator (the gap):
//!
//! - **Remodelling** is this model's own scale (APD shortened by 60 % × remodelling), so
//!   it is checked on the APD it produces: the persistent-AF prior shortens the APD by
//!   36 %, inside the published chronic-AF range of 28 % (APD90 of right-atrial
//!   trabeculae, 414 vs 300 ms; Wettwer et al. 2004) to 49 % (refractory period of
//!   isolated myocytes, 203 vs 104 ms; Workman et al. 2001, Cardiovasc Res 52:226); the
//!   paroxysmal prior by 15 %, below that range (test
//!   `twin_remodelling_priors_shorten_the_apd_within_the_published_range`). Generator
//!   means 0.30 / 0.55 against the twin's 0.25 / 0.6.
//! - **Conduction velocity: the published whole-LA CV at the sheet's scale.** Bendikas
//!   et al. (KCL, 180 patients' CARTO maps before PVI, coronary-sinus pacing; Authorea
//!   abstract) report 0.68 ± 0.16 / 0.69 ± 0.09 m/s (paroxysmal / persistent) and LA
//!   surface areas of 197.4 / 212.7 cm² in the same maps. The sheet is smaller than that
//!   atrium (2 × 1.6 LA diameters: 46.2 / 59.2 cm² at the published diameters 38 / 43 mm
//!   of Vincenti et al. 2012, J Electrocardiol 45:109), so the twin takes the published
//!   CV times the linear scale √(sheet area / LA area): **0.329 / 0.364 m/s**, which
//!   keeps the published atrium's ratio of wavelength (CV × refractory period) to size —
//!   what decides whether re-entry fits. Assumptions: areas and diameters come from two
//!   cohorts; what the maps' area includes (veins, appendage) was not read — if a fifth
//!   of it were veins and appendage, the scaled CV would be 12 % higher. Other published
//!   LA CVs (local, not whole-chamber) are higher: 1.4 ± 0.6 m/s in healthy-voltage
//!   tissue in sinus rhythm (Miyamoto et al. 2009, Europace 11:1597), 1.59 ± 0.13 m/s in
//!   persistent AF at 600 ms pacing (Honarbakhsh et al. 2019, Heart Rhythm), 0.98 ± 0.46
//!   m/s before PVI (Fukumoto et al., Circ Arrhythm Electrophysiol). **The gap:** the
//!   generator's CVs (mean 0.48 m/s at 15 % burden and age 62: 0.6 − 0.8·burden −
//!   0.002·(age − 60)) are a design choice, 30–45 % faster than the published value
//!   at the sheet's scale, so the virtual patients are less inducible than the twin
//!   expects: on the held-out test cohorts the twin finds AF inducible from at least one
//!   site in 88 / 95 % of patients (seeds 7717 / 60606; mean inducible fraction 0.55 /
//!   0.57) where the truth does in 29 / 29 % (35 / 34 % before the stencil fix of
//!   2026-12-07). Until 2026-12-06 the twin assumed 0.5 m/s for everyone, close to
//!   the generator's mean (27.5 % / 27.5 % inducible, mean fraction 0.09 / 0.08;
//!   its held-out AUCs, under the truth before the fix, are in this file's history).
//!   (All CV sources, the areas and Wettwer's numbers were read in abstracts only.)
//!
//! Substrate recurrence = AF still inducible from at least one pacing site
//! after PVI under the truth settings. Clinical recurrence at 325 days adds
//! trigger-driven recurrence and incomplete expression, calibrated to DECAAF
//! ([`recurrence`]). The twin reports [`TwinFeatures`] of its own
//! inducibility test; a hybrid model learns from them and the clinical
//! record, scored against ridge and spline baselines, a baseline that also sees
//! the LGE map's pattern ([`LgeMapFeatures`]), the oracle and the majority class
//! by [`study::compare`] (run by `examples/af_cohort`).
//!
//! **Held-out results** (`af_cohort`, seeds 7717 and 60606 of
//! `data/validation/test_seeds.json` and the confirmation seed 424242, written into
//! that file before its first run; 200 training + 200 test patients each, the
//! training cohort shared; AUC with 95 % class-stratified bootstrap CIs; twin CV
//! prior = the published CV at the sheet's scale). All three seeds were rerun
//! once on 2026-12-07 after a solver fix: the stencil had coupled voxels touching
//! the tissue only at corners through negative cross-term weights alone
//! (`tissue::stencil`), which changes the truth near non-conducting fibrotic
//! voxels. The truth's substrate recurrence fell from 35 / 34 % to 29 / 29 / 21.5 %
//! of test patients; the twin barely moved (inducible from at least one site in
//! 88 / 95 / 86 %, mean fraction 0.55 / 0.57 / 0.54; on a 30-patient sample its
//! inducible fractions were identical before and after). In brackets: before the fix.
//!
//! | substrate recurrence | seed 7717 | seed 60606 | seed 424242 (confirmation) |
//! |---|---|---|---|
//! | majority class (accuracy) | 0.710 (0.650) | 0.710 (0.660) | 0.785 (0.680) |
//! | clinical ridge baseline | 0.831 [0.765, 0.894] | 0.834 [0.766, 0.893] | 0.817 [0.739, 0.886] |
//! | spline baseline | 0.832 [0.767, 0.894] | 0.826 [0.756, 0.888] | 0.821 [0.743, 0.892] |
//! | **map baseline** (clinical + LGE map features) | **0.918 [0.879, 0.953]** | **0.885 [0.835, 0.929]** | **0.870 [0.807, 0.924]** |
//! | hybrid (clinical + twin features) | 0.886 [0.829, 0.936] | 0.875 [0.809, 0.931] | 0.804 [0.722, 0.880] |
//! | hybrid + map | 0.924 [0.883, 0.960] | 0.878 [0.823, 0.929] | 0.874 [0.812, 0.929] |
//! | twin alone (inducible fraction) | 0.805 | 0.777 | 0.688 |
//! | oracle (true parameters) | 0.939 [0.905, 0.968] | 0.936 [0.898, 0.966] | 0.927 [0.886, 0.962] |
//! | hybrid − clinical baseline | **+0.054 [0.008, 0.101]** (+0.072) | +0.041 [−0.003, 0.085] (+0.043) | −0.013 [−0.061, 0.037] (+0.029) |
//! | hybrid − map baseline | −0.033 [−0.077, 0.008] (−0.045) | −0.010 [−0.065, 0.040] (−0.036) | −0.066 [−0.134, 0.003] (−0.080) |
//! | hybrid + map − map baseline | +0.005 [−0.016, 0.023] | −0.007 [−0.038, 0.018] | +0.004 [−0.015, 0.020] |
//! | hybrid + map − clinical baseline | +0.092 [0.041, 0.143] | +0.044 [−0.009, 0.100] | +0.057 [−0.013, 0.123] |
//!
//! Against the clinical score the Roney-2022-style hybrid wins with a CI above 0
//! on seed 7717 only; on seed 60606 its CI now just includes 0 (bootstrap p 0.06;
//! before the fix it excluded 0) and on the confirmation seed it is no better. The
//! issue's goal (CI above 0 on two seeds) is therefore **not met** under the fixed
//! solver. The map baseline beats the hybrid by a point estimate on all three
//! seeds (CIs now include 0) and the twin's features add nothing to it.
//!
//! Reading: image features of the LGE map the twin is built on (posterior-wall LGE,
//! compactness, cluster size) predict substrate recurrence nearly as well as the
//! hidden truth (map baseline's weights per SD, substrate label, seed-7717 fit: LGE
//! % +0.21, compactness +1.10, cluster area +0.61, posterior-wall LGE +0.52 — the
//! fibrosis pattern, which sets inducibility in the truth, is visible in the
//! image). In this in-silico world the inducibility simulation is a costly proxy
//! of the fibrosis pattern. For clinical recurrence at 325 days (trigger
//! recurrence and incomplete expression added; DECAAF fit on the training cohort:
//! trigger 0.156, expression 0.522): map baseline 0.723 / 0.701 / 0.711, hybrid
//! 0.720 / 0.692 / 0.636, hybrid + map 0.742 / 0.704 / 0.690, oracle 0.750 / 0.705
//! / 0.744. Differences whose CI excludes 0: on seed 7717 the hybrid over the
//! clinical baseline (+0.057 [0.005, 0.116]) and over the spline baseline (+0.063
//! [0.007, 0.124]) and hybrid + map over the clinical baseline (+0.079 [0.019,
//! 0.144]); none on seed 60606; on seed 424242 the map baseline over the hybrid
//! (−0.075 [−0.151, −0.001]). Per Utah stage on the test cohorts (expected
//! recurrence − DECAAF): seed 7717 +0.029 / −0.082 / +0.053 / +0.042, seed 60606
//! +0.021 / −0.064 / −0.036 / +0.046, seed 424242 +0.027 / −0.119 / −0.046 /
//! +0.086 (stage II misses ± 8 points on two of three seeds).
//!
//! **With the Courtemanche truth** (cells that differ from the twin's too; training
//! and test cohorts of seed 7717, 200 each, analysis plan written before the test
//! rows existed: `results/af_cohort_crn/README.md`) the truth is rarely inducible
//! (training 4 %, test 7.5 %) and the twin's Mitchell–Schaeffer simulation carries
//! no information about it: twin alone AUC 0.479 [0.354, 0.602], hybrid 0.769
//! [0.635, 0.867] against the clinical baseline's 0.772 [0.639, 0.875], hybrid −
//! clinical −0.003 [−0.027, 0.024] (oracle 0.832). The goal (CI above 0 on seeds
//! 7717 and 60606) is therefore not met; seed 60606 is still being simulated. The
//! DECAAF layer fitted to this training cohort (trigger 0.310, expression 1.000)
//! gives stage I 0.331 vs 0.153 (+0.178), a miss, as the plan expected.
//! Why the truth is rarely inducible (`examples/rotor_room`, after that
//! result): the two truths' cells have close refractory periods (ERP 229 vs 239
//! ms at remodelling 0.55), but on the truth's 0.5 mm grid a Mitchell–Schaeffer
//! rotor stays within 11 × 12 mm while a Courtemanche rotor wanders over
//! ~60 × 55 mm, breaks up, and dies within 2 s on a sheet the size of the
//! cohort's. At 0.25 and 0.125 mm it still wanders and breaks up but lived 2 s
//! (one run per grid): the truth's re-entry survival at 0.5 mm is not
//! grid-converged, and likely under-calls inducibility
//! (`results/af_cohort_crn/README.md`).
//!
//! Every patient draws from its own ChaCha8 stream (cohort seed, stream =
//! patient index), so a patient does not depend on the cohort size, on the
//! order of generation or on the thread count.

mod disarray;
mod features;
pub mod recurrence;
pub mod study;

pub use disarray::fibre_disarray;
pub use features::{LgeMapFeatures, NEAR_REENTRY_MM, TwinFeatures};
pub use recurrence::{RecurrenceModel, StageRecurrence, utah_stage};

use ndarray::Array3;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ablation::{
    InducibilityProtocol, LesionOptions, Strategy, apply_lesions, atrial_body, inducibility,
    lesion_set, observe_episode, pace_site, pacing_sites,
};
use crate::cell::CellModel;
use crate::error::{CardiacError, Result};
use crate::fibrosis::{FibrosisEffect, FibrosisPattern, burden};
use crate::geometry::AtrialSheet;
use crate::patient::{
    AfPatient, conduction_scale_for_cv, tuned_conduction_scale, tuned_conduction_scale_of,
};
use crate::tissue::Substrate;

/// Population from which virtual patients are drawn. Ranges are design
/// choices in the span of AF-ablation cohorts, not fitted to any data set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CohortSpec {
    /// Mean and SD of age (years), truncated to [`CohortSpec::age_range_years`].
    pub age_mean_sd_years: [f64; 2],
    /// Allowed age range (years).
    pub age_range_years: [f64; 2],
    /// Probability of persistent (vs paroxysmal) AF.
    pub persistent_probability: f64,
    /// Mean LA antero-posterior diameter (mm) in paroxysmal and persistent AF.
    pub la_diameter_mean_mm: [f64; 2],
    /// SD of LA diameter (mm) within an AF type; clamped to 30–60 mm.
    pub la_diameter_sd_mm: f64,
    /// Median fibrosis burden (fraction) at age 60 in paroxysmal and persistent AF.
    pub fibrosis_median: [f64; 2],
    /// Relative increase of the median fibrosis burden per year of age above 60.
    pub fibrosis_per_year: f64,
    /// SD of log burden; with the medians above the cohort spans Utah stages
    /// I–IV (< 10 %, 10–20 %, 20–30 %, ≥ 30 %; Marrouche et al. 2014, JAMA
    /// 311:498). Clamped to [`CohortSpec::fibrosis_range`].
    pub fibrosis_log_sd: f64,
    /// Allowed fibrosis burden range (fraction).
    pub fibrosis_range: [f64; 2],
    /// Uniform range of electrical remodelling (0–1, see [`AfPatient::remodelling`])
    /// in paroxysmal AF.
    pub remodelling_paroxysmal: [f64; 2],
    /// Uniform range of electrical remodelling in persistent AF.
    pub remodelling_persistent: [f64; 2],
    /// Longitudinal CV (m/s) of non-fibrotic tissue at zero burden and age 60.
    pub cv_base_m_per_s: f64,
    /// CV change (m/s) per unit fibrosis burden (interstitial fibrosis slows
    /// conduction also outside the LGE-visible voxels).
    pub cv_per_burden_m_per_s: f64,
    /// CV change (m/s) per year of age above 60.
    pub cv_per_year_m_per_s: f64,
    /// SD (m/s) of the patient's own CV around that mean; clamped to 0.2–1.0 m/s.
    pub cv_sd_m_per_s: f64,
}

impl Default for CohortSpec {
    fn default() -> Self {
        Self {
            age_mean_sd_years: [62.0, 9.0],
            age_range_years: [40.0, 80.0],
            persistent_probability: 0.45,
            la_diameter_mean_mm: [40.0, 45.0],
            la_diameter_sd_mm: 5.0,
            fibrosis_median: [0.12, 0.17],
            fibrosis_per_year: 0.015,
            fibrosis_log_sd: 0.5,
            fibrosis_range: [0.02, 0.45],
            remodelling_paroxysmal: [0.1, 0.5],
            remodelling_persistent: [0.35, 0.75],
            cv_base_m_per_s: 0.6,
            cv_per_burden_m_per_s: -0.8,
            cv_per_year_m_per_s: -0.002,
            cv_sd_m_per_s: 0.08,
        }
    }
}

impl CohortSpec {
    /// Mean remodelling of an AF type in the generated population.
    pub fn mean_remodelling(&self, persistent_af: bool) -> f64 {
        let r = if persistent_af {
            self.remodelling_persistent
        } else {
            self.remodelling_paroxysmal
        };
        0.5 * (r[0] + r[1])
    }

    /// Mean CV (m/s) at a given age and fibrosis burden in the generated population.
    pub fn mean_cv_m_per_s(&self, age_years: f64, fibrosis_burden: f64) -> f64 {
        (self.cv_base_m_per_s
            + self.cv_per_burden_m_per_s * fibrosis_burden
            + self.cv_per_year_m_per_s * (age_years - 60.0))
            .clamp(CV_RANGE_M_PER_S[0], CV_RANGE_M_PER_S[1])
    }

    fn validate(&self) -> Result<()> {
        let ordered = |name: &str, r: [f64; 2], lo: f64, hi: f64| {
            if r[0] <= r[1] && r[0] >= lo && r[1] <= hi {
                Ok(())
            } else {
                Err(CardiacError::invalid(
                    name.to_string(),
                    format!("{r:?}"),
                    format!("an ordered range within [{lo}, {hi}]"),
                ))
            }
        };
        ordered("age_range_years", self.age_range_years, 18.0, 100.0)?;
        ordered("fibrosis_range", self.fibrosis_range, 0.0, 0.6)?;
        ordered(
            "remodelling_paroxysmal",
            self.remodelling_paroxysmal,
            0.0,
            1.0,
        )?;
        ordered(
            "remodelling_persistent",
            self.remodelling_persistent,
            0.0,
            1.0,
        )?;
        if !(0.0..=1.0).contains(&self.persistent_probability) {
            return Err(CardiacError::invalid(
                "persistent_probability",
                self.persistent_probability,
                "a probability in [0, 1]",
            ));
        }
        for (name, sd) in [
            ("age_mean_sd_years[1]", self.age_mean_sd_years[1]),
            ("la_diameter_sd_mm", self.la_diameter_sd_mm),
            ("fibrosis_log_sd", self.fibrosis_log_sd),
            ("cv_sd_m_per_s", self.cv_sd_m_per_s),
        ] {
            if !(sd.is_finite() && sd >= 0.0) {
                return Err(CardiacError::invalid(name, sd, "finite and >= 0"));
            }
        }
        Ok(())
    }
}

/// Range (m/s) to which patients' CVs are clamped.
pub const CV_RANGE_M_PER_S: [f64; 2] = [0.2, 1.0];
/// Range (mm) to which LA diameters are clamped.
pub const LA_DIAMETER_RANGE_MM: [f64; 2] = [30.0, 60.0];

/// One virtual patient: hidden truth plus the seed of their LGE scan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VirtualAfPatient {
    /// Index in the cohort (also the patient's random stream).
    pub id: u64,
    /// Age (years).
    pub age_years: f64,
    /// Persistent (true) or paroxysmal AF.
    pub persistent_af: bool,
    /// True longitudinal CV (m/s) of non-fibrotic tissue.
    pub cv_m_per_s: f64,
    /// True electrophysiological substrate (conduction scale for the
    /// continuum limit; simulations re-tune it to their grid).
    pub patient: AfPatient,
    /// Seed of the LGE observation noise (and of the twin's non-conducting voxels).
    pub lge_seed: u64,
    /// Uniforms deciding clinical recurrence (trigger, substrate expression;
    /// see [`RecurrenceModel::recurrence`]).
    pub recurrence_uniforms: [f64; 2],
}

/// What the clinic knows: the inputs of the clinical-score baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClinicalRecord {
    /// Age (years).
    pub age_years: f64,
    /// Persistent (true) or paroxysmal AF.
    pub persistent_af: bool,
    /// LA diameter (mm), measured exactly (echo).
    pub la_diameter_mm: f64,
    /// Fibrosis burden (%) of the LGE map.
    pub lge_fibrosis_pct: f64,
}

impl ClinicalRecord {
    /// Covariates of the baseline logistic model: LA diameter (mm), LGE
    /// fibrosis (%), persistent AF (0/1), age (years).
    pub fn features(&self) -> Vec<f64> {
        vec![
            self.la_diameter_mm,
            self.lge_fibrosis_pct,
            f64::from(u8::from(self.persistent_af)),
            self.age_years,
        ]
    }

    /// Names of [`ClinicalRecord::features`].
    pub const FEATURE_NAMES: [&'static str; 4] = [
        "la_diameter_mm",
        "lge_fibrosis_pct",
        "persistent_af",
        "age_years",
    ];
}

/// LGE-MRI-like observation of the fibrosis map (voxel-wise errors on the
/// twin's grid).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LgeObservation {
    /// Probability that a truly fibrotic voxel is not enhanced.
    pub miss_rate: f64,
    /// Probability that a healthy voxel is enhanced.
    pub false_positive_rate: f64,
}

impl Default for LgeObservation {
    /// 20 % misses, 3 % false positives (illustrative for thin-walled atria
    /// imaged at ~1.25 mm: partial-volume loss of small patches, blood-pool
    /// and epicardial-fat enhancement).
    fn default() -> Self {
        Self {
            miss_rate: 0.2,
            false_positive_rate: 0.03,
        }
    }
}

/// How the ground truth is simulated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TruthSettings {
    /// Grid spacing (mm).
    pub dx_mm: f64,
    /// Pacing protocol.
    pub protocol: InducibilityProtocol,
    /// Amplitude (degrees) of the smooth random fibre-angle perturbation
    /// added to the rule-based field (fibre disarray; the twin has none).
    pub fibre_disarray_deg: f64,
    /// Wavelength (mm) of the disarray's Fourier modes.
    pub fibre_disarray_wavelength_mm: f64,
    /// The truth's cell model.
    #[serde(default)]
    pub cell: TruthCell,
}

/// The cell model of the truth's tissue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TruthCell {
    /// Mitchell–Schaeffer, the twin's own model
    /// ([`AfPatient::cells_with_fibrotic_remodelling`]).
    #[default]
    MitchellSchaeffer,
    /// Courtemanche–Ramirez–Nattel 1998 with the patient's remodelling, PV
    /// sleeves and fibrotic I_Na loss
    /// ([`AfPatient::courtemanche_cells_with_fibrotic_remodelling`]): a
    /// different ionic model from the twin's.
    Courtemanche,
}

impl Default for TruthSettings {
    /// Disarray of ±20° over ~20 mm (illustrative: real atrial fibre fields
    /// vary between patients and change direction over a few cm).
    fn default() -> Self {
        Self {
            fibre_disarray_deg: 20.0,
            fibre_disarray_wavelength_mm: 20.0,
            cell: TruthCell::MitchellSchaeffer,
            dx_mm: 1.0,
            protocol: InducibilityProtocol {
                site_spacing_mm: 20.0,
                n_beats: 4,
                sustain_ms: 800.0,
                ..InducibilityProtocol::default()
            },
        }
    }
}

impl TruthSettings {
    /// The default truth with Courtemanche cells, on a 0.5 mm grid (at 1 mm
    /// the Courtemanche upstroke is close to conduction block) at 0.2 ms steps
    /// with ionic substeps, halved (once or twice) for a patient whose tuned
    /// diffusivity exceeds the explicit limit at 0.2 ms (CV above about 0.65 m/s;
    /// [`TruthOutcome::dt_ms`] records the step). On the 0.25 mm
    /// sheet of `examples/crn_sheet` (200 × 200 nodes, one planar wave across
    /// 50 mm) the activation times at 0.2 ms lie 0.49 ms (mean) and 1.12 ms (max)
    /// from those at 0.02 ms, at 0.1 ms 0.66 / 1.38 ms; 0.2 ms ran 1.7× faster.
    /// Planar conduction is converged at 0.5 mm, re-entry is not: a spiral's
    /// survival on a cohort-sized sheet changed between 0.5 and 0.25 mm, and
    /// not between 0.25 and 0.125 mm (`examples/rotor_room`; module docs).
    pub fn courtemanche() -> Self {
        let d = Self::default();
        Self {
            cell: TruthCell::Courtemanche,
            dx_mm: 0.5,
            protocol: InducibilityProtocol {
                dt_ms: 0.2,
                ..d.protocol
            },
            ..d
        }
    }
}

/// What the twin assumes for the parameters a clinical record does not
/// measure, by AF type (paroxysmal, persistent): published population values,
/// not the generator's laws, not fitted. The module docs give the gap to the
/// generator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TwinPriors {
    /// Mean whole-LA conduction velocity (m/s) before PVI, coronary-sinus pacing,
    /// CARTO maps of 90 paroxysmal / 90 persistent AF patients: 0.68 ± 0.16 /
    /// 0.69 ± 0.09 (Bendikas et al., King's College London, Authorea abstract).
    pub published_la_cv_m_per_s: [f64; 2],
    /// LA surface area (cm²) of the same maps: 197.4 / 212.7 (Bendikas et al.).
    pub published_la_area_cm2: [f64; 2],
    /// LA antero-posterior diameter (mm, echocardiography): 38 ± 5 paroxysmal
    /// (n = 33) / 43 ± 6 persistent (n = 26) (Vincenti et al. 2012, J Electrocardiol
    /// 45:109, abstract) — another cohort than the areas'.
    pub published_la_diameter_mm: [f64; 2],
    /// Electrical remodelling (0–1), this model's own scale, checked on the APD it
    /// produces against published shortening in chronic AF (module docs).
    pub remodelling: [f64; 2],
}

impl Default for TwinPriors {
    fn default() -> Self {
        Self {
            published_la_cv_m_per_s: [0.68, 0.69],
            published_la_area_cm2: [197.4, 212.7],
            published_la_diameter_mm: [38.0, 43.0],
            remodelling: [0.25, 0.6],
        }
    }
}

impl TwinPriors {
    /// Longitudinal CV (m/s) the twin gives non-fibrotic tissue on its sheet: the
    /// published CV times the linear scale of the sheet to the published atrium,
    /// √(sheet area / LA area), with the sheet drawn for the published diameter
    /// ([`crate::geometry::AtrialSheetSpec::from_la_diameter`]). The ratio of the
    /// wavelength (CV × refractory period) to the atrium's size — what decides
    /// whether re-entry fits — is then the published atrium's. Paroxysmal
    /// 0.68 × √(46.2 / 197.4) = 0.329 m/s, persistent 0.69 × √(59.2 / 212.7) = 0.364.
    pub fn sheet_cv_m_per_s(&self, persistent_af: bool) -> Result<f64> {
        let t = usize::from(persistent_af);
        let sheet = crate::geometry::AtrialSheetSpec::from_la_diameter(
            self.published_la_diameter_mm[t],
            1.0,
            1.0,
            1.0,
        );
        let sheet_area_cm2 = sheet.width_mm * sheet.height_mm / 100.0;
        for (field, value) in [
            ("published_la_cv_m_per_s", self.published_la_cv_m_per_s[t]),
            ("published_la_area_cm2", self.published_la_area_cm2[t]),
            ("published_la_diameter_mm", self.published_la_diameter_mm[t]),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(CardiacError::invalid(field, value, "finite and > 0"));
            }
        }
        Ok(self.published_la_cv_m_per_s[t]
            * (sheet_area_cm2 / self.published_la_area_cm2[t]).sqrt())
    }
}

/// How the twin is simulated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TwinSettings {
    /// Grid spacing (mm).
    pub dx_mm: f64,
    /// Pacing protocol.
    pub protocol: InducibilityProtocol,
    /// LGE observation model.
    pub lge: LgeObservation,
    /// Values assumed for what the record does not measure.
    pub priors: TwinPriors,
}

impl Default for TwinSettings {
    fn default() -> Self {
        Self {
            priors: TwinPriors::default(),
            dx_mm: 1.5,
            protocol: InducibilityProtocol {
                site_spacing_mm: 25.0,
                n_beats: 3,
                sustain_ms: 600.0,
                // At least one grid spacing, so a site is more than one node.
                site_radius_mm: 1.5,
                ..InducibilityProtocol::default()
            },
            lge: LgeObservation::default(),
        }
    }
}

/// Ground truth of one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthOutcome {
    /// AF inducible from at least one site after PVI.
    pub recurrence: bool,
    /// Pacing sites of the truth lattice.
    pub n_sites: usize,
    /// Sites paced (the search stops at the first inducing site).
    pub sites_paced: usize,
    /// Time step of the simulation, ms (None in rows saved before it was recorded).
    #[serde(default)]
    pub dt_ms: Option<f64>,
}

/// The twin's prediction for one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwinPrediction {
    /// The clinic's record (with the LGE burden the twin saw).
    pub record: ClinicalRecord,
    /// The twin's patient (parameters assumed from the record).
    pub twin_patient: AfPatient,
    /// Features of the twin's inducibility test after PVI.
    pub features: TwinFeatures,
}

/// Draw `n` patients with cohort `seed`. Patient `i` is the same for every
/// `n > i` and any thread count.
pub fn virtual_cohort(spec: &CohortSpec, n: usize, seed: u64) -> Result<Vec<VirtualAfPatient>> {
    spec.validate()?;
    (0..n as u64)
        .into_par_iter()
        .map(|id| draw_patient(spec, seed, id))
        .collect()
}

impl twin_core::cohort::VirtualCohort for CohortSpec {
    type Patient = VirtualAfPatient;
    type Error = CardiacError;

    /// Patient `index` of the cohort `seed` (the same as [`virtual_cohort`]'s).
    fn draw(&self, seed: u64, index: u64) -> Result<VirtualAfPatient> {
        self.validate()?;
        draw_patient(self, seed, index)
    }
}

fn draw_patient(spec: &CohortSpec, seed: u64, id: u64) -> Result<VirtualAfPatient> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(id);
    let normal = |mean: f64, sd: f64| {
        Normal::new(mean, sd).map_err(|e| CardiacError::invalid("normal SD", sd, e.to_string()))
    };
    let [a0, a1] = spec.age_range_years;
    let age = normal(spec.age_mean_sd_years[0], spec.age_mean_sd_years[1])?
        .sample(&mut rng)
        .clamp(a0, a1);
    let persistent = rng.random_bool(spec.persistent_probability);
    let t = usize::from(persistent);
    let la = normal(spec.la_diameter_mean_mm[t], spec.la_diameter_sd_mm)?
        .sample(&mut rng)
        .clamp(LA_DIAMETER_RANGE_MM[0], LA_DIAMETER_RANGE_MM[1]);
    let median = spec.fibrosis_median[t] * (1.0 + spec.fibrosis_per_year * (age - 60.0)).max(0.1);
    let fib = (median.ln() + spec.fibrosis_log_sd * normal(0.0, 1.0)?.sample(&mut rng))
        .exp()
        .clamp(spec.fibrosis_range[0], spec.fibrosis_range[1]);
    let pattern = [
        FibrosisPattern::Diffuse,
        FibrosisPattern::Patchy,
        FibrosisPattern::Compact,
    ][rng.random_range(0..3)];
    let r = if persistent {
        spec.remodelling_persistent
    } else {
        spec.remodelling_paroxysmal
    };
    let remodelling = if r[0] < r[1] {
        rng.random_range(r[0]..r[1])
    } else {
        r[0]
    };
    let cv = (spec.mean_cv_m_per_s(age, fib) + normal(0.0, spec.cv_sd_m_per_s)?.sample(&mut rng))
        .clamp(CV_RANGE_M_PER_S[0], CV_RANGE_M_PER_S[1]);
    let patient = AfPatient {
        la_diameter_mm: la,
        fibrosis_burden: fib,
        fibrosis_pattern: pattern,
        fibrosis_seed: rng.random(),
        remodelling,
        conduction_scale: conduction_scale_for_cv(cv)?,
    };
    patient.validate()?;
    Ok(VirtualAfPatient {
        id,
        age_years: age,
        persistent_af: persistent,
        cv_m_per_s: cv,
        patient,
        lge_seed: rng.random(),
        recurrence_uniforms: [rng.random(), rng.random()],
    })
}

impl VirtualAfPatient {
    /// The LGE-observed fibrosis map on `sheet`'s grid.
    pub fn lge_map(&self, sheet: &AtrialSheet, lge: &LgeObservation) -> Result<Array3<bool>> {
        self.patient
            .observed_fibrosis(sheet, lge.miss_rate, lge.false_positive_rate, self.lge_seed)
    }

    /// The clinic's record, with the LGE burden measured on a sheet of
    /// spacing `dx_mm` (the twin's).
    pub fn clinical_record(&self, dx_mm: f64, lge: &LgeObservation) -> Result<ClinicalRecord> {
        self.record_and_lge_map(dx_mm, lge)
            .map(|(record, _)| record)
    }

    /// Image features of the LGE map on the twin's grid ([`LgeMapFeatures`]).
    pub fn lge_map_features(&self, twin: &TwinSettings) -> Result<LgeMapFeatures> {
        let sheet = self.patient.bare_sheet(twin.dx_mm)?;
        let map = self.lge_map(&sheet, &twin.lge)?;
        LgeMapFeatures::from_map(&sheet, &map)
    }

    /// The clinic's record and the LGE map it was measured on (on the bare
    /// sheet of spacing `dx_mm`, whose geometry the twin's sheet shares).
    fn record_and_lge_map(
        &self,
        dx_mm: f64,
        lge: &LgeObservation,
    ) -> Result<(ClinicalRecord, Array3<bool>)> {
        let sheet = self.patient.bare_sheet(dx_mm)?;
        let map = self.lge_map(&sheet, lge)?;
        let record = ClinicalRecord {
            age_years: self.age_years,
            persistent_af: self.persistent_af,
            la_diameter_mm: self.patient.la_diameter_mm,
            lge_fibrosis_pct: 100.0 * burden(&sheet.substrate, &map),
        };
        Ok((record, map))
    }

    /// Ground truth: inducibility after standard PVI on the true substrate
    /// with fibrotic ionic remodelling, at the truth settings (sites paced in
    /// lattice order until one induces AF).
    pub fn true_outcome(&self, truth: &TruthSettings) -> Result<TruthOutcome> {
        let (dx, dt, cv) = (truth.dx_mm, truth.protocol.dt_ms, self.cv_m_per_s);
        match truth.cell {
            TruthCell::MitchellSchaeffer => {
                let cells = self.patient.cells_with_fibrotic_remodelling();
                let scale = tuned_conduction_scale(cv, dx, dt)?;
                self.outcome_on_true_substrate(truth, scale, &cells)
            }
            TruthCell::Courtemanche => {
                // The fastest-conducting patients' diffusivity exceeds the explicit
                // limit at the protocol's step: the same truth at half the step, or
                // at a quarter.
                let mut settings = *truth;
                loop {
                    match self.courtemanche_outcome(&settings) {
                        Err(CardiacError::StepAboveStabilityLimit { .. })
                            if settings.protocol.dt_ms > 0.3 * dt =>
                        {
                            settings.protocol.dt_ms *= 0.5
                        }
                        outcome => return outcome,
                    }
                }
            }
        }
    }

    /// [`Self::true_outcome`] with Courtemanche cells at the protocol's step.
    fn courtemanche_outcome(&self, truth: &TruthSettings) -> Result<TruthOutcome> {
        let (dx, dt) = (truth.dx_mm, truth.protocol.dt_ms);
        let cells = self
            .patient
            .courtemanche_cells_with_fibrotic_remodelling(dt)?;
        let scale = tuned_conduction_scale_of(&cells[0], self.cv_m_per_s, dx, dt)?;
        self.outcome_on_true_substrate(truth, scale, &cells)
    }

    /// [`Self::true_outcome`] with `cells` at a given conduction scale.
    fn outcome_on_true_substrate<M: CellModel + Clone>(
        &self,
        truth: &TruthSettings,
        conduction_scale: f64,
        cells: &[M],
    ) -> Result<TruthOutcome> {
        let p = &AfPatient {
            conduction_scale,
            ..self.patient
        };
        let effect = FibrosisEffect {
            remodelled_region: Some(2),
            ..FibrosisEffect::default()
        };
        let mut sheet = p.sheet_with_effect(truth.dx_mm, |s| p.true_fibrosis(s), effect)?;
        fibre_disarray(
            &mut sheet.substrate,
            truth.fibre_disarray_deg.to_radians(),
            truth.fibre_disarray_wavelength_mm,
            p.fibrosis_seed ^ 0xf1b2_e5d1,
        )?;
        let lesion = lesion_set(&sheet, &Strategy::Pvi, &LesionOptions::default())?;
        first_inducing_site(&sheet.substrate, cells, &lesion, &truth.protocol)
    }

    /// The twin's patient: LA size and burden from the record, remodelling
    /// and CV from the twin's `priors` (by AF type); the fibrosis seed is
    /// the LGE seed. The conduction scale is for the continuum limit; see
    /// [`VirtualAfPatient::twin_prediction`] for the grid.
    pub fn twin_patient(&self, priors: &TwinPriors, record: &ClinicalRecord) -> Result<AfPatient> {
        let fib = record.lge_fibrosis_pct / 100.0;
        Ok(AfPatient {
            la_diameter_mm: record.la_diameter_mm,
            fibrosis_burden: fib.min(0.6),
            // Unused by the twin (its map comes from LGE); the record has no pattern.
            fibrosis_pattern: FibrosisPattern::Patchy,
            fibrosis_seed: self.lge_seed,
            remodelling: priors.remodelling[usize::from(record.persistent_af)],
            conduction_scale: conduction_scale_for_cv(
                priors.sheet_cv_m_per_s(record.persistent_af)?,
            )?,
        })
    }

    /// The twin's prediction: inducible fraction after PVI on the twin built
    /// from the clinical record and LGE map only.
    pub fn twin_prediction(&self, twin: &TwinSettings) -> Result<TwinPrediction> {
        let (record, map) = self.record_and_lge_map(twin.dx_mm, &twin.lge)?;
        let mut tp = self.twin_patient(&twin.priors, &record)?;
        let cv = twin.priors.sheet_cv_m_per_s(record.persistent_af)?;
        tp.conduction_scale = tuned_conduction_scale(cv, twin.dx_mm, twin.protocol.dt_ms)?;
        let sheet = tp.sheet(twin.dx_mm, |_| Ok(map.clone()))?;
        let lesion = lesion_set(&sheet, &Strategy::Pvi, &LesionOptions::default())?;
        let r = inducibility(&sheet.substrate, &tp.cells(), &lesion, &twin.protocol)?;
        Ok(TwinPrediction {
            record,
            twin_patient: tp,
            features: TwinFeatures::from_inducibility(&r, &sheet, &map)?,
        })
    }
}

impl VirtualAfPatient {
    /// The twin's record, features and the CV it ran with.
    fn twin_run(&self, twin: &TwinSettings) -> Result<(ClinicalRecord, TwinFeatures, f64)> {
        let p = self.twin_prediction(twin)?;
        let cv = twin.priors.sheet_cv_m_per_s(p.record.persistent_af)?;
        Ok((p.record, p.features, cv))
    }
}

/// One evaluated patient of a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The patient (hidden truth).
    pub patient: VirtualAfPatient,
    /// The clinic's record (LGE measured on the twin's grid).
    pub record: ClinicalRecord,
    /// Ground truth.
    pub truth: TruthOutcome,
    /// The twin's features (None when the twin was not run).
    pub twin_features: Option<TwinFeatures>,
    /// The CV (m/s) the twin ran with ([`TwinPriors::sheet_cv_m_per_s`]); None in
    /// rows saved before it was recorded, whose twin ran at an assumed 0.5 m/s.
    #[serde(default)]
    pub twin_cv_m_per_s: Option<f64>,
    /// Image features of the LGE map the twin was built on (None in rows saved
    /// before they existed: [`add_lge_map_features`] fills them in).
    #[serde(default)]
    pub lge_map_features: Option<LgeMapFeatures>,
}

impl Evaluation {
    /// Run (or rerun) the twin on this row's patient: its features and the CV it
    /// ran with. The truth is left as it is.
    pub fn run_twin(&mut self, twin: &TwinSettings) -> Result<()> {
        let (record, features, cv) = self.patient.twin_run(twin)?;
        (self.record, self.twin_features, self.twin_cv_m_per_s) =
            (record, Some(features), Some(cv));
        Ok(())
    }

    /// Whether the row's twin ran with the CV `twin` gives its patient.
    pub fn twin_is_current(&self, twin: &TwinSettings) -> Result<bool> {
        let cv = twin.priors.sheet_cv_m_per_s(self.record.persistent_af)?;
        Ok(self.twin_features.is_some() && self.twin_cv_m_per_s == Some(cv))
    }

    /// Utah stage (0 = I … 3 = IV) of the recorded LGE burden.
    pub fn utah_stage(&self) -> Result<usize> {
        utah_stage(self.record.lge_fibrosis_pct)
    }

    /// Clinical recurrence at 325 days under `model` (the patient's own
    /// uniforms and substrate inducibility).
    pub fn clinical_recurrence(&self, model: &RecurrenceModel) -> bool {
        model.recurrence(self.truth.recurrence, self.patient.recurrence_uniforms)
    }
}

/// Evaluate a cohort in parallel over patients (rayon; each patient's
/// simulations are deterministic, so the result does not depend on the
/// thread count): the clinical record and the truth for every patient, and
/// the twin's prediction when `run_twin` (a training cohort needs only the
/// records and the truth).
pub fn evaluate(
    cohort: &[VirtualAfPatient],
    truth: &TruthSettings,
    twin: &TwinSettings,
    run_twin: bool,
) -> Result<Vec<Evaluation>> {
    cohort
        .par_iter()
        .map(|vp| {
            let outcome = vp.true_outcome(truth)?;
            let (record, twin_features, twin_cv_m_per_s) = if run_twin {
                let (record, features, cv) = vp.twin_run(twin)?;
                (record, Some(features), Some(cv))
            } else {
                (vp.clinical_record(twin.dx_mm, &twin.lge)?, None, None)
            };
            Ok(Evaluation {
                patient: *vp,
                record,
                truth: outcome,
                twin_features,
                twin_cv_m_per_s,
                lge_map_features: Some(vp.lge_map_features(twin)?),
            })
        })
        .collect()
}

/// Fill in the LGE map features of rows that lack them (no simulation: the
/// map is redrawn from the patient's LGE seed on the twin's grid).
pub fn add_lge_map_features(rows: &mut [Evaluation], twin: &TwinSettings) -> Result<()> {
    rows.par_iter_mut()
        .filter(|r| r.lge_map_features.is_none())
        .try_for_each(|r| {
            r.lge_map_features = Some(r.patient.lge_map_features(twin)?);
            Ok(())
        })
}

/// Pace the PEERP site lattice of [`inducibility()`] (same lattice, pacing
/// and sustain criterion) one site at a time in lattice order and stop at
/// the first site from which AF sustains: recurrence needs one inducing
/// site, so the rest need not be simulated. Deterministic (sequential).
pub fn first_inducing_site<M: CellModel + Clone>(
    substrate: &Substrate,
    models: &[M],
    lesions: &Array3<f64>,
    protocol: &InducibilityProtocol,
) -> Result<TruthOutcome> {
    let mut ablated = substrate.clone();
    apply_lesions(&mut ablated, lesions)?;
    let body = atrial_body(&ablated)?;
    let sites = pacing_sites(&body, protocol.site_spacing_mm)?;
    for (k, &site) in sites.iter().enumerate() {
        let mut md = pace_site(&body, models, site, protocol)?;
        if observe_episode(&mut md, protocol.sustain_ms, protocol.reentry_cell_mm)?.sustained {
            return Ok(TruthOutcome {
                recurrence: true,
                n_sites: sites.len(),
                sites_paced: k + 1,
                dt_ms: Some(protocol.dt_ms),
            });
        }
    }
    Ok(TruthOutcome {
        recurrence: false,
        n_sites: sites.len(),
        sites_paced: sites.len(),
        dt_ms: Some(protocol.dt_ms),
    })
}
