//! Issue 14 (hardening of the C ABI), the inputs of the outside attack: huge group sizes, tiny
//! `eta K`, huge points, divergent and degenerate bandits. Each case checks the answer against an
//! independent computation (a limit, a second route, the Rust API), that a status OK comes only
//! with finite outputs, that failures leave outputs untouched, and a bound on the work where the
//! work is countable (never wall time).
#![cfg(feature = "capi")]

use grpo_dynamics::capi::*;
use grpo_dynamics::stability::Hyper;
use grpo_dynamics::{bandit::Lag, Error, ErrorKind, Param};

const SENT: f64 = -12345.678;

fn code(kind: ErrorKind, p: Param) -> i32 {
    Error::new(kind, p).code()
}

/// Preset B of the spec (mean normalisation, direct KL), constant lag `kref`.
fn preset_b(kref: u32) -> grpo_bandit {
    grpo_bandit {
        eta: 0.3,
        mu: 0.8,
        beta: 1.0,
        p_ref: 0.5,
        c: 0.125,
        eps: 0.0,
        kref,
        normalization: 0,
        kl: 0,
        lag: 0,
    }
}

/// Preset A (std normalisation with eps = 0: the least smooth group estimator).
fn preset_a(kref: u32) -> grpo_bandit {
    grpo_bandit {
        p_ref: 1.0 / (1.0 + 3f64.exp()),
        c: 1.0 / 16.0,
        normalization: 1,
        ..preset_b(kref)
    }
}

fn noise(b: &grpo_bandit, g: u32) -> grpo_group_noise {
    let mut out = grpo_group_noise::default();
    let s = unsafe { grpo_bandit_group_noise(b, g, 0, &mut out) };
    assert_eq!(s, GRPO_OK, "G = {g}");
    for v in [
        out.p_star,
        out.stiffness,
        out.drift_var,
        out.var_x,
        out.var_p,
        out.degeneracy,
    ] {
        assert!(v.is_finite(), "G = {g}: {out:?}");
    }
    out
}

/// Group noise at G up to 2^32 - 1 (the attack's 127 s and > 600 s cases): the answers follow
/// the large-G law `Var[g] ~ sigma_1^2 / G`, `p_star_G -> p_star`, checked between two huge G
/// (an independent route: the ratio of the exact expectations at two sizes).
#[test]
fn group_noise_at_huge_g_follows_the_large_g_law() {
    for b in [preset_a(0), preset_b(0), preset_b(4)] {
        let mut p_star = 0.0;
        let mut k = 0.0;
        let s = unsafe { grpo_bandit_fixed_point(&b, &mut p_star, &mut k) };
        assert_eq!(s, GRPO_OK);
        let n8 = noise(&b, 100_000_000);
        let nmax = noise(&b, u32::MAX);
        let g8 = 1e8;
        let gmax = u32::MAX as f64;
        // sigma_1^2 = G Var[g] is the same at both sizes to O(1/G)
        let s8 = n8.drift_var * g8;
        let smax = nmax.drift_var * gmax;
        assert!((s8 / smax - 1.0).abs() <= 1e-6, "{s8} vs {smax}");
        // the finite-G fixed point tends to the mean-field one (Bessel off: O(1/G) bias)
        assert!((n8.p_star - p_star).abs() <= 1e-6);
        assert!((nmax.p_star - p_star).abs() <= 1e-7);
        // stationary variance scales as 1/G
        assert!((n8.var_p * g8 / (nmax.var_p * gmax) - 1.0).abs() <= 1e-5);
        assert!(nmax.degeneracy >= 0.0 && nmax.degeneracy < 1e-300);
    }
}

/// A stochastic trajectory at G = 2^32 - 1 (7.8 s per step before): noise of order 1/sqrt(G)
/// keeps it within 1e-3 of the deterministic path.
#[test]
fn stochastic_simulation_at_huge_g_tracks_the_mean_field() {
    let b = preset_b(2);
    let steps = 200;
    let mut det = vec![0.0; steps + 1];
    let mut sto = vec![0.0; steps + 1];
    unsafe {
        assert_eq!(grpo_bandit_simulate(&b, steps, det.as_mut_ptr()), GRPO_OK);
        for g in [u32::MAX, 100_000_000, 5000] {
            let s = grpo_bandit_simulate_stochastic(&b, g, 1, 42, steps, sto.as_mut_ptr());
            assert_eq!(s, GRPO_OK);
            let tol = 50.0 / (g as f64).sqrt();
            for (d, x) in det.iter().zip(&sto) {
                assert!(x.is_finite() && (d - x).abs() <= tol, "G {g}: {d} vs {x}");
            }
        }
    }
}

