//! Monodomain tissue tests: conduction velocity convergence and scaling,
//! anisotropy, determinism and input validation.

use twin_cardiac::ablation::{InducibilityProtocol, pace_site};
use twin_cardiac::analysis::conduction_velocity_between;
use twin_cardiac::cell::{CellModel, MitchellSchaeffer};
use twin_cardiac::tissue::{DiffusionScheme, Monodomain, Site, Stimulus, Substrate};

/// Plane-wave CV along x in a strip of length 20 mm stimulated at x = 0
/// (explicit diffusion).
fn plane_wave_cv(dx: f64, d: f64, dt: f64) -> f64 {
    plane_wave(dx, d, dt, DiffusionScheme::Explicit).0
}

/// Plane-wave CV (mm/ms) with a given diffusion scheme, and the explicit
/// scheme's stability limit (ms) on that strip.
fn plane_wave(dx: f64, d: f64, dt: f64, scheme: DiffusionScheme) -> (f64, f64) {
    let ms = MitchellSchaeffer::default();
    let nx = (20.0 / dx).round() as usize + 1;
    let sub = Substrate::sheet(nx, 3, dx, d, d, 0.0).unwrap();
    let mut md = Monodomain::with_scheme(sub, vec![ms], dt, scheme).unwrap();
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [0.0, -1.0, -1.0],
            max_mm: [1.0, 100.0, 1.0],
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))
    .unwrap();
    md.run(20.0 / (d.sqrt() * 0.5) + 10.0);
    let cv = conduction_velocity_between(&md, [6.0, dx, 0.0], [16.0, dx, 0.0]).unwrap();
    (cv, md.explicit_dt_limit_ms())
}

/// Time convergence at the benchmark's grid (dx 0.25 mm, D 0.1 mm²/ms): the
/// splitting with forward-Euler reaction is first order in dt, so CV errors
/// against dt = 0.005 ms halve with dt; at the benchmark's dt = 0.1 ms the CV
/// is within 3 % of the converged value.
#[test]
fn cv_is_first_order_in_dt() {
    let reference = plane_wave_cv(0.25, 0.1, 0.005);
    let errs: Vec<f64> = [0.1, 0.05, 0.025]
        .iter()
        .map(|&dt| (plane_wave_cv(0.25, 0.1, dt) - reference).abs())
        .collect();
    eprintln!("CV ref {reference}, errors {errs:?}");
    for w in errs.windows(2) {
        let ratio = w[0] / w[1];
        assert!((1.6..2.6).contains(&ratio), "{errs:?}");
    }
    assert!(errs[0] / reference < 0.03);
}

#[test]
fn cv_converges_as_dx_shrinks() {
    let cvs: Vec<f64> = [0.4, 0.2, 0.1]
        .iter()
        .map(|&dx| plane_wave_cv(dx, 0.1, 0.005))
        .collect();
    let e1 = (cvs[0] - cvs[1]).abs();
    let e2 = (cvs[1] - cvs[2]).abs();
    eprintln!(
        "CV {cvs:?}, successive differences {e1} {e2}, ratio {}",
        e1 / e2
    );
    // Second-order stencil: differences shrink by ~4 per halving (≥ 3 here).
    assert!(e1 / e2 > 3.0, "{cvs:?}");
}

/// For Mitchell–Schaeffer the only length scale is √(D τ), so CV ∝ √D exactly
/// in the continuum: 4× the diffusivity must give 2× the velocity.
#[test]
fn cv_scales_with_sqrt_conductivity() {
    let slow = plane_wave_cv(0.1, 0.05, 0.005);
    let fast = plane_wave_cv(0.1, 0.2, 0.005);
    eprintln!("CV {slow} -> {fast}, ratio {}", fast / slow);
    assert!((fast / slow - 2.0).abs() < 0.04);
}

