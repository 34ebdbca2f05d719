//! The myelosuppression model against a published toxicity gap (issue 18): TAX 311.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use twin_oncology::breast::friberg::FribergParams;
use twin_oncology::breast::pk::Drug;
use twin_oncology::breast::simulate::{SimSettings, simulate};
use twin_oncology::breast::therapy::{DoseRules, PatientParams, Receptors, Regimen, TumourParams};

/// Share of `n` virtual patients with grade ≥ 3 neutropenia on `regimen` over
/// `cycles` cycles: Friberg system parameters and drug slope drawn with Kloft 2006's
/// between-patient variability (ln baseline, ln MTT, ln slope), typical clearance,
/// 1.8 m², a tumour that does not progress in the window.
fn grade3_share(regimen: &Regimen, cycles: f64, n: usize, seed: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let [w_base, w_mtt, w_slope] = FribergParams::OMEGA_LOG;
    let settings = SimSettings {
        horizon_days: cycles * regimen.cycle_days,
        grid_days: 0.25,
        stop_at_progression: false,
        ..SimSettings::default()
    };
    let mut z = || -> f64 { StandardNormal.sample(&mut rng) };
    let mut hits = 0;
    for _ in 0..n {
        let typical = FribergParams::KLOFT_2006;
        let patient = PatientParams {
            tumour: TumourParams {
                baseline_mm: 70.0,
                kl_per_day: 1e-4,
                sensitivity: 1.0,
                lambda_per_day: 0.0193,
            },
            marrow: FribergParams {
                circ0_1e9_per_l: typical.circ0_1e9_per_l * (w_base * z()).exp(),
                mtt_h: typical.mtt_h * (w_mtt * z()).exp(),
                ..typical
            },
            marrow_sensitivity: (w_slope * z()).exp(),
            clearance_factor: 1.0,
            bsa_m2: 1.8,
            receptors: Receptors {
                er_positive: true,
                pr_positive: true,
                her2_positive: false,
                her2_low: false,
                ki67_percent: 20.0,
                ki67_measured: false,
                tnbc_subtype: None,
            },
        };
        let o = simulate(&patient, regimen, &DoseRules::default(), &settings).unwrap();
        if o.worst_grade >= 3 {
            hits += 1;
        }
    }
    hits as f64 / n as f64
}

/// TAX 311 (Jones 2005, J Clin Oncol 23:5542; docetaxel 100 mg/m² 1-h vs paclitaxel
/// 175 mg/m² 3-h, every 3 weeks, after an anthracycline; median 6 vs 4 cycles): the
/// abstract reports toxicity "greater for docetaxel". Held out — the marrow model's
/// parameters are Kloft 2006's (docetaxel) and Friberg 2002's (paclitaxel slope), none
/// fitted to TAX 311: over 4 cycles the share with grade ≥ 3 neutropenia is larger on
/// docetaxel, the gap's lower 95 % bound above zero. Printed: docetaxel 0.98, paclitaxel
/// 0.38 (ANC on a 6-h grid, so an upper bound of what weekly counts would catch). The
/// often-quoted per-patient rates, 93.3 % vs 54.5 %, could not be read in any source
/// available here (recalled, unverified); against them the model's gap is too wide —
/// paclitaxel's linear unbound PK and typical clearance are the likely cause.
#[test]
fn tax311_neutropenia_gap() {
    let docetaxel = Regimen::docetaxel_q3w(100.0);
    let paclitaxel = Regimen {
        name: "paclitaxel 175 mg/m2 q3w, 3-h infusion".into(),
        drug: Drug::Paclitaxel,
        dose_mg_per_m2: 175.0,
        cycle_days: 21.0,
        dose_days: vec![0.0],
        infusion_h: 3.0,
        targeted: Vec::new(),
    };
    let n = 300;
    let d = grade3_share(&docetaxel, 4.0, n, 311);
    let p = grade3_share(&paclitaxel, 4.0, n, 311);
    eprintln!("grade >= 3 neutropenia over 4 cycles: docetaxel {d:.3}, paclitaxel {p:.3}");
    let se = ((d * (1.0 - d) + p * (1.0 - p)) / n as f64).sqrt();
    assert!(d - p - 1.96 * se > 0.0, "gap {} ± {}", d - p, 1.96 * se);
    assert_eq!(d, grade3_share(&docetaxel, 4.0, n, 311));
}
