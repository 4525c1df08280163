//! The level-drop (collapse) test of E4: numbers against a brute-force reference (sorting, direct
//! sums), its false-positive rate under its own noise model, bad input, and the C ABI.

use grpo_dynamics::diagnostics::{
    level_drop, DiagnoseInput, DiagnoseOptions, DropOptions, InstabilityVerdict, SkipReason,
    DEFAULT_MIN_LOST,
};
use grpo_dynamics::predict::fit_and_diagnose;
use grpo_dynamics::{ErrorKind, Param};

mod common;
use common::Rng;

/// Brute force: (w, sigma, current, best, best_end, floor, z, lost) by sorting and direct sums.
fn reference(y: &[f64], r_min: f64, z_crit: f64) -> (usize, f64, f64, f64, usize, f64, f64, f64) {
    let n = y.len();
    let w = ((0.05 * n as f64).floor() as usize).max(5);
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let m = v.len();
        if m % 2 == 1 {
            v[m / 2]
        } else {
            0.5 * (v[m / 2 - 1] + v[m / 2])
        }
    };
    let d: Vec<f64> = y.windows(2).map(|p| p[1] - p[0]).collect();
    let md = median(d.clone());
    let mad = median(d.iter().map(|x| (x - md).abs()).collect());
    let sigma = 1.482602218505602 * mad / 2f64.sqrt();
    let level = |end: usize| y[end + 1 - w..=end].iter().sum::<f64>() / w as f64;
    let current = level(n - 1);
    let (mut best, mut best_end) = (f64::NEG_INFINITY, 0);
    for end in w - 1..=n - 1 - w {
        if level(end) > best {
            best = level(end);
            best_end = end;
        }
    }
    let se = sigma * (2.0 / w as f64).sqrt();
    let low = (w - 1..=best_end).map(level).fold(f64::INFINITY, f64::min);
    let floor = if r_min.is_finite() {
        r_min
    } else if best - low > z_crit * se {
        low
    } else {
        best
    };
    let lost = if best > floor {
        (best - current) / (best - floor)
    } else {
        0.0
    };
    (
        w,
        sigma,
        current,
        best,
        best_end,
        floor,
        (best - current) / se,
        lost,
    )
}

/// Upper normal quantile by bisection on the tail probability `0.5 erfc(z / sqrt 2)`.
fn upper_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 40.0f64);
    for _ in 0..200 {
        let m = 0.5 * (lo + hi);
        if 0.5 * libm::erfc(m / 2f64.sqrt()) > p {
            lo = m;
        } else {
            hi = m;
        }
    }
    0.5 * (lo + hi)
}

/// The critical value over the range of `alpha / m` (1e-12 .. 1/2): relative error below 1e-5.
#[test]
fn critical_value_accuracy() {
    let y: Vec<f64> = (0..40)
        .map(|i| 0.5 + 0.01 * ((i * 7919) % 13) as f64)
        .collect();
    let m = (40 - 2 * 5 + 1) as f64;
    for k in 0..=60 {
        let p = 10f64.powf(-12.0 + k as f64 * (12.0 - 0.302) / 60.0); // up to 0.499
        let opts = DropOptions {
            alpha: p * m,
            ..DropOptions::default()
        };
        if opts.alpha > 0.5 {
            continue;
        }
        let d = level_drop(&y, 0.0, &opts).unwrap();
        let z = upper_quantile(p);
        assert!(
            (d.z_crit / z - 1.0).abs() < 1e-5,
            "p = {p}: {} vs {z}",
            d.z_crit
        );
    }
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
        "{what}: {a} vs {b}"
    );
}

/// A noisy rise to 0.8, then (optionally) a collapse to 0.05 at `collapse_at`.
fn curve(n: usize, collapse_at: Option<usize>, noise: f64, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let base = match collapse_at {
                Some(c) if i >= c => 0.05,
                _ => 0.8 - 0.6 * (-(i as f64) / 20.0).exp(),
            };
            (base + noise * rng.normal()).clamp(0.0, 1.0)
        })
        .collect()
}

