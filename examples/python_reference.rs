//! Reference output of the Rust API for the Python package's tests and bench (issue 17).
//!
//! ```text
//! cargo run --release --example python_reference -- CURVE.csv...     # one JSON line per curve
//! cargo run --release --example python_reference -- --time CURVE.csv # push+predict timing
//! ```
//!
//! Values mode: for each curve (columns `step`, `reward`) the AUTO fit, a 256-point predictor fed
//! the whole curve and asked for the horizon `last + (last - first)`, the same predictor's
//! answer at 30 % of the curve, and `fit_and_diagnose` on the rewards. Every float is printed as the hex
//! of its IEEE-754 bits, so `python/tests/test_parity.py` can compare to the last bit.
//!
//! Time mode: replays the curve through a fresh predictor, `push` then `predict` at every point,
//! repeated until at least one second has passed; prints the mean nanoseconds per round trip
//! (the Python bench `python/bench/bench_overhead.py` runs the same loop).

use grpo_dynamics::diagnostics::{DiagnoseInput, DiagnoseOptions};
use grpo_dynamics::fit::{fit_auto, Fit, Options};
use grpo_dynamics::predict::{fit_and_diagnose, Forecast, Prediction, Predictor};
use serde_json::{json, Value};
use std::time::Instant;

/// (step, reward) of a curve CSV; rows without a reward are skipped.
fn read_curve(path: &str) -> (Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| head.iter().position(|h| h.trim() == name);
    let (is, ir) = (
        col("step").expect("step column"),
        col("reward").expect("reward column"),
    );
    let (mut t, mut y) = (vec![], vec![]);
    for l in lines {
        let v: Vec<&str> = l.split(',').collect();
        if let (Some(Ok(s)), Some(Ok(r))) = (
            v.get(is).map(|x| x.trim().parse::<f64>()),
            v.get(ir).map(|x| x.trim().parse::<f64>()),
        ) {
            t.push(s);
            y.push(r);
        }
    }
    (t, y)
}

fn bits(x: f64) -> Value {
    json!(format!("{:016x}", x.to_bits()))
}

fn forecast(f: &Forecast<f64>) -> Value {
    json!([f.value, f.sd, f.lo80, f.hi80, f.lo95, f.hi95]
        .iter()
        .map(|x| bits(*x))
        .collect::<Vec<_>>())
}

fn prediction(p: &Prediction<f64>) -> Value {
    json!({
        "plateau": forecast(&p.plateau),
        "horizon": bits(p.horizon),
        "at_horizon": forecast(&p.at_horizon),
        "model": p.model as u32,
        "regime": p.regime as u32,
        "advice": p.advice.kind as u32,
        "current": bits(p.advice.current),
        "expected_gain": bits(p.advice.expected_gain),
        "r2": bits(p.r2),
    })
}

fn fit_json(f: &Fit<f64>) -> Value {
    json!({
        "model": f.set as u32,
        "termination": f.termination.code(),
        "params": f.params().iter().map(|x| bits(*x)).collect::<Vec<_>>(),
        "stderr": f.stderr().iter().map(|x| bits(*x)).collect::<Vec<_>>(),
        "plateau": bits(f.plateau),
        "plateau_stderr": bits(f.plateau_stderr),
        "r2": bits(f.r2),
        "aicc": bits(f.aicc),
        "cost": bits(f.cost),
        "evaluations": f.evaluations,
    })
}

/// Reward bounds: [0, 1] when every reward lies in it, else unbounded (the sidecar's rule).
fn bounds(y: &[f64]) -> (f64, f64) {
    if y.iter().all(|r| (0.0..=1.0).contains(r)) {
        (0.0, 1.0)
    } else {
        (f64::NEG_INFINITY, f64::INFINITY)
    }
}

fn values(path: &str) -> Value {
    let (t, y) = read_curve(path);
    let (lo, hi) = bounds(&y);
    let fit = match fit_auto(&t, &y, None, &Options::default()) {
        Ok(f) => fit_json(&f),
        Err(e) => json!({"error": e.code()}),
    };
    let horizon = t[t.len() - 1] + (t[t.len() - 1] - t[0]).max(1.0);
    let cut = (t.len() * 3 / 10).max(6).min(t.len());
    let mut pred = Box::new(Predictor::<f64, 256>::new(lo, hi).expect("bounds"));
    let mut at_cut = Value::Null;
    for (i, (&s, &r)) in t.iter().zip(&y).enumerate() {
        pred.push(s, r).expect("curve point");
        if i + 1 == cut {
            at_cut = match pred.predict(horizon) {
                Ok(p) => prediction(&p),
                Err(e) => json!({"error": e.code()}),
            };
        }
    }
    let full = match pred.predict(horizon) {
        Ok(p) => prediction(&p),
        Err(e) => json!({"error": e.code()}),
    };
    let mut din = DiagnoseInput::new(&y);
    din.steps = Some(&t);
    din.r_min = lo;
    din.r_max = hi;
    let diag = match fit_and_diagnose(&din, &DiagnoseOptions::default()) {
        Ok(d) => json!({"plateau": bits(d.plateau), "headline": d.headline as u32,
                        "instability": d.instability.verdict as u32}),
        Err(e) => json!({"error": e.code()}),
    };
    json!({"curve": path, "fit_auto": fit, "cut": cut, "at_cut": at_cut, "full": full,
           "horizon": bits(horizon), "diagnose": diag})
}

fn time(path: &str) -> Value {
    let (t, y) = read_curve(path);
    let (lo, hi) = bounds(&y);
    let horizon = t[t.len() - 1] * 2.0;
    let start = Instant::now();
    let (mut calls, mut sink) = (0u64, 0.0);
    while start.elapsed().as_secs_f64() < 1.0 {
        let mut pred = Box::new(Predictor::<f64, 256>::new(lo, hi).expect("bounds"));
        for (&s, &r) in t.iter().zip(&y) {
            pred.push(s, r).expect("curve point");
            if let Ok(p) = pred.predict(horizon) {
                sink += p.plateau.value;
            }
            calls += 1;
        }
    }
    let ns = start.elapsed().as_secs_f64() * 1e9 / calls as f64;
    json!({"curve": path, "points": t.len(), "round_trips": calls, "ns_per_round_trip": ns,
           "checksum": std::hint::black_box(sink)})
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let timing = args.iter().any(|a| a == "--time");
    for path in args.iter().filter(|a| !a.starts_with("--")) {
        let v = if timing { time(path) } else { values(path) };
        println!("{v}");
    }
}
