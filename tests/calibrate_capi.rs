//! C ABI of the calibration: `grpo_calibrate` and `grpo_whatif_*` agree with the Rust API on a
//! bandit run; NULL, bad settings and an undetermined K come back as statuses naming the input
//! (outputs untouched on error); struct layouts.
#![cfg(feature = "capi")]

use grpo_dynamics::bandit::{Bandit, Lag};
use grpo_dynamics::calibrate::{calibrate, Settings};
use grpo_dynamics::capi::*;
use grpo_dynamics::{Error, ErrorKind, Param};
use std::ptr::{null, null_mut};

fn status(kind: ErrorKind, param: Param) -> i32 {
    Error::new(kind, param).code()
}

fn run() -> (Vec<f64>, Vec<f64>, Bandit<f64>) {
    let b = Bandit::<f64>::preset_b(1);
    let b = Bandit {
        lag: Lag::Periodic,
        eta: 0.05,
        ..b
    };
    let mut p = vec![0.0; 600];
    b.simulate(&mut p).unwrap();
    ((0..600).map(|i| i as f64).collect(), p, b)
}

fn settings(b: &Bandit<f64>) -> grpo_calibrate_settings {
    grpo_calibrate_settings {
        lr: b.eta,
        lr_column: null(),
        beta1: b.mu,
        kref: b.kref,
        lag: 1,
        smooth: 1,
    }
}

#[test]
fn calibrate_and_whatif_match_rust() {
    let (t, p, b) = run();
    let rs = calibrate(&t, &p, &Settings::new(b.eta, b.mu, b.kref)).unwrap();
    let mut cal = grpo_calibration::default();
    let st = unsafe { grpo_calibrate(t.as_ptr(), p.as_ptr(), t.len(), &settings(&b), &mut cal) };
    assert_eq!(st, 0);
    assert_eq!(cal.k_determined, 1);
    assert_eq!(cal.k.value, rs.k().unwrap().value);
    assert_eq!(cal.r_star.value, rs.r_star.value);
    let mut e = grpo_estimate::default();
    assert_eq!(unsafe { grpo_whatif_zeta(&cal, 4, &mut e) }, 0);
    assert_eq!(e.value, rs.zeta_at(4).unwrap().value);
    let mut reg = [9u32; 3];
    assert_eq!(unsafe { grpo_whatif_regime(&cal, 4, reg.as_mut_ptr()) }, 0);
    assert_eq!(reg[0], rs.regime_at(4).unwrap().regime as u32);
    let (mut ex, mut p9) = (grpo_estimate::default(), grpo_estimate::default());
    assert_eq!(
        unsafe { grpo_whatif_critical_kref(&cal, &mut ex, &mut p9) },
        0
    );
    let ck = rs.critical_kref().unwrap();
    assert_eq!((ex.value, p9.value), (ck.exact.value, ck.prop9.value));
    assert_eq!(unsafe { grpo_whatif_largest_stable_lr(&cal, &mut e) }, 0);
    assert_eq!(e.value, rs.largest_stable_lr().unwrap().value);
    assert_eq!(unsafe { grpo_whatif_largest_monotone_lr(&cal, &mut e) }, 0);
    assert_eq!(e.value, rs.largest_monotone_lr().unwrap().value);
    assert!(e.lo <= e.value && e.value <= e.hi);
    assert_eq!(unsafe { grpo_whatif_steps(&cal, 0.1, 50, &mut e) }, 0);
    assert_eq!(e.value, rs.t50(0.1).unwrap().value);
    assert_eq!(unsafe { grpo_whatif_steps(&cal, 0.1, 90, &mut e) }, 0);
    assert_eq!(e.value, rs.t90(0.1).unwrap().value);
}

#[test]
fn bad_input_statuses() {
    let (t, p, b) = run();
    let mut cal = grpo_calibration::default();
    let call = |s: &grpo_calibrate_settings, cal: &mut grpo_calibration| unsafe {
        grpo_calibrate(t.as_ptr(), p.as_ptr(), t.len(), s, cal)
    };
    let mut s = settings(&b);
    s.lr = 0.0;
    assert_eq!(call(&s, &mut cal), status(ErrorKind::OutOfRange, Param::Lr));
    let mut s = settings(&b);
    s.beta1 = 1.0;
    assert_eq!(
        call(&s, &mut cal),
        status(ErrorKind::OutOfRange, Param::Beta1)
    );
    let mut s = settings(&b);
    s.kref = 0;
    assert_eq!(
        call(&s, &mut cal),
        status(ErrorKind::OutOfRange, Param::Kref)
    );
    let mut s = settings(&b);
    s.lag = 7;
    assert_eq!(
        call(&s, &mut cal),
        status(ErrorKind::UnknownCode, Param::Lag)
    );
    assert_eq!(
        cal,
        grpo_calibration::default(),
        "output untouched on error"
    );
    let st = unsafe { grpo_calibrate(null(), p.as_ptr(), t.len(), &settings(&b), &mut cal) };
    assert_eq!(st, status(ErrorKind::NullPointer, Param::T));
    let st = unsafe { grpo_calibrate(t.as_ptr(), p.as_ptr(), t.len(), null(), &mut cal) };
    assert_eq!(st, status(ErrorKind::NullPointer, Param::Options));
    let flat = vec![0.3; 600];
    let st = unsafe { grpo_calibrate(t.as_ptr(), flat.as_ptr(), 600, &settings(&b), &mut cal) };
    assert_eq!(st, status(ErrorKind::Constant, Param::Gain));
    // what-ifs
    assert_eq!(call(&settings(&b), &mut cal), 0);
    let mut e = grpo_estimate::default();
    assert_eq!(
        unsafe { grpo_whatif_steps(&cal, 0.1, 70, &mut e) },
        status(ErrorKind::OutOfRange, Param::Fraction)
    );
    assert_eq!(
        unsafe { grpo_whatif_zeta(null(), 2, &mut e) },
        status(ErrorKind::NullPointer, Param::Options)
    );
    assert_eq!(
        unsafe { grpo_whatif_zeta(&cal, 2, null_mut()) },
        status(ErrorKind::NullPointer, Param::Output)
    );
    let mut undetermined = cal;
    undetermined.k_determined = 0;
    assert_eq!(
        unsafe { grpo_whatif_largest_stable_lr(&undetermined, &mut e) },
        GRPO_ERR_UNDETERMINED | (Param::K as i32) << 8
    );
    assert_eq!(e, grpo_estimate::default());
}

#[test]
fn struct_layouts() {
    use std::mem::{offset_of, size_of};
    assert_eq!(size_of::<grpo_calibrate_settings>(), 40);
    assert_eq!(size_of::<grpo_estimate>(), 24);
    assert_eq!(size_of::<grpo_calibration>(), 160);
    assert_eq!(offset_of!(grpo_calibration, k_determined), 56);
    assert_eq!(offset_of!(grpo_calibration, t0), 152);
}
