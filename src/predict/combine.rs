//! The forecast combination and its empirical intervals.
//!
//! * Point forecast at step `t`: `f(t) = (1 - w_p) f_osc(t) + w_p f_pow(t)`, each component
//!   clipped to the reward bounds first: `f_osc` is the oscillator forecast (the AICc-best
//!   candidate of the crate's damped-oscillator family, anchored at the local level, see
//!   [`super::Predictor`]), `f_pow` the power law of [`super::power`]; `w_p` =
//!   [`super::Config::power_weight`], 1/2 by default (equal weights: the combination rule of the
//!   M-competitions, not tuned).
//! * 80 % half-width: `h80(t) = k s r^(1/4)` hypot `z80 sigma / sqrt(m)`, where `s` is the
//!   weighted p90 - p10 spread of the window's rewards, `r = (t - t_last) / (t_last - t_first)`
//!   the horizon in units of the observed span, `k` = [`super::Config::interval_k`]
//!   ([`CALIBRATED_INTERVAL_K`]), `sigma` the noise level (median absolute first difference /
//!   (0.6745 sqrt 2)) and `m` the raw points behind the current level; the standard deviation is
//!   `h80 / z80`, the 95 % interval `z95` of them. `k` is the smallest value with 80 % of the protocol's
//!   targets inside the intervals over the shared (curve, cut) pairs (tools/forecast/loso.py).
//! * Current level: the weighted mean of the most recent [`CURRENT_FRACTION`] of the raw points
//!   (at least 3): the same averaging the protocol uses for the level at a stop.

use super::window::Point;
use crate::real::{c, Real};

/// Calibrated [`super::Config::interval_k`]: the smallest `k` with 80 % of the protocol's
/// targets (38 shared runs x 4 cuts) inside the 80 % intervals (0.1872; leave-one-source-out
/// values 0.164-0.202, pooled held-out coverage 0.79; tools/forecast/loso.py,
/// docs/prediction-method.md).
pub const CALIBRATED_INTERVAL_K: f64 = 0.187;

/// Default [`super::Config::confidence`]: 0.8, the level of the intervals the protocol scores
/// (a stop needs the upper 80 % bound of the gain below the minimum gain).
pub const DEFAULT_CONFIDENCE: f64 = 0.8;

/// Default [`super::Config::min_gain_share`]: 7.5 % of the observed p90 - p10 spread: on the 38
/// shared runs, the largest value of {0, 0.025, ..., 0.3} whose mean regret under the protocol is
/// at most 0.035 (confidence 0.8, one confirmation; `tools/forecast/loso.py`, which also re-makes
/// the choice leave-one-source-out: folds pick 0.025-0.075, held-out saving 0.309 at regret
/// 0.034; docs/prediction-method.md 3).
pub const DEFAULT_MIN_GAIN_SHARE: f64 = 0.075;

/// Share of the raw points seen that makes up the current level (5 %, at least 3 points).
pub const CURRENT_FRACTION: f64 = 0.05;

/// Weighted mean of the most recent `frac` of the raw points (sum of weights), at least 3 raw
/// points, whole window points only; `(level, raw points behind it)`.
pub fn tail_level<T: Real>(pts: &[Point<T>], frac: T) -> (T, T) {
    let tot = pts.iter().fold(T::ZERO, |a, p| (a + p.weight).min(T::MAX));
    let need = (frac * tot).max(c(3.0));
    // running weighted mean as convex combinations (no overflow for any finite rewards), kept
    // inside the range of the rewards averaged
    let (mut sw, mut m) = (T::ZERO, T::NAN);
    let (mut lo, mut hi) = (T::INFINITY, -T::INFINITY);
    for p in pts.iter().rev() {
        sw = (sw + p.weight).min(T::MAX);
        let a = p.weight / sw;
        m = if m.is_nan() {
            p.reward
        } else {
            m * (T::ONE - a) + p.reward * a
        };
        lo = lo.min(p.reward);
        hi = hi.max(p.reward);
        m = m.max(lo).min(hi);
        if sw >= need {
            break;
        }
    }
    (m, sw)
}

