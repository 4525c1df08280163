//! The C ABI and the predictor's caller-owned storage, sized to run under Miri in a few minutes:
//!
//! ```text
//! cargo +nightly miri test --features capi,libm/force-soft-floats --test miri_capi --test bad_input_matrix -- c_abi miri_
//! ```
//!
//! (`libm/force-soft-floats`: libm's x86 `sqrt` is inline assembly, which Miri cannot run; the
//! soft version is also correctly rounded, so results are the same.)
//!
//! Miri checks every raw-pointer access of these calls (alignment, bounds, provenance, aliasing
//! of the `&mut` views the ABI creates over caller memory, reads of uninitialised bytes). The
//! same tests run natively with larger sizes; `cfg(miri)` only shrinks the loops.
#![cfg(feature = "capi")]

use core::ffi::c_void;
use core::ptr::{null, null_mut};
use grpo_dynamics::capi::*;
use grpo_dynamics::predict::{Config, Predictor};
use grpo_dynamics::{Error, ErrorKind, Param};

/// Points fed to the predictor (Miri runs each LM iteration about 1000x slower).
const POINTS: usize = if cfg!(miri) { 8 } else { 300 };

fn reward(i: usize) -> f64 {
    0.8 - 0.6 * (-(i as f64) / 40.0).exp() + 0.01 * ((i * 7919) % 13) as f64 / 13.0
}

/// Caller-owned storage for the predictor: `u128` words (16-byte aligned) plus slack, zeroed.
fn storage() -> Vec<u128> {
    assert!(grpo_predictor_align() <= 16);
    vec![0u128; grpo_predictor_size() / 16 + 2]
}

/// Init, push, predict through the C ABI in caller memory, and compare with the Rust predictor
/// fed the same points.
#[test]
fn miri_predictor_in_caller_memory() {
    let mut buf = storage();
    let mem = buf.as_mut_ptr() as *mut c_void;
    let mut rust =
        Predictor::<f64, GRPO_PREDICTOR_WINDOW>::with_config(Config::new(0.0, 1.0)).unwrap();
    unsafe {
        assert_eq!(
            grpo_predictor_init(mem, grpo_predictor_size(), 0.0, 1.0),
            GRPO_OK
        );
        for i in 0..POINTS {
            assert_eq!(grpo_predictor_push(mem, i as f64, reward(i)), GRPO_OK);
            rust.push(i as f64, reward(i)).unwrap();
        }
        // refused points leave the stored window unchanged
        assert_eq!(
            grpo_predictor_push(mem, 0.0, 0.5),
            Error::new(ErrorKind::NotIncreasing, Param::Step).code()
        );
        let mut out = grpo_prediction::default();
        let h = 2.0 * POINTS as f64;
        assert_eq!(grpo_predictor_predict(mem, h, &mut out), GRPO_OK);
        let want = rust.predict(h).unwrap();
        // same code, same order: equal up to Miri's deliberate float non-determinism
        assert!((out.plateau - want.plateau.value).abs() <= 1e-12);
        assert!((out.reward_at_horizon - want.at_horizon.value).abs() <= 1e-12);
        assert!(out.plateau_lo95 <= out.plateau && out.plateau <= out.plateau_hi95);
        // re-init in place over a live predictor (the old one is simply overwritten)
        assert_eq!(
            grpo_predictor_init(mem, grpo_predictor_size(), -1.0, 2.0),
            GRPO_OK
        );
        assert_eq!(
            grpo_predictor_predict(mem, h, &mut out),
            Error::new(ErrorKind::NotReady, Param::N).code()
        );
    }
    drop(buf);
}

