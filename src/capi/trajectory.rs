//! C ABI of the trajectory core (issue 2).
//!
//! ```c
//! typedef struct grpo_oscillator { double r_star, r0, v0, omega, zeta; } grpo_oscillator;
//! int32_t grpo_trajectory_eval(const grpo_oscillator *m, const double *t, size_t n, double *out);
//! int32_t grpo_trajectory_eval_grid(const grpo_oscillator *m, double t0, double dt, size_t n, double *out);
//! int32_t grpo_trajectory_jacobian(const grpo_oscillator *m, double t, double *value_out, double *grad5_out);
//! int32_t grpo_time_to_fraction(const grpo_oscillator *m, double f, double *t_out);
//! ```

use super::{disjoint, guard, input, input_one, output, output_one, Span};
use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::trajectory::Oscillator;

/// The damped-oscillator trajectory model
/// `r'' + 2 zeta omega r' + omega^2 (r - r_star) = 0`, `r(0) = r0`, `r'(0) = v0`.
/// Valid: all finite, `omega > 0`, `zeta >= 0`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct grpo_oscillator {
    /// Fixed point (plateau).
    pub r_star: f64,
    /// Initial value r(0).
    pub r0: f64,
    /// Initial slope r'(0).
    pub v0: f64,
    /// Natural frequency (1/step), > 0.
    pub omega: f64,
    /// Damping ratio, >= 0.
    pub zeta: f64,
}

impl From<Oscillator<f64>> for grpo_oscillator {
    fn from(o: Oscillator<f64>) -> Self {
        grpo_oscillator {
            r_star: o.r_star,
            r0: o.r0,
            v0: o.v0,
            omega: o.omega,
            zeta: o.zeta,
        }
    }
}

/// The validated model behind a C pointer (NULL is an error about `model`) and the bytes it
/// occupies (for the overlap check against the outputs).
///
/// # Safety
/// `m` must be NULL or point to a valid `grpo_oscillator`.
unsafe fn model(m: *const grpo_oscillator) -> Result<(Oscillator<f64>, Span)> {
    let b = input_one(m, Param::Model)?;
    // SAFETY: `input_one` checked NULL and alignment; the caller guarantees a valid struct. The
    // struct is copied out at once, so no reference to it outlives this line.
    let m = unsafe { *b.one() };
    Ok((
        Oscillator::new(m.r_star, m.r0, m.v0, m.omega, m.zeta)?,
        b.span(),
    ))
}

/// Refuse (before anything is written) outputs that could overflow on `[0, t_max]`.
fn no_overflow(o: &Oscillator<f64>, t_max: f64) -> Result<()> {
    // every exponent and phase argument (at most 2 max(zeta, 1) omega t) must exist in f64:
    // beyond, the magnitude bound holds but the values are NaN (sin of an infinite phase)
    let args = 2.0 * o.zeta.max(1.0) * o.omega * t_max;
    if args.is_finite() && o.bound(t_max)? <= f64::MAX / 8.0 {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Diverged, Param::T))
    }
}

/// Evaluate the trajectory at `n` arbitrary times `t[i] >= 0`: `out[i] = r(t[i])`.
///
/// Returns `GRPO_OK`, or a status naming the bad input (`model`, `t`, `out`, or a field of `*m`);
/// `out` is written only on success. `n = 0` is a no-op (pointers may then be NULL).
/// Cost: `O(n)` (two passes over `t`, one closed-form evaluation per point).
///
/// # Safety
/// `m` must be NULL or valid; `t` and `out` must be NULL or point to `n` doubles.
#[no_mangle]
pub unsafe extern "C" fn grpo_trajectory_eval(
    m: *const grpo_oscillator,
    t: *const f64,
    n: usize,
    out: *mut f64,
) -> i32 {
    guard(|| {
        // SAFETY: `m` is NULL or valid (caller contract)
        let (o, m_span) = unsafe { model(m)? };
        let t_buf = input(t, n, Param::T)?;
        let out_buf = output(out, n, Param::Output)?;
        disjoint(&[m_span, t_buf.span(), out_buf.span()])?;
        // SAFETY: `t` holds n doubles (caller contract), not written during the call: the only
        // written buffer, `out`, was checked not to overlap it
        let t = unsafe { t_buf.get() };
        check::all_finite(t, Param::T)?;
        let t_max = t.iter().try_fold(0.0f64, |a, &x| {
            if x >= 0.0 {
                Ok(a.max(x))
            } else {
                Err(Error::out_of_range(Param::T))
            }
        })?;
        no_overflow(&o, t_max)?;
        // SAFETY: `out` holds n writable doubles (caller contract), disjoint from `t`
        let out = unsafe { out_buf.get_mut() };
        o.eval_slice(t, out)
    })
}

