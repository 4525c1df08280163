//! C ABI of the hyperparameter calibration and its what-if answers (f64; issue 18).
//!
//! `grpo_calibrate` fills a [`grpo_calibration`] (a plain value the caller keeps); every
//! `grpo_whatif_*` reads one back (validated again) and writes its answer with an 80 % interval.
//! A calibration whose tail did not determine `K` answers the stability what-ifs with
//! `GRPO_ERR_UNDETERMINED` (param `K`). Same conventions as the rest of the C ABI.

use super::bandit::to_lag;
use super::{disjoint, guard, input, input_one, output, output_one, Span};
use crate::bandit::Lag;
use crate::calibrate::{calibrate, Calibration, Estimate, Settings};
use crate::error::{check, Error, Param, Result};

/// The run's known settings. Field names and order are part of the ABI.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grpo_calibrate_settings {
    /// The optimizer's learning rate `> 0` (ignored when `lr_column` is not NULL).
    pub lr: f64,
    /// NULL, or a per-step learning rate of the curve's length (time then runs on the
    /// cumulative learning rate).
    pub lr_column: *const f64,
    /// Adam `beta1` (momentum) in `[0, 1)`.
    pub beta1: f64,
    /// Refresh interval `Kref >= 1` (TRL `steps_per_generation * num_iterations`).
    pub kref: u32,
    /// 0 constant lag, 1 periodic refresh (TRL, verl).
    pub lag: u32,
    /// Centred moving-average window for the level crossings (`>= 1`, 1 = raw).
    pub smooth: u32,
}

/// A value with its 80 % interval.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct grpo_estimate {
    /// Central value.
    pub value: f64,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// A calibration (see `calibrate::Calibration`). Field names and order are part of the ABI.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct grpo_calibration {
    /// First (smoothed) reward.
    pub r0: f64,
    /// Plateau.
    pub r_star: grpo_estimate,
    /// Curvature scale `K` (effective, per unit learning rate); valid when `k_determined`
    /// (otherwise NaN or a partial value: do not use).
    pub k: grpo_estimate,
    /// 1 when the tail determined `K`, else 0.
    pub k_determined: u32,
    /// Refresh interval.
    pub kref: u32,
    /// 0 constant lag, 1 periodic refresh.
    pub lag: u32,
    /// Padding (0).
    pub reserved: u32,
    /// Observed per-step contraction of the approach to the plateau (finite when
    /// `k_determined`; otherwise it may be NaN: no rate was read from the tail).
    pub rho: f64,
    /// Learning rate of the tail.
    pub eta: f64,
    /// Momentum (= beta1).
    pub mu: f64,
    /// Momentum and lag delay `D` (steps).
    pub delay: f64,
    /// Flow time (cumulative learning rate) to 50 % of the gain.
    pub flow50: grpo_estimate,
    /// Flow time to 90 % of the gain.
    pub flow90: grpo_estimate,
    /// First data time.
    pub t0: f64,
}

fn est_out(e: Estimate<f64>) -> grpo_estimate {
    grpo_estimate {
        value: e.value,
        lo: e.lo,
        hi: e.hi,
    }
}

fn est_in(e: &grpo_estimate, p: Param) -> Result<Estimate<f64>> {
    check::finite(e.value, p)?;
    Ok(Estimate::new(e.value, e.lo, e.hi))
}

/// A flow time: finite and positive, or NaN (level not reached).
fn flow_in(e: &grpo_estimate) -> Result<Estimate<f64>> {
    if e.value.is_nan() {
        return Ok(Estimate::new(f64::NAN, f64::NAN, f64::NAN));
    }
    check::positive(e.value, Param::Fraction)?;
    Ok(Estimate::new(e.value, e.lo, e.hi))
}

fn to_c(c: &Calibration<f64>) -> grpo_calibration {
    grpo_calibration {
        r0: c.r0,
        r_star: est_out(c.r_star),
        k: est_out(c.k),
        k_determined: c.k_determined as u32,
        kref: c.kref,
        lag: match c.lag {
            Lag::Constant => 0,
            Lag::Periodic => 1,
        },
        reserved: 0,
        rho: c.rho,
        eta: c.eta,
        mu: c.mu,
        delay: c.delay,
        flow50: est_out(c.flow50),
        flow90: est_out(c.flow90),
        t0: c.t0,
    }
}

/// Read and validate a caller calibration (copied at once), with its span for the overlap check.
///
/// # Safety
/// `cal` must be NULL or point to a valid `grpo_calibration`.
unsafe fn cal_in(cal: *const grpo_calibration) -> Result<(Calibration<f64>, Span)> {
    let b = input_one(cal, Param::Options)?;
    // SAFETY: non-NULL and aligned (checked); valid by the caller contract; copied at once
    let v = unsafe { *b.one() };
    Ok((from_c(&v)?, b.span()))
}

