//! Failure-mode diagnostics of a GRPO run (spec E): reward hacking, advantage degeneracy, policy
//! concentration and dynamical instability.
//!
//! Each diagnostic is a function over caller slices (or plain numbers) that returns the evidence
//! numbers and a verdict; every threshold lives in an options struct with documented defaults
//! (the spec's proposals) that the caller may override. [`diagnose`] runs every diagnostic for
//! which inputs are present and adds one headline verdict.
//!
//! Entry points: [`hacking_ratio`] (E1), [`degenerate_fraction`] / [`degeneracy_verdict`] /
//! [`degeneracy_from_logs`] (E2), [`entropy_ratio`] (E3), [`instability_verdict`] /
//! [`instability_report`] (E4, with the stability module's Prop-9 threshold and exact critical
//! lag), [`classify_observed`] (noise-aware trajectory class), [`diagnose`] (all of them).
//!
//! Windows used below: for a series of `n` points and a fraction `frac`, the *tail* is the last
//! `max(1, floor(n * frac))` points (at least 2 where a slope is needed).

use crate::bandit::Lag;
use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::noise::degeneracy;
use crate::real::{c, Real};
use crate::stability::{classify, Hyper};

/// How bad a finding is; the headline verdict is the worst severity over the four modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum Severity {
    /// Nothing wrong (or no evidence).
    Ok = 0,
    /// Worth a look (e.g. suspect hacking, overshooting, warn-level degeneracy).
    Warning = 1,
    /// Act on it (hacking, critical degeneracy, premature collapse, instability).
    Critical = 2,
}

/// Mean of the last `max(1, floor(n * frac))` points of `xs` (`xs` non-empty).
fn tail_mean<T: Real>(xs: &[T], frac: T) -> T {
    let k = tail_len(xs.len(), frac, 1);
    let start = xs.len() - k;
    mean(xs.get(start..).unwrap_or(xs))
}

/// Number of tail points: `max(min_len, floor(n * frac))`, at most `n`.
fn tail_len<T: Real>(n: usize, frac: T, min_len: usize) -> usize {
    let k = (T::from_usize(n) * frac).floor().to_f64();
    let k = if k.is_finite() && k > 0.0 {
        k as usize
    } else {
        0
    };
    k.max(min_len).min(n)
}

fn mean<T: Real>(xs: &[T]) -> T {
    if xs.is_empty() {
        return T::NAN;
    }
    let mut s = T::ZERO;
    for &x in xs {
        s += x;
    }
    s / T::from_usize(xs.len())
}

/// A fraction option must lie in (0, 1].
fn fraction<T: Real>(x: T) -> Result<T> {
    check::finite(x, Param::Fraction)?;
    if x > T::ZERO && x <= T::ONE {
        Ok(x)
    } else {
        Err(Error::out_of_range(Param::Fraction))
    }
}

// ------------------------------------------------------------------------------------------------
// E1 reward hacking
// ------------------------------------------------------------------------------------------------

/// Thresholds of the reward-hacking diagnostic (E1).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HackingOptions<T> {
    /// `Phi` below this is hacking. Default 0.25.
    pub phi_hacking: T,
    /// `Phi` below this (and at least `phi_hacking`) is suspect. Default 0.5.
    pub phi_suspect: T,
    /// A negative late slope counts only while the train gain over the late window exceeds this.
    /// Default 0.02.
    pub min_late_train_gain: T,
    /// Fraction of the checkpoints averaged for the plateaus `g(inf)`. Default 0.2.
    pub plateau_fraction: T,
    /// Fraction of the checkpoints (the last ones) over which the late slope is taken. Default 0.2.
    pub late_fraction: T,
}

impl<T: Real> Default for HackingOptions<T> {
    fn default() -> Self {
        HackingOptions {
            phi_hacking: c(0.25),
            phi_suspect: c(0.5),
            min_late_train_gain: c(0.02),
            plateau_fraction: c(0.2),
            late_fraction: c(0.2),
        }
    }
}

/// Verdict of the reward-hacking diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum HackingVerdict {
    /// Eval follows train.
    Healthy = 0,
    /// `phi_hacking <= Phi < phi_suspect`.
    Suspect = 1,
    /// `Phi < phi_hacking`, or eval falls while train still rises.
    Hacking = 2,
}

