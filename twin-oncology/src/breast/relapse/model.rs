//! Mechanistic relapse model: occult metastases disseminated before surgery
//! grow to detectability, competing with death from other causes.
//!
//! * At surgery a patient carries a Poisson number of occult clonogenic
//!   metastases that survive adjuvant therapy, mean `θ(x)` (promotion-time
//!   cure model, Yakovlev & Tsodikov 1996; dissemination grows with primary
//!   size and nodal spread, Nicolò et al. 2020 JCO CCI 4:259).
//! * Each grows from its size at surgery `N0` to the detection threshold
//!   `N_det` at rate `g`, so it is detected at `T = ln(N_det/N0)/g`. Growth
//!   rates vary between lesions log-normally, so `ln T ~ Normal(μ(x), σ)`
//!   (`e^μ` is the median time to detection, days).
//! * Recurrence-free survival without death: `S_rec(t) = exp(−θ·F(t))` with
//!   `F` the log-normal CDF; `1 − e^(−θ)` is the probability of relapse ever
//!   (the cure fraction is `e^(−θ)`).
//! * Death without recurrence follows Gompertz' law of mortality:
//!   hazard `exp(c + β·(age(t) − 60)/10)` per year.
//! * `S(t) = S_rec(t) · S_death(t)`; the RFS event is whichever comes first.
//!
//! `ln θ` and `μ` are linear in standardised covariates; fitted by maximum
//! likelihood (right-censored) with L-BFGS (argmin).

use super::data::RotterdamPatient;
use crate::error::{OncologyError, Result};
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use twin_validate::baseline::Standardiser;

/// Days per year.
const DAYS_PER_YEAR: f64 = 365.25;
/// Names of the covariates that modulate the metastatic burden `ln θ`.
pub const BURDEN_COVARIATES: [&str; 9] = [
    "ln(diameter/20mm)",
    "ln(1+nodes)",
    "grade3",
    "ln(1+pgr)",
    "ln(1+er)",
    "hormon",
    "chemo",
    "(age-55)/10",
    "meno",
];
/// Names of the covariates that modulate the log time to detection `μ`.
pub const GROWTH_COVARIATES: [&str; 6] = [
    "grade3",
    "ln(1+nodes)",
    "ln(1+er)",
    "ln(1+pgr)",
    "hormon",
    "chemo",
];

/// What the relapse model needs of a patient: raw covariates of `ln θ` and `μ`
/// (standardised inside the fit), age and the observed outcome. Implemented for
/// the Rotterdam layout (also GBSG2) and for the GSE7390 genomic set.
pub trait RelapseCovariates {
    /// Whether death without relapse is part of the endpoint (RFS: yes; time to
    /// distant metastasis: no, death censors). When false the Gompertz part is off.
    const DEATH_IS_EVENT: bool;
    /// Raw covariates of the metastatic burden `ln θ`.
    fn burden(&self) -> Vec<f64>;
    /// Raw covariates of the log time to detection `μ`.
    fn growth(&self) -> Vec<f64>;
    /// Age at surgery, years.
    fn age_years(&self) -> f64;
    /// Follow-up time (days) and whether the endpoint was observed.
    fn outcome(&self) -> (f64, bool);
    /// Check the fields (an error names the first out-of-range one).
    fn validate(&self) -> Result<()>;
}

impl RelapseCovariates for RotterdamPatient {
    const DEATH_IS_EVENT: bool = true;
    fn burden(&self) -> Vec<f64> {
        let b = |x: bool| f64::from(u8::from(x));
        vec![
            (self.size.diameter_mm() / 20.0).ln(),
            self.nodes.ln_1p(),
            b(self.grade >= 3),
            self.pgr_fmol_per_l.ln_1p(),
            self.er_fmol_per_l.ln_1p(),
            b(self.hormonal),
            b(self.chemo),
            (self.age_years - 55.0) / 10.0,
            b(self.post_menopausal),
        ]
    }
    fn growth(&self) -> Vec<f64> {
        let b = self.burden();
        vec![b[2], b[1], b[4], b[3], b[5], b[6]]
    }
    fn age_years(&self) -> f64 {
        self.age_years
    }
    fn outcome(&self) -> (f64, bool) {
        (self.rfs_days, self.rfs_event)
    }
    fn validate(&self) -> Result<()> {
        RotterdamPatient::validate(self)
    }
}

