//! Ready parameter sets over the trajectory module, their default bounds, data-driven starts,
//! the deterministic multi-start and AUTO selection by AICc.

use super::integral::{estimate_orders, Estimate};
use super::restart::{data_start_of, other_branch, settled, Branch};
use super::start::{DataStart, CRITICAL_U63, OVER_U63, UNDER_U63};
use super::{
    correlation, solve_with, stats, Bounds, Curve, Model, Options, Report, Termination, Uniform,
    MAX_PARAMS,
};
use crate::error::{Error, ErrorKind, Param, Result};
use crate::real::{c, Real};
use crate::trajectory::{Block, Critical, Exponential, Oscillator, Overdamped, SlowStart, BLOCK};

/// The ready parameter sets. Parameter order (also of `grpo_fit_result.params`):
///
/// | set | code | parameters |
/// |---|---|---|
/// | saturation law | 0 | (plateau, r0, tau) |
/// | critical three-phase (zeta = 1, v0 = 0) | 1 | (r_star, r0, omega) |
/// | slow-start oscillator (v0 = 0) | 2 | (r_star, r0, omega, zeta) |
/// | full oscillator | 3 | (r_star, r0, v0, omega, zeta) |
/// | overdamped physical (tau = gamma/k, t_m = m/gamma) | 4 | (r_star, r0, tau, t_m) |
///
/// Time is measured from the first data time `t[0]` (so `r0` is the reward at the first point).
/// Positivity is enforced by bounds ([`ParamSet::default_bounds`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum ParamSet {
    /// `r = plateau - (plateau - r0) exp(-t / tau)`.
    Saturation = 0,
    /// `r = r_star - (r_star - r0)(1 + omega t) exp(-omega t)`.
    Critical = 1,
    /// Oscillator with `v0 = 0`.
    SlowStart = 2,
    /// Oscillator with free `v0`.
    Full = 3,
    /// Oscillator with `omega = 1/sqrt(tau t_m)`, `zeta = sqrt(tau / t_m) / 2`.
    Overdamped = 4,
}

impl ParamSet {
    /// Every set, in code order.
    pub const ALL: [ParamSet; 5] = [
        ParamSet::Saturation,
        ParamSet::Critical,
        ParamSet::SlowStart,
        ParamSet::Full,
        ParamSet::Overdamped,
    ];
    /// Number of parameters.
    pub const fn n_params(self) -> usize {
        match self {
            ParamSet::Saturation | ParamSet::Critical => 3,
            ParamSet::SlowStart | ParamSet::Overdamped => 4,
            ParamSet::Full => 5,
        }
    }
    /// The set with C code `code`.
    pub fn from_code(code: u32) -> Option<ParamSet> {
        ParamSet::ALL.iter().copied().find(|s| *s as u32 == code)
    }

    /// Default bounds for data spanning `span = t[last] - t[0]` (documented contract):
    /// plateau / r_star, r0, v0 free; `tau, t_m in [1e-6 span, 1e3 span]`;
    /// `omega in [1e-3 / span, 1e6 / span]`; `zeta in [0, 100]`. The caps stop the
    /// `omega -> 0, zeta -> inf` (and `tau -> inf`) valleys where unbounded LM spends its budget.
    /// Returns `(lo, hi)` in the set's order (unused slots are 0).
    pub fn default_bounds<T: Real>(self, span: T) -> ([T; MAX_PARAMS], [T; MAX_PARAMS]) {
        let mut lo = [T::ZERO; MAX_PARAMS];
        let mut hi = [T::ZERO; MAX_PARAMS];
        let tlo = c::<T>(1e-6) * span;
        let thi = c::<T>(1e3) * span;
        let wlo = c::<T>(1e-3) / span;
        let whi = c::<T>(1e6) / span;
        let (zlo, zhi) = (T::ZERO, c::<T>(100.0));
        let free = (-T::INFINITY, T::INFINITY);
        let spec: &[(T, T)] = match self {
            ParamSet::Saturation => &[free, free, (tlo, thi)],
            ParamSet::Critical => &[free, free, (wlo, whi)],
            ParamSet::SlowStart => &[free, free, (wlo, whi), (zlo, zhi)],
            ParamSet::Full => &[free, free, free, (wlo, whi), (zlo, zhi)],
            ParamSet::Overdamped => &[free, free, (tlo, thi), (tlo, thi)],
        };
        for (j, &(a, b)) in spec.iter().enumerate() {
            lo[j] = a;
            hi[j] = b;
        }
        (lo, hi)
    }

