//! Stability predicates and regime classification (docs/model.md C.6 - C.9).
//!
//! Everything here is a function of the linearised heavy-ball map at the fixed point,
//! `y_{k+1} = y_k + mu (y_k - y_{k-1}) - a y_{j(k)}` with `a = eta K`, summarised by [`Hyper`]
//! (`eta`, `mu`, `K`). Three levels of answer (docs/model.md C.9):
//!
//! 1. First order (the paper's Lemma 5 / Proposition 9 level, C.7): `gamma_eff(Kref) =
//!    (1 - mu) - a Kref`, `m(Kref) = (1 + mu + a Kref^2) / 2`, `zeta = gamma_eff / (2 sqrt(m a))`;
//!    `zeta >= 1` monotone, `0 < zeta < 1` overshooting, `zeta <= 0` oscillatory.
//! 2. Exact linear (C.6, C.8): from the spectrum of the delayed map ([`Hyper::linear_regime`]) and
//!    the exact critical lag `d_c` ([`Hyper::critical_lag`]).
//! 3. Trajectory ([`classify`]): sign changes and settling of a simulated or observed curve.
//!
//! The exact spectrum (Aberth-Ehrlich roots on the stack, the monodromy of periodic refresh)
//! lives in `spectrum`; the instability verdict of the diagnostics (docs/model.md E4) in `instability`.

mod instability;
mod level_drop;
mod spectrum;

pub use instability::{instability_verdict, InstabilityEvidence, InstabilityVerdict};
pub use level_drop::{level_drop, DropOptions, LevelDrop, DEFAULT_MIN_LOST};
pub(crate) use level_drop::{level_drop_by, level_drop_in};
use spectrum::{constant_lag_spectrum, periodic_spectrum};

use crate::bandit::{Bandit, Lag};
use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::numerics::roots::brent;
use crate::real::{c, Real};

/// Largest constant lag the exact spectrum handles (the root array lives on the stack:
/// `(MAX_EXACT_LAG + 1) * 2 * size_of::<T>()` bytes).
pub const MAX_EXACT_LAG: u32 = 1024;

/// The dynamical regime of a trajectory (docs/model.md C.9), the class of its shape: from the first-order
/// damping ([`Hyper::first_order_regime`]), the exact spectrum ([`Spectrum`]) or the curve itself
/// ([`classify`]). (Not to be confused with the damping regime of the oscillator's roots,
/// `trajectory::DampingRegime`, or the predictor's view of a running curve, `predict::RunRegime`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum CurveClass {
    /// Approaches the fixed point without crossing it (C ABI code 0).
    Monotone = 0,
    /// Crosses the fixed point, then settles (code 1).
    Overshooting = 1,
    /// Does not settle: growing or persistent oscillation, or divergence (code 2).
    Oscillatory = 2,
}

impl CurveClass {
    /// One-letter code used in the regime strings of docs/model.md C.10: `M`, `S`, `X`.
    pub const fn letter(self) -> char {
        match self {
            CurveClass::Monotone => 'M',
            CurveClass::Overshooting => 'S',
            CurveClass::Oscillatory => 'X',
        }
    }
}

/// Exact linear stability of one configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Spectrum<T: Real = f64> {
    /// Per-step spectral radius `rho` (stable iff `rho < 1`).
    pub rho: T,
    /// `Oscillatory` if `rho >= 1`; else `Monotone` if the dominant root is real positive;
    /// else `Overshooting`.
    pub regime: CurveClass,
}

/// Result of the trajectory classifier.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Classification<T: Real = f64> {
    /// The regime.
    pub regime: CurveClass,
    /// `max(0, max_k(-sign(e_0) e_k)) / |e_0|` over the finite points.
    pub overshoot: T,
}

/// Optimizer hyperparameters and stiffness: learning rate `eta > 0`, momentum `0 <= mu < 1`,
/// stiffness `K > 0`. `a = eta K` is the only combination the linear map sees besides `mu`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Hyper<T: Real = f64> {
    /// Learning rate.
    pub eta: T,
    /// Momentum.
    pub mu: T,
    /// Stiffness `K`.
    pub k: T,
}

impl<T: Real> Hyper<T> {
    /// Validated hyperparameters (`eta > 0`, `mu` in `[0, 1)`, `K > 0`, all finite, `eta K`
    /// finite).
    pub fn new(eta: T, mu: T, k: T) -> Result<Self> {
        let h = Hyper { eta, mu, k };
        h.a()?;
        Ok(h)
    }

