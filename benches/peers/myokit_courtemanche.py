"""Peer for twin-cardiac's `crn_single_cell_100_beats` bench: Courtemanche 1998,
100 beats at 1 Hz with Myokit (CVODES), and APD90 of the last beat so the
accuracy can be matched against twin-cardiac's Rush-Larsen runs (the bench
prints APD90 of beat 100 for dt 0.005-0.05 ms).

Same protocol as twin-cardiac: 2 ms pulses of 2 nA on C_m = 100 pF
(20 pA/pF, the paper's Fig. 14 stimulus) at 1 Hz from the model's initial
state; APD90 measured as in `twin_cardiac::cell::measure_ap` (upstroke = max
dV/dt near the -20 mV crossing, rest = minimum before it, linear interpolation
of the 90% repolarisation level).

Setup: python3 -m venv benches/peers/.venv && benches/peers/.venv/bin/pip install
-r benches/peers/requirements-myokit.txt; Myokit compiles its CVODES
simulation at run time, so it needs gcc, the Python headers and SUNDIALS
(Debian: apt-get install libsundials-dev python3-dev).
Usage: benches/peers/.venv/bin/python benches/peers/myokit_courtemanche.py [MODEL]
MODEL defaults to the cached copy benches/peers/models/courtemanche-1998.mmt
(Myokit's model file from github.com/myokit/models, c/courtemanche-1998.mmt;
Myokit itself ships no model files). When the cache is missing the script
downloads that file into it (needs network access).

Run right after `cargo bench -p twin-cardiac --bench cell`, which prints
twin-cardiac's APD90 of beat 100 against a converged reference. The last run
here (tol 1e-10) is the converged Myokit value; every run reports its APD90
error against it and its time for 100 beats (simulation creation excluded:
Myokit compiles the model once, before the loop).
"""
import json
import os
import sys
import time
import urllib.request

import myokit
import numpy as np


def apd90(t, v, threshold=-20.0):
    cross = int(np.argmax(v > threshold))
    rest = v[: cross + 1].min()
    lo, hi = max(cross - 50, 1), min(cross + 50, len(v))
    slope = (v[lo:hi] - v[lo - 1 : hi - 1]) / (t[lo:hi] - t[lo - 1 : hi - 1])
    t_up = t[lo + int(np.argmax(slope))]
    below = cross + int(np.argmax(v[cross:] < threshold))
    ipk = cross + int(np.argmax(v[cross:below]))
    level = v[ipk] - 0.9 * (v[ipk] - rest)
    k = ipk + int(np.argmax((v[ipk:-1] >= level) & (v[ipk + 1 :] < level)))
    frac = (v[k] - level) / (v[k] - v[k + 1])
    return t[k] + frac * (t[k + 1] - t[k]) - t_up, rest


# twin-cardiac's `Courtemanche::resting()`: the initial conditions of
# Courtemanche et al. 1998 (Table 5); Myokit's file starts from a different,
# near-steady state, and [Na+]i drifts slowly, so 100 beats from different
# states end at different APDs.
INITIAL = {
    "membrane.V": -81.18, "ina.m": 2.908e-3, "ina.h": 0.9649, "ina.j": 0.9775,
    "ito.oa": 3.043e-2, "ito.oi": 0.9992, "ikur.ua": 4.966e-3, "ikur.ui": 0.9986,
    "ikr.xr": 3.296e-5, "iks.xs": 1.869e-2, "ical.d": 1.367e-4, "ical.f": 0.9996,
    "ical.fCa": 0.7755, "cajsr.u": 0.0, "cajsr.v": 1.0, "cajsr.w": 0.9992,
    "sodium.Nai": 11.17, "potassium.Ki": 139.0, "calcium.Cai": 1.013e-4,
    "calcium.CaUp": 1.488, "calcium.CaRel": 1.488,
}


CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "courtemanche-1998.mmt")
SOURCE = "https://raw.githubusercontent.com/myokit/models/main/c/courtemanche-1998.mmt"


def model_path():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if not os.path.exists(CACHE):
        os.makedirs(os.path.dirname(CACHE), exist_ok=True)
        urllib.request.urlretrieve(SOURCE, CACHE)
    return CACHE


def main():
    model = myokit.load_model(model_path())
    for name, value in INITIAL.items():
        model.get(name).set_initial_value(value)
    protocol = myokit.pacing.blocktrain(period=1000, duration=2, offset=0)
    sim = myokit.Simulation(model, protocol)
    sim.set_constant("stimulus.amplitude", -2000)
    out = {"myokit": myokit.__version__, "runs": []}
    state0 = model.initial_values(as_floats=True)
    for tol in [1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10]:
        # `pre` moves the default state on: restore it for every run.
        sim.set_default_state(state0)
        sim.reset()
        sim.set_tolerance(tol, tol)
        t0 = time.perf_counter()
        sim.pre(99 * 1000)
        log = sim.run(1000, log=["engine.time", "membrane.V"], log_interval=0.005)
        secs = time.perf_counter() - t0
        t = np.array(log["engine.time"]) - 99 * 1000
        v = np.array(log["membrane.V"])
        apd, rest = apd90(t, v)
        out["runs"].append(
            {"tol": tol, "seconds_100_beats": secs, "apd90_ms": apd, "v_rest_mv": rest}
        )
    converged = out["runs"][-1]["apd90_ms"]
    for run in out["runs"]:
        run["apd90_error_ms"] = run["apd90_ms"] - converged
    print(json.dumps(out))


if __name__ == "__main__":
    main()
