//! The C entry points with arbitrary values, lengths (including 0, and lengths whose byte size
//! overflows), NULL and misaligned pointers. Lengths always match real buffers (or exceed what
//! any buffer can be, which the ABI must reject before touching memory), so the fuzzer never
//! fabricates a pointer to memory it does not own.
//! Properties: every call returns GRPO_OK or a status that decodes to a typed error (never
//! GRPO_ERR_PANIC, never an unknown code); NULL inputs give GRPO_ERR_NULL, misaligned ones
//! GRPO_ERR_BAD_BUFFER (when that argument is checked first, i.e. for outputs the status is only
//! required to be an error); outputs are byte-for-byte untouched on error (documented exception:
//! `grpo_bandit_simulate` keeps the valid prefix and writes NaN after it on GRPO_ERR_DIVERGED,
//! which is checked as such); on success every floating output is finite and every interval
//! ordered (issue 14: every function of include/grpo_dynamics.h is called here, the header's
//! inline `grpo_fit_result_stderr` included; `tests/capi_fuzz_coverage.rs` fails when one is
//! not). Aliased buffers (an output overlapping an input or another
//! output) must be refused with GRPO_ERR_BAD_BUFFER and nothing written. The predictor is also
//! driven on memory with fuzzer-chosen flipped bits: GRPO_ERR_CORRUPTED must leave it untouched.
//! No hang: run with `-timeout=2` (a call's budget is 100 ms; 8 calls per input).
#![no_main]
#![allow(clippy::needless_range_loop)]
use arbitrary::Arbitrary;
use grpo_dynamics::capi::*;
use grpo_dynamics::{Error, ErrorKind, Param};
use libfuzzer_sys::fuzz_target;

const CAP: usize = 64;
/// Sentinel bit pattern (a NaN payload no computation produces).
const SENT: u64 = 0x7ff4_dead_beef_0001;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Value {
    Small(i16),
    Raw(f64),
}
impl Value {
    fn get(self) -> f64 {
        match self {
            Value::Small(k) => k as f64 / 100.0,
            Value::Raw(x) => x,
        }
    }
}

/// How a pointer argument is passed.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Ptr {
    Valid,
    Null,
    Misaligned,
}

/// A length: one that fits the buffer, or one whose byte size cannot be a buffer.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Len {
    Fit(u8),
    Huge(u8),
}

impl Len {
    fn get(self, cap: usize) -> usize {
        match self {
            Len::Fit(k) => k as usize % (cap + 1),
            Len::Huge(k) => usize::MAX - k as usize,
        }
    }
    fn huge(self) -> bool {
        matches!(self, Len::Huge(_))
    }
}

#[derive(Arbitrary, Debug)]
enum Call {
    TrajEval([Value; 5], Ptr, Len, Ptr, bool, [Value; CAP]),
    TrajGrid([Value; 5], Value, Value, Len, Ptr),
    TrajJacobian([Value; 5], Value, Ptr, Ptr),
    TimeToFraction([Value; 5], Value, Ptr),
    Fit(
        Len,
        Ptr,
        Ptr,
        bool,
        Option<(u32, u32, Value, u8, Value, Value, Value)>,
        Ptr,
        [Value; CAP],
    ),
    Predictor(Value, Value, Vec<(Value, Value, bool)>, Ptr, bool),
    Diagnose(
        Len,
        Ptr,
        bool,
        bool,
        bool,
        Value,
        Value,
        u32,
        Ptr,
        [Value; CAP],
    ),
    Classify(Len, Ptr, Value, Value, Ptr, Ptr, [Value; CAP]),
    Degeneracy(Len, Ptr, u32, Ptr, [Value; CAP]),
    Zeta(Value, Value, Value, Value, Ptr),
    LinearRegime(Value, Value, Value, u32, u32, Ptr, Ptr),
    BanditSimulate([Value; 6], u32, [u32; 3], Len, Ptr),
    BanditFixedPoint([Value; 6], u32, [u32; 3], Ptr, Ptr, bool),
    BanditStochastic([Value; 6], u32, [u32; 3], Group, u32, u64, Len, Ptr),
    GroupNoise([Value; 6], u32, [u32; 3], Group, u32, Ptr),
    Transient([Value; 6], u32, [u32; 3], Group, u32, Len, Ptr, Ptr, u8),
    Degeneracy1(Value, Group, Ptr),
    Threshold(u8, Value, Value, Value, Ptr),
    KrefAnswer(bool, Value, Value, Value, u32, Ptr),
    StableEta(u32, u32, Value, Value, Ptr),
    Defaults(Ptr, Ptr),
    Status(i32),
    Aliased(u8, [Value; 5], u8),
    PredictorFlips(Vec<(Value, Value)>, Vec<(u16, u8)>, Value),
    PredictorConfig([Value; 8], u32, Ptr, Ptr, Vec<(Value, Value)>),
    DiagnoseEvidence(
        Len,
        bool,
        bool,
        Option<([Value; 3], u32)>,
        Ptr,
        Ptr,
        u32,
        [Value; CAP],
    ),
    Calibrate(
        Len,
        Ptr,
        Option<Value>,
        [Value; 2],
        Group,
        u32,
        u8,
        Ptr,
        Option<[Value; 3]>,
        [Value; CAP],
    ),
    WhatIf([Value; 9], [u32; 3], u8, Group, Value, u32, Ptr, Ptr),
}

/// A group size: small, near the historic limits, or any u32.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Group {
    Small(u8),
    Huge(u8),
    Raw(u32),
}
impl Group {
    fn get(self) -> u32 {
        match self {
            Group::Small(k) => k as u32,
            Group::Huge(k) => u32::MAX - k as u32,
            Group::Raw(g) => g,
        }
    }
}

fn bandit(v: &[Value; 6], kref: u32, codes: &[u32; 3]) -> grpo_bandit {
    grpo_bandit {
        eta: v[0].get(),
        mu: v[1].get(),
        beta: v[2].get(),
        p_ref: v[3].get(),
        c: v[4].get(),
        eps: v[5].get(),
        kref: kref % 64,
        normalization: codes[0] % 3,
        kl: codes[1] % 3,
        lag: codes[2] % 3,
    }
}

fn steps_of(len: &Len) -> usize {
    match len {
        Len::Fit(k) => *k as usize % CAP,
        Len::Huge(k) => usize::MAX - *k as usize,
    }
}

/// One scalar output: untouched on error, finite on success.
fn scalar_out(st: i32, out: &[u64; 2]) {
    status_ok(st);
    if st != GRPO_OK {
        assert!(untouched(out), "scalar written on error {st}");
    } else {
        assert!(
            f64::from_bits(out[0]).is_finite(),
            "OK with {}",
            f64::from_bits(out[0])
        );
        assert_eq!(out[1], SENT);
    }
}

