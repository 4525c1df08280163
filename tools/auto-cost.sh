#!/usr/bin/env bash
# AUTO against one default full-oscillator fit in instructions (callgrind: repeatable under load),
# on the LM harness's oscillator cases (docs/fit.md, AUTO).
# Needs: valgrind, python3 with numpy (gen_data.py). Usage: tools/auto-cost.sh
#   UNSEEN=1 [SEED=777] tools/auto-cost.sh    the shifted problem set of tools/harness-compare.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/harness-set.sh"
harness_set auto_cost
echo "| case | full fit (instr/curve) | AUTO (instr/curve) | ratio |"
echo "|---|---:|---:|---:|"
for c in oscU_n200 oscU_n2000 oscO_n200 oscO_n2000; do
  n=$(harness_ir none "$c"); f=$(harness_ir full "$c"); a=$(harness_ir auto "$c")
  awk -v c="$c" -v n="$n" -v f="$f" -v a="$a" \
    'BEGIN { printf "| %s | %d | %d | %.2fx |\n", c, (f - n) / 100, (a - n) / 100, (a - n) / (f - n) }'
done
