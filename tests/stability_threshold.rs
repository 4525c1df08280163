//! Exact critical lag d_c (spec C.8) against brute force: the exact spectrum scanned over integer
//! lags, and direct simulation of the linear delayed map, on a grid of learning rates in [0.02, 8]
//! (the paper's Figure 7 grid, extended). Stiffness of Preset A, mu = 0.8.

use grpo_dynamics::bandit::{Bandit, Lag};
use grpo_dynamics::stability::{largest_stable_eta, CurveClass, Hyper};

fn k_a() -> f64 {
    Bandit::<f64>::preset_a(0).stiffness().unwrap()
}

/// 41 log-spaced values in [0.02, 8] plus the spec's check values.
fn eta_grid() -> Vec<f64> {
    let mut v: Vec<f64> = (0..=40)
        .map(|i| 0.02 * (400f64).powf(i as f64 / 40.0))
        .collect();
    v.extend([0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 4.0, 8.0]);
    v
}

fn unstable(h: &Hyper, d: u32) -> bool {
    h.linear_regime(d, Lag::Constant).unwrap().regime == CurveClass::Oscillatory
}

/// Does the linear delayed map `y_{k+1} = y_k + mu (y_k - y_{k-1}) - a y_{k-d}` grow? Impulse
/// start; compares the peak of the last quarter of `n` steps with the peak of the second quarter.
fn simulated_growth(a: f64, mu: f64, d: usize, n: usize) -> bool {
    let len = d + 1;
    let mut ring = vec![0.0f64; len];
    ring[0] = 1.0;
    let (mut yk, mut ykm1) = (1.0f64, 0.0f64);
    let (mut mid, mut late) = (0.0f64, 0.0f64);
    for k in 0..n {
        let slot = (k + 1) % len;
        let yn = yk + mu * (yk - ykm1) - a * ring[slot];
        ring[slot] = yn;
        ykm1 = yk;
        yk = yn;
        if k >= n / 4 && k < n / 2 {
            mid = mid.max(yn.abs());
        } else if k >= 3 * n / 4 {
            late = late.max(yn.abs());
        }
    }
    late > mid
}

#[test]
fn spec_eta_grid_values() {
    // (eta, d_c, first unstable integer, d_c / Prop 9) from RESULTS.txt
    let rows = [
        (0.05, 328.739, 329u32, 1.550),
        (0.10, 162.232, 163, 1.530),
        (0.20, 79.094, 80, 1.492),
        (0.30, 51.485, 52, 1.456),
        (0.50, 29.579, 30, 1.395),
        (1.00, 13.602, 14, 1.283),
        (2.00, 6.190, 7, 1.167),
        (4.00, 2.865, 3, 1.081),
        (8.00, 1.353, 2, 1.021),
    ];
    let k = k_a();
    for (eta, dc, first, ratio) in rows {
        let h = Hyper::new(eta, 0.8, k).unwrap();
        let got = h.critical_lag().unwrap();
        assert!((got - dc).abs() < 5e-4, "eta {eta}: d_c {got} vs {dc}");
        assert_eq!(got.ceil() as u32, first);
        assert_eq!(
            h.largest_stable_kref(Lag::Constant).unwrap(),
            Some(first - 1)
        );
        let r = got / h.prop9_threshold().unwrap();
        assert!((r - ratio).abs() < 5e-4, "ratio {r} vs {ratio}");
        assert!(r > 1.0 && r < std::f64::consts::FRAC_PI_2);
    }
}

/// ceil(d_c) = first unstable integer lag of the exact spectrum, for every eta of the grid:
/// the two neighbouring lags always, and a full scan from Kref = 0 where ceil(d_c) <= 160.
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: run with cargo test --release")]
fn critical_lag_matches_spectrum_scan() {
    let k = k_a();
    for eta in eta_grid() {
        let h = Hyper::new(eta, 0.8, k).unwrap();
        let first = h.critical_lag().unwrap().ceil() as u32;
        assert!(first >= 1);
        assert!(
            !unstable(&h, first - 1),
            "eta {eta}: Kref {} should be stable",
            first - 1
        );
        assert!(
            unstable(&h, first),
            "eta {eta}: Kref {first} should be unstable"
        );
        if first <= 160 {
            let scan = (0..=first).find(|&d| unstable(&h, d)).unwrap();
            assert_eq!(scan, first, "eta {eta}");
        } else {
            // sparse scan below: every lag ~ first/16 apart is stable
            for d in (0..first).step_by((first / 16) as usize) {
                assert!(!unstable(&h, d), "eta {eta}, Kref {d}");
            }
        }
    }
}

