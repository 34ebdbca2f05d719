//! One virtual glioblastoma patient end to end (in silico).
//!
//! Usage: `cargo run --release --example glioma_twin [OUT_DIR]` (default `out/glioma_twin`).
//! Truth: proliferation–invasion on the **1 mm** MNI152 atlas (crop around the lesion)
//! with known `D_white`, ρ, α (α/β = 8 Gy; the twin assumes 10); two pre-treatment
//! scans (T1Gd radius 10 mm, then 60 days later) with boundary noise. Twin: the
//! **2 mm** atlas, calibrated from those two scans; forecasts three radiotherapy
//! schedules and 60 Gy/30 + temozolomide (Stupp 2005) ranked by Days Gained with the
//! prior α. The truth then receives 60 Gy/30; a noisy post-RT scan 150 days after
//! the first fraction updates α (prior → posterior), and the delivered plan is
//! re-forecast with the posterior. Writes SVG slices (observed vs twin labels at
//! scan 2). Last stdout line: JSON summary.

use std::path::{Path, PathBuf};

use patient_twin::core::pde::{Grid, analysis, plot};
use patient_twin::oncology::glioma::model::{
    GliomaSim, Temozolomide, TreatmentOptions, TreatmentPlan, label_map,
};
use patient_twin::oncology::glioma::synthetic::{noisy_scan, virtual_scans};
use patient_twin::oncology::glioma::twin::{CalibrationOptions, calibrate};
use patient_twin::oncology::glioma::{BrainTissue, GrowthParams, LqParams, Schedule};
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
    // α one prior log-sd (0.25) above the population median at the true ρ.
    let truth_lq = LqParams {
        alpha_per_gy: LqParams::prior_alpha_for_rho(truth.rho_per_day) * 0.25f64.exp(),
        alpha_beta_gy: 8.0,
    };
    let (scans, c_true) =
        virtual_scans(&truth_tissue, &truth, seed_mm, 10.0, &[60.0], 0.3, &mut rng)?;
    // Scans live in atlas space: embed the crop's labels in the full 1 mm grid.
    let scans = scans
        .into_iter()
        .map(|s| embed(&s, &truth_tissue.domain.grid, &fine.domain.grid))
        .collect::<Result<Vec<_>, _>>()?;
    let mut twin = calibrate(&coarse, &scans, &CalibrationOptions::default())?;
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
    let standard = TreatmentPlan::radiotherapy(Schedule::standard());
    let plans = [
        standard.clone(),
        TreatmentPlan::radiotherapy(Schedule::hypofractionated()),
        TreatmentPlan::radiotherapy(Schedule::rockne_2010()),
        standard
            .clone()
            .with_tmz(Temozolomide::stupp_2005(&Schedule::standard())?),
    ];
    let rt_day = scans[1].day + 14.0;
    let treatment = TreatmentOptions::default();
    let outcomes = twin.forecast_plans(&coarse, rt_day, &plans, &treatment)?;
    println!(
        "forecasts with the prior α = {:.4}/Gy:",
        twin.lq.alpha_per_gy
    );
    for o in &outcomes {
        println!(
            "  {:<14} DG {:6.1} d  TTP {:?}",
            o.schedule,
            o.days_gained,
            o.time_to_progression_days.map(|t| t.round())
        );
    }
    // The truth receives 60 Gy/30; a post-RT scan updates α.
    let post_day = rt_day + 150.0;
    let mut c_post = c_true.clone();
    let mut truth_sim = GliomaSim::new(&truth_tissue, &truth)?;
    truth_sim.grow(&mut c_post, rt_day - scans[1].day)?;
    truth_sim.deliver(
        &mut c_post,
        &standard,
        &truth_lq,
        treatment.ptv_margin_mm,
        post_day - rt_day,
        None,
    )?;
    let post = noisy_scan(post_day, truth_tissue.domain.grid, &c_post, 0.3, &mut rng)?;
    let post = embed(&post, &truth_tissue.domain.grid, &fine.domain.grid)?;
    let t_update = std::time::Instant::now();
    let alpha = twin.update_alpha(&coarse, rt_day, &standard, &post, &treatment)?;
    let update_seconds = t_update.elapsed().as_secs_f64();
    println!(
        "α: true {:.4}; prior {:.4} [{:.4}, {:.4}]; posterior {:.4} [{:.4}, {:.4}] from the day-{} scan (radii T1Gd/FLAIR observed {:.1}/{:.1} mm, fitted {:.1}/{:.1}) in {update_seconds:.1} s",
        truth_lq.alpha_per_gy,
        alpha.prior.estimate,
        alpha.prior.lower,
        alpha.prior.upper,
        alpha.posterior.estimate,
        alpha.posterior.lower,
        alpha.posterior.upper,
        post_day - rt_day,
        alpha.observed_radii_mm[0],
        alpha.observed_radii_mm[1],
        alpha.predicted_radii_mm[0],
        alpha.predicted_radii_mm[1],
    );
    // The delivered plan re-forecast at the posterior median and interval ends (DG is
    // monotone in α: an interval from the α uncertainty alone, D and ρ at their fit).
    let mut dg_posterior = [0.0; 3];
    for (dg, a) in dg_posterior.iter_mut().zip([
        alpha.posterior.lower,
        alpha.posterior.estimate,
        alpha.posterior.upper,
    ]) {
        let mut t = twin.clone();
        t.lq.alpha_per_gy = a;
        *dg = t.forecast_plans(&coarse, rt_day, std::slice::from_ref(&standard), &treatment)?[0]
            .days_gained;
    }
    println!(
        "  60Gy/30 with the posterior α: DG {:.1} d (95%: {:.1} to {:.1})",
        dg_posterior[1], dg_posterior[0], dg_posterior[2]
    );
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
        "alpha_true_per_gy": truth_lq.alpha_per_gy,
        "alpha_prior": {"estimate": alpha.prior.estimate, "ci95": [alpha.prior.lower, alpha.prior.upper]},
        "alpha_posterior": {"estimate": alpha.posterior.estimate, "ci95": [alpha.posterior.lower, alpha.posterior.upper], "scan_days_after_rt_start": post_day - rt_day},
        "alpha_update_seconds": update_seconds,
        "days_gained_60Gy30_posterior": {"estimate": dg_posterior[1], "ci95": [dg_posterior[0], dg_posterior[2]]},
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
