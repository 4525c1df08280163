//! C ABI of the bandit, stability and noise modules (f64).
//!
//! Same conventions as the rest of the C ABI (status codes, outputs written only on success,
//! NULL/length checks, panic boundary). One documented exception: the simulation functions write
//! into the caller's trajectory buffer as they go, so on `GRPO_ERR_DIVERGED` the buffer holds the
//! valid prefix followed by NaN (errors found before the run starts leave it untouched).

use super::{guard, in_ref, in_slice, out_ref, out_slice};
use crate::bandit::{Bandit, Kl, Lag, Normalization};
use crate::error::{Error, ErrorKind, Param, Result};
use crate::noise;
use crate::numerics::Xoshiro256pp;
use crate::stability::{classify, largest_stable_eta, Hyper};

/// The reduced softmax bandit (docs/model.md C.2). Field names and order are part of the ABI.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grpo_bandit {
    /// Learning rate `eta > 0`.
    pub eta: f64,
    /// Momentum `mu` in `[0, 1)`.
    pub mu: f64,
    /// KL coefficient `beta > 0`.
    pub beta: f64,
    /// Reference success probability in `(0, 1)`.
    pub p_ref: f64,
    /// Logit gain `c > 0`.
    pub c: f64,
    /// Advantage regulariser `eps >= 0`.
    pub eps: f64,
    /// Refresh interval / lag (`>= 1` for periodic refresh).
    pub kref: u32,
    /// 0 mean, 1 std.
    pub normalization: u32,
    /// 0 direct, 1 reverse.
    pub kl: u32,
    /// 0 constant, 1 periodic.
    pub lag: u32,
}

/// Finite-group-size stationary prediction (docs/model.md D.1, D.2).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct grpo_group_noise {
    /// Finite-G fixed point `p_star_G`.
    pub p_star: f64,
    /// Finite-G stiffness `K_G`.
    pub stiffness: f64,
    /// Per-step variance of the drift estimate `Var[g]`.
    pub drift_var: f64,
    /// Stationary variance of the logit.
    pub var_x: f64,
    /// Stationary variance of `p`.
    pub var_p: f64,
    /// Degeneracy probability `p^G + (1 - p)^G` at `p_star_G`.
    pub degeneracy: f64,
}

fn to_bandit(b: &grpo_bandit) -> Result<Bandit<f64>> {
    let normalization = match b.normalization {
        0 => Normalization::Mean,
        1 => Normalization::Std,
        _ => return Err(Error::new(ErrorKind::UnknownCode, Param::Normalization)),
    };
    let kl = match b.kl {
        0 => Kl::Direct,
        1 => Kl::Reverse,
        _ => return Err(Error::new(ErrorKind::UnknownCode, Param::Kl)),
    };
    let lag = to_lag(b.lag)?;
    Bandit::new(
        b.eta,
        b.mu,
        b.beta,
        b.p_ref,
        b.c,
        b.eps,
        b.kref,
        normalization,
        kl,
        lag,
    )
}

pub(crate) fn to_lag(code: u32) -> Result<Lag> {
    match code {
        0 => Ok(Lag::Constant),
        1 => Ok(Lag::Periodic),
        _ => Err(Error::new(ErrorKind::UnknownCode, Param::Lag)),
    }
}

/// Proposition 9 threshold `Kref* = (1 - mu) / (eta K)`.
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
    guard(|| {
        let out = out_ref(kref_out, Param::Output)?;
        *out = Hyper::new(eta, mu, k)?.prop9_threshold()?;
        Ok(())
    })
}

/// First-order `zeta = 1` onset (0 when already underdamped at `Kref = 0`).
///
/// # Safety
/// `kref_out` must be NULL or point to a writable `double`.
#[no_mangle]
pub unsafe extern "C" fn grpo_zeta_one_onset(eta: f64, mu: f64, k: f64, kref_out: *mut f64) -> i32 {
    guard(|| {
        let out = out_ref(kref_out, Param::Output)?;
        *out = Hyper::new(eta, mu, k)?.zeta_one_onset()?;
        Ok(())
    })
}

/// Exact critical lag `d_c` of the constant-lag map (unstable iff `Kref >= d_c`); 0 when the
/// on-policy map is already unstable.
///
/// # Safety
/// `kref_out` must be NULL or point to a writable `double`.
#[no_mangle]
pub unsafe extern "C" fn grpo_critical_lag(eta: f64, mu: f64, k: f64, kref_out: *mut f64) -> i32 {
    guard(|| {
        let out = out_ref(kref_out, Param::Output)?;
        *out = Hyper::new(eta, mu, k)?.critical_lag()?;
        Ok(())
    })
}

