"""patient-twin for Python: digital patient twins built in Rust.

Load a record, calibrate a twin of one of four diseases to it, forecast and rank
candidate plans with intervals, validate predictions, run in-silico trials::

    import patient_twin as pt
    record = pt.Record.load("data/synthetic/t2d_patient.json")
    twin = pt.Twin.calibrate("t2d", record, seed=1, quick=True)
    result = twin.what_if()
    result.ranking, result.outcomes(), result.trajectory(0)

Arrays go in and come out as numpy; cohort and trial tables as pyarrow Tables
(``table.to_pandas()``, ``polars.from_arrow(table)``). Errors are
``PatientTwinError`` subclasses (``InputError``, ``TwinError``, ``OutputError``)
with the Rust messages. Long computations release the GIL. Records, twins and
results pickle. ``patient_twin.distributed`` runs trials on Dask.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import numpy as np
import pyarrow as pa

from ._native import (
    InputError,
    OutputError,
    PatientTwinError,
    Record,
    Twin,
    TwinError,
    TwinResult,
    fisher_kpp_1d,
    harrell_c as _harrell_c,
    predict_gbm,
    predict_gbm_score as _predict_gbm_score,
    write_labels as _write_labels,
    write_volume as _write_volume,
    read_labels,
    read_volume,
    run_trial as _run_trial,
    breast_forecast as _breast_forecast,
    breast_neutropenia as _breast_neutropenia,
    breast_trial as _breast_trial,
    survival_metrics as _survival_metrics,
    trial_patients as _trial_patients,
    uno_c as _uno_c,
    binary_metrics as _binary_metrics,
    egfr_ckd_epi_2021 as _egfr,
)

__all__ = [
    "InputError",
    "OutputError",
    "PatientTwinError",
    "Record",
    "Twin",
    "TwinError",
    "TwinResult",
    "binary_metrics",
    "breast_forecast",
    "breast_neutropenia",
    "breast_trial",
    "egfr_ckd_epi_2021",
    "fisher_kpp_1d",
    "harrell_c",
    "predict_gbm",
    "predict_gbm_score",
    "read_labels",
    "read_volume",
    "run_trial",
    "survival_metrics",
    "trial_table",
    "uno_c",
    "write_labels",
    "write_volume",
]


def _floats(x: Any) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64)


def _flags(x: Any, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype != np.bool_:
        if not np.all(np.isin(a, (0, 1))):
            raise InputError(f"{name}: allowed booleans or 0/1, got values outside {{0, 1}}")
        a = a.astype(np.bool_)
    return np.ascontiguousarray(a)


def _spec_json(spec: str | Mapping[str, Any]) -> str:
    """A trial spec as JSON text: a dict, a JSON string, or a path to a JSON file."""
    if isinstance(spec, Mapping):
        return json.dumps(spec)
    text = str(spec)
    if text.lstrip().startswith("{"):
        return text
    with open(text, encoding="utf-8") as f:
        return f.read()


def binary_metrics(labels: Any, probs: Any, level: float = 0.95) -> dict[str, Any]:
    """AUC (DeLong interval at ``level``), Brier score, log-loss and calibration slope
    of predicted probabilities ``probs`` against outcomes ``labels`` (bool or 0/1)."""
    return _binary_metrics(_flags(labels, "labels"), _floats(probs), level)


def harrell_c(time: Any, event: Any, risk: Any) -> dict[str, Any]:
    """Harrell's C of ``risk`` (higher = shorter survival) with pair counts."""
    return _harrell_c(_floats(time), _flags(event, "event"), _floats(risk))


def uno_c(time: Any, event: Any, risk: Any, tau: float | None = None) -> dict[str, Any]:
    """Uno's IPCW C, events weighted only before ``tau`` (``time``'s unit)."""
    return _uno_c(_floats(time), _flags(event, "event"), _floats(risk), tau)


def survival_metrics(
    time: Any, event: Any, risk: Any, replicates: int = 1000, seed: int = 20_240_601
) -> dict[str, Any]:
    """Harrell's C with a seeded percentile-bootstrap 95 % interval."""
    return _survival_metrics(
        _floats(time), _flags(event, "event"), _floats(risk), replicates, seed
    )


def egfr_ckd_epi_2021(creatinine_mg_dl: Any, age_years: Any, female: Any) -> np.ndarray:
    """CKD-EPI 2021 creatinine eGFR (mL/min/1.73 m²) over arrays; NaN creatinine → NaN."""
    cr, age = np.broadcast_arrays(_floats(creatinine_mg_dl), _floats(age_years))
    sex = np.broadcast_to(_flags(female, "female"), cr.shape)
    return _egfr(_floats(cr), _floats(age), np.ascontiguousarray(sex))


