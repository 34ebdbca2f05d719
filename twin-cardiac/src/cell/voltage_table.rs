//! A uniform table of per-voltage terms with linear interpolation: the
//! standard way to take the exponentials of gate kinetics out of a tissue
//! step (e.g. CARP/openCARP, Vigmond et al. 2003, J Electrocardiol 36
//! Suppl:69). Hand-written because it is a dozen lines whose inner lookup
//! must inline into the cell step; no crate offers fixed-width rows.

use std::sync::Arc;

/// Rows of `C` terms tabulated every `bin_mv` from `v_min_mv` (mV). Cloning
/// shares the rows.
#[derive(Debug, Clone)]
pub(crate) struct VoltageTable<const C: usize> {
    v_min_mv: f64,
    bin_mv: f64,
    rows: Arc<Vec<[f64; C]>>,
}

impl<const C: usize> VoltageTable<C> {
    /// Tabulate `terms` on `[v_min_mv, v_max_mv]` every `bin_mv` (checked by
    /// the callers: finite, `bin_mv > 0`, `v_max_mv > v_min_mv`).
    pub(crate) fn new(
        v_min_mv: f64,
        v_max_mv: f64,
        bin_mv: f64,
        terms: impl Fn(f64) -> [f64; C],
    ) -> Self {
        let n = ((v_max_mv - v_min_mv) / bin_mv).ceil() as usize + 1;
        let rows = (0..n)
            .map(|k| terms(v_min_mv + k as f64 * bin_mv))
            .collect();
        Self {
            v_min_mv,
            bin_mv,
            rows: Arc::new(rows),
        }
    }

    /// The row interpolated linearly at `v_mv`, or `None` outside the table
    /// (also for NaN).
    #[inline(always)]
    pub(crate) fn lookup(&self, v_mv: f64) -> Option<[f64; C]> {
        let x = (v_mv - self.v_min_mv) / self.bin_mv;
        if !(x >= 0.0 && x < (self.rows.len() - 1) as f64) {
            return None;
        }
        let k = x as usize;
        let w = x - k as f64;
        let (r0, r1) = (&self.rows[k], &self.rows[k + 1]);
        // A plain loop rather than `array::from_fn`, which is not always
        // inlined for rows this wide.
        let mut row = *r0;
        for c in 0..C {
            row[c] += w * (r1[c] - r0[c]);
        }
        Some(row)
    }
}
