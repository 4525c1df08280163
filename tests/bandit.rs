//! The reduced softmax bandit (docs/model.md C.1 - C.5, D.1): exact reduction against a full n-arm softmax
//! simulation, drift derivative, fixed points, simulation behaviour, samplers, typed errors.

use grpo_dynamics::bandit::{logit, sigmoid, Bandit, Kl, Lag, Normalization};
use grpo_dynamics::numerics::{binomial, Rng, SplitMix64, Xoshiro256pp};
use grpo_dynamics::stability::Hyper;
use grpo_dynamics::{Error, ErrorKind, Param};

/// Full n-arm softmax bandit under mean-field GRPO + heavy ball + stale old policy (docs/model.md C.1,
/// written independently of the library, as in checks/check_reduction.py). Returns p_k.
fn full_bandit(b: &Bandit, n_c: usize, n_w: usize, steps: usize) -> Vec<f64> {
    let n = n_c + n_w;
    let r: Vec<f64> = (0..n).map(|i| if i < n_c { 1.0 } else { 0.0 }).collect();
    let logpref: Vec<f64> = (0..n)
        .map(|i| {
            if i < n_c {
                (b.p_ref / n_c as f64).ln()
            } else {
                ((1.0 - b.p_ref) / n_w as f64).ln()
            }
        })
        .collect();
    let softmax = |t: &[f64]| -> Vec<f64> {
        let m = t.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = t.iter().map(|x| (x - m).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|x| x / s).collect()
    };
    let drift = |th: &[f64]| -> Vec<f64> {
        let pi = softmax(th);
        let p: f64 = pi.iter().zip(&r).map(|(a, b)| a * b).sum();
        let v = p * (1.0 - p);
        let scale = match b.normalization {
            Normalization::Mean => 1.0,
            Normalization::Std => 1.0 / (v + b.eps).sqrt(),
        };
        let mut g: Vec<f64> = pi
            .iter()
            .zip(&r)
            .map(|(pa, ra)| pa * (ra - p) * scale)
            .collect();
        match b.kl {
            Kl::Direct => {
                let lr: Vec<f64> = pi
                    .iter()
                    .zip(&logpref)
                    .map(|(pa, lp)| pa.ln() - lp)
                    .collect();
                let m: f64 = pi.iter().zip(&lr).map(|(a, b)| a * b).sum();
                for i in 0..n {
                    g[i] -= b.beta * pi[i] * (lr[i] - m);
                }
            }
            Kl::Reverse => {
                for i in 0..n {
                    g[i] -= b.beta * (pi[i] - logpref[i].exp());
                }
            }
        }
        g
    };
    let mut th = vec![logpref.clone()];
    let mut u = vec![0.0; n];
    for k in 0..steps {
        let g = drift(&th[b.lag_index(k)]);
        let last = th[k].clone();
        for i in 0..n {
            u[i] = b.mu * u[i] + g[i];
        }
        th.push(last.iter().zip(&u).map(|(t, ui)| t + b.eta * ui).collect());
    }
    th.iter()
        .map(|t| softmax(t).iter().zip(&r).map(|(a, b)| a * b).sum())
        .collect()
}

#[test]
fn reduction_is_exact_against_full_softmax() {
    let bases = [
        Bandit::<f64>::preset_a(0),
        Bandit::preset_b(0),
        Bandit {
            kl: Kl::Reverse,
            ..Bandit::preset_b(0)
        },
        Bandit {
            eps: 0.05,
            ..Bandit::preset_a(0)
        },
    ];
    let mut worst = 0.0f64;
    for base in bases {
        for (n_c, n_w) in [(1, 1), (3, 5), (16, 16)] {
            for (kref, lag) in [
                (0, Lag::Constant),
                (7, Lag::Constant),
                (30, Lag::Constant),
                (5, Lag::Periodic),
            ] {
                let b = Bandit {
                    c: 1.0 / n_c as f64 + 1.0 / n_w as f64,
                    kref,
                    lag,
                    ..base
                };
                let full = full_bandit(&b, n_c, n_w, 300);
                let mut red = vec![0.0; 301];
                b.simulate(&mut red).unwrap();
                for (x, y) in full.iter().zip(&red) {
                    worst = worst.max((x - y).abs());
                }
            }
        }
    }
    assert!(worst < 1e-10, "max |p_full - p_reduced| = {worst:e}");
}

