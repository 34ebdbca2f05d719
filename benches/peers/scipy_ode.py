"""SciPy solve_ivp peer for twin-core's ODE benches (twin-core/benches/ode.rs).

Same problems, intervals, tolerances and analytic Jacobians as the Rust benches;
prints wall time per solve (best of several repeats, after one warm-up) and the
error against the same reference values (relative; absolute where the reference is 0).

    python3 -m venv benches/peers/.venv
    benches/peers/.venv/bin/pip install -r benches/peers/requirements-scipy.txt
    benches/peers/.venv/bin/python benches/peers/scipy_ode.py
"""
import json
import time

import numpy as np
import scipy
from scipy.integrate import solve_ivp


def robertson(t, y):
    r1, r2, r3 = 0.04 * y[0], 1e4 * y[1] * y[2], 3e7 * y[1] ** 2
    return [-r1 + r2, r1 - r2 - r3, r3]


def robertson_jac(t, y):
    return [[-0.04, 1e4 * y[2], 1e4 * y[1]],
            [0.04, -1e4 * y[2] - 6e7 * y[1], -1e4 * y[1]],
            [0.0, 6e7 * y[1], 0.0]]


MU = 1000.0


def vdp(t, y):
    return [y[1], MU * (1 - y[0] ** 2) * y[1] - y[0]]


def vdp_jac(t, y):
    return [[0.0, 1.0], [-2 * MU * y[0] * y[1] - 1.0, MU * (1 - y[0] ** 2)]]


def hires(t, y):
    f = np.empty(8)
    f[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007
    f[1] = 1.71 * y[0] - 8.75 * y[1]
    f[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4]
    f[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3]
    f[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6]
    f[5] = -280 * y[5] * y[7] + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6]
    f[6] = 280 * y[5] * y[7] - 1.81 * y[6]
    f[7] = -f[6]
    return f


def hires_jac(t, y):
    j = np.zeros((8, 8))
    j[0, 0], j[0, 1], j[0, 2] = -1.71, 0.43, 8.32
    j[1, 0], j[1, 1] = 1.71, -8.75
    j[2, 2], j[2, 3], j[2, 4] = -10.03, 0.43, 0.035
    j[3, 1], j[3, 2], j[3, 3] = 8.32, 1.71, -1.12
    j[4, 4], j[4, 5], j[4, 6] = -1.745, 0.43, 0.43
    j[5, 3], j[5, 4], j[5, 5], j[5, 6], j[5, 7] = 0.69, 1.71, -280 * y[7] - 0.43, 0.69, -280 * y[5]
    j[6, 5], j[6, 6], j[6, 7] = 280 * y[7], -1.81, 280 * y[5]
    j[7, 5], j[7, 6], j[7, 7] = -280 * y[7], 1.81, -280 * y[5]
    return j


AMU = 0.012277471


def arenstorf(t, y):
    mu1 = 1 - AMU
    d1 = ((y[0] + AMU) ** 2 + y[1] ** 2) ** 1.5
    d2 = ((y[0] - mu1) ** 2 + y[1] ** 2) ** 1.5
    return [y[2], y[3],
            y[0] + 2 * y[3] - mu1 * (y[0] + AMU) / d1 - AMU * (y[0] - mu1) / d2,
            y[1] - 2 * y[2] - mu1 * y[1] / d1 - AMU * y[1] / d2]


ARENSTORF_Y0 = [0.994, 0.0, 0.0, -2.00158510637908252240537862224]
ARENSTORF_T = 17.0652165601579625588917206249

CASES = [
    # name, f, jac, y0, t_end, rtol, atol, reference, methods
    ("robertson_t40", robertson, robertson_jac, [1.0, 0.0, 0.0], 40.0, 1e-6, 1e-10,
     [0.715827068719909, 9.18553476457835e-6, 0.284163745745328], ["BDF", "LSODA", "Radau"]),
    ("vdp_mu1000_t2000", vdp, vdp_jac, [2.0, 0.0], 2000.0, 1e-6, 1e-8,
     [1.706167732170469, -8.928097010248125e-4], ["BDF", "LSODA", "Radau"]),
    ("hires", hires, hires_jac, [1, 0, 0, 0, 0, 0, 0, 0.0057], 321.8122, 1e-6, 1e-10,
     [0.7371312573325668e-3, 0.1442485726316185e-3, 0.5888729740967575e-4, 0.1175651343283149e-2,
      0.2386356198831331e-2, 0.6238968252742796e-2, 0.2849998395185769e-2, 0.2850001604814231e-2],
     ["BDF", "LSODA", "Radau", "RK45"]),
    ("arenstorf_period", arenstorf, None, ARENSTORF_Y0, ARENSTORF_T, 1e-8, 1e-10, ARENSTORF_Y0,
     ["RK45", "DOP853", "LSODA"]),
]


def err(y, ref):
    return max(abs(a - b) if b == 0 else abs((a - b) / b) for a, b in zip(y, ref))


def main():
    results = []
    for name, f, jac, y0, t_end, rtol, atol, ref, methods in CASES:
        for m in methods:
            kw = dict(method=m, rtol=rtol, atol=atol, t_eval=[t_end])
            if jac is not None and m in ("BDF", "LSODA", "Radau"):
                kw["jac"] = jac
            sol = solve_ivp(f, (0.0, t_end), y0, **kw)  # warm-up
            best = float("inf")
            repeats = 3
            for _ in range(repeats):
                t0 = time.perf_counter()
                sol = solve_ivp(f, (0.0, t_end), y0, **kw)
                best = min(best, time.perf_counter() - t0)
            e = err(sol.y[:, -1], ref) if sol.success else float("nan")
            row = dict(problem=name, method=m, rtol=rtol, atol=atol, seconds=best, max_err=e,
                       nfev=int(sol.nfev), njev=int(sol.njev), nlu=int(sol.nlu), success=bool(sol.success))
            results.append(row)
            print(f"{name:18s} {m:6s} rtol {rtol:.0e}: {best * 1e3:9.3f} ms  err {e:.2e}  nfev {sol.nfev}")
    print(json.dumps(dict(scipy=scipy.__version__, numpy=np.__version__, results=results)))


if __name__ == "__main__":
    main()