/// A trajectory output of `steps + 1` probabilities: untouched on error; on OK all in [0, 1];
/// on DIVERGED (the documented exception) a valid prefix then NaN.
fn path_out(st: i32, steps: usize, out: &[u64], may_diverge: bool) {
    status_ok(st);
    let diverged = Error::new(ErrorKind::Diverged, Param::Steps).code();
    if st != GRPO_OK && !(may_diverge && st == diverged) {
        assert!(untouched(out), "path written on error {st}");
        return;
    }
    let mut nan_seen = false;
    for (i, x) in out.iter().enumerate() {
        if i <= steps {
            let p = f64::from_bits(*x);
            if st == diverged && (nan_seen || p.is_nan()) {
                nan_seen = true;
                assert!(p.is_nan() && *x != SENT, "after divergence: {p}");
            } else {
                assert!((0.0..=1.0).contains(&p), "p = {p}");
            }
        } else {
            assert_eq!(*x, SENT, "wrote past steps");
        }
    }
    assert!(st == GRPO_OK || nan_seen, "diverged without a NaN tail");
}

fn status_ok(st: i32) {
    if st == GRPO_OK {
        return;
    }
    let e = Error::from_code(st).unwrap_or_else(|| panic!("undecodable status {st}"));
    assert_ne!(
        e.kind(),
        ErrorKind::Panic,
        "panic crossed the C boundary: {e:?}"
    );
}

/// A pointer into `buf` as asked (misaligned = one byte in).
fn ptr_in<T>(buf: *mut T, how: Ptr) -> *mut T {
    match how {
        Ptr::Valid => buf,
        Ptr::Null => core::ptr::null_mut(),
        Ptr::Misaligned => (buf as *mut u8).wrapping_add(1) as *mut T,
    }
}

fn sentinel<const N: usize>() -> [u64; N] {
    [SENT; N]
}

fn untouched(buf: &[u64]) -> bool {
    buf.iter().all(|&b| b == SENT)
}

/// An input of length `n > 0` passed NULL or misaligned is refused; when the status names that
/// input (other arguments may be checked first) it is GRPO_ERR_NULL / GRPO_ERR_BAD_BUFFER.
fn in_status(st: i32, how: Ptr, n: usize, p: Param) {
    let want = match how {
        Ptr::Valid => return,
        Ptr::Null => GRPO_ERR_NULL,
        Ptr::Misaligned => GRPO_ERR_BAD_BUFFER,
    };
    if n == 0 {
        return;
    }
    assert_ne!(st, GRPO_OK, "{how:?} input accepted");
    if Error::from_code(st).map(|e| e.param()) == Some(p) {
        assert_eq!(st & 0xff, want, "{how:?} input: wrong status {st}");
    }
}

fn osc(v: &[Value; 5]) -> grpo_oscillator {
    grpo_oscillator {
        r_star: v[0].get(),
        r0: v[1].get(),
        v0: v[2].get(),
        omega: v[3].get(),
        zeta: v[4].get(),
    }
}

fn vals(v: &[Value; CAP]) -> [f64; CAP + 1] {
    let mut out = [0.0; CAP + 1];
    for (o, x) in out.iter_mut().zip(v) {
        *o = x.get();
    }
    out
}

/// The header's `static inline grpo_fit_result_stderr` (not a library symbol): the same pointer
/// arithmetic, the 8 doubles before `plateau`.
fn grpo_fit_result_stderr(r: *const grpo_fit_result) -> *const f64 {
    (r as *const u8).wrapping_add(core::mem::offset_of!(grpo_fit_result, plateau) - 64)
        as *const f64
}

/// The legacy `model` field and `model_code` (GRPO_MODEL numbering) name the same model.
fn same_model(p: &grpo_prediction) {
    let want = match p.model {
        1 => GRPO_MODEL_CONSTANT,
        2 => GRPO_MODEL_SATURATION,
        3 => GRPO_MODEL_CRITICAL,
        4 => GRPO_MODEL_SLOW_START,
        m => panic!("legacy model code {m}"),
    };
    assert_eq!(p.model_code, want, "{p:?}");
}

/// An estimate: finite and ordered `lo <= value <= hi` (`value` may sit outside `[lo, hi]` only
/// when the interval comes from `f(K lo)`, `f(K hi)` of a non-monotone `f`; the ends are always
/// ordered).
fn estimate_ok(e: &grpo_estimate, what: &str) {
    assert!(
        e.value.is_finite() && e.lo.is_finite() && e.hi.is_finite(),
        "{what}: OK with {e:?}"
    );
    assert!(e.lo <= e.hi, "{what}: unordered {e:?}");
}

/// An estimate whose upper end may be `+inf` (documented for flow times and what-if steps):
/// finite `value` and `lo`, `lo <= value <= hi`.
fn unbounded_above_ok(e: &grpo_estimate, what: &str) {
    assert!(e.value.is_finite() && e.lo.is_finite(), "{what}: OK with {e:?}");
    assert!(e.hi.is_finite() || e.hi == f64::INFINITY, "{what}: OK with {e:?}");
    assert!(e.lo <= e.value && e.value <= e.hi, "{what}: unordered {e:?}");
}

/// A calibration `grpo_calibrate` returned OK: finite fields, ordered intervals, codes in range.
fn calibration_ok(c: &grpo_calibration) {
    // documented: `k` and `rho` are valid only when `k_determined` (otherwise NaN or partial)
    if c.k_determined == 1 {
        assert!(c.rho.is_finite(), "rho: OK with {c:?}");
    }
    for (x, what) in [
        (c.r0, "r0"),
        (c.eta, "eta"),
        (c.mu, "mu"),
        (c.delay, "delay"),
        (c.t0, "t0"),
    ] {
        assert!(x.is_finite(), "{what}: OK with {c:?}");
    }
    estimate_ok(&c.r_star, "r_star");
    assert!(c.r_star.lo <= c.r_star.value && c.r_star.value <= c.r_star.hi, "{c:?}");
    assert!(c.k_determined <= 1 && c.lag <= 1 && c.kref >= 1 && c.reserved == 0, "{c:?}");
    if c.k_determined == 1 {
        estimate_ok(&c.k, "k");
        assert!(c.k.lo > 0.0 && c.k.lo <= c.k.value && c.k.value <= c.k.hi, "{c:?}");
    }
    for f in [&c.flow50, &c.flow90] {
        // documented: a level the curve did not reach is NaN (all three); otherwise a positive
        // finite time whose interval may be unbounded above (hi = +inf)
        if f.value.is_nan() {
            assert!(f.lo.is_nan() && f.hi.is_nan(), "{c:?}");
        } else {
            unbounded_above_ok(f, "flow");
            assert!(f.value > 0.0 && f.lo >= 0.0, "{c:?}");
        }
    }
}

