//! The lower real branch `W_{-1}` of the Lambert W function (docs/model.md A.7).

use crate::error::{check, Error, Param, Result};
use crate::real::{c, Real};

/// `W_{-1}(x)` for `-1/e <= x < 0`: the solution `w <= -1` of `w exp(w) = x`.
///
/// Newton iteration on the logarithmic form `w + ln(-w) = ln(-x)` (well scaled over the whole
/// branch), started from the branch-point series `-1 + p - p^2/3 + 11 p^3/72`,
/// `p = -sqrt(2 (1 + e x))`, near `-1/e` and from `L - ln(-L)`, `L = ln(-x)`, elsewhere.
/// Error about the input (`Param::None`) outside `[-1/e, 0)`.
pub fn lambert_w_m1<T: Real>(x: T) -> Result<T> {
    check::finite(x, Param::None)?;
    let e: T = c(core::f64::consts::E);
    let eta = T::ONE + e * x;
    if x >= T::ZERO || eta < -T::EPSILON {
        return Err(Error::out_of_range(Param::None));
    }
    w_m1_parts((-x).ln(), eta.max(T::ZERO))
}

/// `W_{-1}` from `l = ln(-x)` and `eta = 1 + e x` (both supplied accurately by the caller, e.g.
/// `l = ln(1 - f) - 1`, `eta = f` for the time to a fraction `f` of the critical gain).
pub(crate) fn w_m1_parts<T: Real>(l: T, eta: T) -> Result<T> {
    let m1 = -T::ONE;
    if eta <= T::ZERO {
        return Ok(m1);
    }
    let mut w = if eta < c(0.3) {
        let p = -(T::TWO * eta).sqrt();
        m1 + p * (T::ONE + p * (c::<T>(-1.0 / 3.0) + p * c::<T>(11.0 / 72.0)))
    } else {
        l - (-l).ln()
    };
    for _ in 0..64 {
        if w >= m1 {
            return Ok(m1);
        }
        // g(w) = w + ln(-w) - l,  g'(w) = (1 + w)/w
        let g = w + (-w).ln() - l;
        let step = g * w / (T::ONE + w);
        let mut next = w - step;
        if next >= m1 || next.is_nan() {
            next = (w + m1) * T::HALF;
        }
        let done = (next - w).abs() <= c::<T>(2.0) * T::EPSILON * w.abs();
        w = next;
        if done {
            break;
        }
    }
    check::finite(w, Param::None)
}
