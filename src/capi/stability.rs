//! C ABI of the stability predicates (f64): thresholds, damping, exact linear regime, the
//! trajectory classifier.

use super::bandit::to_lag;
use super::{disjoint, guard, input, output_one};
use crate::bandit::Lag;
use crate::error::{Error, ErrorKind, Param, Result};
use crate::stability::{classify, largest_stable_eta, Hyper};

/// Write one scalar answer to a caller output, only on success.
///
/// # Safety
/// `out` must be NULL or point to a writable `T`.
unsafe fn answer<T>(out: *mut T, f: impl FnOnce() -> Result<T>) -> i32 {
    guard(|| {
        let o = output_one(out, Param::Output)?;
        let v = f()?;
        // SAFETY: `out` is a writable `T` (caller contract); the only pointer of the call
        unsafe { *o.one_mut() = v };
        Ok(())
    })
}

/// Proposition 9 threshold `Kref* = (1 - mu) / (eta K)`. Cost: O(1).
///
/// # Safety
/// `kref_out` must be NULL or point to a writable `double`.
#[no_mangle]
pub unsafe extern "C" fn grpo_prop9_threshold(
    eta: f64,
    mu: f64,
    k: f64,
    kref_out: *mut f64,
) -> i32 {
    // SAFETY: `kref_out` is NULL or writable (caller contract)
    unsafe { answer(kref_out, || Hyper::new(eta, mu, k)?.prop9_threshold()) }
}

/// First-order `zeta = 1` onset (0 when already underdamped at `Kref = 0`). Cost: O(1).
///
/// # Safety
/// `kref_out` must be NULL or point to a writable `double`.
#[no_mangle]
pub unsafe extern "C" fn grpo_zeta_one_onset(eta: f64, mu: f64, k: f64, kref_out: *mut f64) -> i32 {
    // SAFETY: `kref_out` is NULL or writable (caller contract)
    unsafe { answer(kref_out, || Hyper::new(eta, mu, k)?.zeta_one_onset()) }
}

/// Exact critical lag `d_c` of the constant-lag map (unstable iff `Kref >= d_c`); 0 when the
/// on-policy map is already unstable. Cost: one Brent solve (at most 200 iterations).
///
/// # Safety
/// `kref_out` must be NULL or point to a writable `double`.
#[no_mangle]
pub unsafe extern "C" fn grpo_critical_lag(eta: f64, mu: f64, k: f64, kref_out: *mut f64) -> i32 {
    // SAFETY: `kref_out` is NULL or writable (caller contract)
    unsafe { answer(kref_out, || Hyper::new(eta, mu, k)?.critical_lag()) }
}

/// First-order damping ratio `zeta(Kref)` (docs/model.md C.7). Cost: O(1).
///
/// # Safety
/// `zeta_out` must be NULL or point to a writable `double`.
#[no_mangle]
pub unsafe extern "C" fn grpo_zeta(
    eta: f64,
    mu: f64,
    k: f64,
    kref: f64,
    zeta_out: *mut f64,
) -> i32 {
    // SAFETY: `zeta_out` is NULL or writable (caller contract)
    unsafe { answer(zeta_out, || Hyper::new(eta, mu, k)?.zeta(kref)) }
}

/// Largest exactly stable lag for lag mode `lag` (0 constant: `ceil(d_c) - 1`; 1 periodic: largest
/// stable refresh period); `GRPO_ERR_NOT_REACHED` (param `kref`) when even the on-policy map is
/// unstable. Cost: constant lag, one Brent solve; periodic, at most `2 log2(2^24) = 48`
/// monodromy spectra (doubling then bisection up to the period limit `2^24`, else
/// `GRPO_ERR_CAPACITY`), each at most 4096 steps or 64 3x3 matrix products.
///
/// # Safety
/// `kref_out` must be NULL or point to a writable `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn grpo_largest_stable_kref(
    eta: f64,
    mu: f64,
    k: f64,
    lag: u32,
    kref_out: *mut u32,
) -> i32 {
    // SAFETY: `kref_out` is NULL or writable (caller contract)
    unsafe { kref_answer(eta, mu, k, lag, kref_out, Hyper::largest_stable_kref) }
}

/// The scheduler answers "largest lag with property X" share this body: validate, ask, map
/// "no such lag" to `GRPO_ERR_NOT_REACHED` (param `kref`), write only on success.
///
/// # Safety
/// `kref_out` must be NULL or point to a writable `uint32_t`.
unsafe fn kref_answer(
    eta: f64,
    mu: f64,
    k: f64,
    lag: u32,
    kref_out: *mut u32,
    ask: fn(&Hyper<f64>, Lag) -> Result<Option<u32>>,
) -> i32 {
    // SAFETY: `kref_out` is NULL or writable (caller contract)
    unsafe {
        answer(kref_out, || {
            ask(&Hyper::new(eta, mu, k)?, to_lag(lag)?)?
                .ok_or(Error::new(ErrorKind::NotReached, Param::Kref))
        })
    }
}

