"""Hyperparameter advice calibrated on the run itself (issue 18): :func:`calibrate` ->
:class:`Calibration` and its what-if answers.

Units: ``lr`` (``eta``) is the optimizer's learning rate as configured; ``t`` is the optimizer
step (one ``optimizer.step()``), counted from the first logged step; the curvature scale ``K``
carries everything else (the reward's scale, the model's curvature and Adam's preconditioning),
so ``K`` is an *effective* stiffness per unit learning rate and ``lr * K`` the per-step stiffness.
``beta1`` is Adam's momentum; ``kref`` the refresh interval (TRL
``steps_per_generation * num_iterations``). See docs/calibration.md.

Every answer is an :class:`Estimate` ``(value, lo, hi)``: the value and its 80 % interval
propagated from ``K``'s 80 % interval. Identical, bit for bit, to the C ``grpo_calibrate`` and
``grpo_whatif_*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import _core
from ._errors import _binding_error

__all__ = ["Estimate", "RegimeAnswer", "CriticalKref", "Calibration", "calibrate", "refresh_interval"]

ArrayLike = Union[npt.ArrayLike, Sequence[float]]
Regime = Literal["monotone", "overshooting", "oscillatory"]


@dataclass(frozen=True)
class Estimate:
    """A value with its 80 % interval ``[lo, hi]`` (``lo <= value <= hi``; an end may be
    ``inf`` when the data do not bound it)."""

    value: float
    lo: float
    hi: float

    def __contains__(self, x: float) -> bool:
        return self.lo <= x <= self.hi


@dataclass(frozen=True)
class RegimeAnswer:
    """The exact linear regime (``"monotone"``, ``"overshooting"``, ``"oscillatory"``) at the
    calibrated ``K`` and at the two ends of its 80 % interval."""

    regime: Regime
    at_k_lo: Regime
    at_k_hi: Regime

    @property
    def certain(self) -> bool:
        """``True`` when the regime is the same across ``K``'s interval."""
        return self.regime == self.at_k_lo == self.at_k_hi


@dataclass(frozen=True)
class CriticalKref:
    """The critical refresh interval at the run's learning rate: ``exact`` = the exact critical
    constant lag ``d_c`` (unstable iff ``Kref >= d_c``), ``prop9`` = Proposition 9's
    ``(1 - beta1) / (lr K)``."""

    exact: Estimate
    prop9: Estimate


def _est(t: Tuple[float, float, float]) -> Estimate:
    return Estimate(*t)


def refresh_interval(
    kref: Optional[int] = None,
    *,
    num_iterations: Optional[int] = None,
    steps_per_generation: Optional[int] = None,
) -> int:
    """The refresh interval ``Kref``: ``kref`` itself, or TRL's
    ``steps_per_generation * num_iterations`` (a missing one counts as 1), or 1 (on-policy).
    Giving both forms, or a value below 1, raises ``GrpoError(param="kref")``."""
    trl = (num_iterations, steps_per_generation)
    if kref is not None and any(x is not None for x in trl):
        raise _binding_error("out_of_range", "kref", "kref: give kref or num_iterations / steps_per_generation, not both")
    for name, x in (("num_iterations", num_iterations), ("steps_per_generation", steps_per_generation)):
        if x is not None and (int(x) != x or x < 1):
            raise _binding_error("out_of_range", "kref", f"kref: {name} must be an integer >= 1, got {x!r}")
    if kref is None:
        return int(num_iterations or 1) * int(steps_per_generation or 1)
    if int(kref) != kref or kref < 1:
        raise _binding_error("out_of_range", "kref", f"kref: must be an integer >= 1, got {kref!r}")
    return int(kref)


