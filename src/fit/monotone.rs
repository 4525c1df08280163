//! A lower bound on the cost of every law that is monotone in time (the saturation law and the
//! critical curve from rest), from the data alone: AUTO skips such a set when even this bound
//! cannot win the AICc comparison (docs/fit.md, AUTO).
//!
//! For a monotone `f` and any split of the points, in time order, into contiguous segments
//! `S_1, S_2, ...`, `sum w (f - y)^2` is at least the sum of the isotonic regressions' residual
//! sums of squares on the segments (`f` restricted to each segment is one of that segment's
//! monotone candidates). The pool-adjacent-violators pass keeps its blocks in a fixed stack of
//! [`STACK`] entries; its state after any prefix is that prefix's isotonic regression, so when
//! the stack is full the prefix is closed as one segment and the pass starts afresh:
//!
//! ```text
//! cost(f) = 0.5 sum_j sum_{S_j} w (f - y)^2 >= 0.5 min(sum_j RSS_up(S_j), sum_j RSS_down(S_j))
//! ```
//!
//! (one direction for all segments: `f` is either non-decreasing or non-increasing). A curve
//! whose regression never needs more than `STACK` blocks is one segment and gets the exact
//! isotonic cost; a split only frees the fit at the segment's end, so the bound stays close to
//! the exact one on long curves. Cost O(n) per direction (each point is pushed and pooled at
//! most once), memory `2 STACK` scalars.

use super::Curve;
use crate::real::Real;

/// Blocks of the pool-adjacent-violators stack (a segment closes when it is full).
pub const STACK: usize = 128;

/// `0.5 min(RSS_up, RSS_down)` summed over the segments (see the module docs); 0 (no bound)
/// when the times are not sorted.
pub fn monotone_cost_bound<T: Real>(cv: &Curve<'_, T>) -> T {
    let n = cv.y.len().min(cv.t.len());
    let sorted = cv.grid.is_some() || cv.t.windows(2).all(|p| p[0] <= p[1]);
    if !sorted || n == 0 {
        return T::ZERO;
    }
    let ys = &cv.y[..n];
    let (up, down) = match cv.w {
        None => (
            pava(ys.iter().map(|&y| (T::ONE, y)), cv.mean, T::ONE),
            pava(ys.iter().map(|&y| (T::ONE, y)), cv.mean, -T::ONE),
        ),
        Some(w) => {
            let pts = || {
                ys.iter()
                    .enumerate()
                    .map(|(i, &y)| (w.get(i).copied().unwrap_or(T::ZERO), y))
            };
            (pava(pts(), cv.mean, T::ONE), pava(pts(), cv.mean, -T::ONE))
        }
    };
    let b = T::HALF * up.min(down);
    if b.is_finite() {
        b.max(T::ZERO)
    } else {
        T::ZERO
    }
}

/// Weighted residual sum of squares of the non-decreasing regression of `sign (y - mean)` over
/// `(weight, y)` pairs in time order, a new segment whenever the stack of [`STACK`] blocks is
/// full (pool adjacent violators; see the module docs).
#[inline(always)]
fn pava<T: Real>(pts: impl Iterator<Item = (T, T)>, mean: T, sign: T) -> T {
    let mut sw = [T::ZERO; STACK];
    let mut sy = [T::ZERO; STACK];
    let mut m = 0usize;
    // weighted sum of squares of the open segment, residual sum of the closed ones
    let (mut syy, mut closed) = (T::ZERO, T::ZERO);
    for (w, y) in pts {
        if w.is_nan() || w <= T::ZERO {
            continue;
        }
        let v = sign * (y - mean);
        let (mut bw, mut by) = (w, w * v);
        // pool while the previous block's mean exceeds this one's (weights positive)
        while m > 0 && sy[m - 1] * bw > by * sw[m - 1] {
            m -= 1;
            bw += sw[m];
            by += sy[m];
        }
        if m == STACK {
            // the prefix so far is one segment: close it at its isotonic cost (nothing was
            // pooled into (bw, by): a full stack means the loop above did not pop)
            closed += segment_rss(&sw, &sy, syy);
            (m, syy) = (0, T::ZERO);
        }
        syy += w * v * v;
        if let (Some(a), Some(b)) = (sw.get_mut(m), sy.get_mut(m)) {
            *a = bw;
            *b = by;
            m += 1;
        }
    }
    closed + segment_rss(&sw[..m], &sy[..m], syy)
}

/// `syy - sum_blocks (sum w v)^2 / sum w`: the residual sum of squares of a segment whose blocks
/// are `(sw, sy)` and whose weighted sum of squares is `syy` (never below 0 by rounding).
fn segment_rss<T: Real>(sw: &[T], sy: &[T], syy: T) -> T {
    let mut fit = T::ZERO;
    for (&w, &y) in sw.iter().zip(sy) {
        // (sum w v) * block mean: no underflow of (sum w v)^2 for tiny weights
        fit += y * (y / w);
    }
    (syy - fit).max(T::ZERO)
}
