//! C ABI of the group-size predictions (f64): stationary fluctuations, the transient band and the
//! advantage-degeneracy probability.

use super::bandit::{points, read_bandit};
use super::grpo_bandit;
use super::{disjoint, guard, input, output, output_one};
use crate::error::Param;
use crate::noise;

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

/// Stationary fluctuation prediction at group size `group_size` (`>= 2`; constant lag only).
///
/// Cost: independent of `group_size`: a root scan of at most 4000 + 200 evaluations of the
/// finite-G drift, each a binomial expectation over at most ~700 terms (exact sum while
/// `G p (1 - p) <= 64`, a strided lattice of at most 128 points beyond, relative error below
/// 1e-27), plus for `kref >= 1` the
/// impulse-response energy of the linearised map (`kref <= 1024`; at most `2^21` steps, else
/// `GRPO_ERR_NOT_REACHED`, param `kref`: a map so close to marginal stability that its response
/// has not decayed).
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
        // SAFETY: `b` is NULL or valid (caller contract)
        let (bandit, b_span) = unsafe { read_bandit(b)? };
        let o = output_one(out, Param::Output)?;
        disjoint(&[b_span, o.span()])?;
        let n = noise::group_noise(&bandit, group_size, bessel != 0)?;
        // SAFETY: `out` is writable (caller contract) and disjoint from `*b`
        unsafe {
            *o.one_mut() = grpo_group_noise {
                p_star: n.group.fixed_point.p,
                stiffness: n.group.stiffness,
                drift_var: n.group.drift_var,
                var_x: n.var_x,
                var_p: n.var_p,
                degeneracy: n.degeneracy,
            };
        }
        Ok(())
    })
}

/// Transient band: deterministic path `p_out` and variance `var_p_out` of `p_k` at group size
/// `group_size` (`steps + 1` values each; constant lag `kref <= 31`). The band is
/// `p_out[k] -+ z sqrt(var_p_out[k])`. Both outputs are written only on success (the path is
/// computed twice: once to validate, once to write); `GRPO_ERR_DIVERGED` (param `steps`) when the
/// path diverges or a variance is not finite.
///
/// Cost: `O(steps)`, independent of `group_size`: per step one binomial expectation (as in
/// `grpo_bandit_group_noise`) and a `(kref + 2)^2` covariance update, twice.
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
        // SAFETY: `b` is NULL or valid (caller contract)
        let (bandit, b_span) = unsafe { read_bandit(b)? };
        let n = points(steps)?;
        let p = output(p_out, n, Param::Output)?;
        let v = output(var_p_out, n, Param::Output)?;
        disjoint(&[b_span, p.span(), v.span()])?;
        // SAFETY: both outputs hold steps + 1 writable doubles (caller contract), pairwise
        // disjoint and disjoint from `*b`
        let (p, v) = unsafe { (p.get_mut(), v.get_mut()) };
        noise::transient_variance(&bandit, group_size, bessel != 0, p, v)
    })
}

/// Degeneracy probability `p^G + (1 - p)^G`. Cost: O(1).
///
/// # Safety
/// `out` must be NULL or point to a writable `double`.
#[no_mangle]
pub unsafe extern "C" fn grpo_degeneracy(p: f64, group_size: u32, out: *mut f64) -> i32 {
    guard(|| {
        let o = output_one(out, Param::Output)?;
        let d = noise::degeneracy(p, group_size)?;
        // SAFETY: `out` is a writable double (caller contract)
        unsafe { *o.one_mut() = d };
        Ok(())
    })
}

/// Heterogeneous-prompt degeneracy `mean_q [p_q^G + (1 - p_q)^G]` over `n` success rates.
/// Cost: `O(n)`.
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
        let p = input(ps, n, Param::P)?;
        let o = output_one(out, Param::Output)?;
        disjoint(&[p.span(), o.span()])?;
        // SAFETY: `ps` holds n doubles (caller contract), not written during the call (the only
        // output is disjoint from it)
        let d = noise::degeneracy_heterogeneous(unsafe { p.get() }, group_size)?;
        // SAFETY: `out` is a writable double (caller contract)
        unsafe { *o.one_mut() = d };
        Ok(())
    })
}
