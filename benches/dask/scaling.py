"""Scaling from 1 to 2 Dask workers (1 thread each) on the same cohort.

    python benches/dask/scaling.py [--patients N] [--chunk C]
"""

import argparse
import json

from dask.distributed import Client, LocalCluster

from common import spec, timed_run

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=5_000)
    args = ap.parse_args()
    s = spec(1)
    walls = {}
    for workers in (1, 2):
        # RAYON_NUM_THREADS=1 inside each worker: one core per worker, so the
        # comparison is of Dask's scaling, not of rayon's.
        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None,
                          env={"RAYON_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
            timed_run(s, 1_000, 1_000, client)
            walls[workers], m = timed_run(s, args.patients, args.chunk, client)
        print(workers, "worker(s):", round(walls[workers], 2), "s", flush=True)
    print(json.dumps({
        "bench": "dask_scaling", "patients": args.patients, "chunk": args.chunk,
        "wall_1_worker_s": round(walls[1], 2), "wall_2_workers_s": round(walls[2], 2),
        "speedup": round(walls[1] / walls[2], 2),
    }))
