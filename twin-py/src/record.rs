//! Patient records and images: `Record` (load a FHIR R4 bundle or record JSON, read
//! a CSV of many patients; pseudonymised on import), `read_volume` and `read_labels`
//! (NIfTI to numpy, the voxel array handed over without a copy).

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray1, PyArray3};
use patient_twin::io::nifti_io;
use patient_twin::io::record::PatientRecord;
use patient_twin::io::table;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::errors;

/// One patient's de-identified record (labs with LOINC codes and UCUM units,
/// conditions, medications, biomarkers, imaging references).
///
/// Build with `Record.load(path)` (FHIR bundle or record JSON), `Record.from_json`
/// or `Record.read_csv`. Picklable (as its JSON).
#[pyclass(module = "patient_twin._native", frozen)]
#[derive(Clone)]
pub struct Record {
    pub(crate) inner: PatientRecord,
}

/// `(t_days, values)` numpy arrays.
type TimeSeries<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

#[pymethods]
impl Record {
    /// Read a FHIR R4 bundle (one Patient; identifiers dropped, id pseudonymised and
    /// dates shifted with `key`, ≥ 16 bytes, or a random per-call key) or a `twin_io`
    /// record JSON (validated; as in `from_json`, its id becomes the keyed pseudonym
    /// unless it already is a pseudonym, and its dates are taken as given).
    #[staticmethod]
    #[pyo3(signature = (path, key = None))]
    fn load(path: PathBuf, key: Option<Vec<u8>>) -> PyResult<Self> {
        let inner = patient_twin::app::load_record(&path, key.as_deref()).map_err(errors::app)?;
        Ok(Self { inner })
    }

    /// A record from its JSON (`Record.to_json`), validated. An id that is not yet a
    /// pseudonym (`pt-` + 16 hex digits) is replaced by its pseudonym made with `key`
    /// (≥ 16 bytes; random per call if `None`); a pseudonym is kept. Dates and the
    /// other fields are taken as given.
    #[staticmethod]
    #[pyo3(signature = (text, key = None))]
    fn from_json(text: &str, key: Option<Vec<u8>>) -> PyResult<Self> {
        let inner =
            patient_twin::app::record_from_json(text, key.as_deref()).map_err(errors::app)?;
        Ok(Self { inner })
    }

    /// Every patient of a CSV file: `layout="long"` (one row per observation:
    /// `patient_id,time,code,value,unit`, time in days since the index date) or
    /// `"wide"` (`patient_id,time,<code>|<unit>,…`, one row per patient and time). Source
    /// ids are replaced by pseudonyms made with `key` (random per call if `None`).
    /// GIL released while it reads.
    #[staticmethod]
    #[pyo3(signature = (path, layout = "long", key = None))]
    fn read_csv(
        py: Python<'_>,
        path: PathBuf,
        layout: &str,
        key: Option<Vec<u8>>,
    ) -> PyResult<Vec<Record>> {
        type Reader = fn(std::fs::File) -> patient_twin::io::Result<Vec<PatientRecord>>;
        let read: Reader = match layout {
            "long" => table::read_long,
            "wide" => table::read_wide,
            other => {
                return Err(errors::input(format!(
                    "layout = {other:?}: allowed \"long\" or \"wide\""
                )));
            }
        };
        let records = py.detach(|| -> PyResult<Vec<PatientRecord>> {
            let file = std::fs::File::open(&path)
                .map_err(|e| errors::input(format!("cannot read the CSV file: {e}")))?;
            let mut records = read(file).map_err(errors::input)?;
            let pseudo = patient_twin::app::pseudonymiser(key.as_deref()).map_err(errors::app)?;
            for r in &mut records {
                pseudo.apply(r).map_err(errors::input)?;
            }
            Ok(records)
        })?;
        Ok(records.into_iter().map(|inner| Record { inner }).collect())
    }

    /// The record as JSON (pseudonymous id only).
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(errors::output)
    }

    /// The record as a dict (the JSON's structure).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::to_python(py, &self.inner)
    }

    /// The pseudonymous patient id.
    #[getter]
    fn patient_id(&self) -> String {
        self.inner.patient_id.clone()
    }

    /// Observations of LOINC `code` as `(t_days, values)` numpy arrays in time
    /// order; with `unit` (UCUM) every value is converted to it (an error names a
    /// unit that cannot be converted), without it the values are as recorded.
    #[pyo3(signature = (code, unit = None))]
    fn series<'py>(
        &self,
        py: Python<'py>,
        code: &str,
        unit: Option<&str>,
    ) -> PyResult<TimeSeries<'py>> {
        let pairs: Vec<(f64, f64)> = match unit {
            Some(u) => self.inner.series_in(code, u).map_err(errors::input)?,
            None => self
                .inner
                .series(code)
                .into_iter()
                .map(|(t, v, _)| (t, v))
                .collect(),
        };
        let (t, v): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        Ok((t.into_pyarray(py), v.into_pyarray(py)))
    }

    /// How many entries each list of the record holds.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::to_python(py, &self.inner.counts())
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let from_json = py.get_type::<Record>().getattr("from_json")?;
        PyTuple::new(
            py,
            [from_json, PyTuple::new(py, [self.to_json()?])?.into_any()],
        )
    }

    fn __repr__(&self) -> String {
        let c = self.inner.counts();
        format!(
            "Record(patient_id={:?}, observations={}, conditions={}, medications={})",
            self.inner.patient_id, c.observations, c.conditions, c.medications
        )
    }
}

fn geometry<'py>(
    py: Python<'py>,
    grid: &patient_twin::core::pde::Grid,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("shape", grid.shape.to_vec())?;
    d.set_item("spacing_mm", grid.spacing_mm.to_vec())?;
    d.set_item("origin_mm", grid.origin_mm.to_vec())?;
    Ok(d)
}

/// A scalar NIfTI volume (`.nii` / `.nii.gz`) as `(data, geometry)`: `data` a
/// float64 array indexed `[x, y, z]` (handed over without a copy), `geometry` a dict
/// of `shape`, `spacing_mm` and `origin_mm` (world mm of voxel 0).
#[pyfunction]
pub fn read_volume<'py>(
    py: Python<'py>,
    path: PathBuf,
) -> PyResult<(Bound<'py, PyArray3<f64>>, Bound<'py, PyDict>)> {
    let v = py
        .detach(|| nifti_io::read_volume(&path))
        .map_err(errors::input)?;
    let g = geometry(py, &v.grid)?;
    Ok((v.data.into_pyarray(py), g))
}

/// A NIfTI label map (segmentation) as `(labels, geometry)`: `labels` a uint16
/// array indexed `[x, y, z]` (no copy), `geometry` as in `read_volume`.
#[pyfunction]
pub fn read_labels<'py>(
    py: Python<'py>,
    path: PathBuf,
) -> PyResult<(Bound<'py, PyArray3<u16>>, Bound<'py, PyDict>)> {
    let m = py
        .detach(|| nifti_io::read_labels(&path))
        .map_err(errors::input)?;
    let g = geometry(py, &m.grid)?;
    Ok((m.labels.into_pyarray(py), g))
}
