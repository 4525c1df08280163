//! Consistency of the early-stop advice on every shared real curve (`GRPO_CURVES_DIR`, default
//! `../shared/data/curves`) at every prefix, with the protocol's bounds ([0, 1] when every reward
//! lies in it, else unbounded) and horizon (the final step):
//! * "stop: plateau" never while the lower 80 % bound of the remaining gain to the horizon
//!   exceeds the minimum gain the rule tests against;
//! * "stop: collapsing" only when the regime is collapsing and the instability verdict is not
//!   `Stable`;
//! * every answer finite where it must be, ordered, inside the bounds.

use grpo_dynamics::diagnostics::{
    diagnose, DiagnoseInput, DiagnoseOptions, Headline, InstabilityVerdict,
};
use grpo_dynamics::predict::*;
use std::path::PathBuf;

fn load(path: &std::path::Path) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let (Some(si), Some(ri)) = (
        head.iter().position(|h| h.trim() == "step"),
        head.iter().position(|h| h.trim() == "reward"),
    ) else {
        return Vec::new();
    };
    let mut pts: Vec<(f64, f64)> = lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let s = f.get(si)?.trim().parse::<f64>().ok()?;
            let r = f.get(ri)?.trim().parse::<f64>().ok()?;
            (s.is_finite() && r.is_finite()).then_some((s, r))
        })
        .collect();
    pts.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    pts.dedup_by(|a, b| a.0 == b.0);
    pts
}

#[test]
fn advice_is_consistent_on_every_prefix_of_every_shared_curve() {
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
        .filter(|p| p.extension().is_some_and(|x| x == "csv") && !p.ends_with("LABELS.csv"))
        .collect();
    files.sort();
    let (mut curves, mut checked, mut plateau, mut collapsing) = (0, 0, 0, 0);
    for f in &files {
        let pts = load(f);
        if pts.len() < 10 {
            continue;
        }
        curves += 1;
        let bounded = pts.iter().all(|p| (0.0..=1.0).contains(&p.1));
        let (lo, hi) = if bounded {
            (0.0, 1.0)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        let horizon = pts[pts.len() - 1].0;
        let mut p = Predictor::<f64, 256>::new(lo, hi).unwrap();
        for (i, &(s, r)) in pts.iter().enumerate() {
            p.push(s, r).unwrap();
            if i + 1 < p.config().min_points {
                continue;
            }
            let pr = p.predict(horizon).unwrap();
            let a = pr.advice;
            checked += 1;
            let name = f.file_name().unwrap().to_string_lossy();
            let h = pr.at_horizon;
            assert!(
                h.value.is_finite() && h.lo80.is_finite() && h.hi80.is_finite(),
                "{name} @{i}: {h:?}"
            );
            assert!(
                lo <= h.lo95 && h.lo95 <= h.lo80 && h.lo80 <= h.value && h.value <= h.hi80,
                "{name} @{i}: {h:?}"
            );
            assert!(h.hi80 <= h.hi95 && h.hi95 <= hi, "{name} @{i}: {h:?}");
            assert!(a.gain_lo80 <= a.expected_gain && a.expected_gain <= a.gain_hi80);
            match a.kind {
                AdviceKind::StopPlateau => {
                    plateau += 1;
                    assert!(a.gain_lo80 <= a.min_gain, "{name} @{i}: {a:?}");
                    // never while the data do not place the plateau in the reward range
                    assert!(
                        !(pr.plateau.lo80 <= lo && pr.plateau.hi80 >= hi),
                        "{name} @{i}: {pr:?}"
                    );
                }
                AdviceKind::StopDiverging => {
                    collapsing += 1;
                    assert_eq!(pr.regime, RunRegime::Collapsing, "{name} @{i}: {pr:?}");
                    assert_eq!(pr.instability, InstabilityVerdict::Unstable, "{name} @{i}");
                    // and the failure-mode diagnosis of the data the predictor holds (its window:
                    // compacted past 256 points), from the same fit, is not Healthy
                    let rewards: Vec<f64> = p.window().points().iter().map(|q| q.reward).collect();
                    let mut input = DiagnoseInput::new(&rewards);
                    input.r_min = lo;
                    input.r_max = hi;
                    let fit = p.fit().unwrap().curve_fit().unwrap();
                    let d = diagnose(&input, &fit, &DiagnoseOptions::default()).unwrap();
                    assert_ne!(d.headline, Headline::Healthy, "{name} @{i}: {d:?}");
                }
                AdviceKind::Continue => {}
                AdviceKind::NotReady => panic!("{name} @{i}: not ready after a prediction"),
            }
        }
    }
    eprintln!(
        "{curves} curves, {checked} prefixes: {plateau} plateau stops, {collapsing} collapse stops"
    );
    assert!(curves >= 10, "only {curves} curves");
    // the plateau property is not vacuous (collapse stops are rare: 2 prefixes on the 38 runs)
    assert!(plateau > 0);
}
