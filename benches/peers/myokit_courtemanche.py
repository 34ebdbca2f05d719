"""Peer for twin-cardiac's `crn_single_cell_100_beats` bench: Courtemanche 1998,
100 beats at 1 Hz with Myokit (CVODES), and APD90 of the last beat so the
accuracy can be matched against twin-cardiac's Rush-Larsen run (dt 0.02 ms).

Setup: python3 -m venv benches/peers/.venv && benches/peers/.venv/bin/pip install
-r benches/peers/requirements-myokit.txt (Myokit needs the SUNDIALS CVODES
headers and libraries, e.g. Debian's libsundials-dev).
Usage: benches/peers/.venv/bin/python benches/peers/myokit_courtemanche.py
"""
import json
import time

import sys

import myokit
import numpy as np


def main():
    # Myokit ships no model files: pass the path of Myokit's
    # `courtemanche-1998.mmt` (github.com/myokit/models, c/courtemanche-1998.mmt).
    path = sys.argv[1] if len(sys.argv) > 1 else "courtemanche-1998.mmt"
    model = myokit.load_model(path)
    protocol = myokit.pacing.blocktrain(period=1000, duration=2, offset=0)
    sim = myokit.Simulation(model, protocol)
    sim.set_tolerance(1e-8, 1e-8)
    t0 = time.perf_counter()
    sim.pre(99 * 1000)
    log = sim.run(1000, log=["engine.time", "membrane.V"], log_interval=0.02)
    secs = time.perf_counter() - t0
    t = np.array(log["engine.time"]) - 99 * 1000
    v = np.array(log["membrane.V"])
    rest, peak = v[t < 1].min(), v.max()
    level = peak - 0.9 * (peak - rest)
    i_up = int(np.argmax(np.diff(v) / np.diff(t)))
    after = np.where(v[i_up:] < level)[0][0] + i_up
    print(json.dumps({"seconds_100_beats": secs, "apd90_ms": float(t[after] - t[i_up]), "v_rest_mv": float(rest)}))


if __name__ == "__main__":
    main()
