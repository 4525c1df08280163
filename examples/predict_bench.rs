//! Prediction-quality benchmark on real GRPO reward curves.
//!
//! ```text
//! cargo run --release --example predict_bench [-- CURVES_DIR]
//! ```
//!
//! Curves: every `*.csv` (columns `step`, `reward`) in CURVES_DIR, else `$GRPO_CURVES_DIR`, else
//! `../shared/data/curves` relative to the crate root. Each curve is cut at 20 %, 30 % and 50 % of
//! its points; from the prefix every method predicts the mean reward of the last 10 % of the points
//! (at the mean step of that tail). Printed per cut and method: median / mean / p90 absolute error
//! and the coverage of the 50 / 80 / 95 % intervals; for each baseline, paired by curve with the
//! crate, the number of curves where the crate's error is smaller and the fraction of
//! [`BOOTSTRAP`] resamples of the curves (fixed seed) in which the crate's median error is lower.
//!
//! Reward bounds: [0, 1] when every reward of the prefix lies in [0, 1] (accuracy-type rewards),
//! unbounded otherwise; every prediction and interval of every method is clipped to them.
//!
//! Environment: `PREDICT_BENCH_VERBOSE=1` prints every prediction; `PREDICT_BENCH_SCALE`,
//! `PREDICT_BENCH_DRIFT`, `PREDICT_BENCH_LEVEL` and `PREDICT_BENCH_SHRINK` override
//! [`Config::interval_scale`], [`Config::drift`], [`Config::level_half_life`] and
//! [`Config::gain_shrink`] (calibration sweeps).
//!
//! Methods: the crate's [`Predictor`]; baselines "last" (last value; interval +- z s_d / sqrt 2,
//! s_d the standard deviation of the first differences), "mean5" (mean of the last 5 points;
//! interval +- z s / sqrt 5), "exp" (single exponential `A - (A - R0) exp(-t / tau)`), "sigmoid"
//! (ScaleRL/MMF `R0 + (A - R0) / (1 + (t_mid / t)^B)`), "pow3" (`a - b t^-c`) fitted with the
//! crate's Levenberg-Marquardt solver (delta-method intervals from the fit covariance), and
//! "best-aicc" (whichever of exp / sigmoid / pow3 has the lowest AICc).

use grpo_dynamics::fit::{self, Bounds, Curve, Model, Options};
use grpo_dynamics::predict::{Config, Predictor};
use grpo_dynamics::Result;
use std::path::{Path, PathBuf};

#[path = "../tests/common/mod.rs"]
mod common;

/// Normal quantiles of the central 50 / 80 / 95 % intervals.
const Z: [f64; 3] = [0.6744897501960817, 1.2815515655446004, 1.959963984540054];
/// Cut fractions.
pub const CUTS: [f64; 3] = [0.2, 0.3, 0.5];

/// A point forecast with a normal predictive standard deviation.
#[derive(Clone, Copy, Debug)]
struct Forecast {
    value: f64,
    sd: f64,
}

// ------------------------------------------------------------------ baseline models (user models)

/// `A - (A - R0) exp(-t / tau)`, params (A, R0, tau).
struct Exp;
impl Model<f64, 3> for Exp {
    fn eval(&self, p: &[f64; 3], t: f64) -> Result<(f64, [f64; 3])> {
        let e = (-t / p[2]).exp();
        let v = p[0] - (p[0] - p[1]) * e;
        Ok((v, [1.0 - e, e, -(p[0] - p[1]) * e * t / (p[2] * p[2])]))
    }
}

/// `R0 + (A - R0) / (1 + (t_mid / t)^B)`, params (R0, A, t_mid, B).
struct Sigmoid;
impl Model<f64, 4> for Sigmoid {
    fn eval(&self, p: &[f64; 4], t: f64) -> Result<(f64, [f64; 4])> {
        let (r0, a, tm, b) = (p[0], p[1], p[2], p[3]);
        let lr = (tm / t).ln();
        let u = (b * lr).exp();
        let s = 1.0 / (1.0 + u);
        let v = r0 + (a - r0) * s;
        let ds_du = -s * s;
        Ok((
            v,
            [
                1.0 - s,
                s,
                (a - r0) * ds_du * u * b / tm,
                (a - r0) * ds_du * u * lr,
            ],
        ))
    }
}

