//! Treatment plans against closed-form pharmacokinetics.

use twin_core::ode::{FnSystem, Method, SolverOptions, solve};
use twin_core::pk::{OneCompartmentOral, OralDose, PkParams, PlasmaConcentration};
use twin_core::schedule::{Action, Plan, simulate_plan};
use twin_core::twin::{DiseaseModel, Observation};

fn tight(method: Method) -> SolverOptions {
    SolverOptions {
        rtol: 1e-11,
        atol: 1e-13.into(),
        method,
        ..Default::default()
    }
}

/// "100 mg every 8 h for 7 days" (21 doses) equals the superposition of Bateman
/// functions (Gibaldi & Perrier 1982) to 1e-8 relative, with both methods.
#[test]
fn repeated_oral_doses_match_superposition() {
    let p = PkParams::default();
    let model = OneCompartmentOral::new(p);
    let plan = Plan::every(0.0, 8.0, 7.0 * 24.0, OralDose { amount_mg: 100.0 }).unwrap();
    assert_eq!(plan.len(), 21);
    let doses: Vec<(f64, f64)> = plan
        .items()
        .iter()
        .map(|d| (d.t, d.what.amount_mg))
        .collect();
    let t_out: Vec<f64> = (1..=200).map(|k| k as f64 * 0.9).collect(); // 0.9 h .. 180 h, off the dose grid too
    for method in [Method::Dopri5, Method::Rodas4] {
        let sol = simulate_plan(
            &model,
            &model.actions(&p, &plan).unwrap(),
            0.0,
            &[0.0, 0.0],
            180.0,
            &t_out,
            &tight(method),
        )
        .unwrap();
        assert_eq!(sol.t, t_out);
        let mut worst = 0.0f64;
        for (t, y) in sol.t.iter().zip(&sol.y) {
            let want = p.concentration_closed_form(&doses, *t).unwrap();
            worst = worst.max(((y[1] / p.volume_l - want) / want).abs());
        }
        assert!(worst < 1e-8, "{method:?}: worst relative error {worst:e}");
    }
}

/// The DiseaseModel path (plan of OralDose → trajectory → observation) gives the same
/// closed-form concentrations, with bioavailability applied to each dose.
#[test]
fn disease_model_simulate_applies_bioavailability() {
    let p = PkParams {
        bioavailability: 0.6,
        ..PkParams::default()
    };
    let model = OneCompartmentOral::new(p);
    let plan = Plan::new()
        .with(0.0, OralDose { amount_mg: 250.0 })
        .unwrap()
        .with(10.0, OralDose { amount_mg: 125.0 })
        .unwrap();
    let traj = model.simulate(&p, &plan, 24.0).unwrap();
    let obs = PlasmaConcentration {
        volume_l: p.volume_l,
    };
    assert_eq!(traj.t.len(), 97);
    for (t, c) in traj.t.iter().zip(traj.observe(&obs)) {
        let want = p
            .concentration_closed_form(&[(0.0, 250.0), (10.0, 125.0)], *t)
            .unwrap();
        assert!(
            (c[0] - want).abs() <= 1e-8 * want.max(1e-3),
            "t = {t}: {} vs {want}",
            c[0]
        );
    }
    assert_eq!(obs.names(), vec!["concentration_mg_per_l".to_string()]);
}

/// Constant-rate IV infusion into a one-compartment body (elimination k):
/// `A(t) = R/k (1 − e^{−kt})` while running, then `A(T) e^{−k(t−T)}`.
#[test]
fn infusion_switches_on_and_off() {
    let k = 0.3;
    let sys = FnSystem::new(1, move |_t, y: &[f64], dy: &mut [f64]| dy[0] = -k * y[0]);
    let plan = Plan::new()
        .with(
            1.0,
            Action::Infusion {
                state: 0,
                rate: 50.0,
                duration: 4.0,
            },
        )
        .unwrap();
    let t_out = [0.5, 1.0, 3.0, 5.0, 9.0];
    let sol = simulate_plan(
        &sys,
        &plan,
        0.0,
        &[0.0],
        10.0,
        &t_out,
        &tight(Method::Dopri5),
    )
    .unwrap();
    let a = |t: f64| {
        if t < 1.0 {
            0.0
        } else if t <= 5.0 {
            50.0 / k * (1.0 - (-k * (t - 1.0)).exp())
        } else {
            50.0 / k * (1.0 - (-k * 4.0f64).exp()) * (-k * (t - 5.0)).exp()
        }
    };
    for (t, y) in sol.t.iter().zip(&sol.y) {
        assert!(
            (y[0] - a(*t)).abs() < 1e-9 * (1.0 + a(*t)),
            "t = {t}: {} vs {}",
            y[0],
            a(*t)
        );
    }
}

