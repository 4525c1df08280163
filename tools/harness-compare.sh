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
anchors=${GRPO_ANCHORS_DIR:-$root/../shared/anchors/lm}
reps=${1:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$anchors"/. "$work"/
chmod -R u+w "$work"
cd "$work"
rm -rf out && mkdir -p out
if [ "${UNSEEN:-0}" = 1 ]; then
  # shifted ranges: plateau/r0 wider, tau/zeta/omega/slow-root ranges moved, noise 0.025
  sed -i -e "s/^SEED = .*/SEED = ${SEED:-777}/" -e 's/^SD = .*/SD = 0.025/' \
    -e 's/a = rng.uniform(0.4, 0.9); r0 = rng.uniform(0.0, 0.2); tau = rng.uniform(20.0, n \/ 3.0)/a = rng.uniform(0.3, 1.0); r0 = rng.uniform(-0.1, 0.25); tau = rng.uniform(12.0, n \/ 2.5)/' \
    -e 's/rstar = rng.uniform(0.4, 0.9); r0 = rng.uniform(0.0, 0.2)/rstar = rng.uniform(0.3, 1.0); r0 = rng.uniform(-0.1, 0.25)/' \
    -e 's/zeta = rng.uniform(0.2, 0.9)/zeta = rng.uniform(0.15, 0.95)/' \
    -e 's/w = rng.uniform(15.0, 60.0) \/ n/w = rng.uniform(10.0, 70.0) \/ n/' \
    -e 's/rng.uniform(1.1, 3.0)/rng.uniform(1.05, 3.5)/' \
    -e 's/slow = rng.uniform(4.0, 15.0) \/ n/slow = rng.uniform(3.0, 18.0) \/ n/' gen_data.py
  [ "$(grep -c -e "SEED = ${SEED:-777}" -e 'uniform(0.3, 1.0)' -e 'uniform(0.15, 0.95)' -e 'uniform(10.0, 70.0)' -e 'uniform(1.05, 3.5)' -e 'uniform(3.0, 18.0)' -e 'n / 2.5' gen_data.py)" -ge 7 ] \
    || { echo "gen_data.py changed: UNSEEN edits did not apply" >&2; exit 1; }
fi
python3 gen_data.py >/dev/null
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
