//! Ready parameter sets: noiseless recovery (data from closed forms written here, independent of
//! the trajectory module), AUTO selection, multi-start, C ABI.

use grpo_dynamics::fit::{fit, fit_auto, Options, ParamSet, Start, Termination};

/// A.3 closed form (test-side, plain f64; the fitted cases stay away from zeta = 1 +- 1e-3).
fn osc(rs: f64, r0: f64, v0: f64, w: f64, z: f64, t: f64) -> f64 {
    let y0 = r0 - rs;
    let b = v0 + z * w * y0;
    let e = (-z * w * t).exp();
    let (cc, s) = if (z - 1.0).abs() < 1e-12 {
        (1.0, t)
    } else if z < 1.0 {
        let q = w * (1.0 - z * z).sqrt();
        ((q * t).cos(), (q * t).sin() / q)
    } else {
        let q = w * (z * z - 1.0).sqrt();
        ((q * t).cosh(), (q * t).sinh() / q)
    };
    rs + e * (y0 * cc + b * s)
}

fn truth_curve(set: ParamSet, p: &[f64], t: f64) -> f64 {
    match set {
        ParamSet::Saturation => p[0] - (p[0] - p[1]) * (-t / p[2]).exp(),
        ParamSet::Critical => osc(p[0], p[1], 0.0, p[2], 1.0, t),
        ParamSet::SlowStart => osc(p[0], p[1], 0.0, p[2], p[3], t),
        ParamSet::Full => osc(p[0], p[1], p[2], p[3], p[4], t),
        ParamSet::Overdamped => {
            let (tau, tm) = (p[2], p[3]);
            osc(
                p[0],
                p[1],
                0.0,
                1.0 / (tau * tm).sqrt(),
                0.5 * (tau / tm).sqrt(),
                t,
            )
        }
    }
}

const CASES: [(ParamSet, &[f64]); 6] = [
    (ParamSet::Saturation, &[0.8, 0.1, 37.0]),
    (ParamSet::Critical, &[0.75, 0.1, 0.06]),
    (ParamSet::SlowStart, &[0.7, 0.1, 0.08, 0.4]),
    (ParamSet::Full, &[0.7, 0.1, 0.002, 0.08, 0.6]),
    (ParamSet::Full, &[0.65, 0.15, -0.001, 0.09, 1.8]),
    (ParamSet::Overdamped, &[0.7, 0.1, 30.0, 3.0]),
];

fn check_recovery(t: &[f64]) {
    for (set, p) in CASES {
        let y: Vec<f64> = t.iter().map(|&t| truth_curve(set, p, t)).collect();
        let f = fit(set, t, &y, None, Start::Data, &Options::default()).unwrap();
        assert!(f.termination.converged(), "{set:?}: {:?}", f.termination);
        for (j, &pj) in p.iter().enumerate() {
            let rel = ((f.params[j] - pj) / pj).abs();
            assert!(
                rel < 1e-8,
                "{set:?} param {j}: {} vs {pj} (rel {rel:e})",
                f.params[j]
            );
        }
        assert!(f.r2 > 1.0 - 1e-12);
    }
}

#[test]
fn noiseless_recovery_uniform_grid() {
    let t: Vec<f64> = (0..200).map(|i| i as f64).collect();
    check_recovery(&t);
}

#[test]
fn noiseless_recovery_irregular_times() {
    // t starts at 0 (the model's origin is t[0]); irregular spacing disables the grid path
    let t: Vec<f64> = (0..180)
        .map(|i| i as f64 + 0.3 * ((i * 7 % 5) as f64) / 5.0)
        .collect();
    check_recovery(&t);
}

#[test]
fn time_origin_is_first_point() {
    // the same curve shifted by 100 steps gives the same parameters
    let p = [0.8, 0.1, 25.0];
    let t: Vec<f64> = (0..150).map(|i| 100.0 + i as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| truth_curve(ParamSet::Saturation, &p, t - 100.0))
        .collect();
    let f = fit(
        ParamSet::Saturation,
        &t,
        &y,
        None,
        Start::Data,
        &Options::default(),
    )
    .unwrap();
    for (got, want) in f.params.iter().zip(&p) {
        assert!(((got - want) / want).abs() < 1e-8);
    }
}

#[test]
fn auto_picks_the_generating_family() {
    // noisy S-curve from the slow-start oscillator: AUTO must not pick the saturation law, and the
    // docs/model.md A.8 claim holds: inertial R^2 above the single exponential's
    let p = [0.7, 0.1, 0.05, 0.9];
    let mut s = 12345u64;
    let t: Vec<f64> = (0..200).map(|i| i as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1);
            let u = ((s >> 11) as f64) / ((1u64 << 53) as f64) - 0.5;
            truth_curve(ParamSet::SlowStart, &p, t) + 0.01 * u
        })
        .collect();
    let a = fit_auto(&t, &y, None, &Options::default()).unwrap();
    let sat = fit(
        ParamSet::Saturation,
        &t,
        &y,
        None,
        Start::Data,
        &Options::default(),
    )
    .unwrap();
    assert_ne!(a.set, ParamSet::Saturation);
    assert!(a.aicc < sat.aicc && a.r2 > sat.r2);
    assert!((a.plateau - 0.7).abs() < 5.0 * a.plateau_stderr + 1e-3);
    // every set's AICc is >= the chosen one
    for set in ParamSet::ALL {
        if let Ok(f) = fit(set, &t, &y, None, Start::Data, &Options::default()) {
            assert!(f.aicc >= a.aicc - 1e-9, "{set:?}");
        }
    }
}

