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

/// The benchmark's evaluator clips the density to [0, 1] and ranks it as float32, so
/// densities above 1 tie at 1 (ties go to the later voxel). On a 40-voxel line with
/// the core at voxel 0 the standard plan (15 mm) holds voxels 0–15; a density of 1.5
/// there and 1.0 on voxels 20–39 ranked raw gives the model plan voxels 0–15 (no
/// coverage of a recurrence on 24–39), clipped it gives voxels 24–39 (full coverage).
#[test]
fn score_clips_the_density_to_one_before_ranking_as_the_evaluator_does() {
    use ndarray::Array3;
    use twin_core::pde::{Domain, Grid};
    use twin_oncology::glioma::benchmark::PredictGbmPatient;
    let grid = Grid::new_3d([40, 1, 1], [1.0; 3]).unwrap();
    let mut labels = Array3::<u16>::zeros(grid.shape);
    labels[[0, 0, 0]] = 3;
    let patient = PredictGbmPatient {
        id: "line".into(),
        grid,
        tissue: BrainTissue::homogeneous_white(grid),
        brain: Domain::full(grid),
        labels,
    };
    let density = Array3::from_shape_fn(grid.shape, |(i, _, _)| match i {
        0..16 => 1.5,
        20.. => 1.0,
        _ => 0.0,
    });
    let recurrence = Array3::from_shape_fn(grid.shape, |(i, _, _)| u16::from(i >= 24) * 3);
    let [enhancing, _] = patient.score(&density, &recurrence).unwrap();
    assert_eq!(enhancing.plan_voxels, 16);
    assert_eq!(enhancing.recurrence_voxels, 16);
    assert_eq!(enhancing.standard, 0.0);
    assert_eq!(enhancing.model, 1.0);
    // A non-finite density is still an error, not clipped away.
    let mut bad = density.clone();
    bad[[30, 0, 0]] = f64::INFINITY;
    let e = patient.score(&bad, &recurrence).unwrap_err();
    assert!(e.to_string().contains("density"), "{e}");
}
