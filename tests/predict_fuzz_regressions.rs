//! Regressions found by `fuzz/fuzz_targets/predictor.rs`, one test each.

use grpo_dynamics::predict::{Config, Forecast, Point, Predictor};

fn assert_ordered(f: &Forecast<f64>, lo: f64, hi: f64) {
    let xs = [f.lo95, f.lo80, f.value, f.hi80, f.hi95];
    assert!(
        xs.iter().all(|x| !x.is_nan()) && !f.sd.is_nan(),
        "NaN in {f:?}"
    );
    assert!(xs.windows(2).all(|w| w[0] <= w[1]), "unordered {f:?}");
    assert!(lo <= f.lo95 && f.hi95 <= hi, "outside the bounds {f:?}");
}

/// A huge (finite, accepted) drift coefficient made `drift * s2` overflow to `inf`; for the
/// plateau of a window that ends at the forecast time the extrapolation distance is 0 and
/// `inf * 0` turned the predictive variance, sd and every interval end into NaN.
#[test]
fn huge_drift_does_not_make_intervals_nan() {
    let (lo, hi) = (4.71, 145.92);
    let mut cfg = Config::new(lo, hi);
    cfg.refit_every = 1;
    cfg.min_points = 3;
    cfg.interval_scale = 23.13;
    cfg.drift = f64::MAX;
    cfg.huber_k = f64::MAX;
    let mut p = Predictor::<f64, 16>::with_config(cfg).unwrap();
    // the fuzzer's sequence: (step increment, reward, weight)
    let pts = [
        (23.13, 23.13, 1.0),
        (17.99, 17.99, 17.99),
        (17.99, 17.99, 1.0),
        (23.13, 23.13, 1.0),
        (23.13, 23.13, 1.0),
        (23.13, 23.13, 1.0),
        (0.01, 23.13, 1.0),
        (122.97, 23.13, 1.0),
    ];
    for (d, r, w) in pts {
        let last = p.window().last().map_or(0.0, |q| q.step);
        p.push_point(Point {
            step: last + d,
            reward: r,
            weight: w,
        })
        .unwrap();
    }
    let pr = p.predict(163.68).unwrap();
    assert_ordered(&pr.at_horizon, lo, hi);
    assert_ordered(&pr.plateau, lo, hi);
    // at the last observed step (no extrapolation) too
    let last = p.window().last().unwrap().step;
    let f = p.reward_at(last).unwrap();
    assert_ordered(&f, lo, hi);
}

/// `step_to_target` / `step_to_fraction` return `origin + t` with `t` measured from the first
/// step; for a target already met at the last point, `origin + (last - origin)` rounded to
/// 89.95999999999998 < 89.96: an answer before the last observed step.
#[test]
fn step_answers_are_not_before_the_last_step() {
    let mut cfg = Config::new(0.0, 133.12);
    cfg.refit_every = 1;
    cfg.min_points = 3;
    cfg.interval_scale = 5e-324;
    cfg.huber_k = 1.6543612220322616e-24;
    let mut p = Predictor::<f64, 16>::with_config(cfg).unwrap();
    let mut step = 0.0;
    for d in [20.57, 23.13, 23.13, 23.13] {
        step += d;
        p.push(step, 23.13).unwrap();
    }
    let last = p.window().last().unwrap().step;
    assert_eq!(last, step);
    let s = p.step_to_target(23.13).unwrap();
    assert!(s >= last, "step {s} before the last step {last}");
}

/// Weights of f64::MAX and a subnormal interval scale: the forecast's sd came out NaN.
#[test]
fn huge_weights_subnormal_scale_no_nan() {
    let (lo, hi) = (0.0, 145.92);
    let mut cfg = Config::new(lo, hi);
    cfg.refit_every = 1;
    cfg.min_points = 3;
    cfg.interval_scale = 5e-324;
    let mut p = Predictor::<f64, 16>::with_config(cfg).unwrap();
    let pts = [
        (-0.01, 0.0, f64::MAX),
        (97.33, 23.13, 1.0),
        (312.41, -15.35, f64::MAX),
        (23.86, 23.13, 1.0),
        (125.53, 23.13, 1.0),
        (23.13, -1.0466116276213436e-197, 1.0),
    ];
    for (d, r, w) in pts {
        let last = p.window().last().map_or(0.0, |q| q.step);
        let _ = p.push_point(Point {
            step: last + d,
            reward: r,
            weight: w,
        });
    }
    for _ in 0..3 {
        if let Ok(f) = p.plateau() {
            assert_ordered(&f, lo, hi);
        }
    }
}
