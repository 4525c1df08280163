//! Bad input: each case has its own typed error.

use grpo_dynamics::fit::{fit, solve, Bounds, Curve, Loss, Model, Options, ParamSet, Start};
use grpo_dynamics::{ErrorKind as K, Param as P, Result};

fn err(t: &[f64], y: &[f64], w: Option<&[f64]>, set: ParamSet) -> (K, P) {
    let e = fit(set, t, y, w, Start::Data, &Options::default()).unwrap_err();
    (e.kind(), e.param())
}

fn ramp(n: usize) -> (Vec<f64>, Vec<f64>) {
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let y = t.iter().map(|&t| 0.8 - 0.7 * (-t / 10.0).exp()).collect();
    (t, y)
}

#[test]
fn empty() {
    assert_eq!(err(&[], &[], None, ParamSet::Saturation), (K::Empty, P::T));
}

#[test]
fn fewer_points_than_parameters() {
    let (t, y) = ramp(4);
    assert_eq!(err(&t, &y, None, ParamSet::Full), (K::TooFewPoints, P::N));
    // zero weights do not count as points
    let (t, y) = ramp(6);
    let w = [1.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    assert_eq!(
        err(&t, &y, Some(&w), ParamSet::SlowStart),
        (K::TooFewPoints, P::N)
    );
}

#[test]
fn mismatched_lengths() {
    let (t, y) = ramp(10);
    assert_eq!(
        err(&t, &y[..9], None, ParamSet::Saturation),
        (K::LengthMismatch, P::Y)
    );
    assert_eq!(
        err(&t, &y, Some(&[1.0; 9]), ParamSet::Saturation),
        (K::LengthMismatch, P::Weights)
    );
}

#[test]
fn non_finite_inputs() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let (mut t, y) = ramp(10);
        t[3] = bad;
        assert_eq!(
            err(&t, &y, None, ParamSet::Saturation),
            (K::NonFinite, P::T)
        );
        let (t, mut y) = ramp(10);
        y[3] = bad;
        assert_eq!(
            err(&t, &y, None, ParamSet::Saturation),
            (K::NonFinite, P::Y)
        );
        let (t, y) = ramp(10);
        let mut w = [1.0; 10];
        w[3] = bad;
        assert_eq!(
            err(&t, &y, Some(&w), ParamSet::Saturation),
            (K::NonFinite, P::Weights)
        );
    }
}

#[test]
fn non_increasing_t() {
    let (mut t, y) = ramp(10);
    t[5] = t[4];
    assert_eq!(
        err(&t, &y, None, ParamSet::Saturation),
        (K::NotIncreasing, P::T)
    );
    t[5] = t[4] - 1.0;
    assert_eq!(
        err(&t, &y, None, ParamSet::Saturation),
        (K::NotIncreasing, P::T)
    );
}

#[test]
fn constant_y() {
    let (t, _) = ramp(10);
    assert_eq!(
        err(&t, &[0.5; 10], None, ParamSet::Saturation),
        (K::Constant, P::Y)
    );
}

#[test]
fn negative_weights() {
    let (t, y) = ramp(10);
    let mut w = [1.0; 10];
    w[2] = -0.1;
    assert_eq!(
        err(&t, &y, Some(&w), ParamSet::Saturation),
        (K::OutOfRange, P::Weights)
    );
}

struct Lin;
impl Model<f64, 2> for Lin {
    fn eval(&self, p: &[f64; 2], t: f64) -> Result<(f64, [f64; 2])> {
        Ok((p[0] + p[1] * t, [1.0, t]))
    }
}

#[test]
fn bounds_and_start_and_options() {
    let (t, y) = ramp(10);
    let cv = Curve::new(&t, &y, None).unwrap();
    let o = Options::default();
    let b = Bounds {
        lo: [0.0, 1.0],
        hi: [1.0, 0.5],
    };
    let e = solve(&Lin, &[cv], [0.5, 0.7], &b, &o).unwrap_err();
    assert_eq!((e.kind(), e.param()), (K::BoundsInverted, P::Bounds));
    let b = Bounds {
        lo: [0.0, 0.0],
        hi: [1.0, 1.0],
    };
    let e = solve(&Lin, &[cv], [0.5, 1.5], &b, &o).unwrap_err();
    assert_eq!((e.kind(), e.param()), (K::OutsideBounds, P::Start));
    let e = solve(&Lin, &[cv], [f64::NAN, 0.5], &b, &o).unwrap_err();
    assert_eq!((e.kind(), e.param()), (K::NonFinite, P::Start));
    // explicit start outside the default bounds of a ready set
    let e = fit(
        ParamSet::Saturation,
        &t,
        &y,
        None,
        Start::Given(&[0.8, 0.1, -1.0]),
        &o,
    )
    .unwrap_err();
    assert_eq!((e.kind(), e.param()), (K::OutsideBounds, P::Start));
    let e = fit(
        ParamSet::Saturation,
        &t,
        &y,
        None,
        Start::Given(&[0.8, 0.1]),
        &o,
    )
    .unwrap_err();
    assert_eq!((e.kind(), e.param()), (K::LengthMismatch, P::Start));
    // options
    let bad = Options { ftol: -1.0, ..o };
    assert_eq!(
        solve(&Lin, &[cv], [0.5, 0.5], &b, &bad)
            .unwrap_err()
            .param(),
        P::Ftol
    );
    let bad = Options {
        loss: Loss::Huber(0.0),
        ..o
    };
    assert_eq!(
        solve(&Lin, &[cv], [0.5, 0.5], &b, &bad)
            .unwrap_err()
            .param(),
        P::LossScale
    );
}