    /// `a = eta K` after validation.
    pub fn a(&self) -> Result<T> {
        check::positive(self.eta, Param::Eta)?;
        check::half_open(self.mu, T::ZERO, T::ONE, Param::Mu)?;
        check::positive(self.k, Param::K)?;
        let a = self.eta * self.k;
        // a subnormal `eta K` is refused: its logarithm and powers lose all precision and the
        // spectral searches would crawl (e.g. eta = 8.38e-320)
        if a.is_finite() && a >= T::MIN_POSITIVE {
            Ok(a)
        } else {
            Err(Error::out_of_range(Param::K))
        }
    }

    /// First-order effective damping `gamma_eff = (1 - mu) - eta K Kref` (C.7).
    pub fn gamma_eff(&self, kref: T) -> Result<T> {
        let a = self.a()?;
        check::non_negative(kref, Param::Kref)?;
        Ok((T::ONE - self.mu) - a * kref)
    }

    /// First-order mass `m = (1 + mu + eta K Kref^2) / 2` (C.7).
    pub fn mass_eff(&self, kref: T) -> Result<T> {
        let a = self.a()?;
        check::non_negative(kref, Param::Kref)?;
        Ok((T::ONE + self.mu + a * kref * kref) * T::HALF)
    }

    /// First-order damping ratio `zeta = gamma_eff / (2 sqrt(m eta K))` (C.7).
    pub fn zeta(&self, kref: T) -> Result<T> {
        let a = self.a()?;
        let g = self.gamma_eff(kref)?;
        let m = self.mass_eff(kref)?;
        check::result(g / (T::TWO * (m * a).sqrt()), Param::Zeta)
    }

    /// First-order regime: `zeta >= 1` monotone, `0 < zeta < 1` overshooting, `zeta <= 0`
    /// oscillatory.
    pub fn first_order_regime(&self, kref: T) -> Result<CurveClass> {
        let z = self.zeta(kref)?;
        Ok(if z >= T::ONE {
            CurveClass::Monotone
        } else if z > T::ZERO {
            CurveClass::Overshooting
        } else {
            CurveClass::Oscillatory
        })
    }

    /// Proposition 9 threshold `Kref* = (1 - mu) / (eta K)` (zero of the first-order damping).
    pub fn prop9_threshold(&self) -> Result<T> {
        let a = self.a()?;
        check::result((T::ONE - self.mu) / a, Param::Kref)
    }

    /// First-order `zeta = 1` onset
    /// `Kref_z1 = (-(1 - mu) + sqrt(2 (1 - mu)^2 - 2 eta K (1 + mu))) / (eta K)`, evaluated as
    /// `((1 - mu)^2 - 2 a (1 + mu)) / (a ((1 - mu) + sqrt(...)))` (no cancellation); 0 when
    /// `(1 - mu)^2 <= 2 eta K (1 + mu)` (already underdamped on-policy).
    pub fn zeta_one_onset(&self) -> Result<T> {
        let a = self.a()?;
        let g = T::ONE - self.mu;
        let num = g * g - T::TWO * a * (T::ONE + self.mu);
        if num <= T::ZERO {
            return Ok(T::ZERO);
        }
        let s = (g * g + num).sqrt();
        check::result(num / (a * (g + s)), Param::Kref)
    }

    /// Exact critical lag `d_c` of the constant-lag map (C.8): solve
    /// `2 sin(w/2) sqrt(1 - 2 mu cos w + mu^2) = eta K` for `w` in `(0, pi]` (increasing in `w`;
    /// Brent), then `d_c = 1/2 + (pi/2 - atan2(sin w, cos w - mu)) / w`. The map is unstable iff
    /// `Kref >= d_c`. 0 when the on-policy map is already unstable (`eta K >= 2 (1 + mu)`).
    pub fn critical_lag(&self) -> Result<T> {
        let a = self.a()?;
        critical_lag_of(a, self.mu)
    }

    /// Small-`eta K` asymptotics of `d_c`: `(pi/2)(1 - mu)/(eta K) - (1 + mu)/(2 (1 - mu))`.
    pub fn asymptotic_critical_lag(&self) -> Result<T> {
        let a = self.a()?;
        let g = T::ONE - self.mu;
        Ok(T::PI * T::HALF * g / a - (T::ONE + self.mu) / (T::TWO * g))
    }

