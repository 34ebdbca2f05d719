"""Reference values for twin-validate's own golden tests (beyond data/reference/).

Run from the repository root:
    python -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install -r benches/peers/requirements-survival.txt
    /tmp/refvenv/bin/python twin-validate/tests/reference/make_reference.py

Writes twin-validate/tests/reference/reference_extra.json with the inputs that are not
read from data/ (small synthetic arrays), the exact library calls, and library versions.
Where no library implements a quantity (Hosmer-Lemeshow, DeLong, CCC, CRPS) the value is
computed by a brute-force numpy transcription of the published formula, and said so.
"""
import json
import platform
import sys

import lifelines
import numpy as np
import pandas as pd
import scipy
import sklearn
import sksurv
import statsmodels
import statsmodels.api as sm
from lifelines import CoxPHFitter, KaplanMeierFitter, NelsonAalenFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import concordance_index
from scipy import stats
from sklearn.calibration import calibration_curve
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sksurv.metrics import brier_score, concordance_index_ipcw, cumulative_dynamic_auc, integrated_brier_score
from sksurv.util import Surv
from statsmodels.stats.contingency_tables import mcnemar

out = {
    "generated_by": "twin-validate/tests/reference/make_reference.py",
    "versions": {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "lifelines": lifelines.__version__,
        "scikit-survival": sksurv.__version__,
        "statsmodels": statsmodels.__version__,
    },
}

# ---------------------------------------------------------------- Rotterdam Cox (Royston & Altman 2013)
rot = pd.read_csv("data/breast/rotterdam.csv")
# Recurrence-free survival as in the R survival documentation of `rotterdam`.
rfs_event = np.maximum(rot["recur"], rot["death"]).astype(int)
rfs_time = np.where(rot["recur"] == 1, rot["rtime"], rot["dtime"]).astype(float)
X = pd.DataFrame(
    {
        "age": rot["age"].astype(float),
        "meno": rot["meno"].astype(float),
        "size_20_50": (rot["size"] == "20-50").astype(float),
        "size_gt50": (rot["size"] == ">50").astype(float),
        "grade3": (rot["grade"] == 3).astype(float),
        "enodes": np.exp(-0.12 * rot["nodes"]),
        "log_pgr": np.log(rot["pgr"] + 1.0),
        "log_er": np.log(rot["er"] + 1.0),
        "hormon": rot["hormon"].astype(float),
        "chemo": rot["chemo"].astype(float),
    }
)
df = X.copy()
df["T"] = rfs_time
df["E"] = rfs_event
cph = CoxPHFitter()
cph.fit(df, "T", "E", fit_options={"precision": 1e-12, "max_steps": 200})
lp = X.values @ cph.params_.values  # uncentred linear predictor
times_days = [365.0, 730.0, 1826.0, 3652.0]
# lifelines interpolates H0 linearly between its step times when `times` is given, so
# S(t | x) is compared at step times of the Breslow estimator (last step at or before t).
bh_index = cph.baseline_cumulative_hazard_.index.values
step_times = [float(bh_index[bh_index <= t].max()) for t in times_days]
surv_first5 = cph.predict_survival_function(X.iloc[:5], times=step_times).T.values
cph_r = CoxPHFitter()
cph_r.fit(df, "T", "E", robust=True, fit_options={"precision": 1e-12, "max_steps": 200})
out["rotterdam_cox"] = {
    "outcome": "recurrence-free survival: event = max(recur, death); time = rtime if recur else dtime (days)",
    "covariates": {
        "age": "years",
        "meno": "0/1",
        "size_20_50": "size == '20-50'",
        "size_gt50": "size == '>50'",
        "grade3": "grade == 3",
        "enodes": "exp(-0.12 * nodes) (Royston & Altman 2013 FP1 transform)",
        "log_pgr": "ln(pgr + 1)",
        "log_er": "ln(er + 1)",
        "hormon": "0/1",
        "chemo": "0/1",
    },
    "call": "lifelines.CoxPHFitter().fit(df, 'T', 'E', fit_options={'precision': 1e-12}) (Efron ties)",
    "names": list(X.columns),
    "coef": cph.params_.values.tolist(),
    "se": cph.standard_errors_.values.tolist(),
    "log_likelihood": float(cph.log_likelihood_),
    "concordance_index": float(cph.concordance_index_),
    "harrell_c_of_linear_predictor": float(concordance_index(rfs_time, -lp, rfs_event)),
    "baseline_cumulative_hazard_at_times": [float(cph.baseline_cumulative_hazard_.loc[:t].iloc[-1, 0]) for t in times_days],
    "times_days": times_days,
    "survival_step_times": step_times,
    "survival_first5_patients": surv_first5.tolist(),
    "robust_se_note": "lifelines' robust SEs ignore ties (sort-order dependent), so they are checked on tie-free data below",
}
# Time-dependent metrics of the Cox linear predictor on the same data (apparent).
y = Surv.from_arrays(rfs_event.astype(bool), rfs_time)
auc_t, mean_auc = cumulative_dynamic_auc(y, y, lp, times_days)
uno = concordance_index_ipcw(y, y, lp, tau=1826.0)
out["rotterdam_cox"]["cumulative_dynamic_auc"] = {
    "call": "sksurv.metrics.cumulative_dynamic_auc(y, y, lp, times_days)",
    "auc": auc_t.tolist(),
    "mean_auc": float(mean_auc),
}
out["rotterdam_cox"]["uno_c_tau_1826"] = float(uno[0])

