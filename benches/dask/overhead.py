"""Per-task scheduler overhead against patients per chunk.

The same 20,000 patients (one arm, 5 years) run on a LocalCluster of 1 worker
(1 thread) with chunk sizes from 10 to 20,000 patients. The in-process run (no
Dask) of the same chunks is the work without the scheduler, so
overhead per task = (wall with Dask - wall in process) / tasks.

    python benches/dask/overhead.py [--patients N]
"""

import argparse
import json

from dask.distributed import Client, LocalCluster

from common import spec, timed_run

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=20_000)
    args = ap.parse_args()
    s = spec(1)
    rows = []
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        timed_run(s, 1_000, 1_000, client)  # warm the worker (import, first call)
        for chunk in [10, 100, 1_000, 5_000, 20_000]:
            local, _ = timed_run(s, args.patients, chunk, None)
            dask, m = timed_run(s, args.patients, chunk, client)
            tasks = len(m.shards)
            rows.append({
                "patients_per_chunk": chunk, "tasks": tasks,
                "wall_in_process_s": round(local, 3), "wall_dask_s": round(dask, 3),
                "overhead_per_task_ms": round(1e3 * (dask - local) / tasks, 2),
                "patients_per_s_dask": round(args.patients / dask),
            })
            print(rows[-1], flush=True)
    print(json.dumps({"bench": "dask_overhead", "patients": args.patients, "rows": rows}))
