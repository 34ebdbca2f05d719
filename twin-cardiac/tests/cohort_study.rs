//! The AF study's scoring (`cohort::study::compare`) on small cohorts whose
//! labels and twin features are constructed, not simulated: the pieces —
//! label rates, the majority class, every patient scored (a twin without
//! features included), paired AUC differences — checked against values
//! computed directly. Development seed 11 (the study's held-out seeds are in
//! `data/validation/test_seeds.json`).

use twin_cardiac::cohort::study::{compare, hybrid_features, rate};
use twin_cardiac::cohort::{
    ClinicalRecord, CohortSpec, Evaluation, LgeMapFeatures, TruthOutcome, TwinFeatures,
    TwinSettings, virtual_cohort,
};
use twin_validate::binary::auc;

/// How the constructed twin feature relates to the label.
#[derive(Clone, Copy, PartialEq)]
enum Twin {
    /// The twin's inducible fraction is the hidden slow conduction itself.
    Informative,
    /// The twin's features are the patient's own uniform draw: noise.
    Noise,
    /// The twin's features are noise, and the LGE map's posterior-wall share
    /// carries the hidden label instead.
    MapInformative,
}

/// `n` patients of cohort `seed`: the label is slow hidden conduction (CV
/// below 0.5 m/s), which the clinic sees only through its correlation with
/// age and burden; the record's LGE is the true burden.
fn rows(n: usize, seed: u64, twin: Twin) -> Vec<Evaluation> {
    virtual_cohort(&CohortSpec::default(), n, seed)
        .unwrap()
        .into_iter()
        .map(|p| {
            let slow = p.cv_m_per_s < 0.5;
            let u = p.recurrence_uniforms[0];
            let signal = match twin {
                Twin::Informative => (0.5 - p.cv_m_per_s) * 4.0 + 0.1 * u,
                Twin::Noise | Twin::MapInformative => u,
            };
            let mut map = p.lge_map_features(&TwinSettings::default()).unwrap();
            if twin == Twin::MapInformative {
                map.posterior_wall_lge = (0.5 - p.cv_m_per_s) * 4.0 + 0.1 * u;
            }
            Evaluation {
                record: ClinicalRecord {
                    age_years: p.age_years,
                    persistent_af: p.persistent_af,
                    la_diameter_mm: p.patient.la_diameter_mm,
                    lge_fibrosis_pct: 100.0 * p.patient.fibrosis_burden,
                },
                truth: TruthOutcome {
                    recurrence: slow,
                    n_sites: 10,
                    sites_paced: 10,
                    dt_ms: None,
                },
                twin_features: Some(TwinFeatures {
                    inducible_fraction: signal,
                    reentry_samples_per_site: 0.0,
                    lge_near_reentry: 0.0,
                    posterior_wall_reentry: 0.0,
                }),
                twin_cv_m_per_s: None,
                lge_map_features: Some(map),
                patient: p,
            }
        })
        .collect()
}

#[test]
fn rates_majority_class_and_every_patient_are_reported() {
    let train = rows(80, 11, Twin::Informative);
    let mut test = rows(60, 12, Twin::Informative);
    // A patient whose twin failed is scored with no evidence, not dropped.
    test[5].twin_features = None;
    assert_eq!(hybrid_features(&test[5])[4..], [0.0; 4]);
    let c = compare("slow conduction", &train, &test, |r| r.truth.recurrence, 3).unwrap();
    let y: Vec<bool> = train.iter().map(|r| r.truth.recurrence).collect();
    let labels: Vec<bool> = test.iter().map(|r| r.truth.recurrence).collect();
    assert_eq!((c.n_train, c.n_test), (80, 60));
    assert_eq!(c.train_rate, rate(&y));
    assert_eq!(c.test_rate, rate(&labels));
    assert_eq!(c.majority_class, rate(&y) >= 0.5);
    let majority = if c.majority_class {
        c.test_rate
    } else {
        1.0 - c.test_rate
    };
    assert!((c.majority_class_accuracy - majority).abs() < 1e-12);
    assert!(0.1 < c.test_rate && c.test_rate < 0.9, "{}", c.test_rate);
    // The twin alone is the constructed signal (0 for the failed patient).
    let twin_alone: Vec<f64> = test
        .iter()
        .map(|r| r.twin_features.map_or(0.0, |f| f.inducible_fraction))
        .collect();
    let direct = auc(&labels, &twin_alone).unwrap();
    assert!((c.model("twin alone").unwrap().auc - direct).abs() < 1e-12);
}

/// A twin feature that carries the hidden label lifts the hybrid above the
/// clinical baseline with a paired CI excluding 0; the difference reported
/// is the difference of the two models' AUCs on the same patients; the
/// oracle (which sees the hidden CV) is near perfect.
#[test]
fn an_informative_twin_beats_the_baseline_and_noise_does_not() {
    let train = rows(120, 21, Twin::Informative);
    let test = rows(100, 22, Twin::Informative);
    let c = compare("slow conduction", &train, &test, |r| r.truth.recurrence, 5).unwrap();
    let (base, hyb) = (c.model("baseline").unwrap(), c.model("hybrid").unwrap());
    let d = &c.hybrid_minus[0];
    eprintln!(
        "informative: baseline {:.3}, hybrid {:.3}, diff {:+.3} {:?}, oracle {:.3}",
        base.auc,
        hyb.auc,
        d.difference,
        d.ci95,
        c.model("oracle").unwrap().auc
    );
    assert_eq!(d.against, "baseline");
    assert!((d.difference - (hyb.auc - base.auc)).abs() < 1e-12);
    assert!(d.ci95[0] > 0.0 && d.delong_p < 0.05, "{d:?}");
    assert!(c.model("oracle").unwrap().auc > 0.95);

    let train = rows(120, 21, Twin::Noise);
    let test = rows(100, 22, Twin::Noise);
    let c = compare("slow conduction", &train, &test, |r| r.truth.recurrence, 5).unwrap();
    let d = &c.hybrid_minus[0];
    eprintln!("noise: diff {:+.3} {:?}", d.difference, d.ci95);
    assert!(d.ci95[0] < 0.0 && d.ci95[1] > 0.0, "{d:?}");
}

