//! Temozolomide kill term: exact per-dose surviving fraction, Stupp 2005 schedule counts.

use ndarray::Array3;
use twin_oncology::glioma::chemo::{TmzDose, TmzParams, TmzSchedule, apply_tmz_dose};

/// One dose multiplies every voxel by exactly exp(−k d).
#[test]
fn one_dose_reduces_density_by_its_surviving_fraction() {
    let tmz = TmzParams {
        log_kill_per_mg_m2: 6e-4,
    };
    let c0 = Array3::from_shape_fn([4, 3, 2], |(i, j, k)| 0.05 + 0.1 * (i + j + k) as f64);
    let mut c = c0.clone();
    apply_tmz_dose(&mut c, 150.0, &tmz).unwrap();
    let sf = (-6e-4f64 * 150.0).exp();
    assert!((tmz.surviving_fraction(150.0).unwrap() - sf).abs() < 1e-15);
    assert!(tmz.surviving_fraction(-1.0).is_err());
    for (a, b) in c.iter().zip(c0.iter()) {
        assert!((a / b - sf).abs() < 1e-14);
    }
    assert!(apply_tmz_dose(&mut c, -1.0, &tmz).is_err());
    let bad = TmzParams {
        log_kill_per_mg_m2: f64::NAN,
    };
    assert!(apply_tmz_dose(&mut c, 75.0, &bad).is_err());
}

/// Stupp et al. 2005: 42 daily concomitant doses of 75 mg/m² over six weeks of RT,
/// then 6 × 5 adjuvant doses (150 mg/m² in cycle 1, 200 mg/m² after), 28-day cycles
/// starting four weeks after RT.
#[test]
fn stupp_schedule_gives_the_stated_doses() {
    let s = TmzSchedule::stupp_2005(42).unwrap();
    assert_eq!(s.doses.len(), 72);
    assert_eq!(s.doses.iter().filter(|d| d.dose_mg_m2 == 75.0).count(), 42);
    assert_eq!(s.doses.iter().filter(|d| d.dose_mg_m2 == 150.0).count(), 5);
    assert_eq!(s.doses.iter().filter(|d| d.dose_mg_m2 == 200.0).count(), 25);
    assert!((s.total_dose_mg_m2() - (42.0 * 75.0 + 5.0 * 150.0 + 25.0 * 200.0)).abs() < 1e-9);
    // First adjuvant dose four weeks after the last RT day; cycles 28 days apart.
    assert_eq!(s.doses[42].day, 70.0);
    assert_eq!(s.doses[47].day, 98.0);
    assert_eq!(s.doses[71].day, 70.0 + 5.0 * 28.0 + 4.0);
    assert!(
        TmzSchedule::custom(
            "bad",
            vec![
                TmzDose {
                    day: 3.0,
                    dose_mg_m2: 75.0
                },
                TmzDose {
                    day: 1.0,
                    dose_mg_m2: 75.0
                }
            ]
        )
        .is_err()
    );
}
