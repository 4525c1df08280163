//! Issue 18 on real runs and bad input: calibrate on one run of a same-model same-task pair at two
//! learning rates and predict the other's steps to 50 % of its gain (both directions) beside the
//! naive answer ("same steps as the calibration run"); typed errors for bad settings; a
//! calibration whose tail cannot fix `K` says `Undetermined`.
//!
//! Curves from `GRPO_CURVES_DIR` (default `../shared/data/curves`); skipped with a message when
//! absent. Run with `--nocapture` for the table.

use grpo_dynamics::calibrate::{calibrate, Settings};
use grpo_dynamics::{ErrorKind, Param};
use std::path::{Path, PathBuf};

fn curves_dir() -> Option<PathBuf> {
    let dir = std::env::var("GRPO_CURVES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/curves")
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("no curves at {}: skipped", dir.display());
        None
    }
}

/// `(step, reward, learning_rate)` rows with a reward (learning rate NaN when absent).
fn load(dir: &Path, name: &str) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(dir.join(name)).expect(name);
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n);
    let (is, ir, il) = (
        col("step").unwrap(),
        col("reward").unwrap(),
        col("learning_rate"),
    );
    let (mut t, mut r, mut l) = (Vec::new(), Vec::new(), Vec::new());
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let Ok(y) = f[ir].parse::<f64>() else {
            continue;
        };
        t.push(f[is].parse::<f64>().unwrap());
        r.push(y);
        l.push(
            il.and_then(|i| f[i].parse::<f64>().ok())
                .unwrap_or(f64::NAN),
        );
    }
    (t, r, l)
}

/// Smoothing window: about a twentieth of the curve, odd.
fn window(n: usize) -> usize {
    (n / 20) | 1
}

/// Observed steps to 50 % of the gain of a run: its own calibration read at its own learning rate
/// (smoothed first crossing, plateau from the tail fit; `t50(lr) = t_50 - t0` exactly).
fn observed_t50(t: &[f64], r: &[f64], lr: f64) -> f64 {
    let s = Settings {
        smooth: window(r.len()),
        ..Settings::new(lr, 0.9, 1)
    };
    calibrate(t, r, &s).unwrap().t50(lr).unwrap().value
}

/// Steps from the first logged step until the smoothed curve first reaches `level` (going from
/// `from` towards `level`), linear interpolation; `None` if it never does.
fn observed_level_time(t: &[f64], r: &[f64], from: f64, level: f64) -> Option<f64> {
    let w = window(r.len());
    let h = w / 2;
    let sm = |i: usize| {
        let (lo, hi) = (i.saturating_sub(h), (i + w - 1 - h).min(r.len() - 1));
        r[lo..=hi].iter().sum::<f64>() / (hi - lo + 1) as f64
    };
    let up = level > from;
    let reached = |x: f64| if up { x >= level } else { x <= level };
    let mut prev = sm(0);
    if reached(prev) {
        return Some(0.0);
    }
    for i in 1..r.len() {
        let cur = sm(i);
        if reached(cur) {
            let f = (level - prev) / (cur - prev);
            return Some(t[i - 1] + f * (t[i] - t[i - 1]) - t[0]);
        }
        prev = cur;
    }
    None
}

