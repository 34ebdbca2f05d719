//! `Twin`: any of the four disease twins through the one interface
//! (`patient_twin::core::twin::DigitalTwin`): calibrate to a record (and scans for
//! glioma), then forecast and rank plans.

use std::path::PathBuf;

use numpy::IntoPyArray;
use patient_twin::app;
use patient_twin::cardiac::AfTwin;
use patient_twin::core::twin::{CalibrateOptions, DigitalTwin};
use patient_twin::metabolic::T2dTwin;
use patient_twin::oncology::breast::BreastTwin;
use patient_twin::oncology::glioma::GliomaTwin;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors;
use crate::record::Record;
use crate::result::TwinResult;

/// A calibrated twin of one of the four diseases.
enum Fitted {
    Glioma(Box<GliomaTwin>),
    Breast(Box<BreastTwin>),
    Af(Box<AfTwin>),
    T2d(Box<T2dTwin>),
}

/// Run `$body` with `$t` bound to the calibrated twin, whatever its disease.
macro_rules! with_twin {
    ($fitted:expr, $t:ident => $body:expr) => {
        match $fitted {
            Fitted::Glioma($t) => $body,
            Fitted::Breast($t) => $body,
            Fitted::Af($t) => $body,
            Fitted::T2d($t) => $body,
        }
    };
}

/// What a twin was calibrated from: enough to calibrate it again, identically
/// (calibration is deterministic given the seed), which is how it pickles.
#[derive(Clone)]
struct Recipe {
    disease: String,
    record_json: String,
    scans: Vec<(PathBuf, f64)>,
    atlas: Option<PathBuf>,
    rt_start_day: Option<f64>,
    options: CalibrateOptions,
}

/// A digital twin calibrated to one patient: `Twin.calibrate("t2d", record)`.
///
/// `disease` is `"glioma"` (needs ≥ 2 `scans`: NIfTI label maps 0/1/2 in MNI152
/// space with their days), `"breast"`, `"af"` or `"t2d"`. Times are in the twin's
/// `time_unit` (days for all four). Pickles as its inputs and options and
/// re-calibrates on load (the same numbers: calibration is seeded).
#[pyclass(module = "patient_twin._native", frozen)]
pub struct Twin {
    fitted: Fitted,
    recipe: Recipe,
}

fn options(seed: u64, draws: Option<usize>, quick: bool) -> CalibrateOptions {
    CalibrateOptions { seed, draws, quick }
}

fn fit(recipe: &Recipe, record: patient_twin::io::record::PatientRecord) -> PyResult<Fitted> {
    let o = &recipe.options;
    if recipe.disease != "glioma" && !recipe.scans.is_empty() {
        return Err(errors::input("scans are only used by the glioma twin"));
    }
    Ok(match recipe.disease.as_str() {
        "glioma" => {
            let input = app::glioma_input(
                record,
                &recipe.scans,
                recipe.atlas.as_deref(),
                recipe.rt_start_day,
            )
            .map_err(errors::app)?;
            Fitted::Glioma(Box::new(
                GliomaTwin::calibrate(&input, o).map_err(errors::twin)?,
            ))
        }
        "breast" => Fitted::Breast(Box::new(
            BreastTwin::calibrate(&record, o).map_err(errors::twin)?,
        )),
        "af" => Fitted::Af(Box::new(
            AfTwin::calibrate(&record, o).map_err(errors::twin)?,
        )),
        "t2d" => Fitted::T2d(Box::new(
            T2dTwin::calibrate(&record, o).map_err(errors::twin)?,
        )),
        other => {
            return Err(errors::input(format!(
                "disease = {other:?}: allowed \"glioma\", \"breast\", \"af\" or \"t2d\""
            )));
        }
    })
}

fn calibrate_recipe(
    py: Python<'_>,
    recipe: Recipe,
    record: patient_twin::io::record::PatientRecord,
) -> PyResult<Twin> {
    let fitted = py.detach(|| fit(&recipe, record))?;
    Ok(Twin { fitted, recipe })
}

#[pymethods]
impl Twin {
    /// Calibrate `disease`'s twin to `record` (GIL released while it runs).
    ///
    /// `seed` fixes every random choice (results identical for any thread count),
    /// `draws` the posterior draws per forecast (`None`: the twin's default),
    /// `quick` a seconds-scale preview with wider intervals. Glioma: `scans` is a
    /// list of `(path, day)`, `atlas` the MNI152 folder (default `data/mni152`),
    /// `rt_start_day` the first radiotherapy fraction on the record's clock.
    #[staticmethod]
    #[pyo3(signature = (disease, record, *, scans = None, atlas = None, rt_start_day = None, seed = 1, draws = None, quick = false))]
    #[allow(clippy::too_many_arguments)]
    fn calibrate(
        py: Python<'_>,
        disease: &str,
        record: &Record,
        scans: Option<Vec<(PathBuf, f64)>>,
        atlas: Option<PathBuf>,
        rt_start_day: Option<f64>,
        seed: u64,
        draws: Option<usize>,
        quick: bool,
    ) -> PyResult<Self> {
        let recipe = Recipe {
            disease: disease.to_string(),
            record_json: record.inner.to_json().map_err(errors::output)?,
            scans: scans.unwrap_or_default(),
            atlas,
            rt_start_day,
            options: options(seed, draws, quick),
        };
        calibrate_recipe(py, recipe, record.inner.clone())
    }