/// First-order damping ratio `zeta(Kref)` (docs/model.md C.7).
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
    guard(|| {
        let out = out_ref(zeta_out, Param::Output)?;
        *out = Hyper::new(eta, mu, k)?.zeta(kref)?;
        Ok(())
    })
}

/// Largest exactly stable lag for lag mode `lag` (0 constant: `ceil(d_c) - 1`; 1 periodic: largest
/// stable refresh period); `GRPO_ERR_NOT_REACHED` (param `kref`) when even the on-policy map is
/// unstable.
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
    kref_answer(eta, mu, k, lag, kref_out, Hyper::largest_stable_kref)
}

/// The scheduler answers "largest lag with property X" share this body: validate, ask, map
/// "no such lag" to `GRPO_ERR_NOT_REACHED` (param `kref`), write only on success.
unsafe fn kref_answer(
    eta: f64,
    mu: f64,
    k: f64,
    lag: u32,
    kref_out: *mut u32,
    ask: fn(&Hyper<f64>, Lag) -> Result<Option<u32>>,
) -> i32 {
    guard(|| {
        let out = out_ref(kref_out, Param::Output)?;
        *out = ask(&Hyper::new(eta, mu, k)?, to_lag(lag)?)?
            .ok_or(Error::new(ErrorKind::NotReached, Param::Kref))?;
        Ok(())
    })
}

/// Largest lag (lag mode `lag`: 0 constant, 1 periodic) with an exactly monotone linear regime;
/// `GRPO_ERR_NOT_REACHED` (param `kref`) when the on-policy map is not monotone.
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
    kref_answer(eta, mu, k, lag, kref_out, Hyper::largest_monotone_kref)
}

/// Supremum of the stable learning rates at lag `kref` with lag mode `lag` (0 constant,
/// 1 periodic): stable iff `eta < *eta_out`.
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
    guard(|| {
        let out = out_ref(eta_out, Param::Output)?;
        *out = largest_stable_eta(kref, to_lag(lag)?, mu, k)?;
        Ok(())
    })
}

/// Exact linear regime (0 monotone, 1 overshooting, 2 oscillatory) and per-step spectral radius
/// for lag `kref` with lag mode `lag` (0 constant, 1 periodic).
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
        let r_out = out_ref(regime_out, Param::Output)?;
        let rho = out_ref(rho_out, Param::Output)?;
        let s = Hyper::new(eta, mu, k)?.linear_regime(kref, to_lag(lag)?)?;
        *r_out = s.regime as u32;
        *rho = s.rho;
        Ok(())
    })
}

/// Fixed point `p_star` and stiffness `K` (formula of docs/model.md C.5) of a bandit.
///
/// # Safety
/// `b` must be NULL or point to a valid `grpo_bandit`; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_bandit_fixed_point(
    b: *const grpo_bandit,
    p_star_out: *mut f64,
    stiffness_out: *mut f64,
) -> i32 {
    guard(|| {
        let bandit = to_bandit(in_ref(b, Param::Options)?)?;
        let p_out = out_ref(p_star_out, Param::Output)?;
        let k_out = out_ref(stiffness_out, Param::Output)?;
        let p = bandit.fixed_point()?.p;
        let k = bandit.stiffness()?;
        *p_out = p;
        *k_out = k;
        Ok(())
    })
}

/// Deterministic (mean-field) trajectory `p_0..p_steps` (`steps + 1` values) into `p_out`.
/// `GRPO_ERR_DIVERGED` (param `steps`) on divergence, with the valid prefix followed by NaN.
///
/// # Safety
/// `b` must be NULL or valid; `p_out` NULL or writable for `steps + 1` doubles.
#[no_mangle]
pub unsafe extern "C" fn grpo_bandit_simulate(
    b: *const grpo_bandit,
    steps: usize,
    p_out: *mut f64,
) -> i32 {
    guard(|| {
        let bandit = to_bandit(in_ref(b, Param::Options)?)?;
        let n = steps
            .checked_add(1)
            .ok_or(Error::new(ErrorKind::BadBuffer, Param::Steps))?;
        let out = out_slice(p_out, n, Param::Output)?;
        bandit.simulate(out)
    })
}