#[test]
fn halflearned_gsm8k_lr_pair_beats_the_naive_answer() {
    let Some(dir) = curves_dir() else { return };
    let runs = [
        ("halflearned-qwen3-1.7b-gsm8k-grpo-lr1e5.csv", 1e-5),
        ("halflearned-qwen3-1.7b-gsm8k-grpo-lr5e6.csv", 5e-6),
    ];
    for (from, to) in [(0, 1), (1, 0)] {
        let (ta, ra, _) = load(&dir, runs[from].0);
        let (tb, rb, _) = load(&dir, runs[to].0);
        let (la, lb) = (runs[from].1, runs[to].1);
        // beta1 = 0.9 (Adam default), Kref = 1 (one optimizer step per generation batch)
        let s = Settings {
            smooth: window(ra.len()),
            ..Settings::new(la, 0.9, 1)
        };
        let cal = calibrate(&ta, &ra, &s).unwrap();
        let pred = cal.t50(lb).unwrap();
        let naive = cal.t50(la).unwrap().value;
        let obs = observed_t50(&tb, &rb, lb);
        eprintln!(
            "{} -> {}: predicted t50 {:.1} [{:.1}, {:.1}], naive {:.1}, observed {:.1}; \
             error {:+.0} % vs naive {:+.0} %; K {:?}",
            runs[from].0,
            runs[to].0,
            pred.value,
            pred.lo,
            pred.hi,
            naive,
            obs,
            100.0 * (pred.value - obs) / obs,
            100.0 * (naive - obs) / obs,
            cal.k().map(|k| (k.value, k.lo, k.hi)),
        );
        assert!(
            (pred.value - obs).abs() < (naive - obs).abs(),
            "prediction {} no better than naive {} (observed {})",
            pred.value,
            naive,
            obs
        );
        // the what-if's own question: steps for the run at the other lr to reach the
        // calibration run's 50 % level r0 + (r_star - r0)/2 (not the other run's own 50 %, which
        // moves with its own start and plateau)
        let level = cal.r0 + 0.5 * (cal.r_star.value - cal.r0);
        let lvl_obs = observed_level_time(&tb, &rb, cal.r0, level);
        eprintln!(
            "    same level {level:.3}: predicted {:.1} [{:.1}, {:.1}], naive {naive:.1}, observed {}",
            pred.value,
            pred.lo,
            pred.hi,
            lvl_obs.map_or("never".into(), |x| format!("{x:.1}"))
        );
        if let Some(o) = lvl_obs {
            eprintln!(
                "    error {:+.0} % vs naive {:+.0} %",
                100.0 * (pred.value - o) / o,
                100.0 * (naive - o) / o
            );
        }
    }
    // The other same-task pairs at different learning rates in MANIFEST.md: the wordle runs
    // (Qwen2.5-0.5B at 1e-5 decaying vs the lara4070 script's Qwen2.5 of unrecorded size at 5e-5
    // decaying, long and short runs; different scripts, so not the same model for sure).
    // Reported with the per-step lr column, not asserted: flow times to 50 % of the gain (a
    // learning-rate-free comparison) and the predicted vs observed steps.
    let wordle = [
        (
            "alexchilton-qwen2.5-0.5b-wordle-grpo-lara4090.csv",
            "alexchilton-qwen2.5-wordle-grpo-lara4070-long.csv",
        ),
        (
            "alexchilton-qwen2.5-0.5b-wordle-grpo-lara4090.csv",
            "alexchilton-qwen2.5-wordle-grpo-lara4070-short.csv",
        ),
    ];
    for (x, y) in wordle {
        for (from, to) in [(x, y), (y, x)] {
            let (ta, ra, la) = load(&dir, from);
            let (tb, rb, lb) = load(&dir, to);
            let sa = Settings {
                lr_column: Some(&la),
                smooth: window(ra.len()),
                ..Settings::new(la[0], 0.9, 1)
            };
            let sb = Settings {
                lr_column: Some(&lb),
                smooth: window(rb.len()),
                ..Settings::new(lb[0], 0.9, 1)
            };
            match (calibrate(&ta, &ra, &sa), calibrate(&tb, &rb, &sb)) {
                (Ok(ca), Ok(cb)) => {
                    let (fa, fb) = (ca.flow50.value, cb.flow50.value);
                    eprintln!(
                        "{from} -> {to}: flow time to 50 % {fa:.3e} (source) vs {fb:.3e} (target): \
                         {:+.0} %",
                        100.0 * (fa - fb) / fb
                    );
                }
                (a, b) => eprintln!(
                    "{from} -> {to}: not calibrated ({:?} / {:?})",
                    a.err(),
                    b.err()
                ),
            }
        }
    }
}

