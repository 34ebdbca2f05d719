//! Phase-singularity detection on spiral and figure-of-eight re-entry.

use twin_cardiac::analysis::{
    PhaseSingularity, classify_af, phase_from_delay, phase_singularities,
};
use twin_cardiac::cell::{CellModel, MitchellSchaeffer};
use twin_cardiac::tissue::{Monodomain, Substrate, cross_field_s1s2};

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
    assert!(classify_af(&mut md, 300.0, 10.0).sustained);
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
    let out = classify_af(&mut md, 500.0, 10.0);
    assert!(
        !out.sustained && out.terminated_at_ms.unwrap() < 300.0,
        "{out:?}"
    );
}
