//! `TwinResult`: the one result schema of every twin (`patient-twin/twin-result/v1`)
//! with its forecasts as numpy arrays.

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray1, PyArray2};
use patient_twin::core::twin::TwinResult as CoreResult;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors;

/// Calibration, forecasts of each plan with intervals, the ranking with its
/// explanation, applicability-domain warnings and credibility evidence.
/// Picklable (as its JSON).
#[pyclass(module = "patient_twin._native", frozen)]
pub struct TwinResult {
    pub(crate) inner: CoreResult<serde_json::Value>,
}

/// Rows of equal length as a 2-D array (rows × columns).
fn matrix<'py>(py: Python<'py>, rows: &[Vec<f64>]) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let columns = rows.first().map_or(0, Vec::len);
    if rows.iter().any(|r| r.len() != columns) {
        return Err(errors::output("forecast rows of unequal length"));
    }
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let a = ndarray::Array2::from_shape_vec((rows.len(), columns), flat).map_err(errors::output)?;
    Ok(a.into_pyarray(py))
}

impl TwinResult {
    fn plan_index(&self, plan: &Bound<'_, PyAny>) -> PyResult<usize> {
        let n = self.inner.forecasts.len();
        // Signed, so that a negative index is an InputError rather than a TypeError.
        if let Ok(i) = plan.extract::<i64>() {
            return usize::try_from(i)
                .ok()
                .filter(|&i| i < n)
                .ok_or_else(|| errors::input(format!("plan index {i}: allowed 0..{n}")));
        }
        let name: String = plan.extract()?;
        self.inner
            .forecasts
            .iter()
            .position(|f| f.plan_name == name)
            .ok_or_else(|| errors::input(format!("plan {name:?}: not among the forecast plans")))
    }
}

#[pymethods]
impl TwinResult {
    /// A result from its JSON (`to_json`).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let inner = serde_json::from_str(text).map_err(errors::input)?;
        Ok(Self { inner })
    }

    /// The result as JSON (schema `patient-twin/twin-result/v1`).
    #[pyo3(signature = (indent = false))]
    fn to_json(&self, indent: bool) -> PyResult<String> {
        if indent {
            serde_json::to_string_pretty(&self.inner)
        } else {
            serde_json::to_string(&self.inner)
        }
        .map_err(errors::output)
    }

    /// The result as a dict (the JSON's structure).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::to_python(py, &self.inner)
    }

    /// `"glioma"`, `"breast"`, `"af"` or `"t2d"`.
    #[getter]
    fn disease(&self) -> String {
        self.inner.disease.clone()
    }

    /// The pseudonymous patient id.
    #[getter]
    fn patient_id(&self) -> String {
        self.inner.patient.as_str().to_string()
    }

    /// Unit of the forecast times (`"d"`).
    #[getter]
    fn time_unit(&self) -> String {
        self.inner.time_unit.clone()
    }

    /// Plan names, best first.
    #[getter]
    fn ranking(&self) -> Vec<String> {
        self.inner
            .ranking
            .plans
            .iter()
            .map(|p| p.plan_name.clone())
            .collect()
    }

    /// Why the first plan is first (objective, limits, whether intervals overlap).
    #[getter]
    fn explanation(&self) -> String {
        self.inner.ranking.explanation.clone()
    }

    /// Applicability-domain and calibration warnings.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings.clone()
    }

    /// Names of the forecast plans, in forecast order.
    #[getter]
    fn plan_names(&self) -> Vec<String> {
        self.inner
            .forecasts
            .iter()
            .map(|f| f.plan_name.clone())
            .collect()
    }

    /// Every plan's outcomes: a list of dicts `plan`, `name`, `unit`, `central`,
    /// `lower`, `upper`, `level` (a tidy table: `pandas.DataFrame(result.outcomes())`).
    fn outcomes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for f in &self.inner.forecasts {
            for o in &f.outcomes {
                let d = PyDict::new(py);
                d.set_item("plan", &f.plan_name)?;
                d.set_item("name", &o.name)?;
                d.set_item("unit", &o.unit)?;
                d.set_item("central", o.central)?;
                d.set_item("lower", o.lower)?;
                d.set_item("upper", o.upper)?;
                d.set_item("level", o.level)?;
                list.append(d)?;
            }
        }
        Ok(list)
    }

    /// A plan's forecast trajectory (by index or name), or `None` if the twin gives
    /// outcomes only for it: dict with `t` (time_unit), `names` (with units),
    /// `central`, `lower`, `upper` (2-D: times × quantities) and `level`.
    fn trajectory<'py>(
        &self,
        py: Python<'py>,
        plan: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let i = self.plan_index(plan)?;
        let Some(f) = &self.inner.forecasts[i].trajectory else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("t", PyArray1::from_slice(py, &f.t))?;
        d.set_item("names", f.names.clone())?;
        d.set_item("central", matrix(py, &f.central)?)?;
        d.set_item("lower", matrix(py, &f.lower)?)?;
        d.set_item("upper", matrix(py, &f.upper)?)?;
        d.set_item("level", f.level)?;
        Ok(Some(d))
    }

    /// Write `result.json` and the self-contained HTML patient page `report.html`
    /// into `directory`; returns both paths (`pathlib.Path`). A malformed result
    /// (trajectory rows not matching its times or names) is an `InputError`.
    fn write_report(&self, py: Python<'_>, directory: PathBuf) -> PyResult<(PathBuf, PathBuf)> {
        py.detach(|| patient_twin::app::write_report(&self.inner, &directory))
            .map_err(errors::app)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let from_json = py.get_type::<TwinResult>().getattr("from_json")?;
        PyTuple::new(
            py,
            [
                from_json,
                PyTuple::new(py, [self.to_json(false)?])?.into_any(),
            ],
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "TwinResult(disease={:?}, plans={}, first={:?})",
            self.inner.disease,
            self.inner.forecasts.len(),
            self.ranking().first().cloned().unwrap_or_default()
        )
    }
}
