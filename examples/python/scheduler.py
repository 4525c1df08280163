#!/usr/bin/env python3
"""A training scheduler on the grpo-dynamics C ABI through ctypes: the "no build tools" route.

Standard library only, no compiler: copy the structures, load() and stream() into your scheduler.
(With a Rust toolchain, `pip install ./python` gives the typed package `grpo_dynamics` instead.)

    python3 examples/python/scheduler.py                 built-in synthetic reward stream
    python3 examples/python/scheduler.py FILE.csv        reward log with `step` and `reward` columns
    python3 examples/python/scheduler.py FILE.csv LO HI  explicit reward bounds (e.g. 0 1, -inf inf)

The predictor half of examples/c/scheduler.c, printing the same lines with the same formats (the
C example adds a stability table). It loads target/release/libgrpo_dynamics.so (build it with
`cargo rustc --release --lib --features capi --crate-type cdylib`); set GRPO_LIB to use another
path. Errors print grpo_status_message() and exit with code 1.
"""
import ctypes
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LIB = os.path.join(HERE, "..", "..", "target", "release", "libgrpo_dynamics.so")

GRPO_OK = 0
GRPO_ERR_NOT_READY = 14
REPORT_EVERY = 25


def status_kind(status):
    """GRPO_STATUS_KIND: the error kind of a status."""
    return status & 0xFF


# Structures: field names, types and order exactly as in include/grpo_dynamics.h.
class Oscillator(ctypes.Structure):
    _fields_ = [
        ("r_star", ctypes.c_double),
        ("r0", ctypes.c_double),
        ("v0", ctypes.c_double),
        ("omega", ctypes.c_double),
        ("zeta", ctypes.c_double),
    ]


class Prediction(ctypes.Structure):
    _fields_ = [
        ("plateau", ctypes.c_double),
        ("plateau_lo80", ctypes.c_double),
        ("plateau_hi80", ctypes.c_double),
        ("plateau_lo95", ctypes.c_double),
        ("plateau_hi95", ctypes.c_double),
        ("horizon", ctypes.c_double),
        ("reward_at_horizon", ctypes.c_double),
        ("horizon_lo80", ctypes.c_double),
        ("horizon_hi80", ctypes.c_double),
        ("model", ctypes.c_uint32),
        ("regime", ctypes.c_uint32),
        ("advice", ctypes.c_uint32),
        ("model_code", ctypes.c_uint32),  # GRPO_MODEL_* (in what was padding)
        ("r2", ctypes.c_double),
    ]


