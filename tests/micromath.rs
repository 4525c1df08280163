//! With the `micromath` feature the f32 trajectory uses micromath's fast exp/sin/cos/sqrt. This
//! measures its error against the f64 (libm) trajectory and asserts the bound documented in
//! `grpo_dynamics::trajectory` (`MICROMATH_F32_BOUND`, scaled by `|r0 - r_star| + |v0|/omega`).
#![cfg(feature = "micromath")]

use grpo_dynamics::trajectory::{Oscillator, MICROMATH_F32_BOUND};

#[test]
fn f32_micromath_trajectory_within_documented_bound() {
    let mut worst = 0.0f64;
    let zetas = [
        0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1.0, 1.001, 1.5, 3.0, 10.0, 60.0,
    ];
    for (rs, r0, v0, w) in [
        (0.7, 0.1, 0.0, 0.15),
        (0.7, 0.1, 0.02, 0.15),
        (0.3, 0.9, -0.05, 1.0),
        (0.72, 0.12, 0.0, 0.003),
    ] {
        for z in zetas {
            let o32 = Oscillator::new(rs as f32, r0 as f32, v0 as f32, w as f32, z as f32).unwrap();
            let p = [
                rs as f32 as f64,
                r0 as f32 as f64,
                v0 as f32 as f64,
                w as f32 as f64,
                z as f32 as f64,
            ];
            let o64 = Oscillator::new(p[0], p[1], p[2], p[3], p[4]).unwrap();
            let scale = (p[1] - p[0]).abs() + p[2].abs() / p[3];
            // a few periods / time constants (where the value is not just r_star)
            let horizon = 20.0 / (p[3] * p[4].clamp(0.05, 1.0));
            let mut grid = vec![0.0f32; 512];
            let dt = (horizon / 512.0) as f32;
            o32.eval_grid(0.0, dt, &mut grid).unwrap();
            for (i, g) in grid.iter().enumerate() {
                let t = i as f32 * dt;
                let exact = o64.value(t as f64).unwrap();
                let e1 = (o32.value(t).unwrap() as f64 - exact).abs() / scale;
                let e2 = (*g as f64 - exact).abs() / scale;
                worst = worst.max(e1).max(e2);
            }
        }
    }
    println!(
        "micromath f32 trajectory: worst scaled error {worst:.3e} (bound {MICROMATH_F32_BOUND:e})"
    );
    assert!(worst <= MICROMATH_F32_BOUND, "{worst:e}");
    // and it is a real approximation (not libm in disguise): larger than plain f32 rounding
    assert!(worst > 1e-6, "{worst:e}");
}

/// The elementary functions micromath replaces stay within the bounds `grpo_dynamics::real`
/// documents (and the tests of the `f32` paths derive their tolerances from): relative error of
/// `exp` on `|x| <= 8`, absolute error of `sin`/`cos` on `|x| <= 8` and of `atan2` over every
/// direction and radius; `ln` and `sqrt` are libm's (checked to f32 rounding).
#[test]
fn micromath_elementary_functions_within_documented_bounds() {
    use grpo_dynamics::real::{MICROMATH_ATAN2_ABS, MICROMATH_EXP_REL, MICROMATH_SIN_COS_ABS};
    use grpo_dynamics::Real;
    let (mut we, mut ws, mut wa, mut wl) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for i in -80_000..=80_000 {
        let x = (i as f64 * 1e-4) as f32;
        let xd = x as f64;
        we = we.max(((Real::exp(x) as f64 - xd.exp()) / xd.exp()).abs());
        ws = ws.max((Real::sin(x) as f64 - xd.sin()).abs());
        ws = ws.max((Real::cos(x) as f64 - xd.cos()).abs());
        if x > 0.0 {
            wl = wl.max(((Real::ln(x) as f64 - xd.ln()) / xd.ln().abs().max(1.0)).abs());
        }
    }
    for i in 0..2000 {
        for j in 0..200 {
            let ang = i as f64 / 2000.0 * std::f64::consts::TAU;
            let r = j as f64 * 0.05 + 0.01;
            let (y, x) = ((ang.sin() * r) as f32, (ang.cos() * r) as f32);
            let d = (Real::atan2(y, x) as f64 - (y as f64).atan2(x as f64)).abs();
            wa = wa.max(d.min((d - std::f64::consts::TAU).abs()));
        }
    }
    println!(
        "micromath f32: exp rel {we:.2e}, sin/cos abs {ws:.2e}, atan2 abs {wa:.2e}, ln {wl:.1e}"
    );
    assert!(we <= MICROMATH_EXP_REL, "exp {we:e}");
    assert!(ws <= MICROMATH_SIN_COS_ABS, "sin/cos {ws:e}");
    assert!(wa <= MICROMATH_ATAN2_ABS, "atan2 {wa:e}");
    assert!(wl <= 4.0 * f32::EPSILON as f64, "ln {wl:e}");
    // the approximations are in use (not libm in disguise)
    assert!(we > 1e-5 && ws > 1e-5 && wa > 1e-5);
}
