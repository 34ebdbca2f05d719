//! Relapse twin for early breast cancer, validated on the Rotterdam cohort.
//!
//! * [`data`] — the Rotterdam CSV layout, recurrence-free survival, splits.
//! * [`model`] — the mechanistic relapse model (occult metastases growing to
//!   detectability, competing other-cause mortality) and its fit.
//! * [`compare`] — held-out comparison with a Cox model (twin-validate).

pub mod compare;
pub mod data;
pub mod model;
