#!/usr/bin/env bash
# Worst-case stack on the Cortex-M4F itself: builds tests/embedded's `stack` binary (stack painting
# around each operation, see src/bin/stack.rs) and runs it under qemu-system-arm -M mps2-an386 with
# semihosting, for the default build and the `compact` feature. Prints the README table.
# Needs: qemu-system-arm (Debian package qemu-system-arm), rustup target thumbv7em-none-eabihf.
# Usage: tools/embedded-stack.sh
set -euo pipefail
cd "$(dirname "$0")/../tests/embedded"
command -v qemu-system-arm >/dev/null || { echo "qemu-system-arm missing" >&2; exit 1; }
bin=target/thumbv7em-none-eabihf/release/stack
run() {
  cargo build -q --release --bin stack --features "$1"
  timeout 600 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -kernel "$bin" 2>&1 | grep '^| [^-o]'
}
def=$(run "")
com=$(run "compact")
echo "| operation (thumbv7em, opt-level \"s\") | type | stack bytes, default | stack bytes, compact |"
echo "|---|---|---:|---:|"
paste -d '\t' <(echo "$def") <(echo "$com") |
  awk -F'\t' '{ split($1, a, " [|] "); split($2, b, " [|] "); sub(/ [|]$/, "", a[3]); sub(/ [|]$/, "", b[3]);
               printf "%s | %s | %s |\n", a[1] " | " a[2], a[3], b[3] }'
