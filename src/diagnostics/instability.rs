//! Dynamical instability (docs/model.md E4): the optimizer's margin and exact criterion, the fitted damping
//! and the observed trajectory class, decided by the stability module's verdict.

use super::Severity;
use crate::bandit::Lag;
use crate::error::{check, Error, Param, Result};
use crate::numerics::stats::first_difference_sd;
use crate::real::{c, Real};
use crate::stability::{classify, Hyper};

pub use crate::stability::{
    instability_verdict, CurveClass, InstabilityEvidence, InstabilityVerdict,
};

impl InstabilityVerdict {
    /// Severity: Unstable is critical; AtRisk (beyond Prop 9 but exactly stable) a warning;
    /// Overshooting is reported but is not a failure (`Ok`): a damped oscillator overshoots by
    /// design (docs/model.md A.3), and on real runs a fitted `zeta_hat < 1` is mostly noise (it made the
    /// instability headline fire on 62 % of the shared stable runs).
    pub fn severity(self) -> Severity {
        match self {
            InstabilityVerdict::Stable | InstabilityVerdict::Overshooting => Severity::Ok,
            InstabilityVerdict::AtRisk => Severity::Warning,
            InstabilityVerdict::Unstable => Severity::Critical,
        }
    }
}

pub use crate::stability::{level_drop, DropOptions, LevelDrop, DEFAULT_MIN_LOST};

/// Evidence and verdict of the instability diagnostic.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InstabilityReport<T: Real> {
    /// The numbers behind the verdict.
    pub evidence: InstabilityEvidence<T>,
    /// Prop-9 threshold `(1 - mu) / (eta K)` (NaN without hyperparameters).
    pub prop9_threshold: T,
    /// Exact critical lag `d_c` (NaN without hyperparameters).
    pub critical_lag: T,
    /// The level-drop (collapse) test on the reward curve ([`level_drop`]); `None` when it was
    /// not run (too few points, or not asked for).
    pub level_drop: Option<LevelDrop<T>>,
    /// The verdict.
    pub verdict: InstabilityVerdict,
}

impl<T: Real> InstabilityReport<T> {
    /// Add the level-drop test: a detected collapse makes the verdict `Unstable`.
    pub fn with_level_drop(mut self, drop: Option<LevelDrop<T>>) -> Self {
        self.level_drop = drop;
        if drop.is_some_and(|d| d.detected) {
            self.verdict = InstabilityVerdict::Unstable;
        }
        self
    }
}

/// Optimizer settings for E4: hyperparameters with the stiffness estimate, the refresh interval
/// and how the stale policy is refreshed.
///
/// Mapping from trainer settings (an interpretation, see docs/model.md A.2): `eta` =
/// `learning_rate`, `mu` = Adam `beta1` (0.9 by default; with Adam the fitted `K` absorbs the
/// preconditioning), TRL refreshes the sampling policy every
/// `steps_per_generation * num_iterations` optimizer steps: a periodic lag with that `kref`
/// (on-policy when both are 1); verl: `ppo_epochs` times the mini-batches per rollout.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Optimizer<T: Real> {
    /// `(eta, mu, K_hat)`.
    pub hyper: Hyper<T>,
    /// Refresh interval `Kref` (constant lag: `>= 0`; periodic: an integer `>= 1`).
    pub kref: T,
    /// Constant lag (docs/model.md C.1 canonical) or periodic refresh (TRL, verl).
    pub lag: Lag,
}

/// E4 from the optimizer settings and the curve evidence: margin
/// `M = 1 - eta K Kref / (1 - mu) = 1 - Kref / Kref_prop9` (both lag modes); exact criterion:
/// constant lag `Kref >= d_c` ([`Hyper::critical_lag`]), periodic refresh: spectral radius of the
/// exact linear map `>= 1` ([`Hyper::linear_regime`]; `critical_lag` is then NaN); `zeta_hat`,
/// `class` from the curve.
pub fn instability_report<T: Real>(
    optimizer: Option<Optimizer<T>>,
    zeta_hat: Option<T>,
    class: Option<CurveClass>,
) -> Result<InstabilityReport<T>> {
    let (mut margin, mut exactly_unstable) = (None, None);
    let (mut prop9, mut d_c) = (T::NAN, T::NAN);
    if let Some(o) = optimizer {
        let kref = check::non_negative(o.kref, Param::Kref)?;
        prop9 = o.hyper.prop9_threshold()?;
        margin = Some(T::ONE - kref / prop9);
        exactly_unstable = match o.lag {
            Lag::Constant => {
                d_c = o.hyper.critical_lag()?;
                Some(kref >= d_c)
            }
            Lag::Periodic => {
                let k = kref.to_f64();
                if kref < T::ONE || kref.floor() != kref || k > u32::MAX as f64 {
                    return Err(Error::out_of_range(Param::Kref));
                }
                match o.hyper.linear_regime(k as u32, Lag::Periodic) {
                    Ok(sp) => Some(sp.rho >= T::ONE),
                    // the monodromy radius rounds to 1 (eta K too small to resolve): unknown
                    Err(e) if e == Error::out_of_range(Param::K) => None,
                    Err(e) => return Err(e),
                }
            }
        };
    }
    let evidence = InstabilityEvidence {
        margin,
        exactly_unstable,
        zeta_hat,
        class,
    };
    Ok(InstabilityReport {
        evidence,
        prop9_threshold: prop9,
        critical_lag: d_c,
        level_drop: None,
        verdict: instability_verdict(&evidence)?,
    })
}

/// Noise-aware trajectory class of an observed curve: the stability classifier with the
/// tolerance raised to `4 sigma / |e_0|` (at least the 0.01 of docs/model.md C.9), `sigma` the noise level
/// estimated from the first differences (`sd(diff) / sqrt 2`), so that noise around a plateau is
/// not counted as crossings.
pub fn classify_observed<T: Real>(reward: &[T], plateau: T) -> Result<CurveClass> {
    check::non_empty(reward, Param::Reward)?;
    check::all_finite(reward, Param::Reward)?;
    let sigma = first_difference_sd(reward, None, true);
    let e0 = (reward[0] - plateau).abs();
    let tol = if e0 > T::ZERO {
        (c::<T>(4.0) * sigma / e0).max(c(0.01))
    } else {
        c(0.01)
    };
    Ok(classify(reward, plateau, tol)?.regime)
}
