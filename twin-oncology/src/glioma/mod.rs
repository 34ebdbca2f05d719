//! Glioblastoma twin: proliferation–invasion growth on the MNI152 brain atlas,
//! radiotherapy by the linear–quadratic model, imaging observation, Days Gained,
//! and calibration of one patient from two pre-treatment scans.
//!
//! * [`params`] — published parameters in one place (with sources).
//! * [`tissue`] — grey/white/CSF tissue from the atlas, diffusivity map.
//! * [`radiotherapy`] — LQ survival, fractionation schedules, BED, PTV and dose map.
//! * [`active`] — the tumour's active sub-box (the PDE is stepped only there).
//! * [`chemo`] — temozolomide as an extra log-kill per dose (Stupp 2005 schedule).
//! * [`model`] — the PDE `∂c/∂t = ∇·(D∇c) + ρc(1−c)` with no flux, imaging
//!   thresholds (Swanson 2008), treatment forecasts and Days Gained (Neal 2013).
//! * [`twin`] — a patient's twin: analytic start from travelling-wave relations,
//!   PDE-constrained fit of `D_white` and `ρ`, Laplace intervals, schedule ranking.
//! * [`benchmark`] — PREDICT-GBM (Zimmer et al. 2025): its patient-folder layout, the
//!   single-scan twin's density output, the plan-coverage metric (standard 15 mm plan
//!   vs the model's plan of the same volume), and an in-silico recurrence study.
//!
//! Units: days, mm, mm²/day, Gy. Density `c` is normalised to the carrying capacity.

pub mod active;
pub mod benchmark;
pub mod chemo;
pub mod cohort;
pub mod digital;
pub mod model;
pub mod params;
pub mod radiotherapy;
pub mod synthetic;
pub mod tissue;
pub mod trial;
pub mod twin;

pub use digital::{GliomaInput, GliomaTwin};
pub use model::{
    DoseDistribution, GliomaSim, GrowthTrajectory, ImagingSummary, Temozolomide, TreatmentOptions,
    TreatmentOutcome, TreatmentPlan,
};
pub use params::{GrowthParams, LqParams};
pub use radiotherapy::{DoseMap, Fraction, Schedule};
pub use tissue::BrainTissue;
pub use twin::{CalibratedTwin, CalibrationOptions, PlanForecast, Segmentation, calibrate};
