"""The Python API itself: numbers against closed forms and known truths, typed errors naming the
parameter, lazy integration imports, packaging (py.typed, stub)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import grpo_dynamics as gd
from grpo_dynamics import _core


def test_trajectory_against_the_closed_form():
    r_star, r0, v0, omega, zeta = 0.8, 0.2, 0.01, 0.07, 0.35
    o = gd.Oscillator(r_star, r0, v0, omega, zeta)
    t = np.linspace(0.0, 300.0, 301)
    wd = omega * math.sqrt(1 - zeta**2)
    e0 = r0 - r_star
    want = r_star + np.exp(-zeta * omega * t) * (e0 * np.cos(wd * t) + (v0 + zeta * omega * e0) / wd * np.sin(wd * t))
    np.testing.assert_allclose(o.value(t), want, rtol=0, atol=1e-13)
    np.testing.assert_allclose(o.grid(0.0, 1.0, 301), want, rtol=0, atol=1e-12)
    assert abs(o.value(0.0) - r0) < 1e-15 and isinstance(o.value(3.0), float) and o.regime == "underdamped"
    # Jacobian against central differences
    vals, jac = o.jacobian(t[::30])
    p = np.array([r_star, r0, v0, omega, zeta])
    for j in range(5):
        h = 1e-6 * max(abs(p[j]), 1e-3)
        up, dn = p.copy(), p.copy()
        up[j] += h
        dn[j] -= h
        fd = (gd.Oscillator(*up).value(t[::30]) - gd.Oscillator(*dn).value(t[::30])) / (2 * h)
        np.testing.assert_allclose(jac[:, j], fd, rtol=1e-5, atol=1e-8)
    # time to the fraction f of the gain, then the value there
    tf = o.time_to_fraction(0.5)
    assert abs(o.value(tf) - (r0 + 0.5 * (r_star - r0))) < 1e-12


def test_fit_recovers_a_noiseless_curve():
    t = np.arange(0.0, 200.0)
    truth = gd.Oscillator.critical(0.85, 0.15, 0.04)
    f = gd.fit(t, truth.value(t), model="critical")
    np.testing.assert_allclose(f.params, [0.85, 0.15, 0.04], rtol=1e-7)
    assert f.converged and f.r2 > 1 - 1e-12 and f.names == ("r_star", "r0", "omega")
    assert f.covariance.shape == (3, 3) and f.plateau == f.params[0]
    a = gd.fit_auto(t, truth.value(t))
    assert abs(a.plateau - 0.85) < 1e-6
    s = gd.fit(t, truth.value(t), model="slow_start", start=[0.8, 0.1, 0.05, 1.0])
    np.testing.assert_allclose(s.params, [0.85, 0.15, 0.04, 1.0], rtol=1e-5)


def test_stability_closed_forms():
    eta, mu, k = 0.01, 0.9, 2.0
    assert math.isclose(gd.prop9_threshold(eta, mu, k), (1 - mu) / (eta * k), rel_tol=1e-15)
    # the exact constant-lag edge: stable just below d_c, unstable at it
    dc = gd.critical_lag(eta, mu, k)
    assert gd.largest_stable_refresh(eta, mu, k, "constant") == math.ceil(dc) - 1
    assert gd.linear_regime(eta, mu, k, math.ceil(dc) - 1, "constant")[1] < 1.0
    assert gd.linear_regime(eta, mu, k, math.ceil(dc), "constant")[1] >= 1.0
    lr = gd.largest_stable_lr(4, mu, k, "periodic")
    assert gd.linear_regime(lr * 0.999, mu, k, 4, "periodic")[1] < 1.0
    assert gd.linear_regime(lr * 1.001, mu, k, 4, "periodic")[1] >= 1.0


def test_noise_closed_forms():
    for p in (0.0, 0.3, 0.9):
        for g in (2, 8):
            assert math.isclose(gd.degeneracy(p, g), p**g + (1 - p) ** g, rel_tol=1e-14, abs_tol=1e-300)
    ps = [0.1, 0.5, 0.95]
    want = np.mean([p**4 + (1 - p) ** 4 for p in ps])
    assert math.isclose(gd.degeneracy_heterogeneous(ps, 4), want, rel_tol=1e-14)
    # preset A of the spec
    n = gd.group_noise(8, eta=0.3, mu=0.8, beta=1.0, p_ref=1 / (1 + math.exp(3)), c=1 / 16, kref=4)
    assert 0 < n.p_star < 1 and n.var_p > 0
    assert math.isclose(n.degeneracy, n.p_star**8 + (1 - n.p_star) ** 8, rel_tol=1e-13)


def test_diagnose_with_optimizer():
    t = np.arange(60.0)
    y = 0.8 - 0.6 * np.exp(-t / 12)
    d = gd.diagnose(y, steps=t, optimizer=gd.Optimizer(eta=0.01, mu=0.9, k=2.0, kref=4.0, lag="constant"))
    assert d.instability["prop9_threshold"] == gd.prop9_threshold(0.01, 0.9, 2.0)
    assert d.instability["critical_lag"] == gd.critical_lag(0.01, 0.9, 2.0)
    assert d.headline == "healthy" and abs(d.plateau - 0.8) < 1e-3
    h = gd.diagnose(y, eval_reward=np.full(60, 0.2) + 0.001 * t)
    assert h.hacking is not None and h.hacking["verdict"] == "hacking" and h.headline == "reward_hacking"


@pytest.mark.parametrize(
    "call, kind, param",
    [
        (lambda: gd.Oscillator(0.8, 0.2, 0.0, -1.0, 0.5), "out_of_range", "omega"),
        (lambda: gd.Oscillator(0.8, 0.2, 0.0, 0.1, math.nan), "non_finite", "zeta"),
        (lambda: gd.Oscillator(0.8, 0.2, 0.0, 0.1, 0.5).value([-1.0]), "out_of_range", "t"),
        (lambda: gd.Oscillator(0.8, 0.2, 0.0, 0.1, 0.5).time_to_fraction(1.5), "out_of_range", "f"),
        (lambda: gd.fit([0, 1, 2, 3], [1, 2, 3]), "length_mismatch", "y"),
        (lambda: gd.fit([0, 1, 1, 3, 4, 5], [1, 2, 3, 4, 5, 6]), "not_increasing", "t"),
        (lambda: gd.fit([0, 1, 2], [0.1, 0.2, 0.3], model="full"), "too_few_points", "n"),
        (lambda: gd.fit(range(8), range(8), model="nope"), "unknown_code", "model"),  # type: ignore[arg-type]
        (lambda: gd.fit(range(8), range(8), loss="l1"), "unknown_code", "loss"),  # type: ignore[arg-type]
        (lambda: gd.fit(range(8), range(8), model="auto", start=[1, 2, 3]), "out_of_range", "start"),
        (lambda: gd.prop9_threshold(0.01, 1.0, 1.0), "out_of_range", "mu"),
        (lambda: gd.largest_stable_lr(2, 0.9, 1.0, "sometimes"), "unknown_code", "lag"),  # type: ignore[arg-type]
        (lambda: gd.degeneracy(1.5, 4), "out_of_range", "p"),
        (lambda: gd.degeneracy(0.5, 1), "out_of_range", "G"),
        (lambda: gd.Predictor(1.0, 0.0), "bounds_inverted", "reward_max"),
        (lambda: gd.Predictor(window=100), "out_of_range", "capacity"),
        (lambda: gd.Predictor().predict(10.0), "not_ready", "n"),
        (lambda: gd.diagnose([0.1, 0.2]), "too_few_points", "reward"),
    ],
)
def test_errors_name_kind_and_parameter(call, kind, param):
    with pytest.raises(gd.GrpoError) as e:
        call()
    assert isinstance(e.value, ValueError)
    assert (e.value.kind, e.value.param) == (kind, param), str(e.value)
    kinds, params = _core.error_tables()
    kc = {name: code for code, name, _ in kinds}
    pc = {name: code for code, name in params}
    if e.value.code:
        assert e.value.code == kc[kind] + 256 * pc[param]
    assert str(e.value).startswith(param)


def test_predictor_push_rules_and_push_many_index():
    p = gd.Predictor(0.0, 1.0)
    p.push(1.0, 0.1)
    with pytest.raises(gd.GrpoError) as e:
        p.push(1.0, 0.2)
    assert e.value.kind == "not_increasing" and len(p) == 1
    with pytest.raises(gd.GrpoError) as e:
        p.push(2.0, math.inf)
    assert e.value.kind == "non_finite" and len(p) == 1
    with pytest.raises(gd.GrpoError) as e:
        p.push_many([2, 3, 3, 4], [0.2, 0.3, 0.4, 0.5])
    assert e.value.index == 2 and e.value.kind == "not_increasing" and len(p) == 3
    with pytest.raises(gd.GrpoError) as e:
        p.push_many([5, 6], [0.1])
    assert e.value.kind == "length_mismatch"
    q = gd.Predictor(0.0, 1.0, window=64, min_gain=0.05, min_points=8)
    c = q.config
    assert (c.window, c.min_gain, c.min_points, c.reward_max) == (64, 0.05, 8, 1.0)
    # a long history stays within the window (compaction), the newest point is kept
    t = np.arange(1.0, 501.0)
    q.push_many(t, 0.8 - 0.6 * np.exp(-t / 80))
    s, r, w = q.points()
    assert len(q) <= 64 and w.sum() == 500.0 and s[0] >= 1.0 and 490.0 < s[-1] <= 500.0
    pr = q.predict(1000.0)
    assert abs(pr.plateau.value - 0.8) < 0.02 and pr.plateau.lo80 <= pr.plateau.value <= pr.plateau.hi80
    q.reset()
    assert len(q) == 0 and not q.is_fitted


@pytest.mark.parametrize("module, cls, extra", [
    ("trl", "GRPODynamicsCallback", "trl"),
    ("optuna", "GRPODynamicsPruner", "optuna"),
    ("ray", "GRPODynamicsStopper", "ray"),
    ("ray", "GRPODynamicsScheduler", "ray"),
])
def test_integrations_import_without_their_frameworks(module, cls, extra):
    framework = {"trl": "transformers", "optuna": "optuna", "ray": "ray"}[module]
    code = (
        f"import sys; sys.modules[{framework!r}] = None\n"
        f"import grpo_dynamics.integrations.{module} as m\n"
        f"try:\n    m.{cls}\nexcept ImportError as e:\n    print('hint' if 'grpo-dynamics[{extra}]' in str(e) else e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "hint"


def test_package_is_typed():
    pkg = Path(gd.__file__).parent
    assert (pkg / "py.typed").exists() and (pkg / "_core.pyi").exists()
    stub = (pkg / "_core.pyi").read_text()
    for name in ("fit", "diagnose", "NativePredictor", "trajectory_jacobian", "largest_stable_lr"):
        assert f"{name}" in stub and hasattr(_core, name)


def test_docstring_examples():
    import doctest

    assert doctest.testmod(gd).failed == 0
