//! Relapse twin for early breast cancer, validated on the Rotterdam cohort,
//! externally on GBSG2, and with a genomic covariate on GSE7390.
//!
//! * [`data`] — the Rotterdam and GBSG2 CSV layouts, recurrence-free survival, splits.
//! * [`model`] — the mechanistic relapse model (occult metastases growing to
//!   detectability, competing other-cause mortality) and its fit.
//! * [`compare`] — held-out comparison with a Cox model (twin-validate).
//! * [`external`] — external validation with cross-fitted recalibration.
//! * [`gse7390`] — the TRANSBIG expression + clinical data (GSE7390).
//! * [`genomic`] — the twin with vs without a genomic covariate, cross-validated.

pub mod compare;
pub mod data;
pub mod external;
pub mod genomic;
pub mod gse7390;
pub mod model;
mod table;