    /// [`ParamSet::default_bounds`] for a validated curve, with the two level parameters
    /// (`plateau` / `r_star` and `r0`, parameters 0 and 1 of every set) also bounded to
    /// `[y_min - 5 R, y_max + 5 R]`, `R = y_max - y_min`: a plateau five data ranges away from every
    /// observation is not identified by the data, and the bound keeps a fit from drifting there
    /// (e.g. a collapsing run fitted by a slowly decaying law).
    pub fn curve_bounds<T: Real>(self, cv: &Curve<'_, T>) -> ([T; MAX_PARAMS], [T; MAX_PARAMS]) {
        let (mut lo, mut hi) = self.default_bounds(cv_span(cv));
        // eight lanes of compare-and-select (the values are finite: a validated curve), a
        // reduction that vectorises
        let (mut lo8, mut hi8) = ([T::INFINITY; 8], [-T::INFINITY; 8]);
        let mut chunks = cv.y.chunks_exact(8);
        for ch in &mut chunks {
            for l in 0..8 {
                let y = ch[l];
                lo8[l] = if y < lo8[l] { y } else { lo8[l] };
                hi8[l] = if y > hi8[l] { y } else { hi8[l] };
            }
        }
        for (l, &y) in chunks.remainder().iter().enumerate() {
            lo8[l] = lo8[l].min(y);
            hi8[l] = hi8[l].max(y);
        }
        let y_lo = lo8.iter().fold(T::INFINITY, |a, &b| a.min(b));
        let y_hi = hi8.iter().fold(-T::INFINITY, |a, &b| a.max(b));
        let reach = c::<T>(5.0) * (y_hi - y_lo);
        if reach.is_finite() && reach > T::ZERO {
            for j in 0..2 {
                lo[j] = y_lo - reach;
                hi[j] = y_hi + reach;
            }
        }
        (lo, hi)
    }

    /// Deterministic start values from the data: the first is the A.8 start (critical damping for
    /// the oscillator sets), then an under- (zeta = 0.5) and an over-damped (zeta = 2) start with
    /// the same 63 % time. Returns the starts and how many there are (1 or 3).
    pub fn starts<T: Real>(self, d: &DataStart<T>) -> ([[T; MAX_PARAMS]; 3], usize) {
        let mut out = [[T::ZERO; MAX_PARAMS]; 3];
        let (p, r0, tau) = (d.plateau, d.r0, d.tau63);
        let regimes = [
            (T::ONE, c::<T>(CRITICAL_U63)),
            (T::HALF, c::<T>(UNDER_U63)),
            (T::TWO, c::<T>(OVER_U63)),
        ];
        let count = match self {
            ParamSet::Saturation | ParamSet::Critical => 1,
            _ => 3,
        };
        for (k, &(zeta, u63)) in regimes.iter().enumerate().take(count) {
            let omega = u63 / tau;
            let row: [T; 5] = match self {
                ParamSet::Saturation => [p, r0, tau, T::ZERO, T::ZERO],
                ParamSet::Critical => [p, r0, c::<T>(CRITICAL_U63) / tau, T::ZERO, T::ZERO],
                ParamSet::SlowStart => [p, r0, omega, zeta, T::ZERO],
                ParamSet::Full => [p, r0, T::ZERO, omega, zeta],
                // tau = 2 zeta / omega, t_m = 1 / (2 zeta omega)
                ParamSet::Overdamped => [
                    p,
                    r0,
                    T::TWO * zeta / omega,
                    T::ONE / (T::TWO * zeta * omega),
                    T::ZERO,
                ],
            };
            out[k][..5].copy_from_slice(&row);
        }
        (out, count)
    }
}