/// Largest lag (lag mode `lag`: 0 constant, 1 periodic) with an exactly monotone linear regime;
/// `GRPO_ERR_NOT_REACHED` (param `kref`) when the on-policy map is not monotone;
/// `GRPO_ERR_CAPACITY` (param `kref`) when the lag 1024 is still monotone (the answer lies beyond
/// the exact spectrum; never a capped value). Cost: constant lag, at most 22 exact spectra
/// (Aberth iteration, degree `<= 1025`) by bracketing and bisection; periodic, as
/// `grpo_largest_stable_kref`.
///
/// # Safety
/// `kref_out` must be NULL or point to a writable `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn grpo_largest_monotone_kref(
    eta: f64,
    mu: f64,
    k: f64,
    lag: u32,
    kref_out: *mut u32,
) -> i32 {
    // SAFETY: `kref_out` is NULL or writable (caller contract)
    unsafe { kref_answer(eta, mu, k, lag, kref_out, Hyper::largest_monotone_kref) }
}

/// Supremum of the stable learning rates at lag `kref` with lag mode `lag` (0 constant,
/// 1 periodic): stable iff `eta < *eta_out`. Cost: constant lag, one Brent solve of at most 200
/// steps, each a critical-lag solve; periodic, at most 400 monodromy spectra, each at most 4096
/// steps or 64 3x3 matrix products whatever `kref`.
///
/// # Safety
/// `eta_out` must be NULL or point to a writable `double`.
#[no_mangle]
pub unsafe extern "C" fn grpo_largest_stable_eta(
    kref: u32,
    lag: u32,
    mu: f64,
    k: f64,
    eta_out: *mut f64,
) -> i32 {
    // SAFETY: `eta_out` is NULL or writable (caller contract)
    unsafe { answer(eta_out, || largest_stable_eta(kref, to_lag(lag)?, mu, k)) }
}

/// Exact linear regime (0 monotone, 1 overshooting, 2 oscillatory) and per-step spectral radius
/// for lag `kref` with lag mode `lag` (0 constant, 1 periodic). Constant lag: the regime follows
/// the exact criterion `kref < d_c`; `rho` is rounded below 1 for a stable map even when
/// `1 - rho < 1e-16`. Periodic: `GRPO_ERR_OUT_OF_RANGE` (param `K`) when the monodromy radius is
/// within `64 DBL_EPSILON` of 1 (its rounding cannot decide). Cost: constant lag `kref <= 1024`
/// (else `GRPO_ERR_CAPACITY`): one Aberth iteration over `kref + 1` roots (at most 500 sweeps of
/// `O(kref^2)`) and one Brent solve; periodic: at most 4096 steps (`kref <= 4096`) or 64 3x3
/// matrix products (repeated squaring).
///
/// # Safety
/// `regime_out` and `rho_out` must be NULL or point to writable memory.
#[no_mangle]
pub unsafe extern "C" fn grpo_linear_regime(
    eta: f64,
    mu: f64,
    k: f64,
    kref: u32,
    lag: u32,
    regime_out: *mut u32,
    rho_out: *mut f64,
) -> i32 {
    guard(|| {
        let r_out = output_one(regime_out, Param::Output)?;
        let rho = output_one(rho_out, Param::Output)?;
        disjoint(&[r_out.span(), rho.span()])?;
        let s = Hyper::new(eta, mu, k)?.linear_regime(kref, to_lag(lag)?)?;
        // SAFETY: both outputs are writable (caller contract) and disjoint
        unsafe {
            *r_out.one_mut() = s.regime as u32;
            *rho.one_mut() = s.rho;
        }
        Ok(())
    })
}

/// Trajectory classifier of docs/model.md C.9 (window `W = max(10, floor(n / 10))`): regime (0 monotone,
/// 1 overshooting, 2 oscillatory) and overshoot fraction. `target` is the fixed point, or a fitted
/// plateau for an observed reward curve; default `tol = 0.01`. `GRPO_ERR_OUT_OF_RANGE`
/// (param `p`) when the overshoot ratio exceeds the largest double. Cost: `O(n)`.
///
/// # Safety
/// `p` must be NULL or point to `n` doubles; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_classify(
    p: *const f64,
    n: usize,
    target: f64,
    tol: f64,
    regime_out: *mut u32,
    overshoot_out: *mut f64,
) -> i32 {
    guard(|| {
        let xs = input(p, n, Param::P)?;
        let r_out = output_one(regime_out, Param::Output)?;
        let o_out = output_one(overshoot_out, Param::Output)?;
        disjoint(&[xs.span(), r_out.span(), o_out.span()])?;
        // SAFETY: `p` holds n doubles (caller contract), not written during the call (both
        // outputs are disjoint from it)
        let c = classify(unsafe { xs.get() }, target, tol)?;
        // SAFETY: both outputs are writable (caller contract), pairwise disjoint
        unsafe {
            *r_out.one_mut() = c.regime as u32;
            *o_out.one_mut() = c.overshoot;
        }
        Ok(())
    })
}
