//! The C predictor's caller-owned memory under attack (issue 14): the memory images of the
//! outside attack (window-length word, model word, option-tag word, `out` inside the predictor)
//! and randomised bit flips. Every call on altered memory returns OK or a typed status (never a
//! panic, never undefined behaviour: this file runs under Miri, see README "Miri"), a
//! `GRPO_ERR_CORRUPTED` call leaves the memory and the outputs untouched, and OK comes only with
//! finite outputs.
//!
//! ```text
//! cargo +nightly miri test --features capi,libm/force-soft-floats --test capi_predictor_memory
//! ```
#![cfg(feature = "capi")]

use core::ffi::c_void;
use grpo_dynamics::capi::*;
use grpo_dynamics::predict::{Config, Predictor};
use grpo_dynamics::{Error, ErrorKind, Param};

/// Points fed before the attack (Miri runs the fits ~1000x slower).
const POINTS: usize = if cfg!(miri) { 8 } else { 300 };
/// Random bit flips tried.
const FLIPS: usize = if cfg!(miri) { 6 } else { 3000 };

/// Byte offsets in this build's layout (tag, then the plain-data image; every field 8 bytes):
/// the window length, the "last step present" flag, the chosen model code.
const LEN_AT: usize = 8 + 17 * 8;
const HAS_LAST_AT: usize = LEN_AT + 8;
/// (after the window: block, stale, since_fit, fitted and a table of 4 candidates of 26 words)
const BEST_AT: usize = 8 + (17 + 3 + 3 * GRPO_PREDICTOR_WINDOW + 4 + 4 * 26) * 8;

fn corrupted() -> i32 {
    Error::new(ErrorKind::Corrupted, Param::Memory).code()
}

fn reward(i: usize) -> f64 {
    0.8 - 0.6 * (-(i as f64) / 40.0).exp() + 0.01 * ((i * 7919) % 13) as f64 / 13.0
}

/// A predictor in caller memory after `POINTS` points and one prediction (u64 words, zeroed).
fn fed() -> Vec<u64> {
    let size = grpo_predictor_size();
    assert!(grpo_predictor_align() <= 8);
    let mut buf = vec![0u64; size / 8 + 1];
    let mem = buf.as_mut_ptr() as *mut c_void;
    unsafe {
        assert_eq!(grpo_predictor_init(mem, size, 0.0, 1.0), GRPO_OK);
        for i in 0..POINTS {
            assert_eq!(grpo_predictor_push(mem, i as f64, reward(i)), GRPO_OK);
        }
        let mut out = grpo_prediction::default();
        assert_eq!(grpo_predictor_predict(mem, 1000.0, &mut out), GRPO_OK);
    }
    buf
}

fn bytes(buf: &mut [u64]) -> &mut [u8] {
    let n = grpo_predictor_size();
    unsafe { core::slice::from_raw_parts_mut(buf.as_mut_ptr() as *mut u8, n) }
}

fn word(buf: &mut [u64], at: usize) -> &mut u64 {
    assert_eq!(at % 8, 0);
    &mut buf[at / 8]
}

/// Push and predict on `buf`: both must give OK or a typed status; CORRUPTED leaves everything
/// untouched; OK predictions are finite. Returns the two statuses.
fn poke(buf: &mut [u64]) -> (i32, i32) {
    let before = buf.to_vec();
    let mem = buf.as_mut_ptr() as *mut c_void;
    let mut out = grpo_prediction {
        plateau: -7.0,
        ..Default::default()
    };
    let sp = unsafe { grpo_predictor_predict(mem, 2000.0, &mut out) };
    assert!(
        sp == GRPO_OK || Error::from_code(sp).is_some(),
        "undecodable status {sp}"
    );
    assert_ne!(sp & 0xff, GRPO_ERR_PANIC);
    if sp == GRPO_OK {
        for v in [
            out.plateau,
            out.plateau_lo95,
            out.plateau_hi95,
            out.reward_at_horizon,
            out.horizon_lo80,
            out.horizon_hi80,
        ] {
            assert!(v.is_finite(), "OK with {out:?}");
        }
    } else {
        assert_eq!(out.plateau, -7.0, "output written on failure");
    }
    if sp == corrupted() {
        assert_eq!(buf, &before[..], "memory written on CORRUPTED");
    }
    let before = buf.to_vec();
    let mem = buf.as_mut_ptr() as *mut c_void;
    let su = unsafe { grpo_predictor_push(mem, 1e9, 0.5) };
    assert!(su == GRPO_OK || Error::from_code(su).is_some());
    assert_ne!(su & 0xff, GRPO_ERR_PANIC);
    if su != GRPO_OK {
        assert_eq!(buf, &before[..], "memory written on failure");
    }
    (sp, su)
}

