//! Bad-input matrix (issue 7): every row feeds one hostile input to one public entry point and
//! asserts the SPECIFIC error (kind and parameter), first through the Rust API, then (feature
//! `capi`) through the C ABI, where the same error must come back as the status
//! `kind | param << 8` with the outputs untouched.
//!
//! Hostile inputs: NULL pointers, zero and huge lengths, NaN, +-inf, subnormals, negative and
//! reversed times, duplicate steps, constant curves, values outside the reward bounds.

use grpo_dynamics::diagnostics::{DiagnoseInput, DiagnoseOptions};
use grpo_dynamics::fit::{self, Bounds, Curve, Options, ParamSet, Start};
use grpo_dynamics::predict::fit_and_diagnose;
use grpo_dynamics::predict::{Config, Predictor};
use grpo_dynamics::trajectory::Oscillator;
use grpo_dynamics::{Error, ErrorKind, ErrorKind as K, Param, Param as P};

const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;
/// Smallest positive subnormal.
const SUB: f64 = 5e-324;

/// Expected "error" of a row whose call must succeed (param `None` marks acceptance).
const ACCEPTED: Error = Error::new(ErrorKind::NonFinite, Param::None);

fn e(kind: ErrorKind, param: Param) -> Error {
    Error::new(kind, param)
}

fn t10() -> [f64; 10] {
    core::array::from_fn(|i| i as f64)
}

/// A saturating curve on `t10()`.
fn y10() -> [f64; 10] {
    core::array::from_fn(|i| 0.8 - 0.6 * (-(i as f64) / 3.0).exp())
}

fn osc(v: [f64; 5]) -> Result<Oscillator<f64>, Error> {
    Oscillator::new(v[0], v[1], v[2], v[3], v[4])
}

const OK_OSC: [f64; 5] = [0.8, 0.2, 0.0, 0.5, 0.7];

fn with(mut v: [f64; 5], j: usize, x: f64) -> [f64; 5] {
    v[j] = x;
    v
}

