//! Single-cell model tests against analytic results and published values.

use std::sync::OnceLock;
use twin_cardiac::cell::{
    AdaptiveSettings, AlievPanfilov, CellModel, Courtemanche, CourtemancheLut, MitchellSchaeffer,
    TenTusscher, Trace, effective_refractory_period, measure_ap, pace_courtemanche_adaptive,
    pace_to_steady_state, s1s2_apd_restitution, simulate_cell, simulate_courtemanche_adaptive,
};

/// Mitchell & Schaeffer 2003, eq. 14: APD_max ≈ τ_close ln(τ_out / (4 τ_in)) is
/// the time for h to fall from 1 to the fold value h_min = 4τ_in/τ_out. The
/// true APD adds the slow passage through the fold (a saddle-node "ghost"),
/// whose duration scales as (τ_in² τ_close)^{1/3}: so the *relative* error of
/// the formula must fall like (τ_in/τ_close)^{2/3}, i.e. the absolute excess
/// doubles when τ_close grows 8×. We check the leading term (within 20 % at
/// the defaults, 5 % at 8× τ_close) and the 1/3-power scaling of the excess.
#[test]
fn mitchell_schaeffer_max_apd_matches_analytic() {
    let base = MitchellSchaeffer::default();
    assert!((base.apd_max_ms() - 150.0 * 5f64.ln()).abs() < 1e-12);
    let mut excess = Vec::new();
    for scale in [1.0, 8.0, 64.0] {
        let ms = MitchellSchaeffer {
            tau_close_ms: base.tau_close_ms * scale,
            ..base
        };
        let (_, _, ap) = pace_to_steady_state(&ms, 30.0 * ms.tau_close_ms, 1, 0.01).unwrap();
        let analytic = ms.apd_max_ms();
        let rel = (ap.apd90_ms - analytic) / analytic;
        eprintln!(
            "tau_close {}: APD90 {} analytic {analytic} rel {rel}",
            ms.tau_close_ms, ap.apd90_ms
        );
        assert!(rel > 0.0 && rel < if scale == 1.0 { 0.2 } else { 0.05 });
        excess.push(ap.apd90_ms - analytic);
    }
    for w in excess.windows(2) {
        let ratio = w[1] / w[0];
        assert!(
            (ratio - 2.0).abs() < 0.2,
            "excess ratio {ratio} (expected 8^(1/3) = 2)"
        );
    }
}

/// With h = 1 the fixed point v_th = (1 − √(1 − 4τ_in/τ_out))/2 separates decay
/// from excitation: start 2 % above/below it without stimulus.
#[test]
fn mitchell_schaeffer_threshold_is_analytic() {
    let ms = MitchellSchaeffer::default();
    let vth = ms.threshold();
    assert!((vth - (1.0 - 0.8f64.sqrt()) / 2.0).abs() < 1e-12);
    for (factor, excites) in [(1.02, true), (0.98, false)] {
        let mut v = vth * factor;
        let mut h = 1.0;
        let tr = simulate_cell(&ms, &mut v, &mut h, &[], 50.0, 0.001, 10).unwrap();
        let vmax = tr.v_mv.iter().cloned().fold(f64::MIN, f64::max);
        assert_eq!(vmax > 0.0, excites, "factor {factor}: max {vmax} mV");
    }
}

/// Courtemanche et al. 1998 (text and Fig. 4): resting potential −81.2 mV and an
/// APD90 of about 300 ms at 1 Hz (published range of re-implementations
/// 290–330 ms). We check rest within 1.5 mV and APD90 in 270–340 ms.
#[test]
fn courtemanche_rest_and_apd90_at_1hz() {
    let crn = Courtemanche::default();
    let (_, _, ap) = pace_to_steady_state(&crn, 1000.0, 10, 0.02).unwrap();
    eprintln!("CRN {ap:?}");
    assert!((ap.v_rest_mv + 81.2).abs() < 1.5, "rest {}", ap.v_rest_mv);
    assert!(
        ap.apd90_ms > 270.0 && ap.apd90_ms < 340.0,
        "APD90 {}",
        ap.apd90_ms
    );
    assert!(ap.v_peak_mv > 10.0 && ap.v_peak_mv < 40.0);
}

/// Chronic-AF remodelling shortens APD90 strongly (cAF myocytes ≈ 100–200 ms at
/// 1 Hz; Bosch 1999, Workman 2001) and shortens the ERP.
#[test]
fn courtemanche_chronic_af_shortens_apd_and_erp() {
    let (n, caf) = (Courtemanche::default(), Courtemanche::chronic_af());
    let (_, _, ap_n) = pace_to_steady_state(&n, 1000.0, 8, 0.02).unwrap();
    let (_, _, ap_c) = pace_to_steady_state(&caf, 1000.0, 8, 0.02).unwrap();
    eprintln!("normal {ap_n:?}\ncAF {ap_c:?}");
    assert!(ap_c.apd90_ms < 0.75 * ap_n.apd90_ms);
    assert!(ap_c.apd90_ms > 80.0 && ap_c.apd90_ms < 220.0);
    let erp_n = effective_refractory_period(&n, 1000.0, 8, 0.02, 2.0).unwrap();
    let erp_c = effective_refractory_period(&caf, 1000.0, 8, 0.02, 2.0).unwrap();
    eprintln!("ERP normal {erp_n} cAF {erp_c}");
    assert!(erp_c < erp_n - 40.0);
    // The ERP ends near full repolarisation for a Na⁺-driven upstroke.
    assert!(erp_n > 0.7 * ap_n.apd90_ms && erp_n < 1.3 * ap_n.apd90_ms);
}

