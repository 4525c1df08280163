//! One model numbering (issue 13): the `GRPO_MODEL_*` constants are the Rust `ModelCode`s and the
//! old `grpo_fit` codes; `grpo_prediction.model_code` (in what was padding) names the same model
//! as the legacy `grpo_prediction.model`; the layout of `grpo_prediction` is unchanged.
#![cfg(feature = "capi")]

use grpo_dynamics::capi::*;
use grpo_dynamics::predict::ModelCode;
use grpo_dynamics::{Error, ErrorKind, Param};
use std::ffi::c_void;

#[test]
fn constants_are_the_rust_codes() {
    let consts = [
        (GRPO_MODEL_SATURATION, ModelCode::Saturation),
        (GRPO_MODEL_CRITICAL, ModelCode::Critical),
        (GRPO_MODEL_SLOW_START, ModelCode::SlowStart),
        (GRPO_MODEL_FULL, ModelCode::Full),
        (GRPO_MODEL_OVERDAMPED, ModelCode::Overdamped),
        (GRPO_MODEL_AUTO, ModelCode::Auto),
        (GRPO_MODEL_CONSTANT, ModelCode::Constant),
    ];
    assert_eq!(consts.len(), ModelCode::ALL.len());
    for (c, m) in consts {
        assert_eq!(c, m as u32);
        assert_eq!(ModelCode::try_from(c), Ok(m));
    }
    // the old grpo_fit values (0 saturation .. 5 auto) are unchanged
    assert_eq!(
        [
            GRPO_MODEL_SATURATION,
            GRPO_MODEL_CRITICAL,
            GRPO_MODEL_SLOW_START,
            GRPO_MODEL_FULL,
            GRPO_MODEL_OVERDAMPED,
            GRPO_MODEL_AUTO
        ],
        [0, 1, 2, 3, 4, 5]
    );
}

#[test]
fn prediction_layout_is_frozen() {
    use std::mem::{offset_of, size_of};
    assert_eq!(size_of::<grpo_prediction>(), 96);
    let offsets = [
        offset_of!(grpo_prediction, plateau),
        offset_of!(grpo_prediction, plateau_lo80),
        offset_of!(grpo_prediction, plateau_hi80),
        offset_of!(grpo_prediction, plateau_lo95),
        offset_of!(grpo_prediction, plateau_hi95),
        offset_of!(grpo_prediction, horizon),
        offset_of!(grpo_prediction, reward_at_horizon),
        offset_of!(grpo_prediction, horizon_lo80),
        offset_of!(grpo_prediction, horizon_hi80),
        offset_of!(grpo_prediction, model),
        offset_of!(grpo_prediction, regime),
        offset_of!(grpo_prediction, advice),
        offset_of!(grpo_prediction, model_code),
        offset_of!(grpo_prediction, r2),
    ];
    assert_eq!(
        offsets,
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 76, 80, 84, 88]
    );
}

fn fit_curve(model: u32, t: &[f64], y: &[f64]) -> Result<grpo_fit_result, i32> {
    let mut o = unsafe { std::mem::zeroed::<grpo_fit_options>() };
    unsafe { grpo_fit_options_default(&mut o) };
    o.model = model;
    let mut r = unsafe { std::mem::zeroed::<grpo_fit_result>() };
    match unsafe {
        grpo_fit(
            t.as_ptr(),
            y.as_ptr(),
            std::ptr::null(),
            t.len(),
            &o,
            &mut r,
        )
    } {
        GRPO_OK => Ok(r),
        s => Err(s),
    }
}

#[test]
fn fit_accepts_the_set_codes_and_refuses_the_rest() {
    let t: Vec<f64> = (0..80).map(|i| i as f64).collect();
    let y: Vec<f64> = t.iter().map(|s| 0.8 - 0.6 * (-s / 15.0).exp()).collect();
    for code in GRPO_MODEL_SATURATION..=GRPO_MODEL_OVERDAMPED {
        let r = fit_curve(code, &t, &y).unwrap();
        assert_eq!(r.model, code);
    }
    let r = fit_curve(GRPO_MODEL_AUTO, &t, &y).unwrap();
    assert!(r.model <= GRPO_MODEL_OVERDAMPED);
    for bad in [GRPO_MODEL_CONSTANT, 7, u32::MAX] {
        let s = fit_curve(bad, &t, &y).unwrap_err();
        assert_eq!(
            Error::from_code(s),
            Some(Error::new(ErrorKind::UnknownCode, Param::Model))
        );
    }
}

/// Feed `r(t)`, t = 0..n, to a C predictor and predict at 3n.
fn predict(r: impl Fn(f64) -> f64, n: usize) -> grpo_prediction {
    let mut mem = vec![0u64; grpo_predictor_size() / 8 + 1];
    let pm = mem.as_mut_ptr() as *mut c_void;
    let mut out = grpo_prediction::default();
    unsafe {
        assert_eq!(
            grpo_predictor_init(pm, grpo_predictor_size(), 0.0, 1.0),
            GRPO_OK
        );
        for i in 0..n {
            assert_eq!(grpo_predictor_push(pm, i as f64, r(i as f64)), GRPO_OK);
        }
        assert_eq!(
            grpo_predictor_predict(pm, 3.0 * n as f64, &mut out),
            GRPO_OK
        );
    }
    out
}

#[test]
fn prediction_model_code_matches_the_legacy_field() {
    type Curve = Box<dyn Fn(f64) -> f64>;
    let curves: [(&str, Curve, u32); 3] = [
        (
            "saturating",
            Box::new(|t| 0.8 - 0.6 * (-t / 25.0).exp()),
            GRPO_MODEL_SATURATION,
        ),
        (
            "underdamped",
            Box::new(|t| {
                let (w, z) = (0.08, 0.5);
                let wd = w * f64::sqrt(1.0 - z * z);
                0.7 - 0.5 * (-z * w * t).exp() * ((wd * t).cos() + z * w / wd * (wd * t).sin())
            }),
            GRPO_MODEL_SLOW_START,
        ),
        ("flat", Box::new(|t| 0.5 + 1e-3 * (t * 1.3).sin()), u32::MAX),
    ];
    for (name, r, want) in curves {
        let p = predict(r, 150);
        let code = ModelCode::from_prediction_legacy(p.model).unwrap();
        assert_eq!(p.model_code, code as u32, "{name}: {p:?}");
        if want != u32::MAX {
            assert_eq!(p.model_code, want, "{name}: {p:?}");
        }
    }
}

#[test]
fn header_declares_the_codes() {
    let h = include_str!("../include/grpo_dynamics.h");
    for (name, v) in [
        ("GRPO_MODEL_SATURATION", 0),
        ("GRPO_MODEL_CRITICAL", 1),
        ("GRPO_MODEL_SLOW_START", 2),
        ("GRPO_MODEL_FULL", 3),
        ("GRPO_MODEL_OVERDAMPED", 4),
        ("GRPO_MODEL_AUTO", 5),
        ("GRPO_MODEL_CONSTANT", 6),
    ] {
        assert!(
            h.contains(&format!("#define {name} {v}\n")),
            "{name} missing from the header"
        );
    }
    assert!(h.contains("uint32_t model_code;"));
}
