//! Presets A and B of spec C.10: constants, regime strings (first-order, exact-linear,
//! trajectory H = 300 and H = 20000) for Kref = 0..64 at (eta, mu, beta) = (0.30, 0.80, 1.00), and
//! the periodic-refresh facts. All expected numbers are copied from spec C.10 / RESULTS.txt.

use grpo_dynamics::bandit::{Bandit, Lag};
use grpo_dynamics::stability::{classify, CurveClass, Hyper};

fn close(got: f64, want: f64, abs: f64, what: &str) {
    assert!(
        (got - want).abs() <= abs,
        "{what}: got {got}, want {want} (+- {abs})"
    );
}

/// Spec C.10 regime strings (M monotone, S overshooting, X oscillatory), one char per Kref 0..64.
const A_FIRST: &str = "MMMMMMMMSSSSSSSSSSSSSSSSSSSSSSSSSSSSXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const A_EXACT: &str = "MMMMMMMMSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSXXXXXXXXXXXXX";
const A_H300: &str = "MMMMMMMMMMMMMSSSSSSSSSSSXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const A_H20000: &str = "MMMMMMMMMMMMMSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSXXXXXXXXXXXXXX";
const B_FIRST: &str = "MMMMMSSSSSSSSSSSSSSSSSSSSSSSXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const B_EXACT: &str = "MMMMMSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSXXXXXXXXXXXXXXXXXXXXXXXXXX";
const B_H300: &str = "MMMMMMSSSSSSSSSSSSSSSXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const B_H20000: &str = "MMMMMMSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSXXXXXXXXXXXXXXXXXXXXXXXXXX";

#[test]
fn preset_a_constants() {
    let b = Bandit::<f64>::preset_a(0);
    let fp = b.fixed_point().unwrap();
    close(fp.x, -0.82669661047, 5e-12, "x*");
    close(fp.p, 0.30434400724, 5e-12, "p*");
    let k = b.stiffness().unwrap();
    close(k, 0.01885910853, 5e-12, "K");
    let h = b.hyper().unwrap();
    close(h.a().unwrap(), 0.00565773, 5e-9, "eta K");
    close(h.zeta(0.0).unwrap(), 1.401385, 5e-7, "zeta0");
    close(h.zeta_one_onset().unwrap(), 7.81178, 5e-6, "zeta=1 onset");
    close(h.prop9_threshold().unwrap(), 35.34985, 5e-6, "Prop 9");
    close(h.critical_lag().unwrap(), 51.48475, 5e-6, "d_c");
    close(
        h.asymptotic_critical_lag().unwrap(),
        51.027,
        5e-4,
        "asymptotic d_c",
    );
    assert_eq!(h.critical_lag().unwrap().ceil(), 52.0);
    assert_eq!(h.zeta_one_onset().unwrap().ceil(), 8.0);
    assert_eq!(h.largest_stable_kref(Lag::Constant).unwrap(), Some(51));
    assert_eq!(h.largest_monotone_kref(Lag::Constant).unwrap(), Some(7));
    // Mroueh's fixed-point equation (spec F: residual < 1e-12)
    assert!(b.mroueh_residual().unwrap().abs() < 1e-12);
    // K-hat protocol within 1e-4 relative of the formula (spec F)
    let kh = b.measure_stiffness(0.01, 400, 1e-4).unwrap();
    assert!((kh / k - 1.0).abs() < 1e-4, "K-hat {kh} vs K {k}");
}

