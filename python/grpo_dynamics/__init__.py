"""grpo-dynamics: model, fit and forecast GRPO reward curves.

The mean reward ``r(t)`` of a GRPO run moves like a damped oscillator::

    r'' + 2 zeta omega r' + omega^2 (r - r_star) = 0,    r(0) = r0,  r'(0) = v0

This package is the Python face of the Rust crate ``grpo-dynamics`` (a compiled extension,
``grpo_dynamics._core``): every number is computed by the same Rust code as the crate's Rust API
and C ABI, bit for bit. Arrays are numpy float64 in and out; bad input raises
:class:`GrpoError` (a ``ValueError``) naming the parameter; fits and predictions release the GIL.

* Trajectories: :class:`Oscillator` (``value``, ``grid``, ``jacobian``, ``time_to_fraction``).
* Fits: :func:`fit`, :func:`fit_auto` -> :class:`FitResult`.
* Stability: :func:`prop9_threshold`, :func:`critical_lag`, :func:`zeta_one_onset`,
  :func:`largest_stable_lr`, :func:`largest_stable_refresh`, :func:`linear_regime`.
* Noise: :func:`group_noise`, :func:`degeneracy`.
* Diagnostics: :func:`diagnose` -> :class:`Diagnosis`.
* Online forecasts and early-stop advice: :class:`Predictor` -> :class:`Prediction`.
* Hyperparameter advice calibrated on the run: :func:`calibrate` -> :class:`Calibration`
  (``K``, damping and regime at another refresh interval, critical refresh interval, largest
  stable / monotone learning rate, steps to 50 % / 90 % of the gain at another learning rate).
* Integrations (optional extras): ``grpo_dynamics.integrations.trl`` / ``.optuna`` / ``.ray``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Literal, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import _core
from ._errors import GrpoError, _binding_error
from ._calibrate import CriticalKref, Calibration, Estimate, RegimeAnswer, calibrate, refresh_interval

__all__ = [
    "GrpoError",
    "Oscillator",
    "fit",
    "fit_auto",
    "FitResult",
    "MODELS",
    "MODEL_CODES",
    "prop9_threshold",
    "critical_lag",
    "zeta_one_onset",
    "zeta",
    "largest_stable_lr",
    "largest_stable_refresh",
    "largest_monotone_refresh",
    "linear_regime",
    "GroupNoise",
    "group_noise",
    "degeneracy",
    "degeneracy_heterogeneous",
    "Optimizer",
    "Diagnosis",
    "diagnose",
    "Forecast",
    "Advice",
    "Prediction",
    "PredictorConfig",
    "Predictor",
    "__version__",
    # hyperparameter calibration (issue 18)
    "Estimate",
    "RegimeAnswer",
    "CriticalKref",
    "Calibration",
    "calibrate",
    "refresh_interval",
]

__version__: str = _core.version()

ArrayLike = Union[npt.ArrayLike, Sequence[float]]
FloatArray = npt.NDArray[np.float64]
Lag = Literal["constant", "periodic"]


def _f64(x: ArrayLike) -> FloatArray:
    return np.ascontiguousarray(x, dtype=np.float64).reshape(-1)


def _f64_opt(x: Optional[ArrayLike]) -> Optional[FloatArray]:
    return None if x is None else _f64(x)


# ---------------------------------------------------------------------------------------------
# Trajectories
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Oscillator:
    """The damped oscillator ``r'' + 2 zeta omega r' + omega^2 (r - r_star) = 0``.

    ``r(0) = r0``, ``r'(0) = v0``; valid when every field is finite, ``omega > 0`` and
    ``zeta >= 0`` (checked on construction; :class:`GrpoError` names the bad field).
    Time ``t`` is in steps since the start of the curve (``t >= 0``).
    """

    r_star: float
    r0: float
    v0: float
    omega: float
    zeta: float

    def __post_init__(self) -> None:
        _core.oscillator_new(self._p)

    @property
    def _p(self) -> Tuple[float, float, float, float, float]:
        return (self.r_star, self.r0, self.v0, self.omega, self.zeta)

    @classmethod
    def from_mgk(cls, r_star: float, r0: float, v0: float, m: float, gamma: float, k: float) -> "Oscillator":
        """From mass ``m``, damping ``gamma`` and stiffness ``k``: ``omega = sqrt(k/m)``,
        ``zeta = gamma / (2 sqrt(k m))``."""
        return cls(*_core.oscillator_from_mgk(r_star, r0, v0, m, gamma, k))

    @classmethod
    def from_overdamped(cls, r_star: float, r0: float, tau: float, t_m: float) -> "Oscillator":
        """From the overdamped physical pair ``tau = gamma / k``, ``t_m = m / gamma`` (``v0 = 0``)."""
        return cls(*_core.oscillator_from_overdamped(r_star, r0, tau, t_m))

    @classmethod
    def from_hyper(cls, r_star: float, r0: float, eta: float, mu: float, k: float, kref: float) -> "Oscillator":
        """From learning rate ``eta``, momentum ``mu``, curvature ``k`` and refresh lag ``kref``."""
        return cls(*_core.oscillator_from_hyper(r_star, r0, eta, mu, k, kref))

    @classmethod
    def critical(cls, r_star: float, r0: float, omega: float) -> "Oscillator":
        """The critically damped slow start (``zeta = 1``, ``v0 = 0``)."""
        return cls(*_core.oscillator_critical(r_star, r0, omega))

    def value(self, t: Union[float, ArrayLike]) -> Any:
        """``r(t)``: a float for a scalar ``t``, else a float64 array of ``t``'s shape."""
        a = np.asarray(t, dtype=np.float64)
        out = _core.trajectory_eval(self._p, np.ascontiguousarray(a.reshape(-1)))
        return float(out[0]) if a.ndim == 0 else out.reshape(a.shape)

    def grid(self, t0: float, dt: float, n: int) -> FloatArray:
        """``r(t0 + i dt)`` for ``i < n`` by exact recurrences (no exp/sin per point)."""
        return _core.trajectory_grid(self._p, t0, dt, n)

    def jacobian(self, t: ArrayLike) -> Tuple[FloatArray, FloatArray]:
        """Values ``r(t_i)`` and the ``(n, 5)`` Jacobian ``d r(t_i) / d(r_star, r0, v0, omega, zeta)``."""
        return _core.trajectory_jacobian(self._p, _f64(t))

    def time_to_fraction(self, f: float) -> float:
        """First time at which ``r(t) = r0 + f (r_star - r0)``, ``0 < f < 1``."""
        return _core.time_to_fraction(self._p, f)

    @property
    def regime(self) -> Literal["underdamped", "critical", "overdamped"]:
        """Damping regime from ``zeta``."""
        return _core.damping_regime(self._p)  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# Fits
