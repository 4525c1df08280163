#!/usr/bin/env bash
# Worst-case stack of a fit and of a predictor refit, measured by stack painting on the host
# (tests/stack.rs, release build, x86_64/aarch64), default build and `compact` feature.
# The Cortex-M4F figures come from tools/embedded-stack.sh (qemu). Usage: tools/stack-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
run() {
  cargo test -q --release --features "$1" --test stack -- --nocapture --test-threads=1 2>/dev/null |
    grep '^| [^-o]'
}
def=$(run "")
com=$(run "compact")
echo "| operation (host, release) | type | stack bytes, default | stack bytes, compact |"
echo "|---|---|---:|---:|"
paste -d '\t' <(echo "$def") <(echo "$com") |
  awk -F'\t' '{ split($1, a, " [|] "); split($2, b, " [|] "); sub(/ [|]$/, "", a[3]);
               sub(/ [|]$/, "", b[3]); printf "%s | %s | %s |\n", a[1] " | " a[2], a[3], b[3] }'
