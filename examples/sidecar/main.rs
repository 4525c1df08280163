//! The grpo-dynamics sidecar: reads a GRPO reward log, streams it into the online predictor and
//! prints one JSON object per line as it goes; the last line is the summary.
//!
//! ```text
//! cargo run --release --example sidecar                      # built-in demo: simulated GRPO run
//! cargo run --release --example sidecar -- run.csv           # CSV (step, reward[, eval_reward, ...])
//! cargo run --release --example sidecar -- - < log.jsonl     # JSON lines on standard input
//! cargo run --release --example sidecar -- trainer_state.json --svg plot.svg
//! ```
//!
//! Options (before or after the input): `--svg PATH` writes a plot; `--every K` prints a progress
//! line every K points (default: about 20 lines per run); `--reward-min X`, `--reward-max Y`
//! bound the reward (default: [0, 1] when every reward lies in it, else unbounded);
//! `--group-size G` enables the degeneracy diagnostic; `--horizon STEP` is the step the advice
//! looks ahead to (default: twice the last step).
//!
//! Malformed input exits with status 2 and a one-line error on standard error.

mod input;
mod svg;

use grpo_dynamics::bandit::{binomial, Bandit, Xoshiro256pp};
use grpo_dynamics::diagnostics::{diagnose, DiagnoseInput, DiagnoseOptions, Diagnosis};
use grpo_dynamics::predict::{Prediction, Predictor};
use input::Record;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::process::ExitCode;

/// Window of the predictor (points; older points are merged pairwise when it is full).
const WINDOW: usize = 1024;

#[derive(Debug, Default)]
struct Args {
    input: Option<String>,
    svg: Option<String>,
    every: Option<usize>,
    reward_min: Option<f64>,
    reward_max: Option<f64>,
    group_size: Option<u32>,
    horizon: Option<f64>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args::default();
    fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
        let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
        v.parse().map_err(|_| format!("{flag}: cannot parse {v:?}"))
    }
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--svg" => a.svg = Some(value(&arg, it.next())?),
            "--every" => a.every = Some(value(&arg, it.next())?),
            "--reward-min" => a.reward_min = Some(value(&arg, it.next())?),
            "--reward-max" => a.reward_max = Some(value(&arg, it.next())?),
            "--group-size" => a.group_size = Some(value(&arg, it.next())?),
            "--horizon" => a.horizon = Some(value(&arg, it.next())?),
            "-h" | "--help" => return Err("usage: sidecar [FILE | -] [--svg PATH] [--every K] [--reward-min X] [--reward-max Y] [--group-size G] [--horizon STEP]".into()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ if a.input.is_some() => return Err(format!("more than one input ({arg:?})")),
            _ => a.input = Some(arg),
        }
    }
    Ok(a)
}

/// The built-in input: a simulated GRPO run on the exact softmax-bandit reduction (spec C.2),
/// preset A of the spec with a refresh lag of 4 steps, group size 8, 16 prompts per step, 600
/// steps. The logged reward of a step is the mean of its 128 sampled binary rewards.
fn demo() -> Vec<Record> {
    const STEPS: usize = 600;
    const GROUP: u32 = 8;
    const PROMPTS: u32 = 16;
    let bandit = Bandit::<f64>::preset_a(4);
    let mut rng = Xoshiro256pp::new(20261126);
    let mut p = [0.0f64; STEPS + 1];
    // the policy's success probability under finite-G GRPO updates
    bandit
        .simulate_stochastic(GROUP, false, &mut rng, &mut p)
        .expect("preset A is stable at lag 4");
    p.iter()
        .enumerate()
        .skip(1)
        .map(|(k, &pk)| Record {
            step: k as f64,
            reward: binomial(&mut rng, GROUP * PROMPTS, pk) as f64 / (GROUP * PROMPTS) as f64,
            ..Record::default()
        })
        .collect()
}

fn read_input(path: &str) -> Result<Vec<Record>, String> {
    let (text, source) = if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("stdin: {e}"))?;
        (s, "stdin".to_string())
    } else {
        let s = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        (s, path.to_string())
    };
    input::parse(&text, &source).map_err(|e| e.0)
}

