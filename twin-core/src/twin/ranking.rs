//! One ranking rule for every twin: a stated objective (one forecast outcome to
//! maximise or minimise, hard limits on others, a tie-break), applied to the
//! plans' central forecasts, with an explanation a clinician can check.

use super::result::PlanForecast;
use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Which direction of an outcome is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Larger is better (progression-free days, Days Gained).
    Higher,
    /// Smaller is better (HbA1c, inducible fraction, ablated area).
    Lower,
}

impl Better {
    /// `Less` when `a` is better than `b`.
    fn order(self, a: f64, b: f64) -> Ordering {
        match self {
            Better::Higher => b.total_cmp(&a),
            Better::Lower => a.total_cmp(&b),
        }
    }
}

/// A hard limit: a plan whose central forecast of `outcome` exceeds `max` is
/// ranked after every plan that keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// Outcome name (as in [`super::Outcome::name`]).
    pub outcome: String,
    /// Largest acceptable central value.
    pub max: f64,
}

/// What the ranking optimises, stated so a reader can disagree with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// The outcome the plans are ordered by.
    pub outcome: String,
    /// Its better direction.
    pub better: Better,
    /// Hard limits on other outcomes.
    pub limits: Vec<Limit>,
    /// Second outcome that orders plans whose primary outcomes are equal.
    pub tie_break: Option<(String, Better)>,
    /// The objective in words, for the report.
    pub description: String,
}

/// One plan's place in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedPlan {
    /// 1 = best.
    pub rank: usize,
    /// Plan name.
    pub plan_name: String,
    /// Central value of the objective's outcome (NaN-free; `None` if infeasible).
    pub value: Option<f64>,
    /// Why it sits where it does (limit broken, infeasible, or its value).
    pub reason: String,
}

/// Plans in ranked order, with the objective and a plain-language explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// What was optimised.
    pub objective: Objective,
    /// Every plan, best first.
    pub plans: Vec<RankedPlan>,
    /// Why the first plan is first and how sure the twin is of that.
    pub explanation: String,
}

/// Rank `forecasts` under `objective`: feasible plans within every limit first,
/// ordered by the central value of the objective outcome (then the tie-break,
/// then the name, so the order is deterministic); plans over a limit next; plans
/// that cannot be given last. Errors if a feasible plan lacks an outcome the
/// objective names.
pub fn rank<P>(forecasts: &[PlanForecast<P>], objective: &Objective) -> Result<Ranking> {
    if forecasts.is_empty() {
        return Err(CoreError::invalid("forecasts", 0, "at least one plan"));
    }
    let value = |f: &PlanForecast<P>, name: &str| -> Result<f64> {
        f.outcome(name).map(|o| o.central).ok_or_else(|| {
            CoreError::invalid(
                format!("plan `{}` outcomes", f.plan_name),
                format!("no `{name}`"),
                "every outcome the objective names",
            )
        })
    };
    // (tier, primary, secondary, index, reason): tier 0 eligible, 1 over a limit, 2 infeasible.
    let mut rows = Vec::with_capacity(forecasts.len());
    for (i, f) in forecasts.iter().enumerate() {
        if let Some(why) = &f.infeasible {
            rows.push((2, None, None, i, format!("cannot be given: {why}")));
            continue;
        }
        let primary = value(f, &objective.outcome)?;
        let secondary = match &objective.tie_break {
            Some((name, _)) => Some(value(f, name)?),
            None => None,
        };
        let mut broken = Vec::new();
        for l in &objective.limits {
            let v = value(f, &l.outcome)?;
            if v > l.max {
                broken.push(format!("{} {} > limit {}", l.outcome, fmt(v), fmt(l.max)));
            }
        }
        let (tier, reason) = if broken.is_empty() {
            (0, format!("{} {}", objective.outcome, fmt(primary)))
        } else {
            (1, format!("over a limit: {}", broken.join(", ")))
        };
        rows.push((tier, Some(primary), secondary, i, reason));
    }
    rows.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| match (a.1, b.1) {
                (Some(x), Some(y)) => objective.better.order(x, y),
                _ => Ordering::Equal,
            })
            .then_with(|| match (&objective.tie_break, a.2, b.2) {
                (Some((_, better)), Some(x), Some(y)) => better.order(x, y),
                _ => Ordering::Equal,
            })
            .then_with(|| forecasts[a.3].plan_name.cmp(&forecasts[b.3].plan_name))
    });
    let plans: Vec<RankedPlan> = rows
        .iter()
        .enumerate()
        .map(|(k, (_, primary, _, i, reason))| RankedPlan {
            rank: k + 1,
            plan_name: forecasts[*i].plan_name.clone(),
            value: *primary,
            reason: reason.clone(),
        })
        .collect();
    let explanation = explain(
        forecasts,
        objective,
        &rows.iter().map(|r| (r.0, r.3)).collect::<Vec<_>>(),
    );
    Ok(Ranking {
        objective: objective.clone(),
        plans,
        explanation,
    })
}

