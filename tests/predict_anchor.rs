//! Local-level anchoring, gain shrinkage and the minimum evidence before a plateau stop
//! (`Config::level_half_life`, `Config::gain_shrink`, `Config::min_stop_points`). Anchoring and
//! shrinkage belong to the oscillator family: those tests switch the power-law half of the
//! combination off (`power_weight = 0`).

/// Defaults with the oscillator family alone.
fn oscillator_only(lo: f64, hi: f64) -> Config<f64> {
    let mut c = Config::new(lo, hi);
    c.power_weight = 0.0;
    c
}

use grpo_dynamics::predict::*;
use grpo_dynamics::trajectory::Exponential;
use grpo_dynamics::{ErrorKind, Param};

mod common;
use common::Rng;

fn predictor(cfg: Config<f64>, t: &[f64], y: &[f64]) -> Predictor<f64, 256> {
    let mut p = Predictor::<f64, 256>::with_config(cfg).unwrap();
    for (&s, &r) in t.iter().zip(y) {
        p.push(s, r).unwrap();
    }
    p
}

#[test]
fn noise_free_curve_of_the_family_is_unchanged() {
    // exact single exponential: residuals ~0 (offset ~0) and a gain known to rounding (lambda ~1)
    let truth = Exponential::new(0.85, 0.2, 30.0).unwrap();
    let t: Vec<f64> = (0..60).map(|i| i as f64).collect();
    let y: Vec<f64> = t.iter().map(|&s| truth.value(s).unwrap()).collect();
    let mut p = predictor(oscillator_only(0.0, 1.0), &t, &y);
    for h in [59.0, 90.0, 200.0] {
        let f = p.reward_at(h).unwrap();
        let want = truth.value(h).unwrap();
        assert!((f.value - want).abs() < 1e-5, "{h}: {} vs {want}", f.value);
    }
    let pl = p.plateau().unwrap();
    assert!((pl.value - 0.85).abs() < 1e-5, "{pl:?}");
    assert!((p.current().unwrap() - truth.value(59.0).unwrap()).abs() < 1e-6);
}

#[test]
fn forecast_restarts_from_the_recent_level() {
    // a saturating run whose last 18 points sit 0.06 above the law (a late improvement the
    // law cannot follow); the anchored forecast starts from the recent level, the plain fit does not
    let truth = Exponential::new(0.7, 0.3, 25.0).unwrap();
    let mut rng = Rng::new(11);
    let n = 120;
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&s| {
            let shift = if s >= 102.0 { 0.06 } else { 0.0 };
            truth.value(s).unwrap() + shift + 0.01 * rng.normal()
        })
        .collect();
    let new_level = 0.7 + 0.06;
    // half-life 0.05 * 119 = 6 steps: the level carries 1 - 2^-3 of a shift 18 steps old
    let mut cfg = oscillator_only(0.0, 1.0);
    cfg.level_half_life = 0.05;
    let anchored = predictor(cfg, &t, &y).reward_at(180.0).unwrap();
    let mut plain_cfg = oscillator_only(0.0, 1.0);
    plain_cfg.level_half_life = 0.0;
    let plain = predictor(plain_cfg, &t, &y).reward_at(180.0).unwrap();
    let (ea, ep) = (
        (anchored.value - new_level).abs(),
        (plain.value - new_level).abs(),
    );
    eprintln!("anchored error {ea:.4}, plain error {ep:.4}");
    assert!(
        ea < 0.02 && ea < 0.5 * ep,
        "anchored {anchored:?}, plain {plain:?}"
    );
    assert!(anchored.lo80 <= new_level && new_level <= anchored.hi80);
}