/// Every what-if on `c` (each output canary-filled): OK gives finite ordered estimates and
/// regime codes in 0..=2; an error writes nothing.
unsafe fn whatifs(c: *const grpo_calibration, kref: u32, lr: f64, percent: u32, op: Ptr, op2: Ptr) {
    const E: usize = core::mem::size_of::<grpo_estimate>() / 8;
    let mut a = sentinel::<{ E + 1 }>();
    let mut b = sentinel::<{ E + 1 }>();
    let pa = ptr_in(a.as_mut_ptr() as *mut grpo_estimate, op);
    let pb = ptr_in(b.as_mut_ptr() as *mut grpo_estimate, op2);
    let one = |st: i32, a: &[u64; E + 1], what: &str| {
        status_ok(st);
        if st == GRPO_OK {
            estimate_ok(&*(a.as_ptr() as *const grpo_estimate), what);
            assert_eq!(a[E], SENT, "{what}: wrote past the estimate");
        } else {
            assert!(untouched(a), "{what}: written on error {st}");
        }
    };
    one(grpo_whatif_zeta(c, kref, pa), &a, "zeta");
    a = sentinel();
    one(grpo_whatif_largest_stable_lr(c, pa), &a, "largest_stable_lr");
    a = sentinel();
    one(grpo_whatif_largest_monotone_lr(c, pa), &a, "largest_monotone_lr");
    a = sentinel();
    let st = grpo_whatif_steps(c, lr, percent, pa);
    status_ok(st);
    if st == GRPO_OK {
        let e = &*(a.as_ptr() as *const grpo_estimate);
        assert!(percent == 50 || percent == 90);
        unbounded_above_ok(e, "steps");
        assert_eq!(a[E], SENT, "steps: wrote past the estimate");
    } else {
        assert!(untouched(&a), "steps: written on error {st}");
    }
    a = sentinel();
    let st = grpo_whatif_critical_kref(c, pa, pb);
    status_ok(st);
    if st == GRPO_OK {
        estimate_ok(&*(a.as_ptr() as *const grpo_estimate), "critical exact");
        estimate_ok(&*(b.as_ptr() as *const grpo_estimate), "critical prop9");
        assert!(a[E] == SENT && b[E] == SENT);
    } else {
        assert!(untouched(&a) && untouched(&b), "critical_kref written on error {st}");
    }
    let mut reg = [0xdead_beefu32; 4];
    let st = grpo_whatif_regime(c, kref, ptr_in(reg.as_mut_ptr(), op));
    status_ok(st);
    if st == GRPO_OK {
        assert!(reg[..3].iter().all(|r| *r <= 2) && reg[3] == 0xdead_beef, "{reg:?}");
    } else {
        assert_eq!(reg, [0xdead_beef; 4], "regime written on error {st}");
    }
}

fuzz_target!(|calls: Vec<Call>| {
    for call in calls.iter().take(8) {
        unsafe { run(call) }
    }
});

