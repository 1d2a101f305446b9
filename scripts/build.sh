#!/usr/bin/env bash
# Release build of the Worker into build/ with worker-build, fully offline, then
# wasm-opt (here rather than in worker-build, which always keeps the names
# section: +79 KB gzip; flags and figures in bench/README.md, "Bundle size").
# DOCKYARD_SKIP_BUILD=1 skips it when build/ is already there (the test run builds
# once, then wrangler's [build] hook would otherwise build again).
# DOCKYARD_QUICK_BUILD=1 builds the `quick` profile instead (no LTO, no
# wasm-opt; seconds instead of minutes) for local edit-test loops only.
# DOCKYARD_KEEP_NAMES=1 keeps the function names, for readable wasm stack traces.
# The Studio's CSS/JS (scripts/build-ui.sh, about a second) is built every
# time, unless skipped with both already built: wrangler.toml's [assets]
# directory must exist, and rebuilding it (rm -rf, then write) under running
# workers (a suite's `wrangler deploy --dry-run` runs this hook) made their
# asset servers lose files, such as /api/v1/openapi.json, mid-run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${DOCKYARD_SKIP_BUILD:-}" = 1 ] && [ -f build/worker/shim.mjs ] && [ -f studio-ui/dist/api/v1/openapi.json ]; then exit 0; fi
bash scripts/build-ui.sh
if [ "${DOCKYARD_SKIP_BUILD:-}" = 1 ] && [ -f build/worker/shim.mjs ]; then exit 0; fi
export PATH="$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_BIN=wasm-bindgen
export WASM_OPT_BIN="$PWD/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/.bin/esbuild"
DOCKYARD_BUILD=$(git rev-parse --short=12 HEAD 2>/dev/null || echo dev)
export DOCKYARD_BUILD
if [ "${DOCKYARD_QUICK_BUILD:-}" = 1 ]; then
  worker-build --profile quick --no-opt
  exit 0
fi
worker-build --release
# The wasm features workerd supports, as worker-build passes them (no
# --all-features: newer binaryen encodings could outrun workerd).
features=(mutable-globals sign-ext nontrapping-float-to-int bulk-memory multivalue reference-types exception-handling)
names=(--strip-debug --strip-producers)
if [ "${DOCKYARD_KEEP_NAMES:-}" = 1 ]; then names=(--debuginfo); fi
"$WASM_OPT_BIN" build/index_bg.wasm -o build/index_bg.opt.wasm -Oz "${features[@]/#/--enable-}" "${names[@]}"
mv build/index_bg.opt.wasm build/index_bg.wasm