/// A fitted relapse model (serialisable: it is the twin's population layer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelapseModel {
    /// Training means of the burden covariates (for standardisation).
    pub burden_mean: Vec<f64>,
    /// Training standard deviations of the burden covariates.
    pub burden_sd: Vec<f64>,
    /// Training means of the growth covariates.
    pub growth_mean: Vec<f64>,
    /// Training standard deviations of the growth covariates.
    pub growth_sd: Vec<f64>,
    /// Intercept then coefficients (per training SD) of `ln θ`.
    pub burden_coef: Vec<f64>,
    /// Intercept (ln days) then coefficients (per training SD) of `μ`.
    pub growth_coef: Vec<f64>,
    /// Log-normal shape σ of the time to detection.
    pub sigma: f64,
    /// Whether death without relapse is an event (the Gompertz part is fitted);
    /// when false the two mortality fields keep their starting values, unused.
    pub death_is_event: bool,
    /// Gompertz log-hazard at age 60, ln(per year).
    pub mortality_log_hazard_60: f64,
    /// Gompertz increase of the log-hazard per decade of age.
    pub mortality_beta_per_decade: f64,
    /// Maximised log-likelihood on the training data.
    pub log_likelihood: f64,
    /// Optimiser iterations used.
    pub iterations: u64,
}

/// Per-patient mechanistic parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RelapseParams {
    /// Expected number of occult metastases surviving adjuvant therapy.
    pub theta: f64,
    /// Median time for an occult metastasis to reach detectability, days.
    pub median_detection_days: f64,
    /// Log-normal shape σ.
    pub sigma: f64,
    /// Gompertz mortality hazard at surgery, per day.
    pub mortality_hazard_per_day: f64,
    /// Gompertz rate of increase of the mortality hazard, per day.
    pub mortality_growth_per_day: f64,
}

impl RelapseParams {
    /// Check the parameters: θ ≥ 0, median and σ > 0, mortality hazard ≥ 0, all finite.
    pub fn validate(&self) -> Result<()> {
        let check = |field: &str, v: f64, ok: bool, allowed: &str| {
            if v.is_finite() && ok {
                Ok(())
            } else {
                Err(OncologyError::invalid(field, v, allowed))
            }
        };
        check(
            "theta",
            self.theta,
            self.theta >= 0.0,
            "a finite number >= 0",
        )?;
        check(
            "median_detection_days",
            self.median_detection_days,
            self.median_detection_days > 0.0,
            "a finite number of days > 0",
        )?;
        check("sigma", self.sigma, self.sigma > 0.0, "a finite number > 0")?;
        check(
            "mortality_hazard_per_day",
            self.mortality_hazard_per_day,
            self.mortality_hazard_per_day >= 0.0,
            "a finite hazard >= 0 per day",
        )?;
        check(
            "mortality_growth_per_day",
            self.mortality_growth_per_day,
            true,
            "a finite rate per day",
        )
    }

    /// Recurrence-free survival probability at `t_days` after surgery (≥ 0), in
    /// [0, 1]; an error for invalid parameters or a negative or non-finite time.
    pub fn survival(&self, t_days: f64) -> Result<f64> {
        self.validate()?;
        if !(t_days.is_finite() && t_days >= 0.0) {
            return Err(OncologyError::invalid(
                "t_days",
                t_days,
                "a finite time >= 0 days after surgery",
            ));
        }
        Ok(self.survival_unchecked(t_days))
    }

    /// [`Self::survival`] for parameters and a time already checked.
    fn survival_unchecked(&self, t_days: f64) -> f64 {
        let f = lognormal_cdf(t_days, self.median_detection_days.ln(), self.sigma);
        (-self.theta * f - self.cumulative_mortality(t_days))
            .exp()
            .clamp(0.0, 1.0)
    }

    /// Probability of ever relapsing absent other-cause death, `1 − e^(−θ)`.
    pub fn relapse_probability(&self) -> f64 {
        -(-self.theta).exp_m1()
    }

    fn cumulative_mortality(&self, t: f64) -> f64 {
        if self.mortality_hazard_per_day == 0.0 {
            return 0.0; // not 0 · ∞ when e^{kt} overflows
        }
        let k = self.mortality_growth_per_day;
        let growth = if (k * t).abs() < 1e-8 {
            t
        } else {
            (k * t).exp_m1() / k
        };
        self.mortality_hazard_per_day * growth
    }

