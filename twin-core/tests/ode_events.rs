//! Events located at analytically known times.

use twin_core::ode::{Direction, Event, FnSystem, Method, SolverOptions, solve_with_events};
use twin_core::pk::{OneCompartmentOral, PkParams};
use twin_core::schedule::{Action, Plan, simulate_plan_with_events};

fn opts(method: Method) -> SolverOptions {
    SolverOptions {
        rtol: 1e-11,
        atol: 1e-13.into(),
        method,
        ..Default::default()
    }
}

/// Exponential decay `y = 10 e^{−0.7 t}` falls below 1 at `t* = ln(10)/0.7`.
#[test]
fn threshold_crossing_of_exponential_decay() {
    let sys = FnSystem::new(1, |_t, y: &[f64], dy: &mut [f64]| dy[0] = -0.7 * y[0]);
    for method in [Method::Dopri5, Method::Rodas4] {
        let ev = [Event::new(|_t, y: &[f64]| y[0] - 1.0)
            .direction(Direction::Falling)
            .terminal(true)];
        let sol = solve_with_events(
            &sys,
            0.0,
            &[10.0],
            20.0,
            &[1.0, 2.0, 5.0, 10.0],
            &ev,
            &opts(method),
        )
        .unwrap();
        let want = 10f64.ln() / 0.7;
        assert_eq!(sol.events.len(), 1);
        assert!(
            (sol.events[0].t - want).abs() < 1e-9,
            "{method:?}: {} vs {want}",
            sol.events[0].t
        );
        assert!((sol.events[0].y[0] - 1.0).abs() < 1e-9);
        // Terminal: outputs after t* are not produced.
        assert_eq!(sol.terminated_by, Some(0));
        assert_eq!(sol.t, vec![1.0, 2.0]);
    }
}

/// Harmonic oscillator `y = (cos t, −sin t)`: `y1` vanishes at π/2 + kπ, falling at
/// even k and rising at odd k (three zeros in [0, 10]). Non-terminal events are all recorded, in order.
#[test]
fn directions_and_non_terminal_events() {
    let sys = FnSystem::new(2, |_t, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[1];
        dy[1] = -y[0];
    });
    let ev = [
        Event::new(|_t, y: &[f64]| y[0]).direction(Direction::Rising),
        Event::new(|_t, y: &[f64]| y[0]).direction(Direction::Falling),
        Event::new(|_t, y: &[f64]| y[0]),
    ];
    let sol = solve_with_events(
        &sys,
        0.0,
        &[1.0, 0.0],
        10.0,
        &[10.0],
        &ev,
        &opts(Method::Dopri5),
    )
    .unwrap();
    let half_pi = std::f64::consts::FRAC_PI_2;
    let rising: Vec<f64> = sol
        .events
        .iter()
        .filter(|e| e.index == 0)
        .map(|e| e.t)
        .collect();
    let falling: Vec<f64> = sol
        .events
        .iter()
        .filter(|e| e.index == 1)
        .map(|e| e.t)
        .collect();
    let both = sol.events.iter().filter(|e| e.index == 2).count();
    let pi = std::f64::consts::PI;
    assert_eq!(falling.len(), 2, "{falling:?}"); // π/2, 5π/2
    assert_eq!(rising.len(), 1, "{rising:?}"); // 3π/2 (7π/2 > 10)
    assert_eq!(both, 3);
    for (k, t) in falling.iter().enumerate() {
        assert!(
            (t - (half_pi + 2.0 * k as f64 * pi)).abs() < 1e-9,
            "falling {t}"
        );
    }
    for (k, t) in rising.iter().enumerate() {
        assert!(
            (t - (3.0 * half_pi + 2.0 * k as f64 * pi)).abs() < 1e-9,
            "rising {t}"
        );
    }
    assert!(sol.events.windows(2).all(|w| w[0].t <= w[1].t));
}

