//! Restricted (natural) cubic splines for flexible baselines: a covariate
//! enters a regression as itself plus `k − 2` cubic terms that make the
//! fitted curve smooth between `k` knots and linear beyond the outer ones
//! (Harrell 2015, Regression Modeling Strategies, 2nd ed., §2.4.5).
//! Written here because no maintained Rust crate offers the basis; it is
//! a few lines of closed form.

use serde::{Deserialize, Serialize};

use crate::error::{Result, ValidateError};

/// Knot quantiles Harrell recommends for 3–5 knots (RMS Table 2.3).
pub fn harrell_quantiles(n_knots: usize) -> Result<&'static [f64]> {
    match n_knots {
        3 => Ok(&[0.10, 0.50, 0.90]),
        4 => Ok(&[0.05, 0.35, 0.65, 0.95]),
        5 => Ok(&[0.05, 0.275, 0.50, 0.725, 0.95]),
        k => Err(ValidateError::invalid("n_knots", k, "3, 4 or 5")),
    }
}

/// A restricted cubic spline basis with fixed knots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestrictedCubicSpline {
    /// Strictly increasing knots (covariate units).
    pub knots: Vec<f64>,
}

impl RestrictedCubicSpline {
    /// Knots at Harrell's quantiles of `values` (training data only).
    pub fn from_quantiles(values: &[f64], n_knots: usize) -> Result<Self> {
        let q = harrell_quantiles(n_knots)?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(ValidateError::invalid(
                "values",
                "non-finite",
                "finite covariate values",
            ));
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return Err(ValidateError::invalid("values", "[]", "at least one value"));
        }
        // Linear interpolation between order statistics (type 7).
        let at = |p: f64| {
            let h = p * (v.len() - 1) as f64;
            let (lo, frac) = (h.floor() as usize, h - h.floor());
            v[lo] + frac * (v[(lo + 1).min(v.len() - 1)] - v[lo])
        };
        Self::new(q.iter().map(|&p| at(p)).collect())
    }

    /// A basis with the given knots (at least 3, strictly increasing, finite).
    pub fn new(knots: Vec<f64>) -> Result<Self> {
        if knots.len() < 3
            || knots.iter().any(|k| !k.is_finite())
            || knots.windows(2).any(|w| w[1] <= w[0])
        {
            return Err(ValidateError::invalid(
                "knots",
                format!("{knots:?}"),
                "at least 3 finite, strictly increasing knots (too few distinct values?)",
            ));
        }
        Ok(Self { knots })
    }

    /// `x` followed by the `k − 2` non-linear terms, each divided by
    /// `(t_k − t_1)²` so they share the covariate's scale.
    pub fn basis(&self, x: f64) -> Vec<f64> {
        let t = &self.knots;
        let k = t.len();
        let (tk, tk1) = (t[k - 1], t[k - 2]);
        let cube = |d: f64| if d > 0.0 { d * d * d } else { 0.0 };
        let scale = (tk - t[0]).powi(2);
        let mut out = Vec::with_capacity(k - 1);
        out.push(x);
        for &tj in &t[..k - 2] {
            let term = cube(x - tj) - cube(x - tk1) * (tk - tj) / (tk - tk1)
                + cube(x - tk) * (tk1 - tj) / (tk - tk1);
            out.push(term / scale);
        }
        out
    }
}

/// A covariate row with some columns expanded into restricted cubic splines: the
/// flexible baselines of the in-silico studies. The row becomes the other columns in
/// their order, then each expanded column's basis ([`RestrictedCubicSpline::basis`])
/// in the order of `columns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplineColumns {
    /// Indices of the expanded columns.
    pub columns: Vec<usize>,
    /// Their bases (knots from the training rows).
    pub splines: Vec<RestrictedCubicSpline>,
}