/// `a - b t^-c`, params (a, b, c).
struct Pow3;
impl Model<f64, 3> for Pow3 {
    fn eval(&self, p: &[f64; 3], t: f64) -> Result<(f64, [f64; 3])> {
        let tc = (-p[2] * t.ln()).exp();
        Ok((p[0] - p[1] * tc, [1.0, -tc, p[1] * tc * t.ln()]))
    }
}

/// Fit `model` and return (forecast at `horizon`, AICc).
fn fit_param<M: Model<f64, P>, const P: usize>(
    model: &M,
    t: &[f64],
    y: &[f64],
    start: [f64; P],
    bounds: Bounds<f64, P>,
    horizon: f64,
) -> Option<(Forecast, f64)> {
    let cv = Curve::new(t, y, None).ok()?;
    let start = bounds.clamp(start);
    let rep = fit::solve(model, &[cv], start, &bounds, &Options::default()).ok()?;
    let st = fit::stats(&[cv], rep.cost, P);
    let (v, g) = model.eval(&rep.params, horizon).ok()?;
    let mut var = 0.0;
    for j in 0..P {
        for k in 0..P {
            var += g[j] * rep.covariance[j][k] * g[k];
        }
    }
    let sd = if var.is_finite() && var >= 0.0 {
        var.sqrt()
    } else {
        f64::INFINITY
    };
    v.is_finite()
        .then_some((Forecast { value: v, sd }, st.aicc))
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn std_dev(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::INFINITY;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// Every baseline on one prefix: (name, forecast), in a fixed order.
fn baselines(t: &[f64], y: &[f64], horizon: f64) -> Vec<(&'static str, Option<Forecast>)> {
    let n = y.len();
    let last = y[n - 1];
    let diffs: Vec<f64> = y.windows(2).map(|w| w[1] - w[0]).collect();
    let tail5 = &y[n.saturating_sub(5)..];
    let m5 = mean(tail5);
    let (ymin, ymax) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let range = (ymax - ymin).max(1e-6);
    let span = t[n - 1] - t[0];
    let (lo, hi) = (ymin - 10.0 * range, ymax + 10.0 * range);
    let t_last = t[n - 1];
    let exp = fit_param(
        &Exp,
        t,
        y,
        [m5, y[0], span / 3.0],
        Bounds {
            lo: [lo, lo, 1e-3 * span],
            hi: [hi, hi, 100.0 * span],
        },
        horizon,
    );
    let sig = fit_param(
        &Sigmoid,
        t,
        y,
        [y[0], m5, t[n / 2], 2.0],
        Bounds {
            lo: [lo, lo, 1e-3 * t_last, 0.1],
            hi: [hi, hi, 100.0 * t_last, 20.0],
        },
        horizon,
    );
    let b0 = (m5 - y[0]) * t[0].powf(0.5);
    let pow3 = fit_param(
        &Pow3,
        t,
        y,
        [m5, b0, 0.5],
        Bounds {
            lo: [lo, -1e3 * range * t_last, 0.01],
            hi: [hi, 1e3 * range * t_last, 5.0],
        },
        horizon,
    );
    let best = [exp, sig, pow3]
        .into_iter()
        .flatten()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|x| x.0);
    vec![
        (
            "last",
            Some(Forecast {
                value: last,
                sd: std_dev(&diffs) / 2f64.sqrt(),
            }),
        ),
        (
            "mean5",
            Some(Forecast {
                value: m5,
                sd: std_dev(tail5) / (tail5.len() as f64).sqrt(),
            }),
        ),
        ("exp", exp.map(|x| x.0)),
        ("sigmoid", sig.map(|x| x.0)),
        ("pow3", pow3.map(|x| x.0)),
        ("best-aicc", best),
    ]
}

/// The crate's predictor on one prefix.
fn crate_forecast(t: &[f64], y: &[f64], bounds: (f64, f64), horizon: f64) -> Option<Forecast> {
    let mut cfg = Config::new(bounds.0, bounds.1);
    // calibration sweeps: override the interval constants from the environment
    if let Some(v) = env_f64("PREDICT_BENCH_SCALE") {
        cfg.interval_scale = v;
    }
    if let Some(v) = env_f64("PREDICT_BENCH_DRIFT") {
        cfg.drift = v;
    }
    if let Some(v) = env_f64("PREDICT_BENCH_LEVEL") {
        cfg.level_half_life = v;
    }
    if let Some(v) = env_f64("PREDICT_BENCH_SHRINK") {
        cfg.gain_shrink = v;
    }
    let mut p = Predictor::<f64, 256>::with_config(cfg).ok()?;
    for (&s, &r) in t.iter().zip(y) {
        p.push(s, r).ok()?;
    }
    let f = p.reward_at(horizon).ok()?;
    Some(Forecast {
        value: f.value,
        sd: f.sd,
    })
}

fn env_f64(name: &str) -> Option<f64> {
    std::env::var(name).ok()?.parse().ok()
}

fn load(path: &PathBuf) -> Option<(Vec<f64>, Vec<f64>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let is = header.iter().position(|h| h.trim() == "step")?;
    let ir = header.iter().position(|h| h.trim() == "reward")?;
    let (mut t, mut y) = (Vec::new(), Vec::new());
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let (Some(s), Some(r)) = (f.get(is), f.get(ir)) else {
            continue;
        };
        if let (Ok(s), Ok(r)) = (s.trim().parse::<f64>(), r.trim().parse::<f64>()) {
            if s.is_finite() && r.is_finite() && t.last().is_none_or(|&l| s > l) {
                t.push(s);
                y.push(r);
            }
        }
    }
    (t.len() >= 10).then_some((t, y))
}