fn num(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

fn prediction_json(p: &Prediction<f64>) -> Value {
    json!({
        "model": format!("{:?}", p.model),
        "plateau": num(p.plateau.value),
        "plateau_lo80": num(p.plateau.lo80),
        "plateau_hi80": num(p.plateau.hi80),
        "plateau_lo95": num(p.plateau.lo95),
        "plateau_hi95": num(p.plateau.hi95),
        "horizon": num(p.horizon),
        "reward_at_horizon": num(p.at_horizon.value),
        "horizon_lo80": num(p.at_horizon.lo80),
        "horizon_hi80": num(p.at_horizon.hi80),
        "r2": num(p.r2),
        "regime": format!("{:?}", p.regime),
        "advice": format!("{:?}", p.advice.kind),
        "expected_gain": num(p.advice.expected_gain),
        "current": num(p.advice.current),
    })
}

fn diagnosis_json(d: &Diagnosis<f64>) -> Value {
    let mut v = json!({
        "headline": format!("{:?}", d.headline),
        "severity": format!("{:?}", d.severity),
        "instability": format!("{:?}", d.instability.verdict),
    });
    if let Some(h) = &d.hacking {
        v["hacking"] = json!({"verdict": format!("{:?}", h.verdict), "plateau_ratio": num(h.phi)});
    }
    if let Some(g) = &d.degeneracy {
        v["degeneracy"] = json!({"severity": format!("{:?}", g.severity), "observed": num(g.observed), "predicted": num(g.predicted), "heterogeneous": g.heterogeneous});
    }
    if let Some(c) = &d.concentration {
        v["concentration"] =
            json!({"verdict": format!("{:?}", c.verdict), "entropy_ratio": num(c.entropy_ratio)});
    }
    v
}

/// Optional column as a full series, when every record has it.
fn column(records: &[Record], f: impl Fn(&Record) -> Option<f64>) -> Option<Vec<f64>> {
    records.iter().map(f).collect()
}

fn run(args: Args) -> Result<(), String> {
    let records = match &args.input {
        None => demo(),
        Some(path) => read_input(path)?,
    };
    let rewards: Vec<f64> = records.iter().map(|r| r.reward).collect();
    let in_unit = rewards.iter().all(|r| (0.0..=1.0).contains(r));
    let lo = args
        .reward_min
        .unwrap_or(if in_unit { 0.0 } else { f64::NEG_INFINITY });
    let hi = args
        .reward_max
        .unwrap_or(if in_unit { 1.0 } else { f64::INFINITY });
    let last_step = records.last().map(|r| r.step).unwrap_or(0.0);
    let first_step = records.first().map(|r| r.step).unwrap_or(0.0);
    let horizon = args
        .horizon
        .unwrap_or(last_step + (last_step - first_step).max(1.0));
    let every = args.every.unwrap_or((records.len() / 20).max(5)).max(1);

    let mut pred =
        Box::new(Predictor::<f64, WINDOW>::new(lo, hi).map_err(|e| format!("reward bounds: {e}"))?);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut last = None;
    for (i, r) in records.iter().enumerate() {
        pred.push(r.step, r.reward)
            .map_err(|e| format!("point {} (step {}): {e}", i + 1, r.step))?;
        let due = (i + 1) % every == 0 || i + 1 == records.len();
        if !due {
            continue;
        }
        let mut line = json!({"step": r.step, "points": i + 1});
        match pred.predict(horizon) {
            Ok(p) => {
                if let (Value::Object(m), Value::Object(pj)) = (&mut line, prediction_json(&p)) {
                    m.extend(pj);
                }
                last = Some(p);
            }
            Err(e) => line["status"] = json!(e.to_string()),
        }
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    let p = last.ok_or_else(|| {
        format!(
            "too few points to fit a trajectory ({} given, at least {} needed)",
            records.len(),
            pred.config().min_points
        )
    })?;

    let steps: Vec<f64> = records.iter().map(|r| r.step).collect();
    let eval = column(&records, |r| r.eval_reward);
    let entropy = column(&records, |r| r.entropy);
    let zero_std = column(&records, |r| r.frac_reward_zero_std);
    let mut din = DiagnoseInput::new(&rewards);
    din.steps = Some(&steps);
    din.r_min = lo;
    din.r_max = hi;
    din.eval_reward = eval.as_deref();
    din.entropy = entropy.as_deref();
    din.zero_std_frac = zero_std.as_deref();
    din.group_size = args.group_size;
    // the diagnostics read the fit of the predictor that made the predictions above (one fit)
    let diagnosis = match pred
        .fit()
        .and_then(|f| f.curve_fit())
        .and_then(|fit| diagnose(&din, &fit, &DiagnoseOptions::default()))
    {
        Ok(d) => diagnosis_json(&d),
        Err(e) => json!({"status": e.to_string()}),
    };

    let mut summary = prediction_json(&p);
    summary["summary"] = json!(true);
    summary["points"] = json!(records.len());
    summary["input"] = json!(args.input.as_deref().unwrap_or("built-in demo"));
    summary["diagnosis"] = diagnosis;
    if let Some(path) = &args.svg {
        let doc = svg::plot(&records, &mut pred, &p, horizon).map_err(|e| format!("svg: {e}"))?;
        std::fs::write(path, doc).map_err(|e| format!("{path}: {e}"))?;
        summary["svg"] = json!(path);
    }
    writeln!(out, "{summary}").map_err(|e| e.to_string())?;
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sidecar: {e}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sidecar: {e}");
            ExitCode::from(2)
        }
    }
}
