//! A counting global allocator for the zero-allocation tests.
//!
//! Only the calling thread is counted, and only inside [`count_allocations`]: libtest's main
//! thread allocates while a test runs (its first blocking wait on the result channel), and a
//! process-wide counter picked that up on a CI machine depending on thread timing.
//!
//! Include with `#[path = "common/counting_alloc.rs"] mod counting_alloc;` and install with
//! `#[global_allocator] static A: counting_alloc::Counting = counting_alloc::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct Counting;

thread_local! {
    /// `Some(n)` while this thread is counting (const-initialised: reading it never allocates).
    static COUNT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn bump() {
    let _ = COUNT.try_with(|c| {
        if let Some(n) = c.get() {
            c.set(Some(n + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(p, l, n) }
    }
}

/// Runs `f` and returns its result with the number of heap allocations (and reallocations)
/// this thread made while it ran.
pub fn count_allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    COUNT.with(|c| c.set(Some(0)));
    let r = f();
    let n = COUNT.with(|c| c.take()).unwrap_or(0);
    (r, n)
}
