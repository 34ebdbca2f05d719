//! Breast-cancer twin: tumour response to chemotherapy, endocrine and targeted
//! therapy, neutropenia, RECIST progression, and a relapse model validated on
//! the Rotterdam cohort.
//!
//! * [`growth`] — tumour-growth-inhibition models with closed forms (Claret,
//!   Stein, Gompertz/Norton–Simon, resistant subclone).
//! * [`simeoni`] — Simeoni 2004 exponential/linear growth with damage chain.
//! * [`pk`] — exact linear PK of paclitaxel, docetaxel, capecitabine,
//!   doxorubicin dosed in mg/m² (Mosteller BSA).
//! * [`friberg`] — Friberg 2002 neutrophil model parameters, CTCAE grades.
//! * [`therapy`] — regimens, endocrine/CDK4/6/HER2 partners, dose rules.
//! * [`simulate`] — one patient under one regimen (PK → neutrophils, tumour,
//!   RECIST scans, dose delays/reductions).
//! * [`toxicity`] — neutropenia rates of a virtual population by worst grade, and
//!   the fit of a drug's marrow slope to a published rate.
//! * [`recist`] — RECIST 1.1 categories and progression-free survival.
//! * [`twin`] — calibration of one patient and regimen ranking.
//! * [`digital`] — [`BreastTwin`]: the same twin behind the one patient-twin interface.
//! * [`relapse`] — the Rotterdam-validated relapse twin.

pub mod digital;
pub mod friberg;
pub mod growth;
pub mod pk;
pub mod recist;
pub mod relapse;
pub mod report;
pub mod simeoni;
pub mod simulate;
pub mod therapy;
pub mod toxicity;
pub mod trial;
pub mod twin;

pub use digital::BreastTwin;
