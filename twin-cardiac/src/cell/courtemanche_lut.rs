//! Courtemanche with lookup tables of its voltage-dependent terms, for tissue.
//!
//! Most of the cost of a Courtemanche step is the ~40 exponentials of the
//! gates' voltage-dependent rates. Tabulating everything that depends on V
//! alone — the twelve voltage gates' steady states and Rush–Larsen decay
//! factors e^{−dt/τ} for the table's time step, and the voltage factors of
//! I_K1, I_Kur, I_Kr, I_NaK and I_NaCa — on a uniform grid and interpolating
//! linearly is the standard remedy (e.g. CARP/openCARP, Vigmond et al. 2003,
//! J Electrocardiol 36 Suppl:69). What is left per step is three Nernst
//! logarithms, the Ca²⁺-driven release gates and the concentration updates.
//!
//! With [`CourtemancheLut::with_ionic_substeps`] the tissue step may be
//! longer than the cell model's own limit: a node whose V would move by more
//! than a set amount in one step (the upstroke, a stimulus onset)
//! integrates its ionic model in substeps with the diffusion and stimulus
//! currents held at their step-start values, while every other node takes
//! the step whole (the adaptive operator splitting of Qu & Garfinkel 1999,
//! IEEE Trans Biomed Eng 46:1166). Fewer than 1 % of the nodes of a sheet
//! are in their upstroke at any time, so the cost per step hardly grows.
//!
//! Linear interpolation on a bin of `h` mV errs by at most `h²/8·|f''|`: at
//! the default 0.02 mV, below 1e-5 × (|f| + 1e-3) on every tabulated term
//! (tested) except inside the one bin that straddles −40 mV, where the
//! model's own h/j rate formulas jump. Voltages outside the table (−150 to +100 mV) and
//! steps with another `dt` than the table's fall back to the exact formulas.

use super::courtemanche::{CurrentFactors, N_VGATES, Rhs, advance};
use super::voltage_table::VoltageTable;
use super::{CellModel, Courtemanche, CourtemancheState, StimulusPulse};
use crate::error::{CardiacError, Result};

/// Columns of a table row: steady states, decay factors, current factors.
const N_COL: usize = 2 * N_VGATES + 6;

/// A table row as a plain array (so interpolation is one loop).
type Row = [f64; N_COL];

/// What a row holds for each voltage gate besides its steady state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum GateColumn {
    /// The Rush–Larsen decay factor e^{−dt/τ} for a fixed step `dt` (ms).
    Decay(f64),
    /// The rate 1/τ (1/ms), for integrators with variable steps.
    Rate,
}

/// The voltage-only terms of one parameter set tabulated on
/// [`CourtemancheLut::V_MIN_MV`, `V_MAX_MV`]. Cloning shares the rows.
#[derive(Debug, Clone)]
pub(crate) struct GateTable {
    column: GateColumn,
    bin_mv: f64,
    table: VoltageTable<N_COL>,
}

impl GateTable {
    /// Tabulate `model` on bins of `bin_mv` (checked by the callers).
    pub(crate) fn new(model: &Courtemanche, column: GateColumn, bin_mv: f64) -> Self {
        let (lo, hi) = (CourtemancheLut::V_MIN_MV, CourtemancheLut::V_MAX_MV);
        Self {
            column,
            bin_mv,
            table: VoltageTable::new(lo, hi, bin_mv, |vm| exact_row(model, vm, column)),
        }
    }

    /// The interpolated row at `vm`, or `None` outside the table.
    #[inline(always)]
    fn lookup(&self, vm: f64) -> Option<Row> {
        self.table.lookup(vm)
    }

    /// Gate steady states, the gate column, and the current factors at `vm`:
    /// interpolated inside the table, exact outside it.
    #[inline(always)]
    pub(crate) fn terms(
        &self,
        model: &Courtemanche,
        vm: f64,
    ) -> ([f64; N_VGATES], [f64; N_VGATES], CurrentFactors) {
        let row = self
            .lookup(vm)
            .unwrap_or_else(|| exact_row(model, vm, self.column));
        let c = &row[2 * N_VGATES..];
        (
            row[..N_VGATES].try_into().expect("N_VGATES columns"),
            row[N_VGATES..2 * N_VGATES]
                .try_into()
                .expect("N_VGATES columns"),
            CurrentFactors {
                g_k1: c[0],
                g_kur: c[1],
                g_kr: c[2],
                nak: c[3],
                naca_na: c[4],
                naca_ca: c[5],
            },
        )
    }
}

