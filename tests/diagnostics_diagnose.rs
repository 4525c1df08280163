//! `diagnose` end to end on the five synthetic cases of spec E (healthy, hacking, degenerate,
//! entropy collapse, unstable): the headline and each per-mode verdict are asserted.

use grpo_dynamics::bandit::{Bandit, Lag};
use grpo_dynamics::diagnostics::*;
use grpo_dynamics::predict::{fit_and_diagnose, Predictor};
use grpo_dynamics::trajectory::SlowStart;

fn curve(r_star: f64, r0: f64, omega: f64, zeta: f64, n: usize) -> Vec<f64> {
    let s = SlowStart::new(r_star, r0, omega, zeta).unwrap();
    (0..n).map(|t| s.value(t as f64).unwrap()).collect()
}

/// Overdamped healthy run, eval following train, slowly decaying entropy, few degenerate groups.
struct Healthy {
    train: Vec<f64>,
    eval: Vec<f64>,
    entropy: Vec<f64>,
    zero_std: Vec<f64>,
}

fn healthy() -> Healthy {
    let train = curve(0.8, 0.2, 0.08, 1.5, 300);
    let eval = curve(0.6, 0.15, 0.08, 1.5, 300);
    let entropy = (0..300)
        .map(|t| 1.0 + (-(t as f64) / 100.0).exp())
        .collect();
    // binary rewards with G = 16 at p ~ 0.8: D = 0.8^16 + 0.2^16 = 0.028
    let zero_std = train
        .iter()
        .map(|&p: &f64| p.powi(16) + (1.0 - p).powi(16))
        .collect();
    Healthy {
        train,
        eval,
        entropy,
        zero_std,
    }
}

fn input<'a>(h: &'a Healthy) -> DiagnoseInput<'a, f64> {
    DiagnoseInput {
        eval_reward: Some(&h.eval),
        entropy: Some(&h.entropy),
        zero_std_frac: Some(&h.zero_std),
        group_size: Some(16),
        ..DiagnoseInput::new(&h.train)
    }
}

#[test]
fn healthy_run() {
    let h = healthy();
    let d = fit_and_diagnose(&input(&h), &DiagnoseOptions::default()).unwrap();
    assert_eq!(d.headline, Headline::Healthy, "{d:?}");
    assert_eq!(d.severity, Severity::Ok);
    assert_eq!(d.hacking.unwrap().verdict, HackingVerdict::Healthy);
    let deg = d.degeneracy.unwrap();
    assert_eq!(deg.severity, Severity::Ok);
    assert!(!deg.heterogeneous);
    assert_eq!(
        d.concentration.unwrap().verdict,
        ConcentrationVerdict::Healthy
    );
    assert_eq!(d.instability.verdict, InstabilityVerdict::Stable);
    // the fit recovers the damping and the plateau of the noise-free curve
    let z = d.instability.evidence.zeta_hat.unwrap();
    assert!((z - 1.5).abs() < 1e-2, "zeta_hat = {z}");
    assert!((d.plateau - 0.8).abs() < 1e-3, "plateau = {}", d.plateau);
    assert_eq!(d.instability.evidence.class, Some(CurveClass::Monotone));
}

#[test]
fn hacking_run() {
    let mut h = healthy();
    // eval peaks early then decays back (check_diagnostics.py's hacked eval)
    h.eval = (0..300)
        .map(|t| {
            let t = t as f64;
            if t < 80.0 {
                0.15 + 0.2 * (-((t - 80.0) / 60.0).powi(2)).exp()
            } else {
                0.15 + 0.2 * (-(t - 80.0) / 70.0).exp()
            }
        })
        .collect();
    let d = fit_and_diagnose(&input(&h), &DiagnoseOptions::default()).unwrap();
    assert_eq!(d.headline, Headline::RewardHacking, "{d:?}");
    assert_eq!(d.severity, Severity::Critical);
    assert!(d.hacking.unwrap().phi < 0.25);
    assert_eq!(d.instability.verdict, InstabilityVerdict::Stable);
}

#[test]
fn degenerate_run() {
    let mut h = healthy();
    // the logged zero-std fraction sits at 0.9 while p ~ 0.8 predicts 0.03: critical and
    // heterogeneous (bimodal prompt difficulty)
    h.zero_std = vec![0.9; 300];
    let d = fit_and_diagnose(&input(&h), &DiagnoseOptions::default()).unwrap();
    let deg = d.degeneracy.unwrap();
    assert_eq!(deg.severity, Severity::Critical, "{deg:?}");
    assert!(deg.heterogeneous);
    let want = 0.8f64.powi(16) + 0.2f64.powi(16);
    assert!((deg.predicted - want).abs() < 2e-3, "{deg:?}");
    assert_eq!(d.headline, Headline::AdvantageDegeneracy);
}