unsafe fn run(call: &Call) {
    match call {
        Call::TrajEval(m, mp, len, op, increasing, ts) => {
            let m = osc(m);
            let mut t = vals(ts);
            if *increasing {
                let mut acc = 0.0;
                for x in t.iter_mut() {
                    acc += x.abs();
                    *x = acc;
                }
            }
            let n = len.get(CAP);
            let mut out = sentinel::<{ CAP + 1 }>();
            let mp = match mp {
                Ptr::Null => core::ptr::null(),
                _ => &m as *const grpo_oscillator,
            };
            let st =
                grpo_trajectory_eval(mp, t.as_ptr(), n, ptr_in(out.as_mut_ptr() as *mut f64, *op));
            status_ok(st);
            if st != GRPO_OK {
                assert!(untouched(&out), "output written on error {st}");
            } else {
                assert!(!len.huge() && !mp.is_null());
                for (i, b) in out.iter().enumerate() {
                    let x = f64::from_bits(*b);
                    if i < n {
                        assert!(x.is_finite(), "non-finite value {x}");
                    } else {
                        assert_eq!(*b, SENT, "wrote past n");
                    }
                }
            }
        }
        Call::TrajGrid(m, t0, dt, len, op) => {
            let m = osc(m);
            let n = len.get(CAP);
            let mut out = sentinel::<{ CAP + 1 }>();
            let st = grpo_trajectory_eval_grid(
                &m,
                t0.get(),
                dt.get(),
                n,
                ptr_in(out.as_mut_ptr() as *mut f64, *op),
            );
            status_ok(st);
            if st != GRPO_OK {
                assert!(untouched(&out), "output written on error {st}");
            } else {
                assert!(!len.huge());
                for (i, b) in out.iter().enumerate() {
                    if i < n {
                        assert!(f64::from_bits(*b).is_finite());
                    } else {
                        assert_eq!(*b, SENT, "wrote past n");
                    }
                }
            }
        }
        Call::TrajJacobian(m, t, vp, gp) => {
            let m = osc(m);
            let mut v = sentinel::<2>();
            let mut g = sentinel::<6>();
            let st = grpo_trajectory_jacobian(
                &m,
                t.get(),
                ptr_in(v.as_mut_ptr() as *mut f64, *vp),
                ptr_in(g.as_mut_ptr() as *mut f64, *gp),
            );
            status_ok(st);
            if st != GRPO_OK {
                assert!(untouched(&v) && untouched(&g), "output written on error");
            } else {
                assert!(f64::from_bits(v[0]).is_finite() && v[1] == SENT);
                assert!(g[..5].iter().all(|b| f64::from_bits(*b).is_finite()) && g[5] == SENT);
            }
        }
        Call::TimeToFraction(m, f, op) => {
            let m = osc(m);
            let mut out = sentinel::<2>();
            let st = grpo_time_to_fraction(&m, f.get(), ptr_in(out.as_mut_ptr() as *mut f64, *op));
            status_ok(st);
            if st != GRPO_OK {
                assert!(untouched(&out));
            } else {
                let t = f64::from_bits(out[0]);
                assert!(t.is_finite() && t >= 0.0, "time {t}");
            }
        }
        Call::Fit(len, tp, yp, with_w, opts, op, ys) => {
            let n = len.get(24);
            let mut t = [0.0; CAP + 1];
            for (i, x) in t.iter_mut().enumerate() {
                *x = i as f64;
            }
            let y = vals(ys);
            let w = [1.0; CAP + 1];
            let o = opts.map(
                |(model, loss, scale, me, ftol, xtol, gtol)| grpo_fit_options {
                    model: model % 8,
                    loss: loss % 4,
                    loss_scale: scale.get(),
                    max_evaluations: me as u32,
                    ftol: ftol.get(),
                    xtol: xtol.get(),
                    gtol: gtol.get(),
                },
            );
            let mut out = sentinel::<{ core::mem::size_of::<grpo_fit_result>() / 8 + 1 }>();
            let st = grpo_fit(
                ptr_in(t.as_mut_ptr(), *tp),
                ptr_in(y.as_ptr() as *mut f64, *yp),
                if *with_w {
                    w.as_ptr()
                } else {
                    core::ptr::null()
                },
                n,
                o.as_ref().map_or(core::ptr::null(), |o| o as *const _),
                ptr_in(out.as_mut_ptr() as *mut grpo_fit_result, *op),
            );
            status_ok(st);
            in_status(st, *tp, if len.huge() { 0 } else { n }, Param::T);
            if st != GRPO_OK {
                assert!(untouched(&out), "fit output written on error {st}");
            } else {
                let r = &*(out.as_ptr() as *const grpo_fit_result);
                let np = r.n_params as usize;
                assert!((3..=5).contains(&np));
                assert!(r.params[..np].iter().all(|x| x.is_finite()));
                assert!(r.cost.is_finite() && r.cost >= 0.0);
                assert_eq!(r.plateau, r.params[0]);
                assert!(r.model <= GRPO_MODEL_OVERDAMPED && r.model as usize <= 4);
                // the header's inline accessor reads the same 8 doubles as the member
                let se = grpo_fit_result_stderr(r);
                assert_eq!(se, r.stderr.as_ptr());
                for i in 0..8 {
                    assert_eq!((*se.add(i)).to_bits(), r.stderr[i].to_bits());
                }
            }
        }
        Call::Predictor(lo, hi, pushes, op, misalign_mem) => {
            #[repr(C, align(64))]
            struct Mem([u8; 1 << 16]);
            static mut MEM: Mem = Mem([0; 1 << 16]);
            let size = grpo_predictor_size();
            assert!(size <= (1 << 16) - 64 && grpo_predictor_align() <= 64);
            let mem = core::ptr::addr_of_mut!(MEM) as *mut u8;
            // uninitialised (zeroed) memory is refused by push
            core::ptr::write_bytes(mem, 0, 16);
            assert_eq!(
                grpo_predictor_push(mem.cast(), 1.0, 0.5) & 0xff,
                GRPO_ERR_BAD_BUFFER
            );
            let m = if *misalign_mem {
                mem.wrapping_add(1)
            } else {
                mem
            };
            let st = grpo_predictor_init(m.cast(), size, lo.get(), hi.get());
            status_ok(st);
            if *misalign_mem {
                assert_eq!(st & 0xff, GRPO_ERR_BAD_BUFFER);
            }
            assert_eq!(
                grpo_predictor_init(mem.cast(), size - 1, 0.0, 1.0) & 0xff,
                GRPO_ERR_BAD_BUFFER
            );
            assert_eq!(
                grpo_predictor_init(core::ptr::null_mut(), size, 0.0, 1.0) & 0xff,
                GRPO_ERR_NULL
            );
            if st != GRPO_OK {
                return;
            }
            let (lo, hi) = (lo.get(), hi.get());
            for &(s, r, ask) in pushes.iter().take(40) {
                status_ok(grpo_predictor_push(m.cast(), s.get(), r.get()));
                if ask {
                    let mut out = sentinel::<{ core::mem::size_of::<grpo_prediction>() / 8 + 1 }>();
                    let st = grpo_predictor_predict(
                        m.cast(),
                        s.get() * 2.0,
                        ptr_in(out.as_mut_ptr() as *mut grpo_prediction, *op),
                    );
                    status_ok(st);
                    if st != GRPO_OK {
                        assert!(untouched(&out), "prediction written on error {st}");
                    } else {
                        let p = &*(out.as_ptr() as *const grpo_prediction);
                        let xs = [
                            p.plateau_lo95,
                            p.plateau_lo80,
                            p.plateau,
                            p.plateau_hi80,
                            p.plateau_hi95,
                        ];
                        assert!(xs.windows(2).all(|w| w[0] <= w[1]), "unordered {p:?}");
                        assert!(lo <= xs[0] && xs[4] <= hi, "outside bounds {p:?}");
                        let hs = [p.horizon_lo80, p.reward_at_horizon, p.horizon_hi80];
                        assert!(hs.windows(2).all(|w| w[0] <= w[1]), "unordered {p:?}");
                        assert!(lo <= hs[0] && hs[2] <= hi, "outside bounds {p:?}");
                        same_model(p);
                    }
                }
            }
        }
        Call::Diagnose(len, rp, steps, eval, entropy, rmin, rmax, g, op, rs) => {
            let n = len.get(CAP);
            let r = vals(rs);
            let mut st_buf = [0.0; CAP + 1];
            for (i, x) in st_buf.iter_mut().enumerate() {
                *x = (i * 10) as f64;
            }
            let mut input = grpo_diagnose_input {
                n,
                steps: if *steps {
                    st_buf.as_ptr()
                } else {
                    core::ptr::null()
                },
                reward: ptr_in(r.as_ptr() as *mut f64, *rp),
                eval_reward: if *eval { r.as_ptr() } else { core::ptr::null() },
                entropy: if *entropy {
                    r.as_ptr()
                } else {
                    core::ptr::null()
                },
                zero_std_frac: core::ptr::null(),
                group_size: *g,
                has_hyper: 0,
                lag: 0,
                r_min: rmin.get(),
                r_max: rmax.get(),
                r_max_eval: 1.0,
                eta: 0.0,
                mu: 0.0,
                k_hat: 0.0,
                kref: 0.0,
                expected_plateau: f64::NAN,
            };
            if *g % 3 == 0 {
                input.zero_std_frac = r.as_ptr();
            }
            let mut out = sentinel::<{ core::mem::size_of::<grpo_diagnosis>() / 8 + 1 }>();
            let st = grpo_diagnose(
                &input,
                core::ptr::null(),
                ptr_in(out.as_mut_ptr() as *mut grpo_diagnosis, *op),
            );
            status_ok(st);
            in_status(st, *rp, if len.huge() { 0 } else { n }, Param::Reward);
            if st != GRPO_OK {
                assert!(untouched(&out), "diagnosis written on error {st}");
            } else {
                let d = &*(out.as_ptr() as *const grpo_diagnosis);
                assert!(d.headline <= 4 && d.severity <= 2 && d.curve_class <= 3);
                assert!(!d.plateau.is_nan());
            }
            concentration_check(&input, *op, st);
        }
        Call::Classify(len, pp, target, tol, rp, op, ps) => {
            let n = len.get(CAP);
            let p = vals(ps);
            let mut regime = [0xdead_beefu32; 2];
            let mut over = sentinel::<2>();
            let st = grpo_classify(
                ptr_in(p.as_ptr() as *mut f64, *pp),
                n,
                target.get(),
                tol.get(),
                ptr_in(regime.as_mut_ptr(), *rp),
                ptr_in(over.as_mut_ptr() as *mut f64, *op),
            );
            status_ok(st);
            in_status(st, *pp, if len.huge() { 0 } else { n }, Param::P);
            if st != GRPO_OK {
                assert!(
                    regime == [0xdead_beef; 2] && untouched(&over),
                    "classify wrote on error"
                );
            } else {
                assert!(regime[0] <= 3 && regime[1] == 0xdead_beef);
            }
        }
        Call::Degeneracy(len, pp, g, op, ps) => {
            let n = len.get(CAP);
            let p = vals(ps);
            let mut out = sentinel::<2>();
            let st = grpo_degeneracy_heterogeneous(
                ptr_in(p.as_ptr() as *mut f64, *pp),
                n,
                *g,
                ptr_in(out.as_mut_ptr() as *mut f64, *op),
            );
            status_ok(st);
            in_status(st, *pp, if len.huge() { 0 } else { n }, Param::P);
            if st != GRPO_OK {
                assert!(untouched(&out));
            } else {
                let d = f64::from_bits(out[0]);
                assert!((0.0..=1.0).contains(&d), "degeneracy {d}");
            }
        }
        Call::Zeta(eta, mu, k, kref, op) => {
            let mut out = sentinel::<2>();
            let st = grpo_zeta(
                eta.get(),
                mu.get(),
                k.get(),
                kref.get(),
                ptr_in(out.as_mut_ptr() as *mut f64, *op),
            );
            status_ok(st);
            if st != GRPO_OK {
                assert!(untouched(&out));
            } else {
                assert!(!f64::from_bits(out[0]).is_nan());
            }
        }
        Call::LinearRegime(eta, mu, k, kref, lag, rp, op) => {
            let mut regime = [0xdead_beefu32; 2];
            let mut rho = sentinel::<2>();
            let st = grpo_linear_regime(
                eta.get(),
                mu.get(),
                k.get(),
                *kref % 4096,
                *lag,
                ptr_in(regime.as_mut_ptr(), *rp),
                ptr_in(rho.as_mut_ptr() as *mut f64, *op),
            );
            status_ok(st);
            if st != GRPO_OK {
                assert!(
                    regime == [0xdead_beef; 2] && untouched(&rho),
                    "wrote on error"
                );
            } else {
                assert!(!f64::from_bits(rho[0]).is_nan());
            }
        }
        Call::BanditSimulate(v, kref, codes, len, op) => {
            let b = grpo_bandit {
                eta: v[0].get(),
                mu: v[1].get(),
                beta: v[2].get(),
                p_ref: v[3].get(),
                c: v[4].get(),
                eps: v[5].get(),
                kref: *kref % 64,
                normalization: codes[0] % 3,
                kl: codes[1] % 3,
                lag: codes[2] % 3,
            };
            let steps = match len {
                Len::Fit(k) => *k as usize % CAP,
                Len::Huge(k) => usize::MAX - *k as usize,
            };
            let mut out = sentinel::<{ CAP + 1 }>();
            let st = grpo_bandit_simulate(&b, steps, ptr_in(out.as_mut_ptr() as *mut f64, *op));
            status_ok(st);
            let diverged = Error::new(ErrorKind::Diverged, Param::Steps).code();
            if st != GRPO_OK && st != diverged {
                assert!(untouched(&out), "simulate wrote on error {st}");
            } else {
                // documented exception: on divergence the valid prefix is kept, NaN after it
                let mut nan_seen = false;
                for (i, x) in out.iter().enumerate() {
                    if i <= steps {
                        let p = f64::from_bits(*x);
                        if st == diverged && (nan_seen || p.is_nan()) {
                            nan_seen = true;
                            assert!(p.is_nan() && *x != SENT, "after divergence: {p}");
                        } else {
                            assert!((0.0..=1.0).contains(&p), "p = {p}");
                        }
                    } else {
                        assert_eq!(*x, SENT, "wrote past steps");
                    }
                }
                assert!(st == GRPO_OK || nan_seen, "diverged without a NaN tail");
            }
        }
        Call::BanditFixedPoint(v, kref, codes, pp, kp, alias) => {
            let b = bandit(v, *kref, codes);
            let mut p = sentinel::<2>();
            let mut k = sentinel::<2>();
            let pptr = ptr_in(p.as_mut_ptr() as *mut f64, *pp);
            let kptr = if *alias {
                pptr
            } else {
                ptr_in(k.as_mut_ptr() as *mut f64, *kp)
            };
            let st = grpo_bandit_fixed_point(&b, pptr, kptr);
            if *alias && matches!(pp, Ptr::Valid) {
                assert_ne!(st, GRPO_OK, "aliased outputs accepted");
            }
            scalar_out(st, &p);
            if !*alias {
                scalar_out(st, &k);
            }
        }
        Call::BanditStochastic(v, kref, codes, g, bessel, seed, len, op) => {
            let b = bandit(v, *kref, codes);
            let steps = steps_of(len);
            let mut out = sentinel::<{ CAP + 1 }>();
            let st = grpo_bandit_simulate_stochastic(
                &b,
                g.get(),
                *bessel,
                *seed,
                steps,
                ptr_in(out.as_mut_ptr() as *mut f64, *op),
            );
            path_out(st, steps, &out, true);
        }
        Call::GroupNoise(v, kref, codes, g, bessel, op) => {
            let b = bandit(v, *kref, codes);
            let mut out = sentinel::<{ core::mem::size_of::<grpo_group_noise>() / 8 + 1 }>();
            let st = grpo_bandit_group_noise(
                &b,
                g.get(),
                *bessel,
                ptr_in(out.as_mut_ptr() as *mut grpo_group_noise, *op),
            );
            status_ok(st);
            if st != GRPO_OK {
                assert!(untouched(&out), "group noise written on error {st}");
            } else {
                let n = &*(out.as_ptr() as *const grpo_group_noise);
                let xs = [
                    n.p_star,
                    n.stiffness,
                    n.drift_var,
                    n.var_x,
                    n.var_p,
                    n.degeneracy,
                ];
                assert!(xs.iter().all(|x| x.is_finite()), "OK with {n:?}");
                assert!((0.0..=1.0).contains(&n.p_star) && n.var_p >= 0.0);
            }
        }
        Call::Transient(v, kref, codes, g, bessel, len, pp, vp, alias) => {
            let b = bandit(v, *kref % 40, codes);
            let steps = steps_of(len);
            let mut buf = sentinel::<{ 2 * (CAP + 1) }>();
            let base = buf.as_mut_ptr() as *mut f64;
            // alias: the variance output starts inside the path output
            let shift = if *alias % 4 == 0 && steps > 0 && !len.huge() {
                (*alias as usize / 4) % (steps + 1)
            } else {
                CAP + 1
            };
            let p = ptr_in(base, *pp);
            let var = ptr_in(base.wrapping_add(shift), *vp);
            let st = grpo_bandit_transient_variance(&b, g.get(), *bessel, steps, p, var);
            status_ok(st);
            if shift <= CAP && matches!((pp, vp), (Ptr::Valid, Ptr::Valid)) && !len.huge() {
                assert_ne!(st, GRPO_OK, "aliased outputs accepted");
            }
            if st != GRPO_OK {
                assert!(untouched(&buf), "transient written on error {st}");
            } else {
                for (i, x) in buf.iter().enumerate() {
                    let in_p = i <= steps;
                    let in_v = i >= CAP + 1 && i - (CAP + 1) <= steps;
                    let x = f64::from_bits(*x);
                    if in_p {
                        assert!((0.0..=1.0).contains(&x), "p = {x}");
                    } else if in_v {
                        assert!(x.is_finite() && x >= 0.0, "var = {x}");
                    } else {
                        assert_eq!(x.to_bits(), SENT, "wrote past steps");
                    }
                }
            }
        }
        Call::Degeneracy1(p, g, op) => {
            let mut out = sentinel::<2>();
            let st = grpo_degeneracy(p.get(), g.get(), ptr_in(out.as_mut_ptr() as *mut f64, *op));
            scalar_out(st, &out);
            if st == GRPO_OK {
                assert!((0.0..=1.0).contains(&f64::from_bits(out[0])));
            }
        }
        Call::Threshold(which, eta, mu, k, op) => {
            let mut out = sentinel::<2>();
            let o = ptr_in(out.as_mut_ptr() as *mut f64, *op);
            let (eta, mu, k) = (eta.get(), mu.get(), k.get());
            let st = match which % 3 {
                0 => grpo_prop9_threshold(eta, mu, k, o),
                1 => grpo_zeta_one_onset(eta, mu, k, o),
                _ => grpo_critical_lag(eta, mu, k, o),
            };
            scalar_out(st, &out);
            if st == GRPO_OK {
                assert!(f64::from_bits(out[0]) >= 0.0);
            }
        }
        Call::KrefAnswer(monotone, eta, mu, k, lag, op) => {
            let mut out = [0xdead_beefu32; 2];
            let o = ptr_in(out.as_mut_ptr(), *op);
            let st = if *monotone {
                grpo_largest_monotone_kref(eta.get(), mu.get(), k.get(), *lag, o)
            } else {
                grpo_largest_stable_kref(eta.get(), mu.get(), k.get(), *lag, o)
            };
            status_ok(st);
            if st != GRPO_OK {
                assert_eq!(out, [0xdead_beef; 2], "kref written on error {st}");
            } else {
                assert_eq!(out[1], 0xdead_beef);
            }
        }
        Call::StableEta(kref, lag, mu, k, op) => {
            let mut out = sentinel::<2>();
            let st = grpo_largest_stable_eta(
                *kref,
                *lag,
                mu.get(),
                k.get(),
                ptr_in(out.as_mut_ptr() as *mut f64, *op),
            );
            scalar_out(st, &out);
        }
        Call::Defaults(fp, dp) => {
            let mut f = sentinel::<{ core::mem::size_of::<grpo_fit_options>() / 8 + 1 }>();
            grpo_fit_options_default(ptr_in(f.as_mut_ptr() as *mut grpo_fit_options, *fp));
            if matches!(fp, Ptr::Valid) {
                let o = &*(f.as_ptr() as *const grpo_fit_options);
                assert_eq!((o.model, o.loss), (5, 0));
            } else {
                assert!(untouched(&f));
            }
            let mut dr = sentinel::<{ core::mem::size_of::<grpo_drop_options>() / 8 + 1 }>();
            let st = grpo_drop_options_default(ptr_in(dr.as_mut_ptr() as *mut grpo_drop_options, *fp));
            status_ok(st);
            if st == GRPO_OK {
                let o = &*(dr.as_ptr() as *const grpo_drop_options);
                assert!(o.alpha > 0.0 && o.alpha < 1.0 && o.min_lost.is_finite());
                assert!(o.window_fraction > 0.0 && o.window_fraction < 1.0 && o.min_window >= 1);
                assert_eq!(dr[dr.len() - 1], SENT);
            } else {
                assert!(!matches!(fp, Ptr::Valid) && untouched(&dr));
            }
            let c = grpo_predictor_config_default();
            assert!(c.reward_min == f64::NEG_INFINITY && c.reward_max == f64::INFINITY);
            assert!(c.confidence > 0.5 && c.confidence < 1.0 && c.confirmations >= 1);
            assert!(c.min_gain.is_finite() && c.interval_k > 0.0 && c.interval_k.is_finite());
            let mut d = sentinel::<{ core::mem::size_of::<grpo_diagnose_options>() / 8 + 1 }>();
            let st = grpo_diagnose_options_default(ptr_in(
                d.as_mut_ptr() as *mut grpo_diagnose_options,
                *dp,
            ));
            status_ok(st);
            if st == GRPO_OK {
                let o = &*(d.as_ptr() as *const grpo_diagnose_options);
                assert!(o.phi_hacking.is_finite() && o.phi_hacking > 0.0);
            } else {
                assert!(untouched(&d));
            }
        }
        Call::Status(code) => {
            let m = core::ffi::CStr::from_ptr(grpo_status_message(*code));
            let m = m.to_str().expect("ASCII message");
            assert!(!m.is_empty() && m.len() < 64);
            if let Some(e) = Error::from_code(*code) {
                assert!(m.ends_with(e.kind().describe()), "{m}");
            }
            let v = core::ffi::CStr::from_ptr(grpo_version());
            assert!(!v.to_bytes().is_empty());
            assert!(grpo_predictor_size() > 0 && grpo_predictor_align().is_power_of_two());
        }
        Call::Aliased(which, _, at) => {
            // an output overlapping an input or another output: refused, nothing written
            let m = grpo_oscillator {
                r_star: 0.7,
                r0: 0.1,
                v0: 0.0,
                omega: 0.15,
                zeta: 1.0,
            };
            let mut buf = sentinel::<16>();
            let base = buf.as_mut_ptr() as *mut f64;
            let k = (*at as usize) % 8;
            let bad = Error::new(ErrorKind::BadBuffer, Param::Output).code();
            let st = match which % 4 {
                0 => grpo_trajectory_eval(&m, base, 8, base.add(k)),
                1 => grpo_trajectory_jacobian(&m, 1.0, base.add(k % 5), base),
                2 => grpo_degeneracy_heterogeneous(base, 8, 4, base.add(k)),
                _ => {
                    let mut regime = 0u32;
                    let r = if k % 2 == 0 {
                        base.add(k) as *mut u32
                    } else {
                        &mut regime as *mut u32
                    };
                    let st = grpo_classify(base, 8, 0.0, 0.01, r, base.add(k));
                    assert_eq!(regime, 0);
                    st
                }
            };
            assert_eq!(st, bad, "aliased call {which} at {k}");
            assert!(untouched(&buf), "aliased call wrote");
        }
        Call::PredictorFlips(pushes, flips, horizon) => {
            let size = grpo_predictor_size();
            let mut mem = vec![0u64; size / 8 + 1];
            let m = mem.as_mut_ptr() as *mut core::ffi::c_void;
            assert_eq!(grpo_predictor_init(m, size, 0.0, 1.0), GRPO_OK);
            for (i, &(s, r)) in pushes.iter().take(40).enumerate() {
                let step = i as f64 + s.get().abs().min(0.5);
                let reward = r.get().clamp(0.0, 1.0);
                if reward.is_finite() {
                    status_ok(grpo_predictor_push(m, step, reward));
                }
            }
            for &(at, bit) in flips.iter().take(4) {
                let byte = at as usize % size;
                let b = &mut *(mem.as_mut_ptr() as *mut u8).add(byte);
                *b ^= 1 << (bit % 8);
            }
            let before = mem.clone();
            let mut out = sentinel::<{ core::mem::size_of::<grpo_prediction>() / 8 + 1 }>();
            let st =
                grpo_predictor_predict(m, horizon.get(), out.as_mut_ptr() as *mut grpo_prediction);
            status_ok(st);
            if st != GRPO_OK {
                assert!(untouched(&out), "prediction written on error {st}");
                assert_eq!(mem, before, "predictor memory written on error {st}");
            } else {
                let p = &*(out.as_ptr() as *const grpo_prediction);
                let xs = [
                    p.plateau,
                    p.plateau_lo95,
                    p.plateau_hi95,
                    p.reward_at_horizon,
                ];
                assert!(xs.iter().all(|x| x.is_finite()), "OK with {p:?}");
            }
            let before = mem.clone();
            let st = grpo_predictor_push(m, 1e6, 0.5);
            status_ok(st);
            if st != GRPO_OK {
                assert_eq!(mem, before, "predictor memory written on error {st}");
            }
        }
        Call::PredictorConfig(v, confirmations, mp, cp, pushes) => {
            let size = grpo_predictor_size();
            let mut mem = vec![SENT; size / 8 + 2];
            let m = ptr_in(mem.as_mut_ptr() as *mut u8, *mp) as *mut core::ffi::c_void;
            let d = grpo_predictor_config_default();
            let cfg = grpo_predictor_config {
                reward_min: v[0].get(),
                reward_max: v[1].get(),
                min_gain: v[2].get(),
                min_gain_share: v[3].get(),
                confidence: v[4].get(),
                min_points: v[5].get(),
                power_weight: v[6].get(),
                interval_k: v[7].get(),
                confirmations: *confirmations % 8,
            };
            // the default settings through init_config are init(-inf, inf), byte for byte
            let mut ref_mem = vec![0u64; size / 8 + 2];
            let mut def_mem = vec![0u64; size / 8 + 2];
            assert_eq!(
                grpo_predictor_init(ref_mem.as_mut_ptr().cast(), size, d.reward_min, d.reward_max),
                GRPO_OK
            );
            assert_eq!(grpo_predictor_init_config(def_mem.as_mut_ptr().cast(), size, &d), GRPO_OK);
            assert_eq!(ref_mem, def_mem, "default config differs from init");
            let cptr = match cp {
                Ptr::Valid => &cfg as *const grpo_predictor_config,
                Ptr::Null => core::ptr::null(),
                Ptr::Misaligned => {
                    ((&cfg as *const grpo_predictor_config) as *const u8).wrapping_add(1).cast()
                }
            };
            let st = grpo_predictor_init_config(m, size, cptr);
            status_ok(st);
            if st != GRPO_OK {
                assert!(untouched(&mem), "memory written on a failed init {st}");
                return;
            }
            assert!(matches!((mp, cp), (Ptr::Valid, Ptr::Valid)));
            assert_eq!(mem[mem.len() - 1], SENT, "init wrote past grpo_predictor_size()");
            for (i, &(s, r)) in pushes.iter().take(40).enumerate() {
                status_ok(grpo_predictor_push(m, i as f64 + s.get().abs().min(0.5), r.get()));
            }
            let mut out = sentinel::<{ core::mem::size_of::<grpo_prediction>() / 8 + 1 }>();
            let st = grpo_predictor_predict(m, 1e3, out.as_mut_ptr() as *mut grpo_prediction);
            status_ok(st);
            if st == GRPO_OK {
                let p = &*(out.as_ptr() as *const grpo_prediction);
                let xs = [p.plateau_lo95, p.plateau_lo80, p.plateau, p.plateau_hi80, p.plateau_hi95];
                assert!(xs.iter().all(|x| x.is_finite()), "OK with {p:?}");
                assert!(xs.windows(2).all(|w| w[0] <= w[1]), "unordered {p:?}");
                assert!(cfg.reward_min <= xs[0] && xs[4] <= cfg.reward_max, "outside bounds {p:?}");
                assert!(p.advice <= 3 && p.regime <= 4);
                same_model(p);
            } else {
                assert!(untouched(&out), "prediction written on error {st}");
            }
        }
        Call::DiagnoseEvidence(len, eval, entropy, drop, op, ep, g, rs) => {
            let n = len.get(CAP);
            let r = vals(rs);
            let mut steps = [0.0; CAP + 1];
            for (i, x) in steps.iter_mut().enumerate() {
                *x = (i * 10) as f64;
            }
            let input = grpo_diagnose_input {
                n,
                steps: steps.as_ptr(),
                reward: r.as_ptr(),
                eval_reward: if *eval { r.as_ptr() } else { core::ptr::null() },
                entropy: if *entropy { r.as_ptr() } else { core::ptr::null() },
                zero_std_frac: if *g % 3 == 0 { r.as_ptr() } else { core::ptr::null() },
                group_size: *g,
                has_hyper: 0,
                lag: 0,
                r_min: 0.0,
                r_max: 1.0,
                r_max_eval: 1.0,
                eta: 0.0,
                mu: 0.0,
                k_hat: 0.0,
                kref: 0.0,
                expected_plateau: f64::NAN,
            };
            let d = drop.map(|(v, w)| grpo_drop_options {
                alpha: v[0].get(),
                min_lost: v[1].get(),
                window_fraction: v[2].get(),
                min_window: w % 64,
                reserved: 0,
            });
            let mut out = sentinel::<{ core::mem::size_of::<grpo_diagnosis>() / 8 + 1 }>();
            let mut ev = sentinel::<{ core::mem::size_of::<grpo_diagnosis_evidence>() / 8 + 1 }>();
            let st = grpo_diagnose_evidence(
                &input,
                core::ptr::null(),
                d.as_ref().map_or(core::ptr::null(), |d| d as *const _),
                ptr_in(out.as_mut_ptr() as *mut grpo_diagnosis, *op),
                ptr_in(ev.as_mut_ptr() as *mut grpo_diagnosis_evidence, *ep),
            );
            status_ok(st);
            if st != GRPO_OK {
                assert!(untouched(&out) && untouched(&ev), "diagnosis written on error {st}");
                return;
            }
            let dg = &*(out.as_ptr() as *const grpo_diagnosis);
            assert!(dg.headline <= 4 && dg.severity <= 2 && dg.curve_class <= 3);
            let e = &*(ev.as_ptr() as *const grpo_diagnosis_evidence);
            let skips = [
                e.hacking_skipped,
                e.degeneracy_skipped,
                e.concentration_skipped,
                e.drop_skipped,
            ];
            assert!(skips.iter().all(|k| *k <= 4) && e.drop_detected <= 1, "{e:?}");
            assert!(e.drop_alpha > 0.0 && e.drop_alpha < 1.0, "{e:?}");
            assert_eq!(out[out.len() - 1], SENT);
            assert_eq!(ev[ev.len() - 1], SENT);
            if d.is_none() {
                // with the default drop settings the headline diagnosis is grpo_diagnose's
                let mut plain = sentinel::<{ core::mem::size_of::<grpo_diagnosis>() / 8 + 1 }>();
                let st = grpo_diagnose(&input, core::ptr::null(), plain.as_mut_ptr().cast());
                assert_eq!(st, GRPO_OK);
                // field by field (the struct has padding, whose bytes a whole-struct store may
                // fill with anything); Debug prints NaN as NaN
                let plain_d = &*(plain.as_ptr() as *const grpo_diagnosis);
                assert_eq!(
                    format!("{plain_d:?}"),
                    format!("{dg:?}"),
                    "diagnose_evidence and diagnose disagree"
                );
            }
        }
        Call::Calibrate(len, rp, lr_col, v, kref, lag, smooth, op, shape, rs) => {
            let n = len.get(CAP);
            let mut t = [0.0; CAP + 1];
            for (i, x) in t.iter_mut().enumerate() {
                *x = i as f64;
            }
            // fuzzer values, or a saturating curve (so the tail fits and the what-ifs run)
            let mut r = vals(rs);
            if let Some([r0, rs_, tau]) = shape {
                let tau = tau.get().abs().max(1e-3);
                for (i, x) in r.iter_mut().enumerate() {
                    *x = rs_.get() - (rs_.get() - r0.get()) * (-(i as f64) / tau).exp();
                }
            }
            let col = [lr_col.map_or(1.0, |x| x.get()); CAP + 1];
            let settings = grpo_calibrate_settings {
                lr: v[0].get(),
                lr_column: if lr_col.is_some() { col.as_ptr() } else { core::ptr::null() },
                beta1: v[1].get(),
                kref: match kref {
                    Group::Raw(k) => *k,
                    _ => kref.get() % 2048,
                },
                lag: *lag % 3,
                smooth: *smooth as u32,
            };
            let mut out = sentinel::<{ core::mem::size_of::<grpo_calibration>() / 8 + 1 }>();
            let st = grpo_calibrate(
                t.as_ptr(),
                ptr_in(r.as_ptr() as *mut f64, *rp),
                n,
                &settings,
                ptr_in(out.as_mut_ptr() as *mut grpo_calibration, *op),
            );
            status_ok(st);
            in_status(st, *rp, if len.huge() { 0 } else { n }, Param::Reward);
            if st != GRPO_OK {
                assert!(untouched(&out), "calibration written on error {st}");
                return;
            }
            assert_eq!(out[out.len() - 1], SENT, "wrote past the calibration");
            let c = &*(out.as_ptr() as *const grpo_calibration);
            calibration_ok(c);
            whatifs(c, settings.kref, v[0].get(), 50, Ptr::Valid, Ptr::Valid);
            whatifs(c, 1, 1e-3, 90, Ptr::Valid, Ptr::Valid);
        }
        Call::WhatIf(v, codes, k_det, kref, lr, percent, op, op2) => {
            // a calibration with fuzzer fields (validated by every what-if)
            let c = grpo_calibration {
                r0: v[0].get(),
                r_star: grpo_estimate {
                    value: v[1].get(),
                    lo: v[1].get() - 0.05,
                    hi: v[1].get() + 0.05,
                },
                k: grpo_estimate {
                    value: v[2].get(),
                    lo: v[2].get() * v[3].get(),
                    hi: v[2].get() / v[3].get(),
                },
                k_determined: (*k_det % 3) as u32,
                kref: codes[0] % 2048,
                lag: codes[1] % 3,
                reserved: codes[2] % 2,
                rho: v[4].get(),
                eta: v[5].get(),
                mu: v[6].get(),
                delay: v[7].get(),
                flow50: grpo_estimate {
                    value: v[8].get(),
                    lo: v[8].get() * 0.5,
                    hi: v[8].get() * 2.0,
                },
                flow90: grpo_estimate {
                    value: v[8].get() * 3.0,
                    lo: v[8].get(),
                    hi: v[8].get() * 6.0,
                },
                t0: 0.0,
            };
            let cp = if *k_det >= 200 { core::ptr::null() } else { &c as *const _ };
            whatifs(cp, kref.get(), lr.get(), *percent % 100, *op, *op2);
        }
    }
}