/// The exact row at `vm`.
fn exact_row(model: &Courtemanche, vm: f64, column: GateColumn) -> Row {
    let (inf, tau) = model.gate_rates(vm);
    let cf = model.current_factors(vm);
    let mut row = [0.0; N_COL];
    row[..N_VGATES].copy_from_slice(&inf);
    for i in 0..N_VGATES {
        row[N_VGATES + i] = match column {
            GateColumn::Decay(dt) => (-dt / tau[i]).exp(),
            GateColumn::Rate => 1.0 / tau[i],
        };
    }
    row[2 * N_VGATES..]
        .copy_from_slice(&[cf.g_k1, cf.g_kur, cf.g_kr, cf.nak, cf.naca_na, cf.naca_ca]);
    row
}

/// Courtemanche et al. 1998 with tabulated voltage terms (see module docs);
/// a drop-in [`CellModel`] for tissue solvers. Cloning shares the table.
#[derive(Debug, Clone)]
pub struct CourtemancheLut {
    model: Courtemanche,
    dt_ms: f64,
    table: GateTable,
    /// e^{−dt/τ} of the u and f_Ca gates (constant τ of 8 and 2 ms).
    decay_u: f64,
    decay_f_ca: f64,
    /// e^{−dt/τ_v} at u_inf = 0 (τ_v 1.91 ms) and u_inf = 1 (4 ms).
    decay_v_closed: f64,
    decay_v_open: f64,
    /// Ionic substepping of fast nodes, if enabled.
    substeps: Option<Substeps>,
}

/// How fast nodes split a tissue step.
#[derive(Debug, Clone)]
struct Substeps {
    /// Largest change of V per substep (mV).
    max_dv_mv: f64,
    /// Gate rates 1/τ for substeps of any length.
    rates: GateTable,
}

impl CourtemancheLut {
    /// Lowest tabulated voltage (mV).
    pub const V_MIN_MV: f64 = -150.0;
    /// Highest tabulated voltage (mV).
    pub const V_MAX_MV: f64 = 100.0;
    /// Default bin width (mV).
    pub const DEFAULT_BIN_MV: f64 = 0.02;

    /// Longest tissue step (ms) with ionic substeps: twice the explicit
    /// diffusion limit of a 0.25 mm grid at D 0.1 mm²/ms would be 0.3 ms;
    /// 0.2 ms keeps the stimulus and repolarisation well resolved.
    pub const MAX_SPLIT_DT_MS: f64 = 0.2;
    /// Most substeps one node takes in one tissue step.
    pub const MAX_SUBSTEPS: usize = 64;

    /// Tabulate `model` for steps of `dt_ms` on bins of `bin_mv` (0.001 to
    /// 1 mV). Errors on a `dt_ms` outside the model's stable range or a bin
    /// width outside its range.
    pub fn new(model: Courtemanche, dt_ms: f64, bin_mv: f64) -> Result<Self> {
        Self::build(model, dt_ms, bin_mv, model.max_dt_ms(), None)
    }

    /// Like [`CourtemancheLut::new`], for tissue steps `dt_ms` up to
    /// [`Self::MAX_SPLIT_DT_MS`] in which every node whose V would change by
    /// more than `max_dv_mv` (0.01 to 20 mV) takes ⌈|ΔV|/max_dv_mv⌉ ionic
    /// substeps (at most [`Self::MAX_SUBSTEPS`]) — see the module docs. The
    /// error this leaves in activation times is shown by the `crn_sheet`
    /// example (`--reference-dt`) and tested against a fine step.
    pub fn with_ionic_substeps(
        model: Courtemanche,
        dt_ms: f64,
        bin_mv: f64,
        max_dv_mv: f64,
    ) -> Result<Self> {
        if !(0.01..=20.0).contains(&max_dv_mv) {
            return Err(CardiacError::invalid(
                "max_dv_mv",
                max_dv_mv,
                "0.01 to 20 mV",
            ));
        }
        check_bin(bin_mv)?;
        let substeps = Substeps {
            max_dv_mv,
            rates: GateTable::new(&model, GateColumn::Rate, bin_mv),
        };
        Self::build(model, dt_ms, bin_mv, Self::MAX_SPLIT_DT_MS, Some(substeps))
    }