# ------------------------------------------------------------ Robust SE on tie-free data (lifelines)
rng = np.random.default_rng(7)
n = 300
x1 = rng.normal(size=n)
x2 = rng.binomial(1, 0.4, size=n).astype(float)
t_event = rng.exponential(1.0 / (0.01 * np.exp(0.7 * x1 - 0.5 * x2)))
t_cens = rng.exponential(120.0, size=n)
tt = np.round(np.minimum(t_event, t_cens), 6) + np.arange(n) * 1e-7  # no ties
ee = (t_event <= t_cens).astype(int)
d2 = pd.DataFrame({"x1": x1, "x2": x2, "T": tt, "E": ee})
c2 = CoxPHFitter().fit(d2, "T", "E", robust=True, fit_options={"precision": 1e-12})
out["cox_robust_no_ties"] = {
    "data": "x1 ~ N(0,1), x2 ~ Bernoulli(0.4), hazard 0.01 exp(0.7 x1 - 0.5 x2), censoring Exp(mean 120); numpy default_rng(7)",
    "x1": x1.tolist(),
    "x2": x2.tolist(),
    "time": tt.tolist(),
    "event": ee.tolist(),
    "coef": c2.params_.values.tolist(),
    "robust_se": c2.standard_errors_.values.tolist(),
    "call": "lifelines.CoxPHFitter().fit(d, 'T', 'E', robust=True)",
}

# ------------------------------------------------------------ Pima logistic regression (statsmodels)
pima = pd.read_csv("data/diabetes/pima.csv")
cols = ["npreg", "glu", "bp", "skin", "bmi", "ped", "age"]
yp = (pima["type"] == "Yes").astype(int).values
Xp = sm.add_constant(pima[cols].astype(float))
logit_full = sm.Logit(yp, Xp).fit(disp=0, tol=1e-12, maxiter=100)
out["pima_logistic"] = {
    "call": "statsmodels.api.Logit(y, add_constant(pima[cols])).fit()",
    "columns": cols,
    "coef": logit_full.params.values.tolist(),
    "se": logit_full.bse.values.tolist(),
    "log_likelihood": float(logit_full.llf),
}
# Train on Pima.tr, predict Pima.te: two models (full, glucose only) for DeLong, calibration.
tr, te = pima["split"] == "tr", pima["split"] == "te"
m_full = sm.Logit(yp[tr], Xp[tr]).fit(disp=0, tol=1e-12)
m_glu = sm.Logit(yp[tr], sm.add_constant(pima.loc[tr, ["glu"]].astype(float))).fit(disp=0, tol=1e-12)
p_full = m_full.predict(Xp[te]).values
p_glu = m_glu.predict(sm.add_constant(pima.loc[te, ["glu"]].astype(float))).values
y_te = yp[te]
lg = np.log(p_full / (1 - p_full))
slope_fit = sm.GLM(y_te, sm.add_constant(lg), family=sm.families.Binomial()).fit(tol=1e-12)
citl_fit = sm.GLM(y_te, np.ones((len(y_te), 1)), family=sm.families.Binomial(), offset=lg).fit(tol=1e-12)
prob_true_u, prob_pred_u = calibration_curve(y_te, p_full, n_bins=10, strategy="uniform")


def hosmer_lemeshow(y, p, g=10):
    o = np.argsort(p, kind="stable")
    stat = 0.0
    for idx in np.array_split(o, g):
        obs, exp_, ng = y[idx].sum(), p[idx].sum(), len(idx)
        stat += (obs - exp_) ** 2 / (exp_ * (1 - exp_ / ng))
    return stat, stats.chi2.sf(stat, g - 2)


