//! Trial-level validation of the glioma model (`twin_oncology::glioma::trial`): the
//! radial solver's numerics, the course's treatment arithmetic, and the emulated trials —
//! Stupp 2005 / Hegi 2005 (fitted) and Stupp 2009, Roa 2004, Perry 2017, ANOCEF 2007 (held out).

use twin_oncology::glioma::trial::{
    CourseOptions, GbmArm, GbmPopulation, GbmTrialResult, GbmTrialSpec, RadialTumour,
    SALVAGE_CYCLES, Surgery, VirtualGbmPatient, run_gbm_trial, simulate_course,
};

// ---------- numerics of the radial solver ----------

#[test]
fn diffusion_conserves_cells() {
    let mut t = RadialTumour::new(200, 0.25).unwrap();
    t.set_front(10.0, 0.8, 0.1, 0.03);
    let before = t.total_cells();
    for _ in 0..200 {
        t.diffuse(0.5, 1.0);
    }
    let after = t.total_cells();
    assert!((after / before - 1.0).abs() < 1e-12, "{before} -> {after}");
}

/// Error of backward-Euler diffusion against the 3-D heat kernel
/// c = (t0/(t0+t))^{3/2} exp(−r²/(4D(t0+t))) after `t_end` days.
fn heat_kernel_error(dt: f64, dr: f64) -> f64 {
    let (d, t0, t_end) = (0.2, 20.0, 40.0);
    let n = (40.0 / dr) as usize;
    let mut t = RadialTumour::new(n, dr).unwrap();
    let exact =
        |r: f64, time: f64| (t0 / (t0 + time)).powf(1.5) * (-r * r / (4.0 * d * (t0 + time))).exp();
    for i in 0..n {
        t.density[i] = exact(t.radius_mm(i), 0.0);
    }
    let steps = (t_end / dt).round() as usize;
    for _ in 0..steps {
        t.diffuse(d, dt);
    }
    (0..n)
        .map(|i| (t.density[i] - exact(t.radius_mm(i), t_end)).abs())
        .fold(0.0, f64::max)
}

#[test]
fn diffusion_is_first_order_in_time_and_second_in_space() {
    // time: fine grid, halve Δt
    let (e1, e2) = (heat_kernel_error(2.0, 0.05), heat_kernel_error(1.0, 0.05));
    let p_t = (e1 / e2).log2();
    // space: small Δt, halve Δr
    let (s1, s2) = (heat_kernel_error(0.02, 0.8), heat_kernel_error(0.02, 0.4));
    let p_r = (s1 / s2).log2();
    println!(
        "heat kernel: order in Δt {p_t:.2} ({e1:.2e} → {e2:.2e}), in Δr {p_r:.2} ({s1:.2e} → {s2:.2e})"
    );
    assert!((0.8..=1.2).contains(&p_t), "{p_t}");
    assert!((1.6..=2.4).contains(&p_r), "{p_r}");
}

#[test]
fn front_travels_at_the_fisher_kpp_speed() {
    // Fisher–KPP: fronts from compact initial data approach 2√(Dρ) from below
    // (Bramson's logarithmic delay); measured over days 200–400 within 5 %.
    let (d, rho): (f64, f64) = (0.05, 0.1);
    let mut t = RadialTumour::new(800, 0.1).unwrap();
    t.set_front(2.0, 0.8, d, rho);
    let mut r = [0.0; 2];
    for day in 1..=4000 {
        t.step(d, rho, 0.1);
        if day == 2000 {
            r[0] = t.front_radius_mm(0.16);
        }
    }
    r[1] = t.front_radius_mm(0.16);
    let v = (r[1] - r[0]) / 200.0;
    let v_theory = 2.0 * (d * rho).sqrt();
    println!("front speed {v:.4} mm/day vs 2√(Dρ) = {v_theory:.4}");
    assert!((v / v_theory - 1.0).abs() < 0.05, "{v} vs {v_theory}");
}

// ---------- course arithmetic ----------

fn patient(rho: f64) -> VirtualGbmPatient {
    VirtualGbmPatient {
        age_years: 56.0,
        surgery: Surgery::Biopsy,
        extent_of_resection: 0.0,
        mgmt_methylated: false,
        preop_volume_cm3: 20.0,
        diffusion_mm2_per_day: 0.08,
        rho_per_day: rho,
        alpha_per_gy: 0.05,
        tmz_log_kill_per_mg_m2: 1.96e-4,
        lethal_volume_cm3: 113.0,
        scan_offset: 0.0,
        salvage: false,
        pseudoprogression_quantile: 1.0,
    }
}

