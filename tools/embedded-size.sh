#!/usr/bin/env bash
# .text / .rodata of the embedded proof binary (tests/embedded, thumbv7em-none-eabihf, opt-level "s",
# no allocator) for each feature set. Needs: rustup component add llvm-tools; rustup target add
# thumbv7em-none-eabihf.
# Usage: tools/embedded-size.sh          the README table
#        tools/embedded-size.sh --nm     plus the 20 largest symbols of each binary
set -euo pipefail
cd "$(dirname "$0")/../tests/embedded"
size=$(find "$(rustc --print sysroot)" -name llvm-size | head -n1)
[ -n "$size" ] || { echo "llvm-size missing: rustup component add llvm-tools" >&2; exit 1; }
nm="$(dirname "$size")/llvm-nm"
bin=target/thumbv7em-none-eabihf/release/grpo-dynamics-embedded
echo "| linked code (f32) | features | .text bytes | .rodata bytes |"
echo "|---|---|---:|---:|"
for f in "" "micromath" "compact" "compact,micromath" \
  "predictor" "micromath,predictor" "compact,predictor" "compact,micromath,predictor"; do
  cargo build -q --release --features "$f"
  what="trajectory + fit + stability"
  case "$f" in *predictor*) what="$what + predictor";; esac
  "$size" -A "$bin" | awk -v w="$what" -v f="${f:-default}" \
    '/^\.text/{t=$2} /^\.rodata/{r=$2} END{printf "| %s | %s | %d | %d |\n", w, f, t, r}'
  if [ "${1:-}" = "--nm" ]; then
    "$nm" --size-sort -S -C "$bin" | tail -n 20 | tac |
      awk '{ printf "    %6d %s", ("0x" $2) + 0, $3; for (i = 4; i <= NF; i++) printf " %s", $i; print "" }'
  fi
done
