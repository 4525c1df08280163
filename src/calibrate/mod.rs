//! Hyperparameter calibration on the run itself (issue 18): the curvature scale `K` of the
//! hyperparameter parameterisation ([`crate::trajectory::HyperCurve`], docs/model.md A.2) from an observed reward
//! curve and the run's known settings, and the what-if answers built on it ([`whatif`]).
//!
//! Units: `eta` is the optimizer's learning rate, `t` the optimizer step; `K` carries everything
//! else (the reward's scale, the model's curvature and, with Adam, the preconditioning
//! `1/sqrt(v)`: `K` is an *effective* stiffness per unit learning rate). Momentum `mu` = Adam
//! `beta1`; refresh interval `Kref` = TRL `steps_per_generation * num_iterations` (periodic lag,
//! docs/model.md C.1; see docs/calibration.md).
//!
//! Two things are read off the curve, and each what-if uses the one that carries over:
//!
//! ```text
//! 1. stiffness at the fixed point (stability answers): the approach to the plateau,
//!    r_k ~ r_star - A rho^k on the tail (points past TAIL_FRACTION of the gain), fitted with the
//!    saturation set (plateau, r0, tau), rho = exp(-1/tau); then a = eta K solves
//!    rho(a) = rho_obs with rho(a) the exact per-step spectral radius of the linear heavy-ball map
//!    (constant or periodic lag, stability::Hyper::linear_regime), the slow root of the monotone
//!    regime; K = a / eta. 80 % interval from tau +- Z80 stderr, widened by the curvature
//!    drift: K read again from the tails past 90 % and 95 % of the gain, and the sequence
//!    continued one step (K_f^2 / K_prev) towards the fixed point (docs/calibration.md
//!    "Intervals").
//! 2. flow times (time to a fraction of the gain at another learning rate): small steps make
//!    the heavy-ball map follow the gradient flow dx/ds = G(x)/(1 - mu) in the cumulative learning
//!    rate s = sum eta_k, delayed by the momentum build-up and the data age:
//!        D = m/gamma + lag delay,  m/gamma = (1 + mu) / (2 (1 - mu)),
//!        lag delay = (Kref - 1)/2 (periodic refresh) | Kref (constant lag).
//!    The curve reaches the fraction f at t_f; its flow time S_f = integral of eta over
//!    [t0 + D, t_f] carries over to any learning rate: t_f(eta') = D + S_f / eta'.
//!    This holds for any monotone 1-D drift (the bandit's sigmoid included), which is why it
//!    carries over where a fitted oscillator shape does not.
//! ```
//!
//! Everything is allocation-free; the cost is `O(n)` for `n` points (the smoothing window `w`
//! slides: no `O(n w)` term), plus, for each of up to three tails, one or two fits and at most
//! about 350 exact spectra at the run's `Kref` (the monotone boundary and the inversions, each a
//! bracketing and a bisection). With constant lag an exact spectrum is a polynomial of degree
//! `Kref + 1`, so those searches run only up to [`MAX_SEARCH_CONSTANT_KREF`] (beyond it `K` is
//! undetermined and the largest monotone learning rate `Capacity`, param `Kref`).

pub mod whatif;

use crate::bandit::Lag;
use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::fit::{fit, Options, ParamSet, Start};
use crate::predict::Z80;
use crate::real::{c, Real};
use crate::stability::{CurveClass, Hyper as StabHyper};
use crate::trajectory::HyperCurve;

