//! Growth on the full 1 mm MNI152 atlas (default parameters, explicit Strang steps
//! on the tumour's active sub-box): one year from a 3 mm seed per iteration.
//! The issue asks for < 10 s on 2 cores.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use twin_oncology::glioma::{BrainTissue, GliomaSim, GrowthParams};

fn bench(c: &mut Criterion) {
    let atlas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mni152");
    let tissue = BrainTissue::load_mni152(&atlas, 1).expect("atlas");
    let mut sim = GliomaSim::new(&tissue, &GrowthParams::default()).expect("model");
    let c0 = sim.seed([-26.0, -12.0, 24.0], 0.5, 3.0).expect("seed");
    let mut g = c.benchmark_group("glioma_1mm_atlas");
    g.sample_size(10);
    g.bench_function("grow_365_days", |b| {
        b.iter(|| {
            let mut u = c0.clone();
            sim.grow(&mut u, 365.0).expect("grow");
            u
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
