//! Bad input gives a clear error naming the value, never a panic.

use twin_core::CoreError;
use twin_core::ode::{FnSystem, Method, SolverOptions, Tolerance, solve};
use twin_core::pk::{OneCompartmentOral, PkParams};
use twin_core::schedule::{Action, Plan, simulate_plan};

fn decay() -> FnSystem<impl Fn(f64, &[f64], &mut [f64]) + Sync + Clone> {
    FnSystem::new(1, |_t, y: &[f64], dy: &mut [f64]| dy[0] = -y[0])
}

fn message(r: Result<impl std::fmt::Debug, CoreError>) -> String {
    r.expect_err("bad input must be an error").to_string()
}

#[test]
fn non_finite_initial_state() {
    let o = SolverOptions::default();
    let m = message(solve(&decay(), 0.0, &[f64::NAN], 1.0, &[], &o));
    assert!(m.contains("y0[0]") && m.contains("NaN"), "{m}");
    let m = message(solve(&decay(), 0.0, &[f64::INFINITY], 1.0, &[], &o));
    assert!(m.contains("y0[0]") && m.contains("inf"), "{m}");
    let m = message(solve(&decay(), 0.0, &[1.0, 2.0], 1.0, &[], &o));
    assert!(m.contains("y0") && m.contains("1 components"), "{m}");
}

#[test]
fn bad_tolerances_and_options() {
    let mut o = SolverOptions {
        rtol: -1e-6,
        ..Default::default()
    };
    assert!(message(solve(&decay(), 0.0, &[1.0], 1.0, &[], &o)).contains("rtol` = -0.000001"));
    o.rtol = 1e-6;
    o.atol = Tolerance::Scalar(-1e-9);
    assert!(message(solve(&decay(), 0.0, &[1.0], 1.0, &[], &o)).contains("atol` = -0.000000001"));
    o.atol = Tolerance::PerComponent(vec![0.0]);
    assert!(message(solve(&decay(), 0.0, &[1.0], 1.0, &[], &o)).contains("atol[0]"));
    o.atol = Tolerance::PerComponent(vec![1e-9, 1e-9]);
    assert!(message(solve(&decay(), 0.0, &[1.0], 1.0, &[], &o)).contains("atol"));
    let o = SolverOptions {
        h0: Some(0.0),
        ..Default::default()
    };
    assert!(message(solve(&decay(), 0.0, &[1.0], 1.0, &[], &o)).contains("h0"));
}

#[test]
fn time_interval_and_outputs() {
    let o = SolverOptions::default();
    let m = message(solve(&decay(), 5.0, &[1.0], 1.0, &[], &o));
    assert!(m.contains("t_end` = 1") && m.contains("t0 = 5"), "{m}");
    assert!(message(solve(&decay(), 0.0, &[1.0], f64::NAN, &[], &o)).contains("t_end"));
    assert!(message(solve(&decay(), 0.0, &[1.0], 1.0, &[2.0], &o)).contains("t_out[0]` = 2"));
    assert!(message(solve(&decay(), 0.0, &[1.0], 1.0, &[0.5, 0.2], &o)).contains("t_out[1]"));
}

#[test]
fn bad_plans() {
    let model = OneCompartmentOral::new(PkParams::default());
    let o = SolverOptions::default();
    let run = |plan: &Plan<Action>| simulate_plan(&model, plan, 0.0, &[0.0, 0.0], 24.0, &[], &o);
    let outside = Plan::new()
        .with(
            30.0,
            Action::Bolus {
                state: 0,
                amount: 100.0,
            },
        )
        .unwrap();
    let m = message(run(&outside));
    assert!(
        m.contains("plan[0].t` = 30") && m.contains("[0, 24]"),
        "{m}"
    );
    for amount in [0.0, -5.0, f64::NAN] {
        let plan = Plan::new()
            .with(1.0, Action::Bolus { state: 0, amount })
            .unwrap();
        assert!(
            message(run(&plan)).contains("plan[0].amount"),
            "amount {amount}"
        );
    }
    let plan = Plan::new()
        .with(
            1.0,
            Action::Infusion {
                state: 1,
                rate: -1.0,
                duration: 2.0,
            },
        )
        .unwrap();
    assert!(message(run(&plan)).contains("plan[0].rate` = -1"));
    let plan = Plan::new()
        .with(
            1.0,
            Action::Bolus {
                state: 7,
                amount: 1.0,
            },
        )
        .unwrap();
    assert!(message(run(&plan)).contains("plan[0].state` = 7"));
    let plan = Plan::new()
        .with(
            1.0,
            Action::SetParameter {
                index: 1,
                value: -0.1,
            },
        )
        .unwrap();
    assert!(message(run(&plan)).contains("ke_per_h"));
    assert!(message(Plan::new().with(f64::NAN, 1.0)).contains("intervention time"));
    assert!(message(Plan::every(0.0, 0.0, 24.0, 1.0)).contains("interval"));
    // A system without parameters rejects SetParameter.
    let plan = Plan::new()
        .with(
            1.0,
            Action::SetParameter {
                index: 0,
                value: 1.0,
            },
        )
        .unwrap();
    assert!(
        message(simulate_plan(&decay(), &plan, 0.0, &[1.0], 2.0, &[], &o))
            .contains("parameter index")
    );
}

