# Sourced by tools/harness-compare.sh, tools/auto-cost.sh and tools/fit-cost.sh: one way to make
# the LM harness's problem set (../shared/anchors/lm/gen_data.py) in a work directory.
#   harness_set [auto_cost]   makes a temporary $work (removed on exit), copies the harness into
#   it and writes $work/data/*.csv; with `auto_cost`, also builds examples/auto_cost.rs for
#   harness_ir
# UNSEEN=1 [SEED=777]: the same generator with another seed, shifted truth ranges and noise
# 0.025 (plateau/r0 wider, tau/zeta/omega/slow-root ranges moved): a problem set no start rule
# was tuned on (docs/fit.md).
harness_set() {
  local root anchors
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  anchors=${GRPO_ANCHORS_DIR:-$root/../shared/anchors/lm}
  cp -r "$anchors"/. "$work"/
  chmod -R u+w "$work"
  if [ "${UNSEEN:-0}" = 1 ]; then
    sed -i -e "s/^SEED = .*/SEED = ${SEED:-777}/" -e 's/^SD = .*/SD = 0.025/' \
      -e 's/a = rng.uniform(0.4, 0.9); r0 = rng.uniform(0.0, 0.2); tau = rng.uniform(20.0, n \/ 3.0)/a = rng.uniform(0.3, 1.0); r0 = rng.uniform(-0.1, 0.25); tau = rng.uniform(12.0, n \/ 2.5)/' \
      -e 's/rstar = rng.uniform(0.4, 0.9); r0 = rng.uniform(0.0, 0.2)/rstar = rng.uniform(0.3, 1.0); r0 = rng.uniform(-0.1, 0.25)/' \
      -e 's/zeta = rng.uniform(0.2, 0.9)/zeta = rng.uniform(0.15, 0.95)/' \
      -e 's/w = rng.uniform(15.0, 60.0) \/ n/w = rng.uniform(10.0, 70.0) \/ n/' \
      -e 's/rng.uniform(1.1, 3.0)/rng.uniform(1.05, 3.5)/' \
      -e 's/slow = rng.uniform(4.0, 15.0) \/ n/slow = rng.uniform(3.0, 18.0) \/ n/' "$work/gen_data.py"
    [ "$(grep -c -e "SEED = ${SEED:-777}" -e 'uniform(0.3, 1.0)' -e 'uniform(0.15, 0.95)' -e 'uniform(10.0, 70.0)' -e 'uniform(1.05, 3.5)' -e 'uniform(3.0, 18.0)' -e 'n / 2.5' "$work/gen_data.py")" -ge 7 ] \
      || { echo "gen_data.py changed: UNSEEN edits did not apply" >&2; return 1; }
  fi
  (cd "$work" && python3 gen_data.py >/dev/null)
  if [ "${1:-}" = auto_cost ]; then
    (cd "$root" && cargo build -q --release --example auto_cost)
  fi
}

# Instructions of examples/auto_cost.rs over one case under callgrind (tools/auto-cost.sh,
# tools/fit-cost.sh; after `harness_set auto_cost`): `harness_ir MODE CASE`.
harness_ir() {
  local root bin
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  bin="${CARGO_TARGET_DIR:-$root/target}/release/examples/auto_cost"
  MODE=$1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$work/data" "$2" 2>&1 |
    awk '/refs:/ {gsub(",", "", $4); print $4}'
}