/// A parameter change (elimination rate doubled at t = 2) and a state reset (t = 6):
/// piecewise exponentials.
#[test]
fn set_parameter_and_reset_state() {
    let p = PkParams::default();
    let model = OneCompartmentOral::new(p);
    let ke2 = 2.0 * p.ke_per_h;
    let plan = Plan::new()
        .with(
            2.0,
            Action::SetParameter {
                index: 1,
                value: ke2,
            },
        )
        .unwrap()
        .with(
            6.0,
            Action::ResetState {
                state: 1,
                value: 10.0,
            },
        )
        .unwrap();
    // Start with drug only in the central compartment (gut empty).
    let sol = simulate_plan(
        &model,
        &plan,
        0.0,
        &[0.0, 100.0],
        8.0,
        &[2.0, 4.0, 6.0, 8.0],
        &tight(Method::Rodas4),
    )
    .unwrap();
    let a2 = 100.0 * (-p.ke_per_h * 2.0).exp();
    let want = [a2, a2 * (-ke2 * 2.0).exp(), 10.0, 10.0 * (-ke2 * 2.0).exp()];
    for (y, w) in sol.y.iter().zip(want) {
        assert!((y[1] - w).abs() < 1e-9 * w, "{} vs {w}", y[1]);
    }
    // The caller's system is untouched by the plan's parameter change.
    assert_eq!(model.params.ke_per_h, p.ke_per_h);
}

/// Without any plan, `solve` and `simulate_plan` agree (same integrator, one segment).
#[test]
fn empty_plan_equals_plain_solve() {
    let model = OneCompartmentOral::new(PkParams::default());
    let opts = tight(Method::Dopri5);
    let a = simulate_plan(
        &model,
        &Plan::new(),
        0.0,
        &[100.0, 0.0],
        12.0,
        &[3.0, 12.0],
        &opts,
    )
    .unwrap();
    let b = solve(&model, 0.0, &[100.0, 0.0], 12.0, &[3.0, 12.0], &opts).unwrap();
    assert_eq!(a.y, b.y);
}

/// Breakpoints a rounding error apart (the 4th dose of `every(0, 0.1, ..)` is at
/// 3·0.1 = 0.30000000000000004, the infusion ends at 0.3) are one breakpoint, with
/// every action at it applied: the result is the closed form of `y' = −k y + input`.
#[test]
fn breakpoints_a_rounding_error_apart_are_merged() {
    let (k, rate, stop) = (0.7, 2.0, 0.3);
    let sys = FnSystem::new(1, move |_t, y: &[f64], dy: &mut [f64]| dy[0] = -k * y[0]);
    let bolus = Action::Bolus {
        state: 0,
        amount: 1.0,
    };
    let doses = Plan::every(0.0, 0.1, 0.5, bolus).unwrap();
    assert!(
        doses.items()[3].t > stop,
        "the test needs the rounded dose time"
    );
    let plan = doses
        .clone()
        .with(
            0.0,
            Action::Infusion {
                state: 0,
                rate,
                duration: stop,
            },
        )
        .unwrap();
    let closed_form = |t: f64| {
        let boluses: f64 = doses
            .items()
            .iter()
            .filter(|d| d.t <= t)
            .map(|d| (-k * (t - d.t)).exp())
            .sum();
        let s = t.min(stop);
        boluses + rate / k * (1.0 - (-k * s).exp()) * (-k * (t - s)).exp()
    };
    let t_out = [0.05, 0.25, 0.35, 0.45, 1.0];
    for method in [Method::Dopri5, Method::Rodas4] {
        let sol = simulate_plan(&sys, &plan, 0.0, &[0.0], 1.0, &t_out, &tight(method)).unwrap();
        for (t, y) in sol.t.iter().zip(&sol.y) {
            let want = closed_form(*t);
            assert!(
                (y[0] - want).abs() < 1e-9 * want,
                "t = {t}: {} vs {want}",
                y[0]
            );
        }
    }
    // An infusion shorter than the merge tolerance delivers ~rate·duration (nothing),
    // rather than running until the next breakpoint.
    let blip = Plan::new()
        .with(
            0.5,
            Action::Infusion {
                state: 0,
                rate: 1.0,
                duration: 1e-15,
            },
        )
        .unwrap();
    let sol = simulate_plan(
        &sys,
        &blip,
        0.0,
        &[1.0],
        1.0,
        &[1.0],
        &tight(Method::Dopri5),
    )
    .unwrap();
    let want = (-k * 1.0f64).exp();
    assert!(
        (sol.y[0][0] - want).abs() < 1e-10,
        "{} vs {want}",
        sol.y[0][0]
    );
}