#[test]
fn drift_prime_matches_finite_difference() {
    for norm in [Normalization::Mean, Normalization::Std] {
        for kl in [Kl::Direct, Kl::Reverse] {
            for eps in [0.0, 0.1] {
                let b = Bandit {
                    normalization: norm,
                    kl,
                    eps,
                    ..Bandit::<f64>::preset_a(0)
                };
                for x in [-5.0, -2.0, -0.3, 0.7, 3.0] {
                    let h = 1e-6;
                    let fd = (b.drift(x + h).unwrap() - b.drift(x - h).unwrap()) / (2.0 * h);
                    let an = b.drift_prime(x).unwrap();
                    assert!(
                        (fd - an).abs() < 1e-8 * (1.0 + an.abs()),
                        "{norm:?} {kl:?} x={x}: {an} vs {fd}"
                    );
                }
            }
        }
    }
}

#[test]
fn fixed_points_and_stiffness() {
    // mean + reverse: p*^2 + (beta - 1) p* - beta p_ref = 0 (docs/model.md C.4), found by the scan
    for (beta, p_ref) in [(1.0, 0.3), (0.5, 0.1), (2.0, 0.7)] {
        let b = Bandit {
            kl: Kl::Reverse,
            beta,
            p_ref,
            ..Bandit::<f64>::preset_b(0)
        };
        let p = b.fixed_point().unwrap().p;
        let want = (-(beta - 1.0) + ((beta - 1.0f64).powi(2) + 4.0 * beta * p_ref).sqrt()) / 2.0;
        assert!((p - want).abs() < 1e-13, "{p} vs {want}");
        // K = -F'(x*) and the measurement protocol agree
        let k = b.stiffness().unwrap();
        let kh = b.measure_stiffness(0.01, 400, 1e-4).unwrap();
        assert!((kh / k - 1.0).abs() < 1e-4);
    }
    // std + direct formula equals -F'(x*) (general form of C.5)
    for eps in [0.0, 0.02] {
        let b = Bandit {
            eps,
            ..Bandit::<f64>::preset_a(0)
        };
        let x = b.fixed_point().unwrap().x;
        assert!(b.drift(x).unwrap().abs() < 1e-16);
        let k = b.stiffness().unwrap();
        assert!((k + b.drift_prime(x).unwrap()).abs() < 1e-15);
    }
    // std + direct with eps = 0 and an easy reference has no interior fixed point (docs/model.md C.4:
    // needs x_ref <= 2 asinh 1 - 2 sqrt 2 = -1.06568 at beta = 1)
    let easy = Bandit {
        p_ref: sigmoid(-1.0),
        ..Bandit::<f64>::preset_a(0)
    };
    let e = easy.fixed_point().unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::NotReached, Param::Beta));
    let hard = Bandit {
        p_ref: sigmoid(-1.1),
        ..Bandit::<f64>::preset_a(0)
    };
    assert!(hard.fixed_point().is_ok());
    assert!((logit(sigmoid(-3.0f64)) + 3.0).abs() < 1e-15);
}

#[test]
fn simulation_behaviour() {
    let b = Bandit::<f64>::preset_a(0);
    let mut p = vec![0.0; 2001];
    b.simulate(&mut p).unwrap();
    assert!((p[0] - b.p_ref).abs() < 1e-17);
    let ps = b.fixed_point().unwrap().p;
    assert!((p[2000] - ps).abs() < 1e-12);
    // logit trajectory is consistent with the probability trajectory
    let mut x = vec![0.0; 2001];
    b.simulate_logit(&mut x).unwrap();
    assert!(x
        .iter()
        .zip(&p)
        .all(|(x, p)| (sigmoid(*x) - p).abs() < 1e-16));
    // periodic Kref = 1 and constant Kref = 0 are both on-policy
    let mut q = vec![0.0; 2001];
    Bandit {
        lag: Lag::Periodic,
        kref: 1,
        ..b
    }
    .simulate(&mut q)
    .unwrap();
    assert_eq!(p, q);
    assert_eq!(
        Bandit {
            lag: Lag::Periodic,
            kref: 5,
            ..b
        }
        .lag_index(13),
        10
    );
    assert_eq!(Bandit { kref: 5, ..b }.lag_index(3), 0);
    // divergence is a status, not a panic; prefix kept, NaN after
    let wild = Bandit {
        eta: 1e6,
        kref: 3,
        ..Bandit::<f64>::preset_b(0)
    };
    let mut w = vec![0.0; 500];
    let e = wild.simulate(&mut w).unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::Diverged, Param::Steps));
    assert!(w[0].is_finite() && w[499].is_nan());
    // a single point is the start
    let mut one = [0.0];
    b.simulate(&mut one).unwrap();
    assert!((one[0] - b.p_ref).abs() < 1e-17);
    // f32 works too
    let b32 = Bandit::<f32>::preset_a(0);
    assert!((b32.fixed_point().unwrap().p - 0.304_344_f32).abs() < 1e-5);
    let mut p32 = vec![0.0f32; 301];
    b32.simulate(&mut p32).unwrap();
    assert!((p32[300] as f64 - p[300]).abs() < 1e-4);
}

