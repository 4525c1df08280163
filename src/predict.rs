//! Online prediction of a running reward curve (for schedulers and early stopping).
//!
//! * [`Window`]: a fixed-capacity buffer (`heapless`, const-generic capacity) of
//!   `(step, reward, weight)` points fed one at a time; `push` hands a refused point back with a
//!   typed error (NaN/infinite value, step not increasing, window full).
//! * [`Predictor`]: the window plus candidate fits. Candidates are the fit module's ready sets
//!   (saturation law, critical slow start, slow-start oscillator), fitted by Levenberg-Marquardt
//!   with a Huber loss, warm-started from the previous parameters, refitted every `k` points
//!   ([`Config::refit_every`]) or on demand (and lazily before any answer when new points
//!   arrived). The best model is the one with the lowest AICc; forecasts are its forecast,
//!   anchored at the local level of the most recent points and with the extrapolated gain shrunk
//!   by its signal-to-noise ratio; their variance is Akaike-weighted over the candidates.
//! * Answers: plateau with 80 % / 95 % intervals ([`Predictor::plateau`]), reward at a future
//!   step with intervals ([`Predictor::reward_at`]), step at which a fraction `f` of the remaining
//!   gain is reached ([`Predictor::step_to_fraction`], spec A.7), step to a reward target
//!   ([`Predictor::step_to_target`]), regime and instability risk ([`Predictor::regime`],
//!   [`Predictor::instability`]), early-stop advice with its numbers ([`Predictor::advice`]), or
//!   everything at once ([`Predictor::predict`]).
//! * Intervals: delta method from the fit covariance, inflated by `(1 + rho1) / (1 - rho1)` for the
//!   lag-1 autocorrelation `rho1` of the residuals, plus the noise of the local level, the
//!   between-model spread and an extrapolation-drift term calibrated on real curves
//!   ([`CALIBRATED_DRIFT`]).
//! * Reward bounds (`reward_min`, `reward_max`, either may be infinite) bound the plateau
//!   parameters of every fit and clip every prediction and interval.
//!
//! No allocation (the refit works on stack copies of the window), no panic; a refit costs O(N)
//! per LM iteration.

use crate::diagnostics::{instability_verdict, InstabilityEvidence, InstabilityVerdict};
use crate::error::{check, Error, ErrorKind, Param};
use crate::fit::{
    self, CriticalModel, Curve, Loss, Model, Options, ParamSet, SaturationModel, SlowStartModel,
    Start, MAX_PARAMS,
};
use crate::real::{c, Real};
use crate::trajectory::SlowStart;

mod image;
pub use image::PredictorImage;

/// One observation: a training step, its reward and a weight (the number of raw points it stands
/// for; 1 for a raw point).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Point<T> {
    /// Training step (strictly increasing along the window).
    pub step: T,
    /// Observed reward.
    pub reward: T,
    /// Positive weight (relative: a refit scales the window's weights to a maximum of 1).
    pub weight: T,
}

impl<T: Real> Point<T> {
    /// A raw point of weight 1.
    pub fn new(step: T, reward: T) -> Self {
        Point {
            step,
            reward,
            weight: T::ONE,
        }
    }
}

/// A point the [`Window`] refused, handed back with the reason.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rejected<T> {
    /// The refused point, unchanged.
    pub point: Point<T>,
    /// Why: `NonFinite` (step/reward/weight NaN or infinite), `OutOfRange` (weight `<= 0`),
    /// `NotIncreasing` (step not above the last step) or `CapacityExceeded` (window full).
    pub error: Error,
}

/// A fixed-capacity window of `N` points with strictly increasing steps (no heap).
#[derive(Clone, Debug)]
pub struct Window<T, const N: usize> {
    points: heapless::Vec<Point<T>, N>,
    /// Step of the last point accepted (merged points keep their mean step, new steps must
    /// still exceed every accepted step).
    last_step: Option<T>,
}

impl<T: Real, const N: usize> Default for Window<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Real, const N: usize> Window<T, N> {
    /// An empty window.
    pub const fn new() -> Self {
        Window {
            points: heapless::Vec::new(),
            last_step: None,
        }
    }

    /// Capacity `N`.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Number of points held.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// `true` when no point is held.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// `true` when `len() == N`.
    pub fn is_full(&self) -> bool {
        self.points.len() == N
    }

    /// The points, oldest first.
    pub fn points(&self) -> &[Point<T>] {
        self.points.as_slice()
    }

    /// The last point.
    pub fn last(&self) -> Option<&Point<T>> {
        self.points.last()
    }

    /// Remove every point.
    pub fn clear(&mut self) {
        self.points.clear();
        self.last_step = None;
    }

    /// Validate a point against the window (without storing it).
    fn validate_point(&self, p: &Point<T>) -> Result<(), Error> {
        check::finite(p.step, Param::Step)?;
        check::finite(p.reward, Param::Reward)?;
        check::positive(p.weight, Param::Weights)?;
        if let Some(last) = self.last_step {
            if p.step <= last {
                return Err(Error::new(ErrorKind::NotIncreasing, Param::Step));
            }
        }
        Ok(())
    }

    /// Validate a point against the window (without storing it).
    fn validate(&self, p: &Point<T>) -> Result<(), Error> {
        self.validate_point(p)?;
        if self.is_full() {
            return Err(Error::new(ErrorKind::CapacityExceeded, Param::Capacity));
        }
        Ok(())
    }

    /// Append a point. A NaN/infinite value, a non-positive weight, a step not above the last one,
    /// or a full window leave the window unchanged and hand the point back with the reason.
    pub fn push(&mut self, p: Point<T>) -> Result<(), Rejected<T>> {
        match self.validate(&p) {
            Ok(()) => {
                self.points.push(p).map_err(|point| Rejected {
                    point,
                    error: Error::new(ErrorKind::CapacityExceeded, Param::Capacity),
                })?;
                self.last_step = Some(p.step);
                Ok(())
            }
            Err(error) => Err(Rejected { point: p, error }),
        }
    }

    /// Like [`Window::push`], but when the window holds at least two points and the last one
    /// (never the first, the start of the run) weighs at most `block - p.weight`, `p` is merged
    /// into it (weighted means of step and reward, weights added) instead of taking a new slot.
    /// With `block = 2^k` after `k` compactions this keeps every point but the first and the last
    /// at the same weight: a uniform time resolution over the whole history.
    pub fn push_or_merge(&mut self, p: Point<T>, block: T) -> Result<(), Rejected<T>> {
        if let Err(error) = self.validate_point(&p) {
            return Err(Rejected { point: p, error });
        }
        let n = self.points.len();
        if n >= 2 {
            if let Some(last) = self.points.last_mut() {
                if last.weight + p.weight <= block {
                    *last = merge(*last, p);
                    self.last_step = Some(p.step);
                    return Ok(());
                }
            }
        }
        self.push(p)
    }