/// ten Tusscher & Panfilov 2006 (Fig. 2): epicardial APD90 ≈ 300 ms at 1 Hz with
/// a resting potential near −86 mV.
#[test]
fn tentusscher_epi_ap_at_1hz() {
    let tp = TenTusscher::default();
    let (_, _, ap) = pace_to_steady_state(&tp, 1000.0, 10, 0.02).unwrap();
    eprintln!("TP06 {ap:?}");
    assert!((ap.v_rest_mv + 86.0).abs() < 2.0, "rest {}", ap.v_rest_mv);
    assert!(
        ap.apd90_ms > 270.0 && ap.apd90_ms < 330.0,
        "APD90 {}",
        ap.apd90_ms
    );
    assert!(ap.v_peak_mv > 20.0 && ap.v_peak_mv < 45.0);
}

/// APD restitution is monotone: shorter diastolic intervals give shorter APDs.
#[test]
fn restitution_is_monotone() {
    let ms = MitchellSchaeffer::default();
    let curve = s1s2_apd_restitution(&ms, 600.0, 3, &[600.0, 450.0, 350.0, 300.0], 0.05).unwrap();
    assert!(curve.len() >= 3);
    for w in curve.windows(2) {
        assert!(w[1].0 < w[0].0 && w[1].1 < w[0].1, "{curve:?}");
    }
    // Analytic MS restitution (Mitchell & Schaeffer 2003, eq. 16): after a
    // diastolic interval DI the gate starts at h0 = 1 − (1 − h_end) e^{−DI/τ_open}
    // and the APD is τ_close ln(h0/h_min) plus a fold-passage delay that does not
    // depend on h0. Hence APD differences are analytic:
    // APD(DI₁) − APD(DI₂) = τ_close ln(h0(DI₁)/h0(DI₂)), with h_end ≈ h_min.
    let hmin = 4.0 * ms.tau_in_ms / ms.tau_out_ms;
    let h0 = |di: f64| 1.0 - (1.0 - hmin) * (-di / ms.tau_open_ms).exp();
    for w in curve.windows(2) {
        let (d1, a1) = w[0];
        let (d2, a2) = w[1];
        let pred = ms.tau_close_ms * (h0(d1) / h0(d2)).ln();
        eprintln!("dAPD {} predicted {pred}", a1 - a2);
        assert!(
            ((a1 - a2) - pred).abs() < 0.1 * pred + 2.0,
            "{d1}->{d2}: {} vs {pred}",
            a1 - a2
        );
    }
}

#[test]
fn aliev_panfilov_fires_and_recovers() {
    let ap = AlievPanfilov::default();
    let (_, _, m) = pace_to_steady_state(&ap, 1000.0, 2, 0.05).unwrap();
    assert!(m.apd90_ms > 100.0 && m.apd90_ms < 400.0, "{m:?}");
}

#[test]
fn dt_above_stability_limit_is_rejected() {
    let crn = Courtemanche::default();
    let (mut v, mut s) = crn.resting();
    let err = simulate_cell(&crn, &mut v, &mut s, &[0.0], 10.0, 0.5, 0).unwrap_err();
    assert!(err.to_string().contains("dt_ms"));
}

/// APD90 of the first beat at 1 Hz with fixed-step Rush–Larsen at
/// dt = 0.04, 0.02, …, 0.00125 ms (computed once, shared by the tests).
fn crn_first_beat_fixed() -> &'static [(f64, f64)] {
    static CACHE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    CACHE.get_or_init(|| {
        let crn = Courtemanche::default();
        [0.04, 0.02, 0.01, 0.005, 0.0025, 0.00125]
            .iter()
            .map(|&dt| {
                (
                    dt,
                    pace_to_steady_state(&crn, 1000.0, 1, dt)
                        .unwrap()
                        .2
                        .apd90_ms,
                )
            })
            .collect()
    })
}

/// Converged first-beat APD90: Richardson extrapolation of the two finest
/// fixed-step runs (first order, so 2·A(h/2) − A(h)).
fn crn_first_beat_reference() -> f64 {
    let a = crn_first_beat_fixed();
    2.0 * a[5].1 - a[4].1
}

/// Fixed-step Rush–Larsen (gates) + forward Euler (V, concentrations) is
/// first order: the APD90 error of the first beat against the extrapolated
/// reference halves with dt (ratios 1.6–2.6 for dt 0.04 → 0.0025 ms).
#[test]
fn courtemanche_rush_larsen_converges_first_order() {
    let (a, reference) = (crn_first_beat_fixed(), crn_first_beat_reference());
    let err: Vec<f64> = a.iter().map(|&(_, apd)| (apd - reference).abs()).collect();
    eprintln!("APD90 {a:?}, reference {reference:.4}, errors {err:?}");
    for k in 0..4 {
        let ratio = err[k] / err[k + 1];
        assert!(
            (1.6..2.6).contains(&ratio),
            "dt {} -> {}: ratio {ratio}",
            a[k].0,
            a[k + 1].0
        );
    }
}

