//! Ranking five regimens × 1,000 posterior draws for one calibrated patient
//! (issue 8 target: < 2 s on 2 cores). No external peer runs this twin; the
//! target is the issue's clinical-time budget ("a patient's plan comparison
//! in seconds", against the hours of the MD Anderson pilot).

use criterion::{Criterion, criterion_group, criterion_main};
use twin_oncology::breast::friberg::FribergParams;
use twin_oncology::breast::simulate::SimSettings;
use twin_oncology::breast::therapy::{DoseRules, PatientParams, Receptors, TumourParams};
use twin_oncology::breast::twin::{calibrate, standard_regimens, synthetic_record};

fn bench(c: &mut Criterion) {
    let truth = PatientParams {
        tumour: TumourParams {
            baseline_mm: 70.0,
            kl_per_day: 0.0015,
            sensitivity: 1.1,
            lambda_per_day: 0.02,
        },
        marrow: FribergParams::KLOFT_2006,
        marrow_sensitivity: 1.0,
        clearance_factor: 1.0,
        bsa_m2: 1.75,
        receptors: Receptors {
            er_positive: true,
            pr_positive: true,
            her2_positive: false,
            her2_low: false,
            ki67_percent: 25.0,
            ki67_measured: true,
            tnbc_subtype: None,
        },
    };
    let twin = calibrate(&synthetic_record(&truth).unwrap(), 1).unwrap();
    let draws = twin.draws(1000, 7).unwrap();
    let regimens = standard_regimens();
    let mut g = c.benchmark_group("breast_plans");
    g.sample_size(10);
    g.bench_function("rank_5_regimens_x_1000_draws", |b| {
        b.iter(|| {
            twin.rank(
                &regimens,
                &draws,
                &DoseRules::default(),
                &SimSettings::default(),
                0.5,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
