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
