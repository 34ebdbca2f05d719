//! Phase-singularity detection on spiral and figure-of-eight re-entry.

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use std::f64::consts::{PI, TAU};
use twin_cardiac::analysis::{
    PhaseSingularity, classify_af, dominant_frequency_hz, dominant_frequency_map, hilbert_phase,
    hilbert_phase_frames, phase_from_delay, phase_singularities,
};
use twin_cardiac::cell::{CellModel, MitchellSchaeffer};
use twin_cardiac::tissue::{Monodomain, Site, Stimulus, Substrate, cross_field_s1s2};

/// A short-APD Mitchell–Schaeffer cell (τ_close 60 ms) so that rotors fit a
/// 5 × 5 cm test sheet.
fn short_apd() -> MitchellSchaeffer {
    MitchellSchaeffer {
        tau_close_ms: 60.0,
        tau_open_ms: 80.0,
        ..MitchellSchaeffer::default()
    }
}

fn reentry(y0: f64, y1: f64) -> (Monodomain<MitchellSchaeffer>, Vec<PhaseSingularity>) {
    let ms = short_apd();
    let sub = Substrate::sheet(101, 101, 0.5, 0.1, 0.1, 0.0).unwrap();
    let mut md = Monodomain::new(sub, vec![ms], 0.1).unwrap();
    cross_field_s1s2(&mut md, y0, y1, ms.default_stimulus()).unwrap();
    md.run(200.0);
    let delayed = md.v();
    md.run(20.0);
    let phase = phase_from_delay(&md.v(), &delayed, 0.5).unwrap();
    let ps = phase_singularities(&md, &phase).unwrap();
    (md, ps)
}

#[test]
fn spiral_wave_has_exactly_one_phase_singularity() {
    let (mut md, ps) = reentry(0.0, 25.0);
    eprintln!("spiral PS {ps:?}");
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!(ps[0].charge.abs(), 1);
    // The rotor core lies near the free end of the S2 wave (25, 25) mm.
    assert!((ps[0].x_mm - 25.0).abs() < 15.0 && (ps[0].y_mm - 25.0).abs() < 15.0);
    // And the re-entry sustains.
    assert!(classify_af(&mut md, 300.0, 10.0).unwrap().sustained);
}

#[test]
fn figure_of_eight_has_a_pair_of_opposite_charges() {
    let (_, ps) = reentry(15.0, 35.0);
    eprintln!("figure-of-eight PS {ps:?}");
    assert_eq!(ps.len(), 2, "{ps:?}");
    assert_eq!(ps[0].charge + ps[1].charge, 0);
}