/// The transient variance at huge G is finite and scales as 1/G; with eta = 1e30 it diverges
/// and leaves both outputs untouched (it used to return logits and NaN).
#[test]
fn transient_variance_huge_g_and_divergence() {
    // preset A starts at p = sigmoid(-3) (at p = 1/2 the O(1/G) term of Var[a_hat] vanishes)
    let b = preset_a(3);
    let steps = 60;
    let run = |b: &grpo_bandit, g: u32| {
        let mut p = vec![SENT; steps + 1];
        let mut v = vec![SENT; steps + 1];
        let s = unsafe {
            grpo_bandit_transient_variance(b, g, 0, steps, p.as_mut_ptr(), v.as_mut_ptr())
        };
        (s, p, v)
    };
    let (s1, p1, v1) = run(&b, 1_000_000);
    let (s2, p2, v2) = run(&b, u32::MAX);
    assert_eq!((s1, s2), (GRPO_OK, GRPO_OK));
    for k in 1..=steps {
        assert!(p1[k].is_finite() && v1[k].is_finite() && v2[k].is_finite());
        assert!((p1[k] - p2[k]).abs() <= 1e-15);
        let ratio = v1[k] * 1e6 / (v2[k] * u32::MAX as f64);
        assert!((ratio - 1.0).abs() <= 1e-5, "k {k}: {ratio}");
    }
    let wild = grpo_bandit {
        eta: 1e30,
        ..preset_b(3)
    };
    let (s, p, v) = run(&wild, 8);
    assert_eq!(s, code(ErrorKind::Diverged, Param::Steps));
    assert!(p.iter().chain(&v).all(|x| x.to_bits() == SENT.to_bits()));
}

/// p_ref = 1e-300 (x_ref = -690.8): OK only with finite values; otherwise a typed status and
/// untouched outputs.
#[test]
fn transient_variance_tiny_p_ref_never_ok_with_nan() {
    for p_ref in [1e-300, 1e-200, 1e-30, 1.0 - 1e-16] {
        for kl in [0, 1] {
            let b = grpo_bandit {
                p_ref,
                kl,
                ..preset_b(1)
            };
            let mut p = vec![SENT; 41];
            let mut v = vec![SENT; 41];
            let s = unsafe {
                grpo_bandit_transient_variance(&b, 16, 1, 40, p.as_mut_ptr(), v.as_mut_ptr())
            };
            if s == GRPO_OK {
                assert!(p.iter().chain(&v).all(|x| x.is_finite()), "p_ref {p_ref}");
            } else {
                assert_ne!(s & 0xff, GRPO_ERR_PANIC);
                assert!(p.iter().chain(&v).all(|x| x.to_bits() == SENT.to_bits()));
            }
            let mut out = grpo_group_noise {
                p_star: SENT,
                ..Default::default()
            };
            let s = unsafe { grpo_bandit_group_noise(&b, 16, 1, &mut out) };
            if s == GRPO_OK {
                assert!(out.var_p.is_finite() && out.var_x.is_finite());
            } else {
                assert_eq!(out.p_star, SENT);
            }
        }
    }
}

