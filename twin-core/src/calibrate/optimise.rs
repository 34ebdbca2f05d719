//! Seeded multi-start optimisation with `argmin` in the unconstrained space.

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::neldermead::NelderMead;
use argmin::solver::particleswarm::ParticleSwarm;
use argmin::solver::quasinewton::LBFGS;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::objective::{Model, Problem};
use crate::error::{CoreError, Result};

/// Local or global optimiser used from every start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Optimiser {
    /// Nelder–Mead simplex (derivative-free), initial simplex 10% of each search box.
    NelderMead,
    /// L-BFGS (memory 7) with Moré–Thuente line search; gradient from the model's
    /// Jacobian when it provides one, else central differences.
    Lbfgs,
    /// Particle swarm over the search box (global), its best point polished by
    /// Nelder–Mead. Each start runs its own swarm (own random stream); the
    /// Latin-hypercube points and [`FitOptions::initial`] are not used.
    ParticleSwarm {
        /// Number of particles.
        particles: usize,
    },
}

/// Settings of [`fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// Optimiser run from each start.
    pub optimiser: Optimiser,
    /// Number of starts (Latin hypercube over the search box; ≥ 1).
    pub n_starts: usize,
    /// Seed of the Latin hypercube and of the particle swarm.
    pub seed: u64,
    /// Iteration budget per start (and per stage for the particle swarm).
    pub max_iters: u64,
    /// Convergence tolerance: simplex cost spread (Nelder–Mead), gradient norm (L-BFGS).
    pub tolerance: f64,
    /// Optional first start (natural units), e.g. a population mean; validated
    /// but not used by the particle swarm, which samples its own box.
    pub initial: Option<Vec<f64>>,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            optimiser: Optimiser::NelderMead,
            n_starts: 8,
            seed: 1,
            max_iters: 2000,
            tolerance: 1e-10,
            initial: None,
        }
    }
}

/// Outcome of one start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartReport {
    /// Point the local search started from (natural units): the Latin-hypercube
    /// or initial point, or for the particle swarm the swarm's best point, which
    /// Nelder–Mead polishes.
    pub start: Vec<f64>,
    /// End point (natural units).
    pub estimate: Vec<f64>,
    /// Objective (negative log-posterior) at the end point.
    pub objective: f64,
    /// Iterations used.
    pub iterations: u64,
    /// Whether the optimiser met its convergence criterion.
    pub converged: bool,
    /// The optimiser's termination reason, or its error.
    pub status: String,
}

/// Result of a calibration: the best point over all starts, and every start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fit {
    /// Parameter names (model parameters, then σ if fitted).
    pub names: Vec<String>,
    /// Parameter units.
    pub units: Vec<String>,
    /// Best estimate (natural units): the posterior mode, or the MLE without priors.
    pub estimate: Vec<f64>,
    /// Best estimate in the unconstrained space.
    pub estimate_z: Vec<f64>,
    /// Objective at the best estimate.
    pub objective: f64,
    /// Index of the best start in `starts`.
    pub best_start: usize,
    /// Every start, in order.
    pub starts: Vec<StartReport>,
}

struct ZProblem<'a, M: Model>(&'a Problem<M>);

impl<M: Model> CostFunction for ZProblem<'_, M> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, z: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.0.objective_z(z))
    }
}

impl<M: Model> Gradient for ZProblem<'_, M> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, z: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(self.0.gradient_z(z))
    }
}

/// Calibrate `problem`: run the optimiser from `n_starts` Latin-hypercube starts
/// (in parallel; the result does not depend on the thread count) and keep the best.
/// Model errors count as `+inf` (see [`Problem::objective`]); a prediction of the
/// wrong length, or the first start's model error when no start reaches a finite
/// objective, is returned as the error.
pub fn fit<M: Model>(problem: &Problem<M>, options: &FitOptions) -> Result<Fit> {
    if options.n_starts == 0 {
        return Err(CoreError::invalid("n_starts", 0, ">= 1"));
    }
    if !(options.tolerance.is_finite() && options.tolerance > 0.0) {
        return Err(CoreError::invalid(
            "tolerance",
            options.tolerance,
            "a finite number > 0",
        ));
    }
    if let Optimiser::ParticleSwarm { particles } = options.optimiser
        && particles < 2
    {
        return Err(CoreError::invalid("particles", particles, ">= 2"));
    }
    let specs = problem.specs();
    let lhs = crate::cohort::latin_hypercube(options.n_starts, specs.len(), options.seed)?;
    let mut starts: Vec<Vec<f64>> = lhs
        .iter()
        .map(|row| {
            specs
                .iter()
                .zip(row)
                .map(|(s, &v)| s.from_unit(v))
                .collect()
        })
        .collect();
    if let Some(init) = &options.initial {
        problem.to_unconstrained(init)?;
        starts[0] = init.clone();
    }
    // A shape mismatch (wrong output length) is the same at every point: report it
    // at once. Other model errors count as +inf here as anywhere in the search, so a
    // start where the model fails does not end the fit; they are reported only if no
    // start reached a finite objective.
    let first = problem.predict(&starts[0]);
    if let Err(e @ CoreError::ShapeMismatch { .. }) = first {
        return Err(e);
    }

    let reports: Vec<(StartReport, Vec<f64>)> = starts
        .par_iter()
        .enumerate()
        .map(|(i, x0)| run_start(problem, options, i, x0))
        .collect::<Result<_>>()?;
    let best = reports
        .iter()
        .enumerate()
        .filter(|(_, (r, _))| r.objective.is_finite())
        .min_by(|a, b| a.1.0.objective.total_cmp(&b.1.0.objective))
        .map(|(i, _)| i)
        .ok_or_else(|| match first {
            Err(e) => e,
            Ok(_) => CoreError::NotConverged {
                what: "calibration (no start reached a finite objective)".into(),
                iterations: options.max_iters as usize,
                residual: f64::INFINITY,
            },
        })?;
    let (best_report, best_z) = &reports[best];
    Ok(Fit {
        names: specs.iter().map(|s| s.name.clone()).collect(),
        units: specs.iter().map(|s| s.unit.clone()).collect(),
        estimate: best_report.estimate.clone(),
        estimate_z: best_z.clone(),
        objective: best_report.objective,
        best_start: best,
        starts: reports.into_iter().map(|(r, _)| r).collect(),
    })
}

