//! Online predictor: one `push` followed by `predict` on a full 256-point window (the C ABI's
//! capacity), the per-step cost a scheduler pays (issue 13: under 200 us).
//!
//! `cargo bench --bench predict -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use grpo_dynamics::predict::Predictor;
use std::hint::black_box;

#[path = "../tests/common/bench_curve.rs"]
mod bench_curve;
use bench_curve::bench_curve as curve;

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
