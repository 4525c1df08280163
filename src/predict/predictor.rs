//! The online predictor: a [`Window`] of points, refitted into a [`Snapshot`] of candidate fits.

use super::candidates::{anchor, fit_candidate, level_weights, Candidate, ParamBox, RefitWork};
use super::combine::{self, Confirmations, CURRENT_FRACTION};
use super::config::Config;
use super::power::PowerLaw;
use super::segments::segments;
use super::snapshot::{Advice, AdviceKind, Forecast, Prediction, RunRegime, Snapshot};
use super::window::{Point, Rejected, Window};
use super::ModelKind;
use crate::error::{check, Error, ErrorKind, Param};
use crate::fit::{self, Curve, Loss};
use crate::numerics::stats::first_difference_sd;
use crate::real::{c, Real};
use crate::stability::{level_drop_by, level_drop_in, DropOptions, InstabilityVerdict, LevelDrop};

/// The online predictor: a fixed window of `N` points, candidate fits, the AICc choice.
///
/// Forecast at time `t` (since the first point; `t -> inf` for the plateau), per candidate `m`
/// with fitted curve `f`, parameter covariance `C` and gradients `g(t) = df/dtheta`:
///
/// ```text
/// level    L   = f(t_last) + d                       local level (Config::level_half_life)
/// gain     G   = f(t) - f(t_last),  v = (g(t) - g(t_last))^T C (g(t) - g(t_last))
/// shrink   lam = G^2 / (G^2 + k v)                   k = Config::gain_shrink
/// forecast F_m = L + lam G
/// variance V_m = (g_last^T C g_last + 2 lam g_last^T C (g(t) - g_last) + lam v) * infl
///                + q s^2 * infl
/// ```
///
/// `d` is the robust (Huber) exponentially weighted mean of the recent residuals and `q s^2` its
/// noise variance (see [`Config::level_half_life`]): an extrapolated trend restarts from where
/// the data are now, not from where the fit passes (intercept correction). `lam` is the
/// empirical-Bayes posterior-mean factor of the gain under the prior `N(0, G^2 / k)`, `lam v`
/// its posterior variance: a gain the data pin down (small `v`) is kept, a gain that is mostly
/// extrapolation noise (a plateau fitted on the start of a curve) is shrunk towards the level.
/// `infl = (1 + rho1) / (1 - rho1)` for the lag-1 autocorrelation `rho1` of the best model's
/// residuals, `s^2` their variance per unit weight.
///
/// The point forecast is `F_best` of the candidate with the lowest AICc (the reported model).
/// Its variance is the Akaike-weighted second moment of the candidates about it,
/// `sum_m w_m (V_m + (F_m - F_best)^2)` with `w_m ~ exp(-(AICc_m - AICc_min) / 2)` (model
/// uncertainty widens the interval, it does not move the point), plus the extrapolation drift
/// ([`Config::drift`]), times [`Config::interval_scale`]^2. Intervals are
/// `F_best +- z sd` clipped to the reward bounds (so `lo <= value <= hi` always).
///
/// When the window is full, [`Window::compact`] halves it (pairwise weighted means) and the block
/// weight doubles; later points are merged into the last one until it reaches the block weight
/// ([`Window::push_or_merge`]). The whole history stays represented at a uniform, coarser
/// resolution, and the newest point is always in the window. Each refit costs O(N) per LM
/// iteration.
///
/// Answers come from the [`Snapshot`] of the last refit ([`Predictor::fit`] refits when points
/// arrived since, then lends it out; its `&self` methods answer without refitting). The
/// `&mut self` questions on the predictor itself (`plateau`, `reward_at`, ...) are shorthands for
/// `fit()?` followed by the snapshot's answer.
///
/// The window capacity `N` defaults to [`DEFAULT_WINDOW`]: `Predictor::new(0.0, 1.0)` needs no
/// type annotation; another capacity is chosen with `Predictor::<f32, 64>::with_config(..)`.
#[derive(Clone, Debug)]
pub struct Predictor<T: Real, const N: usize = DEFAULT_WINDOW> {
    pub(super) window: Window<T, N>,
    /// Weight of a full point: 2^(number of compactions).
    pub(super) block: T,
    pub(super) stale: bool,
    pub(super) since_fit: u32,
    pub(super) fitted: bool,
    /// The last refit (and the settings).
    pub(super) snap: Snapshot<T>,
    /// Consecutive evaluations at which the stop criterion held.
    pub(super) confirm: Confirmations<T>,
    /// Work of the last refit's LM fits (statistics only: not part of the memory image, zero
    /// after a restore).
    pub(super) work: RefitWork,
}