/// Evidence of the reward-hacking diagnostic (E1).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HackingReport<T> {
    /// Train gain fraction at the plateau `g_tr(inf) = (R_tr(inf) - R_tr(0)) / (R_max,tr - R_tr(0))`.
    pub train_gain: T,
    /// Eval gain fraction at the plateau `g_ev(inf)`, same normalisation.
    pub eval_gain: T,
    /// Doubly-normalised plateau ratio `Phi = g_ev(inf) / g_tr(inf)` (NaN when the train gain is 0).
    pub phi: T,
    /// Late slope `s_late`: least-squares slope of `g_ev` against `g_tr` over the late window
    /// (NaN when `g_tr` does not vary there).
    pub late_slope: T,
    /// Train gain over the late window: least-squares slope of `g_tr` per checkpoint times the
    /// window length minus one.
    pub late_train_gain: T,
    /// The verdict.
    pub verdict: HackingVerdict,
}

impl<T> HackingReport<T> {
    /// Severity of the verdict.
    pub fn severity(&self) -> Severity {
        match self.verdict {
            HackingVerdict::Healthy => Severity::Ok,
            HackingVerdict::Suspect => Severity::Warning,
            HackingVerdict::Hacking => Severity::Critical,
        }
    }
}

/// Reward-hacking diagnostic E1 (doubly-normalised plateau ratio and late slope).
///
/// `train` and `eval` are the train and eval rewards at the same checkpoints (at least 2);
/// `r_max_train`, `r_max_eval` the attainable maxima (above the first value of each series).
/// Plateaus are the means of the last `plateau_fraction` of the points unless `plateaus =
/// Some((train_plateau, eval_plateau))` (e.g. fitted `r_star`) is given.
///
/// ```text
/// g(t) = (R(t) - R(0)) / (R_max - R(0))
/// Phi = g_ev(inf) / g_tr(inf)
/// s_late = slope of the parametric curve (g_tr, g_ev) over the last late_fraction of checkpoints
/// hacking if Phi < 0.25 or (s_late < 0 and late train gain > 0.02); suspect if Phi < 0.5
/// ```
pub fn hacking_ratio<T: Real>(
    train: &[T],
    eval: &[T],
    r_max_train: T,
    r_max_eval: T,
    plateaus: Option<(T, T)>,
    opts: &HackingOptions<T>,
) -> Result<HackingReport<T>> {
    check::non_empty(train, Param::Reward)?;
    check::same_len(train, eval, Param::EvalReward)?;
    check::all_finite(train, Param::Reward)?;
    check::all_finite(eval, Param::EvalReward)?;
    if train.len() < 2 {
        return Err(Error::new(ErrorKind::TooFewPoints, Param::Reward));
    }
    fraction(opts.plateau_fraction)?;
    fraction(opts.late_fraction)?;
    check::finite(opts.phi_hacking, Param::Tol)?;
    check::finite(opts.phi_suspect, Param::Tol)?;
    check::finite(opts.min_late_train_gain, Param::Tol)?;
    let tr0 = train[0];
    let ev0 = eval[0];
    check::finite(r_max_train, Param::RMax)?;
    check::finite(r_max_eval, Param::RMax)?;
    if r_max_train <= tr0 || r_max_eval <= ev0 {
        return Err(Error::out_of_range(Param::RMax));
    }
    let (p_tr, p_ev) = match plateaus {
        Some((a, b)) => (
            check::finite(a, Param::RStar)?,
            check::finite(b, Param::RStar)?,
        ),
        None => (
            tail_mean(train, opts.plateau_fraction),
            tail_mean(eval, opts.plateau_fraction),
        ),
    };
    let h_tr = r_max_train - tr0;
    let h_ev = r_max_eval - ev0;
    let train_gain = (p_tr - tr0) / h_tr;
    let eval_gain = (p_ev - ev0) / h_ev;
    let phi = if train_gain != T::ZERO {
        eval_gain / train_gain
    } else {
        T::NAN
    };
    // late window: least squares of g_ev on g_tr and of g_tr on the checkpoint index
    let k = tail_len(train.len(), opts.late_fraction, 2);
    let s = train.len() - k;
    let (tw, ew) = (&train[s..], &eval[s..]);
    let kt = T::from_usize(k);
    let (mut mt, mut me, mut mi) = (T::ZERO, T::ZERO, T::ZERO);
    for (i, (&a, &b)) in tw.iter().zip(ew).enumerate() {
        mt += (a - tr0) / h_tr;
        me += (b - ev0) / h_ev;
        mi += T::from_usize(i);
    }
    mt /= kt;
    me /= kt;
    mi /= kt;
    let (mut stt, mut ste, mut sii, mut sit) = (T::ZERO, T::ZERO, T::ZERO, T::ZERO);
    for (i, (&a, &b)) in tw.iter().zip(ew).enumerate() {
        let dt = (a - tr0) / h_tr - mt;
        let de = (b - ev0) / h_ev - me;
        let di = T::from_usize(i) - mi;
        stt += dt * dt;
        ste += dt * de;
        sii += di * di;
        sit += di * dt;
    }
    let late_slope = if stt > T::ZERO { ste / stt } else { T::NAN };
    let late_train_gain = sit / sii * (kt - T::ONE);
    let verdict = if phi < opts.phi_hacking
        || (late_slope < T::ZERO && late_train_gain > opts.min_late_train_gain)
    {
        HackingVerdict::Hacking
    } else if phi < opts.phi_suspect {
        HackingVerdict::Suspect
    } else {
        HackingVerdict::Healthy
    };
    Ok(HackingReport {
        train_gain,
        eval_gain,
        phi,
        late_slope,
        late_train_gain,
        verdict,
    })
}

