//! The noise level of a series from its first differences.

use crate::real::Real;

/// Noise level `sigma` (per unit weight) of a series `y` with independent noise of variance
/// `sigma^2 / w_i`, from its `K = n - 1` first differences `d_k = y_k - y_(k-1)`:
///
/// ```text
/// sigma^2 = (1/K) sum_k (d_k - c)^2 / (1/w_k + 1/w_(k-1))
/// ```
///
/// with `c = 0`, or `c = mean_k d_k` when `centred` (a linear trend then drops out; without
/// centring it inflates the estimate slightly). `w = None` means unit weights (the denominator
/// is 2). 0 for fewer than two points. O(n), no allocation.
pub(crate) fn first_difference_sd<T: Real>(y: &[T], w: Option<&[T]>, centred: bool) -> T {
    let k = y.len().saturating_sub(1);
    if k == 0 {
        return T::ZERO;
    }
    let kk = T::from_usize(k);
    let centre = if centred {
        let mut s = T::ZERO;
        for p in y.windows(2) {
            s += p[1] - p[0];
        }
        s / kk
    } else {
        T::ZERO
    };
    let mut s = T::ZERO;
    for (i, p) in y.windows(2).enumerate() {
        let d = p[1] - p[0] - centre;
        let den = match w {
            Some(w) => T::ONE / w[i + 1] + T::ONE / w[i],
            None => T::TWO,
        };
        s += d * d / den;
    }
    (s / kk).sqrt()
}
