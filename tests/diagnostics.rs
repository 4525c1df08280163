//! The four failure-mode diagnostics (spec E) on the synthetic cases of
//! `spec/checks/check_diagnostics.py` and of the spec tables; every verdict is asserted.

use grpo_dynamics::diagnostics::*;
use grpo_dynamics::ErrorKind;

/// Critically damped slow start `r* - (r* - r0)(1 + w t) e^{-w t}` (spec A.3), the curve the check
/// script builds with `traj(t, r*, r0, 0, w, 1)`.
fn critical(t: f64, r_star: f64, r0: f64, w: f64) -> f64 {
    r_star - (r_star - r0) * (1.0 + w * t) * (-w * t).exp()
}

fn train_curve() -> Vec<f64> {
    (0..300)
        .map(|t| critical(t as f64, 0.8, 0.2, 0.05))
        .collect()
}

#[test]
fn e1_healthy_matches_check_script() {
    let train = train_curve();
    let eval: Vec<f64> = (0..300)
        .map(|t| critical(t as f64, 0.6, 0.15, 0.05))
        .collect();
    let r = hacking_ratio(&train, &eval, 1.0, 1.0, None, &HackingOptions::default()).unwrap();
    // check_diagnostics.py: (0.7058823529411763, 0.7499793231135822, 0.5293971692566461)
    assert!((r.phi - 0.7058823529411763).abs() < 1e-12, "{r:?}");
    assert!((r.train_gain - 0.7499793231135822).abs() < 1e-12);
    assert!((r.eval_gain - 0.5293971692566461).abs() < 1e-12);
    assert!(r.late_slope > 0.0);
    assert_eq!(r.verdict, HackingVerdict::Healthy);
    assert_eq!(r.severity(), Severity::Ok);
}

fn hacked_eval() -> Vec<f64> {
    (0..300)
        .map(|t| {
            let t = t as f64;
            let rise = if t < 80.0 {
                0.2 * (-((t - 80.0) / 60.0).powi(2)).exp()
            } else {
                0.0
            };
            let fall = if t >= 80.0 {
                0.2 * (-(t - 80.0) / 70.0).exp()
            } else {
                0.0
            };
            0.15 + rise + fall
        })
        .collect()
}

#[test]
fn e1_hacking_matches_check_script() {
    let train = train_curve();
    let eval = hacked_eval();
    let r = hacking_ratio(&train, &eval, 1.0, 1.0, None, &HackingOptions::default()).unwrap();
    // check_diagnostics.py: Phi = -0.032746319206571804, eval gain = -0.024559062313006016
    assert!((r.phi + 0.032746319206571804).abs() < 1e-12, "{r:?}");
    assert!((r.eval_gain + 0.024559062313006016).abs() < 1e-12);
    assert_eq!(r.verdict, HackingVerdict::Hacking);
    assert_eq!(r.severity(), Severity::Critical);
}

#[test]
fn e1_suspect_and_late_slope() {
    let train = train_curve();
    // eval gains 0.3 of the train gain fraction: 0.25 <= Phi < 0.5 -> suspect
    let eval: Vec<f64> = train.iter().map(|&x| 0.1 + 0.3 * (x - 0.2)).collect();
    let r = hacking_ratio(&train, &eval, 1.0, 1.0, None, &HackingOptions::default()).unwrap();
    // g_ev = 0.3 (R_tr - 0.2) / 0.9, g_tr = (R_tr - 0.2) / 0.8 -> Phi = 0.3 * 0.8 / 0.9
    assert!((r.phi - 0.24 / 0.9).abs() < 1e-12);
    assert_eq!(r.verdict, HackingVerdict::Suspect);
    // eval rising early (high Phi) but falling over the last 20 % while train still rises
    let train: Vec<f64> = (0..100).map(|t| 0.2 + 0.006 * t as f64).collect();
    let eval: Vec<f64> = (0..100)
        .map(|t| {
            if t < 80 {
                0.2 + 0.006 * t as f64
            } else {
                0.68 - 0.004 * (t - 80) as f64
            }
        })
        .collect();
    let r = hacking_ratio(&train, &eval, 1.0, 1.0, None, &HackingOptions::default()).unwrap();
    assert!(r.phi > 0.5, "{r:?}");
    assert!((r.late_slope + 2.0 / 3.0).abs() < 1e-9, "{r:?}");
    assert!((r.late_train_gain - 0.006 * 19.0 / 0.8).abs() < 1e-9);
    assert_eq!(r.verdict, HackingVerdict::Hacking);
    // overridable thresholds: with phi_suspect lowered the first case is healthy
    let opts = HackingOptions {
        phi_suspect: 0.2,
        ..Default::default()
    };
    let train = train_curve();
    let eval: Vec<f64> = train.iter().map(|&x| 0.1 + 0.3 * (x - 0.2)).collect();
    let r = hacking_ratio(&train, &eval, 1.0, 1.0, None, &opts).unwrap();
    assert_eq!(r.verdict, HackingVerdict::Healthy);
}

