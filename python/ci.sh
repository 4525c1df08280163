#!/usr/bin/env bash
# CI of the Python package (issue 17), called by .ci/run: a venv with pinned tools and test
# dependencies, the abi3 wheel built by maturin and installed, the C library and the Rust
# reference programs the parity tests compare with, pytest. Prints its runtime.
set -euo pipefail
cd "$(dirname "$0")"
PY_DIR=$(pwd)
ROOT=$(cd .. && pwd)
export GRPO_CURVES_DIR=${GRPO_CURVES_DIR:-$(cd "$ROOT/.." && pwd)/shared/data/curves}
start=$SECONDS
step() { printf '\n=== python [%4ds] %s\n' "$((SECONDS - start))" "$*"; }

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
export GRPO_LIB="$TARGET/release/libgrpo_dynamics.so"
export GRPO_SIDECAR="$TARGET/release/grpo-sidecar"
VENV=${GRPO_PY_VENV:-$TARGET/py-venv}
step "venv $VENV with pinned tools and test dependencies (requirements-ci.txt)"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-ci.txt
if [ "${1:-}" = deps ]; then
  # `.ci/run` installs the dependencies in the background while the Rust steps compile
  step "dependencies installed in $((SECONDS - start)) s"
  exit 0
fi
export PYO3_PYTHON="$VENV/bin/python"

step "clippy -D warnings on the bindings"
(cd "$ROOT" && cargo clippy -q -p grpo-dynamics-python --all-targets -- -D warnings)

step "abi3 wheel (maturin build --release) and install"
rm -rf "$TARGET/wheels"
"$VENV/bin/maturin" build -q --release -i "$VENV/bin/python" -o "$TARGET/wheels"
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$TARGET"/wheels/grpo_dynamics-*-abi3-*.whl

step "C library (documented command) and the Rust programs the tests compare with"
(cd "$ROOT" && cargo rustc -q --release --lib --features capi --crate-type cdylib \
  && cargo build -q --release --example python_reference -p grpo-dynamics \
  && cargo build -q --release -p grpo-sidecar)

step "pytest (against the installed wheel)"
# run from tests/ with the pytest script: the source tree's grpo_dynamics/ (no extension
# module in it) is not on sys.path, the installed wheel is
set +e
(cd "$PY_DIR/tests" && "$VENV/bin/pytest" -q -p no:cacheprovider --rootdir "$PY_DIR/tests" .)
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no test: that is a failure here"
  rc=1
fi
step "python CI done in $((SECONDS - start)) s (pytest exit $rc)"
exit "$rc"
