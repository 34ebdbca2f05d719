//! Benchmarks of the type 2 diabetes twin (criterion).
//!
//! * `cohort_10k_x_5y_x_3plans`: 10,000 virtual patients × 5 years (4-week steps) × 3
//!   plans, in parallel (target < 1 s on 2 cores).
//! * `twin_calibrate_and_rank_8_plans_1000_samples`: one patient's calibration (twin-core
//!   multi-start Nelder–Mead + Laplace) and ranking of 8 plans with 1,000 posterior
//!   samples each (target < 2 s).
//!
//! No peer implementation is named for this twin in issue 10; the targets above are the
//! comparison.

use criterion::{Criterion, criterion_group, criterion_main};
use rayon::prelude::*;
use std::hint::black_box;
use twin_core::cohort::Marginal;
use twin_metabolic::plan::candidate_plans;
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

fn cohort() -> CohortSpec {
    CohortSpec {
        age_years: tn(58.0, 10.0, 30.0, 80.0),
        female_fraction: 0.45,
        bmi_kg_m2: tn(31.0, 5.0, 22.0, 50.0),
        diabetes_duration_years: tn(6.0, 4.0, 0.5, 25.0),
        hba1c_percent: tn(8.2, 0.8, 7.0, 10.5),
        fpg_mmol_l: None,
        egfr: tn(80.0, 18.0, 45.0, 120.0),
        uacr_mg_g: Marginal::LogNormal {
            mu_log: 3.0,
            sigma_log: 1.1,
        },
        sbp_mmhg: tn(134.0, 15.0, 100.0, 180.0),
        correlations: vec![],
        background_drugs: vec![BackgroundDrug {
            order: DrugOrder::from_day_0(Drug::Metformin, 2000.0),
            fraction: 1.0,
        }],
        black_fraction: 0.0,
    }
}

fn bench_cohort(c: &mut Criterion) {
    let patients = sample_cohort(&cohort(), &Variability::default(), 10_000, 1).unwrap();
    let plans = [
        Plan::drugs("metformin", &[(Drug::Metformin, 2000.0)]),
        Plan::drugs(
            "+ semaglutide",
            &[(Drug::Metformin, 2000.0), (Drug::Semaglutide, 1.0)],
        ),
        Plan::drugs(
            "+ empagliflozin",
            &[(Drug::Metformin, 2000.0), (Drug::Empagliflozin, 25.0)],
        ),
    ];
    // monthly steps: 4-week error vs a 0.25-day reference is < 0.01 HbA1c points
    // (tests/model_numerics.rs, first-order convergence)
    let opts = StepOptions {
        dt_days: 28.0,
        record_every_days: 0.0,
    };
    let mut g = c.benchmark_group("cohort");
    g.sample_size(10);
    g.bench_function("cohort_10k_x_5y_x_3plans", |b| {
        b.iter(|| {
            let mean: f64 = patients
                .par_iter()
                .map(|vp| {
                    let mut acc = 0.0;
                    for plan in &plans {
                        let (pm, mut s) =
                            PatientModel::new(vp.baseline.clone(), vp.params, vp.constants)
                                .unwrap();
                        pm.run(
                            &mut s,
                            plan,
                            5.0 * 365.25,
                            opts,
                            &mut MetabolicTrajectory::default(),
                            &mut Vec::new(),
                        )
                        .unwrap();
                        acc += s.hba1c_percent;
                    }
                    acc
                })
                .sum();
            black_box(mean)
        })
    });
    g.finish();
}

fn history() -> History {
    use twin_io::{ImportOptions, Pseudonymiser, fhir::read_bundle};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/synthetic/t2d_patient.json"
    );
    let key = Pseudonymiser::new(b"bench-key-0123456789abcdef").unwrap();
    let imp = read_bundle(
        &std::fs::read_to_string(path).unwrap(),
        &key,
        ImportOptions::default(),
    )
    .unwrap();
    History::from_record(&imp.records[0]).unwrap()
}

fn bench_twin(c: &mut Criterion) {
    let h = history();
    let mut g = c.benchmark_group("twin");
    g.sample_size(10);
    g.bench_function("twin_calibrate_and_rank_8_plans_1000_samples", |b| {
        b.iter(|| {
            let twin = Twin::calibrate(
                h.clone(),
                TwinOptions {
                    n_posterior: 1000,
                    ..TwinOptions::default()
                },
            )
            .unwrap();
            let egfr = twin.history.egfr.last().unwrap().1;
            let plans: Vec<Plan> = candidate_plans(&twin.current_drugs, egfr)
                .into_iter()
                .take(8)
                .collect();
            assert_eq!(plans.len(), 8);
            black_box(twin.forecast(&plans, 5.0).unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench_cohort, bench_twin);
criterion_main!(benches);
