//! C ABI of the trajectory core (issue 2).
//!
//! ```c
//! typedef struct grpo_oscillator { double r_star, r0, v0, omega, zeta; } grpo_oscillator;
//! int32_t grpo_trajectory_eval(const grpo_oscillator *m, const double *t, size_t n, double *out);
//! int32_t grpo_trajectory_eval_grid(const grpo_oscillator *m, double t0, double dt, size_t n, double *out);
//! int32_t grpo_trajectory_jacobian(const grpo_oscillator *m, double t, double *value_out, double *grad5_out);
//! int32_t grpo_time_to_fraction(const grpo_oscillator *m, double f, double *t_out);
//! ```

use super::{guard, in_ref, in_slice, out_ref, out_slice};
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

/// The validated model behind a C pointer (NULL is an error about `model`).
///
/// # Safety
/// `m` must be NULL or point to a valid `grpo_oscillator`.
unsafe fn model(m: *const grpo_oscillator) -> Result<Oscillator<f64>> {
    let m = in_ref(m, Param::Model)?;
    Oscillator::new(m.r_star, m.r0, m.v0, m.omega, m.zeta)
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
        let o = model(m)?;
        let t = in_slice(t, n, Param::T)?;
        check::all_finite(t, Param::T)?;
        let t_max = t.iter().try_fold(0.0f64, |a, &x| {
            if x >= 0.0 {
                Ok(a.max(x))
            } else {
                Err(Error::out_of_range(Param::T))
            }
        })?;
        no_overflow(&o, t_max)?;
        let out = out_slice(out, n, Param::Output)?;
        o.eval_slice(t, out)
    })
}

/// Evaluate the trajectory on the uniform grid `t_i = t0 + i dt`, `i = 0..n` (recurrences with
/// exact re-anchoring every 64 points; agrees with `grpo_trajectory_eval` to ~1e-14).
/// Requires `t0 >= 0`, `dt > 0`, both finite. `out` is written only on success.
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
        let o = model(m)?;
        check::non_negative(t0, Param::T0)?;
        check::positive(dt, Param::Dt)?;
        let t_max = t0 + dt * n.saturating_sub(1) as f64;
        no_overflow(&o, t_max)?;
        let out = out_slice(out, n, Param::Output)?;
        o.eval_grid(t0, dt, out)
    })
}

/// Value and analytic gradient at one time `t >= 0`: `*value_out = r(t)`,
/// `grad5_out[0..5] = d r / d(r_star, r0, v0, omega, zeta)`. Outputs written only on success.
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
        let o = model(m)?;
        let (v, g) = o.value_and_gradient(t)?;
        let value_out = out_ref(value_out, Param::Output)?;
        let grad = out_slice(grad5_out, 5, Param::Output)?;
        *value_out = v;
        grad.copy_from_slice(&g);
        Ok(())
    })
}

