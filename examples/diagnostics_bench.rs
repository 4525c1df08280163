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
//! Last, a summary table of the protocol (the README table). `--floor-rule` adds the outcome of
//! the statistical alternative to `min_lost` (docs/diagnostics.md).
//!
//! `--only SUBSTRING` keeps the runs whose name contains it. `--verbose` prints the evidence of the instability test at every decision point; `--loso`
//! adds the leave-one-source-out choice of `DropOptions::min_lost` (the procedure behind
//! `DEFAULT_MIN_LOST`; `--loso-target 0.05` tolerates 5 % training false alarms instead of 0).

use grpo_dynamics::diagnostics::{
    diagnose, DiagnoseInput, DiagnoseOptions, Diagnosis, LevelDrop, Severity, DEFAULT_MIN_LOST,
};
use grpo_dynamics::predict::{fit_and_diagnose, AdviceKind, Predictor};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One labelled run.
pub struct Run {
    pub name: String,
    pub dynamics: String,
    pub event: Option<f64>,
    pub entropy_label: String,
    pub steps: Vec<f64>,
    pub reward: Vec<f64>,
    pub entropy: Option<Vec<f64>>,
    pub zero_std: Option<Vec<f64>>,
    pub group_size: Option<u32>,
    pub r_min: f64,
    pub r_max: f64,
}

fn curves_dir() -> PathBuf {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let positional = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--only"));
    if let Some((_, a)) = positional {
        return PathBuf::from(a);
    }
    if let Ok(d) = std::env::var("GRPO_CURVES_DIR") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/curves")
}

