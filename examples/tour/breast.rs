//! Tour section: the breast-cancer twin (tumour response, neutropenia, plan
//! ranking for a SYNTHETIC metastatic patient; relapse twin vs Cox on the
//! real Rotterdam cohort, held out by year of surgery).

use patient_twin::io::fhir::read_bundle;
use patient_twin::io::privacy::{ImportOptions, Pseudonymiser};
use patient_twin::oncology::breast::growth::ClaretParams;
use patient_twin::oncology::breast::relapse::compare::compare;
use patient_twin::oncology::breast::relapse::data::{
    DEFAULT_LAST_TRAIN_YEAR, read_rotterdam_csv, split_by_year,
};
use patient_twin::oncology::breast::report::{forecast_bands, write_svg};
use patient_twin::oncology::breast::simulate::SimSettings;
use patient_twin::oncology::breast::therapy::DoseRules;
use patient_twin::oncology::breast::trial::{
    Biomarkers, Efficacy, PatientProfile, PreviousLine, forecast_regimens, standard_candidates,
};
use patient_twin::oncology::breast::twin::{calibrate, record_from_io, standard_regimens};
use patient_twin::validate::bootstrap::BootstrapConfig;
use serde_json::json;
use std::error::Error;
use std::path::Path;

/// Run the section; files go to `out_dir`.
pub fn run(out_dir: &Path) -> Result<serde_json::Value, Box<dyn Error>> {
    let regrowth = ClaretParams::CLARET_2014
        .time_to_regrowth_days()?
        .unwrap_or(f64::NAN);
    println!(
        "Claret 2014 typical patient: tumour regrowth starts after {regrowth:.1} days (published 117)"
    );

    // Relapse twin on real data: fitted on surgery 1978-1988, scored on 1989-1993.
    let all = read_rotterdam_csv(Path::new("data/breast/rotterdam.csv"))?;
    let (train, test) = split_by_year(&all, DEFAULT_LAST_TRAIN_YEAR);
    let c = compare(
        &train,
        &test,
        &BootstrapConfig {
            replicates: 0,
            ..Default::default()
        },
    )?;
    println!(
        "Rotterdam relapse twin vs Cox on {} held-out patients: Harrell C {:.3} vs {:.3}, Brier(5y) {:.3} vs {:.3}, calibration slope {:.2} vs {:.2}",
        c.n_test,
        c.twin.harrell_c,
        c.cox.harrell_c,
        c.twin.brier_5y,
        c.cox.brier_5y,
        c.twin.calibration_slope_5y,
        c.cox.calibration_slope_5y
    );

    // One synthetic metastatic patient: calibrate, rank five regimens.
    let text = std::fs::read_to_string("data/synthetic/metastatic_breast_patient.json")?;
    let import = read_bundle(
        &text,
        &Pseudonymiser::new(b"tour-breast-section-key-2024")?,
        ImportOptions::default(),
    )?;
    let (record, decision_day) =
        record_from_io(import.records.first().ok_or("no patient in bundle")?)?;
    let twin = calibrate(&record, 11)?;
    let regimens = standard_regimens();
    let draws = twin.draws_at(300, 7, decision_day)?;
    let ranking = twin.rank(
        &regimens,
        &draws,
        &DoseRules::default(),
        &SimSettings::default(),
        0.5,
    )?;
    println!(
        "synthetic patient, {} posterior draws, plans ranked (grade-4 limit 0.5):",
        ranking.n_draws
    );
    for f in &ranking.forecasts {
        println!(
            "  {:<40} PFS median {:>4.0} d (90%: {:.0}-{:.0})  P(grade 4) {:.2}",
            f.regimen,
            f.pfs_median_days,
            f.pfs_interval_days.0,
            f.pfs_interval_days.1,
            f.grade4_neutropenia_probability
        );
    }

    // Drug-specific forecasts from the trial-fitted population, updated by this
    // patient's own response on the line in the record.
    let profile = PatientProfile {
        biomarkers: Biomarkers::from_receptors(&record.receptors, false, false),
        baseline_mm: record.tumour_mm.last().map_or(70.0, |s| s.1),
        previous_line: PreviousLine::from_record(&record),
        // The recorded line (a taxane) is this patient's first chemotherapy line.
        prior_chemotherapy_lines: 1.0,
    };
    let population = forecast_regimens(
        &profile,
        &standard_candidates(&profile.biomarkers),
        &Efficacy::fitted(),
        2000,
        7,
    )?;
    println!(
        "next line from the trial-fitted population ({} draws, effective {:.0} after this patient's response):",
        population.n_draws, population.effective_sample_size
    );
    for f in &population.forecasts {
        println!(
            "  {:<40} PFS median {:>5.1} months (90%: {:.1}-{:.1})  P(response) {:.2}",
            f.name,
            f.median_pfs_months,
            f.pfs_interval_months.0,
            f.pfs_interval_months.1,
            f.p_response
        );
    }
    let bands = forecast_bands(
        &twin,
        &regimens,
        &twin.posterior.sample(100, 7)?,
        decision_day,
        364.0,
        4.0,
    )?;
    write_svg(&out_dir.join("breast_plans.svg"), &bands)?;

    Ok(json!({
        "claret_regrowth_days": regrowth,
        "relapse": {"n_train": c.n_train, "n_test": c.n_test, "twin": c.twin, "cox": c.cox},
        "plans": ranking.forecasts.iter().map(|f| json!({
            "regimen": f.regimen,
            "pfs_median_days": f.pfs_median_days,
            "pfs_interval_days": [f.pfs_interval_days.0, f.pfs_interval_days.1],
            "grade4_neutropenia_probability": f.grade4_neutropenia_probability,
        })).collect::<Vec<_>>(),
        "next_line": population.forecasts.iter().map(|f| json!({
            "regimen": f.name,
            "pfs_median_months": f.median_pfs_months,
            "p_response": f.p_response,
        })).collect::<Vec<_>>(),
    }))
}
