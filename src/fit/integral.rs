//! Start values in closed form from the integral equation of the model's linear ODE.
//!
//! The oscillator `r'' + 2 zeta omega r' + omega^2 (r - r_star) = 0`, integrated twice from the
//! first time (`s = 0`):
//!
//! ```text
//! r(s) = c0 + c1 s + c2 s^2 + a1 I1(s) + a2 I2(s),   I1(s) = int_0^s r,   I2(s) = int_0^s I1,
//! (c0, c1, c2, a1, a2) = (r0, v0 + 2 zeta omega r0, omega^2 r_star / 2, -2 zeta omega, -omega^2)
//! ```
//!
//! is linear in its five coefficients. With the integrals of the data (trapezoid rule) in place of
//! `I1`, `I2`, one 5 x 5 linear least-squares problem gives every parameter of the full oscillator:
//! `omega = sqrt(-a2)`, `zeta = -a1 / (2 omega)`, `r_star = -2 c2 / a2`, `r0 = c0`,
//! `v0 = c1 + a1 c0`. The saturation law `r' = (plateau - r) / tau` the same way:
//! `r(s) = c0 + c1 s + a1 I1(s)` with `(c0, c1, a1) = (r0, plateau / tau, -1 / tau)`.
//! Integration averages the noise, so (unlike linear prediction on raw samples) the regressors
//! carry little of it and the estimate is close to the least-squares fit; this is the linear
//! recurrence of the damped oscillator written for any sampling.
//!
//! The data are first compressed into at most [`BINS`] time bins (weighted means of `t` and `y`
//! per bin, one O(n) pass in any order: unsorted and repeated abscissae bin alike; on a uniform
//! grid the bins are runs of consecutive points, summed without a per-point bin index), so the
//! regression costs O(BINS) whatever the number of points. Time is scaled to `s in [0, 1]` over
//! the span and `y` centred on its mean, so the normal equations are well scaled.
//!
//! The residual variance of each regression (at the points: the scatter inside the bins
//! included) is an upper reference for the fit's: the regression is one member of the same model
//! family, so a least-squares fit at the global minimum does at least as well up to the
//! discretisation of the integrals; [`super::fit_curve`] restarts a fit that does clearly worse.

#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use super::linalg::solve_psd;
use super::Curve;
use crate::real::{c, Real};

/// Number of time bins of the compressed curve.
pub const BINS: usize = 64;

/// What the two regressions say about a curve (time in the data's units, from `t_min`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate<T> {
    /// First order: `(plateau, r0, tau)` when the regression decays (`a1 < 0`).
    pub first: Option<[T; 3]>,
    /// Second order: `(r_star, r0, v0, omega, zeta)` when `omega^2 = -a2 > 0` (`zeta` may be
    /// negative: a growing oscillation).
    pub second: Option<[T; 5]>,
    /// Residual variance per unit weight of the first-order regression, `RSS / (n - 3)`.
    pub s2_first: T,
    /// Same for the second order, `RSS / (n - 5)`.
    pub s2_second: T,
}

impl<T: Real> Estimate<T> {
    const NONE: Estimate<T> = Estimate {
        first: None,
        second: None,
        s2_first: T::INFINITY,
        s2_second: T::INFINITY,
    };
}

/// The binned curve: weight, mean scaled time and mean centred value per non-empty bin, in time
/// order.
struct Bins<T> {
    w: [T; BINS],
    s: [T; BINS],
    y: [T; BINS],
    m: usize,
    /// `sum_i w_i (y_i - ybar_bin(i))^2`: the scatter inside the bins.
    within: T,
}

fn bin<T: Real>(cv: &Curve<'_, T>) -> Option<Bins<T>> {
    let span = cv.t_max - cv.t_min;
    if !(span > T::ZERO) || !span.is_finite() {
        return None;
    }
    let inv = T::ONE / span;
    let scale = T::from_usize(BINS);
    let mut b = Bins {
        w: [T::ZERO; BINS],
        s: [T::ZERO; BINS],
        y: [T::ZERO; BINS],
        m: 0,
        within: T::ZERO,
    };
    let between = if cv.grid.is_some() {
        grid_bins(cv, inv, &mut b)
    } else {
        time_bins(cv, inv, scale, &mut b);
        let mut between = T::ZERO;
        for k in 0..BINS {
            if b.w[k] > T::ZERO {
                let (w, s, y) = (b.w[k], b.s[k] / b.w[k], b.y[k] / b.w[k]);
                between += w * y * y;
                b.w[b.m] = w;
                b.s[b.m] = s;
                b.y[b.m] = y;
                b.m += 1;
            }
        }
        between
    };
    b.within = (cv.ss_tot - between).max(T::ZERO);
    Some(b)
}

