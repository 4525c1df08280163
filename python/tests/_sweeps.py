"""A hyperparameter sweep replayed from the shared curves, for the pruner / scheduler tests and
the comparison script (python/bench/sweep_compare.py).

Each trial replays one shared curve whose rewards lie in [0, 1] and which has at least 100 points,
as a run that logs 100 times: log j is the mean reward over the j-th hundredth of the curve's
points (what a trainer's logging interval reports), plus Gaussian noise of sd 0.01 from the
trial's own seed (two seeds per curve, so no two trials are identical). The trial's objective is
the mean of its last 5 logs. The trial order is shuffled by the sweep seed.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np

from conftest import bounds, curve_paths, read_curve

N_LOGS = 100
SEEDS_PER_CURVE = 2
NOISE_SD = 0.01


def sweep_curves() -> Dict[str, np.ndarray]:
    out = {}
    for p in curve_paths():
        t, y = read_curve(p)
        if len(t) >= N_LOGS and bounds(y) == (0.0, 1.0):
            chunks = np.array_split(y, N_LOGS)
            out[p.stem] = np.array([c.mean() for c in chunks])
    return out


def trial_list(curves: Dict[str, np.ndarray], sweep_seed: int) -> List[Tuple[str, int]]:
    trials = [(name, s) for name in sorted(curves) for s in range(SEEDS_PER_CURVE)]
    order = np.random.default_rng(sweep_seed).permutation(len(trials))
    return [trials[i] for i in order]


def trial_values(curves: Dict[str, np.ndarray], trial: Tuple[str, int]) -> np.ndarray:
    name, seed = trial
    rng = np.random.default_rng([seed, sum(map(ord, name))])
    return np.clip(curves[name] + rng.normal(0.0, NOISE_SD, N_LOGS), 0.0, 1.0)


def final_value(v: np.ndarray) -> float:
    return float(v[-5:].mean())


def run_optuna(pruner, curves, trials) -> Dict[str, object]:
    """Run the sweep as an optuna study with ``pruner``; return the compute and quality numbers."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", pruner=pruner, sampler=optuna.samplers.RandomSampler(0))
    for i, _ in enumerate(trials):
        study.enqueue_trial({"trial": i})
    wrong = []
    logs_run = []

    def objective(trial):
        i = trial.suggest_int("trial", 0, len(trials) - 1)
        v = trial_values(curves, trials[i])
        for j, x in enumerate(v, start=1):
            trial.report(float(x), j)
            if trial.should_prune():
                logs_run.append(j)
                try:
                    best = study.best_value
                except ValueError:
                    best = None
                if best is not None and final_value(v) > best:
                    wrong.append(i)
                raise optuna.TrialPruned()
        logs_run.append(N_LOGS)
        return final_value(v)

    study.optimize(objective, n_trials=len(trials))
    finals = [final_value(trial_values(curves, t)) for t in trials]
    best_i = int(np.argmax(finals))
    states = {t.params["trial"]: t.state for t in study.trials}
    return {
        "saved": 1.0 - sum(logs_run) / (N_LOGS * len(trials)),
        "pruned": sum(s == optuna.trial.TrialState.PRUNED for s in states.values()),
        "best_survives": states[best_i] == optuna.trial.TrialState.COMPLETE,
        "best_value": study.best_value,
        "true_best": finals[best_i],
        "wrong_prunes": len(wrong),
        "trials": len(trials),
    }
