//! Diagnostics protocol on labelled real GRPO runs (issue 19).
//!
//! ```text
//! cargo run --release --example diagnostics_bench [-- CURVES_DIR] [--verbose]
//! ```
//!
//! Curves: the `*.csv` of CURVES_DIR (else `$GRPO_CURVES_DIR`, else `../shared/data/curves`)
//! labelled in its `LABELS.csv` (`curve,dynamics,event_step,entropy_collapse,...`).
//!
//! Protocol, per run (points fed in order, reward bounds `[0, 1]` when every reward of the run lies
//! in it, else unbounded, as in `../shared/bench/forecast`): at decision points every 5 % of the
//! run from 20 % (indices `ceil(0.2 n)`, then every `max(1, round(0.05 n))`, up to `n - 2`), take
//! [`diagnose`] on the prefix and the predictor's advice for the final step. An *alarm* is a
//! decision point whose headline is `DynamicalInstability` (any severity) or whose advice is
//! `StopDiverging` ("stop: collapsing").
//! - stable run: any alarm is a false alarm;
//! - unstable run: detected when an alarm comes no later than `event + 0.1 * run` (run = last
//!   step - first step); an alarm before `event - 0.2 * run` is a false alarm;
//! - ambiguous runs are listed, not scored.
//!
//! Also printed, on whole runs: the policy-concentration verdict against the `entropy_collapse`
//! label, and the advantage-degeneracy evidence where `frac_reward_zero_std` and `G` are logged.
//!
//! `--verbose` prints the evidence of the instability test at every decision point.

use grpo_dynamics::diagnostics::{
    diagnose, DiagnoseInput, DiagnoseOptions, Diagnosis, Headline, InstabilityVerdict,
};
use grpo_dynamics::predict::{AdviceKind, Predictor};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One labelled run.
struct Run {
    name: String,
    dynamics: String,
    event: Option<f64>,
    entropy_label: String,
    steps: Vec<f64>,
    reward: Vec<f64>,
    entropy: Option<Vec<f64>>,
    zero_std: Option<Vec<f64>>,
    group_size: Option<u32>,
    r_min: f64,
    r_max: f64,
}

fn curves_dir() -> PathBuf {
    if let Some(a) = std::env::args().skip(1).find(|a| !a.starts_with("--")) {
        return PathBuf::from(a);
    }
    if let Ok(d) = std::env::var("GRPO_CURVES_DIR") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/curves")
}

/// Rows with finite `step` and `reward`, sorted by step; optional columns kept only when finite
/// on every such row.
fn load(dir: &Path, name: &str) -> Option<Run> {
    let text = std::fs::read_to_string(dir.join(format!("{name}.csv"))).ok()?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let col = |k: &str| header.iter().position(|h| h.trim() == k);
    let (cs, cr) = (col("step")?, col("reward")?);
    let (ce, cz, cg) = (
        col("entropy"),
        col("frac_reward_zero_std"),
        col("num_generations"),
    );
    let mut rows: Vec<[f64; 4]> = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let num = |c: Option<usize>| {
            c.and_then(|c| f.get(c))
                .and_then(|s| s.trim().parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        let (s, r) = (num(Some(cs)), num(Some(cr)));
        if s.is_finite() && r.is_finite() {
            rows.push([s, r, num(ce), num(cz)]);
        }
        if let Some(g) = cg.and_then(|c| f.get(c)).and_then(|s| s.trim().parse::<f64>().ok()) {
            let _ = g;
        }
    }
    rows.sort_by(|a, b| a[0].total_cmp(&b[0]));
    rows.dedup_by(|a, b| a[0] == b[0]);
    let g = cg.and_then(|c| {
        text.lines()
            .nth(1)
            .and_then(|l| l.split(',').nth(c))
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|g| *g >= 2.0 && g.fract() == 0.0)
            .map(|g| g as u32)
    });
    let series = |k: usize| {
        let v: Vec<f64> = rows.iter().map(|r| r[k]).collect();
        v.iter().all(|x| x.is_finite()).then_some(v)
    };
    let reward: Vec<f64> = rows.iter().map(|r| r[1]).collect();
    let bounded = reward.iter().all(|&r| (0.0..=1.0).contains(&r));
    Some(Run {
        name: name.to_string(),
        dynamics: String::new(),
        event: None,
        entropy_label: String::new(),
        steps: rows.iter().map(|r| r[0]).collect(),
        entropy: series(2).filter(|h| h.first().is_some_and(|&h0| h0 > 0.0)),
        zero_std: series(3),
        group_size: g,
        reward,
        r_min: if bounded { 0.0 } else { f64::NEG_INFINITY },
        r_max: if bounded { 1.0 } else { f64::INFINITY },
    })
}

