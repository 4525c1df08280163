//! A Rust training loop that links grpo-dynamics as a library and stops early when the predictor
//! says the plateau is reached.
//!
//! ```text
//! cargo run --release --example trainer [-- SEED]
//! ```
//!
//! The "model" is the exact softmax-bandit reduction of GRPO (docs/model.md C.2): finite group size
//! G = 8, 32 prompts per step, stale refresh (constant lag 4), preset A of docs/model.md C.10 (std normalisation, hard prompt). The policy
//! moves by the finite-G GRPO update (`Bandit::simulate_stochastic`, binomial group draws); at
//! every step the trainer observes the mean reward of its 256 sampled completions, streams it into
//! the online predictor, and every 10 steps asks for advice about the rest of its step budget.
//! It stops on the first "stop" answer (the predictor's own rule: the upper 80 % bound of the gain
//! to the end of the budget below 7.5 % of the observed spread, after at least 20 points and once
//! the data place the plateau inside [0, 1]; no hand-written patience) and reports how many steps
//! that saved and how much reward it gave up against training to the end of the budget.
//!
//! On this simulated run (a long flat start, then a slow rise to a noisy plateau near 0.27 from
//! step ~400) the default rule answers "continue" until the end of the budget (0 % saved, nothing
//! given up): the forecast's power-law component keeps rising slowly on the plateau (expected gain
//! by step 2000 of +0.00 to +0.07 while the truth is flat), and the stop needs the upper 80 %
//! bound of that gain below 7.5 % of the spread. A larger `Config::min_gain` stops earlier; see
//! docs/prediction-method.md 5 (known weaknesses).

use grpo_dynamics::bandit::Bandit;
use grpo_dynamics::numerics::{binomial, Xoshiro256pp};
use grpo_dynamics::predict::{AdviceKind, Config, Predictor};
use grpo_dynamics::stability::Hyper;

const BUDGET: usize = 2000;
const GROUP: u32 = 8;
const PROMPTS: u32 = 32;
const ASK_EVERY: usize = 10;

fn main() -> Result<(), grpo_dynamics::Error> {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(7u64);
    let bandit = Bandit::<f64>::preset_a(4);

    // before training: is this refresh interval safe for these optimizer settings?
    let k = bandit.stiffness()?;
    let hyper = Hyper::new(bandit.eta, bandit.mu, k)?;
    println!(
        "settings: eta {} mu {} lag {}  K {:.6}  Prop-9 threshold {:.2}  exact critical lag {:.2}  largest monotone lag {:?}",
        bandit.eta,
        bandit.mu,
        bandit.kref,
        k,
        hyper.prop9_threshold()?,
        hyper.critical_lag()?,
        hyper.largest_monotone_kref(grpo_dynamics::bandit::Lag::Constant)?,
    );

    // the policy's success probability over the whole budget, under finite-G GRPO updates
    let mut rng = Xoshiro256pp::new(seed);
    let mut p = vec![0.0f64; BUDGET + 1];
    bandit.simulate_stochastic(GROUP, false, &mut rng, &mut p)?;

    let mut predictor = Box::new(Predictor::<f64, 512>::with_config(Config::new(0.0, 1.0))?);
    let mut stop = None;
    for (step, &p_step) in p.iter().enumerate().skip(1) {
        // one training step: sample G completions for each prompt, log the mean reward
        let n = PROMPTS * GROUP;
        let reward = binomial(&mut rng, n, p_step) as f64 / n as f64;
        predictor.push(step as f64, reward)?;
        if step % ASK_EVERY != 0 {
            continue;
        }
        let pred = predictor.predict(BUDGET as f64)?;
        let a = pred.advice;
        if step % 100 == 0 {
            println!(
                "step {step:5}  reward {reward:.3}  plateau {:.4} [{:.4}, {:.4}]  expected gain by {BUDGET}: {:+.4}  {:?}",
                pred.plateau.value, pred.plateau.lo80, pred.plateau.hi80, a.expected_gain, a.kind
            );
        }
        if matches!(a.kind, AdviceKind::StopPlateau | AdviceKind::StopDiverging) {
            println!(
                "step {step:5}  advice {:?}: plateau {:.4} [{:.4}, {:.4}], expected gain by step {BUDGET}: {:+.4}",
                a.kind, pred.plateau.value, pred.plateau.lo80, pred.plateau.hi80, a.expected_gain
            );
            stop = Some(step);
            break;
        }
    }
    let stop_step = stop.unwrap_or(BUDGET);
    let saved = BUDGET - stop_step;
    let given_up = p[BUDGET] - p[stop_step];
    println!(
        "stopped at step {stop_step} of {BUDGET}: saved {saved} steps ({:.0} %), success probability {:.4} at the stop vs {:.4} at the end of the budget (reward given up {:+.4})",
        100.0 * saved as f64 / BUDGET as f64,
        p[stop_step],
        p[BUDGET],
        given_up
    );
    Ok(())
}
