#!/usr/bin/env bash
# Builds every tests/c/test_*.c against the static library and runs it (ASan + UBSan when the
# compiler supports them). Usage: tests/c/run.sh   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo rustc -q --release --lib --features capi --crate-type staticlib
# The native libraries the static archive needs (e.g. -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc).
native=$(cargo rustc -q --release --lib --features capi --crate-type staticlib -- --print native-static-libs 2>&1 \
  | sed -n 's/.*native-static-libs: //p' | tail -n1)
cc=${CC:-cc}
out=target/c-tests
mkdir -p "$out"
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
if ! echo 'int main(void){return 0;}' | "$cc" -x c - $san -o "$out/probe" 2>/dev/null; then
  echo "(sanitizers unavailable with $cc: building without them)"
  san=""
fi
for src in tests/c/test_*.c; do
  exe="$out/$(basename "$src" .c)"
  "$cc" -std=c11 -Wall -Wextra -Werror -O1 -g $san -Iinclude "$src" target/release/libgrpo_dynamics.a $native -o "$exe"
  echo "running $exe"
  "$exe"
done
