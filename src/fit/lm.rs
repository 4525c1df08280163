//! The Levenberg-Marquardt core: streaming normal equations, Marquardt scaling, Nielsen damping
//! update, projection onto box bounds with an active set, MINPACK-style stopping tests.

#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use super::linalg::{pinv_psd, solve_psd, Mat};
use super::sums::{unit_block, Sums, LANES};
use super::{Block, Bounds, Curve, Loss, Model, Options, Termination, BLOCK};
use crate::error::{Error, ErrorKind, Param, Result};
use crate::real::{c, Real};

/// What one pass over the data accumulates (O(P^2), independent of n).
#[derive(Clone, Copy)]
struct Acc<T: Real, const P: usize> {
    /// `J^T W J` (robust weights included), both triangles after `finish`.
    jtj: Mat<T, P>,
    /// `J^T W r` = gradient of the objective.
    jtr: [T; P],
    /// `0.5 sum w r^2` (plain residuals).
    cost: T,
    /// `0.5 sum w s^2 rho(w r^2 / s^2)` (the minimised objective; equals `cost` for least squares).
    objective: T,
    finite: bool,
}

/// One streaming pass: model values and gradients at every point, accumulated into `J^T W J`,
/// `J^T W r` and the costs. The Jacobian is never stored. Monomorphised per loss so the
/// least-squares inner loop carries no robust-loss code.
fn pass<T: Real, M: Model<T, P>, const P: usize>(
    model: &M,
    x: &[T; P],
    data: &[Curve<'_, T>],
    loss: Loss<T>,
) -> Acc<T, P> {
    if cfg!(feature = "compact") {
        // one instantiation for every loss and weighting: less code, slower passes
        return pass_with::<T, M, P, false, _>(model, x, data, move |wr2, wi| match loss {
            Loss::LeastSquares => (wr2, wi),
            Loss::Huber(s) => huber(s * s, wr2, wi),
            Loss::Cauchy(s) => cauchy(s * s, wr2, wi),
        });
    }
    match loss {
        // unit weights: `wg = g`, the buffer holds the gradient once
        Loss::LeastSquares if data.iter().all(|c| c.w.is_none()) => {
            pass_with::<T, M, P, true, _>(model, x, data, |wr2, wi| (wr2, wi))
        }
        Loss::LeastSquares => pass_with::<T, M, P, false, _>(model, x, data, |wr2, wi| (wr2, wi)),
        Loss::Huber(s) => {
            let s2 = s * s;
            pass_with::<T, M, P, false, _>(model, x, data, move |wr2, wi| huber(s2, wr2, wi))
        }
        Loss::Cauchy(s) => {
            let s2 = s * s;
            pass_with::<T, M, P, false, _>(model, x, data, move |wr2, wi| cauchy(s2, wr2, wi))
        }
    }
}

/// Huber with `s2 = s^2`: `(s^2 rho(z), w rho'(z))` for `z = w r^2 / s^2` given `wr2 = w r^2`.
#[inline(always)]
fn huber<T: Real>(s2: T, wr2: T, wi: T) -> (T, T) {
    let z = wr2 / s2;
    if z <= T::ONE {
        (wr2, wi)
    } else {
        let sz = z.sqrt();
        (s2 * (T::TWO * sz - T::ONE), wi / sz)
    }
}

/// Cauchy with `s2 = s^2`, same convention as [`huber`].
#[inline(always)]
fn cauchy<T: Real>(s2: T, wr2: T, wi: T) -> (T, T) {
    let z = wr2 / s2;
    (s2 * z.ln_1p(), wi / (T::ONE + z))
}

/// One streaming pass: the model's blocks of values and gradients, turned into residuals and
/// accumulated into `J^T W J`, `J^T W r` and the costs. The Jacobian is never stored. `rho(w r^2,
/// w) -> (s^2 rho(z), w rho'(z))` gives the objective contribution and IRLS weight; with `UNIT`
/// (least squares, no weights) the per-point work is a subtraction and the block sums.
#[inline(always)]
fn pass_with<T: Real, M: Model<T, P>, const P: usize, const UNIT: bool, L: Fn(T, T) -> (T, T)>(
    model: &M,
    x: &[T; P],
    data: &[Curve<'_, T>],
    rho: L,
) -> Acc<T, P> {
    let mut sums = Sums::<T, P>::new();
    let mut cost = T::ZERO;
    let mut objective = T::ZERO;
    let mut finite = true;
    for curve in data {
        let mut i = 0usize;
        let (y, w) = (curve.y, curve.w);
        if UNIT {
            // unit weights: the block's residuals straight into the sums
            let ok = model.eval_blocks(x, curve.t, curve.grid, |blk: &Block<T, P>| {
                unit_block(&mut sums, &mut i, y, blk)
            });
            if ok.is_err() || i != y.len() {
                finite = false;
                break;
            }
            continue;
        }
        let ok = model.eval_blocks(x, curve.t, curve.grid, |blk: &Block<T, P>| {
            let len = blk.len.min(BLOCK);
            let Some(ys) = i.checked_add(len).and_then(|e| y.get(i..e)) else {
                i = usize::MAX; // more points than data: the pass fails below
                return;
            };
            let mut r = [T::ZERO; BLOCK];
            for ((rb, &v), &yb) in r.iter_mut().zip(&blk.value).zip(ys) {
                *rb = v - yb;
            }
            let mut we = [T::ZERO; BLOCK];
            let mut wr = [T::ZERO; BLOCK];
            for (b, &rb) in r.iter().enumerate().take(len) {
                let wi = match w {
                    Some(w) => w.get(i + b).copied().unwrap_or(T::ZERO),
                    None => T::ONE,
                };
                let wr2 = wi * rb * rb;
                cost += wr2;
                let (obj, weff) = rho(wr2, wi);
                objective += obj;
                we[b] = weff;
                wr[b] = weff * rb;
            }
            sums.fold_weighted(&we, &wr, &blk.grad, len);
            i += len;
        });
        if ok.is_err() || i != y.len() {
            finite = false;
            break;
        }
    }
    let lane_sum = |l: &[T; LANES]| l.iter().fold(T::ZERO, |a, &b| a + b);
    if UNIT {
        cost = lane_sum(&sums.rr);
        objective = cost;
    }
    let mut jtj = [[T::ZERO; P]; P];
    let mut jtr = [T::ZERO; P];
    for j in 0..P {
        jtr[j] = lane_sum(&sums.jtr[j]);
        for k in j..P {
            jtj[j][k] = lane_sum(&sums.jtj[j][k]);
        }
    }
    cost *= T::HALF;
    objective *= T::HALF;
    finite &= objective.is_finite() && cost.is_finite();
    for j in 0..P {
        finite &= jtr[j].is_finite();
        for k in j..P {
            finite &= jtj[j][k].is_finite();
            jtj[k][j] = jtj[j][k];
        }
    }
    Acc {
        jtj,
        jtr,
        cost,
        objective,
        finite,
    }
}

/// Damping of the confirmation trial made before a convergence stop is accepted.
const LAMBDA_CONFIRM: f64 = 1e-9;
/// A convergence stop with lambda above this (heavily damped, tiny steps) is confirmed first.
const LAMBDA_HIGH: f64 = 1e-2;
/// An accepted step with `actual / predicted reduction >= RHO_TRUSTED` validates the quadratic
/// model for the Newton-decrement stop.
const RHO_TRUSTED: f64 = 0.75;

/// Outcome of the generic solver for a `P`-parameter model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Report<T: Real, const P: usize> {
    /// Why the iteration stopped.
    pub termination: Termination,
    /// Best parameters found (inside the bounds).
    pub params: [T; P],
    /// `0.5 sum w_i r_i^2` with plain residuals `r_i = model - y` at `params`.
    pub cost: T,
    /// The minimised objective `0.5 sum w_i s^2 rho(w_i r_i^2 / s^2)` (equals `cost` for least squares).
    pub objective: T,
    /// Covariance `s^2 (J^T W J)^+` with `s^2 = 2 cost / (n - P)` (n = points with positive weight);
    /// `W` holds the weights times the robust IRLS weights. Unidentified parameters have `+inf` on
    /// the diagonal.
    pub covariance: [[T; P]; P],
    /// Standard errors `sqrt(covariance_jj)`.
    pub stderr: [T; P],
    /// Numerical rank of `J^T W J` at the solution.
    pub rank: usize,
    /// LM iterations (linear solves).
    pub iterations: u32,
    /// Model passes (each computes values and gradients at every point).
    pub evaluations: u32,
}

/// Jacobi-scale the free block of `a + lambda diag(d)` and solve for the step `-g`.
fn damped_step<T: Real, const P: usize>(
    jtj: &Mat<T, P>,
    g: &[T; P],
    d: &[T; P],
    lambda: T,
    free: &[bool; P],
) -> Option<[T; P]> {
    // compress the free variables into the leading block
    let mut idx = [0usize; P];
    let mut m = 0;
    for j in 0..P {
        if free[j] && d[j] > T::ZERO {
            idx[m] = j;
            m += 1;
        }
    }
    if m == 0 {
        return None;
    }
    let mut a = [[T::ZERO; P]; P];
    let mut b = [T::ZERO; P];
    let mut s = [T::ZERO; P];
    for (u, &ju) in idx.iter().enumerate().take(m) {
        let diag = jtj[ju][ju] + lambda * d[ju];
        s[u] = if diag > T::ZERO {
            T::ONE / diag.sqrt()
        } else {
            T::ONE
        };
    }
    for u in 0..m {
        let ju = idx[u];
        b[u] = -g[ju] * s[u];
        for v in 0..m {
            let jv = idx[v];
            let mut e = jtj[ju][jv];
            if u == v {
                e += lambda * d[ju];
            }
            a[u][v] = e * s[u] * s[v];
        }
    }
    let z = solve_psd(&a, &b, m)?;
    let mut out = [T::ZERO; P];
    for u in 0..m {
        out[idx[u]] = z[u] * s[u];
    }
    Some(out)
}

/// Most damping increases of [`bounded_step`] before it scales the step onto the radius.
const BOUND_TRIES: u32 = 64;

/// The damped step held inside the trust radius `|D^1/2 delta| <= radius`: `lambda` grows until
/// the step fits (the LM curve, as MINPACK's `lmpar`; at most [`BOUND_TRIES`] linear solves, the
/// step norm falls about as `1 / lambda` once damping dominates), then the step is scaled onto
/// the radius if it still does not fit.
fn bounded_step<T: Real, const P: usize>(
    jtj: &Mat<T, P>,
    g: &[T; P],
    d: &[T; P],
    lambda: &mut T,
    free: &[bool; P],
    mut delta: [T; P],
    radius: T,
) -> [T; P] {
    for _ in 0..BOUND_TRIES {
        let sn = scaled_norm2(d, &delta).sqrt();
        if !(sn > radius) {
            return delta;
        }
        let grow = (sn / radius).max(T::TWO);
        let next = *lambda * grow;
        if !(next < c::<T>(1e300).min(T::MAX / c::<T>(16.0))) {
            break;
        }
        *lambda = next;
        match damped_step(jtj, g, d, *lambda, free) {
            Some(s) => delta = s,
            None => break,
        }
    }
    let sn = scaled_norm2(d, &delta).sqrt();
    if sn > radius {
        let k = radius / sn;
        for v in delta.iter_mut() {
            *v *= k;
        }
    }
    delta
}

/// `|D^1/2 v|^2 = sum d_j v_j^2` (squared, so the stopping tests need no square root).
fn scaled_norm2<T: Real, const P: usize>(d: &[T; P], v: &[T; P]) -> T {
    let mut s = T::ZERO;
    for j in 0..P {
        s += d[j] * v[j] * v[j];
    }
    s
}

/// Minimise the objective of `model` on `data` (one or more curves, shared parameters) from
/// `start` (inside `bounds`); `1 <= P <= 16` (else `CapacityExceeded` about `params`).
///
/// Each iteration solves `(J^T W J + lambda D) delta = -J^T W r` on the free variables (a variable
/// sitting on a bound with the gradient pushing outwards is held fixed), `D` = running maximum of
/// `diag(J^T W J)` (Marquardt / MINPACK mode 1 scaling), projects `x + delta` onto the box and
/// accepts the trial when the objective decreases (Nielsen's lambda update). Stops as MINPACK does:
/// `ftol` (actual and predicted relative reductions both `<= ftol`), `xtol`
/// (`|D^1/2 delta| <= xtol |D^1/2 x|`), `gtol` (max cosine between residual and Jacobian columns),
/// or the evaluation budget. A trial with a non-finite model value or gradient is rejected like a
/// cost increase; it can never end the fit as converged.
pub fn solve<T: Real, M: Model<T, P>, const P: usize>(
    model: &M,
    data: &[Curve<'_, T>],
    start: [T; P],
    bounds: &Bounds<T, P>,
    opts: &Options<T>,
) -> Result<Report<T, P>> {
    solve_with(model, data, start, bounds, opts, false)
}

/// [`solve`] with the choice of the Newton-decrement stop (`early`): the ready parameter sets
/// estimate statistical parameters, and a step that changes the objective by at most `ftol`
/// relative moves them by a negligible fraction of their standard errors (`delta^T J^T W J delta
/// <= 2 ftol (n - P) s^2`), so they stop before taking it. The generic [`solve`] keeps MINPACK's
/// rules (the last step is taken), so its results carry MINPACK's numerical accuracy.
pub(crate) fn solve_with<T: Real, M: Model<T, P>, const P: usize>(
    model: &M,
    data: &[Curve<'_, T>],
    start: [T; P],
    bounds: &Bounds<T, P>,
    opts: &Options<T>,
    early: bool,
) -> Result<Report<T, P>> {
    if P == 0 || P > super::MAX_SOLVER_PARAMS {
        return Err(Error::new(ErrorKind::CapacityExceeded, Param::Params));
    }
    opts.validate()?;
    bounds.validate()?;
    for j in 0..P {
        if !start[j].is_finite() {
            return Err(Error::non_finite(Param::Start));
        }
        if start[j] < bounds.lo[j] || start[j] > bounds.hi[j] {
            return Err(Error::new(ErrorKind::OutsideBounds, Param::Start));
        }
    }
    let n_eff: usize = data.iter().map(|c| c.n_eff).sum();
    if n_eff < P {
        return Err(Error::new(ErrorKind::TooFewPoints, Param::N));
    }
    let loss = opts.loss;
    let max_eval = opts.budget(P);

    let mut x = start;
    let mut cur = pass(model, &x, data, loss);
    let mut evaluations = 1u32;
    if !cur.finite {
        return Err(Error::non_finite(Param::Start));
    }
    let mut d = [T::ZERO; P];
    for j in 0..P {
        d[j] = cur.jtj[j][j];
    }
    // trust radius of `Options::step_bound` (MINPACK lmder: `Delta_0 = factor |D^1/2 x0|`)
    let mut radius = if opts.step_bound.is_finite() {
        let xn = scaled_norm2(&d, &x).sqrt();
        if xn > T::ZERO && xn.is_finite() {
            opts.step_bound * xn
        } else {
            opts.step_bound
        }
    } else {
        T::INFINITY
    };
    let mut lambda: T = c(1e-3);
    let mut nu: T = T::TWO;
    let mut iterations = 0u32;
    let mut last_rejected_non_finite = false;
    let mut confirmed = false;
    let mut trusted = false;
    let termination = loop {
        // gtol / zero residual on the current point
        if cur.objective == T::ZERO {
            break Termination::Ftol;
        }
        // max_j |g_j| / sqrt(jtj_jj 2 f) <= gtol, compared squared
        let mut gmax2 = T::ZERO;
        for j in 0..P {
            let den2 = cur.jtj[j][j] * T::TWO * cur.objective;
            if den2 > T::ZERO {
                // an overflowing denominator proves nothing: not converged
                let q = if den2.is_finite() {
                    cur.jtr[j] * cur.jtr[j] / den2
                } else {
                    T::INFINITY
                };
                gmax2 = gmax2.max(q);
            }
        }
        if gmax2 <= opts.gtol * opts.gtol {
            break Termination::Gtol;
        }
        if evaluations >= max_eval {
            break if last_rejected_non_finite {
                Termination::NonFinite
            } else {
                Termination::MaxEvaluations
            };
        }
        // active set: on a bound with the descent direction pointing outwards
        let mut free = [true; P];
        for j in 0..P {
            let g = cur.jtr[j];
            if (x[j] <= bounds.lo[j] && g > T::ZERO) || (x[j] >= bounds.hi[j] && g < T::ZERO) {
                free[j] = false;
            }
        }
        iterations += 1;
        let Some(mut delta) = damped_step(&cur.jtj, &cur.jtr, &d, lambda, &free) else {
            break Termination::Singular;
        };
        if radius.is_finite() {
            delta = bounded_step(&cur.jtj, &cur.jtr, &d, &mut lambda, &free, delta, radius);
        }
        let mut xn = x;
        let mut step = [T::ZERO; P];
        let mut inside = true;
        for j in 0..P {
            let raw = x[j] + delta[j];
            let v = raw.max(bounds.lo[j]).min(bounds.hi[j]);
            inside &= v == raw;
            xn[j] = v;
            step[j] = v - x[j];
        }
        // predicted reduction of the quadratic model along the projected step
        let mut lin = T::ZERO;
        let mut quad = T::ZERO;
        for j in 0..P {
            lin += cur.jtr[j] * step[j];
            let mut row = T::ZERO;
            for k in 0..P {
                row += cur.jtj[j][k] * step[k];
            }
            quad += step[j] * row;
        }
        let pred = -(lin + T::HALF * quad);
        // Newton-decrement stop (`early`, see `solve_with`): MINPACK's ftol test applied to a
        // step before it is taken. When the last step was accepted with its actual reduction
        // close to the predicted one (the quadratic model holds here), and this step is almost
        // undamped and inside the box, a predicted relative reduction <= ftol ends the fit
        // without the pass that would only confirm it.
        if early
            && trusted
            && opts.ftol > T::ZERO
            && lambda <= c::<T>(LAMBDA_HIGH)
            && inside
            && pred <= opts.ftol * cur.objective
        {
            break Termination::Ftol;
        }
        let trial = pass(model, &xn, data, loss);
        evaluations += 1;
        let f0 = cur.objective;
        let (actred, accepted) = if trial.finite {
            last_rejected_non_finite = false;
            let a = f0 - trial.objective;
            (a, a > T::ZERO && pred > T::ZERO)
        } else {
            last_rejected_non_finite = true;
            (-f0, false)
        };
        if radius.is_finite() {
            // MINPACK lmder's radius update: halve after a poor step (rho < 1/4), at least twice
            // the step after a good one (rho >= 3/4)
            let pn = scaled_norm2(&d, &step).sqrt();
            let rho = if trial.finite && pred > T::ZERO {
                actred / pred
            } else {
                -T::ONE
            };
            if !(rho >= c::<T>(0.25)) {
                radius = T::HALF * radius.min(c::<T>(10.0) * pn);
            } else if rho >= c::<T>(0.75) {
                radius = radius.max(T::TWO * pn);
            }
        }
        trusted = false;
        if accepted {
            let rho = actred / pred;
            trusted = rho >= c::<T>(RHO_TRUSTED);
            let t = T::TWO * rho - T::ONE;
            lambda *= c::<T>(1.0 / 3.0).max(T::ONE - t * t * t);
            nu = T::TWO;
            x = xn;
            cur = trial;
            for j in 0..P {
                d[j] = d[j].max(cur.jtj[j][j]);
            }
        } else {
            lambda *= nu;
            nu *= T::TWO;
            if !(lambda < c::<T>(1e300).min(T::MAX / c::<T>(16.0))) {
                break if last_rejected_non_finite {
                    Termination::NonFinite
                } else {
                    Termination::Xtol
                };
            }
        }
        // MINPACK stopping tests (relative to the objective before the trial)
        let rel_act = actred / f0;
        let rel_pred = pred / f0;
        let ftol_ok = trial.finite
            && rel_act.abs() <= opts.ftol
            && rel_pred <= opts.ftol
            && rel_act <= T::TWO * rel_pred.max(T::ZERO);
        let xtol_ok =
            trial.finite && scaled_norm2(&d, &step) <= opts.xtol * opts.xtol * scaled_norm2(&d, &x);
        if accepted && rel_act > opts.ftol {
            confirmed = false;
        }
        if ftol_ok || xtol_ok {
            // Before stopping with a large lambda, confirm once with an (almost) undamped
            // Gauss-Newton trial: heavy damping in a flat valley makes steps tiny and would stop
            // the fit early.
            if !confirmed && lambda > c::<T>(LAMBDA_HIGH) {
                confirmed = true;
                lambda = c(LAMBDA_CONFIRM);
                nu = T::TWO;
                continue;
            }
            break if ftol_ok {
                Termination::Ftol
            } else {
                Termination::Xtol
            };
        }
    };

    // covariance from the final J^T W J, Jacobi-scaled for the pseudo-inverse
    let mut s = [T::ZERO; P];
    let mut a = [[T::ZERO; P]; P];
    for j in 0..P {
        let dj = cur.jtj[j][j];
        s[j] = if dj > T::ZERO {
            T::ONE / dj.sqrt()
        } else {
            T::ZERO
        };
    }
    for j in 0..P {
        for k in 0..P {
            a[j][k] = cur.jtj[j][k] * s[j] * s[k];
        }
        if s[j] == T::ZERO {
            a[j][j] = T::ZERO;
        }
    }
    let (pinv, rank) = pinv_psd(&a, P);
    let dof = n_eff.saturating_sub(P);
    let s2 = if dof > 0 {
        T::TWO * cur.cost / T::from_usize(dof)
    } else {
        T::INFINITY
    };
    let mut covariance = [[T::ZERO; P]; P];
    let mut stderr = [T::ZERO; P];
    for j in 0..P {
        for k in 0..P {
            covariance[j][k] = if s[j] == T::ZERO || s[k] == T::ZERO {
                if j == k {
                    T::INFINITY
                } else {
                    T::ZERO
                }
            } else if !pinv[j][k].is_finite() {
                T::INFINITY
            } else {
                s2 * pinv[j][k] * s[j] * s[k]
            };
        }
        stderr[j] = covariance[j][j].sqrt();
    }
    Ok(Report {
        termination,
        params: x,
        cost: cur.cost,
        objective: cur.objective,
        covariance,
        stderr,
        rank,
        iterations,
        evaluations,
    })
}

/// Compile-time size bounds of the solver's fixed buffers (issue 7), for every
/// `P <= MAX_SOLVER_PARAMS`:
/// an [`Acc`] holds `P^2 + P + 2` scalars and a flag, a [`Report`] `P^2 + 2 P + 2` scalars and
/// four counts, the lane [`Sums`] `LANES (P^2 + P + 1)` scalars.
const fn lm_fits<T: Real, const P: usize>() -> bool {
    use core::mem::size_of;
    let t = size_of::<T>();
    size_of::<Sums<T, P>>() == LANES * (P * P + P + 1) * t
        && size_of::<Acc<T, P>>() <= (P * P + P + 3) * t
        && size_of::<Report<T, P>>() <= (P * P + 2 * P + 2) * t + 4 * size_of::<usize>()
}
macro_rules! lm_fits_all {
    ($($p:literal)*) => {
        $(const _: () = assert!(lm_fits::<f32, $p>() && lm_fits::<f64, $p>());)*
    };
}
lm_fits_all!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