#[test]
fn preset_b_constants() {
    let b = Bandit::<f64>::preset_b(0);
    let fp = b.fixed_point().unwrap();
    close(fp.x, 1.0, 1e-15, "x*");
    close(fp.p, 0.73105858, 5e-9, "p*");
    let k = b.stiffness().unwrap();
    close(k, 0.02457649, 5e-9, "K");
    let h = b.hyper().unwrap();
    close(h.zeta(0.0).unwrap(), 1.227604, 5e-7, "zeta0");
    close(h.zeta_one_onset().unwrap(), 4.23284, 5e-6, "zeta=1 onset");
    close(h.prop9_threshold().unwrap(), 27.12619, 5e-6, "Prop 9");
    close(h.critical_lag().unwrap(), 38.70689, 5e-6, "d_c");
    close(
        h.asymptotic_critical_lag().unwrap(),
        38.110,
        5e-4,
        "asymptotic d_c",
    );
    assert_eq!(h.largest_stable_kref(Lag::Constant).unwrap(), Some(38));
    assert_eq!(h.largest_monotone_kref(Lag::Constant).unwrap(), Some(4));
    assert!(b.mroueh_residual().unwrap().abs() < 1e-12);
    let kh = b.measure_stiffness(0.01, 400, 1e-4).unwrap();
    assert!((kh / k - 1.0).abs() < 1e-4, "K-hat {kh} vs K {k}");
}

/// Selected rows of the spec's Preset A table: Kref, gamma_eff, zeta (1st order), rho (exact).
#[test]
fn preset_a_table_rows() {
    let rows: [(u32, f64, f64, f64); 13] = [
        (0, 0.20000, 1.4014, 0.967286),
        (4, 0.17737, 1.2127, 0.960052),
        (7, 0.16040, 1.0462, 0.945761),
        (8, 0.15474, 0.9893, 0.934187),
        (12, 0.13211, 0.7680, 0.953876),
        (16, 0.10948, 0.5710, 0.967681),
        (24, 0.06421, 0.2684, 0.983624),
        (35, 0.00198, 0.0063, 0.993752),
        (36, -0.00368, -0.0114, 0.994336),
        (48, -0.07157, -0.1747, 0.999123),
        (51, -0.08854, -0.2048, 0.999888),
        (52, -0.09420, -0.2142, 1.000116),
        (64, -0.16209, -0.3049, 1.002126),
    ];
    let h = Bandit::<f64>::preset_a(0).hyper().unwrap();
    for (d, ge, z, rho) in rows {
        let df = d as f64;
        close(h.gamma_eff(df).unwrap(), ge, 5e-6, "gamma_eff");
        close(h.zeta(df).unwrap(), z, 5e-5, "zeta");
        close(
            h.linear_regime(d, Lag::Constant).unwrap().rho,
            rho,
            5e-7,
            "rho",
        );
    }
}

fn first_order_string(b: Bandit) -> String {
    let h = b.hyper().unwrap();
    (0..=64)
        .map(|d| h.first_order_regime(d as f64).unwrap().letter())
        .collect()
}

fn exact_string(b: Bandit) -> String {
    let h = b.hyper().unwrap();
    (0..=64)
        .map(|d| h.linear_regime(d, Lag::Constant).unwrap().regime.letter())
        .collect()
}

fn trajectory_string(b: Bandit, steps: usize) -> String {
    let ps = b.fixed_point().unwrap().p;
    let mut p = vec![0.0; steps + 1];
    (0..=64)
        .map(|d| {
            let bd = Bandit { kref: d, ..b };
            // a divergence leaves NaN in the buffer, which the classifier labels oscillatory
            let _ = bd.simulate(&mut p);
            classify(&p, ps, 0.01).unwrap().regime.letter()
        })
        .collect()
}

#[test]
fn regime_strings_first_order_and_exact() {
    assert_eq!(first_order_string(Bandit::preset_a(0)), A_FIRST);
    assert_eq!(exact_string(Bandit::preset_a(0)), A_EXACT);
    assert_eq!(first_order_string(Bandit::preset_b(0)), B_FIRST);
    assert_eq!(exact_string(Bandit::preset_b(0)), B_EXACT);
}

#[test]
fn regime_strings_trajectory_h300() {
    assert_eq!(trajectory_string(Bandit::preset_a(0), 300), A_H300);
    assert_eq!(trajectory_string(Bandit::preset_b(0), 300), B_H300);
}

/// 2 x 65 simulations of 20000 steps: release builds only (`cargo test --release`).
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: run with cargo test --release")]
fn regime_strings_trajectory_h20000() {
    assert_eq!(trajectory_string(Bandit::preset_a(0), 20000), A_H20000);
    assert_eq!(trajectory_string(Bandit::preset_b(0), 20000), B_H20000);
}

