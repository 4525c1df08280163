//! Time per point of the trajectory: pointwise and uniform-grid evaluation, f32 and f64, beside a
//! naive baseline (one libm exp + one cos per point) and the "exp + sincos" reference of the
//! issue's speed target, all in one criterion group with `Throughput::Elements`.
//!
//! Run: `cargo bench --bench trajectory -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use grpo_dynamics::trajectory::Oscillator;
use std::hint::black_box;

const N: usize = 4096;
const DT: f64 = 100.0 / N as f64;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("trajectory");
    g.throughput(Throughput::Elements(N as u64));

    // an underdamped case (trig branch for most points) and its f32 twin
    let o64 = Oscillator::new(0.7, 0.1, 0.01, 0.15, 0.3).unwrap();
    let o32 = Oscillator::new(0.7f32, 0.1, 0.01, 0.15, 0.3).unwrap();
    let od64 = Oscillator::new(0.7, 0.1, 0.0, 0.15, 3.0).unwrap();
    let t64: Vec<f64> = (0..N).map(|i| i as f64 * DT).collect();
    let t32: Vec<f32> = t64.iter().map(|&t| t as f32).collect();
    let mut out64 = vec![0.0f64; N];
    let mut out32 = vec![0.0f32; N];

    // baselines: the naive closed form with one exp and one cos per point, and exp + sincos
    let (a, q, y0) = (0.3 * 0.15, 0.15 * (1.0f64 - 0.09).sqrt(), 0.1 - 0.7);
    g.bench_function("naive exp+cos f64", |b| {
        b.iter(|| {
            for (o, &t) in out64.iter_mut().zip(black_box(&t64)) {
                *o = 0.7 + y0 * libm::exp(-a * t) * libm::cos(q * t);
            }
            black_box(&out64);
        })
    });
    g.bench_function("naive exp+cos f32", |b| {
        let (a, q, y0) = (a as f32, q as f32, y0 as f32);
        b.iter(|| {
            for (o, &t) in out32.iter_mut().zip(black_box(&t32)) {
                *o = 0.7 + y0 * libm::expf(-a * t) * libm::cosf(q * t);
            }
            black_box(&out32);
        })
    });
    g.bench_function("exp+sincos f64", |b| {
        b.iter(|| {
            for (o, &t) in out64.iter_mut().zip(black_box(&t64)) {
                let (s, c) = libm::sincos(q * t);
                *o = libm::exp(-a * t) * (c + s);
            }
            black_box(&out64);
        })
    });

    g.bench_function("pointwise f64", |b| {
        b.iter(|| {
            black_box(&o64)
                .eval_slice(black_box(&t64), &mut out64)
                .unwrap()
        })
    });
    g.bench_function("pointwise f32", |b| {
        b.iter(|| {
            black_box(&o32)
                .eval_slice(black_box(&t32), &mut out32)
                .unwrap()
        })
    });
    g.bench_function("pointwise f64 overdamped", |b| {
        b.iter(|| {
            black_box(&od64)
                .eval_slice(black_box(&t64), &mut out64)
                .unwrap()
        })
    });
    g.bench_function("grid f64", |b| {
        b.iter(|| {
            black_box(&o64)
                .eval_grid(0.0, black_box(DT), &mut out64)
                .unwrap()
        })
    });
    g.bench_function("grid f32", |b| {
        b.iter(|| {
            black_box(&o32)
                .eval_grid(0.0, black_box(DT as f32), &mut out32)
                .unwrap()
        })
    });
    g.bench_function("grid f64 overdamped", |b| {
        b.iter(|| {
            black_box(&od64)
                .eval_grid(0.0, black_box(DT), &mut out64)
                .unwrap()
        })
    });

    // with the 5-gradient (the fitter's inner loop)
    let mut grad = vec![[0.0f64; 5]; N];
    g.bench_function("pointwise+gradient f64", |b| {
        b.iter(|| {
            black_box(&o64)
                .eval_slice_gradient(black_box(&t64), &mut out64, &mut grad)
                .unwrap();
            black_box(&grad);
        })
    });
    g.bench_function("grid+gradient f64", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for (v, d) in black_box(&o64).grid(0.0, black_box(DT)).unwrap().take(N) {
                acc += v + d[3] + d[4];
            }
            black_box(acc)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
