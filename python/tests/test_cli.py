"""``python -m grpo_dynamics FILE`` gives the forecast of the ``grpo-sidecar`` summary (every key
and number of the prediction), on the shared curves (CSV) and logs (trainer_state.json, JSON
lines); log readers' errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LOGS, ROOT, curve_paths
from grpo_dynamics import _logs
from grpo_dynamics.__main__ import main


def sidecar() -> Path:
    p = Path(os.environ.get("GRPO_SIDECAR", ROOT / "target" / "release" / "grpo-sidecar"))
    if not p.exists():
        pytest.skip(f"sidecar not built at {p} (cargo build --release -p grpo-sidecar)")
    return p


def inputs():
    logs = sorted(LOGS.glob("*.trainer_state.json")) + sorted(LOGS.glob("*.jsonl"))
    return [*curve_paths(), *logs]


PREDICTION = [
    "model", "plateau", "plateau_lo80", "plateau_hi80", "plateau_lo95", "plateau_hi95", "horizon",
    "reward_at_horizon", "horizon_lo80", "horizon_hi80", "r2", "regime", "advice", "expected_gain",
    "current", "points",
]


def run_py(args):
    r = subprocess.run([sys.executable, "-m", "grpo_dynamics", *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def test_summary_equals_the_sidecar():
    exe = sidecar()
    paths = inputs()
    if not paths:
        pytest.skip("no shared data")
    for p in paths:
        # the same decision rows (every 10th): the refits warm-start from the previous ones
        want = subprocess.run([str(exe), str(p), "--every", "10"], capture_output=True, text=True)
        code, out, err = run_py([str(p), "--every", "10"])
        assert code == want.returncode, (p, err, want.stderr)
        got, ref = json.loads(out.splitlines()[-1]), json.loads(want.stdout.splitlines()[-1])
        assert got["summary"] is True and ref["summary"] is True
        assert {k: got[k] for k in PREDICTION} == {k: ref[k] for k in PREDICTION}, p


def test_options_equal_the_sidecar():
    exe = sidecar()
    p = next((x for x in curve_paths() if "text2sql" in x.name), None) or curve_paths()[0]
    for args in (["--every", "7", "--group-size", "4"], ["--every", "3", "--horizon", "5000", "--reward-min", "-1"]):
        want = subprocess.run([str(exe), str(p), *args], capture_output=True, text=True)
        code, out, _ = run_py([str(p), *args])
        assert code == want.returncode == 0
        got, ref = json.loads(out.splitlines()[-1]), json.loads(want.stdout.splitlines()[-1])
        assert {k: got[k] for k in PREDICTION} == {k: ref[k] for k in PREDICTION}, args


@pytest.mark.parametrize(
    "text, needle",
    [
        ("", "empty"),
        ("step,loss\n1,2\n", "missing column 'reward'"),
        ("step,reward\n1,abc\n", "not a number"),
        ("step,reward\n1,1_0\n", "not a number"),
        ("step,reward\n2,0.1\n1,0.2\n", "strictly increasing"),
        ("step,reward\n1,nan\n", "not finite"),
        ('{"step": 1}\n{"reward": 0.3}\n', "missing key 'step'"),
        ('{"log_history": 3}', "not an array"),
    ],
)
def test_malformed_logs_are_one_line_errors(text, needle, tmp_path, capsys):
    f = tmp_path / "log"
    f.write_text(text)
    with pytest.raises(_logs.LogError) as e:
        _logs.read(str(f))
    assert needle in str(e.value) and "\n" not in str(e.value)
    assert main([str(f)]) == 2
    assert needle in capsys.readouterr().err


def test_readers_reproduce_the_curve_csv_from_trainer_state():
    """The logs README: a reader's output must reproduce the matching curve's step/reward."""
    from conftest import CURVES, read_curve

    f = LOGS / "alexchilton-lara4090.trainer_state.json"
    c = CURVES / "alexchilton-qwen2.5-0.5b-wordle-grpo-lara4090.csv"
    if not (f.exists() and c.exists()):
        pytest.skip("shared files missing")
    recs = _logs.read(str(f))
    t, y = read_curve(c)
    assert [r.step for r in recs] == list(t) and [r.reward for r in recs] == list(y)