#[test]
fn numbers_match_a_brute_force_reference() {
    for (n, collapse, r_min, seed) in [
        (60, Some(45), 0.0, 1),
        (200, Some(150), f64::NEG_INFINITY, 2),
        (200, None, 0.0, 3),
        (333, None, f64::NEG_INFINITY, 4),
        (1000, Some(700), 0.0, 5),
    ] {
        let mut y = curve(n, collapse, 0.05, seed);
        if seed % 2 == 0 {
            // quantised rewards (16 samples per step): many tied differences
            y.iter_mut().for_each(|v| *v = (*v * 16.0).round() / 16.0);
        }
        let d = level_drop(&y, r_min, &DropOptions::default()).unwrap();
        let (w, sigma, current, best, best_end, floor, z, lost) = reference(&y, r_min, d.z_crit);
        assert_eq!(d.window, w);
        assert_eq!(d.best_end, best_end, "n = {n}");
        close(d.sigma, sigma, "sigma");
        close(d.current, current, "current");
        close(d.best, best, "best");
        close(d.floor, floor, "floor");
        close(d.z, z, "z");
        close(d.lost, lost, "lost");
        // z_crit: upper normal quantile of alpha / m, m = n - 2 w + 1 candidate windows
        let m = (n - 2 * w + 1) as f64;
        let zq = upper_quantile(0.01 / m);
        assert!((d.z_crit / zq - 1.0).abs() < 1e-5, "{} vs {zq}", d.z_crit);
        assert_eq!(d.min_lost, DEFAULT_MIN_LOST);
        assert_eq!(d.detected, z > d.z_crit && lost > DEFAULT_MIN_LOST);
        assert_eq!(d.detected, collapse.is_some(), "n = {n}: {d:?}");
    }
    // a known quantile: alpha / m = 0.001 -> z = 3.090232306167813 (Phi^-1(0.999))
    let y = curve(24, None, 0.05, 9); // w = 5, m = 24 - 10 + 1 = 15
    let opts = DropOptions {
        alpha: 0.015,
        ..DropOptions::default()
    };
    let d = level_drop(&y, 0.0, &opts).unwrap();
    assert!(
        (d.z_crit / 3.090232306167813 - 1.0).abs() < 1e-5,
        "{}",
        d.z_crit
    );
}

/// Under the noise model (a constant level with independent Gaussian noise) the drop is
/// significant (z > z_crit, `min_lost = 0`) in at most about `alpha` of the runs: the Bonferroni
/// bound over the candidate windows, with the robust sigma estimated from the same data.
#[test]
fn false_positive_rate_under_the_noise_model() {
    let opts = DropOptions {
        min_lost: 0.0,
        ..DropOptions::default()
    };
    let mut rng = Rng::new(42);
    let runs = 2000;
    let mut hits = 0;
    for i in 0..runs {
        let n = 40 + (i % 5) * 90; // 40 .. 400 points
        let y: Vec<f64> = (0..n).map(|_| 0.5 + 0.1 * rng.normal()).collect();
        if level_drop(&y, 0.0, &opts).unwrap().detected {
            hits += 1;
        }
    }
    // alpha = 0.01: 20 expected at most; 3 binomial sd above it is 33
    assert!(hits <= 33, "{hits} of {runs}");
    eprintln!("significant drops under H0: {hits}/{runs} (alpha = 0.01)");
}

#[test]
fn bad_input_is_named() {
    let y = curve(60, None, 0.05, 1);
    let o = DropOptions::<f64>::default();
    let err = |r: Result<_, grpo_dynamics::Error>| {
        let e = r.unwrap_err();
        (e.kind(), e.param())
    };
    let mut bad = y.clone();
    bad[7] = f64::NAN;
    assert_eq!(
        err(level_drop(&bad, 0.0, &o)),
        (ErrorKind::NonFinite, Param::Reward)
    );
    assert_eq!(
        err(level_drop(&y[..14], 0.0, &o)),
        (ErrorKind::TooFewPoints, Param::Reward)
    );
    assert!(level_drop(&y[..15], 0.0, &o).is_ok());
    for alpha in [0.0, 0.51, f64::NAN, -1.0] {
        let opts = DropOptions { alpha, ..o };
        let want = if alpha.is_nan() {
            ErrorKind::NonFinite
        } else {
            ErrorKind::OutOfRange
        };
        assert_eq!(err(level_drop(&y, 0.0, &opts)), (want, Param::Alpha));
    }
    let opts = DropOptions {
        min_lost: -0.1,
        ..o
    };
    assert_eq!(
        err(level_drop(&y, 0.0, &opts)),
        (ErrorKind::OutOfRange, Param::Fraction)
    );
    let opts = DropOptions {
        window_fraction: 0.0,
        ..o
    };
    assert_eq!(err(level_drop(&y, 0.0, &opts)).1, Param::Fraction);
    let opts = DropOptions { min_window: 1, ..o };
    assert_eq!(err(level_drop(&y, 0.0, &opts)).1, Param::Capacity);
    for r_min in [f64::NAN, f64::INFINITY] {
        assert_eq!(err(level_drop(&y, r_min, &o)).1, Param::RewardMin);
    }
    // a constant series has no drop
    let flat = vec![0.3; 50];
    let d = level_drop(&flat, 0.0, &o).unwrap();
    assert!(!d.detected && d.z == 0.0 && d.sigma == 0.0, "{d:?}");
}