    /// Exact linear regime and per-step spectral radius for lag `kref` (C.6). Constant lag:
    /// `kref <= MAX_EXACT_LAG` (else `CapacityExceeded`, param `kref`); when the rounded radius
    /// lies within `64 EPSILON` of 1 (it does for `eta K` below ~1e-16) stability is decided by
    /// the exact criterion `kref < d_c` ([`Hyper::critical_lag`], accurate however small
    /// `eta K` is), otherwise by the radius (more accurate in `f32` near `d_c`): `rho`
    /// is then reported as the largest double below 1 for a stable map (and at least 1 for an
    /// unstable one). Periodic: `kref >= 1`; when the radius of the monodromy lies within
    /// `64 EPSILON` of 1 its rounding cannot decide stability and the answer is `OutOfRange`
    /// (param `K`) rather than a guess.
    pub fn linear_regime(&self, kref: u32, lag: Lag) -> Result<Spectrum<T>> {
        let a = self.a()?;
        let (rho, real_pos, stable) = match lag {
            Lag::Constant => {
                let (rho, real_pos) = constant_lag_spectrum(a, self.mu, kref)?;
                // the rounded radius decides when it is clearly away from 1; within `64 EPSILON`
                // of 1 (e.g. `eta K` below ~1e-16) the exact criterion `kref < d_c` does
                let margin = c::<T>(64.0) * T::EPSILON;
                let stable = if (rho - T::ONE).abs() > margin {
                    rho < T::ONE
                } else {
                    T::from_f64(kref as f64) < critical_lag_of(a, self.mu)?
                };
                let below_one = T::ONE - T::EPSILON * T::HALF;
                let rho = if stable {
                    rho.min(below_one)
                } else {
                    rho.max(T::ONE)
                };
                (rho, real_pos, stable)
            }
            Lag::Periodic => {
                let (rho, real_pos) = periodic_spectrum(a, self.mu, kref)?;
                let margin = c::<T>(64.0) * T::EPSILON;
                if (rho - T::ONE).abs() <= margin {
                    return Err(Error::out_of_range(Param::K));
                }
                (rho, real_pos, rho < T::ONE)
            }
        };
        let regime = if !stable || rho.is_nan() {
            CurveClass::Oscillatory
        } else if real_pos {
            CurveClass::Monotone
        } else {
            CurveClass::Overshooting
        };
        Ok(Spectrum { rho, regime })
    }

    /// Largest exactly stable lag. Constant lag: the largest integer `Kref < d_c` (saturated at
    /// `u32::MAX`). Periodic refresh: the largest period `T` with per-step radius `< 1`, found by
    /// doubling then bisection over the 2x2 monodromy (assumes the stable periods form one
    /// interval `1..=T*`, as the spectrum does for the presets of docs/model.md C.10; `T` up to `MAX_PERIOD`, else
    /// `CapacityExceeded`). `None` when even the on-policy map is unstable.
    pub fn largest_stable_kref(&self, lag: Lag) -> Result<Option<u32>> {
        match lag {
            Lag::Constant => {
                let dc = self.critical_lag()?;
                if dc <= T::ZERO {
                    return Ok(None);
                }
                let n = dc.ceil().to_f64() - 1.0;
                Ok(Some(if n >= u32::MAX as f64 {
                    u32::MAX
                } else {
                    n as u32
                }))
            }
            Lag::Periodic => largest_true(|t| {
                Ok(self.linear_regime(t, Lag::Periodic)?.regime != CurveClass::Oscillatory)
            }),
        }
    }

    /// Largest lag whose exact linear regime is monotone; `None` when the on-policy map is not
    /// monotone. Assumes the monotone lags form one interval `0..=d*`. Constant lag: a bracket
    /// around the first-order estimate `ceil(Kref_z1) - 1` (widened by doubling steps), then
    /// bisection, with the exact spectrum at each probe: at most `2 log2(MAX_EXACT_LAG) + 2 = 22`
    /// spectra. `CapacityExceeded` (param `kref`) when the lag `MAX_EXACT_LAG` is still monotone
    /// (the answer lies beyond what the exact spectrum handles; never a capped value). Periodic
    /// refresh: doubling then bisection as in [`Hyper::largest_stable_kref`].
    pub fn largest_monotone_kref(&self, lag: Lag) -> Result<Option<u32>> {
        let mut probes = 0u32;
        self.largest_monotone_kref_counted(lag, &mut probes)
    }

