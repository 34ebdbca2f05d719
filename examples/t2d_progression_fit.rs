//! Fit the T2D twin's population law of β-cell decline (`twin_metabolic::progression`)
//! to ADOPT, the only trial it is fitted to.
//!
//! Usage: `cargo run --release --example t2d_progression_fit [-- SPEC]` (default
//! `data/trials/adopt.json`). Targets: 5-year monotherapy failure per arm (Kahn et al.
//! 2006, NEJM 355:2427: 15 / 21 / 34 %) and the differences in age, BMI and sex between
//! patients failing within 4 years and the rest (Kahn et al. 2011, Diabetes 60:1552,
//! Table 1: 52.2 vs 58.0 years, BMI 33.2 vs 31.8, 61.0 vs 59.2 % male). The virtual
//! trial is the spec's cohort and arms; the law's five values are fitted by weighted
//! least squares (twin-core Nelder–Mead, 3 starts). Prints targets, fitted values and
//! residuals, and writes `out/t2d_progression_fit/fit.json`.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example t2d_progression_fit [-- SPEC]";

#[path = "common/target_fit.rs"]
mod target_fit;

use patient_twin::core::calibrate::{ParameterSpec, Transform};
use patient_twin::metabolic::ProgressionLaw;
use patient_twin::metabolic::trial::{PatientTable, TrialSpec, simulate_patients};
use serde_json::json;
use std::error::Error;

const DAYS_PER_YEAR: f64 = 365.25;
/// Reported values and their standard errors: Kaplan–Meier fractions of ~1,450 per arm
/// (binomial SE ≈ 0.011, widened to 0.015 for the curve reading); Table 1 means with
/// SD/√n (age 9.7/√526, BMI 6.4/√526) and the SE of a difference of proportions.
const TARGETS: [target_fit::Target; 6] = [
    ("5-y failure, TZD", 0.15, 0.015),
    ("5-y failure, metformin", 0.21, 0.015),
    ("5-y failure, glyburide", 0.34, 0.015),
    ("age: rest − failed by 4 y, years", 58.0 - 52.2, 0.5),
    ("BMI: failed by 4 y − rest, kg/m²", 33.2 - 31.8, 0.35),
    ("male %: failed by 4 y − rest", 61.0 - 59.2, 2.4),
];

fn law(x: &[f64]) -> ProgressionLaw {
    ProgressionLaw {
        reference_decline_per_year: x[0],
        residual_sd_ln: x[1],
        ln_per_decade_younger: x[2],
        ln_per_5_bmi: x[3],
        ln_male: x[4],
    }
}

fn column<'a>(t: &'a PatientTable, name: &str) -> &'a [f64] {
    &t.columns
        .iter()
        .find(|c| c.name == name)
        .expect(name)
        .values
}

/// The six summaries of a simulated ADOPT.
fn summaries(spec: &TrialSpec) -> patient_twin::metabolic::Result<Vec<f64>> {
    let t = simulate_patients(spec, 0, spec.n_per_arm)?;
    let event = &t.columns.last().expect("endpoint column").values;
    let (age, bmi, female) = (
        column(&t, "age_years"),
        column(&t, "bmi_kg_m2"),
        column(&t, "female"),
    );
    let mut out = Vec::new();
    for a in 0..3u32 {
        let rows: Vec<usize> = (0..t.arm.len()).filter(|&i| t.arm[i] == a).collect();
        let failed = rows
            .iter()
            .filter(|&&i| event[i] <= 5.0 * DAYS_PER_YEAR)
            .count();
        out.push(failed as f64 / rows.len() as f64);
    }
    // pooled over arms, as in Kahn 2011 Table 1
    let by4 = |i: usize| event[i] <= 4.0 * DAYS_PER_YEAR;
    let mean = |v: &[f64], f: bool| {
        let s: Vec<f64> = (0..v.len())
            .filter(|&i| by4(i) == f)
            .map(|i| v[i])
            .collect();
        s.iter().sum::<f64>() / s.len().max(1) as f64
    };
    out.push(mean(age, false) - mean(age, true));
    out.push(mean(bmi, true) - mean(bmi, false));
    out.push(100.0 * ((1.0 - mean(female, true)) - (1.0 - mean(female, false))));
    Ok(out)
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = cli::nth_path(1, "data/trials/adopt.json", USAGE)?;
    let base: TrialSpec = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    println!(
        "ADOPT: {} virtual patients per arm, seed {}",
        base.n_per_arm, base.seed
    );
    let d = ProgressionLaw::default();
    let params = vec![
        ParameterSpec::new(
            "reference_decline_per_year",
            "1/yr",
            0.02,
            0.3,
            Transform::Log,
        ),
        ParameterSpec::new("residual_sd_ln", "", 0.05, 1.6, Transform::Logit),
        ParameterSpec::new("ln_per_decade_younger", "", -1.0, 1.5, Transform::Identity),
        ParameterSpec::new("ln_per_5_bmi", "", -1.0, 1.0, Transform::Identity),
        ParameterSpec::new("ln_male", "", -1.0, 1.0, Transform::Identity),
    ];
    let initial = vec![
        d.reference_decline_per_year,
        d.residual_sd_ln,
        d.ln_per_decade_younger,
        d.ln_per_5_bmi,
        d.ln_male,
    ];
    let summaries = |x: &[f64]| {
        let mut spec = base.clone();
        spec.variability.progression = law(x);
        summaries(&spec).map_err(|e| e.to_string())
    };
    target_fit::fit_to_targets(
        "t2d_progression_fit",
        summaries,
        params,
        initial,
        &TARGETS,
        |x| json!(law(x)),
    )?;
    Ok(())
}