# ---------------------------------------------------------------------------------------------

#: Parameter sets: name -> (C code, parameter names).
MODELS: Dict[str, Tuple[int, Tuple[str, ...]]] = {
    "saturation": (0, ("plateau", "r0", "tau")),
    "critical": (1, ("r_star", "r0", "omega")),
    "slow_start": (2, ("r_star", "r0", "omega", "zeta")),
    "full": (3, ("r_star", "r0", "v0", "omega", "zeta")),
    "overdamped": (4, ("r_star", "r0", "tau", "t_m")),
    "auto": (5, ()),
}
_MODEL_NAMES = {code: name for name, (code, _) in MODELS.items()}
#: The one model numbering of every interface (C ``GRPO_MODEL_*``, ``grpo_fit_options.model``,
#: ``grpo_fit_result.model``, ``grpo_prediction.model_code``; docs/c.md "Model codes"): the fit
#: parameter sets with their :data:`MODELS` codes, ``"auto"`` (a fit request only) and
#: ``"constant"`` (the predictor's one-parameter level candidate).
MODEL_CODES: Dict[str, int] = {**{name: code for name, (code, _) in MODELS.items()}, "constant": 6}
_LOSSES = {"linear": 0, "huber": 1, "cauchy": 2}
_TERMINATIONS = {1: "ftol", 2: "xtol", 3: "gtol", 4: "max_evaluations", 5: "non_finite", 6: "singular"}
Model = Literal["saturation", "critical", "slow_start", "full", "overdamped", "auto"]


