//! Worst-case stack of a fit and of a predictor refit, measured by stack painting on the host.
//!
//! Each measurement runs on a fresh thread with a known stack: a region below the current stack
//! pointer is filled with a pattern, the operation runs, and the lowest word that no longer holds
//! the pattern gives the deepest stack use. The figure counts everything below the stack pointer
//! of the calling frame (return address, the closure, the operation). A negative control with a
//! 4 KiB local buffer must measure at least 4 KiB, so a broken painting (e.g. an operation that
//! runs on another stack) cannot report a small number.
//!
//! The figures depend on the compiler and the optimisation level; the README table comes from
//! `tools/stack-size.sh` (`cargo test --release [--features compact] --test stack -- --nocapture`).
//! The asserted bounds hold in release builds only (debug builds keep every temporary on the
//! stack).

use grpo_dynamics::fit::{fit, fit_auto, Options, ParamSet, Start};
use grpo_dynamics::predict::{Config, Predictor};
use grpo_dynamics::trajectory::Oscillator;
use grpo_dynamics::Real;
use std::hint::black_box;

/// Bytes painted below the harness frame (debug builds need far more stack than release builds).
const PAINT: usize = 2 * 1024 * 1024;
/// Bytes directly below the stack pointer left unpainted: room for the frames of the painting
/// loop's own helper calls in debug builds. Every measured operation goes deeper than this.
const GAP: usize = 2048;
/// Thread stack: the painted region plus room for the harness and the runtime.
const THREAD_STACK: usize = GAP + PAINT + 256 * 1024;
const PATTERN: u64 = 0xC5A3_5A3C_A55A_3CC3;

/// The stack pointer of the calling frame.
#[inline(always)]
#[allow(unsafe_code)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register, touches no memory.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    #[cfg(target_arch = "aarch64")]
    unsafe {
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    sp
}

/// Deepest stack use of `f` (bytes below the stack pointer at the call, return address included),
/// run once.
#[inline(never)]
#[allow(unsafe_code)]
fn depth(f: &mut dyn FnMut()) -> usize {
    let f = black_box(f);
    let sp = stack_pointer() & !7;
    let top = sp - GAP;
    let bottom = top - PAINT;
    // SAFETY: [bottom, top) lies inside this thread's stack (THREAD_STACK > GAP + PAINT + the
    // frames above) and at least GAP below the stack pointer of this frame, which is not a leaf:
    // nothing lives there until `f` is called.
    unsafe {
        let mut p = bottom;
        while p < top {
            core::ptr::write_volatile(p as *mut u64, PATTERN);
            p += 8;
        }
    }
    f();
    let mut lowest = top;
    // SAFETY: same region, read back after `f` returned.
    unsafe {
        let mut p = bottom;
        while p < top {
            if core::ptr::read_volatile(p as *const u64) != PATTERN {
                lowest = p;
                break;
            }
            p += 8;
        }
    }
    assert!(lowest > bottom, "painted region exhausted: raise PAINT");
    assert!(
        lowest < top,
        "operation too shallow to measure (within GAP)"
    );
    sp - lowest
}

/// Stack bytes used by `f` (deepest of two runs), on a fresh thread.
fn measure<F: FnMut() + Send + 'static>(mut f: F) -> usize {
    std::thread::Builder::new()
        .stack_size(THREAD_STACK)
        .spawn(move || {
            // the deepest of two runs (the first may touch lazily initialised state)
            let used = depth(&mut f);
            let again = depth(&mut f);
            used.max(again)
        })
        .expect("spawn")
        .join()
        .expect("join")
}

#[inline(never)]
fn control_4k() {
    let mut buf = [0u8; 4096];
    black_box(&mut buf);
    for (i, b) in buf.iter_mut().enumerate() {
        *b = black_box(i as u8);
    }
    black_box(&buf);
}

/// An underdamped full-oscillator curve with a small deterministic ripple, `n` points.
fn curve<T: Real>(n: usize) -> (Vec<T>, Vec<T>) {
    let m = Oscillator::<f64>::new(0.72, 0.1, 0.0, 0.02, 0.35).unwrap();
    let t: Vec<f64> = (0..n).map(|i| i as f64 * 4.0).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&s| m.value(s).unwrap() + 0.004 * (s * 0.37).sin())
        .collect();
    let conv = |v: Vec<f64>| -> Vec<T> { v.into_iter().map(T::from_f64).collect() };
    (conv(t), conv(y))
}

