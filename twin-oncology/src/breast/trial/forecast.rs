//! One patient's regimen forecasts from the trial-fitted population: draws
//! with the patient's biomarkers, updated by the patient's own response on an
//! earlier line (importance weighting of the draws by the likelihood of the
//! measured sums of diameters, then systematic resampling), then every
//! candidate regimen simulated on the same posterior draws.

use super::agents::{Agent, Biomarkers, Therapy, TnbcSubtype};
use super::cohort::{MbcCohortSpec, VirtualMbcPatient, sample_patients};
use super::course::{log_size_ratio, simulate};
use super::efficacy::Efficacy;
use crate::breast::twin::SIGMA_LOG_SIZE;
use crate::error::{OncologyError, Result};
use crate::trial_summary::DAYS_PER_MONTH;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use twin_core::stats::quantile_sorted;

/// Forecast horizon, days (5 years): later progression counts as "beyond".
pub const FORECAST_HORIZON_DAYS: f64 = 5.0 * 365.25;

/// An earlier line of treatment with the patient's measured response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviousLine {
    /// Agents given.
    pub therapies: Vec<Therapy>,
    /// Sums of target-lesion diameters: (days since the start of that line, mm).
    /// The first is the reference the later ones are compared with: the line's
    /// baseline when its day is 0; with a later first day the likelihood compares
    /// the change from that day, `ln(y(t)/y(t₀)) = f(t) − f(t₀)`.
    pub sizes_mm: Vec<(f64, f64)>,
}

/// What the forecast knows about the patient (no identifiers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientProfile {
    /// Biomarkers and endocrine history.
    pub biomarkers: Biomarkers,
    /// Current sum of target-lesion diameters, mm (the next line's baseline).
    pub baseline_mm: f64,
    /// The line just given, if measured (updates the patient's effects).
    #[serde(default)]
    pub previous_line: Option<PreviousLine>,
    /// Earlier chemotherapy lines for metastatic disease before the next line
    /// (counting a cytotoxic previous line).
    #[serde(default)]
    pub prior_chemotherapy_lines: f64,
}

/// Forecast of one candidate regimen over the posterior draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegimenPfsForecast {
    /// Regimen name.
    pub name: String,
    /// Median PFS (continuous progression time, horizon = "beyond"), months.
    pub median_pfs_months: f64,
    /// 5th–95th percentile of PFS, months.
    pub pfs_interval_months: (f64, f64),
    /// Probability of a RECIST response (≥ 30 % shrinkage at an 8-weekly scan).
    pub p_response: f64,
    /// Probability of no progression at 12 months.
    pub p_progression_free_12_months: f64,
}

/// Ranked forecasts (longest median PFS first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MbcForecast {
    /// Posterior draws.
    pub n_draws: usize,
    /// Effective sample size of the importance weights (= `n_draws` without a previous line).
    pub effective_sample_size: f64,
    /// Candidates, best first.
    pub forecasts: Vec<RegimenPfsForecast>,
}

impl PatientProfile {
    /// Check the sizes (positive, finite, days ≥ 0 increasing) and therapies.
    pub fn validate(&self) -> Result<()> {
        crate::error::check_in_range("baseline_mm", self.baseline_mm, 1.0, 1000.0)?;
        let b = &self.biomarkers;
        TnbcSubtype::check_triple_negative(
            b.tnbc_subtype,
            "biomarkers.tnbc_subtype",
            b.hr_positive,
            b.her2_positive,
        )?;
        if let Some(ki67) = b.ki67_percent {
            crate::error::check_in_range("biomarkers.ki67_percent", ki67, 0.0, 100.0)?;
        }
        if let Some(line) = &self.previous_line {
            if line.sizes_mm.len() < 2 {
                return Err(OncologyError::invalid(
                    "previous_line.sizes_mm",
                    line.sizes_mm.len(),
                    "at least a baseline and one follow-up measurement",
                ));
            }
            for (i, &(t, mm)) in line.sizes_mm.iter().enumerate() {
                crate::error::check_in_range(
                    &format!("previous_line.sizes_mm[{i}].mm"),
                    mm,
                    1.0,
                    1000.0,
                )?;
                crate::error::check_in_range(
                    &format!("previous_line.sizes_mm[{i}].day"),
                    t,
                    0.0,
                    3650.0,
                )?;
            }
            if line.sizes_mm.windows(2).any(|w| w[1].0 <= w[0].0) {
                return Err(OncologyError::invalid(
                    "previous_line.sizes_mm",
                    "days not increasing",
                    "strictly increasing days",
                ));
            }
            for t in &line.therapies {
                t.dose_ratio()?;
            }
        }
        Ok(())
    }
}

