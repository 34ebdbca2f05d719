//! ODE solver benchmarks on standard test problems.
//!
//! Peers, measured on the same problems and tolerances: SciPy `solve_ivp` (RK45, BDF,
//! LSODA) in `benches/peers/scipy_ode.py`, and diffsol's BDF in the bench-only crate
//! `benches/peers/diffsol-peer`. Each bench prints, once, the error it reaches against
//! the reference solution and its work counters.
// Reference digits are quoted exactly as published.
#![allow(clippy::excessive_precision)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use twin_core::ode::problems::{Arenstorf, Hires, Robertson, VanDerPol};
use twin_core::ode::{Method, OdeSystem, SolverOptions, solve};

/// Reference end states. Robertson and Van der Pol: issue 3 (Hairer–Wanner / Bari
/// test set); HIRES: Bari IVP test set (Mazzia & Magherini 2008, problem HIRES);
/// Arenstorf: the orbit is periodic, so the end state equals the start.
const ROBERTSON_40: [f64; 3] = [0.715827068719909, 9.18553476457835e-6, 0.284163745745328];
const VDP_2000: [f64; 2] = [1.706167732170469, -8.928097010248125e-4];
const HIRES_END: [f64; 8] = [
    0.7371312573325668e-3,
    0.1442485726316185e-3,
    0.5888729740967575e-4,
    0.1175651343283149e-2,
    0.2386356198831331e-2,
    0.6238968252742796e-2,
    0.2849998395185769e-2,
    0.2850001604814231e-2,
];

/// One benchmark case: problem, interval, tolerances, reference.
struct Case<'a, S: OdeSystem> {
    name: &'a str,
    sys: S,
    y0: &'a [f64],
    t_end: f64,
    opts: SolverOptions,
    reference: &'a [f64],
}

fn run_case<S: OdeSystem>(c: &mut Criterion, case: Case<'_, S>) {
    let sol = solve(
        &case.sys,
        0.0,
        case.y0,
        case.t_end,
        &[case.t_end],
        &case.opts,
    )
    .expect("bench problem solves");
    let err = sol.y[0]
        .iter()
        .zip(case.reference)
        .map(|(a, b)| {
            if *b == 0.0 {
                (a - b).abs()
            } else {
                ((a - b) / b).abs()
            }
        })
        .fold(0.0, f64::max);
    eprintln!(
        "{}: method {:?} rtol {:e} max err (relative; absolute where the reference is 0) {err:.2e}; rhs {} jac {} lu {} accepted {} rejected {}",
        case.name,
        case.opts.method,
        case.opts.rtol,
        sol.stats.rhs_evals,
        sol.stats.jac_evals,
        sol.stats.lu_decomps,
        sol.stats.accepted,
        sol.stats.rejected
    );
    c.bench_function(case.name, |b| {
        b.iter(|| {
            solve(
                &case.sys,
                0.0,
                black_box(case.y0),
                case.t_end,
                &[case.t_end],
                &case.opts,
            )
            .unwrap()
        })
    });
}

fn benches(c: &mut Criterion) {
    run_case(
        c,
        Case {
            name: "robertson_t40_rodas4_rtol1e-6",
            sys: Robertson,
            y0: &[1.0, 0.0, 0.0],
            t_end: 40.0,
            opts: SolverOptions::new(Method::Rodas4, 1e-6, 1e-10),
            reference: &ROBERTSON_40,
        },
    );
    run_case(
        c,
        Case {
            name: "vdp_mu1000_t2000_rodas4_rtol1e-6",
            sys: VanDerPol { mu: 1000.0 },
            y0: &[2.0, 0.0],
            t_end: 2000.0,
            opts: SolverOptions::new(Method::Rodas4, 1e-6, 1e-8),
            reference: &VDP_2000,
        },
    );
    run_case(
        c,
        Case {
            name: "vdp_mu1000_t2000_auto_rtol1e-6",
            sys: VanDerPol { mu: 1000.0 },
            y0: &[2.0, 0.0],
            t_end: 2000.0,
            opts: SolverOptions::new(Method::Auto, 1e-6, 1e-8),
            reference: &VDP_2000,
        },
    );
    run_case(
        c,
        Case {
            name: "hires_rodas4_rtol1e-6",
            sys: Hires,
            y0: &Hires::Y0,
            t_end: Hires::T_END,
            opts: SolverOptions::new(Method::Rodas4, 1e-6, 1e-10),
            reference: &HIRES_END,
        },
    );
    run_case(
        c,
        Case {
            name: "arenstorf_period_dopri5_rtol1e-8",
            sys: Arenstorf,
            y0: &Arenstorf::Y0,
            t_end: Arenstorf::PERIOD,
            opts: SolverOptions::new(Method::Dopri5, 1e-8, 1e-10),
            reference: &Arenstorf::Y0, // periodic: the end state equals the start
        },
    );
}

criterion_group!(ode, benches);
criterion_main!(ode);