/// Bins of width `span / BINS` in time (any order of the times: one scattered pass).
fn time_bins<T: Real>(cv: &Curve<'_, T>, inv: T, scale: T, b: &mut Bins<T>) {
    for (i, (&t, &y)) in cv.t.iter().zip(cv.y).enumerate() {
        let wi = match cv.w {
            Some(w) => w.get(i).copied().unwrap_or(T::ZERO),
            None => T::ONE,
        };
        let s = (t - cv.t_min) * inv;
        // `as` saturates (NaN -> 0); s in [0, 1] by construction
        let k = ((s * scale).to_f64() as usize).min(BINS - 1);
        b.w[k] += wi;
        b.s[k] += wi * s;
        b.y[k] += wi * (y - cv.mean);
    }
}

/// On a uniform grid (sorted times) the bins are `min(n, BINS)` runs of consecutive points of
/// near-equal length: contiguous sums, no per-point bin index (the regression only needs
/// consecutive groups in time order). Run `k` is `[k q + floor(k r / m), (k + 1) q +
/// floor((k + 1) r / m))` for `n = q m + r`, its end stepped without a division (`carry = k r mod
/// m`). Writes the bin means directly (in order, empty bins skipped) and returns the
/// between-bin sum of squares `sum_k w_k ybar_k^2`.
fn grid_bins<T: Real>(cv: &Curve<'_, T>, inv: T, b: &mut Bins<T>) -> T {
    let n = cv.t.len().min(cv.y.len());
    let m = n.min(BINS);
    let mut between = T::ZERO;
    if m == 0 {
        return between;
    }
    let (q, r) = (n / m, n % m);
    let (ts, ys) = (cv.t, cv.y);
    let (t_min, mean) = (cv.t_min, cv.mean);
    // bins are written in order, empty ones (zero weight) skipped
    let mut out = 0usize;
    let mut emit = |sw: T, st: T, sy: T| {
        if sw > T::ZERO {
            let y = sy / sw;
            between += sw * y * y;
            if let (Some(bw), Some(bs), Some(by)) =
                (b.w.get_mut(out), b.s.get_mut(out), b.y.get_mut(out))
            {
                (*bw, *bs, *by) = (sw, st * inv / sw, y);
            }
            out += 1;
        }
    };
    // the end of the run after the one ending at `e`
    let mut carry = 0usize;
    let mut next_end = |e: usize| {
        carry += r;
        if carry >= m {
            carry -= m;
            e + q + 1
        } else {
            e + q
        }
    };
    match cv.w {
        None => {
            // one pass over the points, run by run (the runs partition 0..n)
            let mut pts = ts.iter().zip(ys);
            let mut a = 0usize;
            for _ in 0..m {
                let e = next_end(a);
                let (mut st, mut sy) = (T::ZERO, T::ZERO);
                for (&t, &y) in pts.by_ref().take(e - a) {
                    st += t - t_min;
                    sy += y - mean;
                }
                emit(T::from_usize(e - a), st, sy);
                a = e;
            }
        }
        Some(w) => {
            let mut a = 0usize;
            for _ in 0..m {
                let e = next_end(a);
                let (Some(tb), Some(yb), Some(wb)) = (ts.get(a..e), ys.get(a..e), w.get(a..e))
                else {
                    break;
                };
                let (mut sw, mut st, mut sy) = (T::ZERO, T::ZERO, T::ZERO);
                for ((&t, &y), &wi) in tb.iter().zip(yb).zip(wb) {
                    sw += wi;
                    st += wi * (t - t_min);
                    sy += wi * (y - mean);
                }
                emit(sw, st, sy);
                a = e;
            }
        }
    }
    b.m = out.min(BINS);
    between
}

/// The weighted normal equations of the regressors `(1, s, s^2, I1, I2)` over the bins
/// (trapezoid integrals from the first bin): `X^T W X` (upper triangle), `X^T W y`, `y^T W y`.
struct Normal<T> {
    a: [[T; 5]; 5],
    r: [T; 5],
    yy: T,
}

