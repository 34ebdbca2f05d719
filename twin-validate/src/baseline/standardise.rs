//! Column standardisation for penalised fits: a ridge penalty treats covariates
//! alike only when they share a scale.

use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::Result;

/// Training means and standard deviations of each covariate column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardiser {
    /// Column means.
    pub mean: Vec<f64>,
    /// Column standard deviations (population, divisor n); 1 for a constant column.
    pub sd: Vec<f64>,
}

impl Standardiser {
    /// Means and SDs of the columns of `rows` (an empty input gives an empty
    /// standardiser); ragged or non-finite rows are an error naming the row.
    pub fn fit(rows: &[Vec<f64>]) -> Result<Self> {
        super::rectangular(rows)?;
        let n = rows.len() as f64;
        let p = rows.first().map_or(0, Vec::len);
        let mean: Vec<f64> = (0..p)
            .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
            .collect();
        let sd = (0..p)
            .map(|j| {
                let v = rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
                if v > 0.0 { v.sqrt() } else { 1.0 }
            })
            .collect();
        Ok(Self { mean, sd })
    }

    /// `(x_j − mean_j) / sd_j` for each column; `x` must hold one finite value per column.
    pub fn apply(&self, x: &[f64]) -> Result<Vec<f64>> {
        check::same_len("x", x.len(), "columns", self.mean.len())?;
        check::finite("x", x)?;
        Ok(x.iter()
            .zip(self.mean.iter().zip(&self.sd))
            .map(|(v, (m, s))| (v - m) / s)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_get_mean_zero_and_sd_one_constant_columns_stay_finite() {
        let rows = vec![vec![1.0, 5.0], vec![3.0, 5.0], vec![5.0, 5.0]];
        let s = Standardiser::fit(&rows).unwrap();
        assert_eq!(s.mean, vec![3.0, 5.0]);
        assert!((s.sd[0] - (8.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(s.sd[1], 1.0);
        assert_eq!(s.apply(&[3.0, 5.0]).unwrap(), vec![0.0, 0.0]);
        assert!(s.apply(&[3.0]).is_err());
        assert!(Standardiser::fit(&[vec![1.0, 2.0], vec![3.0]]).is_err());
    }
}
