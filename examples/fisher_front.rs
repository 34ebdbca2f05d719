//! A Fisher–KPP invasion front on a 2D sheet: `u_t = D Δu + ρ u (1 − u)`.
//!
//! Usage: `cargo run --release --example fisher_front [OUT_DIR]` (default
//! `out/fisher_front`). Simulates a radial front from a small seed (one
//! quadrant, the two cut edges being no-flux symmetry planes), measures the
//! front speed between `ρt = 40` and `ρt = 100` along three rays and by the
//! equivalent radius of the invaded area, and compares it with the travelling
//! wave speed `2 √(D ρ)` (Fisher 1937; Kolmogorov, Petrovsky & Piskunov 1937).
//! A radial front from compact data approaches that speed from below, with a
//! lag `≈ (d + 2)/2 · √(D/ρ) ln t` in `d` dimensions, here about 1.5 % over
//! this window. Writes `density.svg` (final density) and `arrival.svg`
//! (days until the density first reached 0.5: the front's history); the last
//! stdout line is a JSON summary.

#[path = "common/cli.rs"]
mod cli;

/// How to call this example (also printed by `--help`).
const USAGE: &str = "cargo run --release --example fisher_front [OUT_DIR]";

use ndarray::Array3;
use patient_twin::core::pde::{
    DiffusionOperator, DiffusionStepper, Domain, Grid, Logistic, analysis, plot,
};

/// Illustrative tumour-cell diffusivity (mm²/day) and proliferation rate (1/day).
const DIFFUSION_MM2_PER_DAY: f64 = 0.2;
const RHO_PER_DAY: f64 = 0.05;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = cli::nth_path(1, "out/fisher_front", USAGE)?;
    std::fs::create_dir_all(&out_dir)?;

    let width_mm = (DIFFUSION_MM2_PER_DAY / RHO_PER_DAY).sqrt();
    let h_mm = 0.5 * width_mm;
    let n = 420;
    let grid = Grid::new_2d(n, n, h_mm, h_mm)?;
    let domain = Domain::full(grid);
    let mut stepper =
        DiffusionStepper::new(DiffusionOperator::uniform(&domain, DIFFUSION_MM2_PER_DAY)?);
    let reaction = Logistic::new(RHO_PER_DAY, 1.0)?;
    let seed_mm = 5.0 * width_mm;
    let mut u = Array3::from_shape_fn(grid.shape, |(i, j, k)| {
        let c = grid.centre_mm(i, j, k);
        if c[0].hypot(c[1]) <= seed_mm {
            1.0
        } else {
            0.0
        }
    });

    let (t1_days, t2_days) = (40.0 / RHO_PER_DAY, 100.0 / RHO_PER_DAY);
    let chunk_days = 20.0;
    let steps = (chunk_days / (0.9 * stepper.stable_dt())).ceil() as usize;
    let dt_days = chunk_days / steps as f64;
    let mut arrival = Array3::from_elem(grid.shape, f64::NAN);
    let rays = [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0]];
    let measure = |u: &Array3<f64>| -> Result<(Vec<f64>, f64), Box<dyn std::error::Error>> {
        let mut radii = Vec::new();
        for dir in rays {
            let r =
                analysis::front_distance_along_ray(&grid, u, [0.0; 3], dir, 0.5, n as f64 * h_mm)?
                    .ok_or("front left the grid")?;
            radii.push(r);
        }
        // One quadrant simulated: the full disc has four times the area.
        let quadrant_mm2 = analysis::volume_above(&domain, u, 0.5)? / grid.spacing_mm[2];
        Ok((radii, (4.0 * quadrant_mm2 / std::f64::consts::PI).sqrt()))
    };
    let mut t_days = 0.0;
    let mut at_t1 = None;
    while t_days < t2_days - 1e-9 {
        stepper.strang_explicit(&mut u, dt_days, steps, &reaction)?;
        t_days += chunk_days;
        for (a, &v) in arrival.iter_mut().zip(u.iter()) {
            if a.is_nan() && v >= 0.5 {
                *a = t_days;
            }
        }
        if (t_days - t1_days).abs() < 1e-9 {
            at_t1 = Some(measure(&u)?);
        }
    }
    let (rays1, eq1) = at_t1.ok_or("t1 not reached")?;
    let (rays2, eq2) = measure(&u)?;
    let span = t2_days - t1_days;
    let ray_speeds: Vec<f64> = rays1
        .iter()
        .zip(&rays2)
        .map(|(a, b)| (b - a) / span)
        .collect();
    let speed_measured = ray_speeds.iter().sum::<f64>() / ray_speeds.len() as f64;
    let speed_area = (eq2 - eq1) / span;
    let speed_theory = 2.0 * (DIFFUSION_MM2_PER_DAY * RHO_PER_DAY).sqrt();

    println!(
        "Fisher–KPP front, D = {DIFFUSION_MM2_PER_DAY} mm²/day, ρ = {RHO_PER_DAY}/day, h = {h_mm:.2} mm, dt = {dt_days:.3} days"
    );
    println!("front radius at {t1_days:.0} days: rays {rays1:.1?} mm, equivalent {eq1:.1} mm");
    println!("front radius at {t2_days:.0} days: rays {rays2:.1?} mm, equivalent {eq2:.1} mm");
    println!("speed along x / diagonal / y rays: {ray_speeds:.4?} mm/day");
    println!("speed (mean of rays): {speed_measured:.4} mm/day; from area: {speed_area:.4} mm/day");
    println!(
        "theory 2√(Dρ) = {speed_theory:.4} mm/day; measured/theory = {:.4}",
        speed_measured / speed_theory
    );

    let sheet = |f: &Array3<f64>| analysis::slice(f, analysis::SliceAxis::Z, 0);
    let density_svg = out_dir.join("density.svg");
    plot::write_heatmap_svg(
        &density_svg,
        &sheet(&u)?,
        None,
        &plot::HeatmapOptions {
            pixel_mm: [h_mm, h_mm],
            range: Some((0.0, 1.0)),
            title: format!("tumour cell density at {t2_days:.0} days (quadrant)"),
            ..Default::default()
        },
    )?;
    let arrival_svg = out_dir.join("arrival.svg");
    let reached = analysis::slice(&arrival.mapv(|a| !a.is_nan()), analysis::SliceAxis::Z, 0)?;
    plot::write_heatmap_svg(
        &arrival_svg,
        &sheet(&arrival)?,
        Some(&reached),
        &plot::HeatmapOptions {
            pixel_mm: [h_mm, h_mm],
            range: Some((0.0, t2_days)),
            title: "days until density ≥ 0.5 (grey: not reached)".into(),
            ..Default::default()
        },
    )?;
    println!(
        "wrote {} and {}",
        density_svg.display(),
        arrival_svg.display()
    );
    println!(
        "{}",
        serde_json::json!({
            "speed_measured_mm_per_day": speed_measured,
            "speed_theory_mm_per_day": speed_theory,
            "speed_from_area_mm_per_day": speed_area,
            "ratio": speed_measured / speed_theory,
            "svg": [density_svg, arrival_svg],
        })
    );
    Ok(())
}