    /// Halve the number of points by merging neighbours pairwise into their weighted mean
    /// (`step` and `reward` weighted by `weight`, weights added); the first point (the start of the
    /// run) and, for odd lengths, the last point are kept as they are. Steps stay strictly
    /// increasing. O(len). Used by the predictor to keep the whole history in a fixed window: after
    /// `k` compactions every point stands for about `2^k` raw points, uniformly in time.
    ///
    /// A merged point carries the mean reward at the mean step, which differs from the curve value
    /// at the mean step by about `r''(t) var(t) / 2` over the merged block (second order; far
    /// below the noise of real reward curves, visible on noise-free synthetic curves).
    pub fn compact(&mut self) {
        let n = self.points.len();
        if n < 3 {
            return;
        }
        let pts = self.points.as_mut_slice();
        // keep point 0; merge (1,2), (3,4), ...; an unpaired last point is kept
        let mut w = 1;
        let mut r = 1;
        while r < n {
            let a = pts[r];
            let merged = if r + 1 < n {
                let b = pts[r + 1];
                r += 2;
                merge(a, b)
            } else {
                r += 1;
                a
            };
            pts[w] = merged;
            w += 1;
        }
        self.points.truncate(w);
    }
}

/// Weighted mean of two consecutive points (`a.step < b.step`): convex combinations of finite
/// values (no overflow), kept inside the pair so steps stay strictly increasing.
fn merge<T: Real>(a: Point<T>, b: Point<T>) -> Point<T> {
    let wt = (a.weight + b.weight).min(T::MAX);
    let (wa, wb) = (a.weight / wt, b.weight / wt);
    Point {
        step: (a.step * wa + b.step * wb).max(a.step).min(b.step),
        reward: (a.reward * wa + b.reward * wb)
            .max(a.reward.min(b.reward))
            .min(a.reward.max(b.reward)),
        weight: wt,
    }
}

// ------------------------------------------------------------------------------------------------
// Predictor
// ------------------------------------------------------------------------------------------------

/// Normal quantile of the central 80 % interval.
pub const Z80: f64 = 1.2815515655446004;
/// Normal quantile of the central 95 % interval.
pub const Z95: f64 = 1.959963984540054;

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

/// Shape of the run as the predictor sees it (C code in brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum Regime {
    /// Not fitted yet (0).
    Unknown = 0,
    /// Flat: no significant gain left or seen (1).
    Flat = 1,
    /// Rising (or falling) monotonically towards the plateau, damped (`zeta >= 1`) (2).
    Saturating = 2,
    /// Underdamped (`zeta < 1`): overshoots its plateau and rings (3).
    Oscillating = 3,
    /// Heading away from its own best level: the predicted plateau lies well below the best
    /// level seen (collapse) (4).
    Collapsing = 4,
}

/// Early-stop advice (C code in brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum AdviceKind {
    /// Not enough data (0).
    NotReady = 0,
    /// Continue: a significant gain is still expected (1).
    Continue = 1,
    /// Stop: the plateau is reached (remaining expected gain below the tolerance, with at least
    /// [`Config::min_stop_points`] raw points observed) (2).
    StopPlateau = 2,
    /// Stop: the run is collapsing or unstable (3).
    StopDiverging = 3,
}

/// Predictor settings. Every field has a documented default ([`Config::new`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config<T> {
    /// Lowest possible reward (may be `-inf`); every prediction and interval is clipped to it.
    pub reward_min: T,
    /// Highest possible reward (may be `+inf`).
    pub reward_max: T,
    /// Refit automatically after this many accepted points; 0 (default) = only on demand
    /// ([`Predictor::refit`], or lazily by the first question asked after new points).
    pub refit_every: u32,
    /// Points needed before the first fit (default 6, at least 3).
    pub min_points: usize,
    /// Multiplier of the model-based standard deviation (interval calibration, default
    /// [`CALIBRATED_SCALE`]).
    pub interval_scale: T,
    /// Extrapolation-drift coefficient `c_d` (default [`CALIBRATED_DRIFT`]): a forecast at time
    /// `t` beyond the last point gets the extra variance
    /// `c_d * s^2 * inflation * (t - t_last) / span`, where `s^2` is the residual variance of the
    /// best model and `span` the observed time span; it stands for the slow wandering of real
    /// curves away from any fitted law. Also applied to the plateau with `t - t_last = span`.
    pub drift: T,
    /// Huber constant of the robust fits (default 1.345, the textbook value: 95 % efficiency for
    /// Gaussian noise); the Huber scale is `huber_k` times the noise level estimated from the first
    /// differences of the window. 0 = plain least squares.
    pub huber_k: T,
    /// Stop (plateau reached) when the remaining expected gain `plateau - current` is below
    /// `stop_gain` times the reward scale (default 0.01). The reward scale is
    /// `reward_max - reward_min` when both are finite, else the range of the observed rewards.
    pub stop_gain: T,
    /// Collapse when the predicted plateau lies more than `collapse_drop` times the reward scale
    /// below the best smoothed level seen (default 0.2).
    pub collapse_drop: T,
    /// Half-life of the local level, as a fraction of the observed time span (default
    /// [`DEFAULT_LEVEL_HALF_LIFE`]); 0 = no anchoring. Every candidate's forecast is anchored at
    /// the level of the most recent points: its residuals `e_i = y_i - f(t_i)` are averaged with
    /// the weights `a_i = w_i 2^(-(t_last - t_i) / (level_half_life * span))` into the offset
    /// `d` (a Huber M-estimate with the fit's own Huber scale, so one outlying recent point does
    /// not move it; the weighted mean `sum a_i e_i / sum a_i` when `huber_k = 0`), and the
    /// forecast starts from `f(t_last) + d`, the local level, instead of `f(t_last)` (the
    /// "intercept correction" of forecasting with a misspecified trend). Its noise variance
    /// `q s^2`, `q = sum a_i^2 / w_i / (sum a_i)^2`, enters the intervals. See [`Predictor`] for
    /// the full forecast.
    pub level_half_life: T,
    /// Prior scale of the gain shrinkage (default 1; 0 = no shrinkage): the extrapolated gain
    /// `G = f(t) - f(t_last)` of each candidate, with variance `v = (g_t - g_last)^T C (g_t -
    /// g_last)` (fit covariance `C`, gradients `g`), is multiplied by
    /// `lambda = G^2 / (G^2 + gain_shrink * v)`: the posterior mean of the true gain under a
    /// normal prior `N(0, G^2 / gain_shrink)`. A gain the data pin down is kept; a gain that is an
    /// artefact of a poorly identified extrapolation (a plateau fitted on the start of a curve)
    /// is shrunk towards the local level.
    pub gain_shrink: T,
    /// Fewest raw points (summed weights) behind a "stop: plateau reached" advice (default
    /// [`DEFAULT_MIN_STOP_POINTS`]); with less evidence a flat start is answered `Continue`.
    pub min_stop_points: T,
}

