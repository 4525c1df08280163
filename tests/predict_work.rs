//! Work bound of the predictor's refit (issue 13, "speed stays practical"): LM runs and model
//! passes per `predict`, counted by the predictor itself ([`Predictor::last_refit_work`]), not
//! timed. One pass is one evaluation of a candidate model and its Jacobian over the window.
//!
//! * The benchmark's case (`benches/predict.rs`: a compacted window, one push, one predict):
//!   each candidate is refitted by one warm-started LM run (no cold restart) in a few passes.
//! * Every shared real curve fed point by point with a `predict` after each push (a scheduler's
//!   loop): the share of refits that need a cold restart and the mean passes per refit stay
//!   within the figures of docs/prediction.md ("Cost"), and no refit exceeds the worst-case
//!   bound derived from the LM budgets.

use grpo_dynamics::predict::{Predictor, RefitWork};
use std::path::PathBuf;

/// Worst case per refit: per candidate one warm run plus a cold restart (1 start for the
/// three-parameter laws, 3 for the slow-start oscillator), each run at most `100 (P + 1)` passes
/// (the fit module's default budget): `2 * 400 + 2 * 400 + 4 * 500`.
const WORST_PASSES: u32 = 3600;

#[path = "common/bench_curve.rs"]
mod bench_curve;
use bench_curve::bench_curve;

#[test]
fn one_push_is_refitted_by_warm_runs_in_few_passes() {
    let pts = bench_curve(600);
    let mut p = Predictor::<f64, 256>::new(0.0, 1.0).unwrap();
    assert_eq!(p.last_refit_work(), RefitWork::default());
    for &(t, y) in &pts[..599] {
        p.push(t, y).unwrap();
    }
    p.predict(1000.0).unwrap();
    let (t, y) = pts[599];
    p.push(t, y).unwrap();
    p.predict(1000.0).unwrap();
    let w = p.last_refit_work();
    eprintln!("bench case: {w:?}");
    // three candidates, one warm run each: no cold restart
    assert_eq!(w.runs, 3, "{w:?}");
    // at least the start pass and one step each; measured 11 (docs/prediction.md)
    assert!((6..=14).contains(&w.passes), "{w:?}");
    // a question without new points does not refit (the work stays that of the last refit)
    p.predict(1000.0).unwrap();
    assert_eq!(p.last_refit_work(), w);
}

fn load(path: &PathBuf) -> Option<(Vec<f64>, Vec<f64>)> {
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
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts.dedup_by(|a, b| a.0 == b.0);
    (pts.len() >= 40).then(|| pts.into_iter().unzip())
}

#[test]
fn real_curves_fed_point_by_point_stay_within_the_work_figures() {
    let dir = std::env::var("GRPO_CURVES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/curves")
        });
    if !dir.is_dir() {
        eprintln!("no curves at {}: skipped", dir.display());
        return;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    let (mut refits, mut cold, mut passes) = (0u64, 0u64, 0u64);
    let mut per: Vec<u32> = Vec::new();
    let mut curves = 0;
    for f in &files {
        let Some((t, y)) = load(f) else { continue };
        let bounded = y.iter().all(|r| (0.0..=1.0).contains(r));
        let (lo, hi) = if bounded {
            (0.0, 1.0)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        curves += 1;
        let horizon = *t.last().unwrap();
        let mut p = Predictor::<f64, 256>::new(lo, hi).unwrap();
        for (&ti, &yi) in t.iter().zip(&y) {
            p.push(ti, yi).unwrap();
            if p.predict(horizon).is_err() {
                continue;
            }
            let w = p.last_refit_work();
            assert!(w.passes <= WORST_PASSES, "{}: {w:?}", f.display());
            refits += 1;
            cold += (w.runs > 3) as u64;
            passes += w.passes as u64;
            per.push(w.passes);
        }
    }
    assert!(curves >= 10, "only {curves} curves");
    per.sort_unstable();
    let q = |f: f64| per[((per.len() - 1) as f64 * f) as usize];
    let mean = passes as f64 / refits as f64;
    let cold_share = cold as f64 / refits as f64;
    eprintln!(
        "{curves} curves, {refits} refits: passes mean {mean:.2}, median {}, p90 {}, p99 {}, max {}; \
         cold restarts in {:.2} % of refits",
        q(0.5),
        q(0.9),
        q(0.99),
        per[per.len() - 1],
        100.0 * cold_share
    );
    // docs/prediction.md ("Cost of a refit"), measured: mean 20.0 passes per refit, median 16,
    // p90 35, p99 70, max 676, cold restarts in 0.17 % of 23744 refits
    assert!(mean <= 25.0, "mean passes {mean}");
    assert!(q(0.99) <= 100, "p99 passes {}", q(0.99));
    assert!(cold_share <= 0.01, "cold restarts {cold_share}");
}
