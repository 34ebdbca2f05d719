"""PREDICT-GBM from Python on a constructed patient whose answer is known: in
homogeneous white matter the single-scan twin's density is radial about the core, so
its plan is the standard plan's ball and both cover any recurrence equally; the
standard plan's volume is the lattice ball of radius core + 15 mm."""

import numpy as np
import pytest

import patient_twin as pt

N = 61
C = np.array([30, 30, 30])


def radius_grid():
    i, j, k = np.indices((N, N, N))
    return np.sqrt((i - C[0]) ** 2 + (j - C[1]) ** 2 + (k - C[2]) ** 2)


def standard_plan_bruteforce():
    """Every voxel within 15 mm of a core voxel (r <= 6), by brute force."""
    r = radius_grid()
    core = np.argwhere(r <= 6)
    cand = np.argwhere(r <= 22)
    d2 = np.full(len(cand), np.inf)
    for chunk in np.array_split(core, 32):
        diff = cand[:, None, :] - chunk[None, :, :]
        d2 = np.minimum(d2, (diff**2).sum(axis=2).min(axis=1))
    plan = np.zeros((N, N, N), bool)
    inside = cand[d2 <= 225]
    plan[inside[:, 0], inside[:, 1], inside[:, 2]] = True
    return plan


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("Patient-00000")
    r = radius_grid()
    pt.write_volume(d / "00000-wm.nii.gz", np.ones((N, N, N)))
    pt.write_volume(d / "00000-gm.nii.gz", np.zeros((N, N, N)))
    pt.write_volume(d / "00000-csf.nii.gz", np.zeros((N, N, N)))
    seg = np.where(r <= 6, 3, np.where(r <= 10, 2, 0))
    pt.write_labels(d / "00000-tumorseg.nii.gz", seg)
    # Recurrence: a shell 18-22 mm out on one side (partly beyond the 15 mm margin).
    i = np.indices((N, N, N))[0]
    rec = np.where((r >= 18) & (r <= 22) & (i > C[0]), 3, 0)
    pt.write_labels(d / "recurrence.nii.gz", rec)
    return d


def test_a_radial_twin_matches_the_standard_plan(folder, tmp_path):
    out = pt.predict_gbm(folder, tmp_path)
    assert out["id"] == "00000" and str(out["density_path"]).endswith("00000.nii.gz")
    density = out["density"]
    assert density.shape == (N, N, N) and 0 <= density.min() and density.max() <= 1
    # The written file is the density (float32 precision).
    back, geometry = pt.read_volume(out["density_path"])
    np.testing.assert_allclose(back, density, atol=1e-6)
    # The fit: T1Gd radius of the 6 mm core (lattice ball: 925 voxels -> 6.05 mm).
    assert out["fit"]["radii_mm"][0] == pytest.approx((925 * 3 / (4 * np.pi)) ** (1 / 3), rel=1e-6)
    score = pt.predict_gbm_score(folder, density, folder / "recurrence.nii.gz")
    e = score["enhancing"]
    # Standard plan, computed independently: voxels within 15 mm of a core voxel.
    plan = standard_plan_bruteforce()
    assert e["plan_voxels"] == int(plan.sum())
    r = radius_grid()
    i = np.indices((N, N, N))[0]
    shell = (r >= 18) & (r <= 22) & (i > C[0])
    assert e["standard"] == pytest.approx((shell & plan).sum() / shell.sum(), rel=1e-12)
    assert 0.3 < e["standard"] < 1.0
    # The radial twin's plan is the same ball up to lattice anisotropy.
    assert e["model"] == pytest.approx(e["standard"], abs=0.03)
    assert score["all"] == e  # only label 3 in the recurrence


def test_bad_folders_are_input_errors(tmp_path):
    with pytest.raises(pt.InputError, match="tumorseg"):
        pt.predict_gbm(tmp_path, tmp_path)
    with pytest.raises(pt.InputError, match="0 to 65535"):
        pt.write_labels(tmp_path / "x.nii.gz", np.full((2, 2, 2), -1))