    /// Log-likelihood contribution of an observed (`event`) or censored time.
    fn log_likelihood(&self, t: f64, event: bool) -> f64 {
        let mu = self.median_detection_days.ln();
        let z = (t.ln() - mu) / self.sigma;
        let cum = self.theta * std_normal_cdf(z) + self.cumulative_mortality(t);
        if event {
            let dens =
                (-0.5 * z * z).exp() / ((2.0 * std::f64::consts::PI).sqrt() * self.sigma * t);
            let hazard = self.theta * dens
                + self.mortality_hazard_per_day * (self.mortality_growth_per_day * t).exp();
            hazard.max(1e-300).ln() - cum
        } else {
            -cum
        }
    }
}

fn std_normal_cdf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
}

fn lognormal_cdf(t: f64, mu: f64, sigma: f64) -> f64 {
    if t <= 0.0 {
        0.0
    } else {
        Normal::new(mu, sigma)
            .map(|n| n.cdf(t.ln()))
            .unwrap_or(f64::NAN)
    }
}

struct Design {
    xb: Vec<Vec<f64>>,
    xg: Vec<Vec<f64>>,
    age: Vec<f64>,
    time: Vec<f64>,
    event: Vec<bool>,
    death_is_event: bool,
}

/// Parameter layout: θ intercept + nb, μ intercept + ng, ln σ, Gompertz c and β.
fn params_at(x: &[f64], xb: &[f64], xg: &[f64], age: f64, death_is_event: bool) -> RelapseParams {
    let nb = xb.len();
    let dot = |c: &[f64], v: &[f64]| c.iter().zip(v).map(|(a, b)| a * b).sum::<f64>();
    let eta = x[0] + dot(&x[1..=nb], xb);
    let g0 = nb + 1;
    let mu = x[g0] + dot(&x[g0 + 1..=g0 + xg.len()], xg);
    let np = x.len();
    let (ls, c, beta) = (x[np - 3], x[np - 2], x[np - 1]);
    let (hazard, growth) = if death_is_event {
        (
            (c + beta * (age - 60.0) / 10.0).clamp(-50.0, 20.0).exp() / DAYS_PER_YEAR,
            beta / (10.0 * DAYS_PER_YEAR),
        )
    } else {
        (0.0, 0.0)
    };
    RelapseParams {
        theta: eta.clamp(-30.0, 30.0).exp(),
        median_detection_days: mu.clamp(-30.0, 30.0).exp(),
        sigma: ls.clamp(-10.0, 5.0).exp(),
        mortality_hazard_per_day: hazard,
        mortality_growth_per_day: growth,
    }
}

impl Design {
    fn nll(&self, x: &[f64]) -> f64 {
        let s: f64 = (0..self.time.len())
            .map(|i| {
                params_at(
                    x,
                    &self.xb[i],
                    &self.xg[i],
                    self.age[i],
                    self.death_is_event,
                )
                .log_likelihood(self.time[i], self.event[i])
            })
            .sum();
        if s.is_finite() { -s } else { f64::MAX }
    }
}

impl CostFunction for Design {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.nll(x))
    }
}

impl Gradient for Design {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    /// Central differences: about 20 parameters, cheap likelihood.
    fn gradient(&self, x: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        let mut xp = x.clone();
        Ok((0..x.len())
            .map(|j| {
                let h = 1e-5 * (1.0 + x[j].abs());
                xp[j] = x[j] + h;
                let up = self.nll(&xp);
                xp[j] = x[j] - h;
                let down = self.nll(&xp);
                xp[j] = x[j];
                (up - down) / (2.0 * h)
            })
            .collect())
    }
}

