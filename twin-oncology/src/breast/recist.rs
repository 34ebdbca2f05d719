//! RECIST 1.1 response from the sum of target-lesion diameters, and
//! progression-free survival from a series of assessments.
//!
//! Eisenhauer et al. 2009, Eur J Cancer 45:228 (RECIST 1.1), section 4.3.1:
//! * complete response (CR): all target lesions gone (sum 0 mm);
//! * partial response (PR): sum ≥ 30% below the **baseline** sum;
//! * progressive disease (PD): sum ≥ 20% above the **smallest sum on study**
//!   (the nadir, which includes the baseline) **and** ≥ 5 mm larger in
//!   absolute terms; the appearance of a new lesion is also PD;
//! * stable disease (SD): neither.
//!
//! After a complete response (nadir sum 0 mm) the 20 % / 5 mm rule does not apply:
//! when CR was assigned at a previous assessment, the reappearance of any lesion
//! (a sum > 0 mm) is PD (EORTC RECIST working group, RECIST 1.1 FAQ "Does a new
//! lesion always result in PD?", recist.eortc.org/faq). The model's sums are
//! confirmed measurements, so a nadir of 0 mm is taken as a definitive CR.

use crate::error::{OncologyError, Result};
use serde::{Deserialize, Serialize};

/// Relative decrease from baseline that defines a partial response.
pub const PR_DECREASE_FRACTION: f64 = 0.30;
/// Relative increase from nadir that (with [`PD_MIN_INCREASE_MM`]) defines progression.
pub const PD_INCREASE_FRACTION: f64 = 0.20;
/// Smallest absolute increase from nadir that counts as progression, mm.
pub const PD_MIN_INCREASE_MM: f64 = 5.0;
/// Tolerance for the percentage thresholds so that an exact 30% / 20% change
/// written in decimal is classified as meeting the threshold.
const EPS: f64 = 1e-9;

/// RECIST 1.1 overall response category for target lesions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// Complete response.
    CR,
    /// Partial response.
    PR,
    /// Stable disease.
    SD,
    /// Progressive disease.
    PD,
}

/// One tumour assessment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Days since the start of treatment.
    pub t_days: f64,
    /// Sum of target-lesion diameters, mm.
    pub sum_mm: f64,
    /// Whether a new lesion appeared at this assessment.
    pub new_lesion: bool,
}

/// Classify one follow-up sum against the baseline and the nadir so far.
pub fn classify(
    baseline_mm: f64,
    nadir_mm: f64,
    sum_mm: f64,
    new_lesion: bool,
) -> Result<Response> {
    for (field, v) in [
        ("baseline_mm", baseline_mm),
        ("nadir_mm", nadir_mm),
        ("sum_mm", sum_mm),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(OncologyError::invalid(
                field,
                v,
                "a finite diameter sum >= 0 mm",
            ));
        }
    }
    if baseline_mm == 0.0 {
        return Err(OncologyError::invalid(
            "baseline_mm",
            0,
            "a baseline sum > 0 mm (measurable disease)",
        ));
    }
    let increase = sum_mm - nadir_mm;
    // After a complete response any reappearance is progression (EORTC RECIST FAQ).
    let reappeared = nadir_mm == 0.0 && sum_mm > 0.0;
    let progressed = reappeared
        || (increase >= PD_MIN_INCREASE_MM - EPS
            && increase / nadir_mm >= PD_INCREASE_FRACTION - EPS);
    Ok(if new_lesion || progressed {
        Response::PD
    } else if sum_mm == 0.0 {
        Response::CR
    } else if (baseline_mm - sum_mm) / baseline_mm >= PR_DECREASE_FRACTION - EPS {
        Response::PR
    } else {
        Response::SD
    })
}

/// Responses at every follow-up assessment (the first entry is the baseline
/// and gets no category). Times must be strictly increasing.
pub fn classify_series(series: &[Assessment]) -> Result<Vec<Response>> {
    let Some(first) = series.first() else {
        return Err(OncologyError::invalid(
            "series.len()",
            0,
            "at least one assessment (the baseline)",
        ));
    };
    let mut nadir = first.sum_mm;
    let mut out = Vec::with_capacity(series.len().saturating_sub(1));
    for w in series.windows(2) {
        if w[1].t_days.partial_cmp(&w[0].t_days) != Some(std::cmp::Ordering::Greater) {
            return Err(OncologyError::invalid(
                "t_days",
                w[1].t_days,
                "strictly increasing assessment times",
            ));
        }
        let r = classify(first.sum_mm, nadir, w[1].sum_mm, w[1].new_lesion)?;
        nadir = nadir.min(w[1].sum_mm);
        out.push(r);
    }
    Ok(out)
}

/// Progression-free survival read off a series of assessments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pfs {
    /// Time of the first PD assessment, or of the last assessment if none, days.
    pub t_days: f64,
    /// True when progression was seen; false when censored at the last assessment.
    pub progressed: bool,
}

