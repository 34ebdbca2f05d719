//! One-compartment pharmacokinetics with first-order oral absorption: the worked
//! example of a twin model that later disease twins follow.
//!
//! States (amounts, mg): `gut` and `central`. With absorption rate `ka` (1/h),
//! elimination rate `ke` (1/h), volume `V` (L) and bioavailability `F`:
//!
//! ```text
//! d gut/dt     = −ka · gut
//! d central/dt =  ka · gut − ke · central          C = central / V   (mg/L)
//! ```
//!
//! An oral dose `D` adds `F·D` to `gut`. For doses `D_i` at `t_i` the closed form is
//! the superposition `C(t) = Σ_{t_i ≤ t} F D_i ka / (V (ka − ke)) (e^{−ke(t−t_i)} − e^{−ka(t−t_i)})`
//! (Gibaldi & Perrier 1982, *Pharmacokinetics*, 2nd ed., ch. 1 and 3), used by the tests.
//! Time unit: hours.

use crate::error::{CoreError, Result, ensure_positive};
use crate::ode::{OdeSystem, SolverOptions};
use crate::schedule::{Action, Plan, simulate_plan};
use crate::twin::{DiseaseModel, Observation, Trajectory};
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

/// Parameters of the one-compartment oral model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PkParams {
    /// Absorption rate constant (1/h), > 0.
    pub ka_per_h: f64,
    /// Elimination rate constant (1/h), > 0 and ≠ `ka_per_h`.
    pub ke_per_h: f64,
    /// Volume of distribution (L), > 0.
    pub volume_l: f64,
    /// Oral bioavailability (fraction absorbed), in (0, 1].
    pub bioavailability: f64,
}

impl Default for PkParams {
    /// Theophylline, typical values of the population fit to the `Theoph` data
    /// (12 subjects, oral 320 mg-equivalent): `ka = e^0.4514 ≈ 1.57 /h`,
    /// `ke = e^−2.4327 ≈ 0.0878 /h`, `CL = e^−3.2145 ≈ 0.0402 L/h/kg` (Pinheiro & Bates
    /// 2000, *Mixed-Effects Models in S and S-PLUS*, §8.2, model `fm1Theo.nlme`), so
    /// `V = CL/ke ≈ 0.458 L/kg`, scaled to 70 kg; `F = 1` (complete oral absorption).
    fn default() -> Self {
        let ke = (-2.4327f64).exp();
        let cl_per_kg = (-3.2145f64).exp();
        PkParams {
            ka_per_h: 0.4514f64.exp(),
            ke_per_h: ke,
            volume_l: cl_per_kg / ke * 70.0,
            bioavailability: 1.0,
        }
    }
}

impl PkParams {
    /// Check every field's range.
    pub fn validate(&self) -> Result<()> {
        ensure_positive("ka_per_h", self.ka_per_h)?;
        ensure_positive("ke_per_h", self.ke_per_h)?;
        ensure_positive("volume_l", self.volume_l)?;
        if !(self.bioavailability > 0.0 && self.bioavailability <= 1.0) {
            return Err(CoreError::invalid(
                "bioavailability",
                self.bioavailability,
                "a fraction in (0, 1]",
            ));
        }
        Ok(())
    }

    /// Clearance `CL = ke·V` (L/h).
    pub fn clearance_l_per_h(&self) -> f64 {
        self.ke_per_h * self.volume_l
    }

    /// Closed-form concentration (mg/L) at `t_h` after oral doses `(t_h, amount_mg)`
    /// (superposition of single-dose Bateman functions). Requires `ka ≠ ke`.
    pub fn concentration_closed_form(&self, doses: &[(f64, f64)], t_h: f64) -> Result<f64> {
        self.validate()?;
        let (ka, ke) = (self.ka_per_h, self.ke_per_h);
        if ((ka - ke) / ka).abs() < 1e-6 {
            return Err(CoreError::invalid(
                "ka_per_h",
                ka,
                format!("a value different from ke_per_h = {ke}"),
            ));
        }
        let scale = self.bioavailability * ka / (self.volume_l * (ka - ke));
        Ok(doses
            .iter()
            .filter(|(td, _)| *td <= t_h)
            .map(|&(td, d)| d * scale * ((-ke * (t_h - td)).exp() - (-ka * (t_h - td)).exp()))
            .sum())
    }
}

/// An oral dose (the clinician's intervention).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OralDose {
    /// Amount swallowed (mg), > 0.
    pub amount_mg: f64,
}

