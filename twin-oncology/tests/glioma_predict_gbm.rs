//! PREDICT-GBM end to end on in-silico patients: a case written as a patient folder
//! reads back to the same plans and coverage, and the recurrence study is the same for
//! any thread count.

use std::path::Path;

use twin_oncology::glioma::BrainTissue;
use twin_oncology::glioma::benchmark::{
    RecurrenceOptions, evaluate_case, read_patient, run_recurrence_study, single_scan_density,
    study_case,
};

fn atlas() -> BrainTissue {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mni152");
    BrainTissue::load_mni152(&dir, 2).unwrap()
}

#[test]
fn a_case_written_as_a_patient_folder_scores_the_same() {
    let atlas = atlas();
    let options = RecurrenceOptions {
        patients: 2,
        ..RecurrenceOptions::default()
    };
    let (_, case) = study_case(&atlas, &options, 0).unwrap();
    let (direct, failed) = evaluate_case(&case, &options.twin).unwrap();
    assert!(!failed);
    let dir = std::env::temp_dir().join(format!("pgbm-test-{}", std::process::id()));
    case.write_predict_gbm_folder(&dir, "00000").unwrap();
    let patient = read_patient(&dir).unwrap();
    assert_eq!(patient.id, "00000");
    let (density, _) =
        single_scan_density(&patient.tissue, &patient.scan(0.0).unwrap(), &options.twin).unwrap();
    let written = patient.write_density(&dir, &density).unwrap();
    assert!(written.ends_with("00000.nii.gz"));
    let rec = twin_io::nifti_io::read_labels(dir.join("00000-recurrence.nii.gz")).unwrap();
    let [enhancing, all] = patient.score(&density, &rec.labels).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(enhancing.plan_voxels, direct.plan_voxels);
    assert_eq!(enhancing.recurrence_voxels, direct.recurrence_voxels);
    assert_eq!(enhancing.standard, direct.standard);
    // The tissue maps pass through float32 NIfTI, which moves the simulated density
    // by rounding: the plan may trade a few boundary voxels.
    assert!(
        (enhancing.model - direct.model).abs() < 2e-3,
        "{enhancing:?} vs {direct:?}"
    );
    // Only label 3 is written for the recurrence, so both readings agree.
    assert_eq!(all, enhancing);
    assert!((0.0..=1.0).contains(&direct.standard) && (0.0..=1.0).contains(&direct.model));
}

#[test]
fn the_recurrence_study_is_deterministic_across_threads() {
    let atlas = atlas();
    let options = RecurrenceOptions {
        patients: 3,
        bootstrap_replicates: 200,
        ..RecurrenceOptions::default()
    };
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| run_recurrence_study(&atlas, &options).unwrap())
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(one, two);
    assert_eq!(one.patients.len(), 3);
    // The paired difference is the difference of the means.
    assert!((one.difference.mean - (one.model.mean - one.standard.mean)).abs() < 1e-12);
    assert!(
        run_recurrence_study(
            &atlas,
            &RecurrenceOptions {
                patients: 1,
                ..options
            }
        )
        .is_err()
    );
}
