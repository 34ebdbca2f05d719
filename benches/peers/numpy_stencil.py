"""NumPy peer of twin-core's `pde` bench: one explicit reaction-diffusion step
on a 200^3 masked grid, the same stencil as `DiffusionStepper::diffuse_then_react`.

Same problem as twin-core/benches/pde.rs: ellipsoid mask (semi-axes 90, 98,
85 voxels), white/grey shells of 0.1 / 0.02 mm^2/day, harmonic face means,
zero flux through faces with an outside voxel, logistic reaction in closed
form on inside voxels, dt = 0.9 x the explicit limit. Written the idiomatic
vectorised way (one flux array per face direction, added to both sides,
preallocated buffers, in-place operations).

Usage: benches/peers/.venv/bin/python benches/peers/numpy_stencil.py [N]
Prints the best-of-5 step time and voxel updates/s; last line is JSON.
"""

import json
import sys
import time

import numpy as np

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def problem(n):
    c = (n - 1) / 2.0
    i, j, k = np.meshgrid(*(np.arange(n, dtype=np.float64),) * 3, indexing="ij")
    mask = ((i - c) / 90.0) ** 2 + ((j - c) / 98.0) ** 2 + ((k - c) / 85.0) ** 2 <= 1.0
    r = np.sqrt((i - c) ** 2 + (j - c) ** 2 + (k - c) ** 2)
    d = np.where((r / 7.0).astype(np.int64) % 2 == 0, 0.1, 0.02)
    u = np.exp(-((i - c) ** 2 + (j - c) ** 2 + (k - c) ** 2) / 200.0)
    faces = []
    for axis in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(None, -1)
        hi[axis] = slice(1, None)
        lo, hi = tuple(lo), tuple(hi)
        both = mask[lo] & mask[hi]
        a, b = d[lo], d[hi]
        faces.append(np.where(both, 2.0 * a * b / (a + b), 0.0))  # h = 1 mm
    diag = np.zeros_like(u)
    for axis, f in enumerate(faces):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(None, -1)
        hi[axis] = slice(1, None)
        diag[tuple(lo)] += f
        diag[tuple(hi)] += f
    dt = 0.9 / diag.max()
    return mask, faces, u, dt


def step(u, out, tmp, react, faces, mask, dt, growth, c):
    np.copyto(out, u)
    for axis, f in enumerate(faces):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(None, -1)
        hi[axis] = slice(1, None)
        lo, hi = tuple(lo), tuple(hi)
        t = tmp[axis]
        np.subtract(u[hi], u[lo], out=t)
        t *= f
        t *= dt
        out[lo] += t
        out[hi] -= t
    # Logistic closed form on inside voxels: u e^{rho dt} / (1 + u (e^{rho dt} - 1) / K),
    # into two preallocated full-size buffers (no temporaries).
    den, num = react
    np.multiply(out, c, out=den)
    den += 1.0
    np.multiply(out, growth, out=num)
    num /= den
    np.copyto(out, num, where=mask)


def main():
    mask, faces, u, dt = problem(N)
    out = np.empty_like(u)
    tmp = [np.empty(f.shape) for f in faces]
    react = (np.empty_like(u), np.empty_like(u))
    rho, cap = 0.05, 1.0
    growth = np.exp(rho * dt)
    c = (growth - 1.0) / cap
    mass0 = u[mask].sum()
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        step(u, out, tmp, react, faces, mask, dt, growth, c)
        best = min(best, time.perf_counter() - t0)
        u, out = out, u
    voxels = N ** 3
    print(f"numpy {np.__version__}: {N}^3 explicit RD step best of 5: {best * 1e3:.1f} ms, "
          f"{voxels / best:.3e} voxel updates/s (mass {mass0:.3f} -> {u[mask].sum():.3f})")
    print(json.dumps({"numpy": np.__version__, "n": N, "step_seconds": best,
                      "voxel_updates_per_second": voxels / best}))


if __name__ == "__main__":
    main()
