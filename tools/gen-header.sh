#!/usr/bin/env bash
# Regenerate the C header from src/capi with the pinned cbindgen (0.29.4).
# Usage: tools/gen-header.sh [OUTPUT]   (default include/grpo_dynamics.h)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-include/grpo_dynamics.h}
want=0.29.4
have=$(cbindgen --version 2>/dev/null | awk '{print $2}')
if [ "$have" != "$want" ]; then
  echo "cbindgen $want required (found '${have:-none}'): cargo install cbindgen --version $want --locked" >&2
  exit 1
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
IFS=. read -r major minor patch <<<"$version"
tmp=$(mktemp)
cbindgen --quiet --config cbindgen.toml --crate grpo-dynamics --output "$tmp"
sed -e "s/@MAJOR@/$major/" -e "s/@MINOR@/$minor/" -e "s/@PATCH@/$patch/" "$tmp" > "$out"
rm -f "$tmp"
