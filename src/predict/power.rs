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
//! 12 passes over the window, no iteration, no failure mode but a constant `x` (then `None`).

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
    pub fn fit(t: &[T], y: &[T], w: &[T]) -> Option<Self> {
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
        let mut best: Option<(T, Self)> = None;
        for &ce in POWER_EXPONENTS.iter() {
            let ce: T = c(ce);
            let x = |ti: T| (ti + shift).powf(-ce);
            let mut sx = T::ZERO;
            for i in 0..n {
                sx += w[i] * x(t[i]);
            }
            let xbar = sx / sw;
            let (mut sxx, mut sxy) = (T::ZERO, T::ZERO);
            for i in 0..n {
                let dx = x(t[i]) - xbar;
                sxx += w[i] * dx * dx;
                sxy += w[i] * dx * (y[i] - ybar);
            }
            if sxx.is_nan() || sxx <= T::ZERO || !sxx.is_finite() {
                continue;
            }
            let b = -sxy / sxx;
            let a = ybar + b * xbar;
            let mut sse = T::ZERO;
            for i in 0..n {
                let e = y[i] - a + b * x(t[i]);
                sse += w[i] * e * e;
            }
            let law = PowerLaw { a, b, c: ce, shift };
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
