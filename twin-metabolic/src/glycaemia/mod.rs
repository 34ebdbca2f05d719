//! Glycaemia: published relations (ADAG, HOMA) and the disease-progression model.

pub mod equations;

pub use equations::{
    eag_mg_dl_from_hba1c, fpg_from_beta_sensitivity, hba1c_from_eag_mg_dl, homa_beta_percent,
    homa_ir,
};
