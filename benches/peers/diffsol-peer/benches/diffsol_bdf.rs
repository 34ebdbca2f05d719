//! twin-core Rodas4 vs diffsol BDF, same problems, tolerances and reference values as
//! `twin-core/benches/ode.rs`. Run with
//! `cargo bench -p diffsol-peer --features diffsol -- --warm-up-time 1 --measurement-time 3`.
// Reference digits are quoted exactly as published.
#![allow(clippy::excessive_precision)]

use criterion::{Criterion, criterion_group, criterion_main};
use diffsol::{NalgebraLU, NalgebraMat, OdeBuilder, OdeSolverMethod, OdeSolverStopReason, Vector};
use std::hint::black_box;
use twin_core::ode::problems::{Hires, Robertson, VanDerPol};
use twin_core::ode::{Method, OdeSystem, SolverOptions, solve};

type M = NalgebraMat<f64>;
type LS = NalgebraLU<f64>;

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

fn max_rel_err(y: &[f64], reference: &[f64]) -> f64 {
    y.iter()
        .zip(reference)
        .map(|(a, b)| ((a - b) / b).abs())
        .fold(0.0, f64::max)
}

/// Integrate with diffsol's BDF to `t_end` and return the end state.
macro_rules! diffsol_solve {
    ($rtol:expr, $atol:expr, $y0:expr, $t_end:expr, $rhs:expr, $jv:expr) => {{
        let y0: Vec<f64> = $y0.to_vec();
        let n = y0.len();
        let problem = OdeBuilder::<M>::new()
            .rtol($rtol)
            .atol([$atol])
            .rhs_implicit($rhs, $jv)
            .init(move |_p, _t, y| y.copy_from_slice(&y0), n)
            .build()
            .unwrap();
        let mut solver = problem.bdf::<LS>().unwrap();
        solver.set_stop_time($t_end).unwrap();
        loop {
            if let OdeSolverStopReason::TstopReached = solver.step().unwrap() {
                break;
            }
        }
        solver.state().y.clone_as_vec()
    }};
}

fn robertson_diffsol(rtol: f64, atol: f64) -> Vec<f64> {
    diffsol_solve!(
        rtol,
        atol,
        [1.0, 0.0, 0.0],
        40.0,
        |y: &[f64], _p: &[f64], _t: f64, f: &mut [f64]| Robertson.rhs(0.0, y, f),
        |y: &[f64], _p: &[f64], _t: f64, v: &[f64], jv: &mut [f64]| {
            jv[0] = -0.04 * v[0] + 1e4 * y[2] * v[1] + 1e4 * y[1] * v[2];
            jv[1] = 0.04 * v[0] - (1e4 * y[2] + 6e7 * y[1]) * v[1] - 1e4 * y[1] * v[2];
            jv[2] = 6e7 * y[1] * v[1];
        }
    )
}

fn vdp_diffsol(rtol: f64, atol: f64) -> Vec<f64> {
    let mu = 1000.0;
    diffsol_solve!(
        rtol,
        atol,
        [2.0, 0.0],
        2000.0,
        move |y: &[f64], _p: &[f64], _t: f64, f: &mut [f64]| VanDerPol { mu }.rhs(0.0, y, f),
        move |y: &[f64], _p: &[f64], _t: f64, v: &[f64], jv: &mut [f64]| {
            jv[0] = v[1];
            jv[1] = (-2.0 * mu * y[0] * y[1] - 1.0) * v[0] + mu * (1.0 - y[0] * y[0]) * v[1];
        }
    )
}

fn hires_diffsol(rtol: f64, atol: f64) -> Vec<f64> {
    diffsol_solve!(
        rtol,
        atol,
        Hires::Y0,
        Hires::T_END,
        |y: &[f64], _p: &[f64], _t: f64, f: &mut [f64]| Hires.rhs(0.0, y, f),
        |y: &[f64], _p: &[f64], _t: f64, v: &[f64], jv: &mut [f64]| {
            // J·v of HIRES written out (same equations as twin-core's `Hires`).
            jv[0] = -1.71 * v[0] + 0.43 * v[1] + 8.32 * v[2];
            jv[1] = 1.71 * v[0] - 8.75 * v[1];
            jv[2] = -10.03 * v[2] + 0.43 * v[3] + 0.035 * v[4];
            jv[3] = 8.32 * v[1] + 1.71 * v[2] - 1.12 * v[3];
            jv[4] = -1.745 * v[4] + 0.43 * v[5] + 0.43 * v[6];
            jv[5] = 0.69 * v[3] + 1.71 * v[4] - (280.0 * y[7] + 0.43) * v[5] + 0.69 * v[6]
                - 280.0 * y[5] * v[7];
            jv[6] = 280.0 * y[7] * v[5] - 1.81 * v[6] + 280.0 * y[5] * v[7];
            jv[7] = -jv[6];
        }
    )
}

fn ours(sys: &dyn OdeSystem, y0: &[f64], t_end: f64, rtol: f64, atol: f64) -> Vec<f64> {
    solve(
        sys,
        0.0,
        y0,
        t_end,
        &[t_end],
        &SolverOptions::new(Method::Rodas4, rtol, atol),
    )
    .unwrap()
    .y[0]
        .clone()
}

fn benches(c: &mut Criterion) {
    let cases: [(&str, f64, f64, &[f64]); 3] = [
        ("robertson_t40", 1e-6, 1e-10, &ROBERTSON_40),
        ("vdp_mu1000_t2000", 1e-6, 1e-8, &VDP_2000),
        ("hires", 1e-6, 1e-10, &HIRES_END),
    ];
    for (name, rtol, atol, reference) in cases {
        let run_diffsol = || match name {
            "robertson_t40" => robertson_diffsol(rtol, atol),
            "vdp_mu1000_t2000" => vdp_diffsol(rtol, atol),
            _ => hires_diffsol(rtol, atol),
        };
        let run_ours = || match name {
            "robertson_t40" => ours(&Robertson, &[1.0, 0.0, 0.0], 40.0, rtol, atol),
            "vdp_mu1000_t2000" => ours(&VanDerPol { mu: 1000.0 }, &[2.0, 0.0], 2000.0, rtol, atol),
            _ => ours(&Hires, &Hires::Y0, Hires::T_END, rtol, atol),
        };
        eprintln!(
            "{name} rtol {rtol:e} atol {atol:e}: max rel err diffsol BDF {:.2e}, twin-core Rodas4 {:.2e}",
            max_rel_err(&run_diffsol(), reference),
            max_rel_err(&run_ours(), reference)
        );
        let mut g = c.benchmark_group(name);
        g.bench_function("diffsol_bdf", |b| b.iter(|| black_box(run_diffsol())));
        g.bench_function("twin_core_rodas4", |b| b.iter(|| black_box(run_ours())));
        g.finish();
    }
}

criterion_group!(peer, benches);
criterion_main!(peer);