/// `grpo_diagnose_concentration` (issue 19) on the input `grpo_diagnose` just saw (status
/// `diag_st`), its output passed as `how`: the same status (the same checks in the same order);
/// on error a canary-filled `out` stays untouched; on success every word is written, the codes are
/// in range, `reserved` is 0, the thresholds are the defaults, and the numbers are finite except
/// the documented NaN: every number when skipped (no entropy), `headroom` and `gap_fraction` for
/// an unbounded reward (`r_max = +inf`) that did not rise.
unsafe fn concentration_check(input: &grpo_diagnose_input, how: Ptr, diag_st: i32) {
    const W: usize = core::mem::size_of::<grpo_concentration_evidence>() / 8;
    let mut out = sentinel::<{ W + 1 }>();
    let st = grpo_diagnose_concentration(
        input,
        core::ptr::null(),
        ptr_in(out.as_mut_ptr() as *mut grpo_concentration_evidence, how),
    );
    status_ok(st);
    assert_eq!(st, diag_st, "grpo_diagnose_concentration vs grpo_diagnose");
    if st != GRPO_OK {
        assert!(
            untouched(&out),
            "concentration evidence written on error {st}"
        );
        return;
    }
    assert!(out[..W].iter().all(|&w| w != SENT), "a word left unwritten");
    assert_eq!(out[W], SENT, "written past the struct");
    let e = &*(out.as_ptr() as *const grpo_concentration_evidence);
    assert_eq!(
        (e.reserved, e.collapse_ratio, e.premature_gap),
        (0, 0.2, 0.1)
    );
    assert_eq!(e.smoothing_fraction, 0.1);
    let nums = [
        e.entropy_ratio,
        e.h0,
        e.reward_at_collapse,
        e.plateau,
        e.headroom,
        e.gap_fraction,
    ];
    if input.entropy.is_null() {
        assert_eq!(
            (e.skipped, e.verdict, e.severity, e.collapsed),
            (1, 0, 0, 0)
        );
        assert_eq!((e.window, e.collapse_index), (0, 0));
        assert!(
            nums.iter().all(|x| x.is_nan()),
            "skipped with numbers {e:?}"
        );
        return;
    }
    assert_eq!(e.skipped, 0);
    assert!(e.verdict <= 2 && e.collapsed <= 1 && e.window >= 1, "{e:?}");
    assert_eq!(e.severity, if e.verdict == 2 { 2 } else { 0 });
    assert_eq!(e.collapsed == 1, e.verdict != 0, "{e:?}");
    assert!((e.collapse_index as usize) < input.n, "{e:?}");
    let unbounded = input.r_max == f64::INFINITY;
    let finite = if unbounded { &nums[..4] } else { &nums[..] };
    assert!(finite.iter().all(|x| x.is_finite()), "OK with {e:?}");
    if unbounded {
        assert_eq!(e.headroom.is_nan(), e.gap_fraction.is_nan(), "{e:?}");
    }
}
