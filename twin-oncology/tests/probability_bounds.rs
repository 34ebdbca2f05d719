//! Functions of twin-oncology that return a probability (relapse-free survival,
//! radiotherapy and temozolomide surviving fractions, progression probability) give a
//! value in [0, 1] for every input, or an error naming the bad field; never NaN,
//! never above 1 (issue 23).

use std::sync::OnceLock;

use proptest::prelude::*;
use twin_oncology::breast::relapse::data::{RotterdamPatient, read_rotterdam_csv};
use twin_oncology::breast::relapse::model::{RelapseModel, RelapseParams};

fn data() -> &'static (RelapseModel, RotterdamPatient) {
    static FIT: OnceLock<(RelapseModel, RotterdamPatient)> = OnceLock::new();
    FIT.get_or_init(|| {
        let path = format!(
            "{}/../data/breast/rotterdam.csv",
            env!("CARGO_MANIFEST_DIR")
        );
        let patients = read_rotterdam_csv(std::path::Path::new(&path)).unwrap();
        let model = RelapseModel::fit(&patients[..600]).unwrap();
        (model, patients[0])
    })
}

#[test]
fn the_reported_failures_are_errors_naming_the_field() {
    let (model, p) = data();
    let mut bad = *p;
    bad.nodes = -1.0;
    let e = model.survival(&bad, 365.0).unwrap_err().to_string();
    assert!(e.contains("nodes"), "{e}");
    bad = *p;
    bad.age_years = f64::NAN;
    assert!(
        model
            .survival(&bad, 365.0)
            .unwrap_err()
            .to_string()
            .contains("age_years")
    );
    let e = model.survival(p, -1.0).unwrap_err().to_string();
    assert!(e.contains("t_days"), "{e}");
    // At surgery everyone is relapse-free; later the probability falls.
    assert_eq!(model.survival(p, 0.0).unwrap(), 1.0);
    assert!(model.survival(p, 1826.0).unwrap() < model.survival(p, 365.0).unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn model_survival_is_a_probability_or_an_error(
        age in prop::num::f64::ANY, nodes in prop::num::f64::ANY,
        pgr in prop::num::f64::ANY, t in prop::num::f64::ANY,
    ) {
        let (model, p) = data();
        let q = RotterdamPatient { age_years: age, nodes, pgr_fmol_per_l: pgr, ..*p };
        if let Ok(s) = model.survival(&q, t) {
            prop_assert!((0.0..=1.0).contains(&s), "S = {s}");
        }
    }

    #[test]
    fn params_survival_is_a_probability_or_an_error(
        theta in prop::num::f64::ANY, median in prop::num::f64::ANY,
        sigma in prop::num::f64::ANY, hazard in prop::num::f64::ANY,
        growth in prop::num::f64::ANY, t in prop::num::f64::ANY,
    ) {
        let p = RelapseParams {
            theta,
            median_detection_days: median,
            sigma,
            mortality_hazard_per_day: hazard,
            mortality_growth_per_day: growth,
        };
        if let Ok(s) = p.survival(t) {
            prop_assert!((0.0..=1.0).contains(&s), "S = {s}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn surviving_fractions_are_probabilities_or_errors(
        alpha in prop::num::f64::ANY, ab in prop::num::f64::ANY,
        k in prop::num::f64::ANY, dose in prop::num::f64::ANY,
    ) {
        use twin_oncology::glioma::{chemo::TmzParams, params::LqParams};
        let lq = LqParams { alpha_per_gy: alpha, alpha_beta_gy: ab };
        if let Ok(s) = lq.surviving_fraction(dose) {
            prop_assert!((0.0..=1.0).contains(&s), "LQ S = {s}");
        }
        let tmz = TmzParams { log_kill_per_mg_m2: k };
        if let Ok(s) = tmz.surviving_fraction(dose) {
            prop_assert!((0.0..=1.0).contains(&s), "TMZ S = {s}");
        }
    }

    #[test]
    fn progression_probability_is_a_probability_or_an_error(
        a in prop::num::f64::ANY, b in prop::num::f64::ANY, c in prop::num::f64::ANY,
        t in prop::num::f64::ANY,
    ) {
        use twin_oncology::glioma::cohort::progression_probability;
        if let Ok(p) = progression_probability(&[a, b, c], t) {
            prop_assert!((0.0..=1.0).contains(&p), "P = {p}");
        }
    }
}
