//! A slow start is not a plateau: the sidecar's built-in run (sidecar/src/demo.rs: the exact
//! softmax-bandit reduction, preset A with a refresh lag of 4, G = 8, 16 prompts, seed 20261126),
//! asked as the sidecar asks (every 30 points, horizon = twice the observed span) is not told to
//! stop while it is still on its flat start and rise (the success probability climbs from 0.10 to
//! 0.24 over the first 180 steps and ends near 0.27 at step 600). Before the rule "no plateau stop
//! while the oscillator family's 80 % plateau interval covers the reward range" it answered
//! StopPlateau at step 60 with a plateau interval of [0, 1].

use grpo_dynamics::bandit::Bandit;
use grpo_dynamics::numerics::{binomial, Xoshiro256pp};
use grpo_dynamics::predict::{AdviceKind, Predictor};

#[test]
fn the_sidecar_demo_run_is_not_stopped_on_its_slow_start() {
    const STEPS: usize = 600;
    const N: u32 = 8 * 16;
    let bandit = Bandit::<f64>::preset_a(4);
    let mut rng = Xoshiro256pp::new(20261126);
    let mut p = vec![0.0f64; STEPS + 1];
    bandit
        .simulate_stochastic(8, false, &mut rng, &mut p)
        .unwrap();
    // the run keeps climbing after step 180: its success probability rises further
    assert!(p[180] < p[STEPS] - 0.02, "{} vs {}", p[180], p[STEPS]);
    let mut pred = Predictor::<f64, 256>::new(0.0, 1.0).unwrap();
    for (k, &pk) in p.iter().enumerate().skip(1).take(180) {
        let r = binomial(&mut rng, N, pk) as f64 / N as f64;
        pred.push(k as f64, r).unwrap();
        if k % 30 == 0 {
            let a = pred.predict(2.0 * k as f64 - 1.0).unwrap();
            assert_eq!(a.advice.kind, AdviceKind::Continue, "step {k}: {a:?}");
        }
    }
}