fn fit_full<T: Real + Send + 'static>(n: usize) -> usize {
    let (t, y) = curve::<T>(n);
    measure(move || {
        let f = fit(
            ParamSet::Full,
            black_box(&t),
            black_box(&y),
            None,
            Start::Data,
            &Options::default(),
        );
        assert!(f.is_ok(), "{f:?}");
        black_box(f.ok());
    })
}

fn fit_auto_all<T: Real + Send + 'static>(n: usize) -> usize {
    let (t, y) = curve::<T>(n);
    measure(move || {
        let f = fit_auto(black_box(&t), black_box(&y), None, &Options::default());
        assert!(f.is_ok(), "{f:?}");
        black_box(f.ok());
    })
}

/// Predictor<T, N> fed `pushed` points (refits as configured), then one forced refit + predict.
fn predictor<T: Real + Send + 'static, const N: usize>(pushed: usize) -> usize {
    let (t, y) = curve::<T>(pushed);
    let mut p = Predictor::<T, N>::with_config(Config::new(T::ZERO, T::ONE)).unwrap();
    for (s, r) in t.iter().zip(&y) {
        p.push(*s, *r).unwrap();
    }
    let next = t[pushed - 1] + T::from_f64(4.0);
    let mut step = next;
    // the predictor lives on the heap (Box): only the call's own stack is measured, like a
    // predictor kept in a static on a microcontroller
    let mut p = Box::new(p);
    measure(move || {
        p.push(step, y[pushed - 1]).unwrap();
        step += T::from_f64(4.0);
        p.refit().unwrap();
        let pr = p.predict(black_box(t[pushed - 1] * T::from_f64(3.0)));
        assert!(pr.is_ok(), "{pr:?}");
        black_box(pr.ok());
    })
}

/// The rows printed by `tools/stack-size.sh` (operation, type, bytes).
fn table() -> Vec<(&'static str, &'static str, usize)> {
    vec![
        ("control: 4 KiB local buffer", "-", measure(control_4k)),
        (
            "fit Full (5 params), 100 points",
            "f64",
            fit_full::<f64>(100),
        ),
        (
            "fit Full (5 params), 100 points",
            "f32",
            fit_full::<f32>(100),
        ),
        (
            "fit_auto (all 5 sets), 100 points",
            "f64",
            fit_auto_all::<f64>(100),
        ),
        (
            "fit_auto (all 5 sets), 100 points",
            "f32",
            fit_auto_all::<f32>(100),
        ),
        (
            "Predictor<_, 64> push + refit + predict",
            "f64",
            predictor::<f64, 64>(200),
        ),
        (
            "Predictor<_, 64> push + refit + predict",
            "f32",
            predictor::<f32, 64>(200),
        ),
        (
            "Predictor<_, 256> push + refit + predict",
            "f64",
            predictor::<f64, 256>(400),
        ),
    ]
}

#[test]
fn stack_table() {
    let rows = table();
    println!("| operation | type | stack bytes |");
    println!("|---|---|---:|");
    for (op, ty, bytes) in &rows {
        println!("| {op} | {ty} | {bytes} |");
    }
    // negative control: the painting sees a known 4 KiB frame (and not wildly more)
    let control = rows[0].2;
    assert!(
        (4096..4096 + 1024).contains(&control),
        "control measured {control}"
    );
    // regression bounds in KiB (release builds, about 1.25x the figures of the README), in the
    // order of `table()`: default build, `compact` feature
    let bounds: [usize; 7] = if cfg!(feature = "compact") {
        [10, 6, 12, 8, 14, 8, 23]
    } else {
        [13, 8, 15, 9, 17, 10, 27]
    };
    for ((op, ty, bytes), kib) in rows[1..].iter().zip(bounds) {
        assert!(*bytes > 0, "{op} {ty}: nothing measured");
        if !cfg!(debug_assertions) {
            assert!(*bytes <= kib * 1024, "{op} {ty}: {bytes} B > {kib} KiB");
        }
    }
    // the f32 instantiations use less stack than the f64 ones
    for pair in rows[1..7].chunks(2) {
        assert!(pair[1].2 < pair[0].2, "{pair:?}");
    }
}