fn curves_dir() -> PathBuf {
    if let Some(a) = std::env::args().nth(1) {
        return PathBuf::from(a);
    }
    if let Ok(d) = std::env::var("GRPO_CURVES_DIR") {
        return PathBuf::from(d);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/curves")
}

#[derive(Default)]
struct Tally {
    /// Absolute error per curve in file order (`None`: no forecast).
    per_curve: Vec<Option<f64>>,
    covered: [usize; 3],
    failed: usize,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    // linear interpolation between order statistics (numpy's default)
    let h = (sorted.len() - 1) as f64 * q;
    let (i, frac) = (h.floor() as usize, h - h.floor());
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + frac * (sorted[j] - sorted[i])
}

/// Result of one method at one cut.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Cut fraction (0.2, 0.3, 0.5).
    pub cut: f64,
    /// Method name.
    pub method: &'static str,
    /// Median absolute error.
    pub median: f64,
    /// Mean absolute error.
    pub mean: f64,
    /// 90th percentile of the absolute error.
    pub p90: f64,
    /// Coverage of the 50 / 80 / 95 % intervals (fractions).
    pub coverage: [f64; 3],
    /// Prefixes on which the method gave no forecast.
    pub failed: usize,
    /// Curves on which the crate's error is strictly smaller than this method's (paired; `None`
    /// for the crate's own row).
    pub crate_wins: Option<usize>,
    /// Paired bootstrap over curves ([`BOOTSTRAP`] resamples): fraction of resamples in which
    /// the crate's median error is strictly below this method's (`None` for the crate's row).
    /// Near 0.5 the two medians are not told apart by these curves.
    pub p_crate_median_lower: Option<f64>,
}

/// Resamples of the paired bootstrap.
pub const BOOTSTRAP: usize = 10_000;

/// Paired comparison of the crate (`a`) with a method (`b`) on the curves where both forecast:
/// (curves where `a < b`, bootstrap fraction of resamples with `median a < median b`).
fn paired(a: &[Option<f64>], b: &[Option<f64>]) -> (usize, f64) {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
        .collect();
    if pairs.is_empty() {
        return (0, f64::NAN);
    }
    let wins = pairs.iter().filter(|(x, y)| x < y).count();
    // the tests' SplitMix64 with a fixed seed: the report is reproducible
    let mut rng = common::Rng::new(0x5EED);
    let (mut xa, mut xb) = (vec![0.0; pairs.len()], vec![0.0; pairs.len()]);
    let mut lower = 0;
    for _ in 0..BOOTSTRAP {
        for (u, v) in xa.iter_mut().zip(&mut xb) {
            let i = ((rng.next() * pairs.len() as f64) as usize).min(pairs.len() - 1);
            (*u, *v) = pairs[i];
        }
        xa.sort_by(f64::total_cmp);
        xb.sort_by(f64::total_cmp);
        if quantile(&xa, 0.5) < quantile(&xb, 0.5) {
            lower += 1;
        }
    }
    (wins, lower as f64 / BOOTSTRAP as f64)
}

/// Method names in table order.
pub const METHODS: [&str; 7] = [
    "grpo-dynamics",
    "last",
    "mean5",
    "exp",
    "sigmoid",
    "pow3",
    "best-aicc",
];