// ------------------------------------------------------------------------------------------------
// E2 advantage degeneracy
// ------------------------------------------------------------------------------------------------

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
    check::finite(opts.warn, Param::Tol)?;
    check::finite(opts.critical, Param::Tol)?;
    check::finite(opts.heterogeneity, Param::Tol)?;
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

// ------------------------------------------------------------------------------------------------
// E3 policy concentration
// ------------------------------------------------------------------------------------------------

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
    check::finite(opts.collapse_ratio, Param::Tol)?;
    check::finite(opts.premature_gap, Param::Tol)?;
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

// ------------------------------------------------------------------------------------------------
// E4 dynamical instability
// ------------------------------------------------------------------------------------------------

/// Shape class of a reward trajectory (spec C.9): the stability module's classifier output.
pub use crate::stability::Regime as CurveClass;

pub use crate::stability::{instability_verdict, InstabilityEvidence, InstabilityVerdict};

impl InstabilityVerdict {
    /// Severity: Overshooting is a warning, AtRisk and Unstable are critical.
    pub fn severity(self) -> Severity {
        match self {
            InstabilityVerdict::Stable => Severity::Ok,
            InstabilityVerdict::Overshooting => Severity::Warning,
            InstabilityVerdict::AtRisk | InstabilityVerdict::Unstable => Severity::Critical,
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Headline
// ------------------------------------------------------------------------------------------------

/// The headline verdict of [`diagnose`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum Headline {
    /// No diagnostic above `Ok`.
    Healthy = 0,
    /// Reward hacking is the worst finding.
    RewardHacking = 1,
    /// Advantage degeneracy is the worst finding.
    AdvantageDegeneracy = 2,
    /// Policy concentration is the worst finding.
    PolicyConcentration = 3,
    /// Dynamical instability is the worst finding.
    DynamicalInstability = 4,
}

/// Pick the headline: the mode with the highest severity; ties are broken in the order
/// instability, hacking, concentration, degeneracy (a degenerate run usually also shows a low
/// entropy, and instability explains the other symptoms of its curve). Returns the mode and its
/// severity.
pub fn headline(
    hacking: Severity,
    degeneracy: Severity,
    concentration: Severity,
    instability: Severity,
) -> (Headline, Severity) {
    let order = [
        (Headline::DynamicalInstability, instability),
        (Headline::RewardHacking, hacking),
        (Headline::PolicyConcentration, concentration),
        (Headline::AdvantageDegeneracy, degeneracy),
    ];
    let mut best = (Headline::Healthy, Severity::Ok);
    for (h, s) in order {
        if s > best.1 {
            best = (h, s);
        }
    }
    best
}

// ------------------------------------------------------------------------------------------------
// E2 / E4 from raw inputs
// ------------------------------------------------------------------------------------------------

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
    /// The verdict.
    pub verdict: InstabilityVerdict,
}

/// Optimizer settings for E4: hyperparameters with the stiffness estimate, the refresh interval
/// and how the stale policy is refreshed.
///
/// Mapping from trainer settings (an interpretation, see the spec clarifications): `eta` =
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
    /// Constant lag (spec C.1 canonical) or periodic refresh (TRL, verl).
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
        verdict: instability_verdict(&evidence)?,
    })
}