/// Overshoot fractions of the spec table (Preset A, H = 20000 run).
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: run with cargo test --release")]
fn preset_a_overshoot_fractions() {
    let b = Bandit::<f64>::preset_a(0);
    let ps = b.fixed_point().unwrap().p;
    let mut p = vec![0.0; 20001];
    for (d, ov) in [
        (12u32, 0.0064),
        (16, 0.0334),
        (24, 0.1317),
        (35, 0.3177),
        (48, 0.5716),
        (64, 0.8984),
    ] {
        let _ = Bandit { kref: d, ..b }.simulate(&mut p);
        close(
            classify(&p, ps, 0.01).unwrap().overshoot,
            ov,
            5e-5,
            "overshoot",
        );
    }
}

/// Periodic refresh, Preset A: exact-linear monotone up to Kref = 15, unstable from 79 (spec C.10),
/// plus the spec's per-step radii at a few periods.
#[test]
fn periodic_refresh_preset_a() {
    let h = Bandit::<f64>::preset_a(0).hyper().unwrap();
    for t in 1..=120u32 {
        let s = h.linear_regime(t, Lag::Periodic).unwrap();
        let want = if t <= 15 {
            CurveClass::Monotone
        } else if t < 79 {
            CurveClass::Overshooting
        } else {
            CurveClass::Oscillatory
        };
        assert_eq!(s.regime, want, "T = {t}");
    }
    for (t, rho) in [
        (1u32, 0.967286),
        (16, 0.937172),
        (48, 0.977557),
        (72, 0.996524),
        (80, 1.000506),
    ] {
        close(
            h.linear_regime(t, Lag::Periodic).unwrap().rho,
            rho,
            5e-7,
            "periodic rho",
        );
    }
    // the nonlinear periodic map agrees with the linear verdict far from the boundaries
    let b = Bandit {
        lag: Lag::Periodic,
        kref: 8,
        ..Bandit::preset_a(0)
    };
    let mut p = vec![0.0; 301];
    b.simulate(&mut p).unwrap();
    let ps = b.fixed_point().unwrap().p;
    assert_eq!(classify(&p, ps, 0.01).unwrap().regime, CurveClass::Monotone);
    // scheduler answers for periodic refresh
    assert_eq!(h.largest_monotone_kref(Lag::Periodic).unwrap(), Some(15));
    assert_eq!(h.largest_stable_kref(Lag::Periodic).unwrap(), Some(78));
    let k = h.k;
    let e78 = grpo_dynamics::stability::largest_stable_eta(78, Lag::Periodic, 0.8, k).unwrap();
    let e79 = grpo_dynamics::stability::largest_stable_eta(79, Lag::Periodic, 0.8, k).unwrap();
    assert!(e79 < 0.3 && 0.3 < e78, "{e79} < 0.3 < {e78}");
    for (eta, want) in [
        (e79 * 0.9999, CurveClass::Overshooting),
        (e79 * 1.0001, CurveClass::Oscillatory),
    ] {
        let he = Hyper::new(eta, 0.8, k).unwrap();
        assert_eq!(he.linear_regime(79, Lag::Periodic).unwrap().regime, want);
    }
    // on-policy periodic (T = 1) is the on-policy constant-lag map: eta_max = 2 (1 + mu) / K
    let e1 = grpo_dynamics::stability::largest_stable_eta(1, Lag::Periodic, 0.8, k).unwrap();
    assert!((e1 * k / 3.6 - 1.0).abs() < 1e-12, "{}", e1 * k);
    // largest stable eta at the lag where Preset A turns unstable brackets eta = 0.3
    let k = Bandit::<f64>::preset_a(0).stiffness().unwrap();
    let e51 = grpo_dynamics::stability::largest_stable_eta(51, Lag::Constant, 0.8, k).unwrap();
    let e52 = grpo_dynamics::stability::largest_stable_eta(52, Lag::Constant, 0.8, k).unwrap();
    assert!(e52 < 0.3 && 0.3 < e51, "{e52} < 0.3 < {e51}");
    let hk = Hyper::new(e51, 0.8, k).unwrap();
    close(
        hk.critical_lag().unwrap(),
        51.0,
        1e-9,
        "d_c at the largest stable eta",
    );
}

