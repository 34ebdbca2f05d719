//! The serialisable result every disease twin returns: calibration, forecasts per
//! plan, ranking, warnings and credibility, under one versioned JSON schema.

use super::ranking::Ranking;
use super::{Forecast, PatientId};
use crate::calibrate::ParameterEstimate;
use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};

/// Name and version of the JSON schema of [`TwinResult`]. The version changes when
/// a field is renamed or removed; adding an optional field keeps it.
pub const RESULT_SCHEMA: &str = "patient-twin/twin-result/v1";

/// One forecast quantity of one plan: a central value and its prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Machine name, unit in the name where it has one (`pfs_median_days`).
    pub name: String,
    /// Unit (UCUM-style text: `d`, `%`, `mL/min/1.73m2`, `1` for fractions).
    pub unit: String,
    /// Central value (median of the predictive distribution unless stated).
    pub central: f64,
    /// Lower end of the prediction interval.
    pub lower: f64,
    /// Upper end of the prediction interval (may be `+inf` where the data cannot
    /// bound it; the interval is then reported as unbounded, never clipped).
    pub upper: f64,
    /// Nominal coverage of `[lower, upper]` (e.g. 0.9); 0 for a quantity without
    /// uncertainty (a planned dose, an ablated area).
    pub level: f64,
}

impl Outcome {
    /// A checked outcome: `central` finite, `lower ≤ central ≤ upper`, `level` in [0, 1).
    pub fn new(
        name: impl Into<String>,
        unit: impl Into<String>,
        central: f64,
        interval: [f64; 2],
        level: f64,
    ) -> Result<Self> {
        let name = name.into();
        crate::error::ensure_finite(&name, central)?;
        let [lower, upper] = interval;
        if lower.is_nan() || upper.is_nan() || lower > central || central > upper {
            return Err(CoreError::invalid(
                format!("{name} interval"),
                format!("[{lower}, {upper}] around {central}"),
                "lower ≤ central ≤ upper, no NaN",
            ));
        }
        if !(0.0..1.0).contains(&level) {
            return Err(CoreError::invalid(
                format!("{name} level"),
                level,
                "a coverage in [0, 1)",
            ));
        }
        Ok(Outcome {
            name,
            unit: unit.into(),
            central,
            lower,
            upper,
            level,
        })
    }

    /// An exact quantity (no uncertainty): interval = the value, level 0.
    pub fn exact(name: impl Into<String>, unit: impl Into<String>, value: f64) -> Result<Self> {
        Self::new(name, unit, value, [value, value], 0.0)
    }
}

/// The forecast of one candidate plan for one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanForecast<P> {
    /// Human-readable plan name (unique within one result).
    pub plan_name: String,
    /// The plan itself, in the disease crate's own plan type.
    pub plan: P,
    /// Forecast quantities with intervals.
    pub outcomes: Vec<Outcome>,
    /// Trajectories over time with prediction bands, where the twin produces them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<Forecast>,
    /// Why the plan cannot be given to this patient (contraindication, failed
    /// simulation); `None` if it can. An infeasible plan is ranked last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infeasible: Option<String>,
    /// Plan-specific warnings (e.g. a clamp, a safety flag in some draws).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl<P> PlanForecast<P> {
    /// A feasible forecast with no trajectory or warnings.
    pub fn new(plan_name: impl Into<String>, plan: P, outcomes: Vec<Outcome>) -> Self {
        PlanForecast {
            plan_name: plan_name.into(),
            plan,
            outcomes,
            trajectory: None,
            infeasible: None,
            warnings: Vec::new(),
        }
    }

    /// The outcome called `name`, if forecast.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.name == name)
    }
}

/// Observed data of one quantity next to the calibrated twin's fit of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSeries {
    /// Quantity name with unit (`sum of diameters (mm)`).
    pub name: String,
    /// Unit of the values.
    pub unit: String,
    /// Observation times (the twin's time unit, see [`TwinResult::time_unit`]).
    pub t: Vec<f64>,
    /// Observed values.
    pub observed: Vec<f64>,
    /// The calibrated twin's value at the same times.
    pub fitted: Vec<f64>,
}

impl FitSeries {
    /// Checked constructor: three vectors of one length, all finite.
    pub fn new(
        name: impl Into<String>,
        unit: impl Into<String>,
        t: Vec<f64>,
        observed: Vec<f64>,
        fitted: Vec<f64>,
    ) -> Result<Self> {
        let name = name.into();
        if observed.len() != t.len() || fitted.len() != t.len() {
            return Err(CoreError::ShapeMismatch {
                what: format!("fit series `{name}`"),
                expected: format!("{} values (one per time)", t.len()),
                found: format!("{} observed, {} fitted", observed.len(), fitted.len()),
            });
        }
        for (what, v) in [("t", &t), ("observed", &observed), ("fitted", &fitted)] {
            if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
                return Err(CoreError::invalid(
                    format!("{name} {what}"),
                    bad,
                    "finite numbers",
                ));
            }
        }
        Ok(FitSeries {
            name,
            unit: unit.into(),
            t,
            observed,
            fitted,
        })
    }
}

/// What calibration made of this patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// One estimate per parameter with its interval (and prior range where set).
    pub parameters: Vec<ParameterEstimate>,
    /// The data the twin was calibrated on against its fit.
    pub fit: Vec<FitSeries>,
    /// How the parameters and intervals were obtained, in one sentence.
    pub method: String,
}

/// What kind of evidence a credibility item is (ASME V&V 40 vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The equations are solved right (convergence order, analytical solution).
    Verification,
    /// The model agrees with real or published data it was not fitted to.
    Validation,
    /// The intervals cover what they claim (coverage studies).
    Uncertainty,
}

/// One verification or validation figure behind a twin, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredibilityItem {
    /// Kind of evidence.
    pub kind: Evidence,
    /// What was checked.
    pub claim: String,
    /// The figure as measured, with its tolerance or CI.
    pub figure: String,
    /// The test or example that produces it (so a reader can re-run it).
    pub source: String,
}

/// Everything a twin says about one patient, in the one versioned schema
/// ([`RESULT_SCHEMA`]) shared by all disease twins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwinResult<P> {
    /// Schema name and version ([`RESULT_SCHEMA`]).
    pub schema: String,
    /// Which twin (`glioma`, `breast`, `af`, `t2d`).
    pub disease: String,
    /// Pseudonymous patient id (never a name or record number).
    pub patient: PatientId,
    /// Time unit of every time in this result (`d`, `ms`, `a`).
    pub time_unit: String,
    /// The calibration.
    pub calibration: Calibration,
    /// One forecast per candidate plan.
    pub forecasts: Vec<PlanForecast<P>>,
    /// The ranking of the plans, its objective and its explanation.
    pub ranking: Ranking,
    /// Applicability-domain warnings: where this patient lies outside the data the
    /// model was built on (empty if inside).
    pub warnings: Vec<String>,
    /// Verification and validation figures of this twin.
    pub credibility: Vec<CredibilityItem>,
}

impl<P: Serialize> TwinResult<P> {
    /// The result as a JSON value with the plan type erased (what the report
    /// page, the CLI and the Python binding consume).
    pub fn to_json(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self).map_err(|e| CoreError::invalid("twin result", e, "serialisable"))
    }
}
