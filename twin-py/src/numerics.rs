//! Vectorised clinical equations and a small PDE entry point, for notebooks and for
//! checking the bindings against published values.

use ndarray::Array3;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use patient_twin::core::pde::{DiffusionOperator, DiffusionStepper, Domain, Grid, Logistic};
use patient_twin::metabolic::kidney::{Sex, egfr_ckd_epi_2021_cr_batch};
use pyo3::prelude::*;

use crate::errors;

/// CKD-EPI 2021 race-free creatinine eGFR (mL/min/1.73 m², Inker et al. 2021) for
/// arrays of serum creatinine (mg/dL; NaN = missing → NaN), age (years, 18–120) and
/// `female` (bool). An invalid present value is an error naming its row.
#[pyfunction]
pub fn egfr_ckd_epi_2021<'py>(
    py: Python<'py>,
    creatinine_mg_dl: PyReadonlyArray1<'py, f64>,
    age_years: PyReadonlyArray1<'py, f64>,
    female: PyReadonlyArray1<'py, bool>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let cr: Vec<Option<f64>> = creatinine_mg_dl
        .as_slice()?
        .iter()
        .map(|&c| (!c.is_nan()).then_some(c))
        .collect();
    let age = age_years.as_slice()?;
    let sex: Vec<Sex> = female
        .as_slice()?
        .iter()
        .map(|&f| if f { Sex::Female } else { Sex::Male })
        .collect();
    let egfr = py
        .detach(|| egfr_ckd_epi_2021_cr_batch(&cr, age, &sex))
        .map_err(errors::input)?;
    Ok(egfr
        .into_iter()
        .map(|e| e.unwrap_or(f64::NAN))
        .collect::<Vec<f64>>()
        .into_pyarray(py))
}

/// Largest density history `fisher_kpp_1d` returns (values of `u`, 8 bytes each).
const MAX_HISTORY_VALUES: f64 = 1e7;

/// `(t_days, x_mm, u)`: times, cell centres and the density (times × cells).
type FrontHistory<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray2<f64>>,
);

/// A Fisher–KPP front `u_t = D u_xx + ρ u (1 − u)` on a strip `[0, length_mm]`
/// (no-flux ends), starting from `u = 1` on `[0, seed_mm)`: twin-core's reaction–
/// diffusion stepper (Strang splitting, explicit diffusion at 0.9 of its stability
/// limit, closed-form logistic). Returns `(t_days, x_mm, u)` with `u` of shape
/// (times × cells, at most 10^7 values), recorded every `record_every_days` up to
/// `t_end_days`. The front
/// speed tends to `2 √(D ρ)` (Fisher 1937; KPP 1937).
#[pyfunction]
#[pyo3(signature = (diffusion_mm2_per_day, rho_per_day, length_mm, dx_mm, t_end_days, record_every_days, seed_mm))]
#[allow(clippy::too_many_arguments)]
pub fn fisher_kpp_1d<'py>(
    py: Python<'py>,
    diffusion_mm2_per_day: f64,
    rho_per_day: f64,
    length_mm: f64,
    dx_mm: f64,
    t_end_days: f64,
    record_every_days: f64,
    seed_mm: f64,
) -> PyResult<FrontHistory<'py>> {
    let positive = |name: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(())
        } else {
            Err(errors::input(format!(
                "{name} = {v}: allowed a finite number > 0"
            )))
        }
    };
    positive("length_mm", length_mm)?;
    positive("dx_mm", dx_mm)?;
    positive("t_end_days", t_end_days)?;
    positive("record_every_days", record_every_days)?;
    let cells = (length_mm / dx_mm).round();
    if !(3.0..=1e6).contains(&cells) {
        return Err(errors::input(format!(
            "length_mm / dx_mm = {cells}: allowed 3 to 1,000,000 cells"
        )));
    }
    let records = (t_end_days / record_every_days).round();
    if !(1.0..=1e5).contains(&records) {
        return Err(errors::input(format!(
            "t_end_days / record_every_days = {records}: allowed 1 to 100,000 records"
        )));
    }
    // Each bound alone still allows 10^11 values (800 GB): bound the history itself.
    let values = (records + 1.0) * cells;
    if values > MAX_HISTORY_VALUES {
        return Err(errors::input(format!(
            "(t_end_days / record_every_days + 1) × (length_mm / dx_mm) = {values} values: \
             allowed at most {MAX_HISTORY_VALUES} (80 MB); record less often or use fewer cells"
        )));
    }
    let (n, records) = (cells as usize, records as usize);
    let run = || -> Result<(Vec<f64>, Vec<f64>), String> {
        let grid = Grid::new_2d(n, 1, dx_mm, dx_mm).map_err(|e| e.to_string())?;
        let domain = Domain::full(grid);
        let operator = DiffusionOperator::uniform(&domain, diffusion_mm2_per_day)
            .map_err(|e| e.to_string())?;
        let mut stepper = DiffusionStepper::new(operator);
        let reaction = Logistic::new(rho_per_day, 1.0).map_err(|e| e.to_string())?;
        let mut u = Array3::from_shape_fn(grid.shape, |(i, _, _)| {
            if (i as f64 + 0.5) * dx_mm < seed_mm {
                1.0
            } else {
                0.0
            }
        });
        let chunk = t_end_days / records as f64;
        let steps = (chunk / (0.9 * stepper.stable_dt())).ceil().max(1.0) as usize;
        let mut t = Vec::with_capacity(records + 1);
        let mut out = Vec::with_capacity((records + 1) * n);
        t.push(0.0);
        out.extend(u.iter().copied());
        for k in 1..=records {
            stepper
                .strang_explicit(&mut u, chunk / steps as f64, steps, &reaction)
                .map_err(|e| e.to_string())?;
            t.push(k as f64 * chunk);
            out.extend(u.iter().copied());
        }
        Ok((t, out))
    };
    let (t, out) = py.detach(run).map_err(errors::input)?;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) * dx_mm).collect();
    let u = ndarray::Array2::from_shape_vec((t.len(), n), out).map_err(errors::output)?;
    Ok((t.into_pyarray(py), x.into_pyarray(py), u.into_pyarray(py)))
}
