#!/usr/bin/env bash
# Side-by-side with MINPACK: fits the shared LM harness problem set (600 curves, 6 cases) with
# cminpack lmder (the harness's own C driver) and with this crate, interleaved per case in the same
# sitting, and scores both with the harness's summarize.py (its own success rule).
#
# Needs: libcminpack-dev, gcc, python3 with numpy (for gen_data.py / summarize.py).
#   apt-get install -y libcminpack-dev pkg-config && pip install numpy scipy
# Usage: tools/harness-compare.sh [REPS]     (default 9 repeats per fit)
#   UNSEEN=1 tools/harness-compare.sh   the same generator with another seed (SEED, default 777)
#   and shifted truth ranges and noise: a problem set no start rule was tuned on.
#   KEEP=DIR keeps a copy of the generated problem set in DIR/data (examples/branch_probe.rs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reps=${1:-9}
. "$root/tools/harness-set.sh"
harness_set
cd "$work"
rm -rf out && mkdir -p out
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp -r data "$KEEP"/; fi
gcc -O2 -march=native -o c/bench_cminpack c/bench_cminpack.c $(pkg-config --cflags --libs cminpack) -lm
(cd "$root" && RUSTFLAGS="-C target-cpu=native" cargo build -q --release --example harness_fit)
fit="$root/target/release/examples/harness_fit"
for c in sat_n200 sat_n2000 oscU_n200 oscU_n2000 oscO_n200 oscO_n2000; do
  echo "case $c" >&2
  c/bench_cminpack "data/$c.csv" "$c" "$reps" >> out/cminpack.csv
  CASE=$c "$fit" data out/grpo.csv "$reps" | grep '^| grpo_default' >> second_runs.md
done
# score the crate's two solvers next to lmder with the harness's own rule
sed -i 's/^ORDER = \["cminpack_lmder",/ORDER = ["cminpack_lmder", "grpo_guess", "grpo_default", "grpo_single",/' summarize.py
python3 summarize.py | sed -n '/## Headline/,/^## [^H]/p' | sed '$d'
# how often the default path made a second LM run (docs/fit.md "The other branch")
echo; echo "grpo_default: curves (of 100) with a second LM run per case"
awk -F'|' '{gsub(/ /, "", $3); gsub(/ /, "", $9); printf "%s %s\n", $3, $9}' second_runs.md
