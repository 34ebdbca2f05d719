//! Column standardisation for penalised fits: a ridge penalty treats covariates
//! alike only when they share a scale.

use serde::{Deserialize, Serialize};

/// Training means and standard deviations of each covariate column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardiser {
    /// Column means.
    pub mean: Vec<f64>,
    /// Column standard deviations (population, divisor n); 1 for a constant column.
    pub sd: Vec<f64>,
}

impl Standardiser {
    /// Means and SDs of the columns of `rows` (all rows as long as the first;
    /// an empty input gives an empty standardiser).
    pub fn fit(rows: &[Vec<f64>]) -> Self {
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
        Self { mean, sd }
    }

    /// `(x_j − mean_j) / sd_j` for each column (extra entries of `x` are ignored).
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(self.mean.iter().zip(&self.sd))
            .map(|(v, (m, s))| (v - m) / s)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_get_mean_zero_and_sd_one_constant_columns_stay_finite() {
        let rows = vec![vec![1.0, 5.0], vec![3.0, 5.0], vec![5.0, 5.0]];
        let s = Standardiser::fit(&rows);
        assert_eq!(s.mean, vec![3.0, 5.0]);
        assert!((s.sd[0] - (8.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(s.sd[1], 1.0);
        assert_eq!(s.apply(&[3.0, 5.0]), vec![0.0, 0.0]);
    }
}