def run_trial(spec: str | Mapping[str, Any]) -> dict[str, Any]:
    """Run an in-silico T2D trial (spec: dict, JSON text or path) → arm summaries."""
    return _run_trial(_spec_json(spec))


def breast_trial(spec: str | Mapping[str, Any]) -> dict[str, Any]:
    """Reproduce a metastatic breast trial (spec: dict, JSON text or path, e.g.
    ``data/trials/breast/cleopatra.json``) with the trial-fitted population."""
    return _breast_trial(_spec_json(spec))


def breast_forecast(
    profile: str | Mapping[str, Any], n_draws: int = 2000, seed: int = 7
) -> dict[str, Any]:
    """Forecast the standard candidate regimens for one patient (profile: dict, JSON
    text or path; ``biomarkers``, ``baseline_mm``, optional ``previous_line``)."""
    return _breast_forecast(_spec_json(profile), n_draws, seed)


def breast_neutropenia(
    regimen: str | Mapping[str, Any], cycles: float = 6.0, n_patients: int = 2000, seed: int = 1996
) -> dict[str, Any]:
    """Neutropenia rates of a seeded virtual population on one regimen (dict, JSON text
    or path: ``name``, ``drug``, ``dose_mg_per_m2``, ``cycle_days``, ``dose_days``,
    ``infusion_h``): ``by_worst_grade`` (grades 0-4) and the shares below 2.0, 1.0 and
    0.5 x 10^9/L (``below_2_share``, ``grade3plus_share``, ``grade4_share``)."""
    return _breast_neutropenia(_spec_json(regimen), cycles, n_patients, seed)


def trial_table(spec: str | Mapping[str, Any], first: int = 0, count: int | None = None) -> pa.Table:
    """Per-patient rows of patients ``first .. first + count`` (default: the spec's
    ``n_per_arm``) in every arm, as a pyarrow Table (``arm`` a dictionary column of
    the arm names). Identical rows for any split of the cohort into ranges."""
    text = _spec_json(spec)
    if count is None:
        count = int(json.loads(text)["n_per_arm"])
    columns = _trial_patients(text, first, count)
    return columns_to_table(columns)


def columns_to_table(columns: dict[str, Any]) -> pa.Table:
    """The native column dict (``trial_patients``) as a pyarrow Table; NaN values
    become null: endpoint columns ``days_to_*`` where the patient had no event,
    ``first_rescue_day`` where no rescue drug was added, ``fpg_baseline_mmol_l`` where
    the cohort has no fasting glucose."""
    columns = dict(columns)
    names = columns.pop("arm_names")
    arm = pa.DictionaryArray.from_arrays(
        pa.array(columns.pop("arm"), pa.int32()), pa.array(names, pa.string())
    )
    fields = {"patient": pa.array(columns.pop("patient"), pa.uint64()), "arm": arm}
    # NaN ("no event during follow-up", "not measured") becomes null, SQL's missing.
    fields.update({k: pa.array(v, pa.float64(), from_pandas=True) for k, v in columns.items()})
    return pa.table(fields)


def predict_gbm_score(patient_dir: Any, density: Any, recurrence_path: Any) -> dict[str, Any]:
    """PREDICT-GBM plan coverage of a recurrence by the standard 15 mm plan and by the
    plan of ``density`` (numpy on the patient's grid) of the same volume."""
    return _predict_gbm_score(str(patient_dir), _floats(density), str(recurrence_path))


def write_volume(
    path: Any, data: Any, spacing_mm: tuple = (1.0, 1.0, 1.0), origin_mm: tuple = (0.0, 0.0, 0.0)
) -> None:
    """Write a float volume indexed [x, y, z] as NIfTI-1 (float32)."""
    _write_volume(str(path), _floats(data), tuple(spacing_mm), tuple(origin_mm))


def write_labels(
    path: Any, labels: Any, spacing_mm: tuple = (1.0, 1.0, 1.0), origin_mm: tuple = (0.0, 0.0, 0.0)
) -> None:
    """Write an integer label map indexed [x, y, z] as NIfTI-1."""
    a = np.asarray(labels)
    if a.size and (a.min() < 0 or a.max() > 65535 or not np.all(a == np.round(a))):
        raise InputError("labels: allowed integers 0 to 65535")
    _write_labels(str(path), np.ascontiguousarray(a, dtype=np.uint16), tuple(spacing_mm), tuple(origin_mm))
