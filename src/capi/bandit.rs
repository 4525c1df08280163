//! C ABI of the softmax-bandit reduction (f64): the bandit struct, its fixed point and its
//! deterministic and finite-group simulations.
//!
//! Same conventions as the rest of the C ABI (status codes, NULL/length/overlap checks, panic
//! boundary). One documented exception to "outputs only on success": the two simulations write
//! the caller's trajectory buffer as they go, so on `GRPO_ERR_DIVERGED` the buffer holds the
//! valid prefix (probabilities in `[0, 1]`) followed by NaN; every other error leaves it
//! untouched.

use super::{disjoint, guard, input_one, output, output_one};
use crate::bandit::{Bandit, Kl, Lag, Normalization};
use crate::error::{Error, ErrorKind, Param, Result};
use crate::numerics::Xoshiro256pp;

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

/// The validated bandit behind a C struct.
pub(super) fn to_bandit(b: &grpo_bandit) -> Result<Bandit<f64>> {
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

/// The lag-mode decoder of the whole C ABI: 0 constant, 1 periodic, else `GRPO_ERR_UNKNOWN_CODE`
/// (param `lag`).
pub(super) fn to_lag(code: u32) -> Result<Lag> {
    match code {
        0 => Ok(Lag::Constant),
        1 => Ok(Lag::Periodic),
        _ => Err(Error::new(ErrorKind::UnknownCode, Param::Lag)),
    }
}

/// Copy the bandit out of caller memory (NULL: `GRPO_ERR_NULL`, param `options`) and validate it;
/// also returns its bytes for the overlap check.
///
/// # Safety
/// `b` must be NULL or point to a valid `grpo_bandit`.
pub(super) unsafe fn read_bandit(b: *const grpo_bandit) -> Result<(Bandit<f64>, super::Span)> {
    let buf = input_one(b, Param::Options)?;
    // SAFETY: checked non-NULL and aligned; the caller guarantees a valid struct; copied at once
    let raw = unsafe { *buf.one() };
    Ok((to_bandit(&raw)?, buf.span()))
}

/// `steps + 1` output values (`GRPO_ERR_BAD_BUFFER`, param `steps`, when that overflows).
pub(super) fn points(steps: usize) -> Result<usize> {
    steps
        .checked_add(1)
        .ok_or(Error::new(ErrorKind::BadBuffer, Param::Steps))
}

/// Fixed point `p_star` and stiffness `K` (formula of docs/model.md C.5) of a bandit.
///
/// Cost: at most 4000 drift evaluations (root scan) plus a Brent refinement (< 200 iterations);
/// under 1 ms.
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
        // SAFETY: `b` is NULL or valid (caller contract)
        let (bandit, b_span) = unsafe { read_bandit(b)? };
        let p_out = output_one(p_star_out, Param::Output)?;
        let k_out = output_one(stiffness_out, Param::Output)?;
        disjoint(&[b_span, p_out.span(), k_out.span()])?;
        let p = bandit.fixed_point()?.p;
        let k = bandit.stiffness()?;
        // SAFETY: both outputs are writable doubles (caller contract), pairwise disjoint
        unsafe {
            *p_out.one_mut() = p;
            *k_out.one_mut() = k;
        }
        Ok(())
    })
}

/// Deterministic (mean-field) trajectory `p_0..p_steps` (`steps + 1` values) into `p_out`.
/// `GRPO_ERR_DIVERGED` (param `steps`) on divergence, with the valid prefix followed by NaN.
///
/// Cost: `O(steps)` (one drift evaluation per step) plus the fixed-point cost of
/// `grpo_bandit_fixed_point`.
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
        // SAFETY: `b` is NULL or valid (caller contract)
        let (bandit, b_span) = unsafe { read_bandit(b)? };
        let out = output(p_out, points(steps)?, Param::Output)?;
        disjoint(&[b_span, out.span()])?;
        // SAFETY: `p_out` holds steps + 1 writable doubles (caller contract), disjoint from `*b`
        bandit.simulate(unsafe { out.get_mut() })
    })
}

/// Finite-group-size stochastic trajectory (`steps + 1` values) with binomial draws from a
/// xoshiro256++ generator seeded with `seed`; `bessel != 0` applies the `G / (G - 1)` factor.
/// `group_size >= 2` (else `GRPO_ERR_OUT_OF_RANGE`, param `G`). Divergence as for
/// `grpo_bandit_simulate`.
///
/// Cost: `O(steps)`, independent of `group_size`: each draw is exact, by inversion (expected
/// `O(1 + G p)` with `G p < 10`) or by transformed rejection (expected < 1.2 trials).
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
        // SAFETY: `b` is NULL or valid (caller contract)
        let (bandit, b_span) = unsafe { read_bandit(b)? };
        if group_size < 2 {
            return Err(Error::out_of_range(Param::G));
        }
        let out = output(p_out, points(steps)?, Param::Output)?;
        disjoint(&[b_span, out.span()])?;
        let mut rng = Xoshiro256pp::new(seed);
        // SAFETY: `p_out` holds steps + 1 writable doubles (caller contract), disjoint from `*b`
        let out = unsafe { out.get_mut() };
        bandit.simulate_stochastic(group_size, bessel != 0, &mut rng, out)
    })
}
