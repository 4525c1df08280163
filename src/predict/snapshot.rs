//! The result of one refit and every answer read from it: forecasts with intervals, the steps to
//! a fraction or a target, the regime, the instability risk and the early-stop advice.
//!
//! A [`Snapshot`] is immutable: every answer is a `&self` method, so several questions about the
//! same fit cost one refit (see [`Predictor::fit`]).

use super::candidates::{not_ready, ModelKind, Table};
use super::combine::{self, normal_quantile};
use super::config::Config;
use super::power::PowerLaw;
use crate::diagnostics::CurveFit;
use crate::error::{check, Error, ErrorKind, Param};
use crate::numerics::roots::first_passage;
use crate::real::{c, Real};
use crate::stability::{instability_verdict, InstabilityEvidence, InstabilityVerdict};
use crate::trajectory::SlowStart;

#[cfg(doc)]
use super::Predictor;

/// Normal quantile of the central 80 % interval.
pub const Z80: f64 = 1.2815515655446004;
/// Normal quantile of the central 95 % interval.
pub const Z95: f64 = 1.959963984540054;

/// Shape of the run as the predictor sees it (C code in brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u32)]
pub enum RunRegime {
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
    /// Current level: the mean reward of the last 5 % of the raw points seen (at least 3).
    pub current: T,
    /// Predicted plateau.
    pub plateau: T,
    /// Expected gain `reward(at_step) - current`.
    pub expected_gain: T,
    /// The step the expected gain refers to (the horizon asked for).
    pub at_step: T,
    /// Lower end of the 80 % interval of the gain (before clipping to the reward bounds).
    pub gain_lo80: T,
    /// Upper end of the 80 % interval of the gain.
    pub gain_hi80: T,
    /// The minimum gain the stop rule tests against (`min_gain + min_gain_share * spread`).
    pub min_gain: T,
    /// Consecutive evaluations at which the stop criterion held, this one included (a
    /// [`Snapshot`] alone sees one evaluation: 0 or 1; the [`Predictor`] counts across pushes).
    pub confirmed: u32,
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
    /// Regime of the run.
    pub regime: RunRegime,
    /// Instability risk from the fitted damping (docs/model.md E4 without hyperparameters).
    pub instability: InstabilityVerdict,
    /// Early-stop advice for the horizon.
    pub advice: Advice<T>,
    /// `R^2` of the best model on the window (weighted).
    pub r2: T,
}

/// One candidate's contribution to a prediction: (AICc, value, variance).
type Part<T> = (T, T, T);

/// One refit of the [`Predictor`]: the candidate table, the best model and the figures of the
/// window the answers need. Read-only; the forecast method is described at [`Predictor`].
#[derive(Clone, Copy, Debug)]
pub struct Snapshot<T: Real> {
    pub(super) cfg: Config<T>,
    pub(super) table: Table<T>,
    pub(super) best: ModelKind,
    /// Lag-1 autocorrelation inflation `(1 + rho1) / (1 - rho1)` of the best model's residuals.
    pub(super) inflation: T,
    /// Residual variance per unit weight of the best model.
    pub(super) s2: T,
    /// Observed time span (at least a tiny positive number).
    pub(super) span: T,
    /// Best smoothed level seen.
    pub(super) best_level: T,
    /// Reward scale: `reward_max - reward_min` when both are finite, else the observed range.
    pub(super) scale: T,
    /// Time of the last point since the first one.
    pub(super) t_last: T,
    /// Step of the first point (time origin).
    pub(super) origin: T,
    /// Step of the last point.
    pub(super) last_step: T,
    /// Raw points behind the window: the sum of its weights.
    pub(super) evidence: T,
    /// The level-drop test on the window detected a collapse ([`Predictor::level_drop`]).
    pub(super) collapsed: bool,
    /// Power-law component of the combination.
    pub(super) power: Option<PowerLaw<T>>,
    /// Weighted p90 - p10 spread of the window's rewards.
    pub(super) spread: T,
    /// Noise level of the window (median absolute first difference).
    pub(super) noise: T,
    /// Current level (mean of the last 5 % of the raw points) and the raw points behind it.
    pub(super) recent: (T, T),
}

