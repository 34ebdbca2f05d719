//! The AF cohort study's scoring: every model fitted on the training cohort,
//! scored on the held-out test cohort for one label (`examples/af_cohort`
//! prints and saves it).
//!
//! Models, each a ridge logistic on standardised covariates with the penalty
//! chosen by 5-fold CV on the training patients only:
//! * baseline — the four clinical covariates ([`ClinicalRecord::features`]);
//! * flexible baseline — the same with restricted cubic splines (4 knots at
//!   Harrell's quantiles of the training cohort) on LA diameter, LGE % and age;
//! * map baseline — the clinical covariates plus three image features of the
//!   LGE map the twin is built on ([`LgeMapFeatures`]: posterior-wall LGE,
//!   compactness, cluster size), so that a baseline sees the fibrosis pattern too;
//! * hybrid — the clinical covariates plus the twin's four features; a
//!   patient without twin features (the twin was not run or failed) gets
//!   zeros — no evidence — and is scored, never dropped;
//! * hybrid + map — the hybrid's covariates plus the map features: what the
//!   simulation adds to the image;
//! * oracle — the hidden true parameters.
//!
//! Also reported: the majority class of the training cohort and the twin's
//! inducible fraction alone. Scores: AUC with 95 % class-stratified bootstrap
//! CIs, accuracy at p ≥ 0.5, and paired bootstrap AUC differences with DeLong
//! tests: the hybrid against each baseline, and hybrid + map against the map
//! baseline and the clinical baseline (image + simulation against the clinical
//! score, as in Roney et al. 2022).

use serde::{Deserialize, Serialize};
use twin_validate::baseline::{Coefficient, CvRidgeLogistic, SplineColumns};
use twin_validate::binary::{accuracy, auc};
use twin_validate::bootstrap::{BootstrapConfig, bootstrap, strata_from_labels};
use twin_validate::compare::paired_bootstrap;
use twin_validate::delong::delong_test;

use super::{ClinicalRecord, Evaluation, LgeMapFeatures, TwinFeatures};
use crate::error::{CardiacError, Result};
use crate::fibrosis::FibrosisPattern;

/// Ridge penalties tried by cross-validation.
pub const PENALTIES: [f64; 7] = [0.0, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0];

/// Bootstrap replicates of every CI.
pub const REPLICATES: usize = 2000;

/// One model's score on the test cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    /// Model name ("baseline", "flexible baseline", "map baseline", "hybrid",
    /// "hybrid + map", "twin alone", "oracle").
    pub name: String,
    /// AUC on the test cohort.
    pub auc: f64,
    /// Its 95 % class-stratified bootstrap percentile interval.
    pub auc_ci95: [f64; 2],
    /// Accuracy at p ≥ 0.5 (the twin alone: any inducible site).
    pub accuracy: f64,
    /// Ridge penalty chosen by cross-validation (None for the twin alone).
    pub ridge_penalty: Option<f64>,
}

/// A model with the twin's features against one baseline, paired on the same
/// test patients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AucDifference {
    /// The model with the twin's features ("hybrid" or "hybrid + map").
    #[serde(default = "hybrid_name")]
    pub model: String,
    /// The baseline compared with.
    pub against: String,
    /// Model AUC − baseline AUC.
    pub difference: f64,
    /// 95 % paired bootstrap interval of the difference.
    pub ci95: [f64; 2],
    /// Two-sided paired bootstrap p-value.
    pub bootstrap_p: f64,
    /// Two-sided DeLong p-value.
    pub delong_p: f64,
}

fn hybrid_name() -> String {
    "hybrid".into()
}

/// Every model on one label of the test cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Label name.
    pub label: String,
    /// Patients (training, test).
    pub n_train: usize,
    /// Test patients scored (all of them).
    pub n_test: usize,
    /// Label rate in the training cohort.
    pub train_rate: f64,
    /// Label rate in the test cohort.
    pub test_rate: f64,
    /// The training cohort's majority class.
    pub majority_class: bool,
    /// Accuracy of predicting the majority class for every test patient.
    pub majority_class_accuracy: f64,
    /// Baseline, flexible baseline, map baseline, hybrid, hybrid + map, twin
    /// alone, oracle.
    pub models: Vec<ModelScore>,
    /// The hybrid against each baseline; hybrid + map against the map baseline,
    /// then against the clinical baseline.
    pub hybrid_minus: Vec<AucDifference>,
    /// The hybrid's coefficients (per SD of each covariate).
    pub hybrid_coefficients_per_sd: Vec<Coefficient>,
    /// The map baseline's coefficients (per SD of each covariate).
    #[serde(default)]
    pub map_coefficients_per_sd: Vec<Coefficient>,
}