impl SplineColumns {
    /// Knots at Harrell's quantiles ([`harrell_quantiles`]) of each of `columns` over
    /// the training `rows`.
    pub fn fit(rows: &[Vec<f64>], columns: &[usize], n_knots: usize) -> Result<Self> {
        let splines = columns
            .iter()
            .map(|&j| {
                let col = rows
                    .iter()
                    .map(|r| {
                        r.get(j).copied().ok_or_else(|| {
                            ValidateError::invalid("columns", j, "an index inside every row")
                        })
                    })
                    .collect::<Result<Vec<f64>>>()?;
                RestrictedCubicSpline::from_quantiles(&col, n_knots)
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            columns: columns.to_vec(),
            splines,
        })
    }

    /// The expanded row of `x`.
    pub fn row(&self, x: &[f64]) -> Vec<f64> {
        let mut out: Vec<f64> = (0..x.len())
            .filter(|j| !self.columns.contains(j))
            .map(|j| x[j])
            .collect();
        for (s, &j) in self.splines.iter().zip(&self.columns) {
            out.extend(s.basis(x[j]));
        }
        out
    }

    /// Names of the expanded row's terms, from the names of the original columns
    /// (`name_rcs0` is the linear term, `name_rcs1…` the cubic ones).
    pub fn names(&self, names: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = (0..names.len())
            .filter(|j| !self.columns.contains(j))
            .map(|j| names[j].to_string())
            .collect();
        for (s, &j) in self.splines.iter().zip(&self.columns) {
            out.extend((0..s.knots.len() - 1).map(|k| format!("{}_rcs{k}", names[j])));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_is_linear_outside_the_outer_knots_and_cubic_inside() {
        let s = RestrictedCubicSpline::new(vec![0.0, 1.0, 2.5, 4.0]).unwrap();
        let second_diff = |x: f64, j: usize| {
            let h = 0.1;
            s.basis(x + h)[j] - 2.0 * s.basis(x)[j] + s.basis(x - h)[j]
        };
        for j in 1..3 {
            // Zero below the first knot, linear (zero curvature) above the last.
            assert_eq!(s.basis(-1.0)[j], 0.0);
            assert!(second_diff(6.0, j).abs() < 1e-12, "term {j}");
            assert!(second_diff(9.0, j).abs() < 1e-12, "term {j}");
            // Curved between the knots.
            assert!(second_diff(1.7, j).abs() > 1e-4, "term {j}");
        }
        // First term at x = 2: (2 − 0)³ − (2 − 2.5)₊³ … = 8, scaled by 16.
        approx::assert_abs_diff_eq!(s.basis(2.0)[1], 8.0 / 16.0, epsilon = 1e-12);
        assert_eq!(s.basis(2.0)[0], 2.0);
    }

    #[test]
    fn knots_at_harrell_quantiles_and_bad_inputs() {
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        let s = RestrictedCubicSpline::from_quantiles(&v, 4).unwrap();
        assert_eq!(s.knots, vec![5.0, 35.0, 65.0, 95.0]);
        assert!(RestrictedCubicSpline::from_quantiles(&[1.0; 10], 4).is_err());
        assert!(RestrictedCubicSpline::from_quantiles(&v, 6).is_err());
        assert!(RestrictedCubicSpline::new(vec![0.0, f64::NAN, 1.0]).is_err());
    }

    #[test]
    fn spline_columns_keep_the_other_columns_and_append_the_bases() {
        let rows: Vec<Vec<f64>> = (0..40)
            .map(|i| vec![f64::from(i), 100.0 + f64::from(i * i), -f64::from(i)])
            .collect();
        let s = SplineColumns::fit(&rows, &[0, 2], 4).unwrap();
        let x = [7.5, 3.0, -2.0];
        let mut expected = vec![3.0];
        expected.extend(s.splines[0].basis(7.5));
        expected.extend(s.splines[1].basis(-2.0));
        assert_eq!(s.row(&x), expected);
        assert_eq!(
            s.names(&["a", "b", "c"]),
            [
                "b", "a_rcs0", "a_rcs1", "a_rcs2", "c_rcs0", "c_rcs1", "c_rcs2"
            ]
        );
        assert!(SplineColumns::fit(&rows, &[5], 4).is_err());
    }
}
