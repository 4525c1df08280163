//! The standard normal quantile, generic over the float type.

use crate::real::{c, Real};

/// Standard normal quantile `z_p` with `P(Z <= z_p) = p`, for `p` in (0, 1): Acklam's rational
/// approximation (P. J. Acklam, "An algorithm for computing the inverse normal cumulative
/// distribution function", 2003) without its refinement step:
///
/// ```text
/// central  (0.02425 <= p <= 0.97575):  q = p - 1/2, r = q^2,
///          z = A(r) q / (B(r) r + 1)               A, B polynomials of degree 5 and 4
/// tails    (p < 0.02425):  q = sqrt(-2 ln p),  z = C(q) / (D(q) q + 1)
///          (p > 0.97575):  z = -z(1 - p)
/// ```
///
/// Relative error below 1.2e-9 in f64 (checked against Python's `statistics.NormalDist().inv_cdf`
/// in `tests/normal_quantile.rs`); only `ln` and `sqrt`, so an f32 build stays in f32. `p` outside
/// (0, 1) or NaN gives NaN or an infinity (callers validate `p`: a confidence level, a test size).
pub fn normal_quantile<T: Real>(p: T) -> T {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let horner = |k: &[f64], x: T| k.iter().fold(T::ZERO, |acc, &a| acc * x + c::<T>(a));
    let lower_tail = |p: T| {
        let q = (-T::TWO * p.ln()).sqrt();
        horner(&C, q) / (horner(&D, q) * q + T::ONE)
    };
    let split: T = c(0.02425);
    if p < split {
        lower_tail(p)
    } else if p > T::ONE - split {
        -lower_tail(T::ONE - p)
    } else {
        let q = p - T::HALF;
        let r = q * q;
        horner(&A, r) * q / (horner(&B, r) * r + T::ONE)
    }
}
