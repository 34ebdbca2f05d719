//! Published reference solutions of standard stiff test problems.
// Reference digits are quoted exactly as published.
#![allow(clippy::excessive_precision)]

use twin_core::ode::problems::{Robertson, VanDerPol};
use twin_core::ode::{Method, SolverOptions, Tolerance, solve};

fn max_rel_err(got: &[f64], want: &[f64]) -> f64 {
    got.iter()
        .zip(want)
        .map(|(g, w)| ((g - w) / w).abs())
        .fold(0.0, f64::max)
}

/// Reference values: Hairer & Wanner (1996), *Solving ODEs II*, §IV.10 and the Bari
/// IVP test set (Mazzia & Magherini 2008), tight-tolerance solutions quoted in issue 3.
#[test]
fn robertson_at_40_and_1e11() {
    let want40 = [0.715827068719909, 9.18553476457835e-6, 0.284163745745328];
    let want_big = [
        2.083340149701255e-8,
        8.333360770334713e-14,
        0.9999999791665050,
    ];
    for method in [Method::Rodas4, Method::Auto] {
        // Per-component atol scaled to each species' magnitude (y2 ~ 1e-5 .. 1e-13).
        let opts = SolverOptions {
            rtol: 1e-8,
            atol: Tolerance::PerComponent(vec![1e-14, 1e-20, 1e-14]),
            method,
            ..Default::default()
        };
        let sol = solve(&Robertson, 0.0, &[1.0, 0.0, 0.0], 40.0, &[40.0], &opts).unwrap();
        let e = max_rel_err(&sol.y[0], &want40);
        assert!(
            e < 1e-6,
            "{method:?} t=40: rel err {e:e}, y = {:?}",
            sol.y[0]
        );
        let sol = solve(&Robertson, 0.0, &[1.0, 0.0, 0.0], 1e11, &[1e11], &opts).unwrap();
        let e = max_rel_err(&sol.y[0], &want_big);
        assert!(
            e < 1e-4,
            "{method:?} t=1e11: rel err {e:e}, y = {:?}",
            sol.y[0]
        );
    }
}

#[test]
fn van_der_pol_mu_1000_at_2000() {
    let want = [1.706167732170469, -8.928097010248125e-4];
    let opts = SolverOptions::new(Method::Rodas4, 1e-9, 1e-11);
    let sol = solve(
        &VanDerPol { mu: 1000.0 },
        0.0,
        &[2.0, 0.0],
        2000.0,
        &[2000.0],
        &opts,
    )
    .unwrap();
    let e = max_rel_err(&sol.y[0], &want);
    assert!(
        e < 1e-4,
        "rel err {e:e}, y = {:?}, stats {:?}",
        sol.y[0],
        sol.stats
    );
}

/// Auto mode starts explicit, detects stiffness on Van der Pol (μ = 1000) and
/// switches to Rodas4, reaching the same reference value.
#[test]
fn auto_switches_on_stiff_van_der_pol() {
    let want = [1.706167732170469, -8.928097010248125e-4];
    let opts = SolverOptions::new(Method::Auto, 1e-9, 1e-11);
    let sol = solve(
        &VanDerPol { mu: 1000.0 },
        0.0,
        &[2.0, 0.0],
        2000.0,
        &[2000.0],
        &opts,
    )
    .unwrap();
    let switched = sol
        .stats
        .switched_to_stiff_at
        .expect("stiffness must be detected");
    assert!(switched < 10.0, "switched late, at t = {switched}");
    let e = max_rel_err(&sol.y[0], &want);
    assert!(e < 1e-4, "rel err {e:e}, y = {:?}", sol.y[0]);
    // A non-stiff problem never switches.
    let osc = twin_core::ode::FnSystem::new(2, |_t, y: &[f64], dy: &mut [f64]| {
        dy[0] = y[1];
        dy[1] = -y[0];
    });
    let sol = solve(&osc, 0.0, &[1.0, 0.0], 50.0, &[50.0], &opts).unwrap();
    assert_eq!(sol.stats.switched_to_stiff_at, None);
    assert_eq!(sol.stats.lu_decomps, 0);
}

/// HIRES at t = 321.8122 against the reference solution of the Bari IVP test set
/// (Mazzia & Magherini 2008, problem HIRES, computed with RADAU5 at tight tolerance).
#[test]
fn hires_matches_bari_reference() {
    use twin_core::ode::problems::Hires;
    let want = [
        0.7371312573325668e-3,
        0.1442485726316185e-3,
        0.5888729740967575e-4,
        0.1175651343283149e-2,
        0.2386356198831331e-2,
        0.6238968252742796e-2,
        0.2849998395185769e-2,
        0.2850001604814231e-2,
    ];
    let opts = SolverOptions::new(Method::Rodas4, 1e-10, 1e-14);
    let sol = solve(
        &Hires,
        0.0,
        &Hires::Y0,
        Hires::T_END,
        &[Hires::T_END],
        &opts,
    )
    .unwrap();
    let e = max_rel_err(&sol.y[0], &want);
    assert!(e < 1e-6, "rel err {e:e}");
}

/// The Arenstorf orbit is periodic: after one period Dopri5 returns to the start.
#[test]
fn arenstorf_orbit_closes_after_one_period() {
    use twin_core::ode::problems::Arenstorf;
    let opts = SolverOptions::new(Method::Dopri5, 1e-12, 1e-14);
    let sol = solve(
        &Arenstorf,
        0.0,
        &Arenstorf::Y0,
        Arenstorf::PERIOD,
        &[Arenstorf::PERIOD],
        &opts,
    )
    .unwrap();
    let e = sol.y[0]
        .iter()
        .zip(Arenstorf::Y0)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(e < 1e-6, "max abs deviation after one period {e:e}");
}
