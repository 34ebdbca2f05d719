//! Courtemanche cell benchmarks.
//!
//! * `crn_100_beats_adaptive_tol*`: one Courtemanche cell paced at 1 Hz for
//!   100 beats with the adaptive second-order Rush–Larsen integrator; the
//!   peer is Myokit/CVODES (`benches/peers/myokit_courtemanche.py`: same
//!   equations, initial state and stimulus), run right after this bench.
//!   `crn_100_beats_fixed_dt0.02`: the first-order fixed-step integrator.
//!   Before timing, the bench prints APD90 of beat 100 and its error against
//!   a converged reference (Richardson extrapolation of fixed dt 0.01 and
//!   0.005 ms) for fixed steps and for adaptive tolerances, with one-shot
//!   times, so the speed can be compared at matched accuracy.
//! * `crn_sheet_10k_2ms_{exact,lut}`: Courtemanche on a 100 × 100 sheet at
//!   0.25 mm, dt 0.02 ms, 2 ms (10⁶ node-steps): the cost per node-step of
//!   the exact cell model and of [`CourtemancheLut`] (lookup tables).

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use twin_cardiac::cell::{
    AdaptiveSettings, Courtemanche, CourtemancheLut, pace_courtemanche_adaptive,
    pace_to_steady_state,
};
use twin_cardiac::tissue::{Monodomain, Substrate};

/// Myokit 1.39.2, CVODES at rtol = atol = 1e-10 (the peer script's tightest
/// run): APD90 of beat 100 in ms.
const MYOKIT_APD90_1E10_MS: f64 = 291.4118;

fn accuracy_table(crn: &Courtemanche) {
    let mut fixed = Vec::new();
    for dt in [0.02, 0.01, 0.005] {
        let t = Instant::now();
        let (_, _, ap) = pace_to_steady_state(crn, 1000.0, 100, dt).unwrap();
        fixed.push((dt, ap.apd90_ms, t.elapsed().as_secs_f64()));
    }
    let reference = 2.0 * fixed[2].1 - fixed[1].1;
    eprintln!(
        "Courtemanche beat 100 at 1 Hz: reference APD90 {reference:.4} ms (Richardson, fixed \
         dt 0.01/0.005); Myokit CVODES 1e-10: {MYOKIT_APD90_1E10_MS} ms"
    );
    for (dt, apd, secs) in fixed {
        eprintln!(
            "  fixed dt {dt} ms: APD90 {apd:.4} (error {:+.4} ms) {secs:.3} s",
            apd - reference
        );
    }
    for tol in [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 1e-5] {
        let set = AdaptiveSettings {
            tol,
            ..AdaptiveSettings::default()
        };
        let t = Instant::now();
        let (ap, st) = pace_courtemanche_adaptive(crn, 1000.0, 100, &set).unwrap();
        eprintln!(
            "  adaptive tol {tol:e}: APD90 {:.4} (error {:+.4} ms) {:.3} s, {} steps + {} rejected",
            ap.apd90_ms,
            ap.apd90_ms - reference,
            t.elapsed().as_secs_f64(),
            st.accepted,
            st.rejected
        );
    }
}

fn cell(c: &mut Criterion) {
    let crn = Courtemanche::default();
    accuracy_table(&crn);
    let mut g = c.benchmark_group("cell");
    g.sample_size(10);
    for tol in [1e-3, 1e-4] {
        let set = AdaptiveSettings {
            tol,
            ..AdaptiveSettings::default()
        };
        g.bench_function(format!("crn_100_beats_adaptive_tol{tol:e}"), |b| {
            b.iter(|| pace_courtemanche_adaptive(&crn, 1000.0, 100, &set).unwrap())
        });
    }
    g.bench_function("crn_100_beats_fixed_dt0.02", |b| {
        b.iter(|| pace_to_steady_state(&crn, 1000.0, 100, 0.02).unwrap().2)
    });
    let sub = Substrate::sheet(100, 100, 0.25, 0.1, 0.1, 0.0).unwrap();
    g.bench_function("crn_sheet_10k_2ms_exact", |b| {
        b.iter(|| {
            let mut md = Monodomain::new(sub.clone(), vec![crn], 0.02).unwrap();
            md.run(2.0);
            md.v()[0]
        })
    });
    let lut = CourtemancheLut::new(crn, 0.02, CourtemancheLut::DEFAULT_BIN_MV).unwrap();
    g.bench_function("crn_sheet_10k_2ms_lut", |b| {
        b.iter(|| {
            let mut md = Monodomain::new(sub.clone(), vec![lut.clone()], 0.02).unwrap();
            md.run(2.0);
            md.v()[0]
        })
    });
    g.finish();
}

criterion_group!(benches, cell);
criterion_main!(benches);