/// Tolerance of the f32 critical lag `d_c(a, mu)` (spec C.8): 2e-3 with libm; with `micromath`
/// the first-order propagation of its documented `sin`/`cos` and `atan2` error bounds through
/// `g(w) = 2 sin(w/2) s(w) - a = 0`, `s = sqrt(1 - 2 mu cos w + mu^2)`, and
/// `d = 1/2 + (pi/2 - phi) / w`, `phi = atan2(sin w, cos w - mu)`, at the exact solution `w`
/// (found here by bisection in f64). `d_c` is ill-conditioned for small `a` (`w ~ a / (1 - mu)`
/// is small and every error is divided by it), hence a wide tolerance.
fn critical_lag_tol_f32(a: f64, mu: f64) -> f64 {
    use grpo_dynamics::real::{MICROMATH_ATAN2_ABS, MICROMATH_SIN_COS_ABS};
    if !cfg!(feature = "micromath") {
        return 2e-3;
    }
    let et = MICROMATH_SIN_COS_ABS;
    let s = |w: f64| (1.0 - 2.0 * mu * w.cos() + mu * mu).sqrt();
    let g = |w: f64| 2.0 * (w / 2.0).sin() * s(w) - a;
    let (mut lo, mut hi) = (0.0, std::f64::consts::PI);
    for _ in 0..200 {
        let m = 0.5 * (lo + hi);
        if g(m) < 0.0 {
            lo = m;
        } else {
            hi = m;
        }
    }
    let w = 0.5 * (lo + hi);
    let h = 1e-6 * w;
    let dg = (g(w + h) - g(w - h)) / (2.0 * h);
    // error of g: sin(w/2) and cos(w) each off by at most et
    let w_err = (2.0 * et * s(w) + 2.0 * (w / 2.0).sin() * mu * et / s(w)) / dg.abs();
    let phi = |w: f64| w.sin().atan2(w.cos() - mu);
    let d = |w: f64| 0.5 + (std::f64::consts::FRAC_PI_2 - phi(w)) / w;
    let dd = (d(w + h) - d(w - h)) / (2.0 * h);
    // phi: atan2's own error plus its arguments' (|grad atan2(y, x)| = 1 / r)
    let r = (w.sin().powi(2) + (w.cos() - mu).powi(2)).sqrt();
    let phi_err = MICROMATH_ATAN2_ABS + 2.0 * et / r;
    dd.abs() * w_err + phi_err / w + 2e-3
}

/// The predicates are generic: f32 (the embedded build) reproduces the constants and the
/// first-order and exact-linear strings of Preset A.
#[test]
fn preset_a_in_f32() {
    let b = Bandit::<f32>::preset_a(0);
    let h = b.hyper().unwrap();
    assert!((h.k - 0.018_859_11).abs() < 1e-6);
    let h64 = Bandit::<f64>::preset_a(0).hyper().unwrap();
    let tol = critical_lag_tol_f32(h64.eta * h64.k, h64.mu);
    let d_c = h.critical_lag().unwrap();
    assert!(
        (d_c - 51.48475).abs() < tol as f32,
        "d_c {d_c}, tolerance {tol}"
    );
    assert!((h.prop9_threshold().unwrap() - 35.34985).abs() < 2e-3);
    assert!((h.zeta_one_onset().unwrap() - 7.81178).abs() < 2e-3);
    let first: String = (0..=64)
        .map(|d| h.first_order_regime(d as f32).unwrap().letter())
        .collect();
    assert_eq!(first, A_FIRST);
    let exact: String = (0..=64)
        .map(|d| h.linear_regime(d, Lag::Constant).unwrap().regime.letter())
        .collect();
    assert_eq!(exact, A_EXACT);
    let ps = b.fixed_point().unwrap().p;
    let mut p = vec![0.0f32; 301];
    b.simulate(&mut p).unwrap();
    assert_eq!(classify(&p, ps, 0.01).unwrap().regime, CurveClass::Monotone);
}
