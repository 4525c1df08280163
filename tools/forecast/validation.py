#!/usr/bin/env python3
"""Rolling-origin validation of the forecast's components on each run's own prefix (an experiment,
docs/prediction-method.md 4): at each cut with m points, refit every component on the first
floor(v m) points and score its forecast of the mean of the prefix's last part (points v m .. m - 1)
at the step in the middle of that part. Adds c["verr"][v] = {component: absolute error} to the
records of features.py; the rules "val..." of loso.RULES weigh or select components with them.

  python3 tools/forecast/features.py --lib target/release/libgrpo_dynamics.so   # -> /tmp/features.pkl
  python3 tools/forecast/validation.py --lib target/release/libgrpo_dynamics.so # -> /tmp/features_val.pkl
  python3 tools/forecast/rules.py --features /tmp/features_val.pkl --no-stop --rules "$(python3 tools/forecast/validation.py --list)"
  python3 tools/forecast/validation.py --loso /tmp/judge.json   # the split chosen leave-one-source-out
  python3 tools/forecast/validation.py --agreement              # does validation pick the better component?
"""
import argparse
import ctypes
import pickle
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / ".." / "shared" / "bench" / "forecast"))
import components as C  # noqa: E402
import loso as L  # noqa: E402
from features import Config  # noqa: E402

SPLITS = (0.5, 0.6, 0.7, 0.8)
MULTI = {"0.5-0.8": SPLITS, "0.7-0.8": (0.7, 0.8)}  # rolling origins pooled
MIN_FIT = 10  # fewer points in the fitting part: no validation (the rules fall back to equal weights)


def osc_forecast(lib, size, align, ci, steps, rewards, horizon):
    buf = ctypes.create_string_buffer(size + align)
    mem = ctypes.c_void_p((ctypes.addressof(buf) + align - 1) // align * align)
    lib.grpo_predictor_config_default.restype = Config
    cfg = lib.grpo_predictor_config_default()
    cfg.reward_min, cfg.reward_max, cfg.power_weight = ci["rmin"], ci["rmax"], 0.0
    assert lib.grpo_predictor_init_config(mem, ctypes.c_size_t(size), ctypes.byref(cfg)) == 0
    for s, r in zip(steps, rewards):
        lib.grpo_predictor_push(mem, s, r)
    import run as judge
    pr = judge.Prediction()
    st = lib.grpo_predictor_predict(mem, horizon, ctypes.byref(pr))
    return pr.reward_at_horizon if st == 0 else None


def verr(lib, size, align, ci, m, v):
    k = int(v * m)
    if k < MIN_FIT or m - k < 3:
        return None
    st, rw = ci["steps"][:m], ci["rewards"][:m]
    target = float(np.mean(rw[k:m]))
    hz = st[(k + m - 1) // 2]
    t, y, w = C.window(st[:k], rw[:k])
    f = dict(osc=osc_forecast(lib, size, align, ci, st[:k], rw[:k], hz), pow=C.pow3(t, y, w, hz),
             holt=C.holt(t, y, w, hz), level=C.level(t, y, w))
    if f["osc"] is None:
        return None
    f["pair"] = (L.clamp(f["osc"], ci) + L.clamp(f["pow"], ci)) / 2
    return {n: abs(L.clamp(x, ci) - target) for n, x in f.items()}


def agreement(recs):
    for v in SPLITS:
        for x, y in (("osc", "pow"), ("pair", "holt"), ("pow", "holt")):
            hits = []
            for r in recs:
                ci = r["ci"]
                for c in r["cuts"].values():
                    e = c["verr"][v]
                    if e is None:
                        continue
                    d = L.comp(c, ci)
                    tx, ty = abs(d[x] - ci["target"]), abs(d[y] - ci["target"])
                    if tx != ty and e[x] != e[y]:
                        hits.append((e[x] < e[y]) == (tx < ty))
            print(f"split {v}: {x} vs {y}: the smaller validation error picks the better forecast in "
                  f"{np.mean(hits):.2f} of {len(hits)} (run, cut)")


def loso_split(recs, judge_json):
    """The split v of 'val<v> inv (osc, pow)' chosen on the other sources by pooled mean error."""
    import json
    base = {(w["name"], w["cut"]): w["base"] for w in json.load(open(judge_json))["rows"]}
    rows = []
    for s in sorted({L.source(r["ci"]["name"]) for r in recs}):
        train = [r for r in recs if L.source(r["ci"]["name"]) != s]
        test = [r for r in recs if L.source(r["ci"]["name"]) == s]
        v = min(SPLITS + tuple(MULTI), key=lambda v: np.mean([w["e"] for w in L.cut_rows(train, f"val{v} inv (osc, pow)")]))
        print(f"fold {s:<14} split {v}")
        rows += L.cut_rows(test, f"val{v} inv (osc, pow)")
    e = np.array([w["e"] for w in rows])
    bn = list(next(iter(base.values())))
    b = {n: np.array([base[(w["ci"]["name"], w["cut"])][n] for w in rows]) for n in bn}
    print(f"held-out: mean {e.mean():.3f} median {np.median(e):.3f} ratio {e.mean() / min(x.mean() for x in b.values()):.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default="target/release/libgrpo_dynamics.so")
    ap.add_argument("--features", default="/tmp/features.pkl")
    ap.add_argument("--out", default="/tmp/features_val.pkl")
    ap.add_argument("--list", action="store_true", help="print the validation rules' names for rules.py --rules")
    ap.add_argument("--loso", metavar="JUDGE_JSON", help="choose the split leave-one-source-out for the rule "
                    "'val<v> inv (osc, pow)' (features from --out) and print the held-out ratio")
    ap.add_argument("--agreement", action="store_true", help="how often the component with the smaller "
                    "validation error is also the one closer to the protocol's target (features from --out)")
    a = ap.parse_args()
    if a.agreement:
        agreement(pickle.load(open(a.out, "rb")))
        return
    if a.loso:
        loso_split(pickle.load(open(a.out, "rb")), a.loso)
        return
    if a.list:
        print(";".join(["equal (osc, pow)"] + list(L.VAL_RULES)))
        return
    import run as judge
    lib = judge.load(a.lib)
    size, align = int(lib.grpo_predictor_size()), int(lib.grpo_predictor_align())
    recs = pickle.load(open(a.features, "rb"))
    for rec in recs:
        for c in rec["cuts"].values():
            c["verr"] = {v: verr(lib, size, align, rec["ci"], c["m"], v) for v in SPLITS}
            # several origins: root mean square of the errors over the splits that have one
            for key, vs in MULTI.items():
                es = [c["verr"][v] for v in vs if c["verr"][v] is not None]
                c["verr"][key] = {n: float(np.sqrt(np.mean([e[n] ** 2 for e in es]))) for n in es[0]} if es else None
        print(rec["ci"]["name"], flush=True)
    pickle.dump(recs, open(a.out, "wb"))


if __name__ == "__main__":
    main()