/// The attack's images: the window-length word (1000; 2^61 - 9), the model word (5), the option
/// tag (2). Each is refused as corrupted, with nothing written.
#[test]
fn miri_attack_images_are_corrupted() {
    let clean = fed();
    let mut probe = clean.clone();
    // the layout this test pokes at is the real one
    let want_len = if POINTS <= GRPO_PREDICTOR_WINDOW {
        POINTS as u64
    } else {
        *word(&mut probe, LEN_AT)
    };
    assert_eq!(*word(&mut probe, LEN_AT), want_len);
    assert!((1..=GRPO_PREDICTOR_WINDOW as u64).contains(&want_len));
    assert_eq!(*word(&mut probe, HAS_LAST_AT), 1);
    assert!((1..=4).contains(word(&mut probe, BEST_AT)));
    for (at, value) in [
        (LEN_AT, 1000u64),
        (LEN_AT, (1u64 << 61) - 9),
        (LEN_AT, GRPO_PREDICTOR_WINDOW as u64 + 1),
        (BEST_AT, 5),
        (BEST_AT, u64::MAX),
        (HAS_LAST_AT, 2),
        (HAS_LAST_AT, 0),
    ] {
        let mut m = clean.clone();
        *word(&mut m, at) = value;
        let (sp, su) = poke(&mut m);
        assert_eq!(
            (sp, su),
            (corrupted(), corrupted()),
            "word at {at} = {value}"
        );
    }
    // a shorter length is a consistent (older) window: accepted
    let mut m = clean.clone();
    *word(&mut m, LEN_AT) = 7;
    let (sp, su) = poke(&mut m);
    assert_eq!((sp, su), (GRPO_OK, GRPO_OK));
}

/// `out` inside the predictor's memory: refused, nothing written (it used to overwrite the
/// length word and crash the next push).
#[test]
fn miri_out_inside_the_predictor_is_refused() {
    let mut m = fed();
    let before = m.clone();
    let mem = m.as_mut_ptr() as *mut c_void;
    for at in [LEN_AT, 0, grpo_predictor_size() - 8] {
        let out = unsafe { (mem as *mut u8).add(at) } as *mut grpo_prediction;
        let s = unsafe { grpo_predictor_predict(mem, 500.0, out) };
        assert_eq!(s, Error::new(ErrorKind::BadBuffer, Param::Output).code());
    }
    assert_eq!(m, before);
    assert_eq!(poke(&mut m), (GRPO_OK, GRPO_OK));
}

/// Init writes every byte: memory filled with a pattern before init holds none of it after
/// (every 8-byte word is a value the library chose), and two inits over different garbage give
/// identical bytes.
#[test]
fn miri_init_writes_every_byte() {
    let size = grpo_predictor_size();
    let mut a = vec![0xA5A5_A5A5_A5A5_A5A5u64; size / 8 + 1];
    let mut b = vec![0x5A5A_5A5A_5A5A_5A5Au64; size / 8 + 1];
    unsafe {
        assert_eq!(
            grpo_predictor_init(a.as_mut_ptr() as *mut c_void, size, 0.0, 1.0),
            GRPO_OK
        );
        assert_eq!(
            grpo_predictor_init(b.as_mut_ptr() as *mut c_void, size, 0.0, 1.0),
            GRPO_OK
        );
    }
    assert_eq!(bytes(&mut a), bytes(&mut b));
    assert!(a[..size / 8].iter().all(|&w| w != 0xA5A5_A5A5_A5A5_A5A5));
}

