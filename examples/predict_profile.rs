//! Profiling helper for the predictor's refit (docs/prediction.md, "Cost of a refit"): the
//! criterion bench's case (`benches/predict.rs`: 599 points of a noisy saturating run in a
//! 256-point window, then one push + predict) repeated `K` times from the same state, so that
//! `valgrind --tool=callgrind target/release/examples/predict_profile K` for K = 0 and K = 10
//! gives the instructions of one push + predict (difference / 10), repeatable under load.
//! With K = 1 it prints the refit's work (`Predictor::last_refit_work`).
use grpo_dynamics::predict::Predictor;
use std::hint::black_box;

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
