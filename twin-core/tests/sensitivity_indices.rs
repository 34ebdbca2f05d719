//! Global sensitivity analysis against analytic indices.

use std::f64::consts::PI;
use twin_core::Result;
use twin_core::cohort::{Factor, Marginal};
use twin_core::sensitivity::*;

fn ishigami(x: &[f64]) -> Result<f64> {
    let (a, b) = (7.0, 0.1);
    Ok(x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin())
}

fn uniform_pi(name: &str) -> Factor {
    Factor::new(
        name,
        "1",
        Marginal::Uniform {
            lower: -PI,
            upper: PI,
        },
    )
}

#[test]
fn ishigami_sobol_indices_match_analytic_values() {
    // Ishigami & Homma (1990); analytic indices for a = 7, b = 0.1 from
    // Saltelli et al. (2008), Global Sensitivity Analysis: The Primer, §4.9 / Sobol' &
    // Levitan (1999): S = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
    let s_exact = [0.3139, 0.4424, 0.0];
    let st_exact = [0.5576, 0.4424, 0.2437];
    let factors = [uniform_pi("x1"), uniform_pi("x2"), uniform_pi("x3")];
    let opts = SobolOptions {
        n_base: 1 << 14,
        n_bootstrap: 200,
        level: 0.95,
        seed: 2,
    };
    let r = sobol_indices(&factors, ishigami, &opts).unwrap();
    println!(
        "S {:?}\nST {:?}\nS CI {:?}\nST CI {:?}",
        r.first_order, r.total, r.first_order_ci, r.total_ci
    );
    assert_eq!(r.n_evaluations, (1 << 14) * 5);
    // Analytic variance: a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2.
    let v = 49.0 / 8.0 + 0.1 * PI.powi(4) / 5.0 + 0.01 * PI.powi(8) / 18.0 + 0.5;
    assert!(
        (r.variance / v - 1.0).abs() < 0.02,
        "V {} vs {v}",
        r.variance
    );
    for i in 0..3 {
        assert!(
            (r.first_order[i] - s_exact[i]).abs() < 0.02,
            "S{} = {}",
            i + 1,
            r.first_order[i]
        );
        assert!(
            (r.total[i] - st_exact[i]).abs() < 0.02,
            "ST{} = {}",
            i + 1,
            r.total[i]
        );
        // Intervals are ordered, contain the estimate, and are narrow at this N.
        let [lo, hi] = r.first_order_ci[i];
        assert!(lo <= r.first_order[i] && r.first_order[i] <= hi && hi - lo < 0.1);
        let [lo, hi] = r.total_ci[i];
        assert!(lo <= r.total[i] && r.total[i] <= hi && hi - lo < 0.1);
    }
}

#[test]
fn additive_model_indices_equal_variance_shares() {
    // f = Σ c_i x_i with independent normal x_i: S_i = ST_i = c_i²σ_i² / Σ c_j²σ_j².
    let c = [1.0, 2.0, 0.5];
    let sd = [1.0, 0.5, 3.0];
    let factors: Vec<Factor> = (0..3)
        .map(|i| {
            Factor::new(
                format!("x{i}"),
                "1",
                Marginal::Normal {
                    mean: 1.0,
                    sd: sd[i],
                },
            )
        })
        .collect();
    let total: f64 = (0..3).map(|i| (c[i] * sd[i]).powi(2)).sum();
    let r = sobol_indices(
        &factors,
        |x: &[f64]| Ok(x.iter().zip(&c).map(|(x, c)| x * c).sum()),
        &SobolOptions {
            n_base: 1 << 13,
            n_bootstrap: 0,
            ..SobolOptions::default()
        },
    )
    .unwrap();
    for i in 0..3 {
        let exact = (c[i] * sd[i]).powi(2) / total;
        assert!(
            (r.first_order[i] - exact).abs() < 0.01,
            "S{i} {} vs {exact}",
            r.first_order[i]
        );
        assert!(
            (r.total[i] - exact).abs() < 0.01,
            "ST{i} {} vs {exact}",
            r.total[i]
        );
    }
    assert!(r.first_order_ci.is_empty());
}

#[test]
fn morris_recovers_linear_effects_and_flags_interaction() {
    // f = 10 x1 + 5 x2 + x3 + 0·x4 + 4 x5 x6 on ranges of width 1 except x2 (width 1.5).
    // Linear factors: every elementary effect equals c·(upper − lower), so μ* is
    // exact and σ = 0; x5, x6 interact (σ > 0); x4 is inert (μ* = 0).
    let f = |x: &[f64]| -> Result<f64> { Ok(10.0 * x[0] + 5.0 * x[1] + x[2] + 4.0 * x[4] * x[5]) };
    let mut factors: Vec<Factor> = (0..6)
        .map(|i| {
            Factor::new(
                format!("x{}", i + 1),
                "1",
                Marginal::Uniform {
                    lower: 0.0,
                    upper: 1.0,
                },
            )
        })
        .collect();
    factors[1].marginal = Marginal::Uniform {
        lower: -1.0,
        upper: 0.5,
    };
    let r = morris(
        &factors,
        f,
        &MorrisOptions {
            trajectories: 40,
            levels: 4,
            seed: 5,
        },
    )
    .unwrap();
    println!("mu* {:?} sigma {:?}", r.mu_star, r.sigma);
    assert_eq!(r.n_evaluations, 40 * 7);
    for (i, exact) in [(0, 10.0), (1, 7.5), (2, 1.0), (3, 0.0)] {
        assert!((r.mu_star[i] - exact).abs() < 1e-9, "mu*[{i}]");
        assert!((r.mu[i] - exact).abs() < 1e-9);
        assert!(r.sigma[i] < 1e-9);
    }
    for i in [4, 5] {
        // EE of x5 = 4·x6 with x6 on the 4-level grid: between 0 and 4, varying.
        assert!(r.mu_star[i] > 0.5 && r.mu_star[i] < 4.0 && r.sigma[i] > 0.3);
    }
    let mut middle = r.ranking[2..4].to_vec();
    middle.sort();
    assert_eq!(
        (
            r.ranking[0],
            r.ranking[1],
            middle,
            r.ranking[4],
            r.ranking[5]
        ),
        (0, 1, vec![4, 5], 2, 3)
    );
}

#[test]
fn bad_sensitivity_settings_are_rejected() {
    let f = |x: &[f64]| -> Result<f64> { Ok(x[0]) };
    let u = [uniform_pi("x1")];
    assert!(sobol_indices(&[], f, &SobolOptions::default()).is_err());
    assert!(
        sobol_indices(
            &u,
            f,
            &SobolOptions {
                n_base: 1,
                ..SobolOptions::default()
            }
        )
        .is_err()
    );
    let err = sobol_indices(&u, |_: &[f64]| Ok(f64::NAN), &SobolOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("model output"), "{err}");
    let err = sobol_indices(&u, |_: &[f64]| Ok(1.0), &SobolOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("variance"), "{err}");
    let normal = [Factor::new(
        "x",
        "1",
        Marginal::Normal { mean: 0.0, sd: 1.0 },
    )];
    assert!(
        morris(&normal, f, &MorrisOptions::default())
            .unwrap_err()
            .to_string()
            .contains("Uniform")
    );
    assert!(
        morris(
            &u,
            f,
            &MorrisOptions {
                levels: 3,
                ..MorrisOptions::default()
            }
        )
        .is_err()
    );
}