fn labelled_runs(dir: &Path) -> Vec<Run> {
    let text = std::fs::read_to_string(dir.join("LABELS.csv"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join("LABELS.csv").display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let col = |k: &str| header.iter().position(|h| h == k).expect(k);
    let (cc, cd, ce, ch) = (
        col("curve"),
        col("dynamics"),
        col("event_step"),
        col("entropy_collapse"),
    );
    let mut runs = Vec::new();
    for l in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        let name = f.get(cc).copied().unwrap_or("");
        match load(dir, name) {
            Some(mut r) if r.reward.len() >= 10 => {
                r.dynamics = f.get(cd).copied().unwrap_or("").to_string();
                r.event = f.get(ce).and_then(|s| s.parse().ok());
                r.entropy_label = f.get(ch).copied().unwrap_or("").to_string();
                runs.push(r);
            }
            _ => eprintln!("skipped {name}: not found or fewer than 10 points"),
        }
    }
    runs
}

/// Decision-point indices of the protocol.
fn decision_points(n: usize) -> Vec<usize> {
    let start = (0.2 * n as f64).ceil() as usize;
    let every = ((0.05 * n as f64).round() as usize).max(1);
    (start..n.saturating_sub(1)).step_by(every).collect()
}

fn input<'a>(run: &'a Run, k: usize) -> DiagnoseInput<'a, f64> {
    DiagnoseInput {
        steps: Some(&run.steps[..k]),
        entropy: run.entropy.as_deref().map(|h| &h[..k]),
        zero_std_frac: run.zero_std.as_deref().map(|z| &z[..k]),
        group_size: run.group_size,
        r_min: run.r_min,
        r_max: run.r_max,
        ..DiagnoseInput::new(&run.reward[..k])
    }
}

/// First alarm of a run: (step, by headline, by advice).
#[derive(Clone, Copy, Debug, Default)]
struct Alarms {
    headline: Option<f64>,
    advice: Option<f64>,
}

