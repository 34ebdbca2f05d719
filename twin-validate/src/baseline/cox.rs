//! Cox proportional hazards: partial likelihood with Efron (default) or Breslow ties,
//! Newton–Raphson with step halving, Breslow baseline hazard, optional robust (sandwich)
//! standard errors (Lin & Wei 1989). Matches lifelines `CoxPHFitter` (Efron ties).
//!
//! Covariates are centred at their means before fitting (β is unchanged); the baseline
//! hazard is therefore the hazard at the mean covariate vector, as in lifelines.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::{Coefficient, coefficients, design, names};
use crate::check;
use crate::error::{Result, ValidateError};
use crate::survival::SurvivalOutcomes;

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Ties {
    /// Efron (1977) approximation (lifelines, R `coxph` default).
    #[default]
    Efron,
    /// Breslow (1974) approximation.
    Breslow,
}

/// Fitting options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxOptions {
    /// Covariate names (default x0, x1, …).
    pub names: Option<Vec<String>>,
    /// Tie handling.
    pub ties: Ties,
    /// Also compute robust sandwich standard errors (Lin & Wei 1989 score residuals that
    /// follow the partial likelihood of the chosen `ties` method; with Efron, tied deaths
    /// are down-weighted in the fractional risk sets as in R `coxph`, so the residuals
    /// sum to the score). Checked against lifelines on tie-free data; with ties
    /// lifelines' values depend on its row order, so they differ there.
    pub robust: bool,
    /// Maximum Newton iterations.
    pub max_iter: usize,
    /// Convergence: max |Δβ| below this.
    pub tol: f64,
    /// Ridge penalty λ ≥ 0: maximise `ℓ(β) − λ/2·‖β‖²` (Verweij & van Houwelingen
    /// 1994, Stat Med 13:2427) on the covariates as given (standardise them first so
    /// the penalty treats them alike). 0 = ordinary partial likelihood. With λ > 0
    /// the reported covariance is the inverse penalised information.
    pub l2_penalty: f64,
}

impl Default for CoxOptions {
    fn default() -> Self {
        Self {
            names: None,
            ties: Ties::Efron,
            robust: false,
            max_iter: 50,
            tol: 1e-10,
            l2_penalty: 0.0,
        }
    }
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoxPh {
    /// Coefficients (log hazard ratios) with model-based standard errors.
    pub coefficients: Vec<Coefficient>,
    /// Robust (sandwich) standard errors, when requested.
    pub robust_se: Option<Vec<f64>>,
    /// Covariate means used for centring.
    pub means: Vec<f64>,
    /// Log partial likelihood at the estimate (minus the ridge term when
    /// [`CoxOptions::l2_penalty`] > 0).
    pub log_likelihood: f64,
    /// Log partial likelihood at β = 0.
    pub log_likelihood_null: f64,
    /// Newton iterations used.
    pub iterations: usize,
    /// Distinct follow-up times of the training data, ascending.
    pub baseline_times: Vec<f64>,
    /// Breslow cumulative baseline hazard H0(t) at the mean covariates, at `baseline_times`.
    pub baseline_cumulative_hazard: Vec<f64>,
    /// Inverse observed information (model-based covariance of β).
    pub covariance: Vec<Vec<f64>>,
}

/// Risk-set sweep state for one β: log-likelihood, score and information.
struct Eval {
    loglik: f64,
    grad: DVector<f64>,
    info: DMatrix<f64>,
}

/// Time order, and groups of equal time (start, end) in that order.
fn time_groups(time: &[f64]) -> (Vec<usize>, Vec<(usize, usize)>) {
    let order = check::argsort(time);
    let mut groups = vec![];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && time[order[j]] == time[order[i]] {
            j += 1;
        }
        groups.push((i, j));
        i = j;
    }
    (order, groups)
}

