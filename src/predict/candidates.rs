//! The predictor's candidate models: one table indexed by [`ModelKind`], each entry the fitted
//! parameters, covariance, AICc and local-level offset of one model, plus the per-candidate
//! forecast (anchored at the local level, gain shrunk by its signal-to-noise ratio).
//!
//! The level model ([`ModelKind::Constant`]) is an entry like the others: its one parameter is
//! the weighted mean of the window, its variance the variance of that mean.

use crate::error::{Error, ErrorKind, Param};
use crate::fit::{
    self, CriticalModel, Curve, Loss, Model, Options, ParamSet, SaturationModel, SlowStartModel,
    Start, MAX_PARAMS,
};
use crate::real::{c, Real};
use crate::trajectory::{Critical, Exponential, SlowStart};

#[cfg(doc)]
use super::Config;

/// Parameters of the largest candidate (the slow-start oscillator); smaller candidates leave the
/// trailing entries of their parameters and covariance at zero.
pub(super) const P: usize = 4;

/// The candidate reward-curve models of the predictor (C code in brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum ModelKind {
    /// No model yet (0).
    None = 0,
    /// A flat level: the plateau is already reached (1 parameter) (1).
    Constant = 1,
    /// Single-exponential saturation law `R_inf - (R_inf - R0) exp(-t / tau)` (2).
    Saturation = 2,
    /// Critically damped slow start `r* - (r* - r0)(1 + omega t) exp(-omega t)` (3).
    Critical = 3,
    /// Slow-start oscillator `(r*, r0, omega, zeta)`, `v0 = 0` (4).
    SlowStart = 4,
}

impl ModelKind {
    /// Number of fitted parameters (0 for `None`).
    pub const fn n_params(self) -> usize {
        match self {
            ModelKind::None => 0,
            ModelKind::Constant => 1,
            ModelKind::Saturation | ModelKind::Critical => 3,
            ModelKind::SlowStart => 4,
        }
    }

    /// The fit module's parameter set of a parametric candidate.
    fn set(self) -> Option<ParamSet> {
        match self {
            ModelKind::None | ModelKind::Constant => None,
            ModelKind::Saturation => Some(ParamSet::Saturation),
            ModelKind::Critical => Some(ParamSet::Critical),
            ModelKind::SlowStart => Some(ParamSet::SlowStart),
        }
    }

    /// Value and gradient of the model at time `t` since the first point (the level: its one
    /// parameter, gradient `e_0`); `None` for `None` or parameters the model rejects.
    fn eval<T: Real>(self, x: &[T; P], t: T) -> Option<(T, [T; P])> {
        fn pad<T: Real, const Q: usize>(r: crate::Result<(T, [T; Q])>) -> Option<(T, [T; P])> {
            let (v, g) = r.ok()?;
            let mut out = [T::ZERO; P];
            for (o, gj) in out.iter_mut().zip(g) {
                *o = gj;
            }
            Some((v, out))
        }
        let x3 = [x[0], x[1], x[2]];
        match self {
            ModelKind::None => None,
            ModelKind::Constant => {
                let mut e0 = [T::ZERO; P];
                e0[0] = T::ONE;
                Some((x[0], e0))
            }
            ModelKind::Saturation => pad(SaturationModel { origin: T::ZERO }.eval(&x3, t)),
            ModelKind::Critical => pad(CriticalModel { origin: T::ZERO }.eval(&x3, t)),
            ModelKind::SlowStart => pad(SlowStartModel { origin: T::ZERO }.eval(x, t)),
        }
    }
}

