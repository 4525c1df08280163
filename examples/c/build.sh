#!/usr/bin/env bash
# Builds examples/c/scheduler against the STATIC library.
#   examples/c/build.sh            -> target/examples-c/scheduler
#   CFLAGS="-fsanitize=address,undefined" examples/c/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo rustc -q --release --lib --features capi --crate-type staticlib
# The system libraries the static archive needs (printed by rustc; e.g. -lgcc_s -lutil -lrt
# -lpthread -lm -ldl -lc).
native=$(cargo rustc -q --release --lib --features capi --crate-type staticlib -- --print native-static-libs 2>&1 \
  | sed -n 's/.*native-static-libs: //p' | tail -n1)
out=${OUT_DIR:-target/examples-c}
mkdir -p "$out"
# -ffp-contract=off: no fused multiply-adds, so the synthetic input is bit-identical to Python's.
${CC:-cc} -std=c11 -O2 -Wall -Wextra -ffp-contract=off ${CFLAGS:-} -Iinclude examples/c/scheduler.c \
  target/release/libgrpo_dynamics.a $native -o "$out/scheduler"
echo "$out/scheduler"
