//! Group-size predictions (docs/model.md D.1, D.2, E2): deterministic predictions against the spec's D.2
//! table, and Monte-Carlo checks with the library's own stochastic simulation (deterministic seeds).

use grpo_dynamics::bandit::Bandit;
use grpo_dynamics::noise::{
    band, band_into, degeneracy, degeneracy_heterogeneous, group_noise, impulse_energy,
    rescale_band, stationary_var_x,
};
use grpo_dynamics::numerics::{Rng, Xoshiro256pp};
use grpo_dynamics::stability::Hyper;
use grpo_dynamics::{ErrorKind, Param};

fn rel(got: f64, want: f64) -> f64 {
    (got / want - 1.0).abs()
}

/// Spec D.2 table (and RESULTS.txt): preset, Kref, G, Bessel, predicted p*_G, predicted Var(p),
/// predicted degeneracy.
const TABLE: [(char, u32, u32, bool, f64, f64, f64); 12] = [
    ('B', 0, 4, false, 0.67918, 1.717e-4, 0.2234),
    ('B', 0, 16, false, 0.71859, 4.602e-5, 0.0051),
    ('B', 0, 64, false, 0.72798, 1.195e-5, 0.0),
    ('B', 0, 4, true, 0.73106, 3.129e-4, 0.2909),
    ('B', 0, 16, true, 0.73106, 5.442e-5, 0.0067),
    ('B', 8, 4, false, 0.67918, 2.480e-4, 0.2234),
    ('B', 8, 16, false, 0.71859, 6.451e-5, 0.0051),
    ('A', 0, 4, false, 0.20684, 3.628e-4, 0.3976),
    ('A', 0, 16, false, 0.29091, 2.874e-5, 0.0041),
    ('A', 0, 64, false, 0.30130, 4.645e-6, 0.0),
    ('A', 8, 16, false, 0.29091, 3.620e-5, 0.0041),
    ('A', 8, 64, false, 0.30130, 5.917e-6, 0.0),
];

fn preset(name: char, kref: u32) -> Bandit {
    if name == 'A' {
        Bandit::preset_a(kref)
    } else {
        Bandit::preset_b(kref)
    }
}

#[test]
fn predictions_match_spec_table() {
    for (name, kref, g, bessel, pg, var, deg) in TABLE {
        let n = group_noise(&preset(name, kref), g, bessel).unwrap();
        assert!(
            (n.group.fixed_point.p - pg).abs() < 6e-6,
            "{name} {kref} {g}: p*_G {}",
            n.group.fixed_point.p
        );
        assert!(
            rel(n.var_p, var) < 1.5e-3,
            "{name} {kref} {g} {bessel}: var {} vs {var}",
            n.var_p
        );
        assert!(
            (n.degeneracy - deg).abs() < 6e-5,
            "{name} {g}: degeneracy {}",
            n.degeneracy
        );
    }
}

#[test]
fn finite_g_closed_forms() {
    // mean centring: E[a_hat] = (1 - 1/G) v  =>  x*_G = x_ref + (1 - 1/G)/beta; Bessel => x_ref + 1/beta
    let b = Bandit::<f64>::preset_b(0);
    for g in [2u32, 4, 16, 64, 1000] {
        let fg = b.finite_group(g, false).unwrap();
        let want = 1.0 - 1.0 / g as f64;
        assert!((fg.fixed_point.x - want).abs() < 1e-12, "G = {g}");
        let fb = b.finite_group(g, true).unwrap();
        assert!((fb.fixed_point.x - 1.0).abs() < 1e-12);
        // mean-field drift is exactly G-invariant with Bessel: F_G == F
        for x in [-2.0, 0.3, 1.7] {
            let d = b.drift_finite_g(x, g, true).unwrap() - b.drift(x).unwrap();
            assert!(d.abs() < 1e-15, "{d}");
        }
        // K_G = -F_G'(x*_G) against a central difference of F_G
        let h = 1e-5;
        let x = fg.fixed_point.x;
        let fd = -(b.drift_finite_g(x + h, g, false).unwrap()
            - b.drift_finite_g(x - h, g, false).unwrap())
            / (2.0 * h);
        assert!(
            rel(fg.stiffness, fd) < 1e-8,
            "K_G {} vs FD {fd}",
            fg.stiffness
        );
    }
    // std normalisation: K_G -> K and p*_G -> p* as G grows
    let a = Bandit::<f64>::preset_a(0);
    let fg = a.finite_group(100_000, false).unwrap();
    assert!((fg.fixed_point.p - a.fixed_point().unwrap().p).abs() < 1e-4);
    assert!(rel(fg.stiffness, a.stiffness().unwrap()) < 1e-2);
}

