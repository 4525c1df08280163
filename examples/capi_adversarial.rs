//! Wall time of the C exports on the adversarial inputs of issue 14 (huge group sizes, tiny and
//! huge `eta K`, the largest lags, long buffers, corrupted inputs). Prints one line per case and
//! the slowest call per export; exits 1 if any call takes more than the budget (100 ms) or if a
//! function declared in `include/grpo_dynamics.h` was not timed (the header is parsed, so a new
//! export without a case here fails the run).
//!
//! ```sh
//! cargo run --release --features capi --example capi_adversarial
//! ```
//! Timing lives here (and in benches), never in tests; the tests bound the work instead.

use grpo_dynamics::capi::*;
use std::collections::BTreeMap;
use std::time::Instant;

#[path = "../tests/common/header.rs"]
mod header;

/// Every function the C header declares (exports and the header's inline accessors).
fn header_functions() -> Vec<String> {
    header::header_functions(include_str!("../include/grpo_dynamics.h"))
}

const BUDGET_MS: f64 = 100.0;

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

fn preset_a(kref: u32) -> grpo_bandit {
    grpo_bandit {
        p_ref: 1.0 / (1.0 + 3f64.exp()),
        c: 1.0 / 16.0,
        normalization: 1,
        ..preset_b(kref)
    }
}

/// The header's `static inline grpo_fit_result_stderr` (not a library symbol): the same pointer
/// arithmetic, the 8 doubles before `plateau`.
fn grpo_fit_result_stderr(r: *const grpo_fit_result) -> *const f64 {
    (r as *const u8).wrapping_add(std::mem::offset_of!(grpo_fit_result, plateau) - 64) as *const f64
}

/// A calibration as `grpo_calibrate` writes it, with `K` (and its interval) set to `k`.
fn calibration(k: f64, eta: f64, mu: f64, kref: u32, lag: u32) -> grpo_calibration {
    grpo_calibration {
        r0: 0.1,
        r_star: grpo_estimate {
            value: 0.8,
            lo: 0.75,
            hi: 0.85,
        },
        k: grpo_estimate {
            value: k,
            lo: k * 0.5,
            hi: k * 2.0,
        },
        k_determined: 1,
        kref,
        lag,
        reserved: 0,
        rho: 0.99,
        eta,
        mu,
        delay: 10.0,
        flow50: grpo_estimate {
            value: 1e-3,
            lo: 5e-4,
            hi: 2e-3,
        },
        flow90: grpo_estimate {
            value: 3e-3,
            lo: 2e-3,
            hi: 6e-3,
        },
        t0: 0.0,
    }
}

/// `/proc/loadavg` (Linux), to read the wall times against the machine's load.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

struct Harness {
    worst: BTreeMap<&'static str, (f64, String)>,
}

impl Harness {
    fn time(&mut self, export: &'static str, case: String, f: impl FnOnce() -> i32) {
        let t = Instant::now();
        let status = f();
        let ms = t.elapsed().as_secs_f64() * 1e3;
        println!("{ms:10.3} ms  status {status:6}  {export}  {case}");
        let e = self.worst.entry(export).or_insert((0.0, String::new()));
        if ms > e.0 {
            *e = (ms, case);
        }
    }
}

