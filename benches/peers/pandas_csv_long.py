"""Peer for twin-io/benches/csv_long.rs: read the same 1,000,000-row long CSV
(10,000 patients x 100 rows, generated in memory with the same formula) with pandas
and group it by patient. Prints rows/s. Not run in CI.

    benches/peers/.venv/bin/python benches/peers/pandas_csv_long.py
"""
import io
import json
import time

import pandas as pd

CODES = [("4548-4", "%"), ("1558-6", "mg/dL"), ("2160-0", "mg/dL"), ("98979-8", "mL/min/{1.73_m2}"),
         ("29463-7", "kg"), ("8480-6", "mm[Hg]"), ("8462-4", "mm[Hg]"), ("9318-7", "mg/g")]
P, R = 10_000, 100


def make():
    out = ["patient_id,time,code,value,unit"]
    for p in range(P):
        for r in range(R):
            code, unit = CODES[r % len(CODES)]
            t = (r // len(CODES)) * 91.25
            v = 5.0 + ((p * 31 + r * 17) % 1000) / 37.0
            # Rust's `{t}` prints 0 for 0.0 and 91.25 as is; the parser sees the same numbers.
            out.append(f"pt-{p:05},{t:g},{code},{v:.4f},{unit}")
    return "\n".join(out) + "\n"


def read(text):
    df = pd.read_csv(io.StringIO(text), dtype={"patient_id": str, "code": str, "unit": str})
    groups = {k: g for k, g in df.groupby("patient_id", sort=False)}
    assert len(groups) == P and len(df) == P * R
    return groups


def parse_only(text):
    return pd.read_csv(io.StringIO(text), dtype={"patient_id": str, "code": str, "unit": str})


text = make()
result = {"peer": f"pandas {pd.__version__}", "rows": P * R}
for name, f in [("read_csv_groupby", read), ("read_csv_only", parse_only)]:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        f(text)
        best = min(best, time.perf_counter() - t0)
    result[name] = {"best_seconds": best, "rows_per_second": P * R / best}
print(json.dumps(result))
