#!/usr/bin/env bash
# The Studio's static assets: studio-ui/*.{css,js} (and CodeMirror from npm)
# bundled offline by npm's esbuild into studio-ui/dist/ (git-ignored), which
# wrangler.toml's [assets] serves at /studio/assets/... before the Worker runs.
# Sizes are tracked in bench/README.md ("Studio assets").
set -euo pipefail
cd "$(dirname "$0")/.."
ESBUILD="$PWD/node_modules/.bin/esbuild"
out=studio-ui/dist/studio/assets
rm -rf studio-ui/dist
mkdir -p "$out"
"$ESBUILD" studio-ui/studio.js --bundle --minify --format=iife --target=es2022 --outfile="$out/studio.js" --log-level=warning
"$ESBUILD" studio-ui/project.js --bundle --minify --format=iife --target=es2022 --outfile="$out/project.js" --log-level=warning
"$ESBUILD" studio-ui/markdown.js --bundle --minify --format=iife --target=es2022 --outfile="$out/markdown.js" --log-level=warning
"$ESBUILD" studio-ui/editor.js --bundle --minify --format=esm --target=es2022 --outfile="$out/editor.js" --log-level=warning
"$ESBUILD" studio-ui/studio.css --minify --outfile="$out/studio.css" --log-level=warning
cp studio-ui/_headers studio-ui/dist/_headers
