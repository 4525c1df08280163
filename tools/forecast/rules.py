#!/usr/bin/env python3
"""Held-out (leave-one-source-out) scores of candidate forecast rules against the protocol's baselines.

  cargo rustc --release --lib --features capi --crate-type cdylib
  python3 ../shared/bench/forecast/run.py --curves ../shared/data/curves \
      --lib target/release/libgrpo_dynamics.so --json /tmp/judge.json        # baselines' errors
  python3 tools/forecast/features.py --lib target/release/libgrpo_dynamics.so  # -> /tmp/features.pkl
  python3 tools/forecast/rules.py [--features /tmp/features.pkl] [--judge /tmp/judge.json]

For every rule of the menu (loso.RULES), with the interval factor k and the stop settings chosen on
the other sources (loso.choose_k, loso.choose_stop), scored on the held-out source, pooled:
  F1   ratio = rule's pooled mean / best baseline's pooled mean (best in hindsight on the same runs),
       and whether the pooled median is below every baseline's median;
  F2   per cut: rule's mean / best baseline's mean at that cut;
  src  per source: rule's mean / best baseline's mean on that source (worst-source risk);
  F3   80 % coverage pooled and per cut;   S1  saved, regret of the early-stop advice.
The baselines' errors come from the judge's --json output (rows[*].base), so the comparison is the
judge's own.
"""
import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import loso as L  # noqa: E402
from forecast_eval import CUTS  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", default="/tmp/features.pkl")
    ap.add_argument("--judge", default="/tmp/judge.json")
    ap.add_argument("--rules", default=";".join(L.RULES), help="rule names separated by ;")
    ap.add_argument("--no-stop", action="store_true", help="skip the stop rule (faster)")
    a = ap.parse_args()
    recs = pickle.load(open(a.features, "rb"))
    base = {(w["name"], w["cut"]): w["base"] for w in json.load(open(a.judge))["rows"]}
    bnames = list(next(iter(base.values())))
    sources = sorted({L.source(r["ci"]["name"]) for r in recs})
    print(f"{len(recs)} runs, {len(sources)} sources; ratios = rule / best baseline in hindsight on the same runs")
    print(f"{'rule':<30} {'F1':>5} {'med<':>4} " + " ".join(f"F2@{int(c * 100)}" for c in CUTS)
          + "  worst src (ratio)         cov  " + ("saved regret" if not a.no_stop else ""))
    for rule in a.rules.split(";"):
        rows, cov, stops = [], [], []
        for s in sources:
            train = [r for r in recs if L.source(r["ci"]["name"]) != s]
            test = [r for r in recs if L.source(r["ci"]["name"]) == s]
            k = L.choose_k(train, rule)
            rs = L.cut_rows(test, rule)
            rows += rs
            cov += [(w["cut"], abs(w["f"] - w["ci"]["target"]) <= L.half_width(k, w["c"], w["ci"]["horizon"])) for w in rs]
            if not a.no_stop:
                setting = L.choose_stop(train, rule, k)
                stops += L.stop_eval(test, rule, k, setting)[2]
        e = np.array([w["e"] for w in rows])
        b = {n: np.array([base[(w["ci"]["name"], w["cut"])][n] for w in rows]) for n in bnames}
        f1 = e.mean() / min(v.mean() for v in b.values())
        med = np.median(e) < min(np.median(v) for v in b.values())
        f2 = []
        for c in CUTS:
            m = np.array([w["cut"] == c for w in rows])
            f2.append(e[m].mean() / min(v[m].mean() for v in b.values()))
        per = {}
        for s in sources:
            m = np.array([L.source(w["ci"]["name"]) == s for w in rows])
            per[s] = e[m].mean() / min(v[m].mean() for v in b.values())
        worst = max(per, key=per.get)
        pc = np.mean([x for _, x in cov])
        line = (f"{rule:<30} {f1:5.3f} {'yes' if med else 'no':>4} " + " ".join(f"{x:5.3f}" for x in f2)
                + f"  {worst[:14]:<14} {per[worst]:5.3f}  {pc:4.2f}")
        if stops:
            line += "  %.3f %.3f" % (np.mean([x for x, _ in stops]), np.mean([y for _, y in stops]))
        print(line)
        print(f"{'':<30} per source: " + " ".join(f"{s[:6]} {per[s]:.2f}" for s in sources)
              + f"; mean {e.mean():.3f} median {np.median(e):.3f}")


if __name__ == "__main__":
    main()
