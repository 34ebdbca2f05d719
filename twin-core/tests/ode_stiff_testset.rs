//! Stiff problems of the Hairer & Wanner / Bari test sets (issue 23): E5, OREGO and
//! POLLU against their published reference solutions.
//!
//! References (transcribed from the test-set sources and cross-checked with SciPy
//! 1.17.1 `solve_ivp(method="Radau")` at rtol 1e-12, agreement ≤ 4e-13 for OREGO and
//! POLLU):
//! - E5 at t = 1e13: Hairer's RADAU5 reference `y2 = y3 = 8.8612334976263783e-23`,
//!   `y1 = y4 = 0` (consistent with the invariant `y2 − y3 − y4 = 0`; the Bari file's
//!   y2, y3 differ from each other by 1.3e-25 and each by 7e-4 from this, which a
//!   reduced solve with the invariant enforced confirmed). In the 4-equation form the
//!   invariant direction is neutral: an O(1e-25) round-off error made near t = 1e3
//!   (where y2 ~ 1e-10) persists, so y2 and y3 individually carry ~1e-3 relative
//!   error in any double-precision solver (SciPy Radau: 2e-4 – 1.2e-2); their mean and
//!   the invariant are the sharp checks. E5 declares its invariant
//!   ([`OdeSystem::linear_invariants`](twin_core::ode::OdeSystem::linear_invariants)):
//!   without the projection Rodas4 lets it drift to 3.7e-22, four times y2, through
//!   the rounding of the Jacobian (see that method's docs); SciPy's Radau, whose
//!   Newton iteration keeps the Jacobian out of the solution, does not need it.
//! - OREGO at t = 360 and POLLU at t = 60: Bari test set (Mazzia & Magherini 2008),
//!   `solut` of `orego.f` and `pollu.f`.
#![allow(clippy::excessive_precision)]

use twin_core::ode::problems::{E5, Orego, Pollu};
use twin_core::ode::{Method, SolverOptions, Tolerance, solve};
use twin_core::schedule::{Action, Plan, simulate_plan};

fn rel(got: f64, want: f64) -> f64 {
    ((got - want) / want).abs()
}

const E5_Y2: f64 = 8.861233497626378e-23;

#[test]
fn e5_at_1e13_matches_hairer_and_keeps_its_invariant() {
    for (method, rtol) in [
        (Method::Rodas4, 1e-6),
        (Method::Rodas4, 1e-8),
        (Method::Auto, 1e-6),
    ] {
        // Hairer & Wanner's E5 runs use ATOL = 1.7e-24 for every component.
        let opts = SolverOptions {
            rtol,
            atol: Tolerance::Scalar(1.7e-24),
            method,
            max_steps: 200_000,
            ..Default::default()
        };
        let sol = solve(&E5, 0.0, &E5::Y0, E5::T_END, &[1e3, E5::T_END], &opts).unwrap();
        let y = &sol.y[1];
        let drift = y[1] - y[2] - y[3];
        println!(
            "{method:?} rtol {rtol:e}: y = {y:?}, y2-y3-y4 = {drift:e}, steps {}",
            sol.stats.accepted
        );
        assert!(y[0].abs() <= 1e-30 && y[3].abs() <= 1e-30, "{y:?}");
        assert!(drift.abs() <= 1e-23, "invariant drift {drift:e}");
        // SciPy 1.17.1 Radau/BDF at rtol 1e-4..1e-8, atol ≤ 1e-24: 2e-4 – 6e-3.
        assert!(rel(y[1], E5_Y2) < 1e-2 && rel(y[2], E5_Y2) < 1e-2, "{y:?}");
        // At t = 1e3 (Hairer's second output) the species are large enough for a
        // tight check: y = (1.618e-3, 1.382e-10, 8.25e-12, 1.30e-10).
        let want = [
            1.6180769999072942552e-03,
            1.3822370304983735443e-10,
            8.2515735006838336088e-12,
            1.2997212954915352082e-10,
        ];
        for (g, w) in sol.y[0].iter().zip(want) {
            assert!(rel(*g, w) < 1e-3, "t = 1e3: {g:e} vs {w:e}");
        }
    }
}

