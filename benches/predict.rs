//! Online predictor: one `push` followed by `predict` on a full 256-point window (the C ABI's
//! capacity), the per-step cost a scheduler pays (issue 13: under 200 us).
//!
//! `cargo bench --bench predict -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use grpo_dynamics::predict::Predictor;
use std::hint::black_box;

/// A noisy rising-saturating run (deterministic noise from a fixed LCG).
fn curve(n: usize) -> Vec<(f64, f64)> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|i| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let t = i as f64;
            (t, 0.3 + 0.5 * (1.0 - (-t / 150.0).exp()) + 0.05 * u)
        })
        .collect()
}

fn push_predict(c: &mut Criterion) {
    let pts = curve(600);
    // 599 points: the window is compacted and full; the next push and predict are measured
    let mut base = Predictor::<f64, 256>::new(0.0, 1.0).unwrap();
    for &(t, y) in &pts[..599] {
        base.push(t, y).unwrap();
    }
    base.predict(1000.0).unwrap();
    let (t, y) = pts[599];
    c.bench_function("push_then_predict_256", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |p| {
                p.push(black_box(t), black_box(y)).unwrap();
                black_box(p.predict(black_box(1000.0)).unwrap())
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, push_predict);
criterion_main!(benches);