/// The same threshold by direct simulation of the linear delayed map (no roots involved), for
/// the grid values with eta >= 0.1 (spectral gaps >= 6e-6 at the neighbouring lags).
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: run with cargo test --release")]
fn critical_lag_matches_simulation() {
    let k = k_a();
    for eta in eta_grid().into_iter().filter(|&e| e >= 0.1) {
        let h = Hyper::new(eta, 0.8, k).unwrap();
        let a = h.a().unwrap();
        let first = h.critical_lag().unwrap().ceil() as u32;
        for (d, want) in [(first - 1, false), (first, true)] {
            let rho = h.linear_regime(d, Lag::Constant).unwrap().rho;
            // long enough for rho^(n/4) to move by e^3, and for 40 oscillation periods
            let n = ((12.0 / rho.ln().abs()) as usize)
                .max(160 * (d as usize + 2))
                .min(20_000_000);
            assert_eq!(
                simulated_growth(a, 0.8, d as usize, n),
                want,
                "eta {eta}, Kref {d}, n {n}"
            );
        }
    }
}

#[test]
fn largest_stable_eta_round_trip() {
    let k = k_a();
    for kref in [0u32, 1, 2, 5, 14, 52, 200] {
        let eta = largest_stable_eta(kref, Lag::Constant, 0.8, k).unwrap();
        let h = Hyper::new(eta, 0.8, k).unwrap();
        if kref == 0 {
            assert!((h.a().unwrap() - 3.6).abs() < 1e-12);
        } else {
            assert!((h.critical_lag().unwrap() - kref as f64).abs() < 1e-7 * kref as f64);
        }
        // just below is stable at this lag, just above is not (exact spectrum)
        let below = Hyper::new(eta * 0.999, 0.8, k).unwrap();
        let above = Hyper::new(eta * 1.001, 0.8, k).unwrap();
        assert!(!unstable(&below, kref), "kref {kref}");
        assert!(unstable(&above, kref), "kref {kref}");
    }
}

#[test]
fn on_policy_unstable_gives_zero_lag() {
    // eta K >= 2 (1 + mu): the on-policy map is already unstable
    let h = Hyper::new(4.0, 0.8, 1.0).unwrap();
    assert_eq!(h.critical_lag().unwrap(), 0.0);
    assert_eq!(h.largest_stable_kref(Lag::Constant).unwrap(), None);
    assert!(unstable(&h, 0));
    // already underdamped on-policy: zeta = 1 onset is 0
    let h = Hyper::new(1.0, 0.8, 0.5).unwrap();
    assert_eq!(h.zeta_one_onset().unwrap(), 0.0);
    assert!(h.zeta(0.0).unwrap() < 1.0);
    assert_eq!(h.largest_monotone_kref(Lag::Constant).unwrap(), None);
}

/// First exactly non-monotone lag (exact spectrum) against the reference implementation
/// (numpy roots of P_d, spec checks/bandit.py): 191, 74, 35, 8 for eta = 0.02, 0.05, 0.1, 0.3.
/// The first-order zeta = 1 onset (213.2, 81.4, 37.4, 7.8) is only a starting guess away from the
/// presets.
#[test]
fn largest_monotone_kref_matches_reference() {
    let k = k_a();
    for (eta, first_s, onset) in [
        (0.02, 191u32, 213.2446),
        (0.05, 74, 81.4214),
        (0.1, 35, 37.4221),
        (0.3, 8, 7.8118),
    ] {
        let h = Hyper::new(eta, 0.8, k).unwrap();
        assert_eq!(
            h.largest_monotone_kref(Lag::Constant).unwrap(),
            Some(first_s - 1),
            "eta {eta}"
        );
        assert!((h.zeta_one_onset().unwrap() - onset).abs() < 1e-4);
    }
    let h = Hyper::new(1.0, 0.8, k).unwrap();
    assert_eq!(h.largest_monotone_kref(Lag::Constant).unwrap(), None);
}