fn from_c(c: &grpo_calibration) -> Result<Calibration<f64>> {
    check::positive(c.eta, Param::Lr)?;
    check::half_open(c.mu, 0.0, 1.0, Param::Beta1)?;
    if c.kref < 1 {
        return Err(Error::out_of_range(Param::Kref));
    }
    check::non_negative(c.delay, Param::Kref)?;
    let k_determined = match c.k_determined {
        0 => false,
        1 => true,
        _ => return Err(Error::out_of_range(Param::K)),
    };
    let k = if k_determined {
        check::positive(c.k.value, Param::K)?;
        check::positive(c.k.lo, Param::K)?;
        check::positive(c.k.hi, Param::K)?;
        Estimate::new(c.k.value, c.k.lo, c.k.hi)
    } else {
        Estimate::new(f64::NAN, f64::NAN, f64::NAN)
    };
    Ok(Calibration {
        r0: check::finite(c.r0, Param::R0)?,
        r_star: est_in(&c.r_star, Param::RStar)?,
        k,
        k_determined,
        rho: c.rho,
        eta: c.eta,
        mu: c.mu,
        kref: c.kref,
        lag: to_lag(c.lag)?,
        delay: c.delay,
        flow50: flow_in(&c.flow50)?,
        flow90: flow_in(&c.flow90)?,
        t0: check::finite(c.t0, Param::T0)?,
    })
}

/// Calibrate on the curve `(t, r)` of `n` points with the run's settings (see
/// `calibrate::calibrate`; errors name the setting: `lr`, `beta1`, `kref`, `gain`).
/// Cost: `O(n)` whatever `smooth` (the smoothing window slides), plus up to three tails (past 80,
/// 90 and 95 % of the gain), each one or two tail fits (bounded Levenberg-Marquardt budgets) and
/// at most about 350 exact spectra at the run's `Kref`: with constant lag only for `Kref <= 32`
/// (degree `Kref + 1`; beyond, `K` is left undetermined), with periodic refresh each at most 4096
/// steps or 64 3x3 matrix products.
///
/// # Safety
/// `t`, `r` must be NULL or point to `n` doubles; `settings` to a valid struct whose
/// `lr_column` is NULL or points to `n` doubles; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_calibrate(
    t: *const f64,
    r: *const f64,
    n: usize,
    settings: *const grpo_calibrate_settings,
    out: *mut grpo_calibration,
) -> i32 {
    guard(|| {
        let tb = input(t, n, Param::T)?;
        let rb = input(r, n, Param::Reward)?;
        let sb = input_one(settings, Param::Options)?;
        // SAFETY: `settings` is a valid struct (caller contract); copied at once
        let s = unsafe { *sb.one() };
        let out = output_one(out, Param::Output)?;
        let lb = if s.lr_column.is_null() {
            None
        } else {
            Some(input(s.lr_column, n, Param::Lr)?)
        };
        let lspan = lb.map_or(tb.span(), |b| b.span());
        disjoint(&[tb.span(), rb.span(), sb.span(), lspan, out.span()])?;
        // SAFETY: every series holds n doubles (caller contract) and none overlaps the output
        let (t, r, lr_column) = unsafe { (tb.get(), rb.get(), lb.map(|b| b.get())) };
        let rs = Settings {
            lr: s.lr,
            lr_column,
            beta1: s.beta1,
            kref: s.kref,
            lag: to_lag(s.lag)?,
            smooth: s.smooth as usize,
        };
        let v = to_c(&calibrate(t, r, &rs)?);
        // SAFETY: `out` is writable (caller contract) and overlaps no input (disjoint)
        unsafe { *out.one_mut() = v };
        Ok(())
    })
}

/// First-order damping ratio at refresh interval `kref >= 1`. Cost: O(1) (three closed forms).
///
/// # Safety
/// `cal` must be NULL or point to a valid struct; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_whatif_zeta(
    cal: *const grpo_calibration,
    kref: u32,
    out: *mut grpo_estimate,
) -> i32 {
    guard(|| {
        // SAFETY: `cal` is NULL or valid (caller contract)
        let (c, cs) = unsafe { cal_in(cal) }?;
        let out = output_one(out, Param::Output)?;
        disjoint(&[cs, out.span()])?;
        let v = est_out(c.zeta_at(kref)?);
        // SAFETY: `out` is writable (caller contract) and overlaps no input (disjoint)
        unsafe { *out.one_mut() = v };
        Ok(())
    })
}

/// Exact linear regime (0 monotone, 1 overshooting, 2 oscillatory) at refresh interval
/// `kref >= 1`: `out[0]` at the calibrated `K`, `out[1]`, `out[2]` at the ends of its interval.
/// Cost: three exact spectra as `grpo_linear_regime` (constant lag `kref <= 512`, else
/// `GRPO_ERR_CAPACITY`: each one Aberth iteration of at most 500 sweeps of `O(kref^2)`; periodic:
/// each at most 4096 steps or 64 3x3 matrix products).
///
/// # Safety
/// `cal` must be NULL or point to a valid struct; `out` NULL or point to 3 writable `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn grpo_whatif_regime(
    cal: *const grpo_calibration,
    kref: u32,
    out: *mut u32,
) -> i32 {
    guard(|| {
        // SAFETY: `cal` is NULL or valid (caller contract)
        let (c, cs) = unsafe { cal_in(cal) }?;
        let ob = output(out, 3, Param::Output)?;
        disjoint(&[cs, ob.span()])?;
        let a = c.regime_at(kref)?;
        // SAFETY: `out` holds 3 writable values (caller contract), overlapping no input
        let out = unsafe { ob.get_mut() };
        out[0] = a.regime as u32;
        out[1] = a.at_k_lo as u32;
        out[2] = a.at_k_hi as u32;
        Ok(())
    })
}

