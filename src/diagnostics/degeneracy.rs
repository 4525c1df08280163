//! Advantage degeneracy (docs/model.md E2): the fraction of zero-variance groups against the homogeneous
//! prediction `p^G + (1 - p)^G`.

use super::{fraction, tail_mean, Severity};
use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::noise::degeneracy;
use crate::real::{c, Real};

/// Thresholds of the advantage-degeneracy diagnostic (E2).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DegeneracyOptions<T> {
    /// Observed degenerate fraction above this warns. Default 0.5.
    pub warn: T,
    /// Observed degenerate fraction above this is critical. Default 0.8.
    pub critical: T,
    /// `D_obs - D(p_bar, G)` above this flags heterogeneous difficulty (bimodal prompts).
    /// Default 0.1.
    pub heterogeneity: T,
}

impl<T: Real> Default for DegeneracyOptions<T> {
    fn default() -> Self {
        DegeneracyOptions {
            warn: c(0.5),
            critical: c(0.8),
            heterogeneity: c(0.1),
        }
    }
}

/// Evidence of the advantage-degeneracy diagnostic (E2).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DegeneracyReport<T> {
    /// Observed fraction of zero-variance groups `D_obs`.
    pub observed: T,
    /// Homogeneous prediction `D(p_bar, G) = p_bar^G + (1 - p_bar)^G`.
    pub predicted: T,
    /// `observed - predicted > heterogeneity`: prompts of very different difficulty.
    pub heterogeneous: bool,
    /// Ok (`D_obs <= warn`), Warning (`<= critical`) or Critical.
    pub severity: Severity,
}

/// Observed degenerate fraction: `rewards` holds `B` groups of `g` rewards each (row-major,
/// `rewards.len() = B * g`); a group is degenerate when `max - min <= tol` (`tol = 0` for binary
/// rewards, a small `eps_deg` for continuous ones).
pub fn degenerate_fraction<T: Real>(rewards: &[T], g: usize, tol: T) -> Result<T> {
    check::non_empty(rewards, Param::Reward)?;
    check::all_finite(rewards, Param::Reward)?;
    check::non_negative(tol, Param::Tol)?;
    if g < 2 {
        return Err(Error::out_of_range(Param::G));
    }
    if !rewards.len().is_multiple_of(g) {
        return Err(Error::new(ErrorKind::LengthMismatch, Param::Reward));
    }
    let mut deg = 0usize;
    let mut groups = 0usize;
    for grp in rewards.chunks_exact(g) {
        let (mut lo, mut hi) = (T::INFINITY, -T::INFINITY);
        for &r in grp {
            lo = lo.min(r);
            hi = hi.max(r);
        }
        if hi - lo <= tol {
            deg += 1;
        }
        groups += 1;
    }
    Ok(T::from_usize(deg) / T::from_usize(groups))
}

/// Decision of E2 from the numbers: `observed` degenerate fraction and the homogeneous
/// prediction `predicted = p_bar^G + (1 - p_bar)^G` (both in [0, 1]).
pub fn degeneracy_verdict<T: Real>(
    observed: T,
    predicted: T,
    opts: &DegeneracyOptions<T>,
) -> Result<DegeneracyReport<T>> {
    for (x, p) in [(observed, Param::ZeroStdFrac), (predicted, Param::P)] {
        check::finite(x, p)?;
        if x < T::ZERO || x > T::ONE {
            return Err(Error::out_of_range(p));
        }
    }
    check::finite(opts.warn, Param::Warn)?;
    check::finite(opts.critical, Param::Critical)?;
    check::finite(opts.heterogeneity, Param::Heterogeneity)?;
    let severity = if observed > opts.critical {
        Severity::Critical
    } else if observed > opts.warn {
        Severity::Warning
    } else {
        Severity::Ok
    };
    Ok(DegeneracyReport {
        observed,
        predicted,
        heterogeneous: observed - predicted > opts.heterogeneity,
        severity,
    })
}

/// E2 from per-step logs: `observed` = mean of the logged zero-variance-group fraction (TRL
/// `frac_reward_zero_std`) over the last `late_fraction` of the checkpoints; the homogeneous
/// prediction uses the mean success probability `p_bar = (R - r_min) / (r_max - r_min)` over the
/// same checkpoints (clamped to [0, 1]) and `noise::degeneracy(p_bar, G)`.
pub fn degeneracy_from_logs<T: Real>(
    zero_std_frac: &[T],
    reward: &[T],
    r_min: T,
    r_max: T,
    g: u32,
    late_fraction: T,
    opts: &DegeneracyOptions<T>,
) -> Result<DegeneracyReport<T>> {
    check::non_empty(zero_std_frac, Param::ZeroStdFrac)?;
    check::same_len(zero_std_frac, reward, Param::ZeroStdFrac)?;
    check::all_finite(zero_std_frac, Param::ZeroStdFrac)?;
    check::all_finite(reward, Param::Reward)?;
    check::finite(r_min, Param::RewardMin)?;
    check::finite(r_max, Param::RMax)?;
    if r_max <= r_min {
        return Err(Error::new(ErrorKind::BoundsInverted, Param::RMax));
    }
    fraction(late_fraction)?;
    let observed = tail_mean(zero_std_frac, late_fraction);
    let p_bar = ((tail_mean(reward, late_fraction) - r_min) / (r_max - r_min))
        .max(T::ZERO)
        .min(T::ONE);
    let predicted = degeneracy(p_bar, g)?;
    degeneracy_verdict(observed, predicted, opts)
}
