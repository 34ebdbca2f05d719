//! Shared test helpers: reading the repository's data and reference JSON.
#![allow(dead_code)]

use serde_json::Value;

pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(rel)).unwrap()).unwrap()
}

pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}
pub fn fs(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}
pub fn bs(v: &Value) -> Vec<bool> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() != 0.0)
        .collect()
}

#[track_caller]
pub fn close(got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= rel * want.abs().max(1e-300),
        "got {got:.17}, want {want:.17} (rel tol {rel:e})"
    );
}

/// Rotterdam (R survival 3.5-3) with recurrence-free survival and the Royston–Altman
/// covariates as built by tests/reference/make_reference.py.
pub struct Rotterdam {
    pub year: Vec<f64>,
    pub nodes: Vec<f64>,
    pub grade: Vec<f64>,
    pub size_code: Vec<usize>,
    pub rfs_time: Vec<f64>,
    pub rfs_event: Vec<bool>,
    pub covariates: Vec<Vec<f64>>,
}

pub fn rotterdam() -> Rotterdam {
    let mut r = csv::Reader::from_path(root().join("data/breast/rotterdam.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let mut out = Rotterdam {
        year: vec![],
        nodes: vec![],
        grade: vec![],
        size_code: vec![],
        rfs_time: vec![],
        rfs_event: vec![],
        covariates: vec![],
    };
    for rec in r.records() {
        let rec = rec.unwrap();
        let g = |name: &str| rec[col(name)].parse::<f64>().unwrap();
        let size = &rec[col("size")];
        let sc = match size {
            "<=20" => 0,
            "20-50" => 1,
            ">50" => 2,
            _ => panic!("size {size}"),
        };
        let recur = g("recur") == 1.0;
        out.year.push(g("year"));
        out.nodes.push(g("nodes"));
        out.grade.push(g("grade"));
        out.size_code.push(sc);
        out.rfs_event.push(recur || g("death") == 1.0);
        out.rfs_time
            .push(if recur { g("rtime") } else { g("dtime") });
        out.covariates.push(vec![
            g("age"),
            g("meno"),
            f64::from(u8::from(sc == 1)),
            f64::from(u8::from(sc == 2)),
            f64::from(u8::from(g("grade") == 3.0)),
            (-0.12 * g("nodes")).exp(),
            (g("pgr") + 1.0).ln(),
            (g("er") + 1.0).ln(),
            g("hormon"),
            g("chemo"),
        ]);
    }
    out
}