@dataclass(frozen=True)
class FitResult:
    """A Levenberg-Marquardt fit of one parameter set (time measured from ``t[0]``).

    ``covariance = s^2 (J^T W J)^+`` with ``s^2 = 2 cost / (n - P)``; ``cost = 0.5 sum w r^2``
    with plain residuals; ``aicc`` and ``bic`` with ``k = P + 1``.
    """

    model: str
    names: Tuple[str, ...]
    params: FloatArray
    stderr: FloatArray
    covariance: FloatArray
    plateau: float
    plateau_stderr: float
    r2: float
    aicc: float
    bic: float
    cost: float
    objective: float
    termination: str
    n: int
    rank: int
    iterations: int
    evaluations: int

    @property
    def converged(self) -> bool:
        """``True`` when the fit stopped on ftol, xtol or gtol."""
        return self.termination in ("ftol", "xtol", "gtol")

    def as_dict(self) -> Dict[str, float]:
        """Parameters by name."""
        return {k: float(v) for k, v in zip(self.names, self.params)}


def _fit_result(d: Dict[str, Any]) -> FitResult:
    name = _MODEL_NAMES[d["model"]]
    return FitResult(
        model=name,
        names=MODELS[name][1],
        params=d["params"],
        stderr=d["stderr"],
        covariance=d["covariance"],
        plateau=d["plateau"],
        plateau_stderr=d["plateau_stderr"],
        r2=d["r2"],
        aicc=d["aicc"],
        bic=d["bic"],
        cost=d["cost"],
        objective=d["objective"],
        termination=_TERMINATIONS[d["termination"]],
        n=d["n"],
        rank=d["rank"],
        iterations=d["iterations"],
        evaluations=d["evaluations"],
    )


def _code(table: Dict[str, int], name: str, param: str) -> int:
    try:
        return table[name]
    except KeyError:
        raise _binding_error("unknown_code", param, f"{param}: unknown code {name!r} (one of {sorted(table)})") from None


def fit(
    t: ArrayLike,
    y: ArrayLike,
    w: Optional[ArrayLike] = None,
    *,
    model: Model = "auto",
    loss: Literal["linear", "huber", "cauchy"] = "linear",
    loss_scale: float = 1.0,
    ftol: Optional[float] = None,
    xtol: Optional[float] = None,
    gtol: float = 0.0,
    max_evaluations: int = 0,
    start: Optional[ArrayLike] = None,
) -> FitResult:
    """Fit a reward curve ``(t, y)`` (optional weights ``w``) with Levenberg-Marquardt.

    Args:
        model: a parameter set (see :data:`MODELS`) or ``"auto"`` (every set, lowest AICc).
        loss: ``"linear"`` (least squares), ``"huber"`` or ``"cauchy"`` with scale ``loss_scale``.
        ftol, xtol: relative tolerances (default 1.49012e-8, MINPACK); ``gtol`` default 0.
        max_evaluations: model passes per start, 0 = ``100 (P + 1)``.
        start: start values in the set's order (not with ``"auto"``); default: from the data,
            with the under/critical/over-damped multi-start.

    Default bounds keep ``tau, t_m, omega > 0`` and ``0 <= zeta <= 100``. Identical to the C
    ``grpo_fit`` with the same options. The GIL is released during the fit.
    """
    m = _code({k: v[0] for k, v in MODELS.items()}, model, "model")
    lc = _code(_LOSSES, loss, "loss")
    d = _core.fit(
        _f64(t), _f64(y), _f64_opt(w), m, lc, loss_scale, ftol, xtol, gtol, max_evaluations, _f64_opt(start)
    )
    return _fit_result(d)