/// Plane waves along and across fibres: CV_l / CV_t = √(D_l / D_t).
#[test]
fn cv_anisotropy_ratio_is_sqrt_of_conductivity_ratio() {
    let ms = MitchellSchaeffer::default();
    let (dx, n) = (0.1, 161);
    let run = |along_x: bool| {
        // Strips 16 × 0.4 mm along x or along y, fibres along x in both.
        let (nx, ny) = if along_x { (n, 5) } else { (5, n) };
        let sub = Substrate::sheet(nx, ny, dx, 0.2, 0.05, 0.0).unwrap();
        let mut md = Monodomain::new(sub, vec![ms], 0.005).unwrap();
        let site = if along_x {
            Site::Box {
                min_mm: [0.0, 0.0, -1.0],
                max_mm: [0.5, 100.0, 1.0],
            }
        } else {
            Site::Box {
                min_mm: [0.0, 0.0, -1.0],
                max_mm: [100.0, 0.5, 1.0],
            }
        };
        md.add_stimulus(Stimulus::train(site, 0.0, 1000.0, 1, ms.default_stimulus()))
            .unwrap();
        md.run(80.0);
        let (a, b) = if along_x {
            ([4.0, 0.2, 0.0], [14.0, 0.2, 0.0])
        } else {
            ([0.2, 4.0, 0.0], [0.2, 14.0, 0.0])
        };
        conduction_velocity_between(&md, a, b).unwrap()
    };
    let (cl, ct) = (run(true), run(false));
    eprintln!("CV_l {cl} CV_t {ct} ratio {}", cl / ct);
    assert!((cl / ct - 2.0).abs() < 0.06);
}

/// Oblique fibres (cross terms): a wave from a point spreads fastest along the
/// fibre direction. At 45° the activation time at equal distance along the
/// fibre must be earlier than across it, with the √(D_l/D_t) ratio within 10 %.
#[test]
fn oblique_fibres_steer_conduction() {
    let ms = MitchellSchaeffer::default();
    let (dx, n) = (0.2, 121);
    let sub = Substrate::sheet(n, n, dx, 0.2, 0.05, 45f64.to_radians()).unwrap();
    let mut md = Monodomain::new(sub, vec![ms], 0.01).unwrap();
    let c = 12.0;
    md.add_stimulus(Stimulus::train(
        Site::Disk {
            centre_mm: [c, c, 0.0],
            radius_mm: 1.0,
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
    ))
    .unwrap();
    md.run(60.0);
    let r = 6.0 / 2f64.sqrt();
    let cv_l =
        conduction_velocity_between(&md, [c + r / 2.0, c + r / 2.0, 0.0], [c + r, c + r, 0.0])
            .unwrap();
    let cv_t =
        conduction_velocity_between(&md, [c - r / 2.0, c + r / 2.0, 0.0], [c - r, c + r, 0.0])
            .unwrap();
    eprintln!("oblique CV_l {cv_l} CV_t {cv_t} ratio {}", cv_l / cv_t);
    assert!((cv_l / cv_t - 2.0).abs() < 0.2);
}

/// The parallel update gives bit-identical results for 1 and 2 threads, for
/// both diffusion schemes, with two cell-model regions, oblique fibres and a
/// lesion (the sheet spans several parallel chunks).
#[test]
fn deterministic_for_any_thread_count() {
    let run = |threads: usize, scheme: DiffusionScheme| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let ms = MitchellSchaeffer::default();
            let short = MitchellSchaeffer {
                tau_close_ms: 80.0,
                ..ms
            };
            let mut sub = Substrate::sheet(120, 100, 0.25, 0.1, 0.03, 0.5).unwrap();
            sub.region
                .indexed_iter_mut()
                .for_each(|((i, _, _), r)| *r = u8::from(i >= 60));
            let mut md = Monodomain::with_scheme(sub, vec![ms, short], 0.05, scheme).unwrap();
            let mut lesion = ndarray::Array3::from_elem([120, 100, 1], false);
            lesion
                .indexed_iter_mut()
                .for_each(|((i, j, _), l)| *l = i == 40 && j < 70);
            md.ablate(&lesion).unwrap();
            md.add_stimulus(Stimulus::train(
                Site::Disk {
                    centre_mm: [3.0, 3.0, 0.0],
                    radius_mm: 1.0,
                },
                0.0,
                1000.0,
                1,
                ms.default_stimulus(),
            ))
            .unwrap();
            md.run(30.0);
            (md.v(), md.first_activation_ms().to_vec())
        })
    };
    for scheme in [DiffusionScheme::Explicit, DiffusionScheme::crank_nicolson()] {
        let (a, b) = (run(1, scheme), run(2, scheme));
        assert!(a.0.iter().any(|&x| x > 0.5));
        assert!(
            a.0.iter()
                .zip(&b.0)
                .all(|(x, y)| x.to_bits() == y.to_bits())
        );
        assert!(
            a.1.iter()
                .zip(&b.1)
                .all(|(x, y)| x.to_bits() == y.to_bits())
        );
    }
}