/// The first plan, its lead over the second and whether their intervals overlap.
fn explain<P>(
    forecasts: &[PlanForecast<P>],
    objective: &Objective,
    order: &[(u8, usize)],
) -> String {
    let eligible: Vec<&PlanForecast<P>> = order
        .iter()
        .filter(|(tier, _)| *tier == 0)
        .map(|(_, i)| &forecasts[*i])
        .collect();
    let mut text = String::new();
    let Some(first) = eligible.first() else {
        text.push_str("No plan meets every limit; plans are listed by how they fail.");
        return text;
    };
    let o = first.outcome(&objective.outcome);
    let describe = |o: Option<&super::Outcome>| match o {
        Some(o) if o.level > 0.0 => format!(
            "{} {} [{}, {}] {} ({:.0} % interval)",
            o.name,
            fmt(o.central),
            fmt(o.lower),
            fmt(o.upper),
            o.unit,
            100.0 * o.level
        ),
        Some(o) if o.unit == "1" => format!("{} {}", o.name, fmt(o.central)),
        Some(o) => format!("{} {} {}", o.name, fmt(o.central), o.unit),
        None => String::new(),
    };
    text.push_str(&format!(
        "`{}` ranks first: {}.",
        first.plan_name,
        describe(o)
    ));
    if let Some(second) = eligible.get(1) {
        let p = second.outcome(&objective.outcome);
        text.push_str(&format!(" Next: `{}`, {}.", second.plan_name, describe(p)));
        if let (Some(a), Some(b)) = (o, p) {
            let overlap = a.lower <= b.upper && b.lower <= a.upper;
            if a.central == b.central {
                text.push_str(" Equal on the objective");
                if let Some((name, _)) = &objective.tie_break {
                    text.push_str(&format!("; ordered by {name}"));
                }
                text.push('.');
            } else if a.level > 0.0 && overlap {
                text.push_str(
                    " Their intervals overlap, so the twin cannot tell them apart with confidence.",
                );
            } else if a.level > 0.0 {
                text.push_str(" Their intervals do not overlap.");
            }
        }
    }
    let excluded = order.iter().filter(|(tier, _)| *tier > 0).count();
    if excluded > 0 {
        text.push_str(&format!(
            " {excluded} plan(s) ranked last for breaking a limit or being infeasible."
        ));
    }
    text
}

/// Three significant figures, without exponent for everyday magnitudes.
fn fmt(v: f64) -> String {
    if !v.is_finite() {
        return if v > 0.0 { "∞".into() } else { v.to_string() };
    }
    let a = v.abs();
    if a == 0.0 || (1e-3..1e6).contains(&a) {
        let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twin::Outcome;

    fn plan(name: &str, pfs: f64, g4: f64) -> PlanForecast<()> {
        PlanForecast::new(
            name,
            (),
            vec![
                Outcome::new("pfs_days", "d", pfs, [pfs - 30.0, pfs + 30.0], 0.9).unwrap(),
                Outcome::exact("p_grade4", "1", g4).unwrap(),
            ],
        )
    }

    fn objective() -> Objective {
        Objective {
            outcome: "pfs_days".into(),
            better: Better::Higher,
            limits: vec![Limit {
                outcome: "p_grade4".into(),
                max: 0.5,
            }],
            tie_break: None,
            description: "longest PFS with P(grade 4) ≤ 0.5".into(),
        }
    }

    #[test]
    fn limits_then_objective_then_infeasible() {
        let mut plans = vec![
            plan("A", 200.0, 0.1),
            plan("B", 300.0, 0.7), // best PFS but over the limit
            plan("C", 250.0, 0.2),
            plan("D", 400.0, 0.0),
        ];
        plans[3].infeasible = Some("contraindicated".into());
        let r = rank(&plans, &objective()).unwrap();
        let order: Vec<&str> = r.plans.iter().map(|p| p.plan_name.as_str()).collect();
        assert_eq!(order, ["C", "A", "B", "D"]);
        assert_eq!(
            r.plans[2].reason,
            "over a limit: p_grade4 0.700 > limit 0.500"
        );
        // C 250 [220, 280] and A 200 [170, 230] overlap.
        assert!(
            r.explanation.contains("`C` ranks first"),
            "{}",
            r.explanation
        );
        assert!(r.explanation.contains("overlap"), "{}", r.explanation);
    }

    #[test]
    fn missing_outcome_is_an_error_not_a_silent_rank() {
        let mut p = plan("A", 200.0, 0.1);
        p.outcomes.remove(1);
        assert!(rank(&[p], &objective()).is_err());
        assert!(rank::<()>(&[], &objective()).is_err());
    }
}