impl ModelKind {
    /// Values of the model at the times of `parts` (the window as the fit data of
    /// [`super::segments::segments`], times since the first point, in order) into `out` (their
    /// total length): values only, the oscillator's grid recurrences on a uniform part
    /// (`eval_grid`) and one kernel setup per other part (`eval_slice`); `false` (`out`
    /// unspecified) for `None` or parameters the model rejects.
    pub(super) fn values<T: Real>(self, x: &[T; P], parts: &[Curve<'_, T>], out: &mut [T]) -> bool {
        let osc = match self {
            ModelKind::None => return false,
            ModelKind::Constant => {
                out.iter_mut().for_each(|o| *o = x[0]);
                return true;
            }
            ModelKind::Saturation => {
                Exponential::new(x[0], x[1], x[2]).and_then(|m| m.to_oscillator())
            }
            ModelKind::Critical => Critical::new(x[0], x[1], x[2]).and_then(|m| m.to_oscillator()),
            ModelKind::SlowStart => {
                SlowStart::new(x[0], x[1], x[2], x[3]).and_then(|m| m.to_oscillator())
            }
        };
        let Ok(osc) = osc else {
            return false;
        };
        let mut rest = out;
        for cv in parts {
            let Some((o, more)) = core::mem::take(&mut rest).split_at_mut_checked(cv.t.len())
            else {
                return false;
            };
            rest = more;
            let ok = match cv.grid {
                Some(g) => osc.eval_grid(g.t0, g.dt, o),
                None => osc.eval_slice(cv.t, o),
            };
            if ok.is_err() {
                return false;
            }
        }
        rest.is_empty()
    }
}

/// One fitted candidate.
#[derive(Clone, Copy, Debug)]
pub(super) struct Candidate<T> {
    pub kind: ModelKind,
    pub valid: bool,
    /// Parameters in the fit set's order (the level: `[mean, 0, 0, 0]`).
    pub params: [T; P],
    /// Parameter covariance (the level: the variance of the mean in `cov[0][0]`).
    pub cov: [[T; P]; P],
    pub aicc: T,
    pub r2: T,
    /// Local-level offset `d` (weighted mean of the recent residuals, [`Config::level_half_life`];
    /// 0 for the level model).
    pub offset: T,
    /// Variance factor of the local level: `sum a_i^2 / w_i / (sum a_i)^2` (times the residual
    /// variance per unit weight); `NaN` when anchoring is off.
    pub level_q: T,
}

impl<T: Real> Candidate<T> {
    pub const fn empty(kind: ModelKind) -> Self {
        Candidate {
            kind,
            valid: false,
            params: [T::ZERO; P],
            cov: [[T::ZERO; P]; P],
            aicc: T::INFINITY,
            r2: T::NAN,
            offset: T::ZERO,
            level_q: T::NAN,
        }
    }

    /// The level model: weighted mean `level` with variance `var` and criterion `aicc` (its
    /// `R^2` is 0 by definition).
    pub fn level(level: T, var: T, aicc: T) -> Self {
        let mut s = Self::empty(ModelKind::Constant);
        s.valid = true;
        s.params[0] = level;
        s.cov[0][0] = var;
        s.aicc = aicc;
        s.r2 = T::ZERO;
        s
    }

    /// Fitted value at `t` (time since the first point), without the local-level offset.
    pub fn value(&self, t: T) -> Option<T> {
        if !self.valid {
            return None;
        }
        self.kind.eval(&self.params, t).map(|(v, _)| v)
    }

    /// Fitted plateau (the first parameter of every candidate), without the offset.
    pub fn plateau(&self) -> T {
        self.params[0]
    }
}

/// The candidates, indexed by [`ModelKind`] (`Constant` .. `SlowStart`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Table<T>(pub [Candidate<T>; 4]);

impl<T: Real> Table<T> {
    pub const fn empty() -> Self {
        Table([
            Candidate::empty(ModelKind::Constant),
            Candidate::empty(ModelKind::Saturation),
            Candidate::empty(ModelKind::Critical),
            Candidate::empty(ModelKind::SlowStart),
        ])
    }

    /// The entry of `kind` (`None` for [`ModelKind::None`]).
    pub fn get(&self, kind: ModelKind) -> Option<&Candidate<T>> {
        (kind as usize).checked_sub(1).and_then(|i| self.0.get(i))
    }

    /// The parametric candidates (every entry but the level).
    pub fn parametric(&self) -> &[Candidate<T>] {
        &self.0[1..]
    }

    /// The parametric candidates, mutable.
    pub fn parametric_mut(&mut self) -> &mut [Candidate<T>] {
        &mut self.0[1..]
    }

    /// The level model's entry.
    pub fn level_mut(&mut self) -> &mut Candidate<T> {
        &mut self.0[0]
    }