#[test]
fn stochastic_simulation() {
    let b = Bandit::<f64>::preset_b(4);
    let mut p1 = vec![0.0; 401];
    let mut p2 = vec![0.0; 401];
    b.simulate_stochastic(16, false, &mut Xoshiro256pp::new(9), &mut p1)
        .unwrap();
    b.simulate_stochastic(16, false, &mut Xoshiro256pp::new(9), &mut p2)
        .unwrap();
    assert_eq!(p1, p2, "deterministic for a seed");
    b.simulate_stochastic(16, false, &mut Xoshiro256pp::new(10), &mut p2)
        .unwrap();
    assert_ne!(p1, p2);
    // a very large group (Bernoulli-sum sampler) follows the Bessel-corrected mean field closely
    let mut det = vec![0.0; 401];
    b.simulate(&mut det).unwrap();
    b.simulate_stochastic(20_000, true, &mut Xoshiro256pp::new(3), &mut p2)
        .unwrap();
    let dev = det
        .iter()
        .zip(&p2)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(dev < 0.01, "{dev}");
}

#[test]
fn binomial_sampler_moments() {
    let mut rng = Xoshiro256pp::new(42);
    for (g, p) in [
        (4u32, 0.3f64),
        (16, 0.9),
        (64, 0.5),
        (2000, 0.2),
        (7, 0.0),
        (7, 1.0),
    ] {
        let n = 40_000;
        let draws: Vec<f64> = (0..n).map(|_| binomial(&mut rng, g, p) as f64).collect();
        let m = draws.iter().sum::<f64>() / n as f64;
        let v = draws.iter().map(|d| (d - m) * (d - m)).sum::<f64>() / n as f64;
        let (em, ev) = (g as f64 * p, g as f64 * p * (1.0 - p));
        assert!(
            (m - em).abs() <= 5.0 * (ev / n as f64).sqrt() + 1e-12,
            "G={g} p={p}: mean {m}"
        );
        assert!((v - ev).abs() <= 0.05 * ev + 1e-12, "G={g} p={p}: var {v}");
        assert!(draws.iter().all(|&d| d <= g as f64));
    }
    // exact moments of the estimator: mean centring E[a_hat] = (1 - 1/G) v
    let b = Bandit::<f64>::preset_b(0);
    let (m, _, _) = b.adv_moments(0.3, 8, false).unwrap();
    assert!((m - (1.0 - 1.0 / 8.0) * 0.21).abs() < 1e-15);
    let (m, _, _) = b.adv_moments(0.3, 8, true).unwrap();
    assert!((m - 0.21).abs() < 1e-15);
    // generators: reference outputs of SplitMix64 for seed 1234567 (Vigna's splitmix64.c)
    let mut s = SplitMix64::new(1234567);
    assert_eq!(s.next_u64(), 6457827717110365317);
    assert_eq!(s.next_u64(), 3203168211198807973);
    let u = Xoshiro256pp::new(1).next_f64();
    assert!((0.0..1.0).contains(&u));
}

fn err<T>(r: grpo_dynamics::Result<T>) -> (ErrorKind, Param) {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => (e.kind(), e.param()),
    }
}

