//! Instability diagnostic on runs simulated from the exact softmax-bandit reduction (issue 19).
//!
//! For presets A and B (spec C.10, constant lag) and each configuration below, 100 finite-G runs
//! (G = 8, Bessel centring, seeds 0..99) of `N` steps are simulated with
//! `Bandit::simulate_stochastic`; the logged reward of step k is the mean of B = 8 groups,
//! `Binomial(64, p_k) / 64`. The run is judged online at the protocol's decision points (every
//! 5 % of the run from 20 %):
//! - curve only: the level-drop test on the prefix (`level_drop`, floor 0);
//! - with the optimizer settings: `instability_report` with `(eta, mu, K)` (K the closed-form
//!   stiffness of spec C.5, the E4 input for the bandit) and `kref`, plus the same level-drop
//!   test, composed as `diagnose` composes them.
//!
//! A run is flagged when its verdict is `Unstable` at some decision point.
//! Acceptance: stable configurations (below the exact `d_c`, eta K inside the stable range) are
//! not flagged in >= 95 of 100 runs; configurations past `d_c` or with eta K past the stable range
//! are flagged in >= 90 of 100 runs (with the optimizer settings). The curve-only rates and the
//! first flag steps are printed (`--nocapture`) and recorded in docs/diagnostics.md.

use grpo_dynamics::bandit::{Bandit, Lag};
use grpo_dynamics::diagnostics::{
    instability_report, level_drop, DiagnoseInput, DiagnoseOptions, DropOptions,
    InstabilityVerdict, LevelDrop, Optimizer,
};
use grpo_dynamics::numerics::{binomial, Xoshiro256pp};
use grpo_dynamics::predict::fit_and_diagnose;
use grpo_dynamics::stability::largest_stable_eta;

/// Steps per run.
const N: usize = 1000;
/// Runs per configuration.
const RUNS: u64 = 100;
/// Group size and groups per step.
const G: u32 = 8;
const B: u32 = 8;

/// Logged rewards of one run: `Binomial(B G, p_k) / (B G)` along a finite-G trajectory
/// (after a divergence the trajectory is NaN: such steps log the last finite probability).
fn run(b: &Bandit<f64>, seed: u64) -> Vec<f64> {
    let mut p = vec![0.0; N];
    let mut rng = Xoshiro256pp::new(seed);
    let _ = b.simulate_stochastic(G, true, &mut rng, &mut p);
    let mut last = b.p_ref;
    p.iter()
        .map(|&q| {
            if q.is_finite() {
                last = q;
            }
            f64::from(binomial(&mut rng, B * G, last)) / f64::from(B * G)
        })
        .collect()
}

fn decision_points(n: usize) -> impl Iterator<Item = usize> {
    let start = (0.2 * n as f64).ceil() as usize;
    let every = ((0.05 * n as f64).round() as usize).max(1);
    (start..n - 1).step_by(every)
}

/// The statistical alternative to `min_lost` examined in docs/diagnostics.md (printed, not the
/// library's rule): a significant drop to a level no longer significantly above the floor.
fn at_floor(d: &LevelDrop<f64>) -> bool {
    let se = d.sigma * (2.0 / d.window as f64).sqrt();
    d.z > d.z_crit && d.best > d.floor && (d.current - d.floor) / se < d.z_crit
}

/// First flagged step (curve only, with the optimizer settings, curve only with the floor rule)
/// of one run.
fn first_flags(b: &Bandit<f64>, y: &[f64]) -> (Option<usize>, Option<usize>, Option<usize>) {
    let opt = Optimizer {
        hyper: b.hyper().unwrap(),
        kref: f64::from(b.kref),
        lag: b.lag,
    };
    let (mut curve, mut full, mut floor) = (None, None, None);
    for k in decision_points(y.len()) {
        let drop = level_drop(&y[..=k], 0.0, &DropOptions::default()).ok();
        if curve.is_none() && drop.is_some_and(|d| d.detected) {
            curve = Some(k);
        }
        if floor.is_none() && drop.is_some_and(|d| at_floor(&d)) {
            floor = Some(k);
        }
        let r = instability_report(Some(opt), None, None)
            .unwrap()
            .with_level_drop(drop);
        if full.is_none() && r.verdict == InstabilityVerdict::Unstable {
            full = Some(k);
        }
        if curve.is_some() && full.is_some() && floor.is_some() {
            break;
        }
    }
    (curve, full, floor)
}

struct Tally {
    curve: usize,
    full: usize,
    curve_steps: Vec<usize>,
    full_steps: Vec<usize>,
    floor: usize,
    floor_steps: Vec<usize>,
}

fn tally(b: &Bandit<f64>) -> Tally {
    let mut t = Tally {
        curve: 0,
        full: 0,
        curve_steps: vec![],
        full_steps: vec![],
        floor: 0,
        floor_steps: vec![],
    };
    for seed in 0..RUNS {
        let y = run(b, seed);
        let (c, f, fl) = first_flags(b, &y);
        if let Some(s) = fl {
            t.floor += 1;
            t.floor_steps.push(s);
        }
        if let Some(s) = c {
            t.curve += 1;
            t.curve_steps.push(s);
        }
        if let Some(s) = f {
            t.full += 1;
            t.full_steps.push(s);
        }
    }
    t
}

fn median(v: &mut [usize]) -> String {
    if v.is_empty() {
        return "-".into();
    }
    v.sort_unstable();
    format!("{}", v[v.len() / 2])
}

