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