#[test]
fn ar2_closed_form_equals_impulse_sum() {
    // Kref = 0: the AR(2) closed form and the impulse-response sum agree (spec check_group_size)
    let b = Bandit::<f64>::preset_b(0);
    let h = b.hyper().unwrap();
    let closed = stationary_var_x(&h, 0, 1.0).unwrap();
    let sum = h.eta * h.eta * impulse_energy(&h, 0).unwrap();
    assert!(rel(closed, sum) < 1e-12, "{closed} vs {sum}");
    assert!(rel(closed, 30.579595883036134) < 1e-12);
    // stationary variance grows with the lag and is refused beyond d_c
    let v8 = stationary_var_x(&h, 8, 1.0).unwrap();
    assert!(v8 > closed);
    let e = stationary_var_x(&h, 39, 1.0).unwrap_err();
    assert_eq!((e.kind(), e.param()), (ErrorKind::Diverged, Param::Kref));
}

/// Stationary statistics of the stochastic map over `seeds` runs of 1600 steps, window 800..1600.
struct Stats {
    mean: f64,
    var: f64,
    degenerate: f64,
}

fn simulate_stats(b: &Bandit, g: u32, bessel: bool, seeds: u64, shift: f64) -> Stats {
    let h = 1600;
    let w0 = 800;
    let mut p = vec![0.0; h + 1];
    let (mut n, mut s1, mut s2) = (0.0, 0.0, 0.0);
    let (mut groups, mut degenerate) = (0u64, 0u64);
    let mut draw = Xoshiro256pp::new(0xD2D2);
    for seed in 0..seeds {
        let mut rng = Xoshiro256pp::new(1000 + seed);
        b.simulate_stochastic(g, bessel, &mut rng, &mut p).unwrap();
        for (k, &pk) in p.iter().enumerate().skip(w0) {
            let d = pk - shift;
            n += 1.0;
            s1 += d;
            s2 += d * d;
            if k % 8 == 0 {
                let m = grpo_dynamics::numerics::binomial(&mut draw, g, pk);
                groups += 1;
                degenerate += (m == 0 || m == g) as u64;
            }
        }
    }
    let m = s1 / n;
    Stats {
        mean: shift + m,
        var: s2 / n - m * m,
        degenerate: degenerate as f64 / groups as f64,
    }
}

/// Monte Carlo against the predictions: variance within 5 %, stationary mean within 1e-3 of
/// p*_G, degeneracy within 0.01; G Var constant within 10 % for Preset B (mean centring).
/// About 2 s in release; ignored in debug builds.
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: run with cargo test --release")]
fn monte_carlo_variance_mean_degeneracy() {
    let seeds = 1500;
    let mut gvar_sim = Vec::new();
    let mut gvar_pred = Vec::new();
    for (name, kref, g, bessel, ..) in TABLE {
        let b = preset(name, kref);
        let pred = group_noise(&b, g, bessel).unwrap();
        let ps = pred.group.fixed_point.p;
        let st = simulate_stats(&b, g, bessel, seeds, ps);
        eprintln!(
            "{name} Kref={kref} G={g} bessel={bessel}: var sim/pred - 1 = {:+.4}, mean - p*_G = {:+.2e}, deg sim - pred = {:+.4}",
            st.var / pred.var_p - 1.0,
            st.mean - ps,
            st.degenerate - pred.degeneracy
        );
        assert!(
            rel(st.var, pred.var_p) < 0.05,
            "{name} {kref} {g} {bessel}: var sim {} pred {}",
            st.var,
            pred.var_p
        );
        assert!(
            (st.mean - ps).abs() < 1e-3,
            "{name} {kref} {g}: mean sim {} pred {ps}",
            st.mean
        );
        assert!(
            (st.degenerate - pred.degeneracy).abs() < 0.01,
            "{name} {g}: deg sim {} pred {}",
            st.degenerate,
            pred.degeneracy
        );
        if name == 'B' && kref == 0 && !bessel {
            gvar_sim.push(g as f64 * st.var);
            gvar_pred.push(g as f64 * pred.var_p);
        }
    }
    for v in [gvar_sim, gvar_pred] {
        assert_eq!(v.len(), 3);
        let m = v.iter().sum::<f64>() / 3.0;
        for x in &v {
            assert!(rel(*x, m) < 0.10, "G Var {v:?}");
        }
    }
}