#[test]
fn bad_input_typed_errors() {
    use ErrorKind::{NonFinite as NF, OutOfRange as OR};
    let a = Bandit::<f64>::preset_a(0);
    let cases: [(Bandit, (ErrorKind, Param)); 17] = [
        (Bandit { mu: 1.0, ..a }, (OR, Param::Mu)),
        (Bandit { mu: -0.1, ..a }, (OR, Param::Mu)),
        (Bandit { mu: f64::NAN, ..a }, (NF, Param::Mu)),
        (Bandit { eta: 0.0, ..a }, (OR, Param::Eta)),
        (Bandit { eta: -1.0, ..a }, (OR, Param::Eta)),
        (
            Bandit {
                eta: f64::INFINITY,
                ..a
            },
            (NF, Param::Eta),
        ),
        (Bandit { p_ref: 0.0, ..a }, (OR, Param::PRef)),
        (Bandit { p_ref: 1.0, ..a }, (OR, Param::PRef)),
        (
            Bandit {
                p_ref: f64::NAN,
                ..a
            },
            (NF, Param::PRef),
        ),
        (Bandit { beta: 0.0, ..a }, (OR, Param::Beta)),
        (
            Bandit {
                beta: f64::NAN,
                ..a
            },
            (NF, Param::Beta),
        ),
        (Bandit { c: -0.5, ..a }, (OR, Param::C)),
        (
            Bandit {
                c: f64::NEG_INFINITY,
                ..a
            },
            (NF, Param::C),
        ),
        (Bandit { eps: -1e-3, ..a }, (OR, Param::Eps)),
        (Bandit { eps: f64::NAN, ..a }, (NF, Param::Eps)),
        (
            Bandit {
                lag: Lag::Periodic,
                kref: 0,
                ..a
            },
            (OR, Param::Kref),
        ),
        (
            Bandit {
                lag: Lag::Periodic,
                kref: 0,
                eta: f64::NAN,
                ..a
            },
            (NF, Param::Eta),
        ),
    ];
    let mut buf = [0.0; 10];
    for (b, want) in cases {
        assert_eq!(err(b.validate()), want);
        assert_eq!(err(b.fixed_point()), want);
        assert_eq!(err(b.stiffness()), want);
        assert_eq!(err(b.simulate(&mut buf)), want);
        assert_eq!(err(b.hyper()), want);
        assert_eq!(
            err(Bandit::new(
                b.eta,
                b.mu,
                b.beta,
                b.p_ref,
                b.c,
                b.eps,
                b.kref,
                b.normalization,
                b.kl,
                b.lag
            )),
            want
        );
    }
    // group size
    let mut rng = Xoshiro256pp::new(1);
    for g in [0u32, 1] {
        assert_eq!(
            err(a.simulate_stochastic(g, false, &mut rng, &mut buf)),
            (OR, Param::G)
        );
        assert_eq!(err(a.finite_group(g, false)), (OR, Param::G));
        assert_eq!(err(a.adv_moments(0.5, g, false)), (OR, Param::G));
        assert_eq!(err(a.drift_finite_g(0.0, g, false)), (OR, Param::G));
    }
    assert_eq!(err(a.adv_moments(1.5, 4, false)), (OR, Param::P));
    assert_eq!(err(a.adv_moments(f64::NAN, 4, false)), (NF, Param::P));
    assert_eq!(err(a.simulate(&mut [])), (ErrorKind::Empty, Param::Steps));
    assert_eq!(err(a.drift(f64::NAN)), (NF, Param::None));
    assert_eq!(err(a.measure_stiffness(0.0, 400, 1e-4)), (OR, Param::Eta));
    assert_eq!(err(a.measure_stiffness(0.01, 0, 1e-4)), (OR, Param::N));
    // hyperparameters: K <= 0, eta <= 0, mu outside [0, 1), non-finite
    assert_eq!(err(Hyper::new(0.3, 0.8, 0.0)), (OR, Param::K));
    assert_eq!(err(Hyper::new(0.3, 0.8, -1.0)), (OR, Param::K));
    assert_eq!(err(Hyper::new(0.3, 0.8, f64::NAN)), (NF, Param::K));
    assert_eq!(err(Hyper::new(0.0, 0.8, 0.02)), (OR, Param::Eta));
    assert_eq!(err(Hyper::new(0.3, 1.0, 0.02)), (OR, Param::Mu));
    assert_eq!(err(Hyper::new(0.3, -0.2, 0.02)), (OR, Param::Mu));
    let h = Hyper::new(0.3, 0.8, 0.02).unwrap();
    assert_eq!(err(h.zeta(-1.0)), (OR, Param::Kref));
    assert_eq!(err(h.gamma_eff(f64::NAN)), (NF, Param::Kref));
    assert_eq!(err(h.linear_regime(0, Lag::Periodic)), (OR, Param::Kref));
    assert_eq!(
        err(h.linear_regime(5000, Lag::Constant)),
        (ErrorKind::CapacityExceeded, Param::Kref)
    );
    assert_eq!(
        err(grpo_dynamics::stability::largest_stable_eta(
            3,
            Lag::Constant,
            0.8,
            0.0
        )),
        (OR, Param::K)
    );
    let _: Error = Error::out_of_range(Param::Kref);
}
