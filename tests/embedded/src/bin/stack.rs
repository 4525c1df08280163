//! Worst-case stack of a fit and of a predictor refit on the Cortex-M4F itself, measured by stack
//! painting. Runs under `qemu-system-arm -M mps2-an386` with semihosting (tools/embedded-stack.sh)
//! and prints the README table, then exits.
//!
//! Each operation is called from `depth`: the RAM below the current stack pointer is filled with
//! a pattern, the operation runs, and the lowest word that no longer holds the pattern gives the
//! deepest stack use (return state, the closure and the operation; the caller's inputs and the
//! predictor live above). A negative control with a 4 KiB local buffer must measure >= 4 KiB.
#![no_std]
#![no_main]

use core::fmt::Write;
use core::hint::black_box;
use cortex_m_rt::entry;
use grpo_dynamics::fit::{fit, fit_auto, Options, ParamSet, Start};
use grpo_dynamics::predict::{Config, Predictor};
use grpo_dynamics::trajectory::Oscillator;
use grpo_dynamics::Real;
use panic_halt as _;

/// Bytes painted below the stack pointer (RAM is 128 KiB; statics are tiny).
const PAINT: usize = 96 * 1024;
const PATTERN: u32 = 0xC5A3_5A3C;

fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads a register.
    unsafe {
        core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    sp
}

/// ARM semihosting call (`bkpt 0xab`, operation in r0, argument in r1).
fn semihost(op: u32, arg: usize) {
    // SAFETY: the debugger (qemu) services the call; `arg` is valid for `op`.
    unsafe {
        core::arch::asm!("bkpt #0xab", inout("r0") op => _, in("r1") arg, options(nostack));
    }
}

/// A line buffer printed with SYS_WRITE0.
struct Line {
    buf: [u8; 160],
    len: usize,
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            if self.len + 2 >= self.buf.len() {
                return Err(core::fmt::Error);
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

fn print_row(op: &str, ty: &str, bytes: usize) {
    let mut l = Line {
        buf: [0; 160],
        len: 0,
    };
    let _ = writeln!(l, "| {op} | {ty} | {bytes} |");
    l.buf[l.len] = 0;
    semihost(0x04, l.buf.as_ptr() as usize);
}

/// Deepest stack use of `f` below the stack pointer of this frame.
#[inline(never)]
fn depth(f: &mut dyn FnMut()) -> usize {
    let f = black_box(f);
    let top = stack_pointer() & !3;
    let bottom = top - PAINT;
    // SAFETY: [bottom, top) is RAM below the live stack (RAM is 128 KiB, the stack starts at its
    // top, statics are a few bytes at its bottom); nothing uses it until `f` runs.
    unsafe {
        let mut p = bottom;
        while p < top {
            core::ptr::write_volatile(p as *mut u32, PATTERN);
            p += 4;
        }
    }
    f();
    let mut lowest = top;
    // SAFETY: same region, read back after `f` returned.
    unsafe {
        let mut p = bottom;
        while p < top {
            if core::ptr::read_volatile(p as *const u32) != PATTERN {
                lowest = p;
                break;
            }
            p += 4;
        }
    }
    top - lowest
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

/// The host test's curve (tests/stack.rs): underdamped oscillator with a small ripple, t = 4 i.
fn curve<T: Real, const N: usize>(t: &mut [T; N], y: &mut [T; N]) {
    let Ok(m) = Oscillator::<f64>::new(0.72, 0.1, 0.0, 0.02, 0.35) else {
        return;
    };
    for (i, (ti, yi)) in t.iter_mut().zip(y.iter_mut()).enumerate() {
        let s = i as f64 * 4.0;
        *ti = T::from_f64(s);
        *yi = T::from_f64(m.value(s).unwrap_or(0.0) + 0.004 * Real::sin(s * 0.37));
    }
}

/// `Some(bytes)` when the operation succeeded.
fn fit_full<T: Real>() -> Option<usize> {
    let (mut t, mut y) = ([T::ZERO; 100], [T::ZERO; 100]);
    curve(&mut t, &mut y);
    let mut ok = false;
    let d = depth(&mut || {
        let f = fit(
            ParamSet::Full,
            &t,
            &y,
            None,
            Start::Data,
            &Options::default(),
        );
        ok = matches!(&f, Ok(f) if f.r2 > T::from_f64(0.9));
        black_box(f.ok());
    });
    ok.then_some(d)
}

fn fit_auto_all<T: Real>() -> Option<usize> {
    let (mut t, mut y) = ([T::ZERO; 100], [T::ZERO; 100]);
    curve(&mut t, &mut y);
    let mut ok = false;
    let d = depth(&mut || {
        let f = fit_auto(&t, &y, None, &Options::default());
        ok = matches!(&f, Ok(f) if f.r2 > T::from_f64(0.9));
        black_box(f.ok());
    });
    ok.then_some(d)
}

fn predictor<T: Real, const N: usize>(p: &mut Predictor<T, N>) -> Option<usize> {
    let (mut t, mut y) = ([T::ZERO; 200], [T::ZERO; 200]);
    curve(&mut t, &mut y);
    for (s, r) in t.iter().zip(&y).take(199) {
        p.push(*s, *r).ok()?;
    }
    let (s, r) = (t[199], y[199]);
    let mut ok = false;
    let d = depth(&mut || {
        ok = p.push(s, r).is_ok() && p.refit().is_ok();
        let pr = p.predict(black_box(s * T::from_f64(3.0)));
        ok &= pr.is_ok();
        black_box(pr.ok());
    });
    ok.then_some(d)
}

/// Print the row, or report the failure and exit with status 1.
fn row(op: &str, ty: &str, bytes: Option<usize>) {
    match bytes {
        Some(b) => print_row(op, ty, b),
        None => {
            print_row(op, ty, 0);
            semihost(0x04, c"operation failed\n".as_ptr() as usize);
            // SYS_EXIT, ADP_Stopped_RunTimeErrorUnknown
            semihost(0x18, 0x20023);
        }
    }
}

#[entry]
fn main() -> ! {
    // the predictors live in this frame, above every measurement
    let mut p64 = Predictor::<f64, 64>::with_config(Config::new(0.0, 1.0));
    let mut p32 = Predictor::<f32, 64>::with_config(Config::new(0.0, 1.0));
    semihost(
        0x04,
        c"| operation | type | stack bytes |\n|---|---|---:|\n".as_ptr() as usize,
    );
    let control = depth(&mut || control_4k());
    row(
        "control: 4 KiB local buffer",
        "-",
        (control >= 4096).then_some(control),
    );
    row("fit Full (5 params), 100 points", "f64", fit_full::<f64>());
    row("fit Full (5 params), 100 points", "f32", fit_full::<f32>());
    row(
        "fit_auto (all 5 sets), 100 points",
        "f64",
        fit_auto_all::<f64>(),
    );
    row(
        "fit_auto (all 5 sets), 100 points",
        "f32",
        fit_auto_all::<f32>(),
    );
    let pred = "Predictor<_, 64> push + refit + predict";
    row(pred, "f64", p64.as_mut().ok().and_then(predictor));
    row(pred, "f32", p32.as_mut().ok().and_then(predictor));
    // SYS_EXIT, ADP_Stopped_ApplicationExit
    semihost(0x18, 0x20026);
    loop {
        core::hint::spin_loop();
    }
}
