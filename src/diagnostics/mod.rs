//! Failure-mode diagnostics of a GRPO run (docs/model.md E): reward hacking, advantage degeneracy, policy
//! concentration and dynamical instability.
//!
//! Each diagnostic is a function over caller slices (or plain numbers) that returns the evidence
//! numbers and a verdict; every threshold lives in an options struct with documented defaults
//! (the proposals of docs/model.md E) that the caller may override. [`diagnose`] runs every diagnostic for
//! which inputs are present and adds one headline verdict.
//!
//! Entry points: [`hacking_ratio`] (E1), [`degenerate_fraction`] / [`degeneracy_verdict`] /
//! [`degeneracy_from_logs`] (E2), [`entropy_ratio`] (E3), [`instability_verdict`] /
//! [`instability_report`] (E4, with the stability module's Prop-9 threshold and exact critical
//! lag), [`classify_observed`] (noise-aware trajectory class), [`diagnose`] (all of them).
//!
//! Windows used below: for a series of `n` points and a fraction `frac`, the *tail* is the last
//! `max(1, floor(n * frac))` points (at least 2 where a slope is needed).

mod concentration;
mod degeneracy;
mod hacking;
mod instability;

pub use concentration::{
    entropy_ratio, ConcentrationOptions, ConcentrationReport, ConcentrationVerdict,
};
pub use degeneracy::{
    degeneracy_from_logs, degeneracy_verdict, degenerate_fraction, DegeneracyOptions,
    DegeneracyReport,
};
pub use hacking::{hacking_ratio, HackingOptions, HackingReport, HackingVerdict};
pub use instability::{
    classify_observed, instability_report, instability_verdict, level_drop, CurveClass,
    DropOptions, InstabilityEvidence, InstabilityReport, InstabilityVerdict, LevelDrop, Optimizer,
    DEFAULT_MIN_LOST,
};

use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::real::Real;

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
    /// then E1 and E2, which normalise by it, are skipped, and the premature-concentration test
    /// normalises its gap by the run's own rise `plateau - R0` instead of `r_max - R0`).
    pub r_max: T,
    /// Attainable maximum of the eval reward (default 1; may be `+inf`, then E1 is skipped; NaN is
    /// an error).
    pub r_max_eval: T,
    /// Optimizer settings (enables the Prop-9 margin and the exact criterion of E4).
    pub optimizer: Option<Optimizer<T>>,
    /// Expected plateau for E3 (e.g. the KL fixed point of docs/model.md C.4); `None` = the plateau
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
    /// E4 curve evidence (level-drop test).
    pub drop: DropOptions<T>,
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
    /// Why each diagnostic that did not run was skipped.
    pub skipped: Skipped,
    /// The thresholds the verdicts were taken with.
    pub options: DiagnoseOptions<T>,
}

/// Why a diagnostic did not run (C code in brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum SkipReason {
    /// It ran (0).
    Ran = 0,
    /// Its series is absent: eval reward (E1), entropy (E3), zero-std fraction (E2) (1).
    NoSeries = 1,
    /// The group size `G` is unknown (E2) (2).
    NoGroupSize = 2,
    /// It normalises by a reward bound that is infinite (E1: `r_max`, `r_max_eval`; E2: `r_min`,
    /// `r_max`) (3).
    UnboundedReward = 3,
    /// Too few points for its windows (the level-drop test needs `3 max(5, 0.05 n)`) (4).
    TooFewPoints = 4,
}

/// Skip reasons of [`diagnose`], one per diagnostic (`Ran` for those that ran).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Skipped {
    /// E1 reward hacking.
    pub hacking: SkipReason,
    /// E2 advantage degeneracy.
    pub degeneracy: SkipReason,
    /// E3 policy concentration.
    pub concentration: SkipReason,
    /// E4 level-drop test (the rest of E4 always runs).
    pub level_drop: SkipReason,
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
    let drop = match level_drop(r, input.r_min, &opts.drop) {
        Ok(d) => Some(d),
        Err(e) if e.kind() == ErrorKind::TooFewPoints => None,
        Err(e) => return Err(e),
    };
    // the observed curve's class is evidence, but `Oscillatory` alone is not a verdict here: the
    // noise-aware classifier counts wander as crossings (3 of the 32 shared stable runs); the
    // curve's instability evidence is the level-drop test
    let mut instability = instability_report(
        input.optimizer,
        zeta_hat,
        class.filter(|&c| c != CurveClass::Oscillatory),
    )?
    .with_level_drop(drop);
    instability.evidence.class = class;
    // E1 normalises by the headroom `r_max - R(0)`, E2 by the reward range: with an unbounded
    // reward (infinite bound) they are skipped (E3 then measures its gap against the rise).
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
            // an unbounded reward (r_max = +inf) normalises the gap by the run's own rise
            let context = (input.r_max.is_finite() || input.r_max == T::INFINITY).then_some((
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
    let skipped = Skipped {
        hacking: match input.eval_reward {
            None => SkipReason::NoSeries,
            Some(_) if hacking.is_none() => SkipReason::UnboundedReward,
            Some(_) => SkipReason::Ran,
        },
        degeneracy: match (input.zero_std_frac, input.group_size) {
            (None, _) => SkipReason::NoSeries,
            (Some(_), None) => SkipReason::NoGroupSize,
            _ if degeneracy.is_none() => SkipReason::UnboundedReward,
            _ => SkipReason::Ran,
        },
        concentration: if concentration.is_some() {
            SkipReason::Ran
        } else {
            SkipReason::NoSeries
        },
        level_drop: if instability.level_drop.is_some() {
            SkipReason::Ran
        } else {
            SkipReason::TooFewPoints
        },
    };
    Ok(Diagnosis {
        hacking,
        degeneracy,
        concentration,
        instability,
        plateau,
        headline: head,
        severity,
        skipped,
        options: *opts,
    })
}