#[test]
fn e1_rejects_bad_input() {
    let a = [0.1, 0.2, f64::NAN];
    let b = [0.1, 0.2, 0.3];
    let o = HackingOptions::default();
    assert_eq!(
        hacking_ratio(&a, &b, 1.0, 1.0, None, &o)
            .unwrap_err()
            .kind(),
        ErrorKind::NonFinite
    );
    assert_eq!(
        hacking_ratio(&b, &b[..2], 1.0, 1.0, None, &o)
            .unwrap_err()
            .kind(),
        ErrorKind::LengthMismatch
    );
    assert_eq!(
        hacking_ratio(&b, &b, 0.05, 1.0, None, &o)
            .unwrap_err()
            .kind(),
        ErrorKind::OutOfRange
    );
    assert_eq!(
        hacking_ratio(&b[..1], &b[..1], 1.0, 1.0, None, &o)
            .unwrap_err()
            .kind(),
        ErrorKind::TooFewPoints
    );
}

mod common;
use common::Rng;

fn groups(ps: &[f64], g: usize, rng: &mut Rng) -> Vec<f64> {
    let mut out = Vec::with_capacity(ps.len() * g);
    for &p in ps {
        for _ in 0..g {
            out.push(if rng.next() < p { 1.0 } else { 0.0 });
        }
    }
    out
}

fn d_hom(p: f64, g: usize) -> f64 {
    p.powi(g as i32) + (1.0 - p).powi(g as i32)
}

#[test]
fn e2_heterogeneous_degenerate_prompts() {
    // U-shaped difficulty Beta(1/2, 1/2) (arcsine law: p = sin^2(pi u / 2)), as in the check script
    let mut rng = Rng::new(7);
    for g in [4usize, 8, 16] {
        let ps: Vec<f64> = (0..20000)
            .map(|_| (std::f64::consts::FRAC_PI_2 * rng.next()).sin().powi(2))
            .collect();
        let rewards = groups(&ps, g, &mut rng);
        let obs = degenerate_fraction(&rewards, g, 0.0).unwrap();
        let het: f64 = ps.iter().map(|&p| d_hom(p, g)).sum::<f64>() / ps.len() as f64;
        let p_bar = rewards.iter().sum::<f64>() / rewards.len() as f64;
        let hom = d_hom(p_bar, g);
        // check_diagnostics.py asserts |obs - het| < 0.015 and het >= hom (Jensen)
        assert!((obs - het).abs() < 0.015, "G={g}: {obs} vs {het}");
        assert!(het >= hom);
        let r = degeneracy_verdict(obs, hom, &DegeneracyOptions::default()).unwrap();
        assert!(r.heterogeneous, "G={g}: {r:?}");
        // the script's observed D: 0.55 (G=4), 0.40 (G=8), 0.29 (G=16)
        let want = if g == 4 {
            Severity::Warning
        } else {
            Severity::Ok
        };
        assert_eq!(r.severity, want, "G={g}: {r:?}");
    }
}

#[test]
fn e2_homogeneous_cases() {
    let mut rng = Rng::new(11);
    // healthy: p = 0.5, G = 16 -> D = 2^-15, nothing flagged
    let rewards = groups(&[0.5; 5000], 16, &mut rng);
    let obs = degenerate_fraction(&rewards, 16, 0.0).unwrap();
    let r = degeneracy_verdict(obs, d_hom(0.5, 16), &DegeneracyOptions::default()).unwrap();
    assert_eq!(r.severity, Severity::Ok);
    assert!(!r.heterogeneous);
    // degenerate: easy prompts p = 0.98, G = 8 -> D = 0.8508 > 0.8, homogeneous
    let rewards = groups(&[0.98; 20000], 8, &mut rng);
    let obs = degenerate_fraction(&rewards, 8, 0.0).unwrap();
    let pred = d_hom(0.98, 8);
    assert!((obs - pred).abs() < 0.015, "{obs} vs {pred}");
    let r = degeneracy_verdict(obs, pred, &DegeneracyOptions::default()).unwrap();
    assert_eq!(r.severity, Severity::Critical);
    assert!(!r.heterogeneous);
    // continuous rewards: tolerance decides what is "equal"
    let c = [0.5, 0.5 + 1e-9, 0.2, 0.9];
    assert_eq!(degenerate_fraction(&c, 2, 1e-6).unwrap(), 0.5);
    assert_eq!(degenerate_fraction(&c, 2, 0.0).unwrap(), 0.0);
    assert_eq!(
        degenerate_fraction(&c, 3, 0.0).unwrap_err().kind(),
        ErrorKind::LengthMismatch
    );
    assert_eq!(
        degeneracy_verdict(1.2, 0.1, &DegeneracyOptions::default())
            .unwrap_err()
            .kind(),
        ErrorKind::OutOfRange
    );
}

