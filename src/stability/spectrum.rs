//! The exact linear spectrum of the delayed heavy-ball map (docs/model.md C.6, C.8), on the stack.
//!
//! The characteristic polynomial is `P_d(z) = z^{d-1} (z - 1)(z - mu) + a` (`d >= 1`;
//! `P_0(z) = z^2 - (1 + mu - a) z + mu`). `d <= 1` is a quadratic (closed form). For `d >= 2` all
//! `d + 1` roots are found simultaneously by the Aberth-Ehrlich iteration in a fixed-capacity stack
//! array (`d <= MAX_EXACT_LAG`), started on circles whose radii come from the Newton polygon of the
//! four non-zero coefficients (Bini 1996); `P / P'` is evaluated in O(log d) from its factored form.
//! The spectral radius is the largest root modulus. Whether the dominant root is real and positive
//! is decided without trusting the imaginary parts: real positive roots of `P_d` lie in `(mu, 1)`
//! where `ln(z^{d-1} (1 - z)(z - mu))` is concave, so the largest one `r_plus` (if any) is found by
//! a maximisation plus a bracketed root find; the dominant root is real positive iff `r_plus`
//! exists and `r_plus >= rho (1 - 1.5e-9)` (f64).
//!
//! Periodic refresh uses the 2x2 monodromy matrix of `(y_k, y_{k-1})` over one period (old value
//! frozen at the period start); per-step radius `rho(M)^{1/T}`.

use super::MAX_EXACT_LAG;
use crate::error::{Error, ErrorKind, Param, Result};
use crate::numerics::complex::Cx;
use crate::real::{c, Real};

/// Roots of `z^2 + b z + c0` (real coefficients): `(rho, dominant real positive)`.
fn quadratic_spectrum<T: Real>(b: T, c0: T) -> (T, bool) {
    let disc = b * b - c::<T>(4.0) * c0;
    if disc >= T::ZERO {
        let s = disc.sqrt();
        let r1 = if b <= T::ZERO {
            (-b + s) * T::HALF
        } else {
            (-b - s) * T::HALF
        };
        let r2 = if r1 != T::ZERO { c0 / r1 } else { T::ZERO };
        let dom = if r1.abs() >= r2.abs() { r1 } else { r2 };
        (dom.abs(), dom > T::ZERO)
    } else {
        (c0.abs().sqrt(), false)
    }
}

/// `(rho, dominant root real positive)` of the constant-lag map (see the module docs).
pub(super) fn constant_lag_spectrum<T: Real>(a: T, mu: T, d: u32) -> Result<(T, bool)> {
    match d {
        0 => return Ok(quadratic_spectrum(-(T::ONE + mu - a), mu)),
        1 => return Ok(quadratic_spectrum(-(T::ONE + mu), mu + a)),
        _ => {}
    }
    if d > MAX_EXACT_LAG {
        return Err(Error::new(ErrorKind::CapacityExceeded, Param::Kref));
    }
    let rho = aberth_radius(a, mu, d)?;
    let real_pos = match largest_positive_root(a, mu, d) {
        Some(r) => r >= rho * (T::ONE - T::EPSILON.sqrt() * c(0.1)),
        None => false,
    };
    Ok((rho, real_pos))
}