/// Run the benchmark on every CSV of `dir`: (number of curves used, one summary per cut and
/// method, cuts in [`CUTS`] order, methods in [`METHODS`] order).
pub fn evaluate(dir: &Path, verbose: bool) -> (usize, Vec<Summary>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    let mut tallies: Vec<Vec<Tally>> = CUTS
        .iter()
        .map(|_| METHODS.iter().map(|_| Tally::default()).collect())
        .collect();
    let mut n_curves = 0;
    for path in &files {
        let Some((t, y)) = load(path) else {
            eprintln!("skipping {}", path.display());
            continue;
        };
        n_curves += 1;
        let n = y.len();
        let tail = n - (0.9 * n as f64).floor() as usize;
        let target = mean(&y[n - tail..]);
        let horizon = mean(&t[n - tail..]);
        for (ci, &cut) in CUTS.iter().enumerate() {
            let m = ((cut * n as f64).round() as usize).max(5);
            let (tp, yp) = (&t[..m], &y[..m]);
            let bounded = yp.iter().all(|&v| (0.0..=1.0).contains(&v));
            let bounds = if bounded {
                (0.0, 1.0)
            } else {
                (f64::NEG_INFINITY, f64::INFINITY)
            };
            let mut all = vec![("grpo-dynamics", crate_forecast(tp, yp, bounds, horizon))];
            all.extend(baselines(tp, yp, horizon));
            for (mi, (name, fc)) in all.into_iter().enumerate() {
                let tally = &mut tallies[ci][mi];
                let Some(fc) = fc else {
                    tally.failed += 1;
                    tally.per_curve.push(None);
                    continue;
                };
                let clip = |v: f64| v.clamp(bounds.0, bounds.1);
                let v = clip(fc.value);
                tally.per_curve.push(Some((v - target).abs()));
                for (k, z) in Z.iter().enumerate() {
                    let (lo, hi) = (clip(fc.value - z * fc.sd), clip(fc.value + z * fc.sd));
                    if lo <= target && target <= hi {
                        tally.covered[k] += 1;
                    }
                }
                if verbose {
                    let name_file = path
                        .file_name()
                        .map(|f| f.to_string_lossy())
                        .unwrap_or_default();
                    println!(
                        "{cut:.1} {name:>13} {name_file:<55} target {target:8.4} pred {v:8.4} sd {:8.4} err {:8.4}",
                        fc.sd,
                        (v - target).abs()
                    );
                }
            }
        }
    }
    let mut out = Vec::new();
    for (ci, &cut) in CUTS.iter().enumerate() {
        for (mi, &method) in METHODS.iter().enumerate() {
            let (crate_wins, p_crate_median_lower) = if mi == 0 {
                (None, None)
            } else {
                let (w, p) = paired(&tallies[ci][0].per_curve, &tallies[ci][mi].per_curve);
                (Some(w), Some(p))
            };
            let tl = &tallies[ci][mi];
            let mut errors: Vec<f64> = tl.per_curve.iter().flatten().copied().collect();
            errors.sort_by(f64::total_cmp);
            let k = errors.len().max(1) as f64;
            out.push(Summary {
                cut,
                method,
                median: quantile(&errors, 0.5),
                mean: mean(&errors),
                p90: quantile(&errors, 0.9),
                coverage: tl.covered.map(|c| c as f64 / k),
                failed: tl.failed,
                crate_wins,
                p_crate_median_lower,
            });
        }
    }
    (n_curves, out)
}

fn main() {
    let dir = curves_dir();
    let verbose = std::env::var("PREDICT_BENCH_VERBOSE").is_ok();
    let (n_curves, rows) = evaluate(&dir, verbose);
    println!(
        "Prediction of the mean reward of the last 10% of steps, {n_curves} curves from {}",
        dir.display()
    );
    for &cut in &CUTS {
        println!();
        println!(
            "cut {:>2}% | {:<13} | {:>8} | {:>8} | {:>8} | {:>5} | {:>5} | {:>5} | failed | crate wins | P(crate median lower)",
            (cut * 100.0).round(),
            "method",
            "median",
            "mean",
            "p90",
            "cov50",
            "cov80",
            "cov95"
        );
        for r in rows.iter().filter(|r| r.cut == cut) {
            let wins = r
                .crate_wins
                .map_or(String::new(), |w| format!("{w} of {n_curves}"));
            let p = r
                .p_crate_median_lower
                .map_or(String::new(), |p| format!("{p:.2}"));
            let line = format!(
                "        | {:<13} | {:>8.4} | {:>8.4} | {:>8.4} | {:>4.0}% | {:>4.0}% | {:>4.0}% | {:>6} | {:>10} | {}",
                r.method,
                r.median,
                r.mean,
                r.p90,
                100.0 * r.coverage[0],
                100.0 * r.coverage[1],
                100.0 * r.coverage[2],
                r.failed,
                wins,
                p
            );
            println!("{}", line.trim_end().trim_end_matches('|').trim_end());
        }
    }
    protocol::print(&dir);
}