/// Rows with finite `step` and `reward`, sorted by step; optional columns kept only when finite
/// on every such row.
pub fn load(dir: &Path, name: &str) -> Option<Run> {
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
        if let Some(g) = cg
            .and_then(|c| f.get(c))
            .and_then(|s| s.trim().parse::<f64>().ok())
        {
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

pub fn labelled_runs(dir: &Path) -> Vec<Run> {
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
pub fn decision_points(n: usize) -> Vec<usize> {
    let start = (0.2 * n as f64).ceil() as usize;
    let every = ((0.05 * n as f64).round() as usize).max(1);
    (start..n.saturating_sub(1)).step_by(every).collect()
}

pub fn input<'a>(run: &'a Run, k: usize) -> DiagnoseInput<'a, f64> {
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

/// One decision point: the step, whether the headline is `DynamicalInstability` for a reason other
/// than the level-drop test, the level-drop evidence, and whether the advice is `StopDiverging`.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub step: f64,
    pub other: bool,
    pub drop: Option<LevelDrop<f64>>,
    /// The predictor's level-drop evidence on its window (its "stop: collapsing" advice is this
    /// test's detection: `Predictor::advice`).
    pub advice_drop: Option<LevelDrop<f64>>,
    /// The advice is `StopDiverging` (with the library default threshold).
    pub advice: bool,
}

impl Point {
    /// Alarm by the headline with `min_lost = theta` (None: the library default).
    pub fn headline(&self, theta: Option<f64>) -> bool {
        let t = theta.unwrap_or(DEFAULT_MIN_LOST);
        self.other || self.drop.is_some_and(|d| d.z > d.z_crit && d.lost > t)
    }
    /// Alarm by the advice with `min_lost = theta` (None: the advice as given).
    pub fn advice(&self, theta: Option<f64>) -> bool {
        match theta {
            None => self.advice,
            Some(t) => self
                .advice_drop
                .is_some_and(|d| d.z > d.z_crit && d.lost > t),
        }
    }
    pub fn alarm(&self, theta: Option<f64>) -> bool {
        self.headline(theta) || self.advice(theta)
    }
}

/// The decision points of one run (diagnose run with `min_lost = 0`, so that the evidence can be
/// thresholded afterwards; the headline with the default threshold is recomputed from it).
pub fn scan(run: &Run, verbose: bool) -> Vec<Point> {
    let n = run.reward.len();
    let points = decision_points(n);
    let final_step = *run.steps.last().unwrap_or(&0.0);
    let mut pred = Predictor::<f64, 256>::new(run.r_min, run.r_max).expect("bounds");
    let mut out = Vec::new();
    let mut opts = DiagnoseOptions::default();
    opts.drop.min_lost = 0.0;
    for (i, (&s, &r)) in run.steps.iter().zip(&run.reward).enumerate() {
        pred.push(s, r).expect("point");
        if !points.contains(&i) {
            continue;
        }
        // the predictor's fit of the prefix feeds the diagnosis (one fit, as the sidecar does)
        let d: Option<Diagnosis<f64>> = pred
            .fit()
            .and_then(|f| f.curve_fit())
            .and_then(|fit| diagnose(&input(run, i + 1), &fit, &opts))
            .ok();
        // an alarm for another reason than the level drop (with min_lost = 0, the drop test
        // alone makes the verdict Unstable whenever z > z_crit; then the other reasons of this
        // curve-only protocol are none: Overshooting is not a failure and there is no optimizer)
        let other = d.is_some_and(|d| {
            d.instability.verdict.severity() > Severity::Ok
                && !d.instability.level_drop.is_some_and(|l| l.detected)
        });
        let advice = pred
            .predict(final_step)
            .is_ok_and(|p| p.advice.kind == AdviceKind::StopDiverging);
        let p = Point {
            step: s,
            other,
            drop: d.and_then(|d| d.instability.level_drop),
            advice_drop: pred.level_drop().ok().flatten(),
            advice,
        };
        if verbose {
            println!("  {s:>8} other={other} advice_stop={advice} {:?}", p.drop);
        }
        out.push(p);
    }
    out
}

/// Outcome of one run for a threshold: (false alarm, detected in time).
pub fn score(run: &Run, pts: &[Point], theta: Option<f64>) -> (bool, bool) {
    let span = run.steps.last().unwrap_or(&0.0) - run.steps.first().unwrap_or(&0.0);
    match (run.dynamics.as_str(), run.event) {
        ("stable", _) => (pts.iter().any(|p| p.alarm(theta)), false),
        ("unstable", Some(ev)) => (
            pts.iter()
                .any(|p| p.alarm(theta) && p.step < ev - 0.2 * span),
            pts.iter()
                .any(|p| p.alarm(theta) && p.step >= ev - 0.2 * span && p.step <= ev + 0.1 * span),
        ),
        _ => (false, false),
    }
}

fn fmt(x: Option<f64>) -> String {
    x.map_or("-".into(), |s| format!("{s}"))
}

fn main() {
    let verbose = std::env::args().any(|a| a == "--verbose");
    let dir = curves_dir();
    let mut runs = labelled_runs(&dir);
    if let Some(only) = std::env::args().skip_while(|a| a != "--only").nth(1) {
        runs.retain(|r| r.name.contains(&only));
    }
    let scans: Vec<Vec<Point>> = runs
        .iter()
        .map(|r| {
            if verbose {
                println!("{}:", r.name);
            }
            scan(r, verbose)
        })
        .collect();
    println!(
        "## Instability protocol ({} labelled runs in {})\n",
        runs.len(),
        dir.display()
    );
    println!(
        "| run | label | event | n | first alarm (headline) | first alarm (advice) | outcome |"
    );
    println!("|---|---|---|---|---|---|---|");
    let (mut stable, mut fa, mut unstable, mut detected, mut early) = (0, 0, 0, 0, 0);
    for (run, pts) in runs.iter().zip(&scans) {
        let head = pts.iter().find(|p| p.headline(None)).map(|p| p.step);
        let adv = pts.iter().find(|p| p.advice(None)).map(|p| p.step);
        let (false_alarm, hit) = score(run, pts, None);
        let outcome = match run.dynamics.as_str() {
            "stable" => {
                stable += 1;
                fa += usize::from(false_alarm);
                if false_alarm { "FALSE ALARM" } else { "ok" }.to_string()
            }
            "unstable" => {
                unstable += 1;
                early += usize::from(false_alarm);
                detected += usize::from(hit && !false_alarm);
                match (false_alarm, hit) {
                    (false, true) => "detected".to_string(),
                    (true, true) => "detected, but early FALSE ALARM".to_string(),
                    (true, false) => "early FALSE ALARM, missed".to_string(),
                    (false, false) => "MISSED".to_string(),
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
            fmt(head),
            fmt(adv),
            outcome
        );
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "\nfalse alarms on stable runs: {fa}/{stable} ({:.0} %); unstable runs detected in time \
         without an early alarm: {detected}/{unstable}; early (false) alarms on unstable runs: \
         {early}/{unstable}",
        pct(fa, stable)
    );
    if std::env::args().any(|a| a == "--loso") {
        let target = std::env::args()
            .skip_while(|a| a != "--loso-target")
            .nth(1)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0);
        loso(&runs, &scans, target);
    }
    if std::env::args().any(|a| a == "--floor-rule") {
        floor_rule(&runs, &scans);
    }
    let fired = whole_runs(&runs);
    // the README table
    let rho = runs
        .iter()
        .zip(&scans)
        .find(|(r, _)| r.name.contains("rho0.7"))
        .map(|(r, pts)| (r.event, pts.iter().find(|p| p.alarm(None)).map(|p| p.step)));
    let label = |l: &str| runs.iter().filter(|r| r.entropy_label == l).count();
    let fired_on = |l: &str| {
        let v: Vec<&str> = fired
            .iter()
            .filter(|f| f.0 == l)
            .map(|f| f.1.as_str())
            .collect();
        let names = if v.is_empty() {
            String::new()
        } else {
            format!(" ({})", v.join(", "))
        };
        format!("{}/{}{names}", v.len(), label(l))
    };
    println!("\n## Protocol summary (shared labels)\n");
    println!("| check | result |");
    println!("|---|---|");
    println!(
        "| instability alarms on stable runs (headline DynamicalInstability or advice \"stop: \
         collapsing\" at any decision point) | {fa}/{stable} |"
    );
    if let Some((ev, first)) = rho {
        println!(
            "| sunshine rho0.7 collapse (event step {}, deadline +10 % of the run) | first alarm at \
             step {} |",
            fmt(ev),
            fmt(first)
        );
    }
    println!(
        "| early alarms on unstable runs (> 20 % of the run before the event) | {early}/{unstable} |"
    );
    println!(
        "| policy concentration fires (Premature), runs labelled entropy_collapse = yes | {} |",
        fired_on("yes")
    );
    println!(
        "| policy concentration fires (Premature), runs labelled entropy_collapse = no | {} |",
        fired_on("no")
    );
}

/// The statistical alternative to `min_lost` examined for issue 19 (not the library's rule):
/// a collapse is a significant drop (`z > z_crit`) to a level that is no longer significantly
/// above the floor, `z_floor = (current - floor) / (sigma sqrt(2 / w)) < z_crit` (the same
/// `alpha`, no data-chosen constant). A run without a floor (`floor = best`) is never flagged.
pub fn at_floor(d: &LevelDrop<f64>) -> bool {
    let se = d.sigma * (2.0 / d.window as f64).sqrt();
    d.z > d.z_crit && d.best > d.floor && (d.current - d.floor) / se < d.z_crit
}

/// Protocol outcome under [`at_floor`] (headline and advice evidence), beside the default rule.
fn floor_rule(runs: &[Run], scans: &[Vec<Point>]) {
    println!(
        "
## Alternative rule: significant drop back to the floor (no min_lost)
"
    );
    println!("| run | label | event | first alarm (min_lost 0.5) | first alarm (floor rule) |");
    println!("|---|---|---|---|---|");
    let (mut stable, mut fa, mut fa_default) = (0, 0, 0);
    let mut closest: Option<(f64, String, f64, f64)> = None;
    let mut closest_lost = (0.0, String::new());
    for (run, pts) in runs.iter().zip(scans) {
        let alarm = |p: &Point| {
            p.other
                || p.drop.is_some_and(|d| at_floor(&d))
                || p.advice_drop.is_some_and(|d| at_floor(&d))
        };
        let first = pts.iter().find(|p| alarm(p)).map(|p| p.step);
        let first_default = pts.iter().find(|p| p.alarm(None)).map(|p| p.step);
        if run.dynamics == "stable" {
            // margin: the smallest z_floor / z_crit at a significant drop (both evidences)
            for d in pts.iter().flat_map(|p| [p.drop, p.advice_drop]).flatten() {
                let se = d.sigma * (2.0 / d.window as f64).sqrt();
                if d.z > d.z_crit && d.best > d.floor {
                    let m = (d.current - d.floor) / se / d.z_crit;
                    if closest
                        .as_ref()
                        .is_none_or(|c: &(f64, String, f64, f64)| m < c.0)
                    {
                        closest = Some((m, run.name.clone(), d.lost, d.z));
                    }
                }
                if d.z > d.z_crit && d.lost > closest_lost.0 && d.lost <= DEFAULT_MIN_LOST {
                    closest_lost = (d.lost, run.name.clone());
                }
            }
            stable += 1;
            fa += usize::from(first.is_some());
            fa_default += usize::from(first_default.is_some());
        }
        if first.is_some() || first_default.is_some() {
            println!(
                "| {} | {} | {} | {} | {} |",
                run.name,
                run.dynamics,
                fmt(run.event),
                fmt(first_default),
                fmt(first)
            );
        }
    }
    println!(
        "
(runs with no alarm under either rule not listed) false alarms on stable runs: floor \
         rule {fa}/{stable}, min_lost 0.5 {fa_default}/{stable}"
    );
    if let Some((m, name, lost, z)) = closest {
        println!(
            "closest stable run to the floor rule: {name}, z_floor = {m:.2} z_crit at a significant \
             drop (z = {z:.2}, lost = {lost:.3})"
        );
    }
    println!(
        "closest stable run to min_lost: {}, lost = {:.3} at a significant drop",
        closest_lost.1, closest_lost.0
    );
}

/// Source repository of a run: the owner prefix of its file name (one prefix per source
/// repository of MANIFEST.md).
fn source(name: &str) -> &str {
    name.split('-').next().unwrap_or(name)
}

/// Leave-one-source-out choice of `min_lost` (see `DEFAULT_MIN_LOST`): for each source, the
/// smallest grid value whose false-alarm rate (stable runs, and early alarms on unstable runs) on
/// the other sources is at most `target` (`--loso-target`, default 0: no false alarm); the
/// held-out runs are scored with it and pooled; the same rule on all sources gives the constant.
fn loso(runs: &[Run], scans: &[Vec<Point>], target: f64) {
    let grid: Vec<f64> = (0..10).map(|i| i as f64 / 10.0).collect();
    let mut sources: Vec<&str> = runs.iter().map(|r| source(&r.name)).collect();
    sources.sort();
    sources.dedup();
    println!(
        "\n## Leave-one-source-out choice of min_lost (grid 0, 0.1, ..., 0.9; false alarms <= {:.0} % \
         of the training runs)\n",
        100.0 * target
    );
    println!(
        "| held-out source | chosen min_lost | held-out stable FA | held-out unstable detected |"
    );
    println!("|---|---|---|---|");
    let (mut fa, mut st, mut det, mut un) = (0, 0, 0, 0);
    let mut chosen = Vec::new();
    for src in &sources {
        let train: Vec<usize> = (0..runs.len())
            .filter(|&i| source(&runs[i].name) != *src && runs[i].dynamics != "ambiguous")
            .collect();
        let theta = grid
            .iter()
            .copied()
            .find(|&t| {
                let f = train
                    .iter()
                    .filter(|&&i| score(&runs[i], &scans[i], Some(t)).0)
                    .count();
                f as f64 <= target * train.len() as f64
            })
            .unwrap_or(1.0);
        chosen.push(theta);
        let (mut hf, mut hs, mut hd, mut hu) = (0, 0, 0, 0);
        for i in (0..runs.len()).filter(|&i| source(&runs[i].name) == *src) {
            let (f, h) = score(&runs[i], &scans[i], Some(theta));
            match runs[i].dynamics.as_str() {
                "stable" => {
                    hs += 1;
                    hf += usize::from(f);
                }
                "unstable" => {
                    hu += 1;
                    hf += usize::from(f);
                    hd += usize::from(h && !f);
                }
                _ => {}
            }
        }
        println!("| {src} | {theta:.1} | {hf}/{hs} | {hd}/{hu} |");
        fa += hf;
        st += hs;
        det += hd;
        un += hu;
    }
    chosen.sort_by(f64::total_cmp);
    // the same rule on every source: the deployed constant
    let all: Vec<usize> = (0..runs.len())
        .filter(|&i| runs[i].dynamics != "ambiguous")
        .collect();
    let all_theta = grid
        .iter()
        .copied()
        .find(|&t| {
            let f = all
                .iter()
                .filter(|&&i| score(&runs[i], &scans[i], Some(t)).0)
                .count();
            f as f64 <= target * all.len() as f64
        })
        .unwrap_or(1.0);
    println!(
        "\npooled held-out: false alarms {fa}/{st} ({:.0} %), detected {det}/{un}; per-fold \
         choices from {:.1} to {:.1}; the rule on all sources: {all_theta:.1} (library default \
         {DEFAULT_MIN_LOST})",
        100.0 * fa as f64 / st.max(1) as f64,
        chosen[0],
        chosen[chosen.len() - 1]
    );
}

fn fmt3(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "-".into()
    }
}

/// Concentration and degeneracy on whole runs; returns (entropy label, run) of the runs on
/// which policy concentration fires.
fn whole_runs(runs: &[Run]) -> Vec<(String, String)> {
    let mut fired = Vec::new();
    println!("\n## Whole runs: policy concentration and advantage degeneracy\n");
    println!(
        "| run | entropy label | rho_H | collapse step | R at collapse | plateau r* | gap | concentration \
         | D_obs | p^G + (1-p)^G | G | degeneracy | headline |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut by: HashMap<&str, (usize, usize)> = HashMap::new();
    for run in runs {
        let n = run.reward.len();
        let d = match fit_and_diagnose(&input(run, n), &DiagnoseOptions::default()) {
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
            if c.severity() > Severity::Ok {
                e.1 += 1;
                fired.push((run.entropy_label.clone(), run.name.clone()));
            }
        }
        let step = |i: usize| run.steps.get(i).copied().unwrap_or(f64::NAN);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:?}/{:?} |",
            run.name,
            run.entropy_label,
            conc.map_or("-".into(), |c| format!("{:.3}", c.entropy_ratio)),
            conc.and_then(|c| c.collapse_index)
                .map_or("-".into(), |i| format!("{}", step(i))),
            conc.filter(|c| c.collapse_index.is_some())
                .map_or("-".into(), |c| fmt3(c.reward_at_collapse)),
            conc.map_or("-".into(), |c| fmt3(c.plateau)),
            conc.filter(|c| c.collapse_index.is_some())
                .map_or("-".into(), |c| fmt3(c.gap_fraction)),
            conc.map_or("skipped (no entropy)".into(), |c| format!(
                "{:?}",
                c.verdict
            )),
            d.degeneracy
                .map_or("-".into(), |g| format!("{:.3}", g.observed)),
            d.degeneracy
                .map_or("-".into(), |g| format!("{:.3}", g.predicted)),
            fmt(run.group_size.map(f64::from)),
            d.degeneracy
                .map_or("skipped".into(), |g| format!("{:?}", g.severity)),
            d.headline,
            d.severity,
        );
    }
    let mut keys: Vec<_> = by.into_iter().collect();
    keys.sort();
    for (k, (n, f)) in &keys {
        println!("entropy_collapse = {k}: concentration fires (verdict Premature) on {f}/{n}");
    }
    fired
}
