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
