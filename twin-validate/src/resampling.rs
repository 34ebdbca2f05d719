//! Cross-validation splits (stratified k-fold, repeated), temporal splits and Harrell's
//! optimism-corrected bootstrap validation (Harrell, Lee & Mark 1996, Stat Med 15:361).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::bootstrap::resample_indices;
use crate::check;
use crate::error::{Result, ValidateError};

/// One train/test split (indices into the caller's patients).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Patients to fit on.
    pub train: Vec<usize>,
    /// Held-out patients to score on.
    pub test: Vec<usize>,
}

/// Stratified k-fold: each stratum (e.g. outcome class) is shuffled with `seed` and dealt
/// round-robin into `k` folds, so every fold keeps the class mix.
pub fn stratified_kfold(strata: &[usize], k: usize, seed: u64) -> Result<Vec<Split>> {
    let n = strata.len();
    if k < 2 || k > n {
        return Err(ValidateError::invalid(
            "k",
            k,
            format!("2..={n} (number of patients)"),
        ));
    }
    let mut ids: Vec<usize> = strata.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold_of = vec![0usize; n];
    let mut next = 0;
    for id in ids {
        let mut members: Vec<usize> = (0..n).filter(|&i| strata[i] == id).collect();
        members.shuffle(&mut rng);
        for i in members {
            fold_of[i] = next % k;
            next += 1;
        }
    }
    Ok((0..k)
        .map(|f| Split {
            train: (0..n).filter(|&i| fold_of[i] != f).collect(),
            test: (0..n).filter(|&i| fold_of[i] == f).collect(),
        })
        .collect())
}

/// `repeats` stratified k-fold partitions with seeds seed, seed+1, ….
pub fn repeated_kfold(strata: &[usize], k: usize, repeats: usize, seed: u64) -> Result<Vec<Split>> {
    let mut out = Vec::with_capacity(k * repeats);
    for r in 0..repeats as u64 {
        out.extend(stratified_kfold(strata, k, seed.wrapping_add(r))?);
    }
    Ok(out)
}

/// Temporal split: train on patients with `time < cutoff` (e.g. year of surgery), test on
/// the rest. Errors when either side is empty.
pub fn temporal_split(time: &[f64], cutoff: f64) -> Result<Split> {
    check::min_len("time", time.len(), 2)?;
    check::finite("time", time)?;
    let train: Vec<usize> = (0..time.len()).filter(|&i| time[i] < cutoff).collect();
    let test: Vec<usize> = (0..time.len()).filter(|&i| time[i] >= cutoff).collect();
    if train.is_empty() || test.is_empty() {
        return Err(ValidateError::invalid(
            "cutoff",
            cutoff,
            "a time with patients on both sides",
        ));
    }
    Ok(Split { train, test })
}

/// Cross-validated score: mean and per-split values of `fit_score(train, test)`.
pub fn cross_validate<F>(splits: &[Split], fit_score: F) -> Result<(f64, Vec<f64>)>
where
    F: Fn(&[usize], &[usize]) -> Result<f64> + Sync,
{
    check::min_len("splits", splits.len(), 1)?;
    let scores: Vec<f64> = splits
        .par_iter()
        .map(|s| fit_score(&s.train, &s.test))
        .collect::<Result<_>>()?;
    Ok((scores.iter().sum::<f64>() / scores.len() as f64, scores))
}

/// Harrell's optimism-corrected performance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimismCorrected {
    /// Performance of the model fitted and scored on all patients.
    pub apparent: f64,
    /// Mean over replicates of (score on the bootstrap sample − score on the original data)
    /// of the model refitted on the bootstrap sample.
    pub optimism: f64,
    /// apparent − optimism.
    pub corrected: f64,
    /// Replicates that produced a value.
    pub replicates_used: usize,
}

/// Harrell's bootstrap validation: `fit_score(fit_on, score_on)` refits the whole modelling
/// procedure on `fit_on` and returns its performance on `score_on`.
pub fn optimism_corrected<F>(
    n: usize,
    replicates: usize,
    seed: u64,
    fit_score: F,
) -> Result<OptimismCorrected>
where
    F: Fn(&[usize], &[usize]) -> Result<f64> + Sync,
{
    check::min_len("patients", n, 2)?;
    check::min_len("replicates", replicates, 1)?;
    let all: Vec<usize> = (0..n).collect();
    let apparent = fit_score(&all, &all)?;
    let opt: Vec<f64> = (0..replicates as u64)
        .into_par_iter()
        .map(|b| {
            let idx = resample_indices(n, None, seed, b);
            Some(fit_score(&idx, &idx).ok()? - fit_score(&idx, &all).ok()?)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    if opt.is_empty() {
        return Err(ValidateError::undefined(
            "optimism",
            "the fit failed in every bootstrap replicate",
        ));
    }
    let optimism = opt.iter().sum::<f64>() / opt.len() as f64;
    Ok(OptimismCorrected {
        apparent,
        optimism,
        corrected: apparent - optimism,
        replicates_used: opt.len(),
    })
}
