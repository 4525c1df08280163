"""Bit-for-bit agreement of the Python package with the C ABI (ctypes on the cdylib) and with the
Rust API (the example `python_reference`) on the shared real curves."""

from __future__ import annotations

import ctypes
import math
import struct

import numpy as np
import pytest

import grpo_dynamics as gd
from _capi import Bandit, CPredictor, FitOptions, FitResult, GroupNoise, Oscillator, arr
from conftest import bounds

MODEL_CODE = {"none": 0, "constant": 1, "saturation": 2, "critical": 3, "slow_start": 4}
REGIME_CODE = {"unknown": 0, "flat": 1, "saturating": 2, "oscillating": 3, "collapsing": 4}
ADVICE_CODE = {"not_ready": 0, "continue": 1, "stop_plateau": 2, "stop_diverging": 3}
SET_CODE = {k: v[0] for k, v in gd.MODELS.items()}
TERM_CODE = {"ftol": 1, "xtol": 2, "gtol": 3, "max_evaluations": 4, "non_finite": 5, "singular": 6}


def bits(x: float) -> str:
    return "%016x" % struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def assert_bits(a, b, what=""):
    a, b = np.atleast_1d(np.asarray(a, dtype=np.float64)), np.atleast_1d(np.asarray(b, dtype=np.float64))
    assert a.shape == b.shape, what
    assert a.view(np.uint64).tolist() == b.view(np.uint64).tolist(), f"{what}: {a} != {b}"


# ------------------------------------------------------------------------------------ fits


def c_fit(lib, t, y, model):
    o = FitOptions()
    lib.grpo_fit_options_default(ctypes.byref(o))
    o.model = model
    out = FitResult()
    st = lib.grpo_fit(arr(t), arr(y), None, len(t), ctypes.byref(o), ctypes.byref(out))
    return st, out


@pytest.mark.parametrize("model", ["auto", "saturation", "critical", "slow_start", "full", "overdamped"])
def test_fit_matches_c_abi(clib, curves, model):
    compared = 0
    for name, (t, y) in curves.items():
        st, c = c_fit(clib, t, y, SET_CODE[model])
        try:
            f = gd.fit(t, y, model=model)
        except gd.GrpoError as e:
            assert st == e.code, name
            continue
        assert st == 0, name
        n = c.n_params
        assert (SET_CODE[f.model], TERM_CODE[f.termination], len(f.params)) == (c.model, c.termination, n), name
        assert_bits(f.params, c.params[:n], f"{name} params")
        assert_bits(f.stderr, list(c.stderr)[:n], f"{name} stderr")
        for k in ("plateau", "plateau_stderr", "cost", "r2", "aicc"):
            assert_bits(getattr(f, k), getattr(c, k), f"{name} {k}")
        assert (f.iterations, f.evaluations) == (c.iterations, c.evaluations), name
        compared += 1
    assert compared >= len(curves) - 2  # every curve fits (a couple of sets may refuse one)


def test_fit_auto_matches_rust(curves, rust_reference):
    for name, (t, y) in curves.items():
        ref = rust_reference[name]["fit_auto"]
        f = gd.fit_auto(t, y)
        assert SET_CODE[f.model] == ref["model"] and TERM_CODE[f.termination] == ref["termination"], name
        assert [bits(x) for x in f.params] == ref["params"], name
        assert [bits(x) for x in f.stderr] == ref["stderr"], name
        for k in ("plateau", "plateau_stderr", "r2", "aicc", "cost"):
            assert bits(getattr(f, k)) == ref[k], (name, k)
        assert f.evaluations == ref["evaluations"]


# ------------------------------------------------------------------------------------ predictor


def horizon_of(t):
    return t[-1] + max(t[-1] - t[0], 1.0)