/// Radiotherapy 60 Gy in 30 fractions, no temozolomide.
fn rt_60_over_30() -> GbmArm {
    GbmArm {
        name: "60/30".into(),
        rt_fractions: 30,
        rt_dose_per_fraction_gy: 2.0,
        tmz_concomitant_mg_m2: 0.0,
        tmz_concomitant_days: None,
        tmz_adjuvant_cycles: 0,
        salvage_at_progression: true,
    }
}

#[test]
fn uniform_kill_shifts_a_pulled_front_back_by_l_over_lambda() {
    // Fisher–KPP fronts are pulled: multiplying the density by e^{−L} everywhere scales
    // the leading edge, which shifts the front back by L/λ (λ = √(ρ/D)); moving at
    // v = 2√(Dρ) it needs L/(λv) = L/(2ρ) days to catch up. Measured at the FLAIR
    // level 1,200 days after the kill, within 10 % (the relaxation is algebraic).
    let (d, rho, l): (f64, f64, f64) = (0.05, 0.05, 3.0);
    let mut a = RadialTumour::new(2400, 0.1).unwrap();
    a.set_front(10.0, 0.8, d, rho);
    for _ in 0..1000 {
        a.step(d, rho, 0.1);
    }
    let mut b = a.clone();
    b.kill((-l).exp());
    let v = 2.0 * (d * rho).sqrt();
    for k in 1..=12000 {
        a.step(d, rho, 0.1);
        b.step(d, rho, 0.1);
        if k % 3000 == 0 {
            let lag = (a.front_radius_mm(0.16) - b.front_radius_mm(0.16)) / v;
            println!("  {} days after the kill: lag {lag:.1} days", k / 10);
        }
    }
    let lag_days = (a.front_radius_mm(0.16) - b.front_radius_mm(0.16)) / v;
    let theory = l / (2.0 * rho);
    println!(
        "front lag after a uniform kill of {l} logs: {lag_days:.1} days (L/(2ρ) = {theory:.1})"
    );
    assert!((lag_days / theory - 1.0).abs() < 0.10, "{lag_days}");
}

#[test]
fn treatment_delays_death_between_the_front_and_bulk_limits() {
    // 60 Gy/30 at α = 0.05 /Gy, α/β = 10: L = 30·(0.1 + 0.02) = 3.6. Against a sham
    // fraction of 0.001 Gy the death day moves by at least L/(2ρ) (pulled-front limit,
    // previous test) and at most L/ρ·1.5 (the dense core regrows logistically from a
    // density already reduced by e^{−L}: L/ρ plus the saturation time).
    let opts = CourseOptions::default();
    let sham = GbmArm {
        name: "sham".into(),
        rt_fractions: 1,
        rt_dose_per_fraction_gy: 0.001,
        tmz_concomitant_mg_m2: 0.0,
        tmz_concomitant_days: None,
        tmz_adjuvant_cycles: 0,
        salvage_at_progression: true,
    };
    let rt = GbmArm {
        name: "60/30".into(),
        rt_fractions: 30,
        rt_dose_per_fraction_gy: 2.0,
        ..sham.clone()
    };
    let tmz = GbmArm {
        name: "60/30 + TMZ".into(),
        tmz_concomitant_mg_m2: 75.0,
        tmz_adjuvant_cycles: 6,
        ..rt.clone()
    };
    let p = patient(0.03);
    let a = simulate_course(&p, &sham, &GbmPopulation::default(), &opts).unwrap();
    let b = simulate_course(&p, &rt, &GbmPopulation::default(), &opts).unwrap();
    let c = simulate_course(&p, &tmz, &GbmPopulation::default(), &opts).unwrap();
    let gained = b.os_days - a.os_days;
    println!(
        "OS sham {:.0} d, RT {:.0} d (gained {gained:.0}; L/(2ρ) = 60, L/ρ = 120), RT + TMZ {:.0} d",
        a.os_days, b.os_days, c.os_days
    );
    assert!(a.died && b.died);
    assert!((60.0..=180.0).contains(&gained), "{gained}");
    assert!(c.os_days > b.os_days);
    assert!(b.pfs_days < b.os_days && b.pfs_event);
}

