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
# Everything in the header must be part of the C ABI: names start with grpo_ / GRPO_.
leaks=$(grep -E '^#define [A-Za-z_]+|^typedef|^[a-z].*\(' "$out" \
  | grep -vE '^#define GRPO_|^typedef (struct|enum) grpo_|^typedef [a-z0-9_]+ grpo_|^[a-z].* \*?grpo_[a-z0-9_]+\(|^#define GRPO_DYNAMICS_H' || true)
if [ -n "$leaks" ]; then
  echo "header exports items outside the C ABI (add them to [export] exclude in cbindgen.toml):" >&2
  echo "$leaks" >&2
  exit 1
fi
