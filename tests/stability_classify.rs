//! Trajectory classifier of spec C.9 on hand-built curves (exact expected answers).

use grpo_dynamics::stability::{classify, CurveClass};
use grpo_dynamics::{ErrorKind, Param};

#[test]
fn monotone_overshoot_oscillatory() {
    // monotone approach from below
    let p: Vec<f64> = (0..100).map(|k| 0.7 - 0.6 * 0.9f64.powi(k)).collect();
    let c = classify(&p, 0.7, 0.01).unwrap();
    assert_eq!((c.regime, c.overshoot), (CurveClass::Monotone, 0.0));
    // damped oscillation that settles: e_k = -0.6 (-0.5)^k
    let p: Vec<f64> = (0..100).map(|k| 0.7 - 0.6 * (-0.5f64).powi(k)).collect();
    let c = classify(&p, 0.7, 0.01).unwrap();
    assert_eq!(c.regime, CurveClass::Overshooting);
    assert!((c.overshoot - 0.5).abs() < 1e-15);
    // persistent oscillation
    let p: Vec<f64> = (0..100).map(|k| 0.7 - 0.6 * (-0.99f64).powi(k)).collect();
    let c = classify(&p, 0.7, 0.01).unwrap();
    assert_eq!(c.regime, CurveClass::Oscillatory);
    assert!((c.overshoot - 0.99).abs() < 1e-15);
    // start above the target: overshoot measured downward
    let p = [
        1.0f64, 0.4, 0.52, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
    ];
    let c = classify(&p, 0.5, 0.01).unwrap();
    assert_eq!(c.regime, CurveClass::Overshooting);
    assert!((c.overshoot - 0.2).abs() < 1e-15);
    // a divergence (non-finite point) is oscillatory; overshoot from the finite points
    let p = [0.1, 0.5, 0.9, f64::NAN, f64::NAN];
    let c = classify(&p, 0.7, 0.01).unwrap();
    assert_eq!(c.regime, CurveClass::Oscillatory);
    assert!((c.overshoot - 1.0 / 3.0).abs() < 1e-15);
}

#[test]
fn tolerance_and_window() {
    // a crossing smaller than tol * E0 does not count
    let mut p = vec![0.0; 50];
    p[1] = 1.005; // e = +0.005 = 0.5 % of E0 = 1
    for v in p.iter_mut().skip(2) {
        *v = 1.0;
    }
    assert_eq!(
        classify(&p, 1.0, 0.01).unwrap().regime,
        CurveClass::Monotone
    );
    assert_eq!(
        classify(&p, 1.0, 0.001).unwrap().regime,
        CurveClass::Overshooting
    );
    // window W = max(10, floor(n / 10)): n = 300 -> W = 30. A crossing, then a deviation 25
    // points before the end: inside W (oscillatory); 35 points before: outside (overshooting).
    let make = |late: usize| {
        let mut p = vec![1.0; 300];
        p[0] = 0.0;
        p[1] = 1.5;
        p[300 - late] = 1.2;
        p
    };
    assert_eq!(
        classify(&make(25), 1.0, 0.01).unwrap().regime,
        CurveClass::Oscillatory
    );
    assert_eq!(
        classify(&make(35), 1.0, 0.01).unwrap().regime,
        CurveClass::Overshooting
    );
    // n = 50 -> W = 10
    let mut p = vec![1.0; 50];
    p[0] = 0.0;
    p[1] = 1.5;
    p[38] = 1.2; // 12 before the end: outside W = 10
    assert_eq!(
        classify(&p, 1.0, 0.01).unwrap().regime,
        CurveClass::Overshooting
    );
    p[41] = 1.2; // 9 before the end: inside
    assert_eq!(
        classify(&p, 1.0, 0.01).unwrap().regime,
        CurveClass::Oscillatory
    );
}

#[test]
fn observed_reward_curve_with_fitted_plateau() {
    // an underdamped reward curve (zeta = 0.3, omega = 0.15 per step) around a plateau of 0.7 with
    // a small deterministic ripple, classified against the plateau
    let curve: Vec<f64> = (0..400)
        .map(|t| {
            let t = t as f64;
            let (z, w): (f64, f64) = (0.3, 0.15);
            let wd = w * (1.0 - z * z).sqrt();
            let e = (-z * w * t).exp() * ((wd * t).cos() + z * w / wd * (wd * t).sin());
            0.7 - 0.6 * e + 5e-4 * (1.7 * t).sin()
        })
        .collect();
    let c = classify(&curve, 0.7, 0.01).unwrap();
    assert_eq!(c.regime, CurveClass::Overshooting);
    // overshoot of a zeta = 0.3 oscillator: exp(-pi zeta / sqrt(1 - zeta^2)) = 0.3723
    assert!((c.overshoot - 0.3723).abs() < 0.01, "{}", c.overshoot);
}

#[test]
fn classifier_errors() {
    let e = classify::<f64>(&[], 0.5, 0.01).unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::Empty, Param::P));
    let e = classify(&[0.5, 0.6], 0.5, 0.01).unwrap_err();
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::OutOfRange, Param::Target)
    );
    let e = classify(&[f64::NAN, 0.6], 0.5, 0.01).unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::NonFinite, Param::P));
    let e = classify(&[0.1, 0.6], f64::INFINITY, 0.01).unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::NonFinite, Param::Target));
    let e = classify(&[0.1, 0.6], 0.5, -0.01).unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::OutOfRange, Param::Tol));
    let e = classify(&[0.1, 0.6], 0.5, f64::NAN).unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::NonFinite, Param::Tol));
}