#[test]
fn e3_entropy_collapse() {
    let h: Vec<f64> = (0..300)
        .map(|t| 2.0 * (-(t as f64) / 60.0).exp() + 0.05)
        .collect();
    let exact = ConcentrationOptions {
        smoothing_fraction: 0.0,
        ..Default::default()
    };
    // check_diagnostics.py: H(T)/H(0) = 0.031074328939002163
    let r = entropy_ratio(&h, None, &exact).unwrap();
    assert!((r.entropy_ratio - 0.031074328939002163).abs() < 1e-14);
    assert_eq!(r.verdict, ConcentrationVerdict::Collapsed);
    // the collapse begins where 2 exp(-t/60) + 0.05 < 0.2 H(0) = 0.41: t > 60 ln(2 / 0.36)
    let t_c = (60.0 * (2.0f64 / 0.36).ln()).ceil() as usize;
    assert_eq!(r.collapse_index, Some(t_c));
    assert_eq!(t_c, 103);
    assert!(r.gap_fraction.is_nan() && r.plateau.is_nan());
    // premature: reward stuck at 0.4 while the plateau should be 0.8 (gap 0.4/0.8 > 0.1)
    let stuck: Vec<f64> = (0..300)
        .map(|t| critical(t as f64, 0.4, 0.2, 0.05))
        .collect();
    let r = entropy_ratio(&h, Some((&stuck, 1.0, Some(0.8))), &exact).unwrap();
    // the gap is taken when the collapse began (E3: "collapse happens while ...")
    let gap = (0.8 - stuck[t_c]) / (1.0 - stuck[0]);
    assert!((r.gap_fraction - gap).abs() < 1e-12, "{r:?}");
    assert_eq!(r.reward_at_collapse, stuck[t_c]);
    assert_eq!(r.verdict, ConcentrationVerdict::Premature);
    assert_eq!(r.severity(), Severity::Critical);
    // collapse at the plateau is the policy converging: reported, severity Ok
    let done = train_curve();
    let r = entropy_ratio(
        &h,
        Some((&done, 1.0, Some(0.8))),
        &ConcentrationOptions::default(),
    )
    .unwrap();
    assert_eq!(r.verdict, ConcentrationVerdict::Collapsed, "{r:?}");
    assert_eq!(r.severity(), Severity::Ok);
    // healthy: entropy halves
    let h2: Vec<f64> = (0..300).map(|t| 1.0 + (-(t as f64) / 60.0).exp()).collect();
    let r = entropy_ratio(&h2, Some((&stuck, 1.0, Some(0.8))), &exact).unwrap();
    assert!(r.entropy_ratio > 0.2);
    assert_eq!(r.verdict, ConcentrationVerdict::Healthy);
    assert_eq!(
        entropy_ratio(&[0.0, 1.0], None, &exact).unwrap_err().kind(),
        ErrorKind::OutOfRange
    );
    // fuzz finding (capi): a subnormal H(0) made rho_H = inf with OK; the ratio must be a number
    let sub = [4.698e-320, 1.0, 1.0, 1.0];
    let e = entropy_ratio(&sub, None, &exact).unwrap_err();
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::OutOfRange, grpo_dynamics::Param::Entropy)
    );
    // sums past the float range: H(0) = inf
    let huge = [f64::MAX, f64::MAX, 1.0, 1.0];
    let opts = ConcentrationOptions {
        smoothing_fraction: 0.5,
        ..exact
    };
    let e = entropy_ratio(&huge, None, &opts).unwrap_err();
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::OutOfRange, grpo_dynamics::Param::Entropy)
    );
}

