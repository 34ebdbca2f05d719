"""In-silico trials and cohorts on a Dask cluster, one Parquet shard per task.

The cohort is cut into chunks of consecutive patient indices; each Dask task asks
the Rust core for its chunk (``trial_patients``: rayon across the chunk's
patients, GIL released) and writes ``part-<first>.parquet``. Patient ``i`` draws
its baseline, parameters and visit noise from its own counter-based streams of the
spec's seed (ChaCha8, stream ``i``), so the rows are identical for any number of
workers and any chunk size, and patients ``0 .. n_per_arm`` are exactly those of
``run_trial``.

Locally::

    from dask.distributed import Client, LocalCluster
    from patient_twin import distributed
    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
        manifest = distributed.run_trial(spec, "out/trial", client=client, chunk_size=20_000)
    table = distributed.read_table("out/trial")      # pyarrow.Table
    distributed.summarise(table, spec)               # per-arm endpoint fractions with CIs

On a cluster the same code runs with a ``Client`` of ``dask_jobqueue.SLURMCluster``
(or PBS/SGE), or of ``dask_kubernetes.operator.KubeCluster``; ``out_dir`` must then
be storage every worker can write (a shared file system, or an ``s3://`` /
``gs://`` URL through fsspec, which pyarrow understands).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import _native, _spec_json, columns_to_table

__all__ = ["Manifest", "chunks", "run_trial", "read_table", "summarise", "simulate_chunk"]

MANIFEST = "_manifest.json"


@dataclass
class Manifest:
    """What a run wrote: enough to check that two runs are the same study."""

    spec_sha256: str
    n_patients: int
    chunk_size: int
    arms: list[str]
    shards: list[str] = field(default_factory=list)
    rows: int = 0


def chunks(n_patients: int, chunk_size: int) -> list[tuple[int, int]]:
    """``(first, count)`` of consecutive patient ranges covering ``0 .. n_patients``."""
    if n_patients < 1 or chunk_size < 1:
        raise _native.InputError(
            f"n_patients = {n_patients}, chunk_size = {chunk_size}: allowed both >= 1"
        )
    return [(f, min(chunk_size, n_patients - f)) for f in range(0, n_patients, chunk_size)]


def simulate_chunk(spec_json: str, first: int, count: int, out_dir: str) -> tuple[str, int]:
    """One task: simulate patients ``first .. first + count`` and write their shard.

    Returns the shard's file name and its number of rows."""
    table = columns_to_table(_native.trial_patients(spec_json, first, count))
    name = f"part-{first:012d}.parquet"
    pq.write_table(table, os.path.join(out_dir, name), compression="zstd")
    return name, table.num_rows


def run_trial(
    spec: str | Mapping[str, Any],
    out_dir: str,
    *,
    client: Any = None,
    chunk_size: int = 10_000,
    n_patients: int | None = None,
) -> Manifest:
    """Simulate ``n_patients`` (default: the spec's ``n_per_arm``) in every arm as
    Dask tasks of ``chunk_size`` patients on ``client`` (``None``: in this process,
    chunk by chunk), writing one Parquet shard per task and ``_manifest.json``."""
    text = _spec_json(spec)
    parsed = json.loads(text)
    n = int(parsed["n_per_arm"] if n_patients is None else n_patients)
    ranges = chunks(n, chunk_size)
    os.makedirs(out_dir, exist_ok=True)
    if client is None:
        done = [simulate_chunk(text, f, c, out_dir) for f, c in ranges]
    else:
        futures = client.map(
            simulate_chunk,
            [text] * len(ranges),
            [f for f, _ in ranges],
            [c for _, c in ranges],
            [out_dir] * len(ranges),
            pure=False,
        )
        done = client.gather(futures)
    manifest = Manifest(
        spec_sha256=hashlib.sha256(text.encode()).hexdigest(),
        n_patients=n,
        chunk_size=chunk_size,
        arms=[a["name"] for a in parsed["arms"]],
        shards=[name for name, _ in done],
        rows=sum(rows for _, rows in done),
    )
    with open(os.path.join(out_dir, MANIFEST), "w", encoding="utf-8") as f:
        json.dump(asdict(manifest), f, indent=1)
    return manifest


def read_table(out_dir: str) -> pa.Table:
    """Every shard of a run as one table, sorted by arm then patient."""
    with open(os.path.join(out_dir, MANIFEST), encoding="utf-8") as f:
        manifest = json.load(f)
    parts = [pq.read_table(os.path.join(out_dir, s)) for s in manifest["shards"]]
    table = pa.concat_tables(parts, promote_options="none")
    order = np.lexsort(
        (table["patient"].to_numpy(), table["arm"].combine_chunks().indices.to_numpy())
    )
    return table.take(pa.array(order))


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927) score interval for ``k`` events in ``n``."""
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def summarise(table: pa.Table, spec: str | Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per arm: patients, the fractions with a clamped covariate or outside the
    calibration domain, mean end-of-follow-up HbA1c and weight change, and each
    endpoint's cumulative incidence at the spec's report years with Wilson 95 %
    intervals (the same definitions as ``run_trial``)."""
    parsed = json.loads(_spec_json(spec))
    arm_codes = table["arm"].combine_chunks().indices.to_numpy()
    names = table["arm"].combine_chunks().dictionary.to_pylist()
    endpoint_columns = [c for c in table.column_names if c.startswith("days_to_")]
    out = []
    for a, name in enumerate(names):
        rows = arm_codes == a
        n = int(rows.sum())
        if n == 0:
            continue
        entry: dict[str, Any] = {
            "arm": name,
            "n": n,
            # Applicability domain (as run_trial's warnings): patients with a covariate
            # set to the model's hard limits, and outside the calibration populations.
            "fraction_clamped": float(np.mean(table["covariates_clamped"].to_numpy()[rows] > 0)),
            "fraction_outside_domain": float(
                np.mean(table["covariates_outside_domain"].to_numpy()[rows] > 0)
            ),
            "mean_hba1c_end_percent": float(table["hba1c_end_percent"].to_numpy()[rows].mean()),
            "mean_weight_change_end_kg": float(
                table["weight_change_end_kg"].to_numpy()[rows].mean()
            ),
        }
        for column in endpoint_columns:
            days = table[column].to_numpy(zero_copy_only=False)[rows]  # null -> NaN
            for years in parsed.get("report_years", []):
                k = int(np.sum(days <= years * 365.25 + 1e-9))
                lo, hi = _wilson(k, n)
                entry[f"{column}_by_{years:g}y"] = k / n
                entry[f"{column}_by_{years:g}y_ci"] = (lo, hi)
        out.append(entry)
    return out