#[test]
fn entropy_collapse_run() {
    let mut h = healthy();
    // plateau at 0.4 while the KL fixed point says 0.8; entropy collapses (check script's H)
    h.train = curve(0.4, 0.2, 0.08, 1.5, 300);
    h.eval = curve(0.3, 0.15, 0.08, 1.5, 300);
    h.entropy = (0..300)
        .map(|t| 2.0 * (-(t as f64) / 60.0).exp() + 0.05)
        .collect();
    h.zero_std = h
        .train
        .iter()
        .map(|&p| p.powi(16) + (1.0 - p).powi(16))
        .collect();
    let inp = DiagnoseInput {
        expected_plateau: Some(0.8),
        ..input(&h)
    };
    let d = fit_and_diagnose(&inp, &DiagnoseOptions::default()).unwrap();
    let c = d.concentration.unwrap();
    assert_eq!(c.verdict, ConcentrationVerdict::Premature, "{c:?}");
    assert!(c.entropy_ratio < 0.2);
    assert_eq!(d.headline, Headline::PolicyConcentration);
    assert_eq!(d.severity, Severity::Critical);
}

#[test]
fn unstable_run() {
    let mut h = healthy();
    // lightly damped oscillation around 0.6 and Preset A at Kref = 52 (exactly unstable, C.10)
    h.train = curve(0.6, 0.2, 0.15, 0.05, 300);
    let eval_osc = curve(0.5, 0.15, 0.15, 0.05, 300);
    h.eval = eval_osc;
    h.zero_std = vec![0.05; 300];
    let hyper = Bandit::<f64>::preset_a(52).hyper().unwrap();
    let inp = DiagnoseInput {
        optimizer: Some(Optimizer {
            hyper,
            kref: 52.0,
            lag: Lag::Constant,
        }),
        ..input(&h)
    };
    let d = fit_and_diagnose(&inp, &DiagnoseOptions::default()).unwrap();
    let ins = d.instability;
    assert_eq!(ins.verdict, InstabilityVerdict::Unstable, "{ins:?}");
    // spec C.10, Preset A: Prop 9 at 35.35, ceil(d_c) = 52
    assert!((ins.prop9_threshold - 35.35).abs() < 0.01, "{ins:?}");
    assert!(ins.critical_lag > 51.0 && ins.critical_lag <= 52.0);
    assert!(ins.evidence.margin.unwrap() < 0.0);
    assert_eq!(ins.evidence.exactly_unstable, Some(true));
    let z = ins.evidence.zeta_hat.unwrap();
    assert!((z - 0.05).abs() < 1e-3, "zeta_hat = {z}");
    assert_eq!(d.headline, Headline::DynamicalInstability);
    // Kref = 36: beyond Prop 9 but exactly stable -> at risk (curve evidence removed)
    let hyper = Bandit::<f64>::preset_a(36).hyper().unwrap();
    let opt = |kref: f64, lag: Lag| Some(Optimizer { hyper, kref, lag });
    let r = instability_report(
        opt(36.0, Lag::Constant),
        Some(1.2),
        Some(CurveClass::Monotone),
    )
    .unwrap();
    assert_eq!(r.verdict, InstabilityVerdict::AtRisk, "{r:?}");
    // periodic refresh, Preset A (spec C.10): exactly unstable from Kref = 79 on
    let r = instability_report(opt(78.0, Lag::Periodic), None, None).unwrap();
    assert_eq!(r.evidence.exactly_unstable, Some(false));
    assert_eq!(r.verdict, InstabilityVerdict::AtRisk, "{r:?}");
    let r = instability_report(opt(79.0, Lag::Periodic), None, None).unwrap();
    assert_eq!(r.evidence.exactly_unstable, Some(true));
    assert_eq!(r.verdict, InstabilityVerdict::Unstable);
    assert!(r.critical_lag.is_nan());
    assert!(instability_report(opt(7.5, Lag::Periodic), None, None).is_err());
}

#[test]
fn diagnose_rejects_bad_input() {
    let h = healthy();
    let mut bad = h.train.clone();
    bad[10] = f64::NAN;
    assert!(fit_and_diagnose(&DiagnoseInput::new(&bad), &DiagnoseOptions::default()).is_err());
    let short = &h.eval[..10];
    let inp = DiagnoseInput {
        eval_reward: Some(short),
        ..DiagnoseInput::new(&h.train)
    };
    assert!(fit_and_diagnose(&inp, &DiagnoseOptions::default()).is_err());
}