/// First time at which the trajectory reaches the fraction `f` (0 < f < 1) of its gain,
/// `r(t) = r0 + f (r_star - r0)` (Lambert W for the critical slow start, bracketed root otherwise,
/// first passage when `zeta < 1`). `GRPO_ERR_NOT_REACHED` (about `f`) when `r0 = r_star`.
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
        let o = model(m)?;
        let t = o.time_to_fraction(f)?;
        *out_ref(t_out, Param::Output)? = t;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capi::{
        GRPO_ERR_NON_FINITE, GRPO_ERR_NOT_REACHED, GRPO_ERR_NULL, GRPO_ERR_OUT_OF_RANGE, GRPO_OK,
    };
    use core::ptr::{null, null_mut};

    const M: grpo_oscillator = grpo_oscillator {
        r_star: 0.7,
        r0: 0.1,
        v0: 0.0,
        omega: 0.15,
        zeta: 1.0,
    };

    fn status(kind: i32, p: Param) -> i32 {
        kind + 256 * p as i32
    }

    #[test]
    fn eval_matches_rust_and_spec_golden() {
        let t = [0.0, 10.0, 40.0];
        let mut out = [0.0; 3];
        assert_eq!(
            unsafe { grpo_trajectory_eval(&M, t.as_ptr(), 3, out.as_mut_ptr()) },
            GRPO_OK
        );
        assert!((out[1] - 0.36530475977735526).abs() <= 1e-15);
        assert!((out[0] - 0.1).abs() <= 1e-16);
        let mut g = [0.0; 130];
        let s = unsafe { grpo_trajectory_eval_grid(&M, 0.0, 0.5, 130, g.as_mut_ptr()) };
        assert_eq!(s, GRPO_OK);
        assert!((g[20] - 0.36530475977735526).abs() <= 1e-14);
        let o = Oscillator::new(0.7, 0.1, 0.0, 0.15, 1.0).unwrap();
        for (i, v) in g.iter().enumerate() {
            assert!((v - o.value(0.5 * i as f64).unwrap()).abs() <= 1e-14);
        }
        // n = 0 with NULL buffers is fine
        assert_eq!(
            unsafe { grpo_trajectory_eval(&M, null(), 0, null_mut()) },
            GRPO_OK
        );
        assert_eq!(
            unsafe { grpo_trajectory_eval_grid(&M, 0.0, 1.0, 0, null_mut()) },
            GRPO_OK
        );
    }

    #[test]
    fn jacobian_and_time_to_fraction() {
        let (mut v, mut g) = (0.0, [0.0; 5]);
        let s = unsafe { grpo_trajectory_jacobian(&M, 10.0, &mut v, g.as_mut_ptr()) };
        assert_eq!(s, GRPO_OK);
        let want = [
            0.442174599629,
            0.557825400371,
            2.23130160148,
            2.00817144134,
            -0.1506128581,
        ];
        for i in 0..5 {
            assert!((g[i] - want[i]).abs() <= 1e-11);
        }
        let mut t = 0.0;
        assert_eq!(unsafe { grpo_time_to_fraction(&M, 0.8, &mut t) }, GRPO_OK);
        assert!((t * 0.15 - 2.994308347002122).abs() <= 1e-15);
        let flat = grpo_oscillator { r0: 0.7, ..M };
        let s = unsafe { grpo_time_to_fraction(&flat, 0.8, &mut t) };
        assert_eq!(s, status(GRPO_ERR_NOT_REACHED, Param::Fraction));
    }

    #[test]
    fn null_pointers_are_statuses_and_nothing_is_written() {
        let mut out = [-1.0; 2];
        let t = [1.0, 2.0];
        let null_m = status(GRPO_ERR_NULL, Param::Model);
        let null_out = status(GRPO_ERR_NULL, Param::Output);
        unsafe {
            assert_eq!(
                grpo_trajectory_eval(null(), t.as_ptr(), 2, out.as_mut_ptr()),
                null_m
            );
            assert_eq!(
                grpo_trajectory_eval(&M, null(), 2, out.as_mut_ptr()),
                status(GRPO_ERR_NULL, Param::T)
            );
            assert_eq!(
                grpo_trajectory_eval(&M, t.as_ptr(), 2, null_mut()),
                null_out
            );
            assert_eq!(
                grpo_trajectory_eval_grid(null(), 0.0, 1.0, 2, out.as_mut_ptr()),
                null_m
            );
            assert_eq!(
                grpo_trajectory_eval_grid(&M, 0.0, 1.0, 2, null_mut()),
                null_out
            );
            let mut v = -1.0;
            let mut g = [-1.0; 5];
            assert_eq!(
                grpo_trajectory_jacobian(null(), 1.0, &mut v, g.as_mut_ptr()),
                null_m
            );
            assert_eq!(
                grpo_trajectory_jacobian(&M, 1.0, null_mut(), g.as_mut_ptr()),
                null_out
            );
            assert_eq!(
                grpo_trajectory_jacobian(&M, 1.0, &mut v, null_mut()),
                null_out
            );
            assert_eq!((v, g), (-1.0, [-1.0; 5]));
            assert_eq!(grpo_time_to_fraction(null(), 0.5, &mut v), null_m);
            assert_eq!(grpo_time_to_fraction(&M, 0.5, null_mut()), null_out);
        }
        assert_eq!(out, [-1.0; 2]);
    }

    #[test]
    fn nan_and_range_statuses_and_nothing_is_written() {
        let mut out = [-1.0; 2];
        let nan = f64::NAN;
        let fields: [(grpo_oscillator, Param); 5] = [
            (grpo_oscillator { r_star: nan, ..M }, Param::RStar),
            (grpo_oscillator { r0: nan, ..M }, Param::R0),
            (grpo_oscillator { v0: nan, ..M }, Param::V0),
            (grpo_oscillator { omega: nan, ..M }, Param::Omega),
            (
                grpo_oscillator {
                    zeta: f64::INFINITY,
                    ..M
                },
                Param::Zeta,
            ),
        ];
        let t = [1.0, 2.0];
        unsafe {
            for (m, p) in fields {
                let want = status(GRPO_ERR_NON_FINITE, p);
                assert_eq!(
                    grpo_trajectory_eval(&m, t.as_ptr(), 2, out.as_mut_ptr()),
                    want
                );
                assert_eq!(
                    grpo_trajectory_eval_grid(&m, 0.0, 1.0, 2, out.as_mut_ptr()),
                    want
                );
                let (mut v, mut g) = (0.0, [0.0; 5]);
                assert_eq!(
                    grpo_trajectory_jacobian(&m, 1.0, &mut v, g.as_mut_ptr()),
                    want
                );
                assert_eq!(grpo_time_to_fraction(&m, 0.5, &mut v), want);
            }
            let m = grpo_oscillator { omega: 0.0, ..M };
            let want = status(GRPO_ERR_OUT_OF_RANGE, Param::Omega);
            assert_eq!(
                grpo_trajectory_eval(&m, t.as_ptr(), 2, out.as_mut_ptr()),
                want
            );
            let m = grpo_oscillator { zeta: -0.1, ..M };
            let want = status(GRPO_ERR_OUT_OF_RANGE, Param::Zeta);
            assert_eq!(
                grpo_trajectory_eval(&m, t.as_ptr(), 2, out.as_mut_ptr()),
                want
            );
            // times and grid
            let bad_t = [1.0, nan];
            let s = grpo_trajectory_eval(&M, bad_t.as_ptr(), 2, out.as_mut_ptr());
            assert_eq!(s, status(GRPO_ERR_NON_FINITE, Param::T));
            let neg_t = [1.0, -1.0];
            let s = grpo_trajectory_eval(&M, neg_t.as_ptr(), 2, out.as_mut_ptr());
            assert_eq!(s, status(GRPO_ERR_OUT_OF_RANGE, Param::T));
            let s = grpo_trajectory_eval_grid(&M, nan, 1.0, 2, out.as_mut_ptr());
            assert_eq!(s, status(GRPO_ERR_NON_FINITE, Param::T0));
            let s = grpo_trajectory_eval_grid(&M, 0.0, f64::INFINITY, 2, out.as_mut_ptr());
            assert_eq!(s, status(GRPO_ERR_NON_FINITE, Param::Dt));
            let s = grpo_trajectory_eval_grid(&M, 0.0, 0.0, 2, out.as_mut_ptr());
            assert_eq!(s, status(GRPO_ERR_OUT_OF_RANGE, Param::Dt));
            let s = grpo_trajectory_eval_grid(&M, -1.0, 1.0, 2, out.as_mut_ptr());
            assert_eq!(s, status(GRPO_ERR_OUT_OF_RANGE, Param::T0));
            let (mut v, mut g) = (-1.0, [-1.0; 5]);
            let s = grpo_trajectory_jacobian(&M, nan, &mut v, g.as_mut_ptr());
            assert_eq!(s, status(GRPO_ERR_NON_FINITE, Param::T));
            assert_eq!((v, g), (-1.0, [-1.0; 5]));
            for f in [0.0, 1.0, nan] {
                let s = grpo_time_to_fraction(&M, f, &mut v);
                assert!(s & 0xff != 0);
                assert_eq!(s >> 8, Param::Fraction as i32);
            }
            assert_eq!(v, -1.0);
            // a trajectory whose magnitude could overflow is refused before writing
            let huge = grpo_oscillator {
                v0: 1e308,
                omega: 1e-300,
                ..M
            };
            let s = grpo_trajectory_eval_grid(&huge, 0.0, 1e10, 2, out.as_mut_ptr());
            assert_eq!(s & 0xff, crate::capi::GRPO_ERR_DIVERGED);
        }
        assert_eq!(out, [-1.0; 2]);
    }
}
