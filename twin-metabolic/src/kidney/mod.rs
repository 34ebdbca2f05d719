//! Kidney function: eGFR equations, KDIGO staging, kidney failure risk, and the
//! eGFR/UACR trajectory model.

pub mod egfr;
pub mod kdigo;
pub mod kfre;

pub use egfr::{
    Sex, creatinine_for_egfr, egfr_ckd_epi_2021_cr, egfr_ckd_epi_2021_cr_batch,
    egfr_ckd_epi_2021_cr_cys,
};
pub use kdigo::{AStage, GStage};
pub use kfre::{KfreHorizon, KfreRegion, kfre_4var, kfre_in_domain};
