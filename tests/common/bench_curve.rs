//! The predictor benchmark's curve, shared by `benches/predict.rs`, `examples/predict_profile.rs`
//! and `tests/predict_work.rs` (included there with `#[path]`), so the three measure one input.

/// A noisy rising-saturating run of `n` points, `0.3 + 0.5 (1 - exp(-t / 150)) + 0.05 u` with
/// `u` uniform in [-0.5, 0.5) from a fixed LCG (deterministic).
pub fn bench_curve(n: usize) -> Vec<(f64, f64)> {
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