impl RelapseModel {
    /// Fit by maximum likelihood on `train` (right-censored outcomes).
    pub fn fit<P: RelapseCovariates>(train: &[P]) -> Result<Self> {
        let n_events = train.iter().filter(|p| p.outcome().1).count();
        if train.len() < 50 || n_events < 10 {
            return Err(OncologyError::invalid(
                "train",
                format!("{} patients with {n_events} events", train.len()),
                "at least 50 patients with at least 10 events",
            ));
        }
        for p in train {
            p.validate()?;
        }
        let rb: Vec<Vec<f64>> = train.iter().map(P::burden).collect();
        let rg: Vec<Vec<f64>> = train.iter().map(P::growth).collect();
        let (nb, ng) = (rb[0].len(), rg[0].len());
        if rb.iter().any(|r| r.len() != nb) || rg.iter().any(|r| r.len() != ng) {
            return Err(OncologyError::invalid(
                "train",
                "covariate rows of different lengths",
                "the same covariates for every patient",
            ));
        }
        let Standardiser { mean: bm, sd: bs } = Standardiser::fit(&rb)?;
        let Standardiser { mean: gm, sd: gs } = Standardiser::fit(&rg)?;
        let scale = |r: &Vec<f64>, m: &[f64], s: &[f64]| -> Vec<f64> {
            r.iter()
                .zip(m.iter().zip(s))
                .map(|(v, (m, s))| (v - m) / s)
                .collect()
        };
        let design = Design {
            xb: rb.iter().map(|r| scale(r, &bm, &bs)).collect(),
            xg: rg.iter().map(|r| scale(r, &gm, &gs)).collect(),
            age: train.iter().map(P::age_years).collect(),
            time: train.iter().map(|p| p.outcome().0).collect(),
            event: train.iter().map(|p| p.outcome().1).collect(),
            death_is_event: P::DEATH_IS_EVENT,
        };
        // Start: θ = 1 (37% never relapse), median detection 3 years, σ = 1,
        // other-cause mortality 1%/year at 60 doubling every ~8 years
        // (Gompertz β ≈ 0.09/year, human adult mortality).
        let np = 1 + nb + 1 + ng + 3;
        let mut x0 = vec![0.0; np];
        x0[nb + 1] = (3.0 * DAYS_PER_YEAR).ln();
        x0[np - 2] = (0.01f64).ln();
        x0[np - 1] = 0.9;
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
            .with_tolerance_grad(1e-6)
            .map_err(|e| OncologyError::invalid("optimiser", e, "valid L-BFGS settings"))?;
        let res = Executor::new(design, solver)
            .configure(|s| s.param(x0).max_iters(500))
            .run()
            .map_err(|e| OncologyError::invalid("relapse fit", e, "a converging likelihood"))?;
        let state = res.state();
        let x = state.get_best_param().cloned().ok_or_else(|| {
            OncologyError::invalid("relapse fit", "no parameter", "a converging likelihood")
        })?;
        Ok(Self {
            burden_mean: bm,
            burden_sd: bs,
            growth_mean: gm,
            growth_sd: gs,
            burden_coef: x[..=nb].to_vec(),
            growth_coef: x[nb + 1..=nb + 1 + ng].to_vec(),
            sigma: x[np - 3].exp(),
            death_is_event: P::DEATH_IS_EVENT,
            mortality_log_hazard_60: x[np - 2],
            mortality_beta_per_decade: x[np - 1],
            log_likelihood: -state.get_best_cost(),
            iterations: state.get_iter(),
        })
    }

    fn packed(&self) -> Vec<f64> {
        let mut x = self.burden_coef.clone();
        x.extend(&self.growth_coef);
        x.extend([
            self.sigma.ln(),
            self.mortality_log_hazard_60,
            self.mortality_beta_per_decade,
        ]);
        x
    }

    /// The patient's mechanistic parameters (covariates must have the training layout).
    pub fn params<P: RelapseCovariates>(&self, p: &P) -> RelapseParams {
        let scale = |r: Vec<f64>, m: &[f64], s: &[f64]| -> Vec<f64> {
            r.iter()
                .zip(m.iter().zip(s))
                .map(|(v, (m, s))| (v - m) / s)
                .collect()
        };
        let xb = scale(p.burden(), &self.burden_mean, &self.burden_sd);
        let xg = scale(p.growth(), &self.growth_mean, &self.growth_sd);
        params_at(&self.packed(), &xb, &xg, p.age_years(), self.death_is_event)
    }

    /// Predicted event-free survival of `p` at `t_days` (≥ 0) after surgery, in
    /// [0, 1]; an error names an out-of-range patient field or time, or a patient
    /// whose covariates do not match the training layout.
    pub fn survival<P: RelapseCovariates>(&self, p: &P, t_days: f64) -> Result<f64> {
        p.validate()?;
        let (nb, ng) = (p.burden().len(), p.growth().len());
        if nb != self.burden_mean.len() || ng != self.growth_mean.len() {
            return Err(OncologyError::invalid(
                "patient covariates",
                format!("{nb} burden and {ng} growth covariates"),
                format!(
                    "the training layout: {} and {}",
                    self.burden_mean.len(),
                    self.growth_mean.len()
                ),
            ));
        }
        self.params(p).survival(t_days)
    }

