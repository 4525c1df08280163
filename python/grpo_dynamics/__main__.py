"""``python -m grpo_dynamics FILE``: the sidecar's report of a reward log, from Python.

Reads a CSV, JSON-lines or ``trainer_state.json`` log (``-`` = standard input), streams it into a
:class:`~grpo_dynamics.Predictor` (window 1024, as the sidecar) and prints one JSON object per
decision (every K rows) as it goes; the last line is the summary (prediction + diagnosis). The
prediction keys of the summary are those of ``grpo-sidecar FILE`` with the same numbers when
both decide at the same rows (the test suite compares them with ``--every 1`` and ``--every 7``);
the sidecar's summary has more (first stop, detected keys, skipped diagnostics).

Options: ``--every K`` (a progress line every K points; default about 20 lines), ``--reward-min
X`` / ``--reward-max Y`` (default [0, 1] when every reward lies in it, else unbounded),
``--group-size G`` (enables the degeneracy diagnostic), ``--horizon STEP`` (default: the last
step so far plus the span so far). Malformed input exits with status 2 and a one-line error.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any, Dict, List, Optional, Sequence

from . import GrpoError, Prediction, Predictor, diagnose
from ._logs import LogError, Record, read

USAGE = (
    "usage: python -m grpo_dynamics FILE|- [--every K] [--reward-min X] [--reward-max Y] "
    "[--group-size G] [--horizon STEP]"
)
WINDOW = 1024


def _camel(snake: str) -> str:
    """``stop_plateau`` -> ``StopPlateau`` (the sidecar prints the Rust enum names)."""
    return "".join(w.capitalize() for w in snake.split("_"))


def _num(x: float) -> Optional[float]:
    return x if math.isfinite(x) else None


def prediction_json(p: Prediction) -> Dict[str, Any]:
    """The sidecar's prediction object."""
    return {
        "model": _camel(p.model),
        "plateau": _num(p.plateau.value),
        "plateau_lo80": _num(p.plateau.lo80),
        "plateau_hi80": _num(p.plateau.hi80),
        "plateau_lo95": _num(p.plateau.lo95),
        "plateau_hi95": _num(p.plateau.hi95),
        "horizon": _num(p.horizon),
        "reward_at_horizon": _num(p.at_horizon.value),
        "horizon_lo80": _num(p.at_horizon.lo80),
        "horizon_hi80": _num(p.at_horizon.hi80),
        "r2": _num(p.r2),
        "regime": _camel(p.regime),
        "advice": _camel(p.advice.kind),
        "expected_gain": _num(p.advice.expected_gain),
        "current": _num(p.advice.current),
    }


def _column(records: Sequence[Record], name: str) -> Optional[List[float]]:
    vals = [getattr(r, name) for r in records]
    return None if any(v is None for v in vals) else vals


def _parse_args(argv: Sequence[str]) -> Dict[str, Any]:
    a: Dict[str, Any] = {}
    flags = {"--every": int, "--reward-min": float, "--reward-max": float, "--group-size": int, "--horizon": float}
    it = iter(argv)
    for arg in it:
        if arg in flags:
            v = next(it, None)
            if v is None:
                raise LogError(f"{arg} needs a value")
            try:
                a[arg[2:].replace("-", "_")] = flags[arg](v)
            except ValueError:
                raise LogError(f"{arg}: cannot parse {v!r}") from None
        elif arg in ("-h", "--help"):
            raise LogError(USAGE)
        elif arg.startswith("--"):
            raise LogError(f"unknown option {arg}")
        elif "input" in a:
            raise LogError(f"more than one input ({arg!r})")
        else:
            a["input"] = arg
    if "input" not in a:
        raise LogError(USAGE)
    return a


def run(argv: Sequence[str], out: Any = None) -> None:
    """Print the progress lines and the summary for the log named in ``argv``."""
    out = out or sys.stdout
    a = _parse_args(argv)
    records = read(a["input"])
    rewards = [r.reward for r in records]
    lo_given, hi_given = a.get("reward_min"), a.get("reward_max")
    given = lo_given is not None or hi_given is not None
    # bounds as grpo-sidecar: given, else [0, 1] while every reward lies in it (a reward leaving
    # [0, 1] makes the run unbounded: a fresh predictor is fed the points kept so far)
    unit = True
    lo = lo_given if lo_given is not None else (0.0 if hi_given is None else -math.inf)
    hi = hi_given if hi_given is not None else (1.0 if lo_given is None else math.inf)
    every = max(a.get("every", max(len(records) // 20, 5)), 1)
    try:
        pred = Predictor(lo, hi, window=WINDOW)
    except GrpoError as e:
        raise LogError(f"reward bounds: {e}") from None
    first = records[0].step
    latest: Optional[Prediction] = None
    since = 0
    for i, r in enumerate(records):
        try:
            if not given and unit and not (0.0 <= r.reward <= 1.0):
                unit = False
                lo, hi = -math.inf, math.inf
                pred = Predictor(lo, hi, window=WINDOW)
                pred.push_many([x.step for x in records[:i]], [x.reward for x in records[:i]])
            pred.push(r.step, r.reward)
        except GrpoError as e:
            raise LogError(f"point {i + 1} (step {r.step:g}): {e}") from None
        since += 1
        if since < every:
            continue
        since = 0
        # the horizon as grpo-sidecar: the last step so far plus the span so far
        horizon = a.get("horizon", r.step + max(r.step - first, 1.0))
        line: Dict[str, Any] = {"step": r.step, "points": i + 1, "reward": r.reward}
        try:
            latest = pred.predict(horizon)
            line.update(prediction_json(latest))
        except GrpoError as e:
            line["status"] = str(e)
        out.write(json.dumps(line) + "\n")
    last = records[-1].step
    try:
        latest = pred.predict(a.get("horizon", last + max(last - first, 1.0)))
    except GrpoError:
        raise LogError(
            f"too few points to fit a trajectory ({len(records)} given, at least {pred.config.min_points} needed)"
        ) from None
    try:
        d = diagnose(
            rewards,
            steps=[r.step for r in records],
            r_min=lo,
            r_max=hi,
            eval_reward=_column(records, "eval_reward"),
            entropy=_column(records, "entropy"),
            zero_std_frac=_column(records, "frac_reward_zero_std"),
            group_size=a.get("group_size"),
        )
        diag: Dict[str, Any] = {
            "headline": _camel(d.headline),
            "severity": _camel(d.severity),
            "instability": _camel(d.instability["verdict"]),
        }
        if d.hacking is not None:
            diag["hacking"] = {"verdict": _camel(d.hacking["verdict"]), "plateau_ratio": _num(d.hacking["phi"])}
        if d.degeneracy is not None:
            g = d.degeneracy
            diag["degeneracy"] = {
                "severity": _camel(g["severity"]),
                "observed": _num(g["observed"]),
                "predicted": _num(g["predicted"]),
                "heterogeneous": g["heterogeneous"],
            }
        if d.concentration is not None:
            c = d.concentration
            diag["concentration"] = {"verdict": _camel(c["verdict"]), "entropy_ratio": _num(c["entropy_ratio"])}
    except GrpoError as e:
        diag = {"status": str(e)}
    summary = prediction_json(latest)
    summary.update({"summary": True, "points": len(records), "input": a["input"], "diagnosis": diag})
    out.write(json.dumps(summary) + "\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point (also installed as the ``grpo-dynamics`` command); returns the exit status."""
    try:
        run(sys.argv[1:] if argv is None else argv)
    except LogError as e:
        sys.stdout.flush()
        print(f"grpo-dynamics: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
