"""TRL / transformers: ``GRPODynamicsCallback``, live plateau forecasts and early stopping.

    from grpo_dynamics.integrations.trl import GRPODynamicsCallback

    trainer = GRPOTrainer(model=..., reward_funcs=..., args=GRPOConfig(...), train_dataset=...)
    GRPODynamicsCallback(stop=True).attach(trainer)     # first in line: see below
    trainer.train()

On every log the callback feeds the mean reward to a :class:`grpo_dynamics.Predictor` and writes
its forecast back into the log, so it reaches wandb / tensorboard / the console with the other
metrics, and into ``trainer.state.log_history`` (``trainer_state.json``):

* ``grpo/plateau``, ``grpo/plateau_lo80``, ``grpo/plateau_hi80``: the predicted plateau and its
  80 % interval; ``grpo/reward_at_end``: the predicted reward at the horizon (default
  ``state.max_steps``).
* ``grpo/advice``: 0 not ready, 1 continue, 2 stop (plateau reached), 3 stop (collapsing or
  unstable); ``grpo/regime``: 0 unknown, 1 flat, 2 saturating, 3 oscillating, 4 collapsing.
  Numeric codes (the C ABI's), because tensorboard drops strings; the names are in
  ``callback.last_prediction``.
* ``grpo/hacking`` (0 healthy, 1 suspect, 2 hacking) and ``grpo/hacking_phi``, once six eval
  logs (``eval_reward``) have been paired with the train reward: the reward-hacking check.

With ``stop=True`` a stop advice sets ``control.should_training_stop``.

The reward is the log's ``reward`` key (TRL's total reward); without it, the sum of the
per-function means ``rewards/<name>/mean`` (or ``rewards/<name>``), unweighted.

Order matters for the reporters: transformers runs its own callbacks (wandb, tensorboard,
printer) before user callbacks, so keys added by a callback passed as ``callbacks=[...]`` reach
``log_history`` but not the reporters of that log. :meth:`GRPODynamicsCallback.attach` puts the
callback first.

Needs ``transformers`` (not torch: the callback touches only ``TrainerCallback``,
``TrainerState``, ``TrainerControl`` and ``TrainingArguments``). Importing this module does not
import transformers; the class is built on first access.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

from ._common import require

__all__ = [
    "GRPODynamicsCallback",
    "ADVICE_CODES",
    "REGIME_CODES",
    "HACKING_CODES",
    "reward_from_logs",
    "settings_from_args",
    "calibrate_from_log_history",
]

ADVICE_CODES = {"not_ready": 0, "continue": 1, "stop_plateau": 2, "stop_diverging": 3}
REGIME_CODES = {"unknown": 0, "flat": 1, "saturating": 2, "oscillating": 3, "collapsing": 4}
HACKING_CODES = {"healthy": 0, "suspect": 1, "hacking": 2}


def reward_from_logs(logs: Dict[str, Any], key: Optional[str] = None) -> Optional[float]:
    """The train reward of one log dict: ``key`` if given, else ``reward``, else the sum of the
    per-function means ``rewards/<name>/mean`` (or ``rewards/<name>``); ``None`` if absent."""
    if key is not None:
        v = logs.get(key)
        return None if v is None else float(v)
    if "reward" in logs:
        return float(logs["reward"])
    parts = [
        float(v)
        for k, v in logs.items()
        if k.startswith("rewards/") and not k.endswith("/std") and isinstance(v, (int, float))
    ]
    return sum(parts) if parts else None


def settings_from_args(args: Any) -> Dict[str, Any]:
    """The calibration settings of a ``TrainingArguments`` / ``GRPOConfig``-like object (read by
    attribute, so any object with these names works; transformers is not imported):

    * ``lr`` = ``args.learning_rate``; ``beta1`` = ``args.adam_beta1`` (0.9 when absent);
    * ``kref`` = optimizer steps between refreshes = ``num_iterations`` x
      ``steps_per_generation / gradient_accumulation_steps``. TRL counts ``steps_per_generation``
      in micro-batches (``generation_batch_size = per_device_train_batch_size * num_processes *
      steps_per_generation``) and ``gradient_accumulation_steps`` of them make one optimizer
      step; ``steps_per_generation`` defaults to ``gradient_accumulation_steps`` (one generation
      per optimizer step). With ``gradient_accumulation_steps = 1`` this is the product
      ``steps_per_generation * num_iterations`` of the sidecar's TRL flags. A ratio that is not a
      whole number of optimizer steps is rounded up.

    Returns a dict for :func:`grpo_dynamics.calibrate`'s keyword arguments."""
    lr = getattr(args, "learning_rate", None)
    beta1 = getattr(args, "adam_beta1", None)
    ga = int(getattr(args, "gradient_accumulation_steps", 1) or 1)
    spg = getattr(args, "steps_per_generation", None)
    spg = ga if spg is None else int(spg)
    iters = int(getattr(args, "num_iterations", 1) or 1)
    per_gen = max(1, -(-spg // max(ga, 1)))  # ceil(spg / ga)
    return {"lr": lr, "beta1": 0.9 if beta1 is None else float(beta1), "kref": iters * per_gen}


def calibrate_from_log_history(
    log_history: List[Dict[str, Any]],
    args: Any,
    *,
    reward_key: Optional[str] = None,
    use_lr_column: bool = True,
    smooth: Optional[int] = None,
) -> Any:
    """Calibrate the hyperparameter model on a finished (or running) TRL run: the reward of each
    log of ``log_history`` (``trainer.state.log_history`` or ``trainer_state.json``'s, see
    :func:`reward_from_logs`) against its ``step``, with the settings of ``args``
    (:func:`settings_from_args`). With ``use_lr_column`` and a ``learning_rate`` in every reward
    log, time runs on the logged learning rate (warmup and decay included); else on the constant
    ``args.learning_rate``. Returns a :class:`grpo_dynamics.Calibration`; errors as
    :func:`grpo_dynamics.calibrate`.

    >>> cal = calibrate_from_log_history(trainer.state.log_history, trainer.args)  # doctest: +SKIP
    >>> cal.regime(8), cal.largest_stable_lr(), cal.t50(2 * trainer.args.learning_rate)  # doctest: +SKIP
    """
    from .. import calibrate

    steps, rewards, lrs = [], [], []
    last = -math.inf
    for e in log_history:
        r = reward_from_logs(e, reward_key)
        step = e.get("step")
        if r is None or step is None or not math.isfinite(r) or step <= last:
            continue
        steps.append(float(step))
        rewards.append(r)
        lr = e.get("learning_rate")
        lrs.append(float(lr) if isinstance(lr, (int, float)) else math.nan)
        last = step
    kw = settings_from_args(args)
    if use_lr_column and lrs and all(math.isfinite(x) for x in lrs):
        kw["lr_column"] = lrs
    return calibrate(steps, rewards, smooth=smooth, **kw)


def _build() -> type:
    transformers = require("transformers", "trl")
    from .. import GrpoError, Prediction, Predictor, diagnose

    class GRPODynamicsCallback(transformers.TrainerCallback):
        """Forecast the reward plateau during GRPO training; optionally stop on the advice.

        Args:
            stop: set ``control.should_training_stop`` on a stop advice.
            horizon: the step the advice looks ahead to (default ``state.max_steps``, or twice
                the current step when unknown).
            reward_key: log key of the reward (default: see :func:`reward_from_logs`).
            eval_key: log key of the eval reward for the hacking check.
            reward_min, reward_max: reward bounds (default [0, 1]; use ``-inf`` / ``inf`` for
                unbounded rewards).
            window: predictor window (64, 256, 1024 or 4096 points).
            prefix: prefix of the logged keys.
            **predictor_options: further :class:`grpo_dynamics.Predictor` settings.
        """

        def __init__(
            self,
            *,
            stop: bool = False,
            horizon: Optional[float] = None,
            reward_key: Optional[str] = None,
            eval_key: str = "eval_reward",
            reward_min: float = 0.0,
            reward_max: float = 1.0,
            window: int = 256,
            prefix: str = "grpo/",
            **predictor_options: Any,
        ) -> None:
            self.stop, self.horizon = stop, horizon
            self.reward_key, self.eval_key, self.prefix = reward_key, eval_key, prefix
            self.reward_min, self.reward_max = reward_min, reward_max
            self.predictor = Predictor(reward_min, reward_max, window=window, **predictor_options)
            self.last_prediction: Optional[Prediction] = None
            self.stopped_at: Optional[float] = None
            self._last_step = -math.inf
            self._last_reward: Optional[float] = None
            self._pairs: List[Tuple[float, float, float]] = []  # (step, train, eval)
            self.hacking: Optional[Dict[str, Any]] = None

        def attach(self, trainer: Any) -> "GRPODynamicsCallback":
            """Register with ``trainer`` as its first callback (so the reporters see the keys)."""
            callbacks = trainer.callback_handler.callbacks
            if self in callbacks:
                callbacks.remove(self)
            callbacks.insert(0, self)
            return self

        def _horizon(self, state: Any, step: float) -> float:
            if self.horizon is not None:
                return float(self.horizon)
            if state.max_steps and state.max_steps > step:
                return float(state.max_steps)
            return 2.0 * step if step > 0 else 1.0

        def _hacking(self) -> Optional[Dict[str, Any]]:
            if len(self._pairs) < 6 or not (math.isfinite(self.reward_min) and math.isfinite(self.reward_max)):
                return None
            steps, train, ev = zip(*self._pairs)
            try:
                d = diagnose(
                    train, steps=steps, eval_reward=ev, r_min=self.reward_min, r_max=self.reward_max,
                    r_max_eval=self.reward_max,
                )
            except GrpoError:
                return None
            return d.hacking

        def on_log(self, args: Any, state: Any, control: Any, logs: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Any:
            if not logs:
                return control
            step = float(state.global_step)
            out: Dict[str, Any] = {}
            ev = logs.get(self.eval_key)
            if ev is not None and self._last_reward is not None and math.isfinite(float(ev)):
                if not self._pairs or step > self._pairs[-1][0]:
                    self._pairs.append((step, self._last_reward, float(ev)))
                    self.hacking = self._hacking()
                    if self.hacking is not None:
                        out[self.prefix + "hacking"] = HACKING_CODES[self.hacking["verdict"]]
                        out[self.prefix + "hacking_phi"] = self.hacking["phi"]
            r = reward_from_logs(logs, self.reward_key)
            if r is not None and math.isfinite(r) and step > self._last_step:
                self.predictor.push(step, r)
                self._last_step, self._last_reward = step, r
                try:
                    p = self.predictor.predict(self._horizon(state, step))
                except GrpoError:
                    p = None  # not ready (fewer than min_points logs)
                if p is not None:
                    self.last_prediction = p
                    out.update(
                        {
                            self.prefix + "plateau": p.plateau.value,
                            self.prefix + "plateau_lo80": p.plateau.lo80,
                            self.prefix + "plateau_hi80": p.plateau.hi80,
                            self.prefix + "reward_at_end": p.at_horizon.value,
                            self.prefix + "advice": ADVICE_CODES[p.advice.kind],
                            self.prefix + "regime": REGIME_CODES[p.regime],
                        }
                    )
                    if self.stop and p.advice.stop:
                        control.should_training_stop = True
                        if self.stopped_at is None:
                            self.stopped_at = step
            if out:
                logs.update(out)
                # Trainer.log appended a copy of the logs before calling the callbacks
                hist = state.log_history
                if hist and hist[-1].get("step") == state.global_step:
                    hist[-1].update(out)
            return control

    GRPODynamicsCallback.__module__ = __name__
    GRPODynamicsCallback.__qualname__ = "GRPODynamicsCallback"
    return GRPODynamicsCallback


def __getattr__(name: str) -> Any:
    if name == "GRPODynamicsCallback":
        cls = _build()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
