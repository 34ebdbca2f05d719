//! A trial split into chunks of patients (as a distributed runner does) gives the
//! same per-patient rows as one call, and those rows summarise to exactly what
//! `run_trial` reports.

use twin_metabolic::trial::{
    PatientTable, TrialSpec, endpoint_column, run_trial, simulate_patients,
};

fn spec(n_per_arm: usize) -> TrialSpec {
    let path = format!(
        "{}/../data/trials/default_trial.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut spec: TrialSpec =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    spec.n_per_arm = n_per_arm;
    spec
}

fn column<'a>(t: &'a PatientTable, name: &str) -> &'a [f64] {
    &t.columns.iter().find(|c| c.name == name).unwrap().values
}

/// Rows of `t` in (arm, patient) order, as comparable tuples of bits.
fn rows(t: &PatientTable) -> Vec<(u32, u64, Vec<u64>)> {
    let mut r: Vec<_> = (0..t.patient.len())
        .map(|i| {
            let v = t.columns.iter().map(|c| c.values[i].to_bits()).collect();
            (t.arm[i], t.patient[i], v)
        })
        .collect();
    r.sort();
    r
}

#[test]
fn chunks_concatenate_to_one_call_and_summarise_to_run_trial() {
    let spec = spec(120);
    let whole = simulate_patients(&spec, 0, 120).unwrap();
    assert_eq!(whole.patient.len(), 120 * spec.arms.len());
    let mut chunked = Vec::new();
    for (first, count) in [(0, 7), (7, 50), (57, 63)] {
        chunked.extend(rows(&simulate_patients(&spec, first, count).unwrap()));
    }
    chunked.sort();
    assert_eq!(chunked, rows(&whole));

    // The same patients through run_trial: endpoint fractions and mean end HbA1c.
    let trial = run_trial(&spec).unwrap();
    for (a, arm) in trial.arms.iter().enumerate() {
        let in_arm: Vec<usize> = (0..whole.arm.len())
            .filter(|&i| whole.arm[i] == a as u32)
            .collect();
        for (e, endpoint) in arm.endpoints.iter().enumerate() {
            let days = column(&whole, &endpoint_column(spec.endpoints[e].name()));
            for at in &endpoint.at_report_years {
                let k = in_arm
                    .iter()
                    .filter(|&&i| days[i] <= at.years * 365.25 + 1e-9)
                    .count();
                assert_eq!(
                    k as f64 / 120.0,
                    at.fraction,
                    "arm {a} endpoint {e} at {}",
                    at.years
                );
            }
        }
        let end = column(&whole, "hba1c_end_percent");
        let mean = in_arm.iter().map(|&i| end[i]).sum::<f64>() / 120.0;
        let reported = *arm.mean_hba1c_percent.last().unwrap();
        assert!((mean - reported).abs() < 1e-12, "{mean} vs {reported}");
    }
}

#[test]
fn chunk_arguments_are_checked() {
    let spec = spec(10);
    assert!(simulate_patients(&spec, 0, 0).is_err());
    assert!(simulate_patients(&spec, u64::MAX, 2).is_err());
    assert_eq!(
        endpoint_column("eGFR decline >= 40 %"),
        "days_to_egfr_decline_40"
    );
}

#[test]
fn a_youth_cohort_is_flagged_not_silently_made_adult() {
    // Issue 23: ages 10-17 used to become 18 without a word.
    let mut youth = spec(200);
    youth.cohort.age_years = twin_core::cohort::Marginal::TruncatedNormal {
        mean: 14.0,
        sd: 2.0,
        lower: 10.0,
        upper: 17.0,
    };
    let r = run_trial(&youth).unwrap();
    let joined = r.warnings.join("\n");
    assert!(
        joined.contains("age_years: 200 of 200 sampled values (100.0 %)"),
        "{joined}"
    );
    assert!(
        joined.contains("age_years: 100.0 % of the cohort lies outside"),
        "{joined}"
    );
    let rows = simulate_patients(&youth, 0, 20).unwrap();
    assert!(
        column(&rows, "covariates_clamped")
            .iter()
            .all(|&c| c >= 1.0)
    );
    // The adult default cohort is inside on age.
    let adult = run_trial(&spec(200)).unwrap();
    assert!(
        adult.warnings.iter().all(|w| !w.starts_with("age_years")),
        "{:?}",
        adult.warnings
    );
}

#[test]
fn visits_fall_on_the_spec_spacing_in_simulation_and_report() {
    // The model steps about a week; with 30- or 91.3125-day visits it used to record
    // every 28 or 91 days while the report labelled the visits 30 or 91.3125 days apart
    // (5 days adrift after 4 years). An endpoint every patient meets at once (HbA1c ≥ 0
    // at two consecutive visits) is declared at the second visit: its day, the reported
    // second visit and k × spacing must agree.
    for visit in [30.0, 91.3125] {
        let mut s = spec(20);
        s.visit_every_days = visit;
        s.years = 4.0;
        s.report_years = vec![1.0, 4.0];
        s.endpoints = serde_json::from_str(
            r#"[{"kind": "hba1c_above", "name": "always", "threshold_percent": 0.0, "sustained_months": 0.0}]"#,
        )
        .unwrap();
        let r = run_trial(&s).unwrap();
        let t = &r.arms[0].t_years;
        for (k, y) in t.iter().enumerate() {
            assert!(
                (y * 365.25 - k as f64 * visit).abs() < 1e-6,
                "visit {k}: {} days vs {}",
                y * 365.25,
                k as f64 * visit
            );
        }
        assert!(t.last().unwrap() * 365.25 <= 4.0 * 365.25 + visit / 2.0);
        let rows = simulate_patients(&s, 0, 20).unwrap();
        for &d in column(&rows, "days_to_always") {
            assert!(
                (d - visit).abs() < 1e-6,
                "event on day {d}, visit spacing {visit}"
            );
        }
    }
}