def test_predictor_matches_c_abi_at_every_point(clib, curves):
    """Push every point into a Python and a C predictor (same window 256 and bounds) and compare
    every prediction after every push, the errors before the first fit included."""
    for name, (t, y) in curves.items():
        lo, hi = bounds(y)
        h = horizon_of(t)
        py, c = gd.Predictor(lo, hi, window=256), CPredictor(clib, lo, hi)
        # a stride keeps the test short on the 2000-point curves; every prediction still refits
        stride = max(1, len(t) // 150)
        for i, (s, r) in enumerate(zip(t, y)):
            py.push(s, r)
            assert c.push(s, r) == 0
            if i % stride and i + 1 != len(t):
                continue
            st, cp = c.predict(h)
            try:
                p = py.predict(h)
            except gd.GrpoError as e:
                assert e.code == st and e.kind == "not_ready", (name, i)
                continue
            assert st == 0, (name, i)
            got = [p.plateau.value, p.plateau.lo80, p.plateau.hi80, p.plateau.lo95, p.plateau.hi95, p.horizon,
                   p.at_horizon.value, p.at_horizon.lo80, p.at_horizon.hi80, p.r2]
            want = [cp.plateau, cp.plateau_lo80, cp.plateau_hi80, cp.plateau_lo95, cp.plateau_hi95, cp.horizon,
                    cp.reward_at_horizon, cp.horizon_lo80, cp.horizon_hi80, cp.r2]
            assert_bits(got, want, f"{name} point {i}")
            assert (MODEL_CODE[p.model], REGIME_CODE[p.regime], ADVICE_CODE[p.advice.kind]) == (
                cp.model, cp.regime, cp.advice), (name, i)
            # the one model numbering (GRPO_MODEL_*): Python's model_code is the C model_code
            assert p.model_code == cp.model_code == gd.MODEL_CODES[p.model], (name, i)


def _pred_bits(p):
    f6 = lambda f: [bits(x) for x in (f.value, f.sd, f.lo80, f.hi80, f.lo95, f.hi95)]  # noqa: E731
    return {
        "plateau": f6(p.plateau), "horizon": bits(p.horizon), "at_horizon": f6(p.at_horizon),
        "model": MODEL_CODE[p.model], "regime": REGIME_CODE[p.regime], "advice": ADVICE_CODE[p.advice.kind],
        "current": bits(p.advice.current), "expected_gain": bits(p.advice.expected_gain), "r2": bits(p.r2),
    }


def test_predictor_and_diagnose_match_rust(curves, rust_reference):
    for name, (t, y) in curves.items():
        ref = rust_reference[name]
        lo, hi = bounds(y)
        h = horizon_of(t)
        assert bits(h) == ref["horizon"]
        cut = ref["cut"]
        p = gd.Predictor(lo, hi, window=256)
        p.push_many(t[:cut], y[:cut])
        assert _pred_bits(p.predict(h)) == ref["at_cut"], name
        p.push_many(t[cut:], y[cut:])
        assert _pred_bits(p.predict(h)) == ref["full"], name
        d = gd.diagnose(y, steps=t, r_min=lo, r_max=hi)
        assert bits(d.plateau) == ref["diagnose"]["plateau"], name
        heads = ["healthy", "reward_hacking", "advantage_degeneracy", "policy_concentration", "dynamical_instability"]
        verdicts = ["stable", "overshooting", "at_risk", "unstable"]
        assert heads.index(d.headline) == ref["diagnose"]["headline"], name
        assert verdicts.index(d.instability["verdict"]) == ref["diagnose"]["instability"], name


# ------------------------------------------------------------------------------------ trajectory


OSCILLATORS = [
    (0.8, 0.2, 0.0, 0.05, 0.3),  # underdamped
    (0.8, 0.2, 0.0, 0.05, 1.0),  # critical
    (0.9, 0.1, 0.01, 0.02, 3.0),  # overdamped, with slope
    (0.5, 0.6, -0.02, 0.3, 0.05),  # ringing, falling
]


@pytest.mark.parametrize("p", OSCILLATORS)
def test_trajectory_matches_c_abi(clib, p):
    o = gd.Oscillator(*p)
    m = Oscillator(*p)
    t = np.linspace(0, 400, 257)
    out = arr(np.zeros(len(t)))
    assert clib.grpo_trajectory_eval(ctypes.byref(m), arr(t), len(t), out) == 0
    assert_bits(o.value(t), list(out), "eval")
    assert clib.grpo_trajectory_eval_grid(ctypes.byref(m), 0.0, 1.5625, len(t), out) == 0
    assert_bits(o.grid(0.0, 1.5625, len(t)), list(out), "grid")
    vals, jac = o.jacobian(t)
    for i in range(0, len(t), 16):
        v, g = ctypes.c_double(), arr([0.0] * 5)
        assert clib.grpo_trajectory_jacobian(ctypes.byref(m), t[i], ctypes.byref(v), g) == 0
        assert_bits([vals[i], *jac[i]], [v.value, *g], f"jacobian {i}")
    for f in (0.1, 0.5, 0.9):
        tt = ctypes.c_double()
        st = clib.grpo_time_to_fraction(ctypes.byref(m), f, ctypes.byref(tt))
        assert st == 0
        assert_bits(o.time_to_fraction(f), tt.value, "time_to_fraction")


# ------------------------------------------------------------------------------------ stability, noise

HYPERS = [(0.01, 0.9, 1.0), (0.3, 0.8, 0.5), (1e-3, 0.0, 20.0), (0.05, 0.5, 3.0)]


@pytest.mark.parametrize("h", HYPERS)
def test_stability_matches_c_abi(clib, h):
    eta, mu, k = h
    for py_fn, c_name in [(gd.prop9_threshold, "grpo_prop9_threshold"), (gd.critical_lag, "grpo_critical_lag"),
                          (gd.zeta_one_onset, "grpo_zeta_one_onset")]:
        out = ctypes.c_double()
        assert getattr(clib, c_name)(eta, mu, k, ctypes.byref(out)) == 0
        assert_bits(py_fn(eta, mu, k), out.value, c_name)
    for kref in (0.0, 1.0, 4.0, 16.0):
        out = ctypes.c_double()
        assert clib.grpo_zeta(eta, mu, k, kref, ctypes.byref(out)) == 0
        assert_bits(gd.zeta(eta, mu, k, kref), out.value, "zeta")
    for lag, code in (("constant", 0), ("periodic", 1)):
        for py_fn, c_name in [(gd.largest_stable_refresh, "grpo_largest_stable_kref"),
                              (gd.largest_monotone_refresh, "grpo_largest_monotone_kref")]:
            u = ctypes.c_uint32()
            st = getattr(clib, c_name)(eta, mu, k, code, ctypes.byref(u))
            if st == 0 or st & 0xFF == 10:  # an answer, or not reached <-> None
                got = py_fn(eta, mu, k, lag)
                assert got == (u.value if st == 0 else None), (c_name, lag)
            else:  # any other status: the same typed error in Python
                with pytest.raises(gd.GrpoError) as e:
                    py_fn(eta, mu, k, lag)
                assert e.value.code == st, (c_name, lag, st)
        for kref in (1, 2, 8):
            out = ctypes.c_double()
            assert clib.grpo_largest_stable_eta(kref, code, mu, k, ctypes.byref(out)) == 0
            assert_bits(gd.largest_stable_lr(kref, mu, k, lag), out.value, "largest_stable_eta")
            r, rho = ctypes.c_uint32(), ctypes.c_double()
            assert clib.grpo_linear_regime(eta, mu, k, kref, code, ctypes.byref(r), ctypes.byref(rho)) == 0
            name, prho = gd.linear_regime(eta, mu, k, kref, lag)
            assert ["monotone", "overshooting", "oscillatory"].index(name) == r.value
            assert_bits(prho, rho.value, "rho")


def test_noise_matches_c_abi(clib):
    for p in (0.0, 0.1, 0.5, 0.93, 1.0):
        for g in (2, 4, 8, 16):
            out = ctypes.c_double()
            assert clib.grpo_degeneracy(p, g, ctypes.byref(out)) == 0
            assert_bits(gd.degeneracy(p, g), out.value, "degeneracy")
    # preset A of the spec (eta 0.3, mu 0.8, beta 1, p_ref = sigmoid(-3), c = 1/16), constant lag
    kw = dict(eta=0.3, mu=0.8, beta=1.0, p_ref=1 / (1 + math.exp(3)), c=1 / 16, eps=0.0, kref=4)
    compared = 0
    for g in (2, 4, 8):
        for norm, ncode in (("mean", 0), ("std", 1)):
            b = Bandit(kw["eta"], kw["mu"], kw["beta"], kw["p_ref"], kw["c"], kw["eps"], kw["kref"], ncode, 0, 0)
            out = GroupNoise()
            st = clib.grpo_bandit_group_noise(ctypes.byref(b), g, 0, ctypes.byref(out))
            try:
                n = gd.group_noise(g, normalization=norm, **kw)
            except gd.GrpoError as e:
                assert e.code == st
                continue
            assert st == 0
            assert_bits([n.p_star, n.stiffness, n.drift_var, n.var_x, n.var_p, n.degeneracy],
                        [out.p_star, out.stiffness, out.drift_var, out.var_x, out.var_p, out.degeneracy], "noise")
            compared += 1
    assert compared == 6


def test_model_codes_match_the_header():
    """One model numbering (issue 13): ``MODEL_CODES`` is the header's ``GRPO_MODEL_*``, and the
    fit set codes of ``MODELS`` are the same numbers."""
    import re
    from pathlib import Path

    header = (Path(__file__).resolve().parents[2] / "include" / "grpo_dynamics.h").read_text()
    consts = {k.lower(): int(v) for k, v in re.findall(r"#define GRPO_MODEL_([A-Z_]+) (\d+)", header)}
    assert consts == gd.MODEL_CODES
    assert all(gd.MODEL_CODES[name] == code for name, (code, _) in gd.MODELS.items())
