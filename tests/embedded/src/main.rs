//! Links the trajectory, fit (f32), stability and predictor code of grpo-dynamics for a
//! Cortex-M4F with no global allocator. Any allocation in those paths would fail this link
//! (there is no `alloc` crate and no `#[global_allocator]` here).
//!
//! Feature sets (see .ci/run and the README size table): default = trajectory + fit + stability;
//! `predictor` adds the online predictor.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use grpo_dynamics::fit::{fit, Options, ParamSet, Start};
use grpo_dynamics::stability::Hyper;
use grpo_dynamics::trajectory::Oscillator;
use panic_halt as _;

/// 64 points of a slow-start reward curve, evaluated on the grid (no transcendental per point).
fn curve(out: &mut [f32; 64]) -> f32 {
    let m = Oscillator::<f32>::new(0.7, 0.1, 0.0, black_box(0.12), black_box(0.9));
    match m {
        Ok(m) => match m.eval_grid(0.0, 1.0, out) {
            Ok(()) => out[63],
            Err(_) => f32::NAN,
        },
        Err(_) => f32::NAN,
    }
}

fn fit_curve(t: &[f32; 64], y: &[f32; 64]) -> f32 {
    match fit(
        ParamSet::SlowStart,
        t,
        y,
        None,
        Start::Data,
        &Options::default(),
    ) {
        Ok(f) => f.plateau,
        Err(_) => f32::NAN,
    }
}

fn stability() -> f32 {
    let h = Hyper::<f32>::new(black_box(0.3), 0.8, 0.018859);
    match h {
        Ok(h) => h.prop9_threshold().unwrap_or(f32::NAN) + h.critical_lag().unwrap_or(f32::NAN),
        Err(_) => f32::NAN,
    }
}

#[cfg(feature = "predictor")]
fn predictor(t: &[f32; 64], y: &[f32; 64]) -> f32 {
    use grpo_dynamics::predict::{Config, Predictor};
    let Ok(mut p) = Predictor::<f32, 64>::with_config(Config::new(0.0, 1.0)) else {
        return f32::NAN;
    };
    for (s, r) in t.iter().zip(y) {
        if p.push(*s, *r).is_err() {
            return f32::NAN;
        }
    }
    match p.predict(200.0) {
        Ok(pr) => pr.plateau.value,
        Err(_) => f32::NAN,
    }
}

#[entry]
fn main() -> ! {
    let mut y = [0.0f32; 64];
    let mut t = [0.0f32; 64];
    for (i, ti) in t.iter_mut().enumerate() {
        *ti = i as f32;
    }
    let last = curve(&mut y);
    let plateau = fit_curve(&t, black_box(&y));
    let k = stability();
    #[cfg(feature = "predictor")]
    let pp = predictor(&t, &y);
    #[cfg(not(feature = "predictor"))]
    let pp = 0.0f32;
    black_box((last, plateau, k, pp));
    loop {
        core::hint::spin_loop();
    }
}
