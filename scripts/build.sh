#!/usr/bin/env bash
# Release build of the Worker into build/ with worker-build, fully offline.
# DOCKYARD_SKIP_BUILD=1 skips it when build/ is already there (the test run builds
# once, then wrangler's [build] hook would otherwise build again).
# DOCKYARD_QUICK_BUILD=1 builds the `quick` profile instead (no LTO, no
# wasm-opt; seconds instead of minutes) for local edit-test loops only.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${DOCKYARD_SKIP_BUILD:-}" = 1 ] && [ -f build/worker/shim.mjs ]; then exit 0; fi
export PATH="$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_BIN=wasm-bindgen
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
DOCKYARD_BUILD=$(git rev-parse --short=12 HEAD 2>/dev/null || echo dev)
export DOCKYARD_BUILD
if [ "${DOCKYARD_QUICK_BUILD:-}" = 1 ]; then
  worker-build --profile quick --no-opt
else
  worker-build --release
fi