/// Outcome of one argmin run: end point, cost, iterations, converged, status.
type RunOutcome = (Vec<f64>, f64, u64, bool, String);

fn run_start<M: Model>(
    problem: &Problem<M>,
    o: &FitOptions,
    index: usize,
    x0: &[f64],
) -> Result<(StartReport, Vec<f64>)> {
    let z0 = problem.to_unconstrained(x0)?;
    let mut start = x0.to_vec();
    let outcome = match o.optimiser {
        Optimiser::NelderMead => nelder_mead(problem, z0.clone(), o),
        Optimiser::Lbfgs => lbfgs(problem, z0.clone(), o),
        Optimiser::ParticleSwarm { particles } => {
            pso(problem, particles, o, index).and_then(|(z, _, it, _, _)| {
                // The swarm never sees `x0`: report where the polish starts.
                start = problem.to_natural(&z);
                nelder_mead(problem, z, o).map(|(z, c, it2, conv, s)| (z, c, it + it2, conv, s))
            })
        }
    };
    let (z, cost, iterations, converged, status) = outcome.unwrap_or_else(|e| {
        // A failed run reports its start point unchanged.
        start = x0.to_vec();
        (
            z0.clone(),
            problem.objective_z(&z0),
            0,
            false,
            e.to_string(),
        )
    });
    Ok((
        StartReport {
            start,
            estimate: problem.to_natural(&z),
            objective: cost,
            iterations,
            converged,
            status,
        },
        z,
    ))
}

fn outcome<I: State<Float = f64>>(state: &I, z: Vec<f64>) -> RunOutcome {
    let reason = state.get_termination_reason();
    let converged = matches!(
        reason,
        Some(TerminationReason::SolverConverged | TerminationReason::TargetCostReached)
    );
    let status = reason.map_or("running".into(), |r| r.text().to_string());
    (
        z,
        state.get_best_cost(),
        state.get_iter(),
        converged,
        status,
    )
}

fn nelder_mead<M: Model>(
    problem: &Problem<M>,
    z0: Vec<f64>,
    o: &FitOptions,
) -> std::result::Result<RunOutcome, argmin::core::Error> {
    let mut simplex = vec![z0.clone()];
    for (j, s) in problem.specs().iter().enumerate() {
        let (lo, hi) = s.z_box();
        let mut v = z0.clone();
        v[j] += 0.1 * (hi - lo);
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(o.tolerance)?;
    let res = Executor::new(ZProblem(problem), solver)
        .configure(|s| s.max_iters(o.max_iters))
        .run()?;
    let z = res.state().get_best_param().cloned().unwrap_or(z0);
    Ok(outcome(res.state(), z))
}

fn lbfgs<M: Model>(
    problem: &Problem<M>,
    z0: Vec<f64>,
    o: &FitOptions,
) -> std::result::Result<RunOutcome, argmin::core::Error> {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(o.tolerance)?
        .with_tolerance_cost(1e-14)?;
    let res = Executor::new(ZProblem(problem), solver)
        .configure(|s| s.param(z0.clone()).max_iters(o.max_iters))
        .run()?;
    let z = res.state().get_best_param().cloned().unwrap_or(z0);
    Ok(outcome(res.state(), z))
}

fn pso<M: Model>(
    problem: &Problem<M>,
    particles: usize,
    o: &FitOptions,
    index: usize,
) -> std::result::Result<RunOutcome, argmin::core::Error> {
    let (lo, hi): (Vec<f64>, Vec<f64>) = problem.specs().iter().map(|s| s.z_box()).unzip();
    let mut rng = ChaCha8Rng::seed_from_u64(o.seed);
    rng.set_stream(index as u64 + 1);
    let solver = ParticleSwarm::new((lo, hi), particles).with_rng_generator(rng);
    let res = Executor::new(ZProblem(problem), solver)
        .configure(|s| s.max_iters(o.max_iters))
        .run()?;
    let z = res
        .state()
        .get_best_param()
        .map(|p| p.position.clone())
        .ok_or_else(|| argmin::core::Error::msg("particle swarm returned no particle"))?;
    Ok(outcome(res.state(), z))
}