/// The forecast protocol of `../shared/bench/forecast/run.py` (the issue-13 judge), the crate's
/// rows only, computed the same way: cuts at 20/30/50/70 %, target = mean of the last 10 %,
/// horizon = the step at 95 %, error scaled by p90 - p10, 80 % coverage; early stop at decision
/// points every 5 % from 20 % on the default advice, against the patience rules.
pub mod protocol {
    use grpo_dynamics::predict::{AdviceKind, Predictor};
    use std::path::Path;

    const CUTS: [f64; 4] = [0.2, 0.3, 0.5, 0.7];

    /// numpy's default (linear) percentile of sorted data.
    fn percentile(sorted: &[f64], q: f64) -> f64 {
        let pos = q / 100.0 * (sorted.len() - 1) as f64;
        let lo = pos.floor() as usize;
        let hi = (lo + 1).min(sorted.len() - 1);
        sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
    }

    fn mean(x: &[f64]) -> f64 {
        x.iter().sum::<f64>() / x.len() as f64
    }

    /// Python's `round` (half to even) of a non-negative product.
    fn pyround(x: f64) -> usize {
        x.round_ties_even() as usize
    }

    struct Run {
        steps: Vec<f64>,
        y: Vec<f64>,
        scale: f64,
        target: f64,
        horizon: f64,
        bounds: (f64, f64),
        w: usize,
    }