fn evaluate(
    x: &DMatrix<f64>,
    event: &[bool],
    order: &[usize],
    groups: &[(usize, usize)],
    beta: &DVector<f64>,
    ties: Ties,
) -> Eval {
    let p = x.ncols();
    let eta = x * beta;
    let (mut s0, mut s1, mut s2) = (0.0, DVector::zeros(p), DMatrix::zeros(p, p));
    let mut out = Eval {
        loglik: 0.0,
        grad: DVector::zeros(p),
        info: DMatrix::zeros(p, p),
    };
    let (mut t1, mut t2) = (DVector::<f64>::zeros(p), DMatrix::<f64>::zeros(p, p));
    for &(a, b) in groups.iter().rev() {
        let (mut t0, mut d) = (0.0, 0usize);
        t1.fill(0.0);
        t2.fill(0.0);
        for &i in &order[a..b] {
            let xi = x.row(i).transpose();
            let w = eta[i].exp();
            s0 += w;
            s1.axpy(w, &xi, 1.0);
            s2.ger(w, &xi, &xi, 1.0);
            if event[i] {
                d += 1;
                t0 += w;
                t1.axpy(w, &xi, 1.0);
                t2.ger(w, &xi, &xi, 1.0);
                out.loglik += eta[i];
                out.grad += &xi;
            }
        }
        for l in 0..d {
            let f = match ties {
                Ties::Efron => l as f64 / d as f64,
                Ties::Breslow => 0.0,
            };
            let phi = s0 - f * t0;
            let a1 = (&s1 - &t1 * f) / phi;
            let a2 = (&s2 - &t2 * f) / phi;
            out.loglik -= phi.ln();
            out.grad -= &a1;
            out.info += a2 - &a1 * a1.transpose();
        }
    }
    out
}

/// Add the ridge term `−λ/2·‖β‖²` to a partial-likelihood evaluation.
fn penalised(mut e: Eval, beta: &DVector<f64>, lambda: f64) -> Eval {
    if lambda > 0.0 {
        e.loglik -= 0.5 * lambda * beta.norm_squared();
        e.grad.axpy(-lambda, beta, 1.0);
        for j in 0..beta.len() {
            e.info[(j, j)] += lambda;
        }
    }
    e
}

impl CoxPh {
    /// Fit on covariate `rows` (one per patient) and outcomes; higher linear predictor =
    /// higher hazard.
    pub fn fit(rows: &[Vec<f64>], time: &[f64], event: &[bool], opts: &CoxOptions) -> Result<Self> {
        let s = SurvivalOutcomes::new(time, event)?;
        check::same_len("rows", rows.len(), "time", time.len())?;
        if s.n_events() == 0 {
            return Err(ValidateError::invalid(
                "event",
                "0 events",
                "at least one observed event",
            ));
        }
        let lambda = check::penalty(opts.l2_penalty)?;
        let raw = design(rows)?;
        let (n, p) = raw.shape();
        let names = names(opts.names.as_deref(), p)?;
        let means: Vec<f64> = (0..p).map(|j| raw.column(j).sum() / n as f64).collect();
        let x = DMatrix::from_fn(n, p, |i, j| raw[(i, j)] - means[j]);
        let (order, groups) = time_groups(time);
        let mut beta = DVector::zeros(p);
        let eval = |b: &DVector<f64>| {
            penalised(
                evaluate(&x, event, &order, &groups, b, opts.ties),
                b,
                lambda,
            )
        };
        let mut cur = eval(&beta);
        let log_likelihood_null = cur.loglik;
        let mut iterations = 0;
        loop {
            if iterations == opts.max_iter {
                return Err(ValidateError::NotConverged {
                    method: "Cox Newton-Raphson".into(),
                    iterations,
                    detail: "max_iter reached".into(),
                });
            }
            iterations += 1;
            let chol = cur.info.clone().cholesky().ok_or_else(|| {
                ValidateError::undefined("Cox fit", "information matrix not positive definite (collinear or constant covariates, or separation)")
            })?;
            let mut step = chol.solve(&cur.grad);
            // Step halving keeps the partial likelihood increasing.
            let mut next = eval(&(&beta + &step));
            let mut halvings = 0;
            while !(next.loglik.is_finite() && next.loglik >= cur.loglik - 1e-12 * cur.loglik.abs())
                && halvings < 30
            {
                step *= 0.5;
                halvings += 1;
                next = eval(&(&beta + &step));
            }
            beta += &step;
            cur = next;
            if step.amax() < opts.tol {
                break;
            }
        }
        let cov = cur.info.clone().try_inverse().ok_or_else(|| {
            ValidateError::undefined("Cox standard errors", "singular information matrix")
        })?;
        let se: Vec<f64> = (0..p).map(|j| cov[(j, j)].sqrt()).collect();
        let robust_se = opts
            .robust
            .then(|| robust_se(&x, event, &order, &groups, &beta, &cov, opts.ties));
        // Breslow baseline hazard at every distinct time.
        let eta = &x * &beta;
        let mut at_risk_sum = vec![0.0; groups.len()];
        let mut acc = 0.0;
        for (g, &(a, b)) in groups.iter().enumerate().rev() {
            acc += order[a..b].iter().map(|&i| eta[i].exp()).sum::<f64>();
            at_risk_sum[g] = acc;
        }
        let mut h = 0.0;
        let mut baseline_times = Vec::with_capacity(groups.len());
        let mut baseline_cumulative_hazard = Vec::with_capacity(groups.len());
        for (g, &(a, b)) in groups.iter().enumerate() {
            let d = order[a..b].iter().filter(|&&i| event[i]).count() as f64;
            h += d / at_risk_sum[g];
            baseline_times.push(time[order[a]]);
            baseline_cumulative_hazard.push(h);
        }
        Ok(CoxPh {
            coefficients: coefficients(names, beta.as_slice(), &se),
            robust_se,
            means,
            log_likelihood: cur.loglik,
            log_likelihood_null,
            iterations,
            baseline_times,
            baseline_cumulative_hazard,
            covariance: (0..p)
                .map(|i| (0..p).map(|j| cov[(i, j)]).collect())
                .collect(),
        })
    }