#[test]
fn gain_shrinkage_follows_its_formula() {
    // short noisy start: F_k = L + lambda_k G with lambda_k = G^2 / (G^2 + k v). From k = 0
    // (G = F_0 - L) and k = 1 (v = G^2 (1 / lambda_1 - 1)) the k = 2 forecast is determined:
    // lambda_2 = 1 / (1 + 2 (1 / lambda_1 - 1)).
    let truth = Exponential::new(0.8, 0.3, 60.0).unwrap();
    let mut rng = Rng::new(4);
    let t: Vec<f64> = (0..14).map(|i| i as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&s| truth.value(s).unwrap() + 0.04 * rng.normal())
        .collect();
    let run = |k: f64| {
        let mut cfg = oscillator_only(f64::NEG_INFINITY, f64::INFINITY);
        cfg.gain_shrink = k;
        let mut p = predictor(cfg, &t, &y);
        let f = p.reward_at(150.0).unwrap();
        (f, p.current().unwrap(), p.model().unwrap())
    };
    let (f0, l0, m0) = run(0.0);
    let (f1, l1, m1) = run(1.0);
    let (f2, _, m2) = run(2.0);
    assert!(m0 == m1 && m1 == m2 && m0 != ModelKind::Constant, "{m0:?}");
    assert!((l0 - l1).abs() < 1e-12);
    let g = f0.value - l0;
    let lam1 = (f1.value - l1) / g;
    assert!(
        lam1 > 0.0 && lam1 < 0.99,
        "lambda_1 {lam1}: the test needs real shrinkage"
    );
    let lam2 = 1.0 / (1.0 + 2.0 * (1.0 / lam1 - 1.0));
    let want = l1 + lam2 * g;
    assert!(
        (f2.value - want).abs() < 1e-9 * (1.0 + want.abs()),
        "{} vs {want}",
        f2.value
    );
    // shrinkage never widens the gain, intervals stay ordered
    assert!((f1.value - l1).abs() <= g.abs() && (f2.value - l1).abs() <= (f1.value - l1).abs());
    for f in [f0, f1, f2] {
        assert!(f.lo95 <= f.lo80 && f.lo80 <= f.value && f.value <= f.hi80 && f.hi80 <= f.hi95);
    }
}

#[test]
fn a_flat_start_of_six_points_is_no_plateau_evidence() {
    // 20 flat noisy starts of six points, for a user who does not train on for less than 0.1:
    // without the evidence rule most of them are answered "stop: plateau reached"; with the
    // default rule (20 raw points) none is
    let t: Vec<f64> = (0..6).map(|i| i as f64).collect();
    let mut stops_without_rule = 0;
    for seed in 0..20 {
        let mut rng = Rng::new(seed);
        let ys: Vec<f64> = t.iter().map(|_| 0.3 + 0.02 * rng.normal()).collect();
        let mut cfg = Config::new(0.0, 1.0);
        cfg.min_gain = 0.1;
        cfg.min_stop_points = 0.0;
        let mut p = predictor(cfg, &t, &ys);
        if p.advice(500.0).unwrap().kind == AdviceKind::StopPlateau {
            stops_without_rule += 1;
        }
        let mut cfg = Config::new(0.0, 1.0);
        cfg.min_gain = 0.1;
        let mut p = predictor(cfg, &t, &ys);
        let a = p.advice(500.0).unwrap();
        assert_eq!(a.kind, AdviceKind::Continue, "seed {seed}: {a:?}");
    }
    assert!(stops_without_rule >= 15, "{stops_without_rule}");
    // enough flat points: stop
    let mut rng = Rng::new(8);
    let t: Vec<f64> = (0..40).map(|i| i as f64).collect();
    let ys: Vec<f64> = t.iter().map(|_| 0.3 + 0.02 * rng.normal()).collect();
    let mut cfg = Config::new(0.0, 1.0);
    cfg.min_gain = 0.1;
    let mut p = predictor(cfg, &t, &ys);
    assert_eq!(p.advice(500.0).unwrap().kind, AdviceKind::StopPlateau);
}

#[test]
fn new_settings_are_validated() {
    let bad = |f: fn(&mut Config<f64>)| {
        let mut c = Config::new(0.0, 1.0);
        f(&mut c);
        Predictor::<f64, 16>::with_config(c).unwrap_err()
    };
    let e = bad(|c| c.level_half_life = -0.1);
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::OutOfRange, Param::LevelHalfLife)
    );
    let e = bad(|c| c.gain_shrink = f64::NAN);
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::NonFinite, Param::GainShrink)
    );
    let e = bad(|c| c.min_stop_points = -1.0);
    assert_eq!((e.kind(), e.param()), (ErrorKind::OutOfRange, Param::N));
}
