//! Scalar root finding: Brent's method on a bracket, a scan for the first sign change, bisection
//! to the last representable point, and the first passage of a function through a level.
//!
//! Every search has a fixed iteration budget (bounded cost, no panic); failures are typed errors
//! naming the caller's parameter, or `None` where the caller names the error.

use crate::error::{Error, ErrorKind, Param, Result};
use crate::real::{c, Real};

/// First sign change `+ -> -` of `f` on `[lo, lo + span]` scanned with `steps` intervals of
/// width `span / steps`, refined by [`brent`]. `NotReached` when `f` never turns non-positive,
/// `Diverged` when it turns non-finite; both name `p`. Costs at most `steps` + 200 calls of `f`.
pub(crate) fn scan_root<T: Real, F: FnMut(T) -> T>(
    mut f: F,
    lo: T,
    span: f64,
    steps: usize,
    p: Param,
) -> Result<T> {
    let h = c::<T>(span / steps as f64);
    let mut a = lo;
    let mut fa = f(a);
    for i in 1..=steps {
        let b = lo + h * T::from_usize(i);
        let fb = f(b);
        if !fb.is_finite() {
            return Err(Error::new(ErrorKind::Diverged, p));
        }
        if fa > T::ZERO && fb <= T::ZERO {
            if fb == T::ZERO {
                return Ok(b);
            }
            return brent(f, a, b, fa, fb, p);
        }
        a = b;
        fa = fb;
    }
    Err(Error::new(ErrorKind::NotReached, p))
}

/// Brent's root finder on a bracket `[a, b]` with `fa * fb < 0` (Brent 1973, "zeroin"), to full
/// working precision (at most 200 calls of `f`). Used for every scalar root of the bandit and
/// the stability modules.
pub(crate) fn brent<T: Real, F: FnMut(T) -> T>(
    mut f: F,
    mut a: T,
    mut b: T,
    mut fa: T,
    mut fb: T,
    p: Param,
) -> Result<T> {
    let prod = fa * fb;
    if prod > T::ZERO || prod.is_nan() {
        return Err(Error::new(ErrorKind::NotReached, p));
    }
    if fa == T::ZERO {
        return Ok(a);
    }
    let mut cc = a;
    let mut fc = fa;
    let mut d = b - a;
    let mut e = d;
    for _ in 0..200 {
        if (fb > T::ZERO) == (fc > T::ZERO) {
            cc = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = cc;
            cc = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol = T::TWO * T::EPSILON * b.abs() + T::MIN_POSITIVE;
        let m = T::HALF * (cc - b);
        if m.abs() <= tol || fb == T::ZERO {
            return Ok(b);
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut pp, mut q);
            if a == cc {
                pp = T::TWO * m * s;
                q = T::ONE - s;
            } else {
                let qa = fa / fc;
                let r = fb / fc;
                pp = s * (T::TWO * m * qa * (qa - r) - (b - a) * (r - T::ONE));
                q = (qa - T::ONE) * (r - T::ONE) * (s - T::ONE);
            }
            if pp > T::ZERO {
                q = -q;
            } else {
                pp = -pp;
            }
            if T::TWO * pp < c::<T>(3.0) * m * q - (tol * q).abs() && pp < (T::HALF * e * q).abs() {
                e = d;
                d = pp / q;
            } else {
                d = m;
                e = m;
            }
        } else {
            d = m;
            e = m;
        }
        a = b;
        fa = fb;
        b = if d.abs() > tol {
            b + d
        } else {
            b + tol.copysign(m)
        };
        fb = f(b);
        if !fb.is_finite() {
            return Err(Error::new(ErrorKind::Diverged, p));
        }
    }
    Ok(b)
}

/// Smallest representable `t` in `(lo, hi]` with `below(t)` (assumes one crossing, `below(hi)`),
/// by bisection until the midpoint is no longer strictly inside, or after `max_iter` halvings.
/// `None` as soon as `below` gives `None`.
pub(crate) fn bisect<T: Real>(
    mut below: impl FnMut(T) -> Option<bool>,
    mut lo: T,
    mut hi: T,
    max_iter: usize,
) -> Option<T> {
    for _ in 0..max_iter {
        let mid = lo + (hi - lo) * T::HALF;
        if mid <= lo || mid >= hi {
            break;
        }
        if below(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// First time `t >= t0` at which `g` (a function of time, `None` where undefined) changes sign
/// or reaches 0: a geometric scan from `t0` (first step `max(t0, 1) / 64`, growing by 1.5, at
/// most 64 steps and up to `10^6 max(t0, 1)`), then 200 bisections of the bracket. `None` when no
/// crossing is found or `g` is undefined at a point visited. At most 265 calls of `g`.
pub(crate) fn first_passage<T: Real>(g: impl Fn(T) -> Option<T>, t0: T) -> Option<T> {
    let f0 = g(t0)?;
    if f0 == T::ZERO {
        return Some(t0);
    }
    let span = t0.max(T::ONE);
    let mut h = span / c(64.0);
    let (mut a, mut b) = (t0, t0);
    let mut found = false;
    for _ in 0..64 {
        b = t0 + h;
        let fb = g(b)?;
        if (fb > T::ZERO) != (f0 > T::ZERO) || fb == T::ZERO {
            found = true;
            break;
        }
        a = b;
        h *= c(1.5);
        if h > span * c(1e6) {
            break;
        }
    }
    if !found {
        return None;
    }
    // crossed at m: the sign differs from g(t0) or g(m) = 0
    bisect(
        |m| g(m).map(|fm| (fm > T::ZERO) != (f0 > T::ZERO) || fm == T::ZERO),
        a,
        b,
        200,
    )
}