/// How a configuration is judged.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// Exactly stable with a margin (`kref <= 0.8 d_c`, the preset's eta): at most 5 of 100 runs
    /// flagged.
    Stable,
    /// Exactly stable but printed, not asserted: `0.9 d_c` and the largest integer lag below
    /// `d_c` (spectral radius within a few 1e-3 of 1: the noise-driven ringing does not decay
    /// within the run, and no curve test can tell it from `d_c + 1` in N steps), and eta K at half
    /// the linear limit (linearly stable, but the finite-G map jumps to p = 0 or 1: the reward
    /// really collapses or saturates).
    Edge,
    /// Past `d_c`, or eta K past the stable range: at least 90 of 100 runs flagged.
    Unstable,
}

/// The configurations of one preset.
fn configs(base: Bandit<f64>) -> Vec<(String, Bandit<f64>, Kind)> {
    let h = base.hyper().unwrap();
    let dc = h.critical_lag().unwrap();
    let k = base.stiffness().unwrap();
    let eta_max = largest_stable_eta(0, Lag::Constant, base.mu, k).unwrap();
    let lag = |d: u32| Bandit { kref: d, ..base };
    let below = dc.ceil() as u32 - 1; // largest integer lag below d_c
    let frac = |f: f64| (f * dc).floor() as u32;
    vec![
        ("on-policy".into(), lag(0), Kind::Stable),
        (
            format!("kref {} (d_c / 2)", frac(0.5)),
            lag(frac(0.5)),
            Kind::Stable,
        ),
        (
            format!("kref {} (0.8 d_c)", frac(0.8)),
            lag(frac(0.8)),
            Kind::Stable,
        ),
        (
            format!("kref {} (0.9 d_c)", frac(0.9)),
            lag(frac(0.9)),
            Kind::Edge,
        ),
        (
            format!("kref {below} (< d_c = {dc:.2})"),
            lag(below),
            Kind::Edge,
        ),
        (
            format!("eta = 0.5 eta_max = {:.0} (on-policy)", 0.5 * eta_max),
            Bandit {
                eta: 0.5 * eta_max,
                ..base
            },
            Kind::Edge,
        ),
        (
            format!("kref {} (> d_c)", below + 1),
            lag(below + 1),
            Kind::Unstable,
        ),
        (
            format!("kref {} (1.5 d_c)", (1.5 * dc).ceil() as u32),
            lag((1.5 * dc).ceil() as u32),
            Kind::Unstable,
        ),
        (
            format!("eta = 1.5 eta_max = {:.0} (on-policy)", 1.5 * eta_max),
            Bandit {
                eta: 1.5 * eta_max,
                ..base
            },
            Kind::Unstable,
        ),
    ]
}

#[test]
fn bandit_runs_flagged_past_the_exact_threshold_only() {
    println!("| preset | configuration | exactly unstable | flagged, curve only | first flag (median step) | flagged, with optimizer | first flag (median step) | curve only, floor rule | first flag (median step) |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut failures = Vec::new();
    for (name, base) in [("A", Bandit::preset_a(0)), ("B", Bandit::preset_b(0))] {
        for (label, b, kind) in configs(base) {
            // the label agrees with the exact criterion of the stability module
            let h = b.hyper().unwrap();
            let unstable = f64::from(b.kref) >= h.critical_lag().unwrap();
            assert_eq!(unstable, kind == Kind::Unstable, "{name} {label}");
            let mut t = tally(&b);
            println!(
                "| {name} | {label} | {unstable} | {}/{RUNS} | {} | {}/{RUNS} | {} | {}/{RUNS} | {} |",
                t.curve,
                median(&mut t.curve_steps),
                t.full,
                median(&mut t.full_steps),
                t.floor,
                median(&mut t.floor_steps)
            );
            if kind == Kind::Unstable {
                if t.full < 90 {
                    failures.push(format!("{name} {label}: flagged {}/{RUNS}", t.full));
                }
            } else if kind == Kind::Stable && (t.curve > 5 || t.full > 5) {
                failures.push(format!(
                    "{name} {label}: false flags {} (curve) {} (with optimizer)",
                    t.curve, t.full
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// `diagnose` composes the same verdict: one run per configuration, end to end.
#[test]
fn diagnose_agrees_with_the_composed_verdict() {
    for base in [Bandit::preset_a(0), Bandit::preset_b(0)] {
        for (label, b, _) in configs(base) {
            let y = run(&b, 1);
            let (_, full, _) = first_flags(&b, &y);
            let opt = Optimizer {
                hyper: b.hyper().unwrap(),
                kref: f64::from(b.kref),
                lag: b.lag,
            };
            let inp = DiagnoseInput {
                optimizer: Some(opt),
                ..DiagnoseInput::new(&y)
            };
            let d = fit_and_diagnose(&inp, &DiagnoseOptions::default()).unwrap();
            // the whole run is the last prefix: flagged on it iff flagged at the last decision
            // point, which for these runs (the flag is persistent) is iff flagged at all
            let exact = d.instability.evidence.exactly_unstable == Some(true);
            let dropped = d.instability.level_drop.is_some_and(|l| l.detected);
            assert_eq!(
                d.instability.verdict == InstabilityVerdict::Unstable,
                exact || dropped,
                "{label}: {:?}",
                d.instability
            );
            if exact {
                assert!(full.is_some(), "{label}");
            }
        }
    }
}