def delong_bruteforce(y, a, b):
    """DeLong et al. 1988 structural components, O(n1 n0)."""
    pos, neg = y == 1, y == 0

    def comps(s):
        sp, sn = s[pos][:, None], s[neg][None, :]
        psi = (sp > sn) + 0.5 * (sp == sn)
        return psi.mean(), psi.mean(axis=1), psi.mean(axis=0)

    A, a10, a01 = comps(a)
    B, b10, b01 = comps(b)
    s10 = np.cov(np.vstack([a10, b10]))
    s01 = np.cov(np.vstack([a01, b01]))
    S = s10 / pos.sum() + s01 / neg.sum()
    var = S[0, 0] + S[1, 1] - 2 * S[0, 1]
    z = (A - B) / np.sqrt(var)
    return {"auc_a": A, "auc_b": B, "var_a": S[0, 0], "var_b": S[1, 1], "cov": S[0, 1], "z": z, "p_value": 2 * stats.norm.sf(abs(z))}


hl, hl_p = hosmer_lemeshow(y_te, p_full)
tab = np.zeros((2, 2))
ca, cb = (p_full >= 0.5) == y_te, (p_glu >= 0.5) == y_te
for i_, j_ in zip(ca, cb):
    tab[int(not i_), int(not j_)] += 1
mc = mcnemar(tab, exact=False, correction=True)
mce = mcnemar(tab, exact=True)
out["pima_validation"] = {
    "description": "logistic models fitted on Pima.tr (split == 'tr'); predictions on Pima.te",
    "y_test": y_te.tolist(),
    "p_full": p_full.tolist(),
    "p_glucose_only": p_glu.tolist(),
    "calibration_slope": {"call": "GLM(y, add_constant(logit(p)), Binomial)", "intercept": float(slope_fit.params[0]), "slope": float(slope_fit.params[1])},
    "calibration_in_the_large": {"call": "GLM(y, ones, Binomial, offset=logit(p))", "intercept": float(citl_fit.params[0])},
    "calibration_curve_uniform_10": {"call": "sklearn.calibration.calibration_curve(y, p, n_bins=10, strategy='uniform')", "prob_true": prob_true_u.tolist(), "prob_pred": prob_pred_u.tolist()},
    "hosmer_lemeshow_10": {"how": "numpy: sort by p (stable), np.array_split into 10 groups, sum (O-E)^2/(E(1-E/n)), chi2 df 8", "statistic": hl, "p_value": hl_p},
    "delong_full_vs_glucose": {"how": "numpy brute force of DeLong 1988 structural components", **{k: float(v) for k, v in delong_bruteforce(y_te, p_full, p_glu).items()}},
    "mcnemar_threshold_0.5": {"call": "statsmodels mcnemar(table, exact=False, correction=True) and exact=True on correctness of p >= 0.5", "statistic": float(mc.statistic), "p_value": float(mc.pvalue), "exact_p_value": float(mce.pvalue)},
}

# ------------------------------------------------------------ KM CIs, Nelson-Aalen, log-rank (lifelines)
kmf = KaplanMeierFitter().fit(rfs_time, rfs_event)
ci = kmf.confidence_interval_
naf = NelsonAalenFitter(nelson_aalen_smoothing=False).fit(rfs_time, rfs_event)
naci = naf.confidence_interval_


def at(frame, t):
    return frame.loc[:t].iloc[-1].values.tolist()


lr = logrank_test(rfs_time[rot.grade == 2], rfs_time[rot.grade == 3], rfs_event[rot.grade == 2], rfs_event[rot.grade == 3])
size_code = rot["size"].map({"<=20": 0, "20-50": 1, ">50": 2}).values
mlr = multivariate_logrank_test(rfs_time, size_code, rfs_event)
out["rotterdam_rfs_nonparametric"] = {
    "times_days": times_days,
    "km_survival": [float(kmf.survival_function_.loc[:t].iloc[-1, 0]) for t in times_days],
    "km_ci_lower_upper": [sorted(at(ci, t)) for t in times_days],
    "km_call": "lifelines.KaplanMeierFitter().fit(T, E).confidence_interval_ (exponential Greenwood, alpha 0.05)",
    "na_cumulative_hazard": [float(naf.cumulative_hazard_.loc[:t].iloc[-1, 0]) for t in times_days],
    "na_ci_lower_upper": [sorted(at(naci, t)) for t in times_days],
    "na_call": "lifelines.NelsonAalenFitter(nelson_aalen_smoothing=False).fit(T, E)",
    "logrank_grade": {"call": "lifelines.statistics.logrank_test(grade 2 vs grade 3)", "statistic": float(lr.test_statistic), "p_value": float(lr.p_value)},
    "logrank_size_3groups": {"call": "lifelines.statistics.multivariate_logrank_test(T, size, E)", "statistic": float(mlr.test_statistic), "p_value": float(mlr.p_value)},
}