/// Default [`Config::level_half_life`]: the local level gives the point 15 % of the observed
/// span before the last one half the weight of the last point. Chosen (with
/// [`Config::gain_shrink`] = 1) on the 11 public curves of `shared/data/curves` by
/// `examples/predict_bench.rs` as the value with the smallest sum of the median absolute errors
/// over the 20 / 30 / 50 % cuts among 0, 0.05, 0.1, 0.15, 0.2, 0.3 (sums 0.171, 0.214, 0.151,
/// 0.141, 0.146, 0.161). In-sample choice on few curves: treat it as indicative.
pub const DEFAULT_LEVEL_HALF_LIFE: f64 = 0.15;

/// Default [`Config::min_stop_points`].
pub const DEFAULT_MIN_STOP_POINTS: f64 = 20.0;

/// Extrapolation-drift coefficient of [`Config::drift`], calibrated (with
/// [`CALIBRATED_SCALE`] = 1) on the 11 public curves of `shared/data/curves` by
/// `examples/predict_bench.rs`: pooled over the 20/30/50 % cuts (33 targets), the 50/80/95 %
/// intervals covered 27/45/67 % for `c_d = 0`, 49/76/76 % for 0.1, 64/76/82 % for 0.25,
/// 73/76/85 % for 0.5 and 73/82/88 % for 1; 0.1 has the smallest summed deviation from nominal.
/// In-sample calibration on few curves: treat the intervals as indicative.
pub const CALIBRATED_DRIFT: f64 = 0.1;

/// Interval calibration factor of [`Config::interval_scale`], fitted on the public curves of
/// `shared/data/curves` (see `examples/predict_bench.rs`).
pub const CALIBRATED_SCALE: f64 = 1.0;

impl<T: Real> Config<T> {
    /// Defaults with the given reward bounds.
    pub fn new(reward_min: T, reward_max: T) -> Self {
        Config {
            reward_min,
            reward_max,
            refit_every: 0,
            min_points: 6,
            interval_scale: crate::real::c(CALIBRATED_SCALE),
            drift: crate::real::c(CALIBRATED_DRIFT),
            huber_k: crate::real::c(1.345),
            stop_gain: crate::real::c(0.01),
            collapse_drop: crate::real::c(0.2),
            level_half_life: crate::real::c(DEFAULT_LEVEL_HALF_LIFE),
            gain_shrink: T::ONE,
            min_stop_points: crate::real::c(DEFAULT_MIN_STOP_POINTS),
        }
    }

    fn validate(&self) -> Result<(), Error> {
        if self.reward_min.is_nan() {
            return Err(Error::non_finite(Param::RewardMin));
        }
        if self.reward_max.is_nan() {
            return Err(Error::non_finite(Param::RewardMax));
        }
        if self.reward_min == T::INFINITY {
            return Err(Error::out_of_range(Param::RewardMin));
        }
        if self.reward_max == -T::INFINITY {
            return Err(Error::out_of_range(Param::RewardMax));
        }
        if self.reward_min >= self.reward_max {
            return Err(Error::new(ErrorKind::BoundsInverted, Param::RewardMax));
        }
        if self.min_points < 3 {
            return Err(Error::out_of_range(Param::N));
        }
        check::positive(self.interval_scale, Param::Z)?;
        check::non_negative(self.drift, Param::Tol)?;
        check::non_negative(self.huber_k, Param::LossScale)?;
        check::non_negative(self.stop_gain, Param::Tol)?;
        check::non_negative(self.collapse_drop, Param::Tol)?;
        check::non_negative(self.level_half_life, Param::Tol)?;
        check::non_negative(self.gain_shrink, Param::Tol)?;
        check::non_negative(self.min_stop_points, Param::N)?;
        Ok(())
    }
}

/// A point prediction with its normal predictive standard deviation and the 80 % / 95 % intervals,
/// all clipped to the reward bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Forecast<T> {
    /// Predicted value.
    pub value: T,
    /// Predictive standard deviation (before clipping).
    pub sd: T,
    /// Lower end of the 80 % interval.
    pub lo80: T,
    /// Upper end of the 80 % interval.
    pub hi80: T,
    /// Lower end of the 95 % interval.
    pub lo95: T,
    /// Upper end of the 95 % interval.
    pub hi95: T,
}

/// Early-stop advice with the numbers behind it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Advice<T> {
    /// What to do.
    pub kind: AdviceKind,
    /// Local level at the last observed step ([`Predictor::current`]).
    pub current: T,
    /// Predicted plateau.
    pub plateau: T,
    /// Expected gain `reward(at_step) - current`.
    pub expected_gain: T,
    /// The step the expected gain refers to (the horizon asked for).
    pub at_step: T,
}

/// Everything the predictor says at once (the C `grpo_prediction`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Prediction<T> {
    /// Plateau with intervals.
    pub plateau: Forecast<T>,
    /// The horizon step.
    pub horizon: T,
    /// Reward at the horizon with intervals.
    pub at_horizon: Forecast<T>,
    /// Model with the lowest AICc.
    pub model: ModelKind,
    /// Regime.
    pub regime: Regime,
    /// Instability risk from the fitted damping (spec E4 without hyperparameters).
    pub instability: InstabilityVerdict,
    /// Early-stop advice for the horizon.
    pub advice: Advice<T>,
    /// `R^2` of the best model on the window (weighted).
    pub r2: T,
}

/// Box for the fitted parameters: plateau and start level between `lo` and `hi`, timescales
/// between `t_min` and `t_max` (in steps since the first point).
#[derive(Clone, Copy, Debug)]
struct ParamBox<T> {
    lo: T,
    hi: T,
    t_min: T,
    t_max: T,
}

/// A candidate: one of the fit module's ready models with its parameter set.
trait Candidate<T: Real, const P: usize>: Model<T, P> {
    const SET: ParamSet;
    /// The model with time origin 0 (the predictor measures time from its first point).
    fn at_origin() -> Self;
}

impl<T: Real> Candidate<T, 3> for SaturationModel<T> {
    const SET: ParamSet = ParamSet::Saturation;
    fn at_origin() -> Self {
        SaturationModel { origin: T::ZERO }
    }
}

