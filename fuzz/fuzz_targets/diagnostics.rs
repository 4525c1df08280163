//! `fit_and_diagnose` (the predictor's fit, then `diagnose`) on arbitrary slices (lengths, NaN/inf/huge values, steps in any order), optional
//! series, reward bounds, group sizes, optimizer settings and thresholds.
//! Properties: a typed error of an expected kind or a diagnosis whose headline severity is the
//! worst severity of the reports, whose plateau is a number inside the reward bounds, and whose
//! reports exist exactly when their inputs were given; reports carry no NaN in the fields that
//! are always defined.
#![no_main]
#![allow(clippy::needless_range_loop)]
use arbitrary::Arbitrary;
use grpo_dynamics::bandit::Lag;
use grpo_dynamics::predict::fit_and_diagnose;
use grpo_dynamics::diagnostics::{DiagnoseInput, DiagnoseOptions, Optimizer, Severity};
use grpo_dynamics::stability::Hyper;
use grpo_dynamics::ErrorKind;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Value {
    Small(i16),
    Raw(f64),
}

impl Value {
    fn get(self) -> f64 {
        match self {
            Value::Small(k) => k as f64 / 1000.0,
            Value::Raw(x) => x,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    reward: Vec<Value>,
    /// Step increments (Small: |k| / 1000; Raw: as given).
    steps: Option<Vec<Value>>,
    eval: Option<Vec<Value>>,
    entropy: Option<Vec<Value>>,
    zero_std: Option<Vec<Value>>,
    group_size: Option<u32>,
    r_min: Option<Value>,
    r_max: Option<Value>,
    r_max_eval: Option<Value>,
    optimizer: Option<(Value, Value, Value, Value, bool)>,
    expected_plateau: Option<Value>,
    /// Threshold overrides (phi_hacking, late_fraction, degeneracy warn, collapse ratio).
    thresholds: Option<(Value, Value, Value, Value)>,
    /// Make every optional series exactly as long as the reward (else arbitrary lengths).
    aligned: bool,
}

const CAP: usize = 300;

fn fill(dst: &mut [f64; CAP], src: &[Value], n: usize, aligned: bool) -> usize {
    let m = if aligned { n } else { src.len().min(CAP) };
    for i in 0..m {
        dst[i] = src.get(i).map_or(0.5, |v| v.get());
    }
    m
}

fuzz_target!(|inp: Input| {
    let n = inp.reward.len().min(CAP);
    let mut reward = [0.0; CAP];
    for i in 0..n {
        reward[i] = inp.reward[i].get();
    }
    let (mut st, mut ev, mut en, mut zs) = ([0.0; CAP], [0.0; CAP], [0.0; CAP], [0.0; CAP]);
    let steps = inp.steps.as_ref().map(|s| {
        let m = if inp.aligned { n } else { s.len().min(CAP) };
        let mut acc = 0.0;
        for i in 0..m {
            acc += match s.get(i) {
                Some(Value::Small(k)) => (*k as f64 / 1000.0).abs(),
                Some(Value::Raw(x)) => *x,
                None => 1.0,
            };
            st[i] = acc;
        }
        &st[..m]
    });
    let eval = inp.eval.as_ref().map(|s| {
        let m = fill(&mut ev, s, n, inp.aligned);
        &ev[..m]
    });
    let entropy = inp.entropy.as_ref().map(|s| {
        let m = fill(&mut en, s, n, inp.aligned);
        &en[..m]
    });
    let zero_std = inp.zero_std.as_ref().map(|s| {
        let m = fill(&mut zs, s, n, inp.aligned);
        &zs[..m]
    });
    let mut input = DiagnoseInput::new(&reward[..n]);
    input.steps = steps;
    input.eval_reward = eval;
    input.entropy = entropy;
    input.zero_std_frac = zero_std;
    input.group_size = inp.group_size;
    if let Some(v) = inp.r_min {
        input.r_min = v.get();
    }
    if let Some(v) = inp.r_max {
        input.r_max = v.get();
    }
    if let Some(v) = inp.r_max_eval {
        input.r_max_eval = v.get();
    }
    input.expected_plateau = inp.expected_plateau.map(|v| v.get());
    if let Some((eta, mu, k, kref, periodic)) = inp.optimizer {
        input.optimizer = Some(Optimizer {
            hyper: Hyper {
                eta: eta.get(),
                mu: mu.get(),
                k: k.get(),
            },
            kref: kref.get(),
            lag: if periodic {
                Lag::Periodic
            } else {
                Lag::Constant
            },
        });
    }
    let mut opts = DiagnoseOptions::<f64>::default();
    if let Some((a, b, c, d)) = inp.thresholds {
        opts.hacking.phi_hacking = a.get();
        opts.hacking.late_fraction = b.get();
        opts.degeneracy.warn = c.get();
        opts.concentration.collapse_ratio = d.get();
    }
    match fit_and_diagnose(&input, &opts) {
        Ok(d) => {
            assert!(n > 0);
            assert!(!d.plateau.is_nan(), "NaN plateau");
            assert!(
                input.r_min <= d.plateau && d.plateau <= input.r_max,
                "plateau {} outside [{}, {}]",
                d.plateau,
                input.r_min,
                input.r_max
            );
            assert_eq!(d.hacking.is_some(), eval.is_some());
            assert_eq!(d.concentration.is_some(), entropy.is_some());
            let deg_possible =
                zero_std.is_some() && inp.group_size.is_some() && input.r_min.is_finite();
            assert_eq!(d.degeneracy.is_some(), deg_possible);
            let worst = [
                d.hacking.map_or(Severity::Ok, |h| h.severity()),
                d.degeneracy.map_or(Severity::Ok, |x| x.severity),
                d.concentration.map_or(Severity::Ok, |c| c.severity()),
                d.instability.verdict.severity(),
            ]
            .into_iter()
            .max()
            .unwrap();
            assert_eq!(d.severity, worst, "headline severity is not the worst");
            if let Some(z) = d.instability.evidence.zeta_hat {
                assert!(z.is_finite() && z >= 0.0, "zeta_hat {z}");
            }
            if let Some(h) = d.hacking {
                assert!(
                    !h.train_gain.is_nan() && !h.eval_gain.is_nan(),
                    "NaN in {h:?}"
                );
            }
            if let Some(x) = d.degeneracy {
                assert!(
                    !x.observed.is_nan() && !x.predicted.is_nan(),
                    "NaN in {x:?}"
                );
            }
        }
        Err(e) => assert!(
            !matches!(
                e.kind(),
                ErrorKind::Panic | ErrorKind::NullPointer | ErrorKind::BadBuffer
            ),
            "unexpected error {e:?}"
        ),
    }
});
