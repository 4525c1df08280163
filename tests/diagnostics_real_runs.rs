//! Diagnostics on the labelled shared runs (`GRPO_CURVES_DIR`, default `../shared/data/curves`;
//! skipped with a message when absent), with the protocol of `examples/diagnostics_bench.rs`
//! (issue 19), and advantage degeneracy against `p^G + (1 - p)^G` (shared runs and a
//! Monte-Carlo of binomial groups).

#[allow(dead_code)]
#[path = "../examples/diagnostics_bench.rs"]
mod bench;

use grpo_dynamics::diagnostics::{
    ConcentrationVerdict, DiagnoseInput, DiagnoseOptions, Headline, Severity, SkipReason,
};
use grpo_dynamics::numerics::{binomial, Xoshiro256pp};
use grpo_dynamics::predict::fit_and_diagnose;
use std::path::PathBuf;

fn curves() -> Option<PathBuf> {
    let dir = std::env::var("GRPO_CURVES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/curves")
        });
    if dir.join("LABELS.csv").is_file() {
        Some(dir)
    } else {
        eprintln!("no labelled curves at {}: skipped", dir.display());
        None
    }
}

/// Instability alarms under the protocol: at most 10 % false alarms on the stable runs (early
/// alarms on unstable runs included), every unstable run detected no later than event + 10 % of
/// the run, the sunshine rho0.7 collapse by step 180.
#[test]
fn protocol_on_the_labelled_runs() {
    let Some(dir) = curves() else { return };
    let runs = bench::labelled_runs(&dir);
    let (mut stable, mut fa, mut unstable, mut missed) = (0, 0, 0, 0);
    let mut sunshine = None;
    for run in &runs {
        let pts = bench::scan(run, false);
        let (false_alarm, hit) = bench::score(run, &pts, None);
        match run.dynamics.as_str() {
            "stable" => {
                stable += 1;
                fa += usize::from(false_alarm);
            }
            "unstable" => {
                unstable += 1;
                fa += usize::from(false_alarm);
                missed += usize::from(!hit);
            }
            _ => {}
        }
        if run.name.contains("sunshine") && run.name.contains("rho0.7") {
            sunshine = pts.iter().find(|p| p.alarm(None)).map(|p| p.step);
        }
    }
    eprintln!("false alarms {fa}/{stable} stable, missed {missed}/{unstable}, sunshine collapse at {sunshine:?}");
    assert!(stable >= 10, "only {stable} stable runs");
    assert!(
        fa as f64 <= 0.1 * stable as f64,
        "false alarms {fa}/{stable}"
    );
    assert_eq!(missed, 0);
    if let Some(run) = runs.iter().find(|r| r.name.contains("rho0.7")) {
        let first = sunshine.expect("sunshine collapse detected");
        assert!(
            first <= 180.0 && first >= run.event.unwrap() - 0.2 * 195.0,
            "{first}"
        );
    }
}

/// Policy concentration (E3) on the whole runs with an entropy label, against a brute-force
/// recomputation of E3 (windows of `floor(0.1 n)` points: `H(0)`, the first window from which
/// the windowed ratio stays below 0.2, the reward there, the gap to the fitted plateau over the
/// headroom `R_max - R0`, or the rise `r* - R0` for an unbounded reward).
///
/// It fires (verdict Premature) on the run labelled `yes`. Of the 15 labelled `no`, two collapse
/// only once the reward is within 0.1 of its plateau (verdict Collapsed, severity Ok) and one,
/// babyai sftinit, fires: its entropy falls 0.146 -> 0.003 and the collapse (step 438) comes while
/// the reward is at 0.77 of a 0.95 plateau, a premature concentration by E3's own rule, more so
/// than the `yes` run (docs/diagnostics.md: the label and E3 disagree on it).
#[test]
fn concentration_on_the_entropy_labels() {
    let Some(dir) = curves() else { return };
    let runs = bench::labelled_runs(&dir);
    let (mut yes, mut no, mut fired_no) = (0, 0, Vec::new());
    for run in runs
        .iter()
        .filter(|r| r.entropy_label == "yes" || r.entropy_label == "no")
    {
        let n = run.reward.len();
        let d = fit_and_diagnose(&bench::input(run, n), &DiagnoseOptions::default()).unwrap();
        let c = d.concentration.expect("entropy logged");
        // brute force
        let h = run.entropy.as_ref().unwrap();
        let k = ((n as f64 * 0.1).floor() as usize).max(1);
        let m = |xs: &[f64], end: usize| xs[end + 1 - k..=end].iter().sum::<f64>() / k as f64;
        let h0 = h[..k].iter().sum::<f64>() / k as f64;
        let rho: Vec<f64> = (k - 1..n).map(|t| m(h, t) / h0).collect();
        assert!(
            (c.entropy_ratio - rho[rho.len() - 1]).abs() < 1e-12,
            "{}",
            run.name
        );
        let collapsed = rho[rho.len() - 1] < 0.2;
        let t_c = collapsed.then(|| {
            let mut j = rho.len() - 1;
            while j > 0 && rho[j - 1] < 0.2 {
                j -= 1;
            }
            j + k - 1
        });
        assert_eq!(c.collapse_index, t_c, "{}", run.name);
        let r0 = run.reward[..k].iter().sum::<f64>() / k as f64;
        let headroom = if run.r_max.is_finite() {
            run.r_max - r0
        } else {
            d.plateau - r0
        };
        let at = m(&run.reward, t_c.unwrap_or(n - 1));
        let gap = (d.plateau - at) / headroom;
        assert!(
            (c.gap_fraction - gap).abs() < 1e-9,
            "{}: {c:?} {gap}",
            run.name
        );
        let premature = collapsed && gap > 0.1;
        assert_eq!(
            c.verdict == ConcentrationVerdict::Premature,
            premature,
            "{}",
            run.name
        );
        assert_eq!(c.severity() > Severity::Ok, premature, "{}", run.name);
        eprintln!(
            "{} ({}): rho_H = {:.3}, collapse at {:?}, R there {at:.3}, plateau {:.3}, gap {gap:.3}: {:?}",
            run.name,
            run.entropy_label,
            c.entropy_ratio,
            t_c.map(|i| run.steps[i]),
            d.plateau,
            c.verdict
        );
        if run.entropy_label == "yes" {
            yes += 1;
            assert_eq!(c.verdict, ConcentrationVerdict::Premature, "{}", run.name);
            assert_eq!(d.headline, Headline::PolicyConcentration, "{}", run.name);
        } else {
            no += 1;
            if premature {
                fired_no.push(run.name.clone());
            }
        }
    }
    assert_eq!(yes, 1);
    assert_eq!(no, 15);
    assert_eq!(
        fired_no,
        ["happynessi-qwen-babyai-grpo-sftinit".to_string()],
        "runs labelled `no` on which E3 fires"
    );
}