impl<T: Real> Snapshot<T> {
    /// The state before any fit (answers nothing).
    pub(super) const fn empty(cfg: Config<T>) -> Self {
        Snapshot {
            cfg,
            table: Table::empty(),
            best: ModelKind::None,
            inflation: T::ONE,
            s2: T::ZERO,
            span: T::ONE,
            best_level: T::NAN,
            scale: T::ONE,
            t_last: T::ZERO,
            origin: T::ZERO,
            last_step: T::ZERO,
            evidence: T::ZERO,
            collapsed: false,
            power: None,
            spread: T::ZERO,
            noise: T::ZERO,
            recent: (T::NAN, T::ZERO),
        }
    }

    /// The settings the fit was made with.
    pub fn config(&self) -> &Config<T> {
        &self.cfg
    }

    /// The candidate with the lowest AICc.
    pub fn model(&self) -> ModelKind {
        self.best
    }

    /// `R^2` of the best model.
    pub fn r2(&self) -> T {
        self.table.get(self.best).map_or(T::NAN, |s| s.r2)
    }

    /// Value of the best model at `t` (time since the first point), shifted by its local-level
    /// offset `d` (see [`Config::level_half_life`]): the fitted trajectory through the level of
    /// the most recent points.
    fn best_value(&self, t: T) -> Option<T> {
        self.best_fit(t).map(|v| v + self.best_offset())
    }

    /// Local-level offset of the best model (0 for the level model).
    fn best_offset(&self) -> T {
        self.table.get(self.best).map_or(T::ZERO, |s| s.offset)
    }

    /// Value of the best fit at `t` (time since the first point), without offset.
    pub(super) fn best_fit(&self, t: T) -> Option<T> {
        self.table
            .get(self.best)
            .and_then(|s| s.value(t))
            .filter(|x| x.is_finite())
    }

    /// Plateau of the best model (with its local-level offset).
    fn best_plateau(&self) -> T {
        self.table.get(self.best).map_or(T::NAN, |s| s.plateau()) + self.best_offset()
    }