fn saturation(tau: f64, n: usize) -> (Vec<f64>, Vec<f64>) {
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let r = t.iter().map(|x| 0.8 - 0.6 * (-x / tau).exp()).collect();
    (t, r)
}

#[test]
fn bad_settings_name_the_setting() {
    let (t, r) = saturation(40.0, 200);
    let err = |s: Settings<'_, f64>| calibrate(&t, &r, &s).unwrap_err();
    let e = err(Settings::new(0.0, 0.9, 1));
    assert_eq!((e.kind(), e.param()), (ErrorKind::OutOfRange, Param::Lr));
    let e = err(Settings::new(-1e-6, 0.9, 1));
    assert_eq!(e.param(), Param::Lr);
    let e = err(Settings::new(1e-6, 1.0, 1));
    assert_eq!((e.kind(), e.param()), (ErrorKind::OutOfRange, Param::Beta1));
    let e = err(Settings::new(1e-6, -0.1, 1));
    assert_eq!(e.param(), Param::Beta1);
    let e = err(Settings::new(1e-6, 0.9, 0));
    assert_eq!((e.kind(), e.param()), (ErrorKind::OutOfRange, Param::Kref));
    let col = [1e-6; 3];
    let e = err(Settings {
        lr_column: Some(&col),
        ..Settings::new(1e-6, 0.9, 1)
    });
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::LengthMismatch, Param::Lr)
    );
    let flat = vec![0.5; 200];
    let e = calibrate(&t, &flat, &Settings::new(1e-6, 0.9, 1)).unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::Constant, Param::Gain));
    // what-if settings
    let cal = calibrate(&t, &r, &Settings::new(1e-6, 0.9, 1)).unwrap();
    assert_eq!(cal.t50(0.0).unwrap_err().param(), Param::Lr);
    assert_eq!(cal.zeta_at(0).unwrap_err().param(), Param::Kref);
}

#[test]
fn k_undetermined_is_an_error_not_a_number() {
    // on-policy with mu = 0.3 no monotone approach contracts faster than sqrt(0.3) = 0.548 per
    // step (tau = 1.66); this tail has tau = 1.5 and no oscillation: K is undetermined, while
    // the flow times (t50 = 1.04 steps > delay 0.93) still carry over
    let (t, r) = saturation(1.5, 30);
    let cal = calibrate(&t, &r, &Settings::new(0.01, 0.3, 1)).unwrap();
    let e = cal.k().unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::Undetermined, Param::K));
    assert_eq!(
        cal.critical_kref().unwrap_err().kind(),
        ErrorKind::Undetermined
    );
    assert_eq!(
        cal.largest_stable_lr().unwrap_err().kind(),
        ErrorKind::Undetermined
    );
    assert_eq!(cal.to_params().unwrap_err().kind(), ErrorKind::Undetermined);
    // t50 at the same lr = the curve's own crossing, 1.5 ln 2
    let t50 = cal.t50(0.01).unwrap().value;
    assert!((t50 - 1.5 * 2f64.ln()).abs() < 0.1, "{t50}");
    // and with a slow tail (tau = 40 on mu = 0.9, slower than the monotone limit) K is fixed:
    // on-policy exact inversion a = 1 + mu - rho - mu/rho with rho = exp(-1/40)
    let (t, r) = saturation(40.0, 200);
    let cal = calibrate(&t, &r, &Settings::new(1e-3, 0.9, 1)).unwrap();
    let rho = (-1.0f64 / 40.0).exp();
    let a = 1.0 + 0.9 - rho - 0.9 / rho;
    let k = cal.k().unwrap().value;
    assert!(
        (k - a / 1e-3).abs() < 1e-3 * (a / 1e-3),
        "{k} vs {}",
        a / 1e-3
    );
}
