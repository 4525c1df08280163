#!/usr/bin/env bash
# Worst-case stack of a fit and of a predictor refit, measured by stack painting on the host
# (tests/stack.rs, release build, x86_64/aarch64). Prints the README table.
# Usage: tools/stack-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -q --release --test stack -- --nocapture --test-threads=1 2>/dev/null | grep '^|'
