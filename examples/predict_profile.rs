//! Profiling helper for the predictor's refit (docs/prediction.md, "Cost of a refit"): the
//! criterion bench's case (`benches/predict.rs`: 599 points of a noisy saturating run in a
//! 256-point window, then one push + predict) repeated `K` times from the same state, so that
//! `valgrind --tool=callgrind target/release/examples/predict_profile K` for K = 0 and K = 10
//! gives the instructions of one push + predict (difference / 10), repeatable under load.
//! With K = 1 it prints the refit's work (`Predictor::last_refit_work`).
use grpo_dynamics::predict::Predictor;
use std::hint::black_box;

#[path = "../tests/common/bench_curve.rs"]
mod bench_curve;
use bench_curve::bench_curve as curve;

fn main() {
    let k: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let pts = curve(600);
    let mut base = Predictor::<f64, 256>::new(0.0, 1.0).unwrap();
    for &(t, y) in &pts[..599] {
        base.push(t, y).unwrap();
    }
    base.predict(1000.0).unwrap();
    let (t, y) = pts[599];
    for _ in 0..k {
        let mut p = base.clone();
        p.push(black_box(t), black_box(y)).unwrap();
        black_box(p.predict(black_box(1000.0)).unwrap());
        if k == 1 {
            println!("{:?}", p.last_refit_work());
        }
    }
}