impl ParamSet {
    /// Indices of the rate parameters (`tau`, `omega`, `zeta`, `t_m`): the ones with finite
    /// default bounds.
    pub const fn rates(self) -> &'static [usize] {
        match self {
            ParamSet::Saturation | ParamSet::Critical => &[2],
            ParamSet::SlowStart | ParamSet::Overdamped => &[2, 3],
            ParamSet::Full => &[3, 4],
        }
    }

    /// The start from the closed-form regressions of [`super::integral`] (not yet clamped into
    /// the bounds): the saturation law from the first-order one; the oscillator sets from the
    /// second-order one (`v0` dropped by the slow-start set; `tau = 2 zeta / omega`,
    /// `t_m = 1 / (2 zeta omega)` for the overdamped set), or when that has no real `omega`,
    /// from the first-order one as an overdamped curve (`zeta = 2`, slow root `1 / tau`); the
    /// critical curve with the 63 % time of the first-order one (`omega = 2.146 / tau`).
    pub fn closed_form_start<T: Real>(self, e: &Estimate<T>) -> Option<[T; MAX_PARAMS]> {
        let second = e.second.or_else(|| {
            // an overdamped oscillator with zeta = 2 whose slow root is the first-order rate
            let [p, r0, tau] = e.first?;
            let zeta = T::TWO;
            let omega = T::ONE / (tau * (zeta - (zeta * zeta - T::ONE).sqrt()));
            Some([p, r0, (p - r0) / tau, omega, zeta])
        });
        let mut out = [T::ZERO; MAX_PARAMS];
        let row: [T; 5] = match self {
            ParamSet::Saturation => {
                let [p, r0, tau] = e.first?;
                [p, r0, tau, T::ZERO, T::ZERO]
            }
            ParamSet::Critical => match e.first {
                Some([p, r0, tau]) => [p, r0, c::<T>(CRITICAL_U63) / tau, T::ZERO, T::ZERO],
                None => {
                    let [rs, r0, _, omega, _] = second?;
                    [rs, r0, omega, T::ZERO, T::ZERO]
                }
            },
            ParamSet::SlowStart => {
                let [rs, r0, _, omega, zeta] = second?;
                [rs, r0, omega, zeta, T::ZERO]
            }
            ParamSet::Full => {
                let [rs, r0, v0, omega, zeta] = second?;
                match e.first {
                    Some([p, r0f, tau]) if zeta > T::ONE => {
                        [p, r0f, T::ZERO, c::<T>(CRITICAL_U63) / tau, T::ONE]
                    }
                    _ => [rs, r0, v0, omega, zeta],
                }
            }
            ParamSet::Overdamped => {
                let [rs, r0, _, omega, zeta] = second?;
                let zeta = zeta.max(c::<T>(0.05));
                [
                    rs,
                    r0,
                    T::TWO * zeta / omega,
                    T::ONE / (T::TWO * zeta * omega),
                    T::ZERO,
                ]
            }
        };
        out[..5].copy_from_slice(&row);
        out.iter().all(|x| x.is_finite()).then_some(out)
    }
}

