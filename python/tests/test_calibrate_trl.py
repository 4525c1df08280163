"""TRL-shaped calibration: settings read from transformers' own ``TrainingArguments`` (with the
GRPOConfig names ``num_iterations`` / ``steps_per_generation`` set on it), the reward and the
logged learning rate read from a real ``trainer_state.json`` log_history."""

from __future__ import annotations

import json
import types

import numpy as np
import pytest

import grpo_dynamics as gd
from conftest import LOGS

transformers = pytest.importorskip("transformers")
from transformers import TrainingArguments  # noqa: E402

from grpo_dynamics.integrations.trl import calibrate_from_log_history, reward_from_logs, settings_from_args  # noqa: E402


def args_with(tmp_path, **grpo):
    a = TrainingArguments(output_dir=str(tmp_path), report_to=[], learning_rate=1e-5, adam_beta1=0.85,
                          gradient_accumulation_steps=grpo.pop("gradient_accumulation_steps", 1))
    for k, v in grpo.items():  # GRPOConfig's own fields (TrainingArguments has none of them)
        setattr(a, k, v)
    return a


def test_settings_from_training_arguments(tmp_path):
    a = args_with(tmp_path)
    assert settings_from_args(a) == {"lr": 1e-5, "beta1": 0.85, "kref": 1}
    a = args_with(tmp_path, num_iterations=2, steps_per_generation=4)
    assert settings_from_args(a)["kref"] == 8
    # steps_per_generation counts micro-batches: 8 of them at 4 accumulation steps = 2 optimizer steps
    a = args_with(tmp_path, num_iterations=3, steps_per_generation=8, gradient_accumulation_steps=4)
    assert settings_from_args(a)["kref"] == 6
    # the GRPOConfig default (steps_per_generation = gradient_accumulation_steps): one per step
    a = args_with(tmp_path, num_iterations=2, steps_per_generation=None, gradient_accumulation_steps=4)
    assert settings_from_args(a)["kref"] == 2
    # a duck-typed config works too
    ns = types.SimpleNamespace(learning_rate=3e-6, num_iterations=1, steps_per_generation=2)
    assert settings_from_args(ns) == {"lr": 3e-6, "beta1": 0.9, "kref": 2}


def test_calibrate_from_a_real_log_history(tmp_path):
    path = LOGS / "alexchilton-lara4090.trainer_state.json"
    if not path.exists():
        pytest.skip(f"no {path}")
    hist = json.loads(path.read_text())["log_history"]
    a = args_with(tmp_path, num_iterations=1, steps_per_generation=1)
    a.learning_rate = 1e-5  # the run's configured rate (its log decays from it)
    cal = calibrate_from_log_history(hist, a)
    # the same numbers as calibrate() on the columns read here independently
    rows = [e for e in hist if reward_from_logs(e) is not None and "step" in e]
    t = np.array([e["step"] for e in rows], dtype=float)
    r = np.array([reward_from_logs(e) for e in rows])
    lr = np.array([e["learning_rate"] for e in rows])
    ref = gd.calibrate(t, r, lr_column=lr, beta1=0.85, kref=1)
    assert (cal.flow50, cal.flow90, cal.r_star, cal.eta, cal.r0) == (ref.flow50, ref.flow90, ref.r_star, ref.eta, ref.r0)
    assert cal.kref == 1 and cal.mu == 0.85 and len(t) > 20
    # the constant-lr variant differs (time on steps, not on the decaying learning rate)
    const = calibrate_from_log_history(hist, a, use_lr_column=False)
    assert abs(const.eta - 1e-5) < 1e-18 and const.flow50.value != cal.flow50.value
    t50 = cal.t50(2e-5)
    assert t50.lo <= t50.value <= t50.hi
