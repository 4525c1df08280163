#!/usr/bin/env python3
"""Pick at most BUDGET seed inputs of a cargo-fuzz target that keep the most coverage.

`cargo fuzz cmin` keeps every input that adds a libFuzzer *feature* (an edge with a hit-count
bucket), which for the larger targets leaves well over a thousand files. This script keeps at most
BUDGET of them, greedily: first the inputs that add the most new edges until every edge is covered
(or the budget is spent), then the inputs that add the most new features. Ties go to the smaller
input. Reproduce a corpus (from the fuzz/ directory, after `cargo +nightly fuzz build TARGET`):

    mkdir -p /tmp/out
    target/x86_64-unknown-linux-gnu/release/TARGET -set_cover_merge=1 \
        -merge_control_file=/tmp/TARGET.ctl /tmp/out corpus/TARGET
    python3 select_corpus.py /tmp/TARGET.ctl 200 > keep.txt     # paths of the inputs to keep

The control file's FT lines hold each input's full feature set (with -set_cover_merge=1); its COV
lines list only the PCs new in the merge's own order, so edges are derived from the features
instead: libFuzzer's 8-bit counter feature is `edge * 8 + bucket`.
"""
import sys


def main():
    ctl, budget = sys.argv[1], int(sys.argv[2])
    lines = open(ctl).read().split("\n")
    n = int(lines[0])
    files = lines[2 : 2 + n]
    ft, size = {}, {}
    for line in lines[2 + n :]:
        p = line.split()
        if not p:
            continue
        if p[0] == "STARTED":
            size[int(p[1])] = int(p[2])
        elif p[0] == "FT":
            ft[int(p[1])] = set(map(int, p[2:]))
    edges = {i: {f >> 3 for f in fs} for i, fs in ft.items()}
    all_ft = set().union(*ft.values()) if ft else set()
    all_edges = set().union(*edges.values()) if edges else set()
    chosen, taken, got_ft, got_edges = [], set(), set(), set()
    for gain in (lambda i: edges[i] - got_edges, lambda i: ft[i] - got_ft):
        while len(chosen) < budget:
            best = None
            for i in ft:
                if i in taken:
                    continue
                new = len(gain(i))
                if new and (best is None or (-new, size.get(i, 0), i) < best):
                    best = (-new, size.get(i, 0), i)
            if best is None:
                break
            i = best[2]
            chosen.append(i)
            taken.add(i)
            got_ft |= ft[i]
            got_edges |= edges[i]
    print(
        f"{len(files)} inputs, {len(all_edges)} edges, {len(all_ft)} features; kept {len(chosen)}: "
        f"{len(got_edges)} edges, {len(got_ft)} features",
        file=sys.stderr,
    )
    for i in chosen:
        print(files[i])


if __name__ == "__main__":
    main()