    /// Coefficient estimates β.
    pub fn beta(&self) -> Vec<f64> {
        self.coefficients.iter().map(|c| c.estimate).collect()
    }

    fn check_row(&self, x: &[f64]) -> Result<()> {
        check::same_len("x", x.len(), "coefficients", self.means.len())?;
        check::finite("x", x)
    }

    /// Centred linear predictor (x − mean)·β (log relative hazard vs the mean patient).
    pub fn linear_predictor(&self, x: &[f64]) -> Result<f64> {
        self.check_row(x)?;
        Ok(self
            .coefficients
            .iter()
            .zip(x.iter().zip(&self.means))
            .map(|(c, (xi, m))| c.estimate * (xi - m))
            .sum())
    }

    /// Baseline cumulative hazard H0(t) (right-continuous step function).
    pub fn baseline_cumulative_hazard_at(&self, t: f64) -> f64 {
        let k = self.baseline_times.partition_point(|&s| s <= t);
        if k == 0 {
            0.0
        } else {
            self.baseline_cumulative_hazard[k - 1]
        }
    }

    /// Predicted survival S(t | x) = exp(−H0(t) · exp((x − mean)·β)).
    pub fn survival_at(&self, x: &[f64], t: f64) -> Result<f64> {
        Ok((-self.baseline_cumulative_hazard_at(t) * self.linear_predictor(x)?.exp()).exp())
    }
}

/// Sandwich variance V (Σ_i r_i r_iᵀ) V with the score residuals r_i of
/// [`score_residuals`].
fn robust_se(
    x: &DMatrix<f64>,
    event: &[bool],
    order: &[usize],
    groups: &[(usize, usize)],
    beta: &DVector<f64>,
    cov: &DMatrix<f64>,
    ties: Ties,
) -> Vec<f64> {
    let resid = score_residuals(x, event, order, groups, beta, ties);
    let meat = resid.transpose() * &resid;
    let v = cov * meat * cov;
    (0..v.nrows()).map(|j| v[(j, j)].sqrt()).collect()
}

