"""The one decision every sweep integration makes: is a trial's forecast at its final step
confidently worse than the best completed trial? (Optuna pruner, Ray scheduler.)"""

from __future__ import annotations

import importlib
import math
from typing import Any, Dict, Optional

from .. import GrpoError, Prediction, Predictor

__all__ = ["TrialForecast", "require"]


def require(module: str, extra: str) -> Any:
    """Import a framework on first use, with an install hint when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{module} is needed for this integration: pip install 'grpo-dynamics[{extra}]' ({e})"
        ) from e


class TrialForecast:
    """Per-trial predictors fed with the intermediate values, and the pruning rule.

    A trial is *confidently worse* when the upper end of its forecast interval (80 % by default)
    for the metric at ``final_step`` lies below the best final value of the completed trials
    (for ``mode="max"``; mirrored for ``"min"``). With ``stop_on_advice`` a trial is also stopped
    when the predictor advises it (plateau reached or run collapsing). Each trial costs one fixed
    window of memory; each decision one refit (lazy, allocation-free in Rust).
    """

    def __init__(
        self,
        final_step: float,
        *,
        mode: str = "max",
        confidence: float = 0.8,
        min_points: int = 10,
        warmup_fraction: float = 0.1,
        reward_min: float = -math.inf,
        reward_max: float = math.inf,
        window: int = 256,
        stop_on_advice: bool = False,
        **predictor_options: Any,
    ) -> None:
        if mode not in ("max", "min"):
            raise ValueError("mode must be 'max' or 'min'")
        if confidence not in (0.8, 0.95):
            raise ValueError("confidence must be 0.8 or 0.95 (the predictor's intervals)")
        if not (final_step > 0 and math.isfinite(final_step)):
            raise ValueError("final_step must be a positive finite step")
        self.final_step = float(final_step)
        self.mode = mode
        self.confidence = confidence
        self.min_points = min_points
        self.warmup_fraction = warmup_fraction
        self.stop_on_advice = stop_on_advice
        self._options: Dict[str, Any] = dict(
            reward_min=reward_min, reward_max=reward_max, window=window, **predictor_options
        )
        self._trials: Dict[Any, Predictor] = {}
        self._last: Dict[Any, float] = {}
        self.best: Optional[float] = None
        self.last_prediction: Dict[Any, Prediction] = {}

    def __getstate__(self) -> Dict[str, Any]:
        # Ray pickles stoppers and schedulers into its experiment checkpoints: the settings and
        # the best value travel, the per-trial predictors (compiled objects) do not; a restored
        # sweep rebuilds each trial's forecast from the reports that follow.
        state = self.__dict__.copy()
        state["_trials"], state["_last"], state["last_prediction"] = {}, {}, {}
        return state

    def _sign(self) -> float:
        return 1.0 if self.mode == "max" else -1.0

    def report(self, trial: Any, step: float, value: float) -> None:
        """Feed one intermediate value (repeated or older steps are ignored)."""
        if trial in self._last and step <= self._last[trial]:
            return
        if not math.isfinite(value):
            return  # a NaN metric is the framework's business; the predictor never sees it
        p = self._trials.get(trial)
        if p is None:
            p = self._trials[trial] = Predictor(**self._options)
        # the predictor forecasts "higher is better" curves as they come: minimised metrics are
        # fed as they are and the rule below is mirrored
        p.push(step, value)
        self._last[trial] = step

    def complete(self, trial: Any, final_value: Optional[float]) -> None:
        """A trial finished (or was stopped): forget its predictor; a finished trial's final value
        becomes the best when it beats it."""
        self._trials.pop(trial, None)
        self._last.pop(trial, None)
        self.last_prediction.pop(trial, None)
        if final_value is not None and math.isfinite(final_value):
            s = self._sign()
            if self.best is None or s * final_value > s * self.best:
                self.best = final_value

    def should_stop(self, trial: Any, best: Optional[float] = None) -> bool:
        """The pruning rule for ``trial`` given the best completed value (default: the one
        recorded by :meth:`complete`)."""
        best = self.best if best is None else best
        p = self._trials.get(trial)
        if p is None or len(p) < self.min_points:
            return False
        if self._last[trial] < self.warmup_fraction * self.final_step:
            return False
        try:
            pred = p.predict(self.final_step)
        except GrpoError:
            return False  # no forecast (too few or degenerate points): never prune on it
        self.last_prediction[trial] = pred
        if self.stop_on_advice and pred.advice.stop:
            return True
        if best is None:
            return False
        f = pred.at_horizon
        if self.mode == "max":
            hi = f.hi80 if self.confidence == 0.8 else f.hi95
            return hi < best
        lo = f.lo80 if self.confidence == 0.8 else f.lo95
        return lo > best