/// The adaptive second-order Rush–Larsen integrator reproduces the converged
/// first-beat APD90 within 0.25 ms at its default tolerance and 0.03 ms at
/// tol 1e-4, with fewer than 1/40 of the steps of fixed dt = 0.005 ms
/// (200,000 per beat).
#[test]
fn courtemanche_adaptive_matches_fine_fixed_step() {
    let reference = crn_first_beat_reference();
    for (tol, max_err) in [(AdaptiveSettings::default().tol, 0.25), (1e-4, 0.03)] {
        let set = AdaptiveSettings {
            tol,
            ..AdaptiveSettings::default()
        };
        let (ap, stats) =
            pace_courtemanche_adaptive(&Courtemanche::default(), 1000.0, 1, &set).unwrap();
        let err = (ap.apd90_ms - reference).abs();
        eprintln!(
            "tol {tol}: APD90 {:.4} (ref {reference:.4}) {stats:?}",
            ap.apd90_ms
        );
        assert!(err < max_err, "tol {tol}: error {err} ms");
        assert!(stats.accepted + stats.rejected < 200_000 / 40, "{stats:?}");
    }
}

/// Beat 100 at 1 Hz: Myokit 1.39.2 (CVODES, rtol = atol = 1e-10; same model
/// equations, initial state and stimulus: `benches/peers/myokit_courtemanche.py`)
/// gives APD90 = 291.4118 ms; the adaptive integrator at its default
/// tolerance lands within 0.25 ms of it after 100 beats of [Na]i drift.
#[test]
fn courtemanche_adaptive_100_beats_matches_myokit() {
    let set = AdaptiveSettings::default();
    let (ap, stats) =
        pace_courtemanche_adaptive(&Courtemanche::default(), 1000.0, 100, &set).unwrap();
    eprintln!("100 beats: APD90 {:.4} {stats:?}", ap.apd90_ms);
    assert!(
        (ap.apd90_ms - 291.4118).abs() < 0.25,
        "APD90 {}",
        ap.apd90_ms
    );
}

#[test]
fn adaptive_settings_are_validated() {
    let crn = Courtemanche::default();
    let (mut v, mut s) = crn.resting();
    for bad in [
        AdaptiveSettings {
            tol: 0.0,
            ..AdaptiveSettings::default()
        },
        AdaptiveSettings {
            dt_min_ms: -1.0,
            ..AdaptiveSettings::default()
        },
        AdaptiveSettings {
            dt_max_ms: 1e-6,
            ..AdaptiveSettings::default()
        },
    ] {
        let err = simulate_courtemanche_adaptive(&crn, &mut v, &mut s, &[0.0], 10.0, &bad, false);
        assert!(err.is_err(), "{bad:?}");
    }
    let err = simulate_courtemanche_adaptive(
        &crn,
        &mut v,
        &mut s,
        &[f64::NAN],
        10.0,
        &AdaptiveSettings::default(),
        false,
    );
    assert!(err.unwrap_err().to_string().contains("stim_times_ms"));
}

/// The lookup-table cell follows the exact one: over two beats at 1 Hz
/// (dt 0.02 ms, default 0.02 mV bins, chronic-AF parameters) the membrane
/// potential stays within 1e-3 mV of the exact model's and APD90 within
/// 1e-4 ms — far below the time-stepping error at this dt (1.6 ms in the
/// normal cell's first-beat APD90, see the convergence test).
#[test]
fn courtemanche_lookup_tables_follow_exact_model() {
    let crn = Courtemanche::chronic_af();
    let lut = CourtemancheLut::new(crn, 0.02, CourtemancheLut::DEFAULT_BIN_MV).unwrap();
    let run = |m: &dyn Fn(&mut f64, &mut twin_cardiac::cell::CourtemancheState) -> Trace| {
        let (mut v, mut s) = crn.resting();
        m(&mut v, &mut s)
    };
    let exact = run(&|v, s| simulate_cell(&crn, v, s, &[0.0, 1000.0], 2000.0, 0.02, 1).unwrap());
    let tab = run(&|v, s| simulate_cell(&lut, v, s, &[0.0, 1000.0], 2000.0, 0.02, 1).unwrap());
    let dv = exact
        .v_mv
        .iter()
        .zip(&tab.v_mv)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let (a, b) = (
        measure_ap(&exact, 1000.0, -20.0).unwrap(),
        measure_ap(&tab, 1000.0, -20.0).unwrap(),
    );
    eprintln!("max |dV| {dv:e} mV, APD90 {} vs {}", a.apd90_ms, b.apd90_ms);
    assert!(dv < 1e-3, "max |dV| {dv} mV");
    assert!((a.apd90_ms - b.apd90_ms).abs() < 1e-4);
}
