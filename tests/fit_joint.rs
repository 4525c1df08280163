#![allow(clippy::needless_range_loop)]
//! Joint fits: group-size invariance (spec D) and the size exponent (spec B.3) on synthetic data
//! with known truth.

use grpo_dynamics::fit::joint::{
    group_invariance, size_exponent, size_exponent_from_curves, Tagged,
};
use grpo_dynamics::fit::{Options, ParamSet};

mod common;
use common::Rng;

fn sat(a: f64, r0: f64, tau: f64, t: f64) -> f64 {
    a - (a - r0) * (-t / tau).exp()
}

#[test]
fn invariant_curves_pass_and_variance_scales_as_one_over_g() {
    let t: Vec<f64> = (0..400).map(|i| i as f64).collect();
    let gs: [f64; 3] = [4.0, 16.0, 64.0];
    let mut rng = Rng::new(99);
    // var = 0.004 / G  (sd 0.032 at G = 4)
    let ys: Vec<Vec<f64>> = gs
        .iter()
        .map(|g| {
            t.iter()
                .map(|&t| sat(0.75, 0.1, 60.0, t) + (0.004 / g).sqrt() * rng.normal())
                .collect()
        })
        .collect();
    let curves: Vec<Tagged<f64>> = gs
        .iter()
        .zip(&ys)
        .map(|(&g, y)| Tagged {
            tag: g,
            t: &t,
            y,
            w: None,
        })
        .collect();
    let r = group_invariance::<f64, 4>(ParamSet::Saturation, &curves, &Options::default()).unwrap();
    assert_eq!((r.df1, r.df2), (6, 1200 - 9));
    // F(6, 1191) 99.9 % quantile is about 3.8
    assert!(r.f_stat < 3.8, "F = {}", r.f_stat);
    assert!(r.rss_shared >= r.rss_separate);
    assert!(
        (r.variance_slope + 1.0).abs() < 0.15,
        "slope {}",
        r.variance_slope
    );
    for g in 0..3 {
        let rel = r.variance_ratio[g] / r.predicted_ratio[g];
        assert!((rel - 1.0).abs() < 0.25, "curve {g}: {rel}");
        assert!((r.variance[g] - 0.004 / gs[g]).abs() < 0.25 * 0.004 / gs[g]);
    }
    assert!((r.shared.params[0] - 0.75).abs() < 0.005);
}

#[test]
fn different_trajectories_are_rejected() {
    let t: Vec<f64> = (0..300).map(|i| i as f64).collect();
    let mut rng = Rng::new(7);
    let y1: Vec<f64> = t
        .iter()
        .map(|&t| sat(0.75, 0.1, 60.0, t) + 0.01 * rng.normal())
        .collect();
    let y2: Vec<f64> = t
        .iter()
        .map(|&t| sat(0.65, 0.1, 30.0, t) + 0.01 * rng.normal())
        .collect();
    let curves = [
        Tagged {
            tag: 4.0,
            t: &t[..],
            y: &y1[..],
            w: None,
        },
        Tagged {
            tag: 16.0,
            t: &t[..],
            y: &y2[..],
            w: None,
        },
    ];
    let r = group_invariance::<f64, 2>(ParamSet::Saturation, &curves, &Options::default()).unwrap();
    assert!(r.f_stat > 100.0 && r.lr_stat > 100.0);
    assert!(r.variance_slope_stderr.is_infinite());
    // capacity and count errors
    let e =
        group_invariance::<f64, 1>(ParamSet::Saturation, &curves, &Options::default()).unwrap_err();
    assert_eq!(e.kind(), grpo_dynamics::ErrorKind::CapacityExceeded);
    let e = group_invariance::<f64, 2>(ParamSet::Saturation, &curves[..1], &Options::default())
        .unwrap_err();
    assert_eq!(e.kind(), grpo_dynamics::ErrorKind::TooFewPoints);
}

#[test]
fn size_exponent_exact_and_from_curves() {
    // exact power law: alpha recovered to rounding
    let n = [1e8, 3e8, 1e9, 7e9];
    let tau: Vec<f64> = n
        .iter()
        .map(|&n: &f64| 200.0 * (n / 1e8).powf(-0.35))
        .collect();
    let r = size_exponent(&n, &tau, &[f64::NAN; 4]).unwrap();
    assert!((r.alpha - 0.35).abs() < 1e-12 && r.alpha_stderr < 1e-10);
    // from noisy curves: within 4 standard errors and 0.05 of the truth
    let t: Vec<f64> = (0..500).map(|i| i as f64).collect();
    let mut rng = Rng::new(3);
    let ys: Vec<Vec<f64>> = tau
        .iter()
        .map(|&tau| {
            t.iter()
                .map(|&t| sat(0.8, 0.1, tau, t) + 0.01 * rng.normal())
                .collect()
        })
        .collect();
    let curves: Vec<Tagged<f64>> = n
        .iter()
        .zip(&ys)
        .map(|(&n, y)| Tagged {
            tag: n,
            t: &t,
            y,
            w: None,
        })
        .collect();
    let r = size_exponent_from_curves::<f64, 8>(ParamSet::Saturation, &curves, &Options::default())
        .unwrap();
    assert!(
        (r.alpha - 0.35).abs() < 0.05 && (r.alpha - 0.35).abs() < 4.0 * r.alpha_stderr.max(1e-3)
    );
    let e = size_exponent_from_curves::<f64, 8>(ParamSet::Full, &curves, &Options::default())
        .unwrap_err();
    assert_eq!(e.param(), grpo_dynamics::Param::Model);
}