impl Alarms {
    fn first(&self) -> Option<f64> {
        match (self.headline, self.advice) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Alarms of one run under the protocol; with `early_before`, only alarms before that step count
/// (the false-alarm window of an unstable run) and the scan continues past it for the detection.
fn scan(run: &Run, verbose: bool) -> (Alarms, Vec<(f64, bool)>) {
    let n = run.reward.len();
    let points = decision_points(n);
    let final_step = *run.steps.last().unwrap_or(&0.0);
    let mut pred = Predictor::<f64, 256>::new(run.r_min, run.r_max).expect("bounds");
    let mut al = Alarms::default();
    let mut marks = Vec::new();
    let opts = DiagnoseOptions::default();
    for (i, (&s, &r)) in run.steps.iter().zip(&run.reward).enumerate() {
        pred.push(s, r).expect("point");
        if !points.contains(&i) {
            continue;
        }
        let d: Option<Diagnosis<f64>> = diagnose(&input(run, i + 1), &opts).ok();
        let head = d.is_some_and(|d| d.headline == Headline::DynamicalInstability);
        let adv = pred
            .predict(final_step)
            .is_ok_and(|p| p.advice.kind == AdviceKind::StopDiverging);
        if verbose {
            if let Some(d) = d {
                println!(
                    "  {:>8} head={:?}/{:?} inst={:?} advice_stop={adv}",
                    s, d.headline, d.severity, d.instability
                );
            }
        }
        if head && al.headline.is_none() {
            al.headline = Some(s);
        }
        if adv && al.advice.is_none() {
            al.advice = Some(s);
        }
        marks.push((s, head || adv));
    }
    (al, marks)
}

fn fmt(x: Option<f64>) -> String {
    x.map_or("-".into(), |s| format!("{s}"))
}

fn main() {
    let verbose = std::env::args().any(|a| a == "--verbose");
    let dir = curves_dir();
    let runs = labelled_runs(&dir);
    println!("## Instability protocol ({} labelled runs in {})\n", runs.len(), dir.display());
    println!("| run | label | event | n | first alarm (headline) | first alarm (advice) | outcome |");
    println!("|---|---|---|---|---|---|---|");
    let (mut stable, mut fa, mut unstable, mut detected, mut early) = (0, 0, 0, 0, 0);
    for run in &runs {
        if verbose {
            println!("{}:", run.name);
        }
        let (al, marks) = scan(run, verbose);
        let span = run.steps.last().unwrap() - run.steps[0];
        let outcome = match (run.dynamics.as_str(), run.event) {
            ("stable", _) => {
                stable += 1;
                if al.first().is_some() {
                    fa += 1;
                    "FALSE ALARM".to_string()
                } else {
                    "ok".to_string()
                }
            }
            ("unstable", Some(ev)) => {
                unstable += 1;
                let too_early = marks.iter().any(|&(s, a)| a && s < ev - 0.2 * span);
                let hit = marks
                    .iter()
                    .find(|&&(s, a)| a && s >= ev - 0.2 * span && s <= ev + 0.1 * span);
                if too_early {
                    early += 1;
                }
                match (too_early, hit) {
                    (false, Some(&(s, _))) => {
                        detected += 1;
                        format!("detected at {s} (deadline {})", ev + 0.1 * span)
                    }
                    (true, Some(&(s, _))) => {
                        detected += 1;
                        format!("detected at {s}, but FALSE ALARM before {}", ev - 0.2 * span)
                    }
                    (true, None) => format!("FALSE ALARM before {}, missed", ev - 0.2 * span),
                    (false, None) => "MISSED".to_string(),
                }
            }
            _ => "not scored".to_string(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            run.name,
            run.dynamics,
            fmt(run.event),
            run.reward.len(),
            fmt(al.headline),
            fmt(al.advice),
            outcome
        );
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "\nfalse alarms on stable runs: {fa}/{stable} ({:.0} %); unstable runs detected in time: \
         {detected}/{unstable}; early (false) alarms on unstable runs: {early}/{unstable}",
        pct(fa, stable)
    );
    whole_runs(&runs);
}

/// Concentration and degeneracy on whole runs.
fn whole_runs(runs: &[Run]) {
    println!("\n## Whole runs: policy concentration and advantage degeneracy\n");
    println!("| run | entropy label | rho_H | concentration | D_obs | p^G + (1-p)^G | G | degeneracy | headline |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut by: HashMap<&str, (usize, usize)> = HashMap::new();
    for run in runs {
        let n = run.reward.len();
        let d = match diagnose(&input(run, n), &DiagnoseOptions::default()) {
            Ok(d) => d,
            Err(e) => {
                println!("| {} | error {e:?} |", run.name);
                continue;
            }
        };
        let conc = d.concentration;
        if let Some(c) = conc {
            let e = by.entry(run.entropy_label.as_str()).or_default();
            e.0 += 1;
            if c.severity() > grpo_dynamics::diagnostics::Severity::Ok {
                e.1 += 1;
            }
        }
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:?}/{:?} |",
            run.name,
            run.entropy_label,
            conc.map_or("-".into(), |c| format!("{:.3}", c.entropy_ratio)),
            conc.map_or("skipped (no entropy)".into(), |c| format!("{:?}", c.verdict)),
            d.degeneracy
                .map_or("-".into(), |g| format!("{:.3}", g.observed)),
            d.degeneracy
                .map_or("-".into(), |g| format!("{:.3}", g.predicted)),
            fmt(run.group_size.map(f64::from)),
            d.degeneracy.map_or("skipped".into(), |g| format!("{:?}", g.severity)),
            d.headline,
            d.severity,
        );
        let _ = InstabilityVerdict::Stable;
    }
    let mut keys: Vec<_> = by.into_iter().collect();
    keys.sort();
    for (k, (n, f)) in keys {
        println!("entropy_collapse = {k}: concentration fires on {f}/{n}");
    }
}
