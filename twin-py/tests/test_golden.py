"""Golden values through the Python API: the same published and reference-library
values the Rust tests check, so the bindings cannot silently change a number."""

import math

import numpy as np
import pytest

import patient_twin as pt


def test_ckd_epi_2021_published_values():
    # Inker et al. 2021 (NEJM 385:1737) creatinine equation, worked values of the NKF
    # calculator, to one decimal (the Rust test twin-metabolic kidney::egfr uses the same).
    egfr = pt.egfr_ckd_epi_2021([1.2, 0.6, 1.5], [55, 40, 70], [False, True, True])
    assert [round(float(x), 1) for x in egfr] == [71.4, 116.3, 37.3]
    # Missing creatinine stays missing; a broadcast scalar age works.
    out = pt.egfr_ckd_epi_2021([np.nan, 1.2], 55, False)
    assert math.isnan(out[0]) and round(float(out[1]), 1) == 71.4


def test_ckd_epi_rejects_out_of_range_values_naming_the_row():
    with pytest.raises(pt.InputError, match="row 1"):
        pt.egfr_ckd_epi_2021([1.0, -1.0], [50, 50], [True, True])
    with pytest.raises(pt.InputError):
        pt.egfr_ckd_epi_2021([1.0], [50], [3])


def front_positions(t, x, u, level=0.5):
    """Where u first falls below `level` (linear interpolation), per time."""
    out = []
    for row in u:
        k = int(np.argmax(row < level))
        x0, x1, u0, u1 = x[k - 1], x[k], row[k - 1], row[k]
        out.append(x0 + (u0 - level) / (u0 - u1) * (x1 - x0))
    return np.array(out)


@pytest.mark.parametrize("d, rho", [(0.05, 0.012), (0.5, 0.05), (0.1, 0.4)])
def test_fisher_kpp_front_speed_is_two_sqrt_d_rho(d, rho):
    # Fisher (1937), Kolmogorov-Petrovsky-Piskunov (1937): c* = 2 sqrt(D rho). Late
    # window rho t in [50, 150]; the Bramson (1983) lag lowers the mean speed ~0.8 %.
    width = math.sqrt(d / rho)
    t, x, u = pt.fisher_kpp_1d(d, rho, 330 * width, 0.25 * width, 150 / rho, 50 / rho, 10 * width)
    assert u.shape == (4, len(x)) and t[-1] == pytest.approx(150 / rho)
    pos = front_positions(t, x, u)
    speed = (pos[3] - pos[1]) / (t[3] - t[1])
    assert speed / (2 * math.sqrt(d * rho)) - 1 == pytest.approx(0, abs=0.02)


def test_fisher_kpp_refuses_a_history_too_large_to_allocate():
    # 10^6 cells x 10^5 records each pass their own bound; together 800 GB.
    with pytest.raises(pt.InputError, match="values"):
        pt.fisher_kpp_1d(1.0, 0.1, 1e6, 1.0, 1e5, 1.0, 10.0)


def test_binary_metrics_match_scikit_learn(reference):
    # data/reference/reference_metrics.json: scikit-learn 1.9.1 roc_auc_score,
    # brier_score_loss, log_loss on the synthetic case.
    s = reference["synthetic"]
    m = pt.binary_metrics(s["inputs"]["y_true"], s["inputs"]["y_prob"])
    c = s["classification"]
    assert m["auc"] == pytest.approx(c["roc_auc"], rel=1e-10)
    assert m["brier"] == pytest.approx(c["brier"], rel=1e-10)
    assert m["log_loss"] == pytest.approx(c["log_loss"], rel=1e-10)
    lo, hi = m["auc_ci"]
    assert lo < m["auc"] < hi <= 1.0
    assert (m["n"], m["positives"]) == (c["n"], c["n_positive"])


def test_concordance_matches_lifelines_and_scikit_survival(reference):
    # lifelines 0.30.3 concordance_index and scikit-survival 0.28.0
    # concordance_index_censored / concordance_index_ipcw (tau) on the synthetic case.
    s = reference["synthetic"]
    i = s["inputs"]
    h = pt.harrell_c(i["time"], i["event"], i["risk"])
    ref = s["survival"]["harrell_c"]["sksurv_concordance_index_censored"]
    assert h["c_index"] == pytest.approx(ref["cindex"], rel=1e-10)
    assert (h["concordant"], h["discordant"], h["tied_risk"]) == (
        ref["concordant"],
        ref["discordant"],
        ref["tied_risk"],
    )
    u = pt.uno_c(i["time"], i["event"], i["risk"], tau=i["tau"])
    ref_uno = s["survival"]["uno_c"]["sksurv_concordance_index_ipcw_with_tau"]["cindex"]
    assert u["c_index"] == pytest.approx(ref_uno, rel=1e-10)


def test_harrell_c_on_rotterdam_matches_lifelines(data, reference):
    # Rotterdam (R survival::rotterdam, 2982 patients): recurrence by number of nodes.
    import csv

    with open(data / "breast" / "rotterdam.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    time = np.array([float(r["rtime"]) for r in rows])
    event = np.array([r["recur"] == "1" for r in rows])
    nodes = np.array([float(r["nodes"]) for r in rows])
    m = pt.survival_metrics(time, event, nodes, replicates=200, seed=3)
    ref = reference["rotterdam"]["recurrence"]["metrics"]["harrell_c"]
    assert m["harrell_c"] == pytest.approx(ref["lifelines_concordance_index"], rel=1e-10)
    lo, hi = m["ci"]
    assert lo < m["harrell_c"] < hi and hi - lo < 0.05
    assert m["events"] == reference["rotterdam"]["recurrence"]["metrics"]["n_events"]
