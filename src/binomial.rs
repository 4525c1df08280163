//! The binomial law `n ~ Binomial(g, p)` at a cost that does not grow with `g`.
//!
//! * Log-probabilities in saddle-point form (Loader 2000), accurate to ~1e-15 absolute for every
//!   `g < 2^32`:
//!
//!   ```text
//!   ln b(k) = stirlerr(g) - stirlerr(k) - stirlerr(g - k) - bd0(k, g p) - bd0(g - k, g q)
//!             + 0.5 ln(g / (2 pi k (g - k))),        0 < k < g,  q = 1 - p
//!   stirlerr(n) = ln n! - (n + 1/2) ln n + n - ln sqrt(2 pi)
//!   bd0(x, m) = x ln(x / m) + m - x                  (series in v = (x - m) / (x + m) near m)
//!   ```
//!
//! * Expectations `E f(n)`: the exact sum over every `n` with a representable weight while the
//!   law is narrow (`g p q <= WIDE_VAR`); beyond, the same sum over the lattice
//!   `mode + j s`, `s = floor(sigma / 2)`, `sigma^2 = g p q`. By Poisson summation the relative
//!   error of the strided sum of the weights is at most
//!   `sum_{j=1}^{s-1} |phi(2 pi j / s)| <= s exp(-sigma^2 (1 - cos(2 pi / s)))`
//!   (`phi` the characteristic function `(p e^{i theta} + q)^g`), below `4 exp(-64) = 6e-28` for
//!   `sigma^2 > 64`; the smooth factor `f(n)` changes this only by its own (slow) variation.
//!   Lattice points whose weight is below `e^-50` of the mode's are dropped (`< 1e-20` of the
//!   mass). At most [`MAX_NODES`] points whatever `g`.
//! * Draws: inversion from `n = 0` while `g min(p, q) < 10` (or `g <= 1000`, kept for
//!   reproducibility of earlier streams), else transformed rejection with squeeze (Hormann 1993,
//!   BTRS), which accepts within 1.2 trials on average whatever `g`. Both exact up to rounding.

use crate::numerics::rng::Rng;
use crate::real::Real;

/// `g p q` above which expectations use the strided lattice (`sigma > 8`).
pub(crate) const WIDE_VAR: f64 = 64.0;
/// Most lattice points a strided expectation visits (`+-` about `12 sigma` in steps of
/// `sigma / 2`, plus the skew of the tails).
pub(crate) const MAX_NODES: usize = 128;
/// Log-weight (relative to the mode) below which lattice points are dropped.
const LN_CUT: f64 = -50.0;

/// `ln sqrt(2 pi)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// `stirlerr(n) = ln n! - (n + 1/2) ln n + n - ln sqrt(2 pi)` for integer `n >= 1`: the exact
/// log-factorial below 16, the asymptotic series (Loader's cut-offs) above.
pub(crate) fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n < 16.0 {
        let mut lf = 0.0;
        let mut i = 2.0;
        while i <= n {
            lf += Real::ln(i);
            i += 1.0;
        }
        return lf - ((n + 0.5) * Real::ln(n) - n + LN_SQRT_2PI);
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// `bd0(x, m) = x ln(x / m) + m - x` without cancellation near `x = m` (`x >= 0`, `m > 0`).
pub(crate) fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let v = (x - m) / (x + m);
        let v2 = v * v;
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        let mut j = 1.0;
        // |v| < 0.1: each term shrinks by v^2 < 0.01, at most ~10 terms
        while j < 40.0 {
            ej *= v2;
            let s1 = s + ej / (2.0 * j + 1.0);
            if s1 == s {
                return s1;
            }
            s = s1;
            j += 1.0;
        }
        return s;
    }
    if x == 0.0 {
        return m;
    }
    x * Real::ln(x / m) + m - x
}

/// `ln P(n = k)` for `n ~ Binomial(g, p)`, `0 < p < 1`, `0 <= k <= g` (saddle-point form).
pub(crate) fn ln_pmf(k: f64, g: f64, p: f64) -> f64 {
    let q = 1.0 - p;
    if k == 0.0 {
        return g * Real::ln_1p(-p);
    }
    if k == g {
        return g * Real::ln(p);
    }
    let gk = g - k;
    stirlerr(g) - stirlerr(k) - stirlerr(gk) - bd0(k, g * p) - bd0(gk, g * q)
        + 0.5 * Real::ln(g / (2.0 * core::f64::consts::PI * k * gk))
}

