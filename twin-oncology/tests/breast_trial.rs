//! Metastatic breast trials reproduced by the population twin (issue 18).
//!
//! Fitted (one value per arm, `examples/breast_trial_fit.rs`): E2100 paclitaxel arm
//! (KL and paclitaxel, median PFS and response rate), AVADO both arms (docetaxel,
//! bevacizumab; its hazard ratio fixes the sensitivity spread), M77001 both arms
//! (HER2 growth multiplier, trastuzumab), FALCON both arms (aromatase inhibitor,
//! fulvestrant), MONALEESA-2's ribociclib arm (CDK4/6 inhibitor), its letrozole arm's
//! response rate (the oestrogen-receptor axis's resistance rate) and its hazard ratio
//! (the axis's sensitivity spread), PALOMA-3 fulvestrant arm
//! (endocrine cross-resistance), MONARCH-1 (CDK4/6 without an endocrine partner), SOLAR-1 PIK3CA-mutant alpelisib arm, RIBBON-1
//! capecitabine arm, OlympiAD both arms (chemotherapy-line factor, olaparib),
//! ASCENT sacituzumab arm, DESTINY-Breast04 HR-positive cohort's trastuzumab
//! deruxtecan arm.
//! Held out: everything else. Passing checks are asserted; misses are printed
//! and listed in the crate docs.

use std::path::Path;
use twin_oncology::breast::growth::ClaretParams;
use twin_oncology::breast::trial::agents::LATE_AGENTS;
use twin_oncology::breast::trial::cohort::{MbcCohortSpec, sample_patients};
use twin_oncology::breast::trial::course::simulate;
use twin_oncology::breast::trial::efficacy::N_AGENTS;
use twin_oncology::breast::trial::{
    Agent, Efficacy, MbcTrialResult, MbcTrialSpec, Therapy, run_mbc_trial,
};

