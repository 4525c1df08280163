//! The power-law component of the forecast combination ("pow3" of the learning-curve
//! literature): `r(t) = a - b t^(-c)`, the law that extrapolates reward curves best among the
//! protocol's single-model baselines on the shared runs.
//!
//! For a fixed exponent `c` the law is linear in `(a, b)`: with `x_i = t_i^(-c)` the weighted
//! least-squares solution is
//!
//! ```text
//! b = -sum w_i (x_i - xbar)(y_i - ybar) / sum w_i (x_i - xbar)^2,   a = ybar + b xbar
//! ```
//!
//! and the exponent is the one of [`POWER_EXPONENTS`] (12 values log-spaced over [0.05, 3], the
//! range of the protocol's pow3 baseline) with the smallest weighted residual sum of squares.
//! `t` is the logged step, shifted to start at 1 when the first step is not positive. Cost:
//! one pass over the window (`n` logarithms, `12 n` exponentials, see [`PowerLaw::fit`]), no
//! iteration, no failure mode but a constant `x` (then `None`).

use crate::real::{c, Real};

/// The exponents `c` tried: `0.05 * 60^(i / 11)`, `i = 0..11`.
pub const POWER_EXPONENTS: [f64; 12] = [
    0.05,
    0.07254711025452343,
    0.10526166412563961,
    0.1527285910579479,
    0.22160035868997938,
    0.3215293130864775,
    0.4665204505309175,
    0.6768942112131286,
    0.9821343794305504,
    1.4250202221861221,
    2.067621983477242,
    3.0,
];

/// A fitted power law `a - b (step + shift)^(-c)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PowerLaw<T> {
    /// Asymptote `a`.
    pub a: T,
    /// Amplitude `b`.
    pub b: T,
    /// Exponent `c`.
    pub c: T,
    /// Step shift (0, or `1 - first step` when the first step is not positive).
    pub shift: T,
}

impl<T: Real> PowerLaw<T> {
    /// Fit on the points `(t_i, y_i)` with weights `w_i > 0` (`t` strictly increasing). `None`
    /// when fewer than 3 points or no exponent gives a finite fit.
    ///
    /// One pass over the points for all exponents: `ln(t_i + shift)` once per point, then
    /// `x_i = exp(-c ln(t_i + shift))` per exponent (12 `exp`, no `powf`), accumulated as sums of
    /// `u_i = x_i - x_ref` (`x_ref` = `x` at the middle point, so the centred sums do not cancel)
    /// and `v_i = y_i - ybar`:
    ///
    /// ```text
    /// Sxx = sum w u^2 - (sum w u)^2 / sw      Sxy = sum w u v - (sum w u)(sum w v) / sw
    /// b = -Sxy / Sxx,  a = ybar + b xbar,     sse = sum w v^2 - Sxy^2 / Sxx  (clamped at 0)
    /// ```
    ///
    /// (the same least-squares solution and residual sum as the direct formulas above). Cost:
    /// `n` logarithms and `12 n` exponentials.
    pub fn fit(t: &[T], y: &[T], w: &[T]) -> Option<Self> {
        const K: usize = POWER_EXPONENTS.len();
        let n = t.len().min(y.len()).min(w.len());
        if n < 3 {
            return None;
        }
        let shift = if t[0] > T::ZERO {
            T::ZERO
        } else {
            T::ONE - t[0]
        };
        let sw = w[..n].iter().fold(T::ZERO, |a, &x| a + x);
        if sw.is_nan() || sw <= T::ZERO || !sw.is_finite() {
            return None;
        }
        let ybar = y[..n]
            .iter()
            .zip(&w[..n])
            .fold(T::ZERO, |a, (&yi, &wi)| a + wi * yi)
            / sw;
        let ce: [T; K] = POWER_EXPONENTS.map(c::<T>);
        let l_ref = (t[n / 2] + shift).ln();
        let mut x_ref = [T::ZERO; K];
        for (r, &ck) in x_ref.iter_mut().zip(&ce) {
            *r = (-ck * l_ref).exp();
        }
        let (mut sv, mut svv) = (T::ZERO, T::ZERO);
        let mut su = [T::ZERO; K];
        let mut suu = [T::ZERO; K];
        let mut suv = [T::ZERO; K];
        for i in 0..n {
            let l = (t[i] + shift).ln();
            let (wi, vi) = (w[i], y[i] - ybar);
            sv += wi * vi;
            svv += wi * vi * vi;
            for k in 0..K {
                let u = (-ce[k] * l).exp() - x_ref[k];
                su[k] += wi * u;
                suu[k] += wi * u * u;
                suv[k] += wi * u * vi;
            }
        }
        let mut best: Option<(T, Self)> = None;
        for k in 0..K {
            let sxx = suu[k] - su[k] * su[k] / sw;
            if sxx.is_nan() || sxx <= T::ZERO || !sxx.is_finite() {
                continue;
            }
            let sxy = suv[k] - su[k] * sv / sw;
            let b = -sxy / sxx;
            let a = ybar + b * (x_ref[k] + su[k] / sw);
            let sse = (svv - sxy * sxy / sxx).max(T::ZERO);
            let law = PowerLaw {
                a,
                b,
                c: ce[k],
                shift,
            };
            if sse.is_finite() && a.is_finite() && b.is_finite() {
                match best {
                    Some((s, _)) if s <= sse => {}
                    _ => best = Some((sse, law)),
                }
            }
        }
        best.map(|(_, l)| l)
    }

    /// Value at step `step` (steps at or before `-shift` are evaluated at `shift + step = EPSILON`).
    pub fn at(&self, step: T) -> T {
        let ts = (step + self.shift).max(T::EPSILON);
        self.a - self.b * ts.powf(-self.c)
    }
}