def fit_auto(t: ArrayLike, y: ArrayLike, w: Optional[ArrayLike] = None, **options: Any) -> FitResult:
    """:func:`fit` with ``model="auto"``: every parameter set, the lowest AICc wins."""
    return fit(t, y, w, model="auto", **options)


# ---------------------------------------------------------------------------------------------
# Stability and noise
# ---------------------------------------------------------------------------------------------


def prop9_threshold(eta: float, mu: float, k: float) -> float:
    """Proposition 9 threshold ``Kref* = (1 - mu) / (eta K)`` (first-order stability edge)."""
    return _core.prop9_threshold(eta, mu, k)


def critical_lag(eta: float, mu: float, k: float) -> float:
    """Exact critical lag ``d_c`` of the constant-lag map (unstable iff ``Kref >= d_c``)."""
    return _core.critical_lag(eta, mu, k)


def zeta_one_onset(eta: float, mu: float, k: float) -> float:
    """First-order lag at which the damping ratio reaches 1 (0 if already underdamped)."""
    return _core.zeta_one_onset(eta, mu, k)


def zeta(eta: float, mu: float, k: float, kref: float) -> float:
    """First-order damping ratio ``zeta(Kref)``."""
    return _core.zeta(eta, mu, k, kref)


def largest_stable_lr(kref: int, mu: float, k: float, lag: Lag = "periodic") -> float:
    """Supremum of the stable learning rates at refresh interval ``kref`` (stable iff ``eta <``
    the result). ``lag``: ``"periodic"`` (TRL / verl refresh) or ``"constant"``."""
    return _core.largest_stable_lr(kref, lag, mu, k)


def largest_stable_refresh(eta: float, mu: float, k: float, lag: Lag = "periodic") -> Optional[int]:
    """Largest exactly stable refresh interval ``Kref`` (``None`` when even on-policy is unstable)."""
    return _core.largest_stable_kref(eta, mu, k, lag)


def largest_monotone_refresh(eta: float, mu: float, k: float, lag: Lag = "periodic") -> Optional[int]:
    """Largest refresh interval whose linear regime is monotone (``None`` if on-policy is not)."""
    return _core.largest_monotone_kref(eta, mu, k, lag)


def linear_regime(eta: float, mu: float, k: float, kref: int, lag: Lag = "periodic") -> Tuple[str, float]:
    """Exact linear regime (``"monotone"``, ``"overshooting"``, ``"oscillatory"``) and the
    per-step spectral radius ``rho`` at refresh interval ``kref``."""
    return _core.linear_regime(eta, mu, k, kref, lag)


@dataclass(frozen=True)
class GroupNoise:
    """Finite-group-size stationary prediction (docs/model.md D.1, D.2)."""

    p_star: float
    stiffness: float
    drift_var: float
    var_x: float
    var_p: float
    degeneracy: float


def group_noise(
    g: int,
    *,
    eta: float,
    mu: float,
    beta: float,
    p_ref: float,
    c: float,
    eps: float = 0.0,
    kref: int = 0,
    normalization: Literal["mean", "std"] = "std",
    kl: Literal["direct", "reverse"] = "direct",
    bessel: bool = False,
) -> GroupNoise:
    """Stationary fluctuations of the softmax bandit at group size ``g`` (constant lag ``kref``)."""
    d = _core.group_noise(eta, mu, beta, p_ref, c, eps, kref, normalization, kl, "constant", g, bessel)
    return GroupNoise(**d)


def degeneracy(p: float, g: int) -> float:
    """Probability ``p^G + (1 - p)^G`` that a group of ``g`` binary rewards is all equal."""
    return _core.degeneracy(p, g)


def degeneracy_heterogeneous(ps: ArrayLike, g: int) -> float:
    """``mean_q [p_q^G + (1 - p_q)^G]`` over per-prompt success rates ``ps``."""
    return _core.degeneracy_heterogeneous(_f64(ps), g)