/// Fraction of the gain past which the tail fit starts.
pub const TAIL_FRACTION: f64 = 0.8;
/// Smallest `a = eta K` the inversion considers (tail time constants up to about `1e7 (1 - mu)` steps).
pub const A_MIN: f64 = 1e-7;
/// Fractions of the gain past which the later tail fits start (the curvature drift that widens
/// `K`'s interval, docs/calibration.md "Intervals"); each halves the remaining gain.
const LATE_TAIL_FRACTIONS: [f64; 2] = [0.9, 0.95];
/// Largest constant-lag `Kref` at which the monotone-boundary and rate-inversion searches run
/// (about 250 exact spectra of degree `Kref + 1`, `O(Kref^2)` or more each). Measured by
/// `cargo run --release --features capi --example capi_adversarial` on 2 loaded cores (load
/// average 7-9): `grpo_calibrate` took 240 ms at 128, 122 ms at 64, seconds at 1024; 32 keeps it
/// well inside the C ABI's 100 ms budget. Periodic refresh (TRL, verl) has no such limit: its
/// spectra cost at most 4096 steps or 64 3x3 products.
pub const MAX_SEARCH_CONSTANT_KREF: u32 = 32;
/// Fewest tail points the saturation fit accepts.
pub const MIN_TAIL_POINTS: usize = 5;

/// The run's known settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings<'a, T> {
    /// The optimizer's learning rate `eta > 0` (used when `lr_column` is `None`).
    pub lr: T,
    /// Optional per-step learning rate (same length as the curve, every entry `> 0`); time then
    /// runs on the cumulative learning rate and `lr` is ignored.
    pub lr_column: Option<&'a [T]>,
    /// Momentum `mu` = Adam `beta1`, in `[0, 1)`.
    pub beta1: T,
    /// Refresh interval `Kref >= 1` (TRL `steps_per_generation * num_iterations`).
    pub kref: u32,
    /// How stale data are served ([`Lag::Periodic`] for TRL / verl refreshes).
    pub lag: Lag,
    /// Centred moving-average window (points, `>= 1`; 1 = raw) for reading the curve's level
    /// crossings; noisy logged curves want about a twentieth of their length.
    pub smooth: usize,
}

impl<'a, T: Real> Settings<'a, T> {
    /// Settings with a constant learning rate, periodic refresh and no smoothing.
    pub fn new(lr: T, beta1: T, kref: u32) -> Self {
        Settings {
            lr,
            lr_column: None,
            beta1,
            kref,
            lag: Lag::Periodic,
            smooth: 1,
        }
    }

    /// Validate against a curve of `n` points: `lr > 0` (`Lr`), `0 <= beta1 < 1` (`Beta1`),
    /// `Kref >= 1` (`Kref`), `smooth >= 1` (`Capacity`), a column of length `n` with positive
    /// entries (`Lr`).
    pub fn validate(&self, n: usize) -> Result<()> {
        match self.lr_column {
            None => {
                check::positive(self.lr, Param::Lr)?;
            }
            Some(col) => {
                if col.len() != n {
                    return Err(Error::new(ErrorKind::LengthMismatch, Param::Lr));
                }
                for &x in col {
                    check::positive(x, Param::Lr)?;
                }
            }
        }
        check::half_open(self.beta1, T::ZERO, T::ONE, Param::Beta1)?;
        if self.kref < 1 {
            return Err(Error::out_of_range(Param::Kref));
        }
        if self.smooth < 1 {
            return Err(Error::out_of_range(Param::Capacity));
        }
        Ok(())
    }

    /// The learning rate at point `i` (the column's entry or the constant).
    fn lr_at(&self, i: usize) -> T {
        match self.lr_column {
            Some(col) => col.get(i).copied().unwrap_or(self.lr),
            None => self.lr,
        }
    }

    /// Momentum and lag delay `D` (steps) of the flow-time map.
    pub fn delay(&self) -> Result<T> {
        let mu = check::half_open(self.beta1, T::ZERO, T::ONE, Param::Beta1)?;
        let inertia = (T::ONE + mu) / (T::TWO * (T::ONE - mu));
        let k = T::from_f64(self.kref as f64);
        let lag = match self.lag {
            Lag::Periodic => (k - T::ONE) * T::HALF,
            Lag::Constant => k,
        };
        Ok(inertia + lag)
    }
}

/// A value with its 80 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Estimate<T> {
    /// Central value.
    pub value: T,
    /// Lower end of the 80 % interval.
    pub lo: T,
    /// Upper end of the 80 % interval.
    pub hi: T,
}

