//! Levenberg-Marquardt fitting on fixed buffers.
//!
//! * [`solve`]: the generic solver for any [`Model`] with `P <= 16` parameters (const generic).
//!   Memory is O(P^2) on the stack whatever the number of points: every iteration streams once over
//!   the caller's slices and accumulates `J^T W J` and `J^T W r`; the `n x P` Jacobian is never
//!   stored. The damped, Jacobi-scaled `P x P` system is solved by Cholesky, falling back to a
//!   rank-revealing eigen-decomposition (minimum-norm step) when Cholesky fails.
//! * Box bounds on every parameter (projection plus an active set; no returned value lies outside
//!   them), per-point weights, robust losses ([`Loss::Huber`], [`Loss::Cauchy`]; IRLS weighting of
//!   the normal equations), MINPACK-like stopping rules ([`Options`]).
//! * A [`Report`] that says why the fit stopped ([`Termination`]), with the covariance
//!   `s^2 (J^T W J)^+`, `s^2 = 2 cost / (n - P)`, and standard errors.
//!
//! * Ready parameter sets over the trajectory module ([`ParamSet`]: saturation, critical,
//!   slow-start, full oscillator, overdamped), start values from the data alone (docs/model.md A.8, module
//!   [`start`]) with a deterministic under/critical/over-damped multi-start, AUTO selection by AICc
//!   ([`fit`], [`fit_auto`], [`fit_curve`]) and a [`Fit`] that carries the plateau and its
//!   standard error whatever the set.
//! * Joint fits across curves ([`joint`]): the group-size invariance test of docs/model.md D and the size
//!   exponent alpha of docs/model.md B.3.
//!
//! Cost convention (scipy `least_squares`): `cost = 0.5 * sum_i w_i r_i^2`, `r_i = model(t_i) - y_i`
//! (plain residuals, before any robust loss); `w_i = 1` without weights.
//!
//! No allocation, no panic: bad input gives a typed [`crate::Error`].

mod linalg;
mod lm;
mod sums;

pub(crate) use lm::solve_with;
pub use lm::{solve, Report};

use crate::error::{check, Error, ErrorKind, Param, Result};
use crate::real::{c, Real};
pub use crate::trajectory::{Block, BLOCK};

/// The largest number of parameters of a ready parameter set (the size of the arrays of a [`Fit`]
/// and of `grpo_fit_result`).
pub const MAX_PARAMS: usize = 8;

/// The largest number of parameters [`solve`] accepts for a [`Model`] (`P <= 16`: the solver's
/// memory is O(P^2) on the stack, about 3 KiB of `f64` at 16).
pub const MAX_SOLVER_PARAMS: usize = 16;

/// Default relative tolerances `ftol = xtol = 1.49012e-8` (MINPACK / scipy `leastsq`).
pub const DEFAULT_TOL: f64 = 1.49012e-8;

/// Why a fit stopped. Codes (C ABI `termination`): 1..3 converged, 4..6 not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(i32)]
pub enum Termination {
    /// Actual and predicted relative reductions of the objective both `<= ftol` (or zero residual).
    Ftol = 1,
    /// Relative step (Marquardt-scaled) `<= xtol`.
    Xtol = 2,
    /// Largest cosine between the residual and a Jacobian column `<= gtol`.
    Gtol = 3,
    /// The evaluation budget ran out; the parameters are the best found.
    MaxEvaluations = 4,
    /// The model kept returning NaN/inf around the last point; the parameters are the last finite
    /// point. Never reported as converged.
    NonFinite = 5,
    /// The normal equations are numerically zero on every free parameter (no parameter moves the
    /// model).
    Singular = 6,
}

impl Termination {
    /// `true` for the converged reasons (ftol, xtol, gtol).
    pub const fn converged(self) -> bool {
        matches!(
            self,
            Termination::Ftol | Termination::Xtol | Termination::Gtol
        )
    }
    /// The C code.
    pub const fn code(self) -> i32 {
        self as i32
    }
}

/// Loss applied to the weighted squared residual `z = w r^2 / s^2` (scale `s > 0`), as in scipy:
/// the objective is `0.5 * sum s^2 rho(z)`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Loss<T> {
    /// `rho(z) = z`.
    LeastSquares,
    /// `rho(z) = z` for `z <= 1`, `2 sqrt(z) - 1` above (scale `s`).
    Huber(T),
    /// `rho(z) = ln(1 + z)` (scale `s`).
    Cauchy(T),
}

