//! The shared numerical kernel: the basis `E*C`, `E*S`, `E*S1` of docs/model.md A.4 at one time `t`.
//!
//! With `a = zeta omega`, `D = omega^2 (zeta^2 - 1)`, `u = D t^2`, `E = exp(-a t)`:
//!
//! ```text
//! ec  = E ch(u)          (ch(u)  = sum u^n/(2n)!)
//! es  = E t sh(u)        (sh(u)  = sum u^n/(2n+1)!)
//! es1 = E t^3 sh1(u)     (sh1(u) = sh'(u) = sum (n+1) u^n/(2n+3)!)
//! ```
//!
//! Every evaluation path of the crate (pointwise, slices, grids, every parameterisation) goes
//! through [`Kernel::basis`]. Branches (with `s = q t`, `q = omega sqrt|zeta^2 - 1|`):
//! * `s <= 1` (`|u| <= 1`): Taylor series in `u` (no cancellation near `zeta = 1`, exact at it);
//! * `s > 1`, `zeta < 1`: `ec = E cos s`, `es = E sin(s) / q`;
//! * `s > 1`, `zeta > 1`: the two decaying exponentials, never `cosh`:
//!   `ec = exp(-lambda_s t) (1 + exp(-2s)) / 2`, `es = exp(-lambda_s t) (1 - exp(-2s)) / (2q)` with the
//!   cancellation-free slow rate `lambda_s = omega / (zeta + sqrt(zeta^2 - 1))`;
//! * outside the series `es1 = (t ec - es) / (2D)` (from `sh1 = (ch - sh)/(2u)`).

use crate::real::{c, Real};

/// Phase `s = q t` beyond which the rounding of the product `q t` is compensated. Below it the
/// phase error (<= s 1.1e-16, relative to the envelope) is already below the accuracy target.
const PHASE_EXACT: f64 = 32.0;

/// Number of Taylor terms (even); the truncation error for `|u| <= 1` is below 1e-21.
const TERMS: usize = 12;

/// `1/(2n)!`, `1/(2n+1)!`, `(n+1)/(2n+3)!` for `n = 0..TERMS`.
const fn coefficients() -> [[f64; TERMS]; 3] {
    let mut out = [[0.0; TERMS]; 3];
    let mut fact = 1.0; // k!
    let mut k = 1;
    let mut n = 0;
    // walk k = 1, 2, ..., 2*TERMS + 2 and pick the factorials we need
    let mut facts = [1.0f64; 2 * TERMS + 4];
    while k < 2 * TERMS + 4 {
        fact *= k as f64;
        facts[k] = fact;
        k += 1;
    }
    while n < TERMS {
        out[0][n] = 1.0 / facts[2 * n];
        out[1][n] = 1.0 / facts[2 * n + 1];
        out[2][n] = (n + 1) as f64 / facts[2 * n + 3];
        n += 1;
    }
    out
}

const COEF: [[f64; TERMS]; 3] = coefficients();

/// `sum k[n] u^n`, as `even(u^2) + u odd(u^2)` (two independent Horner chains: half the latency).
#[inline(always)]
fn horner<T: Real>(k: &[f64; TERMS], u: T) -> T {
    let u2 = u * u;
    let mut even: T = c(k[TERMS - 2]);
    let mut odd: T = c(k[TERMS - 1]);
    let mut i = TERMS - 2;
    while i >= 2 {
        i -= 2;
        even = even * u2 + c(k[i]);
        odd = odd * u2 + c(k[i + 1]);
    }
    even + u * odd
}

/// The rounding error `a b - p` of the product `p = fl(a b)` (Dekker's exact product, no FMA);
/// 0 when the operands are too large to split safely (the phase is meaningless there anyway).
#[inline(always)]
fn product_error<T: Real>(a: T, b: T, p: T) -> T {
    let big: T = c(1e250);
    if p >= big || a > big || b > big {
        return T::ZERO;
    }
    // 2^27 + 1 (f64) or 2^12 + 1 (f32)
    let split: T = if T::EPSILON < c(1e-10) {
        c(134_217_729.0)
    } else {
        c(4097.0)
    };
    let ca = split * a;
    let (ah, bh) = (ca - (ca - a), {
        let cb = split * b;
        cb - (cb - b)
    });
    let (al, bl) = (a - ah, b - bh);
    ((ah * bh - p) + ah * bl + al * bh) + al * bl
}

