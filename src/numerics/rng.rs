//! Random numbers and the binomial distribution: caller-owned generators (no global state), one
//! exact `Binomial(g, p)` sampler and exact binomial moments.

use crate::real::Real;

/// `(E f(n), Var f(n), Cov(f(n), n))` for `n ~ Binomial(g, p)`. Narrow laws
/// (`g p (1 - p) <= 64`): every `n` with a representable weight, the weights built by the ratio
/// recurrence outward from the mode (relative to the mode's weight 1, so nothing overflows or
/// underflows at the centre for any `g`), normalised by their sum; two passes (mean, then centred
/// sums) avoid cancellation; at most ~700 terms. Wider laws: the strided lattice of
/// [`crate::binomial`] (at most 128 points, error below 1e-27 relative), so the cost never grows
/// with `g`.
pub(crate) fn binomial_moments<T: Real, F: Fn(u32) -> T>(g: u32, p: T, f: F) -> (T, T, T) {
    if p <= T::ZERO || p >= T::ONE {
        let n = if p <= T::ZERO { 0 } else { g };
        return (f(n), T::ZERO, T::ZERO);
    }
    let pf = p.to_f64();
    if g as f64 * pf * (1.0 - pf) > crate::binomial::WIDE_VAR {
        if let Some(m) = crate::binomial::wide_moments(g, pf, &f) {
            return m;
        }
    }
    let gg = T::from_f64(g as f64);
    let odds = p / (T::ONE - p);
    let mode = {
        let m = ((gg + T::ONE) * p).floor().to_f64();
        if m >= g as f64 {
            g
        } else if m <= 0.0 {
            0
        } else {
            m as u32
        }
    };
    // visit every n with its unnormalised weight
    let visit = |acc: &mut dyn FnMut(u32, T)| {
        let mut w = T::ONE;
        acc(mode, w);
        let mut n = mode;
        while n < g {
            w = w * T::from_f64((g - n) as f64) / T::from_f64((n + 1) as f64) * odds;
            n += 1;
            acc(n, w);
            if w == T::ZERO {
                break;
            }
        }
        w = T::ONE;
        n = mode;
        while n > 0 {
            w = w * T::from_f64(n as f64) / (T::from_f64((g - n + 1) as f64) * odds);
            n -= 1;
            acc(n, w);
            if w == T::ZERO {
                break;
            }
        }
    };
    let (mut sw, mut sf, mut sn) = (T::ZERO, T::ZERO, T::ZERO);
    visit(&mut |n, w| {
        sw += w;
        sf += w * f(n);
        sn += w * T::from_f64(n as f64);
    });
    let mf = sf / sw;
    let mn = sn / sw;
    let (mut vff, mut vfn) = (T::ZERO, T::ZERO);
    visit(&mut |n, w| {
        let df = f(n) - mf;
        vff += w * df * df;
        vfn += w * df * (T::from_f64(n as f64) - mn);
    });
    (mf, vff / sw, vfn / sw)
}

/// A source of uniform 64-bit random numbers (caller-supplied; the library has no global state).
pub trait Rng {
    /// The next uniformly distributed `u64`.
    fn next_u64(&mut self) -> u64;
    /// A uniform `f64` in `[0, 1)` with 53 random bits.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, deterministic generator; used to seed
/// [`Xoshiro256pp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator with the given seed.
    pub const fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }
}

impl Rng for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// xoshiro256++ (Blackman, Vigna 2019), seeded through SplitMix64: the default generator for
/// finite-G simulations. Deterministic for a given seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Xoshiro256pp {
    s: [u64; 4],
}

impl Xoshiro256pp {
    /// A generator whose state is four SplitMix64 outputs of `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = SplitMix64::new(seed);
        Xoshiro256pp {
            s: [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()],
        }
    }
}

impl Rng for Xoshiro256pp {
    fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = self.s;
        let result = s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0);
        let t = s1 << 17;
        let mut s = [s0, s1, s2 ^ s0, s3 ^ s1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        self.s = s;
        result
    }
}

/// One `Binomial(g, p)` draw, exact up to `f64` rounding, at an expected cost independent of
/// `g`: by symmetry the draw is made with `q = min(p, 1 - p) <= 1/2`; sequential inversion of the
/// CDF from `n = 0` (one uniform) for `g <= 1000` or `g q < 10`, otherwise transformed rejection
/// (Hormann's BTRS, under 1.2 trials of two uniforms on average). See [`crate::binomial`].
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, g: u32, p: f64) -> u32 {
    crate::binomial::sample_counted(rng, g, p).0
}
