//! In-place LU with partial pivoting for the small dense Rosenbrock matrix.
//!
//! Hand-written because nalgebra's `LU::new` takes the matrix by value, so every
//! step would allocate a fresh copy; this one factorises into reused buffers.
// Numerical kernels index several parallel arrays at once; range loops read clearest.
#![allow(clippy::needless_range_loop)]

use nalgebra::DMatrix;

/// LU factors of `c·I − J` (column-major like nalgebra, unit lower triangle implied)
/// and row pivots. Column-major storage makes both the elimination and the triangular
/// solves contiguous `axpy` updates, which vectorise and carry no dependency chain.
#[derive(Debug, Clone)]
pub(crate) struct Lu {
    n: usize,
    a: Vec<f64>,
    piv: Vec<usize>,
    /// Reciprocal pivots: a multiply instead of a long-latency divide in the solve.
    inv_diag: Vec<f64>,
}

impl Lu {
    pub(crate) fn new(n: usize) -> Self {
        Lu {
            n,
            a: vec![0.0; n * n],
            piv: vec![0; n],
            inv_diag: vec![0.0; n],
        }
    }

    /// Factorise `c·I − jac`. Returns `false` if the matrix is (numerically) singular.
    pub(crate) fn factor_shifted(&mut self, c: f64, jac: &DMatrix<f64>) -> bool {
        let n = self.n;
        for (x, v) in self.a.iter_mut().zip(jac.as_slice()) {
            *x = -v;
        }
        for i in 0..n {
            self.a[i * n + i] += c;
        }
        for k in 0..n {
            let col_k = &self.a[k * n..(k + 1) * n];
            let (mut p, mut best) = (k, col_k[k].abs());
            for (i, v) in col_k.iter().enumerate().skip(k + 1) {
                if v.abs() > best {
                    best = v.abs();
                    p = i;
                }
            }
            if best == 0.0 || !best.is_finite() {
                return false;
            }
            self.piv[k] = p;
            if p != k {
                for j in 0..n {
                    self.a.swap(j * n + k, j * n + p);
                }
            }
            let inv_pivot = 1.0 / self.a[k * n + k];
            self.inv_diag[k] = inv_pivot;
            for v in &mut self.a[k * n + k + 1..(k + 1) * n] {
                *v *= inv_pivot;
            }
            let (left, right) = self.a.split_at_mut((k + 1) * n);
            let l = &left[k * n + k + 1..];
            for col in right.chunks_exact_mut(n) {
                let u = col[k];
                if u != 0.0 {
                    for (x, li) in col[k + 1..].iter_mut().zip(l) {
                        *x -= li * u;
                    }
                }
            }
        }
        true
    }

    /// Solve in place: `b ← (c·I − J)⁻¹ b`.
    pub(crate) fn solve(&self, b: &mut [f64]) {
        let n = self.n;
        for k in 0..n {
            b.swap(k, self.piv[k]);
        }
        for j in 0..n {
            let xj = b[j];
            if xj != 0.0 {
                let col = &self.a[j * n + j + 1..(j + 1) * n];
                for (bi, l) in b[j + 1..].iter_mut().zip(col) {
                    *bi -= l * xj;
                }
            }
        }
        for j in (0..n).rev() {
            let col = &self.a[j * n..j * n + j];
            b[j] *= self.inv_diag[j];
            let xj = b[j];
            if xj != 0.0 {
                for (bi, u) in b[..j].iter_mut().zip(col) {
                    *bi -= u * xj;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_shifted_system_with_pivoting() {
        // c·I − J with J chosen so that the (0,0) pivot is zero and pivoting is needed.
        let jac = DMatrix::from_row_slice(3, 3, &[2.0, -1.0, 0.5, 3.0, 1.0, -2.0, 0.0, 4.0, 1.0]);
        let mut lu = Lu::new(3);
        assert!(lu.factor_shifted(2.0, &jac));
        let x = [1.0, -2.0, 3.0];
        let m = DMatrix::<f64>::identity(3, 3) * 2.0 - &jac;
        let b = &m * nalgebra::DVector::from_column_slice(&x);
        let mut sol = b.as_slice().to_vec();
        lu.solve(&mut sol);
        for i in 0..3 {
            assert!((sol[i] - x[i]).abs() < 1e-13, "{sol:?}");
        }
    }

    #[test]
    fn detects_singular_matrix() {
        let jac = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        assert!(!Lu::new(2).factor_shifted(0.0, &jac));
    }
}
