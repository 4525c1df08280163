//! Start values from the data alone (docs/model.md A.8).

use super::Curve;
use crate::real::{c, Real};

/// What the data say before any fit: plateau, initial value and the 63 % time.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DataStart<T> {
    /// Mean of the last 10 % of the points (at least one).
    pub plateau: T,
    /// The first observation.
    pub r0: T,
    /// Time (from `t[0]`) at which a box-smoothed copy (width `max(3, n/100)`) first covers 63.2 %
    /// of the way from `r0` to the plateau; at least the first step; `span / 10` if never.
    pub tau63: T,
    /// `t[last] - t[0]`.
    pub span: T,
}

/// `(1 + u) e^{-u} = 0.368` at `u = 2.146`: the 63 % time of the critical curve is `2.146 / omega`.
pub const CRITICAL_U63: f64 = 2.145712874408317;
/// 63 % time of the slow-start oscillator (v0 = 0) in units of `1 / omega`, for `zeta = 0.5`.
pub const UNDER_U63: f64 = 1.541161138597183;
/// Same for `zeta = 2`.
pub const OVER_U63: f64 = 4.0088825656326135;

/// Start values from a validated curve (unweighted; weights only enter the fit).
pub fn data_start<T: Real>(cv: &Curve<'_, T>) -> DataStart<T> {
    let (t, y) = (cv.t, cv.y);
    let n = y.len();
    let t0 = t.first().copied().unwrap_or(T::ZERO);
    let span = t.last().copied().unwrap_or(T::ZERO) - t0;
    let tail = (n / 10).max(1);
    let mut s = T::ZERO;
    for &v in y.iter().skip(n - tail) {
        s += v;
    }
    let plateau = s / T::from_usize(tail);
    let r0 = y.first().copied().unwrap_or(T::ZERO);
    let width = (n / 100).max(3);
    let half = width / 2;
    let gain = plateau - r0;
    let min_step = match (t.first(), t.get(1)) {
        (Some(&a), Some(&b)) => b - a,
        _ => T::ONE,
    };
    let mut tau63 = span / c::<T>(10.0);
    if gain != T::ZERO {
        // running box mean, window [i - half, i + half] truncated at the ends
        let lo = |i: usize| i.saturating_sub(half);
        let hi = |i: usize| (i + width - half).min(n);
        let mut sum = T::ZERO;
        for &v in &y[lo(0)..hi(0)] {
            sum += v;
        }
        for i in 0..n {
            if i > 0 {
                if lo(i) > lo(i - 1) {
                    sum -= y[lo(i - 1)];
                }
                if hi(i) > hi(i - 1) {
                    sum += y[hi(i) - 1];
                }
            }
            let ys = sum / T::from_usize(hi(i) - lo(i));
            if (ys - r0) / gain >= c::<T>(0.632) {
                tau63 = (t[i] - t0).max(min_step);
                break;
            }
        }
    }
    if tau63.partial_cmp(&T::ZERO) != Some(core::cmp::Ordering::Greater) {
        tau63 = min_step;
    }
    DataStart {
        plateau,
        r0,
        tau63,
        span,
    }
}