    fn build(
        model: Courtemanche,
        dt_ms: f64,
        bin_mv: f64,
        max_dt_ms: f64,
        substeps: Option<Substeps>,
    ) -> Result<Self> {
        if !(dt_ms.is_finite() && dt_ms > 0.0 && dt_ms <= max_dt_ms) {
            return Err(CardiacError::invalid(
                "dt_ms",
                dt_ms,
                format!("0 < dt <= {max_dt_ms} ms"),
            ));
        }
        check_bin(bin_mv)?;
        Ok(Self {
            model,
            dt_ms,
            table: GateTable::new(&model, GateColumn::Decay(dt_ms), bin_mv),
            decay_u: (-dt_ms / 8.0).exp(),
            decay_f_ca: (-dt_ms / 2.0).exp(),
            decay_v_closed: (-dt_ms / 1.91).exp(),
            decay_v_open: (-dt_ms / 4.0).exp(),
            substeps,
        })
    }

    /// Decay factors of the Ca²⁺-gated gates over the table's step: τ_v
    /// depends on u_inf alone, and its saturated ends are precomputed.
    #[inline(always)]
    fn ca_decay(&self, r: &Rhs) -> [f64; 3] {
        let decay_v = if r.ca_inf[0] == 0.0 {
            self.decay_v_closed
        } else if r.ca_inf[0] == 1.0 {
            self.decay_v_open
        } else {
            (-self.dt_ms / r.ca_tau[1]).exp()
        };
        [self.decay_u, decay_v, self.decay_f_ca]
    }

    /// Integrate the node over `dt` in `n` substeps from the step-start
    /// right-hand side `r`, with the external current `ext` held fixed.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn substep(
        &self,
        rates: &GateTable,
        mut vm: f64,
        s: &mut CourtemancheState,
        mut r: Rhs,
        stim: f64,
        ext: f64,
        dt: f64,
        n: usize,
    ) -> f64 {
        let h = dt / n as f64;
        for k in 0..n {
            let (inf, rate, cf) = rates.terms(&self.model, vm);
            if k > 0 {
                r = self.model.rhs(vm, &cf, s, stim);
            }
            let decay = rate.map(|q| (-h * q).exp());
            let ca_decay = r.ca_tau.map(|t| (-h / t).exp());
            advance(s, &inf, &decay, &r, ca_decay, h);
            vm += h * (r.dvdt + ext);
        }
        vm
    }

    /// The tabulated model's parameters.
    pub fn model(&self) -> &Courtemanche {
        &self.model
    }

    /// The time step (ms) the decay factors are tabulated for.
    pub fn dt_ms(&self) -> f64 {
        self.dt_ms
    }

    /// Bin width (mV).
    pub fn bin_mv(&self) -> f64 {
        self.table.bin_mv
    }

    /// The largest change of V per ionic substep (mV), if substeps are on.
    pub fn max_dv_per_substep_mv(&self) -> Option<f64> {
        self.substeps.as_ref().map(|s| s.max_dv_mv)
    }
}

/// A bin width must lie in 0.001–1 mV.
pub(crate) fn check_bin(bin_mv: f64) -> Result<()> {
    if !(0.001..=1.0).contains(&bin_mv) {
        return Err(CardiacError::invalid("bin_mv", bin_mv, "0.001 to 1 mV"));
    }
    Ok(())
}

impl CellModel for CourtemancheLut {
    type State = CourtemancheState;