/// Draws of this patient from the population (biomarkers fixed, baseline as given).
fn prior_draws(
    profile: &PatientProfile,
    e: &Efficacy,
    n: usize,
    seed: u64,
) -> Result<Vec<VirtualMbcPatient>> {
    let b = &profile.biomarkers;
    let frac = |x: bool| f64::from(u8::from(x));
    let cohort = MbcCohortSpec {
        hr_positive_fraction: frac(b.hr_positive),
        her2_positive_fraction: frac(b.her2_positive),
        pik3ca_mutant_fraction: frac(b.pik3ca_mutant),
        prior_endocrine_progression_fraction: frac(b.prior_endocrine_progression),
        germline_brca_fraction: frac(b.germline_brca),
        esr1_mutant_fraction: frac(b.esr1_mutant),
        her2_low_fraction: frac(b.her2_low),
        prior_chemotherapy_lines: profile.prior_chemotherapy_lines,
        baseline_sum_median_mm: profile.baseline_mm,
    };
    let mut draws = sample_patients(
        &cohort,
        e,
        n,
        (FORECAST_HORIZON_DAYS, FORECAST_HORIZON_DAYS),
        seed,
    )?;
    for d in &mut draws {
        d.baseline_mm = profile.baseline_mm;
        d.biomarkers.tnbc_subtype = b.tnbc_subtype;
        d.biomarkers.ki67_percent = b.ki67_percent;
    }
    Ok(draws)
}

/// Importance weights of the draws given the previous line's sizes (log-normal
/// measurement error σ = [`SIGMA_LOG_SIZE`]), normalised.
fn weights(draws: &[VirtualMbcPatient], line: &PreviousLine, e: &Efficacy) -> Result<Vec<f64>> {
    let log_lik: Vec<f64> = draws
        .iter()
        .map(|d| log_likelihood(d, line, e))
        .collect::<Result<_>>()?;
    let max = log_lik.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = log_lik.iter().map(|l| (l - max).exp()).collect();
    let total: f64 = w.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return Err(OncologyError::invalid(
            "previous_line",
            "no draw explains the sizes",
            "sizes the population can produce",
        ));
    }
    Ok(w.into_iter().map(|x| x / total).collect())
}

/// Log-likelihood (up to a constant) of the previous line's sizes for draw `d`: each
/// size after the first against the first, `ln(y/y₀)` against the model's change
/// `f(t) − f(t₀)` over the same days (`f` = [`log_size_ratio`], `t₀` the first day).
fn log_likelihood(d: &VirtualMbcPatient, line: &PreviousLine, e: &Efficacy) -> Result<f64> {
    let (t0, y0) = line.sizes_mm[0];
    let f0 = log_size_ratio(d, &line.therapies, e, t0)?;
    line.sizes_mm[1..].iter().try_fold(0.0, |acc, &(t, mm)| {
        let model = log_size_ratio(d, &line.therapies, e, t)? - f0;
        let r = ((mm / y0).ln() - model) / SIGMA_LOG_SIZE;
        Ok::<f64, OncologyError>(acc - 0.5 * r * r)
    })
}

/// Systematic resampling of `w` (normalised) into `n` indices.
fn systematic_resample(w: &[f64], n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let u0: f64 = rng.random_range(0.0..1.0);
    let mut out = Vec::with_capacity(n);
    let (mut cum, mut i) = (w[0], 0);
    for k in 0..n {
        let u = (u0 + k as f64) / n as f64;
        while u > cum && i + 1 < w.len() {
            i += 1;
            cum += w[i];
        }
        out.push(i);
    }
    out
}

