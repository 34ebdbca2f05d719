//! Tour section "glioma": an in-silico glioblastoma patient on the MNI152 atlas.
//!
//! Truth: proliferation–invasion on a 1 mm atlas crop with known `D_white`, ρ; two
//! pre-treatment scans 45 days apart with boundary noise. Twin: the 2 mm atlas,
//! calibrated from the scans (travelling-wave start + PDE fit, Laplace intervals),
//! then three radiotherapy schedules ranked by Days Gained (Neal 2013).

use std::path::Path;

use patient_twin::oncology::glioma::model::TreatmentOptions;
use patient_twin::oncology::glioma::synthetic::virtual_scans;
use patient_twin::oncology::glioma::twin::{CalibrationOptions, calibrate};
use patient_twin::oncology::glioma::{BrainTissue, GrowthParams, Schedule, Segmentation};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

pub fn run(out_dir: &Path) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let atlas = Path::new("data/mni152");
    let fine = BrainTissue::load_mni152(atlas, 1)?;
    let coarse = BrainTissue::load_mni152(atlas, 2)?;
    let truth = GrowthParams {
        diffusion_white_mm2_per_day: 0.4,
        rho_per_day: 0.04,
        white_grey_ratio: 10.0,
    };
    let seed_mm = [-26.0, -12.0, 24.0]; // left centrum semiovale
    let crop = fine.crop(seed_mm, 40.0)?;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (scans, _) = virtual_scans(&crop, &truth, seed_mm, 8.0, &[45.0], 0.3, &mut rng)?;
    let o = fine
        .domain
        .grid
        .voxel_coords(crop.domain.grid.origin_mm)
        .map(|x| x.round() as usize);
    let scans: Vec<Segmentation> = scans
        .iter()
        .map(|s| {
            let mut t1 = ndarray::Array3::from_elem(fine.domain.grid.shape, false);
            let mut fl = t1.clone();
            for ((i, j, k), &f) in s.flair.indexed_iter() {
                fl[[o[0] + i, o[1] + j, o[2] + k]] = f;
                t1[[o[0] + i, o[1] + j, o[2] + k]] = s.t1gd[[i, j, k]];
            }
            Segmentation {
                day: s.day,
                grid: fine.domain.grid,
                t1gd: t1,
                flair: fl,
            }
        })
        .collect();
    let twin = calibrate(&coarse, &scans, &CalibrationOptions::default())?;
    println!(
        "  in silico: truth D {:.3} mm²/day, ρ {:.4}/day; twin D {:.3} [{:.3}, {:.3}], ρ {:.4} [{:.4}, {:.4}] in {:.1} s",
        truth.diffusion_white_mm2_per_day,
        truth.rho_per_day,
        twin.growth.diffusion_white_mm2_per_day,
        twin.intervals[0].lower,
        twin.intervals[0].upper,
        twin.growth.rho_per_day,
        twin.intervals[1].lower,
        twin.intervals[1].upper,
        twin.calibration_seconds
    );
    let schedules = [
        Schedule::standard(),
        Schedule::hypofractionated(),
        Schedule::rockne_2010(),
    ];
    let outcomes = twin.forecast_schedules(
        &coarse,
        scans[1].day + 14.0,
        &schedules,
        &TreatmentOptions::default(),
    )?;
    for o in &outcomes {
        println!(
            "  {:<10} predicted Days Gained {:6.1}",
            o.schedule, o.days_gained
        );
    }
    std::fs::write(
        out_dir.join("glioma_twin.json"),
        serde_json::to_string_pretty(&twin)?,
    )?;
    Ok(json!({
        "in_silico": true,
        "D_mm2_per_day": {"true": truth.diffusion_white_mm2_per_day, "fitted": twin.growth.diffusion_white_mm2_per_day},
        "rho_per_day": {"true": truth.rho_per_day, "fitted": twin.growth.rho_per_day},
        "calibration_seconds": twin.calibration_seconds,
        "ranking": outcomes.iter().map(|o| json!({"schedule": o.schedule, "days_gained": o.days_gained})).collect::<Vec<_>>(),
    }))
}
