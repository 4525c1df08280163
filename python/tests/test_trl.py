"""GRPODynamicsCallback with transformers' own TrainerState, TrainerControl, TrainingArguments and
CallbackHandler, replaying the real log_history of shared TRL runs (no torch needed)."""

from __future__ import annotations

import json
import math

import pytest

import grpo_dynamics as gd
from conftest import CURVES, LOGS, bounds, curve_paths

transformers = pytest.importorskip("transformers")
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments  # noqa: E402
from transformers.trainer_callback import CallbackHandler  # noqa: E402

from grpo_dynamics.integrations.trl import ADVICE_CODES, REGIME_CODES, HACKING_CODES  # noqa: E402
from grpo_dynamics.integrations.trl import GRPODynamicsCallback  # noqa: E402


class Reporter(TrainerCallback):
    """Stands for wandb / tensorboard: records the logs it is handed."""

    def __init__(self):
        self.seen = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        self.seen.append(dict(logs))


def replay(history, callbacks, max_steps, tmp_path):
    """Trainer.log as transformers does it: append a copy to log_history, then the callbacks;
    stop as the training loop does when a callback sets should_training_stop."""
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[], logging_steps=1)
    state = TrainerState(max_steps=max_steps)
    control = TrainerControl()
    handler = CallbackHandler(callbacks, None, None, None, None)
    for entry in history:
        state.global_step = int(entry["step"])
        logs = {k: v for k, v in entry.items() if k != "step"}
        state.log_history.append({**logs, "step": state.global_step})
        control = handler.on_log(args, state, control, logs)
        if control.should_training_stop:
            break
    return state, control


def expected(history, max_steps, lo, hi):
    """The same decisions from the Predictor alone (independent of the callback's wiring)."""
    p = gd.Predictor(lo, hi)
    out, last = [], -math.inf
    for e in history:
        if "reward" in e and e["step"] > last:
            p.push(e["step"], e["reward"])
            last = e["step"]
            try:
                horizon = max_steps if max_steps > e["step"] else 2.0 * e["step"]
                out.append((e["step"], p.predict(horizon)))
            except gd.GrpoError:
                pass
    return out


def trl_histories():
    """(name, log_history, max_steps, bounds): the real trainer_state.json files, and the shared
    curves that were converted from TRL log_history (their rows as log entries)."""
    out = []
    for f in sorted(LOGS.glob("*.trainer_state.json")):
        d = json.loads(f.read_text())
        # wordle rewards: range not documented; +-3 contains every logged value
        out.append((f.stem, d["log_history"], d["max_steps"], (-3.0, 3.0)))
    import csv

    for p in curve_paths():
        if not p.stem.startswith(("sunshine", "haoranluo", "halflearned")):
            continue
        with open(p, newline="") as fh:
            rows = list(csv.DictReader(fh))
        hist = []
        for r in rows:
            e = {"step": int(float(r["step"]))}
            for k in ("reward", "entropy", "frac_reward_zero_std", "eval_accuracy"):
                if r.get(k):
                    e["eval_reward" if k == "eval_accuracy" else k] = float(r[k])
            hist.append(e)
        ys = [e["reward"] for e in hist if "reward" in e]
        import numpy as np

        out.append((p.stem, hist, hist[-1]["step"], bounds(np.array(ys))))
    if not out:
        pytest.skip(f"no shared logs at {LOGS} / {CURVES}")
    return out


