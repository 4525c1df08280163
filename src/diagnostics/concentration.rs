//! Policy concentration (docs/model.md E3): the entropy ratio and whether its collapse is premature.

use super::{mean, tail_len, Severity};
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
    /// Window of the means, as a fraction of the points: `H(0)` and `R0` are means of the first
    /// `max(1, floor(n * smoothing_fraction))` points, `H(t)` and `R(t)` of that many ending at
    /// `t`; `0` uses single points. Default 0.1.
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
    /// Entropy collapsed, but only once the reward was within `premature_gap` of its plateau:
    /// the policy converged (reported, not a failure: severity Ok).
    Collapsed = 1,
    /// Entropy collapsed while the reward was still far from its plateau: exploration lost
    /// before convergence (the failure mode of docs/model.md E3).
    Premature = 2,
}

/// Evidence of the policy-concentration diagnostic (E3).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ConcentrationReport<T> {
    /// Current entropy ratio `rho_H = H(t) / H(0)` (means of the last and first `window` points).
    pub entropy_ratio: T,
    /// `H(0)`: mean of the first `window` points.
    pub h0: T,
    /// Points per window, `max(1, floor(n * smoothing_fraction))`.
    pub window: usize,
    /// Index (0-based) of the last point of the window where the collapse still in effect began:
    /// the first window from which every windowed ratio up to the end stays below
    /// `collapse_ratio`. `None` when the current ratio is not below it.
    pub collapse_index: Option<usize>,
    /// Mean reward over the window ending at `collapse_index` (at the last point when there is
    /// no collapse; NaN when no reward series is given).
    pub reward_at_collapse: T,
    /// The plateau `r_star` the gap is measured to (NaN when no reward series is given).
    pub plateau: T,
    /// Denominator of the gap: `R_max - R0`, or `r_star - R0` when `R_max` is infinite (NaN when
    /// no reward series is given or the reward did not rise).
    pub headroom: T,
    /// Gap to the plateau when the collapse began (at the last point when there is no collapse),
    /// as a fraction of the headroom: `(r_star - R(t_c)) / headroom` (NaN when no reward series
    /// is given or the headroom is NaN).
    pub gap_fraction: T,
    /// The verdict.
    pub verdict: ConcentrationVerdict,
}

impl<T> ConcentrationReport<T> {
    /// Severity of the verdict: premature concentration is critical; a collapse once the reward
    /// has reached its plateau is the policy converging (docs/model.md E3: the failure mode is the
    /// plateau set by lost exploration), so it is reported with severity Ok.
    pub fn severity(&self) -> Severity {
        match self.verdict {
            ConcentrationVerdict::Healthy | ConcentrationVerdict::Collapsed => Severity::Ok,
            ConcentrationVerdict::Premature => Severity::Critical,
        }
    }
}

/// Mean of `xs[end + 1 - k ..= end]`.
fn window_mean<T: Real>(xs: &[T], end: usize, k: usize) -> T {
    let start = (end + 1).saturating_sub(k);
    mean(xs.get(start..=end).unwrap_or(xs))
}

