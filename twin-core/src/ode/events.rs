//! Event location: sign changes of `g(t, y)` across a step and their zeros on the
//! step's dense output.

use super::Direction;
use super::dense::DenseStep;

/// Whether `g` going from `g0` to `g1` is a crossing in direction `dir`.
pub(super) fn crosses(dir: Direction, g0: f64, g1: f64) -> bool {
    let rising = g0 < 0.0 && g1 >= 0.0;
    let falling = g0 > 0.0 && g1 <= 0.0;
    match dir {
        Direction::Rising => rising,
        Direction::Falling => falling,
        Direction::Both => rising || falling,
    }
}

/// Zero of `g` on the step's interpolant between `a` (value `ga ≠ 0`) and `b` (value
/// `gb`, opposite sign or exactly 0) by the Illinois variant of regula falsi, to a
/// few ulps in t. Returns the bracket end on the post-crossing side. Hand-written
/// because it runs on the dense output with a reused buffer, which generic root
/// finders do not allow.
pub(super) fn locate(
    step: &DenseStep,
    g: &dyn Fn(f64, &[f64]) -> f64,
    mut a: f64,
    mut ga: f64,
    mut b: f64,
    mut gb: f64,
    buf: &mut [f64],
) -> f64 {
    // `crosses` accepts g1 = 0 as a crossing: then b is the zero itself.
    if gb == 0.0 {
        return b;
    }
    // The pre-crossing side's sign (ga is never 0 there; gb can be, and halving
    // may underflow either value, so neither is compared with directly).
    let pre_positive = ga > 0.0;
    let mut side = 0i8;
    for _ in 0..200 {
        if (b - a).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs()).max(1e-300) {
            break;
        }
        let mut c = (a * gb - b * ga) / (gb - ga);
        if !(c > a.min(b) && c < a.max(b)) {
            c = 0.5 * (a + b);
        }
        step.eval(c, buf);
        let gc = g(c, buf);
        if gc == 0.0 {
            return c;
        }
        if (gc > 0.0) == pre_positive {
            a = c;
            ga = gc;
            if side == -1 {
                gb *= 0.5;
            }
            side = -1;
        } else {
            b = c;
            gb = gc;
            if side == 1 {
                ga *= 0.5;
            }
            side = 1;
        }
    }
    b
}