/// Critical refresh interval at the run's learning rate: exact `d_c` and Proposition 9.
/// Cost: three Brent solves of at most 200 iterations (`d_c`) and three closed forms.
///
/// # Safety
/// `cal` must be NULL or point to a valid struct; `exact`, `prop9` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_whatif_critical_kref(
    cal: *const grpo_calibration,
    exact: *mut grpo_estimate,
    prop9: *mut grpo_estimate,
) -> i32 {
    guard(|| {
        // SAFETY: `cal` is NULL or valid (caller contract)
        let (c, cs) = unsafe { cal_in(cal) }?;
        let exact = output_one(exact, Param::Output)?;
        let prop9 = output_one(prop9, Param::Output)?;
        disjoint(&[cs, exact.span(), prop9.span()])?;
        let a = c.critical_kref()?;
        // SAFETY: both outputs are writable (caller contract) and overlap nothing (disjoint)
        unsafe {
            *exact.one_mut() = est_out(a.exact);
            *prop9.one_mut() = est_out(a.prop9);
        }
        Ok(())
    })
}

/// Largest exactly stable learning rate at the run's `Kref` and lag. Cost: three
/// `grpo_largest_stable_eta` (constant lag: Brent solves of at most 200 steps; periodic: at most
/// 400 monodromy spectra each, each at most 4096 steps or 64 3x3 matrix products).
///
/// # Safety
/// `cal` must be NULL or point to a valid struct; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_whatif_largest_stable_lr(
    cal: *const grpo_calibration,
    out: *mut grpo_estimate,
) -> i32 {
    guard(|| {
        // SAFETY: `cal` is NULL or valid (caller contract)
        let (c, cs) = unsafe { cal_in(cal) }?;
        let out = output_one(out, Param::Output)?;
        disjoint(&[cs, out.span()])?;
        let v = est_out(c.largest_stable_lr()?);
        // SAFETY: `out` is writable (caller contract) and overlaps no input (disjoint)
        unsafe { *out.one_mut() = v };
        Ok(())
    })
}

/// Largest learning rate with a monotone exact spectrum at the run's `Kref` and lag.
/// Cost: at most about 85 exact spectra at the run's `Kref` (a bracketing and a 60-step
/// bisection): with constant lag only for `Kref <= 32` (else `GRPO_ERR_CAPACITY`, param
/// `kref`), with periodic refresh each at most 4096 steps or 64 3x3 matrix products.
///
/// # Safety
/// `cal` must be NULL or point to a valid struct; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_whatif_largest_monotone_lr(
    cal: *const grpo_calibration,
    out: *mut grpo_estimate,
) -> i32 {
    guard(|| {
        // SAFETY: `cal` is NULL or valid (caller contract)
        let (c, cs) = unsafe { cal_in(cal) }?;
        let out = output_one(out, Param::Output)?;
        disjoint(&[cs, out.span()])?;
        let v = est_out(c.largest_monotone_lr()?);
        // SAFETY: `out` is writable (caller contract) and overlaps no input (disjoint)
        unsafe { *out.one_mut() = v };
        Ok(())
    })
}

/// Predicted steps (from the first logged step) to 50 % (`percent` = 50) or 90 % (`percent` =
/// 90) of the gain for the same run at constant learning rate `lr > 0`. `value` and `lo` are
/// finite on success (a time beyond the largest double, from a tiny `lr`, is
/// `GRPO_ERR_OUT_OF_RANGE`, param `lr`); `hi` is `+INFINITY` when the interval is unbounded
/// above (the far end of the plateau's interval is a level the calibration curve never
/// reached, as in `grpo_calibration.flow50.hi`). Cost: O(1).
///
/// # Safety
/// `cal` must be NULL or point to a valid struct; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_whatif_steps(
    cal: *const grpo_calibration,
    lr: f64,
    percent: u32,
    out: *mut grpo_estimate,
) -> i32 {
    guard(|| {
        // SAFETY: `cal` is NULL or valid (caller contract)
        let (c, cs) = unsafe { cal_in(cal) }?;
        let out = output_one(out, Param::Output)?;
        disjoint(&[cs, out.span()])?;
        let e = match percent {
            50 => c.t50(lr)?,
            90 => c.t90(lr)?,
            _ => return Err(Error::out_of_range(Param::Fraction)),
        };
        let v = est_out(e);
        // never OK with a non-finite time (only the documented unbounded upper end)
        if !(v.value.is_finite() && v.lo.is_finite()) || v.hi.is_nan() {
            return Err(Error::out_of_range(Param::Lr));
        }
        // SAFETY: `out` is writable (caller contract) and overlaps no input (disjoint)
        unsafe { *out.one_mut() = v };
        Ok(())
    })
}