/// `(row name, result of the call, expected error)`.
type Row = (&'static str, Result<(), Error>, Error);

fn trajectory_rows() -> Vec<Row> {
    let m = osc(OK_OSC).unwrap();
    let mut out = [0.0; 3];
    let mut rows: Vec<Row> = vec![
        (
            "r_star NaN",
            osc(with(OK_OSC, 0, NAN)).map(drop),
            e(K::NonFinite, P::RStar),
        ),
        (
            "r0 +inf",
            osc(with(OK_OSC, 1, INF)).map(drop),
            e(K::NonFinite, P::R0),
        ),
        (
            "v0 -inf",
            osc(with(OK_OSC, 2, -INF)).map(drop),
            e(K::NonFinite, P::V0),
        ),
        (
            "omega 0",
            osc(with(OK_OSC, 3, 0.0)).map(drop),
            e(K::OutOfRange, P::Omega),
        ),
        (
            "omega negative",
            osc(with(OK_OSC, 3, -1.0)).map(drop),
            e(K::OutOfRange, P::Omega),
        ),
        (
            "omega NaN",
            osc(with(OK_OSC, 3, NAN)).map(drop),
            e(K::NonFinite, P::Omega),
        ),
        (
            "zeta negative",
            osc(with(OK_OSC, 4, -0.1)).map(drop),
            e(K::OutOfRange, P::Zeta),
        ),
        (
            "zeta +inf",
            osc(with(OK_OSC, 4, INF)).map(drop),
            e(K::NonFinite, P::Zeta),
        ),
        // omega^2 (zeta^2 - 1) overflows: the kernel constant does not exist in f64
        (
            "zeta huge",
            osc(with(OK_OSC, 4, 1e200)).map(drop),
            e(K::OutOfRange, P::Zeta),
        ),
        (
            "omega huge",
            osc(with(OK_OSC, 3, 1e200)).map(drop),
            e(K::OutOfRange, P::Omega),
        ),
        (
            "t negative",
            m.value(-1.0).map(drop),
            e(K::OutOfRange, P::T),
        ),
        ("t NaN", m.value(NAN).map(drop), e(K::NonFinite, P::T)),
        ("t +inf", m.value(INF).map(drop), e(K::NonFinite, P::T)),
        (
            "slice with a NaN time",
            m.eval_slice(&[0.0, NAN, 1.0], &mut out),
            e(K::NonFinite, P::T),
        ),
        (
            "slice with a negative time",
            m.eval_slice(&[0.0, -1.0, 1.0], &mut out),
            e(K::OutOfRange, P::T),
        ),
        (
            "slice length mismatch",
            m.eval_slice(&[0.0, 1.0], &mut out),
            e(K::LengthMismatch, P::Output),
        ),
        (
            "grid dt 0",
            m.eval_grid(0.0, 0.0, &mut out),
            e(K::OutOfRange, P::Dt),
        ),
        (
            "grid dt negative (reversed times)",
            m.eval_grid(5.0, -1.0, &mut out),
            e(K::OutOfRange, P::Dt),
        ),
        (
            "grid t0 negative",
            m.eval_grid(-1.0, 1.0, &mut out),
            e(K::OutOfRange, P::T0),
        ),
        (
            "grid t0 NaN",
            m.eval_grid(NAN, 1.0, &mut out),
            e(K::NonFinite, P::T0),
        ),
        (
            "fraction 0",
            m.time_to_fraction(0.0).map(drop),
            e(K::OutOfRange, P::Fraction),
        ),
        (
            "fraction 1",
            m.time_to_fraction(1.0).map(drop),
            e(K::OutOfRange, P::Fraction),
        ),
        (
            "fraction NaN",
            m.time_to_fraction(NAN).map(drop),
            e(K::NonFinite, P::Fraction),
        ),
        (
            "fraction of a constant curve (r0 = r_star)",
            osc([0.5, 0.5, 0.0, 1.0, 0.7])
                .unwrap()
                .time_to_fraction(0.5)
                .map(drop),
            e(K::NotReached, P::Fraction),
        ),
    ];
    // subnormal omega is a valid (if useless) model; its values stay finite
    let slow = osc(with(OK_OSC, 3, SUB)).unwrap();
    rows.push((
        "omega subnormal is accepted",
        slow.value(1.0).map(|v| assert!((v - 0.2).abs() < 1e-12)),
        ACCEPTED,
    ));
    rows
}

fn fit_rows() -> Vec<Row> {
    let (t, y) = (t10(), y10());
    let opts = Options::<f64>::default();
    let fit = |t: &[f64], y: &[f64], w: Option<&[f64]>| {
        fit::fit(ParamSet::Saturation, t, y, w, Start::Data, &opts).map(drop)
    };
    let t_same = [3.0; 10];
    let t_neg: [f64; 10] = core::array::from_fn(|i| i as f64 - 20.0);
    let mut y_nan = y;
    y_nan[2] = NAN;
    let mut y_inf = y;
    y_inf[9] = -INF;
    let mut w_neg = [1.0; 10];
    w_neg[0] = -1.0;
    let mut w_nan = [1.0; 10];
    w_nan[5] = NAN;
    let with_opts =
        |o: Options<f64>| fit::fit(ParamSet::Critical, &t, &y, None, Start::Data, &o).map(drop);
    let cv = Curve::new(&t, &y, None).unwrap();
    let b = ParamSet::Saturation.default_bounds(9.0);
    let mut b_inv = b;
    b_inv.0[0] = 2.0;
    b_inv.1[0] = 1.0;
    let mut b_nan = b;
    b_nan.0[1] = NAN;
    let curve_fit = |start: Start<'_, f64>, b: &([f64; 8], [f64; 8])| {
        fit::fit_curve(ParamSet::Saturation, &cv, start, (&b.0, &b.1), &opts).map(drop)
    };
    vec![
        ("empty curve", fit(&[], &[], None), e(K::Empty, P::T)),
        (
            "length mismatch",
            fit(&t, &y[..9], None),
            e(K::LengthMismatch, P::Y),
        ),
        // unsorted and repeated times are valid regression data; one single time is not a curve
        (
            "all times equal",
            fit(&t_same, &y, None),
            e(K::Constant, P::T),
        ),
        (
            "NaN time",
            fit(&[0.0, NAN, 2.0], &[0.0, 1.0, 2.0], None),
            e(K::NonFinite, P::T),
        ),
        ("NaN reward", fit(&t, &y_nan, None), e(K::NonFinite, P::Y)),
        ("-inf reward", fit(&t, &y_inf, None), e(K::NonFinite, P::Y)),
        (
            "constant curve",
            fit(&t, &[0.5; 10], None),
            e(K::Constant, P::Y),
        ),
        (
            "single point",
            fit(&[0.0], &[0.5], None),
            e(K::Constant, P::Y),
        ),
        (
            "too few points for 3 parameters",
            fit(&t[..2], &y[..2], None),
            e(K::TooFewPoints, P::N),
        ),
        // time is measured from t[0]: negative times are ordinary data
        ("negative times accepted", fit(&t_neg, &y, None), ACCEPTED),
        // a subnormal time span: the data start (tau63 ~ span) has no finite rate 1 / tau63
        (
            "subnormal time span",
            fit(&[0.0, SUB, 2.0 * SUB, 3.0 * SUB], &y[..4], None),
            e(K::NonFinite, P::Start),
        ),
        (
            "negative weight",
            fit(&t, &y, Some(&w_neg)),
            e(K::OutOfRange, P::Weights),
        ),
        (
            "NaN weight",
            fit(&t, &y, Some(&w_nan)),
            e(K::NonFinite, P::Weights),
        ),
        (
            "weights length mismatch",
            fit(&t, &y, Some(&[1.0; 9])),
            e(K::LengthMismatch, P::Weights),
        ),
        (
            "negative ftol",
            with_opts(Options { ftol: -1.0, ..opts }),
            e(K::OutOfRange, P::Ftol),
        ),
        (
            "NaN xtol",
            with_opts(Options { xtol: NAN, ..opts }),
            e(K::NonFinite, P::Xtol),
        ),
        (
            "inf gtol",
            with_opts(Options { gtol: INF, ..opts }),
            e(K::NonFinite, P::Gtol),
        ),
        (
            "huber scale 0",
            with_opts(Options {
                loss: fit::Loss::Huber(0.0),
                ..opts
            }),
            e(K::OutOfRange, P::LossScale),
        ),
        (
            "inverted bounds",
            curve_fit(Start::Data, &b_inv),
            e(K::BoundsInverted, P::Bounds),
        ),
        (
            "NaN bound",
            curve_fit(Start::Data, &b_nan),
            e(K::NonFinite, P::Bounds),
        ),
        (
            "start outside bounds",
            curve_fit(Start::Given(&[0.8, 0.2, -1.0]), &b),
            e(K::OutsideBounds, P::Start),
        ),
        (
            "NaN start",
            curve_fit(Start::Given(&[NAN, 0.2, 1.0]), &b),
            e(K::NonFinite, P::Start),
        ),
        (
            "start of the wrong length",
            curve_fit(Start::Given(&[0.8, 0.2]), &b),
            e(K::LengthMismatch, P::Start),
        ),
        (
            "generic bounds: lo > hi",
            fit::solve(
                &fit::SaturationModel { origin: 0.0 },
                core::slice::from_ref(&cv),
                [0.8, 0.2, 3.0],
                &Bounds {
                    lo: [0.0, 0.0, 5.0],
                    hi: [1.0, 1.0, 4.0],
                },
                &opts,
            )
            .map(drop),
            e(K::BoundsInverted, P::Bounds),
        ),
    ]
}