#[test]
fn supportive_care_is_an_untreated_course_without_pseudoprogression_or_salvage() {
    // No fractions: the tumour grows untreated. Its course must equal a sham arm's (one
    // fraction of 1e-9 Gy: a surviving fraction of 1 − 5e-11 at α = 0.05 /Gy) to the
    // day, except that without radiotherapy no pseudoprogression is recorded, even for a
    // patient whose quantile (0) records one after any radiotherapy. An arm that forbids
    // treatment at progression must not get it even for a patient drawn to receive it.
    let opts = CourseOptions::default();
    let supportive = GbmArm {
        name: "supportive care".into(),
        rt_fractions: 0,
        rt_dose_per_fraction_gy: 0.0,
        salvage_at_progression: false,
        ..rt_60_over_30()
    };
    let sham = GbmArm {
        rt_fractions: 1,
        rt_dose_per_fraction_gy: 1e-9,
        ..supportive.clone()
    };
    let p = VirtualGbmPatient {
        pseudoprogression_quantile: 0.0,
        salvage: true,
        ..patient(0.03)
    };
    let pop = GbmPopulation::default();
    let a = simulate_course(&p, &supportive, &pop, &opts).unwrap();
    let b = simulate_course(&p, &sham, &pop, &opts).unwrap();
    println!("supportive care {a:?}\nsham fraction   {b:?}");
    assert!(a.died && (a.os_days - b.os_days).abs() <= 1.0);
    assert_eq!(a.progression_scan_day, b.progression_scan_day);
    assert!(a.progression_scan_day.is_some_and(|d| d < a.os_days));
    assert!(!a.pseudoprogression_recorded && b.pseudoprogression_recorded);
    assert_eq!(a.pfs_days, a.progression_scan_day.unwrap());
    // The same patient treated at progression lives longer.
    let salvaged = GbmArm {
        salvage_at_progression: true,
        ..supportive.clone()
    };
    let c = simulate_course(&p, &salvaged, &pop, &opts).unwrap();
    assert!(c.os_days > a.os_days, "{} vs {}", c.os_days, a.os_days);
    // Temozolomide needs radiotherapy to schedule it.
    let tmz_alone = GbmArm {
        tmz_adjuvant_cycles: 6,
        ..supportive
    };
    let e = simulate_course(&p, &tmz_alone, &pop, &opts).unwrap_err();
    assert!(e.to_string().contains("rt_fractions"), "{e}");
}

#[test]
fn a_visit_window_shifts_every_scan_of_the_patient() {
    // Progression is only seen on a scan: first 28 days after the last fraction plus the
    // patient's offset (scan_offset × window), then every 91 days. The progression day
    // must sit on that patient's grid, and a zero window puts everyone on schedule.
    let arm = rt_60_over_30();
    let opts = CourseOptions::default();
    let on_time = CourseOptions {
        scan_window_days: 0,
        ..opts
    };
    let base = simulate_course(&patient(0.03), &arm, &GbmPopulation::default(), &on_time).unwrap();
    for offset in [-1.0, -0.5, 0.0, 1.0] {
        let p = VirtualGbmPatient {
            scan_offset: offset,
            ..patient(0.03)
        };
        let c = simulate_course(&p, &arm, &GbmPopulation::default(), &opts).unwrap();
        assert!(c.pfs_event && c.pfs_days < c.os_days, "{c:?}");
        let first = (arm.rt_end_day() + 28) as f64 + offset * opts.scan_window_days as f64;
        let k = (c.pfs_days - first) / opts.scan_every_days as f64;
        println!(
            "offset {offset:+}: progression on day {} (scan {k})",
            c.pfs_days
        );
        assert!(k >= 0.0 && (k - k.round()).abs() < 1e-9, "{c:?}");
        assert_eq!(
            simulate_course(&p, &arm, &GbmPopulation::default(), &on_time).unwrap(),
            base
        );
    }
    let too_wide = CourseOptions {
        scan_window_days: 30,
        ..opts
    };
    let e =
        simulate_course(&patient(0.03), &arm, &GbmPopulation::default(), &too_wide).unwrap_err();
    assert!(e.to_string().contains("scan_window_days"), "{e}");
}