/// Under a treatment plan E5 keeps its declared invariant as under `solve`: with no
/// interventions, and with a bolus and an infusion into `y1`, which the invariant
/// `y2 − y3 − y4` does not contain.
#[test]
fn e5_keeps_its_invariant_under_a_treatment_plan() {
    let opts = SolverOptions {
        rtol: 1e-6,
        atol: Tolerance::Scalar(1.7e-24),
        method: Method::Rodas4,
        max_steps: 200_000,
        ..Default::default()
    };
    let t_out = [1e3, E5::T_END];
    let plain = solve(&E5, 0.0, &E5::Y0, E5::T_END, &t_out, &opts).unwrap();
    let empty = simulate_plan(&E5, &Plan::new(), 0.0, &E5::Y0, E5::T_END, &t_out, &opts).unwrap();
    assert_eq!(empty.y, plain.y);
    let plan = Plan::new()
        .with(
            0.0,
            Action::Infusion {
                state: 0,
                rate: 1e-9,
                duration: 1e3,
            },
        )
        .unwrap()
        .with(
            1e5,
            Action::Bolus {
                state: 0,
                amount: 1e-4,
            },
        )
        .unwrap();
    let dosed = simulate_plan(&E5, &plan, 0.0, &E5::Y0, E5::T_END, &t_out, &opts).unwrap();
    // As in the test above: 1e-23 absolute at the end (y2 ~ 1e-22), rounding
    // relative to y2 at t = 1e3 (y2 ~ 1e-10).
    for y in empty.y.iter().chain(&dosed.y) {
        let drift = y[1] - y[2] - y[3];
        let tol = 1e-23f64.max(1e-12 * y[1].abs());
        assert!(drift.abs() <= tol, "invariant drift {drift:e} at y = {y:?}");
    }
}

#[test]
fn orego_at_360_matches_bari() {
    let want = [1.000814870318523, 1228.178521549917, 132.0554942846706];
    let opts = SolverOptions {
        rtol: 1e-8,
        atol: Tolerance::Scalar(1e-14),
        method: Method::Rodas4,
        max_steps: 200_000,
        ..Default::default()
    };
    let sol = solve(&Orego, 0.0, &[1.0, 2.0, 3.0], 360.0, &[360.0], &opts).unwrap();
    let e = (0..3)
        .map(|i| rel(sol.y[0][i], want[i]))
        .fold(0.0, f64::max);
    println!("OREGO: y = {:?}, max rel err {e:e}", sol.y[0]);
    assert!(e < 1e-5, "max rel err {e:e}");
}

#[test]
fn pollu_at_60_matches_bari_with_a_finite_difference_jacobian() {
    let want = [
        0.5646255480022769e-01,
        0.1342484130422339e+00,
        0.4139734331099427e-08,
        0.5523140207484359e-02,
        0.2018977262302196e-06,
        0.1464541863493966e-06,
        0.7784249118997964e-01,
        0.3245075353396018e+00,
        0.7494013383880406e-02,
        0.1622293157301561e-07,
        0.1135863833257075e-07,
        0.2230505975721359e-02,
        0.2087162882798630e-03,
        0.1396921016840158e-04,
        0.8964884856898295e-02,
        0.4352846369330103e-17,
        0.6899219696263405e-02,
        0.1007803037365946e-03,
        0.1772146513969984e-05,
        0.5682943292316392e-04,
    ];
    for method in [Method::Rodas4, Method::Auto] {
        let opts = SolverOptions {
            rtol: 1e-6,
            atol: Tolerance::Scalar(1e-12),
            method,
            ..Default::default()
        };
        let sol = solve(&Pollu, 0.0, &Pollu::y0(), 60.0, &[60.0], &opts).unwrap();
        let (worst, e) = (0..20)
            .map(|i| (i, rel(sol.y[0][i], want[i])))
            .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        println!("POLLU {method:?}: max rel err {e:e} (y{})", worst + 1);
        assert!(e < 1e-4, "{method:?}: y{} rel err {e:e}", worst + 1);
    }
}