/// eta K = 9.44e-6 (first-order onset 4386) and eta K = 1e-17: the largest monotone lag lies
/// beyond the exact spectrum's capacity, which is now `GRPO_ERR_CAPACITY` (it was a silent 1024),
/// found with a bounded number of spectra (it took 5 s). Below the capacity the answer is the
/// brute-force one (the largest monotone lag of a walk over every lag).
#[test]
fn largest_monotone_kref_bounded_and_never_capped() {
    let mut u = 777u32;
    for (eta, k) in [(1e-3, 9.44e-3), (1e-9, 1e-8), (1.0, 1e-17)] {
        let s = unsafe { grpo_largest_monotone_kref(eta, 0.9, k, 0, &mut u) };
        assert_eq!(s, code(ErrorKind::CapacityExceeded, Param::Kref));
        assert_eq!(u, 777);
        let h = Hyper::new(eta, 0.9, k).unwrap();
        let mut probes = 0;
        let r = h.largest_monotone_kref_counted(Lag::Constant, &mut probes);
        assert!(r.is_err());
        assert!(probes <= 22, "{probes} spectra");
    }
    for (eta, mu, k) in [(0.3, 0.8, 0.05), (0.01, 0.9, 0.5), (0.1, 0.5, 0.02)] {
        let h = Hyper::new(eta, mu, k).unwrap();
        let mut probes = 0;
        let got = h
            .largest_monotone_kref_counted(Lag::Constant, &mut probes)
            .unwrap();
        assert!(probes <= 22);
        let mono = |d: u32| {
            h.linear_regime(d, Lag::Constant).unwrap().regime
                == grpo_dynamics::stability::CurveClass::Monotone
        };
        let brute = (0..=200u32).take_while(|&d| mono(d)).last();
        assert_eq!(got, brute, "eta {eta} mu {mu} k {k}");
    }
}

/// eta K = 1e-17: the exact regime agrees with the critical lag (1.7e16 > kref: stable), with a
/// radius below 1 (it said oscillatory with rho = 1.0).
#[test]
fn linear_regime_at_tiny_eta_k_agrees_with_the_critical_lag() {
    let (eta, mu, k) = (1e-3, 0.9, 1e-14);
    let mut dc = 0.0;
    assert_eq!(unsafe { grpo_critical_lag(eta, mu, k, &mut dc) }, GRPO_OK);
    assert!(dc > 1e15);
    for kref in [0u32, 1, 2, 7, 64] {
        let (mut regime, mut rho) = (9u32, SENT);
        let s = unsafe { grpo_linear_regime(eta, mu, k, kref, 0, &mut regime, &mut rho) };
        assert_eq!(s, GRPO_OK);
        assert_eq!(regime, 0, "kref {kref}: monotone far below d_c");
        assert!(rho < 1.0 && rho > 0.99, "kref {kref}: rho {rho}");
    }
    // periodic refresh: the rounded monodromy cannot decide, so a typed status, not a guess
    let (mut regime, mut rho) = (9u32, SENT);
    let s = unsafe { grpo_linear_regime(eta, mu, k, 4, 1, &mut regime, &mut rho) };
    assert_eq!(s, code(ErrorKind::OutOfRange, Param::K));
    assert_eq!((regime, rho.to_bits()), (9, SENT.to_bits()));
}

/// A subnormal `eta K` (eta = 8.38e-320, K = 1.8) is refused with `OutOfRange` (param `K`)
/// at once; the exact spectrum at lag 578 used to crawl through denormal arithmetic.
#[test]
fn linear_regime_subnormal_eta_k_is_refused_quickly() {
    let start = std::time::Instant::now();
    let (mut regime, mut rho) = (9u32, SENT);
    let s = unsafe { grpo_linear_regime(8.38e-320, 0.12, 1.8, 578, 0, &mut regime, &mut rho) };
    assert_eq!(s, code(ErrorKind::OutOfRange, Param::K));
    assert_eq!((regime, rho.to_bits()), (9, SENT.to_bits()));
    assert!(Hyper::new(8.38e-320, 0.12, 1.8).is_err());
    // the smallest normal eta K is still accepted
    assert!(Hyper::new(f64::MIN_POSITIVE, 0.12, 1.0).is_ok());
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
}

