//! `Integrator::restart`: daily IV boluses of a two-compartment model against the
//! closed-form biexponential superposition, and equivalence with a fresh integrator
//! (also when `restart_with` switches to another system).

use twin_core::ode::{FnSystem, Integrator, Method, OdeSystem, SolverOptions};

/// Micro-constants (1/h) of a two-compartment model; amounts in mg.
const K10: f64 = 0.25;
const K12: f64 = 0.5;
const K21: f64 = 0.25;

fn two_compartment() -> FnSystem<impl Fn(f64, &[f64], &mut [f64])> {
    FnSystem::new(2, |_, y: &[f64], dy: &mut [f64]| {
        dy[0] = -(K10 + K12) * y[0] + K21 * y[1];
        dy[1] = K12 * y[0] - K21 * y[1];
    })
}

/// Central amount (mg) at `t` h after 100 mg boluses at 0, 24, 48, ... h:
/// superposition of `D ((α − k21) e^{−αu} + (k21 − β) e^{−βu}) / (α − β)`
/// (Gibaldi & Perrier 1982, ch. 2).
fn central_closed_form(t: f64) -> f64 {
    let s = K10 + K12 + K21;
    let disc = (s * s - 4.0 * K10 * K21).sqrt();
    let (a, b) = ((s + disc) / 2.0, (s - disc) / 2.0);
    (0..)
        .map(|d| 24.0 * d as f64)
        .take_while(|&td| td <= t)
        .map(|td| {
            let u = t - td;
            100.0 * ((a - K21) * (-a * u).exp() + (K21 - b) * (-b * u).exp()) / (a - b)
        })
        .sum()
}

/// `dim` independent first-order eliminations, rate `k_per_h` (1/h).
struct Elimination {
    k_per_h: f64,
    dim: usize,
}

impl OdeSystem for Elimination {
    fn dim(&self) -> usize {
        self.dim
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        for (d, y) in dy.iter_mut().zip(y) {
            *d = -self.k_per_h * y;
        }
    }
}

#[test]
fn daily_boluses_by_restart_match_closed_form() {
    let sys = two_compartment();
    let opts = SolverOptions::new(Method::Dopri5, 1e-8, 1e-10);
    let mut it = Integrator::new(&sys, 0.0, &[100.0, 0.0], 24.0, &opts).unwrap();
    let mut worst: f64 = 0.0;
    for day in 1..=10 {
        while it.step().unwrap() {}
        let t = 24.0 * day as f64;
        assert_eq!(it.t(), t);
        // Trough just before the next dose (the closed form at t counts a dose at t).
        let trough = central_closed_form(t) - 100.0;
        worst = worst.max((it.y()[0] / trough - 1.0).abs());
        let y = [it.y()[0] + 100.0, it.y()[1]];
        it.restart(t, &y, t + 24.0).unwrap();
    }
    assert!(worst < 1e-6, "worst relative trough error {worst:e}");
}

#[test]
fn restart_equals_a_fresh_integrator() {
    let sys = two_compartment();
    let opts = SolverOptions::new(Method::Dopri5, 1e-6, 1e-6);
    let mut a = Integrator::new(&sys, 0.0, &[100.0, 0.0], 24.0, &opts).unwrap();
    while a.step().unwrap() {}
    let y = [a.y()[0] + 100.0, a.y()[1]];
    let before = a.stats().accepted + a.stats().rejected;
    a.restart(24.0, &y, 48.0).unwrap();
    let mut b = Integrator::new(&sys, 24.0, &y, 48.0, &opts).unwrap();
    assert_eq!(a.h(), b.h());
    while a.step().unwrap() {
        assert!(b.step().unwrap());
        assert_eq!((a.t(), a.y()), (b.t(), b.y()));
    }
    assert!(b.finished());
    let steps = a.stats().accepted + a.stats().rejected - before;
    assert_eq!(steps, b.stats().accepted + b.stats().rejected);
}

#[test]
fn restart_rejects_bad_input() {
    let sys = two_compartment();
    let opts = SolverOptions::default();
    let mut it = Integrator::new(&sys, 0.0, &[1.0, 0.0], 1.0, &opts).unwrap();
    assert!(it.restart(2.0, &[1.0, 0.0], 2.0).is_err());
    assert!(it.restart(0.0, &[1.0], 1.0).is_err());
    assert!(it.restart(0.0, &[f64::NAN, 0.0], 1.0).is_err());
    assert!(it.restart(f64::INFINITY, &[1.0, 0.0], 1.0).is_err());
    let one_state = Elimination {
        k_per_h: 1.0,
        dim: 1,
    };
    let three_states = Elimination {
        k_per_h: 1.0,
        dim: 3,
    };
    let mut it = Integrator::new(&one_state, 0.0, &[1.0], 1.0, &opts).unwrap();
    assert!(
        it.restart_with(&three_states, 1.0, &[1.0, 0.0, 0.0], 2.0)
            .is_err()
    );
}

#[test]
fn restart_with_another_system_equals_a_fresh_integrator() {
    // First-order elimination at 0.1 /h, then (a parameter change) at 0.3 /h.
    let slow = Elimination {
        k_per_h: 0.1,
        dim: 1,
    };
    let fast = Elimination {
        k_per_h: 0.3,
        dim: 1,
    };
    let opts = SolverOptions::new(Method::Dopri5, 1e-9, 1e-12);
    let mut a = Integrator::new(&slow, 0.0, &[100.0], 10.0, &opts).unwrap();
    while a.step().unwrap() {}
    let y10 = [a.y()[0]];
    a.restart_with(&fast, 10.0, &y10, 20.0).unwrap();
    let mut b = Integrator::new(&fast, 10.0, &y10, 20.0, &opts).unwrap();
    while a.step().unwrap() {
        assert!(b.step().unwrap());
        assert_eq!((a.t(), a.y()), (b.t(), b.y()));
    }
    // Closed form: 100 e^{-0.1·10} e^{-0.3·10}.
    let exact = 100.0 * (-1.0f64 - 3.0).exp();
    assert!(
        (a.y()[0] / exact - 1.0).abs() < 1e-8,
        "{} vs {exact}",
        a.y()[0]
    );
}