    fn best_aicc(&self) -> T {
        self.table.get(self.best).map_or(T::INFINITY, |s| s.aicc)
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
            return Err(not_ready());
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

    /// Every candidate's (AICc, anchored forecast, variance) at `t` (`None`: plateau), in table
    /// order. The level model takes part only when no parametric candidate is valid: it is
    /// nested in every saturating model (`tau -> 0`), and averaged over the whole history (rise
    /// included) it drags predictions towards the past; it still competes for
    /// [`Snapshot::model`] (a winning level means the data support no trend).
    fn anchored_parts(&self, t: Option<T>) -> [Option<Part<T>>; 4] {
        let (tl, s2, k) = (self.t_last, self.s2, self.cfg.gain_shrink);
        let any = self.table.parametric().iter().any(|s| s.valid);
        self.table.0.map(|s| match s.kind {
            ModelKind::Constant => (!any).then_some((s.aicc, s.plateau(), s.cov[0][0])),
            _ => s.anchored(t, tl, s2, k).map(|(v, var)| (s.aicc, v, var)),
        })
    }

    /// Predicted plateau with 80 % / 95 % intervals (the forecast of [`Predictor`] at
    /// `t -> inf`).
    pub fn plateau(&self) -> Result<Forecast<T>, Error> {
        let parts = self.anchored_parts(None);
        self.mixture(&parts, self.span)
    }

    /// Predicted reward at training step `step` with 80 % / 95 % intervals.
    pub fn reward_at(&self, step: T) -> Result<Forecast<T>, Error> {
        check::finite(step, Param::Horizon)?;
        let t = step - self.origin;
        if t < T::ZERO {
            return Err(Error::out_of_range(Param::Horizon));
        }
        Ok(self.combine(self.oscillator_at(t)?, step))
    }

    /// The oscillator family's forecast (Akaike-best candidate, anchored, clipped) at `t` since
    /// the first point.
    fn oscillator_at(&self, t: T) -> Result<T, Error> {
        let parts = self.anchored_parts(Some(t));
        Ok(self.mixture(&parts, t - self.t_last)?.value)
    }

    /// The forecast combination at `step` given the oscillator family's forecast `osc` (see
    /// `src/predict/combine.rs`).
    fn combine(&self, osc: T, step: T) -> Forecast<T> {
        let clip = |x: T| x.max(self.cfg.reward_min).min(self.cfg.reward_max);
        let wp = self.cfg.power_weight;
        let pow = self.power.map(|l| l.at(step)).filter(|v| v.is_finite());
        let m = match pow {
            Some(p) if wp > T::ZERO => (T::ONE - wp) * clip(osc) + wp * clip(p),
            _ => osc,
        };
        let h80 = combine::half_width80(
            self.cfg.interval_k,
            self.spread,
            step - self.last_step,
            self.last_step - self.origin,
            self.noise,
            self.recent.1,
        );
        let sd = h80 / c::<T>(Z80);
        let z95: T = c(Z95);
        Forecast {
            value: clip(m),
            sd,
            lo80: clip(m - h80),
            hi80: clip(m + h80),
            lo95: clip(m - z95 * sd),
            hi95: clip(m + z95 * sd),
        }
    }

    /// Local level at the last observed step: the best model's fitted reward there plus its
    /// local-level offset (the weighted mean of the recent residuals, see
    /// [`Config::level_half_life`]; without anchoring, the fitted reward).
    pub fn current(&self) -> Result<T, Error> {
        self.best_value(self.t_last).ok_or(not_ready())
    }

    /// First step after the last observed one at which the best model reaches `target`
    /// (`NotReached` when it never does).
    pub fn step_to_target(&self, target: T) -> Result<T, Error> {
        check::finite(target, Param::Target)?;
        let t = self.first_passage(target)?;
        Ok(self.step_of(t))
    }

    /// Step at which the best model has covered the fraction `f` in (0, 1) of the remaining gain
    /// `plateau - current` (docs/model.md A.7, counted from the last observed step).
    pub fn step_to_fraction(&self, f: T) -> Result<T, Error> {
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
        (self.origin + t).max(self.last_step)
    }

    /// First time `t >= t_last` at which the best model crosses `target` (the numerics'
    /// first-passage search).
    fn first_passage(&self, target: T) -> Result<T, Error> {
        first_passage(|t| self.best_value(t).map(|v| v - target), self.t_last)
            .ok_or(Error::new(ErrorKind::NotReached, Param::Target))
    }

    /// Damping ratio of the slow-start fit, when that fit is valid and within 2 AICc units of
    /// the best model (otherwise the data do not support a damping estimate).
    pub fn zeta_hat(&self) -> Option<T> {
        let slow = self.table.get(ModelKind::SlowStart)?;
        (slow.valid && slow.aicc <= self.best_aicc() + T::TWO).then_some(slow.params[3])
    }

    /// RunRegime of the run (see [`RunRegime`]).
    pub fn regime(&self) -> RunRegime {
        if self.collapsed {
            // the level-drop test on the window confirmed a collapse
            return RunRegime::Collapsing;
        }
        let plateau = self.best_plateau();
        if plateau < self.best_level - self.cfg.collapse_drop * self.scale {
            // a damped oscillation overshoots its plateau by design: the drop is a collapse only
            // if the fitted trajectory's own first peak does not reach the best level seen
            return if self.overshoot_explains(self.best_level) {
                RunRegime::Oscillating
            } else {
                RunRegime::Collapsing
            };
        }
        if self.best == ModelKind::Constant {
            return RunRegime::Flat;
        }
        if let Some(z) = self.zeta_hat() {
            if z < T::ONE && self.best == ModelKind::SlowStart {
                return RunRegime::Oscillating;
            }
        }
        RunRegime::Saturating
    }

    /// `true` when the best model is the underdamped slow-start oscillator and its first peak
    /// `r_star + overshoot (r_star - r0)` (docs/model.md A.3, `overshoot = exp(-zeta pi / sqrt(1 - zeta^2))`)
    /// comes within half the collapse drop of `level`.
    fn overshoot_explains(&self, level: T) -> bool {
        let Some(slow) = self.table.get(ModelKind::SlowStart) else {
            return false;
        };
        if self.best != ModelKind::SlowStart {
            return false;
        }
        let [r_star, r0, omega, zeta] = slow.params;
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

    /// Instability risk (docs/model.md E4 without hyperparameters): `Unstable` when the level-drop test
    /// on the window detected a collapse at this refit ([`Predictor::level_drop`] gives its
    /// numbers), else from the fitted damping `zeta_hat` (Overshooting below 1).
    pub fn instability(&self) -> Result<InstabilityVerdict, Error> {
        let v = instability_verdict(&InstabilityEvidence {
            margin: None,
            exactly_unstable: None,
            zeta_hat: self.zeta_hat(),
            class: None,
        })?;
        Ok(if self.collapsed {
            InstabilityVerdict::Unstable
        } else {
            v
        })
    }

    /// What the failure-mode diagnostics need from the fitted reward curve: the model-averaged
    /// plateau and the fitted damping (see [`crate::diagnostics::diagnose`]).
    pub fn curve_fit(&self) -> Result<CurveFit<T>, Error> {
        Ok(CurveFit {
            plateau: self.plateau()?.value,
            zeta_hat: self.zeta_hat(),
        })
    }

    /// Early-stop advice for training on until `horizon_step`, from the predictive distribution
    /// of the remaining gain `G = f(horizon) - current` (combination forecast `f` with its
    /// standard deviation `sd`, current level of the last 5 % of the points):
    ///
    /// ```text
    /// g_min = min_gain + min_gain_share * s                  (s: observed p90 - p10 spread)
    /// stop  <=> G + z_c sd < g_min, i.e. P(G > g_min) < 1 - c,  c = confidence, z_c its quantile
    /// ```
    ///
    /// with at least [`Config::min_stop_points`] raw points seen, and not while the oscillator
    /// family's 80 % plateau interval covers the whole reward range `[reward_min, reward_max]`
    /// (the data do not place the plateau at all: a flat start before any curvature; never with
    /// an infinite bound); such a stop is `StopPlateau`. `StopDiverging` when the level-drop test
    /// on the window confirmed a collapse (the regime is then [`RunRegime::Collapsing`] and the
    /// instability verdict `Unstable`). A plateau stop always implies that the lower 80 % bound
    /// of the gain ([`Advice::gain_lo80`]) is below `g_min` (`c > 1/2`). `Continue` otherwise. A
    /// snapshot answers for one evaluation; [`Predictor::advice`] also requires
    /// [`Config::confirmations`] consecutive evaluations.
    pub fn advice(&self, horizon_step: T) -> Result<Advice<T>, Error> {
        Ok(self.predict(horizon_step)?.advice)
    }

    /// Everything at once for `horizon_step` (each part computed once).
    pub fn predict(&self, horizon_step: T) -> Result<Prediction<T>, Error> {
        let at_horizon = self.reward_at(horizon_step)?;
        let plateau = self.plateau()?;
        let regime = self.regime();
        let instability = self.instability()?;
        let current = self.recent.0;
        let gain = at_horizon.value - current;
        let z: T = normal_quantile(self.cfg.confidence);
        let min_gain = self.cfg.min_gain + self.cfg.min_gain_share * self.spread;
        let enough = self.evidence >= self.cfg.min_stop_points;
        // the oscillator family cannot place the plateau anywhere in the reward range (its 80 %
        // interval covers [reward_min, reward_max]: a flat start, no curvature yet): no evidence
        // of a plateau, so no plateau stop (docs/prediction-method.md 3)
        let unplaced = plateau.lo80 <= self.cfg.reward_min && plateau.hi80 >= self.cfg.reward_max;
        let plateau_test = gain + z * at_horizon.sd < min_gain && !unplaced;
        // a collapse confirmed by the level-drop test (regime Collapsing, verdict Unstable)
        let confirmed =
            regime == RunRegime::Collapsing && instability == InstabilityVerdict::Unstable;
        let holds = enough && (confirmed || plateau_test);
        let kind = match (holds, confirmed) {
            (false, _) => AdviceKind::Continue,
            (true, true) => AdviceKind::StopDiverging,
            (true, false) => AdviceKind::StopPlateau,
        };
        let z80: T = c(Z80);
        Ok(Prediction {
            plateau,
            horizon: horizon_step,
            at_horizon,
            model: self.best,
            regime,
            instability,
            advice: Advice {
                kind,
                current,
                plateau: plateau.value,
                expected_gain: gain,
                at_step: horizon_step,
                gain_lo80: gain - z80 * at_horizon.sd,
                gain_hi80: gain + z80 * at_horizon.sd,
                min_gain,
                confirmed: holds as u32,
            },
            r2: self.r2(),
        })
    }
}
