"""Hyperparameter calibration (issue 18): bit-for-bit agreement with the C ABI (``grpo_calibrate``,
``grpo_whatif_*`` through ctypes) on the shared curves that carry ``learning_rate`` and on
curves of the exact bandit simulator (C ``grpo_bandit_simulate``); every bad setting raises the
typed error naming it; ``K`` undetermined is an error, not a number."""

from __future__ import annotations

import csv
import ctypes
import random

import numpy as np
import pytest

import grpo_dynamics as gd
from _capi import Bandit, arr, d, pd, pu32, u32, i32, sz
from conftest import CURVES, curve_paths
from test_parity import assert_bits


class Settings(ctypes.Structure):
    _fields_ = [("lr", d), ("lr_column", pd), ("beta1", d), ("kref", u32), ("lag", u32), ("smooth", u32)]


class Est(ctypes.Structure):
    _fields_ = [("value", d), ("lo", d), ("hi", d)]


class Cal(ctypes.Structure):
    _fields_ = [
        ("r0", d), ("r_star", Est), ("k", Est), ("k_determined", u32), ("kref", u32), ("lag", u32),
        ("reserved", u32), ("rho", d), ("eta", d), ("mu", d), ("delay", d), ("flow50", Est),
        ("flow90", Est), ("t0", d),
    ]


PC, PE = ctypes.POINTER(Cal), ctypes.POINTER(Est)
SIGS = {
    "grpo_calibrate": (i32, [pd, pd, sz, ctypes.POINTER(Settings), PC]),
    "grpo_whatif_zeta": (i32, [PC, u32, PE]),
    "grpo_whatif_regime": (i32, [PC, u32, pu32]),
    "grpo_whatif_critical_kref": (i32, [PC, PE, PE]),
    "grpo_whatif_largest_stable_lr": (i32, [PC, PE]),
    "grpo_whatif_largest_monotone_lr": (i32, [PC, PE]),
    "grpo_whatif_steps": (i32, [PC, d, u32, PE]),
    "grpo_bandit_fixed_point": (i32, [ctypes.POINTER(Bandit), pd, pd]),
    "grpo_bandit_simulate": (i32, [ctypes.POINTER(Bandit), sz, pd]),
}
REGIMES = ["monotone", "overshooting", "oscillatory"]


