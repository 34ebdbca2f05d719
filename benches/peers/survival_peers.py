"""Peer timings for twin-validate's `metrics` bench (twin-validate/benches/metrics.rs).

Same deterministic data as the Rust bench: t_i = 1 + (7919 i mod 5000) days,
event when (31 i mod 10) < 6, risk_i = frac(0.6180339887 i) - t_i / 5000.
Prints one JSON object with the best-of-k wall time (seconds) of each call and the value
it returned, so the Rust numbers can be checked for agreement as well as speed.

    python -m venv benches/peers/.venv
    benches/peers/.venv/bin/pip install -r benches/peers/requirements-survival.txt
    benches/peers/.venv/bin/python benches/peers/survival_peers.py
"""
import json
import time

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.utils import concordance_index
from sklearn.metrics import roc_auc_score
from sksurv.metrics import concordance_index_censored, concordance_index_ipcw
from sksurv.util import Surv


def data(n):
    i = np.arange(n)
    t = 1.0 + ((7919 * i) % 5000).astype(float)
    e = (31 * i) % 10 < 6
    r = np.modf(0.6180339887 * i.astype(float))[0] - t / 5000.0
    return t, e, r


def best(f, repeat):
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = f()
        times.append(time.perf_counter() - t0)
    return min(times), value


out = {}
for n in (10_000, 1_000_000):
    t, e, r = data(n)
    s, v = best(lambda: concordance_index(t, -r, e), 3 if n == 10_000 else 1)
    out[f"lifelines_concordance_index_n{n}"] = {"seconds": s, "value": v}
    y = Surv.from_arrays(e, t)
    if n <= 10_000:  # scikit-survival's pair masks are O(n^2) in time and memory
        s, v = best(lambda: concordance_index_censored(e, t, r)[0], 3)
        out[f"sksurv_concordance_index_censored_n{n}"] = {"seconds": s, "value": v}
        s, v = best(lambda: concordance_index_ipcw(y, y, r, tau=2500.0)[0], 3)
        out[f"sksurv_concordance_index_ipcw_tau2500_n{n}"] = {"seconds": s, "value": v}

# 1000 class-stratified bootstrap replicates of the AUC on 10,000 patients (sklearn).
t, e, r = data(10_000)
pos, neg = np.flatnonzero(e), np.flatnonzero(~e)
rng = np.random.default_rng(1)


def boot():
    vals = []
    for _ in range(1000):
        idx = np.concatenate([rng.choice(neg, neg.size), rng.choice(pos, pos.size)])
        vals.append(roc_auc_score(e[idx], r[idx]))
    return float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))


s, v = best(boot, 1)
out["sklearn_bootstrap_auc_1000_n10000"] = {"seconds": s, "value": v}

# Cox fit on Rotterdam, Royston-Altman covariates (as twin-validate/tests/reference).
rot = pd.read_csv("data/breast/rotterdam.csv")
df = pd.DataFrame(
    {
        "age": rot["age"], "meno": rot["meno"],
        "size_20_50": (rot["size"] == "20-50").astype(float), "size_gt50": (rot["size"] == ">50").astype(float),
        "grade3": (rot["grade"] == 3).astype(float), "enodes": np.exp(-0.12 * rot["nodes"]),
        "log_pgr": np.log(rot["pgr"] + 1.0), "log_er": np.log(rot["er"] + 1.0),
        "hormon": rot["hormon"], "chemo": rot["chemo"],
        "T": np.where(rot["recur"] == 1, rot["rtime"], rot["dtime"]),
        "E": np.maximum(rot["recur"], rot["death"]),
    }
)
s, v = best(lambda: CoxPHFitter().fit(df, "T", "E").params_.values.tolist(), 3)
out["lifelines_coxph_rotterdam"] = {"seconds": s, "value": v}
print(json.dumps(out, indent=1))