// ------------------------------------------------------------------------------------------------
// diagnose
// ------------------------------------------------------------------------------------------------

/// Everything [`diagnose`] may use; only `reward` is required. Series are per checkpoint and of
/// equal length.
#[derive(Clone, Copy, Debug)]
pub struct DiagnoseInput<'a, T: Real> {
    /// Training steps of the checkpoints (strictly increasing); `None` = 0, 1, 2, ...
    pub steps: Option<&'a [T]>,
    /// Mean training reward per checkpoint (at least 6 points).
    pub reward: &'a [T],
    /// Eval reward at the same checkpoints (enables E1).
    pub eval_reward: Option<&'a [T]>,
    /// Mean token entropy at the same checkpoints (enables E3).
    pub entropy: Option<&'a [T]>,
    /// Fraction of zero-variance groups at the same checkpoints (enables E2 with `group_size`).
    pub zero_std_frac: Option<&'a [T]>,
    /// Group size `G` (TRL `num_generations`).
    pub group_size: Option<u32>,
    /// Lowest possible train reward (default 0; may be `-inf`, then E2 is skipped).
    pub r_min: T,
    /// Attainable maximum of the train reward (default 1; may be `+inf` for an unbounded reward,
    /// then E1, E2 and the premature-concentration test, which normalise by it, are skipped).
    pub r_max: T,
    /// Attainable maximum of the eval reward (default 1; may be `+inf`, then E1 is skipped; NaN is
    /// an error).
    pub r_max_eval: T,
    /// Optimizer settings (enables the Prop-9 margin and the exact criterion of E4).
    pub optimizer: Option<Optimizer<T>>,
    /// Expected plateau for E3 (e.g. the KL fixed point of spec C.4); `None` = the plateau
    /// fitted to the reward curve (a collapse is then premature when the fit still expects a
    /// gain above `premature_gap` of the headroom).
    pub expected_plateau: Option<T>,
}

impl<'a, T: Real> DiagnoseInput<'a, T> {
    /// Only a reward curve, rewards in [0, 1].
    pub fn new(reward: &'a [T]) -> Self {
        DiagnoseInput {
            steps: None,
            reward,
            eval_reward: None,
            entropy: None,
            zero_std_frac: None,
            group_size: None,
            r_min: T::ZERO,
            r_max: T::ONE,
            r_max_eval: T::ONE,
            optimizer: None,
            expected_plateau: None,
        }
    }
}

/// Thresholds of every diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DiagnoseOptions<T: Real> {
    /// E1.
    pub hacking: HackingOptions<T>,
    /// E2.
    pub degeneracy: DegeneracyOptions<T>,
    /// E3.
    pub concentration: ConcentrationOptions<T>,
}

/// Result of [`diagnose`]: a report per mode (`None` when its inputs were absent) and the headline.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Diagnosis<T: Real> {
    /// E1 (needs `eval_reward`).
    pub hacking: Option<HackingReport<T>>,
    /// E2 (needs `zero_std_frac`, `group_size` and finite reward bounds).
    pub degeneracy: Option<DegeneracyReport<T>>,
    /// E3 (needs `entropy`).
    pub concentration: Option<ConcentrationReport<T>>,
    /// E4 (always: at least the fitted curve).
    pub instability: InstabilityReport<T>,
    /// Fitted plateau of the reward curve (the predictor's model-averaged plateau).
    pub plateau: T,
    /// The worst mode.
    pub headline: Headline,
    /// Its severity.
    pub severity: Severity,
}