#[test]
fn a_recorded_pseudoprogression_moves_only_pfs_to_the_first_scan() {
    // A recorded pseudoprogression is a PFS event on the first post-radiotherapy scan
    // (28 days after the last fraction, on-schedule patient) and nothing else: overall
    // survival and the day of true progression are those of the same patient without
    // it. A tumour already growing at that scan progresses truly instead.
    let tmz = GbmArm {
        name: "60/30 + TMZ".into(),
        tmz_concomitant_mg_m2: 75.0,
        tmz_adjuvant_cycles: 6,
        ..rt_60_over_30()
    };
    let opts = CourseOptions {
        scan_window_days: 0,
        ..CourseOptions::default()
    };
    let pop = GbmPopulation {
        pseudoprogression_recorded_fraction: 1.0,
        ..GbmPopulation::default()
    };
    // Brandes 2008's methylated rate with temozolomide; Gerstner 2009's without
    let p_tmz = pop.recorded_pseudoprogression_probability(true, true);
    assert!((p_tmz - 21.0 / 36.0).abs() < 1e-12);
    assert!((pop.recorded_pseudoprogression_probability(false, true) - 11.0 / 47.0).abs() < 1e-12);
    let first_scan = (tmz.rt_end_day() + 28) as f64;
    let slow = VirtualGbmPatient {
        mgmt_methylated: true,
        ..patient(0.01)
    };
    let without = simulate_course(&slow, &tmz, &pop, &opts).unwrap();
    assert!(
        without.progression_scan_day.unwrap() > first_scan,
        "{without:?}"
    );
    for (quantile, recorded) in [(0.0, true), (p_tmz - 1e-9, true), (p_tmz + 1e-9, false)] {
        let p = VirtualGbmPatient {
            pseudoprogression_quantile: quantile,
            ..slow
        };
        let c = simulate_course(&p, &tmz, &pop, &opts).unwrap();
        assert_eq!(c.pseudoprogression_recorded, recorded, "{quantile}");
        let expected_pfs = if recorded {
            first_scan
        } else {
            without.pfs_days
        };
        assert_eq!(c.pfs_days, expected_pfs);
        assert!(c.pfs_event);
        assert_eq!((c.os_days, c.died), (without.os_days, without.died));
        assert_eq!(c.progression_scan_day, without.progression_scan_day);
    }
    // radioresistant (α 0.001 /Gy): the front gains ≈ 6.6 mm by the first scan, well
    // over the 1.40-fold volume of progression
    let resistant = VirtualGbmPatient {
        pseudoprogression_quantile: 0.0,
        alpha_per_gy: 0.001,
        tmz_log_kill_per_mg_m2: 0.0,
        ..patient(0.03)
    };
    let c = simulate_course(&resistant, &tmz, &pop, &opts).unwrap();
    println!("radioresistant tumour: {c:?}");
    assert_eq!(c.progression_scan_day, Some(first_scan));
    assert!(!c.pseudoprogression_recorded && c.pfs_days == first_scan);
}

#[test]
fn salvage_acts_only_after_the_progression_scan() {
    // Salvage starts the day after the progression scan: PFS is the same with and
    // without it, and no kill gives the untreated course. Each of the SALVAGE_CYCLES kills
    // of L logs delays death by at least L/(2ρ) (a pulled front, test above) and at most
    // the logistic return of a saturated voxel to the T1-Gd level θ = 0.8:
    // (logit θ − logit e^{−L})/ρ = (ln 4 + L + ln(1 − e^{−L}))/ρ.
    let arm = rt_60_over_30();
    let opts = CourseOptions::default();
    let rho = 0.03;
    // the patient is MGMT-unmethylated: the salvage kill carries the unmethylated factor
    let pop = GbmPopulation {
        salvage_log_kill_per_cycle: 5.0,
        tmz_factor_unmethylated: 0.2,
        ..GbmPopulation::default()
    };
    let l = 5.0 * 0.2;
    let untreated = simulate_course(&patient(rho), &arm, &pop, &opts).unwrap();
    let treated_patient = VirtualGbmPatient {
        salvage: true,
        ..patient(rho)
    };
    let treated = simulate_course(&treated_patient, &arm, &pop, &opts).unwrap();
    let no_kill = GbmPopulation {
        salvage_log_kill_per_cycle: 0.0,
        ..pop
    };
    assert_eq!(
        simulate_course(&treated_patient, &arm, &no_kill, &opts).unwrap(),
        untreated
    );
    assert!(untreated.progression_seen() && treated.progression_seen());
    assert_eq!(treated.pfs_days, untreated.pfs_days);
    let gained = treated.os_days - untreated.os_days;
    let cycles = SALVAGE_CYCLES as f64;
    let (front, bulk) = (
        cycles * l / (2.0 * rho),
        cycles * (4f64.ln() + l + (1.0 - (-l).exp()).ln()) / rho,
    );
    println!(
        "salvage: OS {:.0} → {:.0} days (gained {gained:.0}; front limit {front:.0}, bulk limit {bulk:.0})",
        untreated.os_days, treated.os_days
    );
    assert!((front..=bulk).contains(&gained), "{gained}");
    // the same tumour, MGMT-methylated: the salvage kill carries the methylated factor
    let methylated = VirtualGbmPatient {
        mgmt_methylated: true,
        ..treated_patient
    };
    let treated_methylated = simulate_course(&methylated, &arm, &pop, &opts).unwrap();
    assert!(
        treated_methylated.os_days > treated.os_days,
        "{treated_methylated:?}"
    );
}