# ---------------------------------------------------------------------------------------------
# Diagnostics
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Optimizer:
    """Optimizer settings for the instability diagnostic: ``eta`` = learning rate, ``mu`` = Adam
    ``beta1``, ``k`` = stiffness estimate, ``kref`` = refresh interval (TRL:
    ``steps_per_generation * num_iterations``), ``lag`` = refresh mode."""

    eta: float
    mu: float
    k: float
    kref: float
    lag: Lag = "periodic"


@dataclass(frozen=True)
class Diagnosis:
    """Result of :func:`diagnose`: the headline, its severity, the fitted plateau and one report
    per failure mode (``None`` when its inputs were absent)."""

    headline: str
    severity: str
    plateau: float
    instability: Dict[str, Any]
    hacking: Optional[Dict[str, Any]] = None
    degeneracy: Optional[Dict[str, Any]] = None
    concentration: Optional[Dict[str, Any]] = None


def diagnose(
    reward: ArrayLike,
    *,
    steps: Optional[ArrayLike] = None,
    eval_reward: Optional[ArrayLike] = None,
    entropy: Optional[ArrayLike] = None,
    zero_std_frac: Optional[ArrayLike] = None,
    group_size: Optional[int] = None,
    r_min: float = 0.0,
    r_max: float = 1.0,
    r_max_eval: float = 1.0,
    optimizer: Optional[Optimizer] = None,
    expected_plateau: Optional[float] = None,
) -> Diagnosis:
    """Diagnose a run: reward hacking (needs ``eval_reward``), advantage degeneracy (needs
    ``zero_std_frac`` and ``group_size``), policy concentration (needs ``entropy``) and
    dynamical instability (always; sharper with ``optimizer``). Series are per checkpoint."""
    opt = None if optimizer is None else (optimizer.eta, optimizer.mu, optimizer.k, optimizer.kref, optimizer.lag)
    d = _core.diagnose(
        _f64(reward),
        _f64_opt(steps),
        _f64_opt(eval_reward),
        _f64_opt(entropy),
        _f64_opt(zero_std_frac),
        group_size,
        r_min,
        r_max,
        r_max_eval,
        opt,
        expected_plateau,
    )
    return Diagnosis(**d)


# ---------------------------------------------------------------------------------------------
# Predictor
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """A prediction with its predictive standard deviation and 80 % / 95 % intervals (clipped to
    the reward bounds)."""

    value: float
    sd: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float


@dataclass(frozen=True)
class Advice:
    """Early-stop advice: ``kind`` is ``"not_ready"``, ``"continue"``, ``"stop_plateau"`` or
    ``"stop_diverging"``; ``expected_gain = reward(at_step) - current``."""

    kind: str
    current: float
    plateau: float
    expected_gain: float
    at_step: float

    @property
    def stop(self) -> bool:
        """``True`` for either stop advice."""
        return self.kind.startswith("stop")


@dataclass(frozen=True)
class Prediction:
    """Everything the predictor says for one horizon (the C ``grpo_prediction``).

    ``model``: ``"constant"``, ``"saturation"``, ``"critical"``, ``"slow_start"`` (its number in
    the one model numbering: :attr:`model_code`);
    ``regime``: ``"flat"``, ``"saturating"``, ``"oscillating"``, ``"collapsing"``;
    ``instability``: ``"stable"``, ``"overshooting"``, ``"at_risk"``, ``"unstable"``.
    """

    plateau: Forecast
    horizon: float
    at_horizon: Forecast
    model: str
    regime: str
    instability: str
    advice: Advice
    r2: float

    @property
    def model_code(self) -> int:
        """``model`` as its ``GRPO_MODEL_*`` code (:data:`MODEL_CODES`; the C
        ``grpo_prediction.model_code``)."""
        return MODEL_CODES[self.model]


@dataclass(frozen=True)
class PredictorConfig:
    """The predictor's settings (see the Rust ``predict::Config`` for each field's meaning)."""

    reward_min: float
    reward_max: float
    window: int
    refit_every: int
    min_points: int
    interval_scale: float
    drift: float
    huber_k: float
    min_gain: float
    min_gain_share: float
    confidence: float
    confirmations: int
    power_weight: float
    interval_k: float
    collapse_drop: float
    level_half_life: float
    gain_shrink: float
    min_stop_points: float