/// Only the columns `cols` (and their products) are accumulated.
#[inline(always)]
fn normal<T: Real, const K: usize>(b: &Bins<T>, cols: [usize; K]) -> Normal<T> {
    let mut ne = Normal {
        a: [[T::ZERO; 5]; 5],
        r: [T::ZERO; 5],
        yy: T::ZERO,
    };
    let (mut i1, mut i2) = (T::ZERO, T::ZERO);
    let m = b.m.min(BINS);
    let (s0, y0) = (b.s[0], b.y[0]);
    // the previous bin carried (the first bin is its own predecessor: `h = 0` adds nothing)
    let (mut s_prev, mut y_prev) = (s0, y0);
    for ((&w, &s), &y) in b.w[..m].iter().zip(&b.s[..m]).zip(&b.y[..m]) {
        let h = s - s_prev;
        let i1n = i1 + T::HALF * h * (y + y_prev);
        i2 += T::HALF * h * (i1 + i1n);
        i1 = i1n;
        (s_prev, y_prev) = (s, y);
        let tau = s - s0;
        let x = [T::ONE, tau, tau * tau, i1, i2];
        ne.yy += w * y * y;
        for (u, &j) in cols.iter().enumerate() {
            let wx = w * x[j];
            ne.r[j] += wx * y;
            for &k in &cols[u..] {
                ne.a[j][k] += wx * x[k];
            }
        }
    }
    ne
}

/// Weighted least squares on the regressors `cols` of [`normal`]: coefficients (in the order of
/// `cols`) and the residual sum of squares `y^T W y - c^T X^T W y` over the bins.
fn regress<T: Real, const K: usize>(ne: &Normal<T>, cols: [usize; K]) -> Option<([T; K], T)> {
    // Jacobi scaling, then the PSD solve of the fit module
    let mut sc = [T::ZERO; K];
    for j in 0..K {
        let d = ne.a[cols[j]][cols[j]];
        if !(d > T::ZERO) || !d.is_finite() {
            return None;
        }
        sc[j] = T::ONE / d.sqrt();
    }
    let mut m = [[T::ZERO; K]; K];
    let mut rhs = [T::ZERO; K];
    for j in 0..K {
        rhs[j] = ne.r[cols[j]] * sc[j];
        for k in j..K {
            m[j][k] = ne.a[cols[j]][cols[k]] * sc[j] * sc[k];
            m[k][j] = m[j][k];
        }
    }
    let z = solve_psd(&m, &rhs, K)?;
    let mut coef = [T::ZERO; K];
    let mut fit = T::ZERO;
    for j in 0..K {
        coef[j] = z[j] * sc[j];
        if !coef[j].is_finite() {
            return None;
        }
        fit += coef[j] * ne.r[cols[j]];
    }
    Some((coef, (ne.yy - fit).max(T::ZERO)))
}

/// Both regressions on a validated curve (O(n) binning plus O(BINS) work; no allocation).
pub fn estimate<T: Real>(cv: &Curve<'_, T>) -> Estimate<T> {
    estimate_orders(cv, true)
}

/// [`estimate`], the second-order regression only when `second` (the saturation law needs the
/// first order alone: `second = None`, `s2_second = inf`).
pub(crate) fn estimate_orders<T: Real>(cv: &Curve<'_, T>, second: bool) -> Estimate<T> {
    let Some(b) = bin(cv) else {
        return Estimate::NONE;
    };
    let mut est = Estimate::NONE;
    let span = cv.t_max - cv.t_min;
    let n = T::from_usize(cv.n_eff);
    // the first bin's mean time: the integrals start there; states are moved back to t_min by a
    // first-order Taylor step (the offset is at most one bin)
    let d0 = b.s[0];
    let ne = if second {
        normal(&b, [0, 1, 2, 3, 4])
    } else {
        normal(&b, [0, 1, 3])
    };
    if b.m >= 4 {
        if let Some(([c0, c1, a1], rss)) = regress(&ne, [0, 1, 3]) {
            if cv.n_eff > 3 {
                est.s2_first = (rss + b.within) / (n - c::<T>(3.0));
            }
            if a1 < T::ZERO {
                let tau = -T::ONE / a1;
                let p = c1 * tau;
                let r0 = c0 - (p - c0) / tau * d0;
                let v = [p + cv.mean, r0 + cv.mean, tau * span];
                if v.iter().all(|x| x.is_finite()) {
                    est.first = Some(v);
                }
            }
        }
    }
    if second && b.m >= 6 {
        if let Some(([c0, c1, c2, a1, a2], rss)) = regress(&ne, [0, 1, 2, 3, 4]) {
            if cv.n_eff > 5 {
                est.s2_second = (rss + b.within) / (n - c::<T>(5.0));
            }
            if a2 < T::ZERO {
                let omega = (-a2).sqrt();
                let zeta = -a1 / (T::TWO * omega);
                let rs = -T::TWO * c2 / a2;
                let v0 = c1 + a1 * c0;
                let acc = a1 * v0 + a2 * (c0 - rs);
                let r0 = c0 - v0 * d0;
                let v0 = v0 - acc * d0;
                let v = [rs + cv.mean, r0 + cv.mean, v0 / span, omega / span, zeta];
                if v.iter().all(|x| x.is_finite()) {
                    est.second = Some(v);
                }
            }
        }
    }
    est
}