def load(path):
    lib = ctypes.CDLL(path)
    d, i32, sz = ctypes.c_double, ctypes.c_int32, ctypes.c_size_t
    pd = ctypes.POINTER(ctypes.c_double)
    sigs = {
        "grpo_version": (ctypes.c_char_p, []),
        "grpo_status_message": (ctypes.c_char_p, [i32]),
        "grpo_trajectory_eval_grid": (i32, [ctypes.POINTER(Oscillator), d, d, sz, pd]),
        "grpo_predictor_size": (sz, []),
        "grpo_predictor_align": (sz, []),
        "grpo_predictor_init": (i32, [ctypes.c_void_p, sz, d, d]),
        "grpo_predictor_push": (i32, [ctypes.c_void_p, d, d]),
        "grpo_predictor_predict": (i32, [ctypes.c_void_p, d, ctypes.POINTER(Prediction)]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


LIB = None


def die(msg):
    sys.stdout.flush()
    sys.stderr.write("error: %s\n" % msg)
    sys.exit(1)


def check(status, what):
    if status != GRPO_OK:
        message = LIB.grpo_status_message(status).decode()
        die("%s: %s (status %d)" % (what, message, status))


def num(x):
    """%.6f, with NaN and infinities spelled as the C example spells them."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return "%.6f" % x


# grpo_dynamics.h: GRPO_ADVICE_CONTINUE 1, GRPO_ADVICE_STOP_PLATEAU 2, GRPO_ADVICE_STOP_COLLAPSING 3
GRPO_ADVICE_STOP_PLATEAU, GRPO_ADVICE_STOP_COLLAPSING = 2, 3
ADVICE = {1: "continue", 2: "stop-plateau", 3: "stop-unstable"}
REGIME = {1: "flat", 2: "saturating", 3: "oscillating", 4: "collapsing"}
MODEL = {1: "constant", 2: "saturation", 3: "critical", 4: "oscillator"}


def parse_number(s):
    s = s.strip(" \t")
    if not s or "_" in s:
        return None
    try:
        v = float(s)
    except ValueError:
        return None
    return v


def read_csv(path):
    try:
        with open(path, "r", newline="") as f:
            lines = f.read().split("\n")
    except OSError as e:
        die("%s: %s" % (path, e.strerror))
    except UnicodeDecodeError:
        die("%s: not a text file" % path)
    steps, rewards = [], []
    step_col = reward_col = None
    have_header = False
    for lineno, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line:
            continue
        fields = line.split(",")
        if len(fields) > 256:
            die("%s:%d: too many columns" % (path, lineno))
        if not have_header:
            have_header = True
            names = [name.strip(" ") for name in fields]
            step_col = names.index("step") if "step" in names else None
            reward_col = names.index("reward") if "reward" in names else None
            if step_col is None or reward_col is None:
                missing = "step" if step_col is None else "reward"
                die("%s:%d: header lacks a '%s' column" % (path, lineno, missing))
            continue
        if len(fields) <= step_col or len(fields) <= reward_col:
            die("%s:%d: missing step or reward field" % (path, lineno))
        step = parse_number(fields[step_col])
        if step is None:
            die("%s:%d: bad step value" % (path, lineno))
        reward = parse_number(fields[reward_col])
        if reward is None:
            die("%s:%d: bad reward value" % (path, lineno))
        steps.append(step)
        rewards.append(reward)
    if not have_header:
        die("%s: empty file" % path)
    if not steps:
        die("%s: no data rows" % path)
    return steps, rewards


def synthetic():
    """Underdamped slow start plus deterministic xorshift64 noise in [-0.02, 0.02)."""
    m = Oscillator(0.7, 0.1, 0.0, 0.05, 0.6)
    n = 240
    out = (ctypes.c_double * n)()
    check(LIB.grpo_trajectory_eval_grid(ctypes.byref(m), 1.0, 1.0, n, out),
          "grpo_trajectory_eval_grid")
    mask = (1 << 64) - 1
    x = 0x9E3779B97F4A7C15
    steps, rewards = [], []
    for i in range(n):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        u = float(x >> 11) * (1.0 / 9007199254740992.0)
        steps.append(float(i + 1))
        rewards.append(out[i] + 0.04 * (u - 0.5))
    print("input: synthetic r_star=0.7 r0=0.1 v0=0 omega=0.05 zeta=0.6 noise=0.02 points=%d" % n)
    return steps, rewards


def print_prediction(tag, step, p):
    print("%s step=%.6g plateau=%s lo80=%s hi80=%s r_at_horizon=%s r2=%s model=%s regime=%s advice=%s"
          % (tag, step, num(p.plateau), num(p.plateau_lo80), num(p.plateau_hi80),
             num(p.reward_at_horizon), num(p.r2), MODEL.get(p.model, "unknown"),
             REGIME.get(p.regime, "unknown"), ADVICE.get(p.advice, "unknown")))


def stream(steps, rewards, lo, hi):
    size, align = LIB.grpo_predictor_size(), LIB.grpo_predictor_align()
    # Caller-owned memory: over-allocate by `align` and start at the first aligned address.
    raw = ctypes.create_string_buffer(size + align)
    addr = ctypes.addressof(raw)
    mem = ctypes.c_void_p(addr + (-addr) % align)
    check(LIB.grpo_predictor_init(mem, size, lo, hi), "grpo_predictor_init")
    print("predictor: reward bounds [%s, %s]" % (num(lo), num(hi)))

    n = len(steps)
    last_advice = 0
    stopped = False
    p = Prediction()
    for i in range(n):
        check(LIB.grpo_predictor_push(mem, steps[i], rewards[i]),
              "grpo_predictor_push (point %d)" % (i + 1))
        horizon = steps[i] + (steps[i] - steps[0])
        s = LIB.grpo_predictor_predict(mem, horizon, ctypes.byref(p))
        if status_kind(s) == GRPO_ERR_NOT_READY:
            continue  # fewer than 6 points
        check(s, "grpo_predictor_predict")
        if p.advice != last_advice:
            print_prediction("advice-change", steps[i], p)
            if p.advice in (GRPO_ADVICE_STOP_PLATEAU, GRPO_ADVICE_STOP_COLLAPSING) and not stopped:
                print("would stop at step=%.6g (point %d of %d)" % (steps[i], i + 1, n))
                stopped = True
            last_advice = p.advice
        elif (i + 1) % REPORT_EVERY == 0:
            print_prediction("progress", steps[i], p)
    if last_advice == 0:
        die("fewer than 6 points: no prediction")
    print("final step=%.6g model=%s regime=%s advice=%s"
          % (steps[-1], MODEL.get(p.model, "unknown"), REGIME.get(p.regime, "unknown"),
             ADVICE.get(p.advice, "unknown")))
    print("plateau %s lo80 %s hi80 %s lo95 %s hi95 %s"
          % (num(p.plateau), num(p.plateau_lo80), num(p.plateau_hi80), num(p.plateau_lo95),
             num(p.plateau_hi95)))
    del raw


def main(argv):
    global LIB
    path = os.environ.get("GRPO_LIB", DEFAULT_LIB)
    try:
        LIB = load(path)
    except OSError as e:
        die("cannot load %s: %s (build it with: cargo rustc --release --lib --features capi "
            "--crate-type cdylib)" % (path, e))
    print("grpo-dynamics scheduler (library %s)" % LIB.grpo_version().decode())
    lo, hi = 0.0, 1.0
    if len(argv) == 1:
        steps, rewards = synthetic()
    elif len(argv) in (2, 4):
        steps, rewards = read_csv(argv[1])
        print("input: %s points=%d" % (argv[1], len(steps)))
        if len(argv) == 4:
            lo, hi = parse_number(argv[2]), parse_number(argv[3])
            if lo is None or hi is None:
                die("bad reward bounds")
        elif not all(0.0 <= r <= 1.0 for r in rewards):
            # default bounds: [0, 1] when every reward is a rate, else unbounded
            lo, hi = -math.inf, math.inf
    else:
        sys.stderr.write("usage: %s [FILE.csv [REWARD_MIN REWARD_MAX]]\n" % argv[0])
        return 1
    stream(steps, rewards, lo, hi)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