#[test]
fn bad_inputs_give_clear_errors() {
    let ms = MitchellSchaeffer::default();
    // Negative conductivity.
    let err = Substrate::sheet(10, 10, 0.25, -0.1, 0.02, 0.0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("d_long_mm2_per_ms") && err.contains("-0.1"),
        "{err}"
    );
    // Empty geometry.
    let mut sub = Substrate::sheet(10, 10, 0.25, 0.1, 0.02, 0.0).unwrap();
    sub.domain.mask.fill(false);
    let err = Monodomain::new(sub, vec![ms], 0.05)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("mask"), "{err}");
    // dt above the diffusion stability limit (dx²/(4D) = 0.0156 ms here).
    let sub = Substrate::sheet(10, 10, 0.25, 1.0, 1.0, 0.0).unwrap();
    let err = Monodomain::new(sub, vec![ms], 0.1)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("dt_ms") && err.contains("stability"), "{err}");
    // Stimulus outside the tissue.
    let sub = Substrate::sheet(10, 10, 0.25, 0.1, 0.02, 0.0).unwrap();
    let mut md = Monodomain::new(sub, vec![ms], 0.05).unwrap();
    let err = md
        .add_stimulus(Stimulus::train(
            Site::Disk {
                centre_mm: [50.0, 50.0, 0.0],
                radius_mm: 1.0,
            },
            0.0,
            1.0,
            1,
            ms.default_stimulus(),
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("stimulus.site"), "{err}");
    // Semi-implicit θ outside [0.5, 1].
    let sub = Substrate::sheet(10, 10, 0.25, 0.1, 0.02, 0.0).unwrap();
    let scheme = DiffusionScheme::SemiImplicit {
        theta: 0.3,
        rel_tol: 1e-8,
        max_iter: 100,
    };
    let err = Monodomain::with_scheme(sub, vec![ms], 0.05, scheme)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("theta") && err.contains("0.3"), "{err}");
}

/// A linear membrane, `dv/dt = rate_per_ms · v`: with rate 0 it is passive
/// (the monodomain reduces to pure diffusion, whose discrete solution is known
/// exactly); with a positive rate an excited node grows without bound, as a
/// diverged simulation does.
#[derive(Debug, Clone, Copy)]
struct Linear {
    rate_per_ms: f64,
}

const PASSIVE: Linear = Linear { rate_per_ms: 0.0 };

impl CellModel for Linear {
    type State = ();
    fn name(&self) -> &'static str {
        "linear"
    }
    fn resting(&self) -> (f64, ()) {
        (0.0, ())
    }
    fn step(&self, v: f64, _s: &mut (), _stim: f64, _dt: f64) -> f64 {
        self.rate_per_ms * v
    }
    fn v_to_mv(&self, v: f64) -> f64 {
        v
    }
    fn default_stimulus(&self) -> twin_cardiac::cell::StimulusPulse {
        twin_cardiac::cell::StimulusPulse {
            amplitude_per_ms: 1.0,
            duration_ms: 1.0,
        }
    }
    fn max_dt_ms(&self) -> f64 {
        10.0
    }
    fn activation_threshold(&self) -> f64 {
        0.5
    }
}

