//! Virtual cohort throughput: 10,000 two-compartment PK patients over 30 days
//! with a daily 100 mg IV bolus (30 doses), each solved with the twin-core ODE
//! engine (Dormand–Prince 5(4), rtol 1e-6 and 1e-4, atol 1e-6 mg, restarted at every dose
//! by `schedule::simulate_plan`; daily output), in parallel with rayon. Before
//! timing, the first patients are checked against the closed-form biexponential
//! superposition (max relative error printed). Target (issue 4): < 1 s on 2
//! cores. No peer is named for this bench; `simulate_1_thread` shows the
//! parallel speed-up on the same machine.

use criterion::{Criterion, criterion_group, criterion_main};
use twin_core::cohort::{Design, Factor, Marginal, Population, PopulationSpec, simulate};
use twin_core::ode::{OdeSystem, SolverOptions};
use twin_core::schedule::{Action, Plan, simulate_plan};

/// Two-compartment model, amounts in mg, time in hours.
#[derive(Clone)]
struct TwoCompartment {
    k10: f64,
    k12: f64,
    k21: f64,
}

impl OdeSystem for TwoCompartment {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = -(self.k10 + self.k12) * y[0] + self.k21 * y[1];
        dy[1] = self.k12 * y[0] - self.k21 * y[1];
    }
    fn autonomous(&self) -> bool {
        true
    }
}

fn population(n: usize) -> Population {
    // Log-normal between-patient variability, 30% CV on CL, V1, Q, V2.
    let ln = |median: f64| Marginal::LogNormal {
        mu_log: f64::ln(median),
        sigma_log: 0.3,
    };
    PopulationSpec::independent(vec![
        Factor::new("cl_l_per_h", "L/h", ln(5.0)),
        Factor::new("v1_l", "L", ln(20.0)),
        Factor::new("q_l_per_h", "L/h", ln(10.0)),
        Factor::new("v2_l", "L", ln(40.0)),
    ])
    .sample(n, Design::Random, 2024)
    .unwrap()
}

/// Daily concentrations (mg/L, right after each dose and at day 30) of every patient.
fn run_cohort(
    pop: &Population,
    plan: &Plan<Action>,
    t_out: &[f64],
    opts: &SolverOptions,
) -> Vec<Vec<f64>> {
    simulate(pop, |_, p| {
        let sys = TwoCompartment {
            k10: p[0] / p[1],
            k12: p[2] / p[1],
            k21: p[2] / p[3],
        };
        let sol = simulate_plan(&sys, plan, 0.0, &[0.0, 0.0], 720.0, t_out, opts)?;
        Ok(sol.y.iter().map(|y| y[0] / p[1]).collect())
    })
    .unwrap()
}

/// Closed form: superposition of unit-bolus biexponentials (Gibaldi & Perrier 1982, ch. 2).
fn closed_form(p: &[f64], t: f64) -> f64 {
    let (k10, k12, k21) = (p[0] / p[1], p[2] / p[1], p[2] / p[3]);
    let s = k10 + k12 + k21;
    let disc = (s * s - 4.0 * k10 * k21).sqrt();
    let (a, b) = ((s + disc) / 2.0, (s - disc) / 2.0);
    (0..30)
        .map(|d| 24.0 * d as f64)
        .filter(|&td| td <= t)
        .map(|td| {
            let u = t - td;
            100.0 * ((a - k21) * (-a * u).exp() + (k21 - b) * (-b * u).exp()) / ((a - b) * p[1])
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let pop = population(10_000);
    let plan = Plan::repeated(
        0.0,
        24.0,
        30,
        Action::Bolus {
            state: 0,
            amount: 100.0,
        },
    )
    .unwrap();
    let t_out: Vec<f64> = (0..=30).map(|d| 24.0 * d as f64).collect();
    let check = Population {
        values: pop.values[..100].to_vec(),
        ..pop.clone()
    };
    let mut g = c.benchmark_group("cohort_2cpt_pk_10k_patients_30_days");
    g.sample_size(10);
    for rtol in [1e-6, 1e-4] {
        // Absolute tolerance 1e-6 mg against doses of 100 mg.
        let opts = SolverOptions::new(twin_core::ode::Method::Dopri5, rtol, 1e-6);
        let max_rel = run_cohort(&check, &plan, &t_out, &opts)
            .iter()
            .zip(&check.values)
            .flat_map(|(c, p)| {
                c.iter()
                    .zip(&t_out)
                    .map(|(c, &t)| (c / closed_form(p, t) - 1.0).abs())
                    .collect::<Vec<_>>()
            })
            .fold(0.0, f64::max);
        println!(
            "rtol {rtol:e}: max relative error vs closed form (100 patients x 31 days) {max_rel:.2e}"
        );
        assert!(max_rel < 1e3 * rtol);
        g.bench_function(format!("simulate_rtol_{rtol:e}"), |b| {
            b.iter(|| run_cohort(&pop, &plan, &t_out, &opts))
        });
        if rtol == 1e-6 {
            let one = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            g.bench_function(format!("simulate_rtol_{rtol:e}_1_thread"), |b| {
                b.iter(|| one.install(|| run_cohort(&pop, &plan, &t_out, &opts)))
            });
        }
    }
    g.bench_function("sample_population", |b| b.iter(|| population(10_000)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