/// Volume (2) and bioavailability (3) do not enter the ODE (V only scales the
/// observation, F is applied when doses are converted), so setting them
/// mid-simulation would silently do nothing: rejected with the settable indices.
#[test]
fn set_parameter_rejects_parameters_outside_the_ode() {
    use twin_core::ode::OdeSystem;
    let mut model = OneCompartmentOral::new(PkParams::default());
    for index in [2, 3] {
        let err = model.set_parameter(index, 0.5).unwrap_err().to_string();
        assert!(
            err.contains("`parameter index` = ") && err.contains(&format!("= {index}:")),
            "{err}"
        );
        assert!(err.contains("0 (ka) or 1 (ke)"), "{err}");
    }
    model.set_parameter(0, 2.5).unwrap();
    model.set_parameter(1, 0.2).unwrap();
    assert_eq!((model.params.ka_per_h, model.params.ke_per_h), (2.5, 0.2));
}

/// `Method::Auto` restarts non-stiff at every breakpoint and may switch again;
/// `switched_to_stiff_at` keeps the first switch (as `Stats::add` does).
#[test]
fn first_switch_to_stiff_is_kept_across_breakpoints() {
    use twin_core::ode::problems::Robertson;
    let plan = Plan::new()
        .with(
            1.0,
            Action::Bolus {
                state: 0,
                amount: 1e-3,
            },
        )
        .unwrap();
    let opts = SolverOptions::new(Method::Auto, 1e-6, 1e-10);
    let first = solve(&Robertson, 0.0, &[1.0, 0.0, 0.0], 1.0, &[1.0], &opts)
        .unwrap()
        .stats
        .switched_to_stiff_at
        .expect("Robertson is stiff before t = 1");
    let sol = simulate_plan(
        &Robertson,
        &plan,
        0.0,
        &[1.0, 0.0, 0.0],
        100.0,
        &[100.0],
        &opts,
    )
    .unwrap();
    assert_eq!(sol.stats.switched_to_stiff_at, Some(first));
}

/// A → B (rate k) conserves A + B, declared as an invariant; an infusion into A adds
/// mass, so while it runs the invariant must not be enforced: A + B = m0 + r·min(t, d).
#[test]
fn infusion_into_an_invariant_is_not_projected_away() {
    use twin_core::ode::OdeSystem;
    #[derive(Clone)]
    struct Transfer;
    impl OdeSystem for Transfer {
        fn dim(&self) -> usize {
            2
        }
        fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = -0.5 * y[0];
            dy[1] = 0.5 * y[0];
        }
        fn linear_invariants(&self) -> Vec<Vec<f64>> {
            vec![vec![1.0, 1.0]]
        }
    }
    let (rate, duration) = (3.0, 2.0);
    let plan = Plan::new()
        .with(
            1.0,
            Action::Infusion {
                state: 0,
                rate,
                duration,
            },
        )
        .unwrap();
    let t_out = [0.5, 2.0, 3.0, 5.0];
    for method in [Method::Dopri5, Method::Rodas4] {
        let sol = simulate_plan(
            &Transfer,
            &plan,
            0.0,
            &[1.0, 0.0],
            5.0,
            &t_out,
            &tight(method),
        )
        .unwrap();
        for (t, y) in sol.t.iter().zip(&sol.y) {
            let want = 1.0 + rate * (t - 1.0).clamp(0.0, duration);
            assert!(
                (y[0] + y[1] - want).abs() < 1e-10,
                "t = {t}: {y:?}, want {want}"
            );
        }
    }
}
