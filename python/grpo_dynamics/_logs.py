"""Reward-log readers: CSV, JSON lines, Hugging Face ``trainer_state.json``.

The same rules as the sidecar's readers (``examples/sidecar/input.rs``): the format is detected
from the first non-blank character, column / key aliases are tried in order, every reader yields
records with strictly increasing steps, and malformed input raises :class:`LogError` with a
one-line message saying what is wrong and where.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

__all__ = ["Record", "LogError", "parse", "read", "records_from_log_history", "REWARD_KEYS"]

STEP = ("step", "global_step")
#: Keys read as the training reward (first match wins); TRL logs ``reward``.
REWARD_KEYS = ("reward", "train/reward", "reward_mean", "rewards/mean")
EVAL = ("eval_reward", "eval_accuracy", "eval/reward")
ENTROPY = ("entropy", "entropy_mean")
ZERO_STD = ("frac_reward_zero_std",)
REWARD_STD = ("reward_std",)


@dataclass(frozen=True)
class Record:
    """One logged training step."""

    step: float
    reward: float
    eval_reward: Optional[float] = None
    entropy: Optional[float] = None
    frac_reward_zero_std: Optional[float] = None
    reward_std: Optional[float] = None


class LogError(ValueError):
    """A malformed log (one-line message with the place)."""


def _number(field: str, what: str, at: str) -> float:
    s = field.strip()
    try:
        if "_" in s:  # Python accepts digit separators, Rust's parser does not
            raise ValueError
        x = float(s)
    except ValueError:
        raise LogError(f"{at}: {what} is not a number ({s!r})") from None
    if not math.isfinite(x):
        raise LogError(f"{at}: {what} is not finite ({s!r})")
    return x


def _find(header: Sequence[str], names: Sequence[str]) -> Optional[int]:
    for n in names:
        if n in header:
            return header.index(n)
    return None


def parse_csv(text: str, source: str) -> List[Record]:
    """CSV with a header naming at least ``step`` and ``reward``; empty cells = not logged."""
    lines = [(i, line) for i, line in enumerate(text.splitlines()) if line.strip()]
    if not lines:
        raise LogError(f"{source}: empty input")
    head = lines[0][1]
    header = [h.strip().strip('"') for h in head.split(",")]
    i_step, i_reward = _find(header, STEP), _find(header, REWARD_KEYS)
    if i_step is None:
        raise LogError(f"{source}: missing column 'step' in header {head!r}")
    if i_reward is None:
        raise LogError(f"{source}: missing column 'reward' in header {head!r}")
    opt = [_find(header, names) for names in (EVAL, ENTROPY, ZERO_STD, REWARD_STD)]
    out = []
    for lineno, line in lines[1:]:
        at = f"{source}:{lineno + 1}"
        cells = line.split(",")
        if len(cells) != len(header):
            raise LogError(f"{at}: {len(cells)} cells, header has {len(header)}")
        if not cells[i_reward].strip():
            continue  # an eval-only row

        def optional(i: Optional[int], what: str) -> Optional[float]:
            if i is None or not cells[i].strip():
                return None
            return _number(cells[i], what, at)

        out.append(
            Record(
                _number(cells[i_step], "step", at),
                _number(cells[i_reward], "reward", at),
                optional(opt[0], "eval_reward"),
                optional(opt[1], "entropy"),
                optional(opt[2], "frac_reward_zero_std"),
                optional(opt[3], "reward_std"),
            )
        )
    return out


def _json_field(obj: Dict[str, Any], names: Sequence[str], what: str, at: str) -> Optional[float]:
    for n in names:
        if n in obj:
            v = obj[n]
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                raise LogError(f"{at}: {what} is not a number")
            if isinstance(v, str):
                return _number(v, what, at)
            x = float(v)
            if not math.isfinite(x):
                raise LogError(f"{at}: {what} is not a finite number")
            return x
    return None


def record_from_json(obj: Dict[str, Any], at: str) -> Optional[Record]:
    """A record from one log dict (TRL ``log_history`` entry, JSON line), ``None`` without a reward."""
    reward = _json_field(obj, REWARD_KEYS, "reward", at)
    if reward is None:
        return None  # an eval-only or summary entry
    step = _json_field(obj, STEP, "step", at)
    if step is None:
        raise LogError(f"{at}: missing key 'step'")
    return Record(
        step,
        reward,
        _json_field(obj, EVAL, "eval_reward", at),
        _json_field(obj, ENTROPY, "entropy", at),
        _json_field(obj, ZERO_STD, "frac_reward_zero_std", at),
        _json_field(obj, REWARD_STD, "reward_std", at),
    )


def _no_constants(name: str) -> Any:
    raise ValueError(f"invalid JSON literal {name}")


def parse_json_lines(text: str, source: str) -> List[Record]:
    """One JSON object per line with at least ``step`` and ``reward``."""
    out = []
    for lineno, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        at = f"{source}:{lineno + 1}"
        try:
            v = json.loads(line, parse_constant=_no_constants)
        except ValueError as e:
            raise LogError(f"{at}: not a JSON object ({e})") from None
        if not isinstance(v, dict):
            raise LogError(f"{at}: not a JSON object")
        r = record_from_json(v, at)
        if r is not None:
            out.append(r)
    return out


def records_from_log_history(history: Sequence[Dict[str, Any]], source: str = "log_history") -> List[Record]:
    """The entries of a Hugging Face ``log_history`` that carry a reward."""
    out = []
    for i, entry in enumerate(history):
        r = record_from_json(entry, f"{source}: log_history[{i}]")
        if r is not None:
            out.append(r)
    return out


def parse(text: str, source: str = "input") -> List[Record]:
    """Parse a whole log, detecting its format (``{`` with ``log_history``: trainer_state.json;
    ``{`` otherwise: JSON lines; else CSV)."""
    trimmed = text.lstrip()
    if not trimmed:
        raise LogError(f"{source}: empty input (no header, no data)")
    if trimmed.startswith("{"):
        try:
            v = json.loads(text, parse_constant=_no_constants)
        except ValueError:
            v = None
        if isinstance(v, dict) and "log_history" in v:
            if not isinstance(v["log_history"], list):
                raise LogError(f"{source}: 'log_history' is not an array")
            records = records_from_log_history(v["log_history"], source)
        else:
            records = parse_json_lines(text, source)
    else:
        records = parse_csv(text, source)
    if not records:
        raise LogError(f"{source}: no data rows with a reward")
    for a, b in zip(records, records[1:]):
        if b.step <= a.step:
            raise LogError(f"{source}: steps must be strictly increasing (step {b.step:g} follows step {a.step:g})")
    return records


def read(path: str) -> List[Record]:
    """Read and parse a log file (``-`` = standard input)."""
    import sys

    if path == "-":
        return parse(sys.stdin.read(), "stdin")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise LogError(f"{path}: {e.strerror}") from None
    return parse(text, path)
