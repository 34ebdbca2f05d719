//! # twin-oncology
//!
//! Oncology twins. Each disease lives in its own module:
//!
//! * [`breast`] — metastatic breast cancer under chemotherapy, endocrine and
//!   HER2-targeted therapy: tumour-growth-inhibition models (Simeoni 2004,
//!   Claret 2009/2014, Stein 2008, Gompertz with Norton–Simon kill, resistant
//!   subclone), drug PK dosed in mg/m², Friberg 2002 myelosuppression with
//!   CTCAE grades, RECIST 1.1 progression, one patient's calibrated twin and
//!   regimen ranking; and a relapse twin for early breast cancer validated on
//!   the Rotterdam cohort against a Cox model.
//!
//! * [`glioma`] — glioblastoma under radiotherapy (± temozolomide):
//!   proliferation–invasion on the MNI152 atlas (white/grey diffusion, CSF
//!   barrier), linear–quadratic cell kill per voxel, T1Gd/FLAIR visibility
//!   thresholds, calibration to ≥ 2 segmentations (D_white, ρ, seed origin,
//!   onset with intervals), Days Gained (Neal 2013) of each schedule with 95 %
//!   prediction intervals, α updated from a post-treatment scan; the PREDICT-GBM
//!   benchmark's interface and plan-coverage metric ([`glioma::benchmark`]).
//!
//! ## From record to ranked plans
//! Both twins implement `twin_core::twin::DigitalTwin`:
//! [`breast::BreastTwin`] (input: the `twin_io` record; plans: chemotherapy
//! [`breast::therapy::Regimen`]s ranked by median PFS under a grade-4
//! neutropenia limit) and [`glioma::GliomaTwin`] (input: [`glioma::GliomaInput`] =
//! record + atlas + scans; plans: [`glioma::TreatmentPlan`]s ranked by Days
//! Gained). `DigitalTwin::calibrate` → `what_if` gives the versioned
//! `TwinResult`: parameters with intervals, the data against the fit, each plan's
//! outcomes with intervals, warnings, the ranking and why.
//!
//! Time is in days throughout; tumour size is the RECIST sum of target-lesion
//! diameters in mm; neutrophils in 10⁹ cells/L.
//!
//! ```
//! use twin_oncology::breast::growth::ClaretParams;
//! // Claret 2014 typical breast-cancer patient: regrowth starts after ~117 days.
//! let t = ClaretParams::CLARET_2014.time_to_regrowth_days().unwrap().unwrap();
//! assert!((t - 117.0).abs() < 0.5);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod breast;
pub mod error;
pub mod glioma;

pub use error::{OncologyError, Result};
