//! Applicability domain: the range of each covariate in the training data, and a check
//! that flags a new patient outside it (ASME V&V 40: a model is credible only where it
//! was calibrated and validated).

use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::Result;

/// Training range of one covariate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CovariateRange {
    /// Covariate name (with unit, e.g. "age_years").
    pub name: String,
    /// Smallest training value.
    pub min: f64,
    /// Largest training value.
    pub max: f64,
    /// Training mean.
    pub mean: f64,
}

/// A covariate of a new patient outside its training range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutOfDomain {
    /// Covariate name.
    pub name: String,
    /// The patient's value.
    pub value: f64,
    /// Training minimum.
    pub min: f64,
    /// Training maximum.
    pub max: f64,
}

/// Per-covariate training ranges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicabilityDomain {
    /// One range per covariate, in column order.
    pub covariates: Vec<CovariateRange>,
    /// Number of training patients.
    pub n_training: usize,
}

impl ApplicabilityDomain {
    /// Ranges of the training `rows` (one per patient) with covariate `names`.
    pub fn from_training(names: &[&str], rows: &[Vec<f64>]) -> Result<Self> {
        check::min_len("rows", rows.len(), 1)?;
        let p = names.len();
        for (i, r) in rows.iter().enumerate() {
            check::same_len(&format!("rows[{i}]"), r.len(), "names", p)?;
            check::finite(&format!("rows[{i}]"), r)?;
        }
        let n = rows.len() as f64;
        let covariates = (0..p)
            .map(|j| {
                let col = rows.iter().map(|r| r[j]);
                CovariateRange {
                    name: names[j].to_string(),
                    min: col.clone().fold(f64::INFINITY, f64::min),
                    max: col.clone().fold(f64::NEG_INFINITY, f64::max),
                    mean: col.sum::<f64>() / n,
                }
            })
            .collect();
        Ok(Self {
            covariates,
            n_training: rows.len(),
        })
    }

    /// Covariates of patient `x` outside the training ranges (empty = inside the domain).
    pub fn check(&self, x: &[f64]) -> Result<Vec<OutOfDomain>> {
        check::same_len("x", x.len(), "covariates", self.covariates.len())?;
        check::finite("x", x)?;
        Ok(self
            .covariates
            .iter()
            .zip(x)
            .filter(|(c, v)| **v < c.min || **v > c.max)
            .map(|(c, v)| OutOfDomain {
                name: c.name.clone(),
                value: *v,
                min: c.min,
                max: c.max,
            })
            .collect())
    }
}
