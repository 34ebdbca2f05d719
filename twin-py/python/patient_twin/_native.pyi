"""Type stubs of the Rust extension module ``patient_twin._native``.

Times are in days unless a name says otherwise; arrays are numpy float64 unless
typed otherwise. Every error is a ``PatientTwinError``.
"""

from os import PathLike
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

_Path = str | PathLike[str]
_F64 = npt.NDArray[np.float64]
_Bool = npt.NDArray[np.bool_]

class PatientTwinError(Exception):
    """Base class of every patient-twin error."""

class InputError(PatientTwinError):
    """The input is unreadable or outside its allowed range (message names field, value, range)."""

class TwinError(PatientTwinError):
    """The twin could not calibrate or forecast this patient."""

class OutputError(PatientTwinError):
    """Writing or serialising a result failed."""

class Record:
    """One patient's de-identified record. Picklable."""

    @staticmethod
    def load(path: _Path, key: bytes | None = None) -> Record:
        """FHIR R4 bundle (pseudonymised with ``key``, >= 16 bytes; random if None) or record JSON.

        A record JSON's id that is not yet a pseudonym (``pt-`` + 16 hex digits) becomes
        its keyed pseudonym; a pseudonym is kept; its dates are taken as given."""
    @staticmethod
    def from_json(text: str, key: bytes | None = None) -> Record:
        """A validated record; its id pseudonymised as in ``load`` (random key if None)."""
    @staticmethod
    def read_csv(path: _Path, layout: str = "long", key: bytes | None = None) -> list[Record]:
        """Every patient of a long (``patient_id,time,code,value,unit``) or wide CSV, pseudonymised."""
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    @property
    def patient_id(self) -> str:
        """The pseudonymous patient id."""
    def series(self, code: str, unit: str | None = None) -> tuple[_F64, _F64]:
        """``(t_days, values)`` of LOINC ``code``, converted to UCUM ``unit`` if given."""
    def counts(self) -> dict[str, int]: ...

class TwinResult:
    """Calibration, forecasts with intervals, ranking, warnings, credibility. Picklable."""

    @staticmethod
    def from_json(text: str) -> TwinResult: ...
    def to_json(self, indent: bool = False) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    @property
    def disease(self) -> str: ...
    @property
    def patient_id(self) -> str: ...
    @property
    def time_unit(self) -> str: ...
    @property
    def ranking(self) -> list[str]:
        """Plan names, best first."""
    @property
    def explanation(self) -> str: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def plan_names(self) -> list[str]: ...
    def outcomes(self) -> list[dict[str, Any]]:
        """Rows ``plan, name, unit, central, lower, upper, level``."""
    def trajectory(self, plan: int | str) -> dict[str, Any] | None:
        """``t``, ``names``, ``central``/``lower``/``upper`` (times x quantities), ``level``.

        ``plan``: an index in ``0..len(plan_names)`` or a name; else ``InputError``."""
    def write_report(self, directory: _Path) -> tuple[Path, Path]:
        """Write ``result.json`` and ``report.html``; returns both paths (``InputError`` if malformed)."""

class Twin:
    """A twin calibrated to one patient. Pickles as its inputs; re-calibrates on load."""

    @staticmethod
    def calibrate(
        disease: str,
        record: Record,
        *,
        scans: Sequence[tuple[_Path, float]] | None = None,
        atlas: _Path | None = None,
        rt_start_day: float | None = None,
        seed: int = 1,
        draws: int | None = None,
        quick: bool = False,
    ) -> Twin:
        """``disease``: "glioma" (needs >= 2 scans), "breast", "af" or "t2d"."""
    @property
    def disease(self) -> str: ...
    @property
    def time_unit(self) -> str: ...
    @property
    def patient_id(self) -> str: ...
    def calibration(self) -> dict[str, Any]:
        """``parameters`` (estimate, lower, upper, unit), ``fit``, ``method``."""
    def fit_series(self) -> list[dict[str, Any]]:
        """``name``, ``unit`` and arrays ``t``, ``observed``, ``fitted`` per series."""
    def candidate_plans(self) -> list[Any]: ...
    def domain_warnings(self) -> list[str]: ...
    def what_if(self, plans: Sequence[int] | None = None) -> TwinResult:
        """Forecast the plans (indices into ``candidate_plans()``; None: all; [] is an
        ``InputError``) and rank them."""

