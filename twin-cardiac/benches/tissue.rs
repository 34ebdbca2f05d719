//! Tissue benchmarks.
//!
//! * `ms_sheet_160k_100ms`: Mitchell–Schaeffer on a 10 × 10 cm sheet at
//!   0.25 mm (400 × 400 = 160,000 nodes), anisotropic (D_l 0.1, D_t 0.025
//!   mm²/ms, fibres at 30° so the 9-point stencil is exercised), dt 0.1 ms,
//!   a planar wave crossing the sheet. We time 100 ms of activity and
//!   extrapolate ×10 for the "1 s of activity" target (< 10 s on 2
//!   cores); the cost per step hardly depends on the activity pattern.
//!   `_axis_aligned`: the same with fibres along x (5-point stencil).
//! * `crn_sheet_10k_10ms`: Courtemanche on a 100 × 100 sheet, dt 0.02 ms, to
//!   report a per-node-step cost for the ionic model (the single-cell
//!   Courtemanche benches and the lookup-table sheet are in `benches/cell.rs`).
//! * `crn_sheet_160k_20ms/*`: the tabulated Courtemanche model on the
//!   160,000-node sheet (D 0.1 / 0.025 mm²/ms), a planar wave launched at
//!   x = 0, 20 ms simulated: whole steps at the cell model's limit of 0.05 ms
//!   (the path before ionic substeps) against 0.1 and 0.2 ms steps with ionic
//!   substeps (ΔV per substep 2.5 mV per ms of step, as in
//!   `tests/crn_tissue.rs`). Throughput is in node-steps per second; the time
//!   per iteration compares the same simulated span. The `crn_sheet` example
//!   runs the full 1 s.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use twin_cardiac::cell::{CellModel, Courtemanche, CourtemancheLut, MitchellSchaeffer};
use twin_cardiac::tissue::{Monodomain, Site, Stimulus, Substrate};

/// A 400 × 400 sheet of `model` at 0.25 mm (D 0.1 / 0.025 mm²/ms, fibres
/// at `fibre_angle_deg`), step `dt_ms`, with a planar stimulus along the
/// x = 0 edge.
fn sheet_160k<M: CellModel + Clone>(model: M, dt_ms: f64, fibre_angle_deg: f64) -> Monodomain<M> {
    let sub = Substrate::sheet(400, 400, 0.25, 0.1, 0.025, fibre_angle_deg.to_radians()).unwrap();
    let pulse = model.default_stimulus();
    let mut md = Monodomain::new(sub, vec![model], dt_ms).unwrap();
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [0.0, 0.0, -1.0],
            max_mm: [1.0, 100.0, 1.0],
        },
        0.0,
        1000.0,
        1,
        pulse,
    ))
    .unwrap();
    md
}

fn ms_sheet(c: &mut Criterion) {
    let mut g = c.benchmark_group("tissue");
    g.sample_size(10);
    // Setup (operator assembly, ~0.1 s) is excluded: only the time stepping
    // scales with the simulated duration.
    for (name, angle) in [
        ("ms_sheet_160k_100ms", 30.0),
        ("ms_sheet_160k_100ms_axis_aligned", 0.0),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || sheet_160k(MitchellSchaeffer::default(), 0.1, angle),
                |mut md| {
                    md.run(100.0);
                    md.v_at(0)
                },
                BatchSize::PerIteration,
            )
        });
    }
    let crn = Courtemanche::default();
    let sub = Substrate::sheet(100, 100, 0.25, 0.1, 0.1, 0.0).unwrap();
    g.bench_function("crn_sheet_10k_10ms", |b| {
        b.iter(|| {
            let mut md = Monodomain::new(sub.clone(), vec![crn], 0.02).unwrap();
            md.run(10.0);
            md.v()[0]
        })
    });
    g.finish();
}

fn crn_sheet(c: &mut Criterion) {
    let (model, bin) = (Courtemanche::default(), CourtemancheLut::DEFAULT_BIN_MV);
    let span_ms = 20.0;
    let mut g = c.benchmark_group("crn_sheet_160k_20ms");
    g.sample_size(10);
    let variants = [
        (
            "plain_dt0.05",
            CourtemancheLut::new(model, 0.05, bin).unwrap(),
        ),
        (
            "substeps_dt0.1",
            CourtemancheLut::with_ionic_substeps(model, 0.1, bin, 0.25).unwrap(),
        ),
        (
            "substeps_dt0.2",
            CourtemancheLut::with_ionic_substeps(model, 0.2, bin, 0.5).unwrap(),
        ),
    ];
    for (name, crn) in variants {
        let node_steps = 160_000 * (span_ms / crn.dt_ms()).round() as u64;
        g.throughput(Throughput::Elements(node_steps));
        g.bench_function(name, |b| {
            b.iter_batched(
                || sheet_160k(crn.clone(), crn.dt_ms(), 0.0),
                |mut md| {
                    md.run(span_ms);
                    md.v_at(0)
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, ms_sheet, crn_sheet);
criterion_main!(benches);
