#!/usr/bin/env python3
"""Per (curve, cut) and per early-stop decision point: the components of the combination
(components.py) and the crate's oscillator forecast through the C ABI of a given library.
Usage: python3 tools/forecast/features.py --lib LIB [--curves DIR] [--out /tmp/features.pkl]"""
import argparse, ctypes, pickle, sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / ".." / "shared" / "bench" / "forecast"))
import components as C  # noqa: E402
import run as judge  # noqa: E402
from forecast_eval import decision_points  # noqa: E402


class Config(ctypes.Structure):
    _fields_ = [("reward_min", ctypes.c_double), ("reward_max", ctypes.c_double), ("min_gain", ctypes.c_double),
                ("min_gain_share", ctypes.c_double), ("confidence", ctypes.c_double), ("min_points", ctypes.c_double),
                ("power_weight", ctypes.c_double), ("interval_k", ctypes.c_double), ("confirmations", ctypes.c_uint32)]


def feats(steps, ys, horizon):
    t, y, w = C.window(steps, ys)
    m5 = C.tail_mask(w, 0.05)
    return dict(level=C.level(t, y, w), m5=float(w[m5].sum()), holt=C.holt(t, y, w, horizon), pow3=C.pow3(t, y, w, horizon), r2p=C.pow3_r2(t, y, w),
                noise=C.noise_sd(y), spread=C.spread(y, w), lvl5=C.level(t, y, w, 0.05),
                span=float(t[-1] - t[0]), t_last=float(t[-1]), evidence=float(w.sum()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default="target/release/libgrpo_dynamics.so")
    ap.add_argument("--curves", default=str(HERE.parents[1] / ".." / "shared" / "data" / "curves"))
    ap.add_argument("--out", default="/tmp/features.pkl")
    a = ap.parse_args()
    lib = judge.load(a.lib)
    size, align = int(lib.grpo_predictor_size()), int(lib.grpo_predictor_align())
    from forecast_eval import CUTS, curve_info
    cis = [c for c in (curve_info(p) for p in sorted(Path(a.curves).glob("*.csv"))) if c is not None]
    recs = [dict(ci=ci, cuts={cut: dict(m=int(cut * ci["n"])) for cut in CUTS}) for ci in cis]
    for rec in recs:
        ci = rec["ci"]

        def new():
            buf = ctypes.create_string_buffer(size + align)
            mem = ctypes.c_void_p((ctypes.addressof(buf) + align - 1) // align * align)
            if hasattr(lib, "grpo_predictor_init_config"):
                # the oscillator family alone: the combination's other component is computed here
                lib.grpo_predictor_config_default.restype = Config
                cfg = lib.grpo_predictor_config_default()
                cfg.reward_min, cfg.reward_max, cfg.power_weight = ci["rmin"], ci["rmax"], 0.0
                st = lib.grpo_predictor_init_config(mem, ctypes.c_size_t(size), ctypes.byref(cfg))
            else:
                st = lib.grpo_predictor_init(mem, size, ci["rmin"], ci["rmax"])
            assert st == 0, st
            return buf, mem

        for cut, c in rec["cuts"].items():
            m = c["m"]
            buf, mem = new()
            for s, r in zip(ci["steps"][:m], ci["rewards"][:m]):
                lib.grpo_predictor_push(mem, s, r)
            pr = judge.Prediction()
            lib.grpo_predictor_predict(mem, ci["horizon"], ctypes.byref(pr))
            c["osc"], c["r2"] = pr.reward_at_horizon, pr.r2
            c["osc_lo"], c["osc_hi"] = pr.horizon_lo80, pr.horizon_hi80
            c.update(feats(ci["steps"][:m], ci["rewards"][:m], ci["horizon"]))
        buf, mem = new()
        pts = set(decision_points(ci["n"]))
        rec["stops"] = {}
        for i, (s, r) in enumerate(zip(ci["steps"], ci["rewards"])):
            lib.grpo_predictor_push(mem, s, r)
            if i in pts:
                pr = judge.Prediction()
                lib.grpo_predictor_predict(mem, ci["final_step"], ctypes.byref(pr))
                d = dict(osc=pr.reward_at_horizon, osc_lo=pr.horizon_lo80, osc_hi=pr.horizon_hi80, plateau=pr.plateau, r2=pr.r2,
                         plateau_lo80=pr.plateau_lo80, plateau_hi80=pr.plateau_hi80,
                         regime=pr.regime, advice=pr.advice)
                d.update(feats(ci["steps"][:i + 1], ci["rewards"][:i + 1], ci["final_step"]))
                rec["stops"][i] = d
        print(ci["name"], flush=True)
    pickle.dump(recs, open(a.out, "wb"))


if __name__ == "__main__":
    main()
