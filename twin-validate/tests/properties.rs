//! Invariants (proptest) and fast-vs-brute-force checks of the O(n log n) algorithms.

use proptest::prelude::*;
use twin_validate::bootstrap::{BootstrapConfig, bootstrap};
use twin_validate::{binary, delong, survival};

/// Brute-force Harrell's C with optional IPCW weights w_i (definition in survival::concordance).
fn brute_c(t: &[f64], e: &[bool], r: &[f64], w: &dyn Fn(usize) -> f64) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..t.len() {
        if !e[i] {
            continue;
        }
        for j in 0..t.len() {
            if t[i] < t[j] || (t[i] == t[j] && !e[j]) {
                den += w(i);
                num += w(i)
                    * if r[i] > r[j] {
                        1.0
                    } else if r[i] == r[j] {
                        0.5
                    } else {
                        0.0
                    };
            }
        }
    }
    num / den
}

fn surv_data() -> impl Strategy<Value = (Vec<f64>, Vec<bool>, Vec<f64>)> {
    (5usize..60).prop_flat_map(|n| {
        (
            proptest::collection::vec(0u8..15, n)
                .prop_map(|v| v.into_iter().map(f64::from).collect::<Vec<_>>()),
            proptest::collection::vec(any::<bool>(), n),
            proptest::collection::vec(0u8..6, n)
                .prop_map(|v| v.into_iter().map(f64::from).collect::<Vec<_>>()),
        )
    })
}

fn binary_data() -> impl Strategy<Value = (Vec<bool>, Vec<f64>)> {
    (4usize..80)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(any::<bool>(), n),
                proptest::collection::vec(-3.0f64..3.0, n),
            )
        })
        .prop_filter("both classes", |(y, _)| {
            y.iter().any(|&b| b) && y.iter().any(|&b| !b)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn auc_invariant_to_monotone_transforms((y, s) in binary_data()) {
        let a = binary::auc(&y, &s).unwrap();
        let t1: Vec<f64> = s.iter().map(|x| 3.0 * x.exp() + 1.0).collect();
        let t2: Vec<f64> = s.iter().map(|x| x.powi(3)).collect();
        prop_assert!((binary::auc(&y, &t1).unwrap() - a).abs() < 1e-12);
        prop_assert!((binary::auc(&y, &t2).unwrap() - a).abs() < 1e-12);
        // Reversing the score reflects the AUC.
        let neg: Vec<f64> = s.iter().map(|x| -x).collect();
        prop_assert!((binary::auc(&y, &neg).unwrap() - (1.0 - a)).abs() < 1e-12);
    }

    #[test]
    fn delong_auc_equals_mann_whitney((y, s) in binary_data()) {
        let d = delong::auc_delong(&y, &s, 0.95).unwrap();
        prop_assert!((d.auc - binary::auc(&y, &s).unwrap()).abs() < 1e-12);
        prop_assert!(d.variance >= 0.0);
    }

    #[test]
    fn harrell_and_uno_match_brute_force((t, e, r) in surv_data()) {
        prop_assume!(e.iter().any(|&x| x));
        if let Ok(c) = survival::harrell_c(&t, &e, &r) {
            prop_assert!((c.c_index - brute_c(&t, &e, &r, &|_| 1.0)).abs() < 1e-12);
        }
        let s = survival::SurvivalOutcomes::new(&t, &e).unwrap();
        let g = survival::CensoringDistribution::fit(s);
        let tau = 9.0;
        if let Ok(u) = survival::uno_c(&t, &e, &r, Some(tau), None) {
            let w = |i: usize| if t[i] < tau { g.at(t[i]).powi(-2) } else { 0.0 };
            prop_assert!((u.c_index - brute_c(&t, &e, &r, &w)).abs() < 1e-12);
        }
    }

    #[test]
    fn c_of_perfect_risk_is_one_and_of_its_negation_zero(n in 3usize..200, seed in any::<u64>()) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let t: Vec<f64> = (0..n).map(|i| i as f64 + rng.random::<f64>() * 0.5).collect();
        let mut e: Vec<bool> = (0..n).map(|_| rng.random::<bool>()).collect();
        e[0] = true;
        let perfect: Vec<f64> = t.iter().map(|x| -x).collect();
        prop_assert_eq!(survival::harrell_c(&t, &e, &perfect).unwrap().c_index, 1.0);
        prop_assert_eq!(survival::harrell_c(&t, &e, &t).unwrap().c_index, 0.0);
        prop_assert_eq!(survival::uno_c(&t, &e, &perfect, None, None).unwrap().c_index, 1.0);
    }

    #[test]
    fn km_is_in_unit_interval_and_non_increasing((t, e, _) in surv_data()) {
        let km = survival::kaplan_meier(&t, &e, 0.95).unwrap();
        prop_assert!(km.survival.iter().all(|s| (0.0..=1.0).contains(s)));
        prop_assert!(km.survival.windows(2).all(|w| w[1] <= w[0]));
        for k in 0..km.times.len() {
            prop_assert!(km.ci_low[k] <= km.survival[k] + 1e-12 && km.survival[k] <= km.ci_high[k] + 1e-12);
        }
    }

    #[test]
    fn bootstrap_reproducible_by_seed(seed in any::<u64>()) {
        let x: Vec<f64> = (0..50).map(|i| ((i * 37) % 11) as f64).collect();
        let mean = |idx: &[usize]| Ok(idx.iter().map(|&i| x[i]).sum::<f64>() / idx.len() as f64);
        let cfg = BootstrapConfig { replicates: 64, seed, ..Default::default() };
        let a = bootstrap(x.len(), None, &cfg, mean).unwrap();
        let b = bootstrap(x.len(), None, &cfg, mean).unwrap();
        prop_assert_eq!(a, b);
    }
}

#[test]
fn bootstrap_identical_for_any_thread_count() {
    let x: Vec<f64> = (0..300).map(|i| ((i * 7919) % 101) as f64).collect();
    let mean = |idx: &[usize]| Ok(idx.iter().map(|&i| x[i]).sum::<f64>() / idx.len() as f64);
    let cfg = BootstrapConfig {
        replicates: 500,
        seed: 3,
        bca: true,
        ..Default::default()
    };
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| bootstrap(x.len(), None, &cfg, mean).unwrap())
    };
    assert_eq!(run(1), run(2));
    assert_eq!(run(1), run(3));
}
