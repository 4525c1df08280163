//! C ABI of the predictor and of `grpo_diagnose`: buffer checks, the init tag, statuses, and
//! equality with the Rust API.
#![cfg(feature = "capi")]

use grpo_dynamics::capi::*;
use grpo_dynamics::diagnostics::{DiagnoseInput, DiagnoseOptions};
use grpo_dynamics::predict::fit_and_diagnose;
use grpo_dynamics::predict::Predictor;
use grpo_dynamics::{Error, ErrorKind, Param};
use std::ffi::c_void;

fn kind(status: i32) -> ErrorKind {
    Error::from_code(status).expect("an error status").kind()
}

/// Caller memory as u64 words (8-byte aligned), `extra` bytes more than needed.
fn buffer(extra: usize) -> Vec<u64> {
    vec![0u64; (grpo_predictor_size() + extra).div_ceil(8) + 1]
}

#[test]
fn init_checks_memory() {
    assert!(grpo_predictor_size() > 256 * 24);
    assert!(grpo_predictor_align() >= 8 && grpo_predictor_align().is_power_of_two());
    let mut buf = buffer(16);
    let mem = buf.as_mut_ptr() as *mut c_void;
    unsafe {
        let s = grpo_predictor_init(std::ptr::null_mut(), 1 << 20, 0.0, 1.0);
        assert_eq!(
            Error::from_code(s).unwrap(),
            Error::new(ErrorKind::NullPointer, Param::Memory)
        );
        let s = grpo_predictor_init(mem, grpo_predictor_size() - 1, 0.0, 1.0);
        assert_eq!(
            Error::from_code(s).unwrap(),
            Error::new(ErrorKind::BadBuffer, Param::Memory)
        );
        let off = (mem as *mut u8).add(4) as *mut c_void;
        assert_eq!(
            kind(grpo_predictor_init(off, grpo_predictor_size(), 0.0, 1.0)),
            ErrorKind::BadBuffer
        );
        // uninitialised (zeroed / garbage) memory is refused by push and predict
        assert_eq!(
            kind(grpo_predictor_push(mem, 1.0, 0.5)),
            ErrorKind::BadBuffer
        );
        buf.iter_mut().for_each(|w| *w = 0xDEAD_BEEF_DEAD_BEEF);
        let mem = buf.as_mut_ptr() as *mut c_void;
        let mut out = grpo_prediction::default();
        assert_eq!(
            kind(grpo_predictor_predict(mem, 10.0, &mut out)),
            ErrorKind::BadBuffer
        );
        assert_eq!(
            kind(grpo_predictor_push(std::ptr::null_mut(), 1.0, 0.5)),
            ErrorKind::NullPointer
        );
        // bad bounds leave the memory untouched
        assert_eq!(
            kind(grpo_predictor_init(mem, grpo_predictor_size(), 1.0, 0.0)),
            ErrorKind::BoundsInverted
        );
        assert_eq!(
            kind(grpo_predictor_push(mem, 1.0, 0.5)),
            ErrorKind::BadBuffer
        );
        // infinite bounds are valid (clarifications: unbounded rewards)
        assert_eq!(
            grpo_predictor_init(mem, grpo_predictor_size(), f64::NEG_INFINITY, f64::INFINITY),
            GRPO_OK
        );
        assert_eq!(grpo_predictor_push(mem, 1.0, 0.5), GRPO_OK);
    }
}

#[test]
fn c_predictor_equals_rust_predictor() {
    let mut buf = buffer(0);
    let mem = buf.as_mut_ptr() as *mut c_void;
    let mut rust = Predictor::<f64, 256>::new(0.0, 1.0).unwrap();
    let mut out = grpo_prediction {
        plateau: -7.0,
        ..Default::default()
    };
    unsafe {
        assert_eq!(
            grpo_predictor_init(mem, grpo_predictor_size(), 0.0, 1.0),
            GRPO_OK
        );
        for t in 0..400 {
            let t = t as f64;
            let y = 0.85 - 0.6 * (-t / 70.0).exp() + 0.02 * (t * 1.7).sin();
            assert_eq!(grpo_predictor_push(mem, t, y), GRPO_OK);
            rust.push(t, y).unwrap();
            assert_eq!(
                kind(grpo_predictor_push(mem, t + 0.5, f64::NAN)),
                ErrorKind::NonFinite
            );
            assert_eq!(
                kind(grpo_predictor_push(mem, t, 0.5)),
                ErrorKind::NotIncreasing
            );
            if t == 3.0 {
                // not ready: the output stays untouched
                assert_eq!(
                    kind(grpo_predictor_predict(mem, 100.0, &mut out)),
                    ErrorKind::NotReady
                );
                assert_eq!(out.plateau, -7.0);
            }
        }
        assert_eq!(
            kind(grpo_predictor_predict(mem, 500.0, std::ptr::null_mut())),
            ErrorKind::NullPointer
        );
        assert_eq!(grpo_predictor_predict(mem, 500.0, &mut out), GRPO_OK);
    }
    let r = rust.predict(500.0).unwrap();
    assert_eq!(out.plateau, r.plateau.value);
    assert_eq!(out.plateau_lo80, r.plateau.lo80);
    assert_eq!(out.plateau_hi95, r.plateau.hi95);
    assert_eq!(out.reward_at_horizon, r.at_horizon.value);
    assert_eq!(out.horizon_lo80, r.at_horizon.lo80);
    assert_eq!(out.horizon_hi80, r.at_horizon.hi80);
    assert_eq!(out.horizon, 500.0);
    assert_eq!(out.model, r.model as u32);
    assert_eq!(out.regime, r.regime as u32);
    assert_eq!(out.advice, r.advice.kind as u32);
    assert_eq!(out.r2, r.r2);
    assert!(out.model >= 1 && out.model <= 4);
    assert!((out.plateau - 0.85).abs() < 0.02, "{out:?}");
    assert!(out.plateau_lo95 <= out.plateau_lo80 && out.plateau_hi80 <= out.plateau_hi95);
}