/// E2 on the shared runs that log `frac_reward_zero_std` with a known G and a bounded reward:
/// the prediction equals `p^G + (1 - p)^G` from the mean logged reward of the last 20 % of the
/// checkpoints, the observation is the mean logged fraction there, and the diagnostic fires
/// (observed above 0.5) exactly when the logged fraction is high.
#[test]
fn degeneracy_on_the_shared_runs() {
    let Some(dir) = curves() else { return };
    let runs = bench::labelled_runs(&dir);
    let mut checked = 0;
    for run in &runs {
        let (Some(z), Some(g)) = (run.zero_std.as_ref(), run.group_size) else {
            continue;
        };
        let n = run.reward.len();
        let d = fit_and_diagnose(&bench::input(run, n), &DiagnoseOptions::default()).unwrap();
        if !run.r_max.is_finite() {
            assert_eq!(d.skipped.degeneracy, SkipReason::UnboundedReward);
            continue;
        }
        let r = d.degeneracy.expect("degeneracy ran");
        let k = ((n as f64 * 0.2).floor() as usize).max(1);
        let p = run.reward[n - k..].iter().sum::<f64>() / k as f64;
        let observed = z[n - k..].iter().sum::<f64>() / k as f64;
        let predicted = p.powi(g as i32) + (1.0 - p).powi(g as i32);
        assert!((r.predicted - predicted).abs() < 1e-12, "{}", run.name);
        assert!((r.observed - observed).abs() < 1e-12, "{}", run.name);
        assert_eq!(r.severity > Severity::Ok, observed > 0.5, "{}", run.name);
        eprintln!(
            "{}: G = {g}, p = {p:.3}, D_obs = {observed:.3}, p^G + (1-p)^G = {predicted:.3}, {:?}",
            run.name, r.severity
        );
        checked += 1;
    }
    assert!(checked >= 1);
}

/// E2 on simulated groups: per step 16 groups of G binary rewards with success probability
/// `p_k` (a slow rise); the logged fraction of zero-variance groups matches `p^G + (1 - p)^G`
/// within Monte-Carlo error, fires for G = 2 near saturation and not for G = 8 at p about 1/2.
#[test]
fn degeneracy_on_simulated_groups() {
    for (g, p_end, fires) in [(8u32, 0.55, false), (2, 0.95, true)] {
        let n = 200;
        let mut rng = Xoshiro256pp::new(u64::from(g));
        let (mut reward, mut zero) = (vec![], vec![]);
        for k in 0..n {
            let p = 0.3 + (p_end - 0.3) * (1.0 - (-(k as f64) / 30.0).exp());
            let (mut succ, mut deg) = (0u32, 0u32);
            for _ in 0..16 {
                let s = binomial(&mut rng, g, p);
                succ += s;
                deg += u32::from(s == 0 || s == g);
            }
            reward.push(f64::from(succ) / f64::from(16 * g));
            zero.push(f64::from(deg) / 16.0);
        }
        let inp = DiagnoseInput {
            zero_std_frac: Some(&zero),
            group_size: Some(g),
            ..DiagnoseInput::new(&reward)
        };
        let d = fit_and_diagnose(&inp, &DiagnoseOptions::default()).unwrap();
        let r = d.degeneracy.unwrap();
        // 40 steps x 16 groups: sd of the observed fraction <= 0.5 / sqrt(640) ~ 0.02
        assert!((r.observed - r.predicted).abs() < 0.06, "G = {g}: {r:?}");
        assert_eq!(r.severity > Severity::Ok, fires, "G = {g}: {r:?}");
        assert!(!r.heterogeneous, "homogeneous prompts: {r:?}");
    }
}
