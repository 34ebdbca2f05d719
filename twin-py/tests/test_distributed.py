"""The Dask runner: identical Parquet content for any number of workers and any
chunk size, shards readable by pyarrow (and DuckDB/polars when installed), and a
summary equal to run_trial's on the same patients."""

import json
import os

import pytest

import patient_twin as pt
from patient_twin import distributed

distributed_dask = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def spec(data):
    with open(data / "trials" / "default_trial.json", encoding="utf-8") as f:
        s = json.load(f)
    s["n_per_arm"] = 300
    return s


@pytest.fixture(scope="module")
def cluster():
    with distributed_dask.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield c


def run(spec, out, client, chunk_size):
    return distributed.run_trial(spec, str(out), client=client, chunk_size=chunk_size)


def shard_bytes(out, manifest):
    return [open(os.path.join(out, s), "rb").read() for s in manifest.shards]


def test_workers_and_chunk_sizes_give_identical_parquet(spec, cluster, tmp_path):
    with distributed_dask.Client(cluster) as client:
        two = run(spec, tmp_path / "two", client, 64)
    # A separate one-worker cluster: scaling the shared one down races with its
    # teardown (distributed's worker-status watcher raises KeyError on close).
    with distributed_dask.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as single, distributed_dask.Client(single) as client:
        one = run(spec, tmp_path / "one", client, 64)
        other_chunks = run(spec, tmp_path / "chunks", client, 113)
    in_process = run(spec, tmp_path / "local", None, 300)
    # Same chunking: byte-identical shards, whichever worker wrote them.
    assert shard_bytes(tmp_path / "two", two) == shard_bytes(tmp_path / "one", one)
    assert len(two.shards) == 5 and len(other_chunks.shards) == 3
    tables = [distributed.read_table(str(tmp_path / d)) for d in ("two", "one", "chunks", "local")]
    assert tables[0].num_rows == 300 * len(spec["arms"])
    for t in tables[1:]:
        assert t.equals(tables[0])
    assert two.rows == other_chunks.rows == in_process.rows


def test_summary_equals_run_trial_on_the_same_patients(spec, tmp_path):
    distributed.run_trial(spec, str(tmp_path), chunk_size=97)
    summary = distributed.summarise(distributed.read_table(str(tmp_path)), spec)
    trial = pt.run_trial(spec)
    for mine, arm in zip(summary, trial["arms"]):
        assert mine["arm"] == arm["name"] and mine["n"] == 300
        assert mine["mean_hba1c_end_percent"] == pytest.approx(
            arm["mean_hba1c_percent"][-1], rel=1e-12
        )
        for e, ep in enumerate(arm["endpoints"]):
            for at in ep["at_report_years"]:
                keys = [k for k in mine if k.endswith(f"_by_{at['years']:g}y")]
                assert mine[keys[e]] == at["fraction"]
                lo, hi = mine[keys[e] + "_ci"]
                assert lo == pytest.approx(at["lo"], abs=1e-12)
                assert hi == pytest.approx(at["hi"], abs=1e-12)


def test_shards_are_readable_by_other_engines(spec, tmp_path):
    import pyarrow.parquet as pq

    manifest = distributed.run_trial(spec, str(tmp_path), chunk_size=150)
    first = pq.read_table(tmp_path / manifest.shards[0])
    assert first.column_names[:2] == ["patient", "arm"] and first.num_rows == 150 * 5
    assert first["arm"].combine_chunks().dictionary.to_pylist() == manifest.arms
    duckdb = pytest.importorskip("duckdb")
    n = duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/part-*.parquet')").fetchall()[0][0]
    assert n == 300 * 5
    polars = pytest.importorskip("polars")
    df = polars.read_parquet(str(tmp_path / "part-*.parquet"))
    assert df.height == 300 * 5


def test_bad_chunking_is_an_input_error(spec, tmp_path):
    with pytest.raises(pt.InputError, match="chunk_size = 0"):
        distributed.run_trial(spec, str(tmp_path), chunk_size=0)


def test_a_youth_cohort_is_flagged_in_the_summary_and_in_run_trial(spec, tmp_path):
    # Issue 23: ages 10-17 are set to the model's limit 18 and reported, never silently.
    youth = json.loads(json.dumps(spec))
    youth["n_per_arm"] = 40
    youth["cohort"]["age_years"] = {"TruncatedNormal": {"mean": 14, "sd": 2, "lower": 10, "upper": 17}}
    distributed.run_trial(youth, str(tmp_path), chunk_size=17)
    summary = distributed.summarise(distributed.read_table(str(tmp_path)), youth)
    assert all(arm["fraction_clamped"] == 1.0 for arm in summary)
    assert all(arm["fraction_outside_domain"] == 1.0 for arm in summary)
    warnings = pt.run_trial(youth)["warnings"]
    assert any(w.startswith("age_years: 40 of 40 sampled values") for w in warnings), warnings