/// Typed failures: blow-up (y' = y², singular at t = 1) and a step budget.
#[test]
fn solver_failures_are_typed() {
    let blowup = FnSystem::new(1, |_t, y: &[f64], dy: &mut [f64]| dy[0] = y[0] * y[0]);
    for method in [Method::Dopri5, Method::Rodas4] {
        let err = solve(
            &blowup,
            0.0,
            &[1.0],
            2.0,
            &[],
            &SolverOptions {
                method,
                ..Default::default()
            },
        )
        .unwrap_err();
        match err {
            CoreError::StepSizeUnderflow { t, .. }
            | CoreError::NonFinite { t, .. }
            | CoreError::MaxSteps { t, .. } => {
                assert!((t - 1.0).abs() < 1e-3, "{method:?} stopped at t = {t}")
            }
            other => panic!("unexpected error {other}"),
        }
    }
    let o = SolverOptions {
        max_steps: 5,
        ..Default::default()
    };
    let err = solve(&decay(), 0.0, &[1.0], 100.0, &[], &o).unwrap_err();
    assert!(
        matches!(err, CoreError::MaxSteps { max_steps: 5, .. }),
        "{err}"
    );
}

/// A right-hand side that returns NaN from t = 3 on (component 1 only) is reported as
/// `NonFinite` naming that component and a time just before 3, by every method; it
/// is not mistaken for stiffness (issue 23).
#[test]
fn nan_right_hand_side_is_reported_as_non_finite() {
    let broken = FnSystem::new(2, |t, y: &[f64], dy: &mut [f64]| {
        dy[0] = -y[0];
        dy[1] = if t < 3.0 { -0.5 * y[1] } else { f64::NAN };
    });
    for method in [Method::Dopri5, Method::Rodas4, Method::Auto] {
        let o = SolverOptions {
            method,
            ..Default::default()
        };
        match solve(&broken, 0.0, &[1.0, 1.0], 5.0, &[], &o).unwrap_err() {
            CoreError::NonFinite { what, t } => {
                assert!(what.starts_with("dydt[1]"), "{method:?}: {what}");
                assert!(t < 3.0 && t > 2.999, "{method:?}: t = {t}");
            }
            other => panic!("{method:?}: expected NonFinite, got {other}"),
        }
    }
}

/// Declared linear invariants must have one finite coefficient per state variable.
#[test]
fn malformed_linear_invariants_are_rejected() {
    struct Bad(Vec<f64>);
    impl twin_core::ode::OdeSystem for Bad {
        fn dim(&self) -> usize {
            2
        }
        fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = -y[0];
            dy[1] = y[0];
        }
        fn linear_invariants(&self) -> Vec<Vec<f64>> {
            vec![self.0.clone()]
        }
    }
    let o = SolverOptions::default();
    let e = solve(&Bad(vec![1.0]), 0.0, &[1.0, 0.0], 1.0, &[], &o).unwrap_err();
    assert!(e.to_string().contains("linear_invariants()[0]"), "{e}");
    let e = solve(&Bad(vec![0.0, 0.0]), 0.0, &[1.0, 0.0], 1.0, &[], &o).unwrap_err();
    assert!(e.to_string().contains("not all zero"), "{e}");
    // The right one: y1 + y2 is conserved to rounding at every output.
    let sol = solve(&Bad(vec![1.0, 1.0]), 0.0, &[1.0, 0.0], 5.0, &[1.0, 5.0], &o).unwrap();
    for y in &sol.y {
        assert!((y[0] + y[1] - 1.0).abs() < 1e-15, "{y:?}");
    }
}