/// The shared basis at one time (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Basis<T> {
    /// The time.
    pub t: T,
    /// `E ch(u)`.
    pub ec: T,
    /// `E t sh(u)`.
    pub es: T,
    /// `E t^3 sh1(u)` (zero when not requested).
    pub es1: T,
}

/// Per-oscillator constants of the kernel (depend on `omega`, `zeta` only).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Kernel<T> {
    /// `a = zeta omega`, the envelope rate.
    pub a: T,
    /// `D = omega^2 (zeta^2 - 1)`.
    pub d: T,
    /// `q = omega sqrt|zeta^2 - 1|`.
    pub q: T,
    /// `1/q` (infinite at `zeta = 1`, where it is never used).
    pub inv_q: T,
    /// `true` for `zeta > 1`.
    pub over: bool,
    /// `lambda_s = omega / (zeta + sqrt(zeta^2 - 1))` (only meaningful when `over`).
    pub lam_s: T,
}

impl<T: Real> Kernel<T> {
    /// Constants for `(omega, zeta)` (already validated: finite, `omega > 0`, `zeta >= 0`).
    #[inline(always)]
    pub fn new(omega: T, zeta: T) -> Self {
        let dz = (zeta - T::ONE) * (zeta + T::ONE); // zeta^2 - 1 without cancellation
        let r = dz.abs().sqrt();
        let over = zeta > T::ONE;
        Kernel {
            a: zeta * omega,
            d: omega * omega * dz,
            q: omega * r,
            inv_q: T::ONE / (omega * r),
            over,
            lam_s: if over { omega / (zeta + r) } else { T::ZERO },
        }
    }

    /// `D x` for a basis value `x = E t sh` (or a multiple of it), computed as `-+ q (q x)`: `q x`
    /// is a bounded sin/sinh, whereas `D = omega^2 (zeta^2 - 1)` alone may be huge, so the product
    /// exists whenever the result does.
    #[inline(always)]
    pub fn d_times(&self, x: T) -> T {
        let qx = self.q * x;
        if self.over {
            self.q * qx
        } else {
            -(self.q * qx)
        }
    }

    /// The basis at `t >= 0`; `es1` only when `S1` (otherwise 0).
    #[inline(always)]
    pub fn basis<const S1: bool>(&self, t: T) -> Basis<T> {
        let s = self.q * t;
        if t == T::ZERO {
            return Basis {
                t,
                ec: T::ONE,
                es: T::ZERO,
                es1: T::ZERO,
            };
        }
        if s <= T::ONE {
            let u = if self.over { s * s } else { -(s * s) };
            let e = (-(self.a * t)).exp();
            let et = e * t;
            let ec = e * horner(&COEF[0], u);
            let es = et * horner(&COEF[1], u);
            let es1 = if S1 {
                et * t * t * horner(&COEF[2], u)
            } else {
                T::ZERO
            };
            return Basis { t, ec, es, es1 };
        }
        let (ec, es) = if self.over {
            let es_ = (-(self.lam_s * t)).exp();
            let x = (-(s + s)).exp();
            let h = T::HALF * es_;
            (h * (T::ONE + x), h * (T::ONE - x) * self.inv_q)
        } else {
            let (mut sn, mut cs) = s.sin_cos();
            if s > c(PHASE_EXACT) {
                // long horizons: the phase q t to better than one rounding (sin/cos of s + lo,
                // lo = q t - s exactly), so grid and pointwise paths agree for many periods.
                // First order in lo, so only while lo is tiny: beyond q t ~ 1e8 the phase is not
                // determined by the inputs anyway, and a huge lo would wreck sin/cos.
                let lo = product_error(self.q, t, s);
                if lo.abs() <= c(1e-8) {
                    (sn, cs) = (sn + cs * lo, cs - sn * lo);
                }
            }
            let e = (-(self.a * t)).exp();
            (e * cs, e * sn * self.inv_q)
        };
        let es1 = if S1 {
            (t * ec - es) / (self.d + self.d)
        } else {
            T::ZERO
        };
        Basis { t, ec, es, es1 }
    }
}