/// Weighted p90 - p10 of the rewards of `pts` (positions `(cum_i - w_i / 2) / W`, linear
/// interpolation, clamped at the ends). `buf` is scratch of at least `pts.len()` pairs.
pub fn spread<T: Real>(pts: &[Point<T>], buf: &mut [(T, T)]) -> T {
    let n = pts.len().min(buf.len());
    if n == 0 {
        return T::ZERO;
    }
    let b = &mut buf[..n];
    for (slot, p) in b.iter_mut().zip(pts) {
        *slot = (p.reward, p.weight);
    }
    b.sort_unstable_by(|x, y| x.0.partial_cmp(&y.0).unwrap_or(core::cmp::Ordering::Equal));
    let tot = b.iter().fold(T::ZERO, |a, x| (a + x.1).min(T::MAX));
    let q = |p: T| -> T {
        let mut cum = T::ZERO;
        let mut prev: Option<(T, T)> = None;
        for &(y, w) in b.iter() {
            let pos = (cum + w * T::HALF) / tot;
            cum += w;
            if pos >= p {
                return match prev {
                    None => y,
                    Some((p0, y0)) if pos > p0 => y0 + (y - y0) * (p - p0) / (pos - p0),
                    Some(_) => y,
                };
            }
            prev = Some((pos, y));
        }
        b[n - 1].0
    };
    (q(c(0.9)) - q(c(0.1))).max(T::ZERO)
}

/// Noise level from first differences: `MAD(diff y) / (0.6745 sqrt 2)`; `buf` is scratch.
pub fn noise_sd<T: Real>(pts: &[Point<T>], buf: &mut [(T, T)]) -> T {
    let n = pts.len().min(buf.len() + 1);
    if n < 2 {
        return T::ZERO;
    }
    let b = &mut buf[..n - 1];
    for (i, slot) in b.iter_mut().enumerate() {
        *slot = (pts[i + 1].reward - pts[i].reward, T::ZERO);
    }
    let med = |b: &mut [(T, T)]| {
        b.sort_unstable_by(|x, y| x.0.partial_cmp(&y.0).unwrap_or(core::cmp::Ordering::Equal));
        let m = b.len();
        if m % 2 == 1 {
            b[m / 2].0
        } else {
            (b[m / 2 - 1].0 + b[m / 2].0) * T::HALF
        }
    };
    let m0 = med(b);
    for s in b.iter_mut() {
        s.0 = (s.0 - m0).abs();
    }
    med(b) / c(0.6744897501960817 * core::f64::consts::SQRT_2)
}

/// The standard normal quantile (one generic kernel for the crate, `src/numerics/normal.rs`).
pub use crate::numerics::normal_quantile;

/// 80 % half-width of the combination's forecast `ahead` steps past the last point of a window
/// spanning `span` steps: `k s r^(1/4)` hypot `z80 sigma / sqrt(m)` (see the module docs).
pub fn half_width80<T: Real>(k: T, s: T, ahead: T, span: T, sigma: T, m: T) -> T {
    let r = if span > T::ZERO {
        (ahead.max(T::ZERO) / span).min(T::MAX)
    } else {
        T::ZERO
    };
    // r = 0 or s = 0: no drift term (also when the other factor overflowed: inf * 0 is NaN)
    let drift = if r > T::ZERO && s > T::ZERO {
        k * s * r.sqrt().sqrt()
    } else {
        T::ZERO
    };
    let level = if m > T::ZERO && sigma > T::ZERO {
        c::<T>(super::snapshot::Z80) * sigma / m.sqrt()
    } else {
        T::ZERO
    };
    drift.hypot(level)
}

/// Consecutive-evaluation count behind the "confirmations" of the stop rule. Evaluations at the
/// same evidence (raw points seen) count once: asking twice never confirms a stop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Confirmations<T> {
    pub(super) evidence: T,
    pub(super) before: u32,
    pub(super) last: u32,
}

impl<T: Real> Default for Confirmations<T> {
    fn default() -> Self {
        Confirmations {
            evidence: -T::INFINITY,
            before: 0,
            last: 0,
        }
    }
}

impl<T: Real> Confirmations<T> {
    /// Record whether the stop criterion holds at `evidence` raw points; returns the number of
    /// consecutive evaluations (at distinct evidence, this one included) at which it held.
    pub fn record(&mut self, evidence: T, holds: bool) -> u32 {
        if evidence != self.evidence {
            self.before = self.last;
            self.evidence = evidence;
        }
        self.last = if holds {
            self.before.saturating_add(1)
        } else {
            0
        };
        self.last
    }
}