/// Largest real positive root of `P_d` (`d >= 2`), which lies in `(mu, 1)`, or `None`.
fn largest_positive_root<T: Real>(a: T, mu: T, d: u32) -> Option<T> {
    let dm1 = T::from_f64((d - 1) as f64);
    // g(z) = ln(z^{d-1} (1 - z)(z - mu)) is concave on (mu, 1); g' decreasing.
    let g = |z: T| dm1 * z.ln() + (T::ONE - z).ln() + (z - mu).ln();
    let gp = |z: T| dm1 / z - T::ONE / (T::ONE - z) + T::ONE / (z - mu);
    let (mut lo, mut hi) = (mu, T::ONE);
    for _ in 0..200 {
        let mid = T::HALF * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if gp(mid) > T::ZERO {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let zm = T::HALF * (lo + hi);
    let la = a.ln();
    let gm = g(zm);
    if gm < la || gm.is_nan() {
        return None;
    }
    // root of g(z) = ln a on [zm, 1): g decreasing from g(zm) >= ln a to -infinity
    let (mut lo, mut hi) = (zm, T::ONE);
    for _ in 0..200 {
        let mid = T::HALF * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if g(mid) >= la {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// Spectral radius of `P_d(z) = z^{d-1}(z - 1)(z - mu) + a`, `2 <= d <= MAX_EXACT_LAG`, by the
/// Aberth-Ehrlich iteration (all `d + 1` roots, fixed stack array).
fn aberth_radius<T: Real>(a: T, mu: T, d: u32) -> Result<T> {
    const CAP: usize = MAX_EXACT_LAG as usize + 1;
    let n = d as usize + 1;
    let mut z = [Cx::<T>::default(); CAP];
    let mut done = [false; CAP];
    let mut last = [T::INFINITY; CAP];
    let zs = z
        .get_mut(..n)
        .ok_or(Error::new(ErrorKind::CapacityExceeded, Param::Kref))?;
    let dn = done
        .get_mut(..n)
        .ok_or(Error::new(ErrorKind::CapacityExceeded, Param::Kref))?;
    let lw = last
        .get_mut(..n)
        .ok_or(Error::new(ErrorKind::CapacityExceeded, Param::Kref))?;

    // Newton polygon: upper convex hull of (k, ln|c_k|) over the non-zero coefficients.
    let mut pts = [(0usize, T::ZERO); 4];
    let mut np = 0;
    let mut push = |k: usize, v: T| {
        if let Some(slot) = pts.get_mut(np) {
            *slot = (k, v);
            np += 1;
        }
    };
    push(0, a.ln());
    if mu > T::ZERO {
        push(n - 2, mu.ln());
    }
    push(n - 1, (T::ONE + mu).ln());
    push(n, T::ZERO);
    let mut hull = [(0usize, T::ZERO); 4];
    let mut nh = 0usize;
    for &(k, v) in pts.iter().take(np) {
        while nh >= 2 {
            let (k1, v1) = hull[nh - 2];
            let (k2, v2) = hull[nh - 1];
            // drop (k2, v2) if it lies on or below the chord (k1,v1)-(k,v)
            let cross = (v2 - v1) * T::from_usize(k - k1) - (v - v1) * T::from_usize(k2 - k1);
            if cross <= T::ZERO {
                nh -= 1;
            } else {
                break;
            }
        }
        hull[nh] = (k, v);
        nh += 1;
    }
    let two_pi = T::TWO * T::PI;
    let sigma = c::<T>(0.7);
    let mut idx = 0usize;
    for e in 0..nh.saturating_sub(1) {
        let (k1, v1) = hull[e];
        let (k2, v2) = hull[e + 1];
        let m = k2 - k1;
        let r = ((v1 - v2) / T::from_usize(m)).exp();
        for j in 0..m {
            let ang = two_pi * T::from_usize(j) / T::from_usize(m)
                + two_pi * T::from_usize(e) / T::from_usize(n)
                + sigma;
            let (s, co) = ang.sin_cos();
            if let Some(slot) = zs.get_mut(idx) {
                *slot = Cx::new(r * co, r * s);
            }
            idx += 1;
        }
    }

    let one = Cx::new(T::ONE, T::ZERO);
    let muc = Cx::new(mu, T::ZERO);
    let ac = Cx::new(a, T::ZERO);
    let dm1 = T::from_usize(n - 2);
    let tol = c::<T>(4.0) * T::EPSILON;
    let loose = T::EPSILON.sqrt() * c(1e-3);
    let mut converged = false;
    for _ in 0..500 {
        let mut all = true;
        for i in 0..n {
            if dn[i] {
                continue;
            }
            let zi = zs[i];
            // P'/P = z^{d-2} A / (z^{d-2} z q + a), A = (d-1) q + z q', evaluated so that no power
            // overflows: for |z| > 1 divide through by z^{d-2} (then (1/z)^{d-2} may only
            // underflow, harmlessly; likewise z^{d-2} for |z| <= 1).
            let q = zi.sub(one).mul(zi.sub(muc));
            let qp = zi.scale(T::TWO).sub(one).sub(muc);
            let big_a = q.scale(dm1).add(zi.mul(qp));
            let inv = if zi.abs() <= T::ONE {
                let zp = zi.powu(d - 2);
                zp.mul(big_a).div(zp.mul(zi).mul(q).add(ac))
            } else {
                let zr = one.div(zi).powu(d - 2);
                big_a.div(zi.mul(q).add(ac.mul(zr)))
            };
            let mut s = Cx::new(T::ZERO, T::ZERO);
            for (j, zj) in zs.iter().enumerate() {
                if j != i {
                    s = s.add(one.div(zi.sub(*zj)));
                }
            }
            // Aberth correction w = 1 / (P'/P - sum_j 1/(z_i - z_j)); P(z_i) = 0 exactly -> w = 0
            let w = if inv.is_finite() {
                one.div(inv.sub(s))
            } else {
                Cx::new(T::ZERO, T::ZERO)
            };
            if !w.is_finite() {
                return Err(Error::new(ErrorKind::NotReached, Param::Kref));
            }
            let znew = zi.sub(w);
            zs[i] = znew;
            // converged: correction at rounding level, or already tiny and no longer shrinking
            // (rounding noise of the evaluation)
            let wa = w.abs();
            let za = znew.abs();
            if wa <= tol * za || (wa <= loose * za && wa >= T::HALF * lw[i]) {
                dn[i] = true;
            } else {
                all = false;
            }
            lw[i] = wa;
        }
        if all {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(Error::new(ErrorKind::NotReached, Param::Kref));
    }
    Ok(zs.iter().map(|r| r.abs()).fold(T::ZERO, |m, v| m.max(v)))
}

/// `(rho per step, dominant Floquet multiplier real positive)` for periodic refresh `t`.
pub(super) fn periodic_spectrum<T: Real>(a: T, mu: T, t: u32) -> Result<(T, bool)> {
    if t == 0 {
        return Err(Error::out_of_range(Param::Kref));
    }
    // columns of the monodromy: images of the basis states (y_k, y_{k-1}) = (1, 0), (0, 1)
    let mut cols = [[T::ZERO; 2]; 2];
    if t <= PERIODIC_STEPPED {
        for (col, out) in cols.iter_mut().enumerate() {
            let (mut yk, mut ykm1) = if col == 0 {
                (T::ONE, T::ZERO)
            } else {
                (T::ZERO, T::ONE)
            };
            let yo = yk;
            for _ in 0..t {
                let yn = yk + mu * (yk - ykm1) - a * yo;
                ykm1 = yk;
                yk = yn;
            }
            *out = [yk, ykm1];
        }
    } else {
        // within a period the state (y_n, y_{n-1}, y_old) follows the constant map
        // B = [[1 + mu, -mu, -a], [1, 0, 0], [0, 0, 1]]: the monodromy is read from B^t, by
        // repeated squaring (O(log t) 3x3 products instead of t steps)
        let b = [
            [T::ONE + mu, -mu, -a],
            [T::ONE, T::ZERO, T::ZERO],
            [T::ZERO, T::ZERO, T::ONE],
        ];
        let bt = mat3_pow(b, t);
        // column 0 starts at (1, 0) with y_old = 1; column 1 at (0, 1) with y_old = 0
        cols[0] = [bt[0][0] + bt[0][2], bt[1][0] + bt[1][2]];
        cols[1] = [bt[0][1], bt[1][1]];
    }
    let m = [[cols[0][0], cols[1][0]], [cols[0][1], cols[1][1]]];
    let tr = m[0][0] + m[1][1];
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let (r, real_pos) = quadratic_spectrum(-tr, det);
    let rho = r.powf(T::ONE / T::from_f64(t as f64));
    if !rho.is_finite() {
        return Err(Error::new(ErrorKind::Diverged, Param::Kref));
    }
    Ok((rho, real_pos))
}

/// Periods up to this are stepped one by one (`O(t)`); longer ones use `B^t` by repeated
/// squaring (`O(log t)`), so every periodic spectrum costs at most ~`4096` steps or 64 3x3
/// products whatever `t`.
const PERIODIC_STEPPED: u32 = 4096;

fn mat3_mul<T: Real>(x: &[[T; 3]; 3], y: &[[T; 3]; 3]) -> [[T; 3]; 3] {
    let mut out = [[T::ZERO; 3]; 3];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = x[i][0] * y[0][j] + x[i][1] * y[1][j] + x[i][2] * y[2][j];
        }
    }
    out
}

fn mat3_pow<T: Real>(mut base: [[T; 3]; 3], mut n: u32) -> [[T; 3]; 3] {
    let mut acc = [
        [T::ONE, T::ZERO, T::ZERO],
        [T::ZERO, T::ONE, T::ZERO],
        [T::ZERO, T::ZERO, T::ONE],
    ];
    while n > 0 {
        if n & 1 == 1 {
            acc = mat3_mul(&acc, &base);
        }
        base = mat3_mul(&base, &base);
        n >>= 1;
    }
    acc
}

/// Compile-time bound of the exact spectrum's stack buffers (issue 7): the Aberth iteration
/// keeps `MAX_EXACT_LAG + 1` complex roots, flags and last corrections, `(MAX_EXACT_LAG + 1)
/// (3 size_of(T) + 1)` bytes (24.6 KiB in f64, 12.3 KiB in f32): the deepest stack of the crate,
/// used only by [`Hyper::linear_regime`] and its callers at lags `>= 2`.
const fn aberth_fits<T>() -> bool {
    use core::mem::size_of;
    const CAP: usize = MAX_EXACT_LAG as usize + 1;
    size_of::<[Cx<T>; CAP]>() + size_of::<[bool; CAP]>() + size_of::<[T; CAP]>()
        <= CAP * (3 * size_of::<T>() + 1)
}
const _: () = assert!(aberth_fits::<f32>() && aberth_fits::<f64>());
