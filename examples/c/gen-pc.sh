#!/usr/bin/env bash
# Writes grpo_dynamics.pc from examples/c/grpo_dynamics.pc.in.
#   examples/c/gen-pc.sh            uninstalled: libdir = <checkout>/target/release (or
#                                   $CARGO_TARGET_DIR/release), includedir = <checkout>/include
#   examples/c/gen-pc.sh PREFIX     installed:   libdir = PREFIX/lib, includedir = PREFIX/include
# Output: target/pkgconfig/grpo_dynamics.pc (OUT=path to override). Version from Cargo.toml,
# Libs.private from `rustc --print native-static-libs` (what a static link needs).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
if [ $# -ge 1 ]; then
  prefix=$1 libdir='${prefix}/lib' includedir='${prefix}/include'
else
  prefix=$root includedir='${prefix}/include'
  if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    libdir=$(cd "$CARGO_TARGET_DIR" 2>/dev/null && pwd || echo "$CARGO_TARGET_DIR")/release
  else
    libdir='${prefix}/target/release'
  fi
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
native=$(cargo rustc -q --release --lib --features capi --crate-type staticlib -- --print native-static-libs 2>&1 \
  | sed -n 's/.*native-static-libs: //p' | tail -n1)
out=${OUT:-target/pkgconfig/grpo_dynamics.pc}
mkdir -p "$(dirname "$out")"
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$libdir|" -e "s|@INCLUDEDIR@|$includedir|" \
  -e "s|@VERSION@|$version|" -e "s|@NATIVE_LIBS@|$native|" examples/c/grpo_dynamics.pc.in > "$out"
echo "$out"