impl<T: Real> Estimate<T> {
    /// `(value, lo, hi)` with the ends sorted.
    pub fn new(value: T, a: T, b: T) -> Self {
        Estimate {
            value,
            lo: a.min(b),
            hi: a.max(b),
        }
    }
}

/// A calibration: the hyperparameter set with `K` (when the tail determines it) and the flow
/// times that carry over to other learning rates.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Calibration<T> {
    /// First (smoothed) reward `r0`.
    pub r0: T,
    /// Plateau `r_star` from the tail fit, with its 80 % interval.
    pub r_star: Estimate<T>,
    /// Curvature scale `K` (effective, per unit learning rate) at the fixed point, with its 80 %
    /// interval (fit error and curvature drift of the later tails); meaningful only when
    /// `k_determined`.
    pub k: Estimate<T>,
    /// Whether the tail determined `K` (see [`Calibration::k`]).
    pub k_determined: bool,
    /// Observed per-step contraction `rho` of the approach to the plateau.
    pub rho: T,
    /// Learning rate the tail ran at (the constant, or the column's mean over the tail).
    pub eta: T,
    /// Momentum `mu` (= beta1).
    pub mu: T,
    /// Refresh interval.
    pub kref: u32,
    /// Lag mode.
    pub lag: Lag,
    /// Momentum and lag delay `D` of the flow-time map (steps).
    pub delay: T,
    /// Flow time (cumulative learning rate after the delay) to 50 % of the gain, 80 % interval
    /// from the plateau's; NaN when the curve does not reach the level after the delay.
    pub flow50: Estimate<T>,
    /// The same to 90 % of the gain.
    pub flow90: Estimate<T>,
    /// First data time `t0` (steps are counted from it).
    pub t0: T,
}

impl<T: Real> Calibration<T> {
    /// `K` with its interval, or `Undetermined` (param `K`) when the tail did not determine it.
    pub fn k(&self) -> Result<Estimate<T>> {
        if self.k_determined {
            Ok(self.k)
        } else {
            Err(Error::new(ErrorKind::Undetermined, Param::K))
        }
    }

    /// The ready hyperparameter set `(r_star, r0, K)` at the run's `eta`, `mu`, `Kref` (first-order
    /// model of docs/model.md A.2; `Kref` as a real lag). Errors as [`Calibration::k`] and as
    /// [`HyperCurve::new`] (a lag past the first-order damping zero is an error about `kref`).
    pub fn to_params(&self) -> Result<HyperCurve<T>> {
        let k = self.k()?;
        HyperCurve::new(
            self.r_star.value,
            self.r0,
            k.value,
            self.eta,
            self.mu,
            T::from_f64(self.kref as f64),
        )
    }

    /// The stability hyperparameters at learning rate `eta` and curvature `k`.
    pub(crate) fn stab(&self, eta: T, k: T) -> Result<StabHyper<T>> {
        StabHyper::new(eta, self.mu, k)
    }
}

/// Centred moving average of `r` at `i` over the window `w` (clipped at the ends).
fn smoothed<T: Real>(r: &[T], i: usize, w: usize) -> T {
    let h = w / 2;
    let lo = i.saturating_sub(h);
    let hi = (i + (w - 1 - h)).min(r.len() - 1);
    let mut s = T::ZERO;
    for &x in &r[lo..=hi] {
        s += x;
    }
    s / T::from_usize(hi - lo + 1)
}

/// [`smoothed`] at `i = 0, 1, 2, ...` in `O(1)` per point: a running sum over the clipped
/// window `[i - h, i + w - 1 - h]`, re-summed exactly every `w` points so the rounding of the
/// updates cannot accumulate (total cost `O(n)` whatever `w`, instead of `O(n w)`).
struct Sliding<'a, T> {
    r: &'a [T],
    w: usize,
    lo: usize,
    hi: usize,
    sum: T,
    since_exact: usize,
}