/// Default window capacity of [`Predictor`]: 256 points (6 KiB of window in `f64`), the
/// capacity of the C predictor and of [`super::fit_and_diagnose`]; longer histories are compacted
/// pairwise, so the capacity sets the time resolution, not the history length.
pub const DEFAULT_WINDOW: usize = 256;

impl<T: Real> Predictor<T> {
    /// A predictor with the default window ([`DEFAULT_WINDOW`]), default settings and the reward
    /// bounds `[reward_min, reward_max]` (either may be infinite). Another window capacity:
    /// `Predictor::<T, N>::with_config(Config::new(reward_min, reward_max))`.
    pub fn new(reward_min: T, reward_max: T) -> Result<Self, Error> {
        Self::with_config(Config::new(reward_min, reward_max))
    }
}

impl<T: Real, const N: usize> Predictor<T, N> {
    /// A predictor with explicit settings and window capacity `N` (at least 8).
    pub fn with_config(cfg: Config<T>) -> Result<Self, Error> {
        cfg.validate()?;
        if N < 8 {
            return Err(Error::out_of_range(Param::Capacity));
        }
        Ok(Predictor {
            window: Window::new(),
            block: T::ONE,
            stale: false,
            since_fit: 0,
            fitted: false,
            snap: Snapshot::empty(cfg),
            confirm: Confirmations::default(),
            work: RefitWork::default(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config<T> {
        &self.snap.cfg
    }

    /// The window of (possibly merged) points.
    pub fn window(&self) -> &Window<T, N> {
        &self.window
    }

    /// Forget every point and fit (the settings stay).
    pub fn reset(&mut self) {
        if let Ok(fresh) = Self::with_config(self.snap.cfg) {
            *self = fresh;
        }
    }

    /// Feed one point. NaN/infinite values, steps not above the last one and rewards outside
    /// `[reward_min, reward_max]` (`OutOfRange`, param `reward`) are rejected with an error and
    /// never enter the window. A full window is compacted first (see [`Window::compact`]).
    pub fn push(&mut self, step: T, reward: T) -> Result<(), Error> {
        self.push_point(Point::new(step, reward))
    }

    /// Feed one weighted point (weight > 0, e.g. the number of samples behind the mean reward).
    pub fn push_point(&mut self, p: Point<T>) -> Result<(), Error> {
        // a finite reward outside the declared bounds is refused: one such point would otherwise
        // capture every fit (plateau at the bound, "collapsing") for the rest of the run
        let cfg = &self.snap.cfg;
        if p.reward.is_finite() && !(p.reward >= cfg.reward_min && p.reward <= cfg.reward_max) {
            check::finite(p.step, Param::Step)?;
            return Err(Error::out_of_range(Param::Reward));
        }
        match self.window.push_or_merge(p, self.block) {
            Ok(()) => {}
            Err(Rejected { point, error }) if error.kind() == ErrorKind::CapacityExceeded => {
                self.window.compact();
                self.block = (self.block * T::TWO).min(T::MAX);
                self.window
                    .push_or_merge(point, self.block)
                    .map_err(|r| r.error)?;
            }
            Err(r) => return Err(r.error),
        }
        self.stale = true;
        self.since_fit = self.since_fit.saturating_add(1);
        let cfg = &self.snap.cfg;
        if cfg.refit_every > 0
            && self.since_fit >= cfg.refit_every
            && self.window.len() >= cfg.min_points
        {
            // a failed automatic refit leaves the predictor stale; the next question retries
            let _ = self.refit();
        }
        Ok(())
    }

    /// `true` once a fit exists (it may be older than the last points).
    pub fn is_fitted(&self) -> bool {
        self.fitted
    }

    /// Work of the LM fits of the last refit on this object (LM runs and model passes over the
    /// window, summed over the candidates; zero before the first refit and after a restore from
    /// a [`super::PredictorImage`]). Each pass costs O(window length); the bound per refit is
    /// documented in docs/prediction.md ("Cost").
    pub fn last_refit_work(&self) -> RefitWork {
        self.work
    }

    /// The last refit, possibly older than the last points (`None` before the first fit).
    pub fn snapshot(&self) -> Option<&Snapshot<T>> {
        self.fitted.then_some(&self.snap)
    }

    /// The fit of the current window: refit when points arrived since the last one (or none
    /// exists yet), then the snapshot every answer is read from.
    pub fn fit(&mut self) -> Result<&Snapshot<T>, Error> {
        if self.stale || !self.fitted {
            self.refit()?;
        }
        Ok(&self.snap)
    }

    /// Refit every candidate now (warm-started from the previous parameters). On error the
    /// previous snapshot stays.
    pub fn refit(&mut self) -> Result<(), Error> {
        let cfg = self.snap.cfg;
        let pts = self.window.points();
        let n = pts.len();
        if n < cfg.min_points {
            return Err(Error::new(ErrorKind::NotReady, Param::N));
        }
        let origin = pts.first().map(|p| p.step).unwrap_or(T::ZERO);
        let mut tb = [T::ZERO; N];
        let mut yb = [T::ZERO; N];
        let mut wb = [T::ZERO; N];
        // weights are relative: scaled to a maximum of 1, so weighted sums cannot overflow (a
        // window of unit weights is unchanged)
        let wmax = pts.iter().fold(T::ZERO, |m, p| m.max(p.weight));
        for (i, p) in pts.iter().enumerate() {
            tb[i] = p.step - origin;
            yb[i] = p.reward;
            wb[i] = p.weight / wmax;
        }
        let (t, y, w) = (&tb[..n], &yb[..n], &wb[..n]);
        // level model: weighted mean
        let (mut sw, mut swy) = (T::ZERO, T::ZERO);
        let (mut ymin, mut ymax) = (T::INFINITY, -T::INFINITY);
        for (&yi, &wi) in y.iter().zip(w) {
            sw += wi;
            swy += wi * yi;
            ymin = ymin.min(yi);
            ymax = ymax.max(yi);
        }
        let level = swy / sw;
        let mut ss = T::ZERO;
        for (&yi, &wi) in y.iter().zip(w) {
            ss += wi * (yi - level) * (yi - level);
        }
        let range = ymax - ymin;
        let tiny = T::EPSILON.sqrt() * (T::ONE + ymax.abs().max(ymin.abs()));
        let scale = if cfg.reward_min.is_finite() && cfg.reward_max.is_finite() {
            cfg.reward_max - cfg.reward_min
        } else {
            range.max(tiny)
        };
        let r5 = c::<T>(5.0) * range.max(tiny);
        let span = t[n - 1].max(tiny);
        let dt = t[1].max(tiny);
        let bx = ParamBox {
            lo: (ymin - r5).max(cfg.reward_min).min(ymin),
            hi: (ymax + r5).min(cfg.reward_max).max(ymax),
            t_min: dt * c(0.25),
            t_max: span * c(20.0),
        };
        let cv = match Curve::new(t, y, Some(w)) {
            Ok(cv) => Some(cv),
            Err(e) if e.kind() == ErrorKind::Constant => None,
            Err(e) => return Err(e),
        };
        // the level-drop test on the window's rewards (a merged point is a block mean: after a
        // compaction the test sees a coarser series; `fb` is its scratch for the medians)
        let mut fb = [T::ZERO; N];
        let collapsed = level_drop_in(
            n,
            |i| pts.get(i).map_or(T::NAN, |p| p.reward),
            cfg.reward_min,
            &DropOptions::default(),
            &mut fb,
        )
        .is_ok_and(|d| d.detected);
        // nothing fails from here on: the snapshot is rebuilt in place (warm starts read the
        // previous parameters of each candidate)
        let loss = huber_loss(cfg.huber_k, y, w);
        let snap = &mut self.snap;
        snap.collapsed = collapsed;
        let mut work = RefitWork::default();
        // the window as fit data (uniform-grid parts, see `segments`); the whole window when it
        // is constant (no fit, the level model alone)
        let whole = Curve {
            t,
            y,
            w: Some(w),
            grid: None,
            n_eff: n,
            sum_w: sw,
            mean: level,
            ss_tot: ss,
            t_min: T::ZERO,
            t_max: t[n - 1],
        };
        let mut parts = [cv.unwrap_or(whole); 3];
        let k = match &cv {
            Some(cv) => segments(cv, t, y, w, &mut parts),
            None => 1,
        };
        let parts = &parts[..k];
        let level_aicc = match &cv {
            Some(cv) => {
                for s in snap.table.parametric_mut() {
                    let (fitted, w) = fit_candidate(cv, parts, &bx, s, loss);
                    *s = fitted;
                    work = work.saturating_add(w);
                }
                fit::stats(core::slice::from_ref(cv), ss * T::HALF, 1).aicc
            }
            None => {
                for s in snap.table.parametric_mut() {
                    *s = Candidate::empty(s.kind);
                }
                T::ZERO
            }
        };
        *snap.table.level_mut() =
            Candidate::level(level, ss / T::from_usize(n - 1) / sw, level_aicc);
        snap.best = snap.table.best();
        snap.t_last = t[n - 1];
        snap.scale = scale;
        // residual lag-1 autocorrelation of the best model -> variance inflation (its values in
        // one value-only pass; point by point, the level where it has none, when that fails)
        let fitted = &mut fb[..n];
        let best = snap.table.get(snap.best).copied();
        if !best.is_some_and(|b| b.valid && b.kind.values(&b.params, parts, fitted)) {
            for (f, &ti) in fitted.iter_mut().zip(t) {
                *f = snap.best_fit(ti).unwrap_or(level);
            }
        }
        let (mut s00, mut s01, mut sww) = (T::ZERO, T::ZERO, T::ZERO);
        let mut prev: Option<T> = None;
        for ((&fi, &yi), &wi) in fitted.iter().zip(y).zip(w) {
            let r = fi - yi;
            s00 += r * r;
            sww += wi * r * r;
            if let Some(p) = prev {
                s01 += p * r;
            }
            prev = Some(r);
        }
        let rho = if s00 > T::ZERO {
            (s01 / s00).max(T::ZERO).min(c(0.9))
        } else {
            T::ZERO
        };
        snap.inflation = (T::ONE + rho) / (T::ONE - rho);
        let dof = n.saturating_sub(snap.best.n_params()).max(1);
        snap.s2 = sww / T::from_usize(dof);
        snap.span = span;
        let h = cfg.level_half_life * span;
        let hub = match loss {
            Loss::Huber(k) => k,
            _ => T::ZERO,
        };
        // the local level's weights depend on the window only (`fb` is free again)
        let a = level_weights(t, w, h, &mut fb[..n]).then_some(&fb[..n]);
        for s in snap.table.parametric_mut() {
            anchor::<T, N>(s, parts, y, w, a, hub);
        }
        // best smoothed level seen: moving weighted mean over max(3, n/10) points
        let k = (n / 10).max(3).min(n);
        let mut best_level = -T::INFINITY;
        for i in 0..=(n - k) {
            let (mut a, mut b) = (T::ZERO, T::ZERO);
            for (&yi, &wi) in y[i..i + k].iter().zip(&w[i..i + k]) {
                a += wi * yi;
                b += wi;
            }
            best_level = best_level.max(a / b);
        }
        snap.best_level = best_level;
        snap.origin = origin;
        snap.last_step = pts.last().map_or(origin, |p| p.step);
        snap.evidence = pts.iter().fold(T::ZERO, |a, p| (a + p.weight).min(T::MAX));
        // the combination's own figures (raw steps, relative weights)
        for (i, p) in pts.iter().enumerate() {
            tb[i] = p.step;
        }
        snap.power = PowerLaw::fit(&tb[..n], &yb[..n], &wb[..n]);
        (snap.spread, snap.noise) = spread_and_noise::<T, N>(pts);
        snap.recent = combine::tail_level(pts, c(CURRENT_FRACTION));
        self.fitted = true;
        self.stale = false;
        self.since_fit = 0;
        self.work = work;
        Ok(())
    }

    /// Predicted plateau with 80 % / 95 % intervals ([`Snapshot::plateau`] of [`Predictor::fit`]).
    pub fn plateau(&mut self) -> Result<Forecast<T>, Error> {
        self.fit()?.plateau()
    }

    /// Predicted reward at training step `step` ([`Snapshot::reward_at`] of [`Predictor::fit`]).
    pub fn reward_at(&mut self, step: T) -> Result<Forecast<T>, Error> {
        self.fit()?.reward_at(step)
    }

    /// The candidate with the lowest AICc ([`Snapshot::model`] of [`Predictor::fit`]).
    pub fn model(&mut self) -> Result<ModelKind, Error> {
        Ok(self.fit()?.model())
    }

    /// `R^2` of the best model ([`Snapshot::r2`] of [`Predictor::fit`]).
    pub fn r2(&mut self) -> Result<T, Error> {
        Ok(self.fit()?.r2())
    }

    /// Local level at the last observed step ([`Snapshot::current`] of [`Predictor::fit`]).
    pub fn current(&mut self) -> Result<T, Error> {
        self.fit()?.current()
    }

    /// First step after the last observed one at which the best model reaches `target`
    /// ([`Snapshot::step_to_target`] of [`Predictor::fit`]).
    pub fn step_to_target(&mut self, target: T) -> Result<T, Error> {
        self.fit()?.step_to_target(target)
    }

    /// Step at which the best model has covered the fraction `f` of the remaining gain
    /// ([`Snapshot::step_to_fraction`] of [`Predictor::fit`]).
    pub fn step_to_fraction(&mut self, f: T) -> Result<T, Error> {
        self.fit()?.step_to_fraction(f)
    }

    /// Damping ratio of the slow-start fit ([`Snapshot::zeta_hat`] of [`Predictor::fit`]).
    pub fn zeta_hat(&mut self) -> Result<Option<T>, Error> {
        Ok(self.fit()?.zeta_hat())
    }

    /// RunRegime of the run ([`Snapshot::regime`] of [`Predictor::fit`]).
    pub fn regime(&mut self) -> Result<RunRegime, Error> {
        Ok(self.fit()?.regime())
    }

    /// Instability risk from the fitted curve ([`Snapshot::instability`] of [`Predictor::fit`]).
    pub fn instability(&mut self) -> Result<InstabilityVerdict, Error> {
        self.fit()?.instability()
    }

    /// The evidence of the level-drop (collapse) test behind [`Snapshot::instability`]: the test
    /// of [`crate::stability::level_drop`] (default options, floor `reward_min`) on the window's
    /// rewards; `None` with too few points. Once the window has been compacted its older points
    /// are block means (see [`Window::compact`]), so the test then sees a coarser series.
    /// O(window) cost.
    pub fn level_drop(&self) -> Result<Option<LevelDrop<T>>, Error> {
        let pts = self.window.points();
        let y = |i: usize| pts.get(i).map_or(T::NAN, |p| p.reward);
        match level_drop_by(
            pts.len(),
            y,
            self.snap.cfg.reward_min,
            &DropOptions::default(),
        ) {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.kind() == ErrorKind::TooFewPoints => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Early-stop advice for training on until `horizon_step` ([`Snapshot::advice`] of
    /// [`Predictor::fit`], a stop confirmed at [`Config::confirmations`] consecutive
    /// evaluations with new points in between).
    pub fn advice(&mut self, horizon_step: T) -> Result<Advice<T>, Error> {
        Ok(self.predict(horizon_step)?.advice)
    }

    /// Everything at once for `horizon_step` ([`Snapshot::predict`] of [`Predictor::fit`], the
    /// advice confirmed as in [`Predictor::advice`]).
    pub fn predict(&mut self, horizon_step: T) -> Result<Prediction<T>, Error> {
        let mut pr = self.fit()?.predict(horizon_step)?;
        let evidence = self.snap.evidence;
        let holds = pr.advice.confirmed > 0;
        let run = self.confirm.record(evidence, holds);
        pr.advice.confirmed = run;
        if holds && run < self.snap.cfg.confirmations {
            pr.advice.kind = AdviceKind::Continue;
        }
        Ok(pr)
    }
}

/// The combination's spread and noise figures ([`combine::spread`], [`combine::noise_sd`]). Their
/// sort buffer (`2 N` scalars) lives in this frame only, not in `refit`'s beside the LM fits (the
/// deepest calls of a refit).
#[inline(never)]
fn spread_and_noise<T: Real, const N: usize>(pts: &[Point<T>]) -> (T, T) {
    let mut buf = [(T::ZERO, T::ZERO); N];
    (
        combine::spread(pts, &mut buf),
        combine::noise_sd(pts, &mut buf),
    )
}

/// The fit loss: Huber with scale `huber_k * sigma`, `sigma^2 = mean_k d_k^2 / (1/w_k +
/// 1/w_(k-1))` from the first differences `d_k` of the window (noise per unit weight; the trend
/// inflates it slightly); least squares when `huber_k = 0` or `sigma = 0`.
fn huber_loss<T: Real>(huber_k: T, y: &[T], w: &[T]) -> Loss<T> {
    let sigma = first_difference_sd(y, Some(w), false);
    let scale = huber_k * sigma;
    if scale > T::ZERO && scale.is_finite() {
        Loss::Huber(scale)
    } else {
        Loss::LeastSquares
    }
}
