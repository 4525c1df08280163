//! The built-in input: a simulated GRPO run on the exact softmax-bandit reduction (docs/model.md C.2),
//! preset A of docs/model.md C.10 with a refresh lag of 4 steps, group size 8, 16 prompts per step, 600
//! steps. The logged reward of a step is the mean of its 128 sampled binary rewards.

use crate::formats::Entry;
use crate::value::Scalar;
use grpo_dynamics::bandit::Bandit;
use grpo_dynamics::numerics::{binomial, Xoshiro256pp};

pub fn entries() -> Result<Vec<Entry>, String> {
    const STEPS: usize = 600;
    const GROUP: u32 = 8;
    const PROMPTS: u32 = 16;
    let bandit = Bandit::<f64>::preset_a(4);
    let mut rng = Xoshiro256pp::new(20261126);
    let mut p = vec![0.0f64; STEPS + 1];
    // the policy's success probability under finite-G GRPO updates
    bandit
        .simulate_stochastic(GROUP, false, &mut rng, &mut p)
        .map_err(|e| format!("demo simulation: {e}"))?;
    Ok(p.iter()
        .enumerate()
        .skip(1)
        .map(|(k, &pk)| {
            let r = binomial(&mut rng, GROUP * PROMPTS, pk) as f64 / (GROUP * PROMPTS) as f64;
            Entry {
                line: k as u64,
                fields: vec![
                    ("step".into(), Scalar::Num(k as f64)),
                    ("reward".into(), Scalar::Num(r)),
                ],
                bar_step: None,
                implicit_step: false,
            }
        })
        .collect())
}
