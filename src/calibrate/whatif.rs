//! What-if answers from a [`Calibration`], each with the 80 % interval propagated from the
//! calibrated `K`'s 80 % interval (docs/calibration.md "Intervals").
//!
//! Every numeric answer is monotone in `K`, so its interval is the answer at the ends of `K`'s
//! interval: `zeta(a) = ((1 - mu) - a d) / sqrt(2 a (1 + mu + a d^2))` has no stationary point
//! at `a > 0` (its derivative vanishes only at `a = -(1 + mu)(1 - mu) / (d (1 + mu) + 2 d^2 (1 - mu))`),
//! `d_c` and the Prop 9 threshold decrease with `a`, the largest stable / monotone learning rates
//! are `a_s / K`, `a_b / K`. The exact regime is not a number: [`RegimeAnswer`] gives it at the
//! calibrated `K` and at both ends (tests/calibrate_intervals.rs scans the interior).
//!
//! Times: the flow of a fixed curve shape `dx/ds = K g(x) / (1 - mu)` reaches a level at a flow
//! time `S_f` proportional to `1 / K`; the calibration observed `S_f` at `K_hat`, so at `K` it is
//! `S_f K_hat / K`. The time interval is the hull of that at the ends of `K`'s interval and of the
//! plateau's (the level itself moves with the plateau); with `K` undetermined only the plateau's.
//!
//! ```text
//! zeta(Kref')          = gamma_eff / (2 sqrt(m eta K))            (first order, docs/model.md C.7)
//! regime(Kref')        = exact linear spectrum at a = eta K        (docs/model.md C.6)
//! critical Kref        = d_c(eta K) exact (C.8) and Prop 9 (1 - mu)/(eta K)
//! largest stable lr    = stability::largest_stable_eta(Kref, lag, mu, K)
//! largest monotone lr  = a_b / K, a_b the largest monotone a at the run's Kref (bisection)
//! t_f(eta')            = D + S_f / eta'  (steps from t0), S_f -> S_f K_hat / K over K's interval
//! ```

use super::{monotone_boundary, Calibration, Estimate};
use crate::bandit::Lag;
use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::real::Real;
use crate::stability::{largest_stable_eta, CurveClass};

/// A regime answer: at the calibrated `K` and at the ends of its 80 % interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RegimeAnswer {
    /// CurveClass at the calibrated `K`.
    pub regime: CurveClass,
    /// CurveClass at the lower end of `K`'s interval.
    pub at_k_lo: CurveClass,
    /// CurveClass at the upper end of `K`'s interval.
    pub at_k_hi: CurveClass,
}

/// The critical refresh interval, exact and first order.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CriticalKref<T> {
    /// Exact critical constant lag `d_c` (unstable iff `Kref >= d_c`).
    pub exact: Estimate<T>,
    /// Proposition 9 threshold `(1 - mu) / (eta K)`.
    pub prop9: Estimate<T>,
}

/// Largest constant-lag `kref` of [`Calibration::regime_at`]: half the largest exact lag
/// (`stability::MAX_EXACT_LAG` = 1024), so its three spectra of degree `kref + 1`
/// (`O(kref^2)` each) cost about one spectrum at 1024 (the C harness
/// `examples/capi_adversarial.rs` times it; periodic refresh has no such limit).
pub const MAX_WHATIF_CONSTANT_KREF: u32 = 512;

impl<T: Real> Calibration<T> {
    /// `f(K)` at the calibrated `K` and at its interval ends, as an [`Estimate`].
    fn over_k(&self, mut f: impl FnMut(T) -> Result<T>) -> Result<Estimate<T>> {
        let k = self.k()?;
        Ok(Estimate::new(f(k.value)?, f(k.lo)?, f(k.hi)?))
    }

    /// First-order damping ratio at refresh interval `kref >= 1` (docs/model.md C.7).
    pub fn zeta_at(&self, kref: u32) -> Result<Estimate<T>> {
        let d = kref_real(kref)?;
        self.over_k(|k| self.stab(self.eta, k)?.zeta(d))
    }

    /// Exact linear regime at refresh interval `kref >= 1` with the run's lag mode (docs/model.md C.6).
    /// Three exact spectra; with constant lag `kref <=` [`MAX_WHATIF_CONSTANT_KREF`] (else
    /// `CapacityExceeded`, param `kref`), so the three stay within the cost of about one
    /// spectrum at the largest exact lag.
    pub fn regime_at(&self, kref: u32) -> Result<RegimeAnswer> {
        kref_real::<T>(kref)?;
        if self.lag == Lag::Constant && kref > MAX_WHATIF_CONSTANT_KREF {
            return Err(Error::new(ErrorKind::CapacityExceeded, Param::Kref));
        }
        let k = self.k()?;
        let reg = |k: T| -> Result<CurveClass> {
            Ok(self
                .stab(self.eta, k)?
                .linear_regime(kref, self.lag)?
                .regime)
        };
        Ok(RegimeAnswer {
            regime: reg(k.value)?,
            at_k_lo: reg(k.lo)?,
            at_k_hi: reg(k.hi)?,
        })
    }

    /// The critical refresh interval at the run's learning rate: exact `d_c` (docs/model.md C.8) and the
    /// Proposition 9 threshold.
    pub fn critical_kref(&self) -> Result<CriticalKref<T>> {
        Ok(CriticalKref {
            exact: self.over_k(|k| self.stab(self.eta, k)?.critical_lag())?,
            prop9: self.over_k(|k| self.stab(self.eta, k)?.prop9_threshold())?,
        })
    }

    /// Supremum of the learning rates at which the run's map (its `Kref` and lag) is exactly
    /// stable.
    pub fn largest_stable_lr(&self) -> Result<Estimate<T>> {
        self.over_k(|k| largest_stable_eta(self.kref, self.lag, self.mu, k))
    }

    /// Largest learning rate at which the run's map has a monotone exact spectrum.
    pub fn largest_monotone_lr(&self) -> Result<Estimate<T>> {
        let a_b = monotone_boundary(self.mu, self.kref, self.lag)?;
        self.over_k(|k| check::positive(a_b / k, Param::K))
    }

    /// Predicted steps (from the first logged step) to 50 % of the gain for the same run at
    /// constant learning rate `lr > 0`.
    pub fn t50(&self, lr: T) -> Result<Estimate<T>> {
        self.steps(lr, &self.flow50)
    }

    /// The same to 90 % of the gain.
    pub fn t90(&self, lr: T) -> Result<Estimate<T>> {
        self.steps(lr, &self.flow90)
    }

    /// Errors: `lr <= 0` (`Lr`); a level the calibration curve did not reach after the delay
    /// (`NotReached`, `gain`).
    fn steps(&self, lr: T, flow: &Estimate<T>) -> Result<Estimate<T>> {
        let lr = check::positive(lr, Param::Lr)?;
        if flow.value.is_nan() {
            return Err(Error::new(ErrorKind::NotReached, Param::Gain));
        }
        let at = |s: T| self.delay + s / lr;
        let (mut lo, mut hi) = (flow.lo, flow.hi);
        if let Ok(k) = self.k() {
            // S_f(K) = S_f K_hat / K: the upper end of K gives the shorter time
            lo = lo.min(flow.value * (k.value / k.hi));
            hi = hi.max(flow.value * (k.value / k.lo));
        }
        Ok(Estimate::new(at(flow.value), at(lo), at(hi)))
    }
}

fn kref_real<T: Real>(kref: u32) -> Result<T> {
    if kref < 1 {
        return Err(crate::error::Error::out_of_range(Param::Kref));
    }
    Ok(T::from_f64(kref as f64))
}
