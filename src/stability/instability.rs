//! The instability verdict (docs/model.md E4): the optimizer's first-order margin, the exact criterion
//! and the shape of the observed curve combined into one decision.

use super::CurveClass;
use crate::error::{check, Param, Result};
use crate::real::Real;

/// Verdict of the dynamical-instability diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum InstabilityVerdict {
    /// Damped, monotone.
    Stable = 0,
    /// Underdamped (`zeta_hat < 1`) or overshooting trajectory.
    Overshooting = 1,
    /// First-order unstable (`M <= 0`) but exactly stable: close to the edge.
    AtRisk = 2,
    /// Exactly unstable (`Kref >= d_c`) or oscillatory trajectory.
    Unstable = 3,
}

/// The numbers behind the instability decision (E4); `None` = not available.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InstabilityEvidence<T> {
    /// Prop-9 margin `M = 1 - eta K Kref / (1 - mu)`.
    pub margin: Option<T>,
    /// Exact criterion `Kref >= d_c(eta K, mu)` (docs/model.md C.8).
    pub exactly_unstable: Option<bool>,
    /// Fitted damping ratio `zeta_hat` of the reward curve.
    pub zeta_hat: Option<T>,
    /// Trajectory class of the reward curve.
    pub class: Option<CurveClass>,
}

/// Decision of E4 from the numbers:
/// unstable if (exact criterion holds) or class = Oscillatory; at risk if `M <= 0` but exactly
/// stable (or exactness unknown); overshooting if `zeta_hat < 1` or class = Overshooting; else
/// stable.
pub fn instability_verdict<T: Real>(ev: &InstabilityEvidence<T>) -> Result<InstabilityVerdict> {
    if let Some(m) = ev.margin {
        check::finite(m, Param::Kref)?;
    }
    if let Some(z) = ev.zeta_hat {
        check::finite(z, Param::Zeta)?;
    }
    let v = if ev.exactly_unstable == Some(true) || ev.class == Some(CurveClass::Oscillatory) {
        InstabilityVerdict::Unstable
    } else if ev.margin.is_some_and(|m| m <= T::ZERO) {
        InstabilityVerdict::AtRisk
    } else if ev.zeta_hat.is_some_and(|z| z < T::ONE) || ev.class == Some(CurveClass::Overshooting)
    {
        InstabilityVerdict::Overshooting
    } else {
        InstabilityVerdict::Stable
    };
    Ok(v)
}