    /// The lowest AICc: the level model unless a valid parametric candidate has a strictly lower
    /// criterion (the level wins ties: it is the simplest).
    pub fn best(&self) -> ModelKind {
        let mut best = &self.0[0];
        for s in self.parametric() {
            if s.valid && s.aicc < best.aicc {
                best = s;
            }
        }
        best.kind
    }
}

/// Box for the fitted parameters: plateau and start level between `lo` and `hi`, timescales
/// between `t_min` and `t_max` (in steps since the first point).
#[derive(Clone, Copy, Debug)]
pub(super) struct ParamBox<T> {
    pub lo: T,
    pub hi: T,
    pub t_min: T,
    pub t_max: T,
}

/// Bounds of a candidate: plateau and start level in `[bx.lo, bx.hi]`, timescales in
/// `[bx.t_min, bx.t_max]` (rates `omega` in the reciprocal range), `zeta` in `[0.05, 20]`.
fn candidate_bounds<T: Real>(
    set: ParamSet,
    bx: &ParamBox<T>,
) -> ([T; MAX_PARAMS], [T; MAX_PARAMS]) {
    let (mut lo, mut hi) = set.default_bounds(bx.t_max);
    lo[0] = bx.lo;
    hi[0] = bx.hi;
    lo[1] = bx.lo;
    hi[1] = bx.hi;
    match set {
        ParamSet::Saturation => {
            lo[2] = bx.t_min;
            hi[2] = bx.t_max;
        }
        _ => {
            lo[2] = T::ONE / bx.t_max;
            hi[2] = T::ONE / bx.t_min;
            lo[3] = c(0.05);
            hi[3] = c(20.0);
        }
    }
    (lo, hi)
}

/// Work of the LM fits of a refit (summed over the candidates): LM runs started and model
/// passes made (one pass = one evaluation of the model and its Jacobian over the window, O(N)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RefitWork {
    /// LM runs (a warm start is one run, a cold restart one per start of [`Start::Regimes`]).
    pub runs: u32,
    /// Model passes over the window, summed over the runs.
    pub passes: u32,
}

impl RefitWork {
    /// `self + other`, saturating.
    pub fn saturating_add(self, other: RefitWork) -> RefitWork {
        RefitWork {
            runs: self.runs.saturating_add(other.runs),
            passes: self.passes.saturating_add(other.passes),
        }
    }
}

