"""Shared fixtures: the shared curves, the C library (ctypes) and the Rust reference example.

Paths: curves from ``$GRPO_CURVES_DIR`` (default ``../shared/data/curves`` relative to the crate
root), the cdylib from ``$GRPO_LIB`` (default ``target/release/libgrpo_dynamics.so``, built by
``cargo rustc --release --lib --features capi --crate-type cdylib``), the reference JSON from
``$GRPO_REFERENCE`` (default: produced by ``cargo run --release --example python_reference``).
``python/ci.sh`` builds both; a test whose input is missing is skipped, never silently passed.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]  # the crate root
CURVES = Path(os.environ.get("GRPO_CURVES_DIR", ROOT / ".." / "shared" / "data" / "curves"))
LOGS = CURVES.parent / "logs"


def curve_paths() -> List[Path]:
    """The curve CSVs (a header with `step` and `reward`; LABELS.csv is not a curve)."""
    if not CURVES.is_dir():
        return []
    out = []
    for p in sorted(CURVES.glob("*.csv")):
        with open(p) as f:
            head = [h.strip() for h in f.readline().split(",")]
        if "step" in head and "reward" in head:
            out.append(p)
    return out


def read_curve(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    """(step, reward) of a curve CSV; rows without a reward are skipped (as the Rust tests)."""
    t, y = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                s, r = float(row["step"]), float(row["reward"])
            except (TypeError, ValueError):
                continue
            t.append(s)
            y.append(r)
    return np.array(t), np.array(y)


def bounds(y: np.ndarray) -> Tuple[float, float]:
    """[0, 1] when every reward lies in it, else unbounded (the sidecar's rule)."""
    return (0.0, 1.0) if np.all((y >= 0) & (y <= 1)) else (-np.inf, np.inf)


@pytest.fixture(scope="session")
def curves() -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    paths = curve_paths()
    if not paths:
        pytest.skip(f"no shared curves at {CURVES}")
    return {p.stem: read_curve(p) for p in paths}


@pytest.fixture(scope="session")
def clib():
    from _capi import load

    path = Path(os.environ.get("GRPO_LIB", ROOT / "target" / "release" / "libgrpo_dynamics.so"))
    if not path.exists():
        pytest.skip(f"C library not built at {path}")
    return load(str(path))


@pytest.fixture(scope="session")
def rust_reference() -> Dict[str, dict]:
    env = os.environ.get("GRPO_REFERENCE")
    paths = [str(p) for p in curve_paths()]
    if not paths:
        pytest.skip("no shared curves")
    if env:
        text = Path(env).read_text()
    else:
        try:
            text = subprocess.run(
                ["cargo", "run", "-q", "--release", "--example", "python_reference", "--", *paths],
                cwd=ROOT, check=True, capture_output=True, text=True, timeout=1200,
            ).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            pytest.skip(f"cannot run the Rust reference example: {e}")
    out = {}
    for line in text.splitlines():
        v = json.loads(line)
        out[Path(v["curve"]).stem] = v
    return out
