//! Glioblastoma twin speed on 2 cores (issue 7 asks < 10 s for a year of growth on the
//! 1 mm atlas and < 60 s to calibrate one patient from two scans).
//!
//! * `grow_365_days_1mm`: one year from a 3 mm seed on the full 1 mm MNI152 atlas
//!   (default parameters, explicit Strang steps on the tumour's active sub-box).
//! * `calibrate_two_scans_2mm`: the twin's calibration (travelling-wave start, seed
//!   origin fit, Nelder–Mead on the PDE, Gauss–Newton intervals, seed and onset
//!   intervals; default options) on the **2 mm**
//!   atlas, which is the twin's working grid, from two noisy scans made once, outside
//!   the timing, by a 1 mm truth (D 0.25 mm²/day, ρ 0.025 /day, T1Gd radius 10 mm, then
//!   60 days later) as in `examples/glioma_twin.rs`.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use twin_oncology::glioma::synthetic::virtual_scans;
use twin_oncology::glioma::twin::{CalibrationOptions, calibrate};
use twin_oncology::glioma::{BrainTissue, GliomaSim, GrowthParams};

fn bench(c: &mut Criterion) {
    let atlas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mni152");
    let mut levels = BrainTissue::load_mni152_factors(&atlas, &[1, 2]).expect("atlas");
    let (coarse, fine) = (levels.remove(1), levels.remove(0));
    let mut g = c.benchmark_group("glioma");
    g.sample_size(10);

    let mut sim = GliomaSim::new(&fine, &GrowthParams::default()).expect("model");
    let c0 = sim.seed([-26.0, -12.0, 24.0], 0.5, 3.0).expect("seed");
    g.bench_function("grow_365_days_1mm", |b| {
        b.iter(|| {
            let mut u = c0.clone();
            sim.grow(&mut u, 365.0).expect("grow");
            u
        })
    });

    let truth = GrowthParams {
        diffusion_white_mm2_per_day: 0.25,
        rho_per_day: 0.025,
        white_grey_ratio: 10.0,
    };
    let seed_mm = [-26.0, -12.0, 24.0]; // left centrum semiovale (white matter)
    let (truth_tissue, twin_tissue) = (
        fine.crop(seed_mm, 55.0).expect("crop"),
        coarse.crop(seed_mm, 55.0).expect("crop"),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (scans, _) =
        virtual_scans(&truth_tissue, &truth, seed_mm, 10.0, &[60.0], 0.3, &mut rng).expect("scans");
    let options = CalibrationOptions::default();
    g.bench_function("calibrate_two_scans_2mm", |b| {
        b.iter(|| calibrate(&twin_tissue, &scans, &options).expect("calibrate"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