/// `(E f(n), Var f(n), Cov(f(n), n))` for `n ~ Binomial(g, p)`, `g p q > WIDE_VAR`, over the
/// strided lattice (see the module docs). `None` if the lattice needs more than `MAX_NODES`
/// points (not reached for `g < 2^32`; the caller then uses the exact sum).
pub(crate) fn wide_moments<T: Real, F: Fn(u32) -> T>(g: u32, p: f64, f: F) -> Option<(T, T, T)> {
    let gf = g as f64;
    let sigma = Real::sqrt(gf * p * (1.0 - p));
    let s = Real::floor(sigma * 0.5).max(1.0) as u32;
    let mode = Real::floor((gf + 1.0) * p).min(gf) as u32;
    let l0 = ln_pmf(mode as f64, gf, p);
    let mut nodes = [(0u32, T::ZERO, T::ZERO); MAX_NODES];
    let mut len = 0usize;
    // the mode, then outward in both directions
    for dir in [1i64, -1] {
        let mut k = if dir > 0 {
            mode as i64
        } else {
            mode as i64 - s as i64
        };
        while k >= 0 && k <= g as i64 {
            let rel = ln_pmf(k as f64, gf, p) - l0;
            if rel < LN_CUT {
                break;
            }
            let slot = nodes.get_mut(len)?;
            *slot = (k as u32, T::from_f64(Real::exp(rel)), f(k as u32));
            len += 1;
            k += dir * s as i64;
        }
    }
    let nodes = nodes.get(..len)?;
    let (mut sw, mut sf, mut sn) = (T::ZERO, T::ZERO, T::ZERO);
    for &(k, w, fk) in nodes {
        sw += w;
        sf += w * fk;
        sn += w * T::from_f64(k as f64);
    }
    let mf = sf / sw;
    let mn = sn / sw;
    let (mut vff, mut vfn) = (T::ZERO, T::ZERO);
    for &(k, w, fk) in nodes {
        let df = fk - mf;
        vff += w * df * df;
        vfn += w * df * (T::from_f64(k as f64) - mn);
    }
    Some((mf, vff / sw, vfn / sw))
}

/// Group sizes up to this keep sequential inversion for every `p` (the generator stream of
/// earlier releases); larger ones use it only while `g min(p, q) < INVERSION_MAX_MEAN`.
pub(crate) const INVERSION_MAX_G: u32 = 1000;
/// Mean `g min(p, q)` below which inversion is used for large `g`.
const INVERSION_MAX_MEAN: f64 = 10.0;

/// One draw and the number of uniforms it consumed (the work; tests bound it).
pub(crate) fn sample_counted<R: Rng + ?Sized>(rng: &mut R, g: u32, p: f64) -> (u32, u32) {
    if p.is_nan() || p <= 0.0 {
        return (0, 0);
    }
    if p >= 1.0 {
        return (g, 0);
    }
    let (q, flip) = if p > 0.5 { (1.0 - p, true) } else { (p, false) };
    let (n, used) = if g <= INVERSION_MAX_G || (g as f64) * q < INVERSION_MAX_MEAN {
        (inversion(rng, g, q), 1)
    } else {
        btrs(rng, g, q)
    };
    (if flip { g - n } else { n }, used)
}

/// Sequential inversion of the CDF from `n = 0` with one uniform (`q <= 1/2`). Stops where the
/// probabilities underflow (a tail of mass below 1e-300), so the loop is bounded by the support
/// of representable probabilities, not by `g`.
fn inversion<R: Rng + ?Sized>(rng: &mut R, g: u32, q: f64) -> u32 {
    let u = rng.next_f64();
    let mut pmf = Real::exp(g as f64 * Real::ln_1p(-q));
    let mut cdf = pmf;
    let odds = q / (1.0 - q);
    let mut n = 0u32;
    while u >= cdf && n < g {
        pmf *= (g - n) as f64 / (n + 1) as f64 * odds;
        n += 1;
        cdf += pmf;
        if pmf == 0.0 && (n as f64) > g as f64 * q {
            break;
        }
    }
    n
}

