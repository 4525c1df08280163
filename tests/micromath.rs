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