@pytest.fixture(scope="module")
def lib(clib):
    for name, (restype, argtypes) in SIGS.items():
        fn = getattr(clib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return clib


def c_calibrate(lib, t, r, lr, col, beta1, kref, lag, smooth):
    n = len(t)
    keep = [arr(t), arr(r)] + ([arr(col)] if col is not None else [])
    s = Settings(lr, ctypes.cast(keep[2], pd) if col is not None else None, beta1, kref, lag, smooth)
    out = Cal()
    st = lib.grpo_calibrate(keep[0], keep[1], n, ctypes.byref(s), ctypes.byref(out))
    return st, out


def same_est(py: gd.Estimate, c: Est, what: str) -> None:
    assert_bits([py.value, py.lo, py.hi], [c.value, c.lo, c.hi], what)


def same_or_same_error(call_py, call_c, what):
    """Run both; the C status must equal the Python error's code, else compare the values."""
    try:
        v = call_py()
    except gd.GrpoError as e:
        st, _ = call_c()
        assert st == e.code, (what, st, e.code, str(e))
        return None
    st, out = call_c()
    assert st == 0, (what, st)
    return v, out


def compare(lib, t, r, *, lr, col, beta1, kref, lag, smooth, whatif_lrs, name):
    lag_code = {"constant": 0, "periodic": 1}[lag]
    try:
        cal = gd.calibrate(t, r, lr=lr, lr_column=col, beta1=beta1, kref=kref, lag=lag, smooth=smooth)
    except gd.GrpoError as e:
        st, _ = c_calibrate(lib, t, r, lr, col, beta1, kref, lag_code, smooth)
        assert st == e.code, (name, st, e.code)
        return False
    st, c = c_calibrate(lib, t, r, lr, col, beta1, kref, lag_code, smooth)
    assert st == 0, (name, st)
    assert_bits([cal.r0, cal.rho, cal.eta, cal.mu, cal.delay, cal.t0], [c.r0, c.rho, c.eta, c.mu, c.delay, c.t0], name)
    for f in ("r_star", "flow50", "flow90"):
        same_est(getattr(cal, f), getattr(c, f), f"{name} {f}")
    assert (cal.k_determined, cal.kref, lag_code) == (bool(c.k_determined), c.kref, c.lag), name
    if cal.k_determined:
        same_est(cal.k, c.k, f"{name} k")
    else:
        with pytest.raises(gd.GrpoError) as e:
            cal.k
        assert (e.value.kind, e.value.param) == ("undetermined", "K")
    cp = ctypes.byref(c)
    for other in (1, 2, 4, 16, 64):
        def c_zeta(other=other):
            o = Est()
            return lib.grpo_whatif_zeta(cp, other, ctypes.byref(o)), o

        got = same_or_same_error(lambda: cal.zeta(other), c_zeta, f"{name} zeta")
        if got:
            same_est(got[0], got[1], f"{name} zeta({other})")

        def c_regime(other=other):
            o = (u32 * 3)()
            return lib.grpo_whatif_regime(cp, other, o), o

        got = same_or_same_error(lambda: cal.regime(other), c_regime, f"{name} regime")
        if got:
            ra, o = got
            assert [REGIMES.index(x) for x in (ra.regime, ra.at_k_lo, ra.at_k_hi)] == list(o), name

    def c_crit():
        a, b = Est(), Est()
        return lib.grpo_whatif_critical_kref(cp, ctypes.byref(a), ctypes.byref(b)), (a, b)

    got = same_or_same_error(cal.critical_kref, c_crit, f"{name} critical")
    if got:
        same_est(got[0].exact, got[1][0], f"{name} d_c")
        same_est(got[0].prop9, got[1][1], f"{name} prop9")
    for meth, cname in (("largest_stable_lr", "grpo_whatif_largest_stable_lr"),
                        ("largest_monotone_lr", "grpo_whatif_largest_monotone_lr")):
        def c_one(cname=cname):
            o = Est()
            return getattr(lib, cname)(cp, ctypes.byref(o)), o

        got = same_or_same_error(getattr(cal, meth), c_one, f"{name} {meth}")
        if got:
            same_est(got[0], got[1], f"{name} {meth}")
    for x in whatif_lrs:
        for pct, meth in ((50, cal.t50), (90, cal.t90)):
            def c_steps(x=x, pct=pct):
                o = Est()
                return lib.grpo_whatif_steps(cp, x, pct, ctypes.byref(o)), o

            got = same_or_same_error(lambda: meth(x), c_steps, f"{name} t{pct}")
            if got:
                same_est(got[0], got[1], f"{name} t{pct}({x})")
    return True


def lr_curves():
    """(name, steps, rewards, learning_rate) of the shared curves with a `learning_rate` column
    (rows carrying both)."""
    out = []
    for p in curve_paths():
        with open(p, newline="") as f:
            rows = list(csv.DictReader(f))
        if not rows or "learning_rate" not in rows[0]:
            continue
        t, r, lr = [], [], []
        for row in rows:
            try:
                s, y, x = float(row["step"]), float(row["reward"]), float(row["learning_rate"])
            except (TypeError, ValueError):
                continue
            t.append(s), r.append(y), lr.append(x)
        out.append((p.stem, np.array(t), np.array(r), np.array(lr)))
    return out


def test_calibration_matches_c_abi_on_shared_curves_with_learning_rate(lib):
    curves = lr_curves()
    if not curves:
        pytest.skip(f"no shared curves with learning_rate at {CURVES}")
    calibrated = 0
    for name, t, r, lr in curves:
        n = len(r)
        # the logged column (time on the cumulative learning rate), and its first value as a constant
        for col, eta in ((lr, 1.0), (None, float(lr[0]) if lr[0] > 0 else float(lr.max()))):
            for kref, lag in ((1, "periodic"), (4, "periodic"), (2, "constant")):
                calibrated += compare(lib, t, r, lr=eta, col=col, beta1=0.9, kref=kref, lag=lag,
                                      smooth=(n // 20) | 1, whatif_lrs=(eta / 2, eta * 2), name=name)
    assert calibrated >= len(curves)  # most curves calibrate (a flat or falling one may refuse)


def bandit_curve(lib, rng):
    """A seeded bandit configuration and its deterministic run up to 1.5x its step to 95 %."""
    while True:
        b = Bandit(1.0, rng.uniform(0.0, 0.95), np.exp(rng.uniform(np.log(0.3), np.log(3.0))),
                   rng.uniform(0.05, 0.6), np.exp(rng.uniform(np.log(1 / 32), np.log(0.25))), 0.01,
                   rng.choice([1, 1, 2, 4]), 1, rng.choice([0, 1]), rng.choice([0, 1]))
        p, k = ctypes.c_double(), ctypes.c_double()
        if lib.grpo_bandit_fixed_point(ctypes.byref(b), ctypes.byref(p), ctypes.byref(k)) != 0:
            continue
        if not (k.value > 0) or abs(p.value - b.p_ref) < 0.02:
            continue
        b.eta = (1 - b.mu) / (k.value * np.exp(rng.uniform(np.log(20), np.log(200))))
        steps = 6000
        out = (d * (steps + 1))()
        if lib.grpo_bandit_simulate(ctypes.byref(b), steps, out) != 0:
            continue
        x = np.array(out[:])
        gain = p.value - x[0]
        hit = np.nonzero((x - x[0]) / gain >= 0.95)[0]
        if len(hit) == 0:
            continue
        n = int(1.5 * hit[0]) + 1
        if n < 12:
            continue
        return b, np.arange(n, dtype=float), x[:n]


def test_calibration_matches_c_abi_on_the_bandit(lib):
    rng = random.Random(18)
    for i in range(12):
        b, t, x = bandit_curve(lib, rng)
        lag = ("constant", "periodic")[b.lag]
        assert compare(lib, t, x, lr=b.eta, col=None, beta1=b.mu, kref=b.kref, lag=lag, smooth=1,
                       whatif_lrs=(b.eta / 2, b.eta * 2), name=f"bandit {i}")
        # and with a per-step learning-rate column (constant here: same flow times)
        compare(lib, t, x, lr=1.0, col=np.full(len(t), b.eta), beta1=b.mu, kref=b.kref, lag=lag,
                smooth=1, whatif_lrs=(b.eta,), name=f"bandit {i} column")


def saturation(tau=40.0, n=200):
    t = np.arange(n, dtype=float)
    return t, 0.8 - 0.6 * np.exp(-t / tau)


def raises(kind, param, fn, *a, **kw):
    with pytest.raises(gd.GrpoError) as e:
        fn(*a, **kw)
    assert (e.value.kind, e.value.param) == (kind, param), str(e.value)
    assert isinstance(e.value, ValueError)
    return e.value


def test_bad_settings_raise_the_typed_error_naming_them():
    t, r = saturation()
    cal = gd.calibrate
    raises("out_of_range", "lr", cal, t, r, lr=0.0)
    raises("out_of_range", "lr", cal, t, r, lr=-1e-6)
    raises("out_of_range", "lr", cal, t, r)  # neither lr nor lr_column
    raises("non_finite", "lr", cal, t, r, lr=float("nan"))
    raises("length_mismatch", "lr", cal, t, r, lr_column=np.full(3, 1e-6))
    raises("out_of_range", "lr", cal, t, r, lr_column=np.r_[np.full(199, 1e-6), 0.0])
    raises("out_of_range", "beta1", cal, t, r, lr=1e-6, beta1=1.0)
    raises("out_of_range", "beta1", cal, t, r, lr=1e-6, beta1=-0.1)
    raises("out_of_range", "kref", cal, t, r, lr=1e-6, kref=0)
    raises("out_of_range", "kref", cal, t, r, lr=1e-6, kref=-3)
    raises("out_of_range", "kref", cal, t, r, lr=1e-6, num_iterations=0)
    raises("out_of_range", "kref", cal, t, r, lr=1e-6, steps_per_generation=1.5)
    raises("out_of_range", "kref", cal, t, r, lr=1e-6, kref=2, num_iterations=2)
    raises("unknown_code", "lag", cal, t, r, lr=1e-6, lag="sometimes")
    raises("constant", "gain", cal, t, np.full(200, 0.5), lr=1e-6)
    c = cal(t, r, lr=1e-6, smooth=1)
    raises("out_of_range", "lr", c.t50, 0.0)
    raises("out_of_range", "lr", c.t90, -1.0)
    raises("out_of_range", "kref", c.zeta, 0)
    raises("out_of_range", "kref", c.regime, 0)
    # TRL names multiply
    assert gd.refresh_interval(num_iterations=2, steps_per_generation=4) == 8
    assert cal(t, r, lr=1e-6, num_iterations=2, steps_per_generation=4, smooth=1).kref == 8


def test_k_undetermined_is_an_error_not_a_number():
    # on-policy mu = 0.3: no monotone approach contracts faster than sqrt(0.3) per step; tau 1.5
    t, r = saturation(1.5, 30)
    c = gd.calibrate(t, r, lr=0.01, beta1=0.3, smooth=1)
    assert not c.k_determined
    for fn, a in ((lambda: c.k, ()), (c.critical_kref, ()), (c.largest_stable_lr, ()),
                  (c.largest_monotone_lr, ()), (c.zeta, (2,)), (c.regime, (2,)), (c.oscillator, ())):
        raises("undetermined", "K", fn, *a)
    # the flow time still carries over: t50 at the same lr is the curve's own crossing 1.5 ln 2
    assert abs(c.t50(0.01).value - 1.5 * np.log(2)) < 0.1


def test_slow_tail_inverts_the_exact_spectrum():
    # on-policy: a = 1 + mu - rho - mu / rho with rho = exp(-1/40); every interval holds its value
    t, r = saturation()
    c = gd.calibrate(t, r, lr=1e-3, beta1=0.9, smooth=1)
    rho = np.exp(-1 / 40)
    want = (1.9 - rho - 0.9 / rho) / 1e-3
    assert abs(c.k.value - want) < 1e-3 * want
    for e in (c.k, c.zeta(4), c.critical_kref().exact, c.critical_kref().prop9, c.largest_stable_lr(),
              c.largest_monotone_lr(), c.t50(2e-3), c.t90(5e-4)):
        assert e.lo <= e.value <= e.hi
        assert e.value in e
    assert c.regime(1).regime == "monotone"
    # Prop 9 is (1 - mu) / (eta K) exactly
    assert abs(c.critical_kref().prop9.value - 0.1 / (1e-3 * c.k.value)) < 1e-12 * c.critical_kref().prop9.value
    o = c.oscillator()
    assert isinstance(o, gd.Oscillator) and o.r_star == c.r_star.value
