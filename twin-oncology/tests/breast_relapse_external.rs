//! Relapse twin on external and genomic data (issue 18): fitted on Rotterdam,
//! scored on GBSG2; with vs without a genomic covariate on GSE7390.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use twin_oncology::breast::relapse::data::{read_gbsg2_csv, read_rotterdam_csv};
use twin_oncology::breast::relapse::external::{ACCEPTABLE_SLOPE, validate_externally};
use twin_oncology::breast::relapse::genomic::{
    GenomicScore, GenomicStudyConfig, MODELS, run_genomic_study,
};
use twin_oncology::breast::relapse::gse7390::{Gse7390Patient, read_gse7390_csv};
use twin_validate::bootstrap::BootstrapConfig;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/breast")
        .join(name)
}

/// Fitted on all 2,982 Rotterdam patients, scored on the 686 GBSG2 patients
/// (the external set of Royston & Altman 2013): both models must discriminate
/// and beat the null (Kaplan–Meier) Brier score on a cohort neither saw; the
/// twin's calibration slope must be in the acceptable band with a CI covering 1
/// (otherwise it would have been recalibrated, which is checked too).
#[test]
fn gbsg2_external_validation() {
    let train = read_rotterdam_csv(&data("rotterdam.csv")).unwrap();
    let external = read_gbsg2_csv(&data("gbsg2.csv")).unwrap();
    let cfg = BootstrapConfig {
        replicates: 300,
        seed: 2013,
        level: 0.95,
        bca: false,
    };
    let v = validate_externally(&train, &external, &cfg, 5, 2013).unwrap();
    let c = &v.comparison;
    for ci in &c.intervals {
        let ([t, x, d], [tl, xl, dl], [th, xh, dh]) = (
            [&ci.twin, &ci.cox, &ci.difference].map(|b| b.estimate),
            [&ci.twin, &ci.cox, &ci.difference].map(|b| b.percentile.0),
            [&ci.twin, &ci.cox, &ci.difference].map(|b| b.percentile.1),
        );
        eprintln!(
            "{}: twin {t:.3} [{tl:.3}, {th:.3}], Cox {x:.3} [{xl:.3}, {xh:.3}], twin − Cox {d:+.3} [{dl:+.3}, {dh:+.3}]",
            ci.metric
        );
    }
    eprintln!("null Brier {:.3}", v.brier_5y_null);
    assert!(c.twin.harrell_c > 0.62 && c.cox.harrell_c > 0.62);
    assert!(c.twin.brier_5y < v.brier_5y_null && c.cox.brier_5y < v.brier_5y_null);
    let slope = &c.intervals[4];
    assert_eq!(slope.metric, "calibration_slope_5y");
    assert!(slope.twin.percentile.0 < 1.0 && slope.twin.percentile.1 > 1.0);
    for r in &v.recalibration {
        let inside = (ACCEPTABLE_SLOPE.0..=ACCEPTABLE_SLOPE.1).contains(&r.slope_before);
        assert_eq!(r.recalibrated, !inside);
        assert_eq!(r.slope_after.is_some(), r.recalibrated);
    }
    assert!(
        !v.recalibration[0].recalibrated,
        "twin slope {}",
        c.twin.calibration_slope_5y
    );
}

/// A planted signal is found: hazard depends on probe 0 only (log HR 0.8 per
/// SD), 20 noise probes; the ridge score's largest coefficient is probe 0's.
#[test]
fn genomic_score_finds_a_planted_probe() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let patients: Vec<Gse7390Patient> = (0..250)
        .map(|_| {
            let expression_log2: Vec<f64> =
                (0..21).map(|_| 8.0 + rng.random_range(-1.7..1.7)).collect();
            let hazard = 2e-4 * (0.8 * (expression_log2[0] - 8.0)).exp();
            let t = -rng.random_range(1e-9..1.0f64).ln() / hazard;
            let censor = rng.random_range(2000.0..6000.0);
            Gse7390Patient {
                age_years: 50.0,
                size_cm: 2.0,
                grade: Some(2),
                er_positive: true,
                tdm_days: t.min(censor),
                tdm_event: t < censor,
                expression_log2,
            }
        })
        .collect();
    let refs: Vec<&Gse7390Patient> = patients.iter().collect();
    let (score, oof) = GenomicScore::fit(&refs, &[1.0, 10.0, 100.0], 5, 1).unwrap();
    let top = (0..21)
        .max_by(|&a, &b| score.beta[a].abs().total_cmp(&score.beta[b].abs()))
        .unwrap();
    assert_eq!(top, 0, "beta {:?}", score.beta);
    assert!(score.beta[0] > 0.0 && oof.iter().all(|s| s.is_finite()));
}

/// GSE7390 (198 patients, 51 distant metastases): the twin with vs without the
/// ridge-Cox genomic score, 5-fold CV (two repeats here; the example runs five),
/// paired bootstrap CIs. Asserted: the genomic twin discriminates on held-out
/// patients (Harrell's C CI above 0.5; Desmedt et al. 2007 found the 76-gene
/// signature prognostic in this series), each contrast is the difference of the
/// model estimates, and the study is deterministic although folds run in parallel.
#[test]
fn gse7390_genomic_covariate() {
    let d = read_gse7390_csv(&data("gse7390.csv")).unwrap();
    let cfg = GenomicStudyConfig {
        repeats: 2,
        bootstrap: BootstrapConfig {
            replicates: 300,
            ..GenomicStudyConfig::default().bootstrap
        },
        ..Default::default()
    };
    let r = run_genomic_study(&d, &cfg).unwrap();
    for m in &r.models {
        let h = &m.intervals[0];
        eprintln!(
            "{}: Harrell C {:.3} [{:.3}, {:.3}], Brier(5 y) {:.3}, slope {:.2}",
            m.model,
            h.estimate,
            h.percentile.0,
            h.percentile.1,
            m.scores.brier_5y,
            m.scores.calibration_slope_5y
        );
    }
    for c in &r.contrasts {
        let d = &c.difference;
        eprintln!(
            "{} {}: {:+.3} [{:+.3}, {:+.3}]",
            c.contrast, c.metric, d.estimate, d.percentile.0, d.percentile.1
        );
    }
    assert_eq!((r.n, r.events), (198, 51));
    let genomic = &r.models[1];
    assert_eq!(genomic.model, MODELS[1]);
    assert!(genomic.intervals[0].percentile.0 > 0.5);
    let c = &r.contrasts[0];
    assert_eq!(
        (c.contrast.as_str(), c.metric.as_str()),
        ("twin_genomic - twin_clinical", "harrell_c")
    );
    assert!(
        (c.difference.estimate - (r.models[1].scores.harrell_c - r.models[0].scores.harrell_c))
            .abs()
            < 1e-12
    );
    assert_eq!(run_genomic_study(&d, &cfg).unwrap(), r);
}