impl<T: Real> Candidate<T, 3> for CriticalModel<T> {
    const SET: ParamSet = ParamSet::Critical;
    fn at_origin() -> Self {
        CriticalModel { origin: T::ZERO }
    }
}

impl<T: Real> Candidate<T, 4> for SlowStartModel<T> {
    const SET: ParamSet = ParamSet::SlowStart;
    fn at_origin() -> Self {
        SlowStartModel { origin: T::ZERO }
    }
}

type Sat<T> = SaturationModel<T>;
type Crit<T> = CriticalModel<T>;
type Slow<T> = SlowStartModel<T>;

/// Result of one candidate fit.
#[derive(Clone, Copy, Debug)]
struct Slot<T, const P: usize> {
    valid: bool,
    params: [T; P],
    cov: [[T; P]; P],
    aicc: T,
    r2: T,
    /// Local-level offset `d` (weighted mean of the recent residuals, [`Config::level_half_life`]).
    offset: T,
    /// Variance factor of the local level: `sum a_i^2 / w_i / (sum a_i)^2` (times the residual
    /// variance per unit weight); `NaN` when anchoring is off.
    level_q: T,
}

impl<T: Real, const P: usize> Slot<T, P> {
    const fn empty() -> Self {
        Slot {
            valid: false,
            params: [T::ZERO; P],
            cov: [[T::ZERO; P]; P],
            aicc: T::INFINITY,
            r2: T::NAN,
            offset: T::ZERO,
            level_q: T::NAN,
        }
    }
}

