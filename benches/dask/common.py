"""Shared set-up of the Dask benchmarks: the trial spec and a timed run."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from patient_twin import distributed

ROOT = Path(__file__).resolve().parents[2]


def spec(arms: int = 1) -> dict:
    """data/trials/default_trial.json (5 years, visits every 91 days) with its first `arms` arms."""
    s = json.loads((ROOT / "data" / "trials" / "default_trial.json").read_text())
    s["arms"] = s["arms"][:arms]
    return s


def timed_run(s: dict, n_patients: int, chunk_size: int, client) -> tuple[float, distributed.Manifest]:
    """Wall seconds of one run into a fresh temporary folder (removed afterwards)."""
    out = tempfile.mkdtemp(prefix="pt-bench-")
    try:
        t0 = time.perf_counter()
        m = distributed.run_trial(s, out, client=client, chunk_size=chunk_size, n_patients=n_patients)
        return time.perf_counter() - t0, m
    finally:
        shutil.rmtree(out, ignore_errors=True)
