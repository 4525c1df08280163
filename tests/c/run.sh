#!/usr/bin/env bash
# Builds every tests/c/test_*.c against the static library and runs it (ASan + UBSan when the
# compiler supports them), then syntax-checks them against musl when musl-gcc is installed.
# Usage: tests/c/run.sh   (from anywhere)
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
# musl defines `#define stderr (stderr)`: every test (and so the header) must compile against
# its stdio.h too (syntax only: the static library is built for the host libc).
if command -v musl-gcc >/dev/null; then
  for src in tests/c/test_*.c; do
    musl-gcc -std=c11 -Wall -Wextra -Werror -Iinclude -fsyntax-only "$src"
  done
  echo "every C test compiles against musl's headers"
else
  echo "(musl-gcc not found: musl header check skipped)"
fi