#[test]
fn diagnose_reports_the_collapse_and_the_skips() {
    let y = curve(120, Some(100), 0.03, 11);
    let d = fit_and_diagnose(&DiagnoseInput::new(&y), &DiagnoseOptions::default()).unwrap();
    let l = d.instability.level_drop.expect("level drop ran");
    assert!(l.detected, "{l:?}");
    assert_eq!(d.instability.verdict, InstabilityVerdict::Unstable);
    assert_eq!(
        d.headline,
        grpo_dynamics::diagnostics::Headline::DynamicalInstability
    );
    assert_eq!(d.skipped.hacking, SkipReason::NoSeries);
    assert_eq!(d.skipped.degeneracy, SkipReason::NoSeries);
    assert_eq!(d.skipped.concentration, SkipReason::NoSeries);
    assert_eq!(d.skipped.level_drop, SkipReason::Ran);
    assert_eq!(d.options, DiagnoseOptions::default());
    // the same rise without the collapse: healthy
    let y = curve(120, None, 0.03, 11);
    let d = fit_and_diagnose(&DiagnoseInput::new(&y), &DiagnoseOptions::default()).unwrap();
    assert!(!d.instability.level_drop.unwrap().detected);
    assert_ne!(d.instability.verdict, InstabilityVerdict::Unstable);
    // zero-std fraction without G; eval with an unbounded train reward; too few points
    let z = vec![0.2; 120];
    let ev = y.clone();
    let inp = DiagnoseInput {
        zero_std_frac: Some(&z),
        eval_reward: Some(&ev),
        r_max: f64::INFINITY,
        ..DiagnoseInput::new(&y)
    };
    let d = fit_and_diagnose(&inp, &DiagnoseOptions::default()).unwrap();
    assert_eq!(d.skipped.degeneracy, SkipReason::NoGroupSize);
    assert_eq!(d.skipped.hacking, SkipReason::UnboundedReward);
    let d = fit_and_diagnose(&DiagnoseInput::new(&y[..10]), &DiagnoseOptions::default()).unwrap();
    assert_eq!(d.skipped.level_drop, SkipReason::TooFewPoints);
    assert!(d.instability.level_drop.is_none());
}