fn spec(name: &str) -> MbcTrialSpec {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/trials/breast")
        .join(format!("{name}.json"));
    MbcTrialSpec::from_json(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn run(name: &str) -> MbcTrialResult {
    let r = run_mbc_trial(&spec(name), &Efficacy::fitted()).unwrap();
    for a in &r.arms {
        eprintln!(
            "{} / {}: median PFS {:.1} [{:.1}, {:.1}] vs reported {:.1}",
            r.name,
            a.name,
            a.pfs.median.unwrap_or(f64::NAN),
            a.pfs.lo.unwrap_or(f64::NAN),
            a.pfs.hi.unwrap_or(f64::NAN),
            a.reported_median_pfs_months
        );
    }
    if let (Some(h), Some(rep)) = (r.hr, r.reported_hr) {
        eprintln!(
            "{}: HR {:.2} [{:.2}, {:.2}] vs reported {:.2} [{:.2}, {:.2}]",
            r.name, h.hr, h.lo, h.hi, rep.hr, rep.lo, rep.hi
        );
    }
    r
}

/// The closed-form course equals the Claret model's size curve: progression is
/// the first time the size reaches max(1.2 × nadir, nadir + 5 mm), checked by a
/// fine brute-force scan of `ClaretParams::size_mm`; the observed PFS is the
/// first scan (at the patient's phase) after it.
#[test]
fn course_matches_a_brute_force_scan_of_the_claret_curve() {
    let mut e = Efficacy::fitted();
    e.sensitivity_omega = 0.0;
    e.kl_omega = 0.0;
    e.lambda_omega = 0.0;
    e.baseline_omega = 0.0;
    let cohort = MbcCohortSpec {
        baseline_sum_median_mm: 80.0,
        ..MbcCohortSpec::default()
    };
    let p = &sample_patients(&cohort, &e, 1, (5000.0, 5000.0), 1).unwrap()[0];
    let arm = [Therapy {
        agent: Agent::Docetaxel,
        dose_mg_per_m2_per_week: Some(100.0 / 3.0),
    }];
    let c = simulate(p, &arm, &e, 63.0).unwrap();
    let claret = ClaretParams {
        baseline_mm: 80.0,
        kl_per_day: e.kl_median_per_day,
        kde_per_day: e.kill(Agent::Docetaxel).unwrap(),
        lambda_per_day: e.lambda_median_per_day,
    };
    let (mut nadir, mut onset) = (80.0f64, None);
    let mut t = 0.0;
    while t < 5000.0 {
        let y = claret.size_mm(t).unwrap();
        if y >= (1.2 * nadir).max(nadir + 5.0) {
            onset = Some(t);
            break;
        }
        nadir = nadir.min(y);
        t += 0.01;
    }
    let onset = onset.unwrap();
    assert!(
        (c.onset_days - onset).abs() < 0.02,
        "{} vs {onset}",
        c.onset_days
    );
    let seen = ((onset / 63.0 - p.scan_phase).ceil() + p.scan_phase) * 63.0;
    assert!((c.pfs_days - seen).abs() < 1e-6 && c.progressed);
}

/// The fitted arms reproduce the medians they were fitted to (within 3 %: the
/// pasted values and the fit agree), the sensitivity spread reproduces AVADO's HR and
/// the axis's spread puts MONALEESA-2's inside its CI.
#[test]
fn fitted_arms_reproduce_their_targets() {
    for (name, arms) in [
        ("e2100", vec![0]),
        ("avado", vec![0, 1]),
        ("m77001", vec![0, 1]),
        ("monaleesa2", vec![1]),
        ("falcon", vec![0, 1]),
        ("paloma3", vec![0]),
        ("monarch1", vec![0]),
        ("solar1_pik3ca", vec![1]),
        ("ribbon1_capecitabine", vec![0]),
        ("olympiad", vec![0, 1]),
        ("ascent", vec![1]),
        ("destiny_breast04_hr_positive", vec![1]),
        ("destiny_breast03", vec![0, 1]),
    ] {
        let r = run(name);
        for a in arms {
            assert!(r.median_within(a, 0.03), "{name} arm {a}");
        }
    }
    let avado = run("avado").hr.unwrap().hr;
    assert!((avado - 0.77).abs() < 0.01, "AVADO HR {avado}");
    assert!(run("monaleesa2").hr_inside_reported_ci());
    // Both FALCON arms are fitted; its HR is not (0.797, 0.637–0.999).
    assert!(run("falcon").hr_inside_reported_ci());
}

/// DESTINY-Breast03 (Cortés 2022; Hurvitz 2023): both arms are fitted (trastuzumab
/// emtansine's kill, trastuzumab deruxtecan's HER2-positive multiplier); its HR, not
/// fitted, 0.33 (0.26–0.43) contains the model's. Held out and missed first: with the
/// HER2-low effect alone the deruxtecan arm was 7.4 months against 28.8 — the effect
/// does not transfer from HER2-low to HER2-positive tumours, hence the multiplier.
#[test]
fn destiny_breast03_hazard_ratio_and_the_her2_level() {
    let r = run("destiny_breast03");
    assert!(r.hr_inside_reported_ci(), "{:?}", r.hr);
    let mut e = Efficacy::fitted();
    e.her2_positive_deruxtecan_multiplier = 1.0;
    let low_effect = run_mbc_trial(&spec("destiny_breast03"), &e).unwrap().arms[1]
        .pfs
        .median
        .unwrap();
    assert!(low_effect < 0.5 * 28.8, "{low_effect}");
}

/// Held out. CLEOPATRA (pertuzumab given trastuzumab's effect, not fitted): both
/// medians within 20 % and the HR inside the published CI (Baselga 2012).
#[test]
fn cleopatra_held_out() {
    let r = run("cleopatra");
    assert!(r.median_within(0, 0.2) && r.median_within(1, 0.2));
    assert!(r.hr_inside_reported_ci());
}

/// Held out. E2100 (Miller 2007) HR 0.60 (0.51–0.70) inside the CI (miss: the
/// bevacizumab arm's median). TAX 311 (Jones 2005, after an anthracycline: one
/// earlier chemotherapy line, the line factor fitted on OlympiAD): both TTP
/// medians within 20 % and the HR 0.61 (0.50–0.75) docetaxel vs paclitaxel inside.
#[test]
fn e2100_and_tax311_held_out() {
    assert!(run("e2100").hr_inside_reported_ci());
    let tax311 = run("tax311");
    assert!(tax311.median_within(0, 0.2) && tax311.median_within(1, 0.2));
    assert!(tax311.hr_inside_reported_ci());
}

/// Held out. SOLAR-1: without a PIK3CA mutation alpelisib adds nothing in the
/// twin, and the published non-mutant HR 0.85 (0.58–1.25) contains its HR; in the
/// mutant cohort the HR 0.65 (0.50–0.85) contains the model's (0.62; 0.49, a miss,
/// before the oestrogen-receptor axis got its own resistance rate). PALOMA-2 (Finn
/// 2016): both arms within 20 % and the HR 0.58 (0.46–0.72) inside the CI (0.54; it
/// was 0.72, a miss, with one sensitivity spread for all agents — the axis's spread is
/// fitted to MONALEESA-2's HR, a near-replicate, so this is a weak hold-out).
/// PALOMA-3 (Cristofanilli 2016): the HR 0.50 (0.40–0.62) inside the CI. Misses: the
/// SOLAR-1 mutant cohort's fulvestrant arm (4.6 vs 5.7 months) and PALOMA-3's
/// palbociclib arm (14.2 vs 11.2; it was 9.7 with one resistance rate).
#[test]
fn solar1_paloma2_and_paloma3_held_out() {
    let non_mutant = run("solar1_non_mutant");
    assert!(non_mutant.hr_inside_reported_ci());
    let h = non_mutant.hr.unwrap();
    assert!(h.lo < 1.0 && h.hi > 1.0);
    assert!(run("solar1_pik3ca").hr_inside_reported_ci());
    let paloma2 = run("paloma2");
    assert!(paloma2.median_within(0, 0.2) && paloma2.median_within(1, 0.2));
    assert!(paloma2.hr_inside_reported_ci());
    assert!(run("paloma3").hr_inside_reported_ci());
}

/// Held out, and chosen before the oestrogen-receptor axis got its own sensitivity
/// spread, resistance rate and without-endocrine CDK4/6 factor (the one-class model's
/// values in brackets): MONARCH-3 (Johnston 2019, abemaciclib + NSAI, first line): both
/// arms within 20 % (16.2 / 26.3 vs 14.76 / 28.18 months; [16.3 / 26.4]) and the HR
/// 0.540 (0.418–0.698) inside the CI (0.57; [0.75, a miss]). MONALEESA-3 (Slamon 2018,
/// ribociclib + fulvestrant, about half after endocrine progression): the ribociclib
/// arm within 20 % (20.7 vs 20.5; [14.3]) and the HR 0.593 (0.480–0.732) inside (0.56;
/// [0.67]). MONARCH-2 (Sledge 2017, abemaciclib + fulvestrant, all after endocrine
/// progression): the abemaciclib arm within 20 % (13.9 vs 16.4; [9.6]) and the HR 0.553
/// (0.449–0.681) inside (0.54; [0.58]). Misses: the pretreated cohorts' fulvestrant
/// arms, MONALEESA-3 9.2 vs 12.8 and MONARCH-2 4.6 vs 9.3: the endocrine-resistant
/// share is fitted on PALOMA-3, whose patients were more pretreated (a third had
/// chemotherapy for advanced disease; MONARCH-2 allowed none), and a cohort carries
/// prior endocrine progression as one yes/no.
#[test]
fn monarch3_monaleesa3_and_monarch2_held_out() {
    let monarch3 = run("monarch3");
    assert!(monarch3.median_within(0, 0.2) && monarch3.median_within(1, 0.2));
    assert!(monarch3.hr_inside_reported_ci());
    let monaleesa3 = run("monaleesa3");
    assert!(monaleesa3.median_within(1, 0.2) && monaleesa3.hr_inside_reported_ci());
    let monarch2 = run("monarch2");
    assert!(monarch2.median_within(1, 0.2) && monarch2.hr_inside_reported_ci());
}

/// Responses to endocrine therapy: the axis's resistance rate is fitted so that
/// MONALEESA-2's letrozole arm responds at its reported rate (37.1 % in measurable
/// disease); held out, the ribociclib arm responds more (reported 52.7 %), and so does
/// every CDK4/6 arm over its control, while a pretreated fulvestrant arm responds
/// less than a first-line aromatase inhibitor (MONARCH-2 21.3 %, MONARCH-3 45.5 %).
/// Held out too, abemaciclib alone after endocrine therapy and chemotherapy responds
/// inside MONARCH-1's 95 % interval (Dickler 2017: 26 of 132 patients, 19.7 %;
/// Clopper–Pearson 13.3–27.5 %; its median PFS is fitted). Before the axis had its own
/// λ, every first-line endocrine arm responded at 0.99–1.00.
#[test]
fn endocrine_response_rates() {
    let ml2 = run("monaleesa2");
    let orr = |r: &MbcTrialResult, a: usize| r.arms[a].response_rate;
    assert!((orr(&ml2, 0) - 0.371).abs() < 0.02, "{}", orr(&ml2, 0));
    let monarch1 = orr(&run("monarch1"), 0);
    eprintln!("monarch1: response {monarch1:.3} vs reported 0.197 (0.133–0.275)");
    assert!((0.133..=0.275).contains(&monarch1), "{monarch1}");
    for name in [
        "monaleesa2",
        "monarch3",
        "monaleesa3",
        "monarch2",
        "paloma2",
    ] {
        let r = run(name);
        eprintln!(
            "{name}: response {:.2} / {:.2} vs reported {:?} / {:?}",
            orr(&r, 0),
            orr(&r, 1),
            r.arms[0].reported_response_rate,
            r.arms[1].reported_response_rate
        );
        assert!(orr(&r, 1) > orr(&r, 0) + 0.1, "{name}");
        assert!(orr(&r, 1) < 0.9, "{name}");
    }
    assert!(orr(&run("monarch2"), 0) < orr(&run("monarch3"), 0));
}

/// After progression on endocrine therapy a share of tumours is resistant and the
/// rest respond as before (fitted share 0.59): the fulvestrant arm of a pretreated
/// cohort is a mixture, so its PFS is more spread than under first-line
/// fulvestrant, and an ESR1 mutation removes the aromatase inhibitor's effect
/// entirely (its PFS equals no-treatment PFS) while fulvestrant keeps it.
#[test]
fn endocrine_resistance_is_a_share_of_tumours_and_esr1_abolishes_the_ai() {
    use twin_oncology::breast::trial::course::log_size_ratio;
    use twin_oncology::breast::trial::{Agent, Therapy};
    let e = Efficacy::fitted();
    let cohort = |prior: f64, esr1: f64| MbcCohortSpec {
        hr_positive_fraction: 1.0,
        prior_endocrine_progression_fraction: prior,
        esr1_mutant_fraction: esr1,
        ..MbcCohortSpec::default()
    };
    let pretreated = sample_patients(&cohort(1.0, 0.0), &e, 4000, (5000.0, 5000.0), 5).unwrap();
    let resistant = pretreated
        .iter()
        .filter(|p| p.endocrine_resistant(&e))
        .count() as f64;
    let share = resistant / pretreated.len() as f64;
    // Binomial: 4,000 draws, sd ≈ 0.008 around the fitted share.
    assert!(
        (share - e.endocrine_resistant_fraction).abs() < 0.03,
        "{share}"
    );
    let standard = |agent| Therapy {
        agent,
        dose_mg_per_m2_per_week: None,
    };
    let fulvestrant = [standard(Agent::Fulvestrant)];
    let ai = [standard(Agent::AromataseInhibitor)];
    let none: [Therapy; 0] = [];
    for p in &pretreated {
        let with = log_size_ratio(p, &fulvestrant, &e, 180.0).unwrap();
        let without = log_size_ratio(p, &none, &e, 180.0).unwrap();
        // A resistant tumour grows as untreated; a sensitive one is held back.
        assert_eq!(p.endocrine_resistant(&e), with == without);
    }
    let esr1 = sample_patients(&cohort(0.0, 1.0), &e, 50, (5000.0, 5000.0), 5).unwrap();
    for p in &esr1 {
        let untreated = log_size_ratio(p, &none, &e, 180.0).unwrap();
        assert_eq!(log_size_ratio(p, &ai, &e, 180.0).unwrap(), untreated);
        assert!(log_size_ratio(p, &fulvestrant, &e, 180.0).unwrap() < untreated);
    }
}

/// Held out. RIBBON-1's capecitabine + bevacizumab arm (bevacizumab fitted on
/// AVADO, with docetaxel) within 20 % and its HR 0.69 (0.56–0.84) inside the CI;
/// ASCENT's HR 0.41 (0.32–0.52) inside the CI. Miss: ASCENT's physician's-choice
/// arm (2.7 vs 1.7 months: the untreated growth of fourth-line TNBC is faster than
/// the population's).
#[test]
fn ribbon1_and_ascent_held_out() {
    let ribbon = run("ribbon1_capecitabine");
    assert!(ribbon.median_within(1, 0.2) && ribbon.hr_inside_reported_ci());
    assert!(run("ascent").hr_inside_reported_ci());
}

/// Held out. DESTINY-Breast04's hormone-receptor-negative (HER2-low triple-negative)
/// patients (Modi 2022, ASCO 2022 LBA3 slide 14; n = 40 vs 18): both medians within 20 %
/// and the HR 0.46 (0.24–0.89) inside the CI, with trastuzumab deruxtecan's effect
/// fitted on the HR-positive cohort. Miss: the HR-positive cohort's physician's-choice
/// arm (3.4 vs 5.4 months) and so its HR (0.25 vs 0.51 (0.40–0.64)): the
/// chemotherapy-line factor fitted on OlympiAD's 0.7 earlier lines weakens 1.4 lines
/// too much (the trial's own subgroups: control 6.8 months after 1 line, 4.6 after
/// ≥ 2); ASCENT's control misses the other way at 4 lines, so the per-line geometric
/// decline is too simple.
#[test]
fn destiny_breast04_held_out() {
    let r = run("destiny_breast04_hr_negative");
    assert!(r.median_within(0, 0.2) && r.median_within(1, 0.2));
    assert!(r.hr_inside_reported_ci());
    // The late agents' numbers come from streams of their own, so a cohort's other
    // draws do not depend on them: PALOMA-3's cohort with and without HER2-low
    // tumours shares every earlier deviate.
    let e = Efficacy::fitted();
    let cohort = spec("paloma3").cohort;
    let with_low = MbcCohortSpec {
        her2_low_fraction: 1.0,
        ..cohort.clone()
    };
    let draw = |c: &MbcCohortSpec| sample_patients(c, &e, 200, (180.0, 1000.0), 209).unwrap();
    let (a, b) = (draw(&cohort), draw(&with_low));
    assert!(b.iter().any(|p| p.biomarkers.her2_low) && !a.iter().any(|p| p.biomarkers.her2_low));
    let early = N_AGENTS - LATE_AGENTS;
    for (p, q) in a.iter().zip(&b) {
        assert_eq!(
            (
                p.z_kl,
                p.z_lambda,
                p.baseline_mm,
                p.censor_days,
                p.scan_phase
            ),
            (
                q.z_kl,
                q.z_lambda,
                q.baseline_mm,
                q.censor_days,
                q.scan_phase
            )
        );
        assert_eq!(p.z_sensitivity[..early], q.z_sensitivity[..early]);
        assert_eq!(p.u_endocrine_resistance, q.u_endocrine_resistance);
    }
}

/// Deterministic: the same spec gives the same result (patients in parallel).
#[test]
fn deterministic() {
    assert_eq!(run("cleopatra"), run("cleopatra"));
}

/// Per-patient forecasts rank by biology: a HER2-positive patient's best regimen
/// contains the anti-HER2 antibodies (trastuzumab deruxtecan forecast longer than
/// trastuzumab emtansine), a first-line HR-positive/HER2-negative
/// patient's is endocrine therapy + CDK4/6 inhibitor (as the trials they come
/// from show: CLEOPATRA 18.5 vs E2100 5.9–11.8 months; MONALEESA-2 25.3).
#[test]
fn forecasts_rank_regimens_by_biomarkers() {
    use twin_oncology::breast::trial::{
        Biomarkers, PatientProfile, forecast_regimens, standard_candidates,
    };
    let e = Efficacy::fitted();
    let profile = |hr_positive, her2_positive| PatientProfile {
        biomarkers: Biomarkers {
            hr_positive,
            her2_positive,
            ..Biomarkers::default()
        },
        baseline_mm: 70.0,
        previous_line: None,
        prior_chemotherapy_lines: 0.0,
    };
    let her2 = profile(false, true);
    let f = forecast_regimens(&her2, &standard_candidates(&her2.biomarkers), &e, 1000, 3).unwrap();
    assert!(
        f.forecasts[0].name.contains("trastuzumab"),
        "{:?}",
        f.forecasts[0]
    );
    // DESTINY-Breast03's order: trastuzumab deruxtecan before trastuzumab emtansine.
    let median = |name: &str| {
        f.forecasts
            .iter()
            .find(|r| r.name.starts_with(name))
            .map(|r| r.median_pfs_months)
            .unwrap()
    };
    assert!(median("trastuzumab deruxtecan") > median("trastuzumab emtansine"));
    let luminal = profile(true, false);
    let f = forecast_regimens(
        &luminal,
        &standard_candidates(&luminal.biomarkers),
        &e,
        1000,
        3,
    )
    .unwrap();
    assert!(
        f.forecasts[0].name.contains("CDK4/6"),
        "{:?}",
        f.forecasts[0]
    );
    for r in &f.forecasts {
        eprintln!(
            "{}: {:.1} months, P(response) {:.2}",
            r.name, r.median_pfs_months, r.p_response
        );
        assert!(
            r.pfs_interval_months.0 <= r.median_pfs_months
                && r.median_pfs_months <= r.pfs_interval_months.1
        );
    }
}

/// The patient's own response updates the forecast: the same profile after 4
/// months of paclitaxel with 40 % shrinkage (a responder) forecasts a longer
/// PFS on rechallenge than after 25 % growth (a progressor); the weights
/// concentrate (effective sample size below the draw count).
#[test]
fn own_response_updates_the_forecast() {
    use twin_oncology::breast::trial::{
        Biomarkers, PatientProfile, PreviousLine, forecast_regimens,
    };
    let e = Efficacy::fitted();
    let pac = vec![Therapy {
        agent: Agent::Paclitaxel,
        dose_mg_per_m2_per_week: Some(67.5),
    }];
    let after = |ratio: f64| PatientProfile {
        biomarkers: Biomarkers::default(),
        baseline_mm: 70.0 * ratio,
        previous_line: Some(PreviousLine {
            therapies: pac.clone(),
            sizes_mm: vec![
                (0.0, 70.0),
                (56.0, 70.0 * (1.0 + ratio) / 2.0),
                (112.0, 70.0 * ratio),
            ],
        }),
        prior_chemotherapy_lines: 1.0,
    };
    let candidates = vec![("paclitaxel rechallenge".to_string(), pac.clone())];
    let responder = forecast_regimens(&after(0.6), &candidates, &e, 2000, 5).unwrap();
    let progressor = forecast_regimens(&after(1.25), &candidates, &e, 2000, 5).unwrap();
    let (r, p) = (&responder.forecasts[0], &progressor.forecasts[0]);
    eprintln!(
        "responder {:.1} months (ESS {:.0}), progressor {:.1} months (ESS {:.0})",
        r.median_pfs_months,
        responder.effective_sample_size,
        p.median_pfs_months,
        progressor.effective_sample_size
    );
    assert!(r.median_pfs_months > p.median_pfs_months);
    assert!(responder.effective_sample_size < 2000.0 && progressor.effective_sample_size < 2000.0);
}

/// Genomic shifts in the forecast: a germline-BRCA carrier is offered olaparib,
/// forecast longer than capecitabine (OlympiAD: 7.0 vs 4.2 months); an ESR1
/// mutation shortens the aromatase-inhibitor forecast (PADA-1) while leaving
/// chemotherapy unchanged; HER2-low adds trastuzumab deruxtecan.
#[test]
fn genomic_shifts_change_the_forecast() {
    use twin_oncology::breast::trial::{
        Biomarkers, PatientProfile, forecast_regimens, standard_candidates,
    };
    let e = Efficacy::fitted();
    let b = |hr_positive, germline_brca, esr1_mutant| Biomarkers {
        hr_positive,
        germline_brca,
        esr1_mutant,
        ..Biomarkers::default()
    };
    let median = |bio: Biomarkers, name: &str| {
        let profile = PatientProfile {
            biomarkers: bio,
            baseline_mm: 70.0,
            previous_line: None,
            prior_chemotherapy_lines: 0.0,
        };
        let f = forecast_regimens(&profile, &standard_candidates(&bio), &e, 1000, 9).unwrap();
        f.forecasts
            .iter()
            .find(|r| r.name.starts_with(name))
            .map(|r| r.median_pfs_months)
            .unwrap()
    };
    let brca = b(false, true, false);
    assert!(median(brca, "olaparib") > median(brca, "capecitabine"));
    let (wild, mutant) = (b(true, false, false), b(true, false, true));
    assert!(median(mutant, "aromatase") < median(wild, "aromatase"));
    assert_eq!(median(mutant, "capecitabine"), median(wild, "capecitabine"));
    // HER2-low brings trastuzumab deruxtecan (DESTINY-Breast04: 8.5 vs 2.9 months in
    // HR-negative HER2-low disease); HER2-0 tumours do not get it.
    let low = Biomarkers {
        her2_low: true,
        ..b(false, false, false)
    };
    assert!(median(low, "trastuzumab deruxtecan") > median(low, "capecitabine"));
    assert!(
        standard_candidates(&b(false, false, false))
            .iter()
            .all(|(name, _)| !name.contains("deruxtecan"))
    );
}

/// An arm index past the spec's arms is an error naming the index and the range,
/// not a panic.
#[test]
fn courses_of_a_missing_arm_is_an_error() {
    let mut s = spec("e2100");
    s.n_per_arm = 20;
    let e = Efficacy::fitted();
    let patients = s.patients(&e).unwrap();
    assert_eq!(s.courses(&patients, 1, &e).unwrap().len(), 20);
    let err = s.courses(&patients, 2, &e).unwrap_err().to_string();
    assert!(err.contains("arm index") && err.contains("0 to 1"), "{err}");
}

/// Units in an imported record are converted to the model's: weight 154 [lb_av]
/// (69.85 kg) with height 165 cm gives Mosteller BSA √(165 × 69.85 / 3600) = 1.789 m²
/// (not 2.66 from 154 "kg"); height in inches, neutrophils in /uL and sums in m or cm
/// give the same record as the original units. An unknown or incompatible unit is an
/// error naming the LOINC code and the unit.
#[test]
fn record_units_are_converted_to_the_models() {
    use twin_oncology::breast::twin::record_from_io;
    const SUM: &str = "21889-1";
    const ANC: &str = "751-8";
    const HEIGHT: &str = "8302-2";
    const WEIGHT: &str = "29463-7";
    // Without medications every neutrophil count is off drug and read.
    let mut io = synthetic_io_record();
    io.medications.clear();
    let (reference, day) = record_from_io(&io).unwrap();
    let set = |rec: &mut twin_io::record::PatientRecord,
               code: &str,
               f: &dyn Fn(f64) -> f64,
               unit: &str| {
        for o in rec.observations.iter_mut().filter(|o| o.code.code == code) {
            let mm_or_raw = if o.unit == "cm" && code == SUM {
                10.0 * o.value
            } else {
                o.value
            };
            o.value = f(mm_or_raw);
            o.unit = unit.into();
        }
    };
    // Weight 154 lb, height 165 cm.
    let mut rec = io.clone();
    set(&mut rec, WEIGHT, &|_| 154.0, "[lb_av]");
    set(&mut rec, HEIGHT, &|_| 165.0, "cm");
    let (r, _) = record_from_io(&rec).unwrap();
    let expect = (165.0 * 154.0 * 0.453_592_37 / 3600.0_f64).sqrt();
    assert!(
        (r.bsa_m2 - expect).abs() < 1e-12,
        "{} vs {expect}",
        r.bsa_m2
    );
    assert!((r.bsa_m2 - 1.789).abs() < 1e-3);
    // Every value in another unit of the same dimension: the same record.
    assert!(!reference.anc.is_empty());
    let mut rec = io.clone();
    set(&mut rec, WEIGHT, &|kg| kg / 0.453_592_37, "[lb_av]");
    set(&mut rec, HEIGHT, &|cm| cm / 2.54, "[in_i]");
    set(&mut rec, ANC, &|g_per_l| g_per_l * 1000.0, "/uL");
    set(&mut rec, SUM, &|mm| mm / 1000.0, "m");
    let (r, d) = record_from_io(&rec).unwrap();
    assert!((r.bsa_m2 - reference.bsa_m2).abs() < 1e-9);
    assert_eq!(d, day);
    assert_eq!(r.anc.len(), reference.anc.len());
    for (a, b) in r.anc.iter().zip(&reference.anc) {
        assert!((a.1 - b.1).abs() < 1e-9, "{a:?} vs {b:?}");
    }
    assert_eq!(r.tumour_mm.len(), reference.tumour_mm.len());
    for (a, b) in r.tumour_mm.iter().zip(&reference.tumour_mm) {
        assert!(
            (a.0 - b.0).abs() < 1e-12 && (a.1 - b.1).abs() < 1e-9,
            "{a:?} vs {b:?}"
        );
    }
    // A unit of another dimension, or an unknown one.
    for (code, unit) in [(WEIGHT, "mg/dL"), (ANC, "furlong"), (SUM, "kg")] {
        let mut rec = io.clone();
        set(&mut rec, code, &|v| v, unit);
        let e = record_from_io(&rec).unwrap_err().to_string();
        assert!(e.contains(code) && e.contains(unit), "{e}");
    }
}

/// A record whose HER2 status is "low" (FHIR value text or display, lower-cased on
/// import) becomes a HER2-low, not HER2-positive, profile that is offered trastuzumab
/// deruxtecan; the same record with "negative" is not.
#[test]
fn her2_low_status_in_a_record_reaches_the_candidates() {
    // LOINC 48676-1, HER2 [Interpretation] in Tissue.
    const HER2: &str = "48676-1";
    use twin_oncology::breast::trial::{Biomarkers, standard_candidates};
    use twin_oncology::breast::twin::record_from_io;
    let io = synthetic_io_record();
    let offered = |status: &str| {
        let mut rec = io.clone();
        let her2 = rec
            .biomarkers
            .iter_mut()
            .rfind(|b| b.code.code == HER2)
            .expect("the synthetic patient has a HER2 result");
        her2.status = status.into();
        let (record, _) = record_from_io(&rec).unwrap();
        let b = Biomarkers::from_receptors(&record.receptors, false, false);
        assert!(!b.her2_positive);
        assert_eq!(b.her2_low, status == "low");
        standard_candidates(&b)
            .iter()
            .any(|(name, _)| name.contains("deruxtecan"))
    };
    assert!(offered("low"));
    assert!(!offered("negative"));
}

/// The triple-negative subtypes' chemotherapy multipliers reproduce their source:
/// on the reference docetaxel cohort the model's response odds ratio of each subtype
/// against an unprofiled triple-negative tumour equals the pCR odds ratio computed
/// from Echavarria et al. 2018 (Clin Cancer Res 24:1845; BL1 21/32, BL2 9/19, M 8/22,
/// LAR 3/14, all 44.7 %) within 3 %.
#[test]
fn tnbc_subtype_multipliers_reproduce_the_published_odds_ratios() {
    use twin_oncology::breast::trial::TnbcSubtype;
    use twin_oncology::breast::trial::bridge::reference_response_odds_ratio;
    use twin_oncology::breast::trial::efficacy::tnbc_subtype_response_odds_ratios;
    let e = Efficacy::fitted();
    let targets = tnbc_subtype_response_odds_ratios();
    // BL1: (21/32 ÷ 11/32) ÷ (0.447 ÷ 0.553) = 2.362.
    assert!((targets[0] - 2.362).abs() < 1e-3, "{targets:?}");
    assert_bridged(&TnbcSubtype::ALL, &targets, |s| {
        reference_response_odds_ratio(&e, s).unwrap()
    });
}

/// Each group's model summary lies within 3 % of its published target.
fn assert_bridged<G: Copy + std::fmt::Debug>(
    groups: &[G],
    targets: &[f64],
    model: impl Fn(G) -> f64,
) {
    for (&g, &target) in groups.iter().zip(targets) {
        let m = model(g);
        assert!((m / target - 1.0).abs() < 0.03, "{g:?}: {m} vs {target}");
    }
}

/// The subtype moves chemotherapy forecasts and nothing else: a BL1 tumour's
/// taxane forecasts are longer than an unprofiled one's, a LAR tumour's shorter;
/// olaparib (not cytotoxic) is unchanged; a subtype on a non-triple-negative
/// profile is an error.
#[test]
fn tnbc_subtype_shifts_chemotherapy_forecasts() {
    use twin_oncology::breast::trial::{
        Biomarkers, PatientProfile, TnbcSubtype, forecast_regimens, standard_candidates,
    };
    let e = Efficacy::fitted();
    let profile = |tnbc_subtype, hr_positive| PatientProfile {
        biomarkers: Biomarkers {
            hr_positive,
            germline_brca: true,
            tnbc_subtype,
            ..Biomarkers::default()
        },
        baseline_mm: 70.0,
        previous_line: None,
        prior_chemotherapy_lines: 0.0,
    };
    let median = |subtype, name: &str| {
        let p = profile(subtype, false);
        let f = forecast_regimens(&p, &standard_candidates(&p.biomarkers), &e, 1000, 9).unwrap();
        f.forecasts
            .iter()
            .find(|r| r.name.starts_with(name))
            .map(|r| r.median_pfs_months)
            .unwrap()
    };
    let (bl1, none, lar) = (
        Some(TnbcSubtype::BasalLike1),
        None,
        Some(TnbcSubtype::LuminalAndrogenReceptor),
    );
    for drug in ["docetaxel", "paclitaxel"] {
        assert!(median(bl1, drug) > median(none, drug), "{drug}");
        assert!(median(lar, drug) < median(none, drug), "{drug}");
    }
    assert_eq!(median(bl1, "olaparib"), median(lar, "olaparib"));
    let hr_positive = profile(bl1, true);
    let err = forecast_regimens(
        &hr_positive,
        &standard_candidates(&hr_positive.biomarkers),
        &e,
        100,
        9,
    )
    .unwrap_err();
    assert!(err.to_string().contains("tnbc_subtype"), "{err}");
}

/// Ki-67 groups (Delpech et al. 2012, Breast Cancer Res Treat 135:619, abstract: 241 ER+
/// metastatic patients on first-line endocrine therapy; Ki-67 < 10 / 10–25 / > 25 %:
/// 32 / 103 / 106 patients, median time to progression 20.3 / 10.8 / 8.0 months,
/// clinical benefit 81 / 65 / 55 %). FITTED: each group's endocrine multiplier, to the
/// group's median over the pooled median (10.1 months from exponential group curves).
/// HELD OUT: clinical benefit — the low-vs-high odds ratio from the counts (26/32 vs
/// 58/106, rates × sizes rounded) is 3.59 with Wald 95 % CI 1.36–9.44; the model's must
/// lie inside. Ki-67 leaves chemotherapy unchanged.
#[test]
fn ki67_groups_reproduce_delpech_2012() {
    use twin_oncology::breast::trial::bridge::{
        CLINICAL_BENEFIT_DAYS, endocrine_reference_courses, reference_median_ratio,
        representative_ki67_percent,
    };
    use twin_oncology::breast::trial::efficacy::ki67_endocrine_median_ratios;
    use twin_oncology::breast::trial::{
        Agent, Biomarkers, Ki67Group, PatientProfile, Therapy, forecast_regimens,
    };
    let e = Efficacy::fitted();
    let targets = ki67_endocrine_median_ratios();
    // pooled median of the exponential mixture ≈ 10.13 months: 20.3 / 10.13 = 2.005
    assert!((targets[0] - 2.005).abs() < 2e-3, "{targets:?}");
    assert_bridged(&Ki67Group::ALL, &targets, |g| {
        reference_median_ratio(&e, g).unwrap()
    });
    let benefit_odds = |g| {
        let c = endocrine_reference_courses(&e, Some(representative_ki67_percent(g))).unwrap();
        let p = c
            .iter()
            .filter(|c| c.onset_days > CLINICAL_BENEFIT_DAYS)
            .count() as f64
            / c.len() as f64;
        p / (1.0 - p)
    };
    let model_or = benefit_odds(Ki67Group::Low) / benefit_odds(Ki67Group::High);
    let (a, b, c, d) = (26.0f64, 6.0f64, 58.0f64, 48.0f64);
    let (or, se) = (
        (a / b) / (c / d),
        (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt(),
    );
    let ci = (or * (-1.96 * se).exp(), or * (1.96 * se).exp());
    println!(
        "clinical benefit OR low vs high: model {model_or:.2}, Delpech {or:.2} [{:.2}, {:.2}]",
        ci.0, ci.1
    );
    assert!((ci.0..=ci.1).contains(&model_or));
    let profile = |ki67_percent| PatientProfile {
        biomarkers: Biomarkers {
            hr_positive: true,
            ki67_percent,
            ..Biomarkers::default()
        },
        baseline_mm: 70.0,
        previous_line: None,
        prior_chemotherapy_lines: 0.0,
    };
    let median = |ki67, agent, dose| {
        let arm = vec![(
            format!("{agent:?}"),
            vec![Therapy {
                agent,
                dose_mg_per_m2_per_week: dose,
            }],
        )];
        forecast_regimens(&profile(ki67), &arm, &e, 2000, 12)
            .map(|f| f.forecasts[0].median_pfs_months)
    };
    let ai = |ki67| median(ki67, Agent::AromataseInhibitor, None).unwrap();
    let (low, unknown, high) = (ai(Some(5.0)), ai(None), ai(Some(40.0)));
    println!(
        "aromatase inhibitor, median PFS: Ki-67 5 % {low:.1}, unknown {unknown:.1}, 40 % {high:.1} months"
    );
    assert!(low > unknown && unknown > high);
    let capecitabine = |ki67| median(ki67, Agent::Capecitabine, Some(2500.0 * 14.0 / 3.0)).unwrap();
    assert_eq!(capecitabine(Some(5.0)), capecitabine(Some(40.0)));
    let err = median(Some(150.0), Agent::AromataseInhibitor, None).unwrap_err();
    assert!(err.to_string().contains("biomarkers.ki67_percent"), "{err}");
}

/// A record's subtype (local code `tnbc-subtype`, status "bl1" after import's
/// lower-casing) reaches the profile; an unknown label and a subtype on an ER+
/// tumour are errors naming the field.
#[test]
fn tnbc_subtype_in_a_record_reaches_the_profile() {
    use twin_io::record::{Biomarker, Code};
    use twin_oncology::breast::trial::{Biomarkers, TnbcSubtype};
    use twin_oncology::breast::twin::{TNBC_SUBTYPE_CODE, record_from_io};
    let io = synthetic_io_record();
    let with = |label: &str, receptor_status: &str| {
        let mut rec = io.clone();
        for b in &mut rec.biomarkers {
            b.status = receptor_status.into();
        }
        rec.biomarkers.push(Biomarker {
            t_days: 0.0,
            code: Code {
                system: String::new(),
                code: TNBC_SUBTYPE_CODE.into(),
                display: None,
            },
            status: label.into(),
            value: None,
            unit: None,
        });
        record_from_io(&rec)
    };
    let (record, _) = with("bl1", "negative").unwrap();
    let b = Biomarkers::from_receptors(&record.receptors, false, false);
    assert_eq!(b.tnbc_subtype, Some(TnbcSubtype::BasalLike1));
    let err = with("basal", "negative").unwrap_err().to_string();
    assert!(err.contains("tnbc_subtype") && err.contains("BL1"), "{err}");
    let err = with("lar", "positive").unwrap_err().to_string();
    assert!(err.contains("tnbc-subtype"), "{err}");
}

/// A record's Ki-67 (LOINC 85319-2) reaches the trial profile; a record without one
/// gets 20 % for the growth prior but unknown Ki-67 for the trial forecasts.
#[test]
fn ki67_in_a_record_reaches_the_profile_and_its_absence_is_unknown() {
    use twin_io::record::{Biomarker, Code};
    use twin_oncology::breast::trial::Biomarkers;
    use twin_oncology::breast::twin::record_from_io;
    const KI67_LOINC: &str = "85319-2";
    let mut io = synthetic_io_record();
    io.biomarkers.retain(|b| b.code.code != KI67_LOINC);
    let (without, _) = record_from_io(&io).unwrap();
    assert_eq!(without.receptors.ki67_percent, 20.0);
    assert!(!without.receptors.ki67_measured);
    let b = Biomarkers::from_receptors(&without.receptors, false, false);
    assert_eq!(b.ki67_percent, None);
    io.biomarkers.push(Biomarker {
        t_days: 0.0,
        code: Code {
            system: "http://loinc.org".into(),
            code: KI67_LOINC.into(),
            display: None,
        },
        status: String::new(),
        value: Some(35.0),
        unit: Some("%".into()),
    });
    let (with, _) = record_from_io(&io).unwrap();
    let b = Biomarkers::from_receptors(&with.receptors, false, false);
    assert_eq!(b.ki67_percent, Some(35.0));
}

/// The synthetic metastatic breast patient's FHIR bundle, imported (pseudonymised).
fn synthetic_io_record() -> twin_io::record::PatientRecord {
    use twin_io::{ImportOptions, Pseudonymiser, fhir::read_bundle};
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../data/synthetic/metastatic_breast_patient.json"),
    )
    .unwrap();
    let key = Pseudonymiser::new(b"breast-trial-test-key-2026").unwrap();
    read_bundle(&text, &key, ImportOptions::default())
        .unwrap()
        .records
        .remove(0)
}

/// Each drug class draws its patient sensitivity with its own spread: with the
/// oestrogen-receptor axis's spread at zero every patient has sensitivity 1 to the
/// aromatase inhibitor, fulvestrant, CDK4/6 and PI3Kα inhibitors, while docetaxel's
/// still varies with the other spread (e^{ω z} for the patient's z).
#[test]
fn each_drug_class_has_its_own_sensitivity_spread() {
    let mut e = Efficacy::fitted();
    e.endocrine_axis_sensitivity_omega = 0.0;
    let patients = sample_patients(&MbcCohortSpec::default(), &e, 50, (5000.0, 5000.0), 3).unwrap();
    for p in &patients {
        for agent in [
            Agent::AromataseInhibitor,
            Agent::Fulvestrant,
            Agent::Cdk46Inhibitor,
            Agent::Alpelisib,
        ] {
            assert_eq!(p.sensitivity(&e, agent), 1.0);
        }
        let z = p.z_sensitivity[Agent::Docetaxel.index()];
        assert!(
            (p.sensitivity(&e, Agent::Docetaxel) - (e.sensitivity_omega * z).exp()).abs() < 1e-12
        );
    }
    assert!(
        patients
            .iter()
            .any(|p| p.sensitivity(&e, Agent::Docetaxel) > 2.0)
    );
}

/// Two resistance classes in one arm (aromatase inhibitor + docetaxel): the kill terms
/// add, so `ln y` of the combination is the sum of each agent's alone minus one growth
/// term; the progression onset equals a brute-force scan of that curve for the first
/// time it reaches max(1.2 × nadir, nadir + 5 mm).
#[test]
fn two_resistance_classes_add_and_progression_matches_a_scan() {
    use twin_oncology::breast::trial::course::log_size_ratio;
    let mut e = Efficacy::fitted();
    (e.kl_omega, e.lambda_omega, e.baseline_omega) = (0.0, 0.0, 0.0);
    (e.sensitivity_omega, e.endocrine_axis_sensitivity_omega) = (0.0, 0.0);
    let cohort = MbcCohortSpec {
        hr_positive_fraction: 1.0,
        baseline_sum_median_mm: 80.0,
        ..MbcCohortSpec::default()
    };
    let p = &sample_patients(&cohort, &e, 1, (5000.0, 5000.0), 1).unwrap()[0];
    let ai = Therapy {
        agent: Agent::AromataseInhibitor,
        dose_mg_per_m2_per_week: None,
    };
    let doc = Therapy {
        agent: Agent::Docetaxel,
        dose_mg_per_m2_per_week: Some(100.0 / 3.0),
    };
    let both = [ai, doc];
    let f = |t: f64| log_size_ratio(p, &both, &e, t).unwrap();
    for t in [10.0, 100.0, 700.0] {
        let sum = log_size_ratio(p, &[ai], &e, t).unwrap()
            + log_size_ratio(p, &[doc], &e, t).unwrap()
            - e.kl_median_per_day * t;
        assert!((f(t) - sum).abs() < 1e-12, "{t}");
    }
    let (mut nadir, mut onset) = (0.0f64, None);
    let mut t = 0.0;
    while t < 5000.0 {
        let y = 80.0 * f(t).exp();
        let low = 80.0 * nadir.exp();
        if y >= (1.2 * low).max(low + 5.0) {
            onset = Some(t);
            break;
        }
        nadir = nadir.min(f(t));
        t += 0.01;
    }
    let c = simulate(p, &both, &e, 56.0).unwrap();
    let onset = onset.unwrap();
    assert!(
        (c.onset_days - onset).abs() < 0.02,
        "{} vs {onset}",
        c.onset_days
    );
}
