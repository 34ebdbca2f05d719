//! Honest check of the twin's forecasts on virtual patients it was not fitted to.
//!
//! Truth: virtual patients from `trial::sample_cohort` whose *population constants are
//! perturbed* (sensitivity decline, weight elasticity and albuminuria slope coefficient
//! each × exp(N(0, 0.2²))) — model error the twin does not know — observed quarterly
//! with measurement noise (HbA1c SD 0.15, FPG CV 8 %, eGFR CV 5 %, weight SD 1 kg, UACR
//! ln-SD 0.3). Regimen: metformin, empagliflozin added at year 1.5. The twin (default
//! constants) is calibrated on years 0–3 and forecasts HbA1c and eGFR at year 5; the
//! comparator, last observation carried forward (LOCF), sees the same years 0–3.

use rand::Rng;
use rand_distr::StandardNormal;
use twin_core::cohort::{Marginal, patient_rng};
use twin_metabolic::history::MedicationEpisode;
use twin_metabolic::trial::{BackgroundDrug, CohortSpec, Variability, sample_cohort};
use twin_metabolic::{
    Drug, DrugOrder, History, MetabolicTrajectory, PatientModel, Plan, StepOptions, Twin,
    TwinOptions,
};

fn tn(mean: f64, sd: f64, lower: f64, upper: f64) -> Marginal {
    Marginal::TruncatedNormal {
        mean,
        sd,
        lower,
        upper,
    }
}

#[test]
fn twin_beats_locf_on_unseen_virtual_patients_with_model_error() {
    let cohort = CohortSpec {
        age_years: tn(58.0, 9.0, 35.0, 78.0),
        female_fraction: 0.45,
        bmi_kg_m2: tn(31.0, 4.0, 24.0, 45.0),
        diabetes_duration_years: tn(5.0, 3.0, 0.5, 15.0),
        hba1c_percent: tn(7.8, 0.6, 6.8, 9.5),
        fpg_mmol_l: None,
        egfr: tn(75.0, 15.0, 45.0, 110.0),
        uacr_mg_g: Marginal::LogNormal {
            mu_log: 3.5,
            sigma_log: 0.8,
        },
        sbp_mmhg: tn(135.0, 12.0, 110.0, 170.0),
        correlations: vec![],
        background_drugs: vec![BackgroundDrug {
            order: DrugOrder {
                drug: Drug::Metformin,
                dose: 2000.0,
                start_day: 0.0,
                stop_day: None,
            },
            fraction: 1.0,
        }],
        black_fraction: 0.0,
    };
    let n = 12;
    let patients = sample_cohort(&cohort, &Variability::default(), n, 99).unwrap();
    let (mut err_twin, mut err_locf, mut covered) = (vec![], vec![], 0usize);
    for (i, vp) in patients.iter().enumerate() {
        // truth, 5 years: metformin; empagliflozin 10 mg from day 546
        let (pm, mut s) = PatientModel::new(vp.baseline.clone(), vp.params, vp.constants).unwrap();
        let plan = Plan {
            drugs: vec![
                DrugOrder {
                    drug: Drug::Metformin,
                    dose: 2000.0,
                    start_day: 0.0,
                    stop_day: None,
                },
                DrugOrder {
                    drug: Drug::Empagliflozin,
                    dose: 10.0,
                    start_day: 546.0,
                    stop_day: None,
                },
            ],
            ..Plan::drugs("truth", &[])
        };
        let mut tr = MetabolicTrajectory::default();
        pm.run(
            &mut s,
            &plan,
            5.0 * 364.0,
            StepOptions {
                dt_days: 7.0,
                record_every_days: 91.0,
            },
            &mut tr,
            &mut vec![],
        )
        .unwrap();
        let mut rng = patient_rng(4242, i as u64);
        let mut z = || -> f64 { rng.sample(StandardNormal) };
        let upto = tr
            .t_days
            .iter()
            .position(|&t| t > 3.0 * 364.0 + 1.0)
            .unwrap();
        let obs = |v: &[f64], noise: &mut dyn FnMut(f64) -> f64| -> Vec<(f64, f64)> {
            (0..upto).map(|k| (tr.t_days[k], noise(v[k]))).collect()
        };
        let history = History {
            sex: vp.baseline.sex,
            age_years_at_index: vp.baseline.age_years,
            height_m: vp.baseline.height_m,
            hba1c_percent: obs(&tr.hba1c_percent, &mut |x| x + 0.15 * z()),
            fpg_mmol_l: obs(&tr.fpg_mmol_l, &mut |x| x * (1.0 + 0.08 * z())),
            weight_kg: obs(&tr.weight_kg, &mut |x| x + z()),
            egfr: obs(&tr.egfr, &mut |x| x * (1.0 + 0.05 * z())),
            uacr_mg_g: obs(&tr.uacr_mg_g, &mut |x| x * (0.3 * z()).exp()),
            sbp_mmhg: vec![(0.0, vp.baseline.sbp_mmhg)],
            medications: vec![
                MedicationEpisode {
                    drug: Drug::Metformin,
                    dose: 2000.0,
                    start_days: -400.0,
                    end_days: None,
                },
                MedicationEpisode {
                    drug: Drug::Empagliflozin,
                    dose: 10.0,
                    start_days: 546.0,
                    end_days: None,
                },
            ],
            diabetes_onset_days: Some(-vp.baseline.diabetes_duration_years * 365.25),
        };
        let last_a1c = history.hba1c_percent.last().unwrap().1;
        let twin = Twin::calibrate(
            history,
            TwinOptions {
                n_posterior: 200,
                seed: i as u64,
                ..TwinOptions::default()
            },
        )
        .unwrap();
        let current = Plan::drugs(
            "current regimen",
            &[(Drug::Metformin, 2000.0), (Drug::Empagliflozin, 10.0)],
        );
        let horizon = (tr.t_days[tr.t_days.len() - 1] - twin.origin_days) / 365.25;
        let f = &twin.forecast(&[current], horizon).unwrap()[0];
        let truth = *tr.hba1c_percent.last().unwrap();
        err_twin.push((f.hba1c_5y.median - truth).abs());
        err_locf.push((last_a1c - truth).abs());
        covered += usize::from(f.hba1c_5y.p05 <= truth && truth <= f.hba1c_5y.p95);
    }
    let mae = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "HbA1c at year 5 on {n} unseen virtual patients: MAE twin {:.3}, LOCF {:.3}; 90 % interval coverage {covered}/{n}",
        mae(&err_twin),
        mae(&err_locf)
    );
    // The twin should beat carrying the last value forward (it knows the disease drifts).
    assert!(mae(&err_twin) < mae(&err_locf));
    // Intervals carry parameter uncertainty only (no structural error), so coverage is
    // expected below nominal; require at least a third so a collapse of the posterior is caught.
    assert!(covered * 3 >= n, "coverage {covered}/{n}");
}