/// Solver controls.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Options<T> {
    /// Loss (default least squares).
    pub loss: Loss<T>,
    /// Relative objective-reduction tolerance (default 1.49012e-8 in f64, `sqrt(eps)` = 3.45e-4
    /// in f32), `>= 0`.
    pub ftol: T,
    /// Relative step tolerance (same default as `ftol`), `>= 0`.
    pub xtol: T,
    /// Gradient (cosine) tolerance (default 0: only an exactly orthogonal residual), `>= 0`.
    pub gtol: T,
    /// Model passes allowed per start, including the first; 0 means `100 (P + 1)` (MINPACK lmder).
    pub max_evaluations: u32,
    /// Initial step bound factor (MINPACK's `factor`), `> 0`, default `+inf` (no bound). When
    /// finite, every step is held inside the trust region `|D^1/2 delta| <= Delta` (Marquardt
    /// scaling `D`), `Delta_0 = step_bound |D^1/2 x0|` (or `step_bound` when `x0 = 0`), halved
    /// after a poor step and widened after a good one as in MINPACK lmder (docs/fit.md). MINPACK
    /// recommends 0.1..100; a small factor keeps the first steps from leaving the basin of a
    /// far start (NIST BoxBOD from start 1 needs 10).
    pub step_bound: T,
}

impl<T: Real> Default for Options<T> {
    fn default() -> Self {
        Options {
            loss: Loss::LeastSquares,
            ftol: c::<T>(DEFAULT_TOL).max(T::EPSILON.sqrt()),
            xtol: c::<T>(DEFAULT_TOL).max(T::EPSILON.sqrt()),
            gtol: T::ZERO,
            max_evaluations: 0,
            step_bound: T::INFINITY,
        }
    }
}

impl<T: Real> Options<T> {
    pub(crate) fn validate(&self) -> Result<()> {
        check::non_negative(self.ftol, Param::Ftol)?;
        check::non_negative(self.xtol, Param::Xtol)?;
        check::non_negative(self.gtol, Param::Gtol)?;
        if self.step_bound.is_nan() || self.step_bound <= T::ZERO {
            return Err(Error::out_of_range(Param::StepBound));
        }
        match self.loss {
            Loss::LeastSquares => Ok(()),
            Loss::Huber(s) | Loss::Cauchy(s) => check::positive(s, Param::LossScale).map(|_| ()),
        }
    }

    /// The evaluation budget for a `p`-parameter model.
    pub(crate) fn budget(&self, p: usize) -> u32 {
        if self.max_evaluations == 0 {
            (100 * (p as u32 + 1)).max(2)
        } else {
            self.max_evaluations.max(2)
        }
    }
}

/// Box bounds `lo_j <= x_j <= hi_j` (infinite bounds allowed, `lo <= hi` required).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Bounds<T, const P: usize> {
    /// Lower bounds (may be `-inf`).
    pub lo: [T; P],
    /// Upper bounds (may be `+inf`).
    pub hi: [T; P],
}

impl<T: Real, const P: usize> Bounds<T, P> {
    /// No bounds: `(-inf, inf)` for every parameter.
    pub fn none() -> Self {
        Bounds {
            lo: [-T::INFINITY; P],
            hi: [T::INFINITY; P],
        }
    }
    pub(crate) fn validate(&self) -> Result<()> {
        for j in 0..P {
            if self.lo[j].is_nan() || self.hi[j].is_nan() {
                return Err(Error::non_finite(Param::Bounds));
            }
            if self.lo[j] > self.hi[j] {
                return Err(Error::new(ErrorKind::BoundsInverted, Param::Bounds));
            }
        }
        Ok(())
    }
    /// Clamp `x` into the box.
    pub fn clamp(&self, x: [T; P]) -> [T; P] {
        let mut out = x;
        for j in 0..P {
            out[j] = x[j].max(self.lo[j]).min(self.hi[j]);
        }
        out
    }
}

/// A uniform time grid `t_i = t0 + i dt`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Uniform<T> {
    /// First time.
    pub t0: T,
    /// Step.
    pub dt: T,
}