/// Memory checks before any write: NULL, short, misaligned, never-initialised (zeroed) memory.
#[test]
fn miri_predictor_memory_checks() {
    let mut buf = storage();
    let size = grpo_predictor_size();
    let mem = buf.as_mut_ptr() as *mut c_void;
    let bad = Error::new(ErrorKind::BadBuffer, Param::Memory).code();
    unsafe {
        assert_eq!(
            grpo_predictor_init(null_mut(), size, 0.0, 1.0),
            Error::new(ErrorKind::NullPointer, Param::Memory).code()
        );
        assert_eq!(grpo_predictor_init(mem, size - 1, 0.0, 1.0), bad);
        let odd = (mem as *mut u8).add(1) as *mut c_void;
        assert_eq!(grpo_predictor_init(odd, size, 0.0, 1.0), bad);
        assert_eq!(grpo_predictor_push(odd, 1.0, 0.5), bad);
        // zeroed memory carries no tag
        assert_eq!(grpo_predictor_push(mem, 1.0, 0.5), bad);
        let mut out = grpo_prediction::default();
        assert_eq!(grpo_predictor_predict(mem, 1.0, &mut out), bad);
        assert_eq!(out, grpo_prediction::default());
    }
    assert!(
        buf.iter().all(|&w| w == 0),
        "a refused call wrote to the memory"
    );
}

/// Slices from the caller: exact lengths, zero length with NULL, outputs only on success.
#[test]
fn miri_trajectory_and_fit_slices() {
    let m = grpo_oscillator {
        r_star: 0.8,
        r0: 0.2,
        v0: 0.0,
        omega: 0.3,
        zeta: 0.6,
    };
    let n = if cfg!(miri) { 12 } else { 200 };
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    // out is one longer than n: the last slot must stay untouched
    let mut out = vec![-1.0; n + 1];
    let mut grid = vec![-1.0; n + 1];
    unsafe {
        assert_eq!(
            grpo_trajectory_eval(&m, t.as_ptr(), n, out.as_mut_ptr()),
            GRPO_OK
        );
        assert_eq!(
            grpo_trajectory_eval_grid(&m, 0.0, 1.0, n, grid.as_mut_ptr()),
            GRPO_OK
        );
        assert_eq!(grpo_trajectory_eval(&m, null(), 0, null_mut()), GRPO_OK);
        let mut g5 = [0.0; 5];
        let mut v = 0.0;
        assert_eq!(
            grpo_trajectory_jacobian(&m, 3.0, &mut v, g5.as_mut_ptr()),
            GRPO_OK
        );
        assert!((v - out[3]).abs() <= 1e-15);
    }
    assert_eq!(out[n], -1.0);
    assert_eq!(grid[n], -1.0);
    for i in 0..n {
        assert!((out[i] - grid[i]).abs() < 1e-12);
    }
    // a saturation fit through the C ABI on the values just computed
    let y: Vec<f64> = t.iter().map(|&ti| 0.8 - 0.6 * (-ti / 4.0).exp()).collect();
    unsafe {
        let mut o = core::mem::zeroed::<grpo_fit_options>();
        grpo_fit_options_default(&mut o);
        o.model = 0;
        let mut res = core::mem::zeroed::<grpo_fit_result>();
        assert_eq!(
            grpo_fit(t.as_ptr(), y.as_ptr(), null(), n, &o, &mut res),
            GRPO_OK
        );
        assert!((res.params[0] - 0.8).abs() < 1e-6 && (res.params[2] - 4.0).abs() < 1e-4);
        // misaligned y: refused before reading
        let odd = (y.as_ptr() as *const u8).add(1) as *const f64;
        let before = res;
        assert_eq!(
            grpo_fit(t.as_ptr(), odd, null(), n - 1, &o, &mut res),
            Error::new(ErrorKind::BadBuffer, Param::Y).code()
        );
        assert_eq!(res, before);
    }
}

/// Status messages are NUL-terminated static strings.
#[test]
fn miri_status_messages() {
    let codes = [
        0,
        Error::new(ErrorKind::NullPointer, Param::Memory).code(),
        Error::new(ErrorKind::Panic, Param::None).code(),
        -7,
        i32::MAX,
    ];
    for c in codes {
        let s = unsafe { std::ffi::CStr::from_ptr(grpo_status_message(c)) };
        assert!(!s.to_bytes().is_empty());
    }
    let v = unsafe { std::ffi::CStr::from_ptr(grpo_version()) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}