class Predictor:
    """Online forecast of a reward curve with early-stop advice.

    Feed ``(step, reward)`` points as they are logged (:meth:`push`, :meth:`push_many`), ask
    :meth:`predict` for the plateau, the reward at a horizon step and the advice. Fixed memory:
    ``window`` points (64, 256 = the Rust default and the C ABI's, 1024 or 4096); longer histories are compacted
    pairwise. Refits are lazy (on the first question after new points) and run with the GIL
    released. Settings left ``None`` take the Rust defaults.

    >>> p = Predictor(0.0, 1.0)
    >>> for s in range(1, 41):
    ...     p.push(s, 0.8 - 0.6 * 0.93 ** s)
    >>> round(p.predict(200).plateau.value, 2)
    0.8
    """

    __slots__ = ("_p",)

    def __init__(
        self,
        reward_min: float = 0.0,
        reward_max: float = 1.0,
        *,
        window: int = _core.DEFAULT_WINDOW,
        refit_every: Optional[int] = None,
        min_points: Optional[int] = None,
        interval_scale: Optional[float] = None,
        drift: Optional[float] = None,
        huber_k: Optional[float] = None,
        min_gain: Optional[float] = None,
        min_gain_share: Optional[float] = None,
        confidence: Optional[float] = None,
        confirmations: Optional[int] = None,
        power_weight: Optional[float] = None,
        interval_k: Optional[float] = None,
        collapse_drop: Optional[float] = None,
        level_half_life: Optional[float] = None,
        gain_shrink: Optional[float] = None,
        min_stop_points: Optional[float] = None,
    ) -> None:
        self._p = _core.NativePredictor(
            reward_min,
            reward_max,
            window,
            refit_every,
            min_points,
            interval_scale,
            drift,
            huber_k,
            min_gain,
            min_gain_share,
            confidence,
            confirmations,
            power_weight,
            interval_k,
            collapse_drop,
            level_half_life,
            gain_shrink,
            min_stop_points,
        )

    def push(self, step: float, reward: float) -> None:
        """Feed one point; NaN/inf and non-increasing steps raise :class:`GrpoError`."""
        self._p.push(step, reward)

    def push_many(self, steps: ArrayLike, rewards: ArrayLike) -> None:
        """Feed points in order (GIL released). On a bad point the earlier ones stay fed and
        the :class:`GrpoError` carries the point's ``index``."""
        self._p.push_many(_f64(steps), _f64(rewards))

    def predict(self, horizon_step: float) -> Prediction:
        """Plateau, reward at ``horizon_step``, model, regime, instability and advice.
        ``GrpoError(kind="not_ready")`` before ``min_points`` points."""
        pl, h, ah, model, regime, inst, adv, r2 = self._p.predict(horizon_step)
        return Prediction(Forecast(*pl), h, Forecast(*ah), model, regime, inst, Advice(*adv), r2)

    def plateau(self) -> Forecast:
        """The plateau forecast alone."""
        return Forecast(*self._p.plateau())

    def reward_at(self, step: float) -> Forecast:
        """The reward forecast at training step ``step``."""
        return Forecast(*self._p.reward_at(step))

    def reset(self) -> None:
        """Forget every point (settings stay)."""
        self._p.reset()

    @property
    def is_fitted(self) -> bool:
        """``True`` once a fit exists."""
        return self._p.is_fitted()

    @property
    def config(self) -> PredictorConfig:
        """The settings in force."""
        return PredictorConfig(**self._p.config())

    def points(self) -> Tuple[FloatArray, FloatArray, FloatArray]:
        """The window as ``(steps, rewards, weights)`` (merged points carry their weight)."""
        s, r, w = self._p.points()
        return np.array(s), np.array(r), np.array(w)

    def __len__(self) -> int:
        return len(self._p)

    def __repr__(self) -> str:
        c = self.config
        return f"Predictor(reward_min={c.reward_min}, reward_max={c.reward_max}, window={c.window}, points={len(self)})"