macro_rules! ready_model {
    ($(#[$doc:meta])* $name:ident, $traj:ident, $p:literal, ($($i:literal),*)) => {
        $(#[$doc])*
        ///
        /// On a uniform grid the trajectory module's recurrence walker is used (no exp/sin per
        /// point); otherwise one `value_and_gradient` call per point.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name<T> {
            /// Time origin: the model is evaluated at `t - origin`.
            pub origin: T,
        }
        impl<T: Real> Model<T, $p> for $name<T> {
            fn eval(&self, x: &[T; $p], t: T) -> Result<(T, [T; $p])> {
                $traj::new($(x[$i]),*)?.value_and_gradient(t - self.origin)
            }
            fn eval_blocks<F: FnMut(&Block<T, $p>)>(
                &self,
                x: &[T; $p],
                t: &[T],
                grid: Option<Uniform<T>>,
                mut sink: F,
            ) -> Result<()> {
                let m = $traj::new($(x[$i]),*)?;
                // (the `compact` feature always takes the pointwise path below: less code)
                if let Some(g) = grid.filter(|_| !cfg!(feature = "compact")) {
                    // lane-interleaved recurrences; non-finite results reach the sums, which the
                    // solver checks once per pass
                    return m.grid_blocks(g.t0 - self.origin, g.dt, t.len(), sink);
                }
                // irregular times: the trajectory module's slice evaluation, block by block
                let mut ts = [T::ZERO; BLOCK];
                let mut gs = [[T::ZERO; $p]; BLOCK];
                let mut blk = Block::new();
                for chunk in t.chunks(BLOCK) {
                    let k = chunk.len();
                    for (d, &s) in ts.iter_mut().zip(chunk) {
                        *d = s - self.origin;
                    }
                    m.eval_slice_gradient(&ts[..k], &mut blk.value[..k], &mut gs[..k])?;
                    for (i, g) in gs.iter().enumerate().take(k) {
                        for (col, &gj) in blk.grad.iter_mut().zip(g) {
                            col[i] = gj;
                        }
                    }
                    blk.set_len(k);
                    sink(&blk);
                }
                Ok(())
            }
        }
    };
}

ready_model!(
    /// Saturation law (plateau, r0, tau) over [`Exponential`].
    SaturationModel, Exponential, 3, (0, 1, 2)
);
ready_model!(
    /// Critical three-phase curve (r_star, r0, omega) over [`Critical`].
    CriticalModel, Critical, 3, (0, 1, 2)
);
ready_model!(
    /// Slow-start oscillator (r_star, r0, omega, zeta) over [`SlowStart`].
    SlowStartModel, SlowStart, 4, (0, 1, 2, 3)
);
ready_model!(
    /// Overdamped physical set (r_star, r0, tau, t_m) over [`Overdamped`].
    OverdampedModel, Overdamped, 4, (0, 1, 2, 3)
);
ready_model!(
    /// Full oscillator (r_star, r0, v0, omega, zeta) over [`Oscillator`].
    FullModel, Oscillator, 5, (0, 1, 2, 3, 4)
);

/// A fit of a ready parameter set (arrays sized [`MAX_PARAMS`]; the first `n_params` are used).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit<T> {
    /// The parameter set.
    pub set: ParamSet,
    /// Why the chosen start stopped.
    pub termination: Termination,
    /// Number of parameters.
    pub n_params: usize,
    /// Parameters in the set's order.
    pub params: [T; MAX_PARAMS],
    /// Standard errors (same order; `+inf` for an unidentified parameter).
    pub stderr: [T; MAX_PARAMS],
    /// Covariance `s^2 (J^T W J)^+`, `s^2 = 2 cost / (n - P)`.
    pub covariance: [[T; MAX_PARAMS]; MAX_PARAMS],
    /// The plateau (`plateau` or `r_star`, parameter 0 of every set).
    pub plateau: T,
    /// Its standard error.
    pub plateau_stderr: T,
    /// `0.5 sum w r^2`, plain residuals.
    pub cost: T,
    /// The minimised objective (differs from `cost` with a robust loss).
    pub objective: T,
    /// Weighted `R^2`.
    pub r2: T,
    /// AICc (`k = P + 1`).
    pub aicc: T,
    /// BIC (`k = P + 1`).
    pub bic: T,
    /// Points with positive weight.
    pub n: usize,
    /// Numerical rank of `J^T W J` at the solution.
    pub rank: usize,
    /// Iterations summed over all starts.
    pub iterations: u32,
    /// Model passes summed over all starts.
    pub evaluations: u32,
}

