//! Policy concentration (docs/model.md E3): the entropy ratio and whether its collapse is premature.

use super::{mean, tail_len, tail_mean, Severity};
use crate::error::{check, Error, Param, Result};
use crate::real::{c, Real};

/// Thresholds of the policy-concentration diagnostic (E3).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ConcentrationOptions<T> {
    /// Entropy ratio below this is a collapse. Default 0.2.
    pub collapse_ratio: T,
    /// A collapse is premature while `r_star - R(t) > premature_gap * (R_max - R0)`. Default 0.1.
    pub premature_gap: T,
    /// Fraction of the points averaged for `H(t)` and `R(t)` (the last ones) and for `H(0)`,
    /// `R0` (the first ones); `0` uses the single last/first point. Default 0.1.
    pub smoothing_fraction: T,
}

impl<T: Real> Default for ConcentrationOptions<T> {
    fn default() -> Self {
        ConcentrationOptions {
            collapse_ratio: c(0.2),
            premature_gap: c(0.1),
            smoothing_fraction: c(0.1),
        }
    }
}

/// Verdict of the policy-concentration diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum ConcentrationVerdict {
    /// Entropy ratio at or above the collapse threshold.
    Healthy = 0,
    /// Entropy collapsed but the reward is within `premature_gap` of the plateau.
    Collapsed = 1,
    /// Entropy collapsed while far from the plateau: exploration lost before convergence.
    Premature = 2,
}

/// Evidence of the policy-concentration diagnostic (E3).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ConcentrationReport<T> {
    /// Entropy ratio `rho_H = H(t) / H(0)`.
    pub entropy_ratio: T,
    /// Remaining gap to the plateau as a fraction of the headroom,
    /// `(r_star - R(t)) / (R_max - R0)` (NaN when no reward series is given).
    pub gap_fraction: T,
    /// The verdict.
    pub verdict: ConcentrationVerdict,
}

impl<T> ConcentrationReport<T> {
    /// Severity of the verdict (collapse at the plateau is a warning, premature is critical).
    pub fn severity(&self) -> Severity {
        match self.verdict {
            ConcentrationVerdict::Healthy => Severity::Ok,
            ConcentrationVerdict::Collapsed => Severity::Warning,
            ConcentrationVerdict::Premature => Severity::Critical,
        }
    }
}

/// Head mean (first points) with the same window rule as [`tail_mean`]; `frac = 0` = first point.
fn head_mean<T: Real>(xs: &[T], frac: T) -> T {
    let k = tail_len(xs.len(), frac, 1);
    mean(xs.get(..k).unwrap_or(xs))
}

/// Policy-concentration diagnostic E3.
///
/// `entropy`: mean token entropy per checkpoint (positive first value). `reward`: optional reward
/// series `(rewards, r_max, r_star)`; `r_star` is the plateau the run should reach (e.g. the KL
/// fixed point or a prediction); `None` uses `r_max`.
///
/// ```text
/// rho_H = H(t) / H(0);  collapse if rho_H < 0.2
/// premature if collapse and r_star - R(t) > 0.1 (R_max - R0)
/// ```
pub fn entropy_ratio<T: Real>(
    entropy: &[T],
    reward: Option<(&[T], T, Option<T>)>,
    opts: &ConcentrationOptions<T>,
) -> Result<ConcentrationReport<T>> {
    check::non_empty(entropy, Param::Entropy)?;
    check::all_finite(entropy, Param::Entropy)?;
    check::finite(opts.smoothing_fraction, Param::Fraction)?;
    if opts.smoothing_fraction < T::ZERO || opts.smoothing_fraction > T::ONE {
        return Err(Error::out_of_range(Param::Fraction));
    }
    check::finite(opts.collapse_ratio, Param::CollapseRatio)?;
    check::finite(opts.premature_gap, Param::PrematureGap)?;
    let h0 = head_mean(entropy, opts.smoothing_fraction);
    if h0 <= T::ZERO {
        return Err(Error::out_of_range(Param::Entropy));
    }
    let entropy_ratio = tail_mean(entropy, opts.smoothing_fraction) / h0;
    let gap_fraction = match reward {
        None => T::NAN,
        Some((r, r_max, r_star)) => {
            check::non_empty(r, Param::Reward)?;
            check::all_finite(r, Param::Reward)?;
            check::finite(r_max, Param::RMax)?;
            let r_star = match r_star {
                Some(x) => check::finite(x, Param::RStar)?,
                None => r_max,
            };
            let r0 = head_mean(r, opts.smoothing_fraction);
            if r_max <= r0 {
                return Err(Error::out_of_range(Param::RMax));
            }
            (r_star - tail_mean(r, opts.smoothing_fraction)) / (r_max - r0)
        }
    };
    let verdict = if entropy_ratio >= opts.collapse_ratio {
        ConcentrationVerdict::Healthy
    } else if gap_fraction > opts.premature_gap {
        ConcentrationVerdict::Premature
    } else {
        ConcentrationVerdict::Collapsed
    };
    Ok(ConcentrationReport {
        entropy_ratio,
        gap_fraction,
        verdict,
    })
}