/// Concomitant temozolomide follows each trial's published regimen: Stupp 2005 gives
/// 75 mg/m² "from the first to the last day of radiotherapy" (60 Gy/30 from a Monday:
/// days 0–39, 40 doses); Perry 2017 gives 75 mg/m² daily for 21 days with 40 Gy/15
/// (days 0–20; the last fraction is on day 18). Adjuvant cycles start 4 weeks after
/// the last fraction in both. A course that would run into the adjuvant cycles is an
/// error.
#[test]
fn concomitant_temozolomide_follows_each_trials_regimen() {
    let spec = |file: &str| -> GbmTrialSpec {
        let path = format!("{}/../data/trials/gbm/{file}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let doses = |arm: &GbmArm, mg: f64| {
        (0..arm.rt_end_day() + 29)
            .filter(|&d| arm.tmz_dose_on(d) == mg)
            .collect::<Vec<_>>()
    };
    let stupp = spec("stupp2005.json");
    let stupp_tmz = stupp
        .arms
        .iter()
        .find(|a| a.tmz_concomitant_mg_m2 > 0.0)
        .unwrap();
    assert_eq!(stupp_tmz.rt_end_day(), 39);
    assert_eq!(doses(stupp_tmz, 75.0), (0..40).collect::<Vec<_>>());
    let perry = spec("perry2017.json");
    let perry_tmz = perry
        .arms
        .iter()
        .find(|a| a.tmz_concomitant_mg_m2 > 0.0)
        .unwrap();
    assert_eq!(perry_tmz.rt_end_day(), 18);
    assert_eq!(doses(perry_tmz, 75.0), (0..21).collect::<Vec<_>>());
    // first adjuvant dose (150 mg/m²) 4 weeks after the last fraction
    assert_eq!(perry_tmz.tmz_dose_on(18 + 1 + 28), 150.0);
    assert_eq!(perry_tmz.tmz_dose_on(18 + 28), 0.0);
    let too_long = GbmArm {
        tmz_concomitant_days: Some(48),
        ..perry_tmz.clone()
    };
    let e = simulate_course(
        &patient(0.03),
        &too_long,
        &GbmPopulation::default(),
        &CourseOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("tmz_concomitant_days"), "{e}");
}

#[test]
fn bad_inputs_are_errors() {
    let opts = CourseOptions::default();
    let bad = GbmArm {
        name: "x".into(),
        rt_fractions: 61,
        rt_dose_per_fraction_gy: 2.0,
        tmz_concomitant_mg_m2: 0.0,
        tmz_concomitant_days: None,
        tmz_adjuvant_cycles: 0,
        salvage_at_progression: true,
    };
    assert!(simulate_course(&patient(0.03), &bad, &GbmPopulation::default(), &opts).is_err());
    let no_scans = CourseOptions {
        scan_every_days: 0,
        ..opts
    };
    let ok_arm = GbmArm {
        rt_fractions: 30,
        ..bad.clone()
    };
    let e = simulate_course(
        &patient(0.03),
        &ok_arm,
        &GbmPopulation::default(),
        &no_scans,
    )
    .unwrap_err();
    assert!(e.to_string().contains("scan_every_days"), "{e}");
    assert!(RadialTumour::new(3, 0.5).is_err());
    let pop = GbmPopulation {
        lethal_volume_cm3_at_56: f64::NAN,
        ..GbmPopulation::default()
    };
    assert!(
        pop.validate()
            .unwrap_err()
            .to_string()
            .contains("lethal_volume_cm3_at_56")
    );
    let no_salvage_kill = GbmPopulation {
        salvage_log_kill_per_cycle: f64::NAN,
        ..GbmPopulation::default()
    };
    let e = simulate_course(&patient(0.03), &ok_arm, &no_salvage_kill, &opts).unwrap_err();
    assert!(e.to_string().contains("salvage_log_kill_per_cycle"), "{e}");
}

// ---------- trials ----------

fn run(file: &str, n: usize) -> GbmTrialResult {
    let path = format!("{}/../data/trials/gbm/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut spec: GbmTrialSpec =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    spec.n_per_arm = n;
    run_gbm_trial(&spec, &GbmPopulation::default()).unwrap()
}

fn show(r: &GbmTrialResult) {
    println!("{}", r.name);
    for a in &r.arms {
        println!(
            "  {:55} OS {:5.1} [{:.1}, {:.1}] PFS {:5.1} | meth OS {:5.1} PFS {:5.1} | unmeth OS {:5.1} PFS {:5.1} | OS at {:?}: {:.3?} | HR OS {:.3?} PFS {:.3?} | age HR {:.2}",
            a.name,
            a.all.os.median.unwrap_or(f64::NAN),
            a.all.os.lo.unwrap_or(f64::NAN),
            a.all.os.hi.unwrap_or(f64::NAN),
            a.all.pfs.median.unwrap_or(f64::NAN),
            a.methylated.os.median.unwrap_or(f64::NAN),
            a.methylated.pfs.median.unwrap_or(f64::NAN),
            a.unmethylated.os.median.unwrap_or(f64::NAN),
            a.unmethylated.pfs.median.unwrap_or(f64::NAN),
            r.report_years,
            a.all.os_at_years,
            a.os_hr_vs_first.map(|h| (h.hr, h.lo, h.hi)),
            a.pfs_hr_vs_first.map(|h| (h.hr, h.lo, h.hi)),
            a.os_hr_per_decade_of_age.hr,
        );
        let ap = &a.after_progression;
        println!(
            "    after progression: treated {:.1} [{:.1}, {:.1}], untreated {:.1} [{:.1}, {:.1}] months; death before a progression scan {:.1} %",
            ap.treated.median.unwrap_or(f64::NAN),
            ap.treated.lo.unwrap_or(f64::NAN),
            ap.treated.hi.unwrap_or(f64::NAN),
            ap.untreated.median.unwrap_or(f64::NAN),
            ap.untreated.lo.unwrap_or(f64::NAN),
            ap.untreated.hi.unwrap_or(f64::NAN),
            100.0 * ap.death_first_fraction
        );
        println!(
            "    pseudoprogression recorded as progression: {:.1} %",
            100.0 * a.pseudoprogression_recorded_fraction
        );
    }
}

fn os(a: &twin_oncology::glioma::trial::GbmArmResult) -> f64 {
    a.all.os.median.unwrap()
}

fn pfs(a: &twin_oncology::glioma::trial::GbmArmResult) -> f64 {
    a.all.pfs.median.unwrap()
}

fn within(x: f64, reported: f64, rel: f64) -> bool {
    (x / reported - 1.0).abs() <= rel
}

#[test]
fn stupp_2005_and_hegi_2005() {
    // FITTED (examples/gbm_trial_fit.rs): median OS 12.1 vs 14.6 months (Stupp et al.
    // 2005, NEJM 352:987, abstract), methylated 15.3 vs 21.7 (Hegi et al. 2005, NEJM
    // 352:997, abstract) — checked to stay within 10 % / 20 % of the fit.
    // HELD OUT: the OS hazard ratio 0.63 (0.52–0.75) and the PFS hazard ratio 0.54
    // (0.54 read in Neuro-Oncol Adv 2023 5:vdad105, Table 1; its CI 0.45–0.64 recalled);
    // 2-year survival with RT alone 10.9 % (7.6–14.8; Stupp et al.
    // 2009, Lancet Oncol 10:459).
    // MGMT must modulate temozolomide (Hegi 2005): the methylated OS gain exceeds the
    // unmethylated gain at least three-fold.
    // Also FITTED: both arms' median PFS (5.0 and 6.9 months; the temozolomide arm's
    // through the fraction of pseudoprogressions recorded as progression) and the median
    // survival after progression of treated patients in the temozolomide arm (8.6
    // months, Franceschi et al. 2015, J Neurooncol 121:399).
    // HELD OUT: survival after progression without salvage (3.1 months with supportive
    // care only, 299 recurrent glioblastomas, J Neurooncol 2017, doi
    // 10.1007/s11060-017-2564-z). The PFS hazard ratio is held out only in part: both
    // arms' medians are fitted.
    // The PFS hazard ratio, 0.451 (0.421–0.483), sits on the lower edge of 0.54
    // (0.45–0.64; 0.36 before pseudoprogression was modelled, 0.44–0.47 in other fits of
    // the same model): guarded at 0.40–0.64.
    // KNOWN MISSES (reported, not tuned): untreated survival after progression 4.2–5.1 vs
    // 3.1 months; 2-year survival with temozolomide (24 vs 27 %) and the 5-year tail (1.9
    // vs 10 %) are too low. Guarded: untreated survival after progression within 2×.
    let r = run("stupp2005.json", 2000);
    show(&r);
    let (rt, tmz) = (&r.arms[0], &r.arms[1]);
    assert!(within(os(rt), 12.1, 0.10) && within(os(tmz), 14.6, 0.10));
    let m = |a: &twin_oncology::glioma::trial::GbmArmResult| a.methylated.os.median.unwrap();
    let u = |a: &twin_oncology::glioma::trial::GbmArmResult| a.unmethylated.os.median.unwrap();
    assert!(within(m(rt), 15.3, 0.2) && within(m(tmz), 21.7, 0.2));
    let hr = tmz.os_hr_vs_first.unwrap();
    assert!((0.52..=0.75).contains(&hr.hr), "OS HR {hr:?}");
    let hr_pfs = tmz.pfs_hr_vs_first.unwrap();
    assert!((0.40..=0.64).contains(&hr_pfs.hr), "PFS HR {hr_pfs:?}");
    assert!(within(pfs(rt), 5.0, 0.10) && within(pfs(tmz), 6.9, 0.10));
    let after = |a: &twin_oncology::glioma::trial::GbmArmResult| {
        let ap = &a.after_progression;
        (ap.treated.median.unwrap(), ap.untreated.median.unwrap())
    };
    assert!(within(after(tmz).0, 8.6, 0.10), "{:?}", after(tmz));
    for a in [rt, tmz] {
        assert!(
            (3.1 / 2.0..=3.1 * 2.0).contains(&after(a).1),
            "{:?}",
            after(a)
        );
    }
    assert!(
        (0.076..=0.148).contains(&rt.all.os_at_years[0]),
        "{:?}",
        rt.all.os_at_years
    );
    // HELD OUT, by MGMT status: pooled median PFS under RT + TMZ of later phase III
    // trials (Alnahhas et al. 2020, Neuro-Oncology Advances, PMC7596890, abstract):
    // unmethylated 4.99 months (95 % CI 4.25–5.72, 5 trials), methylated 9.51 (7.41–11.61,
    // 7 trials). The unmethylated arm must fall inside its CI. KNOWN MISS: methylated
    // 13.7 months (14.1 before pseudoprogression was modelled) — the source of the
    // too-strong PFS hazard ratio. Guarded within 1.6×.
    let pfs_u = tmz.unmethylated.pfs.median.unwrap();
    let pfs_m = tmz.methylated.pfs.median.unwrap();
    println!("RT + TMZ PFS: unmethylated {pfs_u:.2}, methylated {pfs_m:.2} months");
    assert!((4.25..=5.72).contains(&pfs_u), "{pfs_u}");
    assert!(pfs_m / 9.51 < 1.6, "{pfs_m}");
    let (gain_m, gain_u) = (m(tmz) - m(rt), u(tmz) - u(rt));
    println!("TMZ gain: methylated {gain_m:.1} months, unmethylated {gain_u:.1}");
    assert!(gain_m > 3.0 * gain_u.max(0.0) && gain_m > 2.0);
}

#[test]
fn roa_2004_held_out() {
    // HELD OUT. Roa et al. 2004 (JCO 22:1583, abstract, read in a stored copy): patients
    // ≥ 60, median OS 5.1 (60 Gy/30) vs 5.6 months (40 Gy/15), p = 0.57; 6-month survival
    // 44.7 vs 41.7 %, lower bound of the 95 % CI of the difference −13.7 points (the
    // trial's non-inferiority reading; no hazard ratio given).
    // Effect: the model's 6-month difference (40/15 − 60/30) must lie above −13.7 (its
    // HR 1.34 applied at Roa's 44.7 % would give −10.7, also above).
    // KNOWN MISS (reported, not tuned): the model's survival is ~1.5× longer (7.9 and
    // 7.7 months) — it has no performance status (Roa enrolled KPS ≥ 50; baseline table
    // not found). Guarded: each arm within 1.7× of the reported median. (Before salvage
    // and the population α multiplier, 9.7 / 8.1 months and an HR of 1.34 for 40 Gy/15.)
    let r = run("roa2004.json", 2000);
    show(&r);
    let (std60, hypo40) = (&r.arms[0], &r.arms[1]);
    assert!(os(std60) / 5.1 < 1.7 && os(hypo40) / 5.6 < 1.7);
    let six_month_difference_points =
        100.0 * (hypo40.all.os_at_years[0] - std60.all.os_at_years[0]);
    println!("6-month OS difference (40/15 − 60/30): {six_month_difference_points:.1} points");
    assert!(six_month_difference_points > -13.7);
}

#[test]
fn anocef_2007_held_out() {
    // HELD OUT (added 2026-12-06, after every fit; nothing fitted to it). Keime-Guibert et
    // al. 2007 (NEJM 356:1527, abstract): 81 glioblastoma patients ≥ 70 (median 73),
    // KPS ≥ 70; radiotherapy (1.8 Gy × 5 a week to 50 Gy) plus supportive care vs
    // supportive care alone: median OS 29.1 vs 16.9 weeks (6.7 vs 3.9 months), HR for
    // death with radiotherapy 0.47 (0.29–0.76). The one trial at hand with an untreated
    // arm: it checks the model's radiotherapy effect itself. Verdicts: each arm within
    // 20 %, the HR inside the CI. First run: radiotherapy 7.4 months (+10 %), HR 0.56,
    // inside. KNOWN MISS (reported, not tuned): supportive care 5.5 vs 3.9 months
    // (+41 %) — the same direction as the untreated survival after recurrence (5.1 vs
    // 3.1) and Roa's elderly arms: without treatment, or old and frail, the model's
    // patients live too long (death is by tumour burden only). Guarded within 1.6×.
    let r = run("anocef2007.json", 2000);
    show(&r);
    let (supportive, rt) = (&r.arms[0], &r.arms[1]);
    let hr = rt.os_hr_vs_first.unwrap().hr;
    println!(
        "ANOCEF: supportive care {:.2}, RT {:.2} months (reported 3.9, 6.7); HR {hr:.3} (0.47, 0.29–0.76)",
        os(supportive),
        os(rt)
    );
    let months = |weeks: f64| weeks * 7.0 / twin_oncology::glioma::trial::emulate::DAYS_PER_MONTH;
    assert!(os(supportive) / months(16.9) < 1.6, "{}", os(supportive));
    assert!(within(os(rt), months(29.1), 0.2), "{}", os(rt));
    assert!((0.29..=0.76).contains(&hr), "OS HR {hr}");
}

#[test]
fn perry_2017_held_out() {
    // HELD OUT. Perry et al. 2017 (NEJM 376:1027, abstract): patients ≥ 65, 40 Gy/15 ±
    // temozolomide: median OS 7.6 vs 9.3 months, HR 0.67 (0.56–0.80); PFS 3.9 vs 5.3, HR
    // 0.50 (0.41–0.60); methylated OS 7.7 vs 13.5, unmethylated 7.9 vs 10.0.
    // Tolerance ±20 % per arm (OS and PFS), hazard ratios inside the published CIs, and
    // the temozolomide gain larger in methylated tumours.
    // Disclosure: the model's first run here (before `EFFECTIVE_ADJUVANT_CYCLES`) gave
    // 12.8 months and HR 0.46 with temozolomide — kill proportional to dose made 12
    // adjuvant cycles kill twice what 6 do. The cap of 6 effective cycles comes from
    // GEINO 14-01 (no benefit of 12 over 6 cycles), not from this trial.
    // Pseudoprogression (rates of Gerstner 2009 and Brandes 2008, recorded fraction fitted
    // to Stupp) was added after this trial's PFS misses had been seen (temozolomide PFS
    // 7.6 vs 5.3 months, HR 0.33); nothing was fitted to Perry.
    // Regimen: 75 mg/m² daily for 21 days with 40 Gy/15 (Perry 2017; the arm gave 19
    // doses, to the last fraction, before that fix — with 19: temozolomide PFS 6.1 months,
    // inside ±20 %; with 21: 6.6, a miss).
    // KNOWN MISSES (reported, not tuned): PFS with temozolomide (above); unmethylated
    // OS with temozolomide 7.0 vs 10.0 months, and with radiotherapy alone 6.3 vs 7.9 (−20.2 %; the methylated
    // radiotherapy arm, 9.1 vs 7.7, is within 20 %): the model's MGMT effect under
    // radiotherapy (α multiplier fitted to Hegi 2005) is absent in Perry's arm.
    let r = run("perry2017.json", 2000);
    show(&r);
    let (rt, tmz) = (&r.arms[0], &r.arms[1]);
    assert!(within(os(rt), 7.6, 0.2), "{}", os(rt));
    assert!(within(os(tmz), 9.3, 0.2), "{}", os(tmz));
    let hr = tmz.os_hr_vs_first.unwrap().hr;
    assert!((0.56..=0.80).contains(&hr), "OS HR {hr}");
    let hr_pfs = tmz.pfs_hr_vs_first.unwrap().hr;
    assert!((0.41..=0.60).contains(&hr_pfs), "PFS HR {hr_pfs}");
    let meth = |x: &twin_oncology::glioma::trial::GbmArmResult| x.methylated.os.median.unwrap();
    let unmeth = |x: &twin_oncology::glioma::trial::GbmArmResult| x.unmethylated.os.median.unwrap();
    assert!(meth(tmz) - meth(rt) > unmeth(tmz) - unmeth(rt));
    println!(
        "Perry RT alone: methylated {:.2}, unmethylated {:.2} months (reported 7.7, 7.9)",
        meth(rt),
        unmeth(rt)
    );
    assert!(within(meth(rt), 7.7, 0.2), "{}", meth(rt));
    println!(
        "Perry PFS: RT {:.2}, RT + TMZ {:.2} months (reported 3.9, 5.3)",
        pfs(rt),
        pfs(tmz)
    );
    assert!(within(pfs(rt), 3.9, 0.2), "{}", pfs(rt));
    // KNOWN MISS since the arm got Perry's published 21 days of concomitant
    // temozolomide (19 before, to the last fraction): PFS with temozolomide is above
    // +20 %; guarded within 1.3×, not tuned.
    assert!(pfs(tmz) > 5.3 && pfs(tmz) / 5.3 < 1.3, "{}", pfs(tmz));
}
