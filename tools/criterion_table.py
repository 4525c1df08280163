#!/usr/bin/env python3
"""Print criterion medians as a markdown table (standard library only).

Usage: tools/criterion_table.py GROUP [GROUP ...]   (after `cargo bench --bench ...`)
For benchmarks with an element throughput the median per element is shown too.
"""
import json
import os
import sys

root = os.path.join(os.path.dirname(__file__), "..", "target", "criterion")


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.2f} ns"


print("| group | benchmark | median | per element |")
print("|---|---|---:|---:|")
for group in sys.argv[1:]:
    base = os.path.join(root, group)
    rows = []
    for dirpath, _, files in os.walk(base):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "estimates.json")) as f:
            med = json.load(f)["median"]["point_estimate"]
        per = ""
        try:
            with open(os.path.join(dirpath, "benchmark.json")) as f:
                b = json.load(f)
            thr = b.get("throughput") or {}
            n = thr.get("Elements") or thr.get("elements")
            if n:
                per = fmt(med / n)
            name = b.get("title") or b.get("full_id")
        except (OSError, ValueError):
            name = os.path.relpath(os.path.dirname(dirpath), base)
        rows.append((name, fmt(med), per))
    for name, med, per in sorted(rows):
        print(f"| {group} | {name} | {med} | {per} |")