/// Policy-concentration diagnostic E3.
///
/// `entropy`: mean token entropy per checkpoint (positive mean over the first window).
/// `reward`: optional reward series `(rewards, r_max, r_star)` of the same length; `r_star` is
/// the plateau the run should reach (e.g. the KL fixed point or a fit); `None` uses `r_max`.
/// `r_max = +inf` marks an unbounded reward: the gap is then normalised by the run's own rise
/// `r_star - R0` instead of the headroom (an extension of E3, which assumes a known maximum; a
/// collapse is then premature while more than `premature_gap` of the rise was still to come).
///
/// ```text
/// k        = max(1, floor(n * smoothing_fraction))          window (points)
/// H0       = mean of the first k entropies;  R0 = mean of the first k rewards
/// rho(t)   = (mean of the k entropies ending at t) / H0
/// rho_H    = rho(n - 1);  collapse if rho_H < collapse_ratio (0.2)
/// t_c      = first t >= k - 1 with rho(s) < collapse_ratio for every s in [t, n - 1]
/// gap      = (r_star - mean of the k rewards ending at t_c) / (R_max - R0)
///            (R_max = +inf: / (r_star - R0), NaN if r_star <= R0)
/// premature if collapse and gap > premature_gap (0.1), else collapsed (converged)
/// ```
///
/// The gap is taken when the collapse began, not at the end: E3 asks whether the collapse
/// "happens while r_star - R(t) > 0.1 (R_max - R0)". `OutOfRange(Entropy)` when H0 <= 0 or when
/// H0 or rho_H is not finite (e.g. a subnormal H0 under a later entropy: rho overflows).
/// Cost: O(n) (one pass of running sums).
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
    let n = entropy.len();
    let k = tail_len(n, opts.smoothing_fraction, 1);
    let h0 = mean(entropy.get(..k).unwrap_or(entropy));
    if h0 <= T::ZERO {
        return Err(Error::out_of_range(Param::Entropy));
    }
    let entropy_ratio = window_mean(entropy, n - 1, k) / h0;
    if !h0.is_finite() || !entropy_ratio.is_finite() {
        // H(0) so small against the later entropy that rho overflows (a subnormal H(0)), or sums
        // past the float range: rho_H is not a number this diagnostic can report
        return Err(Error::out_of_range(Param::Entropy));
    }
    let collapse_index = if entropy_ratio < opts.collapse_ratio {
        // walk back from the end while the windowed ratio stays below the threshold; `sum` is
        // the sum of the k entropies ending at t (running sum: O(n))
        let kt = T::from_usize(k);
        let mut sum = entropy_ratio * h0 * kt;
        let mut t = n - 1;
        while t >= k {
            let (Some(&out), Some(&inn)) = (entropy.get(t), entropy.get(t - k)) else {
                break;
            };
            let prev = sum - out + inn;
            if prev / kt / h0 >= opts.collapse_ratio {
                break;
            }
            sum = prev;
            t -= 1;
        }
        Some(t)
    } else {
        None
    };
    let mut reward_at_collapse = T::NAN;
    let mut plateau = T::NAN;
    let mut gap_fraction = T::NAN;
    let mut headroom = T::NAN;
    if let Some((r, r_max, r_star)) = reward {
        check::non_empty(r, Param::Reward)?;
        check::all_finite(r, Param::Reward)?;
        check::same_len(entropy, r, Param::Reward)?;
        if !(r_max.is_finite() || r_max == T::INFINITY) {
            return Err(Error::non_finite(Param::RMax));
        }
        let r_star = match r_star {
            Some(x) => x,
            None => r_max,
        };
        check::finite(r_star, Param::RStar)?;
        let r0 = mean(r.get(..k).unwrap_or(r));
        if r_max <= r0 {
            return Err(Error::out_of_range(Param::RMax));
        }
        reward_at_collapse = window_mean(r, collapse_index.unwrap_or(n - 1), k);
        plateau = r_star;
        // the headroom R_max - R0; with an unbounded reward (r_max = +inf) the run's own rise
        // r_star - R0 (NaN when the reward did not rise: no gap can be measured)
        headroom = if r_max.is_finite() {
            r_max - r0
        } else if r_star > r0 {
            r_star - r0
        } else {
            T::NAN
        };
        gap_fraction = (r_star - reward_at_collapse) / headroom;
    }
    let verdict = if collapse_index.is_none() {
        ConcentrationVerdict::Healthy
    } else if gap_fraction > opts.premature_gap {
        ConcentrationVerdict::Premature
    } else {
        ConcentrationVerdict::Collapsed
    };
    Ok(ConcentrationReport {
        entropy_ratio,
        h0,
        window: k,
        collapse_index,
        reward_at_collapse,
        plateau,
        headroom,
        gap_fraction,
        verdict,
    })
}
