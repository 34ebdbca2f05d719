//! Ranking of the forecast plans by the objective, and why the best one wins.

use super::forecast::PlanForecast;

/// Weights of the ranking objective.
pub mod objective {
    /// Weight of each severe hypoglycaemia event (expected count), in "complication" units.
    pub const SEVERE_HYPO: f64 = 0.5;
    /// Weight of the HbA1c burden above 7 % (%·years).
    pub const HBA1C_BURDEN: f64 = 0.01;
    /// Penalty per unit fraction of samples in which a label rule stopped or reduced a drug.
    pub const SAFETY_FLAG: f64 = 0.05;
}

/// The terms of the ranking objective for a plan: expected 5-year probabilities of a
/// CHD event (UKPDS 56), a microvascular event (UKPDS 33/35) and kidney failure (KFRE at
/// the horizon), plus 0.5 × expected severe hypoglycaemia events, 0.01 × HbA1c burden
/// above 7 % (%·years) and 0.05 × the fraction of samples with a label safety flag.
/// Posterior means are used. Lower is better.
pub fn score_terms(p: &PlanForecast) -> Vec<(&'static str, f64)> {
    vec![
        ("CHD risk", p.cv_risk_5y.mean),
        ("microvascular risk", p.microvascular_5y.mean),
        ("kidney failure risk (KFRE)", p.kfre_5y.mean),
        (
            "severe hypoglycaemia",
            objective::SEVERE_HYPO * p.severe_hypo_5y.mean,
        ),
        (
            "HbA1c burden above 7 %",
            objective::HBA1C_BURDEN * p.hba1c_burden.mean,
        ),
        (
            "label safety flags",
            objective::SAFETY_FLAG * p.safety_flag_fraction,
        ),
    ]
}

/// Rank plans by score (ties by name); infeasible plans last.
pub fn rank(plans: &mut [PlanForecast]) {
    let mut idx: Vec<usize> = (0..plans.len()).collect();
    idx.sort_by(|&a, &b| {
        plans[a]
            .score
            .total_cmp(&plans[b].score)
            .then(plans[a].plan.name.cmp(&plans[b].plan.name))
    });
    for (r, i) in idx.into_iter().enumerate() {
        plans[i].rank = r + 1;
    }
}

/// Why the top-ranked plan wins: its objective terms against the runner-up and against a
/// reference plan (e.g. the current regimen), largest differences first.
///
/// Only a feasible plan with a finite score is presented as the recommendation: when
/// no plan is feasible the text says so and gives each plan's reason instead.
pub fn explain(plans: &[PlanForecast], reference: Option<&str>) -> String {
    if plans.is_empty() {
        return "no plans".into();
    }
    let Some(best) = plans
        .iter()
        .filter(|p| p.infeasible.is_none() && p.score.is_finite())
        .min_by_key(|p| p.rank)
    else {
        let reasons: Vec<String> = plans
            .iter()
            .map(|p| {
                format!(
                    "'{}': {}",
                    p.plan.name,
                    p.infeasible
                        .as_deref()
                        .unwrap_or("the forecast gave no finite score")
                )
            })
            .collect();
        return format!(
            "No plan can be recommended: none of the {} candidate plans is feasible. {}.",
            plans.len(),
            reasons.join("; ")
        );
    };
    let mut s = format!(
        "'{}' ranks first (score {:.4}): HbA1c at 5 y {:.1} % [{:.1}–{:.1}], eGFR {:.0} [{:.0}–{:.0}], weight {:.1} kg.",
        best.plan.name,
        best.score,
        best.hba1c_5y.median,
        best.hba1c_5y.p05,
        best.hba1c_5y.p95,
        best.egfr_5y.median,
        best.egfr_5y.p05,
        best.egfr_5y.p95,
        best.weight_5y_kg.median
    );
    let mut compare = |other: &PlanForecast, label: &str| {
        // (name, difference other − best in the term's natural unit, unit, objective weight)
        let d = [
            (
                "CHD risk",
                100.0 * (other.cv_risk_5y.mean - best.cv_risk_5y.mean),
                "percentage points",
                0.01,
            ),
            (
                "microvascular risk",
                100.0 * (other.microvascular_5y.mean - best.microvascular_5y.mean),
                "percentage points",
                0.01,
            ),
            (
                "kidney failure risk",
                100.0 * (other.kfre_5y.mean - best.kfre_5y.mean),
                "percentage points",
                0.01,
            ),
            (
                "severe hypoglycaemia",
                100.0 * (other.severe_hypo_5y.mean - best.severe_hypo_5y.mean),
                "events per 100 patients",
                0.01 * objective::SEVERE_HYPO,
            ),
            (
                "HbA1c burden above 7 %",
                other.hba1c_burden.mean - best.hba1c_burden.mean,
                "%·years",
                objective::HBA1C_BURDEN,
            ),
        ];
        let mut d: Vec<_> = d.into_iter().filter(|x| x.1.abs() * x.3 > 1e-4).collect();
        d.sort_by(|x, y| (y.1.abs() * y.3).total_cmp(&(x.1.abs() * x.3)));
        let parts: Vec<String> = d
            .iter()
            .take(3)
            .map(|(n, v, u, _)| {
                format!(
                    "{n} {} by {:.2} {u}",
                    if *v > 0.0 { "lower" } else { "higher" },
                    v.abs()
                )
            })
            .collect();
        s.push_str(&format!(
            " Against {label} '{}' (score {:.4}): {}.",
            other.plan.name,
            other.score,
            parts.join("; ")
        ));
    };
    if let Some(second) = plans
        .iter()
        .filter(|p| p.rank > best.rank && p.infeasible.is_none() && p.score.is_finite())
        .min_by_key(|p| p.rank)
    {
        compare(second, "the runner-up");
    }
    if let Some(r) = reference.and_then(|n| {
        plans
            .iter()
            .find(|p| p.plan.name == n && p.rank != best.rank && p.infeasible.is_none())
    }) {
        compare(r, "the reference");
    }
    if best.safety_flag_fraction > 0.0 {
        s.push_str(&format!(
            " Caution: a label rule acted in {:.0} % of samples ({}).",
            100.0 * best.safety_flag_fraction,
            best.safety_example.clone().unwrap_or_default()
        ));
    }
    s
}