/// Set the local-level offset of a fitted slot (see [`Config::level_half_life`]): with the
/// exponential weights `a_i = w_i 2^(-(t_last - t_i) / h)` and the residuals `e_i = y_i - f(t_i)`,
/// `d` is the Huber M-estimate of location of the `e_i` (weights `a_i`, Huber scale `huber` per
/// unit weight, the scale of the fit itself; the weighted mean when `huber = 0`), solved by
/// iteratively reweighted means `d <- sum a_i u_i e_i / sum a_i u_i`,
/// `u_i = min(1, huber / (sqrt(w_i) |e_i - d|))`; `q = sum a_i^2 / w_i / (sum a_i)^2`, so that
/// `Var d ~ q s^2` for independent residuals of variance `s^2 / w_i`. `h <= 0` turns anchoring
/// off (`d = 0`, `q = NaN`).
fn anchor_slot<T: Real, M: Candidate<T, P>, const P: usize, const N: usize>(
    s: &mut Slot<T, P>,
    t: &[T],
    y: &[T],
    w: &[T],
    h: T,
    huber: T,
) {
    s.offset = T::ZERO;
    s.level_q = T::NAN;
    let Some(&t_last) = t.last() else {
        return;
    };
    if !s.valid || h.is_nan() || h <= T::ZERO {
        return;
    }
    let model = M::at_origin();
    let rate: T = c(core::f64::consts::LN_2);
    let mut ab = [T::ZERO; N];
    let mut eb = [T::ZERO; N];
    let (mut sa, mut sae, mut saa) = (T::ZERO, T::ZERO, T::ZERO);
    for ((((&ti, &yi), &wi), ai), ei) in t.iter().zip(y).zip(w).zip(&mut ab).zip(&mut eb) {
        let a = wi * (-(t_last - ti) / h * rate).exp();
        let Ok((f, _)) = model.eval(&s.params, ti) else {
            return;
        };
        *ai = a;
        *ei = yi - f;
        sa += a;
        sae += a * *ei;
        saa += a * (a / wi);
    }
    let mut d = sae / sa;
    let q = saa / (sa * sa);
    if huber > T::ZERO && huber.is_finite() {
        for _ in 0..50 {
            let (mut su, mut sue) = (T::ZERO, T::ZERO);
            for ((&ai, &ei), &wi) in ab.iter().zip(&eb).zip(w) {
                let r = (ei - d).abs() * wi.sqrt();
                let u = if r > huber { huber / r } else { T::ONE };
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

/// Fit candidate `M` on `cv` with the fit module, warm-started from `prev` when it is valid
/// (falling back to the data starts when the warm fit fails or does not converge).
fn fit_candidate<T: Real, M: Candidate<T, P>, const P: usize>(
    cv: &Curve<'_, T>,
    bx: &ParamBox<T>,
    prev: &Slot<T, P>,
    loss: Loss<T>,
) -> Slot<T, P> {
    let (lo, hi) = candidate_bounds(M::SET, bx);
    let opts = Options {
        loss,
        ..Options::default()
    };
    let mut rep = None;
    if prev.valid {
        let mut x = prev.params;
        for ((v, &l), &h) in x.iter_mut().zip(&lo).zip(&hi) {
            *v = v.max(l).min(h);
        }
        rep = fit::fit_curve(M::SET, cv, Start::Given(&x), (&lo, &hi), &opts).ok();
    }
    if !rep.is_some_and(|r| r.termination.converged()) {
        let cold = fit::fit_curve(M::SET, cv, Start::Data, (&lo, &hi), &opts).ok();
        rep = match (rep, cold) {
            (Some(a), Some(b)) => Some(if b.cost < a.cost { b } else { a }),
            (a, b) => b.or(a),
        };
    }
    match rep {
        Some(r) if r.cost.is_finite() => {
            let mut s = Slot::empty();
            s.valid = true;
            for j in 0..P {
                s.params[j] = r.params[j];
                for k in 0..P {
                    s.cov[j][k] = r.covariance[j][k];
                }
            }
            s.aicc = r.aicc;
            s.r2 = r.r2;
            s
        }
        _ => Slot::empty(),
    }
}

/// Value and variance `g^T C g` of a fitted slot at `t`.
fn slot_forecast<T: Real, M: Candidate<T, P>, const P: usize>(
    s: &Slot<T, P>,
    t: T,
) -> Option<(T, T)> {
    if !s.valid {
        return None;
    }
    let (v, g) = M::at_origin().eval(&s.params, t).ok()?;
    Some((v, quad(&s.cov, &g)))
}

/// `g^T C g` (infinite when C carries an unidentified direction that `g` touches).
fn quad<T: Real, const P: usize>(c: &[[T; P]; P], g: &[T; P]) -> T {
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
fn bilinear<T: Real, const P: usize>(c: &[[T; P]; P], g: &[T; P], h: &[T; P]) -> T {
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

/// Anchored, shrunk forecast of a fitted slot at time `t` (`None`: the plateau, `t -> inf`):
/// `(value, variance before the autocorrelation inflation)`, see [`Predictor`].
/// `s2` is the residual variance per unit weight, `shrink` the [`Config::gain_shrink`].
fn slot_anchored<T: Real, M: Candidate<T, P>, const P: usize>(
    s: &Slot<T, P>,
    t: Option<T>,
    t_last: T,
    s2: T,
    shrink: T,
) -> Option<(T, T)> {
    if !s.valid {
        return None;
    }
    let model = M::at_origin();
    let (f_l, g_l) = model.eval(&s.params, t_last).ok()?;
    let (f_h, g_h) = match t {
        Some(t) => model.eval(&s.params, t).ok()?,
        None => {
            let mut e0 = [T::ZERO; P];
            if let Some(x) = e0.first_mut() {
                *x = T::ONE;
            }
            (*s.params.first()?, e0)
        }
    };
    let mut dg = [T::ZERO; P];
    for ((d, h), l) in dg.iter_mut().zip(&g_h).zip(&g_l) {
        *d = *h - *l;
    }
    let gain = f_h - f_l;
    let v = quad(&s.cov, &dg);
    let lambda = shrink_factor(gain, v, shrink);
    // posterior variance of the gain, lambda v = G^2 v / (G^2 + k v) (-> G^2 / k as v -> inf)
    let gain_var = posterior_var(gain, v, shrink, lambda);
    // delta method for f(t_last) + lambda G, with the cross term
    let cross = bilinear(&s.cov, &g_l, &dg);
    let var = quad(&s.cov, &g_l) + T::TWO * lambda * cross + gain_var;
    // an undefined variance (unidentified direction) is infinite, never silently zero
    let mut var = if var.is_nan() {
        T::INFINITY
    } else {
        var.max(T::ZERO)
    };
    let mut level = f_l;
    if s.level_q.is_finite() {
        // local level: the offset measures the misfit of the trend at the end of the data, which
        // the fit covariance does not see; it is taken as it is, with its noise variance q s^2
        level += s.offset;
        var += s.level_q * s2;
    }
    let value = level + lambda * gain;
    value.is_finite().then_some((value, var))
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
#[derive(Clone, Debug)]
pub struct Predictor<T: Real, const N: usize> {
    cfg: Config<T>,
    window: Window<T, N>,
    /// Weight of a full point: 2^(number of compactions).
    block: T,
    stale: bool,
    since_fit: u32,
    fitted: bool,
    sat: Slot<T, 3>,
    crit: Slot<T, 3>,
    slow: Slot<T, 4>,
    level: T,
    level_var: T,
    level_aicc: T,
    best: ModelKind,
    r2: T,
    inflation: T,
    s2: T,
    span: T,
    best_level: T,
    scale: T,
    t_last: T,
}

/// One candidate's contribution to a prediction: (AICc, value, variance).
type Part<T> = (T, T, T);

impl<T: Real, const N: usize> Predictor<T, N> {
    /// A predictor with default settings and the reward bounds `[reward_min, reward_max]`
    /// (either may be infinite).
    pub fn new(reward_min: T, reward_max: T) -> Result<Self, Error> {
        Self::with_config(Config::new(reward_min, reward_max))
    }

    /// A predictor with explicit settings.
    pub fn with_config(cfg: Config<T>) -> Result<Self, Error> {
        cfg.validate()?;
        if N < 8 {
            return Err(Error::out_of_range(Param::Capacity));
        }
        Ok(Predictor {
            cfg,
            window: Window::new(),
            block: T::ONE,
            stale: false,
            since_fit: 0,
            fitted: false,
            sat: Slot::empty(),
            crit: Slot::empty(),
            slow: Slot::empty(),
            level: T::NAN,
            level_var: T::INFINITY,
            level_aicc: T::INFINITY,
            best: ModelKind::None,
            r2: T::NAN,
            inflation: T::ONE,
            s2: T::ZERO,
            span: T::ONE,
            best_level: T::NAN,
            scale: T::ONE,
            t_last: T::ZERO,
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config<T> {
        &self.cfg
    }

    /// The window of (possibly merged) points.
    pub fn window(&self) -> &Window<T, N> {
        &self.window
    }

    /// Forget every point and fit (the settings stay).
    pub fn reset(&mut self) {
        if let Ok(fresh) = Self::with_config(self.cfg) {
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
        if p.reward.is_finite()
            && !(p.reward >= self.cfg.reward_min && p.reward <= self.cfg.reward_max)
        {
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
        if self.cfg.refit_every > 0
            && self.since_fit >= self.cfg.refit_every
            && self.window.len() >= self.cfg.min_points
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

    /// Refit every candidate now (warm-started from the previous parameters).
    pub fn refit(&mut self) -> Result<(), Error> {
        let pts = self.window.points();
        let n = pts.len();
        if n < self.cfg.min_points {
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
        let scale = if self.cfg.reward_min.is_finite() && self.cfg.reward_max.is_finite() {
            self.cfg.reward_max - self.cfg.reward_min
        } else {
            range.max(tiny)
        };
        let r5 = c::<T>(5.0) * range.max(tiny);
        let span = t[n - 1].max(tiny);
        let dt = t[1].max(tiny);
        let bx = ParamBox {
            lo: (ymin - r5).max(self.cfg.reward_min).min(ymin),
            hi: (ymax + r5).min(self.cfg.reward_max).max(ymax),
            t_min: dt * c(0.25),
            t_max: span * c(20.0),
        };
        match Curve::new(t, y, Some(w)) {
            Ok(cv) => {
                let loss = self.loss(y, w);
                self.sat = fit_candidate::<T, Sat<T>, 3>(&cv, &bx, &self.sat, loss);
                self.crit = fit_candidate::<T, Crit<T>, 3>(&cv, &bx, &self.crit, loss);
                self.slow = fit_candidate::<T, Slow<T>, 4>(&cv, &bx, &self.slow, loss);
                let st = fit::stats(core::slice::from_ref(&cv), ss * T::HALF, 1);
                self.level_aicc = st.aicc;
            }
            Err(e) if e.kind() == ErrorKind::Constant => {
                self.sat = Slot::empty();
                self.crit = Slot::empty();
                self.slow = Slot::empty();
                self.level_aicc = T::ZERO;
            }
            Err(e) => return Err(e),
        }
        self.level = level;
        self.level_var = ss / T::from_usize(n - 1) / sw;
        // best by AICc (the level model wins ties: it is the simplest)
        let mut best = (ModelKind::Constant, self.level_aicc, T::ZERO);
        for (k, s_valid, aicc, r2) in [
            (
                ModelKind::Saturation,
                self.sat.valid,
                self.sat.aicc,
                self.sat.r2,
            ),
            (
                ModelKind::Critical,
                self.crit.valid,
                self.crit.aicc,
                self.crit.r2,
            ),
            (
                ModelKind::SlowStart,
                self.slow.valid,
                self.slow.aicc,
                self.slow.r2,
            ),
        ] {
            if s_valid && aicc < best.1 {
                best = (k, aicc, r2);
            }
        }
        self.best = best.0;
        self.r2 = best.2;
        self.t_last = t[n - 1];
        self.scale = scale;
        // residual lag-1 autocorrelation of the best model -> variance inflation
        let (mut s00, mut s01, mut sww) = (T::ZERO, T::ZERO, T::ZERO);
        let mut prev: Option<T> = None;
        for ((&ti, &yi), &wi) in t.iter().zip(y).zip(w) {
            let r = self.best_fit(ti).unwrap_or(level) - yi;
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
        self.inflation = (T::ONE + rho) / (T::ONE - rho);
        let dof = n.saturating_sub(self.n_params()).max(1);
        self.s2 = sww / T::from_usize(dof);
        self.span = span;
        let h = self.cfg.level_half_life * span;
        let hub = match self.loss(y, w) {
            Loss::Huber(k) => k,
            _ => T::ZERO,
        };
        anchor_slot::<T, Sat<T>, 3, N>(&mut self.sat, t, y, w, h, hub);
        anchor_slot::<T, Crit<T>, 3, N>(&mut self.crit, t, y, w, h, hub);
        anchor_slot::<T, Slow<T>, 4, N>(&mut self.slow, t, y, w, h, hub);
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
        self.best_level = best_level;
        self.fitted = true;
        self.stale = false;
        self.since_fit = 0;
        Ok(())
    }

    /// The fit loss: Huber with scale `huber_k * sigma`, `sigma^2 = mean_k d_k^2 / (1/w_k +
    /// 1/w_(k-1))` from the first differences `d_k` of the window (noise per unit weight; the
    /// trend inflates it slightly); least squares when `huber_k = 0` or `sigma = 0`.
    fn loss(&self, y: &[T], w: &[T]) -> Loss<T> {
        let mut s = T::ZERO;
        let mut k = 0usize;
        for (yy, ww) in y.windows(2).zip(w.windows(2)) {
            let d = yy[1] - yy[0];
            s += d * d / (T::ONE / ww[1] + T::ONE / ww[0]);
            k += 1;
        }
        let sigma = if k > 0 {
            (s / T::from_usize(k)).sqrt()
        } else {
            T::ZERO
        };
        let scale = self.cfg.huber_k * sigma;
        if scale > T::ZERO && scale.is_finite() {
            Loss::Huber(scale)
        } else {
            Loss::LeastSquares
        }
    }

    fn ensure(&mut self) -> Result<(), Error> {
        if self.stale || !self.fitted {
            self.refit()?;
        }
        Ok(())
    }

    fn origin(&self) -> T {
        self.window
            .points()
            .first()
            .map(|p| p.step)
            .unwrap_or(T::ZERO)
    }

    /// Value of the best model at `t` (time since the first point), shifted by its local-level
    /// offset `d` (see [`Config::level_half_life`]): the fitted trajectory through the level of
    /// the most recent points.
    fn best_value(&self, t: T) -> Option<T> {
        self.best_fit(t).map(|v| v + self.best_offset())
    }

    /// Local-level offset of the best model (0 for the level model).
    fn best_offset(&self) -> T {
        match self.best {
            ModelKind::None | ModelKind::Constant => T::ZERO,
            ModelKind::Saturation => self.sat.offset,
            ModelKind::Critical => self.crit.offset,
            ModelKind::SlowStart => self.slow.offset,
        }
    }

    /// Value of the best fit at `t` (time since the first point), without offset.
    fn best_fit(&self, t: T) -> Option<T> {
        let v = match self.best {
            ModelKind::None => None,
            ModelKind::Constant => Some(self.level),
            ModelKind::Saturation => slot_forecast::<T, Sat<T>, 3>(&self.sat, t).map(|x| x.0),
            ModelKind::Critical => slot_forecast::<T, Crit<T>, 3>(&self.crit, t).map(|x| x.0),
            ModelKind::SlowStart => slot_forecast::<T, Slow<T>, 4>(&self.slow, t).map(|x| x.0),
        };
        v.filter(|x| x.is_finite())
    }

    /// Plateau of the best model (with its local-level offset).
    fn best_plateau(&self) -> T {
        self.best_fit_plateau() + self.best_offset()
    }

    fn best_fit_plateau(&self) -> T {
        match self.best {
            ModelKind::None => T::NAN,
            ModelKind::Constant => self.level,
            ModelKind::Saturation => self.sat.params[0],
            ModelKind::Critical => self.crit.params[0],
            ModelKind::SlowStart => self.slow.params[0],
        }
    }

    /// Akaike-weighted mixture of the candidates' (value, variance) -> forecast.
    fn mixture(&self, parts: &[Option<Part<T>>; 4], ahead: T) -> Result<Forecast<T>, Error> {
        let mut amin = T::INFINITY;
        for (a, v, _) in parts.iter().flatten() {
            if v.is_finite() && *a < amin {
                amin = *a;
            }
        }
        if !amin.is_finite() {
            // every AICc infinite (too few points for the parametric models): level only
            amin = T::ZERO;
        }
        let weight = |a: T| {
            if a.is_finite() {
                (-(a - amin) * T::HALF).exp()
            } else {
                T::ZERO
            }
        };
        // point: the candidate with the lowest AICc (weight 1)
        let (mut sw, mut m, mut wbest) = (T::ZERO, T::NAN, T::ZERO);
        for (a, v, _) in parts.iter().flatten() {
            let wt = weight(*a);
            if wt > c(1e-9) && v.is_finite() {
                sw += wt;
                if wt > wbest {
                    wbest = wt;
                    m = *v;
                }
            }
        }
        if sw <= T::ZERO || !m.is_finite() {
            return Err(Error::new(ErrorKind::NotReady, Param::Model));
        }
        // Akaike-weighted second moment of the candidates' predictive distributions about it
        let mut var = T::ZERO;
        for (a, v, s2) in parts.iter().flatten() {
            let wt = weight(*a);
            if wt > c(1e-9) && v.is_finite() {
                var += wt / sw * (*s2 * self.inflation + (*v - m) * (*v - m));
            }
        }
        let ahead = ahead.max(T::ZERO) / self.span;
        // a zero factor (no extrapolation, no drift, no residual) adds nothing even when another
        // factor overflows (drift * s2 = inf times ahead = 0 would make the variance NaN)
        if ahead > T::ZERO && self.cfg.drift > T::ZERO && self.s2 > T::ZERO {
            var += self.cfg.drift * self.s2 * self.inflation * ahead;
        }
        let sd = self.cfg.interval_scale * var.sqrt();
        let clip = |x: T| {
            if x.is_nan() {
                x
            } else {
                x.max(self.cfg.reward_min).min(self.cfg.reward_max)
            }
        };
        let z80: T = c(Z80);
        let z95: T = c(Z95);
        Ok(Forecast {
            value: clip(m),
            sd,
            lo80: clip(m - z80 * sd),
            hi80: clip(m + z80 * sd),
            lo95: clip(m - z95 * sd),
            hi95: clip(m + z95 * sd),
        })
    }

    /// The level model's part: only when no parametric candidate is valid. The level is nested
    /// in every saturating model (`tau -> 0`), and averaged over the whole history (rise
    /// included) it drags predictions towards the past; it still competes for
    /// [`Predictor::model`] (a winning level means the data support no trend).
    fn level_part(&self) -> Option<Part<T>> {
        let any = self.sat.valid || self.crit.valid || self.slow.valid;
        (!any).then_some((self.level_aicc, self.level, self.level_var))
    }

    /// Predicted plateau with 80 % / 95 % intervals (the forecast of [`Predictor`] at
    /// `t -> inf`).
    pub fn plateau(&mut self) -> Result<Forecast<T>, Error> {
        self.ensure()?;
        let parts = self.anchored_parts(None);
        self.mixture(&parts, self.span)
    }

    /// Predicted reward at training step `step` with 80 % / 95 % intervals.
    pub fn reward_at(&mut self, step: T) -> Result<Forecast<T>, Error> {
        self.ensure()?;
        check::finite(step, Param::Horizon)?;
        let t = step - self.origin();
        if t < T::ZERO {
            return Err(Error::out_of_range(Param::Horizon));
        }
        let parts = self.anchored_parts(Some(t));
        self.mixture(&parts, t - self.t_last)
    }

    /// Every candidate's (AICc, anchored forecast, variance) at `t` (`None`: plateau).
    fn anchored_parts(&self, t: Option<T>) -> [Option<Part<T>>; 4] {
        let (tl, s2, k) = (self.t_last, self.s2, self.cfg.gain_shrink);
        let with = |aicc: T, x: Option<(T, T)>| x.map(|(v, var)| (aicc, v, var));
        [
            self.level_part(),
            with(
                self.sat.aicc,
                slot_anchored::<T, Sat<T>, 3>(&self.sat, t, tl, s2, k),
            ),
            with(
                self.crit.aicc,
                slot_anchored::<T, Crit<T>, 3>(&self.crit, t, tl, s2, k),
            ),
            with(
                self.slow.aicc,
                slot_anchored::<T, Slow<T>, 4>(&self.slow, t, tl, s2, k),
            ),
        ]
    }

    /// The candidate with the lowest AICc.
    pub fn model(&mut self) -> Result<ModelKind, Error> {
        self.ensure()?;
        Ok(self.best)
    }

    /// `R^2` of the best model.
    pub fn r2(&mut self) -> Result<T, Error> {
        self.ensure()?;
        Ok(self.r2)
    }

    /// Local level at the last observed step: the best model's fitted reward there plus its
    /// local-level offset (the weighted mean of the recent residuals, see
    /// [`Config::level_half_life`]; without anchoring, the fitted reward).
    pub fn current(&mut self) -> Result<T, Error> {
        self.ensure()?;
        self.best_value(self.t_last)
            .ok_or(Error::new(ErrorKind::NotReady, Param::Model))
    }

    /// First step after the last observed one at which the best model reaches `target`
    /// (`NotReached` when it never does).
    pub fn step_to_target(&mut self, target: T) -> Result<T, Error> {
        self.ensure()?;
        check::finite(target, Param::Target)?;
        let t = self.first_passage(target)?;
        Ok(self.step_of(t))
    }

    /// Step at which the best model has covered the fraction `f` in (0, 1) of the remaining gain
    /// `plateau - current` (spec A.7, counted from the last observed step).
    pub fn step_to_fraction(&mut self, f: T) -> Result<T, Error> {
        self.ensure()?;
        check::finite(f, Param::Fraction)?;
        if !(f > T::ZERO && f < T::ONE) {
            return Err(Error::out_of_range(Param::Fraction));
        }
        let cur = self.current()?;
        let gap = self.best_plateau() - cur;
        if gap == T::ZERO || !gap.is_finite() {
            return Err(Error::new(ErrorKind::NotReached, Param::Fraction));
        }
        let t = self.first_passage(cur + f * gap)?;
        Ok(self.step_of(t))
    }

    /// Training step of the fit time `t >= t_last`: `origin + t`, never below the last observed
    /// step (`origin + (step - origin)` can round one ulp below `step`).
    fn step_of(&self, t: T) -> T {
        let s = self.origin() + t;
        self.window.last().map_or(s, |p| s.max(p.step))
    }

    /// First time `t >= t_last` at which the best model crosses `target`: geometric scan, then
    /// bisection.
    fn first_passage(&self, target: T) -> Result<T, Error> {
        let nr = Error::new(ErrorKind::NotReached, Param::Target);
        let f = |t: T| self.best_value(t).map(|v| v - target);
        let t0 = self.t_last;
        let f0 = f(t0).ok_or(nr)?;
        if f0 == T::ZERO {
            return Ok(t0);
        }
        let span = t0.max(T::ONE);
        let mut h = span / c(64.0);
        let (mut a, mut b) = (t0, t0);
        let mut found = false;
        for _ in 0..64 {
            b = t0 + h;
            let fb = f(b).ok_or(nr)?;
            if (fb > T::ZERO) != (f0 > T::ZERO) || fb == T::ZERO {
                found = true;
                break;
            }
            a = b;
            h *= c(1.5);
            if h > span * c(1e6) {
                break;
            }
        }
        if !found {
            return Err(nr);
        }
        for _ in 0..200 {
            let m = a + (b - a) * T::HALF;
            if m <= a || m >= b {
                break;
            }
            let fm = f(m).ok_or(nr)?;
            if (fm > T::ZERO) == (f0 > T::ZERO) && fm != T::ZERO {
                a = m;
            } else {
                b = m;
            }
        }
        Ok(b)
    }

    /// Damping ratio of the slow-start fit, when that fit is valid and within 2 AICc units of
    /// the best model (otherwise the data do not support a damping estimate).
    pub fn zeta_hat(&mut self) -> Result<Option<T>, Error> {
        self.ensure()?;
        let best_aicc = self.best_aicc();
        Ok(
            (self.slow.valid && self.slow.aicc <= best_aicc + T::TWO)
                .then_some(self.slow.params[3]),
        )
    }

    fn n_params(&self) -> usize {
        match self.best {
            ModelKind::None => 0,
            ModelKind::Constant => 1,
            ModelKind::Saturation | ModelKind::Critical => 3,
            ModelKind::SlowStart => 4,
        }
    }

    fn best_aicc(&self) -> T {
        match self.best {
            ModelKind::None => T::INFINITY,
            ModelKind::Constant => self.level_aicc,
            ModelKind::Saturation => self.sat.aicc,
            ModelKind::Critical => self.crit.aicc,
            ModelKind::SlowStart => self.slow.aicc,
        }
    }

    /// Regime of the run (see [`Regime`]).
    pub fn regime(&mut self) -> Result<Regime, Error> {
        self.ensure()?;
        let plateau = self.best_plateau();
        if plateau < self.best_level - self.cfg.collapse_drop * self.scale {
            // a damped oscillation overshoots its plateau by design: the drop is a collapse only
            // if the fitted trajectory's own first peak does not reach the best level seen
            return Ok(if self.overshoot_explains(self.best_level) {
                Regime::Oscillating
            } else {
                Regime::Collapsing
            });
        }
        if self.best == ModelKind::Constant {
            return Ok(Regime::Flat);
        }
        if let Some(z) = self.zeta_hat()? {
            if z < T::ONE && self.best == ModelKind::SlowStart {
                return Ok(Regime::Oscillating);
            }
        }
        Ok(Regime::Saturating)
    }

    /// `true` when the best model is the underdamped slow-start oscillator and its first peak
    /// `r_star + overshoot (r_star - r0)` (spec A.3, `overshoot = exp(-zeta pi / sqrt(1 - zeta^2))`)
    /// comes within half the collapse drop of `level`.
    fn overshoot_explains(&self, level: T) -> bool {
        if self.best != ModelKind::SlowStart {
            return false;
        }
        let [r_star, r0, omega, zeta] = self.slow.params;
        let peak = SlowStart::new(r_star, r0, omega, zeta)
            .and_then(|m| m.to_oscillator())
            .and_then(|o| o.peak());
        match peak {
            Ok((_, over)) => {
                let top = r_star + over * (r_star - r0);
                level <= top + T::HALF * self.cfg.collapse_drop * self.scale
            }
            Err(_) => false, // zeta >= 1 or no gain: no overshoot to explain anything
        }
    }

    /// Instability risk from the fitted curve (spec E4 with the fitted `zeta_hat`).
    pub fn instability(&mut self) -> Result<InstabilityVerdict, Error> {
        let zeta_hat = self.zeta_hat()?;
        instability_verdict(&InstabilityEvidence {
            margin: None,
            exactly_unstable: None,
            zeta_hat,
            class: None,
        })
    }

    /// Early-stop advice for training on until `horizon_step`: `StopDiverging` when the regime is
    /// collapsing or the fitted damping is unstable; `StopPlateau` when `plateau - current` is
    /// below `stop_gain * scale` and at least [`Config::min_stop_points`] raw points were seen
    /// (a flat start of a few points is not evidence of a plateau); `Continue` otherwise.
    pub fn advice(&mut self, horizon_step: T) -> Result<Advice<T>, Error> {
        let at = self.reward_at(horizon_step)?;
        let plateau = self.plateau()?.value;
        let current = self.current()?;
        let regime = self.regime()?;
        let unstable = self.instability()? == InstabilityVerdict::Unstable;
        let kind = if regime == Regime::Collapsing || unstable {
            AdviceKind::StopDiverging
        } else if plateau - current < self.cfg.stop_gain * self.scale
            && self.evidence() >= self.cfg.min_stop_points
        {
            AdviceKind::StopPlateau
        } else {
            AdviceKind::Continue
        };
        Ok(Advice {
            kind,
            current,
            plateau,
            expected_gain: at.value - current,
            at_step: horizon_step,
        })
    }

    /// Raw points behind the window: the sum of its weights.
    fn evidence(&self) -> T {
        self.window
            .points()
            .iter()
            .fold(T::ZERO, |a, p| (a + p.weight).min(T::MAX))
    }

    /// Everything at once for `horizon_step`.
    pub fn predict(&mut self, horizon_step: T) -> Result<Prediction<T>, Error> {
        let at_horizon = self.reward_at(horizon_step)?;
        let plateau = self.plateau()?;
        let advice = self.advice(horizon_step)?;
        Ok(Prediction {
            plateau,
            horizon: horizon_step,
            at_horizon,
            model: self.best,
            regime: self.regime()?,
            instability: self.instability()?,
            advice,
            r2: self.r2,
        })
    }
}

/// Compile-time size bounds of the predictor's fixed buffers (issue 7): a [`Window`] is its `N`
/// points plus the length and the last step; a [`Predictor`] adds the settings, three candidate
/// slots (`P` parameters, `P x P` covariance, AICc, R^2, level offset and variance factor, and a
/// flag each) and 16 scalars of state.
/// Checked for the capacities in use (8, 64, the C API's 256, 1024) in f32 and f64.
const fn window_bound<T, const N: usize>() -> usize {
    use core::mem::size_of;
    N * 3 * size_of::<T>() + 2 * size_of::<T>() + 2 * size_of::<usize>()
}
const fn slot_bound<T, const P: usize>() -> usize {
    (P * P + P + 5) * core::mem::size_of::<T>()
}
const fn predictor_fits<T: Real, const N: usize>() -> bool {
    use core::mem::size_of;
    size_of::<Point<T>>() == 3 * size_of::<T>()
        && size_of::<Window<T, N>>() <= window_bound::<T, N>()
        && size_of::<Slot<T, 3>>() <= slot_bound::<T, 3>()
        && size_of::<Slot<T, 4>>() <= slot_bound::<T, 4>()
        && size_of::<Predictor<T, N>>()
            <= window_bound::<T, N>()
                + 2 * slot_bound::<T, 3>()
                + slot_bound::<T, 4>()
                + size_of::<Config<T>>()
                + 16 * size_of::<T>()
}
const _: () = assert!(size_of_config_ok());
const fn size_of_config_ok() -> bool {
    use core::mem::size_of;
    // 11 scalars, `refit_every: u32`, `min_points: usize`
    size_of::<Config<f64>>() <= 11 * 8 + 2 * size_of::<usize>()
        && size_of::<Config<f32>>() <= 11 * 4 + 2 * size_of::<usize>()
}
const _: () = assert!(predictor_fits::<f32, 8>() && predictor_fits::<f64, 8>());
const _: () = assert!(predictor_fits::<f32, 64>() && predictor_fits::<f64, 64>());
const _: () = assert!(predictor_fits::<f32, 256>() && predictor_fits::<f64, 256>());
const _: () = assert!(predictor_fits::<f32, 1024>() && predictor_fits::<f64, 1024>());