/// Forecast `candidates` (name, agents) for the patient with `n_draws` posterior
/// draws (seeded; deterministic also in parallel).
pub fn forecast_regimens(
    profile: &PatientProfile,
    candidates: &[(String, Vec<Therapy>)],
    e: &Efficacy,
    n_draws: usize,
    seed: u64,
) -> Result<MbcForecast> {
    profile.validate()?;
    if n_draws < 20 || candidates.is_empty() {
        return Err(OncologyError::invalid(
            "n_draws / candidates",
            format!("{n_draws} / {}", candidates.len()),
            "at least 20 draws and one candidate",
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draws = prior_draws(profile, e, n_draws, rng.random())?;
    let mut ess = n_draws as f64;
    if let Some(line) = &profile.previous_line {
        // Weight draws made with the previous line's baseline, then move them to today.
        // (that line did not count itself among the earlier chemotherapy lines).
        let own = f64::from(u8::from(line.therapies.iter().any(|t| t.agent.cytotoxic())));
        let mut at_start = draws.clone();
        for d in &mut at_start {
            d.baseline_mm = line.sizes_mm[0].1;
            d.prior_chemotherapy_lines = (d.prior_chemotherapy_lines - own).max(0.0);
        }
        let w = weights(&at_start, line, e)?;
        ess = 1.0 / w.iter().map(|x| x * x).sum::<f64>();
        let idx = systematic_resample(&w, n_draws, &mut rng);
        let days = line.sizes_mm.last().map_or(0.0, |s| s.0);
        draws = idx
            .into_iter()
            .map(|i| {
                let mut d = draws[i].clone();
                for t in &line.therapies {
                    d.prior_exposure_days[t.agent.index()] += days;
                }
                d
            })
            .collect();
    }
    let mut forecasts = candidates
        .iter()
        .map(|(name, arm)| {
            let courses = draws
                .par_iter()
                .map(|d| simulate(d, arm, e, 56.0))
                .collect::<Result<Vec<_>>>()?;
            let mut pfs: Vec<f64> = courses
                .iter()
                .map(|c| c.onset_days / DAYS_PER_MONTH)
                .collect();
            pfs.sort_by(f64::total_cmp);
            let n = courses.len() as f64;
            Ok(RegimenPfsForecast {
                name: name.clone(),
                median_pfs_months: quantile_sorted(&pfs, 0.5),
                pfs_interval_months: (quantile_sorted(&pfs, 0.05), quantile_sorted(&pfs, 0.95)),
                p_response: courses.iter().filter(|c| c.responded).count() as f64 / n,
                p_progression_free_12_months: pfs.iter().filter(|&&m| m > 12.0).count() as f64 / n,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    forecasts.sort_by(|a, b| b.median_pfs_months.total_cmp(&a.median_pfs_months));
    Ok(MbcForecast {
        n_draws,
        effective_sample_size: ess,
        forecasts,
    })
}

impl Biomarkers {
    /// Biomarkers from the breast twin's receptor panel (HR = ER or PR; the
    /// triple-negative subtype and Ki-67 as recorded; Ki-67 unknown when not
    /// measured); PIK3CA and
    /// endocrine history are not in that panel and are given here; germline BRCA and
    /// ESR1 are not in it either and are set false.
    pub fn from_receptors(
        r: &crate::breast::therapy::Receptors,
        pik3ca_mutant: bool,
        prior_endocrine_progression: bool,
    ) -> Self {
        Self {
            hr_positive: r.er_positive || r.pr_positive,
            her2_positive: r.her2_positive,
            pik3ca_mutant,
            prior_endocrine_progression,
            germline_brca: false,
            esr1_mutant: false,
            her2_low: r.her2_low && !r.her2_positive,
            tnbc_subtype: r.tnbc_subtype,
            ki67_percent: r.ki67_measured.then_some(r.ki67_percent),
        }
    }
}

impl PreviousLine {
    /// The line recorded in a breast twin record, when its drug is one the trial
    /// population knows (paclitaxel, docetaxel; dose intensity from the regimen);
    /// `None` otherwise. Sizes are taken as recorded (days since the line began).
    pub fn from_record(record: &crate::breast::twin::PatientRecord) -> Option<Self> {
        use crate::breast::pk::Drug;
        let r = &record.regimen;
        let agent = match r.drug {
            Drug::Paclitaxel => Agent::Paclitaxel,
            Drug::Docetaxel => Agent::Docetaxel,
            _ => return None,
        };
        let per_week = r.dose_mg_per_m2 * r.dose_days.len() as f64 * 7.0 / r.cycle_days;
        Some(Self {
            therapies: vec![Therapy {
                agent,
                dose_mg_per_m2_per_week: Some(per_week),
            }],
            sizes_mm: record.tumour_mm.clone(),
        })
    }
}

/// Candidate regimens of current metastatic care for a patient with these
/// biomarkers (first-line choices, and for HER2-positive tumours the two
/// antibody–drug conjugates of later lines; doses as in the trials above).
pub fn standard_candidates(b: &Biomarkers) -> Vec<(String, Vec<Therapy>)> {
    let t = |agent: Agent, dose: Option<f64>| Therapy {
        agent,
        dose_mg_per_m2_per_week: dose,
    };
    let pac = t(Agent::Paclitaxel, Some(67.5));
    let doc = t(Agent::Docetaxel, Some(100.0 / 3.0));
    let mut c = vec![
        ("paclitaxel 90 mg/m2 d1,8,15 q28d".to_string(), vec![pac]),
        ("docetaxel 100 mg/m2 q3w".to_string(), vec![doc]),
        (
            "paclitaxel + bevacizumab".to_string(),
            vec![pac, t(Agent::Bevacizumab, None)],
        ),
        (
            "capecitabine 1250 mg/m2 bid d1-14 q3w".to_string(),
            vec![t(Agent::Capecitabine, Some(2500.0 * 14.0 / 3.0))],
        ),
    ];
    if !b.hr_positive && !b.her2_positive {
        c.push((
            "sacituzumab govitecan 10 mg/kg d1,8 q3w".into(),
            vec![t(Agent::SacituzumabGovitecan, None)],
        ));
    }
    // DESTINY-Breast04 (HER2-low); HER2-positive tumours get it below, with the
    // conjugates of DESTINY-Breast03.
    if b.her2_low {
        c.push((
            "trastuzumab deruxtecan 5.4 mg/kg q3w".into(),
            vec![t(Agent::TrastuzumabDeruxtecan, None)],
        ));
    }
    if b.germline_brca && !b.her2_positive {
        c.push(("olaparib 300 mg bid".into(), vec![t(Agent::Olaparib, None)]));
    }
    if b.her2_positive {
        let doc75 = t(Agent::Docetaxel, Some(25.0));
        c.push((
            "docetaxel 75 + trastuzumab + pertuzumab".into(),
            vec![
                doc75,
                t(Agent::Trastuzumab, None),
                t(Agent::Pertuzumab, None),
            ],
        ));
        c.push((
            "trastuzumab deruxtecan 5.4 mg/kg q3w".into(),
            vec![t(Agent::TrastuzumabDeruxtecan, None)],
        ));
        c.push((
            "trastuzumab emtansine 3.6 mg/kg q3w".into(),
            vec![t(Agent::TrastuzumabEmtansine, None)],
        ));
    }
    if b.hr_positive {
        let (endocrine, name) = if b.prior_endocrine_progression {
            (t(Agent::Fulvestrant, None), "fulvestrant")
        } else {
            (t(Agent::AromataseInhibitor, None), "aromatase inhibitor")
        };
        c.push((
            format!("{name} + CDK4/6 inhibitor"),
            vec![endocrine, t(Agent::Cdk46Inhibitor, None)],
        ));
        if b.pik3ca_mutant {
            c.push((
                "fulvestrant + alpelisib".into(),
                vec![t(Agent::Fulvestrant, None), t(Agent::Alpelisib, None)],
            ));
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Systematic resampling keeps every draw once under equal weights, and
    /// gives each draw ⌊n·w⌋ or ⌈n·w⌉ copies in general.
    #[test]
    fn systematic_resampling_is_exact_to_one_copy() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let equal = vec![0.25; 4];
        assert_eq!(systematic_resample(&equal, 4, &mut rng), vec![0, 1, 2, 3]);
        let w = [0.5, 0.3, 0.15, 0.05];
        let idx = systematic_resample(&w, 100, &mut rng);
        for (i, wi) in w.iter().enumerate() {
            let copies = idx.iter().filter(|&&j| j == i).count() as f64;
            assert!((copies - 100.0 * wi).abs() <= 1.0, "{i}: {copies}");
        }
    }

    /// A previous line measured from a day after its start (t₀ = 28): the sizes lie
    /// exactly on one draw's curve, so that draw's log-likelihood is 0 and its weight
    /// the largest. (Comparing `ln(y/y₀)` with `f(t)` instead of `f(t) − f(t₀)` gave
    /// it −Σ(f(t₀)/σ)²/2.)
    #[test]
    fn a_previous_line_first_measured_after_its_start_is_compared_from_that_day() {
        let e = Efficacy::fitted();
        let pac = vec![Therapy {
            agent: Agent::Paclitaxel,
            dose_mg_per_m2_per_week: Some(67.5),
        }];
        let profile = PatientProfile {
            biomarkers: Biomarkers::default(),
            baseline_mm: 40.0,
            previous_line: None,
            prior_chemotherapy_lines: 0.0,
        };
        let draws = prior_draws(&profile, &e, 200, 7).unwrap();
        let f = |t: f64| log_size_ratio(&draws[0], &pac, &e, t).unwrap();
        assert!(f(28.0).abs() > 0.05, "f(28) = {}", f(28.0));
        let line = PreviousLine {
            therapies: pac.clone(),
            sizes_mm: [28.0, 56.0, 112.0]
                .iter()
                .map(|&t| (t, 40.0 * (f(t) - f(28.0)).exp()))
                .collect(),
        };
        assert!(log_likelihood(&draws[0], &line, &e).unwrap().abs() < 1e-12);
        let w = weights(&draws, &line, &e).unwrap();
        let max = w.iter().copied().fold(0.0, f64::max);
        assert_eq!(w[0], max);
    }
}
