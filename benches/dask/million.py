"""10^6 virtual T2D patients x 5 years, end to end on this machine: sample, simulate
(weekly steps, visits every 91 days), endpoints, Parquet shards, read back and
summarise.

    python benches/dask/million.py [--patients N] [--chunk C] [--workers W] [--arms A]
"""

import argparse
import json
import shutil
import tempfile
import time

from dask.distributed import Client, LocalCluster

from common import spec
from patient_twin import distributed

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=25_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--arms", type=int, default=1)
    args = ap.parse_args()
    s = spec(args.arms)
    out = tempfile.mkdtemp(prefix="pt-million-")
    try:
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None,
                          env={"RAYON_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
            t0 = time.perf_counter()
            m = distributed.run_trial(s, out, client=client, chunk_size=args.chunk, n_patients=args.patients)
            t_sim = time.perf_counter() - t0
        t1 = time.perf_counter()
        table = distributed.read_table(out)
        summary = distributed.summarise(table, s)
        t_read = time.perf_counter() - t1
        size_mb = sum((p.stat().st_size for p in __import__("pathlib").Path(out).glob("*.parquet"))) / 1e6
        print(json.dumps({
            "bench": "t2d_million", "patients": args.patients, "arms": args.arms, "years": s["years"],
            "workers": args.workers, "chunk": args.chunk, "tasks": len(m.shards), "rows": m.rows,
            "simulate_and_write_s": round(t_sim, 1), "read_and_summarise_s": round(t_read, 1),
            "patient_years_per_s": round(args.patients * args.arms * s["years"] / t_sim),
            "parquet_mb": round(size_mb, 1),
            "mean_hba1c_end_percent": [round(a["mean_hba1c_end_percent"], 3) for a in summary],
        }))
    finally:
        shutil.rmtree(out, ignore_errors=True)
