//! Measured convergence orders (fixed step sizes, log–log least-squares fit).

use twin_core::ode::{FnSystem, Method, OdeSystem, SolverOptions, solve};

/// Logistic growth `y' = y(1 − y)`, `y(0) = 0.1`: `y(t) = 1 / (1 + 9 e^{−t})`.
fn logistic_exact(t: f64) -> f64 {
    1.0 / (1.0 + 9.0 * (-t).exp())
}

/// A nonlinear, non-autonomous 2-D system with known solution
/// `y = (1/(1+t²), t/(1+t²))`: `y1' = −2t·y1²`, `y2' = y1 − 2t·y1·y2`.
struct Rational;
impl OdeSystem for Rational {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&self, t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = -2.0 * t * y[0] * y[0];
        dy[1] = y[0] - 2.0 * t * y[0] * y[1];
    }
}
fn rational_exact(t: f64) -> [f64; 2] {
    let d = 1.0 + t * t;
    [1.0 / d, t / d]
}

/// Options that make the adaptive solver take exactly the step `h`.
fn fixed(method: Method, h: f64) -> SolverOptions {
    SolverOptions {
        rtol: 0.5,
        atol: 1e6.into(),
        h0: Some(h),
        h_max: h,
        method,
        ..Default::default()
    }
}

/// Least-squares slope of log(err) against log(h).
fn slope(hs: &[f64], errs: &[f64]) -> f64 {
    let x: Vec<f64> = hs.iter().map(|h| h.ln()).collect();
    let y: Vec<f64> = errs.iter().map(|e| e.ln()).collect();
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    sxy / sxx
}

fn measured_order<S: OdeSystem>(
    sys: &S,
    y0: &[f64],
    t_end: f64,
    exact: impl Fn(f64) -> Vec<f64>,
    method: Method,
    steps: &[usize],
) -> (f64, Vec<f64>) {
    let hs: Vec<f64> = steps.iter().map(|&n| t_end / n as f64).collect();
    let errs: Vec<f64> = hs
        .iter()
        .zip(steps)
        .map(|(&h, &n)| {
            // Every step end is an output: the max error over the run avoids a lucky
            // sign change of the error at one time.
            let sol = solve(sys, 0.0, y0, t_end, &[], &fixed(method, h)).unwrap();
            assert_eq!(
                sol.stats.accepted, n,
                "fixed-step run took {} steps, wanted {n}",
                sol.stats.accepted
            );
            sol.t
                .iter()
                .zip(&sol.y)
                .map(|(&t, y)| {
                    y.iter()
                        .zip(exact(t))
                        .map(|(a, b)| (a - b).abs())
                        .fold(0.0, f64::max)
                })
                .fold(0.0, f64::max)
        })
        .collect();
    let p = slope(&hs, &errs);
    eprintln!("{method:?}: measured order {p:.3}");
    (p, errs)
}

/// Measured global order on the logistic equation and on the non-autonomous
/// `Rational` system (finite-difference Jacobian and ∂f/∂t for Rodas4).
fn assert_order(method: Method, want: f64, logistic_steps: &[usize], rational_steps: &[usize]) {
    let logistic = FnSystem::new(1, |_t, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[0] * (1.0 - y[0])
    });
    let (p, errs) = measured_order(
        &logistic,
        &[0.1],
        5.0,
        |t| vec![logistic_exact(t)],
        method,
        logistic_steps,
    );
    assert!(
        (p - want).abs() < 0.3,
        "{method:?} logistic: order {p:.3}, errors {errs:?}"
    );
    let (p, errs) = measured_order(
        &Rational,
        &[1.0, 0.0],
        4.0,
        |t| rational_exact(t).to_vec(),
        method,
        rational_steps,
    );
    assert!(
        (p - want).abs() < 0.3,
        "{method:?} rational: order {p:.3}, errors {errs:?}"
    );
}

#[test]
fn dopri5_is_fifth_order() {
    assert_order(
        Method::Dopri5,
        5.0,
        &[20, 28, 40, 56, 80],
        &[64, 90, 128, 180, 256],
    );
}

#[test]
fn rodas4_is_fourth_order() {
    assert_order(
        Method::Rodas4,
        4.0,
        &[40, 56, 80, 112, 160],
        &[40, 56, 80, 112, 160],
    );
}

/// Dense output between steps: Dopri5's continuous extension has order 4 (local
/// error O(h⁵)), Rodas4's has order 3 (local error O(h⁴)); with the global error of
/// the same or higher order, mid-step errors must fall at ≈ h⁵ and ≈ h⁴.
#[test]
fn dense_output_converges_at_interpolant_order() {
    for (method, want) in [(Method::Dopri5, 5.0), (Method::Rodas4, 4.0)] {
        let steps = [20usize, 28, 40, 56, 80];
        let t_end = 4.0;
        let hs: Vec<f64> = steps.iter().map(|&n| t_end / n as f64).collect();
        let errs: Vec<f64> = hs
            .iter()
            .zip(&steps)
            .map(|(&h, &n)| {
                // Points at 0.3 and 0.7 of every step (never a step end).
                let t_out: Vec<f64> = (0..n)
                    .flat_map(|k| [(k as f64 + 0.3) * h, (k as f64 + 0.7) * h])
                    .collect();
                let sol = solve(
                    &Rational,
                    0.0,
                    &[1.0, 0.0],
                    t_end,
                    &t_out,
                    &fixed(method, h),
                )
                .unwrap();
                sol.t
                    .iter()
                    .zip(&sol.y)
                    .map(|(&t, y)| {
                        let e = rational_exact(t);
                        (y[0] - e[0]).abs().max((y[1] - e[1]).abs())
                    })
                    .fold(0.0, f64::max)
            })
            .collect();
        let p = slope(&hs, &errs);
        eprintln!("{method:?}: measured dense-output order {p:.3}");
        assert!(
            (p - want).abs() < 0.3,
            "{method:?}: dense-output order {p:.3}, errors {errs:?}"
        );
    }
}