#[cfg(feature = "capi")]
#[test]
fn c_abi_evidence_equals_rust() {
    use grpo_dynamics::capi::*;
    use grpo_dynamics::Error;
    let y = curve(120, Some(100), 0.03, 11);
    let input = grpo_diagnose_input {
        n: y.len(),
        steps: std::ptr::null(),
        reward: y.as_ptr(),
        eval_reward: std::ptr::null(),
        entropy: std::ptr::null(),
        zero_std_frac: std::ptr::null(),
        group_size: 0,
        has_hyper: 0,
        lag: 0,
        r_min: 0.0,
        r_max: 1.0,
        r_max_eval: 1.0,
        eta: 0.0,
        mu: 0.0,
        k_hat: 0.0,
        kref: 0.0,
        expected_plateau: f64::NAN,
    };
    let rust = fit_and_diagnose(&DiagnoseInput::new(&y), &DiagnoseOptions::default()).unwrap();
    let l = rust.instability.level_drop.unwrap();
    let mut out = grpo_diagnosis::default();
    let mut ev = grpo_diagnosis_evidence::default();
    let mut dopt = unsafe { std::mem::zeroed::<grpo_drop_options>() };
    unsafe {
        assert_eq!(grpo_drop_options_default(&mut dopt), GRPO_OK);
        assert_eq!(dopt.min_lost, DEFAULT_MIN_LOST);
        assert_eq!(dopt.min_window, 5);
        assert_eq!(
            grpo_diagnose_evidence(
                &input,
                std::ptr::null(),
                std::ptr::null(),
                &mut out,
                &mut ev
            ),
            GRPO_OK
        );
    }
    let mut plain = grpo_diagnosis::default();
    assert_eq!(
        unsafe { grpo_diagnose(&input, std::ptr::null(), &mut plain) },
        GRPO_OK
    );
    assert_eq!(format!("{out:?}"), format!("{plain:?}"));
    assert_eq!(out.headline, 4);
    assert_eq!(out.instability_verdict, 3);
    assert_eq!((ev.drop_skipped, ev.drop_detected), (0, 1));
    assert_eq!((ev.hacking_skipped, ev.degeneracy_skipped), (1, 1));
    assert_eq!(ev.drop_window as usize, l.window);
    assert_eq!(ev.drop_best_end as usize, l.best_end);
    for (a, b) in [
        (ev.drop_sigma, l.sigma),
        (ev.drop_current, l.current),
        (ev.drop_best, l.best),
        (ev.drop_floor, l.floor),
        (ev.drop_z, l.z),
        (ev.drop_z_crit, l.z_crit),
        (ev.drop_lost, l.lost),
        (ev.drop_min_lost, DEFAULT_MIN_LOST),
        (ev.drop_alpha, 0.01),
        (ev.phi_hacking, 0.25),
        (ev.collapse_ratio, 0.2),
    ] {
        assert_eq!(a, b);
    }
    // options are used: a loss threshold above 1 clears the detection
    let strict = grpo_drop_options {
        min_lost: 2.0,
        ..dopt
    };
    unsafe {
        assert_eq!(
            grpo_diagnose_evidence(&input, std::ptr::null(), &strict, &mut out, &mut ev),
            GRPO_OK
        );
    }
    assert_eq!(ev.drop_detected, 0);
    assert_ne!(out.instability_verdict, 3);
    // bad options and NULL outputs are named; nothing is written on failure
    let before = (format!("{out:?}"), format!("{ev:?}"));
    let bad = grpo_drop_options { alpha: 0.7, ..dopt };
    let st = unsafe { grpo_diagnose_evidence(&input, std::ptr::null(), &bad, &mut out, &mut ev) };
    let e = Error::from_code(st).unwrap();
    assert_eq!((e.kind(), e.param()), (ErrorKind::OutOfRange, Param::Alpha));
    let st = unsafe {
        grpo_diagnose_evidence(
            &input,
            std::ptr::null(),
            std::ptr::null(),
            &mut out,
            std::ptr::null_mut(),
        )
    };
    let e = Error::from_code(st).unwrap();
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::NullPointer, Param::Output)
    );
    assert_eq!(before, (format!("{out:?}"), format!("{ev:?}")));
    // a struct's fields with no data are 4 = too few points
    let short = grpo_diagnose_input { n: 10, ..input };
    unsafe {
        assert_eq!(
            grpo_diagnose_evidence(
                &short,
                std::ptr::null(),
                std::ptr::null(),
                &mut out,
                &mut ev
            ),
            GRPO_OK
        );
    }
    assert_eq!(ev.drop_skipped, 4);
    assert!(ev.drop_z.is_nan());
}