/// Degeneracy formula, homogeneous and heterogeneous prompts, against direct Monte Carlo.
#[test]
fn degeneracy_monte_carlo() {
    let mut rng = Xoshiro256pp::new(7);
    for (p, g) in [(0.3f64, 4u32), (0.9, 8), (0.5, 2), (0.05, 16)] {
        let trials = 100_000;
        let deg = (0..trials)
            .filter(|_| {
                let n = grpo_dynamics::numerics::binomial(&mut rng, g, p);
                n == 0 || n == g
            })
            .count() as f64
            / trials as f64;
        assert!(
            (deg - degeneracy(p, g).unwrap()).abs() < 0.01,
            "p={p} G={g}: {deg}"
        );
    }
    // bimodal prompt difficulty: half the prompts easy (0.95), half hard (0.05); Bernoulli
    // rewards drawn one by one (independent of the library's binomial sampler)
    let ps: Vec<f64> = (0..200)
        .map(|i| if i % 2 == 0 { 0.95 } else { 0.05 })
        .collect();
    for g in [4u32, 8, 16] {
        let mut deg = 0u64;
        let trials = 40_000;
        for t in 0..trials {
            let p = ps[t % ps.len()];
            let n = (0..g).filter(|_| rng.next_f64() < p).count() as u32;
            deg += (n == 0 || n == g) as u64;
        }
        let sim = deg as f64 / trials as f64;
        let het = degeneracy_heterogeneous(&ps, g).unwrap();
        assert!((sim - het).abs() < 0.01, "G={g}: {sim} vs {het}");
        let hom = degeneracy(0.5, g).unwrap();
        assert!(het >= hom, "Jensen");
    }
}

#[test]
fn band_helpers() {
    let (lo, hi) = band(0.7f64, 4e-4, 2.0).unwrap();
    assert!((lo - 0.66).abs() < 1e-15 && (hi - 0.74).abs() < 1e-15);
    let p = [0.1f64, 0.2, 0.3];
    let (mut lo, mut hi) = ([0.0; 3], [0.0; 3]);
    band_into(&p, 1e-4, 1.0, &mut lo, &mut hi).unwrap();
    assert!((hi[2] - 0.31).abs() < 1e-15 && (lo[0] - 0.09).abs() < 1e-15);
    let mut short = [0.0; 2];
    let e = band_into(&p, 1e-4, 1.0, &mut short, &mut hi).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LengthMismatch);
    assert!((rescale_band(0.04f64, 4, 16).unwrap() - 0.02).abs() < 1e-15);
    assert_eq!(
        band(0.5, -1.0, 1.0).unwrap_err().kind(),
        ErrorKind::OutOfRange
    );
    assert_eq!(band(0.5, 1.0, f64::NAN).unwrap_err().param(), Param::Z);
    assert_eq!(rescale_band(0.1, 1, 4).unwrap_err().param(), Param::G);
}

