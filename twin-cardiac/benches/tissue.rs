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

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use twin_cardiac::cell::{CellModel, Courtemanche, MitchellSchaeffer};
use twin_cardiac::tissue::{Monodomain, Site, Stimulus, Substrate};

/// A 400 × 400 Mitchell–Schaeffer sheet at 0.25 mm, dt 0.1 ms, with a
/// planar stimulus along the x = 0 edge.
fn ms_sheet_160k(fibre_angle_deg: f64) -> Monodomain<MitchellSchaeffer> {
    let ms = MitchellSchaeffer::default();
    let sub = Substrate::sheet(400, 400, 0.25, 0.1, 0.025, fibre_angle_deg.to_radians()).unwrap();
    let mut md = Monodomain::new(sub, vec![ms], 0.1).unwrap();
    md.add_stimulus(Stimulus::train(
        Site::Box {
            min_mm: [0.0, 0.0, -1.0],
            max_mm: [1.0, 100.0, 1.0],
        },
        0.0,
        1000.0,
        1,
        ms.default_stimulus(),
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
                || ms_sheet_160k(angle),
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

criterion_group!(benches, ms_sheet);
criterion_main!(benches);