impl<T: Real> Fit<T> {
    /// The used parameters.
    pub fn params(&self) -> &[T] {
        self.params.get(..self.n_params).unwrap_or(&[])
    }
    /// The used standard errors.
    pub fn stderr(&self) -> &[T] {
        self.stderr.get(..self.n_params).unwrap_or(&[])
    }
    /// Correlation matrix of the parameters (NaN outside `n_params` or where undefined).
    pub fn correlation(&self) -> [[T; MAX_PARAMS]; MAX_PARAMS] {
        correlation(&self.covariance)
    }
}

/// How the start values are chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Start<'a, T> {
    /// From the data: one LM run from the closed-form start ([`ParamSet::closed_form_start`]);
    /// only when that run fails the cheap test of [`fit_curve`] the deterministic multi-start of
    /// docs/model.md A.8 (under, critical, over-damped) follows, keeping the lowest objective;
    /// a full-oscillator run that passes it gets one more run where the data do not decide its
    /// branch (docs/fit.md "The other branch").
    Data,
    /// From the data, the closed-form start only (no test, no restart).
    DataSingle,
    /// The deterministic multi-start of docs/model.md A.8 alone, every start run (under, critical,
    /// over-damped for the oscillator sets), lowest objective kept.
    Regimes,
    /// Caller values in the set's order (length `n_params`; must lie inside the bounds).
    Given(&'a [T]),
}