#[test]
fn c_diagnose_matches_rust() {
    let n = 300;
    let train: Vec<f64> = (0..n)
        .map(|t| 0.8 - 0.6 * (-(t as f64) / 50.0).exp())
        .collect();
    let eval: Vec<f64> = (0..n)
        .map(|t| {
            let t = t as f64;
            0.15 + 0.2
                * if t < 80.0 {
                    (-((t - 80.0) / 60.0).powi(2)).exp()
                } else {
                    (-(t - 80.0) / 70.0).exp()
                }
        })
        .collect();
    let input = grpo_diagnose_input {
        n,
        steps: std::ptr::null(),
        reward: train.as_ptr(),
        eval_reward: eval.as_ptr(),
        entropy: std::ptr::null(),
        zero_std_frac: std::ptr::null(),
        group_size: 0,
        has_hyper: 1,
        lag: 0,
        r_min: 0.0,
        r_max: 1.0,
        r_max_eval: 1.0,
        eta: 0.3,
        mu: 0.8,
        k_hat: 0.2 / (0.3 * 35.35),
        kref: 12.0,
        expected_plateau: f64::NAN,
    };
    let mut out = grpo_diagnosis::default();
    let mut opts = unsafe { std::mem::zeroed::<grpo_diagnose_options>() };
    unsafe {
        assert_eq!(grpo_diagnose_options_default(&mut opts), GRPO_OK);
        assert_eq!(opts.phi_hacking, 0.25);
        assert_eq!(grpo_diagnose(&input, std::ptr::null(), &mut out), GRPO_OK);
        let mut out2 = grpo_diagnosis::default();
        assert_eq!(grpo_diagnose(&input, &opts, &mut out2), GRPO_OK);
        assert_eq!(format!("{out:?}"), format!("{out2:?}"));
        let bad = grpo_diagnose_input {
            reward: std::ptr::null(),
            ..input
        };
        assert_eq!(
            kind(grpo_diagnose(&bad, std::ptr::null(), &mut out2)),
            ErrorKind::NullPointer
        );
        assert_eq!(
            kind(grpo_diagnose(std::ptr::null(), std::ptr::null(), &mut out2)),
            ErrorKind::NullPointer
        );
    }
    let hyper = grpo_dynamics::stability::Hyper::new(0.3, 0.8, 0.2 / (0.3 * 35.35)).unwrap();
    let rd = fit_and_diagnose(
        &DiagnoseInput {
            eval_reward: Some(&eval),
            optimizer: Some(grpo_dynamics::diagnostics::Optimizer {
                hyper,
                kref: 12.0,
                lag: grpo_dynamics::bandit::Lag::Constant,
            }),
            ..DiagnoseInput::new(&train)
        },
        &DiagnoseOptions::default(),
    )
    .unwrap();
    assert_eq!(out.headline, rd.headline as u32);
    assert_eq!(out.headline, 1, "reward hacking: {out:?}");
    assert_eq!(out.severity, 2);
    assert_eq!(out.hacking_available, 1);
    assert_eq!(out.hacking_verdict, 2);
    assert_eq!(out.phi, rd.hacking.unwrap().phi);
    assert_eq!(out.degeneracy_available, 0);
    assert!(out.degenerate_observed.is_nan());
    assert_eq!(out.concentration_available, 0);
    assert_eq!(out.exactly_unstable, 0);
    assert!((out.prop9_threshold - 35.35).abs() < 1e-9);
    assert!((out.margin - (1.0 - 12.0 / 35.35)).abs() < 1e-12);
    assert_eq!(out.plateau, rd.plateau);
}