/// An unbounded reward (TRL sums reward functions: any finite range): the diagnostics that need
/// a headroom are skipped, the others still run.
#[test]
fn unbounded_reward_skips_headroom_diagnostics() {
    use grpo_dynamics::diagnostics::{DiagnoseInput, DiagnoseOptions};
    use grpo_dynamics::predict::fit_and_diagnose;
    let reward: Vec<f64> = (0..60)
        .map(|k| 8.0 - 14.0 * (-(k as f64) / 12.0).exp())
        .collect();
    let eval: Vec<f64> = reward.iter().map(|r| r * 0.9).collect();
    let entropy: Vec<f64> = (0..60).map(|k| 1.5 * (-(k as f64) / 30.0).exp()).collect();
    let mut input = DiagnoseInput::new(&reward);
    input.r_min = f64::NEG_INFINITY;
    input.r_max = f64::INFINITY;
    input.eval_reward = Some(&eval);
    input.entropy = Some(&entropy);
    let d =
        fit_and_diagnose(&input, &DiagnoseOptions::default()).expect("unbounded reward is fine");
    assert!(d.hacking.is_none());
    let c = d.concentration.expect("entropy ratio still computed");
    assert!(
        (c.entropy_ratio - (-59.0f64 / 30.0).exp()).abs() < 0.05,
        "{}",
        c.entropy_ratio
    );
    assert!((d.plateau - 8.0).abs() < 0.1, "plateau {}", d.plateau);
}

/// Fewer points than the fit needs: its own typed error, not the predictor's "not ready".
#[test]
fn too_few_points_is_named() {
    use grpo_dynamics::diagnostics::{DiagnoseInput, DiagnoseOptions};
    use grpo_dynamics::predict::fit_and_diagnose;
    use grpo_dynamics::{ErrorKind, Param};
    let r = [0.1, 0.2, 0.3, 0.35, 0.38];
    let e = fit_and_diagnose(&DiagnoseInput::new(&r), &DiagnoseOptions::default()).unwrap_err();
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::TooFewPoints, Param::Reward)
    );
}

/// Found by `cargo fuzz run diagnostics`: a NaN eval maximum used to skip E1 silently (as if the
/// eval reward were unbounded). NaN is now an error about the maximum; +inf still skips E1.
#[test]
fn nan_eval_maximum_is_an_error_infinite_skips_e1() {
    let h = healthy();
    let nan = DiagnoseInput {
        r_max_eval: f64::NAN,
        ..input(&h)
    };
    let e = fit_and_diagnose(&nan, &DiagnoseOptions::default()).unwrap_err();
    assert_eq!(
        (e.kind(), e.param()),
        (
            grpo_dynamics::ErrorKind::NonFinite,
            grpo_dynamics::Param::RMax
        )
    );
    let inf = DiagnoseInput {
        r_max_eval: f64::INFINITY,
        ..input(&h)
    };
    let d = fit_and_diagnose(&inf, &DiagnoseOptions::default()).unwrap();
    assert!(d.hacking.is_none());
}

/// `diagnose` reads the caller's fit: fed the snapshot of a predictor like the one
/// `fit_and_diagnose` builds, it gives the same diagnosis; fed another predictor's fit (a larger
/// window, as the sidecar's), it reports that fit's plateau.
#[test]
fn diagnose_reads_the_callers_fit() {
    let h = healthy();
    let inp = input(&h);
    let opts = DiagnoseOptions::default();
    let mut p = Predictor::new(0.0, 1.0).unwrap();
    for (i, &r) in h.train.iter().enumerate() {
        p.push(i as f64, r).unwrap();
    }
    let fit = p.fit().unwrap().curve_fit().unwrap();
    assert_eq!(fit.plateau, p.plateau().unwrap().value);
    assert_eq!(fit.zeta_hat, p.zeta_hat().unwrap());
    let d = diagnose(&inp, &fit, &opts).unwrap();
    // (Debug: the reports carry NaN fields, which `==` never equates; `{:?}` prints every f64
    // to the bit)
    let want = fit_and_diagnose(&inp, &opts).unwrap();
    assert_eq!(format!("{d:?}"), format!("{want:?}"));
    // a different fit: its plateau is the one reported and compared against
    let other = CurveFit {
        plateau: fit.plateau + 0.05,
        zeta_hat: Some(0.5),
    };
    let d2 = diagnose(&inp, &other, &opts).unwrap();
    assert_eq!(d2.plateau, other.plateau);
    assert_eq!(d2.instability.evidence.zeta_hat, Some(0.5));
    // zeta_hat < 1 makes the run overshooting: reported, but not a failure (issue 19)
    assert_eq!(
        d2.instability.verdict,
        InstabilityVerdict::Overshooting,
        "{d2:?}"
    );
    assert_eq!(d2.instability.verdict.severity(), Severity::Ok);
    // a fit without a finite plateau is refused, naming it
    let bad = CurveFit {
        plateau: f64::NAN,
        zeta_hat: None,
    };
    let e = diagnose(&inp, &bad, &opts).unwrap_err();
    assert_eq!(e.param(), grpo_dynamics::Param::RStar);
}
