//! Levenberg-Marquardt fitting on arbitrary small curves, options, bounds and start values.
//! Properties (the solver exposes no per-iteration trace, so the cost property is checked end to
//! end): every call returns either a typed error of an expected kind or a report whose parameters
//! are finite and inside the bounds, whose cost/objective are finite and non-negative, and whose
//! objective is not above the objective at the start values; a converged termination is never
//! reported together with a non-finite model. The ready-set API (`fit` with data starts and
//! default bounds) obeys the same finiteness and bounds properties, and its saturation and
//! critical fits (monotone laws) cost at least AUTO's isotonic bound (`fit::monotone`).
#![no_main]
#![allow(clippy::needless_range_loop)]
use arbitrary::Arbitrary;
use grpo_dynamics::fit::{
    self, solve, Bounds, CriticalModel, Curve, FullModel, Loss, Model, Options, OverdampedModel,
    ParamSet, SaturationModel, SlowStartModel, Start, MAX_PARAMS,
};
use grpo_dynamics::fit::monotone::monotone_cost_bound;
use grpo_dynamics::ErrorKind;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Value {
    /// A reward-like value `k / 1000` (most curves).
    Small(i16),
    /// Any bit pattern (NaN, inf, subnormal, huge).
    Raw(f64),
}

impl Value {
    fn get(&self) -> f64 {
        match *self {
            Value::Small(k) => k as f64 / 1000.0,
            Value::Raw(x) => x,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    set: u8,
    /// Time increments (Small: step `k / 1000`; Raw: added as given, may break monotonicity).
    dt: Vec<Value>,
    y: Vec<Value>,
    weights: Option<Vec<Value>>,
    loss: u8,
    loss_scale: Value,
    ftol: Value,
    xtol: Value,
    gtol: Value,
    max_evaluations: u8,
    /// Per parameter: `None` = the set's default bound, `Some` = caller value.
    lo: [Option<Value>; 5],
    hi: [Option<Value>; 5],
    start: [Value; 5],
    use_data_start: bool,
}

fn objective(loss: Loss<f64>, r: f64, w: f64) -> f64 {
    let wr2 = w * r * r;
    match loss {
        Loss::LeastSquares => 0.5 * wr2,
        Loss::Huber(s) => {
            let z = wr2 / (s * s);
            0.5 * s * s * if z <= 1.0 { z } else { 2.0 * z.sqrt() - 1.0 }
        }
        Loss::Cauchy(s) => {
            let z = wr2 / (s * s);
            0.5 * s * s * z.ln_1p()
        }
    }
}

/// Sum of `term(r_i, w_i)` at `x`, either point by point or through the model's whole-pass path on the
/// detected grid (the path the solver uses), summed independently of the solver's accumulators.
fn objective_at<M: Model<f64, P>, const P: usize>(
    m: &M,
    x: &[f64; P],
    cv: &Curve<'_, f64>,
    term: &dyn Fn(f64, f64) -> f64,
    pointwise: bool,
) -> Option<f64> {
    let mut s = 0.0;
    let mut i = 0;
    let mut finite = true;
    let mut add = |v: f64, g: &[f64; P]| {
        finite &= v.is_finite() && g.iter().all(|g| g.is_finite());
        let w = cv.w.map_or(1.0, |w| w[i]);
        s += term(v - cv.y[i], w);
        i += 1;
    };
    if pointwise {
        for &t in cv.t {
            let (v, g) = m.eval(x, t).ok()?;
            add(v, &g);
        }
    } else {
        m.eval_blocks(x, cv.t, cv.grid, |b| b.for_each(&mut add))
            .ok()?;
    }
    (finite && s.is_finite()).then_some(s)
}

fn check_solve<M: Model<f64, P>, const P: usize>(
    m: &M,
    cv: &Curve<'_, f64>,
    inp: &Input,
    lo: &[f64; MAX_PARAMS],
    hi: &[f64; MAX_PARAMS],
    opts: &Options<f64>,
    set_bounds: (&[f64; MAX_PARAMS], &[f64; MAX_PARAMS]),
) {
    let mut b = Bounds::<f64, P>::none();
    b.lo.copy_from_slice(&lo[..P]);
    b.hi.copy_from_slice(&hi[..P]);
    let mut x0 = [0.0; P];
    for j in 0..P {
        x0[j] = inp.start[j].get();
    }
    // start inside the box where possible (outside-start errors are checked below anyway)
    let bounds_ok = (0..P).all(|j| !lo[j].is_nan() && !hi[j].is_nan() && lo[j] <= hi[j]);
    if bounds_ok && inp.start[0].get() > 0.0 {
        x0 = b.clamp(x0);
    }
    match solve(m, core::slice::from_ref(cv), x0, &b, opts) {
        Ok(r) => {
            assert!(bounds_ok, "solve accepted invalid bounds");
            for j in 0..P {
                let x = r.params[j];
                assert!(x.is_finite(), "param {j} not finite: {x}");
                assert!(
                    lo[j] <= x && x <= hi[j],
                    "param {j} = {x} outside [{}, {}]",
                    lo[j],
                    hi[j]
                );
            }
            assert!(r.cost.is_finite() && r.cost >= 0.0, "cost {}", r.cost);
            assert!(
                r.objective.is_finite() && r.objective >= 0.0,
                "objective {}",
                r.objective
            );
            assert!(r.rank <= P);
            assert!(r.evaluations >= 1);
            // the objective never ends above its start value
            if let Some(f0) = objective_at(m, &x0, cv, &|r, w| objective(opts.loss, r, w), false) {
                assert!(
                    r.objective <= f0 * (1.0 + 1e-9) + 1e-300,
                    "objective rose from {f0} to {}",
                    r.objective
                );
            }
            // the reported cost is the cost at the reported parameters, evaluated point by point
            // (only inside the default box: beyond it the oscillator phase omega t can exceed
            // 1e40, where no two evaluation paths agree)
            let (dlo, dhi) = set_bounds;
            let conditioned = (0..P).all(|j| dlo[j] <= r.params[j] && r.params[j] <= dhi[j]);
            // The two paths may differ by rounding of the largest term, which scales with
            // S = max_j |x_j| * max(1, span) (the magnitude of r0, r_star, v0 t); a discrepancy
            // of 1e-9 S per point is allowed (r0 = -7.5e24 with a cancelling v0 gives values of
            // 1e8 that are pure rounding, identically bad on both paths).
            let c = objective_at(m, &r.params, cv, &|r, w| 0.5 * w * r * r, true);
            let sw_abs = objective_at(m, &r.params, cv, &|r, w| w * r.abs(), true);
            if let (true, Some(c), Some(sw_abs)) = (conditioned, c, sw_abs) {
                let span = cv.t_max - cv.t_min;
                let scale = r.params.iter().fold(0.0f64, |a, x| a.max(x.abs())) * span.max(1.0);
                let tol = 1e-6 * c
                    + 1e-9 * scale * (sw_abs + 1e-9 * scale * cv.sum_w)
                    + 1e-12 * (1.0 + cv.ss_tot);
                assert!(
                    (c - r.cost).abs() <= tol,
                    "reported cost {} vs recomputed {c} (tol {tol})",
                    r.cost
                );
            }
        }
        Err(e) => {
            let k = e.kind();
            assert!(
                matches!(
                    k,
                    ErrorKind::NonFinite
                        | ErrorKind::OutOfRange
                        | ErrorKind::BoundsInverted
                        | ErrorKind::OutsideBounds
                        | ErrorKind::TooFewPoints
                ),
                "unexpected error {e:?}"
            );
            if k == ErrorKind::OutsideBounds {
                assert!((0..P).any(|j| x0[j] < lo[j] || x0[j] > hi[j]));
            }
        }
    }
}

fuzz_target!(|inp: Input| {
    let n = inp.dt.len().min(inp.y.len()).min(40);
    let mut t = [0.0f64; 40];
    let mut y = [0.0f64; 40];
    let mut w = [0.0f64; 40];
    let mut acc = 0.0;
    for i in 0..n {
        acc += match inp.dt[i] {
            Value::Small(k) => (k as f64 / 1000.0).abs(),
            Value::Raw(x) => x,
        };
        t[i] = acc;
        y[i] = inp.y[i].get();
    }
    let weights = inp.weights.as_ref().map(|ws| {
        for i in 0..n {
            w[i] = ws.get(i).map_or(1.0, |v| v.get());
        }
        &w[..n]
    });
    let (t, y) = (&t[..n], &y[..n]);
    let loss = match inp.loss % 3 {
        0 => Loss::LeastSquares,
        1 => Loss::Huber(inp.loss_scale.get()),
        _ => Loss::Cauchy(inp.loss_scale.get()),
    };
    let opts = Options {
        loss,
        ftol: inp.ftol.get(),
        xtol: inp.xtol.get(),
        gtol: inp.gtol.get(),
        max_evaluations: inp.max_evaluations as u32,
        // an odd budget also exercises the trust region (any value: bad ones are OutOfRange)
        step_bound: if inp.max_evaluations % 2 == 1 {
            inp.loss_scale.get()
        } else {
            f64::INFINITY
        },
    };
    let set = ParamSet::ALL[inp.set as usize % 5];
    let cv = match Curve::new(t, y, weights) {
        Ok(cv) => cv,
        Err(e) => {
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::Empty
                        | ErrorKind::NonFinite
                        | ErrorKind::OutOfRange
                        | ErrorKind::LengthMismatch
                        | ErrorKind::NotIncreasing
                        | ErrorKind::Constant
                ),
                "unexpected curve error {e:?}"
            );
            // the ready-set API reports the same error
            let e2 = fit::fit(set, t, y, weights, Start::Data, &opts).unwrap_err();
            assert_eq!(e, e2);
            return;
        }
    };
    let span = (cv.t_max - cv.t_min).max(f64::MIN_POSITIVE);
    if inp.use_data_start {
        let (lo, hi) = set.default_bounds(span);
        match fit::fit(set, t, y, weights, Start::Data, &opts) {
            Ok(f) => {
                assert_eq!(f.n_params, set.n_params());
                for (j, &x) in f.params().iter().enumerate() {
                    assert!(x.is_finite(), "param {j} not finite");
                    // default bounds computed from a span that is itself rounded
                    let tol = 1e-12 * lo[j].abs().max(hi[j].abs()).min(1e300);
                    assert!(
                        lo[j] - tol <= x && x <= hi[j] + tol,
                        "param {j} = {x} outside"
                    );
                }
                assert!(f.cost.is_finite() && f.cost >= 0.0);
                assert!(f.plateau == f.params[0]);
                // the saturation law and the critical curve from rest are monotone in time:
                // their cost is at least AUTO's isotonic bound (the bound's own rounding aside)
                if matches!(set, ParamSet::Saturation | ParamSet::Critical) {
                    let b = monotone_cost_bound(&cv);
                    // points of weight 0 count for neither (0 * inf would be NaN)
                    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
                    let syy: f64 = (0..y.len())
                        .filter(|&i| w(i) > 0.0)
                        .map(|i| 0.5 * w(i) * (y[i] - cv.mean).powi(2))
                        .sum();
                    assert!(
                        f.cost >= b - 1e-9 * (b + syy),
                        "{set:?} cost {} below the monotone bound {b}",
                        f.cost
                    );
                }
            }
            Err(e) => assert!(
                matches!(
                    e.kind(),
                    ErrorKind::NonFinite
                        | ErrorKind::OutOfRange
                        | ErrorKind::TooFewPoints
                        | ErrorKind::Diverged
                        | ErrorKind::Constant
                ),
                "unexpected fit error {e:?}"
            ),
        }
        return;
    }
    let (mut lo, mut hi) = set.default_bounds(span);
    for j in 0..5 {
        if let Some(v) = &inp.lo[j] {
            lo[j] = v.get();
        }
        if let Some(v) = &inp.hi[j] {
            hi[j] = v.get();
        }
    }
    let origin = cv.t_min;
    let (dlo, dhi) = set.default_bounds(span);
    let d = (&dlo, &dhi);
    match set {
        ParamSet::Saturation => {
            check_solve(&SaturationModel { origin }, &cv, &inp, &lo, &hi, &opts, d)
        }
        ParamSet::Critical => check_solve(&CriticalModel { origin }, &cv, &inp, &lo, &hi, &opts, d),
        ParamSet::SlowStart => {
            check_solve(&SlowStartModel { origin }, &cv, &inp, &lo, &hi, &opts, d)
        }
        ParamSet::Full => check_solve(&FullModel { origin }, &cv, &inp, &lo, &hi, &opts, d),
        ParamSet::Overdamped => {
            check_solve(&OverdampedModel { origin }, &cv, &inp, &lo, &hi, &opts, d)
        }
    }
});