# ------------------------------------------------------------ IPCW Brier, IBS, train/test Uno C (sksurv)
train = rot["year"] < 1988
test = ~train
ytr = Surv.from_arrays(rfs_event[train].astype(bool), rfs_time[train])
yte = Surv.from_arrays(rfs_event[test].astype(bool), rfs_time[test])
nodes_te = rot["nodes"].values[test].astype(float)
bt = [365.0, 730.0, 1095.0, 1461.0, 1826.0]
# A fixed (not fitted) survival prediction, so that both sides see identical predictions.
surv_pred = np.array([[np.exp(-(t / 3000.0) * np.exp(0.1 * (k - 3.0))) for t in bt] for k in nodes_te])
_, bs = brier_score(ytr, yte, surv_pred, bt)
ibs = integrated_brier_score(ytr, yte, surv_pred, bt)
uno_tt = concordance_index_ipcw(ytr, yte, nodes_te, tau=1826.0)
auc_tt, mean_tt = cumulative_dynamic_auc(ytr, yte, nodes_te, bt)
out["rotterdam_train_test"] = {
    "split": "train = year < 1988, test = year >= 1988; RFS outcome as in rotterdam_cox",
    "prediction": "S(t | nodes) = exp(-(t / 3000) * exp(0.1 * (nodes - 3))); risk score = nodes",
    "times_days": bt,
    "brier": bs.tolist(),
    "brier_call": "sksurv.metrics.brier_score(y_train, y_test, surv_pred, times)",
    "integrated_brier": float(ibs),
    "uno_c_tau_1826": float(uno_tt[0]),
    "cumulative_dynamic_auc": auc_tt.tolist(),
    "mean_auc": float(mean_tt),
}

# ------------------------------------------------------------ continuous metrics
rng = np.random.default_rng(11)
yc = rng.normal(50.0, 10.0, size=200)
pc = yc + rng.normal(2.0, 5.0, size=200)
samples = rng.normal(0.0, 1.0, size=400)


def ccc(a, b):
    return 2 * np.cov(a, b, bias=True)[0, 1] / (a.var() + b.var() + (a.mean() - b.mean()) ** 2)


def crps_bruteforce(s, obs):
    return np.mean(np.abs(s - obs)) - 0.5 * np.mean(np.abs(s[:, None] - s[None, :]))


out["continuous"] = {
    "observed": yc.tolist(),
    "predicted": pc.tolist(),
    "mae": float(mean_absolute_error(yc, pc)),
    "rmse": float(np.sqrt(mean_squared_error(yc, pc))),
    "r2": float(r2_score(yc, pc)),
    "bias_mean_pred_minus_obs": float(np.mean(pc - yc)),
    "ccc": float(ccc(yc, pc)),
    "ccc_how": "numpy: Lin 1989, 2 cov / (var_y + var_p + (mean diff)^2), population moments",
    "crps_samples": samples.tolist(),
    "crps_obs": 0.3,
    "crps": float(crps_bruteforce(samples, 0.3)),
    "crps_how": "numpy brute force E|X - y| - 0.5 E|X - X'| over the samples",
    "calls": "sklearn.metrics.mean_absolute_error, mean_squared_error (sqrt), r2_score",
}

# ------------------------------------------------------------ the bench data (benches/metrics.rs)
i = np.arange(10_000)
tb = 1.0 + ((7919 * i) % 5000).astype(float)
eb = (31 * i) % 10 < 6
rb = np.modf(0.6180339887 * i.astype(float))[0] - tb / 5000.0
yb = Surv.from_arrays(eb, tb)
out["bench_data_n10000"] = {
    "data": "t_i = 1 + (7919 i mod 5000), event (31 i mod 10) < 6, risk frac(0.6180339887 i) - t_i/5000",
    "lifelines_concordance_index": float(concordance_index(tb, -rb, eb)),
    "sksurv_uno_c_tau_2500": float(concordance_index_ipcw(yb, yb, rb, tau=2500.0)[0]),
}

with open("twin-validate/tests/reference/reference_extra.json", "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote reference_extra.json", file=sys.stderr)