impl<'a, T: Real> Sliding<'a, T> {
    /// The window at `i = 0` (`r` non-empty, `w >= 1`).
    fn new(r: &'a [T], w: usize) -> Self {
        let hi = (w - 1 - w / 2).min(r.len() - 1);
        let mut s = Sliding {
            r,
            w,
            lo: 0,
            hi,
            sum: T::ZERO,
            since_exact: 0,
        };
        s.resum();
        s
    }

    fn resum(&mut self) {
        let mut sum = T::ZERO;
        for &x in &self.r[self.lo..=self.hi] {
            sum += x;
        }
        self.sum = sum;
        self.since_exact = 0;
    }

    fn mean(&self) -> T {
        self.sum / T::from_usize(self.hi - self.lo + 1)
    }

    /// Move to the next `i` (`i = lo + h` or the clipped start).
    fn advance(&mut self, i: usize) {
        let h = self.w / 2;
        let lo = i.saturating_sub(h);
        let hi = (i + (self.w - 1 - h)).min(self.r.len() - 1);
        while self.lo < lo {
            self.sum -= self.r[self.lo];
            self.lo += 1;
        }
        while self.hi < hi {
            self.hi += 1;
            self.sum += self.r[self.hi];
        }
        self.since_exact += 1;
        if self.since_exact >= self.w {
            self.resum();
        }
    }
}

/// First time the smoothed curve reaches `level` going from `r0` towards it (linear
/// interpolation between points), or `None`. Cost: `O(n)` (a sliding window sum).
fn crossing<T: Real>(t: &[T], r: &[T], w: usize, level: T, up: bool) -> Option<(usize, T)> {
    let reached = |x: T| if up { x >= level } else { x <= level };
    let mut win = Sliding::new(r, w.max(1));
    let mut prev = win.mean();
    if reached(prev) {
        return Some((0, t[0]));
    }
    for i in 1..r.len() {
        win.advance(i);
        let cur = win.mean();
        if reached(cur) {
            let f = (level - prev) / (cur - prev);
            return Some((i, t[i - 1] + f * (t[i] - t[i - 1])));
        }
        prev = cur;
    }
    None
}

/// `integral of eta over [t0, x]` with the per-point learning rate held over each interval
/// (`eta_i` on `[t_i, t_{i+1})`, the last one beyond `t_{n-1}`).
fn cumulative_lr<T: Real>(t: &[T], s: &Settings<'_, T>, x: T) -> T {
    if s.lr_column.is_none() {
        return s.lr * (x - t[0]);
    }
    let mut acc = T::ZERO;
    for i in 0..t.len() {
        let a = t[i];
        if x <= a {
            break;
        }
        let b = if i + 1 < t.len() { t[i + 1].min(x) } else { x };
        acc += s.lr_at(i) * (b - a);
    }
    acc
}

/// Flow time to `level`: the cumulative learning rate from `t0 + D` to the level's crossing.
fn flow_time<T: Real>(
    t: &[T],
    r: &[T],
    s: &Settings<'_, T>,
    level: T,
    up: bool,
    d: T,
) -> Result<T> {
    let (_, tf) = crossing(t, r, s.smooth, level, up)
        .ok_or_else(|| Error::new(ErrorKind::NotReached, Param::Gain))?;
    let flow = cumulative_lr(t, s, tf) - cumulative_lr(t, s, t[0] + d);
    if flow > T::ZERO && flow.is_finite() {
        Ok(flow)
    } else {
        // the curve got there faster than the momentum delay: no flow time to carry over
        Err(Error::new(ErrorKind::Undetermined, Param::Fraction))
    }
}