    fn name(&self) -> &'static str {
        "Courtemanche-Ramirez-Nattel 1998 (lookup tables)"
    }

    fn resting(&self) -> (f64, CourtemancheState) {
        self.model.resting()
    }

    #[inline(always)]
    fn step(&self, vm: f64, s: &mut CourtemancheState, stim: f64, dt: f64) -> f64 {
        if dt != self.dt_ms {
            return self.model.step(vm, s, stim, dt);
        }
        let (inf, decay, cf) = self.table.terms(&self.model, vm);
        let r = self.model.rhs(vm, &cf, s, stim);
        advance(s, &inf, &decay, &r, self.ca_decay(&r), dt);
        r.dvdt
    }

    #[inline(always)]
    fn advance_node(
        &self,
        vm: f64,
        s: &mut CourtemancheState,
        stim: f64,
        diffusion: f64,
        dt: f64,
    ) -> f64 {
        let Some(sub) = self.substeps.as_ref().filter(|_| dt == self.dt_ms) else {
            let dvdt = self.step(vm, s, stim, dt);
            return vm + dt * (dvdt + stim + diffusion);
        };
        let (inf, decay, cf) = self.table.terms(&self.model, vm);
        let r = self.model.rhs(vm, &cf, s, stim);
        let ext = stim + diffusion;
        let dv = dt * (r.dvdt + ext);
        if dv.abs() <= sub.max_dv_mv {
            advance(s, &inf, &decay, &r, self.ca_decay(&r), dt);
            return vm + dv;
        }
        // NaN falls through to here and stays NaN.
        let n = ((dv.abs() / sub.max_dv_mv).ceil() as usize).clamp(2, Self::MAX_SUBSTEPS);
        self.substep(&sub.rates, vm, s, r, stim, ext, dt, n)
    }

    fn v_to_mv(&self, v: f64) -> f64 {
        v
    }

    fn default_stimulus(&self) -> StimulusPulse {
        self.model.default_stimulus()
    }

    fn max_dt_ms(&self) -> f64 {
        if self.substeps.is_some() {
            Self::MAX_SPLIT_DT_MS
        } else {
            self.model.max_dt_ms()
        }
    }

    fn activation_threshold(&self) -> f64 {
        self.model.activation_threshold()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Largest error of `table` against the exact terms, relative to
    /// |exact| + 1e-3, over off-grid voltages from −120 to +80 mV in steps of
    /// 0.00731 mV, skipping the bin that straddles the −40 mV jump of the
    /// h/j rate formulas.
    fn worst_error(model: &Courtemanche, table: &GateTable) -> f64 {
        let mut worst = 0.0f64;
        let mut vm: f64 = -120.0;
        while vm < 80.0 {
            if (vm + 40.0).abs() > table.bin_mv {
                let got = table.lookup(vm).unwrap();
                let want = exact_row(model, vm, table.column);
                for c in 0..N_COL {
                    worst = worst.max((got[c] - want[c]).abs() / (want[c].abs() + 1e-3));
                }
            }
            vm += 0.00731;
        }
        worst
    }

    /// Interpolated rows agree with the exact terms between grid points
    /// within 1e-5 × (|exact| + 1e-3) on every column, for both kinds of
    /// table (the worst is the m gate's decay factor e^{−dt/τ_m} ≈ 2e-3
    /// near −91 mV, which varies fastest); and the error scales as h²
    /// (bins 0.02 → 0.2 mV: ≈ 100×).
    #[test]
    fn table_matches_exact_terms() {
        let model = Courtemanche::chronic_af();
        let bin = CourtemancheLut::DEFAULT_BIN_MV;
        for column in [GateColumn::Decay(0.02), GateColumn::Rate] {
            let fine = worst_error(&model, &GateTable::new(&model, column, bin));
            let coarse = worst_error(&model, &GateTable::new(&model, column, 10.0 * bin));
            eprintln!("{column:?}: worst {fine:e} at {bin} mV, {coarse:e} at 10x");
            assert!(fine < 1e-5, "{column:?}: worst relative error {fine}");
            let ratio = coarse / fine;
            assert!(
                (60.0..160.0).contains(&ratio),
                "{column:?}: h² ratio {ratio}"
            );
        }
    }

    #[test]
    fn out_of_table_and_other_dt_fall_back_to_exact() {
        let model = Courtemanche::default();
        let lut = CourtemancheLut::new(model, 0.02, 0.05).unwrap();
        let (_, s0) = model.resting();
        for (vm, dt) in [(120.0, 0.02), (-30.0, 0.01)] {
            let (mut a, mut b) = (s0, s0);
            let da = lut.step(vm, &mut a, 0.0, dt);
            let db = model.step(vm, &mut b, 0.0, dt);
            assert_eq!((da, a), (db, b));
        }
        assert!(CourtemancheLut::new(model, 0.5, 0.02).is_err());
        assert!(CourtemancheLut::new(model, 0.02, 0.0).is_err());
    }
}
