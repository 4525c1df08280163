"""Ray Tune: ``GRPODynamicsStopper`` (a ``tune.Stopper``) and ``GRPODynamicsScheduler`` (a trial
scheduler), for sweeps that outgrow one machine.

    from ray import tune
    from grpo_dynamics.integrations.ray import GRPODynamicsScheduler, GRPODynamicsStopper

    tuner = tune.Tuner(train_fn, param_space=space,
        tune_config=tune.TuneConfig(scheduler=GRPODynamicsScheduler(metric="reward", mode="max", max_t=1000)),
        run_config=tune.RunConfig(stop=GRPODynamicsStopper(metric="reward", max_t=1000)))

* The **stopper** ends a trial on the predictor's own advice: plateau reached (remaining expected
  gain to the horizon confidently below the minimum gain) or the run collapsing. It needs no other trial.
* The **scheduler** stops a trial whose forecast of ``metric`` at ``max_t`` is confidently (80 %
  interval, or 95 %) worse than the best completed trial, like the Optuna pruner.

Where it runs: both live in the Tune driver process (the one that called ``ray.init``). Every
reported result reaches them there; each trial has its own fixed-size predictor (a 256-point
window: ~7 KB), and each decision is one allocation-free Rust refit (tens of microseconds to a
few milliseconds). Workers (the trainables, on any node of the cluster) only report metrics; they
need ``grpo-dynamics`` installed only if they import it themselves.

Importing this module does not import ray; the classes are built on first access.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Optional

from ._common import TrialForecast, require

__all__ = ["GRPODynamicsStopper", "GRPODynamicsScheduler"]


def _step(result: Dict[str, Any], time_attr: str) -> Optional[float]:
    s = result.get(time_attr)
    return None if s is None else float(s)


def _build_stopper() -> type:
    tune = require("ray.tune", "ray")

    class GRPODynamicsStopper(tune.Stopper):
        """Stop each trial on its own forecast's advice (plateau reached or collapsing).

        Args:
            metric: the reported reward key.
            max_t: the final value of ``time_attr`` (horizon of the advice).
            time_attr: the step key of the results (default ``training_iteration``).
            reward_min, reward_max: reward bounds (the stop tolerance is relative to their span
                when finite, else to the observed range).
            min_points: results needed before any advice.
            **predictor_options: further :class:`grpo_dynamics.Predictor` settings.
        """

        def __init__(
            self,
            metric: str,
            max_t: float,
            *,
            time_attr: str = "training_iteration",
            reward_min: float = -math.inf,
            reward_max: float = math.inf,
            min_points: int = 10,
            **predictor_options: Any,
        ) -> None:
            self.metric, self.time_attr = metric, time_attr
            self._tf = TrialForecast(
                max_t,
                min_points=min_points,
                warmup_fraction=0.0,
                reward_min=reward_min,
                reward_max=reward_max,
                stop_on_advice=True,
                **predictor_options,
            )
            #: trial id -> (step, the prediction) of each stop
            self.stopped: Dict[str, Any] = {}

        def __call__(self, trial_id: str, result: Dict[str, Any]) -> bool:
            step, value = _step(result, self.time_attr), result.get(self.metric)
            if step is None or value is None:
                return False
            self._tf.report(trial_id, step, float(value))
            stop = self._tf.should_stop(trial_id, best=None)
            if stop:
                self.stopped[trial_id] = (step, self._tf.last_prediction.get(trial_id))
                self._tf.complete(trial_id, None)
            return stop

        def stop_all(self) -> bool:
            return False

    GRPODynamicsStopper.__module__ = __name__
    GRPODynamicsStopper.__qualname__ = "GRPODynamicsStopper"
    return GRPODynamicsStopper


def _build_scheduler() -> type:
    require("ray.tune", "ray")
    from ray.tune.schedulers import FIFOScheduler, TrialScheduler

    class GRPODynamicsScheduler(FIFOScheduler):
        """Stop trials whose forecast final metric is confidently worse than the best completed
        trial (the Optuna pruner's rule, on Tune's trial events).

        Args:
            metric, mode: the reported metric and ``"max"`` / ``"min"``.
            max_t: the final value of ``time_attr`` (the forecast horizon).
            time_attr: the step key of the results (default ``training_iteration``).
            confidence: 0.8 or 0.95, the forecast interval used.
            min_points, warmup_fraction: no decision before that many results and that fraction
                of ``max_t``.
            stop_on_advice: also stop on the predictor's stop advice.
            **predictor_options: reward bounds and further :class:`grpo_dynamics.Predictor` settings.
        """

        def __init__(
            self,
            metric: str,
            mode: str,
            max_t: float,
            *,
            time_attr: str = "training_iteration",
            confidence: float = 0.8,
            min_points: int = 10,
            warmup_fraction: float = 0.1,
            stop_on_advice: bool = False,
            **predictor_options: Any,
        ) -> None:
            super().__init__()
            self._metric, self._mode, self.time_attr = metric, mode, time_attr
            self._tf = TrialForecast(
                max_t,
                mode=mode,
                confidence=confidence,
                min_points=min_points,
                warmup_fraction=warmup_fraction,
                stop_on_advice=stop_on_advice,
                **predictor_options,
            )
            #: trial id -> (step, the prediction, the best completed value) of each stop
            self.stopped: Dict[str, Any] = {}

        def on_trial_result(self, tune_controller: Any, trial: Any, result: Dict[str, Any]) -> str:
            step, value = _step(result, self.time_attr), result.get(self._metric)
            if step is None or value is None:
                return TrialScheduler.CONTINUE
            self._tf.report(trial.trial_id, step, float(value))
            best = self._tf.best
            if self._tf.should_stop(trial.trial_id):
                self.stopped[trial.trial_id] = (step, self._tf.last_prediction.get(trial.trial_id), best)
                self._tf.complete(trial.trial_id, None)
                return TrialScheduler.STOP
            return TrialScheduler.CONTINUE

        def on_trial_complete(self, tune_controller: Any, trial: Any, result: Dict[str, Any]) -> None:
            value = result.get(self._metric) if result else None
            self._tf.complete(trial.trial_id, None if value is None else float(value))

        def on_trial_remove(self, tune_controller: Any, trial: Any) -> None:
            self._tf.complete(trial.trial_id, None)

        def debug_string(self) -> str:
            return f"GRPODynamicsScheduler: {len(self.stopped)} trials stopped on their forecasts"

    GRPODynamicsScheduler.__module__ = __name__
    GRPODynamicsScheduler.__qualname__ = "GRPODynamicsScheduler"
    return GRPODynamicsScheduler


_BUILDERS = {"GRPODynamicsStopper": _build_stopper, "GRPODynamicsScheduler": _build_scheduler}


def __getattr__(name: str) -> Any:
    if name in _BUILDERS:
        cls = _BUILDERS[name]()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