/// Finite-group-size stochastic trajectory (`steps + 1` values) with binomial draws from a
/// xoshiro256++ generator seeded with `seed`; `bessel != 0` applies the `G / (G - 1)` factor.
///
/// # Safety
/// As [`grpo_bandit_simulate`].
#[no_mangle]
pub unsafe extern "C" fn grpo_bandit_simulate_stochastic(
    b: *const grpo_bandit,
    group_size: u32,
    bessel: u32,
    seed: u64,
    steps: usize,
    p_out: *mut f64,
) -> i32 {
    guard(|| {
        let bandit = to_bandit(in_ref(b, Param::Options)?)?;
        if group_size < 2 {
            return Err(Error::out_of_range(Param::G));
        }
        let n = steps
            .checked_add(1)
            .ok_or(Error::new(ErrorKind::BadBuffer, Param::Steps))?;
        let out = out_slice(p_out, n, Param::Output)?;
        let mut rng = Xoshiro256pp::new(seed);
        bandit.simulate_stochastic(group_size, bessel != 0, &mut rng, out)
    })
}

/// Stationary fluctuation prediction at group size `group_size` (constant lag only).
///
/// # Safety
/// `b` must be NULL or valid; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_bandit_group_noise(
    b: *const grpo_bandit,
    group_size: u32,
    bessel: u32,
    out: *mut grpo_group_noise,
) -> i32 {
    guard(|| {
        let bandit = to_bandit(in_ref(b, Param::Options)?)?;
        let o = out_ref(out, Param::Output)?;
        let n = noise::group_noise(&bandit, group_size, bessel != 0)?;
        *o = grpo_group_noise {
            p_star: n.group.fixed_point.p,
            stiffness: n.group.stiffness,
            drift_var: n.group.drift_var,
            var_x: n.var_x,
            var_p: n.var_p,
            degeneracy: n.degeneracy,
        };
        Ok(())
    })
}

/// Transient band: deterministic path `p_out` and variance `var_p_out` of `p_k` at group size
/// `group_size` (`steps + 1` values each; constant lag `kref <= 31`). The band is
/// `p_out[k] -+ z sqrt(var_p_out[k])`.
///
/// # Safety
/// `b` must be NULL or valid; `p_out` and `var_p_out` NULL or writable for `steps + 1` doubles.
#[no_mangle]
pub unsafe extern "C" fn grpo_bandit_transient_variance(
    b: *const grpo_bandit,
    group_size: u32,
    bessel: u32,
    steps: usize,
    p_out: *mut f64,
    var_p_out: *mut f64,
) -> i32 {
    guard(|| {
        let bandit = to_bandit(in_ref(b, Param::Options)?)?;
        let n = steps
            .checked_add(1)
            .ok_or(Error::new(ErrorKind::BadBuffer, Param::Steps))?;
        let p = out_slice(p_out, n, Param::Output)?;
        let v = out_slice(var_p_out, n, Param::Output)?;
        noise::transient_variance(&bandit, group_size, bessel != 0, p, v)
    })
}

/// Degeneracy probability `p^G + (1 - p)^G`.
///
/// # Safety
/// `out` must be NULL or point to a writable `double`.
#[no_mangle]
pub unsafe extern "C" fn grpo_degeneracy(p: f64, group_size: u32, out: *mut f64) -> i32 {
    guard(|| {
        let o = out_ref(out, Param::Output)?;
        *o = noise::degeneracy(p, group_size)?;
        Ok(())
    })
}

/// Heterogeneous-prompt degeneracy `mean_q [p_q^G + (1 - p_q)^G]` over `n` success rates.
///
/// # Safety
/// `ps` must be NULL or point to `n` doubles; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grpo_degeneracy_heterogeneous(
    ps: *const f64,
    n: usize,
    group_size: u32,
    out: *mut f64,
) -> i32 {
    guard(|| {
        let p = in_slice(ps, n, Param::P)?;
        let o = out_ref(out, Param::Output)?;
        *o = noise::degeneracy_heterogeneous(p, group_size)?;
        Ok(())
    })
}

/// Trajectory classifier of docs/model.md C.9 (window `W = max(10, floor(n / 10))`): regime (0 monotone,
/// 1 overshooting, 2 oscillatory) and overshoot fraction. `target` is the fixed point, or a fitted
/// plateau for an observed reward curve; default `tol = 0.01` (docs/model.md C.9).
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
        let xs = in_slice(p, n, Param::P)?;
        let r_out = out_ref(regime_out, Param::Output)?;
        let o_out = out_ref(overshoot_out, Param::Output)?;
        let c = classify(xs, target, tol)?;
        *r_out = c.regime as u32;
        *o_out = c.overshoot;
        Ok(())
    })
}
