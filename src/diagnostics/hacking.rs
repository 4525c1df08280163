//! Reward hacking (docs/model.md E1): the doubly-normalised plateau ratio and the late slope.

use super::{fraction, tail_len, tail_mean, Severity};
use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::real::{c, Real};

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
    check::finite(opts.phi_hacking, Param::PhiHacking)?;
    check::finite(opts.phi_suspect, Param::PhiSuspect)?;
    check::finite(opts.min_late_train_gain, Param::MinLateTrainGain)?;
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