/// Score residuals r_i (Lin & Wei 1989), one row per patient, following the partial
/// likelihood of `ties`, so that Σ_i r_i is its score (0 at β̂).
///
/// At an event time with d deaths D and risk set R, the l-th term (l = 0..d−1) of the
/// partial likelihood uses the fractional risk set R − f_l·D (f_l = l/d for Efron, 0 for
/// Breslow): φ_l = Σ_{j∈R} w_j − f_l Σ_{j∈D} w_j, mean x̄_l and hazard increment
/// dΛ_l = 1/φ_l. A patient j ∈ R carries weight c_j = 1 − f_l if j ∈ D, else 1, in that
/// set, and
///
///   r_i = δ_i (x_i − mean_l x̄_l of its own time) − Σ_{t_k ≤ t_i} Σ_l c_i w_i (x_i − x̄_l) dΛ_l.
///
/// Each Σ_l term sums to 0 over the risk set (Σ_j c_j w_j (x_j − x̄_l) = 0), so Σ_i r_i =
/// Σ_events x_i − Σ_k Σ_l x̄_l, the score (Therneau & Grambsch 2000 §3.3; R `coxph`).
fn score_residuals(
    x: &DMatrix<f64>,
    event: &[bool],
    order: &[usize],
    groups: &[(usize, usize)],
    beta: &DVector<f64>,
    ties: Ties,
) -> DMatrix<f64> {
    let (n, p) = x.shape();
    let eta = x * beta;
    let w: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
    let mut s0 = 0.0;
    let mut s1 = DVector::<f64>::zeros(p);
    /// One event time's compensator increments and mean of its x̄_l.
    struct Step {
        /// Σ_l dΛ_l and Σ_l x̄_l dΛ_l: full weight (patients not dying here).
        dl: f64,
        xdl: DVector<f64>,
        /// Σ_l (1 − f_l) dΛ_l and Σ_l (1 − f_l) x̄_l dΛ_l: the deaths at this time.
        dl_dead: f64,
        xdl_dead: DVector<f64>,
        /// mean over l of x̄_l.
        xev: DVector<f64>,
    }
    let mut steps: Vec<Step> = Vec::with_capacity(groups.len());
    for &(a, b) in groups.iter().rev() {
        let (mut t0, mut t1, mut d) = (0.0, DVector::<f64>::zeros(p), 0usize);
        for &i in &order[a..b] {
            let xi = x.row(i).transpose();
            s0 += w[i];
            s1.axpy(w[i], &xi, 1.0);
            if event[i] {
                d += 1;
                t0 += w[i];
                t1.axpy(w[i], &xi, 1.0);
            }
        }
        let mut st = Step {
            dl: 0.0,
            xdl: DVector::zeros(p),
            dl_dead: 0.0,
            xdl_dead: DVector::zeros(p),
            xev: DVector::zeros(p),
        };
        for l in 0..d {
            let f = match ties {
                Ties::Efron => l as f64 / d as f64,
                Ties::Breslow => 0.0,
            };
            let phi = s0 - f * t0;
            let xbar = (&s1 - &t1 * f) / phi;
            st.dl += 1.0 / phi;
            st.xdl += &xbar / phi;
            st.dl_dead += (1.0 - f) / phi;
            st.xdl_dead += &xbar * (1.0 - f) / phi;
            st.xev += xbar / d as f64;
        }
        steps.push(st);
    }
    steps.reverse();
    // Cumulative sums over earlier times of dΛ and x̄ dΛ; the patient's own time is
    // added with the weight that applies to it (down-weighted if it died there).
    let (mut cl, mut cx) = (0.0, DVector::<f64>::zeros(p));
    let mut resid = DMatrix::<f64>::zeros(n, p);
    for (st, &(a, b)) in steps.iter().zip(groups) {
        for &i in &order[a..b] {
            let xi = x.row(i).transpose();
            let r = if event[i] {
                (&xi * (cl + st.dl_dead) - (&cx + &st.xdl_dead)) * (-w[i]) + &xi - &st.xev
            } else {
                (&xi * (cl + st.dl) - (&cx + &st.xdl)) * (-w[i])
            };
            resid.set_row(i, &r.transpose());
        }
        cl += st.dl;
        cx += &st.xdl;
    }
    resid
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Score and information equal central differences of the Efron log-likelihood
    /// (data with tied event times and ties between events and censorings).
    #[test]
    fn score_and_information_are_derivatives_of_the_log_likelihood() {
        let rows = [
            [0.5, 1.0],
            [-1.0, 0.0],
            [0.3, 1.0],
            [1.2, 0.0],
            [-0.4, 1.0],
            [0.9, 1.0],
            [0.0, 0.0],
            [-1.5, 1.0],
        ];
        let x = DMatrix::from_fn(8, 2, |i, j| rows[i][j]);
        let time = [2.0, 3.0, 3.0, 3.0, 5.0, 5.0, 7.0, 8.0];
        let event = [true, true, true, false, true, false, true, false];
        let (order, groups) = time_groups(&time);
        let b = DVector::from_vec(vec![0.3, -0.7]);
        let h = 1e-5;
        for ties in [Ties::Efron, Ties::Breslow] {
            let at = |b: &DVector<f64>| evaluate(&x, &event, &order, &groups, b, ties);
            let e = at(&b);
            for j in 0..2 {
                let mut d = DVector::zeros(2);
                d[j] = h;
                let (p, m) = (at(&(&b + &d)), at(&(&b - &d)));
                assert!((e.grad[j] - (p.loglik - m.loglik) / (2.0 * h)).abs() < 1e-8);
                for k in 0..2 {
                    assert!((e.info[(k, j)] + (p.grad[k] - m.grad[k]) / (2.0 * h)).abs() < 1e-7);
                }
            }
        }
    }

    /// Score residuals sum to the score, which is 0 at β̂, when they use the risk-set
    /// means of the ties method that was fitted (Breslow here, with tied event times
    /// whose covariates differ from the risk-set mean).
    #[test]
    fn breslow_score_residuals_sum_to_zero_at_the_estimate() {
        let rows: Vec<Vec<f64>> = [
            [0.5, 1.0],
            [-1.0, 0.0],
            [0.3, 1.0],
            [1.2, 0.0],
            [-0.4, 1.0],
            [0.9, 1.0],
            [0.0, 0.0],
            [-1.5, 1.0],
        ]
        .iter()
        .map(|r| r.to_vec())
        .collect();
        let time = [2.0, 3.0, 3.0, 3.0, 5.0, 5.0, 7.0, 8.0];
        let event = [true, true, true, false, true, false, true, false];
        let opts = CoxOptions {
            ties: Ties::Breslow,
            robust: true,
            ..Default::default()
        };
        let fit = CoxPh::fit(&rows, &time, &event, &opts).unwrap();
        let x = DMatrix::from_fn(8, 2, |i, j| rows[i][j]);
        let (order, groups) = time_groups(&time);
        let beta = DVector::from_vec(fit.beta());
        let r = score_residuals(&x, &event, &order, &groups, &beta, Ties::Breslow);
        for j in 0..2 {
            let sum = r.column(j).sum();
            assert!(sum.abs() < 1e-9, "column {j}: {sum}");
        }
        let cov = DMatrix::from_fn(2, 2, |i, j| fit.covariance[i][j]);
        let v = &cov * (r.transpose() * &r) * &cov;
        let robust = fit.robust_se.unwrap();
        for j in 0..2 {
            assert!((robust[j] - v[(j, j)].sqrt()).abs() < 1e-12);
        }
    }

    /// With Efron ties the score residuals sum to the Efron score, which is 0 at β̂:
    /// tied deaths enter the compensator of each fractional risk set with weight
    /// 1 − l/d. Data with several tied event times (some also tied with censorings)
    /// and three covariates.
    #[test]
    fn efron_score_residuals_sum_to_zero_at_the_estimate() {
        let n = 36;
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let a = f64::from(i);
                vec![
                    (a * 0.73).sin(),
                    f64::from(u8::from(i % 3 == 0)),
                    (a * 0.29).cos() + 0.02 * a,
                ]
            })
            .collect();
        // Integer times in 1..=9: many events share a time.
        let time: Vec<f64> = (0..n)
            .map(|i| 1.0 + f64::from((i * 7 + i / 5) % 9))
            .collect();
        let event: Vec<bool> = (0..n).map(|i| i % 5 != 2).collect();
        let opts = CoxOptions {
            ties: Ties::Efron,
            robust: true,
            ..Default::default()
        };
        let fit = CoxPh::fit(&rows, &time, &event, &opts).unwrap();
        let x = DMatrix::from_fn(n as usize, 3, |i, j| rows[i][j]);
        let (order, groups) = time_groups(&time);
        let tied = groups
            .iter()
            .filter(|&&(a, b)| order[a..b].iter().filter(|&&i| event[i]).count() > 1)
            .count();
        assert!(tied >= 3, "{tied} tied event times");
        let beta = DVector::from_vec(fit.beta());
        let r = score_residuals(&x, &event, &order, &groups, &beta, Ties::Efron);
        for j in 0..3 {
            let sum = r.column(j).sum();
            let scale = r.column(j).abs().sum();
            assert!(
                sum.abs() < 1e-8 * scale,
                "column {j}: {sum} (scale {scale})"
            );
        }
        // At any β the residuals sum to the Efron score itself.
        let b = DVector::from_vec(vec![0.4, -0.3, 0.2]);
        let r = score_residuals(&x, &event, &order, &groups, &b, Ties::Efron);
        let e = evaluate(&x, &event, &order, &groups, &b, Ties::Efron);
        for j in 0..3 {
            assert!((r.column(j).sum() - e.grad[j]).abs() < 1e-10, "column {j}");
        }
        let cov = DMatrix::from_fn(3, 3, |i, j| fit.covariance[i][j]);
        let rb = score_residuals(&x, &event, &order, &groups, &beta, Ties::Efron);
        let v = &cov * (rb.transpose() * &rb) * &cov;
        let robust = fit.robust_se.unwrap();
        for j in 0..3 {
            assert!((robust[j] - v[(j, j)].sqrt()).abs() < 1e-12);
        }
    }

    /// The ridge estimate is the stationary point of the penalised likelihood: the
    /// unpenalised score equals λβ; λ → 0 gives the ordinary fit, and ‖β‖ shrinks as
    /// λ grows.
    #[test]
    fn ridge_estimate_solves_the_penalised_score_equation() {
        let rows: Vec<Vec<f64>> = (0..40)
            .map(|i| {
                let a = f64::from(i);
                vec![(a * 0.37).sin(), (a * 0.11).cos() + 0.1 * a / 40.0]
            })
            .collect();
        let time: Vec<f64> = (0..40)
            .map(|i| 1.0 + f64::from((i * 17) % 23) + rows[i as usize][0])
            .collect();
        let event: Vec<bool> = (0..40).map(|i| i % 4 != 0).collect();
        let fit = |l2_penalty| {
            let o = CoxOptions {
                l2_penalty,
                ..Default::default()
            };
            CoxPh::fit(&rows, &time, &event, &o).unwrap().beta()
        };
        let x = DMatrix::from_fn(40, 2, |i, j| rows[i][j]);
        let (order, groups) = time_groups(&time);
        let mut last_norm = f64::INFINITY;
        for lambda in [0.5, 2.0, 8.0] {
            let b = DVector::from_vec(fit(lambda));
            let e = evaluate(&x, &event, &order, &groups, &b, Ties::Efron);
            for j in 0..2 {
                assert!((e.grad[j] - lambda * b[j]).abs() < 1e-8, "λ {lambda}");
            }
            assert!(b.norm() < last_norm);
            last_norm = b.norm();
        }
        let (b0, b_tiny) = (fit(0.0), fit(1e-9));
        for j in 0..2 {
            assert!((b0[j] - b_tiny[j]).abs() < 1e-6);
        }
        let bad = CoxOptions {
            l2_penalty: -1.0,
            ..Default::default()
        };
        assert!(CoxPh::fit(&rows, &time, &event, &bad).is_err());
    }
}
