//! The predictor and `diagnose` never allocate: a counting global allocator sees zero
//! allocations while they run (the test's own vectors are built before counting starts).

use grpo_dynamics::diagnostics::{diagnose, DiagnoseInput, DiagnoseOptions};
use grpo_dynamics::predict::Predictor;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    // only this test's thread is counted (the harness's threads may allocate concurrently)
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn counting() -> bool {
    COUNTING.try_with(|c| c.get()).unwrap_or(false)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if counting() {
            ALLOCS.fetch_add(1, Ordering::SeqCst);
        }
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if counting() {
            ALLOCS.fetch_add(1, Ordering::SeqCst);
        }
        System.realloc(p, l, n)
    }
}

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

    COUNTING.with(|c| c.set(true));
    let mut p = Predictor::<f64, 64>::new(0.0, 1.0).unwrap();
    let mut ok = 0;
    for (t, &r) in reward.iter().enumerate() {
        p.push(t as f64, r).unwrap();
        let _ = p.push(t as f64, f64::NAN);
        if t % 50 == 49 {
            ok += p.predict(t as f64 + 100.0).is_ok() as usize;
            ok += p.step_to_fraction(0.5).is_ok() as usize;
        }
    }
    let d = diagnose(&input, &opts);
    COUNTING.with(|c| c.set(false));

    assert_eq!(ALLOCS.load(Ordering::SeqCst), 0);
    assert!(ok >= 8);
    assert!(d.is_ok());
}