/// Time-dependent event: a single oral dose's concentration falls below a threshold
/// after the peak; the reference time solves the closed-form Bateman equation by
/// bisection to machine precision.
#[test]
fn oral_dose_concentration_below_threshold() {
    let p = PkParams::default();
    let model = OneCompartmentOral::new(p);
    let threshold = 0.5; // mg/L
    let v = p.volume_l;
    let ev = [Event::new(move |_t, y: &[f64]| y[1] / v - threshold).direction(Direction::Falling)];
    let plan = Plan::new()
        .with(
            0.0,
            Action::Bolus {
                state: 0,
                amount: 100.0,
            },
        )
        .unwrap();
    let sol = simulate_plan_with_events(
        &model,
        &plan,
        0.0,
        &[0.0, 0.0],
        72.0,
        &[72.0],
        &ev,
        &opts(Method::Dopri5),
    )
    .unwrap();
    let c = |t: f64| p.concentration_closed_form(&[(0.0, 100.0)], t).unwrap() - threshold;
    let (mut a, mut b) = (10.0, 72.0); // after tmax, C(10) > 0.5 > C(72)
    assert!(c(a) > 0.0 && c(b) < 0.0);
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if c(m) > 0.0 { a = m } else { b = m }
    }
    assert_eq!(sol.events.len(), 1);
    assert!(
        (sol.events[0].t - a).abs() < 1e-9,
        "{} vs {a}",
        sol.events[0].t
    );
}

/// An event whose zero is exactly the end of a step (here `t_end` itself, where
/// `g = ±(t − 2)` is exactly 0) is located there in both directions, not at the
/// start of that step.
#[test]
fn event_exactly_at_the_end_of_a_step_is_located_there() {
    let sys = FnSystem::new(1, |_t, y: &[f64], dy: &mut [f64]| dy[0] = -y[0]);
    for method in [Method::Dopri5, Method::Rodas4] {
        for terminal in [false, true] {
            let ev = [
                Event::new(|t, _y: &[f64]| t - 2.0)
                    .direction(Direction::Rising)
                    .terminal(terminal),
                Event::new(|t, _y: &[f64]| 2.0 - t)
                    .direction(Direction::Falling)
                    .terminal(terminal),
            ];
            let sol = solve_with_events(&sys, 0.0, &[1.0], 2.0, &[], &ev, &opts(method)).unwrap();
            assert!(!sol.events.is_empty(), "{method:?}");
            for hit in &sol.events {
                assert_eq!(hit.t, 2.0, "{method:?}, event {}", hit.index);
                assert!((hit.y[0] - (-2.0f64).exp()).abs() < 1e-10, "{:?}", hit.y);
            }
            if terminal {
                assert_eq!((sol.events.len(), sol.terminated_by), (1, Some(0)));
            } else {
                assert_eq!(sol.events.len(), 2);
            }
        }
    }
}

/// A terminal event at a dose time is located at the breakpoint (the end of the
/// segment before the dose), with the pre-dose state, and stops the plan there.
#[test]
fn terminal_event_at_a_dose_breakpoint() {
    let sys = FnSystem::new(1, |_t, y: &[f64], dy: &mut [f64]| dy[0] = -y[0]);
    let plan = Plan::new()
        .with(
            1.0,
            Action::Bolus {
                state: 0,
                amount: 5.0,
            },
        )
        .unwrap();
    let ev = [Event::new(|t, _y: &[f64]| t - 1.0)
        .direction(Direction::Rising)
        .terminal(true)];
    let sol = simulate_plan_with_events(
        &sys,
        &plan,
        0.0,
        &[1.0],
        3.0,
        &[0.5, 2.0],
        &ev,
        &opts(Method::Dopri5),
    )
    .unwrap();
    assert_eq!(sol.terminated_by, Some(0));
    assert_eq!(sol.events.len(), 1);
    assert_eq!(sol.events[0].t, 1.0);
    assert!((sol.events[0].y[0] - (-1.0f64).exp()).abs() < 1e-10);
    assert_eq!(sol.t, vec![0.5]);
}