fn predictor_rows() -> Vec<Row> {
    let new = |lo: f64, hi: f64| Predictor::<f64, 16>::with_config(Config::new(lo, hi)).map(drop);
    let mut p = Predictor::<f64, 16>::with_config(Config::new(0.0, 1.0)).unwrap();
    p.push(10.0, 0.3).unwrap();
    let mut q = Predictor::<f64, 16>::with_config(Config::new(0.0, 1.0)).unwrap();
    for i in 0..8 {
        q.push(i as f64, 0.2 + 0.05 * i as f64).unwrap();
    }
    let mut flat = Predictor::<f64, 16>::with_config(Config::new(0.0, 1.0)).unwrap();
    for i in 0..8 {
        flat.push(i as f64, 0.5).unwrap();
    }
    let mut rows: Vec<Row> = vec![
        (
            "reward_min NaN",
            new(NAN, 1.0),
            e(K::NonFinite, P::RewardMin),
        ),
        (
            "reward_max NaN",
            new(0.0, NAN),
            e(K::NonFinite, P::RewardMax),
        ),
        (
            "reward_min +inf",
            new(INF, INF),
            e(K::OutOfRange, P::RewardMin),
        ),
        (
            "reward_max -inf",
            new(-INF, -INF),
            e(K::OutOfRange, P::RewardMax),
        ),
        (
            "reward bounds inverted",
            new(1.0, 0.0),
            e(K::BoundsInverted, P::RewardMax),
        ),
        (
            "reward bounds equal",
            new(0.5, 0.5),
            e(K::BoundsInverted, P::RewardMax),
        ),
        (
            "capacity below 8",
            Predictor::<f64, 4>::with_config(Config::new(0.0, 1.0)).map(drop),
            e(K::OutOfRange, P::Capacity),
        ),
        ("step NaN", p.push(NAN, 0.5), e(K::NonFinite, P::Step)),
        ("step +inf", p.push(INF, 0.5), e(K::NonFinite, P::Step)),
        ("reward NaN", p.push(11.0, NAN), e(K::NonFinite, P::Reward)),
        (
            "reward -inf",
            p.push(11.0, -INF),
            e(K::NonFinite, P::Reward),
        ),
        (
            "duplicate step",
            p.push(10.0, 0.5),
            e(K::NotIncreasing, P::Step),
        ),
        (
            "step going back",
            p.push(9.0, 0.5),
            e(K::NotIncreasing, P::Step),
        ),
        (
            "negative step going back",
            p.push(-1.0, 0.5),
            e(K::NotIncreasing, P::Step),
        ),
        (
            "predict before enough points",
            p.predict(100.0).map(drop),
            e(K::NotReady, P::N),
        ),
        (
            "horizon NaN",
            q.predict(NAN).map(drop),
            e(K::NonFinite, P::Horizon),
        ),
        (
            "horizon before the first step",
            q.reward_at(-5.0).map(drop),
            e(K::OutOfRange, P::Horizon),
        ),
        (
            "fraction 1",
            q.step_to_fraction(1.0).map(drop),
            e(K::OutOfRange, P::Fraction),
        ),
        (
            "target NaN",
            q.step_to_target(NAN).map(drop),
            e(K::NonFinite, P::Target),
        ),
    ];
    // a subnormal step increment is accepted; a finite reward outside the bounds is refused
    // (issue 14: one such point captured every later fit); a constant curve predicts its level
    rows.push((
        "subnormal step increment accepted",
        p.push(10.0 + 2e-15, 0.5),
        ACCEPTED,
    ));
    rows.push((
        "reward above reward_max refused",
        p.push(12.0, 3.0),
        e(K::OutOfRange, P::Reward),
    ));
    let f = flat
        .plateau()
        .map(|f| assert!((f.value - 0.5).abs() < 1e-9 && f.lo95 <= 0.5 && 0.5 <= f.hi95));
    rows.push(("constant curve predicts its level", f, ACCEPTED));
    // after the refused points the window holds exactly what was accepted (the out-of-bounds
    // reward is one of the refused points)
    assert_eq!(p.window().len(), 2);
    rows
}