/// The one-compartment oral model as an ODE system (state `[gut_mg, central_mg]`,
/// time in hours) and a [`DiseaseModel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneCompartmentOral {
    /// Current parameters ([`Action::SetParameter`] can change 0 = ka and 1 = ke, the
    /// only ones in the ODE; see [`OdeSystem::set_parameter`] for V and F).
    pub params: PkParams,
    /// Spacing of the reported trajectory (h), > 0.
    pub output_interval_h: f64,
    /// Solver settings.
    pub solver: SolverOptions,
}

impl OneCompartmentOral {
    /// Model with the given parameters, output every 0.25 h, Dopri5 at rtol 1e-8.
    pub fn new(params: PkParams) -> Self {
        OneCompartmentOral {
            params,
            output_interval_h: 0.25,
            solver: SolverOptions {
                rtol: 1e-8,
                atol: 1e-10.into(),
                ..Default::default()
            },
        }
    }

    /// Translate oral doses into ODE actions (`F·D` into the gut compartment).
    pub fn actions(&self, params: &PkParams, plan: &Plan<OralDose>) -> Result<Plan<Action>> {
        plan.map(|d| {
            ensure_positive("amount_mg", d.amount_mg)?;
            Ok(Action::Bolus {
                state: 0,
                amount: params.bioavailability * d.amount_mg,
            })
        })
    }
}

impl OdeSystem for OneCompartmentOral {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let absorbed = self.params.ka_per_h * y[0];
        dy[0] = -absorbed;
        dy[1] = absorbed - self.params.ke_per_h * y[1];
    }
    fn jacobian(&self, _t: f64, _y: &[f64], j: &mut DMatrix<f64>) -> bool {
        j[(0, 0)] = -self.params.ka_per_h;
        j[(0, 1)] = 0.0;
        j[(1, 0)] = self.params.ka_per_h;
        j[(1, 1)] = -self.params.ke_per_h;
        true
    }
    fn autonomous(&self) -> bool {
        true
    }
    /// Index 0 sets `ka`, 1 sets `ke`. V and F are rejected rather than silently
    /// ignored: the amounts don't depend on V (it only scales the observed
    /// concentration), and F is applied when doses become boluses, before the run.
    fn set_parameter(&mut self, index: usize, value: f64) -> Result<()> {
        let mut p = self.params;
        match index {
            0 => p.ka_per_h = value,
            1 => p.ke_per_h = value,
            _ => {
                return Err(CoreError::invalid(
                    "parameter index",
                    index,
                    "0 (ka) or 1 (ke); V (2) and F (3) do not enter the ODE, \
                     so changing them mid-simulation would have no effect",
                ));
            }
        }
        p.validate()?;
        self.params = p;
        Ok(())
    }
}

impl DiseaseModel for OneCompartmentOral {
    type Params = PkParams;
    type State = [f64; 2];
    type Intervention = OralDose;

    fn initial_state(&self, params: &PkParams) -> Result<[f64; 2]> {
        params.validate()?;
        Ok([0.0, 0.0])
    }

    /// Simulate from an empty body until `until` hours, output every `output_interval_h`.
    fn simulate(
        &self,
        params: &PkParams,
        plan: &Plan<OralDose>,
        until: f64,
    ) -> Result<Trajectory<[f64; 2]>> {
        let y0 = self.initial_state(params)?;
        ensure_positive("output_interval_h", self.output_interval_h)?;
        ensure_positive("until", until)?;
        let n = (until / self.output_interval_h).floor() as usize;
        let t_out: Vec<f64> = (0..=n).map(|k| k as f64 * self.output_interval_h).collect();
        let mut sys = self.clone();
        sys.params = *params;
        let sol = simulate_plan(
            &sys,
            &self.actions(params, plan)?,
            0.0,
            &y0,
            until,
            &t_out,
            &self.solver,
        )?;
        Trajectory::new(sol.t, sol.y.into_iter().map(|v| [v[0], v[1]]).collect())
    }
}

/// Plasma concentration (mg/L) of the central compartment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlasmaConcentration {
    /// Volume of distribution (L).
    pub volume_l: f64,
}

impl Observation<[f64; 2]> for PlasmaConcentration {
    fn names(&self) -> Vec<String> {
        vec!["concentration_mg_per_l".into()]
    }
    fn observe(&self, state: &[f64; 2]) -> Vec<f64> {
        vec![state[1] / self.volume_l]
    }
}