/// One validated data set (borrowed caller slices).
///
/// Regression data as they come: the times may be in any order and may repeat (several seeds
/// logged at the same step are one regression). When they happen to be sorted and uniformly
/// spaced, [`Curve::grid`] records it and the ready models use their grid recurrences.
#[derive(Clone, Copy, Debug)]
pub struct Curve<'a, T> {
    /// Times, finite, in any order (repeats allowed).
    pub t: &'a [T],
    /// Observations, finite, not all equal.
    pub y: &'a [T],
    /// Optional weights, finite and `>= 0` (`1 / sigma_i^2` for known noise levels).
    pub w: Option<&'a [T]>,
    /// `Some` when `t` is uniformly spaced (to rounding), detected once by [`Curve::new`].
    pub grid: Option<Uniform<T>>,
    /// Points with a positive weight.
    pub n_eff: usize,
    /// Sum of the weights.
    pub sum_w: T,
    /// Weighted mean of `y`.
    pub mean: T,
    /// Weighted total sum of squares `sum w (y - mean)^2`.
    pub ss_tot: T,
    /// Smallest time (the time origin of the ready parameter sets).
    pub t_min: T,
    /// Largest time.
    pub t_max: T,
}

impl<'a, T: Real> Curve<'a, T> {
    /// Validate the data: `t` and `y` non-empty, same length, finite (`t` in any order, repeats
    /// allowed); `y` not constant; weights (if any) the same length, finite and non-negative.
    pub fn new(t: &'a [T], y: &'a [T], w: Option<&'a [T]>) -> Result<Self> {
        check::non_empty(t, Param::T)?;
        check::non_empty(y, Param::Y)?;
        check::same_len(t, y, Param::Y)?;
        if w.is_none() {
            // valid unweighted data in fewer passes; anything else takes the checks below, which
            // name the problem (the same values either way)
            if let Some(cv) = Self::unweighted(t, y) {
                return Ok(cv);
            }
        }
        check::all_finite(t, Param::T)?;
        check::all_finite(y, Param::Y)?;
        if let Some(w) = w {
            check::same_len(t, w, Param::Weights)?;
            check::all_finite(w, Param::Weights)?;
            if w.iter().any(|&x| x < T::ZERO) {
                return Err(Error::out_of_range(Param::Weights));
            }
        }
        let y0 = y[0];
        if !y.iter().fold(false, |any, &v| any | (v != y0)) {
            return Err(Error::new(ErrorKind::Constant, Param::Y));
        }
        // weighted mean and total sum of squares in lane-wise partial sums (they vectorise)
        let wt = |i: usize| w.and_then(|w| w.get(i)).copied().unwrap_or(T::ONE);
        let (sum_w, n_eff, mean) = match w {
            None => (
                T::from_usize(y.len()),
                y.len(),
                lane_sum(y, |_, v| v) / T::from_usize(y.len()),
            ),
            Some(w) => {
                let sum_w = lane_sum(w, |_, v| v);
                let swy = lane_sum(y, |i, v| wt(i) * v);
                let n_eff = w.iter().filter(|&&x| x > T::ZERO).count();
                let mean = if sum_w > T::ZERO {
                    swy / sum_w
                } else {
                    T::ZERO
                };
                (sum_w, n_eff, mean)
            }
        };
        let ss_tot = match w {
            None => lane_sum(y, |_, v| (v - mean) * (v - mean)),
            Some(_) => lane_sum(y, |i, v| wt(i) * (v - mean) * (v - mean)),
        };
        let (t_min, t_max) = t.iter().fold((T::INFINITY, -T::INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
        Ok(Curve {
            t,
            y,
            w,
            grid: detect_uniform(t),
            n_eff,
            sum_w,
            mean,
            ss_tot,
            t_min,
            t_max,
        })
    }

    /// [`Curve::new`] without weights in two passes over `y` and one over `t` on a grid (seven
    /// in the general path): the sum of `y` with its finiteness and non-constancy tests in one
    /// branch-free lane loop, the same partial sums as [`lane_sum`] (so the same mean), then
    /// `ss_tot`; on a grid whose step exceeds the rounding tolerance (that of
    /// [`detect_uniform`]) the times are finite, increasing, and
    /// `t_min`, `t_max` are the end points. `None` when any test fails (the general path then
    /// names the problem).
    fn unweighted(t: &'a [T], y: &'a [T]) -> Option<Self> {
        let (&y0, &t0, &tl) = (y.first()?, t.first()?, t.last()?);
        // lane sums (those of `lane_sum`) and lane sums of `|y - y0|`, vectorised: a sum is
        // finite only if every term is (an overflowing one takes the general path), and finite
        // values vary iff some `|y - y0| > 0`
        let mut acc = [T::ZERO; 8];
        let mut dev = [T::ZERO; 8];
        let mut chunks = y.chunks_exact(8);
        for ch in &mut chunks {
            for l in 0..8 {
                acc[l] += ch[l];
                dev[l] += (ch[l] - y0).abs();
            }
        }
        for (l, &v) in chunks.remainder().iter().enumerate() {
            acc[l] += v;
            dev[l] += (v - y0).abs();
        }
        let sum = acc.iter().fold(T::ZERO, |a, &b| a + b);
        let dev = dev.iter().fold(T::ZERO, |a, &b| a + b);
        if !sum.is_finite() || dev == T::ZERO {
            return None;
        }
        let n = T::from_usize(y.len());
        let mean = sum / n;
        let ss_tot = lane_sum(y, |_, v| (v - mean) * (v - mean));
        let grid = detect_uniform(t);
        let tol = grid_tol(t0, tl);
        let (t_min, t_max) = match grid {
            // |t_i - (t0 + i dt)| <= tol < dt: t_0 < t_1 < ... and every t_i finite
            Some(g) if t0.is_finite() && tl.is_finite() && g.dt > tol => (t0, tl),
            _ => {
                if !t.iter().fold(true, |ok, x| ok & x.is_finite()) {
                    return None;
                }
                t.iter().fold((T::INFINITY, -T::INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                })
            }
        };
        Some(Curve {
            t,
            y,
            w: None,
            grid,
            n_eff: y.len(),
            sum_w: n,
            mean,
            ss_tot,
            t_min,
            t_max,
        })
    }
}

/// `sum_i f(i, x_i)` in 8 interleaved partial sums (a vectorisable reduction).
#[inline(always)]
fn lane_sum<T: Real>(x: &[T], f: impl Fn(usize, T) -> T) -> T {
    let mut acc = [T::ZERO; 8];
    let mut chunks = x.chunks_exact(8);
    let mut i = 0;
    for ch in &mut chunks {
        for (l, (a, &v)) in acc.iter_mut().zip(ch).enumerate() {
            *a += f(i + l, v);
        }
        i += 8;
    }
    for (l, &v) in chunks.remainder().iter().enumerate() {
        acc[l] += f(i + l, v);
    }
    acc.iter().fold(T::ZERO, |a, &b| a + b)
}

/// The rounding tolerance of a uniform grid from `t0` to `tl`: `4 eps max(|t0|, |tl|)` (times
/// off the grid by at most this much are taken as on it; [`detect_uniform`]).
fn grid_tol<T: Real>(t0: T, tl: T) -> T {
    c::<T>(4.0) * T::EPSILON * t0.abs().max(tl.abs())
}

/// `Some` grid when the times are increasing and uniformly spaced to rounding (the test of
/// [`Curve::new`]).
pub(crate) fn detect_uniform<T: Real>(t: &[T]) -> Option<Uniform<T>> {
    let n = t.len();
    let (&t0, &tl) = (t.first()?, t.last()?);
    // increasing times only (unsorted or repeated times fail the per-point test below too)
    if n < 2 || tl <= t0 || tl.is_nan() {
        return None;
    }
    let dt = (tl - t0) / T::from_usize(n - 1);
    let tol = grid_tol(t0, tl);
    // The grid stands for times off by up to `tol`; that is rounding only while `tol` is small
    // against the span: at most sqrt(eps) of it, i.e. max |t| <= span / (4 sqrt(eps)) (1.7e7
    // spans in f64, 724 in f32). Far from 0 with a short span (t ~ 1.8e16, steps of 16) the
    // times 0, 16, 24 would otherwise pass as the grid 0, 12, 24.
    if tol > T::EPSILON.sqrt() * (tl - t0) {
        return None;
    }
    // `i` counted in floats (exact below 2^53 / 2^24, beyond any slice a fit can stream) in eight
    // lanes, lane l at `i = 8 k + l`, and no early exit, so the test vectorises
    let mut fi = [T::ZERO; 8];
    for (l, f) in fi.iter_mut().enumerate() {
        *f = T::from_usize(l);
    }
    let eight = c::<T>(8.0);
    let mut ok = [true; 8];
    let mut chunks = t.chunks_exact(8);
    for ch in &mut chunks {
        for l in 0..8 {
            ok[l] &= (ch[l] - (t0 + fi[l] * dt)).abs() <= tol;
            fi[l] += eight;
        }
    }
    for (l, &ti) in chunks.remainder().iter().enumerate() {
        ok[l] &= (ti - (t0 + fi[l] * dt)).abs() <= tol;
    }
    ok.iter().all(|&o| o).then_some(Uniform { t0, dt })
}

/// A model `f(t; x)` with `P` parameters: value and gradient per point, and optionally a faster
/// path for a whole pass (e.g. recurrences on a uniform grid).
pub trait Model<T: Real, const P: usize> {
    /// Value and gradient `(f, df/dx)` at time `t`. An `Err` (parameters the model rejects) or a
    /// non-finite value makes the solver reject the trial point.
    fn eval(&self, params: &[T; P], t: T) -> Result<(T, [T; P])>;

    /// Values and gradients at every `t_i`, in order, handed to `sink` in [`Block`]s of
    /// [`BLOCK`] consecutive points (structure of arrays; only the last block may be short, and
    /// its entries past `len` are zero). `grid` is `Some` when the solver has detected
    /// `t_i = t0 + i dt`, so implementations may use recurrences. The default fills the blocks
    /// from [`Model::eval`].
    fn eval_blocks<F: FnMut(&Block<T, P>)>(
        &self,
        params: &[T; P],
        t: &[T],
        grid: Option<Uniform<T>>,
        mut sink: F,
    ) -> Result<()> {
        let _ = grid;
        let mut blk = Block::new();
        for chunk in t.chunks(BLOCK) {
            for (i, &ti) in chunk.iter().enumerate() {
                let (v, g) = self.eval(params, ti)?;
                blk.value[i] = v;
                for (col, gj) in blk.grad.iter_mut().zip(g) {
                    col[i] = gj;
                }
            }
            blk.set_len(chunk.len());
            sink(&blk);
        }
        Ok(())
    }
}

/// Goodness-of-fit figures of a finished fit.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stats<T> {
    /// Points with a positive weight.
    pub n: usize,
    /// `R^2 = 1 - 2 cost / SS_tot` (weighted).
    pub r2: T,
    /// `AICc = n ln(2 cost / n) + 2k + 2k(k+1)/(n-k-1)` with `k = P + 1` (the noise variance counts);
    /// `+inf` when `n <= k + 1`.
    pub aicc: T,
    /// `BIC = n ln(2 cost / n) + k ln n`, same `k`.
    pub bic: T,
}

/// R^2, AICc and BIC of a `p`-parameter fit with `cost` on `data` (pooled over all curves).
pub fn stats<T: Real>(data: &[Curve<'_, T>], cost: T, p: usize) -> Stats<T> {
    // pooled total sum of squares about the grand weighted mean (Chan's combination)
    let mut sw = T::ZERO;
    let mut mean = T::ZERO;
    let mut m2 = T::ZERO;
    let mut n = 0usize;
    for cv in data {
        n += cv.n_eff;
        if cv.sum_w > T::ZERO {
            let tot = sw + cv.sum_w;
            let delta = cv.mean - mean;
            m2 += cv.ss_tot + delta * delta * sw * cv.sum_w / tot;
            mean += delta * cv.sum_w / tot;
            sw = tot;
        }
    }
    let rss = T::TWO * cost;
    let r2 = if m2 > T::ZERO {
        T::ONE - rss / m2
    } else {
        T::NAN
    };
    let nf = T::from_usize(n);
    let k = T::from_usize(p + 1);
    let ll = nf * (rss / nf).ln();
    let aicc = if n > p + 2 {
        ll + T::TWO * k + T::TWO * k * (k + T::ONE) / (nf - k - T::ONE)
    } else {
        T::INFINITY
    };
    let bic = ll + k * nf.ln();
    Stats { n, r2, aicc, bic }
}

/// Correlation matrix from a covariance (`corr_jk = cov_jk / sqrt(cov_jj cov_kk)`; NaN where a
/// variance is zero or infinite).
pub fn correlation<T: Real, const P: usize>(cov: &[[T; P]; P]) -> [[T; P]; P] {
    let mut out = [[T::NAN; P]; P];
    for j in 0..P {
        for k in 0..P {
            let den = (cov[j][j] * cov[k][k]).sqrt();
            if den > T::ZERO && den.is_finite() {
                out[j][k] = cov[j][k] / den;
            }
        }
    }
    out
}

mod auto;
pub mod integral;
pub mod monotone;
mod restart;
mod sets;
pub mod start;
pub use auto::fit_auto;
pub(crate) use sets::fit_data;
pub use sets::{
    fit, fit_curve, CriticalModel, Fit, FullModel, OverdampedModel, ParamSet, SaturationModel,
    SlowStartModel, Start,
};
pub mod joint;
