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
fn all_times_equal() {
    let (_, y) = ramp(10);
    assert_eq!(
        err(&[2.0; 10], &y, None, ParamSet::Saturation),
        (K::Constant, P::T)
    );
}

/// Noisy saturation data on a uniform grid (deterministic LCG noise, sd about 0.02).
fn noisy(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut s = 12345u64;
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let y = t
        .iter()
        .map(|&t| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            0.8 - 0.7 * (-t / 25.0).exp() + 0.07 * u
        })
        .collect();
    (t, y)
}

fn close(a: &[f64], b: &[f64], rel: f64) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - y).abs() <= rel * x.abs().max(y.abs()))
}

/// Unsorted times are the same regression: a permuted copy (no grid: the pointwise path) fits
/// the same parameters as the sorted one (grid recurrences).
#[test]
fn unsorted_times_same_regression() {
    let (t, y) = noisy(120);
    let opts = Options {
        ftol: 1e-14,
        xtol: 1e-14,
        ..Options::default()
    };
    let mut idx: Vec<usize> = (0..t.len()).collect();
    // a fixed permutation: stride 7 modulo 120 (7 and 120 coprime)
    idx.iter_mut()
        .enumerate()
        .for_each(|(i, v)| *v = (i * 7) % 120);
    let tp: Vec<f64> = idx.iter().map(|&i| t[i]).collect();
    let yp: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
    assert!(Curve::new(&t, &y, None).unwrap().grid.is_some());
    assert!(Curve::new(&tp, &yp, None).unwrap().grid.is_none());
    for set in [ParamSet::Saturation, ParamSet::Full] {
        let a = fit(set, &t, &y, None, Start::Data, &opts).unwrap();
        let b = fit(set, &tp, &yp, None, Start::Data, &opts).unwrap();
        assert!(close(a.params(), b.params(), 1e-6), "{set:?} {a:?} {b:?}");
        assert!((a.cost - b.cost).abs() <= 1e-12 * a.cost);
    }
}

/// Repeated times are one regression: every point twice (several seeds logged at the same step)
/// has the optimum of the single copy with weight 2.
#[test]
fn repeated_times_same_as_weights() {
    let (t, y) = noisy(80);
    let opts = Options {
        ftol: 1e-14,
        xtol: 1e-14,
        ..Options::default()
    };
    let t2: Vec<f64> = t.iter().flat_map(|&v| [v, v]).collect();
    let y2: Vec<f64> = y.iter().flat_map(|&v| [v, v]).collect();
    let w = vec![2.0; t.len()];
    let a = fit(ParamSet::Saturation, &t2, &y2, None, Start::Data, &opts).unwrap();
    let b = fit(ParamSet::Saturation, &t, &y, Some(&w), Start::Data, &opts).unwrap();
    assert!(close(a.params(), b.params(), 1e-6), "{a:?} {b:?}");
    assert!((a.cost - b.cost).abs() <= 1e-10 * a.cost);
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
    for sb in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY] {
        let bad = Options {
            step_bound: sb,
            ..o
        };
        let e = solve(&Lin, &[cv], [0.5, 0.5], &b, &bad).unwrap_err();
        assert_eq!((e.kind(), e.param()), (K::OutOfRange, P::StepBound), "{sb}");
    }
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
