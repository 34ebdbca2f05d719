//! Input checks shared by every public function (validated once, at the boundary).

use crate::error::{Result, ValidateError};

/// Both slices describe the same patients.
pub(crate) fn same_len(a: &str, la: usize, b: &str, lb: usize) -> Result<()> {
    if la != lb {
        return Err(ValidateError::LengthMismatch {
            field_a: a.into(),
            len_a: la,
            field_b: b.into(),
            len_b: lb,
        });
    }
    Ok(())
}

/// A ridge penalty: finite and ≥ 0.
pub(crate) fn penalty(l2_penalty: f64) -> Result<f64> {
    if l2_penalty.is_finite() && l2_penalty >= 0.0 {
        Ok(l2_penalty)
    } else {
        Err(ValidateError::invalid(
            "l2_penalty",
            l2_penalty,
            "a finite penalty >= 0",
        ))
    }
}

/// At least `min` elements.
pub(crate) fn min_len(field: &str, len: usize, min: usize) -> Result<()> {
    if len < min {
        return Err(ValidateError::invalid(
            field,
            format!("{len} elements"),
            format!("at least {min} elements"),
        ));
    }
    Ok(())
}

/// Every value finite (no NaN / ±inf).
pub(crate) fn finite(field: &str, x: &[f64]) -> Result<()> {
    if let Some((i, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ValidateError::invalid(
            format!("{field}[{i}]"),
            v,
            "a finite number",
        ));
    }
    Ok(())
}

/// Every value a probability in [0, 1].
pub(crate) fn probabilities(field: &str, p: &[f64]) -> Result<()> {
    if let Some((i, v)) = p
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && (0.0..=1.0).contains(*v)))
    {
        return Err(ValidateError::invalid(
            format!("{field}[{i}]"),
            v,
            "a probability in [0, 1]",
        ));
    }
    Ok(())
}

/// Every value a finite, non-negative time.
pub(crate) fn times(field: &str, t: &[f64]) -> Result<()> {
    if let Some((i, v)) = t
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        return Err(ValidateError::invalid(
            format!("{field}[{i}]"),
            v,
            "a finite time >= 0",
        ));
    }
    Ok(())
}

/// Both outcome classes present; returns (positives, negatives).
pub(crate) fn both_classes(field: &str, labels: &[bool]) -> Result<(usize, usize)> {
    let pos = labels.iter().filter(|&&y| y).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 {
        return Err(ValidateError::invalid(
            field,
            format!("{pos} positives and {neg} negatives"),
            "at least one positive and one negative outcome",
        ));
    }
    Ok((pos, neg))
}

/// Standard survival inputs: equal lengths, non-empty, times >= 0, scores finite.
pub(crate) fn survival(time: &[f64], event: &[bool], score: Option<&[f64]>) -> Result<()> {
    min_len("time", time.len(), 1)?;
    same_len("time", time.len(), "event", event.len())?;
    times("time", time)?;
    if let Some(s) = score {
        same_len("time", time.len(), "risk", s.len())?;
        finite("risk", s)?;
    }
    Ok(())
}

/// Binary inputs: equal lengths, non-empty, finite scores.
pub(crate) fn binary(labels: &[bool], scores: &[f64], score_name: &str) -> Result<()> {
    min_len("labels", labels.len(), 1)?;
    same_len("labels", labels.len(), score_name, scores.len())?;
    finite(score_name, scores)
}

/// Sorting order of `x` ascending, ties by index (a stable order); `x` must be finite.
///
/// Sorts (value, index) pairs rather than indices, so comparisons read contiguous memory;
/// large inputs sort in parallel (rayon).
pub(crate) fn argsort(x: &[f64]) -> Vec<usize> {
    use rayon::slice::ParallelSliceMut;
    let mut pairs: Vec<(f64, usize)> = x.iter().copied().zip(0..).collect();
    let cmp = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    if pairs.len() > 50_000 {
        pairs.par_sort_unstable_by(cmp);
    } else {
        pairs.sort_unstable_by(cmp);
    }
    pairs.into_iter().map(|(_, i)| i).collect()
}