/// Noise-aware trajectory class of an observed curve: the stability classifier with the
/// tolerance raised to `4 sigma / |e_0|` (at least the spec's 0.01), `sigma` the noise level
/// estimated from the first differences (`sd(diff) / sqrt 2`), so that noise around a plateau is
/// not counted as crossings.
pub fn classify_observed<T: Real>(reward: &[T], plateau: T) -> Result<CurveClass> {
    check::non_empty(reward, Param::Reward)?;
    check::all_finite(reward, Param::Reward)?;
    let n = reward.len();
    let mut md = T::ZERO;
    for w in reward.windows(2) {
        md += w[1] - w[0];
    }
    let nd = T::from_usize(n.saturating_sub(1).max(1));
    md /= nd;
    let mut vd = T::ZERO;
    for w in reward.windows(2) {
        let d = w[1] - w[0] - md;
        vd += d * d;
    }
    let sigma = (vd / nd * T::HALF).sqrt();
    let e0 = (reward[0] - plateau).abs();
    let tol = if e0 > T::ZERO {
        (c::<T>(4.0) * sigma / e0).max(c(0.01))
    } else {
        c(0.01)
    };
    Ok(classify(reward, plateau, tol)?.regime)
}

/// What [`diagnose`] needs from a fit of the reward curve (the predictor's
/// `Snapshot::curve_fit`, or any other fit of the caller's).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CurveFit<T> {
    /// Fitted plateau of the reward curve (the predictor's model-averaged plateau): feeds E3
    /// (`gap`) and the trajectory classifier.
    pub plateau: T,
    /// Fitted damping ratio `zeta_hat` when the data support one: feeds E4.
    pub zeta_hat: Option<T>,
}

/// The checks [`diagnose`] runs on its input before anything else: a non-empty finite reward
/// series, steps of the same length, a maximum eval reward that is not NaN.
pub fn check_input<T: Real>(input: &DiagnoseInput<'_, T>) -> Result<()> {
    let r = input.reward;
    check::non_empty(r, Param::Reward)?;
    check::all_finite(r, Param::Reward)?;
    if let Some(s) = input.steps {
        check::same_len(r, s, Param::Step)?;
    }
    if input.r_max_eval.is_nan() {
        // an infinite maximum means "unbounded" (E1 skipped), NaN means nothing
        return Err(Error::non_finite(Param::RMax));
    }
    Ok(())
}

/// Run every diagnostic the inputs allow and pick the headline (see [`headline`]).
///
/// `fit` is the caller's fit of the reward curve: its plateau feeds E3 (`gap`) and the trajectory
/// classifier, its damping `zeta_hat` E4. (`predict::fit_and_diagnose` fits the series with a
/// predictor first, as the C `grpo_diagnose` does.)
pub fn diagnose<T: Real>(
    input: &DiagnoseInput<'_, T>,
    fit: &CurveFit<T>,
    opts: &DiagnoseOptions<T>,
) -> Result<Diagnosis<T>> {
    check_input(input)?;
    let r = input.reward;
    let plateau = check::finite(fit.plateau, Param::RStar)?;
    let zeta_hat = fit.zeta_hat;
    let class = classify_observed(r, plateau).ok();
    let instability = instability_report(input.optimizer, zeta_hat, class)?;
    // E1 and the premature-concentration test normalise by the headroom `r_max - R(0)`, E2 by
    // the reward range: with an unbounded reward (infinite bound) they are skipped.
    let bounded = input.r_min.is_finite() && input.r_max.is_finite();
    let hacking =
        match input.eval_reward {
            Some(ev) if input.r_max.is_finite() && input.r_max_eval.is_finite() => Some(
                hacking_ratio(r, ev, input.r_max, input.r_max_eval, None, &opts.hacking)?,
            ),
            _ => None,
        };
    let degeneracy = match (input.zero_std_frac, input.group_size) {
        (Some(z), Some(g)) if bounded => Some(degeneracy_from_logs(
            z,
            r,
            input.r_min,
            input.r_max,
            g,
            opts.hacking.late_fraction,
            &opts.degeneracy,
        )?),
        _ => None,
    };
    let concentration = match input.entropy {
        Some(h) => {
            check::same_len(r, h, Param::Entropy)?;
            let context = input.r_max.is_finite().then_some((
                r,
                input.r_max,
                Some(input.expected_plateau.unwrap_or(plateau)),
            ));
            Some(entropy_ratio(h, context, &opts.concentration)?)
        }
        None => None,
    };
    let (head, severity) = headline(
        hacking.map_or(Severity::Ok, |h| h.severity()),
        degeneracy.map_or(Severity::Ok, |d| d.severity),
        concentration.map_or(Severity::Ok, |c| c.severity()),
        instability.verdict.severity(),
    );
    Ok(Diagnosis {
        hacking,
        degeneracy,
        concentration,
        instability,
        plateau,
        headline: head,
        severity,
    })
}