/// `a = eta K` whose exact per-step radius (slow root of the monotone regime) is `rho`, or
/// `None` when no monotone `a` contracts that slowly / fast. Also returns the monotone boundary
/// `a_b` (the largest `a` with a monotone spectrum).
pub(crate) fn monotone_boundary<T: Real>(mu: T, kref: u32, lag: Lag) -> Result<T> {
    if lag == Lag::Constant && kref > MAX_SEARCH_CONSTANT_KREF {
        // bounded cost (docs above): about 85 spectra of degree kref + 1 here
        return Err(Error::new(ErrorKind::CapacityExceeded, Param::Kref));
    }
    // a spectrum the root finder cannot resolve counts as not monotone (the boundary then errs
    // low and a tail beyond it stays undetermined)
    let mono = |a: T| -> Result<bool> {
        let h = StabHyper::new(T::ONE, mu, a)?;
        Ok(matches!(h.linear_regime(kref, lag), Ok(s) if s.regime == CurveClass::Monotone))
    };
    let mut lo = c::<T>(A_MIN);
    if !mono(lo)? {
        return Err(Error::new(ErrorKind::Undetermined, Param::K));
    }
    let mut hi = lo * T::TWO;
    while mono(hi)? {
        lo = hi;
        hi *= T::TWO;
        if hi > c(16.0) {
            return Err(Error::new(ErrorKind::Undetermined, Param::K));
        }
    }
    for _ in 0..60 {
        let mid = (lo * hi).sqrt();
        if mono(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// Solve `rho(a) = rho_obs` on `(A_MIN, a_b]` by bisection on `ln a` (`rho` decreases there).
fn invert_rho<T: Real>(rho_obs: T, mu: T, kref: u32, lag: Lag, a_b: T) -> Option<T> {
    let rho = |a: T| -> Option<T> {
        StabHyper::new(T::ONE, mu, a)
            .and_then(|h| h.linear_regime(kref, lag))
            .ok()
            .map(|s| s.rho)
    };
    let mut lo = c::<T>(A_MIN);
    let mut hi = a_b;
    if !(rho(lo)? >= rho_obs && rho(hi)? <= rho_obs) {
        return None;
    }
    for _ in 0..80 {
        let mid = (lo * hi).sqrt();
        if rho(mid)? > rho_obs {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((lo * hi).sqrt())
}

/// `a = eta K` of an overshooting tail: the full oscillator set `(r_star, r0, v0, omega, zeta)`
/// fitted to the tail (`zeta < 1` required) gives the dominant root `z = exp(-zeta omega +-
/// i omega sqrt(1 - zeta^2))`; on-policy (periodic `Kref = 1`) the exact map has
/// `z + conj(z) = 1 + mu - a`, so `a = 1 + mu - 2 Re z`; with a lag the first-order model of
/// docs/model.md A.2 / C.7, `omega^2 = a / m`, `m = (1 + mu + a d^2)/2` with the mean data age `d`
/// (`Kref` constant, `(Kref - 1)/2` periodic): `a = omega^2 (1 + mu) / (2 - omega^2 d^2)`.
/// Interval from `omega +- Z80 stderr`. Returns `(a, a_lo, a_hi, |z|)`.
fn underdamped_a<T: Real>(t: &[T], r: &[T], s: &Settings<'_, T>) -> Option<(T, T, T, T)> {
    let f = fit(ParamSet::Full, t, r, None, Start::Data, &Options::default()).ok()?;
    let (p, se) = (f.params(), f.stderr());
    let (omega, zeta) = (p[3], p[4]);
    if !(omega > T::ZERO && zeta >= T::ZERO && zeta < T::ONE && se[3].is_finite()) {
        return None;
    }
    let mu = s.beta1;
    let k = T::from_f64(s.kref as f64);
    let d = match s.lag {
        Lag::Periodic => (k - T::ONE) * T::HALF,
        Lag::Constant => k,
    };
    let on_policy = d == T::ZERO;
    let a_of = |w: T| -> Option<T> {
        let a = if on_policy {
            let re = (-(zeta * w)).exp() * (w * (T::ONE - zeta * zeta).sqrt()).cos();
            T::ONE + mu - T::TWO * re
        } else {
            w * w * (T::ONE + mu) / (T::TWO - w * w * d * d)
        };
        (a > T::ZERO && a.is_finite()).then_some(a)
    };
    let dw = c::<T>(Z80) * se[3];
    let a = a_of(omega)?;
    let (x, y) = (a_of(omega - dw)?, a_of(omega + dw)?);
    Some((a, x.min(y), x.max(y), (-(zeta * omega)).exp()))
}

/// What one tail says: the plateau (when the fit gives a usable one), `K` with its 80 % interval
/// from the fit's standard errors and the observed contraction `rho` (when determined).
struct Tail<T> {
    r_star: Option<Estimate<T>>,
    k: Option<(Estimate<T>, T)>,
}

/// Mean learning rate over the points `i..n` (`i < n`).
fn mean_lr<T: Real>(s: &Settings<'_, T>, i: usize, n: usize) -> T {
    let mut acc = T::ZERO;
    for j in i..n {
        acc += s.lr_at(j);
    }
    acc / T::from_usize(n - i)
}

/// `K` from the tail `i_tail..`: the saturation fit's `tau` inverted on the exact spectrum, or,
/// faster than any monotone approach, the overshooting tail's frequency ([`underdamped_a`]).
fn tail_k<T: Real>(
    t: &[T],
    r: &[T],
    s: &Settings<'_, T>,
    i_tail: usize,
    r0: T,
    gain0: T,
) -> Tail<T> {
    let n = r.len();
    let mut out = Tail {
        r_star: None,
        k: None,
    };
    if n - i_tail < MIN_TAIL_POINTS {
        return out;
    }
    let mu = s.beta1;
    let eta_tail = mean_lr(s, i_tail, n);
    if let Ok(f) = fit(
        ParamSet::Saturation,
        &t[i_tail..],
        &r[i_tail..],
        None,
        Start::Data,
        &Options::default(),
    ) {
        let (p, se) = (f.params(), f.stderr());
        let z = c::<T>(Z80);
        let plateau = p[0];
        if plateau.is_finite() && se[0].is_finite() && (plateau - r0) * gain0 > T::ZERO {
            out.r_star = Some(Estimate::new(
                plateau,
                plateau - z * se[0],
                plateau + z * se[0],
            ));
        }
        let (tau, dtau) = (p[2], z * se[2]);
        if let Ok(a_b) = monotone_boundary(mu, s.kref, s.lag) {
            let a_of = |tau: T| -> Option<T> {
                if tau <= T::ZERO || !tau.is_finite() {
                    return None;
                }
                invert_rho((-T::ONE / tau).exp(), mu, s.kref, s.lag, a_b)
            };
            if let (Some(a), Some(a_lo), Some(a_hi)) =
                (a_of(tau), a_of(tau + dtau), a_of(tau - dtau))
            {
                let k = Estimate::new(a / eta_tail, a_lo / eta_tail, a_hi / eta_tail);
                if k.value.is_finite() && k.hi.is_finite() {
                    out.k = Some((k, (-T::ONE / tau).exp()));
                }
            }
        }
    }
    if out.k.is_none() {
        // faster than any monotone approach: an overshooting tail, read by its frequency
        if let Some((a, a_lo, a_hi, rr)) = underdamped_a(&t[i_tail..], &r[i_tail..], s) {
            let k = Estimate::new(a / eta_tail, a_lo / eta_tail, a_hi / eta_tail);
            if k.value.is_finite() && k.lo > T::ZERO && k.hi.is_finite() {
                out.k = Some((k, rr));
            }
        }
    }
    out
}

/// Calibrate on the observed curve `(t, r)` (steps strictly increasing, all finite, at least
/// `2 MIN_TAIL_POINTS` points) with the run's settings.
///
/// Errors: bad settings (see [`Settings::validate`]); `t`/`r` length mismatch, non-finite or
/// non-increasing (`T` / `Reward`); a curve whose smoothed end equals its start (`Constant`,
/// param `gain`) or that never passes the tail fraction of its gain (`NotReached`, `gain`). A
/// tail that cannot fix `K` is not an error: [`Calibration::k`] says `Undetermined`; nor is a
/// level the curve does not reach after the delay: [`Calibration::t50`] / `t90` say so.
pub fn calibrate<T: Real>(t: &[T], r: &[T], s: &Settings<'_, T>) -> Result<Calibration<T>> {
    s.validate(r.len())?;
    check::same_len(t, r, Param::Reward)?;
    check::all_finite(t, Param::T)?;
    check::all_finite(r, Param::Reward)?;
    if t.windows(2).any(|w| w[1] <= w[0]) {
        return Err(Error::new(ErrorKind::NotIncreasing, Param::T));
    }
    let n = r.len();
    if n < 2 * MIN_TAIL_POINTS {
        return Err(Error::new(ErrorKind::TooFewPoints, Param::Reward));
    }
    let w = s.smooth.min(n);
    let r0 = smoothed(r, 0, w);
    // first plateau guess: the mean of the last tenth of the raw curve
    let m = (n / 10).max(1);
    let mut end = T::ZERO;
    for &x in &r[n - m..] {
        end += x;
    }
    end /= T::from_usize(m);
    let gain0 = end - r0;
    // no gain: equal up to the rounding of the two means (m + w terms)
    let tol = T::from_usize(m + w) * T::EPSILON * (r0.abs() + end.abs());
    if gain0.abs() <= tol || gain0.is_nan() {
        return Err(Error::new(ErrorKind::Constant, Param::Gain));
    }
    let up = gain0 > T::ZERO;
    let (i_tail, _) = crossing(t, r, w, r0 + c::<T>(TAIL_FRACTION) * gain0, up)
        .ok_or_else(|| Error::new(ErrorKind::NotReached, Param::Gain))?;

    // 1. the approach to the plateau, from 80 % of the gain and again from 90 %
    let nan = Estimate::new(T::NAN, T::NAN, T::NAN);
    let mu = s.beta1;
    let first = tail_k(t, r, s, i_tail, r0, gain0);
    let r_star = first.r_star.unwrap_or(Estimate::new(end, end, end));
    let (mut k, mut k_determined, mut rho) = (nan, false, T::NAN);
    let eta_tail = mean_lr(s, i_tail, n);
    if let Some((k80, rho80)) = first.k {
        k_determined = true;
        rho = rho80;
        // curvature drift: K read again from the later tails; each step from one tail to the
        // next, continued once more (linear in the remaining gain, on a log scale), widens the
        // interval towards the fixed point's K
        let (mut lo, mut hi, mut prev) = (k80.lo, k80.hi, k80.value);
        for f in LATE_TAIL_FRACTIONS {
            let Some((kf, _)) = crossing(t, r, w, r0 + c::<T>(f) * gain0, up)
                .and_then(|(i, _)| tail_k(t, r, s, i, r0, gain0).k)
            else {
                break;
            };
            let ext = kf.value * (kf.value / prev);
            if !(ext.is_finite() && ext > T::ZERO) {
                break;
            }
            lo = lo.min(kf.lo).min(ext);
            hi = hi.max(kf.hi).max(ext);
            prev = kf.value;
        }
        k = Estimate::new(k80.value, lo, hi);
    }

    // 2. flow times at the plateau and its interval ends
    let d = s.delay()?;
    let flows = |f: T| -> Result<Estimate<T>> {
        let at = |plat: T| flow_time(t, r, s, r0 + f * (plat - r0), up, d);
        let v = at(r_star.value)?;
        // the plateau end nearer r0 gives the earlier level; an end whose level the curve never
        // reaches after the delay bounds the interval by 0 (near) or infinity (far)
        let (near, far) = if up {
            (r_star.lo, r_star.hi)
        } else {
            (r_star.hi, r_star.lo)
        };
        Ok(Estimate::new(
            v,
            at(near).unwrap_or(T::ZERO).min(v),
            at(far).unwrap_or(T::INFINITY).max(v),
        ))
    };
    // a level the curve never reaches (or reaches within the delay) leaves its flow time NaN:
    // the what-if for it answers an error instead
    let flow50 = flows(T::HALF).unwrap_or(nan);
    let flow90 = flows(c(0.9)).unwrap_or(nan);
    Ok(Calibration {
        r0,
        r_star,
        k,
        k_determined,
        rho,
        eta: eta_tail,
        mu,
        kref: s.kref,
        lag: s.lag,
        delay: d,
        flow50,
        flow90,
        t0: t[0],
    })
}
