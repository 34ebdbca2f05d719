//! Accuracy metrics on held-out predictions (numpy arrays in, dicts out): AUC with
//! its DeLong interval, Brier score, log-loss and calibration slope; Harrell's and
//! Uno's C; Harrell's C with a bootstrap interval. The computations are
//! `patient_twin::validate`'s, checked there against scikit-learn, lifelines and
//! scikit-survival (`data/reference/reference_metrics.json`).

use numpy::PyReadonlyArray1;
use patient_twin::validate::{binary, bootstrap, calibration, delong, survival};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;

/// Binary predictions: `labels` (bool array: the event happened) against predicted
/// probabilities `probs` in [0, 1]. Returns `n`, `positives`, `auc`, `auc_ci`
/// (DeLong, at `level`), `brier`, `log_loss`, `calibration_slope` and
/// `calibration_in_the_large` (logistic recalibration: slope 1, intercept 0 when
/// calibrated).
#[pyfunction]
#[pyo3(signature = (labels, probs, level = 0.95))]
pub fn binary_metrics<'py>(
    py: Python<'py>,
    labels: PyReadonlyArray1<'py, bool>,
    probs: PyReadonlyArray1<'py, f64>,
    level: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let labels = labels.as_slice()?;
    let probs = probs.as_slice()?;
    let (auc, brier, log_loss, recal) = py
        .detach(|| -> patient_twin::validate::Result<_> {
            Ok((
                delong::auc_delong(labels, probs, level)?,
                binary::brier_score(labels, probs)?,
                binary::log_loss(labels, probs)?,
                calibration::recalibration(labels, probs)?,
            ))
        })
        .map_err(errors::input)?;
    let d = PyDict::new(py);
    d.set_item("n", labels.len())?;
    d.set_item("positives", labels.iter().filter(|&&l| l).count())?;
    d.set_item("auc", auc.auc)?;
    d.set_item("auc_ci", (auc.ci_low, auc.ci_high))?;
    d.set_item("level", level)?;
    d.set_item("brier", brier)?;
    d.set_item("log_loss", log_loss)?;
    d.set_item("calibration_slope", recal.slope)?;
    d.set_item("calibration_in_the_large", recal.citl)?;
    Ok(d)
}

/// Harrell's C of `risk` (higher = shorter survival) against follow-up `time` and
/// `event` (bool: the event was observed): dict `c_index`, `concordant`,
/// `discordant`, `tied_risk`, `comparable`.
#[pyfunction]
pub fn harrell_c<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, f64>,
    event: PyReadonlyArray1<'py, bool>,
    risk: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let (t, e, r) = (time.as_slice()?, event.as_slice()?, risk.as_slice()?);
    let c = py
        .detach(|| survival::harrell_c(t, e, r))
        .map_err(errors::input)?;
    crate::to_python(py, &c)
}

/// Uno's IPCW C (censoring fitted on the same patients), events weighted only
/// before `tau` (same time unit as `time`; `None`: all).
#[pyfunction]
#[pyo3(signature = (time, event, risk, tau = None))]
pub fn uno_c<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, f64>,
    event: PyReadonlyArray1<'py, bool>,
    risk: PyReadonlyArray1<'py, f64>,
    tau: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let (t, e, r) = (time.as_slice()?, event.as_slice()?, risk.as_slice()?);
    let c = py
        .detach(|| survival::uno_c(t, e, r, tau, None))
        .map_err(errors::input)?;
    crate::to_python(py, &c)
}

/// Harrell's C with a percentile bootstrap interval (`replicates` resamples of the
/// patients, seeded; level 0.95): dict `n`, `events`, `harrell_c`, `ci`,
/// `replicates_used`.
#[pyfunction]
#[pyo3(signature = (time, event, risk, replicates = 1000, seed = 20_240_601))]
pub fn survival_metrics<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, f64>,
    event: PyReadonlyArray1<'py, bool>,
    risk: PyReadonlyArray1<'py, f64>,
    replicates: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let (t, e, r) = (time.as_slice()?, event.as_slice()?, risk.as_slice()?);
    let config = bootstrap::BootstrapConfig {
        replicates,
        seed,
        ..Default::default()
    };
    let (c, ci) = py
        .detach(|| patient_twin::app::harrell_c_with_ci(t, e, r, &config))
        .map_err(errors::input)?;
    let d = PyDict::new(py);
    d.set_item("n", t.len())?;
    d.set_item("events", e.iter().filter(|&&x| x).count())?;
    d.set_item("harrell_c", c.c_index)?;
    d.set_item("ci", ci.percentile)?;
    d.set_item("level", ci.level)?;
    d.set_item("replicates_used", ci.replicates_used)?;
    Ok(d)
}
