//! Shared by the population-fit examples: weighted least squares of a simulator's
//! summaries to published targets (twin-core Nelder–Mead, 3 starts from the current
//! defaults), a printed table of targets, fitted values and z-scores, and
//! `out/<name>/fit.json`.

use patient_twin::core::calibrate::{
    FitOptions, Likelihood, Model, Observations, ParameterSpec, Problem, fit,
};
use serde_json::json;
use std::error::Error;

/// A published target: name, reported value, standard error.
pub type Target = (&'static str, f64, f64);

/// Fit `params` (starting at `initial`) so that `summaries` matches `targets`; print the
/// table; write `out/<name>/fit.json` with `describe(estimate)`. Returns the estimate.
pub fn fit_to_targets<F>(
    name: &str,
    summaries: F,
    params: Vec<ParameterSpec>,
    initial: Vec<f64>,
    targets: &[Target],
    describe: impl Fn(&[f64]) -> serde_json::Value,
) -> Result<Vec<f64>, Box<dyn Error>>
where
    F: Fn(&[f64]) -> Result<Vec<f64>, String> + Sync,
{
    let model = |x: &[f64]| {
        summaries(x)
            .map_err(|e| patient_twin::core::CoreError::invalid("parameters", format!("{x:?}"), e))
    };
    let obs = Observations::new(
        targets.iter().map(|t| t.1).collect(),
        targets.iter().map(|t| t.2).collect(),
    )?;
    let problem = Problem::new(model, params, obs, Likelihood::WeightedLeastSquares)?;
    let started = std::time::Instant::now();
    let best = fit(
        &problem,
        &FitOptions {
            n_starts: 3,
            max_iters: 300,
            tolerance: 1e-4,
            initial: Some(initial),
            ..FitOptions::default()
        },
    )?;
    let fitted = problem.model().predict(&best.estimate)?;
    println!("{name}: fitted in {:.1} s", started.elapsed().as_secs_f64());
    println!(
        "{:48} {:>8} {:>8} {:>8}",
        "target", "reported", "fitted", "z"
    );
    let mut rows = Vec::new();
    for ((target, reported, se), f) in targets.iter().zip(&fitted) {
        println!(
            "{target:48} {reported:8.3} {f:8.3} {:8.2}",
            (f - reported) / se
        );
        rows.push(json!({"target": target, "reported": reported, "se": se, "fitted": f}));
    }
    let fitted_values = describe(&best.estimate);
    println!(
        "\nfitted: {fitted_values}\nobjective (½ Σ z²) {:.3}",
        best.objective
    );
    let summary = json!({"fitted": fitted_values, "targets": rows, "objective": best.objective});
    let out = std::path::Path::new("out").join(name);
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("fit.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    println!("{summary}");
    Ok(best.estimate)
}
