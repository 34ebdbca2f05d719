//! Breast-cancer twin: tumour response to chemotherapy, endocrine and targeted
//! therapy, neutropenia, RECIST progression, and a relapse model validated on
//! the Rotterdam cohort.
//!
//! * [`growth`] — tumour-growth-inhibition models with closed forms (Claret,
//!   Stein, Gompertz/Norton–Simon, resistant subclone).
//! * [`recist`] — RECIST 1.1 categories and progression-free survival.

pub mod friberg;
pub mod growth;
pub mod pk;
pub mod recist;
pub mod relapse;
pub mod simulate;
pub mod therapy;
pub mod twin;