    fn load(path: &Path) -> Option<Run> {
        let text = std::fs::read_to_string(path).ok()?;
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next()?.split(',').collect();
        let is = head.iter().position(|h| h.trim() == "step")?;
        let ir = head.iter().position(|h| h.trim() == "reward")?;
        let mut pts: Vec<(f64, f64)> = lines
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let s = f.get(is)?.trim().parse::<f64>().ok()?;
                let r = f.get(ir)?.trim().parse::<f64>().ok()?;
                (s.is_finite() && r.is_finite()).then_some((s, r))
            })
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0)); // stable, as Python's sorted
        let n = pts.len();
        if n < 40 {
            return None;
        }
        let (steps, y): (Vec<f64>, Vec<f64>) = pts.into_iter().unzip();
        let mut s = y.clone();
        s.sort_by(f64::total_cmp);
        let scale = percentile(&s, 90.0) - percentile(&s, 10.0);
        if scale.is_nan() || scale <= 0.0 {
            return None;
        }
        let k = pyround(0.1 * n as f64).max(3);
        let bounded = y.iter().all(|&r| (0.0..=1.0).contains(&r));
        Some(Run {
            target: mean(&y[n - k..]),
            horizon: steps[pyround(0.95 * (n - 1) as f64)],
            bounds: if bounded {
                (0.0, 1.0)
            } else {
                (f64::NEG_INFINITY, f64::INFINITY)
            },
            w: pyround(0.05 * n as f64).max(3),
            steps,
            y,
            scale,
        })
    }

    fn decision_points(n: usize) -> Vec<usize> {
        let start = (0.2 * n as f64).ceil() as usize;
        let every = pyround(0.05 * n as f64).max(1);
        (start..n - 1).step_by(every).collect()
    }

    fn outcome(r: &Run, k: usize) -> (f64, f64) {
        let n = r.y.len();
        let saved = (n - 1 - k) as f64 / (n - 1) as f64;
        if k >= n - 1 {
            return (saved, 0.0);
        }
        let (lo, hi) = ((k + 1).saturating_sub(r.w), (k + r.w + 1).min(n));
        (saved, (r.target - mean(&r.y[lo..hi])).max(0.0) / r.scale)
    }

    fn patience(r: &Run, frac: f64) -> usize {
        let n = r.y.len();
        let p = pyround(frac * n as f64).max(1);
        let pts = decision_points(n);
        let (mut best, mut best_at) = (f64::NEG_INFINITY, 0);
        for i in r.w - 1..n {
            let lvl = mean(&r.y[i + 1 - r.w..=i]);
            if lvl > best {
                best = lvl;
                best_at = i;
            }
            if pts.contains(&i) && i - best_at >= p {
                return i;
            }
        }
        n - 1
    }

    fn predictor(r: &Run, m: usize) -> Predictor<f64, 256> {
        let mut p = Predictor::<f64, 256>::new(r.bounds.0, r.bounds.1).expect("bounds");
        for (&s, &y) in r.steps[..m].iter().zip(&r.y[..m]) {
            let _ = p.push(s, y); // run.py ignores refused points (repeated steps)
        }
        p
    }

    /// Print the crate's rows of run.py's tables for the curves in `dir`.
    pub fn print(dir: &Path) {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "csv"));
        files.sort();
        let runs: Vec<Run> = files.iter().filter_map(|f| load(f)).collect();
        let (mut err, mut cov) = (Vec::new(), Vec::new());
        let mut stops: Vec<Vec<(f64, f64)>> = vec![Vec::new(); 4];
        for r in &runs {
            for &cut in &CUTS {
                let m = (cut * r.y.len() as f64) as usize;
                let (e, c) = match predictor(r, m).predict(r.horizon) {
                    Ok(p) => {
                        let h = p.at_horizon;
                        let ok = h.value.is_finite() && h.lo80.is_finite() && h.hi80.is_finite();
                        let e = if ok {
                            (h.value - r.target).abs() / r.scale
                        } else {
                            f64::INFINITY
                        };
                        (e, ok && h.lo80 <= r.target && r.target <= h.hi80)
                    }
                    Err(_) => (f64::INFINITY, false),
                };
                err.push((cut, e));
                cov.push((cut, c));
            }
            let n = r.y.len();
            let pts = decision_points(n);
            let final_step = r.steps[n - 1];
            let mut p = Predictor::<f64, 256>::new(r.bounds.0, r.bounds.1).expect("bounds");
            let mut k_stop = n - 1;
            for (i, (&s, &y)) in r.steps.iter().zip(&r.y).enumerate() {
                let _ = p.push(s, y);
                if pts.contains(&i) {
                    if let Ok(pr) = p.predict(final_step) {
                        if matches!(
                            pr.advice.kind,
                            AdviceKind::StopPlateau | AdviceKind::StopDiverging
                        ) {
                            k_stop = i;
                            break;
                        }
                    }
                }
            }
            stops[0].push(outcome(r, k_stop));
            for (j, frac) in [0.1, 0.2, 0.3].into_iter().enumerate() {
                stops[j + 1].push(outcome(r, patience(r, frac)));
            }
        }
        println!();
        println!(
            "run.py protocol (crate rows), {} curves x {} cuts; error = |prediction - target| / (p90 - p10)",
            runs.len(),
            CUTS.len()
        );
        let per: Vec<String> = CUTS
            .iter()
            .map(|&c| {
                let v: Vec<f64> = err.iter().filter(|x| x.0 == c).map(|x| x.1).collect();
                format!("{:8.3}", mean(&v))
            })
            .collect();
        let mut all: Vec<f64> = err.iter().map(|x| x.1).collect();
        let pooled = mean(&all);
        all.sort_by(f64::total_cmp);
        println!(
            "{:<24} mean@20  mean@30  mean@50  mean@70    mean  median",
            "method"
        );
        println!(
            "{:<24} {} {:7.3} {:7.3}",
            "grpo-dynamics",
            per.join(" "),
            pooled,
            percentile(&all, 50.0)
        );
        let c_at = |c: f64| {
            let v: Vec<f64> = cov
                .iter()
                .filter(|x| x.0 == c)
                .map(|x| x.1 as u8 as f64)
                .collect();
            mean(&v)
        };
        let pooled_cov = mean(&cov.iter().map(|x| x.1 as u8 as f64).collect::<Vec<_>>());
        println!(
            "80% interval coverage: pooled {pooled_cov:.2}; 20% {:.2}, 30% {:.2}, 50% {:.2}, 70% {:.2}",
            c_at(0.2),
            c_at(0.3),
            c_at(0.5),
            c_at(0.7)
        );
        println!(
            "{:<24} {:>7} {:>7} {:>10}",
            "early stop", "saved", "regret", "p90 regret"
        );
        for (name, v) in [
            "grpo-dynamics",
            "patience 10%",
            "patience 20%",
            "patience 30%",
        ]
        .iter()
        .zip(&stops)
        {
            let saved = mean(&v.iter().map(|x| x.0).collect::<Vec<_>>());
            let mut rg: Vec<f64> = v.iter().map(|x| x.1).collect();
            let regret = mean(&rg);
            rg.sort_by(f64::total_cmp);
            println!(
                "{name:<24} {saved:7.3} {regret:7.3} {:10.3}",
                percentile(&rg, 90.0)
            );
        }
    }
}