/// PFS: the time of the first assessment classified PD.
pub fn progression_free_survival(series: &[Assessment]) -> Result<Pfs> {
    let responses = classify_series(series)?;
    let last = series[series.len() - 1].t_days;
    Ok(responses
        .iter()
        .position(|r| *r == Response::PD)
        .map(|i| Pfs {
            t_days: series[i + 1].t_days,
            progressed: true,
        })
        .unwrap_or(Pfs {
            t_days: last,
            progressed: false,
        }))
}

/// Best overall response over a series (CR > PR > SD > PD, ignoring the
/// confirmation requirement).
pub fn best_response(series: &[Assessment]) -> Result<Option<Response>> {
    let rank = |r: &Response| match r {
        Response::CR => 0,
        Response::PR => 1,
        Response::SD => 2,
        Response::PD => 3,
    };
    Ok(classify_series(series)?.into_iter().min_by_key(rank))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(t: f64, s: f64) -> Assessment {
        Assessment {
            t_days: t,
            sum_mm: s,
            new_lesion: false,
        }
    }

    #[test]
    fn exactly_thirty_percent_is_partial_response() {
        assert_eq!(classify(100.0, 100.0, 70.0, false).unwrap(), Response::PR);
        assert_eq!(classify(50.0, 50.0, 35.0, false).unwrap(), Response::PR);
        assert_eq!(classify(100.0, 100.0, 70.1, false).unwrap(), Response::SD);
        assert_eq!(classify(100.0, 100.0, 0.0, false).unwrap(), Response::CR);
    }

    #[test]
    fn exactly_twenty_percent_and_five_mm_is_progression() {
        // Nadir 25 mm: +20% = 30 mm is exactly +5 mm → PD.
        assert_eq!(classify(40.0, 25.0, 30.0, false).unwrap(), Response::PD);
        assert_eq!(classify(40.0, 25.0, 29.9, false).unwrap(), Response::SD);
    }

    #[test]
    fn five_mm_rule_blocks_small_absolute_growth() {
        // Nadir 10 mm → 14 mm is +40% but only +4 mm: not PD (and it is a PR
        // against a 60 mm baseline).
        assert_eq!(classify(60.0, 10.0, 14.0, false).unwrap(), Response::PR);
        assert_eq!(classify(60.0, 10.0, 15.0, false).unwrap(), Response::PD);
    }

    #[test]
    fn progression_is_measured_from_the_nadir_not_the_baseline() {
        // Shrinks 100 → 50, then regrows to 61: still 39% below baseline (PR
        // by size) but +22% and +11 mm from the new reference (nadir) → PD.
        let s = [a(0.0, 100.0), a(42.0, 50.0), a(84.0, 61.0)];
        assert_eq!(
            classify_series(&s).unwrap(),
            vec![Response::PR, Response::PD]
        );
        let pfs = progression_free_survival(&s).unwrap();
        assert_eq!(
            pfs,
            Pfs {
                t_days: 84.0,
                progressed: true
            }
        );
        assert_eq!(best_response(&s).unwrap(), Some(Response::PR));
    }

    #[test]
    fn new_lesion_is_progression_and_no_pd_is_censored() {
        let mut s = vec![a(0.0, 50.0), a(42.0, 45.0)];
        assert_eq!(
            progression_free_survival(&s).unwrap(),
            Pfs {
                t_days: 42.0,
                progressed: false
            }
        );
        s.push(Assessment {
            t_days: 84.0,
            sum_mm: 40.0,
            new_lesion: true,
        });
        assert_eq!(progression_free_survival(&s).unwrap().t_days, 84.0);
    }

    /// RECIST 1.1 (Eisenhauer 2009; EORTC RECIST FAQ): after a complete response
    /// (nadir 0 mm) any reappearance is PD, even when smaller than the 5 mm
    /// absolute increase required from a non-zero nadir.
    #[test]
    fn reappearance_after_complete_response_is_progression() {
        assert_eq!(classify(100.0, 0.0, 3.0, false).unwrap(), Response::PD);
        assert_eq!(classify(100.0, 0.0, 0.0, false).unwrap(), Response::CR);
        let s = [a(0.0, 100.0), a(42.0, 0.0), a(84.0, 3.0)];
        assert_eq!(
            classify_series(&s).unwrap(),
            vec![Response::CR, Response::PD]
        );
        assert_eq!(
            progression_free_survival(&s).unwrap(),
            Pfs {
                t_days: 84.0,
                progressed: true
            }
        );
        // From a non-zero nadir the 5 mm rule still holds: 1 → 3 mm is SD-by-size
        // (here a PR against the 100 mm baseline).
        assert_eq!(classify(100.0, 1.0, 3.0, false).unwrap(), Response::PR);
    }

    #[test]
    fn bad_input() {
        assert!(
            classify(50.0, 50.0, -1.0, false)
                .unwrap_err()
                .to_string()
                .contains("sum_mm")
        );
        assert!(classify_series(&[]).is_err());
        assert!(classify_series(&[a(0.0, 10.0), a(0.0, 12.0)]).is_err());
    }
}
