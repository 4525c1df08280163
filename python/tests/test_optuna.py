"""GRPODynamicsPruner in a real optuna study whose trials replay the shared curves, side by side
with MedianPruner and HyperbandPruner on the same trials (numbers printed with ``pytest -s``)."""

from __future__ import annotations

import pytest

import grpo_dynamics as gd

optuna = pytest.importorskip("optuna")
from _sweeps import N_LOGS, final_value, run_optuna, sweep_curves, trial_list, trial_values  # noqa: E402

from grpo_dynamics.integrations.optuna import GRPODynamicsPruner  # noqa: E402

SWEEP_SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def curves():
    c = sweep_curves()
    if len(c) < 5:
        pytest.skip("too few shared curves in [0, 1] with >= 100 points")
    return c


def test_pruner_applies_its_rule_in_a_real_study(curves):
    """Every should_prune() answer equals the documented rule recomputed from the reports with a
    plain Predictor and study.best_value at that moment."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    trials = trial_list(curves, 0)
    pruner = GRPODynamicsPruner(n_steps=N_LOGS, reward_min=0.0, reward_max=1.0)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    checked = pruned = 0

    def objective(trial):
        nonlocal checked, pruned
        v = trial_values(curves, trials[trial.number])
        ref = gd.Predictor(0.0, 1.0)
        for j, x in enumerate(v, start=1):
            trial.report(float(x), j)
            ref.push(j, float(x))
            try:
                best = study.best_value
            except ValueError:
                best = None
            want = False
            if j >= 10 and best is not None:
                want = ref.predict(N_LOGS).at_horizon.hi80 < best
            got = trial.should_prune()
            assert got == want, (trial.number, j)
            checked += 1
            if got:
                pruned += 1
                raise optuna.TrialPruned()
        return final_value(v)

    study.optimize(objective, n_trials=len(trials))
    assert pruned > 0 and checked > len(trials) * 10


def test_import_needs_no_optuna_until_used():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['optuna'] = None\n"
        "import grpo_dynamics.integrations.optuna as m\n"
        "try:\n    m.GRPODynamicsPruner\nexcept ImportError as e:\n    print('hint' if 'grpo-dynamics[optuna]' in str(e) else e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "hint"


def test_compute_saved_and_best_trial_side_by_side(curves):
    rows = []
    for seed in SWEEP_SEEDS:
        trials = trial_list(curves, seed)
        pruners = {
            "GRPODynamics(80%)": GRPODynamicsPruner(n_steps=N_LOGS, reward_min=0.0, reward_max=1.0),
            "GRPODynamics(95%)": GRPODynamicsPruner(n_steps=N_LOGS, reward_min=0.0, reward_max=1.0, confidence=0.95),
            "Median": optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=10),
            "Hyperband": optuna.pruners.HyperbandPruner(min_resource=5, max_resource=N_LOGS),
        }
        for name, p in pruners.items():
            r = run_optuna(p, curves, trials)
            rows.append((seed, name, r))
    print(f"\n{len(curves)} curves x 2 seeds = {rows[0][2]['trials']} trials of {N_LOGS} logs per sweep")
    print("seed pruner             saved  pruned best-survives regret  wrong-prunes")
    for seed, name, r in rows:
        print(f"{seed:4d} {name:18s} {r['saved']:6.1%} {r['pruned']:6d} {str(r['best_survives']):13s} "
              f"{r['true_best'] - r['best_value']:.4f} {r['wrong_prunes']:6d}")
    for seed, name, r in rows:
        if name.startswith("GRPODynamics"):
            assert r["saved"] > 0.3, (seed, name)
            # the best value found stays within the trial noise (sd 0.01) of the true best
            assert r["true_best"] - r["best_value"] < 0.01, (seed, name)
