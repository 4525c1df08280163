//! C ABI of the fitter: defaults, a fit through `grpo_fit`, statuses, outputs untouched on error.
#![cfg(feature = "capi")]

use grpo_dynamics::capi::{grpo_fit, grpo_fit_options, grpo_fit_options_default, grpo_fit_result};
use grpo_dynamics::fit::{fit, Options, ParamSet, Start};
use grpo_dynamics::{Error, ErrorKind, Param};

fn opts() -> grpo_fit_options {
    let mut o = grpo_fit_options {
        model: 99,
        loss: 99,
        loss_scale: 0.0,
        max_evaluations: 9,
        ftol: 0.0,
        xtol: 0.0,
        gtol: 1.0,
    };
    unsafe { grpo_fit_options_default(&mut o) };
    o
}

fn zero_result() -> grpo_fit_result {
    grpo_fit_result {
        model: 77,
        termination: 77,
        n_params: 77,
        params: [7.0; 8],
        stderr: [7.0; 8],
        plateau: 7.0,
        plateau_stderr: 7.0,
        cost: 7.0,
        r2: 7.0,
        aicc: 7.0,
        iterations: 7,
        evaluations: 7,
    }
}

#[test]
fn defaults_and_null_safety() {
    let o = opts();
    assert_eq!((o.model, o.loss, o.max_evaluations), (5, 0, 0));
    assert_eq!((o.ftol, o.xtol, o.gtol), (1.49012e-8, 1.49012e-8, 0.0));
    unsafe { grpo_fit_options_default(std::ptr::null_mut()) };
}

#[test]
fn fit_through_c_matches_rust() {
    let t: Vec<f64> = (0..150).map(|i| i as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| 0.8 - 0.7 * (-t / 25.0).exp() + 0.01 * (t * 1.3).sin())
        .collect();
    let mut o = opts();
    o.model = 0;
    let mut out = zero_result();
    let s = unsafe {
        grpo_fit(
            t.as_ptr(),
            y.as_ptr(),
            std::ptr::null(),
            t.len(),
            &o,
            &mut out,
        )
    };
    assert_eq!(s, 0);
    let f = fit(
        ParamSet::Saturation,
        &t,
        &y,
        None,
        Start::Data,
        &Options::default(),
    )
    .unwrap();
    assert_eq!((out.model, out.n_params), (0, 3));
    assert_eq!(out.termination, f.termination.code());
    for j in 0..3 {
        assert_eq!(out.params[j], f.params[j]);
        assert_eq!(out.stderr[j], f.stderr[j]);
    }
    assert_eq!(&out.params[3..], &[0.0; 5]);
    assert_eq!(
        (out.plateau, out.cost, out.r2, out.aicc),
        (f.plateau, f.cost, f.r2, f.aicc)
    );
    // auto and a robust loss run too; NULL options = defaults (auto)
    let mut out2 = zero_result();
    let s = unsafe {
        grpo_fit(
            t.as_ptr(),
            y.as_ptr(),
            std::ptr::null(),
            t.len(),
            std::ptr::null(),
            &mut out2,
        )
    };
    assert_eq!(s, 0);
    assert!(out2.model <= 4 && out2.aicc <= out.aicc);
    o.loss = 2;
    o.loss_scale = 0.02;
    let s = unsafe {
        grpo_fit(
            t.as_ptr(),
            y.as_ptr(),
            std::ptr::null(),
            t.len(),
            &o,
            &mut out2,
        )
    };
    assert_eq!(s, 0);
}

#[test]
fn statuses_and_untouched_output() {
    let t = [0.0, 1.0, 2.0, 3.0, 4.0];
    let y = [0.1, 0.3, 0.5, 0.6, 0.65];
    let w = [1.0, 1.0, -1.0, 1.0, 1.0];
    let o = opts();
    let code = |k, p| Error::new(k, p).code();
    let mut out = zero_result();
    let before = out;
    unsafe {
        assert_eq!(
            grpo_fit(
                std::ptr::null(),
                y.as_ptr(),
                std::ptr::null(),
                5,
                &o,
                &mut out
            ),
            code(ErrorKind::NullPointer, Param::T)
        );
        assert_eq!(
            grpo_fit(t.as_ptr(), y.as_ptr(), w.as_ptr(), 5, &o, &mut out),
            code(ErrorKind::OutOfRange, Param::Weights)
        );
        assert_eq!(
            grpo_fit(
                t.as_ptr(),
                y.as_ptr(),
                std::ptr::null(),
                5,
                &o,
                std::ptr::null_mut()
            ),
            code(ErrorKind::NullPointer, Param::Output)
        );
        assert_eq!(
            grpo_fit(t.as_ptr(), y.as_ptr(), std::ptr::null(), 0, &o, &mut out),
            code(ErrorKind::Empty, Param::T)
        );
        let mut bad = o;
        bad.model = 6;
        assert_eq!(
            grpo_fit(t.as_ptr(), y.as_ptr(), std::ptr::null(), 5, &bad, &mut out),
            code(ErrorKind::UnknownCode, Param::Model)
        );
        let mut bad = o;
        bad.loss = 3;
        assert_eq!(
            grpo_fit(t.as_ptr(), y.as_ptr(), std::ptr::null(), 5, &bad, &mut out),
            code(ErrorKind::UnknownCode, Param::Loss)
        );
        let mut bad = o;
        bad.model = 3;
        assert_eq!(
            grpo_fit(t.as_ptr(), y.as_ptr(), std::ptr::null(), 4, &bad, &mut out),
            code(ErrorKind::TooFewPoints, Param::N)
        );
    }
    assert_eq!(out, before);
}