fn diagnose_rows() -> Vec<Row> {
    let y = y10();
    let o = DiagnoseOptions::<f64>::default();
    let run = |inp: DiagnoseInput<'_, f64>| fit_and_diagnose(&inp, &o).map(drop);
    let mut y_nan = y;
    y_nan[3] = NAN;
    let mut y_out = y;
    y_out[9] = 7.0;
    let t = t10();
    let mut t_dup = t;
    t_dup[5] = t_dup[4];
    let t_neg: [f64; 10] = core::array::from_fn(|i| -(i as f64));
    vec![
        (
            "empty reward",
            run(DiagnoseInput::new(&[])),
            e(K::Empty, P::Reward),
        ),
        (
            "NaN reward",
            run(DiagnoseInput::new(&y_nan)),
            e(K::NonFinite, P::Reward),
        ),
        (
            "steps length mismatch",
            run(DiagnoseInput {
                steps: Some(&t[..9]),
                ..DiagnoseInput::new(&y)
            }),
            e(K::LengthMismatch, P::Step),
        ),
        (
            "duplicate steps",
            run(DiagnoseInput {
                steps: Some(&t_dup),
                ..DiagnoseInput::new(&y)
            }),
            e(K::NotIncreasing, P::Step),
        ),
        (
            "reversed (decreasing) steps",
            run(DiagnoseInput {
                steps: Some(&t_neg),
                ..DiagnoseInput::new(&y)
            }),
            e(K::NotIncreasing, P::Step),
        ),
        (
            "reward bounds inverted",
            run(DiagnoseInput {
                r_min: 1.0,
                r_max: 0.0,
                ..DiagnoseInput::new(&y)
            }),
            e(K::BoundsInverted, P::RewardMax),
        ),
        (
            "entropy length mismatch",
            run(DiagnoseInput {
                entropy: Some(&y[..5]),
                ..DiagnoseInput::new(&y)
            }),
            e(K::LengthMismatch, P::Entropy),
        ),
        // a reward outside [r_min, r_max] is refused by the fit (issue 14)
        (
            "reward above r_max refused",
            run(DiagnoseInput::new(&y_out)),
            e(K::OutOfRange, P::Reward),
        ),
    ]
}

