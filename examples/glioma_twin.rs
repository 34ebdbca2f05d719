//! One glioblastoma patient end to end: calibrate the twin from two pre-treatment
//! scans, rank radiotherapy schedules by Days Gained, update α from a post-RT scan,
//! and draw the twin's labels next to the observed ones.
//!
//! Usage:
//! * `cargo run --release --example glioma_twin -- [--out DIR]`: an in-silico patient
//!   (default). Truth: proliferation–invasion on the **1 mm** MNI152 atlas with known
//!   `D_white`, ρ, α (α/β = 8 Gy; the twin assumes 10); two scans (T1Gd radius 10 mm,
//!   then 60 days later) with 30% boundary-voxel flips. The truth receives 60 Gy/30 and
//!   a noisy scan 150 days after the first fraction follows. The scans are written to
//!   `DIR` as NIfTI label maps and read back, as your own would be.
//! * `cargo run --release --example glioma_twin -- --scan FILE DAY --scan FILE DAY
//!   [--post FILE DAY] [--rt-day DAY] [--out DIR]`: your own segmentations, NIfTI label
//!   maps in MNI152 (2009, 1 mm or 2 mm) space, 0 normal, 1 FLAIR only, 2 enhancing;
//!   `--post` is a scan after 60 Gy/30 started on `--rt-day` (default: last scan + 14).
//!
//! The twin runs on the **2 mm** atlas; it forecasts 60 Gy/30, 40 Gy/15, 61.2 Gy/34 and
//! 60 Gy/30 + temozolomide (Stupp 2005) with the prior α and 95% prediction intervals
//! (α, D and ρ uncertainty), then the delivered plan with the posterior α. Writes the scans (in-silico run), `observed_last_scan.svg` and
//! `twin_last_scan.svg` (coronal slices through the fitted seed) and `twin.json`. The
//! last stdout line is a JSON summary (`true` values are null for your own scans).

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example glioma_twin -- [--scan FILE DAY --scan FILE DAY [--post FILE DAY] [--rt-day DAY]] [--out DIR]";

use std::path::{Path, PathBuf};
use std::time::Instant;

