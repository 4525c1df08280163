//! The predictor's settings and their calibrated defaults.

use crate::error::{check, Error, ErrorKind, Param};
use crate::real::{c, Real};

use super::combine::{CALIBRATED_INTERVAL_K, DEFAULT_CONFIDENCE, DEFAULT_MIN_GAIN_SHARE};

#[cfg(doc)]
use super::Predictor;

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
    /// Weight `w_p` of the power-law component in the forecast combination (default 1/2: equal
    /// weights; 0 = the oscillator family alone, 1 = the power law alone). See
    /// `src/predict/combine.rs`.
    pub power_weight: T,
    /// Interval factor `k` of the combination: the 80 % half-width is `k s r^(1/4)` (observed
    /// spread `s`, horizon `r` in observed spans; default [`CALIBRATED_INTERVAL_K`]).
    pub interval_k: T,
    /// Absolute part of the minimum gain worth training for (default 0): the stop rule's
    /// threshold is `min_gain + min_gain_share * s` (`s` the observed p90 - p10 spread).
    pub min_gain: T,
    /// Share of the observed spread in the minimum gain (default [`DEFAULT_MIN_GAIN_SHARE`]).
    pub min_gain_share: T,
    /// Confidence of a stop, in (0.5, 1) (default [`DEFAULT_CONFIDENCE`]): stop when
    /// `P(gain to the horizon > min gain) < 1 - confidence` under the combination's normal
    /// predictive distribution, i.e. when the upper `confidence` bound of the gain is below the
    /// minimum gain.
    pub confidence: T,
    /// Consecutive evaluations (with new points in between) at which the stop criterion must
    /// hold before a stop is advised (default 1, at least 1; counted by the [`Predictor`]).
    pub confirmations: u32,
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
            interval_scale: c(CALIBRATED_SCALE),
            drift: c(CALIBRATED_DRIFT),
            huber_k: c(1.345),
            power_weight: T::HALF,
            interval_k: c(CALIBRATED_INTERVAL_K),
            min_gain: T::ZERO,
            min_gain_share: c(DEFAULT_MIN_GAIN_SHARE),
            confidence: c(DEFAULT_CONFIDENCE),
            confirmations: 1,
            collapse_drop: c(0.2),
            level_half_life: c(DEFAULT_LEVEL_HALF_LIFE),
            gain_shrink: T::ONE,
            min_stop_points: c(DEFAULT_MIN_STOP_POINTS),
        }
    }

    pub(super) fn validate(&self) -> Result<(), Error> {
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
        check::non_negative(self.drift, Param::Drift)?;
        check::non_negative(self.huber_k, Param::LossScale)?;
        check::finite(self.power_weight, Param::PowerWeight)?;
        if !(self.power_weight >= T::ZERO && self.power_weight <= T::ONE) {
            return Err(Error::out_of_range(Param::PowerWeight));
        }
        check::positive(self.interval_k, Param::IntervalK)?;
        check::non_negative(self.min_gain, Param::MinGain)?;
        check::non_negative(self.min_gain_share, Param::MinGainShare)?;
        check::finite(self.confidence, Param::Confidence)?;
        if !(self.confidence > c(0.5) && self.confidence < c(0.999_999)) {
            return Err(Error::out_of_range(Param::Confidence));
        }
        if self.confirmations == 0 {
            return Err(Error::out_of_range(Param::Confirmations));
        }
        check::non_negative(self.collapse_drop, Param::CollapseDrop)?;
        check::non_negative(self.level_half_life, Param::LevelHalfLife)?;
        check::non_negative(self.gain_shrink, Param::GainShrink)?;
        check::non_negative(self.min_stop_points, Param::N)?;
        Ok(())
    }
}
