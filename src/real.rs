//! The sealed float trait: everything the model needs from `f32` and `f64`.
//!
//! `Real` is implemented for `f32` and `f64` only (it is sealed), so no `num-traits` type leaks into
//! the public API. Transcendental functions come from `libm` (pure Rust, bit-identical results on
//! every host). With the `micromath` feature the `f32` implementation of `exp`, `sin`, `cos`
//! and `atan2` switches to micromath's fast approximations; their accuracy is far below
//! libm's: the bounds [`MICROMATH_EXP_REL`], [`MICROMATH_SIN_COS_ABS`] and
//! [`MICROMATH_ATAN2_ABS`], which `tests/micromath.rs` measures. `sqrt` and `ln` stay libm
//! (micromath's are off by up to 6e-2 and 0.12). `f64` always uses libm.

/// Relative error bound of `f32::exp` with the `micromath` feature (measured worst 2.39e-3 on
/// `|x| <= 8`, `tests/micromath.rs`).
pub const MICROMATH_EXP_REL: f64 = 2.5e-3;
/// Absolute error bound of `f32::sin` and `f32::cos` with the `micromath` feature (measured worst
/// 1.09e-3 on `|x| <= 8`).
pub const MICROMATH_SIN_COS_ABS: f64 = 1.1e-3;
/// Absolute error bound (radians) of `f32::atan2` with the `micromath` feature (measured worst
/// 2.83e-3 over all directions).
pub const MICROMATH_ATAN2_ABS: f64 = 3e-3;

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point type the crate computes in: `f32` or `f64` (sealed).
pub trait Real:
    sealed::Sealed
    + Copy
    + Default
    + PartialOrd
    + PartialEq
    + Debug
    + Display
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Send
    + Sync
    + 'static
{
    /// 0
    const ZERO: Self;
    /// 1
    const ONE: Self;
    /// 2
    const TWO: Self;
    /// 1/2
    const HALF: Self;
    /// pi
    const PI: Self;
    /// Machine epsilon.
    const EPSILON: Self;
    /// Largest finite value.
    const MAX: Self;
    /// Smallest positive normal value.
    const MIN_POSITIVE: Self;
    /// +infinity
    const INFINITY: Self;
    /// NaN
    const NAN: Self;
    /// Natural log of the largest finite value (exp overflows beyond it).
    const LN_MAX: Self;

    /// Conversion from `f64` (rounding to nearest for `f32`).
    fn from_f64(x: f64) -> Self;
    /// Exact widening to `f64`.
    fn to_f64(self) -> f64;
    /// Conversion from a `usize` (exact below 2^24 for `f32`, 2^53 for `f64`).
    fn from_usize(n: usize) -> Self;

    /// `true` unless NaN or infinite.
    fn is_finite(self) -> bool;
    /// `true` for NaN.
    fn is_nan(self) -> bool;
    /// |x|
    fn abs(self) -> Self;
    /// Larger of two values (NaN-ignoring as `f64::max`).
    fn max(self, other: Self) -> Self;
    /// Smaller of two values (NaN-ignoring as `f64::min`).
    fn min(self, other: Self) -> Self;
    /// `self` with the sign of `sign`.
    fn copysign(self, sign: Self) -> Self;
    /// Round toward negative infinity.
    fn floor(self) -> Self;
    /// Round toward positive infinity.
    fn ceil(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// e^x
    fn exp(self) -> Self;
    /// e^x - 1, accurate near 0.
    fn exp_m1(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// ln(1 + x), accurate near 0.
    fn ln_1p(self) -> Self;
    /// x^y
    fn powf(self, y: Self) -> Self;
    /// sin x
    fn sin(self) -> Self;
    /// cos x
    fn cos(self) -> Self;
    /// (sin x, cos x) computed together.
    fn sin_cos(self) -> (Self, Self);
    /// atan2(self, x)
    fn atan2(self, x: Self) -> Self;
    /// cosh x
    fn cosh(self) -> Self;
    /// sinh x
    fn sinh(self) -> Self;
    /// a*b + c with one rounding.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// hypot(self, y) without undue overflow.
    fn hypot(self, y: Self) -> Self;
}

macro_rules! impl_core {
    ($t:ty) => {
        const ZERO: Self = 0.0;
        const ONE: Self = 1.0;
        const TWO: Self = 2.0;
        const HALF: Self = 0.5;
        const PI: Self = core::f64::consts::PI as $t;
        const EPSILON: Self = <$t>::EPSILON;
        const MAX: Self = <$t>::MAX;
        const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;
        const INFINITY: Self = <$t>::INFINITY;
        const NAN: Self = <$t>::NAN;

        #[inline(always)]
        fn from_f64(x: f64) -> Self {
            x as $t
        }
        #[inline(always)]
        fn to_f64(self) -> f64 {
            self as f64
        }
        #[inline(always)]
        fn from_usize(n: usize) -> Self {
            n as $t
        }
        #[inline(always)]
        fn is_finite(self) -> bool {
            num_traits::float::FloatCore::is_finite(self)
        }
        #[inline(always)]
        fn is_nan(self) -> bool {
            num_traits::float::FloatCore::is_nan(self)
        }
        #[inline(always)]
        fn abs(self) -> Self {
            num_traits::float::FloatCore::abs(self)
        }
        #[inline(always)]
        fn max(self, other: Self) -> Self {
            num_traits::float::FloatCore::max(self, other)
        }
        #[inline(always)]
        fn min(self, other: Self) -> Self {
            num_traits::float::FloatCore::min(self, other)
        }
    };
}

impl Real for f64 {
    impl_core!(f64);
    const LN_MAX: Self = 709.782712893384;

    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        libm::copysign(self, sign)
    }
    #[inline(always)]
    fn floor(self) -> Self {
        libm::floor(self)
    }
    #[inline(always)]
    fn ceil(self) -> Self {
        libm::ceil(self)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        libm::sqrt(self)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        libm::exp(self)
    }
    #[inline(always)]
    fn exp_m1(self) -> Self {
        libm::expm1(self)
    }
    #[inline(always)]
    fn ln(self) -> Self {
        libm::log(self)
    }
    #[inline(always)]
    fn ln_1p(self) -> Self {
        libm::log1p(self)
    }
    #[inline(always)]
    fn powf(self, y: Self) -> Self {
        libm::pow(self, y)
    }
    #[inline(always)]
    fn sin(self) -> Self {
        libm::sin(self)
    }
    #[inline(always)]
    fn cos(self) -> Self {
        libm::cos(self)
    }
    #[inline(always)]
    fn sin_cos(self) -> (Self, Self) {
        libm::sincos(self)
    }
    #[inline(always)]
    fn atan2(self, x: Self) -> Self {
        libm::atan2(self, x)
    }
    #[inline(always)]
    fn cosh(self) -> Self {
        libm::cosh(self)
    }
    #[inline(always)]
    fn sinh(self) -> Self {
        libm::sinh(self)
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        libm::fma(self, b, c)
    }
    #[inline(always)]
    fn hypot(self, y: Self) -> Self {
        libm::hypot(self, y)
    }
}

impl Real for f32 {
    impl_core!(f32);
    const LN_MAX: Self = 88.722_83;

    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        libm::copysignf(self, sign)
    }
    #[inline(always)]
    fn floor(self) -> Self {
        libm::floorf(self)
    }
    #[inline(always)]
    fn ceil(self) -> Self {
        libm::ceilf(self)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        // always libm: micromath's sqrt is off by up to 6e-2 and a hardware sqrt is as fast
        libm::sqrtf(self)
    }
    #[inline(always)]
    fn exp(self) -> Self {
        #[cfg(feature = "micromath")]
        {
            micromath::F32Ext::exp(self)
        }
        #[cfg(not(feature = "micromath"))]
        {
            libm::expf(self)
        }
    }
    #[inline(always)]
    fn exp_m1(self) -> Self {
        libm::expm1f(self)
    }
    #[inline(always)]
    fn ln(self) -> Self {
        // always libm: micromath's ln is off by up to 0.12 (ln 0.047: -3.17 for -3.06; ln 0.9:
        // -0.182 for -0.105), which moves the bandit's reference logit and every fixed point
        libm::logf(self)
    }
    #[inline(always)]
    fn ln_1p(self) -> Self {
        libm::log1pf(self)
    }
    #[inline(always)]
    fn powf(self, y: Self) -> Self {
        libm::powf(self, y)
    }
    #[inline(always)]
    fn sin(self) -> Self {
        #[cfg(feature = "micromath")]
        {
            micromath::F32Ext::sin(self)
        }
        #[cfg(not(feature = "micromath"))]
        {
            libm::sinf(self)
        }
    }
    #[inline(always)]
    fn cos(self) -> Self {
        #[cfg(feature = "micromath")]
        {
            micromath::F32Ext::cos(self)
        }
        #[cfg(not(feature = "micromath"))]
        {
            libm::cosf(self)
        }
    }
    #[inline(always)]
    fn sin_cos(self) -> (Self, Self) {
        #[cfg(feature = "micromath")]
        {
            (micromath::F32Ext::sin(self), micromath::F32Ext::cos(self))
        }
        #[cfg(not(feature = "micromath"))]
        {
            libm::sincosf(self)
        }
    }
    #[inline(always)]
    fn atan2(self, x: Self) -> Self {
        #[cfg(feature = "micromath")]
        {
            micromath::F32Ext::atan2(self, x)
        }
        #[cfg(not(feature = "micromath"))]
        {
            libm::atan2f(self, x)
        }
    }
    #[inline(always)]
    fn cosh(self) -> Self {
        libm::coshf(self)
    }
    #[inline(always)]
    fn sinh(self) -> Self {
        libm::sinhf(self)
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        libm::fmaf(self, b, c)
    }
    #[inline(always)]
    fn hypot(self, y: Self) -> Self {
        libm::hypotf(self, y)
    }
}

/// `T::from_f64` as a short helper for constants inside generic code.
#[inline(always)]
pub(crate) fn c<T: Real>(x: f64) -> T {
    T::from_f64(x)
}
