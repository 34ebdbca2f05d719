//! # twin-validate
//!
//! How a digital twin proves what it claims: accuracy against held-out outcomes, with
//! confidence intervals, against the standard statistical model, in every subgroup.
//!
//! - [`binary`]: confusion-matrix metrics, ROC/AUC (Mann–Whitney with ½ for ties), Brier
//!   score, log loss, decision curves (net benefit = TP/n − FP/n · p_t/(1 − p_t)), McNemar.
//! - [`delong`]: DeLong variance of the AUC and the paired DeLong test.
//! - [`calibration`]: calibration-in-the-large, calibration slope, binned curves,
//!   Hosmer–Lemeshow.
//! - [`survival`]: Kaplan–Meier (Greenwood), Nelson–Aalen, log-rank, Harrell's and Uno's C
//!   in O(n log n), cumulative/dynamic AUC, IPCW Brier score, calibration at t, O/E.
//! - [`continuous`]: MAE, RMSE, bias, R², Lin's CCC, interval coverage, CRPS.
//! - [`baseline`]: Cox proportional hazards (Efron ties, Breslow baseline) and logistic
//!   regression with standard errors.
//! - [`bootstrap`], [`resampling`]: seeded parallel bootstrap (percentile, BCa), k-fold,
//!   temporal splits, Harrell's optimism correction.
//! - [`compare`]: two predictors on the same patients (paired bootstrap CI of the
//!   difference in AUC, C-index, Brier, accuracy); [`delong::delong_test`] for the AUC.
//! - [`subgroup`]: any metric per caller-named group column with CIs, largest gaps,
//!   small-group warnings, equalised-odds and calibration gaps.
//! - [`domain`]: applicability domain (training ranges) and out-of-domain flags.
//! - [`report`]: [`report::ValidationReport`] as JSON, Markdown and SVG ([`plots`]).
//!
//! Conventions: binary labels are `bool` (true = event); survival `risk` is higher for a
//! shorter expected survival; times are in the caller's unit (days in this project).
//! Reference values: scikit-learn 1.9.1, lifelines 0.30.3, scikit-survival 0.28.0,
//! statsmodels (see `tests/reference/`).
//!
//! ```
//! use twin_validate::{binary, survival};
//! let y = [false, false, true, true];
//! let p = [0.1, 0.4, 0.35, 0.8];
//! assert_eq!(binary::auc(&y, &p).unwrap(), 0.75);
//! let c = survival::harrell_c(&[1.0, 2.0, 3.0], &[true, true, false], &[3.0, 2.0, 1.0]).unwrap();
//! assert_eq!(c.c_index, 1.0);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod baseline;
pub mod binary;
pub mod bootstrap;
pub mod calibration;
mod check;
pub mod compare;
pub mod continuous;
pub mod delong;
pub mod domain;
pub mod error;
pub mod plots;
pub mod report;
pub mod resampling;
pub mod study;
pub mod subgroup;
pub mod survival;

pub use error::{Result, ValidateError};
