//! Speed of the concordance indices, bootstrap AUC and the Cox fit.
//! Peer: lifelines 0.30.3 / scikit-survival 0.28.0 / scikit-learn 1.9.1 on the same data,
//! `benches/peers/survival_peers.py` (same deterministic data generator as `data` below).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use twin_validate::baseline::{CoxOptions, CoxPh};
use twin_validate::binary::auc;
use twin_validate::bootstrap::{BootstrapConfig, bootstrap, strata_from_labels};
use twin_validate::survival::{harrell_c, uno_c};

/// Deterministic survival data with tied integer times: t_i = 1 + (7919 i mod 5000) days,
/// event when (31 i mod 10) < 6, risk_i = frac(0.6180339887 i) − t_i / 5000.
/// The Python peer builds the identical arrays.
fn data(n: usize) -> (Vec<f64>, Vec<bool>, Vec<f64>) {
    let t: Vec<f64> = (0..n).map(|i| 1.0 + ((7919 * i) % 5000) as f64).collect();
    let e: Vec<bool> = (0..n).map(|i| (31 * i) % 10 < 6).collect();
    let r: Vec<f64> = (0..n)
        .map(|i| (0.6180339887 * i as f64).fract() - t[i] / 5000.0)
        .collect();
    (t, e, r)
}

fn concordance(c: &mut Criterion) {
    let mut g = c.benchmark_group("concordance");
    g.sample_size(10);
    for n in [10_000usize, 1_000_000] {
        let (t, e, r) = data(n);
        g.bench_with_input(BenchmarkId::new("harrell_c", n), &n, |b, _| {
            b.iter(|| harrell_c(black_box(&t), &e, &r).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("uno_c_tau_2500", n), &n, |b, _| {
            b.iter(|| uno_c(black_box(&t), &e, &r, Some(2500.0), None).unwrap())
        });
    }
    g.finish();
}

fn bootstrap_auc(c: &mut Criterion) {
    let n = 10_000;
    let (_, y, s) = data(n);
    let strata = strata_from_labels(&y);
    let cfg = BootstrapConfig {
        replicates: 1000,
        seed: 1,
        ..Default::default()
    };
    let mut g = c.benchmark_group("bootstrap");
    g.sample_size(10);
    g.bench_function("auc_1000_replicates_n10000", |b| {
        b.iter(|| {
            bootstrap(n, Some(&strata), &cfg, |idx| {
                let yy: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
                let ss: Vec<f64> = idx.iter().map(|&i| s[i]).collect();
                auc(&yy, &ss)
            })
            .unwrap()
        })
    });
    g.finish();
}

fn cox_rotterdam(c: &mut Criterion) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/breast/rotterdam.csv");
    let mut rd = csv::Reader::from_path(path).unwrap();
    let h = rd.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (mut x, mut t, mut e) = (vec![], vec![], vec![]);
    for rec in rd.records() {
        let rec = rec.unwrap();
        let g = |name: &str| rec[col(name)].parse::<f64>().unwrap();
        let size = &rec[col("size")];
        let b = |c: bool| f64::from(u8::from(c));
        x.push(vec![
            g("age"),
            g("meno"),
            b(size == "20-50"),
            b(size == ">50"),
            b(g("grade") == 3.0),
            (-0.12 * g("nodes")).exp(),
            (g("pgr") + 1.0).ln(),
            (g("er") + 1.0).ln(),
            g("hormon"),
            g("chemo"),
        ]);
        let recur = g("recur") == 1.0;
        e.push(recur || g("death") == 1.0);
        t.push(if recur { g("rtime") } else { g("dtime") });
    }
    c.bench_function("cox_efron_rotterdam_10_covariates", |b| {
        b.iter(|| CoxPh::fit(black_box(&x), &t, &e, &CoxOptions::default()).unwrap())
    });
}

criterion_group!(benches, concordance, bootstrap_auc, cox_rotterdam);
criterion_main!(benches);
