//! The tabulated ten Tusscher–Panfilov 2006 cell reproduces the exact one: same
//! action potential at 1 Hz (APD90, rest, peak) to within the table's
//! interpolation error.

use twin_cardiac::cell::{TenTusscher, TenTusscherLut, pace_to_steady_state};

#[test]
fn tabulated_tp06_matches_exact_action_potential() {
    let dt = 0.02;
    let exact = TenTusscher::default();
    let lut = TenTusscherLut::new(exact, dt, TenTusscherLut::DEFAULT_BIN_MV).unwrap();
    let (_, _, a) = pace_to_steady_state(&exact, 1000.0, 5, dt).unwrap();
    let (_, _, b) = pace_to_steady_state(&lut, 1000.0, 5, dt).unwrap();
    eprintln!("exact {a:?}\ntable {b:?}");
    assert!(
        (a.apd90_ms - b.apd90_ms).abs() < 0.05,
        "APD90 {a:?} vs {b:?}"
    );
    assert!((a.v_rest_mv - b.v_rest_mv).abs() < 1e-3);
    assert!((a.v_peak_mv - b.v_peak_mv).abs() < 0.01);
    // A step with another dt than the table's falls back to the exact terms.
    let (_, _, c) = pace_to_steady_state(&lut, 1000.0, 5, 0.01).unwrap();
    let (_, _, d) = pace_to_steady_state(&exact, 1000.0, 5, 0.01).unwrap();
    assert_eq!(c, d);
}