/// Rows whose expected error has `param == None` are "accepted" rows: the call must succeed.
fn check(rows: Vec<Row>) {
    let mut failed = Vec::new();
    for (name, got, want) in rows {
        let ok = if want.param() == P::None {
            got.is_ok()
        } else {
            got == Err(want)
        };
        if !ok {
            failed.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} rows failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn trajectory_matrix() {
    check(trajectory_rows());
}

#[test]
fn fit_matrix() {
    check(fit_rows());
}

#[test]
fn predictor_matrix() {
    check(predictor_rows());
}

#[test]
fn diagnose_matrix() {
    check(diagnose_rows());
}

/// The same hostile inputs through the C ABI: each row is `(name, status, expected error,
/// outputs untouched)`; the status must equal `Error::code()` of the expected error.
#[cfg(feature = "capi")]
mod c_abi {
    use super::*;
    use core::ptr::{null, null_mut};
    use grpo_dynamics::capi::*;

    const SENT: f64 = -12345.678;

    struct CRow {
        name: &'static str,
        status: i32,
        want: Error,
        untouched: bool,
    }

    fn row(name: &'static str, status: i32, want: Error, out: &[f64]) -> CRow {
        CRow {
            name,
            status,
            want,
            untouched: out.iter().all(|x| x.to_bits() == SENT.to_bits()),
        }
    }

    fn check(rows: Vec<CRow>) {
        let mut failed = Vec::new();
        for r in rows {
            if r.status != r.want.code() || !r.untouched {
                failed.push(format!(
                    "{}: status {} ({:?}), want {:?}; outputs untouched: {}",
                    r.name,
                    r.status,
                    Error::from_code(r.status),
                    r.want,
                    r.untouched
                ));
            }
        }
        assert!(
            failed.is_empty(),
            "{} rows failed:\n{}",
            failed.len(),
            failed.join("\n")
        );
    }

    fn c_osc(v: [f64; 5]) -> grpo_oscillator {
        grpo_oscillator {
            r_star: v[0],
            r0: v[1],
            v0: v[2],
            omega: v[3],
            zeta: v[4],
        }
    }

    #[test]
    fn trajectory_c_matrix() {
        let m = c_osc(OK_OSC);
        let t = [0.0, 1.0, 2.0];
        let mut rows = Vec::new();
        unsafe {
            let mut out = [SENT; 3];
            let st = grpo_trajectory_eval(null(), t.as_ptr(), 3, out.as_mut_ptr());
            rows.push(row("NULL model", st, e(K::NullPointer, P::Model), &out));
            let st = grpo_trajectory_eval(&m, null(), 3, out.as_mut_ptr());
            rows.push(row("NULL times", st, e(K::NullPointer, P::T), &out));
            let st = grpo_trajectory_eval(&m, t.as_ptr(), 3, null_mut());
            rows.push(row("NULL output", st, e(K::NullPointer, P::Output), &out));
            let st = grpo_trajectory_eval(&m, null(), usize::MAX, out.as_mut_ptr());
            rows.push(row(
                "huge length, NULL times",
                st,
                e(K::NullPointer, P::T),
                &out,
            ));
            let st = grpo_trajectory_eval(&m, t.as_ptr(), usize::MAX / 4, out.as_mut_ptr());
            rows.push(row(
                "huge length (bytes overflow)",
                st,
                e(K::BadBuffer, P::T),
                &out,
            ));
            let mis = (t.as_ptr() as *const u8).wrapping_add(1) as *const f64;
            let st = grpo_trajectory_eval(&m, mis, 2, out.as_mut_ptr());
            rows.push(row("misaligned times", st, e(K::BadBuffer, P::T), &out));
            // zero length with NULL pointers is a documented no-op
            assert_eq!(grpo_trajectory_eval(&m, null(), 0, null_mut()), GRPO_OK);
            let bad = c_osc(with(OK_OSC, 0, NAN));
            let st = grpo_trajectory_eval(&bad, t.as_ptr(), 3, out.as_mut_ptr());
            rows.push(row("r_star NaN", st, e(K::NonFinite, P::RStar), &out));
            let bad = c_osc(with(OK_OSC, 3, -INF));
            let st = grpo_trajectory_eval(&bad, t.as_ptr(), 3, out.as_mut_ptr());
            rows.push(row("omega -inf", st, e(K::NonFinite, P::Omega), &out));
            let bad = c_osc(with(OK_OSC, 4, -SUB));
            let st = grpo_trajectory_eval(&bad, t.as_ptr(), 3, out.as_mut_ptr());
            rows.push(row(
                "zeta negative subnormal",
                st,
                e(K::OutOfRange, P::Zeta),
                &out,
            ));
            let st = grpo_trajectory_eval(&m, [0.0, NAN, 1.0].as_ptr(), 3, out.as_mut_ptr());
            rows.push(row("NaN time", st, e(K::NonFinite, P::T), &out));
            let st = grpo_trajectory_eval(&m, [2.0, 1.0, -1.0].as_ptr(), 3, out.as_mut_ptr());
            rows.push(row(
                "reversed, negative times",
                st,
                e(K::OutOfRange, P::T),
                &out,
            ));
            let st = grpo_trajectory_eval_grid(&m, 0.0, -1.0, 3, out.as_mut_ptr());
            rows.push(row("grid dt negative", st, e(K::OutOfRange, P::Dt), &out));
            let st = grpo_trajectory_eval_grid(&m, INF, 1.0, 3, out.as_mut_ptr());
            rows.push(row("grid t0 +inf", st, e(K::NonFinite, P::T0), &out));
            let mut v = [SENT];
            let mut g = [SENT; 5];
            let st = grpo_trajectory_jacobian(&m, -1.0, v.as_mut_ptr(), g.as_mut_ptr());
            rows.push(row(
                "jacobian at negative time (value)",
                st,
                e(K::OutOfRange, P::T),
                &v,
            ));
            rows.push(row(
                "jacobian at negative time (gradient)",
                st,
                e(K::OutOfRange, P::T),
                &g,
            ));
            let st = grpo_trajectory_jacobian(&m, 1.0, v.as_mut_ptr(), null_mut());
            rows.push(row(
                "jacobian NULL gradient",
                st,
                e(K::NullPointer, P::Output),
                &v,
            ));
            let st = grpo_time_to_fraction(&m, 1.0, v.as_mut_ptr());
            rows.push(row("fraction 1", st, e(K::OutOfRange, P::Fraction), &v));
        }
        check(rows);
    }

    #[test]
    fn fit_c_matrix() {
        let (t, y) = (t10(), y10());
        let mut rows = Vec::new();
        unsafe {
            let mut o = core::mem::zeroed::<grpo_fit_options>();
            grpo_fit_options_default(&mut o);
            let mut res = core::mem::MaybeUninit::<grpo_fit_result>::uninit();
            // one raw pointer for every access (re-borrowing `res` would invalidate it under
            // Stacked Borrows)
            let resp = res.as_mut_ptr();
            let raw = resp as *mut f64;
            let words = core::mem::size_of::<grpo_fit_result>() / 8;
            let reset = || {
                for i in 0..words {
                    *raw.add(i) = SENT;
                }
            };
            let out = || core::slice::from_raw_parts(raw, words).to_vec();
            let mut run = |name,
                           t: *const f64,
                           y: *const f64,
                           w: *const f64,
                           n,
                           o: *const grpo_fit_options,
                           want| {
                reset();
                let st = grpo_fit(t, y, w, n, o, resp);
                rows.push(row(name, st, want, &out()));
            };
            run(
                "NULL t",
                null(),
                y.as_ptr(),
                null(),
                10,
                &o,
                e(K::NullPointer, P::T),
            );
            run(
                "NULL y",
                t.as_ptr(),
                null(),
                null(),
                10,
                &o,
                e(K::NullPointer, P::Y),
            );
            run(
                "zero length",
                t.as_ptr(),
                y.as_ptr(),
                null(),
                0,
                &o,
                e(K::Empty, P::T),
            );
            run(
                "huge length, NULL t",
                null(),
                null(),
                null(),
                usize::MAX,
                &o,
                e(K::NullPointer, P::T),
            );
            run(
                "huge length",
                t.as_ptr(),
                y.as_ptr(),
                null(),
                usize::MAX / 2,
                &o,
                e(K::BadBuffer, P::T),
            );
            let c = [0.5; 10];
            run(
                "constant curve",
                t.as_ptr(),
                c.as_ptr(),
                null(),
                10,
                &o,
                e(K::Constant, P::Y),
            );
            let ts = [3.0; 10];
            run(
                "all times equal",
                ts.as_ptr(),
                y.as_ptr(),
                null(),
                10,
                &o,
                e(K::Constant, P::T),
            );
            let mut yn = y;
            yn[0] = NAN;
            run(
                "NaN reward",
                t.as_ptr(),
                yn.as_ptr(),
                null(),
                10,
                &o,
                e(K::NonFinite, P::Y),
            );
            let mut yi = y;
            yi[0] = INF;
            run(
                "+inf reward",
                t.as_ptr(),
                yi.as_ptr(),
                null(),
                10,
                &o,
                e(K::NonFinite, P::Y),
            );
            let wn = [-1.0; 10];
            run(
                "negative weights",
                t.as_ptr(),
                y.as_ptr(),
                wn.as_ptr(),
                10,
                &o,
                e(K::OutOfRange, P::Weights),
            );
            let bad_model = grpo_fit_options { model: 9, ..o };
            run(
                "unknown model code",
                t.as_ptr(),
                y.as_ptr(),
                null(),
                10,
                &bad_model,
                e(K::UnknownCode, P::Model),
            );
            let bad_loss = grpo_fit_options { loss: 7, ..o };
            run(
                "unknown loss code",
                t.as_ptr(),
                y.as_ptr(),
                null(),
                10,
                &bad_loss,
                e(K::UnknownCode, P::Loss),
            );
            let bad_scale = grpo_fit_options {
                loss: 1,
                loss_scale: NAN,
                ..o
            };
            run(
                "NaN loss scale",
                t.as_ptr(),
                y.as_ptr(),
                null(),
                10,
                &bad_scale,
                e(K::NonFinite, P::LossScale),
            );
            let bad_tol = grpo_fit_options { ftol: -INF, ..o };
            run(
                "-inf ftol",
                t.as_ptr(),
                y.as_ptr(),
                null(),
                10,
                &bad_tol,
                e(K::NonFinite, P::Ftol),
            );
            reset();
            let st = grpo_fit(t.as_ptr(), y.as_ptr(), null(), 10, &o, null_mut());
            rows.push(row("NULL output", st, e(K::NullPointer, P::Output), &out()));
        }
        check(rows);
    }

    #[test]
    fn predictor_c_matrix() {
        let size = grpo_predictor_size();
        let align = grpo_predictor_align();
        assert!(align <= 16);
        // u128 storage: 16-byte aligned, caller-owned
        let mut mem = vec![0u128; size / 16 + 2];
        let base = mem.as_mut_ptr() as *mut core::ffi::c_void;
        let mut rows = Vec::new();
        unsafe {
            let none: [f64; 0] = [];
            rows.push(row(
                "init NULL",
                grpo_predictor_init(null_mut(), size, 0.0, 1.0),
                e(K::NullPointer, P::Memory),
                &none,
            ));
            rows.push(row(
                "init too small",
                grpo_predictor_init(base, size - 1, 0.0, 1.0),
                e(K::BadBuffer, P::Memory),
                &none,
            ));
            rows.push(row(
                "init zero length",
                grpo_predictor_init(base, 0, 0.0, 1.0),
                e(K::BadBuffer, P::Memory),
                &none,
            ));
            assert!(align > 1);
            let mis = (base as *mut u8).add(1) as *mut core::ffi::c_void;
            rows.push(row(
                "init misaligned",
                grpo_predictor_init(mis, size, 0.0, 1.0),
                e(K::BadBuffer, P::Memory),
                &none,
            ));
            rows.push(row(
                "push before init",
                grpo_predictor_push(base, 0.0, 0.5),
                e(K::BadBuffer, P::Memory),
                &none,
            ));
            rows.push(row(
                "init NaN bound",
                grpo_predictor_init(base, size, NAN, 1.0),
                e(K::NonFinite, P::RewardMin),
                &none,
            ));
            rows.push(row(
                "init inverted bounds",
                grpo_predictor_init(base, size, 1.0, 0.0),
                e(K::BoundsInverted, P::RewardMax),
                &none,
            ));
            assert_eq!(
                grpo_predictor_init(base, usize::MAX, 0.0, 1.0),
                GRPO_OK,
                "huge mem_len is fine"
            );
            rows.push(row(
                "push NULL",
                grpo_predictor_push(null_mut(), 0.0, 0.5),
                e(K::NullPointer, P::Memory),
                &none,
            ));
            assert_eq!(grpo_predictor_push(base, 0.0, 0.5), GRPO_OK);
            rows.push(row(
                "push duplicate step",
                grpo_predictor_push(base, 0.0, 0.6),
                e(K::NotIncreasing, P::Step),
                &none,
            ));
            rows.push(row(
                "push reversed step",
                grpo_predictor_push(base, -3.0, 0.6),
                e(K::NotIncreasing, P::Step),
                &none,
            ));
            rows.push(row(
                "push NaN reward",
                grpo_predictor_push(base, 1.0, NAN),
                e(K::NonFinite, P::Reward),
                &none,
            ));
            rows.push(row(
                "push -inf step",
                grpo_predictor_push(base, -INF, 0.5),
                e(K::NonFinite, P::Step),
                &none,
            ));
            let mut p = [SENT; core::mem::size_of::<grpo_prediction>() / 8];
            let pp = p.as_mut_ptr() as *mut grpo_prediction;
            let st = grpo_predictor_predict(base, 10.0, pp);
            rows.push(row("predict with one point", st, e(K::NotReady, P::N), &p));
            for i in 1..10 {
                assert_eq!(
                    grpo_predictor_push(base, i as f64, 0.2 + 0.05 * i as f64),
                    GRPO_OK
                );
            }
            let st = grpo_predictor_predict(base, NAN, pp);
            rows.push(row(
                "predict NaN horizon",
                st,
                e(K::NonFinite, P::Horizon),
                &p,
            ));
            let st = grpo_predictor_predict(base, 10.0, null_mut());
            rows.push(row(
                "predict NULL output",
                st,
                e(K::NullPointer, P::Output),
                &p,
            ));
            let st = grpo_predictor_predict(null_mut(), 10.0, pp);
            rows.push(row(
                "predict NULL predictor",
                st,
                e(K::NullPointer, P::Memory),
                &p,
            ));
            // a reward far outside the bounds is refused (issue 14); predictions stay inside
            assert_eq!(
                grpo_predictor_push(base, 10.0, 5.0),
                e(K::OutOfRange, P::Reward).code()
            );
            assert_eq!(grpo_predictor_predict(base, 20.0, pp), GRPO_OK);
            let r = *pp;
            assert!(r.plateau_hi95 <= 1.0 && r.horizon_hi80 <= 1.0, "{r:?}");
        }
        drop(mem);
        check(rows);
    }

    #[test]
    fn diagnose_c_matrix() {
        let y = y10();
        unsafe {
            let mut opts = core::mem::zeroed::<grpo_diagnose_options>();
            assert_eq!(grpo_diagnose_options_default(&mut opts), GRPO_OK);
            let base = grpo_diagnose_input {
                n: 10,
                steps: null(),
                reward: y.as_ptr(),
                eval_reward: null(),
                entropy: null(),
                zero_std_frac: null(),
                group_size: 0,
                has_hyper: 0,
                lag: 0,
                r_min: 0.0,
                r_max: 1.0,
                r_max_eval: 1.0,
                eta: 0.0,
                mu: 0.0,
                k_hat: 0.0,
                kref: 0.0,
                expected_plateau: NAN,
            };
            let words = core::mem::size_of::<grpo_diagnosis>() / 8;
            let mut out = vec![SENT; words];
            let op = out.as_mut_ptr() as *mut grpo_diagnosis;
            let mut rows = Vec::new();
            let mut run = |name, inp: grpo_diagnose_input, want, out: &mut Vec<f64>| {
                let st = grpo_diagnose(&inp, &opts, out.as_mut_ptr() as *mut grpo_diagnosis);
                rows.push(row(name, st, want, out));
            };
            run(
                "NULL reward",
                grpo_diagnose_input {
                    reward: null(),
                    ..base
                },
                e(K::NullPointer, P::Reward),
                &mut out,
            );
            run(
                "zero length",
                grpo_diagnose_input { n: 0, ..base },
                e(K::Empty, P::Reward),
                &mut out,
            );
            run(
                "huge length, NULL reward",
                grpo_diagnose_input {
                    n: usize::MAX,
                    reward: null(),
                    ..base
                },
                e(K::NullPointer, P::Reward),
                &mut out,
            );
            let mut yn = y;
            yn[4] = -INF;
            run(
                "-inf reward",
                grpo_diagnose_input {
                    reward: yn.as_ptr(),
                    ..base
                },
                e(K::NonFinite, P::Reward),
                &mut out,
            );
            let rev: [f64; 10] = core::array::from_fn(|i| 10.0 - i as f64);
            run(
                "reversed steps",
                grpo_diagnose_input {
                    steps: rev.as_ptr(),
                    ..base
                },
                e(K::NotIncreasing, P::Step),
                &mut out,
            );
            run(
                "unknown lag code",
                grpo_diagnose_input {
                    has_hyper: 1,
                    lag: 5,
                    ..base
                },
                e(K::UnknownCode, P::Lag),
                &mut out,
            );
            run(
                "hyper eta NaN",
                grpo_diagnose_input {
                    has_hyper: 1,
                    eta: NAN,
                    mu: 0.9,
                    k_hat: 1.0,
                    ..base
                },
                e(K::NonFinite, P::Eta),
                &mut out,
            );
            let st = grpo_diagnose(null(), &opts, op);
            rows.push(row("NULL input", st, e(K::NullPointer, P::Options), &out));
            let st = grpo_diagnose(&base, &opts, null_mut());
            rows.push(row("NULL output", st, e(K::NullPointer, P::Output), &out));
            check(rows);
        }
    }
}