use patient_twin::core::pde::{analysis, plot};
use patient_twin::oncology::glioma::model::label_map;
use patient_twin::oncology::glioma::synthetic::{noisy_scan, virtual_scans};
use patient_twin::oncology::glioma::{
    BrainTissue, CalibratedTwin, CalibrationOptions, GliomaSim, GrowthParams, LqParams, Schedule,
    Segmentation, Temozolomide, TreatmentOptions, TreatmentPlan, calibrate, twin::PosteriorOptions,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde_json::json;

type Error = Box<dyn std::error::Error>;

/// What the in-silico run knows and the twin does not.
struct Truth {
    growth: GrowthParams,
    lq: LqParams,
}

struct Input {
    scans: Vec<Segmentation>,
    post: Option<Segmentation>,
    rt_day: f64,
    truth: Option<Truth>,
}

fn main() -> Result<(), Error> {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = PathBuf::from("out/glioma_twin");
    let (mut scan_args, mut post_arg, mut rt_day) = (Vec::new(), None, None);
    let mut i = 0;
    while i < args.len() {
        let arg = |k: usize| {
            args.get(i + k)
                .cloned()
                .ok_or_else(|| format!("{} needs {k} value(s)", args[i]))
        };
        match args[i].as_str() {
            "--out" => {
                out = PathBuf::from(arg(1)?);
                i += 2;
            }
            "--rt-day" => {
                rt_day = Some(arg(1)?.parse::<f64>()?);
                i += 2;
            }
            "--scan" | "--post" => {
                let s = (PathBuf::from(arg(1)?), arg(2)?.parse::<f64>()?);
                if args[i] == "--scan" {
                    scan_args.push(s);
                } else {
                    post_arg = Some(s);
                }
                i += 3;
            }
            other => {
                cli::path_argument(other, USAGE)?;
                eprintln!("usage: {USAGE}");
                return Err(format!("unexpected argument `{other}`").into());
            }
        }
    }
    std::fs::create_dir_all(&out)?;
    let atlas = Path::new("data/mni152");
    let input = if scan_args.is_empty() {
        in_silico_patient(atlas, &out)?
    } else {
        let scans = scan_args
            .iter()
            .map(|(p, d)| Segmentation::read_nifti(p, *d))
            .collect::<Result<Vec<_>, _>>()?;
        let post = post_arg
            .map(|(p, d)| Segmentation::read_nifti(p, d))
            .transpose()?;
        let last = scans.last().map_or(0.0, |s| s.day);
        Input {
            scans,
            post,
            rt_day: rt_day.unwrap_or(last + 14.0),
            truth: None,
        }
    };
    let coarse = BrainTissue::load_mni152(atlas, 2)?;
    let mut twin = calibrate(&coarse, &input.scans, &CalibrationOptions::default())?;
    println!(
        "calibrated in {:.1} s: D_white {:.3} [{:.3}, {:.3}] mm²/day, ρ {:.4} [{:.4}, {:.4}] /day \
         (travelling-wave start {:.3}, {:.4}); seed {:.1?} mm, {:.0} days before the first scan",
        twin.calibration_seconds,
        twin.growth.diffusion_white_mm2_per_day,
        twin.intervals[0].lower,
        twin.intervals[0].upper,
        twin.growth.rho_per_day,
        twin.intervals[1].lower,
        twin.intervals[1].upper,
        twin.analytic_start.diffusion_white_mm2_per_day,
        twin.analytic_start.rho_per_day,
        twin.seed_mm,
        twin.onset_to_first_scan_days
    );
    if let Some(t) = &input.truth {
        println!(
            "  truth (in silico): D_white {:.3}, ρ {:.4}, α {:.4}/Gy",
            t.growth.diffusion_white_mm2_per_day, t.growth.rho_per_day, t.lq.alpha_per_gy
        );
    }
    let standard = TreatmentPlan::radiotherapy(Schedule::standard());
    let plans = [
        standard.clone(),
        TreatmentPlan::radiotherapy(Schedule::hypofractionated()),
        TreatmentPlan::radiotherapy(Schedule::rockne_2010()),
        standard
            .clone()
            .with_tmz(Temozolomide::stupp_2005(&Schedule::standard())?),
    ];
    let treatment = TreatmentOptions::default();
    let t = Instant::now();
    let forecasts = twin.forecast_plans_with_intervals(
        &coarse,
        input.rt_day,
        &plans,
        &treatment,
        &PosteriorOptions::default(),
    )?;
    println!(
        "forecasts from day {} with the prior α = {:.4}/Gy, 95% prediction intervals from α, D and ρ ({:.1} s), best first:",
        input.rt_day,
        twin.lq.alpha_per_gy,
        t.elapsed().as_secs_f64()
    );
    for f in &forecasts {
        let o = &f.outcome;
        println!(
            "  {:<14} Days Gained {:6.1} [{:6.1}, {:6.1}]  time to progression {:?} days",
            o.schedule,
            o.days_gained,
            f.days_gained_ci95[0],
            f.days_gained_ci95[1],
            o.time_to_progression_days.map(|t| t.round())
        );
    }
    let alpha = match &input.post {
        Some(post) => Some(update_alpha(
            &mut twin, &coarse, &input, post, &standard, &treatment,
        )?),
        None => None,
    };
    let last = input.scans.last().ok_or("no scans")?;
    write_slices(&out, &coarse, &twin, last)?;
    std::fs::write(out.join("twin.json"), serde_json::to_string_pretty(&twin)?)?;
    let iv = |i: usize| [twin.intervals[i].lower, twin.intervals[i].upper];
    let truth = input.truth.as_ref();
    let summary = json!({
        "in_silico": truth.is_some(),
        "D_mm2_per_day": {"true": truth.map(|t| t.growth.diffusion_white_mm2_per_day),
            "fitted": twin.growth.diffusion_white_mm2_per_day, "ci95": iv(0)},
        "rho_per_day": {"true": truth.map(|t| t.growth.rho_per_day),
            "fitted": twin.growth.rho_per_day, "ci95": iv(1)},
        "seed_mm": twin.seed_mm,
        "calibration_seconds": twin.calibration_seconds,
        "days_gained": forecasts.iter()
            .map(|f| (f.outcome.schedule.clone(), json!({"estimate": f.outcome.days_gained, "ci95": f.days_gained_ci95})))
            .collect::<serde_json::Map<_, _>>(),
        "alpha_true_per_gy": truth.map(|t| t.lq.alpha_per_gy),
        "alpha_update": alpha,
        "seconds": started.elapsed().as_secs_f64(),
    });
    println!("{summary}");
    Ok(())
}

/// The in-silico patient: truth on the 1 mm atlas, scans written as NIfTI and read back.
fn in_silico_patient(atlas: &Path, out: &Path) -> Result<Input, Error> {
    let fine = BrainTissue::load_mni152(atlas, 1)?;
    let growth = GrowthParams {
        diffusion_white_mm2_per_day: 0.25,
        rho_per_day: 0.025,
        white_grey_ratio: 10.0,
    };
    // α one prior log-sd (0.25) above the population median at the true ρ.
    let lq = LqParams {
        alpha_per_gy: LqParams::prior_alpha_for_rho(growth.rho_per_day) * 0.25f64.exp(),
        alpha_beta_gy: 8.0,
    };
    let origin_mm = [-26.0, -12.0, 24.0]; // left centrum semiovale (white matter)
    let tissue = fine.crop(origin_mm, 55.0)?;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (scans, mut c) = virtual_scans(&tissue, &growth, origin_mm, 10.0, &[60.0], 0.3, &mut rng)?;
    let last_day = scans.last().map_or(0.0, |s| s.day);
    let (rt_day, post_day) = (last_day + 14.0, last_day + 14.0 + 150.0);
    let mut sim = GliomaSim::new(&tissue, &growth)?;
    sim.grow(&mut c, rt_day - last_day)?;
    let standard = TreatmentPlan::radiotherapy(Schedule::standard());
    sim.deliver(
        &mut c,
        &standard,
        &lq,
        TreatmentOptions::default().ptv_margin_mm,
        post_day - rt_day,
        None,
    )?;
    let post = noisy_scan(post_day, tissue.domain.grid, &c, 0.3, &mut rng)?;
    // Scans live in atlas space: place the crop's labels in the full 1 mm grid, write
    // them as the NIfTI files a user would pass, and read them back.
    let round_trip = |s: &Segmentation, name: String| -> Result<Segmentation, Error> {
        let path = out.join(name);
        s.embed(&fine.domain.grid)?.write_nifti(&path)?;
        println!("wrote {}", path.display());
        Ok(Segmentation::read_nifti(&path, s.day)?)
    };
    let scans = scans
        .iter()
        .map(|s| round_trip(s, format!("scan_day{}.nii.gz", s.day)))
        .collect::<Result<Vec<_>, _>>()?;
    let post = round_trip(&post, format!("post_rt_day{post_day}.nii.gz"))?;
    Ok(Input {
        scans,
        post: Some(post),
        rt_day,
        truth: Some(Truth { growth, lq }),
    })
}

/// α from the post-RT scan, and the delivered plan re-forecast at the posterior
/// median and interval ends (DG is monotone in α: an interval from the α uncertainty
/// alone, D and ρ at their fit).
fn update_alpha(
    twin: &mut CalibratedTwin,
    tissue: &BrainTissue,
    input: &Input,
    post: &Segmentation,
    delivered: &TreatmentPlan,
    treatment: &TreatmentOptions,
) -> Result<serde_json::Value, Error> {
    let t = Instant::now();
    let a = twin.update_alpha(tissue, input.rt_day, delivered, post, treatment)?;
    let seconds = t.elapsed().as_secs_f64();
    println!(
        "α from the day-{} scan ({seconds:.1} s): prior {:.4} [{:.4}, {:.4}] → posterior {:.4} [{:.4}, {:.4}] /Gy \
         (T1Gd/FLAIR radii observed {:.1}/{:.1} mm, fitted {:.1}/{:.1})",
        post.day,
        a.prior.estimate,
        a.prior.lower,
        a.prior.upper,
        a.posterior.estimate,
        a.posterior.lower,
        a.posterior.upper,
        a.observed_radii_mm[0],
        a.observed_radii_mm[1],
        a.predicted_radii_mm[0],
        a.predicted_radii_mm[1],
    );
    let dg = [a.posterior.lower, a.posterior.estimate, a.posterior.upper]
        .par_iter()
        .map(|&alpha| {
            let mut t = twin.clone();
            t.lq.alpha_per_gy = alpha;
            let o = t.forecast_plans(
                tissue,
                input.rt_day,
                std::slice::from_ref(delivered),
                treatment,
            )?;
            Ok(o[0].days_gained)
        })
        .collect::<Result<Vec<f64>, patient_twin::oncology::OncologyError>>()?;
    println!(
        "  {} with the posterior α: Days Gained {:.1} (95%: {:.1} to {:.1})",
        delivered.schedule.name, dg[1], dg[0], dg[2]
    );
    Ok(json!({
        "prior": {"estimate": a.prior.estimate, "ci95": [a.prior.lower, a.prior.upper]},
        "posterior": {"estimate": a.posterior.estimate, "ci95": [a.posterior.lower, a.posterior.upper]},
        "scan_day": post.day,
        "seconds": seconds,
        "delivered_days_gained": {"estimate": dg[1], "ci95": [dg[0], dg[2]]},
    }))
}

/// Coronal slices through the fitted seed at the last scan: the observed labels (scan
/// grid) and the twin's (2 mm), over the same field of view; grey outside the atlas
/// tissue mask.
fn write_slices(
    out: &Path,
    atlas: &BrainTissue,
    twin: &CalibratedTwin,
    scan: &Segmentation,
) -> Result<(), Error> {
    let (crop, c) = twin.density_at(atlas, scan.day, 0.0)?;
    // The observed labels over the twin's field of view.
    let g = &crop.domain.grid;
    let far = g.centre_mm(g.shape[0] - 1, g.shape[1] - 1, g.shape[2] - 1);
    let [lo, hi] = [g.origin_mm, far].map(|p| {
        let v = scan.grid.voxel_coords(p);
        std::array::from_fn::<usize, 3, _>(|a| {
            (v[a].round().max(0.0) as usize).min(scan.grid.shape[a] - 1)
        })
    });
    let observed = scan
        .labels()
        .slice(ndarray::s![lo[0]..=hi[0], lo[1]..=hi[1], lo[2]..=hi[2]])
        .mapv(f64::from);
    let mut view = scan.grid;
    view.shape = std::array::from_fn(|a| hi[a] - lo[a] + 1);
    view.origin_mm = scan.grid.centre_mm(lo[0], lo[1], lo[2]);
    let view_mask = ndarray::Array3::from_shape_fn(view.shape, |(i, j, k)| {
        atlas.is_tissue(view.centre_mm(i, j, k))
    });
    let twin_labels = label_map(&c).mapv(f64::from);
    for (name, grid, labels, mask) in [
        ("observed_last_scan.svg", &view, &observed, &view_mask),
        (
            "twin_last_scan.svg",
            &crop.domain.grid,
            &twin_labels,
            &crop.domain.mask,
        ),
    ] {
        let j = grid.voxel_coords(twin.seed_mm)[1].round() as usize;
        let slice = analysis::slice(labels, analysis::SliceAxis::Y, j)?;
        let mask = analysis::slice(mask, analysis::SliceAxis::Y, j)?;
        let h = grid.spacing_mm[0];
        let opts = plot::HeatmapOptions {
            pixel_mm: [h, h],
            range: Some((0.0, 2.0)),
            title: format!("{name} (day {}): 0 normal, 1 FLAIR, 2 T1Gd", scan.day),
            ..Default::default()
        };
        plot::write_heatmap_svg(&out.join(name), &slice, Some(&mask), &opts)?;
    }
    Ok(())
}
