#!/usr/bin/env bash
# Prints the release wasm size, raw and gzip -9 (the figure Cloudflare limits).
# Run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm=build/index_bg.wasm
[ -f "$wasm" ] || { echo "no $wasm: run npm run build first" >&2; exit 1; }
raw=$(stat -c %s "$wasm")
gz=$(gzip -9c "$wasm" | wc -c)
printf 'wasm raw: %d bytes (%.0f KiB)\nwasm gzip: %d bytes (%.0f KiB)\n' "$raw" "$((raw / 1024))" "$gz" "$((gz / 1024))"