#[test]
fn plane_wave_has_no_phase_singularity_and_terminates() {
    let ms = short_apd();
    let sub = Substrate::sheet(61, 61, 0.5, 0.1, 0.1, 0.0).unwrap();
    let mut md = Monodomain::new(sub, vec![ms], 0.1).unwrap();
    md.add_stimulus(twin_cardiac::tissue::Stimulus::train(
        twin_cardiac::tissue::Site::Box {
            min_mm: [0.0, 0.0, -1.0],
            max_mm: [1.0, 30.0, 1.0],
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))
    .unwrap();
    md.run(60.0);
    let delayed = md.v();
    md.run(20.0);
    let phase = phase_from_delay(&md.v(), &delayed, 0.5).unwrap();
    assert!(phase_singularities(&md, &phase).unwrap().is_empty());
    let out = classify_af(&mut md, 500.0, 10.0).unwrap();
    assert!(
        !out.sustained && out.terminated_at_ms.unwrap() < 300.0,
        "{out:?}"
    );
}

/// Wrap an angle into (−π, π].
fn wrap(x: f64) -> f64 {
    let y = x.rem_euclid(TAU);
    if y > PI { y - TAU } else { y }
}

/// A 7.3 Hz sinusoid plus a weaker 2nd harmonic and Gaussian noise (seeded),
/// 4 s at 2 ms: the DF must be within one bin (0.25 Hz) of 7.3 Hz.
#[test]
fn dominant_frequency_recovers_a_noisy_sinusoid_within_one_bin() {
    let (f0, dt, n) = (7.3, 2.0, 2000);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let noise = Normal::new(0.0, 0.5).unwrap();
    let x: Vec<f64> = (0..n)
        .map(|k| {
            let t = k as f64 * dt / 1000.0;
            (TAU * f0 * t).sin() + 0.4 * (2.0 * TAU * f0 * t).sin() + noise.sample(&mut rng)
        })
        .collect();
    let df = dominant_frequency_hz(&x, dt, (3.0, 15.0)).unwrap();
    let bin = 1000.0 / (n as f64 * dt);
    eprintln!("DF {df} Hz (true {f0}, bin {bin})");
    assert!((df - f0).abs() <= bin, "{df}");
    // A band that excludes 7.3 Hz finds the harmonic instead.
    let df2 = dominant_frequency_hz(&x, dt, (10.0, 20.0)).unwrap();
    assert!((df2 - 2.0 * f0).abs() <= bin, "{df2}");
    // Bad input: band outside Nyquist, too few samples.
    assert!(dominant_frequency_hz(&x, dt, (300.0, 400.0)).is_err());
    assert!(dominant_frequency_hz(&x[..4], dt, (3.0, 15.0)).is_err());
}

/// A square-wave "electrogram" (harmonics 1/k) at 5 Hz in half of the nodes
/// and 9 Hz in the other half.
#[test]
fn dominant_frequency_map_separates_two_regions() {
    let (dt, n_t, n_nodes) = (2.0, 1500, 10);
    let frames: Vec<Vec<f64>> = (0..n_t)
        .map(|k| {
            let t = k as f64 * dt / 1000.0;
            (0..n_nodes)
                .map(|node| {
                    let f = if node < 5 { 5.0 } else { 9.0 };
                    if (f * t).fract() < 0.5 { 1.0 } else { 0.0 }
                })
                .collect()
        })
        .collect();
    let map = dominant_frequency_map(&frames, dt, (3.0, 15.0)).unwrap();
    let bin = 1000.0 / (n_t as f64 * dt);
    eprintln!("DF map {map:?}");
    assert!(map[..5].iter().all(|&f| (f - 5.0).abs() <= bin));
    assert!(map[5..].iter().all(|&f| (f - 9.0).abs() <= bin));
}

/// The Hilbert phase of cos(ωt) is ωt: exactly (round-off) over whole
/// periods, and within 0.05 rad away from the ends otherwise.
#[test]
fn hilbert_phase_of_cosine_is_linear_in_time() {
    let n = 1000;
    for (periods, margin, tol) in [(10.0, 0, 1e-9), (10.37, 150, 0.05)] {
        let w = TAU * periods / n as f64;
        let x: Vec<f64> = (0..n).map(|k| 2.0 + (w * k as f64).cos()).collect();
        let ph = hilbert_phase(&x).unwrap();
        let err = (margin..n - margin)
            .map(|k| wrap(ph[k] - w * k as f64).abs())
            .fold(0.0, f64::max);
        eprintln!("{periods} periods: max phase error {err:.2e} rad");
        assert!(err < tol, "{periods}: {err}");
    }
    assert!(hilbert_phase(&[1.0, f64::NAN, 0.0, 1.0]).is_err());
}

/// Tissue: a sheet paced at 4 Hz has DF 4 Hz everywhere.
#[test]
fn paced_sheet_has_the_pacing_rate_as_dominant_frequency() {
    let ms = short_apd();
    let sub = Substrate::sheet(21, 21, 0.5, 0.1, 0.1, 0.0).unwrap();
    let mut md = Monodomain::new(sub, vec![ms], 0.1).unwrap();
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [0.0, 0.0, -1.0],
            max_mm: [1.0, 10.0, 1.0],
        },
        0.0,
        250.0,
        8,
        ms.default_stimulus(),
    ))
    .unwrap();
    let mut frames = Vec::new();
    md.run_observed(1999.0, 2.0, |m| frames.push(m.v()))
        .unwrap();
    let map = dominant_frequency_map(&frames, 2.0, (1.0, 15.0)).unwrap();
    eprintln!(
        "DF range {:?}",
        (
            map.iter().cloned().fold(f64::INFINITY, f64::min),
            map.iter().cloned().fold(0.0, f64::max)
        )
    );
    assert!(map.iter().all(|&f| (f - 4.0).abs() <= 0.5), "{map:?}");
}

/// Hilbert phase finds the same single rotor as the time-delay phase.
#[test]
fn hilbert_phase_of_a_spiral_has_one_singularity() {
    let ms = short_apd();
    let sub = Substrate::sheet(101, 101, 0.5, 0.1, 0.1, 0.0).unwrap();
    let mut md = Monodomain::new(sub, vec![ms], 0.1).unwrap();
    cross_field_s1s2(&mut md, 0.0, 25.0, ms.default_stimulus()).unwrap();
    md.run(200.0);
    let mut frames = Vec::new();
    md.run_observed(400.0, 2.0, |m| frames.push(m.v())).unwrap();
    let phases = hilbert_phase_frames(&frames).unwrap();
    let ps = phase_singularities(&md, &phases[frames.len() / 2]).unwrap();
    eprintln!("Hilbert PS {ps:?}");
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!(ps[0].charge.abs(), 1);
}

/// On a fine grid the S1 strip keeps its physical width: at 0.125 mm and
/// D = 0.2 mm²/ms a strip of two nodes (0.25 mm) launched no wave and the
/// protocol failed. The S2 comes once the S1 wave has passed the centre,
/// after at least its travel time there at the continuum plane-wave CV
/// (0.34 m/s × √2 at twice the reference diffusivity).
#[test]
fn cross_field_launches_its_s1_wave_on_a_fine_grid() {
    let ms = MitchellSchaeffer::default();
    let sub = Substrate::sheet(161, 161, 0.125, 0.2, 0.2, 0.0).unwrap();
    let mut md = Monodomain::new(sub, vec![ms], 0.0125).unwrap();
    let t_s2 = cross_field_s1s2(&mut md, 0.0, 10.0, ms.default_stimulus()).unwrap();
    assert!(t_s2 > 10.0 / (0.34 * 2f64.sqrt()), "S2 at {t_s2} ms");
}