@pytest.mark.parametrize("stop", [False, True])
def test_callback_replays_real_log_history(tmp_path, stop):
    n_stopped = 0
    for name, history, max_steps, (lo, hi) in trl_histories():
        cb = GRPODynamicsCallback(stop=stop, reward_min=lo, reward_max=hi)
        reporter = Reporter()
        state, control = replay(history, [cb, reporter], max_steps, tmp_path)
        exp = expected(history, max_steps, lo, hi)
        stop_at = next((s for s, p in exp if p.advice.stop), None)
        if stop:
            assert cb.stopped_at == stop_at, name
            assert control.should_training_stop == (stop_at is not None), name
            n_stopped += stop_at is not None
        else:
            assert cb.stopped_at is None and not control.should_training_stop
        logged = {e["step"]: e for e in state.log_history if "grpo/plateau" in e}
        for s, p in exp:
            if stop and stop_at is not None and s > stop_at:
                assert s not in logged  # the run ended there
                continue
            e = logged[s]
            assert e["grpo/plateau"] == p.plateau.value and e["grpo/plateau_lo80"] == p.plateau.lo80, (name, s)
            assert e["grpo/plateau_hi80"] == p.plateau.hi80 and e["grpo/reward_at_end"] == p.at_horizon.value
            assert e["grpo/advice"] == ADVICE_CODES[p.advice.kind] and e["grpo/regime"] == REGIME_CODES[p.regime]
        # the reporter after the callback saw the same keys in the same log
        n_fc = sum("grpo/plateau" in x for x in reporter.seen)
        assert n_fc == len(logged), name
    if stop:
        assert n_stopped >= 1  # at least one real run gets a stop advice


def test_hacking_check_pairs_eval_with_train(tmp_path):
    f = LOGS / "alexchilton-threestage-stage2.trainer_state.json"
    if not f.exists():
        pytest.skip("log missing")
    d = json.loads(f.read_text())
    hist = d["log_history"]
    cb = GRPODynamicsCallback(reward_min=-3.0, reward_max=3.0)
    state, _ = replay(hist, [cb], d["max_steps"], tmp_path)
    # independent pairing: each eval log with the last train reward logged at or before it
    pairs, last = [], None
    for e in hist:
        if "reward" in e:
            last = e["reward"]
        if "eval_reward" in e and last is not None:
            pairs.append((e["step"], last, e["eval_reward"]))
    assert len(pairs) == 8
    s, tr, ev = zip(*pairs)
    want = gd.diagnose(tr, steps=s, eval_reward=ev, r_min=-3.0, r_max=3.0, r_max_eval=3.0).hacking
    assert cb.hacking == want
    last_eval = [e for e in state.log_history if "eval_reward" in e][-1]
    assert last_eval["grpo/hacking"] == HACKING_CODES[want["verdict"]]
    assert last_eval["grpo/hacking_phi"] == want["phi"]


def test_reporters_first_miss_the_keys_unless_attached(tmp_path):
    """transformers runs its reporters before user callbacks: attach() puts ours first."""
    name, history, max_steps, (lo, hi) = trl_histories()[0]

    class FakeTrainer:
        pass

    before, cb = Reporter(), GRPODynamicsCallback(reward_min=lo, reward_max=hi)
    trainer = FakeTrainer()
    trainer.callback_handler = CallbackHandler([before, cb], None, None, None, None)
    # as passed in callbacks=[...]: the earlier reporter never sees grpo/* keys
    replay(history[:50], trainer.callback_handler.callbacks, max_steps, tmp_path)
    assert not any("grpo/plateau" in x for x in before.seen)
    before2, cb2 = Reporter(), GRPODynamicsCallback(reward_min=lo, reward_max=hi)
    trainer.callback_handler = CallbackHandler([before2], None, None, None, None)
    cb2.attach(trainer)
    assert trainer.callback_handler.callbacks[0] is cb2
    replay(history[:50], trainer.callback_handler.callbacks, max_steps, tmp_path)
    assert any("grpo/plateau" in x for x in before2.seen)


def test_reward_key_fallback():
    from grpo_dynamics.integrations.trl import reward_from_logs

    assert reward_from_logs({"reward": 0.5, "rewards/a/mean": 0.1}) == 0.5
    assert reward_from_logs({"rewards/a/mean": 0.25, "rewards/a/std": 9.0, "rewards/b/mean": 0.5}) == 0.75
    assert reward_from_logs({"loss": 1.0}) is None
    assert reward_from_logs({"train/reward": 0.3}, "train/reward") == 0.3
