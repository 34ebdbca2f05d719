//! In-place LU with partial pivoting for the small dense Rosenbrock matrix.
//!
//! Hand-written because nalgebra's `LU::new` takes the matrix by value, so every
//! step would allocate a fresh copy; this one factorises into reused buffers.
// Numerical kernels index several parallel arrays at once; range loops read clearest.
#![allow(clippy::needless_range_loop)]

use nalgebra::DMatrix;

/// LU factors of `c·I − J` (row-major, unit lower triangle implied) and row pivots.
#[derive(Debug, Clone)]
pub(crate) struct Lu {
    n: usize,
    a: Vec<f64>,
    piv: Vec<usize>,
}

impl Lu {
    pub(crate) fn new(n: usize) -> Self {
        Lu {
            n,
            a: vec![0.0; n * n],
            piv: vec![0; n],
        }
    }

    /// Factorise `c·I − jac`. Returns `false` if the matrix is (numerically) singular.
    pub(crate) fn factor_shifted(&mut self, c: f64, jac: &DMatrix<f64>) -> bool {
        let n = self.n;
        for i in 0..n {
            for j in 0..n {
                self.a[i * n + j] = -jac[(i, j)];
            }
            self.a[i * n + i] += c;
        }
        for k in 0..n {
            let mut p = k;
            let mut best = self.a[k * n + k].abs();
            for i in k + 1..n {
                let v = self.a[i * n + k].abs();
                if v > best {
                    best = v;
                    p = i;
                }
            }
            if best == 0.0 || !best.is_finite() {
                return false;
            }
            self.piv[k] = p;
            if p != k {
                for j in 0..n {
                    self.a.swap(k * n + j, p * n + j);
                }
            }
            let pivot = self.a[k * n + k];
            for i in k + 1..n {
                let l = self.a[i * n + k] / pivot;
                self.a[i * n + k] = l;
                if l != 0.0 {
                    for j in k + 1..n {
                        self.a[i * n + j] -= l * self.a[k * n + j];
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
        for i in 1..n {
            let mut s = b[i];
            for j in 0..i {
                s -= self.a[i * n + j] * b[j];
            }
            b[i] = s;
        }
        for i in (0..n).rev() {
            let mut s = b[i];
            for j in i + 1..n {
                s -= self.a[i * n + j] * b[j];
            }
            b[i] = s / self.a[i * n + i];
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