/// Fit the parametric candidate `prev.kind` on `cv` with the fit module, warm-started from
/// `prev` when it is valid (falling back to the data starts when the warm fit fails or does not
/// converge). The warm run takes the Newton-decrement stop of the fit module (`early`: a step
/// that would change the objective by at most `ftol` relative is not taken; see
/// `fit::solve_with`), as the data starts of [`Start::Data`] do, on `parts`: the window `cv` as
/// the joint data of [`super::segments::segments`] (same objective, uniform-grid passes). Returns
/// the candidate and the work spent.
pub(super) fn fit_candidate<T: Real>(
    cv: &Curve<'_, T>,
    parts: &[Curve<'_, T>],
    bx: &ParamBox<T>,
    prev: &Candidate<T>,
    loss: Loss<T>,
) -> (Candidate<T>, RefitWork) {
    let kind = prev.kind;
    let mut work = RefitWork::default();
    let Some(set) = kind.set() else {
        return (Candidate::empty(kind), work);
    };
    let np = kind.n_params();
    let (lo, hi) = candidate_bounds(set, bx);
    let opts = Options {
        loss,
        ..Options::default()
    };
    let mut rep = None;
    if prev.valid {
        let mut x = [T::ZERO; MAX_PARAMS];
        for (((v, &p), &l), &h) in x.iter_mut().zip(&prev.params).zip(&lo).zip(&hi).take(np) {
            *v = p.max(l).min(h);
        }
        work.runs += 1;
        rep = fit::fit_data(set, parts, cv.t_min, &[x], (&lo, &hi), &opts, true).ok();
        work.passes = work
            .passes
            .saturating_add(rep.map_or(0, |r: fit::Fit<T>| r.evaluations));
    }
    if !rep.is_some_and(|r| r.termination.converged()) {
        let cold = fit::fit_curve(set, cv, Start::Regimes, (&lo, &hi), &opts).ok();
        work.runs += if np > 3 { 3 } else { 1 };
        work.passes = work
            .passes
            .saturating_add(cold.map_or(0, |r| r.evaluations));
        rep = match (rep, cold) {
            (Some(a), Some(b)) => Some(if b.cost < a.cost { b } else { a }),
            (a, b) => b.or(a),
        };
    }
    let cand = match rep {
        Some(r) if r.cost.is_finite() => {
            let mut s = Candidate::empty(kind);
            s.valid = true;
            for j in 0..np {
                s.params[j] = r.params[j];
                for k in 0..np {
                    s.cov[j][k] = r.covariance[j][k];
                }
            }
            s.aicc = r.aicc;
            s.r2 = r.r2;
            s
        }
        _ => Candidate::empty(kind),
    };
    (cand, work)
}

/// The exponential weights of the local level, `a_i = w_i 2^(-(t_last - t_i) / h)` (see
/// [`anchor`]), into `a`; `false` when anchoring is off (`h <= 0` or NaN) or the window is empty.
/// They depend on the window only: computed once per refit for every candidate.
pub(super) fn level_weights<T: Real>(t: &[T], w: &[T], h: T, a: &mut [T]) -> bool {
    let Some(&t_last) = t.last() else {
        return false;
    };
    if h.is_nan() || h <= T::ZERO {
        return false;
    }
    let rate: T = c(core::f64::consts::LN_2);
    for ((ai, &ti), &wi) in a.iter_mut().zip(t).zip(w) {
        *ai = wi * (-(t_last - ti) / h * rate).exp();
    }
    true
}

/// Set the local-level offset of a fitted candidate (see [`Config::level_half_life`]): with the
/// exponential weights `a_i = w_i 2^(-(t_last - t_i) / h)` ([`level_weights`]; `None`: anchoring
/// off, `d = 0`, `q = NaN`) and the residuals `e_i = y_i - f(t_i)`, `d` is the Huber M-estimate of
/// location of the `e_i` (weights `a_i`, Huber scale `huber` per unit weight, the scale of the fit
/// itself; the weighted mean when `huber = 0`), solved by iteratively reweighted means
/// `d <- sum a_i u_i e_i / sum a_i u_i`, `u_i = min(1, huber / (sqrt(w_i) |e_i - d|))` (tested as
/// `w_i (e_i - d)^2 > huber^2`: no square root for the inliers); `q = sum a_i^2 / w_i /
/// (sum a_i)^2`, so that `Var d ~ q s^2` for independent residuals of variance `s^2 / w_i`.
/// `parts` is the window as the fit data of [`super::segments::segments`]. `N` is the window
/// capacity (a scratch buffer of residuals on the stack). Cost: one value-only pass of the
/// model over the window ([`ModelKind::values`]) plus O(N) per reweighting (at most 50).
pub(super) fn anchor<T: Real, const N: usize>(
    s: &mut Candidate<T>,
    parts: &[Curve<'_, T>],
    y: &[T],
    w: &[T],
    a: Option<&[T]>,
    huber: T,
) {
    s.offset = T::ZERO;
    s.level_q = T::NAN;
    let Some(a) = a else {
        return;
    };
    let n = y.len();
    if !s.valid || n == 0 || n > N || w.len() != n || a.len() != n {
        return;
    }
    let mut eb = [T::ZERO; N];
    let e = &mut eb[..n];
    if !s.kind.values(&s.params, parts, e) {
        return;
    }
    let (mut sa, mut sae, mut saa) = (T::ZERO, T::ZERO, T::ZERO);
    for (((ei, &yi), &wi), &ai) in e.iter_mut().zip(y).zip(w).zip(a) {
        *ei = yi - *ei;
        sa += ai;
        sae += ai * *ei;
        saa += ai * (ai / wi);
    }
    let mut d = sae / sa;
    let q = saa / (sa * sa);
    if huber > T::ZERO && huber.is_finite() {
        let h2 = huber * huber;
        for _ in 0..50 {
            let (mut su, mut sue) = (T::ZERO, T::ZERO);
            for ((&ai, &ei), &wi) in a.iter().zip(e.iter()).zip(w) {
                let r2 = (ei - d) * (ei - d) * wi;
                let u = if r2 > h2 { huber / r2.sqrt() } else { T::ONE };
                su += ai * u;
                sue += ai * u * ei;
            }
            let next = sue / su;
            if !next.is_finite() {
                break;
            }
            let done = (next - d).abs() <= T::EPSILON * (T::ONE + d.abs());
            d = next;
            if done {
                break;
            }
        }
    }
    if sa > T::ZERO && d.is_finite() && q.is_finite() {
        s.offset = d;
        s.level_q = q;
    }
}

/// `g^T C g` (infinite when C carries an unidentified direction that `g` touches).
fn quad<T: Real>(c: &[[T; P]; P], g: &[T; P]) -> T {
    let mut v = T::ZERO;
    for (gj, row) in g.iter().zip(c) {
        for (gk, cjk) in g.iter().zip(row) {
            if *gj != T::ZERO && *gk != T::ZERO {
                v += *gj * *cjk * *gk;
            }
        }
    }
    if v.is_nan() || v < T::ZERO {
        T::INFINITY
    } else {
        v
    }
}

/// `g^T C h` (NaN when undefined).
fn bilinear<T: Real>(c: &[[T; P]; P], g: &[T; P], h: &[T; P]) -> T {
    let mut v = T::ZERO;
    for (gj, row) in g.iter().zip(c) {
        for (hk, cjk) in h.iter().zip(row) {
            if *gj != T::ZERO && *hk != T::ZERO {
                v += *gj * *cjk * *hk;
            }
        }
    }
    v
}

impl<T: Real> Candidate<T> {
    /// Anchored, shrunk forecast of a fitted parametric candidate at time `t` (`None`: the
    /// plateau, `t -> inf`): `(value, variance before the autocorrelation inflation)`, see
    /// [`super::Predictor`]. `s2` is the residual variance per unit weight, `shrink` the
    /// [`Config::gain_shrink`].
    pub fn anchored(&self, t: Option<T>, t_last: T, s2: T, shrink: T) -> Option<(T, T)> {
        if !self.valid {
            return None;
        }
        let (f_l, g_l) = self.kind.eval(&self.params, t_last)?;
        let (f_h, g_h) = match t {
            Some(t) => self.kind.eval(&self.params, t)?,
            None => {
                let mut e0 = [T::ZERO; P];
                e0[0] = T::ONE;
                (self.params[0], e0)
            }
        };
        let mut dg = [T::ZERO; P];
        for ((d, h), l) in dg.iter_mut().zip(&g_h).zip(&g_l) {
            *d = *h - *l;
        }
        let gain = f_h - f_l;
        let v = quad(&self.cov, &dg);
        let lambda = shrink_factor(gain, v, shrink);
        // posterior variance of the gain, lambda v = G^2 v / (G^2 + k v) (-> G^2 / k as v -> inf)
        let gain_var = posterior_var(gain, v, shrink, lambda);
        // delta method for f(t_last) + lambda G, with the cross term
        let cross = bilinear(&self.cov, &g_l, &dg);
        let var = quad(&self.cov, &g_l) + T::TWO * lambda * cross + gain_var;
        // an undefined variance (unidentified direction) is infinite, never silently zero
        let mut var = if var.is_nan() {
            T::INFINITY
        } else {
            var.max(T::ZERO)
        };
        let mut level = f_l;
        if self.level_q.is_finite() {
            // local level: the offset measures the misfit of the trend at the end of the data,
            // which the fit covariance does not see; it is taken as it is, with its noise
            // variance q s^2
            level += self.offset;
            var += self.level_q * s2;
        }
        let value = level + lambda * gain;
        value.is_finite().then_some((value, var))
    }
}

/// Empirical-Bayes shrinkage factor of an estimate `x` with sampling variance `v`:
/// `lambda = x^2 / (x^2 + k v)`, the posterior-mean factor under the prior `N(0, x^2 / k)`
/// ([`Config::gain_shrink`] = `k`). 1 when `k = 0` or `v = 0`; 0 when `v` is infinite.
fn shrink_factor<T: Real>(x: T, v: T, k: T) -> T {
    if k.is_nan() || k <= T::ZERO {
        return T::ONE;
    }
    if !v.is_finite() {
        return T::ZERO;
    }
    let den = x * x + k * v;
    if den > T::ZERO {
        x * x / den
    } else {
        T::ONE
    }
}

/// Posterior variance `lambda v` of a shrunk estimate (`x^2 / k` when `v` is infinite, `v`
/// without shrinkage).
fn posterior_var<T: Real>(x: T, v: T, k: T, lambda: T) -> T {
    if k.is_nan() || k <= T::ZERO {
        v
    } else if !v.is_finite() {
        x * x / k
    } else {
        lambda * v
    }
}

/// The error of an answer that needs a fitted model.
pub(super) fn not_ready() -> Error {
    Error::new(ErrorKind::NotReady, Param::Model)
}