/// A label with one class in the training cohort cannot be fitted: a clear
/// error, not a panic.
#[test]
fn a_single_class_training_cohort_is_an_error() {
    let train = rows(20, 31, Twin::Noise);
    let test = rows(20, 32, Twin::Noise);
    let err = compare("never", &train, &test, |_| false, 1).unwrap_err();
    assert!(
        err.to_string().contains("0 positives and 20 negatives"),
        "{err}"
    );
}

/// The map baseline sees the LGE map's features: when they carry the hidden label
/// (and the twin's features are noise) it beats the clinical baseline, and the
/// hybrid, which lacks the map features, does not beat it; hybrid + map is scored
/// against the map baseline. Rows without map features are an error naming the fix.
#[test]
fn the_map_baseline_sees_the_lge_pattern() {
    let train = rows(120, 41, Twin::MapInformative);
    let mut test = rows(100, 42, Twin::MapInformative);
    let c = compare("slow conduction", &train, &test, |r| r.truth.recurrence, 5).unwrap();
    let auc_of = |name: &str| c.model(name).unwrap().auc;
    eprintln!(
        "map informative: baseline {:.3}, map {:.3}, hybrid {:.3}, hybrid + map {:.3}",
        auc_of("baseline"),
        auc_of("map baseline"),
        auc_of("hybrid"),
        auc_of("hybrid + map")
    );
    assert!(auc_of("map baseline") > auc_of("baseline") + 0.05);
    let d = c
        .hybrid_minus
        .iter()
        .find(|d| d.model == "hybrid" && d.against == "map baseline")
        .unwrap();
    assert!(d.ci95[1] < 0.0, "{d:?}");
    // hybrid + map against the map baseline, then against the clinical baseline
    let against: Vec<_> = c
        .hybrid_minus
        .iter()
        .filter(|d| d.model == "hybrid + map")
        .collect();
    assert_eq!(against.len(), 2);
    for d in against {
        assert!((d.difference - (auc_of("hybrid + map") - auc_of(&d.against))).abs() < 1e-12);
    }
    assert!(
        c.hybrid_minus
            .iter()
            .any(|d| d.model == "hybrid + map" && d.against == "baseline")
    );

    test[3].lge_map_features = None;
    let err = compare("slow conduction", &train, &test, |r| r.truth.recurrence, 5).unwrap_err();
    assert!(err.to_string().contains("add_lge_map_features"), "{err}");
}

/// The map features on constructed maps with known values: one isolated voxel
/// (compactness 0, one cluster of one voxel's area), a 3 × 3 block (every voxel has
/// at least two enhanced neighbours; one cluster of 9 voxels), a checkerboard
/// (no voxel has an enhanced 4-neighbour; every cluster is one voxel), and a fully
/// enhanced sheet (posterior wall 1).
#[test]
fn lge_map_features_of_constructed_maps() {
    let p = virtual_cohort(&CohortSpec::default(), 1, 5).unwrap()[0];
    let dx = 1.5;
    let sheet = p.patient.bare_sheet(dx).unwrap();
    let mask = &sheet.substrate.domain.mask;
    let area = dx * dx;
    // A tissue voxel with a 5 × 5 tissue neighbourhood.
    let (ci, cj) = mask
        .indexed_iter()
        .map(|((i, j, _), _)| (i, j))
        .find(|&(i, j)| {
            i >= 2
                && j >= 2
                && (i - 2..=i + 2)
                    .all(|a| (j - 2..=j + 2).all(|b| mask.get([a, b, 0]).copied().unwrap_or(false)))
        })
        .unwrap();
    let mut one = mask.mapv(|_| false);
    one[[ci, cj, 0]] = true;
    let f = LgeMapFeatures::from_map(&sheet, &one).unwrap();
    assert_eq!(f.lge_compactness, 0.0);
    assert!((f.mean_cluster_area_mm2 - area).abs() < 1e-12);

    let mut block = mask.mapv(|_| false);
    for a in ci - 1..=ci + 1 {
        for b in cj - 1..=cj + 1 {
            block[[a, b, 0]] = true;
        }
    }
    let f = LgeMapFeatures::from_map(&sheet, &block).unwrap();
    assert_eq!(f.lge_compactness, 1.0);
    assert!((f.mean_cluster_area_mm2 - 9.0 * area).abs() < 1e-12);

    let checker = ndarray::Array3::from_shape_fn(mask.dim(), |(i, j, _)| (i + j) % 2 == 0);
    let f = LgeMapFeatures::from_map(&sheet, &checker).unwrap();
    assert_eq!(f.lge_compactness, 0.0);
    assert!((f.mean_cluster_area_mm2 - area).abs() < 1e-12);

    let full = mask.mapv(|_| true);
    let f = LgeMapFeatures::from_map(&sheet, &full).unwrap();
    assert_eq!(f.posterior_wall_lge, 1.0);
    let none = mask.mapv(|_| false);
    let f = LgeMapFeatures::from_map(&sheet, &none).unwrap();
    assert_eq!(f.values(), [0.0, 0.0, 0.0]);
    // A map of the wrong shape is an error, not a panic.
    assert!(
        LgeMapFeatures::from_map(&sheet, &ndarray::Array3::from_elem((2, 2, 1), true)).is_err()
    );
}
