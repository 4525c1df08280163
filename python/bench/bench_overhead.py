"""Overhead bench of the Python package (issue 17), both comparisons measured in the same run.

1. Predictor round trip: replay a shared curve through a fresh Predictor, ``push`` then
   ``predict`` at every point, from Python and from Rust (``examples/python_reference.rs
   --time``, the same loop on the same curve); the ratio Python / Rust must stay below 2.
2. Fitting 1000 curves of 200 points: windows of 200 consecutive points of the shared curves
   (random offsets, seed 0), fitted with ``grpo_dynamics.fit(model="saturation")`` and with
   ``scipy.optimize.curve_fit`` on the same saturation law; speed-up must be >= 20x. The costs
   of both fits are compared so that speed is not bought with worse fits.

    python bench/bench_overhead.py            (from python/, after building the wheel, the
                                               example: cargo build --release --example python_reference)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from conftest import ROOT, bounds, curve_paths, read_curve  # noqa: E402

import grpo_dynamics as gd  # noqa: E402

ROUND_TRIP_CURVES = [
    "halflearned-qwen3-1.7b-gsm8k-grpo-lr1e5",
    "sunshine-qwen35-9b-gsm8k-rho1-s42",
    "happynessi-qwen-alfworld-grpo-replay",
]


def python_round_trip(t, y, seconds=1.0):
    lo, hi = bounds(y)
    horizon = float(t[-1]) * 2.0
    calls, sink = 0, 0.0
    ts, ys = [float(x) for x in t], [float(x) for x in y]
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        p = gd.Predictor(lo, hi, window=256)
        for s, r in zip(ts, ys):
            p.push(s, r)
            try:
                sink += p.predict(horizon).plateau.value
            except gd.GrpoError:
                pass
            calls += 1
    return (time.perf_counter() - start) * 1e9 / calls


def rust_round_trip(path):
    exe = Path(os.environ.get("GRPO_REFERENCE_EXE", ROOT / "target" / "release" / "examples" / "python_reference"))
    out = subprocess.run([str(exe), "--time", str(path)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["ns_per_round_trip"]


def saturation(t, plateau, r0, tau):
    return plateau - (plateau - r0) * np.exp(-t / tau)


def fit_bench(n_curves=1000, n_points=200):
    from scipy.optimize import curve_fit

    pool = [read_curve(p) for p in curve_paths()]
    pool = [(t, y) for t, y in pool if len(t) >= n_points]
    rng = np.random.default_rng(0)
    curves = []
    for _ in range(n_curves):
        t, y = pool[rng.integers(len(pool))]
        i = rng.integers(len(t) - n_points + 1)
        curves.append((t[i : i + n_points] - t[i], y[i : i + n_points]))

    start = time.perf_counter()
    ours = []
    for t, y in curves:
        try:
            ours.append(gd.fit(t, y, model="saturation").cost)
        except gd.GrpoError:
            ours.append(np.nan)
    t_ours = time.perf_counter() - start

    start = time.perf_counter()
    theirs = []
    for t, y in curves:
        span = t[-1] - t[0]
        p0 = (float(y[-20:].mean()), float(y[:20].mean()), span / 3.0)
        try:
            p, _ = curve_fit(saturation, t, y, p0=p0, maxfev=2000)
            theirs.append(0.5 * float(np.sum((saturation(t, *p) - y) ** 2)))
        except (RuntimeError, ValueError):
            theirs.append(np.nan)
    t_scipy = time.perf_counter() - start
    ours, theirs = np.array(ours), np.array(theirs)
    both = np.isfinite(ours) & np.isfinite(theirs)
    rel = (ours[both] - theirs[both]) / np.maximum(theirs[both], 1e-300)
    return {
        "curves": n_curves,
        "points": n_points,
        "grpo_dynamics_s": t_ours,
        "scipy_curve_fit_s": t_scipy,
        "speedup": t_scipy / t_ours,
        "grpo_fails": int(np.sum(~np.isfinite(ours))),
        "scipy_fails": int(np.sum(~np.isfinite(theirs))),
        "cost_lower_or_equal_frac": float(np.mean(rel <= 1e-9)),
        "cost_rel_diff_median": float(np.median(rel)),
        "cost_rel_diff_max": float(np.max(rel)),
    }


def main():
    paths = {p.stem: p for p in curve_paths()}
    rows = []
    for name in ROUND_TRIP_CURVES:
        if name not in paths:
            continue
        t, y = read_curve(paths[name])
        rust = rust_round_trip(paths[name])
        py = python_round_trip(t, y)
        rows.append({"curve": name, "points": len(t), "rust_ns": rust, "python_ns": py, "ratio": py / rust})
    for r in rows:
        print(f"round trip {r['curve']:45s} {r['points']:5d} pts  rust {r['rust_ns'] / 1e3:8.1f} us"
              f"  python {r['python_ns'] / 1e3:8.1f} us  ratio {r['ratio']:.3f}")
    f = fit_bench()
    print(f"fit {f['curves']} curves x {f['points']} points: grpo_dynamics {f['grpo_dynamics_s']:.3f} s, "
          f"scipy curve_fit {f['scipy_curve_fit_s']:.3f} s, speed-up {f['speedup']:.1f}x; failures "
          f"{f['grpo_fails']} / {f['scipy_fails']}; our cost <= scipy's on {f['cost_lower_or_equal_frac']:.1%}, "
          f"relative cost difference median {f['cost_rel_diff_median']:.2e}, max {f['cost_rel_diff_max']:.2e}")
    ok = all(r["ratio"] < 2.0 for r in rows) and f["speedup"] >= 20.0
    print("PASS" if ok else "FAIL", "(round trip within 2x of Rust, fits >= 20x faster than scipy)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