fn run<T: Real, M: Model<T, P>, const P: usize>(
    set: ParamSet,
    model: &M,
    data: &[Curve<'_, T>],
    starts: &[[T; MAX_PARAMS]],
    bounds: (&[T; MAX_PARAMS], &[T; MAX_PARAMS]),
    opts: &Options<T>,
    early: bool,
) -> Result<Fit<T>> {
    let mut b = Bounds::<T, P>::none();
    b.lo.copy_from_slice(&bounds.0[..P]);
    b.hi.copy_from_slice(&bounds.1[..P]);
    let mut best: Option<Report<T, P>> = None;
    let mut first_err = None;
    let (mut iters, mut evals) = (0u32, 0u32);
    for s in starts {
        let mut x = [T::ZERO; P];
        x.copy_from_slice(&s[..P]);
        match solve_with(model, data, x, &b, opts, early) {
            Ok(r) => {
                iters += r.iterations;
                evals += r.evaluations;
                // the lowest objective wins (a budget stop keeps its best point)
                let better = best.as_ref().is_none_or(|b| r.objective < b.objective);
                if better {
                    best = Some(r);
                }
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    let Some(r) = best else {
        return Err(first_err.unwrap_or(Error::new(ErrorKind::Diverged, Param::Params)));
    };
    let st = stats(data, r.cost, P);
    let mut fit = Fit {
        set,
        termination: r.termination,
        n_params: P,
        params: [T::ZERO; MAX_PARAMS],
        stderr: [T::ZERO; MAX_PARAMS],
        covariance: [[T::ZERO; MAX_PARAMS]; MAX_PARAMS],
        plateau: r.params[0],
        plateau_stderr: r.stderr[0],
        cost: r.cost,
        objective: r.objective,
        r2: st.r2,
        aicc: st.aicc,
        bic: st.bic,
        n: st.n,
        rank: r.rank,
        iterations: iters,
        evaluations: evals,
    };
    fit.params[..P].copy_from_slice(&r.params);
    fit.stderr[..P].copy_from_slice(&r.stderr);
    for j in 0..P {
        fit.covariance[j][..P].copy_from_slice(&r.covariance[j]);
    }
    Ok(fit)
}

/// Fit a ready parameter set to `(t, y)` with optional weights, default bounds
/// ([`ParamSet::curve_bounds`]) and the given start rule.
pub fn fit<T: Real>(
    set: ParamSet,
    t: &[T],
    y: &[T],
    w: Option<&[T]>,
    start: Start<'_, T>,
    opts: &Options<T>,
) -> Result<Fit<T>> {
    let cv = Curve::new(t, y, w)?;
    let bounds = set.curve_bounds(&cv);
    fit_curve(set, &cv, start, (&bounds.0, &bounds.1), opts)
}

pub(crate) fn cv_span<T: Real>(cv: &Curve<'_, T>) -> T {
    if cv.t_max > cv.t_min {
        cv.t_max - cv.t_min
    } else {
        T::ONE
    }
}

/// Fit a ready set to a validated curve with explicit bounds `(lo, hi)` (first `n_params` used).
///
/// Time is measured from the smallest time `t_min` (`r0` is the reward there). With
/// [`Start::Data`] one LM run starts from the closed-form estimate ([`ParamSet::closed_form_start`])
/// and a restart (the under/critical/over-damped starts of [`ParamSet::starts`], lowest objective
/// kept, the first run included) happens only when that run fails a cheap test: not converged, a
/// rate parameter (`tau`, `omega`, `zeta`, `t_m`) on a bound, or a residual variance
/// `2 cost / (n - P)` above `RESTART_RATIO` = 1.25 times the closed-form regression's (saturation
/// and full oscillator only). A full-oscillator run that passes the test gets one more LM run,
/// lowest objective kept, when its branch is not decided by the data: a mode the sampling cannot
/// resolve carrying the curve (from the critical A.8 start), or near-critical damping reached from
/// a start at critical damping (from the mirror start across `zeta = 1`); docs/fit.md "The other
/// branch". Bounded cost: at most four LM runs of `max_evaluations` passes each.
pub fn fit_curve<T: Real>(
    set: ParamSet,
    cv: &Curve<'_, T>,
    start: Start<'_, T>,
    bounds: (&[T; MAX_PARAMS], &[T; MAX_PARAMS]),
    opts: &Options<T>,
) -> Result<Fit<T>> {
    let np = set.n_params();
    if cv.n_eff < np {
        return Err(Error::new(ErrorKind::TooFewPoints, Param::N));
    }
    if cv.t_max <= cv.t_min {
        // a curve in time needs two distinct times
        return Err(Error::new(ErrorKind::Constant, Param::T));
    }
    if let Start::Given(s) = start {
        if s.len() != np {
            return Err(Error::new(ErrorKind::LengthMismatch, Param::Start));
        }
        let mut st = [T::ZERO; MAX_PARAMS];
        st[..np].copy_from_slice(s);
        // given starts are checked by the solver
        let data = core::slice::from_ref(cv);
        return fit_data(set, data, cv.t_min, &[st], bounds, opts, false);
    }
    // the saturation law needs the first-order regression alone
    let est = estimate_orders(cv, set != ParamSet::Saturation);
    fit_estimated(set, cv, start, bounds, opts, &est)
}

/// [`fit_curve`] for [`Start::Data`], [`Start::DataSingle`], [`Start::Regimes`] with the
/// closed-form estimate of the curve already made (AUTO makes it once for every set).
pub(super) fn fit_estimated<T: Real>(
    set: ParamSet,
    cv: &Curve<'_, T>,
    start: Start<'_, T>,
    bounds: (&[T; MAX_PARAMS], &[T; MAX_PARAMS]),
    opts: &Options<T>,
    est: &Estimate<T>,
) -> Result<Fit<T>> {
    let np = set.n_params();
    let origin = cv.t_min;
    let data = core::slice::from_ref(cv);
    let clamp = |s: &mut [T; MAX_PARAMS]| {
        for ((x, &lo), &hi) in s.iter_mut().zip(bounds.0).zip(bounds.1).take(np) {
            *x = x.max(lo).min(hi);
        }
    };
    let est = *est;
    // the A.8 data start is an O(n) pass: made only when a start needs it
    let ds = || data_start_of(cv, &est);
    if matches!(start, Start::Regimes) {
        let (mut starts, count) = set.starts(&ds());
        for s in starts.iter_mut().take(count) {
            clamp(s);
        }
        return fit_data(set, data, origin, &starts[..count], bounds, opts, false);
    }
    let mut first = set
        .closed_form_start(&est)
        .unwrap_or_else(|| set.starts(&ds()).0[0]);
    clamp(&mut first);
    let single = fit_data(set, data, origin, &[first], bounds, opts, true);
    if matches!(start, Start::DataSingle) {
        return single;
    }
    let (mut starts, count) = match &single {
        Ok(f) if settled(f, &est, bounds) => {
            // settled: a second run only where the data do not decide the branch (one start)
            let mut one = [[T::ZERO; MAX_PARAMS]; 3];
            one[0] = match other_branch(f, &est, cv) {
                None => return single,
                Some(Branch::Critical) => set.starts(&ds()).0[0],
                Some(Branch::Mirror(s)) => s,
            };
            (one, 1)
        }
        _ => set.starts(&ds()),
    };
    for s in starts.iter_mut().take(count) {
        clamp(s);
    }
    let again = fit_data(set, data, origin, &starts[..count], bounds, opts, true);
    match (single, again) {
        (Ok(a), Ok(b)) => {
            let mut best = if b.objective < a.objective { b } else { a };
            best.iterations = a.iterations.saturating_add(b.iterations);
            best.evaluations = a.evaluations.saturating_add(b.evaluations);
            Ok(best)
        }
        (Ok(a), Err(_)) => Ok(a),
        (Err(_), b) => b,
    }
}

/// Fit one parameter set jointly to several curves (shared parameters), time origin `origin`,
/// from each of `starts` (lowest objective kept). Bounds are given; starts must lie inside.
/// `early`: the Newton-decrement stop of `lm::solve_with`.
pub(crate) fn fit_data<T: Real>(
    set: ParamSet,
    data: &[Curve<'_, T>],
    origin: T,
    starts: &[[T; MAX_PARAMS]],
    bounds: (&[T; MAX_PARAMS], &[T; MAX_PARAMS]),
    opts: &Options<T>,
    early: bool,
) -> Result<Fit<T>> {
    match set {
        ParamSet::Saturation => run(
            set,
            &SaturationModel { origin },
            data,
            starts,
            bounds,
            opts,
            early,
        ),
        ParamSet::Critical => run(
            set,
            &CriticalModel { origin },
            data,
            starts,
            bounds,
            opts,
            early,
        ),
        ParamSet::SlowStart => run(
            set,
            &SlowStartModel { origin },
            data,
            starts,
            bounds,
            opts,
            early,
        ),
        ParamSet::Full => run(
            set,
            &FullModel { origin },
            data,
            starts,
            bounds,
            opts,
            early,
        ),
        ParamSet::Overdamped => run(
            set,
            &OverdampedModel { origin },
            data,
            starts,
            bounds,
            opts,
            early,
        ),
    }
}

/// Compile-time size bound of a fit result (issue 7): `2 MAX_PARAMS + MAX_PARAMS^2 + 7` scalars
/// (parameters, standard errors, covariance, plateau, its error, cost, objective, R^2, AICc, BIC)
/// plus three counts (`usize`, padding included) and four 32-bit fields (two counters, two enums).
const fn fit_fits<T>() -> bool {
    use core::mem::size_of;
    size_of::<Fit<T>>()
        <= (2 * MAX_PARAMS + MAX_PARAMS * MAX_PARAMS + 7) * size_of::<T>()
            + 4 * size_of::<usize>()
            + 4 * size_of::<u32>()
}
const _: () = assert!(fit_fits::<f32>() && fit_fits::<f64>());