impl Comparison {
    /// The score of the model called `name`, if any.
    pub fn model(&self, name: &str) -> Option<&ModelScore> {
        self.models.iter().find(|m| m.name == name)
    }
}

/// Fraction of `true` labels (0 for none).
pub fn rate(labels: &[bool]) -> f64 {
    labels.iter().filter(|&&b| b).count() as f64 / labels.len().max(1) as f64
}

/// The baseline's covariates.
pub fn clinical_features(r: &Evaluation) -> Vec<f64> {
    r.record.features()
}

/// The hybrid's covariates: clinical, then the twin's (zeros without them).
pub fn hybrid_features(r: &Evaluation) -> Vec<f64> {
    let mut x = r.record.features();
    x.extend(r.twin_features.map_or([0.0; 4], |f| f.values()));
    x
}

/// The map baseline's covariates: clinical, then the LGE map's (zeros when
/// missing; [`compare`] checks that none is).
pub fn map_features(r: &Evaluation) -> Vec<f64> {
    let mut x = r.record.features();
    x.extend(r.lge_map_features.map_or([0.0; 3], |m| m.values()));
    x
}

/// The hybrid + map covariates: clinical, the LGE map's, then the twin's.
pub fn hybrid_map_features(r: &Evaluation) -> Vec<f64> {
    let mut x = map_features(r);
    x.extend(r.twin_features.map_or([0.0; 4], |f| f.values()));
    x
}

/// The hidden truth's parameters (the oracle's covariates), named by
/// [`ORACLE_NAMES`].
pub fn oracle_features(r: &Evaluation) -> Vec<f64> {
    let p = &r.patient;
    let flag = |b: bool| f64::from(u8::from(b));
    vec![
        p.patient.fibrosis_burden,
        p.patient.remodelling,
        p.cv_m_per_s,
        p.patient.la_diameter_mm,
        flag(p.persistent_af),
        p.age_years,
        flag(p.patient.fibrosis_pattern == FibrosisPattern::Diffuse),
        flag(p.patient.fibrosis_pattern == FibrosisPattern::Compact),
    ]
}

/// Names of [`oracle_features`].
pub const ORACLE_NAMES: [&str; 8] = [
    "true_burden",
    "remodelling",
    "cv_m_per_s",
    "la_diameter_mm",
    "persistent_af",
    "age_years",
    "diffuse",
    "compact",
];

/// Columns of [`ClinicalRecord::features`] that the flexible baseline expands into
/// restricted cubic splines (4 knots from the training cohort): LA diameter, LGE %, age.
const SPLINED: [usize; 3] = [0, 1, 3];