/// Evaluate the trajectory on the uniform grid `t_i = t0 + i dt`, `i = 0..n` (recurrences with
/// exact re-anchoring every 64 points; agrees with `grpo_trajectory_eval` to ~1e-14).
/// Requires `t0 >= 0`, `dt > 0`, both finite. `out` is written only on success.
/// Cost: `O(n)`.
///
/// # Safety
/// `m` must be NULL or valid; `out` must be NULL or point to `n` doubles.
#[no_mangle]
pub unsafe extern "C" fn grpo_trajectory_eval_grid(
    m: *const grpo_oscillator,
    t0: f64,
    dt: f64,
    n: usize,
    out: *mut f64,
) -> i32 {
    guard(|| {
        // SAFETY: `m` is NULL or valid (caller contract)
        let (o, m_span) = unsafe { model(m)? };
        check::non_negative(t0, Param::T0)?;
        check::positive(dt, Param::Dt)?;
        let t_max = t0 + dt * n.saturating_sub(1) as f64;
        no_overflow(&o, t_max)?;
        let out_buf = output(out, n, Param::Output)?;
        disjoint(&[m_span, out_buf.span()])?;
        // SAFETY: `out` holds n writable doubles (caller contract), disjoint from `*m`
        let out = unsafe { out_buf.get_mut() };
        o.eval_grid(t0, dt, out)
    })
}

/// Value and analytic gradient at one time `t >= 0`: `*value_out = r(t)`,
/// `grad5_out[0..5] = d r / d(r_star, r0, v0, omega, zeta)`. Outputs written only on success.
/// Cost: O(1).
///
/// # Safety
/// `m` must be NULL or valid; `value_out` NULL or one double; `grad5_out` NULL or 5 doubles.
#[no_mangle]
pub unsafe extern "C" fn grpo_trajectory_jacobian(
    m: *const grpo_oscillator,
    t: f64,
    value_out: *mut f64,
    grad5_out: *mut f64,
) -> i32 {
    guard(|| {
        // SAFETY: `m` is NULL or valid (caller contract)
        let (o, m_span) = unsafe { model(m)? };
        let v_buf = output_one(value_out, Param::Output)?;
        let g_buf = output(grad5_out, 5, Param::Output)?;
        disjoint(&[m_span, v_buf.span(), g_buf.span()])?;
        let (v, g) = o.value_and_gradient(t)?;
        // SAFETY: both outputs are valid for writing (caller contract) and pairwise disjoint
        unsafe {
            *v_buf.one_mut() = v;
            g_buf.get_mut().copy_from_slice(&g);
        }
        Ok(())
    })
}

/// First time at which the trajectory reaches the fraction `f` (0 < f < 1) of its gain,
/// `r(t) = r0 + f (r_star - r0)` (Lambert W for the critical slow start, bracketed root otherwise,
/// first passage when `zeta < 1`). `GRPO_ERR_NOT_REACHED` (about `f`) when `r0 = r_star`.
/// Cost: O(1) closed forms plus a bracketed root find of bounded iteration count.
///
/// # Safety
/// `m` must be NULL or valid; `t_out` NULL or one double.
#[no_mangle]
pub unsafe extern "C" fn grpo_time_to_fraction(
    m: *const grpo_oscillator,
    f: f64,
    t_out: *mut f64,
) -> i32 {
    guard(|| {
        // SAFETY: `m` is NULL or valid (caller contract)
        let (o, m_span) = unsafe { model(m)? };
        let out = output_one(t_out, Param::Output)?;
        disjoint(&[m_span, out.span()])?;
        let t = o.time_to_fraction(f)?;
        // SAFETY: `t_out` is valid for writing (caller contract) and does not overlap `*m`
        unsafe { *out.one_mut() = t };
        Ok(())
    })
}