    /// `"glioma"`, `"breast"`, `"af"` or `"t2d"`.
    #[getter]
    fn disease(&self) -> &'static str {
        with_twin!(&self.fitted, t => twin_disease(&**t))
    }

    /// Unit of every time of this twin (`"d"`: days).
    #[getter]
    fn time_unit(&self) -> &'static str {
        with_twin!(&self.fitted, t => twin_time_unit(&**t))
    }

    /// The pseudonymous patient id.
    #[getter]
    fn patient_id(&self) -> String {
        with_twin!(&self.fitted, t => t.patient().as_str().to_string())
    }

    /// Parameter estimates with intervals, the data against the fit and the method,
    /// as a dict (`parameters`, `fit`, `method`).
    fn calibration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = with_twin!(&self.fitted, t => t.calibration());
        crate::to_python(py, &c)
    }

    /// The data against the fit: one dict per series with `name`, `unit` and numpy
    /// arrays `t`, `observed`, `fitted`.
    fn fit_series<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let c = with_twin!(&self.fitted, t => t.calibration());
        let list = PyList::empty(py);
        for s in c.fit {
            let d = PyDict::new(py);
            d.set_item("name", s.name)?;
            d.set_item("unit", s.unit)?;
            d.set_item("t", s.t.into_pyarray(py))?;
            d.set_item("observed", s.observed.into_pyarray(py))?;
            d.set_item("fitted", s.fitted.into_pyarray(py))?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The twin's candidate plans (dicts, in the order `what_if(plans=[…])` indexes).
    fn candidate_plans<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        with_twin!(&self.fitted, t => crate::to_python(py, &t.candidate_plans()))
    }

    /// Why this patient lies outside the data the model was built on (empty: inside).
    fn domain_warnings(&self) -> Vec<String> {
        with_twin!(&self.fitted, t => t.domain_warnings())
    }

    /// Forecast candidate plans (`plans`: indices into `candidate_plans()`; `None`:
    /// all; an empty list is an error) and rank them under the twin's objective. GIL
    /// released while it runs.
    #[pyo3(signature = (plans = None))]
    fn what_if(&self, py: Python<'_>, plans: Option<Vec<usize>>) -> PyResult<TwinResult> {
        // The core reads no plans as all candidates: an empty choice must not become that.
        if plans.as_ref().is_some_and(Vec::is_empty) {
            return Err(errors::input(
                "plans = []: allowed at least one index into candidate_plans() (None: all)",
            ));
        }
        let o = self.recipe.options;
        let inner = py.detach(|| {
            with_twin!(&self.fitted, t => {
                let all = t.candidate_plans();
                let chosen = match &plans {
                    None => all,
                    Some(idx) => idx
                        .iter()
                        .map(|&i| {
                            all.get(i).cloned().ok_or_else(|| {
                                errors::input(format!(
                                    "plans index {i}: allowed 0..{} (candidate_plans())",
                                    all.len()
                                ))
                            })
                        })
                        .collect::<PyResult<Vec<_>>>()?,
                };
                let r = t.what_if(&chosen, &o).map_err(errors::twin)?;
                app::erase(r).map_err(errors::app)
            })
        })?;
        Ok(TwinResult { inner })
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let r = &self.recipe;
        let restore = py
            .import("patient_twin._native")?
            .getattr("_restore_twin")?;
        let scans: Vec<(String, f64)> = r
            .scans
            .iter()
            .map(|(p, d)| (p.to_string_lossy().into_owned(), *d))
            .collect();
        let args = (
            r.disease.clone(),
            r.record_json.clone(),
            scans,
            r.atlas.as_ref().map(|p| p.to_string_lossy().into_owned()),
            r.rt_start_day,
            r.options.seed,
            r.options.draws,
            r.options.quick,
        )
            .into_pyobject(py)?;
        PyTuple::new(py, [restore, args.into_any()])
    }

    fn __repr__(&self) -> String {
        format!(
            "Twin(disease={:?}, patient_id={:?}, seed={}, quick={})",
            self.recipe.disease,
            self.patient_id(),
            self.recipe.options.seed,
            self.recipe.options.quick
        )
    }
}

fn twin_disease<T: DigitalTwin>(_: &T) -> &'static str {
    T::DISEASE
}

fn twin_time_unit<T: DigitalTwin>(_: &T) -> &'static str {
    T::TIME_UNIT
}

/// Unpickle a `Twin`: calibrate again from the same inputs and options.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn _restore_twin(
    py: Python<'_>,
    disease: String,
    record_json: String,
    scans: Vec<(PathBuf, f64)>,
    atlas: Option<PathBuf>,
    rt_start_day: Option<f64>,
    seed: u64,
    draws: Option<usize>,
    quick: bool,
) -> PyResult<Twin> {
    let record =
        patient_twin::io::record::PatientRecord::from_json(&record_json).map_err(errors::input)?;
    let recipe = Recipe {
        disease,
        record_json,
        scans,
        atlas,
        rt_start_day,
        options: options(seed, draws, quick),
    };
    calibrate_recipe(py, recipe, record)
}