#[test]
fn multistart_never_worse_than_single_start() {
    let t: Vec<f64> = (0..200).map(|i| i as f64).collect();
    for z in [0.3, 0.7, 1.5, 2.5] {
        let y: Vec<f64> = t
            .iter()
            .map(|&t| osc(0.7, 0.1, 0.0, 0.07, z, t) + 0.01 * (t * 1.7).sin())
            .collect();
        let single = fit(
            ParamSet::Full,
            &t,
            &y,
            None,
            Start::DataSingle,
            &Options::default(),
        )
        .unwrap();
        let multi = fit(
            ParamSet::Full,
            &t,
            &y,
            None,
            Start::Data,
            &Options::default(),
        )
        .unwrap();
        assert!(
            multi.objective <= single.objective * (1.0 + 1e-9) || !single.termination.converged()
        );
        // the restarts run only when the first run fails the cheap test, so never fewer passes
        assert!(multi.evaluations >= single.evaluations);
    }
}

#[test]
fn bounds_hold_on_every_set() {
    // pure noise around a slope: whatever happens, every parameter stays inside its box
    let t: Vec<f64> = (0..120).map(|i| i as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| 0.3 + 0.001 * t + 0.05 * (t * 2.3).sin())
        .collect();
    for set in ParamSet::ALL {
        let f = fit(set, &t, &y, None, Start::Data, &Options::default()).unwrap();
        let (lo, hi) = set.default_bounds(119.0);
        for j in 0..set.n_params() {
            assert!(f.params[j] >= lo[j] && f.params[j] <= hi[j], "{set:?} {j}");
        }
        assert!(f.cost.is_finite());
        assert_ne!(f.termination, Termination::NonFinite);
    }
}

#[test]
fn f32_fits_agree_with_f64() {
    let t: Vec<f64> = (0..200).map(|i| i as f64).collect();
    for (set, p) in [CASES[0], CASES[2], CASES[5]] {
        let y: Vec<f64> = t
            .iter()
            .map(|&t| truth_curve(set, p, t) + 0.01 * (t * 1.7).sin())
            .collect();
        let f64fit = fit(set, &t, &y, None, Start::Data, &Options::default()).unwrap();
        let t32: Vec<f32> = t.iter().map(|&v| v as f32).collect();
        let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        let f32fit = fit(set, &t32, &y32, None, Start::Data, &Options::default()).unwrap();
        assert!(
            f32fit.termination.converged(),
            "{set:?} {:?}",
            f32fit.termination
        );
        // Default build: every parameter within 2e-3. With `compact` (another summation order)
        // or `micromath` (f32 exp with its stated relative error) the f32 overdamped fit can stop
        // in a neighbouring minimum of the tau / t_m valley (a known weakness of the default fit
        // path in f32, up to 1.7x the f64 cost on this curve): there only the plateau
        // (parameter 0) and a cost within 2x are required.
        let loose = cfg!(any(feature = "compact", feature = "micromath"));
        let tol = if loose {
            2e-3 + 2.0 * grpo_dynamics::real::MICROMATH_EXP_REL
        } else {
            2e-3
        };
        let checked = if loose {
            assert!(
                (f32fit.cost as f64) <= 2.0 * f64fit.cost + 1e-4,
                "{set:?}: cost {} vs {}",
                f32fit.cost,
                f64fit.cost
            );
            1
        } else {
            set.n_params()
        };
        for j in 0..checked {
            let (a, b) = (f64fit.params[j], f32fit.params[j] as f64);
            assert!(
                (a - b).abs() <= tol * a.abs().max(1e-2),
                "{set:?} {j}: {a} vs {b}"
            );
        }
    }
}

/// The level parameters are bounded to five data ranges around the data; no fit of a shared
/// curve may report a plateau beyond them (the collapse run used to give -11892 +- 3e8).
#[test]
fn level_parameters_stay_near_the_data() {
    use grpo_dynamics::fit::{fit_auto, Curve, Options, ParamSet};
    // rise and collapse: no damped law explains it, the plateau must stay bounded
    let t: Vec<f64> = (0..40).map(|k| 5.0 * (k + 1) as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&s| {
            if s < 120.0 {
                0.9 * (1.0 - (-s / 20.0).exp())
            } else {
                0.9 * (-(s - 120.0) / 15.0).exp()
            }
        })
        .collect();
    let f = fit_auto(&t, &y, None, &Options::default()).unwrap();
    let (lo, hi) = ParamSet::Full.curve_bounds(&Curve::new(&t, &y, None).unwrap());
    let (ymin, ymax) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    assert_eq!(lo[0], ymin - 5.0 * (ymax - ymin));
    assert_eq!(hi[1], ymax + 5.0 * (ymax - ymin));
    assert!(
        f.plateau >= lo[0] && f.plateau <= hi[0],
        "plateau {}",
        f.plateau
    );
    assert!(f.plateau.is_finite() && f.plateau_stderr.is_finite());
}
