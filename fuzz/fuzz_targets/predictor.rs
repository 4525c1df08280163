//! Online predictor on arbitrary push / question sequences (NaN, inf, huge, duplicate and
//! decreasing steps, weights, resets), with a small window so that compaction is exercised.
//! Properties: never panics; a refused point leaves the window unchanged; the window only ever
//! holds finite points with strictly increasing steps and positive weights; every forecast is
//! NaN-free, ordered `lo95 <= lo80 <= value <= hi80 <= hi95` and inside the reward bounds; a
//! step answer is finite and not before the last observed step; errors are of expected kinds.
#![no_main]
#![allow(clippy::needless_range_loop)]
use arbitrary::Arbitrary;
use grpo_dynamics::predict::{Config, Forecast, Point, Predictor};
use grpo_dynamics::{Error, ErrorKind};
use libfuzzer_sys::fuzz_target;

const N: usize = 16;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Value {
    /// `k / 100` (ordinary steps and rewards).
    Small(i16),
    /// Any bit pattern.
    Raw(f64),
    /// The special values, so they are hit often.
    Special(u8),
}

impl Value {
    fn get(self) -> f64 {
        match self {
            Value::Small(k) => k as f64 / 100.0,
            Value::Raw(x) => x,
            Value::Special(k) => [
                f64::NAN,
                f64::INFINITY,
                -f64::INFINITY,
                f64::MAX,
                -f64::MAX,
                f64::MIN_POSITIVE,
                5e-324,
                0.0,
                -0.0,
                1e300,
                -1e300,
                1.0,
            ][k as usize % 12],
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    /// Push at `last step + delta` (delta may be zero or negative: duplicates, reversals).
    PushRel(Value, Value),
    /// Push at an absolute step.
    Push(Value, Value),
    PushWeighted(Value, Value, Value),
    Predict(Value),
    Plateau,
    RewardAt(Value),
    StepToFraction(Value),
    StepToTarget(Value),
    Advice(Value),
    Refit,
    Reset,
}

#[derive(Arbitrary, Debug)]
struct Input {
    reward_min: Value,
    reward_max: Value,
    refit_every: u8,
    min_points: u8,
    interval_scale: Option<Value>,
    drift: Option<Value>,
    huber_k: Option<Value>,
    power_weight: Option<Value>,
    interval_k: Option<Value>,
    min_gain: Option<Value>,
    min_gain_share: Option<Value>,
    confidence: Option<Value>,
    confirmations: u8,
    ops: Vec<Op>,
}

fn check_forecast(f: &Forecast<f64>, cfg: &Config<f64>) {
    let xs = [f.lo95, f.lo80, f.value, f.hi80, f.hi95];
    assert!(xs.iter().all(|x| !x.is_nan()), "NaN in forecast {f:?}");
    assert!(!f.sd.is_nan() && f.sd >= 0.0, "sd {f:?}");
    for w in xs.windows(2) {
        assert!(w[0] <= w[1], "forecast not ordered: {f:?}");
    }
    assert!(
        cfg.reward_min <= f.lo95 && f.hi95 <= cfg.reward_max,
        "forecast outside the reward bounds: {f:?} {cfg:?}"
    );
    assert!(f.value.is_finite(), "forecast value not finite: {f:?}");
}

fn expected(e: Error) {
    assert!(
        matches!(
            e.kind(),
            ErrorKind::NonFinite
                | ErrorKind::OutOfRange
                | ErrorKind::NotIncreasing
                | ErrorKind::CapacityExceeded
                | ErrorKind::NotReady
                | ErrorKind::NotReached
                | ErrorKind::Diverged
        ),
        "unexpected error {e:?}"
    );
}

fn check_window(p: &Predictor<f64, N>) {
    let pts = p.window().points();
    assert!(pts.len() <= N);
    for q in pts {
        assert!(
            q.step.is_finite() && q.reward.is_finite(),
            "non-finite point {q:?}"
        );
        assert!(q.weight > 0.0 && q.weight.is_finite(), "bad weight {q:?}");
    }
    for w in pts.windows(2) {
        assert!(w[0].step < w[1].step, "steps not increasing: {pts:?}");
    }
}

fuzz_target!(|inp: Input| {
    let mut cfg = Config::new(inp.reward_min.get(), inp.reward_max.get());
    cfg.refit_every = (inp.refit_every % 8) as u32;
    cfg.min_points = inp.min_points as usize % 10;
    if let Some(v) = inp.interval_scale {
        cfg.interval_scale = v.get();
    }
    if let Some(v) = inp.drift {
        cfg.drift = v.get();
    }
    if let Some(v) = inp.huber_k {
        cfg.huber_k = v.get();
    }
    for (slot, v) in [
        (&mut cfg.power_weight, inp.power_weight),
        (&mut cfg.interval_k, inp.interval_k),
        (&mut cfg.min_gain, inp.min_gain),
        (&mut cfg.min_gain_share, inp.min_gain_share),
        (&mut cfg.confidence, inp.confidence),
    ] {
        if let Some(v) = v {
            *slot = v.get();
        }
    }
    cfg.confirmations = (inp.confirmations % 4) as u32;
    let mut p = match Predictor::<f64, N>::with_config(cfg) {
        Ok(p) => p,
        Err(e) => {
            assert!(matches!(
                e.kind(),
                ErrorKind::NonFinite | ErrorKind::OutOfRange | ErrorKind::BoundsInverted
            ));
            return;
        }
    };
    let cfg = *p.config();
    for op in inp.ops.iter().take(64) {
        let before: heapless::Vec<Point<f64>, N> =
            heapless::Vec::from_slice(p.window().points()).unwrap();
        let push = |p: &mut Predictor<f64, N>, pt: Point<f64>| match p.push_point(pt) {
            Ok(()) => {
                assert!(pt.step.is_finite() && pt.reward.is_finite());
                let last = p.window().last().expect("a point after a push");
                assert!(last.step <= pt.step);
            }
            Err(e) => {
                expected(e);
                assert_eq!(
                    p.window().points(),
                    &before[..],
                    "refused point changed the window"
                );
            }
        };
        match *op {
            Op::PushRel(d, r) => {
                let last = p.window().last().map_or(0.0, |q| q.step);
                push(&mut p, Point::new(last + d.get(), r.get()));
            }
            Op::Push(s, r) => push(&mut p, Point::new(s.get(), r.get())),
            Op::PushWeighted(s, r, w) => {
                let last = p.window().last().map_or(0.0, |q| q.step);
                push(
                    &mut p,
                    Point {
                        step: last + s.get(),
                        reward: r.get(),
                        weight: w.get(),
                    },
                )
            }
            Op::Predict(h) => match p.predict(h.get()) {
                Ok(pr) => {
                    check_forecast(&pr.plateau, &cfg);
                    check_forecast(&pr.at_horizon, &cfg);
                    assert!(!pr.advice.current.is_nan(), "NaN current");
                }
                Err(e) => expected(e),
            },
            Op::Plateau => match p.plateau() {
                Ok(f) => check_forecast(&f, &cfg),
                Err(e) => expected(e),
            },
            Op::RewardAt(h) => match p.reward_at(h.get()) {
                Ok(f) => check_forecast(&f, &cfg),
                Err(e) => expected(e),
            },
            Op::StepToFraction(f) => match p.step_to_fraction(f.get()) {
                Ok(s) => {
                    let last = p.window().last().map_or(f64::NEG_INFINITY, |q| q.step);
                    assert!(s.is_finite() && s >= last, "step {s} before last {last}");
                }
                Err(e) => expected(e),
            },
            Op::StepToTarget(x) => match p.step_to_target(x.get()) {
                Ok(s) => {
                    let last = p.window().last().map_or(f64::NEG_INFINITY, |q| q.step);
                    assert!(s.is_finite() && s >= last, "step {s} before last {last}");
                }
                Err(e) => expected(e),
            },
            Op::Advice(h) => match p.advice(h.get()) {
                Ok(a) => {
                    assert!(
                        !a.plateau.is_nan() && !a.current.is_nan(),
                        "NaN advice {a:?}"
                    );
                }
                Err(e) => expected(e),
            },
            Op::Refit => {
                if let Err(e) = p.refit() {
                    expected(e);
                }
            }
            Op::Reset => {
                p.reset();
                assert!(p.window().is_empty() && !p.is_fitted());
            }
        }
        check_window(&p);
    }
});
