"""Ray Tune: GRPODynamicsStopper and GRPODynamicsScheduler on a local runtime
(ray.init(num_cpus=2)) with function trainables replaying the shared curves."""

from __future__ import annotations

import math

import numpy as np
import pytest

import grpo_dynamics as gd

ray = pytest.importorskip("ray")
tune = pytest.importorskip("ray.tune")
from _sweeps import N_LOGS, final_value, sweep_curves, trial_list, trial_values  # noqa: E402

from grpo_dynamics.integrations.ray import GRPODynamicsScheduler, GRPODynamicsStopper  # noqa: E402


@pytest.fixture(scope="module")
def ray_runtime(tmp_path_factory):
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield tmp_path_factory.mktemp("ray_results")
    ray.shutdown()


@pytest.fixture(scope="module")
def sweep():
    curves = sweep_curves()
    if len(curves) < 5:
        pytest.skip("too few shared curves")
    # one seed per curve, 6 curves: Ray's per-result overhead makes every trial cost ~seconds
    trials = [t for t in trial_list(curves, 0) if t[1] == 0][:6]
    return {i: trial_values(curves, t) for i, t in enumerate(trials)}


def _run(values, ray_runtime, **tune_kw):
    def trainable(config):
        for x in config["values"]:
            tune.report({"reward": float(x)})

    space = {"values": tune.grid_search([list(map(float, v)) for v in values.values()])}
    tuner = tune.Tuner(
        trainable,
        param_space=space,
        tune_config=tune.TuneConfig(max_concurrent_trials=2, **tune_kw.pop("tune", {})),
        run_config=tune.RunConfig(storage_path=str(ray_runtime), verbose=0, **tune_kw),
    )
    grid = tuner.fit()
    return {tuple(r.config["values"]): r for r in grid}


def test_stopper_stops_each_trial_on_its_own_advice(ray_runtime, sweep):
    stopper = GRPODynamicsStopper(metric="reward", max_t=N_LOGS, reward_min=0.0, reward_max=1.0)
    results = _run(sweep, ray_runtime, stop=stopper)
    ran = 0
    for v in sweep.values():
        r = results[tuple(map(float, v))]
        # independent: the first step at which a plain Predictor advises a stop
        p, want = gd.Predictor(0.0, 1.0), N_LOGS
        for j, x in enumerate(v, start=1):
            p.push(j, float(x))
            if j >= 10 and p.predict(N_LOGS).advice.stop:
                want = j
                break
        stop = stopper.stopped.get(r.metrics["trial_id"])
        assert (stop[0] if stop else N_LOGS) == want
        # the trial ends at the decision (or, reports being asynchronous, a little after it)
        assert want <= r.metrics["training_iteration"]
        ran += r.metrics["training_iteration"]
    print(f"\nstopper: {len(sweep)} trials ran {ran} of {len(sweep) * N_LOGS} logs "
          f"({1 - ran / (len(sweep) * N_LOGS):.1%} saved)")


def test_scheduler_stops_confidently_worse_trials(ray_runtime, sweep):
    sched = GRPODynamicsScheduler(metric="reward", mode="max", max_t=N_LOGS, reward_min=0.0, reward_max=1.0)
    results = _run(sweep, ray_runtime, tune={"scheduler": sched})
    finals = {tuple(map(float, v)): final_value(v) for v in sweep.values()}
    ran = sum(r.metrics["training_iteration"] for r in results.values())
    best_key = max(finals, key=finals.get)
    survived = results[best_key].metrics["training_iteration"] == N_LOGS
    print(f"\nscheduler: {len(sweep)} trials ran {ran} of {len(sweep) * N_LOGS} logs "
          f"({1 - ran / (len(sweep) * N_LOGS):.1%} saved), {len(sched.stopped)} stopped, best trial survives: {survived}")
    by_id = {r.metrics["trial_id"]: k for k, r in results.items()}
    assert sched.stopped and set(sched.stopped) <= set(by_id)
    for trial_id, k in by_id.items():
        if trial_id not in sched.stopped:
            assert results[k].metrics["training_iteration"] == N_LOGS
    for trial_id, (step, pred, best) in sched.stopped.items():
        assert step >= 10 and best is not None and pred.at_horizon.hi80 < best
        k = by_id[trial_id]
        j = int(step)
        # the decision's prediction is the one a plain Predictor makes from the same reports
        # (asked at every report from the 10th on, as the scheduler does: refits warm-start)
        p = gd.Predictor(0.0, 1.0)
        for s, x in enumerate(k[:j], start=1):
            p.push(s, x)
            if s >= 10:
                last = p.predict(N_LOGS)
        assert pred == last, trial_id
        # the trial ended at the decision or, reports being asynchronous, after it
        assert j <= results[k].metrics["training_iteration"]
