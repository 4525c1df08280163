#!/usr/bin/env bash
# AUTO against one default full-oscillator fit in instructions (callgrind: repeatable under load),
# on the LM harness's oscillator cases (docs/fit.md, AUTO).
# Needs: valgrind, python3 with numpy (gen_data.py). Usage: tools/auto-cost.sh
#   UNSEEN=1 [SEED=777] tools/auto-cost.sh    the shifted problem set of tools/harness-compare.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$root/tools/harness-set.sh"
harness_set "$work"
(cd "$root" && cargo build -q --release --example auto_cost)
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/auto_cost"
ir() { MODE=$1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$work/data" "$2" 2>&1 |
  awk '/refs:/ {gsub(",", "", $4); print $4}'; }
echo "| case | full fit (instr/curve) | AUTO (instr/curve) | ratio |"
echo "|---|---:|---:|---:|"
for c in oscU_n200 oscU_n2000 oscO_n200 oscO_n2000; do
  n=$(ir none "$c"); f=$(ir full "$c"); a=$(ir auto "$c")
  awk -v c="$c" -v n="$n" -v f="$f" -v a="$a" \
    'BEGIN { printf "| %s | %d | %d | %.2fx |\n", c, (f - n) / 100, (a - n) / 100, (a - n) / (f - n) }'
done