/// One flipped bit anywhere: push and predict never crash, never answer OK with a non-finite
/// value, never write on CORRUPTED. Deterministic xorshift positions.
#[test]
fn miri_random_bit_flips() {
    let clean = fed();
    let nbits = (grpo_predictor_size() * 8) as u64;
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut corrupt = 0;
    for _ in 0..FLIPS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bit = x % nbits;
        let mut m = clean.clone();
        bytes(&mut m)[(bit / 8) as usize] ^= 1 << (bit % 8);
        let (sp, su) = poke(&mut m);
        corrupt += (sp == corrupted()) as usize + (su == corrupted()) as usize;
    }
    // flips in flags, codes and lengths are caught (they are a minority of the bits)
    if !cfg!(miri) {
        assert!(corrupt > 0);
    }
}

/// A reward outside finite bounds is refused (it captured the predictor: plateau at the bound,
/// "collapsing", "stop" after 200,000 clean points); one huge reward leaves the predictor as good
/// as one that never saw it.
#[test]
fn miri_out_of_bounds_reward_cannot_capture_the_predictor() {
    let mut clean = fed();
    let mut hit = clean.clone();
    let mem = hit.as_mut_ptr() as *mut c_void;
    let oor = Error::new(ErrorKind::OutOfRange, Param::Reward).code();
    unsafe {
        assert_eq!(grpo_predictor_push(mem, POINTS as f64, 1e10), oor);
        assert_eq!(grpo_predictor_push(mem, POINTS as f64, 1e155), oor);
        assert_eq!(grpo_predictor_push(mem, POINTS as f64, -1e-9), oor);
    }
    assert_eq!(hit, clean);
    let (mut a, mut b) = (grpo_prediction::default(), grpo_prediction::default());
    unsafe {
        let cm = clean.as_mut_ptr() as *mut c_void;
        assert_eq!(grpo_predictor_predict(cm, 1000.0, &mut a), GRPO_OK);
        assert_eq!(grpo_predictor_predict(mem, 1000.0, &mut b), GRPO_OK);
    }
    assert_eq!(a, b);
    // the same as a Rust predictor that saw only the clean points
    let mut rust = Predictor::<f64, GRPO_PREDICTOR_WINDOW>::new(0.0, 1.0).unwrap();
    for i in 0..POINTS {
        rust.push(i as f64, reward(i)).unwrap();
    }
    let want = rust.predict(1000.0).unwrap();
    assert!((a.plateau - want.plateau.value).abs() <= 1e-12);
    if !cfg!(miri) {
        assert!((a.plateau - 0.8).abs() < 0.05, "plateau {}", a.plateau);
    }
    // the Rust predictor refuses the same point
    let mut r = Predictor::<f64, 64>::with_config(Config::new(0.0, 1.0)).unwrap();
    assert_eq!(
        r.push(1.0, 1e10),
        Err(Error::new(ErrorKind::OutOfRange, Param::Reward))
    );
    // unbounded rewards stay accepted
    let mut u =
        Predictor::<f64, 64>::with_config(Config::new(f64::NEG_INFINITY, f64::INFINITY)).unwrap();
    assert_eq!(u.push(1.0, 1e10), Ok(()));
}

/// Valid states are never called corrupted: predictions after every point of short noisy
/// curves (few degrees of freedom: infinite AICc, unidentified parameters) and the push after
/// each (examples/c found a push refused after 6 points).
#[test]
fn miri_valid_short_histories_are_not_corrupted() {
    let size = grpo_predictor_size();
    let mut buf = vec![0u64; size / 8 + 1];
    let mem = buf.as_mut_ptr() as *mut c_void;
    let n = if cfg!(miri) { 8 } else { 40 };
    unsafe {
        assert_eq!(grpo_predictor_init(mem, size, 0.0, 1.0), GRPO_OK);
        for i in 0..n {
            let r = 0.1
                + 0.6 * (1.0 - (-(i as f64) / 20.0).exp())
                + 0.02 * (((i * 7919) % 13) as f64 / 13.0 - 0.5);
            assert_eq!(grpo_predictor_push(mem, i as f64, r), GRPO_OK, "point {i}");
            let mut out = grpo_prediction::default();
            let s = grpo_predictor_predict(mem, 300.0, &mut out);
            assert_ne!(s, corrupted(), "after point {i}");
            assert!(s == GRPO_OK || i < 5, "after point {i}: {s}");
        }
    }
}