/// Transformed rejection with squeeze (Hormann 1993, "BTRS"), `q <= 1/2`, `g q >= 10`. The
/// acceptance test compares with `ln(b(k) / b(m))` from [`ln_pmf`] (accurate for every `g`).
/// Returns the draw and the number of uniforms used.
fn btrs<R: Rng + ?Sized>(rng: &mut R, g: u32, q: f64) -> (u32, u32) {
    let gf = g as f64;
    let spq = Real::sqrt(gf * q * (1.0 - q));
    let b = 1.15 + 2.53 * spq;
    let a = -0.0873 + 0.0248 * b + 0.01 * q;
    let cc = gf * q + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let alpha = (2.83 + 5.1 / b) * spq;
    let m = Real::floor((gf + 1.0) * q).min(gf);
    let lm = ln_pmf(m, gf, q);
    let mut used = 0u32;
    // each trial accepts with probability > 0.8 (Hormann's table); 10^4 trials fail with
    // probability < 1e-900: the fallback (the mode) is unreachable in practice but bounds the loop
    for _ in 0..10_000 {
        let u = rng.next_f64() - 0.5;
        let v = rng.next_f64();
        used += 2;
        let us = 0.5 - u.abs();
        let k = Real::floor((2.0 * a / us + b) * u + cc);
        if !(0.0..=gf).contains(&k) {
            continue;
        }
        if us >= 0.07 && v <= v_r {
            return (k as u32, used);
        }
        let lv = Real::ln(v * alpha / (a / (us * us) + b));
        if lv <= ln_pmf(k, gf, q) - lm {
            return (k as u32, used);
        }
    }
    (m as u32, used)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::Xoshiro256pp;

    /// ln C(g, k) p^k q^(g-k) by direct summation of logs (small g only): the reference.
    fn ln_pmf_direct(k: u32, g: u32, p: f64) -> f64 {
        let mut s = 0.0f64;
        for i in 0..k {
            s += Real::ln(((g - i) as f64) / ((i + 1) as f64));
        }
        s + k as f64 * Real::ln(p) + (g - k) as f64 * Real::ln(1.0 - p)
    }

    #[test]
    fn ln_pmf_matches_direct_sum() {
        for &(g, p) in &[
            (20u32, 0.3),
            (200, 0.5),
            (3000, 0.01),
            (3000, 0.9),
            (50, 0.999),
        ] {
            for k in 0..=g {
                let want = ln_pmf_direct(k, g, p);
                if want < -700.0 {
                    continue;
                }
                let got = ln_pmf(k as f64, g as f64, p);
                assert!(
                    (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
                    "g {g} p {p} k {k}: {got} vs {want}"
                );
            }
        }
    }

    /// Exact sum over every k (the reference for the strided lattice), in f64.
    fn exact(g: u32, p: f64, f: &dyn Fn(u32) -> f64) -> (f64, f64, f64) {
        let w = |k: u32| Real::exp(ln_pmf(k as f64, g as f64, p));
        let sw: f64 = (0..=g).map(w).sum();
        let mf = (0..=g).map(|k| w(k) * f(k)).sum::<f64>() / sw;
        let mn = (0..=g).map(|k| w(k) * k as f64).sum::<f64>() / sw;
        let v = (0..=g)
            .map(|k| w(k) * (f(k) - mf) * (f(k) - mf))
            .sum::<f64>()
            / sw;
        let cv = (0..=g)
            .map(|k| w(k) * (f(k) - mf) * (k as f64 - mn))
            .sum::<f64>()
            / sw;
        (mf, v, cv)
    }

    #[test]
    fn strided_moments_match_the_exact_sum() {
        for &g in &[300u32, 1000, 20_000, 400_000] {
            for &p in &[0.5, 0.2, 0.9, 0.03] {
                let gf = g as f64;
                if gf * p * (1.0 - p) <= WIDE_VAR {
                    continue;
                }
                // the std-normalised group advantage with eps = 0 and Bessel: the least smooth f
                let f = |k: u32| {
                    let q = k as f64 / gf;
                    Real::sqrt(q * (1.0 - q) * gf / (gf - 1.0))
                };
                let (m, v, cv) = wide_moments::<f64, _>(g, p, f).unwrap();
                let (m0, v0, c0) = exact(g, p, &f);
                assert!((m - m0).abs() <= 1e-13 * m0.abs(), "g {g} p {p}: {m} {m0}");
                assert!((v - v0).abs() <= 1e-10 * v0.abs(), "g {g} p {p}: {v} {v0}");
                // the covariance vanishes by symmetry at p = 1/2: compare on the scale of
                // sd(f) sd(n) (Cauchy-Schwarz bound of |Cov|)
                let scale = Real::sqrt(v0 * gf * p * (1.0 - p));
                assert!((cv - c0).abs() <= 1e-10 * scale, "g {g} p {p}: {cv} {c0}");
            }
        }
    }

    #[test]
    fn strided_lattice_size_does_not_grow_with_g() {
        for &g in &[100u32, 10_000, 1 << 20, 1 << 31, u32::MAX] {
            for &p in &[0.5, 1e-3, 0.999] {
                let gf = g as f64;
                if gf * p * (1.0 - p) <= WIDE_VAR {
                    continue;
                }
                let calls = core::cell::Cell::new(0usize);
                let r = wide_moments::<f64, _>(g, p, |_| {
                    calls.set(calls.get() + 1);
                    1.0
                });
                assert!(r.is_some(), "g {g} p {p}");
                assert!(calls.get() <= 60, "g {g} p {p}: {} nodes", calls.get());
            }
        }
    }

    /// Pearson chi-square of BTRS draws against the exact pmf, and the work per draw.
    #[test]
    fn btrs_draws_follow_the_law_with_bounded_work() {
        let mut rng = Xoshiro256pp::new(7);
        for &(g, p) in &[(5000u32, 0.3), (2000, 0.02), (1_000_000, 0.5)] {
            let gf = g as f64;
            let sd = Real::sqrt(gf * p * (1.0 - p));
            let mode = Real::floor((gf + 1.0) * p);
            // 21 bins of width sd / 2 around the mode, plus two tails
            let bin = |k: u32| -> usize {
                let z = Real::floor((k as f64 - mode) / (0.5 * sd)) + 11.0;
                z.clamp(0.0, 22.0) as usize
            };
            let draws = 40_000;
            let mut seen = [0f64; 23];
            let mut uniforms = 0u64;
            for _ in 0..draws {
                let (k, used) = sample_counted(&mut rng, g, p);
                assert!(used <= 40, "one draw used {used} uniforms");
                uniforms += used as u64;
                seen[bin(k)] += 1.0;
            }
            assert!(uniforms as f64 / draws as f64 <= 2.0 * 1.25);
            let mut want = [0f64; 23];
            for k in 0..=g {
                let l = ln_pmf(k as f64, gf, p);
                if l > -60.0 {
                    want[bin(k)] += Real::exp(l) * draws as f64;
                }
            }
            let chi2: f64 = seen
                .iter()
                .zip(want.iter())
                .filter(|(_, w)| **w > 5.0)
                .map(|(s, w)| (s - w) * (s - w) / w)
                .sum();
            // 22 degrees of freedom at most: P(chi2 > 60) < 3e-5
            assert!(chi2 < 60.0, "g {g} p {p}: chi2 {chi2}");
        }
    }

    #[test]
    fn huge_groups_draw_in_constant_work() {
        let mut rng = Xoshiro256pp::new(11);
        for &(g, p) in &[
            (u32::MAX, 0.5),
            (u32::MAX, 1e-9),
            (u32::MAX, 3e-3),
            (1 << 30, 0.999),
        ] {
            let mut total = 0f64;
            for _ in 0..2000 {
                let (k, used) = sample_counted(&mut rng, g, p);
                assert!(used <= 40);
                total += k as f64;
            }
            let mean = total / 2000.0;
            let gf = g as f64;
            let sd = Real::sqrt(gf * p * (1.0 - p));
            // the mean of 2000 draws is within 5 standard errors of g p
            assert!(
                (mean - gf * p).abs() <= 5.0 * sd / Real::sqrt(2000.0) + 1e-9,
                "g {g} p {p}: mean {mean}"
            );
        }
    }
}