fn main() {
    let load0 = loadavg();
    let mut h = Harness {
        worst: BTreeMap::new(),
    };
    let big_g = [2u32, 16, 1000, 5000, 100_000_000, u32::MAX];
    let tiny_ek = [
        (1.0, 1e-17),
        (1e-3, 9.44e-3),
        (0.3, 0.5),
        (1.0, 3.79),
        (1.0, 1e300),
    ];
    unsafe {
        // group noise: every G, both presets, lags 0, 8 and just below the critical lag
        let mut dc = 0.0;
        grpo_critical_lag(0.3, 0.8, 0.0625, &mut dc);
        for &g in &big_g {
            for b in [
                preset_a(0),
                preset_b(0),
                preset_b(8),
                preset_a(31),
                preset_b(1024),
            ] {
                for bessel in [0, 1] {
                    let mut out = grpo_group_noise::default();
                    h.time(
                        "grpo_bandit_group_noise",
                        format!(
                            "G={g} kref={} norm={} bessel={bessel}",
                            b.kref, b.normalization
                        ),
                        || grpo_bandit_group_noise(&b, g, bessel, &mut out),
                    );
                }
            }
        }
        // near-marginal lag: the impulse energy converges slowest
        for kref in 1..=12u32 {
            let b = preset_b(kref);
            let mut out = grpo_group_noise::default();
            h.time(
                "grpo_bandit_group_noise",
                format!("G=64 kref={kref} (near d_c)"),
                || grpo_bandit_group_noise(&b, 64, 0, &mut out),
            );
        }
        // eta tuned to just below the largest stable one at kref = 8: the impulse response of the
        // linearised map decays slowest (its energy sum is the longest loop)
        for gap in [1e-3, 1e-6, 1e-9, 1e-12] {
            let mut k_g = grpo_group_noise::default();
            let b0 = preset_b(8);
            grpo_bandit_group_noise(&b0, 64, 0, &mut k_g);
            let mut eta_max = 0.0;
            grpo_largest_stable_eta(8, 0, 0.8, k_g.stiffness, &mut eta_max);
            let b = grpo_bandit {
                eta: eta_max * (1.0 - gap),
                ..preset_b(8)
            };
            let mut out = grpo_group_noise::default();
            h.time(
                "grpo_bandit_group_noise",
                format!("G=64 kref=8 eta = eta_max (1 - {gap:e})"),
                || grpo_bandit_group_noise(&b, 64, 0, &mut out),
            );
        }
        // stochastic simulation and transient variance, 1000 steps
        let steps = 1000;
        let mut p = vec![0.0; steps + 1];
        let mut v = vec![0.0; steps + 1];
        for &g in &big_g {
            for b in [preset_a(3), preset_b(31)] {
                h.time(
                    "grpo_bandit_simulate_stochastic",
                    format!("G={g} steps={steps} kref={}", b.kref),
                    || grpo_bandit_simulate_stochastic(&b, g, 1, 7, steps, p.as_mut_ptr()),
                );
                h.time(
                    "grpo_bandit_transient_variance",
                    format!("G={g} steps={steps} kref={}", b.kref),
                    || {
                        grpo_bandit_transient_variance(
                            &b,
                            g,
                            1,
                            steps,
                            p.as_mut_ptr(),
                            v.as_mut_ptr(),
                        )
                    },
                );
            }
        }
        let wild = grpo_bandit {
            eta: 1e30,
            ..preset_b(3)
        };
        h.time("grpo_bandit_transient_variance", "eta=1e30".into(), || {
            grpo_bandit_transient_variance(&wild, 8, 0, steps, p.as_mut_ptr(), v.as_mut_ptr())
        });
        let tiny = grpo_bandit {
            p_ref: 1e-300,
            ..preset_b(1)
        };
        h.time(
            "grpo_bandit_transient_variance",
            "p_ref=1e-300".into(),
            || grpo_bandit_transient_variance(&tiny, 16, 1, steps, p.as_mut_ptr(), v.as_mut_ptr()),
        );
        for b in [preset_a(0), preset_b(5), tiny, wild] {
            let (mut ps, mut k) = (0.0, 0.0);
            h.time(
                "grpo_bandit_fixed_point",
                format!("p_ref={}", b.p_ref),
                || grpo_bandit_fixed_point(&b, &mut ps, &mut k),
            );
            h.time(
                "grpo_bandit_simulate",
                format!("p_ref={} eta={}", b.p_ref, b.eta),
                || grpo_bandit_simulate(&b, steps, p.as_mut_ptr()),
            );
        }
        // stability predicates over tiny, ordinary and huge eta K, both lag modes
        for &(eta, k) in &tiny_ek {
            for mu in [0.0, 0.9, 0.999999] {
                let case = format!("eta={eta} K={k} mu={mu}");
                let mut x = 0.0;
                let mut u = 0u32;
                h.time("grpo_prop9_threshold", case.clone(), || {
                    grpo_prop9_threshold(eta, mu, k, &mut x)
                });
                h.time("grpo_zeta_one_onset", case.clone(), || {
                    grpo_zeta_one_onset(eta, mu, k, &mut x)
                });
                h.time("grpo_critical_lag", case.clone(), || {
                    grpo_critical_lag(eta, mu, k, &mut x)
                });
                h.time("grpo_zeta", case.clone(), || {
                    grpo_zeta(eta, mu, k, 1e9, &mut x)
                });
                for lag in [0, 1] {
                    let case = format!("{case} lag={lag}");
                    h.time("grpo_largest_stable_kref", case.clone(), || {
                        grpo_largest_stable_kref(eta, mu, k, lag, &mut u)
                    });
                    h.time("grpo_largest_monotone_kref", case.clone(), || {
                        grpo_largest_monotone_kref(eta, mu, k, lag, &mut u)
                    });
                    for kref in [1u32, 2, 1024, 1025, 1 << 24, u32::MAX] {
                        let (mut r, mut rho) = (0u32, 0.0);
                        h.time("grpo_linear_regime", format!("{case} kref={kref}"), || {
                            grpo_linear_regime(eta, mu, k, kref, lag, &mut r, &mut rho)
                        });
                        h.time(
                            "grpo_largest_stable_eta",
                            format!("{case} kref={kref}"),
                            || grpo_largest_stable_eta(kref, lag, mu, k, &mut x),
                        );
                    }
                }
            }
        }
        // buffers of 4096 points (linear-cost exports)
        let n = 4096;
        let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let y: Vec<f64> = t
            .iter()
            .map(|&s| 0.8 - 0.6 * (-s / 400.0).exp() + 0.01 * (s * 0.7).sin())
            .collect();
        let mut out = vec![0.0; n];
        let m = grpo_oscillator {
            r_star: 0.7,
            r0: 0.1,
            v0: 1e300,
            omega: 1e-300,
            zeta: 1e300,
        };
        h.time(
            "grpo_trajectory_eval",
            format!("n={n} extreme model"),
            || grpo_trajectory_eval(&m, t.as_ptr(), n, out.as_mut_ptr()),
        );
        h.time("grpo_trajectory_eval_grid", format!("n={n}"), || {
            grpo_trajectory_eval_grid(&m, 0.0, 1.0, n, out.as_mut_ptr())
        });
        let (mut val, mut g5) = (0.0, [0.0; 5]);
        h.time("grpo_trajectory_jacobian", "extreme model".into(), || {
            grpo_trajectory_jacobian(&m, 1e300, &mut val, g5.as_mut_ptr())
        });
        let m2 = grpo_oscillator {
            zeta: 1.0 + 1e-12,
            v0: 0.0,
            omega: 1e-300,
            ..m
        };
        h.time("grpo_time_to_fraction", "omega=1e-300".into(), || {
            grpo_time_to_fraction(&m2, 1.0 - 1e-16, &mut val)
        });
        let mut opts = std::mem::zeroed::<grpo_fit_options>();
        grpo_fit_options_default(&mut opts);
        let mut fit = std::mem::zeroed::<grpo_fit_result>();
        for model in 0..=5 {
            opts.model = model;
            for nn in [64usize, 1024, 4096] {
                h.time("grpo_fit", format!("model={model} n={nn}"), || {
                    grpo_fit(
                        t.as_ptr(),
                        y.as_ptr(),
                        std::ptr::null(),
                        nn,
                        &opts,
                        &mut fit,
                    )
                });
            }
        }
        let mut dopt = std::mem::zeroed::<grpo_diagnose_options>();
        h.time("grpo_diagnose_options_default", String::new(), || {
            grpo_diagnose_options_default(&mut dopt)
        });
        let ent: Vec<f64> = t.iter().map(|&s| 2.0 * (-s / 900.0).exp()).collect();
        let zs: Vec<f64> = t.iter().map(|_| 0.3).collect();
        let di = grpo_diagnose_input {
            n,
            steps: t.as_ptr(),
            reward: y.as_ptr(),
            eval_reward: y.as_ptr(),
            entropy: ent.as_ptr(),
            zero_std_frac: zs.as_ptr(),
            group_size: u32::MAX,
            has_hyper: 1,
            lag: 1,
            r_min: 0.0,
            r_max: 1.0,
            r_max_eval: 1.0,
            eta: 1e-17,
            mu: 0.9,
            k_hat: 1.0,
            kref: 4.0,
            expected_plateau: f64::NAN,
        };
        let mut dout = grpo_diagnosis::default();
        h.time(
            "grpo_diagnose",
            format!("n={n} G=2^32-1 eta K=1e-17"),
            || grpo_diagnose(&di, &dopt, &mut dout),
        );
        // grpo_diagnose_concentration (issue 19): the diagnose input with an entropy that
        // collapses right after the first window, so the walk back to the collapse start scans
        // the whole series (its worst case; the rest is grpo_diagnose's cost)
        let ent_c: Vec<f64> = (0..n)
            .map(|i| if i < n / 10 { 1.0 } else { 1e-3 })
            .collect();
        let dc = grpo_diagnose_input {
            entropy: ent_c.as_ptr(),
            ..di
        };
        let mut ce = grpo_concentration_evidence::default();
        h.time(
            "grpo_diagnose_concentration",
            format!("n={n} collapse after the first window, G=2^32-1 eta K=1e-17"),
            || grpo_diagnose_concentration(&dc, &dopt, &mut ce),
        );
        let (mut regime, mut over) = (0u32, 0.0);
        let mut huge = y.clone();
        huge[7] = f64::MAX;
        h.time("grpo_classify", format!("n={n} with f64::MAX"), || {
            grpo_classify(huge.as_ptr(), n, 0.8, 0.01, &mut regime, &mut over)
        });
        h.time("grpo_degeneracy", "G=2^32-1".into(), || {
            grpo_degeneracy(0.5, u32::MAX, &mut over)
        });
        h.time("grpo_degeneracy_heterogeneous", format!("n={n}"), || {
            grpo_degeneracy_heterogeneous(zs.as_ptr(), n, u32::MAX, &mut over)
        });
        h.time(
            "grpo_fit_result_stderr",
            "header inline accessor".into(),
            || {
                let p = grpo_fit_result_stderr(&fit);
                (p != fit.stderr.as_ptr()) as i32
            },
        );
        opts.model = GRPO_MODEL_AUTO;
        h.time("grpo_fit_options_default", String::new(), || {
            grpo_fit_options_default(&mut opts);
            0
        });
        // diagnose with the level-drop evidence: the longest series, extreme drop settings
        let mut drop = std::mem::zeroed::<grpo_drop_options>();
        h.time("grpo_drop_options_default", String::new(), || {
            grpo_drop_options_default(&mut drop)
        });
        let mut ev = grpo_diagnosis_evidence::default();
        let long_n = 100_000usize;
        let lt: Vec<f64> = (0..long_n).map(|i| i as f64).collect();
        let ly: Vec<f64> = lt
            .iter()
            .map(|&s| 0.8 - 0.6 * (-s / 9000.0).exp() + 0.01 * (s * 0.7).sin())
            .collect();
        let lz: Vec<f64> = lt.iter().map(|_| 0.3).collect();
        let ldi = grpo_diagnose_input {
            n: long_n,
            steps: lt.as_ptr(),
            reward: ly.as_ptr(),
            eval_reward: ly.as_ptr(),
            entropy: ly.as_ptr(),
            zero_std_frac: lz.as_ptr(),
            ..di
        };
        for (alpha, min_lost, frac, min_window) in [
            (
                drop.alpha,
                drop.min_lost,
                drop.window_fraction,
                drop.min_window,
            ),
            (1e-300, 0.0, 1e-300, 1),
            (0.5, 1e-300, 0.5, 1),
            (1e-12, 0.0, 1.0 / 3.0, u32::MAX),
        ] {
            let d = grpo_drop_options {
                alpha,
                min_lost,
                window_fraction: frac,
                min_window,
                reserved: 0,
            };
            for (inp, what) in [(&di, "n=4096"), (&ldi, "n=100000")] {
                h.time(
                    "grpo_diagnose_evidence",
                    format!("{what} alpha={alpha:e} min_lost={min_lost:e} frac={frac:e} min_window={min_window}"),
                    || grpo_diagnose_evidence(inp, &dopt, &d, &mut dout, &mut ev),
                );
            }
        }
        // calibration: long curves, the widest smoothing (cost O(n smooth)), the largest exact
        // spectra (kref 1024 constant lag), extreme learning rates and momentum
        let cal_curve = |n: usize| -> (Vec<f64>, Vec<f64>) {
            let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let r = t
                .iter()
                .map(|&s| 0.8 - 0.7 * (-s / (n as f64 / 8.0)).exp() + 0.01 * (s * 0.9).sin())
                .collect();
            (t, r)
        };
        let mut cal = grpo_calibration::default();
        let mut cals = Vec::new();
        for n in [64usize, 4096, 100_000] {
            let (ct, cr) = cal_curve(n);
            let lr_col: Vec<f64> = (0..n).map(|i| 1e-6 * (1.0 + (i % 7) as f64)).collect();
            for (lr, beta1, kref, lag, smooth, col) in [
                (1e-6, 0.9, 4u32, 1u32, 1u32, false),
                (1e-6, 0.9, 32, 0, 1, false),
                (1e-6, 0.9, 33, 0, 1, false),
                (1e-6, 0.9, 1024, 0, 1, false),
                (1e-6, 0.9, 1025, 0, 1, false),
                (1e-6, 0.999999, 1 << 24, 1, 1, false),
                (1e-6, 0.9, u32::MAX, 1, 1, false),
                (1e-300, 0.0, 8, 1, 1, false),
                (1e300, 0.9, 8, 1, 1, false),
                (1e-6, 0.9, 8, 1, n as u32, false),
                (1e-6, 0.9, 8, 1, u32::MAX, false),
                (0.0, 0.9, 8, 1, 9, true),
            ] {
                let st = grpo_calibrate_settings {
                    lr,
                    lr_column: if col {
                        lr_col.as_ptr()
                    } else {
                        std::ptr::null()
                    },
                    beta1,
                    kref,
                    lag,
                    smooth,
                };
                let status = std::cell::Cell::new(0);
                h.time(
                    "grpo_calibrate",
                    format!("n={n} lr={lr:e} beta1={beta1} kref={kref} lag={lag} smooth={smooth} column={col}"),
                    || {
                        let s = grpo_calibrate(ct.as_ptr(), cr.as_ptr(), n, &st, &mut cal);
                        status.set(s);
                        s
                    },
                );
                if status.get() == GRPO_OK && cal.k_determined == 1 {
                    cals.push(cal);
                }
            }
        }
        // what-ifs: the calibrations found above and hand-made extremes (tiny / huge K, eta,
        // momentum near 1, the largest exact constant lag, the longest periods)
        for k in [1e-300, 1e-17, 1.0, 1e6, 1e300] {
            for (eta, mu) in [(1e-6, 0.9), (1e-300, 0.0), (1e300, 0.999999)] {
                for (kref, lag) in [
                    (1u32, 0u32),
                    (32, 0),
                    (1024, 0),
                    (1025, 0),
                    (4096, 1),
                    (u32::MAX, 1),
                ] {
                    cals.push(calibration(k, eta, mu, kref, lag));
                }
            }
        }
        let mut e1 = grpo_estimate::default();
        let mut e2 = grpo_estimate::default();
        let mut reg = [0u32; 3];
        for c in &cals {
            let case = format!(
                "K={:e} eta={:e} mu={} kref={} lag={}",
                c.k.value, c.eta, c.mu, c.kref, c.lag
            );
            for kref in [1u32, 512, 513, 1024, 1 << 24, u32::MAX] {
                h.time("grpo_whatif_zeta", format!("{case} at kref={kref}"), || {
                    grpo_whatif_zeta(c, kref, &mut e1)
                });
                h.time(
                    "grpo_whatif_regime",
                    format!("{case} at kref={kref}"),
                    || grpo_whatif_regime(c, kref, reg.as_mut_ptr()),
                );
            }
            h.time("grpo_whatif_critical_kref", case.clone(), || {
                grpo_whatif_critical_kref(c, &mut e1, &mut e2)
            });
            h.time("grpo_whatif_largest_stable_lr", case.clone(), || {
                grpo_whatif_largest_stable_lr(c, &mut e1)
            });
            h.time("grpo_whatif_largest_monotone_lr", case.clone(), || {
                grpo_whatif_largest_monotone_lr(c, &mut e1)
            });
            for (lr, pct) in [(1e-300, 50u32), (1e300, 90), (1e-6, 7)] {
                h.time(
                    "grpo_whatif_steps",
                    format!("{case} lr={lr:e} percent={pct}"),
                    || grpo_whatif_steps(c, lr, pct, &mut e1),
                );
            }
        }
        // the predictor with settings: defaults and extreme ones
        let mut pcfg = grpo_predictor_config_default();
        h.time("grpo_predictor_config_default", String::new(), || {
            pcfg = grpo_predictor_config_default();
            0
        });
        let psize = grpo_predictor_size();
        let mut pmem = vec![0u128; psize / 16 + 1];
        let ppm = pmem.as_mut_ptr() as *mut core::ffi::c_void;
        for cfg in [
            pcfg,
            grpo_predictor_config {
                reward_min: -f64::MAX,
                reward_max: f64::MAX,
                min_gain: f64::MAX,
                min_gain_share: 1e300,
                confidence: 1.0 - 1e-16,
                min_points: f64::MAX,
                power_weight: 1.0,
                interval_k: 1e300,
                confirmations: u32::MAX,
            },
            grpo_predictor_config {
                reward_min: 0.0,
                reward_max: 1.0,
                confidence: 0.5 + 1e-16,
                interval_k: 1e-300,
                min_points: 0.0,
                power_weight: 0.0,
                ..pcfg
            },
            grpo_predictor_config {
                confidence: f64::NAN,
                ..pcfg
            },
        ] {
            h.time("grpo_predictor_init_config", format!("{cfg:?}"), || {
                grpo_predictor_init_config(ppm, psize, &cfg)
            });
        }
        // the predictor: init, 5000 pushes (window compaction), predict after each 50
        let size = grpo_predictor_size();
        let mut mem = vec![0u128; size / 16 + 1];
        let pm = mem.as_mut_ptr() as *mut core::ffi::c_void;
        h.time("grpo_predictor_init", String::new(), || {
            grpo_predictor_init(pm, size, 0.0, 1.0)
        });
        let mut pred = grpo_prediction::default();
        for i in 0..5000usize {
            let r =
                0.8 - 0.6 * (-(i as f64) / 300.0).exp() + 0.02 * ((i * 7919) % 13) as f64 / 13.0;
            h.time("grpo_predictor_push", format!("point {i}"), || {
                grpo_predictor_push(pm, i as f64, r)
            });
            if i % 50 == 49 {
                h.time(
                    "grpo_predictor_predict",
                    format!("after {} points", i + 1),
                    || grpo_predictor_predict(pm, 1e6, &mut pred),
                );
            }
        }
        h.time("grpo_predictor_size", String::new(), || {
            (grpo_predictor_size() == 0) as i32
        });
        h.time("grpo_predictor_align", String::new(), || {
            (grpo_predictor_align() == 0) as i32
        });
        h.time("grpo_version", String::new(), || {
            let _ = grpo_version();
            0
        });
        h.time("grpo_status_message", String::new(), || {
            let _ = grpo_status_message(0x1234);
            0
        });
    }
    println!(
        "\nload average at the start: {load0}, at the end: {}",
        loadavg()
    );
    println!("\nslowest call per export (budget {BUDGET_MS} ms):");
    let mut over = 0;
    for (export, (ms, case)) in &h.worst {
        let flag = if *ms > BUDGET_MS { "  OVER BUDGET" } else { "" };
        if *ms > BUDGET_MS {
            over += 1;
        }
        println!("{ms:10.3} ms  {export}  [{case}]{flag}");
    }
    let declared = header_functions();
    let missing: Vec<&String> = declared
        .iter()
        .filter(|f| !h.worst.contains_key(f.as_str()))
        .collect();
    let extra: Vec<&&str> = h
        .worst
        .keys()
        .filter(|k| !declared.iter().any(|d| d == *k))
        .collect();
    println!(
        "{} exports timed; the header declares {} functions; missing: {missing:?}; timed but not in the header: {extra:?}",
        h.worst.len(),
        declared.len()
    );
    if over > 0 || !missing.is_empty() || !extra.is_empty() {
        std::process::exit(1);
    }
}
