//! Complex arithmetic on `Real` pairs: what a polynomial root finder needs (Smith's division,
//! powers by squaring), nothing more.

use crate::real::Real;

/// A complex number `re + i im` (the stability module's polynomial root finder).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cx<T> {
    pub re: T,
    pub im: T,
}

impl<T: Real> Cx<T> {
    pub fn new(re: T, im: T) -> Self {
        Cx { re, im }
    }
    pub fn add(self, o: Self) -> Self {
        Cx::new(self.re + o.re, self.im + o.im)
    }
    pub fn sub(self, o: Self) -> Self {
        Cx::new(self.re - o.re, self.im - o.im)
    }
    pub fn mul(self, o: Self) -> Self {
        Cx::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
    pub fn scale(self, s: T) -> Self {
        Cx::new(self.re * s, self.im * s)
    }
    pub fn abs(self) -> T {
        self.re.hypot(self.im)
    }
    /// Smith's division.
    pub fn div(self, o: Self) -> Self {
        if o.re.abs() >= o.im.abs() {
            let r = o.im / o.re;
            let den = o.re + o.im * r;
            Cx::new((self.re + self.im * r) / den, (self.im - self.re * r) / den)
        } else {
            let r = o.re / o.im;
            let den = o.re * r + o.im;
            Cx::new((self.re * r + self.im) / den, (self.im * r - self.re) / den)
        }
    }
    pub fn powu(self, mut n: u32) -> Self {
        let mut base = self;
        let mut acc = Cx::new(T::ONE, T::ZERO);
        while n > 0 {
            if n & 1 == 1 {
                acc = acc.mul(base);
            }
            base = base.mul(base);
            n >>= 1;
        }
        acc
    }
    pub fn is_finite(self) -> bool {
        self.re.is_finite() && self.im.is_finite()
    }
}
