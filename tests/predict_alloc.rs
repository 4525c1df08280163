//! The predictor and `diagnose` never allocate: a counting global allocator sees zero
//! allocations while they run (the test's own vectors are built before counting starts).

use grpo_dynamics::diagnostics::{DiagnoseInput, DiagnoseOptions};
use grpo_dynamics::predict::fit_and_diagnose;
use grpo_dynamics::predict::{Config, Predictor};
#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{count_allocations, Counting};

#[global_allocator]
static A: Counting = Counting;

#[test]
fn predictor_and_diagnose_allocate_nothing() {
    let reward: Vec<f64> = (0..400)
        .map(|t| {
            0.8 - 0.6 * (-(t as f64) / 80.0).exp() + 0.01 * ((t * 7919 % 13) as f64 - 6.0) / 6.0
        })
        .collect();
    let eval: Vec<f64> = reward.iter().map(|r| 0.9 * r).collect();
    let entropy: Vec<f64> = (0..400).map(|t| 1.0 + (-(t as f64) / 90.0).exp()).collect();
    let zero_std: Vec<f64> = vec![0.1; 400];
    let input = DiagnoseInput {
        eval_reward: Some(&eval),
        entropy: Some(&entropy),
        zero_std_frac: Some(&zero_std),
        group_size: Some(8),
        ..DiagnoseInput::new(&reward)
    };
    let opts = DiagnoseOptions::default();

    let ((ok, d), allocs) = count_allocations(|| {
        let mut p = Predictor::<f64, 64>::with_config(Config::new(0.0, 1.0)).unwrap();
        let mut ok = 0;
        for (t, &r) in reward.iter().enumerate() {
            p.push(t as f64, r).unwrap();
            let _ = p.push(t as f64, f64::NAN);
            if t % 50 == 49 {
                ok += p.predict(t as f64 + 100.0).is_ok() as usize;
                ok += p.step_to_fraction(0.5).is_ok() as usize;
            }
        }
        (ok, fit_and_diagnose(&input, &opts))
    });

    assert_eq!(allocs, 0, "heap allocations in the predictor or diagnose");
    assert!(ok >= 8);
    assert!(d.is_ok());
}