    /// Negative log-likelihood per patient of `patients` under this model.
    pub fn mean_negative_log_likelihood<P: RelapseCovariates>(&self, patients: &[P]) -> f64 {
        -patients
            .iter()
            .map(|p| {
                let (t, e) = p.outcome();
                self.params(p).log_likelihood(t, e)
            })
            .sum::<f64>()
            / patients.len() as f64
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::breast::relapse::data::SizeCategory;
    use approx::assert_relative_eq;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn survival_is_a_proper_curve_with_cure_fraction() {
        let p = RelapseParams {
            theta: 0.7,
            median_detection_days: 900.0,
            sigma: 0.8,
            mortality_hazard_per_day: 0.0,
            mortality_growth_per_day: 0.0,
        };
        assert_relative_eq!(p.survival(0.0).unwrap(), 1.0);
        // As t → ∞ only the cure fraction e^{−θ} survives.
        assert_relative_eq!(
            p.survival(1e9).unwrap(),
            (-0.7f64).exp(),
            max_relative = 1e-9
        );
        // Density integrates: −dS/dt from the likelihood matches a finite difference.
        let t = 700.0;
        let h = 1e-3;
        let dens = -(p.survival(t + h).unwrap() - p.survival(t - h).unwrap()) / (2.0 * h);
        assert_relative_eq!(p.log_likelihood(t, true), dens.ln(), max_relative = 1e-6);
        // Gompertz cumulative hazard: ∫ h0 e^{kt} = h0 (e^{kt} − 1)/k.
        let q = RelapseParams {
            theta: 0.0,
            mortality_hazard_per_day: 1e-4,
            mortality_growth_per_day: 2e-4,
            ..p
        };
        assert_relative_eq!(
            q.survival(1000.0).unwrap(),
            (-1e-4 * ((0.2f64).exp() - 1.0) / 2e-4).exp(),
            max_relative = 1e-12
        );
    }

    #[test]
    fn fit_recovers_a_simulated_cohort() {
        // Truth: θ depends on nodes only; exact simulation from the model
        // structure with censoring. The fit must recover the population
        // survival curve by node group (not the twin's own settings: the
        // truth has no age effect on θ and other coefficients 0).
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut pats = Vec::new();
        for _ in 0..1500 {
            let nodes = f64::from(rng.random_range(0..8u8));
            let age = rng.random_range(35.0..80.0);
            let truth = RelapseParams {
                theta: (-1.0 + 0.6 * nodes.ln_1p()).exp(),
                median_detection_days: 1000.0,
                sigma: 0.7,
                mortality_hazard_per_day: (-(4.6f64) + 0.9 * (age - 60.0) / 10.0).exp()
                    / DAYS_PER_YEAR,
                mortality_growth_per_day: 0.9 / 3652.5,
            };
            // Inverse-transform sampling of S(t) on a grid.
            let u: f64 = rng.random();
            let mut t = 1.0;
            while t < 7000.0 && truth.survival(t).unwrap() > u {
                t += 5.0;
            }
            let cens = rng.random_range(1000.0..6000.0);
            pats.push(RotterdamPatient {
                year: 1990.0,
                age_years: age,
                post_menopausal: age > 50.0,
                size: SizeCategory::From20To50,
                grade: 2 + rng.random_range(0..2u8),
                nodes,
                pgr_fmol_per_l: rng.random_range(0.0..300.0),
                er_fmol_per_l: rng.random_range(0.0..300.0),
                hormonal: rng.random_bool(0.2),
                chemo: rng.random_bool(0.2),
                rfs_days: t.min(cens),
                rfs_event: t < cens,
            });
        }
        let m = RelapseModel::fit(&pats).unwrap();
        // 5-year RFS predicted vs truth for node-negative and 5-node patients aged 60.
        for nodes in [0.0, 5.0] {
            let mut p = pats[0];
            p.nodes = nodes;
            p.age_years = 60.0;
            let truth = RelapseParams {
                theta: (-1.0 + 0.6 * f64::ln_1p(nodes)).exp(),
                median_detection_days: 1000.0,
                sigma: 0.7,
                mortality_hazard_per_day: (-4.6f64).exp() / DAYS_PER_YEAR,
                mortality_growth_per_day: 0.9 / 3652.5,
            };
            let s = m.survival(&p, 1826.0).unwrap();
            assert!(
                (s - truth.survival(1826.0).unwrap()).abs() < 0.06,
                "nodes {nodes}: {s} vs {}",
                truth.survival(1826.0).unwrap()
            );
        }
        assert!((m.sigma - 0.7).abs() < 0.15, "sigma {}", m.sigma);
        assert!(
            (m.mortality_beta_per_decade - 0.9).abs() < 0.35,
            "beta {}",
            m.mortality_beta_per_decade
        );
    }
}
