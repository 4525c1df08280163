//! A lower bound on the cost of every law that is monotone in time (the saturation law and the
//! critical curve from rest), from the data alone: AUTO skips such a set when even this bound
//! cannot win the AICc comparison (docs/fit.md, AUTO).
//!
//! For a monotone `f` and any subset `S` of the points, `sum_S w (f - y)^2` is at least the
//! isotonic regression's residual sum of squares on `S` (`f` restricted to `S` is one of the
//! monotone candidates). Split the points, in time order, into the `k = ceil(n / STACK)`
//! interleaved subsequences `i = j, j + k, j + 2k, ...`: each has at most [`STACK`] points, so the
//! pool-adjacent-violators stack fits a fixed buffer, and
//!
//! ```text
//! cost(f) = 0.5 sum_j sum_{S_j} w (f - y)^2 >= 0.5 min(sum_j RSS_up(S_j), sum_j RSS_down(S_j))
//! ```
//!
//! (one direction for all subsequences: `f` is either non-decreasing or non-increasing). Cost
//! O(n) per direction (each point is pushed and pooled at most once), memory `2 STACK` scalars.

use super::Curve;
use crate::real::Real;

/// Blocks of the pool-adjacent-violators stack (points per subsequence at most).
pub const STACK: usize = 128;

/// `0.5 min(RSS_up, RSS_down)` summed over the interleaved subsequences (see the module docs); 0
/// (no bound) when the times are not sorted.
pub fn monotone_cost_bound<T: Real>(cv: &Curve<'_, T>) -> T {
    let n = cv.y.len().min(cv.t.len());
    let sorted = cv.grid.is_some() || cv.t.windows(2).all(|p| p[0] <= p[1]);
    if !sorted || n == 0 {
        return T::ZERO;
    }
    let k = n.div_ceil(STACK);
    let (mut up, mut down) = (T::ZERO, T::ZERO);
    for j in 0..k {
        up += isotonic_rss(cv, j, k, T::ONE);
        down += isotonic_rss(cv, j, k, -T::ONE);
    }
    let b = T::HALF * up.min(down);
    if b.is_finite() {
        b.max(T::ZERO)
    } else {
        T::ZERO
    }
}

/// Weighted residual sum of squares of the non-decreasing regression of `sign (y - mean)` on the
/// points `j, j + k, j + 2k, ...` (pool adjacent violators; at most `STACK` points, so the stack
/// never overflows).
fn isotonic_rss<T: Real>(cv: &Curve<'_, T>, j: usize, k: usize, sign: T) -> T {
    // the weighting decided once per subsequence, not per point
    let pts = cv.y.iter().enumerate().skip(j).step_by(k);
    match cv.w {
        None => pava(pts.map(|(_, &y)| (T::ONE, y)), cv.mean, sign),
        Some(w) => pava(
            pts.map(|(i, &y)| (w.get(i).copied().unwrap_or(T::ZERO), y)),
            cv.mean,
            sign,
        ),
    }
}

/// The pool-adjacent-violators pass of [`isotonic_rss`] over `(weight, y)` pairs in order.
#[inline(always)]
fn pava<T: Real>(pts: impl Iterator<Item = (T, T)>, mean: T, sign: T) -> T {
    let mut sw = [T::ZERO; STACK];
    let mut sy = [T::ZERO; STACK];
    let mut m = 0usize;
    let mut syy = T::ZERO;
    for (w, y) in pts {
        if w.is_nan() || w <= T::ZERO {
            continue;
        }
        let v = sign * (y - mean);
        syy += w * v * v;
        let (mut bw, mut by) = (w, w * v);
        // pool while the previous block's mean exceeds this one's (weights positive)
        while m > 0 && sy[m - 1] * bw > by * sw[m - 1] {
            m -= 1;
            bw += sw[m];
            by += sy[m];
        }
        if let (Some(a), Some(b)) = (sw.get_mut(m), sy.get_mut(m)) {
            *a = bw;
            *b = by;
            m += 1;
        }
    }
    let mut fit = T::ZERO;
    for (&w, &y) in sw.iter().zip(&sy).take(m) {
        fit += y * y / w;
    }
    (syy - fit).max(T::ZERO)
}