class Calibration:
    """The run's curvature scale ``K`` (with its 80 % interval) and the flow times, read off its
    reward curve with its known settings; made by :func:`calibrate`.

    Fields (the C ``grpo_calibration``'s): ``r0`` first (smoothed) reward; ``r_star`` plateau
    (reward units); ``k_determined``; ``rho`` observed per-step contraction of the approach to the
    plateau; ``eta`` learning rate of the tail; ``mu`` = beta1; ``kref``; ``lag``; ``delay`` the
    momentum and lag delay ``D`` (steps); ``flow50`` / ``flow90`` flow times (cumulative learning
    rate, lr x steps) to 50 % / 90 % of the gain; ``t0`` first logged step.

    Stability answers need ``K``: when the curve's tail did not determine it they raise
    ``GrpoError(kind="undetermined", param="K")`` instead of returning a number.
    """

    __slots__ = ("_c", "r0", "r_star", "k_determined", "rho", "eta", "mu", "kref", "lag", "delay", "flow50", "flow90", "t0")

    def __init__(self, native: Any) -> None:
        self._c = native
        f = native.fields()
        self.r0: float = f["r0"]
        self.r_star: Estimate = _est(f["r_star"])
        self.k_determined: bool = f["k_determined"]
        self.rho: float = f["rho"]
        self.eta: float = f["eta"]
        self.mu: float = f["mu"]
        self.kref: int = f["kref"]
        self.lag: str = f["lag"]
        self.delay: float = f["delay"]
        self.flow50: Estimate = _est(f["flow50"])
        self.flow90: Estimate = _est(f["flow90"])
        self.t0: float = f["t0"]

    @property
    def k(self) -> Estimate:
        """Curvature scale ``K`` (per unit learning rate) at the fixed point, 80 % interval from
        the tail fit and the drift of ``K`` between later tails. Raises ``undetermined``."""
        return _est(self._c.k())

    def oscillator(self) -> Any:
        """The first-order model at the run's settings as an :class:`Oscillator`
        (``Oscillator.from_hyper(r_star, r0, eta, beta1, K, kref)``): a ready start for the fitter."""
        from . import Oscillator

        return Oscillator(*self._c.oscillator())

    def zeta(self, kref: int) -> Estimate:
        """First-order damping ratio (dimensionless) at refresh interval ``kref >= 1``."""
        return _est(self._c.zeta_at(kref))

    def regime(self, kref: int) -> RegimeAnswer:
        """Exact linear regime at refresh interval ``kref >= 1`` (the run's lag mode)."""
        return RegimeAnswer(*self._c.regime_at(kref))

    def critical_kref(self) -> CriticalKref:
        """Critical refresh interval (optimizer steps) at the run's learning rate."""
        exact, prop9 = self._c.critical_kref()
        return CriticalKref(_est(exact), _est(prop9))

    def largest_stable_lr(self) -> Estimate:
        """Supremum of the learning rates at which the run's ``kref`` is exactly stable."""
        return _est(self._c.largest_stable_lr())

    def largest_monotone_lr(self) -> Estimate:
        """Largest learning rate with a monotone exact spectrum at the run's ``kref``."""
        return _est(self._c.largest_monotone_lr())

    def t50(self, lr: float) -> Estimate:
        """Predicted optimizer steps, from the first logged step, to 50 % of the gain for the same
        run at constant learning rate ``lr > 0``."""
        return _est(self._c.steps(lr, 50))

    def t90(self, lr: float) -> Estimate:
        """The same to 90 % of the gain."""
        return _est(self._c.steps(lr, 90))

    def __repr__(self) -> str:
        k = self._c.k() if self.k_determined else None
        return f"Calibration(K={k}, eta={self.eta}, beta1={self.mu}, kref={self.kref}, lag={self.lag!r})"


def calibrate(
    steps: ArrayLike,
    rewards: ArrayLike,
    *,
    lr: Optional[float] = None,
    lr_column: Optional[ArrayLike] = None,
    beta1: float = 0.9,
    kref: Optional[int] = None,
    num_iterations: Optional[int] = None,
    steps_per_generation: Optional[int] = None,
    lag: Literal["constant", "periodic"] = "periodic",
    smooth: Optional[int] = None,
) -> Calibration:
    """Calibrate ``K`` on a reward curve with the run's known settings.

    Args:
        steps, rewards: the logged curve (optimizer steps, strictly increasing; mean reward).
        lr: the optimizer's learning rate ``> 0`` (constant).
        lr_column: instead of ``lr``, the logged per-step learning rate (same length as
            ``rewards``, every entry ``> 0``): time then runs on the cumulative learning rate.
        beta1: Adam's ``beta1`` (momentum), in ``[0, 1)``.
        kref: refresh interval ``>= 1``, or TRL's ``num_iterations`` and
            ``steps_per_generation`` (their product); default 1 (on-policy).
        lag: ``"periodic"`` (TRL / verl refresh) or ``"constant"``.
        smooth: centred moving-average window (points) for the level crossings; default
            ``(len // 20) | 1`` (the sidecar's), 1 for a noise-free curve.

    Raises :class:`GrpoError` naming the setting: ``lr`` (``<= 0``, missing, or a column of the
    wrong length), ``beta1`` (outside ``[0, 1)``), ``kref`` (``< 1``), ``gain`` (a curve without
    gain: ``constant``; one that never passes 80 % of its gain: ``not_reached``).
    The GIL is released during the calibration.
    """
    t = np.ascontiguousarray(steps, dtype=np.float64).reshape(-1)
    r = np.ascontiguousarray(rewards, dtype=np.float64).reshape(-1)
    col = None if lr_column is None else np.ascontiguousarray(lr_column, dtype=np.float64).reshape(-1)
    if lr is None and col is None:
        raise _binding_error("out_of_range", "lr", "lr: give the learning rate (lr) or its per-step column (lr_column)")
    k = refresh_interval(kref, num_iterations=num_iterations, steps_per_generation=steps_per_generation)
    w = (len(r) // 20) | 1 if smooth is None else smooth
    # with a column the constant is ignored (the Rust and C conventions)
    eta = 1.0 if lr is None else float(lr)
    return Calibration(_core.calibrate(t, r, eta, col, float(beta1), k, lag, int(w)))
