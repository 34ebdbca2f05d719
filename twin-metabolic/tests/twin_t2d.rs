//! The twin of the synthetic T2D patient (`data/synthetic/t2d_patient.json`, a FHIR R4
//! bundle written by twin-io's generator): calibration, forecasts, ranking, safety.

mod common;
pub use common::history;
use twin_metabolic::twin::{Twin, TwinOptions, explain};
use twin_metabolic::{Drug, Plan};

fn plans() -> Vec<Plan> {
    use Drug::*;
    let cur = [(Metformin, 2000.0), (Empagliflozin, 10.0), (Ramipril, 5.0)];
    let with = |name: &str, extra: &[(Drug, f64)]| {
        let mut v = cur.to_vec();
        v.extend_from_slice(extra);
        Plan::drugs(name, &v)
    };
    vec![
        with("current regimen", &[]),
        with("+ semaglutide 1 mg", &[(Semaglutide, 1.0)]),
        with("+ sitagliptin 100 mg", &[(Sitagliptin, 100.0)]),
        with("+ glimepiride 2 mg", &[(Glimepiride, 2.0)]),
        with("+ pioglitazone 30 mg", &[(Pioglitazone, 30.0)]),
        with("+ basal insulin", &[(InsulinGlargine, 10.0)]),
        with("diet −500 kcal + 150 min/wk", &[]).with_lifestyle(-500.0, 150.0),
        with("+ semaglutide + lifestyle", &[(Semaglutide, 1.0)]).with_lifestyle(-300.0, 150.0),
    ]
}

#[test]
fn twin_calibrates_forecasts_and_ranks() {
    let h = history();
    assert_eq!(
        h.medications
            .iter()
            .filter(|m| m.drug == Drug::Metformin)
            .count(),
        2
    );
    let opts = TwinOptions {
        n_posterior: 300,
        ..TwinOptions::default()
    };
    let t = std::time::Instant::now();
    let twin = Twin::calibrate(h.clone(), opts).unwrap();
    for p in &twin.parameters {
        println!(
            "{:32} {:9.4} [{:9.4}, {:9.4}] prior [{:9.4}, {:9.4}]",
            p.name, p.estimate, p.lo, p.hi, p.prior_lo, p.prior_hi
        );
        assert!(p.lo <= p.estimate && p.estimate <= p.hi);
    }
    println!(
        "rms {:.2}, warnings {:?}",
        twin.rms_standardised_residual, twin.warnings
    );
    // the history informs β-cell decline: posterior interval narrower than the prior's
    let b = &twin.parameters[0];
    assert!(b.hi - b.lo < b.prior_hi - b.prior_lo);
    assert!(twin.rms_standardised_residual < 2.5);
    let f = twin.forecast(&plans(), 5.0).unwrap();
    println!("calibration + forecast {:?}", t.elapsed());
    let mut sorted: Vec<_> = f.iter().collect();
    sorted.sort_by_key(|p| p.rank);
    for p in &sorted {
        println!(
            "{} {:32} score {:.4} A1c {:.2} [{:.2},{:.2}] eGFR {:.1} W {:.1} KFRE {:.4} CV {:.3} micro {:.3} hypo {:.3}",
            p.rank,
            p.plan.name,
            p.score,
            p.hba1c_5y.median,
            p.hba1c_5y.p05,
            p.hba1c_5y.p95,
            p.egfr_5y.median,
            p.weight_5y_kg.median,
            p.kfre_5y.median,
            p.cv_risk_5y.median,
            p.microvascular_5y.median,
            p.severe_hypo_5y.median
        );
        assert!(p.hba1c_5y.p05 <= p.hba1c_5y.median && p.hba1c_5y.median <= p.hba1c_5y.p95);
    }
    let e = explain(&f, Some("current regimen"));
    println!("{e}");
    assert!(e.contains("ranks first"));
    // adding a glucose-lowering drug lowers 5-year HbA1c versus the current regimen
    let cur = f.iter().find(|p| p.plan.name == "current regimen").unwrap();
    let sema = f
        .iter()
        .find(|p| p.plan.name == "+ semaglutide 1 mg")
        .unwrap();
    assert!(sema.hba1c_5y.median < cur.hba1c_5y.median - 0.5);
    assert!(sema.weight_5y_kg.median < cur.weight_5y_kg.median);
    // determinism by seed
    let again = Twin::calibrate(h, opts)
        .unwrap()
        .forecast(&plans()[..2], 5.0)
        .unwrap();
    assert_eq!(again[1].hba1c_5y, f[1].hba1c_5y);
}