/// Fit a CV-penalised ridge logistic model on `train` with covariates `f`; predict
/// every `test` patient.
fn fit_predict(
    train: &[Evaluation],
    test: &[Evaluation],
    y: &[bool],
    f: impl Fn(&Evaluation) -> Vec<f64>,
    names: Vec<String>,
    seed: u64,
) -> Result<(CvRidgeLogistic, Vec<f64>)> {
    let x: Vec<Vec<f64>> = train.iter().map(&f).collect();
    let model = CvRidgeLogistic::fit(&x, y, &PENALTIES, 5, Some(names), seed)?;
    let p = test
        .iter()
        .map(|r| model.predict(&f(r)))
        .collect::<std::result::Result<Vec<f64>, _>>()?;
    Ok((model, p))
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Fit every model on `train` for `label` and score it on `test` (see the
/// module docs); `seed` drives the CV folds and the bootstrap.
pub fn compare(
    label_name: &str,
    train: &[Evaluation],
    test: &[Evaluation],
    label: impl Fn(&Evaluation) -> bool,
    seed: u64,
) -> Result<Comparison> {
    if let Some(i) = train
        .iter()
        .chain(test)
        .position(|r| r.lge_map_features.is_none())
    {
        return Err(CardiacError::invalid(
            "lge_map_features",
            format!("missing in row {i} (training rows first)"),
            "present in every row (cohort::add_lge_map_features fills them in)",
        ));
    }
    let y: Vec<bool> = train.iter().map(&label).collect();
    let labels: Vec<bool> = test.iter().map(&label).collect();
    let mut hybrid_names = strings(&ClinicalRecord::FEATURE_NAMES);
    hybrid_names.extend(strings(&TwinFeatures::NAMES));
    let mut map_names = strings(&ClinicalRecord::FEATURE_NAMES);
    map_names.extend(strings(&LgeMapFeatures::NAMES));
    let mut hybrid_map_names = map_names.clone();
    hybrid_map_names.extend(strings(&TwinFeatures::NAMES));
    let records: Vec<Vec<f64>> = train.iter().map(|r| r.record.features()).collect();
    let flexible = SplineColumns::fit(&records, &SPLINED, 4)?;
    let clinical_names = strings(&ClinicalRecord::FEATURE_NAMES);
    let (base, pb) = fit_predict(train, test, &y, clinical_features, clinical_names, seed)?;
    let (flex, pf) = fit_predict(
        train,
        test,
        &y,
        |r| flexible.row(&r.record.features()),
        flexible.names(&ClinicalRecord::FEATURE_NAMES),
        seed,
    )?;
    let (map, pm) = fit_predict(train, test, &y, map_features, map_names, seed)?;
    let (hyb, ph) = fit_predict(train, test, &y, hybrid_features, hybrid_names, seed)?;
    let (hybm, phm) = fit_predict(train, test, &y, hybrid_map_features, hybrid_map_names, seed)?;
    let (orc, po) = fit_predict(
        train,
        test,
        &y,
        oracle_features,
        strings(&ORACLE_NAMES),
        seed,
    )?;
    // Without twin features the twin alone predicts "not inducible".
    let pt: Vec<f64> = test
        .iter()
        .map(|r| r.twin_features.map_or(0.0, |f| f.inducible_fraction))
        .collect();
    let majority_class = rate(&y) >= 0.5;
    let majority_class_accuracy = rate(
        &labels
            .iter()
            .map(|&l| l == majority_class)
            .collect::<Vec<_>>(),
    );

    let n = test.len();
    let cfg = BootstrapConfig {
        replicates: REPLICATES,
        seed,
        ..BootstrapConfig::default()
    };
    let strata = strata_from_labels(&labels);
    let auc_on = |p: &[f64], idx: &[usize]| {
        let l: Vec<bool> = idx.iter().map(|&i| labels[i]).collect();
        let q: Vec<f64> = idx.iter().map(|&i| p[i]).collect();
        auc(&l, &q)
    };
    let mut models = Vec::new();
    for (name, p, penalty) in [
        ("baseline", &pb, Some(base.penalty)),
        ("flexible baseline", &pf, Some(flex.penalty)),
        ("map baseline", &pm, Some(map.penalty)),
        ("hybrid", &ph, Some(hyb.penalty)),
        ("hybrid + map", &phm, Some(hybm.penalty)),
        ("twin alone", &pt, None),
        ("oracle", &po, Some(orc.penalty)),
    ] {
        let u = bootstrap(n, Some(&strata), &cfg, |idx| auc_on(p, idx))?;
        let cut = if penalty.is_none() { 1e-9 } else { 0.5 };
        models.push(ModelScore {
            name: name.into(),
            auc: u.estimate,
            auc_ci95: [u.percentile.0, u.percentile.1],
            accuracy: accuracy(&labels, p, cut)?,
            ridge_penalty: penalty,
        });
    }
    let mut hybrid_minus = Vec::new();
    for (model, p, name, other) in [
        ("hybrid", &ph, "baseline", &pb),
        ("hybrid", &ph, "flexible baseline", &pf),
        ("hybrid", &ph, "map baseline", &pm),
        ("hybrid + map", &phm, "map baseline", &pm),
        ("hybrid + map", &phm, "baseline", &pb),
    ] {
        let d = paired_bootstrap("auc", n, Some(&strata), &cfg, |idx| {
            Ok((auc_on(p, idx)?, auc_on(other, idx)?))
        })?;
        hybrid_minus.push(AucDifference {
            model: model.into(),
            against: name.into(),
            difference: d.difference,
            ci95: [d.ci_low, d.ci_high],
            bootstrap_p: d.p_value,
            delong_p: delong_test(&labels, p, other)?.p_value,
        });
    }
    Ok(Comparison {
        label: label_name.into(),
        n_train: train.len(),
        n_test: n,
        train_rate: rate(&y),
        test_rate: rate(&labels),
        majority_class,
        majority_class_accuracy,
        models,
        hybrid_minus,
        hybrid_coefficients_per_sd: hyb.fit.coefficients,
        map_coefficients_per_sd: map.fit.coefficients,
    })
}
