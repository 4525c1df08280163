"""Optuna: ``GRPODynamicsPruner``, prune a trial whose forecast at the final step is confidently
below the best completed trial.

    import optuna
    from grpo_dynamics.integrations.optuna import GRPODynamicsPruner

    study = optuna.create_study(direction="maximize", pruner=GRPODynamicsPruner(n_steps=1000))
    # in the objective: trial.report(mean_reward, step); if trial.should_prune(): raise optuna.TrialPruned()

The trial's intermediate values feed a :class:`grpo_dynamics.Predictor` (one per trial, fixed
memory); ``prune`` asks it for the metric at ``n_steps`` and prunes when the upper end of the 80 %
interval (``confidence=0.95``: the 95 % interval) lies below ``study.best_value`` (mirrored for
``direction="minimize"``). Nothing is pruned before ``min_points`` reports and
``warmup_fraction * n_steps``, nor while no trial has completed. ``stop_on_advice=True`` also
prunes on the predictor's stop advice (plateau reached, or collapsing).

Importing this module does not import optuna; the class is built on first access.
"""

from __future__ import annotations

import math
from typing import Any

from ._common import TrialForecast, require

__all__ = ["GRPODynamicsPruner"]


def _build() -> type:
    optuna = require("optuna", "optuna")

    class GRPODynamicsPruner(optuna.pruners.BasePruner):
        """Prune trials whose forecast final metric is confidently worse than the best trial.

        Args:
            n_steps: the step of the final report (the horizon of the forecast).
            confidence: 0.8 or 0.95, the forecast interval used.
            min_points: reports needed before a decision.
            warmup_fraction: no decision before this fraction of ``n_steps``.
            reward_min, reward_max: bounds of the metric (forecasts are clipped to them).
            window: predictor window (64, 256, 1024 or 4096 points).
            stop_on_advice: also prune on the predictor's stop advice.
            **predictor_options: further :class:`grpo_dynamics.Predictor` settings.
        """

        def __init__(
            self,
            n_steps: float,
            *,
            confidence: float = 0.8,
            min_points: int = 10,
            warmup_fraction: float = 0.1,
            reward_min: float = -math.inf,
            reward_max: float = math.inf,
            window: int = 256,
            stop_on_advice: bool = False,
            **predictor_options: Any,
        ) -> None:
            self._args = dict(
                confidence=confidence,
                min_points=min_points,
                warmup_fraction=warmup_fraction,
                reward_min=reward_min,
                reward_max=reward_max,
                window=window,
                stop_on_advice=stop_on_advice,
                **predictor_options,
            )
            self.n_steps = n_steps
            self._forecasts: dict = {}

        def _forecast(self, study: Any) -> TrialForecast:
            key = (study.study_name, study.direction)
            tf = self._forecasts.get(key)
            if tf is None:
                mode = "max" if study.direction == optuna.study.StudyDirection.MAXIMIZE else "min"
                tf = self._forecasts[key] = TrialForecast(self.n_steps, mode=mode, **self._args)
            return tf

        def prune(self, study: "optuna.study.Study", trial: "optuna.trial.FrozenTrial") -> bool:
            tf = self._forecast(study)
            for step, value in sorted(trial.intermediate_values.items()):
                tf.report(trial.number, step, value)
            try:
                best = study.best_value
            except ValueError:  # no completed trial yet
                best = None
            return tf.should_stop(trial.number, best)

        def forecast(self, study: Any, trial_number: int) -> Any:
            """The last :class:`grpo_dynamics.Prediction` made for a trial (or ``None``)."""
            return self._forecast(study).last_prediction.get(trial_number)

    GRPODynamicsPruner.__module__ = __name__
    GRPODynamicsPruner.__qualname__ = "GRPODynamicsPruner"
    return GRPODynamicsPruner


def __getattr__(name: str) -> Any:
    if name == "GRPODynamicsPruner":
        cls = _build()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
