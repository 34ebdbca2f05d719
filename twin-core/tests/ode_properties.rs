//! Property tests: positivity, conservation, superposition of doses.

use proptest::prelude::*;
use twin_core::ode::{FnSystem, Method, SolverOptions, solve};
use twin_core::pk::{OneCompartmentOral, PkParams};
use twin_core::schedule::{Action, Plan, simulate_plan};

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Dopri5),
        Just(Method::Rodas4),
        Just(Method::Auto)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Linear decay chain A1 → A2 → … → A5 → ∅ with positive rates: every amount
    /// stays non-negative (up to the absolute tolerance) and the total never grows.
    #[test]
    fn decay_chain_stays_non_negative(
        rates in prop::collection::vec(1e-3f64..50.0, 5),
        y0 in prop::collection::vec(0.0f64..10.0, 5),
        m in method(),
    ) {
        let k = rates.clone();
        let sys = FnSystem::new(5, move |_t, y: &[f64], dy: &mut [f64]| {
            for i in 0..5 {
                let inflow = if i > 0 { k[i - 1] * y[i - 1] } else { 0.0 };
                dy[i] = inflow - k[i] * y[i];
            }
        });
        let atol = 1e-10;
        let opts = SolverOptions { rtol: 1e-7, atol: atol.into(), method: m, ..Default::default() };
        let sol = solve(&sys, 0.0, &y0, 20.0, &[], &opts).unwrap();
        let total0: f64 = y0.iter().sum();
        for row in &sol.y {
            for &v in row {
                prop_assert!(v >= -10.0 * atol, "negative amount {v}");
            }
            prop_assert!(row.iter().sum::<f64>() <= total0 * (1.0 + 1e-7) + 1e-9);
        }
    }

    /// Closed mass-action network A + B ⇌ C, C ⇌ 2D: atoms of A (a + c + d/2) and of
    /// B (b + c + d/2) are conserved; Runge–Kutta and Rosenbrock methods keep linear
    /// invariants up to round-off (and finite-difference Jacobian error).
    #[test]
    fn closed_mass_action_conserves_atoms(
        k in prop::collection::vec(1e-2f64..1e3, 4),
        y0 in prop::collection::vec(0.0f64..5.0, 4),
        m in method(),
    ) {
        let kk = k.clone();
        let sys = FnSystem::new(4, move |_t, y: &[f64], dy: &mut [f64]| {
            let r1 = kk[0] * y[0] * y[1] - kk[1] * y[2];
            let r2 = kk[2] * y[2] - kk[3] * y[3] * y[3];
            dy[0] = -r1;
            dy[1] = -r1;
            dy[2] = r1 - r2;
            dy[3] = 2.0 * r2;
        });
        let opts = SolverOptions { rtol: 1e-8, atol: 1e-12.into(), method: m, ..Default::default() };
        let sol = solve(&sys, 0.0, &y0, 10.0, &[], &opts).unwrap();
        let inv = |y: &[f64]| [y[0] + y[2] + 0.5 * y[3], y[1] + y[2] + 0.5 * y[3]];
        let i0 = inv(&y0);
        for row in &sol.y {
            let i = inv(row);
            for j in 0..2 {
                prop_assert!((i[j] - i0[j]).abs() <= 1e-9 * (1.0 + i0[j]), "invariant {j}: {} vs {}", i[j], i0[j]);
            }
        }
    }

    /// A linear PK model under doses at arbitrary times equals the sum of the
    /// single-dose solutions (superposition).
    #[test]
    fn arbitrary_doses_superpose(
        doses in prop::collection::vec((0.0f64..48.0, 1.0f64..500.0), 1..6),
        m in method(),
    ) {
        let model = OneCompartmentOral::new(PkParams::default());
        let opts = SolverOptions { rtol: 1e-10, atol: 1e-12.into(), method: m, ..Default::default() };
        let t_out: Vec<f64> = (0..=24).map(|k| k as f64 * 2.0).collect();
        let mut plan = Plan::new();
        for &(t, amount) in &doses {
            plan.add(t, Action::Bolus { state: 0, amount }).unwrap();
        }
        let all = simulate_plan(&model, &plan, 0.0, &[0.0, 0.0], 48.0, &t_out, &opts).unwrap();
        let mut sum = vec![0.0; t_out.len()];
        for &(t, amount) in &doses {
            let single = Plan::new().with(t, Action::Bolus { state: 0, amount }).unwrap();
            let s = simulate_plan(&model, &single, 0.0, &[0.0, 0.0], 48.0, &t_out, &opts).unwrap();
            for (acc, row) in sum.iter_mut().zip(&s.y) {
                *acc += row[1];
            }
        }
        let scale: f64 = doses.iter().map(|d| d.1).sum();
        for (row, want) in all.y.iter().zip(&sum) {
            prop_assert!((row[1] - want).abs() <= 1e-7 * scale, "{} vs {want}", row[1]);
        }
    }
}
