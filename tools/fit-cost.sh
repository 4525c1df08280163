#!/usr/bin/env bash
# Instructions per default fit (callgrind: repeatable under load) on the LM harness's six cases
# (docs/fit.md, speed): per curve, the parsing alone (`MODE=none`) and the harness's default fit
# (`MODE=default`: the saturation law on sat_*, the full oscillator otherwise, Start::Data,
# Options::default(); examples/auto_cost.rs); prints (default - none) / 100 per case (the mean
# over the 100 curves, restarts included).
# Needs: valgrind, python3 with numpy (gen_data.py). Usage: tools/fit-cost.sh
#   UNSEEN=1 [SEED=777] tools/fit-cost.sh    the shifted problem set of tools/harness-compare.sh
#   RUSTFLAGS="-C target-cpu=haswell" CARGO_TARGET_DIR=... tools/fit-cost.sh   an AVX2 build
#   (valgrind decodes AVX2, not AVX-512: `target-cpu=native` on an AVX-512 host cannot be counted)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/harness-set.sh"
harness_set auto_cost
echo "| case | default fit (instr/curve) |"
echo "|---|---:|"
for c in sat_n200 sat_n2000 oscU_n200 oscU_n2000 oscO_n200 oscO_n2000; do
  n=$(harness_ir none "$c"); d=$(harness_ir default "$c")
  awk -v c="$c" -v n="$n" -v d="$d" 'BEGIN { printf "| %s | %d |\n", c, (d - n) / 100 }'
done