/// Points near the largest double: the overshoot never comes back infinite with OK.
#[test]
fn classify_with_huge_points() {
    let mut p = vec![0.0; 30];
    p[0] = -1.0;
    p[5] = f64::MAX;
    let (mut regime, mut over) = (9u32, SENT);
    let s = unsafe { grpo_classify(p.as_ptr(), p.len(), 0.0, 0.01, &mut regime, &mut over) };
    // the true ratio f64::MAX / 1 is a double: OK with that value
    assert_eq!(s, GRPO_OK);
    assert_eq!(over, f64::MAX);
    // one crossing, settled at the target over the last W = 10 points
    assert_eq!(regime, 1);
    // overshoot / E0 beyond the largest double: a typed status
    p[0] = -1e-10;
    let (mut regime, mut over) = (9u32, SENT);
    let s = unsafe { grpo_classify(p.as_ptr(), p.len(), 0.0, 0.01, &mut regime, &mut over) };
    assert_eq!(s, code(ErrorKind::OutOfRange, Param::P));
    assert_eq!((regime, over.to_bits()), (9, SENT.to_bits()));
    // differences that overflow when formed directly
    let q = [1.7e308, -1.7e308, -1.7e308, -1.7e308];
    let s = unsafe { grpo_classify(q.as_ptr(), 4, -1.7e308, 0.0, &mut regime, &mut over) };
    assert_eq!(s, GRPO_OK);
    assert_eq!((regime, over), (0, 0.0));
}

/// Every scalar output overlapping another output or an input is refused untouched.
#[test]
fn miri_aliased_outputs_are_rejected() {
    let bad = code(ErrorKind::BadBuffer, Param::Output);
    let b = preset_b(0);
    let mut two = [SENT; 2];
    unsafe {
        let x = two.as_mut_ptr();
        assert_eq!(grpo_bandit_fixed_point(&b, x, x), bad);
        let mut regime_rho = [SENT; 1];
        let r = regime_rho.as_mut_ptr();
        assert_eq!(
            grpo_linear_regime(0.3, 0.8, 0.5, 1, 0, r as *mut u32, r),
            bad
        );
        assert_eq!(regime_rho[0].to_bits(), SENT.to_bits());
        let mut bs = [preset_b(0); 2];
        let bp = bs.as_mut_ptr();
        assert_eq!(grpo_bandit_simulate(bp, 3, bp as *mut f64), bad);
        assert_eq!(bs[0], preset_b(0));
        let mut buf = [SENT; 8];
        let p = buf.as_mut_ptr();
        let s = grpo_bandit_transient_variance(&b, 8, 0, 3, p, p.add(2));
        assert_eq!(s, bad);
        let s = grpo_classify(p, 8, 0.0, 0.01, p.add(7) as *mut u32, x);
        assert_eq!(s, bad);
        let s = grpo_degeneracy_heterogeneous(p, 8, 4, p.add(3));
        assert_eq!(s, bad);
    }
    assert!(two.iter().all(|x| x.to_bits() == SENT.to_bits()));
}

/// A lag-8 map tuned to within 1e-6 of marginal stability: its impulse response decays so slowly
/// that the energy sum took over a second; now bounded (2^21 steps) with a typed status and the
/// output untouched, while a map 1e-2 away from the margin still gets its answer, equal to the
/// energy from the Rust impulse sum.
#[test]
fn group_noise_near_marginal_lag_is_bounded() {
    let b0 = preset_b(8);
    let mut n0 = grpo_group_noise::default();
    assert_eq!(
        unsafe { grpo_bandit_group_noise(&b0, 64, 0, &mut n0) },
        GRPO_OK
    );
    let mut eta_max = 0.0;
    let s = unsafe { grpo_largest_stable_eta(8, 0, 0.8, n0.stiffness, &mut eta_max) };
    assert_eq!(s, GRPO_OK);
    let near = grpo_bandit {
        eta: eta_max * (1.0 - 1e-6),
        ..b0
    };
    let mut out = grpo_group_noise {
        p_star: SENT,
        ..Default::default()
    };
    let s = unsafe { grpo_bandit_group_noise(&near, 64, 0, &mut out) };
    assert_eq!(s, code(ErrorKind::NotReached, Param::Kref));
    assert_eq!(out.p_star.to_bits(), SENT.to_bits());
    let ok = grpo_bandit {
        eta: eta_max * (1.0 - 1e-2),
        ..b0
    };
    let s = unsafe { grpo_bandit_group_noise(&ok, 64, 0, &mut out) };
    assert_eq!(s, GRPO_OK);
    let h = Hyper::new(ok.eta, ok.mu, out.stiffness).unwrap();
    let e = grpo_dynamics::noise::impulse_energy(&h, 8).unwrap();
    let want = ok.eta * ok.eta * out.drift_var * e;
    assert!(
        (out.var_x / want - 1.0).abs() <= 1e-12,
        "{} vs {want}",
        out.var_x
    );
}
