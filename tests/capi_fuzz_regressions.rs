//! Regressions found by `fuzz/fuzz_targets/capi.rs`, one test each.
#![cfg(feature = "capi")]

use grpo_dynamics::capi::*;
use grpo_dynamics::{Error, ErrorKind, Param};

/// Times near 1e306 with omega = 185: the magnitude bound passed the pre-check, the phase
/// omega t overflowed to inf, the values became NaN and `grpo_trajectory_eval` returned
/// GRPO_ERR_DIVERGED after writing `out` (contract: outputs written only on success). Same for
/// the grid entry point.
#[test]
fn trajectory_eval_with_overflowing_phase_leaves_output_untouched() {
    let m = grpo_oscillator {
        r_star: 184.32,
        r0: 77.1,
        v0: 186.33,
        omega: 185.04,
        zeta: 0.01,
    };
    let t0 = 6.15045629227483e305;
    let t = [t0, t0 + 248.25, t0 + 2.4176685348556614e306];
    let mut out = [-7.0; 3];
    let diverged = Error::new(ErrorKind::Diverged, Param::T).code();
    unsafe {
        assert_eq!(
            grpo_trajectory_eval(&m, t.as_ptr(), 3, out.as_mut_ptr()),
            diverged
        );
        assert_eq!(out, [-7.0; 3]);
        assert_eq!(
            grpo_trajectory_eval_grid(&m, t0, 1e306, 3, out.as_mut_ptr()),
            diverged
        );
        assert_eq!(out, [-7.0; 3]);
        // ordinary times still work
        assert_eq!(
            grpo_trajectory_eval(&m, [0.0, 1.0, 2.0].as_ptr(), 3, out.as_mut_ptr()),
            GRPO_OK
        );
        assert!(out.iter().all(|x| x.is_finite()));
    }
}

/// v0 = -4e306, omega = zeta = 69.39, step 74.53: the values pass the magnitude pre-check, but a
/// grid partner scaled by the step (B h = 3e308) overflowed, the grid diverged and
/// `grpo_trajectory_eval_grid` wrote `out` before returning the error. The partner's time scale
/// is now capped at 1 / omega, so the grid exists wherever the pre-check admits it.
#[test]
fn trajectory_grid_with_huge_velocity_and_step() {
    let m = grpo_oscillator {
        r_star: 74.53,
        r0: 69.39,
        v0: -4.037787314632314e306,
        omega: 69.39,
        zeta: 69.39,
    };
    let (t0, dt) = (69.39, 74.53);
    let mut out = [-7.0; 29];
    let st = unsafe { grpo_trajectory_eval_grid(&m, t0, dt, 29, out.as_mut_ptr()) };
    assert_eq!(st, GRPO_OK);
    for (i, &v) in out.iter().enumerate() {
        let t = [t0 + dt * i as f64];
        let mut p = [0.0];
        assert_eq!(
            unsafe { grpo_trajectory_eval(&m, t.as_ptr(), 1, p.as_mut_ptr()) },
            GRPO_OK
        );
        assert!(
            (v - p[0]).abs() <= 1e-9 * 4e306,
            "{i}: grid {v} vs pointwise {}",
            p[0]
        );
    }
}

/// Found while adding the what-ifs to the capi fuzz target (issue 14): at a subnormal
/// `lr`, `grpo_whatif_steps` returned OK with `value = inf` (`delay + S_f / lr`
/// overflowed). Now a typed error on `lr`, output untouched; a representable time stays OK.
#[test]
fn whatif_steps_never_ok_with_an_overflowed_time() {
    let est = |value: f64, lo: f64, hi: f64| grpo_estimate { value, lo, hi };
    let cal = grpo_calibration {
        r0: 0.1,
        r_star: est(0.8, 0.75, 0.85),
        k: est(2.0, 1.0, 4.0),
        k_determined: 1,
        kref: 8,
        lag: 1,
        reserved: 0,
        rho: 0.99,
        eta: 1e-6,
        mu: 0.9,
        delay: 10.0,
        flow50: est(1e-3, 5e-4, 2e-3),
        flow90: est(3e-3, 2e-3, 6e-3),
        t0: 0.0,
    };
    let mut out = est(-7.0, -7.0, -7.0);
    let lr_err = Error::new(ErrorKind::OutOfRange, Param::Lr).code();
    unsafe {
        assert_eq!(grpo_whatif_steps(&cal, 5e-324, 50, &mut out), lr_err);
        assert_eq!(out, est(-7.0, -7.0, -7.0));
        assert_eq!(grpo_whatif_steps(&cal, 1e-6, 50, &mut out), GRPO_OK);
    }
    // t50 = delay + S_50 / lr at the calibrated K; the interval holds it, all finite
    assert_eq!(out.value, 10.0 + 1e-3 / 1e-6);
    assert!(out.lo <= out.value && out.value <= out.hi && out.hi.is_finite());
}