def _restore_twin(
    disease: str,
    record_json: str,
    scans: Sequence[tuple[_Path, float]],
    atlas: _Path | None,
    rt_start_day: float | None,
    seed: int,
    draws: int | None,
    quick: bool,
) -> Twin: ...
def read_volume(path: _Path) -> tuple[_F64, dict[str, list[float]]]:
    """NIfTI scalar volume indexed [x, y, z] and its ``shape``, ``spacing_mm``, ``origin_mm``."""
def read_labels(path: _Path) -> tuple[npt.NDArray[np.uint16], dict[str, list[float]]]: ...
def binary_metrics(labels: _Bool, probs: _F64, level: float = 0.95) -> dict[str, Any]: ...
def harrell_c(time: _F64, event: _Bool, risk: _F64) -> dict[str, float]: ...
def uno_c(time: _F64, event: _Bool, risk: _F64, tau: float | None = None) -> dict[str, float]: ...
def survival_metrics(
    time: _F64, event: _Bool, risk: _F64, replicates: int = 1000, seed: int = 20240601
) -> dict[str, Any]: ...
def egfr_ckd_epi_2021(creatinine_mg_dl: _F64, age_years: _F64, female: _Bool) -> _F64: ...
def fisher_kpp_1d(
    diffusion_mm2_per_day: float,
    rho_per_day: float,
    length_mm: float,
    dx_mm: float,
    t_end_days: float,
    record_every_days: float,
    seed_mm: float,
) -> tuple[_F64, _F64, _F64]:
    """``(t_days, x_mm, u)`` with ``u`` of shape (times x cells), at most 10^7 values."""
def run_trial(spec_json: str) -> dict[str, Any]: ...
def breast_trial(spec_json: str) -> dict[str, Any]:
    """Arms with ``pfs`` (median, lo, hi months), response rates, and ``hr`` vs reported."""
def breast_forecast(profile_json: str, n_draws: int = 2000, seed: int = 7) -> dict[str, Any]:
    """``forecasts`` (best first) with median PFS, interval, ``p_response``; ``effective_sample_size``."""
def breast_neutropenia(
    regimen_json: str, cycles: float = 6.0, n_patients: int = 2000, seed: int = 1996
) -> dict[str, Any]:
    """``by_worst_grade`` (grades 0-4), ``below_2_share``, ``grade3plus_share``, ``grade4_share``."""
def trial_patients(spec_json: str, first: int, count: int) -> dict[str, Any]:
    """Columns ``patient``, ``arm``, covariates, outcomes, ``days_to_*`` and ``arm_names``."""
def predict_gbm(patient_dir: _Path, out_dir: _Path, rho_per_day: float = 0.05) -> dict[str, Any]:
    """Single-scan glioma twin on a PREDICT-GBM folder; writes ``<out_dir>/<id>.nii.gz``.

    Returns ``id``, ``density_path`` (pathlib.Path), ``density`` (numpy [x, y, z]) and ``fit``."""
def predict_gbm_score(patient_dir: _Path, density: _F64, recurrence_path: _Path) -> dict[str, Any]:
    """``enhancing`` and ``all`` coverage dicts (``standard``, ``model``, voxel counts)."""
def write_volume(
    path: _Path, data: _F64, spacing_mm: tuple[float, float, float] = (1.0, 1.0, 1.0),
    origin_mm: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> None: ...
def write_labels(
    path: _Path, labels: npt.NDArray[np.uint16], spacing_mm: tuple[float, float, float] = (1.0, 1.0, 1.0),
    origin_mm: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> None: ...