/// A diverged simulation is an error, not a quiet tissue: a NaN node is never
/// above the activation threshold, so without the check the pacing protocol
/// read a NaN sheet as one where AF was not induced (as it did for the
/// Courtemanche truth of one training patient, see
/// `the_courtemanche_truth_of_a_corner_coupled_fibrotic_voxel_stays_finite` in
/// `tests/cohort.rs`). At 1/ms an excited node overflows ~0.7 s after the pulse.
#[test]
fn a_diverged_simulation_is_an_error() {
    let sub = Substrate::sheet(20, 20, 0.5, 0.1, 0.1, 0.0).unwrap();
    let protocol = InducibilityProtocol {
        n_beats: 2,
        dt_ms: 0.1,
        ..InducibilityProtocol::default()
    };
    let runaway = Linear { rate_per_ms: 1.0 };
    let Err(err) = pace_site(&sub, &[runaway], [5.0, 5.0], &protocol) else {
        panic!("a diverged simulation was returned as a result");
    };
    let err = err.to_string();
    assert!(err.contains("non-finite"), "{err}");
}

/// On a strip of N nodes with no-flux ends the discrete Laplacian has the
/// eigenvectors cos(π(i + ½)/N) with eigenvalue λ = −(4D/h²) sin²(π/2N), so
/// after n steps the mode is scaled by exactly gⁿ with g = 1 + Δtλ (forward
/// Euler), 1/(1 − Δtλ) (backward Euler) or (1 + Δtλ/2)/(1 − Δtλ/2)
/// (Crank–Nicolson). The implicit runs use Δt = 4× the explicit limit.
#[test]
fn diffusion_schemes_match_exact_discrete_mode_decay() {
    let (n, h, d) = (40usize, 0.25, 0.1);
    let lambda = -4.0 * d / (h * h) * (std::f64::consts::PI / (2.0 * n as f64)).sin().powi(2);
    let mode: Vec<f64> = (0..n)
        .map(|i| (std::f64::consts::PI * (i as f64 + 0.5) / n as f64).cos())
        .collect();
    let limit = h * h / (2.0 * d);
    for (scheme, dt, g) in [
        (
            DiffusionScheme::Explicit,
            0.5 * limit,
            1.0 + 0.5 * limit * lambda,
        ),
        (
            DiffusionScheme::backward_euler(),
            4.0 * limit,
            1.0 / (1.0 - 4.0 * limit * lambda),
        ),
        (
            DiffusionScheme::crank_nicolson(),
            4.0 * limit,
            (1.0 + 2.0 * limit * lambda) / (1.0 - 2.0 * limit * lambda),
        ),
    ] {
        let sub = Substrate::sheet(n, 1, h, d, d, 0.0).unwrap();
        let mut md = Monodomain::with_scheme(sub, vec![PASSIVE], dt, scheme).unwrap();
        assert!((md.explicit_dt_limit_ms() - limit).abs() < 1e-12);
        md.set_v(&mode).unwrap();
        let steps = 100;
        md.run(steps as f64 * dt);
        let scale = g.powi(steps);
        let err = md
            .v()
            .iter()
            .zip(&mode)
            .map(|(v, m)| (v - scale * m).abs())
            .fold(0.0, f64::max);
        eprintln!(
            "{scheme:?}: amplitude {scale:.6}, max error {err:.2e}, last CG {:?}",
            md.last_solve()
        );
        assert!(scale < 0.9 && err < 1e-7 * scale, "{scheme:?}: {err}");
    }
}

/// Plane-wave CV with semi-implicit diffusion at 4× the explicit stability
/// limit agrees with the explicit solution at a small step.
#[test]
fn semi_implicit_cv_matches_explicit_above_stability_limit() {
    let ms = MitchellSchaeffer::default();
    let (dx, d) = (0.1, 0.1);
    let explicit = plane_wave_cv(dx, d, 0.005);
    let nx = (20.0 / dx).round() as usize + 1;
    // The explicit scheme refuses this step.
    let sub = Substrate::sheet(nx, 3, dx, d, d, 0.0).unwrap();
    assert!(Monodomain::new(sub, vec![ms], 0.1).is_err());
    for scheme in [
        DiffusionScheme::crank_nicolson(),
        DiffusionScheme::backward_euler(),
    ] {
        let (c, explicit_limit_ms) = plane_wave(dx, d, 0.1, scheme);
        assert!(0.1 > 3.9 * explicit_limit_ms);
        eprintln!("{scheme:?}: CV {c} vs explicit {explicit}");
        assert!(
            (c / explicit - 1.0).abs() < 0.03,
            "{scheme:?}: {c} vs {explicit}"
        );
    }
}
