//! Small statistics shared across the workspace: the 95 % normal quantile, sample
//! quantiles of sorted data and the Wilson score interval of a proportion.
//!
//! One home for formulas that several crates need, so that every twin reports an
//! interval the same way.
//!
//! ```
//! use twin_core::stats::{Z95, quantile_sorted, wilson_interval};
//! let x: Vec<f64> = (0..=100).map(f64::from).collect();
//! assert_eq!(quantile_sorted(&x, 0.5), 50.0);
//! let (lo, hi) = wilson_interval(81, 263, Z95);
//! assert!((lo - 0.2553).abs() < 5e-5 && (hi - 0.3662).abs() < 5e-5);
//! ```

/// Two-sided 95 % standard-normal quantile: `Φ⁻¹(0.975)`.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The `p`-quantile of `sorted` by linear interpolation between order statistics
/// (type 7 of Hyndman & Fan 1996, the default of R and NumPy): with `h = (n − 1) p`,
/// `x[⌊h⌋] + (h − ⌊h⌋)(x[⌈h⌉] − x[⌊h⌋])`.
///
/// The caller guarantees that `sorted` is sorted ascending and non-empty and that
/// `p` lies in `[0, 1]`; this is not checked (an empty slice or `p` outside the
/// range panics on an out-of-bounds index, unsorted data give a meaningless value).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Wilson (1927) score interval `(lower, upper)` for `k` successes out of `n`
/// trials at normal quantile `z` (e.g. [`Z95`] for 95 %): centre
/// `(k + z²/2)/(n + z²)`, half-width `z √(k(n − k)/n + z²/4)/(n + z²)`, clamped to
/// `[0, 1]`. Newcombe (1998) *Stat. Med.* 17:857, method 3.
///
/// `n = 0` (no information) gives `(0, 1)`. `k` must not exceed `n`; that is not
/// checked.
pub fn wilson_interval(k: usize, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (kf, nf) = (k as f64, n as f64);
    let z2 = z * z;
    let centre = (kf + 0.5 * z2) / (nf + z2);
    let half = z * (kf * (nf - kf) / nf + 0.25 * z2).sqrt() / (nf + z2);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z95_is_the_975_percent_normal_quantile() {
        use statrs::distribution::{ContinuousCDF, Normal};
        let phi = Normal::standard();
        // statrs' inverse CDF agrees to the last bit or two; its CDF (erfc) to ~1e-12.
        assert!((phi.inverse_cdf(0.975) - Z95).abs() < 1e-14);
        assert!((phi.cdf(Z95) - 0.975).abs() < 1e-11);
    }

    #[test]
    fn quantiles_of_0_to_100() {
        let x: Vec<f64> = (0..=100).map(f64::from).collect();
        for (p, want) in [
            (0.0, 0.0),
            (0.25, 25.0),
            (0.5, 50.0),
            (0.9, 90.0),
            (1.0, 100.0),
        ] {
            assert_eq!(quantile_sorted(&x, p), want, "p = {p}");
        }
        // Between order statistics: h = 100 × 0.125 = 12.5.
        assert_eq!(quantile_sorted(&x, 0.125), 12.5);
        // Round-off of (1 − 0.9)/2 = 0.04999999999999999 only.
        assert!((quantile_sorted(&x, (1.0 - 0.9) / 2.0) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn quantiles_match_numpy() {
        // numpy.percentile([1, 2, 3, 4], [25, 50, 90]) = [1.75, 2.5, 3.7].
        let x = [1.0, 2.0, 3.0, 4.0];
        for (p, want) in [(0.25, 1.75), (0.5, 2.5), (0.9, 3.7)] {
            assert!((quantile_sorted(&x, p) - want).abs() < 1e-15);
        }
        assert_eq!(quantile_sorted(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn wilson_matches_newcombe_1998_table_1() {
        // Newcombe (1998) Table I, method 3 (score interval without continuity
        // correction), to the 4 decimals printed.
        for (k, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let (l, h) = wilson_interval(k, n, Z95);
            assert!(
                (l - lo).abs() < 5e-5 && (h - hi).abs() < 5e-5,
                "{k}/{n}: {l} {h}"
            );
        }
    }

    #[test]
    fn wilson_edge_cases() {
        assert_eq!(wilson_interval(0, 0, Z95), (0.0, 1.0));
        let (lo, hi) = wilson_interval(10, 10, Z95);
        assert!(hi == 1.0 && lo > 0.69 && lo < 0.73, "{lo}");
        let (lo, hi) = wilson_interval(0, 10, Z95);
        assert!(lo == 0.0 && hi > 0.27 && hi < 0.31, "{hi}");
    }
}