    /// [`Hyper::largest_monotone_kref`], counting the exact spectra it evaluates in `probes`.
    #[doc(hidden)]
    pub fn largest_monotone_kref_counted(&self, lag: Lag, probes: &mut u32) -> Result<Option<u32>> {
        let mut mono = |d: u32| -> Result<bool> {
            *probes += 1;
            Ok(self.linear_regime(d, lag)?.regime == CurveClass::Monotone)
        };
        if lag == Lag::Periodic {
            return largest_true(mono);
        }
        let on = self.zeta_one_onset()?;
        let guess = (on.ceil().to_f64() - 1.0).clamp(0.0, MAX_EXACT_LAG as f64) as u32;
        // bracket: lo monotone, hi not monotone (lo < hi)
        let (mut lo, mut hi);
        if mono(guess)? {
            if guess == MAX_EXACT_LAG {
                return Err(Error::new(ErrorKind::CapacityExceeded, Param::Kref));
            }
            lo = guess;
            let mut step = 1u32;
            loop {
                let next = lo.saturating_add(step).min(MAX_EXACT_LAG);
                if !mono(next)? {
                    hi = next;
                    break;
                }
                if next == MAX_EXACT_LAG {
                    return Err(Error::new(ErrorKind::CapacityExceeded, Param::Kref));
                }
                lo = next;
                step = step.saturating_mul(2);
            }
        } else {
            hi = guess;
            let mut step = 1u32;
            loop {
                if hi == 0 {
                    return Ok(None);
                }
                let next = hi.saturating_sub(step);
                if mono(next)? {
                    lo = next;
                    break;
                }
                hi = next;
                step = step.saturating_mul(2);
            }
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if mono(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(Some(lo))
    }
}

/// Largest period the periodic-refresh searches consider (each test costs O(T) operations).
pub const MAX_PERIOD: u32 = 1 << 24;

/// Largest `t >= 1` with `pred(t)`, assuming `pred` holds exactly on `1..=t*`: doubling from 2,
/// then bisection. `None` if `pred(1)` fails; `CapacityExceeded` beyond `MAX_PERIOD`.
fn largest_true<F: FnMut(u32) -> Result<bool>>(mut pred: F) -> Result<Option<u32>> {
    if !pred(1)? {
        return Ok(None);
    }
    let mut lo = 1u32;
    let mut hi = 2u32;
    while pred(hi)? {
        lo = hi;
        if hi >= MAX_PERIOD {
            return Err(Error::new(ErrorKind::CapacityExceeded, Param::Kref));
        }
        hi = hi.saturating_mul(2);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if pred(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(Some(lo))
}

/// Supremum of the learning rates at which the map with lag `kref` is exactly stable (stable iff
/// `eta < eta_max`). Constant lag: the `a = eta K` with `d_c(a) = kref` (`d_c` decreases from
/// infinity to 0 on `(0, 2 (1 + mu)]`; Brent on `a`); `kref = 0` gives `2 (1 + mu) / K`.
/// Periodic refresh (`kref >= 1`): bisection on `ln a` over the monodromy spectrum between a
/// stable `a` and `4 (1 + mu)` (unstable; stability is a single interval in `a`, checked for the
/// momenta of docs/model.md C.10). Divided by `K`.
pub fn largest_stable_eta<T: Real>(kref: u32, lag: Lag, mu: T, k: T) -> Result<T> {
    check::half_open(mu, T::ZERO, T::ONE, Param::Mu)?;
    check::positive(k, Param::K)?;
    let a_max = T::TWO * (T::ONE + mu);
    if lag == Lag::Periodic {
        if kref == 0 {
            return Err(Error::out_of_range(Param::Kref));
        }
        let stable = |a: T| -> Result<bool> { Ok(periodic_spectrum(a, mu, kref)?.0 < T::ONE) };
        let mut hi = T::TWO * a_max;
        if stable(hi)? {
            return Err(Error::new(ErrorKind::NotReached, Param::Eta));
        }
        let mut lo = a_max;
        let mut guard = 0;
        while !stable(lo)? {
            lo *= c::<T>(0.25);
            guard += 1;
            if guard > 200 {
                return Err(Error::new(ErrorKind::NotReached, Param::Eta));
            }
        }
        for _ in 0..200 {
            let mid = (lo * hi).sqrt();
            if mid <= lo || mid >= hi {
                break;
            }
            if stable(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return check::result(lo / k, Param::Eta);
    }
    if kref == 0 {
        return check::result(a_max / k, Param::Eta);
    }
    let target = T::from_f64(kref as f64);
    let h = |a: T| critical_lag_of(a, mu).map(|d| d - target).unwrap_or(T::NAN);
    // choose lo with d_c(lo) > kref
    let mut lo = (T::ONE - mu) / (target + T::ONE);
    let mut flo = h(lo);
    let mut guard = 0;
    while flo <= T::ZERO && guard < 200 {
        lo *= T::HALF;
        flo = h(lo);
        guard += 1;
    }
    let fhi = h(a_max);
    let a = brent(h, lo, a_max, flo, fhi, Param::Eta)?;
    check::result(a / k, Param::Eta)
}

fn critical_lag_of<T: Real>(a: T, mu: T) -> Result<T> {
    let a_max = T::TWO * (T::ONE + mu);
    if a >= a_max {
        return Ok(T::ZERO);
    }
    let f =
        |w: T| T::TWO * (w * T::HALF).sin() * (T::ONE - T::TWO * mu * w.cos() + mu * mu).sqrt() - a;
    let w = brent(f, T::ZERO, T::PI, -a, f(T::PI), Param::K)?;
    if w <= T::ZERO || w.is_nan() {
        return Err(Error::new(ErrorKind::NotReached, Param::K));
    }
    let (s, co) = w.sin_cos();
    let phi = s.atan2(co - mu);
    let d = T::HALF + (T::PI * T::HALF - phi) / w;
    check::result(d.max(T::ZERO), Param::Kref)
}

impl<T: Real> Bandit<T> {
    /// `(eta, mu, K)` of this bandit, `K` by the formula of C.5.
    pub fn hyper(&self) -> Result<Hyper<T>> {
        Hyper::new(self.eta, self.mu, self.stiffness()?)
    }

    /// Exact linear regime of this bandit (its own `kref` and lag mode).
    pub fn linear_regime(&self) -> Result<Spectrum<T>> {
        self.hyper()?.linear_regime(self.kref, self.lag)
    }
}

/// Trajectory classifier of docs/model.md C.9 for a simulated `p_0..p_H` or an observed reward curve
/// (`target` = the fixed point, or a fitted plateau for data; `tol` = relative tolerance,
/// default 0.01 as in docs/model.md C.9).
///
/// ```text
/// e_k = p_k - target, E0 = |e_0| > 0;  any non-finite p_k -> Oscillatory (diverged)
/// sign changes counted over the points with |e_k| > tol E0
/// W = max(10, floor(n / 10)) (n = number of points);  settled = max over the last W |e_k| <= tol E0
/// no sign change -> Monotone; else settled -> Overshooting; else Oscillatory
/// overshoot = max(0, max_k(-sign(e_0) e_k)) / E0  (finite points)
/// ```
///
/// Errors: empty `p` (`Empty`), non-finite `p_0`, `target` or `tol` (`NonFinite`), `tol < 0`
/// or `p_0 == target` (`OutOfRange`), an overshoot ratio beyond the largest double
/// (`OutOfRange`, param `p`). Cost: `O(n)`.
pub fn classify<T: Real>(p: &[T], target: T, tol: T) -> Result<Classification<T>> {
    check::non_empty(p, Param::P)?;
    check::finite(target, Param::Target)?;
    check::non_negative(tol, Param::Tol)?;
    let p0 = p.first().copied().unwrap_or(T::NAN);
    check::finite(p0, Param::P)?;
    // deviations are formed from halves, `e_k / 2 = p_k / 2 - target / 2`, so they cannot
    // overflow for any finite inputs (the full difference of two doubles near the largest one
    // can); every comparison and the ratio below are scale-free
    let half = |x: T| x * T::HALF;
    let e0 = half(p0) - half(target);
    let big_e0 = e0.abs();
    if big_e0 == T::ZERO {
        return Err(Error::out_of_range(Param::Target));
    }
    let s0 = if e0 > T::ZERO { T::ONE } else { -T::ONE };
    let thr = tol * big_e0;
    let mut overshoot = T::ZERO;
    let mut diverged = false;
    let mut last_sign = 0i8;
    let mut crossings = 0usize;
    for &pk in p {
        if !pk.is_finite() {
            diverged = true;
            continue;
        }
        let e = half(pk) - half(target);
        overshoot = overshoot.max(-s0 * e);
        if e.abs() > thr {
            let s = if e > T::ZERO { 1 } else { -1 };
            if last_sign != 0 && s != last_sign {
                crossings += 1;
            }
            last_sign = s;
        }
    }
    // a finite ratio of finite halves can still overflow (huge overshoot over a tiny E0): that
    // is an answer f64 cannot hold, reported as such rather than as an infinite overshoot
    let overshoot = overshoot / big_e0;
    if !overshoot.is_finite() {
        return Err(Error::out_of_range(Param::P));
    }
    let n = p.len();
    let w = core::cmp::max(10, n / 10).min(n);
    let settled = p
        .iter()
        .skip(n - w)
        .all(|&pk| pk.is_finite() && (half(pk) - half(target)).abs() <= thr);
    let regime = if diverged {
        CurveClass::Oscillatory
    } else if crossings == 0 {
        CurveClass::Monotone
    } else if settled {
        CurveClass::Overshooting
    } else {
        CurveClass::Oscillatory
    };
    Ok(Classification { regime, overshoot })
}