/// The E3 evidence of `grpo_diagnose_concentration` equals the Rust report: a reward that rises
/// to 0.8 and an entropy that drops to 0.05 of its start from point 30 (window 12 points: the
/// windowed ratio is below 0.2 from index 30 + 10 = 40 on); without entropy it is skipped (code
/// 1, NaN numbers); on failure `out` is untouched.
#[cfg(feature = "capi")]
#[test]
fn c_abi_concentration_evidence_equals_rust() {
    use grpo_dynamics::capi::*;
    use grpo_dynamics::Error;
    let n = 120;
    let y: Vec<f64> = (0..n)
        .map(|i| 0.8 - 0.6 * (-(i as f64) / 20.0).exp())
        .collect();
    let h: Vec<f64> = (0..n).map(|i| if i < 30 { 1.0 } else { 0.05 }).collect();
    let mut input = grpo_diagnose_input {
        n,
        steps: std::ptr::null(),
        reward: y.as_ptr(),
        eval_reward: std::ptr::null(),
        entropy: h.as_ptr(),
        zero_std_frac: std::ptr::null(),
        group_size: 0,
        has_hyper: 0,
        lag: 0,
        r_min: 0.0,
        r_max: 1.0,
        r_max_eval: 1.0,
        eta: 0.0,
        mu: 0.0,
        k_hat: 0.0,
        kref: 0.0,
        expected_plateau: f64::NAN,
    };
    let rust = fit_and_diagnose(
        &DiagnoseInput {
            entropy: Some(&h),
            ..DiagnoseInput::new(&y)
        },
        &DiagnoseOptions::default(),
    )
    .unwrap();
    let c = rust.concentration.unwrap();
    // (12 - m) + 0.05 m < 0.2 * 12 needs m >= 11 points of the window past 29: index 40
    assert_eq!((c.window, c.collapse_index), (12, Some(40)));
    let mut out = grpo_diagnosis::default();
    let mut ev = grpo_concentration_evidence::default();
    assert_eq!(
        unsafe { grpo_diagnose(&input, std::ptr::null(), &mut out) },
        GRPO_OK
    );
    let st = unsafe { grpo_diagnose_concentration(&input, std::ptr::null(), &mut ev) };
    assert_eq!(st, GRPO_OK);
    assert_eq!(out.concentration_verdict, c.verdict as u32);
    assert_eq!(
        (ev.skipped, ev.verdict, ev.severity, ev.reserved),
        (0, c.verdict as u32, c.severity() as u32, 0)
    );
    assert_eq!((ev.collapsed, ev.window, ev.collapse_index), (1, 12, 40));
    for (a, b) in [
        (ev.entropy_ratio, c.entropy_ratio),
        (ev.entropy_ratio, out.entropy_ratio),
        (ev.h0, c.h0),
        (ev.reward_at_collapse, c.reward_at_collapse),
        (ev.plateau, c.plateau),
        (ev.headroom, c.headroom),
        (ev.gap_fraction, c.gap_fraction),
        (ev.gap_fraction, out.gap_fraction),
        (ev.collapse_ratio, 0.2),
        (ev.premature_gap, 0.1),
        (ev.smoothing_fraction, 0.1),
    ] {
        assert_eq!(a, b);
    }
    assert_eq!(c.h0, 1.0);
    let r = &y[29..=40];
    assert_eq!(c.reward_at_collapse, r.iter().sum::<f64>() / 12.0);
    // the headroom is r_max - R0, R0 the mean of the first 12 rewards
    assert_eq!(c.headroom, 1.0 - y[..12].iter().sum::<f64>() / 12.0);
    // options are used: a threshold of 0.01 sees no collapse (the ratio is 0.05)
    let mut opts = unsafe { std::mem::zeroed::<grpo_diagnose_options>() };
    assert_eq!(unsafe { grpo_diagnose_options_default(&mut opts) }, GRPO_OK);
    opts.collapse_ratio = 0.01;
    assert_eq!(
        unsafe { grpo_diagnose_concentration(&input, &opts, &mut ev) },
        GRPO_OK
    );
    assert_eq!((ev.collapsed, ev.collapse_index, ev.verdict), (0, 0, 0));
    assert_eq!(ev.collapse_ratio, 0.01);
    // failures name the problem and leave `out` untouched
    let before = format!("{ev:?}");
    let short = grpo_diagnose_input { n: 3, ..input };
    let st = unsafe { grpo_diagnose_concentration(&short, std::ptr::null(), &mut ev) };
    assert_eq!(
        Error::from_code(st).unwrap().kind(),
        ErrorKind::TooFewPoints
    );
    let st = unsafe { grpo_diagnose_concentration(&input, std::ptr::null(), std::ptr::null_mut()) };
    let e = Error::from_code(st).unwrap();
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::NullPointer, Param::Output)
    );
    let mut hcopy = h.clone();
    let alias = grpo_diagnose_input {
        entropy: hcopy.as_ptr(),
        ..input
    };
    let st = unsafe {
        grpo_diagnose_concentration(
            &alias,
            std::ptr::null(),
            hcopy.as_mut_ptr().cast::<grpo_concentration_evidence>(),
        )
    };
    let e = Error::from_code(st).unwrap();
    assert_eq!((e.kind(), e.param()), (ErrorKind::BadBuffer, Param::Output));
    assert_eq!(hcopy, h);
    assert_eq!(before, format!("{ev:?}"));
    // no entropy: skipped (1), numbers NaN, codes 0, thresholds set
    input.entropy = std::ptr::null();
    let st = unsafe { grpo_diagnose_concentration(&input, std::ptr::null(), &mut ev) };
    assert_eq!(st, GRPO_OK);
    assert_eq!(
        (
            ev.skipped,
            ev.verdict,
            ev.collapsed,
            ev.window,
            ev.collapse_index
        ),
        (1, 0, 0, 0, 0)
    );
    for x in [
        ev.entropy_ratio,
        ev.h0,
        ev.reward_at_collapse,
        ev.plateau,
        ev.headroom,
        ev.gap_fraction,
    ] {
        assert!(x.is_nan());
    }
    assert_eq!(ev.collapse_ratio, 0.2);
}