#[test]
fn noise_bad_input() {
    let b = Bandit::<f64>::preset_a(0);
    assert_eq!(group_noise(&b, 1, false).unwrap_err().param(), Param::G);
    assert_eq!(degeneracy(0.5, 1).unwrap_err().param(), Param::G);
    assert_eq!(
        degeneracy(1.5, 4).unwrap_err().kind(),
        ErrorKind::OutOfRange
    );
    assert_eq!(
        degeneracy(f64::NAN, 4).unwrap_err().kind(),
        ErrorKind::NonFinite
    );
    assert_eq!(
        degeneracy_heterogeneous::<f64>(&[], 4).unwrap_err().kind(),
        ErrorKind::Empty
    );
    let per = Bandit {
        lag: grpo_dynamics::bandit::Lag::Periodic,
        kref: 4,
        ..b
    };
    assert_eq!(group_noise(&per, 4, false).unwrap_err().param(), Param::Lag);
    let h = Hyper::new(0.3, 0.8, 0.02).unwrap();
    assert_eq!(
        stationary_var_x(&h, 0, -1.0).unwrap_err().kind(),
        ErrorKind::OutOfRange
    );
}

/// The transient covariance propagation converges to the stationary prediction (an independent
/// computation: AR(2) closed form / impulse-response sum). Mean centring with the Bessel factor
/// makes the finite-G drift equal to the mean-field one (K_G = K, p*_G = p*), so they must agree.
#[test]
fn transient_variance_converges_to_stationary() {
    for kref in [0u32, 8, 20] {
        let b = Bandit::<f64>::preset_b(kref);
        let mut p = vec![0.0; 4001];
        let mut var = vec![0.0; 4001];
        grpo_dynamics::noise::transient_variance(&b, 16, true, &mut p, &mut var).unwrap();
        let st = group_noise(&b, 16, true).unwrap();
        assert!(
            rel(var[4000], st.var_p) < 1e-9,
            "Kref {kref}: {} vs {}",
            var[4000],
            st.var_p
        );
        assert_eq!(var[0], 0.0);
        let mut det = vec![0.0; 4001];
        b.simulate(&mut det).unwrap();
        assert_eq!(p, det);
    }
}

/// Transient variance against Monte Carlo along the path (Preset B, Kref = 8, G = 16, Bessel):
/// within 10 % at every checked step. Release builds only.
#[test]
#[cfg_attr(debug_assertions, ignore = "heavy: run with cargo test --release")]
fn transient_variance_monte_carlo() {
    let b = Bandit::<f64>::preset_b(8);
    let steps = 400;
    let mut p = vec![0.0; steps + 1];
    let mut var = vec![0.0; steps + 1];
    grpo_dynamics::noise::transient_variance(&b, 16, true, &mut p, &mut var).unwrap();
    let checks = [10usize, 25, 50, 100, 200, 400];
    let seeds = 3000;
    let mut s1 = [0.0f64; 6];
    let mut s2 = [0.0f64; 6];
    let mut q = vec![0.0; steps + 1];
    for seed in 0..seeds {
        b.simulate_stochastic(16, true, &mut Xoshiro256pp::new(77 + seed), &mut q)
            .unwrap();
        for (i, &k) in checks.iter().enumerate() {
            let d = q[k] - p[k];
            s1[i] += d;
            s2[i] += d * d;
        }
    }
    for (i, &k) in checks.iter().enumerate() {
        let m = s1[i] / seeds as f64;
        let v = s2[i] / seeds as f64 - m * m;
        eprintln!("k = {k}: var sim {v:.4e} pred {:.4e}", var[k]);
        assert!(rel(v, var[k]) < 0.10, "k = {k}: sim {v} vs pred {}", var[k]);
    }
}

#[test]
fn transient_variance_errors() {
    let b = Bandit::<f64>::preset_b(0);
    let (mut p, mut v) = (vec![0.0; 10], vec![0.0; 9]);
    let e = grpo_dynamics::noise::transient_variance(&b, 16, false, &mut p, &mut v).unwrap_err();
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::LengthMismatch, Param::Output)
    );
    let mut v = vec![0.0; 10];
    let e = grpo_dynamics::noise::transient_variance(&b, 1, false, &mut p, &mut v).unwrap_err();
    assert_eq!(e.param(), Param::G);
    let far = Bandit::<f64>::preset_b(32);
    let e = grpo_dynamics::noise::transient_variance(&far, 16, false, &mut p, &mut v).unwrap_err();
    assert_eq!(
        (e.kind(), e.param()),
        (ErrorKind::CapacityExceeded, Param::Kref)
    );
}