#[test]
fn e4_decision_table() {
    // Preset A (spec C.10): Prop 9 at Kref = 35.35, exact instability from Kref = 52,
    // zeta(Kref) from the table.
    let prop9 = 35.35;
    let margin = |kref: f64| 1.0 - kref / prop9;
    let cases = [
        // kref, exactly unstable, zeta (1st order), class, verdict
        (
            4.0,
            false,
            1.2127,
            CurveClass::Monotone,
            InstabilityVerdict::Stable,
        ),
        (
            12.0,
            false,
            0.7680,
            CurveClass::Overshooting,
            InstabilityVerdict::Overshooting,
        ),
        (
            36.0,
            false,
            -0.0114,
            CurveClass::Overshooting,
            InstabilityVerdict::AtRisk,
        ),
        (
            52.0,
            true,
            -0.2142,
            CurveClass::Oscillatory,
            InstabilityVerdict::Unstable,
        ),
    ];
    for (kref, unstable, zeta, class, want) in cases {
        let ev = InstabilityEvidence {
            margin: Some(margin(kref)),
            exactly_unstable: Some(unstable),
            zeta_hat: Some(zeta),
            class: Some(class),
        };
        assert_eq!(instability_verdict(&ev).unwrap(), want, "Kref = {kref}");
    }
    // oscillatory trajectory alone is enough
    let ev = InstabilityEvidence::<f64> {
        class: Some(CurveClass::Oscillatory),
        ..Default::default()
    };
    assert_eq!(
        instability_verdict(&ev).unwrap(),
        InstabilityVerdict::Unstable
    );
    // no evidence at all: stable
    let ev = InstabilityEvidence::<f64>::default();
    assert_eq!(
        instability_verdict(&ev).unwrap(),
        InstabilityVerdict::Stable
    );
    let ev = InstabilityEvidence {
        zeta_hat: Some(f64::NAN),
        ..Default::default()
    };
    assert_eq!(
        instability_verdict(&ev).unwrap_err().kind(),
        ErrorKind::NonFinite
    );
}

#[test]
fn headline_picks_worst_mode() {
    use Severity::*;
    assert_eq!(headline(Ok, Ok, Ok, Ok), (Headline::Healthy, Ok));
    assert_eq!(
        headline(Critical, Ok, Ok, Ok),
        (Headline::RewardHacking, Critical)
    );
    assert_eq!(
        headline(Warning, Critical, Ok, Warning),
        (Headline::AdvantageDegeneracy, Critical)
    );
    assert_eq!(
        headline(Critical, Ok, Ok, Critical),
        (Headline::DynamicalInstability, Critical)
    );
    assert_eq!(
        headline(Ok, Warning, Warning, Ok),
        (Headline::PolicyConcentration, Warning)
    );
}

/// Each validated threshold reports its own parameter (not a shared "tol").
#[test]
fn each_option_names_its_parameter() {
    use grpo_dynamics::Param;
    let b = [0.1, 0.2, 0.3, 0.4];
    let hack = |f: fn(&mut HackingOptions<f64>)| {
        let mut o = HackingOptions::default();
        f(&mut o);
        hacking_ratio(&b, &b, 1.0, 1.0, None, &o)
            .unwrap_err()
            .param()
    };
    assert_eq!(hack(|o| o.phi_hacking = f64::NAN), Param::PhiHacking);
    assert_eq!(hack(|o| o.phi_suspect = f64::NAN), Param::PhiSuspect);
    assert_eq!(
        hack(|o| o.min_late_train_gain = f64::NAN),
        Param::MinLateTrainGain
    );
    let deg = |f: fn(&mut DegeneracyOptions<f64>)| {
        let mut o = DegeneracyOptions::default();
        f(&mut o);
        degeneracy_verdict(0.3, 0.2, &o).unwrap_err().param()
    };
    assert_eq!(deg(|o| o.warn = f64::NAN), Param::Warn);
    assert_eq!(deg(|o| o.critical = f64::NAN), Param::Critical);
    assert_eq!(deg(|o| o.heterogeneity = f64::NAN), Param::Heterogeneity);
    let conc = |f: fn(&mut ConcentrationOptions<f64>)| {
        let mut o = ConcentrationOptions::default();
        f(&mut o);
        entropy_ratio(&b, None, &o).unwrap_err().param()
    };
    assert_eq!(conc(|o| o.collapse_ratio = f64::NAN), Param::CollapseRatio);
    assert_eq!(conc(|o| o.premature_gap = f64::NAN), Param::PrematureGap);
}
