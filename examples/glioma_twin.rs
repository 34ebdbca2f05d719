//! One virtual glioblastoma patient end to end (in silico).
//!
//! Usage: `cargo run --release --example glioma_twin [OUT_DIR]` (default `out/glioma_twin`).
//! Truth: proliferation–invasion on the **1 mm** MNI152 atlas (crop around the lesion)
//! with known `D_white`, ρ; two pre-treatment scans (T1Gd radius 10 mm, then 60 days
//! later) with boundary noise. Twin: the **2 mm** atlas, calibrated from those two
//! scans; forecasts three radiotherapy schedules ranked by Days Gained; writes SVG
//! slices (observed vs twin labels at scan 2). Last stdout line: JSON summary.

use std::path::{Path, PathBuf};

use patient_twin::core::pde::{Grid, analysis, plot};
use patient_twin::oncology::glioma::model::{TreatmentOptions, label_map};
use patient_twin::oncology::glioma::synthetic::virtual_scans;
use patient_twin::oncology::glioma::twin::{CalibrationOptions, calibrate};
use patient_twin::oncology::glioma::{BrainTissue, GrowthParams, Schedule};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("out/glioma_twin"));
    std::fs::create_dir_all(&out_dir)?;
    let atlas = Path::new("data/mni152");
    let mut levels = BrainTissue::load_mni152_factors(atlas, &[1, 2])?;
    let (coarse, fine) = (levels.remove(1), levels.remove(0));
    let truth = GrowthParams {
        diffusion_white_mm2_per_day: 0.25,
        rho_per_day: 0.025,
        white_grey_ratio: 10.0,
    };
    let seed_mm = [-26.0, -12.0, 24.0]; // left centrum semiovale (white matter)
    let truth_tissue = fine.crop(seed_mm, 55.0)?;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (scans, c_true) =
        virtual_scans(&truth_tissue, &truth, seed_mm, 10.0, &[60.0], 0.3, &mut rng)?;
    // Scans live in atlas space: embed the crop's labels in the full 1 mm grid.
    let scans = scans
        .into_iter()
        .map(|s| embed(&s, &truth_tissue.domain.grid, &fine.domain.grid))
        .collect::<Result<Vec<_>, _>>()?;
    let twin = calibrate(&coarse, &scans, &CalibrationOptions::default())?;
    println!(
        "truth D {:.3} mm²/day, ρ {:.4}/day; analytic start D {:.3}, ρ {:.4}; fitted D {:.3}, ρ {:.4} in {:.1} s",
        truth.diffusion_white_mm2_per_day,
        truth.rho_per_day,
        twin.analytic_start.diffusion_white_mm2_per_day,
        twin.analytic_start.rho_per_day,
        twin.growth.diffusion_white_mm2_per_day,
        twin.growth.rho_per_day,
        twin.calibration_seconds
    );
    let schedules = [
        Schedule::standard(),
        Schedule::hypofractionated(),
        Schedule::rockne_2010(),
    ];
    let rt_day = scans[1].day + 14.0;
    let outcomes =
        twin.forecast_schedules(&coarse, rt_day, &schedules, &TreatmentOptions::default())?;
    for o in &outcomes {
        println!(
            "  {:<10} DG {:6.1} d  TTP {:?}",
            o.schedule,
            o.days_gained,
            o.time_to_progression_days.map(|t| t.round())
        );
    }
    // SVG: coronal slice through the seed, observed (truth) vs twin labels at scan 2.
    let (crop, c_twin) = twin.density_at(&coarse, scans[1].day, 0.0)?;
    let jt = truth_tissue.domain.grid.voxel_coords(seed_mm)[1].round() as usize;
    let jw = crop.domain.grid.voxel_coords(seed_mm)[1].round() as usize;
    let obs = analysis::slice(
        &label_map(&c_true).mapv(f64::from),
        analysis::SliceAxis::Y,
        jt,
    )?;
    let pred = analysis::slice(
        &label_map(&c_twin).mapv(f64::from),
        analysis::SliceAxis::Y,
        jw,
    )?;
    for (name, v, mask, h) in [
        (
            "observed_scan2.svg",
            obs,
            analysis::slice(&truth_tissue.domain.mask, analysis::SliceAxis::Y, jt)?,
            1.0,
        ),
        (
            "twin_scan2.svg",
            pred,
            analysis::slice(&crop.domain.mask, analysis::SliceAxis::Y, jw)?,
            2.0,
        ),
    ] {
        let opts = plot::HeatmapOptions {
            pixel_mm: [h, h],
            range: Some((0.0, 2.0)),
            title: format!("{name}: 0 normal, 1 FLAIR, 2 T1Gd"),
            ..Default::default()
        };
        plot::write_heatmap_svg(&out_dir.join(name), &v, Some(&mask), &opts)?;
    }
    let iv = |i: usize| [twin.intervals[i].lower, twin.intervals[i].upper];
    let summary = serde_json::json!({
        "in_silico": true,
        "D_mm2_per_day": {"true": truth.diffusion_white_mm2_per_day, "fitted": twin.growth.diffusion_white_mm2_per_day, "ci95": iv(0)},
        "rho_per_day": {"true": truth.rho_per_day, "fitted": twin.growth.rho_per_day, "ci95": iv(1)},
        "calibration_seconds": twin.calibration_seconds,
        "days_gained": outcomes.iter().map(|o| (o.schedule.clone(), serde_json::json!(o.days_gained))).collect::<serde_json::Map<_, _>>(),
    });
    println!("{summary}");
    Ok(())
}

/// Put a segmentation made on a crop into the full atlas grid (same spacing).
fn embed(
    s: &patient_twin::oncology::glioma::Segmentation,
    crop: &Grid,
    full: &Grid,
) -> Result<patient_twin::oncology::glioma::Segmentation, Box<dyn std::error::Error>> {
    let o = full
        .voxel_coords(crop.origin_mm)
        .map(|x| x.round() as usize);
    let mut t1 = ndarray::Array3::from_elem(full.shape, false);
    let mut fl = t1.clone();
    for ((i, j, k), &f) in s.flair.indexed_iter() {
        fl[[o[0] + i, o[1] + j, o[2] + k]] = f;
        t1[[o[0] + i, o[1] + j, o[2] + k]] = s.t1gd[[i, j, k]];
    }
    Ok(patient_twin::oncology::glioma::Segmentation {
        day: s.day,
        grid: *full,
        t1gd: t1,
        flair: fl,
    })
}
