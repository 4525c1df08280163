//! The trajectory exports of the C ABI: values against the Rust API and spec goldens, NULL and
//! range statuses, nothing written on error, overlapping buffers rejected.
#![cfg(feature = "capi")]

use core::ptr::{null, null_mut};
use grpo_dynamics::capi::*;
use grpo_dynamics::trajectory::Oscillator;
use grpo_dynamics::Param;

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
        assert_eq!(s & 0xff, GRPO_ERR_DIVERGED);
    }
    assert_eq!(out, [-1.0; 2]);
}

/// In-place evaluation (`out == t`) and partially overlapping buffers are rejected before
/// anything is read or written (they would be aliased `&[f64]` / `&mut [f64]` in Rust).
#[test]
fn miri_overlapping_buffers_are_rejected_untouched() {
    let bad = status(GRPO_ERR_BAD_BUFFER, Param::Output);
    let mut buf = [1.0, 2.0, 3.0, 4.0];
    let p = buf.as_mut_ptr();
    unsafe {
        assert_eq!(grpo_trajectory_eval(&M, p, 4, p), bad);
        assert_eq!(grpo_trajectory_eval(&M, p, 3, p.add(1)), bad);
        assert_eq!(grpo_trajectory_eval(&M, p.add(1), 3, p), bad);
        // adjacent, not overlapping: fine
        assert_eq!(grpo_trajectory_eval(&M, p, 2, p.add(2)), GRPO_OK);
        let want = Oscillator::new(0.7, 0.1, 0.0, 0.15, 1.0).unwrap();
        assert!((buf[2] - want.value(1.0).unwrap()).abs() <= 1e-15);
        assert!((buf[3] - want.value(2.0).unwrap()).abs() <= 1e-15);
        // the two outputs of the Jacobian, and an output over the model struct
        let mut g = [-1.0; 6];
        let s = grpo_trajectory_jacobian(&M, 1.0, g.as_mut_ptr().add(4), g.as_mut_ptr());
        assert_eq!(s, bad);
        assert_eq!(g, [-1.0; 6]);
        let mut m = [M; 1];
        let mp = m.as_mut_ptr();
        let s = grpo_trajectory_eval_grid(mp, 0.0, 1.0, 2, mp as *mut f64);
        assert_eq!(s, bad);
        let s = grpo_time_to_fraction(mp, 0.5, (mp as *mut f64).add(4));
        assert_eq!(s, bad);
        assert_eq!(m[0], M);
    }
}
