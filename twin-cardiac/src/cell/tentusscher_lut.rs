//! ten Tusscher–Panfilov 2006 with its voltage-only terms tabulated, for
//! tissue (the Niederer 2011 benchmark): the eleven voltage gates' steady
//! states and Rush–Larsen decay factors for the table's time step, and six
//! current factors, interpolated linearly on 0.05 mV bins. What remains per
//! step is four Nernst logarithms, I_K1's three exponentials (they depend on
//! V − E_K) and the f_Cass gate.
//!
//! Linear interpolation errs by at most `h²/8·|f''|` on a bin of `h` mV:
//! tested below 5e-4 × (|f| + 1e-3) on every term except inside the bin that
//! straddles −40 mV, where the model's own h/j rate formulas jump. Voltages
//! outside −150…+100 mV and steps with another `dt` use the exact formulas.

use super::tentusscher::{N_TERMS, VoltageTerms, voltage_terms};
use super::voltage_table::VoltageTable;
use super::{CellModel, StimulusPulse, TenTusscher, TenTusscherState};
use crate::error::{CardiacError, Result};

/// [`TenTusscher`] with tabulated voltage terms (see module docs); a drop-in
/// [`CellModel`] for tissue solvers. Cloning shares the table.
#[derive(Debug, Clone)]
pub struct TenTusscherLut {
    model: TenTusscher,
    dt_ms: f64,
    table: VoltageTable<N_TERMS>,
}

impl TenTusscherLut {
    /// Lowest tabulated voltage (mV).
    pub const V_MIN_MV: f64 = -150.0;
    /// Highest tabulated voltage (mV).
    pub const V_MAX_MV: f64 = 100.0;
    /// Default bin width (mV).
    pub const DEFAULT_BIN_MV: f64 = 0.05;

    /// Tabulate for steps of `dt_ms` (0 < dt ≤ the model's 0.05 ms) on bins of
    /// `bin_mv` (0.001 to 1 mV); errors name the value and range.
    pub fn new(model: TenTusscher, dt_ms: f64, bin_mv: f64) -> Result<Self> {
        if !(dt_ms.is_finite() && dt_ms > 0.0 && dt_ms <= model.max_dt_ms()) {
            return Err(CardiacError::invalid(
                "dt_ms",
                dt_ms,
                format!("0 < dt <= {} ms", model.max_dt_ms()),
            ));
        }
        if !(bin_mv.is_finite() && (0.001..=1.0).contains(&bin_mv)) {
            return Err(CardiacError::invalid("bin_mv", bin_mv, "0.001 to 1 mV"));
        }
        let table = VoltageTable::new(Self::V_MIN_MV, Self::V_MAX_MV, bin_mv, |v| {
            voltage_terms(v, dt_ms)
        });
        Ok(Self {
            model,
            dt_ms,
            table,
        })
    }

    /// The tabulated model's parameters.
    pub fn model(&self) -> &TenTusscher {
        &self.model
    }

    /// The time step (ms) the decay factors were tabulated for.
    pub fn dt_ms(&self) -> f64 {
        self.dt_ms
    }

    /// Voltage terms at `v` for a step of `dt`: interpolated when the table
    /// applies, exact otherwise.
    #[inline(always)]
    fn terms(&self, v: f64, dt: f64) -> VoltageTerms {
        if dt == self.dt_ms
            && let Some(row) = self.table.lookup(v)
        {
            return row;
        }
        voltage_terms(v, dt)
    }
}

impl CellModel for TenTusscherLut {
    type State = TenTusscherState;

    fn name(&self) -> &'static str {
        "ten Tusscher-Panfilov 2006 (epicardial, tabulated)"
    }

    fn resting(&self) -> (f64, TenTusscherState) {
        self.model.resting()
    }

    fn step(&self, v: f64, st: &mut TenTusscherState, stim: f64, dt: f64) -> f64 {
        self.model.advance(v, st, stim, dt, &self.terms(v, dt))
    }

    fn v_to_mv(&self, v: f64) -> f64 {
        v
    }

    fn default_stimulus(&self) -> StimulusPulse {
        self.model.default_stimulus()
    }

    fn max_dt_ms(&self) -> f64 {
        self.model.max_dt_ms()
    }

    fn activation_threshold(&self) -> f64 {
        self.model.activation_threshold()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tabulated term within 5e-4 × (|exact| + 1e-3) of the exact one
    /// at off-grid voltages, except in the bin across the h/j jump at −40 mV.
    #[test]
    fn table_matches_exact_terms() {
        let lut = TenTusscherLut::new(TenTusscher::default(), 0.01, 0.05).unwrap();
        let mut worst: f64 = 0.0;
        for k in 0..50_000 {
            let v = -149.9 + k as f64 * 0.004_999_3;
            if (v + 40.0).abs() < 0.05 {
                continue;
            }
            let (tab, exact) = (lut.terms(v, 0.01), voltage_terms(v, 0.01));
            for (a, b) in tab.iter().zip(&exact) {
                worst = worst.max((a - b).abs() / (b.abs() + 1e-3));
            }
        }
        assert!(worst < 5e-4, "worst relative error {worst:e}");
    }

    #[test]
    fn bad_settings_are_errors() {
        let m = TenTusscher::default();
        assert!(TenTusscherLut::new(m, 0.2, 0.05).is_err());
        assert!(TenTusscherLut::new(m, 0.01, 0.0).is_err());
        assert!(TenTusscherLut::new(m, f64::NAN, 0.05).is_err());
    }
}
