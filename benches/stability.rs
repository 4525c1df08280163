//! Stability predicates (ns per call) and bandit simulation (ns per step).
//!
//! `cargo bench --bench stability -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use grpo_dynamics::bandit::{Bandit, Lag};
use grpo_dynamics::noise::{group_noise, transient_variance};
use grpo_dynamics::numerics::Xoshiro256pp;
use grpo_dynamics::stability::{classify, largest_stable_eta, Hyper};
use std::hint::black_box;

const K_A: f64 = 0.01885910853;

fn predicates(c: &mut Criterion) {
    let h = Hyper::new(0.3, 0.8, K_A).unwrap();
    let mut g = c.benchmark_group("predicates");
    g.bench_function("prop9_threshold", |b| {
        b.iter(|| black_box(black_box(h).prop9_threshold()))
    });
    g.bench_function("zeta_one_onset", |b| {
        b.iter(|| black_box(black_box(h).zeta_one_onset()))
    });
    g.bench_function("zeta", |b| {
        b.iter(|| black_box(black_box(h).zeta(black_box(12.0))))
    });
    g.bench_function("critical_lag", |b| {
        b.iter(|| black_box(black_box(h).critical_lag()))
    });
    g.bench_function("largest_stable_eta", |b| {
        b.iter(|| black_box(largest_stable_eta(black_box(52), Lag::Constant, 0.8, K_A)))
    });
    g.bench_function("largest_monotone_kref", |b| {
        b.iter(|| black_box(black_box(h).largest_monotone_kref(Lag::Constant)))
    });
    for d in [8u32, 52, 200] {
        g.bench_with_input(
            BenchmarkId::new("linear_regime_constant", d),
            &d,
            |b, &d| b.iter(|| black_box(h.linear_regime(black_box(d), Lag::Constant))),
        );
    }
    g.bench_function("linear_regime_periodic_80", |b| {
        b.iter(|| black_box(h.linear_regime(black_box(80), Lag::Periodic)))
    });
    let a = Bandit::<f64>::preset_a(0);
    g.bench_function("fixed_point_scan_brent", |b| {
        b.iter(|| black_box(black_box(a).fixed_point()))
    });
    g.bench_function("group_noise_g16", |b| {
        b.iter(|| black_box(group_noise(black_box(&a), 16, false)))
    });
    g.finish();
}

fn simulation(c: &mut Criterion) {
    let steps = 20_000usize;
    let mut g = c.benchmark_group("simulation");
    g.throughput(Throughput::Elements(steps as u64));
    let mut p = vec![0.0f64; steps + 1];
    for kref in [0u32, 52] {
        let b = Bandit::<f64>::preset_a(kref);
        g.bench_with_input(BenchmarkId::new("deterministic", kref), &b, |bch, b| {
            bch.iter(|| black_box(b.simulate(&mut p)))
        });
    }
    let b = Bandit::<f64>::preset_b(0);
    for gsize in [4u32, 64] {
        g.bench_with_input(
            BenchmarkId::new("stochastic_g", gsize),
            &gsize,
            |bch, &gs| {
                let mut rng = Xoshiro256pp::new(1);
                bch.iter(|| black_box(b.simulate_stochastic(gs, false, &mut rng, &mut p)))
            },
        );
    }
    let mut var = vec![0.0f64; steps + 1];
    let b8 = Bandit::<f64>::preset_b(8);
    g.bench_function("transient_variance_kref8_g16", |bch| {
        bch.iter(|| black_box(transient_variance(&b8, 16, true, &mut p, &mut var)))
    });
    let a = Bandit::<f64>::preset_a(24);
    a.simulate(&mut p).unwrap();
    let ps = a.fixed_point().unwrap().p;
    g.bench_function("classify", |bch| {
        bch.iter(|| black_box(classify(black_box(&p), ps, 0.01)))
    });
    g.finish();
}

criterion_group!(benches, predicates, simulation);
criterion_main!(benches);
